//! `schedule_free_adamw`: [`schedule_free`](super::schedule_free()) around AdamW without
//! momentum (`optax.contrib.schedule_free_adamw`).
//!
//! Adam with `b1 = 0` is RMS scaling with bias correction and `eps` outside the root, so the
//! base optimizer is (as in Optax):
//!
//! ```text
//! lr  = warmup_constant_schedule(0, learning_rate, warmup_steps)   (if warmup_steps)
//! opt = chain(scale_by_rms(decay=b2, eps=eps, eps_in_sqrt=False, bias_correction=True),
//!             add_decayed_weights(weight_decay), scale_by_learning_rate(lr))
//! schedule_free(opt, lr, b1, weight_lr_power, state_dtype)
//! ```

use burn::tensor::DType;

use super::schedule_free::schedule_free;
use super::schedule_free_sgd::ScheduleFreeSgd;
use crate::alias::built::{alias_setters, alias_transform, Built};
use crate::chain;
use crate::error::Result;
use crate::hyper::Hyper;
use crate::transform::GradientTransformation;
use crate::transforms::{add_decayed_weights, scale_by_learning_rate, scale_by_rms};

/// Schedule-Free AdamW (`optax.contrib.schedule_free_adamw`).
#[derive(Clone, Debug)]
pub struct ScheduleFreeAdamW {
    pub(crate) learning_rate: Hyper,
    pub(crate) warmup_steps: Option<i64>,
    pub(crate) b1: Hyper,
    pub(crate) b2: Hyper,
    pub(crate) eps: Hyper,
    pub(crate) weight_decay: Hyper,
    pub(crate) weight_lr_power: Hyper,
    pub(crate) state_dtype: Option<DType>,
    built: Built,
}

/// `optax.contrib.schedule_free_adamw(learning_rate=0.0025, warmup_steps=None, b1=0.9,
/// b2=0.999, eps=1e-8, weight_decay=0.0, weight_lr_power=2.0, state_dtype=None)`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::contrib::schedule_free_adamw;
/// use optax_core::prelude::*;
///
/// let device = Device::flex();
/// let params = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::ones([2], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()?;
/// let opt = schedule_free_adamw().weight_decay(1e-4);
/// let mut state = opt.init(&params)?;
/// let grads = params.map(|t| t.ones_like());
/// let updates = opt.update_in_place(grads, &mut state, Some(&params), &Extra::none())?;
/// let params = apply_updates(&params, &updates)?;
/// # let _ = params;
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn schedule_free_adamw() -> ScheduleFreeAdamW {
    ScheduleFreeAdamW {
        learning_rate: 0.0025.into(),
        warmup_steps: None,
        b1: 0.9.into(),
        b2: 0.999.into(),
        eps: 1e-8.into(),
        weight_decay: 0.0.into(),
        weight_lr_power: 2.0.into(),
        state_dtype: None,
        built: Built::default(),
    }
}

impl ScheduleFreeAdamW {
    alias_setters! {
        /// The AdamW learning rate (the warmup's peak with `warmup_steps`).
        learning_rate: impl Into<Hyper>;

        /// Length of a linear warmup from 0.
        warmup_steps: Some(i64);

        /// The interpolation weight of `x` in `y` (must be positive).
        b1: impl Into<Hyper>;

        /// Decay of the second moment.
        b2: impl Into<Hyper>;

        /// Added to the denominator outside the square root.
        eps: impl Into<Hyper>;

        /// Decoupled weight decay rate.
        weight_decay: impl Into<Hyper>;

        /// The power of the largest learning rate so far that weights the average.
        weight_lr_power: impl Into<Hyper>;

        /// Dtype of the `z` sequence.
        state_dtype: Option<DType>;
    }

    /// The transformation this alias stands for.
    pub fn build(&self) -> GradientTransformation {
        // `check` rejects the one failing case before any use.
        let lr = ScheduleFreeSgd::lr(&self.learning_rate, self.warmup_steps)
            .unwrap_or_else(|_| self.learning_rate.clone());
        let base = chain![
            scale_by_rms()
                .decay(self.b2.clone())
                .eps(self.eps.clone())
                .eps_in_sqrt(false)
                .bias_correction(true),
            add_decayed_weights(self.weight_decay.clone()),
            scale_by_learning_rate(lr.clone())
        ];
        GradientTransformation::new(
            schedule_free(base, lr)
                .b1(self.b1.clone())
                .weight_lr_power(self.weight_lr_power.clone())
                .state_dtype(self.state_dtype),
        )
    }

    fn check(&self) -> Result<()> {
        ScheduleFreeSgd::lr(&self.learning_rate, self.warmup_steps).map(|_| ())
    }
}

alias_transform!(ScheduleFreeAdamW);
