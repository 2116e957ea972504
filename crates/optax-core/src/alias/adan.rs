//! `adan`: Adaptive Nesterov momentum with decoupled weight decay.
//!
//! Xie, Zhou, Li, Lin & Yan, *Adan: Adaptive Nesterov Momentum Algorithm for Faster
//! Optimizing Deep Models*, IEEE TPAMI 2024 (<https://arxiv.org/abs/2208.06677>). The alias's
//! `eps_root` default (1e-8) differs from that of `scale_by_adan` (0), as in Optax.

use super::built::{alias_setters, alias_transform, Built};
use crate::chain;
use crate::combine::Mask;
use crate::error::Result;
use crate::hyper::Hyper;
use crate::transform::GradientTransformation;
use crate::transforms::{add_decayed_weights, scale_by_adan, scale_by_learning_rate};

/// `chain(scale_by_adan(..), add_decayed_weights(weight_decay, mask), scale_by_learning_rate(lr))`
/// (`optax.adan`).
#[derive(Clone, Debug)]
pub struct Adan {
    pub(crate) learning_rate: Hyper,
    pub(crate) b1: Hyper,
    pub(crate) b2: Hyper,
    pub(crate) b3: Hyper,
    pub(crate) eps: Hyper,
    pub(crate) eps_root: Hyper,
    pub(crate) weight_decay: Hyper,
    pub(crate) mask: Option<Mask>,
    built: Built,
}

/// `optax.adan(learning_rate, b1=0.98, b2=0.92, b3=0.99, eps=1e-8, eps_root=1e-8,
/// weight_decay=0.0, mask=None)`.
pub fn adan(learning_rate: impl Into<Hyper>) -> Adan {
    Adan {
        learning_rate: learning_rate.into(),
        b1: 0.98.into(),
        b2: 0.92.into(),
        b3: 0.99.into(),
        eps: 1e-8.into(),
        eps_root: 1e-8.into(),
        weight_decay: 0.0.into(),
        mask: None,
        built: Built::default(),
    }
}

impl Adan {
    alias_setters! {
        /// Decay of the average of gradients.
        b1: impl Into<Hyper>;

        /// Decay of the average of gradient differences.
        b2: impl Into<Hyper>;

        /// Decay of the average of the squared term.
        b3: impl Into<Hyper>;

        /// Added to the denominator outside the square root.
        eps: impl Into<Hyper>;

        /// Added to the squared term inside the square root.
        eps_root: impl Into<Hyper>;

        /// Decoupled weight decay rate (number or schedule).
        weight_decay: impl Into<Hyper>;

        /// Decay only the leaves where `mask` is true.
        mask: Some(impl Into<Mask>);

        /// Sets or clears the mask.
        mask_opt(mask: Option<Mask>);
    }

    /// The chain this alias stands for.
    pub fn build(&self) -> GradientTransformation {
        let scaling = scale_by_adan()
            .b1(self.b1.clone())
            .b2(self.b2.clone())
            .b3(self.b3.clone())
            .eps(self.eps.clone())
            .eps_root(self.eps_root.clone());
        let decay = add_decayed_weights(self.weight_decay.clone()).mask_opt(self.mask.clone());
        GradientTransformation::new(chain![
            scaling,
            decay,
            scale_by_learning_rate(self.learning_rate.clone())
        ])
    }

    fn check(&self) -> Result<()> {
        Ok(())
    }
}

alias_transform!(Adan);

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

    fn needs_params(t: &impl Transform) {
        let p = params();
        let s = t.init(&p).unwrap();
        let err = t.update(p.clone(), &s, None, &Extra::none()).unwrap_err();
        assert!(matches!(err, OptaxError::ParamsRequired { .. }), "{err}");
        t.update(p.clone(), &s, Some(&p), &Extra::none()).unwrap();
    }

    #[test]
    fn invalid_hyperparameters_and_params_required() {
        invalid(&adan(0.1).b3(1.0), "b3");
        invalid(&adan(0.1).eps_root(-1.0), "eps_root");
        needs_params(&adan(0.1).weight_decay(0.1).mask(false));
    }
}
