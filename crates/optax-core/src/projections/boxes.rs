//! Projections onto boxes: the non-negative orthant, a box, the hypercube and the L∞ ball.
//!
//! ```text
//! projection_box(x, l, u)        = min(max(x, l), u)          element-wise
//! projection_non_negative(x)     = max(x, 0)
//! projection_hypercube(x, s)     = projection_box(x, 0, s)
//! projection_linf_ball(x, s)     = projection_box(x, -s, s)
//! ```

use crate::error::Result;
use crate::tree::Tree;

/// `optax.projections.projection_non_negative(tree)`: `relu` of every element.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::projections::projection_non_negative;
/// use optax_core::Tree;
/// let device = Device::flex();
/// let x = Tree::builder().leaf("w", Tensor::<1>::from_floats([-1.0, 2.0], &device)).build()?;
/// assert_eq!(projection_non_negative(&x).to_vecs()?, vec![vec![0.0, 2.0]]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn projection_non_negative(tree: &Tree) -> Tree {
    tree.map(burn::tensor::activation::relu)
}

/// `optax.projections.projection_box(tree, lower, upper)` with scalar bounds: every element
/// clipped to `[lower, upper]` (`jnp.clip`: `min(max(x, lower), upper)`).
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::projections::projection_box;
/// use optax_core::Tree;
/// let device = Device::flex();
/// let x = Tree::builder().leaf("w", Tensor::<1>::from_floats([-3.0, 0.5, 3.0], &device)).build()?;
/// assert_eq!(projection_box(&x, -1.0, 1.0).to_vecs()?, vec![vec![-1.0, 0.5, 1.0]]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn projection_box(tree: &Tree, lower: f64, upper: f64) -> Tree {
    tree.map(|t| t.clamp_min(lower).clamp_max(upper))
}

/// `optax.projections.projection_box(tree, lower, upper)` with bounds given as trees of the
/// same structure (element-wise bounds).
///
/// # Errors
/// A tree mismatch if `lower` or `upper` does not have `tree`'s structure.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::projections::projection_box_trees;
/// use optax_core::Tree;
/// let device = Device::flex();
/// let t = |v: [f32; 2]| Tree::builder().leaf("w", Tensor::<1>::from_floats(v, &device)).build();
/// let y = projection_box_trees(&t([-3.0, 3.0])?, &t([-1.0, 0.0])?, &t([0.0, 2.0])?)?;
/// assert_eq!(y.to_vecs()?, vec![vec![-1.0, 2.0]]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn projection_box_trees(tree: &Tree, lower: &Tree, upper: &Tree) -> Result<Tree> {
    let low = tree.zip_map(lower, |x, l| x.max_pair(l))?;
    low.zip_map(upper, |x, u| x.min_pair(u))
}

/// `optax.projections.projection_hypercube(tree, scale=1)`: every element clipped to
/// `[0, scale]`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::projections::projection_hypercube;
/// use optax_core::Tree;
/// let device = Device::flex();
/// let x = Tree::builder().leaf("w", Tensor::<1>::from_floats([-3.0, 0.5, 3.0], &device)).build()?;
/// assert_eq!(projection_hypercube(&x, 1.0).to_vecs()?, vec![vec![0.0, 0.5, 1.0]]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn projection_hypercube(tree: &Tree, scale: f64) -> Tree {
    projection_box(tree, 0.0, scale)
}

/// `optax.projections.projection_linf_ball(tree, scale=1)`: every element clipped to
/// `[-scale, scale]`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::projections::projection_linf_ball;
/// use optax_core::Tree;
/// let device = Device::flex();
/// let x = Tree::builder().leaf("w", Tensor::<1>::from_floats([-3.0, 0.5, 3.0], &device)).build()?;
/// assert_eq!(projection_linf_ball(&x, 2.0).to_vecs()?, vec![vec![-2.0, 0.5, 2.0]]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn projection_linf_ball(tree: &Tree, scale: f64) -> Tree {
    projection_box(tree, -scale, scale)
}
