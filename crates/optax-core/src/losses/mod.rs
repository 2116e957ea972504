//! Losses (`optax.losses`): pure functions, no reduction over the batch.

mod classification;
mod regression;

pub use classification::*;
pub use regression::*;
