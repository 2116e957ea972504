//! `optax.tree.batch_shape`: every leaf broadcast to a batch of copies.

use std::sync::Arc;

use crate::error::Result;
use crate::tree::{Tree, TreeDef};

/// `optax.tree.batch_shape(tree, shape=())`: every leaf `x` broadcast to
/// `(*shape, *x.shape)` (copies of `x` along new leading axes).
///
/// # Errors
/// Only if the new shapes cannot form a tree (they always can).
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::{tree, Tree};
/// let device = Device::flex();
/// let x = Tree::builder()
///     .leaf("a", Tensor::<1>::from_floats([1.0, 2.0], &device))
///     .scalar("b", 3.0, &device)
///     .build()?;
/// let b = tree::batch_shape(&x, &[2])?;
/// assert_eq!(b.shapes(), &[vec![2, 2], vec![2]]);
/// assert_eq!(b.to_vecs()?, vec![vec![1.0, 2.0, 1.0, 2.0], vec![3.0, 3.0]]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn batch_shape(tree: &Tree, shape: &[usize]) -> Result<Tree> {
    let copies: usize = shape.iter().product();
    let shapes = tree
        .shapes()
        .iter()
        .map(|s| shape.iter().chain(s).copied().collect())
        .collect();
    let def = Arc::new(TreeDef::new(tree.paths().to_vec(), shapes)?);
    let leaves = tree
        .leaves()
        .iter()
        .map(|t| {
            if copies == 0 {
                t.clone().slice(0..0)
            } else {
                t.clone().repeat_dim(0, copies)
            }
        })
        .collect();
    Tree::from_flat(def, leaves)
}
