//! `join_schedules`: schedules one after another, each started at its boundary.
//!
//! ```text
//! f(t) = s_0(t)               if t < b_0
//!        s_i(t - b_{i-1})     if b_{i-1} <= t < b_i
//!        s_n(t - b_{n-1})     if b_{n-1} <= t
//! ```

use super::Schedule;
use crate::error::{OptaxError, Result};

/// `optax.join_schedules(schedules, boundaries)`: `schedules[i + 1]` takes over at
/// `boundaries[i]` and is evaluated at the steps since that boundary.
///
/// ```
/// use optax_core::{constant_schedule, join_schedules, linear_schedule};
/// let s = join_schedules(
///     [linear_schedule(0.0, 1.0, 20).build(), constant_schedule(1.0)],
///     &[20],
/// )?;
/// assert_eq!(s.at(10), 0.5);
/// assert_eq!(s.at(25), 1.0);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
///
/// Errors where Optax would silently misbehave: no schedules (Optax fails indexing them),
/// a number of boundaries other than one less than the number of schedules (Optax's `zip`
/// drops the extra ones), boundaries that are not strictly increasing (a schedule would never
/// run).
pub fn join_schedules(
    schedules: impl IntoIterator<Item = Schedule>,
    boundaries: &[i64],
) -> Result<Schedule> {
    let schedules: Vec<Schedule> = schedules.into_iter().collect();
    if schedules.is_empty() {
        return Err(OptaxError::invalid(
            "schedules",
            "must hold at least one schedule",
        ));
    }
    if boundaries.len() + 1 != schedules.len() {
        return Err(OptaxError::invalid(
            "boundaries",
            format!(
                "must hold one boundary less than there are schedules ({}), found {}",
                schedules.len(),
                boundaries.len()
            ),
        ));
    }
    if let Some(w) = boundaries.windows(2).find(|w| w[0] >= w[1]) {
        return Err(OptaxError::invalid(
            "boundaries",
            format!("must be strictly increasing, found {} then {}", w[0], w[1]),
        ));
    }
    Ok(join_unchecked(schedules, boundaries.to_vec()))
}

/// Optax's `join_schedules` as is (no checks): the last schedule whose boundary has been
/// reached wins. `schedules` is not empty.
pub(super) fn join_unchecked(schedules: Vec<Schedule>, boundaries: Vec<i64>) -> Schedule {
    Schedule::new(move |step| {
        let mut output = schedules[0].at(step);
        for (&boundary, schedule) in boundaries.iter().zip(&schedules[1..]) {
            if step >= boundary {
                output = schedule.at(step.saturating_sub(boundary));
            }
        }
        output
    })
}
