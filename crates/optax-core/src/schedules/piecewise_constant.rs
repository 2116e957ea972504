//! `piecewise_constant_schedule`: `init_value` scaled by every factor whose boundary has been
//! reached.
//!
//! ```text
//! f(t) = I · Π_{i : t >= b_i} s_i
//! ```
//!
//! computed as Optax does, in float32, boundary by boundary in increasing order:
//! `v ← v·1[t < b_i] + (1 - 1[t < b_i])·s_i·v`.

use super::Schedule;
use crate::error::{OptaxError, Result};

/// Builder of `optax.piecewise_constant_schedule`; finish with [`build`](Self::build).
#[derive(Clone, Debug)]
pub struct PiecewiseConstantSchedule {
    pub(crate) init_value: f64,
    pub(crate) boundaries_and_scales: Option<Vec<(i64, f64)>>,
}

/// `optax.piecewise_constant_schedule(init_value, boundaries_and_scales=None)`.
///
/// ```
/// use optax_core::piecewise_constant_schedule;
/// let s = piecewise_constant_schedule(1.0)
///     .boundaries_and_scales([(100, 0.1), (200, 0.01)])
///     .build()?;
/// assert_eq!(s.at(50), 1.0);
/// assert_eq!(s.at(150), 0.1f32 as f64);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn piecewise_constant_schedule(init_value: f64) -> PiecewiseConstantSchedule {
    PiecewiseConstantSchedule {
        init_value,
        boundaries_and_scales: None,
    }
}

impl PiecewiseConstantSchedule {
    /// `(step, scale)` pairs, Optax's `{step: scale}` dict: in any order, each step at most
    /// once, scales non-negative.
    pub fn boundaries_and_scales(
        mut self,
        boundaries_and_scales: impl IntoIterator<Item = (i64, f64)>,
    ) -> Self {
        self.boundaries_and_scales = Some(boundaries_and_scales.into_iter().collect());
        self
    }

    /// The schedule; an error where Optax raises (a negative scale) or where a dict could not
    /// hold the pairs (a step given twice).
    pub fn build(&self) -> Result<Schedule> {
        let pairs =
            sorted_boundaries_and_scales(self.boundaries_and_scales.as_deref().unwrap_or(&[]))?;
        let init_value = self.init_value;
        if pairs.is_empty() {
            return Ok(Schedule::new(move |_| init_value));
        }
        let pairs: Vec<(i64, f32)> = pairs.into_iter().map(|(b, s)| (b, s as f32)).collect();
        let init = init_value as f32;
        Ok(Schedule::new(move |count| {
            let mut v = init;
            for &(threshold, scale) in &pairs {
                let indicator = if threshold.saturating_sub(count) > 0 {
                    1.0f32
                } else {
                    0.0
                };
                v = v * indicator + (1.0 - indicator) * scale * v;
            }
            v as f64
        }))
    }
}

/// Checks Optax's `{step: scale}` pairs (non-negative scales, each step once) and sorts them
/// by step, as Optax's `sorted(dict.items())`.
pub(super) fn sorted_boundaries_and_scales(pairs: &[(i64, f64)]) -> Result<Vec<(i64, f64)>> {
    let mut sorted = pairs.to_vec();
    for &(step, scale) in &sorted {
        // NaN fails Optax's `scale >= 0.0` too.
        if scale.is_nan() || scale < 0.0 {
            return Err(OptaxError::invalid(
                "boundaries_and_scales",
                format!("scales must be non-negative, found {scale} at step {step}"),
            ));
        }
    }
    sorted.sort_by_key(|&(step, _)| step);
    if let Some(w) = sorted.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(OptaxError::invalid(
            "boundaries_and_scales",
            format!("step {} is given more than once", w[0].0),
        ));
    }
    Ok(sorted)
}
