//! `adafactor`: Adafactor.
//!
//! Shazeer & Stern, *Adafactor: Adaptive Learning Rates with Sublinear Memory Cost*, ICML 2018
//! (<https://arxiv.org/abs/1804.04235>).
//!
//! ```text
//! u_t = scale_by_factored_rms(g_t)                      (factored second moment)
//! u_t = u_t / max(1, rms(u_t) / clipping_threshold)     (per leaf; unless clipping_threshold is None)
//! u_t = lr_t · u_t                                      (when learning_rate is given)
//! u_t = u_t · max(rms(p_t), 1e-3)                       (multiply_by_parameter_scale)
//! u_t = ema(u_t; momentum, debias = false)              (when momentum is given)
//! u_t = u_t + weight_decay_rate_t · p_t                 (when weight_decay_rate is given; masked)
//! u_t = -u_t
//! ```

use burn::tensor::DType;

use super::built::{alias_setters, alias_transform, Built};
use crate::combine::Mask;
use crate::error::Result;
use crate::hyper::Hyper;
use crate::transform::GradientTransformation;
use crate::transforms::{
    add_decayed_weights, clip_by_block_rms, ema, optional_learning_rate, scale,
    scale_by_factored_rms, scale_by_param_block_rms,
};

/// Adafactor (`optax.adafactor`): `chain(scale_by_factored_rms(..), [clip_by_block_rms],
/// [scale_by_learning_rate(lr, flip_sign=False)], [scale_by_param_block_rms()], [ema],
/// [add_decayed_weights], scale(-1))`, the bracketed members present as in Optax.
#[derive(Clone, Debug)]
pub struct Adafactor {
    pub(crate) learning_rate: Option<Hyper>,
    pub(crate) min_dim_size_to_factor: i64,
    pub(crate) decay_rate: Hyper,
    pub(crate) decay_offset: i64,
    pub(crate) multiply_by_parameter_scale: bool,
    pub(crate) clipping_threshold: Option<Hyper>,
    pub(crate) momentum: Option<Hyper>,
    pub(crate) dtype_momentum: Option<DType>,
    pub(crate) weight_decay_rate: Option<Hyper>,
    pub(crate) eps: Hyper,
    pub(crate) factored: bool,
    pub(crate) weight_decay_mask: Option<Mask>,
    built: Built,
}

/// `optax.adafactor(learning_rate=None, min_dim_size_to_factor=128, decay_rate=0.8,
/// decay_offset=0, multiply_by_parameter_scale=True, clipping_threshold=1.0, momentum=None,
/// dtype_momentum=jnp.float32, weight_decay_rate=None, eps=1e-30, factored=True,
/// weight_decay_mask=None)`.
pub fn adafactor() -> Adafactor {
    Adafactor {
        learning_rate: None,
        min_dim_size_to_factor: 128,
        decay_rate: 0.8.into(),
        decay_offset: 0,
        multiply_by_parameter_scale: true,
        clipping_threshold: Some(1.0.into()),
        momentum: None,
        dtype_momentum: Some(DType::F32),
        weight_decay_rate: None,
        eps: 1e-30.into(),
        factored: true,
        weight_decay_mask: None,
        built: Built::default(),
    }
}

impl Adafactor {
    alias_setters! {
        /// Global scale of the step (number or schedule); none by default.
        learning_rate: Some(impl Into<Hyper>);

        /// Sets or clears the learning rate.
        learning_rate_opt(learning_rate: Option<Hyper>);

        /// Factor a leaf only if its second-largest dimension is at least this size.
        min_dim_size_to_factor: i64;

        /// Exponent of the second-moment decay schedule.
        decay_rate: impl Into<Hyper>;

        /// Step offset of the decay schedule (for fine-tuning).
        decay_offset: i64;

        /// Scale the step by the RMS of each parameter leaf (at least `1e-3`).
        multiply_by_parameter_scale: bool;

        /// Per-leaf RMS clipping threshold of the scaled updates (default 1).
        clipping_threshold: Some(impl Into<Hyper>);

        /// Sets the clipping threshold, or disables clipping with `None`.
        clipping_threshold_opt(clipping_threshold: Option<Hyper>);

        /// Decay of an exponential moving average of the updates (none by default).
        momentum: Some(impl Into<Hyper>);

        /// Sets or clears the momentum.
        momentum_opt(momentum: Option<Hyper>);

        /// Storage dtype of the momentum buffer (default `float32`; `None`: the updates' dtype).
        dtype_momentum: Option<DType>;

        /// Rate of decoupled weight decay (number or schedule); none by default.
        weight_decay_rate: Some(impl Into<Hyper>);

        /// Sets or clears the weight decay rate.
        weight_decay_rate_opt(weight_decay_rate: Option<Hyper>);

        /// Added to the squared gradients (`epsilon` of `scale_by_factored_rms`).
        eps: impl Into<Hyper>;

        /// Whether to factor the second moment.
        factored: bool;

        /// Decay only the leaves where `weight_decay_mask` is true.
        weight_decay_mask: Some(impl Into<Mask>);

        /// Sets or clears the weight decay mask.
        weight_decay_mask_opt(weight_decay_mask: Option<Mask>);
    }

    /// The chain this alias stands for.
    pub fn build(&self) -> GradientTransformation {
        let mut tx = vec![GradientTransformation::new(
            scale_by_factored_rms()
                .factored(self.factored)
                .decay_rate(self.decay_rate.clone())
                .step_offset(self.decay_offset)
                .min_dim_size_to_factor(self.min_dim_size_to_factor)
                .epsilon(self.eps.clone()),
        )];
        if let Some(threshold) = &self.clipping_threshold {
            tx.push(GradientTransformation::new(clip_by_block_rms(
                threshold.clone(),
            )));
        }
        if let Some(lr) = &self.learning_rate {
            tx.push(optional_learning_rate(Some(lr.clone()), false));
        }
        if self.multiply_by_parameter_scale {
            tx.push(GradientTransformation::new(scale_by_param_block_rms()));
        }
        if let Some(momentum) = &self.momentum {
            tx.push(GradientTransformation::new(
                ema(momentum.clone())
                    .debias(false)
                    .accumulator_dtype(self.dtype_momentum),
            ));
        }
        if let Some(rate) = &self.weight_decay_rate {
            tx.push(GradientTransformation::new(
                add_decayed_weights(rate.clone()).mask_opt(self.weight_decay_mask.clone()),
            ));
        }
        tx.push(GradientTransformation::new(scale(-1.0)));
        GradientTransformation::new(crate::combine::chain(tx))
    }

    fn check(&self) -> Result<()> {
        Ok(())
    }
}

alias_transform!(Adafactor);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::OptaxError;
    use crate::schedules::Schedule;
    use crate::{Transform, Tree};
    use burn::tensor::{Device, Tensor};

    fn params() -> Tree {
        let device = Device::flex();
        Tree::builder()
            .leaf("w", Tensor::<2>::ones([2, 3], &device))
            .build()
            .unwrap()
    }

    #[test]
    fn invalid_hyperparameters_are_errors() {
        let p = params();
        let bad =
            |t: Adafactor| matches!(t.init(&p), Err(OptaxError::InvalidHyperparameter { .. }));
        assert!(bad(adafactor().eps(-1.0)));
        assert!(bad(adafactor().decay_rate(Schedule::new(|_| 0.8))));
        assert!(bad(adafactor().momentum(f64::NAN)));
        assert!(bad(adafactor()
            .dtype_momentum(Some(DType::I32))
            .momentum(0.9)));
        assert!(bad(adafactor().weight_decay_rate(f64::INFINITY)));
    }

    #[test]
    fn chain_members_follow_the_arguments() {
        let p = params();
        let members = |t: Adafactor| match t.init(&p).unwrap() {
            crate::State::Tuple(v) => v.len(),
            _ => panic!("a chain"),
        };
        assert_eq!(members(adafactor()), 4);
        assert_eq!(
            members(
                adafactor()
                    .clipping_threshold_opt(None)
                    .multiply_by_parameter_scale(false)
            ),
            2
        );
        assert_eq!(
            members(
                adafactor()
                    .learning_rate(0.1)
                    .momentum(0.9)
                    .weight_decay_rate(0.01)
            ),
            7
        );
    }
}
