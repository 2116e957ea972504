//! `adamax` and `adamaxw`: Adam with the infinity norm, without and with decoupled weight
//! decay.
//!
//! Kingma & Ba, *Adam: A Method for Stochastic Optimization*, ICLR 2015, section 7.1
//! (<https://arxiv.org/abs/1412.6980>); decoupled weight decay: Loshchilov & Hutter,
//! *Decoupled Weight Decay Regularization*, ICLR 2019 (<https://arxiv.org/abs/1711.05101>).

use super::built::{alias_setters, alias_transform, Built};
use crate::chain;
use crate::combine::Mask;
use crate::error::Result;
use crate::hyper::Hyper;
use crate::transform::GradientTransformation;
use crate::transforms::{add_decayed_weights, scale_by_adamax, scale_by_learning_rate};

/// `chain(scale_by_adamax(..), scale_by_learning_rate(lr))` (`optax.adamax`).
#[derive(Clone, Debug)]
pub struct Adamax {
    pub(crate) learning_rate: Hyper,
    pub(crate) b1: Hyper,
    pub(crate) b2: Hyper,
    pub(crate) eps: Hyper,
    built: Built,
}

/// `optax.adamax(learning_rate, b1=0.9, b2=0.999, eps=1e-8)`.
pub fn adamax(learning_rate: impl Into<Hyper>) -> Adamax {
    Adamax {
        learning_rate: learning_rate.into(),
        b1: 0.9.into(),
        b2: 0.999.into(),
        eps: 1e-8.into(),
        built: Built::default(),
    }
}

impl Adamax {
    alias_setters! {
        /// Decay of the first moment.
        b1: impl Into<Hyper>;

        /// Decay of the infinity moment.
        b2: impl Into<Hyper>;

        /// Added to `|g|` inside the maximum.
        eps: impl Into<Hyper>;
    }

    /// The chain this alias stands for.
    pub fn build(&self) -> GradientTransformation {
        let scaling = scale_by_adamax()
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

alias_transform!(Adamax);

/// `chain(scale_by_adamax(..), add_decayed_weights(weight_decay, mask),
/// scale_by_learning_rate(lr))` (`optax.adamaxw`).
#[derive(Clone, Debug)]
pub struct AdamaxW {
    pub(crate) learning_rate: Hyper,
    pub(crate) b1: Hyper,
    pub(crate) b2: Hyper,
    pub(crate) eps: Hyper,
    pub(crate) weight_decay: Hyper,
    pub(crate) mask: Option<Mask>,
    built: Built,
}

/// `optax.adamaxw(learning_rate, b1=0.9, b2=0.999, eps=1e-8, weight_decay=1e-4, mask=None)`.
pub fn adamaxw(learning_rate: impl Into<Hyper>) -> AdamaxW {
    AdamaxW {
        learning_rate: learning_rate.into(),
        b1: 0.9.into(),
        b2: 0.999.into(),
        eps: 1e-8.into(),
        weight_decay: 1e-4.into(),
        mask: None,
        built: Built::default(),
    }
}

impl AdamaxW {
    alias_setters! {
        /// Decay of the first moment.
        b1: impl Into<Hyper>;

        /// Decay of the infinity moment.
        b2: impl Into<Hyper>;

        /// Added to `|g|` inside the maximum.
        eps: impl Into<Hyper>;

        /// Decoupled weight decay rate (number or schedule).
        weight_decay: impl Into<Hyper>;

        /// Decay only the leaves where `mask` is true.
        mask: Some(impl Into<Mask>);

        /// Sets or clears the mask.
        mask_opt(mask: Option<Mask>);
    }

    /// The chain this alias stands for.
    pub fn build(&self) -> GradientTransformation {
        let scaling = scale_by_adamax()
            .b1(self.b1.clone())
            .b2(self.b2.clone())
            .eps(self.eps.clone());
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

alias_transform!(AdamaxW);

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
        invalid(&adamax(0.1).b2(1.0), "b2");
        invalid(&adamaxw(0.1).b1(-1.0), "b1");
        invalid(&adamaxw(0.1).weight_decay(f64::NAN), "weight_decay");
        needs_params(&adamaxw(0.1));
        let p = params();
        let t = adamax(0.1);
        t.update(p.clone(), &t.init(&p).unwrap(), None, &Extra::none())
            .unwrap();
    }
}
