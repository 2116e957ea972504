//! `piecewise_interpolate_schedule`: interpolation, linear or cosine, between the cumulative
//! products of the scales at the boundaries.
//!
//! ```text
//! b_0 = 0,  v_0 = I,  v_k = v_{k-1}·s_k              (boundaries b_k sorted increasing)
//! p_k(t) = (t - b_k) / max(b_{k+1} - b_k, 1)
//! f(t) = Σ_k 1[b_k <= t < b_{k+1}]·interp(v_k, v_{k+1}, p_k(t)) + 1[b_last <= t]·v_last
//! linear: interp(a, b, p) = (b - a)·p + a
//! cosine: interp(a, b, p) = b + (a - b)/2·(cos(π·p) + 1)
//! ```

use std::str::FromStr;

use super::cosine_decay::cos_f32;
use super::piecewise_constant::sorted_boundaries_and_scales;
use super::Schedule;
use crate::error::{OptaxError, Result};

/// Optax's `interpolate_type`: `'linear'` or `'cosine'`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InterpolateType {
    /// `'linear'`.
    Linear,
    /// `'cosine'`.
    Cosine,
}

impl FromStr for InterpolateType {
    type Err = OptaxError;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "linear" => Ok(InterpolateType::Linear),
            "cosine" => Ok(InterpolateType::Cosine),
            other => Err(OptaxError::invalid(
                "interpolate_type",
                format!("must be either 'cosine' or 'linear', found '{other}'"),
            )),
        }
    }
}

impl InterpolateType {
    /// Interpolates from `start` to `end` at fraction `pct`, in float32 as Optax.
    fn interpolate(self, start: f32, end: f32, pct: f32) -> f32 {
        match self {
            InterpolateType::Linear => (end - start) * pct + start,
            InterpolateType::Cosine => {
                end + (start - end) / 2.0 * (cos_f32(std::f32::consts::PI * pct) + 1.0)
            }
        }
    }
}

/// Builder of `optax.piecewise_interpolate_schedule`; finish with [`build`](Self::build).
#[derive(Clone, Debug)]
pub struct PiecewiseInterpolateSchedule {
    pub(crate) interpolate_type: InterpolateType,
    pub(crate) init_value: f64,
    pub(crate) boundaries_and_scales: Option<Vec<(i64, f64)>>,
}

/// `optax.piecewise_interpolate_schedule(interpolate_type, init_value,
/// boundaries_and_scales=None)`; Optax's strings `'linear'`/`'cosine'` parse into
/// [`InterpolateType`] with `"linear".parse()?`.
///
/// ```
/// use optax_core::{piecewise_interpolate_schedule, InterpolateType};
/// let s = piecewise_interpolate_schedule(InterpolateType::Linear, 1.0)
///     .boundaries_and_scales([(4, 0.1), (8, 0.01)])
///     .build()?;
/// assert!((s.at(2) - 0.55).abs() < 1e-7);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn piecewise_interpolate_schedule(
    interpolate_type: InterpolateType,
    init_value: f64,
) -> PiecewiseInterpolateSchedule {
    PiecewiseInterpolateSchedule {
        interpolate_type,
        init_value,
        boundaries_and_scales: None,
    }
}

impl PiecewiseInterpolateSchedule {
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
        let mut bounds = vec![0i64];
        // `jnp.cumprod` of float32 values.
        let mut values = vec![self.init_value as f32];
        for (boundary, scale) in pairs {
            bounds.push(boundary);
            let last = *values.last().expect("init value");
            values.push(last * scale as f32);
        }
        let kind = self.interpolate_type;
        Ok(Schedule::new(move |count| {
            let mut out = 0.0f32;
            for (b, v) in bounds.windows(2).zip(values.windows(2)) {
                let (lo, hi) = (b[0], b[1]);
                let inside = if lo <= count && count < hi {
                    1.0f32
                } else {
                    0.0
                };
                let interval = hi.saturating_sub(lo).max(1);
                let pct = count.saturating_sub(lo) as f32 / interval as f32;
                out += inside * kind.interpolate(v[0], v[1], pct);
            }
            let past = if bounds[bounds.len() - 1] <= count {
                1.0f32
            } else {
                0.0
            };
            (out + past * values[values.len() - 1]) as f64
        }))
    }
}
