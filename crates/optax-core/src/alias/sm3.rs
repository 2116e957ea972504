//! `sm3`: SM3 with momentum.
//!
//! Anil, Gupta, Koren & Singer, *Memory-Efficient Adaptive Optimization*, NeurIPS 2019
//! (<https://arxiv.org/abs/1901.11150>).
//!
//! ```text
//! ν_t = scale_by_sm3(g_t; b1 = momentum, b2 = 1)
//! u_t = -learning_rate · ν_t
//! ```

use super::built::{alias_setters, alias_transform, Built};
use crate::chain;
use crate::error::Result;
use crate::hyper::Hyper;
use crate::transform::GradientTransformation;
use crate::transforms::{scale, scale_by_sm3};

/// `chain(scale_by_sm3(momentum), scale(-learning_rate))` (`optax.sm3`). The learning rate is
/// a number (or a tensor), not a schedule, as in Optax.
#[derive(Clone, Debug)]
pub struct Sm3 {
    pub(crate) learning_rate: Hyper,
    pub(crate) momentum: Hyper,
    built: Built,
}

/// `optax.sm3(learning_rate, momentum=0.9)`.
pub fn sm3(learning_rate: impl Into<Hyper>) -> Sm3 {
    Sm3 {
        learning_rate: learning_rate.into(),
        momentum: 0.9.into(),
        built: Built::default(),
    }
}

impl Sm3 {
    alias_setters! {
        /// Decay of the moving average of the scaled updates (`b1` of `scale_by_sm3`).
        momentum: impl Into<Hyper>;
    }

    /// The chain this alias stands for.
    pub fn build(&self) -> GradientTransformation {
        let step = match &self.learning_rate {
            Hyper::Value(v) => Hyper::Value(-v),
            Hyper::Tensor(t) => Hyper::Tensor(t.clone().neg()),
            // Rejected by `check`; `scale` rejects it too.
            Hyper::Schedule(s) => Hyper::Schedule(s.clone()),
        };
        GradientTransformation::new(chain![
            scale_by_sm3().b1(self.momentum.clone()),
            scale(step)
        ])
    }

    fn check(&self) -> Result<()> {
        self.learning_rate.scalar("learning_rate")?;
        Ok(())
    }
}

alias_transform!(Sm3);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::OptaxError;
    use crate::schedules::Schedule;
    use crate::{Transform, Tree};
    use burn::tensor::{Device, Tensor};

    #[test]
    fn invalid_hyperparameters_are_errors() {
        let device = Device::flex();
        let p = Tree::builder()
            .leaf("w", Tensor::<1>::from_floats([1.0, -2.0], &device))
            .build()
            .unwrap();
        let bad = |t: Sm3| matches!(t.init(&p), Err(OptaxError::InvalidHyperparameter { .. }));
        assert!(bad(sm3(Schedule::new(|_| 0.1))));
        assert!(bad(sm3(0.1).momentum(1.0)));
        assert!(sm3(0.1).init(&p).is_ok());
    }
}
