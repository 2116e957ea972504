//! `optax.tree.conj` and `optax.tree.real` on the real trees of this crate.
//!
//! Burn has no complex dtype, so every [`Tree`] is real: its conjugate and its real part are
//! the tree itself (what `jnp.conj` and `jnp.real` return for real arrays).

use crate::tree::Tree;

/// `optax.tree.conj(tree)`: the complex conjugate, which for a real tree is the tree.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::{tree, Tree};
/// let x = Tree::builder().leaf("a", Tensor::<1>::from_floats([1.0, -2.0], &Device::flex())).build()?;
/// assert_eq!(tree::conj(&x).to_vecs()?, x.to_vecs()?);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn conj(tree: &Tree) -> Tree {
    tree.clone()
}

/// `optax.tree.real(tree)`: the real part, which for a real tree is the tree.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::{tree, Tree};
/// let x = Tree::builder().leaf("a", Tensor::<1>::from_floats([1.0, -2.0], &Device::flex())).build()?;
/// assert_eq!(tree::real(&x).to_vecs()?, x.to_vecs()?);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn real(tree: &Tree) -> Tree {
    tree.clone()
}
