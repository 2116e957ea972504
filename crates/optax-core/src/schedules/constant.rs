//! `constant_schedule`: the same value at every step.
//!
//! ```text
//! f(t) = value
//! ```

use super::Schedule;

/// `optax.constant_schedule(value)`: `value` at every step.
///
/// ```
/// let s = optax_core::constant_schedule(0.3);
/// assert_eq!(s.at(0), s.at(1000));
/// ```
pub fn constant_schedule(value: f64) -> Schedule {
    Schedule::new(move |_| value)
}
