//! Numerics (`optax.safe_norm`, `optax.safe_root_mean_squares`, `optax.safe_increment`) and
//! linear algebra (`optax.power_iteration`, `optax.matrix_inverse_pth_root`, `optax.nnls`),
//! with Optax 0.2.8's names, defaults and float32 operation order.

mod matrix_inverse_pth_root;
mod nnls;
mod power_iteration;
mod safe_norm;

pub use crate::state::safe_increment;
pub use matrix_inverse_pth_root::matrix_inverse_pth_root;
pub use nnls::{nnls, nnls_multi};
pub use power_iteration::{power_iteration, power_iteration_fn};
pub use safe_norm::{safe_norm, safe_root_mean_squares};

use burn::tensor::Tensor;

/// Reads a one-element tensor to the host as `f32`.
pub(crate) fn read1(t: Tensor<1>) -> f32 {
    t.into_scalar::<f32>()
}
