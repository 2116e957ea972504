//! `lamb`: Adam's direction scaled per layer by the trust ratio.
//!
//! You et al., *Large Batch Optimization for Deep Learning: Training BERT in 76 minutes*,
//! ICLR 2020 (<https://arxiv.org/abs/1904.00962>).
//!
//! ```text
//! a_t = m̂_t / (sqrt(v̂_t + eps_root) + eps) + weight_decay·p_t     (Adam, decoupled decay)
//! u_t = -lr_t · (‖p_t‖ / ‖a_t‖) · a_t                               (per leaf; 1 if a norm is 0)
//! ```

use super::built::{alias_setters, alias_transform, Built};
use crate::chain;
use crate::combine::Mask;
use crate::error::Result;
use crate::hyper::Hyper;
use crate::transform::GradientTransformation;
use crate::transforms::{
    add_decayed_weights, scale_by_adam, scale_by_learning_rate, scale_by_trust_ratio,
};

/// `chain(scale_by_adam(b1, b2, eps, eps_root), add_decayed_weights(weight_decay, mask),
/// scale_by_trust_ratio(), scale_by_learning_rate(learning_rate))` (`optax.lamb`).
#[derive(Clone, Debug)]
pub struct Lamb {
    pub(crate) learning_rate: Hyper,
    pub(crate) b1: Hyper,
    pub(crate) b2: Hyper,
    pub(crate) eps: Hyper,
    pub(crate) eps_root: Hyper,
    pub(crate) weight_decay: Hyper,
    pub(crate) mask: Option<Mask>,
    built: Built,
}

/// `optax.lamb(learning_rate, b1=0.9, b2=0.999, eps=1e-6, eps_root=0.0, weight_decay=0.0,
/// mask=None)`.
pub fn lamb(learning_rate: impl Into<Hyper>) -> Lamb {
    Lamb {
        learning_rate: learning_rate.into(),
        b1: 0.9.into(),
        b2: 0.999.into(),
        eps: 1e-6.into(),
        eps_root: 0.0.into(),
        weight_decay: 0.0.into(),
        mask: None,
        built: Built::default(),
    }
}

impl Lamb {
    alias_setters! {
        /// Decay of the first moment.
        b1: impl Into<Hyper>;

        /// Decay of the second moment.
        b2: impl Into<Hyper>;

        /// Added to the denominator outside the square root.
        eps: impl Into<Hyper>;

        /// Added to the second moment inside the square root.
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
        let adam = scale_by_adam()
            .b1(self.b1.clone())
            .b2(self.b2.clone())
            .eps(self.eps.clone())
            .eps_root(self.eps_root.clone());
        let decay = add_decayed_weights(self.weight_decay.clone()).mask_opt(self.mask.clone());
        GradientTransformation::new(chain![
            adam,
            decay,
            scale_by_trust_ratio(),
            scale_by_learning_rate(self.learning_rate.clone())
        ])
    }

    fn check(&self) -> Result<()> {
        Ok(())
    }
}

alias_transform!(Lamb);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::OptaxError;
    use crate::transform::{Extra, Transform};
    use crate::tree::Tree;
    use burn::tensor::{Device, Tensor};

    #[test]
    fn invalid_hyperparameters_and_params_required() {
        let p = Tree::builder()
            .leaf("w", Tensor::<1>::ones([3], &Device::flex()))
            .build()
            .unwrap();
        let err = lamb(0.1).b1(1.5).init(&p).unwrap_err();
        assert!(matches!(err, OptaxError::InvalidHyperparameter { ref name, .. } if name == "b1"));
        let t = lamb(0.1);
        let s = t.init(&p).unwrap();
        let err = t.update(p.clone(), &s, None, &Extra::none()).unwrap_err();
        assert!(matches!(err, OptaxError::ParamsRequired { .. }), "{err}");
    }
}
