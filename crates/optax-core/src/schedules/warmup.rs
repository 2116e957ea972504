//! Linear warmup from `init_value` to `peak_value` over `warmup_steps` steps, then a constant,
//! a cosine decay or an exponential decay (each evaluated at `t - warmup_steps`).
//!
//! ```text
//! warmup_constant:    f(t) = linear(I → P over W)(t)
//! warmup_cosine:      f(t) = linear(I → P over W)(t)               if t < W
//!                            cosine_decay(P, D - W, α = E/P, p)(t - W)  otherwise
//! warmup_exponential: f(t) = linear(I → P over W)(t)               if t < W
//!                            exponential_decay(P, ...)(t - W)      otherwise
//! ```
//!
//! `decay_steps` (D) of the cosine form is the length of the whole schedule, warmup included
//! (α = 0 when P = 0). As in Optax, `warmup_steps <= 0` makes the warmup part the constant
//! `init_value`, which `warmup_constant_schedule` then returns at every step.

use super::cosine_decay::cosine_decay_schedule;
use super::exponential_decay::exponential_decay;
use super::join::join_unchecked;
use super::polynomial::linear_schedule;
use super::Schedule;
use crate::error::{OptaxError, Result};
use crate::hyper::Hyper;

/// `optax.warmup_constant_schedule(init_value, peak_value, warmup_steps)`: a linear warmup,
/// then `peak_value`.
pub fn warmup_constant_schedule(init_value: f64, peak_value: f64, warmup_steps: i64) -> Schedule {
    linear_schedule(init_value, peak_value, warmup_steps).build()
}

/// Builder of `optax.warmup_cosine_decay_schedule`; finish with [`build`](Self::build). A list
/// of these is `sgdr_schedule`'s `cosine_kwargs`.
#[derive(Clone, Debug)]
pub struct WarmupCosineDecaySchedule {
    pub(crate) init_value: f64,
    pub(crate) peak_value: f64,
    pub(crate) warmup_steps: i64,
    pub(crate) decay_steps: i64,
    pub(crate) end_value: f64,
    pub(crate) exponent: f64,
}

/// `optax.warmup_cosine_decay_schedule(init_value, peak_value, warmup_steps, decay_steps,
/// end_value=0.0, exponent=1.0)`; `decay_steps` includes the warmup.
///
/// ```
/// use optax_core::warmup_cosine_decay_schedule;
/// let s = warmup_cosine_decay_schedule(0.0, 1.0, 10, 110).end_value(0.1).build()?;
/// assert_eq!(s.at(5), 0.5);
/// assert!((s.at(10) - 1.0).abs() < 1e-6);
/// assert!((s.at(110) - 0.1).abs() < 1e-6);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn warmup_cosine_decay_schedule(
    init_value: f64,
    peak_value: f64,
    warmup_steps: i64,
    decay_steps: i64,
) -> WarmupCosineDecaySchedule {
    WarmupCosineDecaySchedule {
        init_value,
        peak_value,
        warmup_steps,
        decay_steps,
        end_value: 0.0,
        exponent: 1.0,
    }
}

impl WarmupCosineDecaySchedule {
    /// The value at the end of the decay (default 0).
    pub fn end_value(mut self, end_value: f64) -> Self {
        self.end_value = end_value;
        self
    }

    /// The power of the cosine factor (default 1).
    pub fn exponent(mut self, exponent: f64) -> Self {
        self.exponent = exponent;
        self
    }

    /// The schedule; an error unless `decay_steps > warmup_steps` (Optax raises: the cosine
    /// part needs a positive length).
    pub fn build(&self) -> Result<Schedule> {
        let cosine_steps = self.decay_steps.saturating_sub(self.warmup_steps);
        if cosine_steps <= 0 {
            return Err(OptaxError::invalid(
                "decay_steps",
                format!(
                    "must be greater than warmup_steps ({}): it includes the warmup, found {}",
                    self.warmup_steps, self.decay_steps
                ),
            ));
        }
        let alpha = if self.peak_value == 0.0 {
            0.0
        } else {
            self.end_value / self.peak_value
        };
        let warmup = linear_schedule(self.init_value, self.peak_value, self.warmup_steps).build();
        let decay = cosine_decay_schedule(self.peak_value, cosine_steps)
            .alpha(alpha)
            .exponent(self.exponent)
            .build()?;
        Ok(join_unchecked(vec![warmup, decay], vec![self.warmup_steps]))
    }
}

/// Builder of `optax.warmup_exponential_decay_schedule`; finish with [`build`](Self::build)
/// or `.into()`.
#[derive(Clone, Debug)]
pub struct WarmupExponentialDecaySchedule {
    pub(crate) init_value: f64,
    pub(crate) peak_value: f64,
    pub(crate) warmup_steps: i64,
    pub(crate) transition_steps: i64,
    pub(crate) decay_rate: f64,
    pub(crate) transition_begin: i64,
    pub(crate) staircase: bool,
    pub(crate) end_value: Option<f64>,
}

/// `optax.warmup_exponential_decay_schedule(init_value, peak_value, warmup_steps,
/// transition_steps, decay_rate, transition_begin=0, staircase=False, end_value=None)`.
///
/// ```
/// use optax_core::warmup_exponential_decay_schedule;
/// let s = warmup_exponential_decay_schedule(0.0, 1.0, 10, 10, 0.5).build();
/// assert_eq!(s.at(10), 1.0);
/// assert_eq!(s.at(20), 0.5);
/// ```
pub fn warmup_exponential_decay_schedule(
    init_value: f64,
    peak_value: f64,
    warmup_steps: i64,
    transition_steps: i64,
    decay_rate: f64,
) -> WarmupExponentialDecaySchedule {
    WarmupExponentialDecaySchedule {
        init_value,
        peak_value,
        warmup_steps,
        transition_steps,
        decay_rate,
        transition_begin: 0,
        staircase: false,
        end_value: None,
    }
}

impl WarmupExponentialDecaySchedule {
    /// Steps after the warmup before the decay starts (default 0; negative counts as 0).
    pub fn transition_begin(mut self, transition_begin: i64) -> Self {
        self.transition_begin = transition_begin;
        self
    }

    /// Decay at discrete intervals of `transition_steps` (default `false`).
    pub fn staircase(mut self, staircase: bool) -> Self {
        self.staircase = staircase;
        self
    }

    /// A lower bound when `decay_rate < 1`, an upper bound otherwise (default none).
    pub fn end_value(mut self, end_value: f64) -> Self {
        self.end_value = Some(end_value);
        self
    }

    /// The schedule.
    pub fn build(&self) -> Schedule {
        let warmup = linear_schedule(self.init_value, self.peak_value, self.warmup_steps).build();
        let mut decay = exponential_decay(self.peak_value, self.transition_steps, self.decay_rate)
            .transition_begin(self.transition_begin)
            .staircase(self.staircase);
        if let Some(end_value) = self.end_value {
            decay = decay.end_value(end_value);
        }
        join_unchecked(vec![warmup, decay.build()], vec![self.warmup_steps])
    }
}

impl From<WarmupExponentialDecaySchedule> for Schedule {
    fn from(s: WarmupExponentialDecaySchedule) -> Self {
        s.build()
    }
}

impl From<WarmupExponentialDecaySchedule> for Hyper {
    fn from(s: WarmupExponentialDecaySchedule) -> Self {
        Hyper::Schedule(s.build())
    }
}
