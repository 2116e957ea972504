//! `lars`: layer-wise adaptive rate scaling, SGD with momentum whose step is scaled per layer
//! by the trust ratio.
//!
//! You, Gitman & Ginsburg, *Large Batch Training of Convolutional Networks*, 2017
//! (<https://arxiv.org/abs/1708.03888>).
//!
//! ```text
//! a_t = g_t + weight_decay·p_t                                   (where weight_decay_mask)
//! a_t = trust_coefficient · ‖p_t‖ / (‖a_t‖ + eps) · a_t          (where trust_ratio_mask)
//! t_t = -lr_t·a_t + momentum·t_{t-1}                              (momentum after the lr)
//! u_t = t_t  (or -lr_t·a_t + momentum·t_t with nesterov)
//! ```

use super::built::{alias_setters, alias_transform, Built};
use crate::chain;
use crate::combine::{masked, Mask};
use crate::error::Result;
use crate::hyper::Hyper;
use crate::transform::GradientTransformation;
use crate::transforms::{add_decayed_weights, scale_by_learning_rate, scale_by_trust_ratio, trace};

/// `chain(add_decayed_weights(weight_decay, mask=weight_decay_mask),
/// masked(scale_by_trust_ratio(trust_coefficient=.., eps=..), trust_ratio_mask),
/// scale_by_learning_rate(learning_rate), trace(decay=momentum, nesterov))` (`optax.lars`).
#[derive(Clone, Debug)]
pub struct Lars {
    pub(crate) learning_rate: Hyper,
    pub(crate) weight_decay: Hyper,
    pub(crate) weight_decay_mask: Mask,
    pub(crate) trust_coefficient: Hyper,
    pub(crate) eps: Hyper,
    pub(crate) trust_ratio_mask: Mask,
    pub(crate) momentum: Hyper,
    pub(crate) nesterov: bool,
    built: Built,
}

/// `optax.lars(learning_rate, weight_decay=0.0, weight_decay_mask=True,
/// trust_coefficient=0.001, eps=0.0, trust_ratio_mask=True, momentum=0.9, nesterov=False)`.
pub fn lars(learning_rate: impl Into<Hyper>) -> Lars {
    Lars {
        learning_rate: learning_rate.into(),
        weight_decay: 0.0.into(),
        weight_decay_mask: Mask::All(true),
        trust_coefficient: 0.001.into(),
        eps: 0.0.into(),
        trust_ratio_mask: Mask::All(true),
        momentum: 0.9.into(),
        nesterov: false,
        built: Built::default(),
    }
}

impl Lars {
    alias_setters! {
        /// Weight decay rate (number or schedule).
        weight_decay: impl Into<Hyper>;

        /// Decay only the leaves where the mask is true (a bool for all leaves, or a mask).
        weight_decay_mask: impl Into<Mask>;

        /// Multiplier of the trust ratio.
        trust_coefficient: impl Into<Hyper>;

        /// Added to the update norm in the trust ratio's denominator.
        eps: impl Into<Hyper>;

        /// Apply the trust ratio only to the leaves where the mask is true.
        trust_ratio_mask: impl Into<Mask>;

        /// Decay of the momentum.
        momentum: impl Into<Hyper>;

        /// Nesterov momentum.
        nesterov: bool;
    }

    /// The chain this alias stands for.
    pub fn build(&self) -> GradientTransformation {
        let decay =
            add_decayed_weights(self.weight_decay.clone()).mask(self.weight_decay_mask.clone());
        let trust = scale_by_trust_ratio()
            .trust_coefficient(self.trust_coefficient.clone())
            .eps(self.eps.clone());
        GradientTransformation::new(chain![
            decay,
            masked(trust, self.trust_ratio_mask.clone()),
            scale_by_learning_rate(self.learning_rate.clone()),
            trace(self.momentum.clone()).nesterov(self.nesterov)
        ])
    }

    fn check(&self) -> Result<()> {
        // Checked here so that errors name `momentum`, not `trace`'s `decay`.
        self.momentum.scalar("momentum")?;
        self.momentum
            .check("momentum", f64::is_finite, "must be finite")
    }
}

alias_transform!(Lars);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::OptaxError;
    use crate::state::State;
    use crate::transform::{Extra, Transform};
    use crate::tree::Tree;
    use burn::tensor::{Device, Tensor};

    fn params() -> Tree {
        let d = Device::flex();
        Tree::builder()
            .leaf("b", Tensor::<1>::ones([3], &d))
            .leaf("w", Tensor::<2>::ones([2, 2], &d))
            .build()
            .unwrap()
    }

    #[test]
    fn invalid_hyperparameters_are_errors() {
        let err = lars(1.0).eps(-1.0).init(&params()).unwrap_err();
        assert!(
            matches!(err, OptaxError::InvalidHyperparameter { ref name, .. } if name == "eps"),
            "{err}"
        );
        let err = lars(1.0).momentum(f64::NAN).init(&params()).unwrap_err();
        assert!(
            matches!(err, OptaxError::InvalidHyperparameter { ref name, .. } if name == "momentum")
        );
        let err = lars(1.0)
            .trust_coefficient(f64::NAN)
            .init(&params())
            .unwrap_err();
        assert!(
            matches!(err, OptaxError::InvalidHyperparameter { ref name, .. } if name == "trust_coefficient")
        );
    }

    #[test]
    fn params_required_and_masks() {
        let t = lars(1.0)
            .weight_decay_mask(false)
            .trust_ratio_mask(Mask::from_pairs([("b", false), ("w", true)]));
        let p = params();
        let s = t.init(&p).unwrap();
        // chain(MaskedState, MaskedState, EmptyState, TraceState)
        assert_eq!(s.as_tuple(4).unwrap().len(), 4);
        assert!(matches!(s.as_tuple(4).unwrap()[2], State::Empty));
        let err = t.update(p.clone(), &s, None, &Extra::none()).unwrap_err();
        assert!(matches!(err, OptaxError::ParamsRequired { .. }), "{err}");
        let (u, _) = t.update(p.clone(), &s, Some(&p), &Extra::none()).unwrap();
        // The unmasked leaf `b` gets -lr·g; `w` gets the trust ratio 0.001·‖p‖/‖g‖ = 0.001.
        let u = u.to_vecs().unwrap();
        assert_eq!(u[0], vec![-1.0; 3]);
        assert!(u[1].iter().all(|v| (v + 0.001).abs() < 1e-9));
    }
}
