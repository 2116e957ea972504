//! Projections onto the simplex, the L1 sphere and the L1 ball.
//!
//! Duchi et al., *Efficient Projections onto the l1-Ball for Learning in High Dimensions*,
//! ICML 2008; Blondel et al., *Large-scale Multiclass Support Vector Machine Training via
//! Euclidean Projection onto the Simplex*, ICPR 2014.
//!
//! ```text
//! projection_simplex(x, s) = s · P(x / s),  P(v) = max(v - τ, 0),  with u = sort(v)
//!     descending, c = cumsum(u), k = #{j : 1/j + (u_j - c_j/j) > 0}, P(v) = relu(1/k + (v - c_k/k))
//! projection_l1_sphere(x, s) = sign(x) ⊙ projection_simplex(|x|, s)
//! projection_l1_ball(x, s)   = x if ‖x‖₁ ≤ s, else projection_l1_sphere(x, s)
//! ```
//!
//! The tree is one vector (Optax's `ravel_pytree`): its leaves in order, each row-major.

use burn::tensor::{Int, Tensor};

use crate::second_order::{ravel, unravel};
use crate::tree::{self, NormOrd, Tree};

/// Projection of a vector onto the unit simplex.
fn projection_unit_simplex(values: Tensor<1>) -> Tensor<1> {
    let [n] = values.dims();
    let device = values.device();
    let u = values.clone().sort_descending(0);
    let cumsum_u = u.clone().cumsum(0);
    let ind = Tensor::<1, Int>::arange(1..n as i64 + 1, &device).float();
    let cond = ind
        .clone()
        .recip()
        .add(u.sub(cumsum_u.clone().div(ind)))
        .greater_elem(0.0);
    // At least 1 (it is for finite values), so that NaN values cannot index -1.
    let idx = cond.int().sum().clamp_min(1);
    let cumsum_at = cumsum_u.gather(0, idx.clone().sub_scalar(1));
    let idx = idx.float();
    let tau = cumsum_at.div(idx.clone());
    burn::tensor::activation::relu(idx.recip().add(values.sub(tau)))
}

/// `optax.projections.projection_simplex(tree, scale=1)`: the projection of the tree (as one
/// vector) onto `{y : y ≥ 0, Σ y = scale}`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::projections::projection_simplex;
/// use optax_core::Tree;
/// let device = Device::flex();
/// let x = Tree::builder().leaf("w", Tensor::<1>::from_floats([1.0, 0.0, -1.0], &device)).build()?;
/// assert_eq!(projection_simplex(&x, 1.0).to_vecs()?, vec![vec![1.0, 0.0, 0.0]]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn projection_simplex(tree: &Tree, scale: f64) -> Tree {
    if tree.numel() == 0 {
        return tree.clone();
    }
    // Neither can fail: the tree has elements, and the projection keeps the vector's length.
    let values = ravel(tree)
        .expect("a tree with elements ravels")
        .div_scalar(scale);
    let projected = projection_unit_simplex(values).mul_scalar(scale);
    unravel(projected, tree).expect("the projection keeps the vector's length")
}

/// `optax.projections.projection_l1_sphere(tree, scale=1)`: the projection onto
/// `{y : ‖y‖₁ = scale}`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::projections::projection_l1_sphere;
/// use optax_core::Tree;
/// let device = Device::flex();
/// let x = Tree::builder().leaf("w", Tensor::<1>::from_floats([-2.0, 0.0, 0.5], &device)).build()?;
/// assert_eq!(projection_l1_sphere(&x, 1.0).to_vecs()?, vec![vec![-1.0, 0.0, 0.0]]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn projection_l1_sphere(tree: &Tree, scale: f64) -> Tree {
    let abs = tree.map(|t| t.abs());
    let projected = projection_simplex(&abs, scale);
    let leaves = tree
        .leaves()
        .iter()
        .zip(projected.leaves())
        .map(|(x, p)| x.clone().sign() * p.clone())
        .collect();
    tree.with_leaves(leaves)
}

/// `optax.projections.projection_l1_ball(tree, scale=1)`: the projection onto
/// `{y : ‖y‖₁ ≤ scale}` (`x` itself when it is inside). The test `‖x‖₁ ≤ scale` is read on the
/// host.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::projections::projection_l1_ball;
/// use optax_core::Tree;
/// let device = Device::flex();
/// let x = Tree::builder().leaf("w", Tensor::<1>::from_floats([-2.0, 0.0, 0.5], &device)).build()?;
/// assert_eq!(projection_l1_ball(&x, 1.0).to_vecs()?, vec![vec![-1.0, 0.0, 0.0]]);
/// assert_eq!(projection_l1_ball(&x, 3.0).to_vecs()?, vec![vec![-2.0, 0.0, 0.5]]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn projection_l1_ball(tree: &Tree, scale: f64) -> Tree {
    let l1_norm = tree::norm(tree, NormOrd::L1, false).into_scalar::<f32>();
    if l1_norm <= scale as f32 {
        tree.clone()
    } else {
        projection_l1_sphere(tree, scale)
    }
}
