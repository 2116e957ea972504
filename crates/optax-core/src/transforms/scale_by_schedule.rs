//! `scale_by_schedule`: multiply updates by a function of the step count.

use crate::error::Result;
use crate::schedules::Schedule;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, Transform};
use crate::tree::Tree;

/// `u ← step_size_fn(count) · u`, with `count` starting at 0 (`optax.scale_by_schedule`).
#[derive(Clone, Debug)]
pub struct ScaleBySchedule {
    step_size_fn: Schedule,
}

/// `optax.scale_by_schedule(step_size_fn)`.
pub fn scale_by_schedule(step_size_fn: Schedule) -> ScaleBySchedule {
    ScaleBySchedule { step_size_fn }
}

crate::state::count_state!(
    /// The layout of `ScaleByScheduleState(count)` (also `scale_by_learning_rate`'s state
    /// with a schedule).
    ScaleByScheduleState
);

impl Transform for ScaleBySchedule {
    fn init(&self, _params: &Tree) -> Result<State> {
        Ok(ScaleByScheduleState::record(0))
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        _params: Option<&Tree>,
        _extra: &Extra,
    ) -> Result<(Tree, State)> {
        let count = ScaleByScheduleState::count(state)?;
        let step_size = self.step_size_fn.at(count);
        Ok((
            updates.into_map(|u| u.mul_scalar(step_size)),
            ScaleByScheduleState::record(safe_increment(count)),
        ))
    }
}
