//! Schedules: pure functions of the step count (`optax.schedules`).

mod constant;
mod cosine_decay;
mod exponential_decay;
mod join;
mod onecycle;
mod piecewise_constant;
mod piecewise_interpolate;
mod polynomial;
mod sgdr;
mod warmup;

pub use constant::*;
pub use cosine_decay::*;
pub use exponential_decay::*;
pub use join::*;
pub use onecycle::*;
pub use piecewise_constant::*;
pub use piecewise_interpolate::*;
pub use polynomial::*;
pub use sgdr::*;
pub use warmup::*;

use std::fmt;
use std::sync::Arc;

/// A function of the step count, as Optax's `Schedule`. Values are rounded to float32, as
/// Optax computes them.
#[derive(Clone)]
pub struct Schedule(Arc<dyn Fn(i64) -> f64 + Send + Sync>);

impl fmt::Debug for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Schedule")
    }
}

impl Schedule {
    /// A schedule from a function of the step.
    pub fn new(f: impl Fn(i64) -> f64 + Send + Sync + 'static) -> Self {
        Schedule(Arc::new(f))
    }

    /// The value at `step`.
    pub fn at(&self, step: i64) -> f64 {
        (self.0)(step) as f32 as f64
    }
}
