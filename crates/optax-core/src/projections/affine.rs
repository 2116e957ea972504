//! Projections onto affine sets: the line spanned by a vector, a hyperplane and a halfspace.
//!
//! ```text
//! projection_vector(x, a)        = (⟨x, a⟩ / ⟨a, a⟩) a
//! projection_hyperplane(x, a, b) = x + ((b - ⟨x, a⟩) / ⟨a, a⟩) a        {y : ⟨a, y⟩ = b}
//! projection_halfspace(x, a, b)  = x + min((b - ⟨x, a⟩) / ⟨a, a⟩, 0) a  {y : ⟨a, y⟩ ≤ b}
//! ```

use crate::error::Result;
use crate::tree::{self, Tree};

/// `optax.projections.projection_vector(x, a)`: the projection of `x` onto the line spanned
/// by `a`.
///
/// # Errors
/// A tree mismatch if `a` does not have `x`'s structure.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::projections::projection_vector;
/// use optax_core::Tree;
/// let device = Device::flex();
/// let t = |v: [f32; 2]| Tree::builder().leaf("w", Tensor::<1>::from_floats(v, &device)).build();
/// let y = projection_vector(&t([2.0, 3.0])?, &t([1.0, 0.0])?)?;
/// assert_eq!(y.to_vecs()?, vec![vec![2.0, 0.0]]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn projection_vector(x: &Tree, a: &Tree) -> Result<Tree> {
    let scalar = tree::vdot(x, a)? / tree::vdot(a, a)?;
    Ok(a.map(|t| t * scalar.clone()))
}

/// `optax.projections.projection_hyperplane(x, a, b)`: the projection of `x` onto
/// `{y : ⟨a, y⟩ = b}`.
///
/// # Errors
/// A tree mismatch if `a` does not have `x`'s structure.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::projections::projection_hyperplane;
/// use optax_core::Tree;
/// let device = Device::flex();
/// let t = |v: [f32; 2]| Tree::builder().leaf("w", Tensor::<1>::from_floats(v, &device)).build();
/// let y = projection_hyperplane(&t([2.0, 3.0])?, &t([1.0, 0.0])?, 1.0)?;
/// assert_eq!(y.to_vecs()?, vec![vec![1.0, 3.0]]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn projection_hyperplane(x: &Tree, a: &Tree, b: f64) -> Result<Tree> {
    let xa = tree::vdot(x, a)?;
    let scalar = xa.ones_like().mul_scalar(b).sub(xa) / tree::vdot(a, a)?;
    x.zip_map(a, |xi, ai| xi + ai * scalar.clone())
}

/// `optax.projections.projection_halfspace(x, a, b)`: the projection of `x` onto
/// `{y : ⟨a, y⟩ ≤ b}` (`x` itself when it is inside).
///
/// # Errors
/// A tree mismatch if `a` does not have `x`'s structure.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::projections::projection_halfspace;
/// use optax_core::Tree;
/// let device = Device::flex();
/// let t = |v: [f32; 2]| Tree::builder().leaf("w", Tensor::<1>::from_floats(v, &device)).build();
/// let y = projection_halfspace(&t([2.0, 3.0])?, &t([1.0, 0.0])?, 1.0)?;
/// assert_eq!(y.to_vecs()?, vec![vec![1.0, 3.0]]);
/// let inside = projection_halfspace(&t([0.5, 3.0])?, &t([1.0, 0.0])?, 1.0)?;
/// assert_eq!(inside.to_vecs()?, vec![vec![0.5, 3.0]]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn projection_halfspace(x: &Tree, a: &Tree, b: f64) -> Result<Tree> {
    let xa = tree::vdot(x, a)?;
    let scalar = (xa.ones_like().mul_scalar(b).sub(xa) / tree::vdot(a, a)?).clamp_max(0.0);
    x.zip_map(a, |xi, ai| xi + ai * scalar.clone())
}
