//! The `should_transform_fn` of `conditionally_transform` and `conditionally_mask` (Optax's
//! `ConditionFn`): a predicate of the step count (and, with `forward_extra_args`, of the
//! update's extra arguments).

use std::fmt;
use std::sync::Arc;

use crate::schedules::Schedule;
use crate::transform::Extra;

type CondFn = dyn Fn(i64, &Extra) -> bool + Send + Sync;

/// A predicate of the step count `step` (0 at the first update) and of the extra arguments
/// (given only when the wrapper forwards them; otherwise [`Extra::none`]).
///
/// In a spec it is one of `{"every_k": k}` (`step % k == 0`), `{"after": n}` (`step >= n`),
/// `{"before": n}` (`step < n`), or a schedule spec or number (`schedule(step) > 0`).
#[derive(Clone)]
pub struct Condition(Arc<CondFn>);

impl fmt::Debug for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Condition")
    }
}

impl Condition {
    /// A condition from a closure over the step count and the extra arguments.
    pub fn new(f: impl Fn(i64, &Extra) -> bool + Send + Sync + 'static) -> Self {
        Condition(Arc::new(f))
    }

    /// True every `k` steps, from step 0: `step % k == 0` (`k >= 1`; Python's modulo).
    pub fn every_k(k: i64) -> Self {
        Condition::new(move |step, _| k != 0 && step.rem_euclid(k) == 0)
    }

    /// True from step `n` on: `step >= n`.
    pub fn after(n: i64) -> Self {
        Condition::new(move |step, _| step >= n)
    }

    /// True before step `n`: `step < n`.
    pub fn before(n: i64) -> Self {
        Condition::new(move |step, _| step < n)
    }

    /// True where the schedule is positive: `schedule(step) > 0`.
    pub fn positive(schedule: Schedule) -> Self {
        Condition::new(move |step, _| schedule.at(step) > 0.0)
    }

    /// The value at `step`.
    pub fn at(&self, step: i64, extra: &Extra) -> bool {
        (self.0)(step, extra)
    }
}

impl<F: Fn(i64, &Extra) -> bool + Send + Sync + 'static> From<F> for Condition {
    fn from(f: F) -> Self {
        Condition::new(f)
    }
}
