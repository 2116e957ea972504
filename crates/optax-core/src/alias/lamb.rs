//! `lamb`: Adam's direction scaled per layer by the trust ratio.
//!
//! You et al., *Large Batch Optimization for Deep Learning: Training BERT in 76 minutes*,
//! ICLR 2020 (<https://arxiv.org/abs/1904.00962>).
//!
//! ```text
//! a_t = m̂_t / (sqrt(v̂_t + eps_root) + eps) + weight_decay·p_t     (Adam, decoupled decay)
//! u_t = -lr_t · (‖p_t‖ / ‖a_t‖) · a_t                               (per leaf; 1 if a norm is 0)
//! ```

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
    }
}

impl Lamb {
    /// Decay of the first moment.
    pub fn b1(mut self, b1: impl Into<Hyper>) -> Self {
        self.b1 = b1.into();
        self
    }

    /// Decay of the second moment.
    pub fn b2(mut self, b2: impl Into<Hyper>) -> Self {
        self.b2 = b2.into();
        self
    }

    /// Added to the denominator outside the square root.
    pub fn eps(mut self, eps: impl Into<Hyper>) -> Self {
        self.eps = eps.into();
        self
    }

    /// Added to the second moment inside the square root.
    pub fn eps_root(mut self, eps_root: impl Into<Hyper>) -> Self {
        self.eps_root = eps_root.into();
        self
    }

    /// Decoupled weight decay rate (number or schedule).
    pub fn weight_decay(mut self, weight_decay: impl Into<Hyper>) -> Self {
        self.weight_decay = weight_decay.into();
        self
    }

    /// Decay only the leaves where `mask` is true.
    pub fn mask(mut self, mask: impl Into<Mask>) -> Self {
        self.mask = Some(mask.into());
        self
    }

    /// Sets or clears the mask.
    pub fn mask_opt(mut self, mask: Option<Mask>) -> Self {
        self.mask = mask;
        self
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

crate::alias_transform!(Lamb);

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
