//! `jax.flatten_util.ravel_pytree` for a [`Tree`]: all leaves as one flat vector, and back.
//!
//! Optax's `hvp` takes its vector `v` raveled, and `hessian_diag` and `fisher_diag` return
//! raveled vectors. The order is the tree's leaf order, each leaf row-major (JAX ravels a
//! dict in sorted-key order: build the tree in that order to get JAX's vector).

use burn::tensor::Tensor;

use crate::error::{OptaxError, Result};
use crate::tree::Tree;

/// `jax.flatten_util.ravel_pytree(tree)[0]`: the leaves of `tree` concatenated in order into one
/// vector of `tree.numel()` elements.
///
/// ```text
/// ravel(tree) = concat(leaf_0.reshape(-1), leaf_1.reshape(-1), ...)
/// ```
///
/// # Errors
/// [`OptaxError::InvalidInput`] when the tree has no elements (Burn has no empty tensor to
/// return).
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::second_order::ravel;
/// use optax_core::Tree;
///
/// let device = Device::flex();
/// let tree = Tree::builder()
///     .leaf("a", Tensor::<1>::from_floats([1.0, 2.0], &device))
///     .leaf("b", Tensor::<2>::from_floats([[3.0], [4.0]], &device))
///     .build()?;
/// let flat: Vec<f32> = ravel(&tree)?.into_data().try_into_vec_as().unwrap();
/// assert_eq!(flat, vec![1.0, 2.0, 3.0, 4.0]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn ravel(tree: &Tree) -> Result<Tensor<1>> {
    if tree.numel() == 0 {
        return Err(OptaxError::input("ravel", "the tree has no elements"));
    }
    let leaves: Vec<Tensor<1>> = tree
        .leaves()
        .iter()
        .filter(|t| t.dims()[0] > 0)
        .cloned()
        .collect();
    Ok(Tensor::cat(leaves, 0))
}

/// The inverse of [`ravel`] (`unravel_fn` of `jax.flatten_util.ravel_pytree(like)`): `flat`
/// cut into leaves of `like`'s structure.
///
/// ```text
/// unravel(flat, like).leaf_i = flat[o_i .. o_i + numel_i].reshape(shape_i),  o_i = Σ_{j<i} numel_j
/// ```
///
/// # Errors
/// [`OptaxError::InvalidInput`] when `flat` does not have `like.numel()` elements.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::second_order::{ravel, unravel};
/// use optax_core::Tree;
///
/// let device = Device::flex();
/// let like = Tree::builder()
///     .leaf("a", Tensor::<1>::zeros([2], &device))
///     .leaf("b", Tensor::<2>::zeros([2, 1], &device))
///     .build()?;
/// let tree = unravel(Tensor::from_floats([1.0, 2.0, 3.0, 4.0], &device), &like)?;
/// assert_eq!(tree.to_vecs()?, vec![vec![1.0, 2.0], vec![3.0, 4.0]]);
/// assert!(unravel(Tensor::from_floats([1.0], &device), &like).is_err());
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn unravel(flat: Tensor<1>, like: &Tree) -> Result<Tree> {
    unravel_named("unravel", flat, like)
}

/// [`unravel`], naming `function` in its error.
pub(super) fn unravel_named(function: &str, flat: Tensor<1>, like: &Tree) -> Result<Tree> {
    let [numel] = flat.dims();
    if numel != like.numel() {
        return Err(OptaxError::input(
            function,
            format!(
                "the vector has {numel} elements, the raveled parameters {}",
                like.numel()
            ),
        ));
    }
    let mut offset = 0;
    let leaves = like
        .leaves()
        .iter()
        .map(|leaf| {
            let [n] = leaf.dims();
            if n == 0 {
                return leaf.clone();
            }
            let part = flat.clone().narrow(0, offset, n);
            offset += n;
            part
        })
        .collect();
    Tree::from_flat(like.def().clone(), leaves)
}
