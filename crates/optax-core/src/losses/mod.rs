//! Losses (`optax.losses`): pure functions, no reduction over the batch. Bad shapes, axes or
//! indices are [`OptaxError::InvalidInput`](crate::OptaxError::InvalidInput) errors.

mod checks;
mod classification;
mod math;
mod ranking;
mod regression;
mod self_supervised;

pub use classification::*;
pub use ranking::*;
pub use regression::*;
pub use self_supervised::*;
