//! `polynomial_schedule` and `linear_schedule`: a polynomial transition from `init_value` to
//! `end_value` over `transition_steps` steps, starting at `transition_begin`.
//!
//! ```text
//! c(t) = clip(t - B, 0, T)
//! f(t) = (I - E)·(1 - c(t)/T)^P + E
//! ```
//!
//! with `I = init_value`, `E = end_value`, `P = power`, `T = transition_steps`,
//! `B = transition_begin`; `linear_schedule` is `P = 1`. As in Optax, `T <= 0` gives the
//! constant `init_value` and a negative `B` counts as 0.

use super::Schedule;
use crate::hyper::Hyper;

/// Builder of `optax.polynomial_schedule` / `optax.linear_schedule`; finish with
/// [`build`](Self::build) or `.into()`.
#[derive(Clone, Debug)]
pub struct PolynomialSchedule {
    pub(crate) init_value: f64,
    pub(crate) end_value: f64,
    pub(crate) power: f64,
    pub(crate) transition_steps: i64,
    pub(crate) transition_begin: i64,
}

/// `optax.polynomial_schedule(init_value, end_value, power, transition_steps,
/// transition_begin=0)`.
///
/// ```
/// use optax_core::polynomial_schedule;
/// let s = polynomial_schedule(1.0, 0.01, 2.0, 100).transition_begin(5).build();
/// assert_eq!(s.at(5), 1.0);
/// assert_eq!(s.at(105), 0.01f32 as f64);
/// ```
pub fn polynomial_schedule(
    init_value: f64,
    end_value: f64,
    power: f64,
    transition_steps: i64,
) -> PolynomialSchedule {
    PolynomialSchedule {
        init_value,
        end_value,
        power,
        transition_steps,
        transition_begin: 0,
    }
}

/// `optax.linear_schedule(init_value, end_value, transition_steps, transition_begin=0)`: the
/// polynomial schedule of power 1.
///
/// ```
/// use optax_core::linear_schedule;
/// let s = linear_schedule(1.0, 0.0, 100).build();
/// assert_eq!(s.at(50), 0.5);
/// ```
pub fn linear_schedule(
    init_value: f64,
    end_value: f64,
    transition_steps: i64,
) -> PolynomialSchedule {
    polynomial_schedule(init_value, end_value, 1.0, transition_steps)
}

impl PolynomialSchedule {
    /// Steps before the transition starts (default 0; negative counts as 0).
    pub fn transition_begin(mut self, transition_begin: i64) -> Self {
        self.transition_begin = transition_begin;
        self
    }

    /// The schedule.
    pub fn build(&self) -> Schedule {
        let init_value = self.init_value;
        let steps = self.transition_steps;
        if steps <= 0 {
            return Schedule::new(move |_| init_value);
        }
        let begin = self.transition_begin.max(0);
        // Optax subtracts the Python floats in float64, then computes in float32.
        let span = (self.init_value - self.end_value) as f32;
        let end = self.end_value as f32;
        let power = self.power;
        Schedule::new(move |count| {
            let count = count.saturating_sub(begin).clamp(0, steps);
            let frac = 1.0 - count as f32 / steps as f32;
            (span * pow_f32(frac, power) + end) as f64
        })
    }
}

impl From<PolynomialSchedule> for Schedule {
    fn from(s: PolynomialSchedule) -> Self {
        s.build()
    }
}

impl From<PolynomialSchedule> for Hyper {
    fn from(s: PolynomialSchedule) -> Self {
        Hyper::Schedule(s.build())
    }
}

/// `x ** p` in float32 as XLA computes it (correctly rounded in all but rare cases); the
/// exponent is a Python float, so it is rounded to float32 first. `p = 1` is exact.
pub(super) fn pow_f32(x: f32, p: f64) -> f32 {
    if p == 1.0 {
        x
    } else {
        (x as f64).powf(p as f32 as f64) as f32
    }
}
