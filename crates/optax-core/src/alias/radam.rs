//! `radam`: Rectified Adam.
//!
//! Liu, Jiang, He, Chen, Liu, Gao & Han, *On the Variance of the Adaptive Learning Rate and
//! Beyond*, ICLR 2020 (<https://arxiv.org/abs/1908.03265>).

use super::built::{alias_setters, alias_transform, Built};
use crate::chain;
use crate::error::Result;
use crate::hyper::Hyper;
use crate::transform::GradientTransformation;
use crate::transforms::{scale_by_learning_rate, scale_by_radam};

/// `chain(scale_by_radam(..), scale_by_learning_rate(lr))` (`optax.radam`).
#[derive(Clone, Debug)]
pub struct Radam {
    pub(crate) learning_rate: Hyper,
    pub(crate) b1: Hyper,
    pub(crate) b2: Hyper,
    pub(crate) eps: Hyper,
    pub(crate) eps_root: Hyper,
    pub(crate) threshold: Hyper,
    pub(crate) nesterov: bool,
    built: Built,
}

/// `optax.radam(learning_rate, b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, threshold=5.0, *,
/// nesterov=False)`.
pub fn radam(learning_rate: impl Into<Hyper>) -> Radam {
    Radam {
        learning_rate: learning_rate.into(),
        b1: 0.9.into(),
        b2: 0.999.into(),
        eps: 1e-8.into(),
        eps_root: 0.0.into(),
        threshold: 5.0.into(),
        nesterov: false,
        built: Built::default(),
    }
}

impl Radam {
    alias_setters! {
        /// Decay of the first moment.
        b1: impl Into<Hyper>;

        /// Decay of the second moment.
        b2: impl Into<Hyper>;

        /// Added to the denominator outside the square root.
        eps: impl Into<Hyper>;

        /// Added to the second moment inside the square root.
        eps_root: impl Into<Hyper>;

        /// The value of `ρ_t` from which the rectified adaptive step is taken.
        threshold: impl Into<Hyper>;

        /// Nesterov momentum.
        nesterov: bool;
    }

    /// The chain this alias stands for.
    pub fn build(&self) -> GradientTransformation {
        let scaling = scale_by_radam()
            .b1(self.b1.clone())
            .b2(self.b2.clone())
            .eps(self.eps.clone())
            .eps_root(self.eps_root.clone())
            .threshold(self.threshold.clone())
            .nesterov(self.nesterov);
        GradientTransformation::new(chain![
            scaling,
            scale_by_learning_rate(self.learning_rate.clone())
        ])
    }

    fn check(&self) -> Result<()> {
        Ok(())
    }
}

alias_transform!(Radam);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::OptaxError;
    use crate::transform::{Extra, Transform};
    use crate::tree::Tree;
    use burn::tensor::{Device, Tensor};

    fn params() -> Tree {
        Tree::builder()
            .leaf("w", Tensor::<1>::ones([3], &Device::flex()))
            .build()
            .unwrap()
    }

    fn invalid(t: &impl Transform, name: &str) {
        let err = t.init(&params()).unwrap_err();
        assert!(
            matches!(err, OptaxError::InvalidHyperparameter { name: ref n, .. } if n == name),
            "{err}"
        );
    }

    #[test]
    fn invalid_hyperparameters_are_errors() {
        invalid(&radam(0.1).b2(1.0), "b2");
        invalid(&radam(0.1).threshold(f64::INFINITY), "threshold");
        let p = params();
        let t = radam(0.1).nesterov(true);
        t.update(p.clone(), &t.init(&p).unwrap(), None, &Extra::none())
            .unwrap();
    }
}
