//! Losses (`optax.losses`): pure functions, no reduction over the batch. Bad shapes, axes or
//! indices are [`OptaxError::InvalidInput`](crate::OptaxError::InvalidInput) errors.

mod checks;
mod classification;
mod math;
mod regression;
mod smoothing;

pub use classification::*;
pub use regression::*;
pub use smoothing::*;
