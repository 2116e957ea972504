//! `sgdr_schedule`: stochastic gradient descent with warm restarts, a sequence of
//! warmup-cosine-decay cycles.
//!
//! Loshchilov & Hutter, *SGDR: Stochastic Gradient Descent with Warm Restarts*, ICLR 2017
//! (<https://arxiv.org/abs/1608.03983>).
//!
//! ```text
//! s_i = warmup_cosine_decay_schedule(**cosine_kwargs[i])
//! b_i = D_0 + ... + D_i                      (D_i = cosine_kwargs[i].decay_steps)
//! f   = join_schedules([s_0, ..., s_n], [b_0, ..., b_{n-1}])
//! ```

use super::join::join_unchecked;
use super::warmup::WarmupCosineDecaySchedule;
use super::Schedule;
use crate::error::{OptaxError, Result};

/// `optax.sgdr_schedule(cosine_kwargs)`: each cycle is a
/// [`warmup_cosine_decay_schedule`](super::warmup_cosine_decay_schedule) builder (Optax's
/// kwargs dicts), lasting its `decay_steps`.
///
/// ```
/// use optax_core::{sgdr_schedule, warmup_cosine_decay_schedule};
/// let s = sgdr_schedule([
///     warmup_cosine_decay_schedule(0.0, 1.0, 5, 30),
///     warmup_cosine_decay_schedule(0.0, 0.5, 5, 40).end_value(0.01),
/// ])?;
/// assert_eq!(s.at(5), 1.0);
/// assert!((s.at(35) - 0.5).abs() < 1e-6);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
///
/// Errors: an empty list (Optax fails indexing it), and a cycle whose own arguments are
/// invalid (named `cosine_kwargs[i].<arg>`).
pub fn sgdr_schedule(
    cosine_kwargs: impl IntoIterator<Item = WarmupCosineDecaySchedule>,
) -> Result<Schedule> {
    let mut schedules = Vec::new();
    let mut boundaries = Vec::new();
    let mut step: i64 = 0;
    for (i, kwargs) in cosine_kwargs.into_iter().enumerate() {
        schedules.push(kwargs.build().map_err(|e| match e {
            OptaxError::InvalidHyperparameter { name, reason } => {
                OptaxError::invalid(format!("cosine_kwargs[{i}].{name}"), reason)
            }
            other => other,
        })?);
        step = step.saturating_add(kwargs.decay_steps);
        boundaries.push(step);
    }
    if schedules.is_empty() {
        return Err(OptaxError::invalid(
            "cosine_kwargs",
            "must hold at least one cycle",
        ));
    }
    boundaries.pop();
    Ok(join_unchecked(schedules, boundaries))
}
