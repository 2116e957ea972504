//! `lion`: EvoLved Sign Momentum with decoupled weight decay.
//!
//! Chen, Liang, Huang, Real, Wang, Pham, Dong, Luong, Hsieh, Lu & Le, *Symbolic Discovery of
//! Optimization Algorithms*, NeurIPS 2023 (<https://arxiv.org/abs/2302.06675>). The alias uses
//! the paper's `hard` sign (Optax's `lion` does not pass `mode` or `smooth_beta`); the weight
//! decay default is 1e-3.

use burn::tensor::DType;

use super::built::{alias_setters, alias_transform, Built};
use crate::chain;
use crate::combine::Mask;
use crate::error::Result;
use crate::hyper::Hyper;
use crate::transform::GradientTransformation;
use crate::transforms::{add_decayed_weights, scale_by_learning_rate, scale_by_lion};

/// `chain(scale_by_lion(b1, b2, mu_dtype), add_decayed_weights(weight_decay, mask),
/// scale_by_learning_rate(lr))` (`optax.lion`).
#[derive(Clone, Debug)]
pub struct Lion {
    pub(crate) learning_rate: Hyper,
    pub(crate) b1: Hyper,
    pub(crate) b2: Hyper,
    pub(crate) mu_dtype: Option<DType>,
    pub(crate) weight_decay: Hyper,
    pub(crate) mask: Option<Mask>,
    built: Built,
}

/// `optax.lion(learning_rate, b1=0.9, b2=0.99, mu_dtype=None, weight_decay=1e-3, mask=None)`.
pub fn lion(learning_rate: impl Into<Hyper>) -> Lion {
    Lion {
        learning_rate: learning_rate.into(),
        b1: 0.9.into(),
        b2: 0.99.into(),
        mu_dtype: None,
        weight_decay: 1e-3.into(),
        mask: None,
        built: Built::default(),
    }
}

impl Lion {
    alias_setters! {
        /// Weight of the momentum against the current gradient in the step direction.
        b1: impl Into<Hyper>;

        /// Decay of the momentum.
        b2: impl Into<Hyper>;

        /// Storage dtype of the momentum.
        mu_dtype: Option<DType>;

        /// Decoupled weight decay rate (number or schedule).
        weight_decay: impl Into<Hyper>;

        /// Decay only the leaves where `mask` is true.
        mask: Some(impl Into<Mask>);

        /// Sets or clears the mask.
        mask_opt(mask: Option<Mask>);
    }

    /// The chain this alias stands for.
    pub fn build(&self) -> GradientTransformation {
        let scaling = scale_by_lion()
            .b1(self.b1.clone())
            .b2(self.b2.clone())
            .mu_dtype(self.mu_dtype);
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

alias_transform!(Lion);

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
        invalid(&lion(0.1).b1(2.0), "b1");
        invalid(&lion(0.1).b2(1.0), "b2");
        needs_params(&lion(0.1));
    }
}
