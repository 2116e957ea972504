//! Applying updates to parameters, and the parameter averages built on it.

use crate::error::Result;
use crate::hyper::Scalar;
use crate::tree::Tree;

/// `params + updates`, in the parameters' dtype (`optax.apply_updates`).
pub fn apply_updates(params: &Tree, updates: &Tree) -> Result<Tree> {
    params.zip_map(updates, |p, u| {
        let dtype = p.dtype();
        p + u.cast(dtype)
    })
}

/// `step_size·new + (1 - step_size)·old`, Polyak averaging (`optax.incremental_update`).
pub fn incremental_update(
    new_tensors: &Tree,
    old_tensors: &Tree,
    step_size: impl Into<Scalar>,
) -> Result<Tree> {
    let s = step_size.into();
    let keep = 1.0 - s.clone();
    new_tensors.zip_map(old_tensors, |n, o| s.mul_tensor(n) + keep.mul_tensor(o))
}

/// `new` when `steps % update_period == 0`, else `old` (`optax.periodic_update`).
pub fn periodic_update(
    new_tensors: &Tree,
    old_tensors: &Tree,
    steps: i64,
    update_period: i64,
) -> Result<Tree> {
    new_tensors.check_same_structure(old_tensors)?;
    if update_period != 0 && steps % update_period == 0 {
        Ok(new_tensors.clone())
    } else {
        Ok(old_tensors.clone())
    }
}
