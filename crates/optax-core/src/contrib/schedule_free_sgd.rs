//! `schedule_free_sgd`: [`schedule_free`](super::schedule_free()) around plain SGD, with an
//! optional linear warmup and weight decay (`optax.contrib.schedule_free_sgd`).
//!
//! ```text
//! lr  = warmup_constant_schedule(0, learning_rate, warmup_steps)   (if warmup_steps)
//! opt = chain(add_decayed_weights(weight_decay), sgd(lr))          (weight decay: times lr)
//! schedule_free(opt, lr, b1, weight_lr_power, state_dtype)
//! ```

use burn::tensor::DType;

use super::schedule_free::schedule_free;
use crate::alias::built::{alias_setters, alias_transform, Built};

use crate::chain;
use crate::error::{OptaxError, Result};
use crate::hyper::Hyper;
use crate::schedules::warmup_constant_schedule;
use crate::sgd;
use crate::transform::GradientTransformation;
use crate::transforms::add_decayed_weights;

/// Schedule-Free SGD (`optax.contrib.schedule_free_sgd`).
#[derive(Clone, Debug)]
pub struct ScheduleFreeSgd {
    pub(crate) learning_rate: Hyper,
    pub(crate) warmup_steps: Option<i64>,
    pub(crate) b1: Hyper,
    pub(crate) weight_decay: Option<Hyper>,
    pub(crate) weight_lr_power: Hyper,
    pub(crate) state_dtype: Option<DType>,
    built: Built,
}

/// `optax.contrib.schedule_free_sgd(learning_rate=1.0, warmup_steps=None, b1=0.9,
/// weight_decay=None, weight_lr_power=2.0, state_dtype=None)`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::contrib::schedule_free_sgd;
/// use optax_core::prelude::*;
///
/// let device = Device::flex();
/// let params = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::ones([2], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()?;
/// let opt = schedule_free_sgd().learning_rate(0.1).warmup_steps(5);
/// let mut state = opt.init(&params)?;
/// let grads = params.map(|t| t.ones_like());
/// let updates = opt.update_in_place(grads, &mut state, Some(&params), &Extra::none())?;
/// let params = apply_updates(&params, &updates)?;
/// # let _ = params;
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn schedule_free_sgd() -> ScheduleFreeSgd {
    ScheduleFreeSgd {
        learning_rate: 1.0.into(),
        warmup_steps: None,
        b1: 0.9.into(),
        weight_decay: None,
        weight_lr_power: 2.0.into(),
        state_dtype: None,
        built: Built::default(),
    }
}

impl ScheduleFreeSgd {
    alias_setters! {
        /// The SGD learning rate (the warmup's peak with `warmup_steps`).
        learning_rate: impl Into<Hyper>;

        /// Length of a linear warmup from 0.
        warmup_steps: Some(i64);

        /// The interpolation weight of `x` in `y` (must be positive).
        b1: impl Into<Hyper>;

        /// Weight decay, added to the gradient (so multiplied by the learning rate).
        weight_decay: Some(impl Into<Hyper>);

        /// The power of the largest learning rate so far that weights the average.
        weight_lr_power: impl Into<Hyper>;

        /// Dtype of the `z` sequence.
        state_dtype: Option<DType>;
    }

    /// The learning rate, with the warmup if any: a constant or a schedule.
    pub(crate) fn lr(learning_rate: &Hyper, warmup_steps: Option<i64>) -> Result<Hyper> {
        match (warmup_steps, learning_rate) {
            (None, lr) => Ok(lr.clone()),
            (Some(n), Hyper::Value(peak)) => Ok(warmup_constant_schedule(0.0, *peak, n).into()),
            (Some(_), _) => Err(OptaxError::invalid(
                "learning_rate",
                "must be a number when warmup_steps is given",
            )),
        }
    }

    /// The transformation this alias stands for.
    pub fn build(&self) -> GradientTransformation {
        // `check` rejects the one failing case before any use.
        let lr = Self::lr(&self.learning_rate, self.warmup_steps)
            .unwrap_or_else(|_| self.learning_rate.clone());
        let base = match &self.weight_decay {
            Some(wd) => GradientTransformation::new(chain![
                add_decayed_weights(wd.clone()),
                sgd(lr.clone())
            ]),
            None => GradientTransformation::new(sgd(lr.clone())),
        };
        GradientTransformation::new(
            schedule_free(base, lr)
                .b1(self.b1.clone())
                .weight_lr_power(self.weight_lr_power.clone())
                .state_dtype(self.state_dtype),
        )
    }

    fn check(&self) -> Result<()> {
        Self::lr(&self.learning_rate, self.warmup_steps).map(|_| ())
    }
}

alias_transform!(ScheduleFreeSgd);
