//! `novograd`: NovoGrad.
//!
//! Ginsburg et al., *Stochastic Gradient Methods with Layer-wise Adaptive Moments for Training
//! of Deep Networks*, 2019 (<https://arxiv.org/abs/1905.11286>); Li et al., *Jasper: An
//! End-to-End Convolutional Neural Acoustic Model*, 2019 (<https://arxiv.org/abs/1904.03288>).
//!
//! ```text
//! m_t = scale_by_novograd(g_t, p_t)    (layer-wise second moment, weight decay inside)
//! u_t = -lr_t · m_t
//! ```

use super::built::{alias_setters, alias_transform, Built};
use crate::chain;
use crate::error::Result;
use crate::hyper::Hyper;
use crate::transform::GradientTransformation;
use crate::transforms::{scale_by_learning_rate, scale_by_novograd};

/// `chain(scale_by_novograd(b1, b2, eps, eps_root, weight_decay), scale_by_learning_rate(lr))`
/// (`optax.novograd`).
#[derive(Clone, Debug)]
pub struct Novograd {
    pub(crate) learning_rate: Hyper,
    pub(crate) b1: Hyper,
    pub(crate) b2: Hyper,
    pub(crate) eps: Hyper,
    pub(crate) eps_root: Hyper,
    pub(crate) weight_decay: Hyper,
    built: Built,
}

/// `optax.novograd(learning_rate, b1=0.9, b2=0.25, eps=1e-6, eps_root=0.0, weight_decay=0.0)`.
pub fn novograd(learning_rate: impl Into<Hyper>) -> Novograd {
    Novograd {
        learning_rate: learning_rate.into(),
        b1: 0.9.into(),
        b2: 0.25.into(),
        eps: 1e-6.into(),
        eps_root: 0.0.into(),
        weight_decay: 0.0.into(),
        built: Built::default(),
    }
}

impl Novograd {
    alias_setters! {
        /// Decay of the first moment.
        b1: impl Into<Hyper>;

        /// Decay of the layer-wise second moment.
        b2: impl Into<Hyper>;

        /// Added to the denominator outside the square root.
        eps: impl Into<Hyper>;

        /// Added to the second moment inside the square root.
        eps_root: impl Into<Hyper>;

        /// Weight decay inside the first moment. Optax types it as a schedule-or-number, but
        /// `scale_by_novograd` multiplies the parameters by it directly, so only a number (or a
        /// tensor) runs; a schedule is rejected.
        weight_decay: impl Into<Hyper>;
    }

    /// The chain this alias stands for.
    pub fn build(&self) -> GradientTransformation {
        let scaling = scale_by_novograd()
            .b1(self.b1.clone())
            .b2(self.b2.clone())
            .eps(self.eps.clone())
            .eps_root(self.eps_root.clone())
            .weight_decay(self.weight_decay.clone());
        GradientTransformation::new(chain![
            scaling,
            scale_by_learning_rate(self.learning_rate.clone())
        ])
    }

    fn check(&self) -> Result<()> {
        Ok(())
    }
}

alias_transform!(Novograd);

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
        let bad = |t: Novograd| matches!(t.init(&p), Err(OptaxError::InvalidHyperparameter { .. }));
        assert!(bad(novograd(0.1).b1(-0.1)));
        assert!(bad(novograd(0.1).b2(1.0)));
        assert!(bad(novograd(0.1).weight_decay(Schedule::new(|_| 0.1))));
        assert!(novograd(Schedule::new(|_| 0.1)).init(&p).is_ok());
    }
}
