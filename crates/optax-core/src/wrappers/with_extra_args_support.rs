//! `with_extra_args_support`: make a transformation accept (and ignore) extra arguments.
//!
//! Every transformation here already takes [`Extra`](crate::Extra) and ignores what it does
//! not use, as Optax's `GradientTransformationExtraArgs` do, so this returns `tx` as it is:
//! Optax too returns a transformation that already supports extra arguments unchanged.

use crate::transform::{GradientTransformation, IntoTransformation};

/// `optax.with_extra_args_support(tx)`: `tx` itself (same state, same updates).
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::prelude::*;
/// use optax_core::{sgd, wrappers::with_extra_args_support};
///
/// let device = Device::flex();
/// let params = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::ones([2], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()?;
/// let opt = with_extra_args_support(sgd(0.1));
/// let state = opt.init(&params)?;
/// let extra = Extra::value(3.0); // accepted and ignored
/// let (u, _) = opt.update(params.clone(), &state, Some(&params), &extra)?;
/// assert!(u.to_vecs()?.iter().flatten().all(|&x| (x + 0.1).abs() < 1e-7));
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn with_extra_args_support(tx: impl IntoTransformation) -> GradientTransformation {
    tx.into_transformation()
}
