//! `exponential_decay`: continuous or staircase exponential decay, optionally clipped at
//! `end_value`.
//!
//! ```text
//! p(t) = (t - B) / T                 (floor(p) when staircase)
//! f(t) = I                           if t - B <= 0
//!        I · r^p(t)                  otherwise
//! f(t) = max(f(t), E) if r < 1, min(f(t), E) if r >= 1   (when end_value E is given)
//! ```
//!
//! As in Optax, `transition_steps <= 0` or `decay_rate == 0` give the constant `init_value`,
//! and a negative `transition_begin` counts as 0.

use super::polynomial::pow_f32;
use super::Schedule;
use crate::hyper::Hyper;

/// Builder of `optax.exponential_decay`; finish with [`build`](Self::build) or `.into()`.
#[derive(Clone, Debug)]
pub struct ExponentialDecay {
    pub(crate) init_value: f64,
    pub(crate) transition_steps: i64,
    pub(crate) decay_rate: f64,
    pub(crate) transition_begin: i64,
    pub(crate) staircase: bool,
    pub(crate) end_value: Option<f64>,
}

/// `optax.exponential_decay(init_value, transition_steps, decay_rate, transition_begin=0,
/// staircase=False, end_value=None)`.
///
/// ```
/// use optax_core::exponential_decay;
/// let s = exponential_decay(1.0, 10, 0.5).staircase(true).build();
/// assert_eq!(s.at(19), 0.5);
/// ```
pub fn exponential_decay(
    init_value: f64,
    transition_steps: i64,
    decay_rate: f64,
) -> ExponentialDecay {
    ExponentialDecay {
        init_value,
        transition_steps,
        decay_rate,
        transition_begin: 0,
        staircase: false,
        end_value: None,
    }
}

impl ExponentialDecay {
    /// Steps before the decay starts (default 0; negative counts as 0).
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
        let init_value = self.init_value;
        if self.transition_steps <= 0 || self.decay_rate == 0.0 {
            return Schedule::new(move |_| init_value);
        }
        let begin = self.transition_begin.max(0);
        let steps = self.transition_steps as f32;
        let init = init_value as f32;
        let rate = self.decay_rate as f32;
        let staircase = self.staircase;
        let clip = self.end_value.map(|e| (e as f32, self.decay_rate < 1.0));
        Schedule::new(move |count| {
            let decreased = count.saturating_sub(begin);
            let mut p = decreased as f32 / steps;
            if staircase {
                p = p.floor();
            }
            let mut v = if decreased <= 0 {
                init
            } else {
                init * pow_f32(rate, p as f64)
            };
            if let Some((end, lower_bound)) = clip {
                v = if v.is_nan() || end.is_nan() {
                    f32::NAN
                } else if lower_bound {
                    v.max(end)
                } else {
                    v.min(end)
                };
            }
            v as f64
        })
    }
}

impl From<ExponentialDecay> for Schedule {
    fn from(s: ExponentialDecay) -> Self {
        s.build()
    }
}

impl From<ExponentialDecay> for Hyper {
    fn from(s: ExponentialDecay) -> Self {
        Hyper::Schedule(s.build())
    }
}
