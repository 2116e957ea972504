//! The dtype of a tree (`optax.tree.dtype`) and casting a tree like another
//! (`optax.tree.cast_like`).

use burn::tensor::DType;

use crate::error::{OptaxError, Result};
use crate::tree::Tree;

/// How [`dtype`] resolves leaves of different dtypes (Optax's `mixed_dtype_handler`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MixedDtypeHandler {
    /// `"promote"`: the type every leaf promotes to (`float16` with `bfloat16` gives
    /// `float32`, as `jnp.promote_types`).
    Promote,
    /// `"highest"`: the highest dtype, when every pair promotes one way.
    Highest,
    /// `"lowest"`: the lowest dtype, when every pair promotes one way.
    Lowest,
}

/// The bit width of a float dtype (a promotion rank), `None` for a non-float.
fn width(d: DType) -> Option<u32> {
    match d {
        DType::F64 => Some(64),
        DType::F32 | DType::Flex32 => Some(32),
        DType::F16 | DType::BF16 => Some(16),
        _ => None,
    }
}

/// `jnp.promote_types` on float dtypes.
fn promote(a: DType, b: DType) -> Result<DType> {
    if a == b {
        return Ok(a);
    }
    match (width(a), width(b)) {
        (Some(16), Some(16)) => Ok(DType::F32),
        (Some(x), Some(y)) => Ok(if x >= y { a } else { b }),
        _ => Err(OptaxError::input(
            "dtype",
            format!("cannot promote {a:?} and {b:?}"),
        )),
    }
}

/// The one of `a`, `b` that the other promotes to (`highest`), or the other (`lowest`).
fn ordered(a: DType, b: DType, highest: bool) -> Result<DType> {
    let p = promote(a, b)?;
    if p != a && p != b {
        return Err(OptaxError::input(
            "dtype",
            format!("neither of {a:?} and {b:?} promotes to the other"),
        ));
    }
    let other = if p == a { b } else { a };
    Ok(if highest { p } else { other })
}

/// `optax.tree.dtype(tree, mixed_dtype_handler=None)`: the dtype of the tree's leaves
/// (`float32` for an empty tree, as `jnp.asarray([])`).
///
/// # Errors
/// [`OptaxError::InvalidInput`] if the leaves differ in dtype and no handler is given, or if
/// the handler cannot order them.
///
/// ```
/// use burn::tensor::{DType, Device, Tensor};
/// use optax_core::tree::{self, MixedDtypeHandler};
/// use optax_core::Tree;
/// let device = Device::flex();
/// let t = Tree::builder()
///     .leaf("a", Tensor::<1>::zeros([2], &device))
///     .leaf("b", Tensor::<1>::zeros([2], &device).cast(DType::F16))
///     .build()?;
/// assert!(tree::dtype(&t, None).is_err());
/// assert_eq!(tree::dtype(&t, Some(MixedDtypeHandler::Lowest))?, DType::F16);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn dtype(tree: &Tree, mixed_dtype_handler: Option<MixedDtypeHandler>) -> Result<DType> {
    let mut dtypes = tree.leaves().iter().map(|t| t.dtype());
    let Some(first) = dtypes.next() else {
        return Ok(DType::F32);
    };
    let mut out = first;
    for (i, d) in dtypes.enumerate() {
        out = match mixed_dtype_handler {
            None if d == first => first,
            None => {
                return Err(OptaxError::input(
                    "dtype",
                    format!(
                        "expected every leaf to be {first:?}, leaf `{}` is {d:?}",
                        tree.paths()[i + 1]
                    ),
                ))
            }
            Some(MixedDtypeHandler::Promote) => promote(out, d)?,
            Some(MixedDtypeHandler::Highest) => ordered(out, d, true)?,
            Some(MixedDtypeHandler::Lowest) => ordered(out, d, false)?,
        };
    }
    Ok(out)
}

/// `optax.tree.cast_like(tree, other_tree)`: every leaf of `tree` cast to the dtype of the
/// matching leaf of `other_tree`.
///
/// # Errors
/// A tree mismatch if the structures differ.
///
/// ```
/// use burn::tensor::{DType, Device, Tensor};
/// use optax_core::tree;
/// use optax_core::Tree;
/// let device = Device::flex();
/// let x = Tree::builder().leaf("a", Tensor::<1>::ones([2], &device)).build()?;
/// let like = x.map(|t| t.cast(DType::F16));
/// assert_eq!(tree::dtype(&tree::cast_like(&x, &like)?, None)?, DType::F16);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn cast_like(tree: &Tree, other_tree: &Tree) -> Result<Tree> {
    tree.zip_map(other_tree, |t, o| {
        let d = o.dtype();
        if t.dtype() == d {
            t
        } else {
            t.cast(d)
        }
    })
}
