//! `rprop`: resilient backpropagation (see [`scale_by_rprop`]), with the sign flipped for
//! descent.
//!
//! Riedmiller & Braun, *A Direct Adaptive Method for Faster Backpropagation Learning: The RPROP
//! Algorithm*, IEEE ICNN 1993 (<https://ieeexplore.ieee.org/document/298623>).
//!
//! ```text
//! u_t = -scale_by_rprop(g_t)
//! ```

use super::built::{alias_setters, alias_transform, Built};
use crate::chain;
use crate::error::Result;
use crate::hyper::Hyper;
use crate::transform::GradientTransformation;
use crate::transforms::{scale, scale_by_rprop};

/// `chain(scale_by_rprop(learning_rate, eta_minus, eta_plus, min_step_size, max_step_size),
/// scale(-1.0))` (`optax.rprop`). The learning rate is the initial step size (a number).
#[derive(Clone, Debug)]
pub struct Rprop {
    pub(crate) learning_rate: Hyper,
    pub(crate) eta_minus: Hyper,
    pub(crate) eta_plus: Hyper,
    pub(crate) min_step_size: Hyper,
    pub(crate) max_step_size: Hyper,
    built: Built,
}

/// `optax.rprop(learning_rate, eta_minus=0.5, eta_plus=1.2, min_step_size=1e-6,
/// max_step_size=50.0)`.
pub fn rprop(learning_rate: impl Into<Hyper>) -> Rprop {
    Rprop {
        learning_rate: learning_rate.into(),
        eta_minus: 0.5.into(),
        eta_plus: 1.2.into(),
        min_step_size: 1e-6.into(),
        max_step_size: 50.0.into(),
        built: Built::default(),
    }
}

impl Rprop {
    alias_setters! {
        /// Step-size factor when the gradient changes sign.
        eta_minus: impl Into<Hyper>;

        /// Step-size factor when the gradient keeps its sign.
        eta_plus: impl Into<Hyper>;

        /// Smallest step size.
        min_step_size: impl Into<Hyper>;

        /// Largest step size.
        max_step_size: impl Into<Hyper>;
    }

    /// The chain this alias stands for.
    pub fn build(&self) -> GradientTransformation {
        let rprop = scale_by_rprop(self.learning_rate.clone())
            .eta_minus(self.eta_minus.clone())
            .eta_plus(self.eta_plus.clone())
            .min_step_size(self.min_step_size.clone())
            .max_step_size(self.max_step_size.clone());
        GradientTransformation::new(chain![rprop, scale(-1.0)])
    }

    fn check(&self) -> Result<()> {
        Ok(())
    }
}

alias_transform!(Rprop);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::OptaxError;
    use crate::transform::Transform;
    use crate::tree::Tree;
    use burn::tensor::{Device, Tensor};

    #[test]
    fn invalid_hyperparameters_are_errors() {
        let p = Tree::builder()
            .leaf("w", Tensor::<1>::ones([3], &Device::flex()))
            .build()
            .unwrap();
        let err = rprop(0.1).eta_plus(-1.2).init(&p).unwrap_err();
        assert!(
            matches!(err, OptaxError::InvalidHyperparameter { ref name, .. } if name == "eta_plus")
        );
        let err = rprop(crate::schedules::Schedule::new(|_| 0.1))
            .init(&p)
            .unwrap_err();
        assert!(
            matches!(err, OptaxError::InvalidHyperparameter { ref name, .. } if name == "learning_rate")
        );
    }
}
