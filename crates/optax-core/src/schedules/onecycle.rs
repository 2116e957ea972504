//! One-cycle schedules, piecewise interpolations around a peak.
//!
//! Smith & Topin, *Super-Convergence: Very Fast Training of Neural Networks Using Large
//! Learning Rates*, 2017 (<https://arxiv.org/abs/1708.07120>).
//!
//! ```text
//! linear: piecewise_interpolate('linear', P/d, {⌊a·T⌋: d, ⌊b·T⌋: 1/d, T: 1/f})
//! cosine: piecewise_interpolate('cosine', P/d, {⌊a·T⌋: d, T: 1/(d·f)})
//! ```
//!
//! with `T = transition_steps > 0`, `P = peak_value`, `a = pct_start`, `b = pct_final`,
//! `d = div_factor`, `f = final_div_factor`; `⌊·⌋` truncates toward zero (Python's `int`), and
//! where two boundaries coincide the later entry of the dict wins, as in Optax.

use super::piecewise_interpolate::{piecewise_interpolate_schedule, InterpolateType};
use super::Schedule;
use crate::error::{OptaxError, Result};

/// Builder of `optax.linear_onecycle_schedule`; finish with [`build`](Self::build).
#[derive(Clone, Debug)]
pub struct LinearOnecycleSchedule {
    pub(crate) transition_steps: i64,
    pub(crate) peak_value: f64,
    pub(crate) pct_start: f64,
    pub(crate) pct_final: f64,
    pub(crate) div_factor: f64,
    pub(crate) final_div_factor: f64,
}

/// `optax.linear_onecycle_schedule(transition_steps, peak_value, pct_start=0.3,
/// pct_final=0.85, div_factor=25.0, final_div_factor=1e4)`.
///
/// ```
/// use optax_core::linear_onecycle_schedule;
/// let s = linear_onecycle_schedule(100, 1.0).build()?;
/// assert_eq!(s.at(30), 1.0);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn linear_onecycle_schedule(transition_steps: i64, peak_value: f64) -> LinearOnecycleSchedule {
    LinearOnecycleSchedule {
        transition_steps,
        peak_value,
        pct_start: 0.3,
        pct_final: 0.85,
        div_factor: 25.0,
        final_div_factor: 1e4,
    }
}

impl LinearOnecycleSchedule {
    /// Fraction of the cycle spent increasing to `peak_value` (default 0.3).
    pub fn pct_start(mut self, pct_start: f64) -> Self {
        self.pct_start = pct_start;
        self
    }

    /// Fraction of the cycle at whose end the value is back to `peak_value / div_factor`
    /// (default 0.85).
    pub fn pct_final(mut self, pct_final: f64) -> Self {
        self.pct_final = pct_final;
        self
    }

    /// `init_value = peak_value / div_factor` (default 25).
    pub fn div_factor(mut self, div_factor: f64) -> Self {
        self.div_factor = div_factor;
        self
    }

    /// `final_value = init_value / final_div_factor` (default 1e4).
    pub fn final_div_factor(mut self, final_div_factor: f64) -> Self {
        self.final_div_factor = final_div_factor;
        self
    }

    /// The schedule; an error where Optax raises: `transition_steps <= 0`, a `div_factor` or
    /// `final_div_factor` that is not positive, a `pct_*` that is not finite.
    pub fn build(&self) -> Result<Schedule> {
        check(
            self.transition_steps,
            self.div_factor,
            self.final_div_factor,
        )?;
        let steps = self.transition_steps;
        let boundaries_and_scales = last_wins([
            (
                truncate("pct_start", self.pct_start, steps)?,
                self.div_factor,
            ),
            (
                truncate("pct_final", self.pct_final, steps)?,
                1.0 / self.div_factor,
            ),
            (steps, 1.0 / self.final_div_factor),
        ]);
        piecewise_interpolate_schedule(InterpolateType::Linear, self.peak_value / self.div_factor)
            .boundaries_and_scales(boundaries_and_scales)
            .build()
    }
}

/// Builder of `optax.cosine_onecycle_schedule`; finish with [`build`](Self::build).
#[derive(Clone, Debug)]
pub struct CosineOnecycleSchedule {
    pub(crate) transition_steps: i64,
    pub(crate) peak_value: f64,
    pub(crate) pct_start: f64,
    pub(crate) div_factor: f64,
    pub(crate) final_div_factor: f64,
}

/// `optax.cosine_onecycle_schedule(transition_steps, peak_value, pct_start=0.3,
/// div_factor=25.0, final_div_factor=1e4)`.
///
/// ```
/// use optax_core::cosine_onecycle_schedule;
/// let s = cosine_onecycle_schedule(100, 1.0).build()?;
/// assert!((s.at(30) - 1.0).abs() < 1e-6);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn cosine_onecycle_schedule(transition_steps: i64, peak_value: f64) -> CosineOnecycleSchedule {
    CosineOnecycleSchedule {
        transition_steps,
        peak_value,
        pct_start: 0.3,
        div_factor: 25.0,
        final_div_factor: 1e4,
    }
}

impl CosineOnecycleSchedule {
    /// Fraction of the cycle spent increasing to `peak_value` (default 0.3).
    pub fn pct_start(mut self, pct_start: f64) -> Self {
        self.pct_start = pct_start;
        self
    }

    /// `init_value = peak_value / div_factor` (default 25).
    pub fn div_factor(mut self, div_factor: f64) -> Self {
        self.div_factor = div_factor;
        self
    }

    /// `final_value = init_value / final_div_factor` (default 1e4).
    pub fn final_div_factor(mut self, final_div_factor: f64) -> Self {
        self.final_div_factor = final_div_factor;
        self
    }

    /// The schedule; an error where Optax raises: `transition_steps <= 0`, a `div_factor` or
    /// `final_div_factor` that is not positive, a `pct_start` that is not finite.
    pub fn build(&self) -> Result<Schedule> {
        check(
            self.transition_steps,
            self.div_factor,
            self.final_div_factor,
        )?;
        let steps = self.transition_steps;
        let boundaries_and_scales = last_wins([
            (
                truncate("pct_start", self.pct_start, steps)?,
                self.div_factor,
            ),
            (steps, 1.0 / (self.div_factor * self.final_div_factor)),
        ]);
        piecewise_interpolate_schedule(InterpolateType::Cosine, self.peak_value / self.div_factor)
            .boundaries_and_scales(boundaries_and_scales)
            .build()
    }
}

/// Optax raises for `transition_steps <= 0`; a zero factor is a Python `ZeroDivisionError`
/// and a negative one gives a negative scale (a `ValueError`).
fn check(transition_steps: i64, div_factor: f64, final_div_factor: f64) -> Result<()> {
    if transition_steps <= 0 {
        return Err(OptaxError::invalid(
            "transition_steps",
            format!("must be positive, found {transition_steps}"),
        ));
    }
    for (name, v) in [
        ("div_factor", div_factor),
        ("final_div_factor", final_div_factor),
    ] {
        if v.is_nan() || v <= 0.0 {
            return Err(OptaxError::invalid(
                name,
                format!("must be positive, found {v}"),
            ));
        }
    }
    Ok(())
}

/// Python's `int(pct * transition_steps)` (toward zero, computed in float64).
fn truncate(name: &str, pct: f64, steps: i64) -> Result<i64> {
    let x = pct * steps as f64;
    if !x.is_finite() {
        return Err(OptaxError::invalid(
            name,
            format!("must be finite, found {pct}"),
        ));
    }
    Ok(x.trunc() as i64)
}

/// A Python dict literal: a repeated key keeps its first position and its last value.
fn last_wins<const N: usize>(pairs: [(i64, f64); N]) -> Vec<(i64, f64)> {
    let mut out: Vec<(i64, f64)> = Vec::with_capacity(N);
    for (k, v) in pairs {
        match out.iter_mut().find(|(key, _)| *key == k) {
            Some(entry) => entry.1 = v,
            None => out.push((k, v)),
        }
    }
    out
}
