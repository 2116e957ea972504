//! `adabelief`: AdaBelief.
//!
//! Zhuang, Tang, Ding, Tatikonda, Dvornek, Papademetris & Duncan, *AdaBelief Optimizer:
//! Adapting Stepsizes by the Belief in Observed Gradients*, NeurIPS 2020
//! (<https://arxiv.org/abs/2010.07468>). Optax 0.2.8's `adabelief` has no weight decay
//! (later versions add `weight_decay`); chain `add_decayed_weights` for it.

use super::built::{alias_setters, alias_transform, Built};
use crate::chain;
use crate::error::Result;
use crate::hyper::Hyper;
use crate::transform::GradientTransformation;
use crate::transforms::{scale_by_belief, scale_by_learning_rate};

/// `chain(scale_by_belief(..), scale_by_learning_rate(lr))` (`optax.adabelief`).
#[derive(Clone, Debug)]
pub struct Adabelief {
    pub(crate) learning_rate: Hyper,
    pub(crate) b1: Hyper,
    pub(crate) b2: Hyper,
    pub(crate) eps: Hyper,
    pub(crate) eps_root: Hyper,
    pub(crate) nesterov: bool,
    built: Built,
}

/// `optax.adabelief(learning_rate, b1=0.9, b2=0.999, eps=1e-16, eps_root=1e-16, *,
/// nesterov=False)`.
pub fn adabelief(learning_rate: impl Into<Hyper>) -> Adabelief {
    Adabelief {
        learning_rate: learning_rate.into(),
        b1: 0.9.into(),
        b2: 0.999.into(),
        eps: 1e-16.into(),
        eps_root: 1e-16.into(),
        nesterov: false,
        built: Built::default(),
    }
}

impl Adabelief {
    alias_setters! {
        /// Decay of the first moment.
        b1: impl Into<Hyper>;

        /// Decay of the second central moment.
        b2: impl Into<Hyper>;

        /// Added to the denominator outside the square root.
        eps: impl Into<Hyper>;

        /// Added to the second central moment at every step.
        eps_root: impl Into<Hyper>;

        /// Nesterov momentum.
        nesterov: bool;
    }

    /// The chain this alias stands for.
    pub fn build(&self) -> GradientTransformation {
        let scaling = scale_by_belief()
            .b1(self.b1.clone())
            .b2(self.b2.clone())
            .eps(self.eps.clone())
            .eps_root(self.eps_root.clone())
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

alias_transform!(Adabelief);

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
        invalid(&adabelief(0.1).b2(1.0), "b2");
        invalid(&adabelief(0.1).eps_root(-1.0), "eps_root");
        let p = params();
        let t = adabelief(0.1).nesterov(true);
        t.update(p.clone(), &t.init(&p).unwrap(), None, &Extra::none())
            .unwrap();
    }
}
