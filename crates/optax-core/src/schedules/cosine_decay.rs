//! `cosine_decay_schedule`: cosine decay from `init_value` to `alpha·init_value` over
//! `decay_steps` steps.
//!
//! Loshchilov & Hutter, *SGDR: Stochastic Gradient Descent with Warm Restarts*, ICLR 2017
//! (<https://arxiv.org/abs/1608.03983>).
//!
//! ```text
//! c(t) = min(t, T)
//! d(t) = (1/2·(1 + cos(π·c(t)/T)))^p
//! f(t) = I·((1 - α)·d(t) + α)
//! ```
//!
//! with `I = init_value`, `T = decay_steps > 0`, `α = alpha`, `p = exponent`.

use super::polynomial::pow_f32;
use super::Schedule;
use crate::error::{OptaxError, Result};

/// Builder of `optax.cosine_decay_schedule`; finish with [`build`](Self::build).
#[derive(Clone, Debug)]
pub struct CosineDecaySchedule {
    pub(crate) init_value: f64,
    pub(crate) decay_steps: i64,
    pub(crate) alpha: f64,
    pub(crate) exponent: f64,
}

/// `optax.cosine_decay_schedule(init_value, decay_steps, alpha=0.0, exponent=1.0)`.
///
/// ```
/// use optax_core::cosine_decay_schedule;
/// let s = cosine_decay_schedule(1.0, 100).alpha(0.1).build()?;
/// assert_eq!(s.at(0), 1.0);
/// assert_eq!(s.at(1000), 0.1f32 as f64);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn cosine_decay_schedule(init_value: f64, decay_steps: i64) -> CosineDecaySchedule {
    CosineDecaySchedule {
        init_value,
        decay_steps,
        alpha: 0.0,
        exponent: 1.0,
    }
}

impl CosineDecaySchedule {
    /// The final multiplier of `init_value` (default 0).
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }

    /// The power of the cosine factor (default 1).
    pub fn exponent(mut self, exponent: f64) -> Self {
        self.exponent = exponent;
        self
    }

    /// The schedule; an error when `decay_steps <= 0` (Optax raises).
    pub fn build(&self) -> Result<Schedule> {
        if self.decay_steps <= 0 {
            return Err(OptaxError::invalid(
                "decay_steps",
                format!("must be positive, found {}", self.decay_steps),
            ));
        }
        let steps = self.decay_steps as f32;
        let init = self.init_value as f32;
        // `1 - alpha` is a Python float (float64), the rest float32.
        let one_minus_alpha = (1.0 - self.alpha) as f32;
        let alpha = self.alpha as f32;
        let exponent = self.exponent;
        Ok(Schedule::new(move |count| {
            let count = (count as f32).min(steps);
            let cosine = 0.5 * (1.0 + cos_f32(std::f32::consts::PI * count / steps));
            let decayed = one_minus_alpha * pow_f32(cosine, exponent) + alpha;
            (init * decayed) as f64
        }))
    }
}

/// `cos(x)` in float32 as XLA computes it (within an ulp; correctly rounded almost always).
pub(super) fn cos_f32(x: f32) -> f32 {
    (x as f64).cos() as f32
}
