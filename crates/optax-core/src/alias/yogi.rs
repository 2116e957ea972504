//! `yogi`: Yogi.
//!
//! Zaheer, Reddi, Sachan, Kale & Kumar, *Adaptive Methods for Nonconvex Optimization*,
//! NeurIPS 2018
//! (<https://proceedings.neurips.cc/paper/2018/file/90365351ccc7437a1309dc64e4db32a3-Paper.pdf>).
//! The alias keeps `scale_by_yogi`'s `eps_root=0` and `initial_accumulator_value=1e-6`.

use super::built::{alias_setters, alias_transform, Built};
use crate::chain;
use crate::error::Result;
use crate::hyper::Hyper;
use crate::transform::GradientTransformation;
use crate::transforms::{scale_by_learning_rate, scale_by_yogi};

/// `chain(scale_by_yogi(b1, b2, eps), scale_by_learning_rate(lr))` (`optax.yogi`).
#[derive(Clone, Debug)]
pub struct Yogi {
    pub(crate) learning_rate: Hyper,
    pub(crate) b1: Hyper,
    pub(crate) b2: Hyper,
    pub(crate) eps: Hyper,
    built: Built,
}

/// `optax.yogi(learning_rate, b1=0.9, b2=0.999, eps=1e-3)`.
pub fn yogi(learning_rate: impl Into<Hyper>) -> Yogi {
    Yogi {
        learning_rate: learning_rate.into(),
        b1: 0.9.into(),
        b2: 0.999.into(),
        eps: 1e-3.into(),
        built: Built::default(),
    }
}

impl Yogi {
    alias_setters! {
        /// Decay of the first moment.
        b1: impl Into<Hyper>;

        /// Rate of the additive second-moment update.
        b2: impl Into<Hyper>;

        /// Added to the denominator outside the square root.
        eps: impl Into<Hyper>;
    }

    /// The chain this alias stands for.
    pub fn build(&self) -> GradientTransformation {
        let scaling = scale_by_yogi()
            .b1(self.b1.clone())
            .b2(self.b2.clone())
            .eps(self.eps.clone());
        GradientTransformation::new(chain![
            scaling,
            scale_by_learning_rate(self.learning_rate.clone())
        ])
    }

    fn check(&self) -> Result<()> {
        Ok(())
    }
}

alias_transform!(Yogi);

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
        invalid(&yogi(0.1).b1(1.0), "b1");
        invalid(&yogi(0.1).eps(-1.0), "eps");
        let p = params();
        let t = yogi(0.1);
        t.update(p.clone(), &t.init(&p).unwrap(), None, &Extra::none())
            .unwrap();
    }
}
