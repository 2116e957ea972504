//! `adadelta`: Adadelta with optional weight decay and learning rate.
//!
//! Zeiler, *ADADELTA: An Adaptive Learning Rate Method*, arXiv preprint 2012
//! (<https://arxiv.org/abs/1212.5701>). The weight decay is added to the gradient *before*
//! the Adadelta scaling (it is not decoupled). Without a learning rate the last step is
//! `identity()`, so, as in Optax, the updates are **not** negated: give a learning rate (the
//! paper's rule is `learning_rate = 1`) to descend.

use super::built::{alias_setters, alias_transform, Built};
use crate::chain;
use crate::combine::Mask;
use crate::error::Result;
use crate::hyper::Hyper;
use crate::transform::GradientTransformation;
use crate::transforms::{add_decayed_weights, optional_learning_rate, scale_by_adadelta};

/// `chain(add_decayed_weights(weight_decay, weight_decay_mask), scale_by_adadelta(rho, eps),
/// scale_by_learning_rate(learning_rate))` (`optax.adadelta`).
#[derive(Clone, Debug)]
pub struct Adadelta {
    pub(crate) learning_rate: Option<Hyper>,
    pub(crate) rho: Hyper,
    pub(crate) eps: Hyper,
    pub(crate) weight_decay: Hyper,
    pub(crate) weight_decay_mask: Option<Mask>,
    built: Built,
}

/// `optax.adadelta(learning_rate=None, rho=0.9, eps=1e-6, weight_decay=0.0,
/// weight_decay_mask=None)`.
pub fn adadelta() -> Adadelta {
    Adadelta {
        learning_rate: None,
        rho: 0.9.into(),
        eps: 1e-6.into(),
        weight_decay: 0.0.into(),
        weight_decay_mask: None,
        built: Built::default(),
    }
}

impl Adadelta {
    alias_setters! {
        /// The learning rate (number or schedule); without one the updates are not negated.
        learning_rate: Some(impl Into<Hyper>);

        /// Sets or clears the learning rate.
        learning_rate_opt(learning_rate: Option<Hyper>);

        /// Decay of the running averages.
        rho: impl Into<Hyper>;

        /// Added inside both square roots.
        eps: impl Into<Hyper>;

        /// Weight decay added to the gradient before the scaling (number or schedule).
        weight_decay: impl Into<Hyper>;

        /// Decay only the leaves where `weight_decay_mask` is true.
        weight_decay_mask: Some(impl Into<Mask>);

        /// Sets or clears the weight decay mask.
        weight_decay_mask_opt(weight_decay_mask: Option<Mask>);
    }

    /// The chain this alias stands for.
    pub fn build(&self) -> GradientTransformation {
        let decay =
            add_decayed_weights(self.weight_decay.clone()).mask_opt(self.weight_decay_mask.clone());
        let scaling = scale_by_adadelta()
            .rho(self.rho.clone())
            .eps(self.eps.clone());
        GradientTransformation::new(chain![
            decay,
            scaling,
            optional_learning_rate(self.learning_rate.clone(), true)
        ])
    }

    fn check(&self) -> Result<()> {
        Ok(())
    }
}

alias_transform!(Adadelta);

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
        invalid(&adadelta().rho(1.0), "rho");
        invalid(&adadelta().eps(0.0), "eps");
        invalid(&adadelta().weight_decay(f64::INFINITY), "weight_decay");
        // add_decayed_weights reads the params even with weight_decay = 0, as in Optax.
        needs_params(&adadelta());
    }

    #[test]
    fn without_learning_rate_updates_are_not_negated() {
        let p = params();
        let t = adadelta();
        let (u, _) = t
            .update(p.clone(), &t.init(&p).unwrap(), Some(&p), &Extra::none())
            .unwrap();
        assert!(u.to_vecs().unwrap()[0].iter().all(|&x| x > 0.0));
        let t = adadelta().learning_rate(1.0);
        let (u, _) = t
            .update(p.clone(), &t.init(&p).unwrap(), Some(&p), &Extra::none())
            .unwrap();
        assert!(u.to_vecs().unwrap()[0].iter().all(|&x| x < 0.0));
    }
}
