//! Losses (`optax.losses`): pure functions, no reduction over the batch. Bad shapes, axes or
//! indices are [`OptaxError::InvalidInput`](crate::OptaxError::InvalidInput) errors.

mod checks;
mod classification;
mod ctc;
mod divergence;
mod fenchel_young;
mod margin;
mod math;
mod ranking;
mod regression;
mod segmentation;
mod self_supervised;
mod smoothing;
mod sparsemax;

pub use classification::*;
pub use ctc::*;
pub use divergence::*;
pub use fenchel_young::*;
pub use margin::*;
pub use ranking::*;
pub use regression::*;
pub use segmentation::*;
pub use self_supervised::*;
pub use smoothing::*;
pub use sparsemax::*;
