//! Losses (`optax.losses`): pure functions, no reduction over the batch. Bad shapes, axes or
//! indices are [`OptaxError::InvalidInput`](crate::OptaxError::InvalidInput) errors.

mod checks;
mod classification;
mod fenchel_young;
mod margin;
mod math;
mod regression;
mod sparsemax;

pub use classification::*;
pub use fenchel_young::*;
pub use margin::*;
pub use regression::*;
pub use sparsemax::*;
