//! Projections onto the L2 sphere and ball.
//!
//! ```text
//! projection_l2_sphere(x, s) = (s / ‖x‖) x
//! projection_l2_ball(x, s)   = (s / sqrt(max(‖x‖², s²))) x
//! ```

use crate::tree::{self, NormOrd, Tree};

/// `optax.projections.projection_l2_sphere(tree, scale=1)`: `x` rescaled to norm `scale`
/// (NaN for `x = 0`, as in Optax).
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::projections::projection_l2_sphere;
/// use optax_core::Tree;
/// let device = Device::flex();
/// let x = Tree::builder().leaf("w", Tensor::<1>::from_floats([3.0, 4.0], &device)).build()?;
/// assert_eq!(projection_l2_sphere(&x, 10.0).to_vecs()?, vec![vec![6.0, 8.0]]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn projection_l2_sphere(tree: &Tree, scale: f64) -> Tree {
    let norm = tree::norm(tree, NormOrd::L2, false);
    // `scale / norm` in one float32 division, as Optax.
    let factor = norm.ones_like().mul_scalar(scale) / norm;
    tree.map(|t| t * factor.clone())
}

/// `optax.projections.projection_l2_ball(tree, scale=1)`: `x` if `‖x‖ ≤ scale`, else `x`
/// rescaled to norm `scale`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::projections::projection_l2_ball;
/// use optax_core::Tree;
/// let device = Device::flex();
/// let x = Tree::builder().leaf("w", Tensor::<1>::from_floats([3.0, 4.0], &device)).build()?;
/// assert_eq!(projection_l2_ball(&x, 1.0).to_vecs()?, vec![vec![0.6, 0.8]]);
/// assert_eq!(projection_l2_ball(&x, 10.0).to_vecs()?, vec![vec![3.0, 4.0]]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn projection_l2_ball(tree: &Tree, scale: f64) -> Tree {
    let squared_norm = tree::norm(tree, NormOrd::L2, true);
    let bound = ((scale * scale) as f32) as f64;
    let denominator = squared_norm.clamp_min(bound).sqrt();
    let factor = denominator.ones_like().mul_scalar(scale) / denominator;
    tree.map(|t| t * factor.clone())
}
