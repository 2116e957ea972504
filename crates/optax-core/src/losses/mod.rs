//! Losses (`optax.losses`): pure functions, no reduction over the batch. Bad shapes, axes or
//! indices are [`OptaxError::InvalidInput`](crate::OptaxError::InvalidInput) errors.

mod checks;
mod classification;
mod ctc;
mod math;
mod regression;

pub use classification::*;
pub use ctc::*;
pub use regression::*;
