//! Counting the non-finite elements of a tree (one device read), shared by
//! `apply_if_finite` and `skip_not_finite`.

use burn::tensor::{Int, Tensor};

use crate::error::{OptaxError, Result};
use crate::tree::Tree;

/// The number of NaN and infinite elements of `tree`, summed on the device and read once.
pub(crate) fn count_not_finite(tree: &Tree) -> Result<i64> {
    let counts: Vec<Tensor<1, Int>> = tree
        .leaves()
        .iter()
        .filter(|t| t.dims()[0] > 0)
        .map(|t| t.clone().is_finite().bool_not().int().sum())
        .collect();
    if counts.is_empty() {
        return Ok(0);
    }
    let total = Tensor::cat(counts, 0).sum();
    let v = total
        .into_data()
        .convert::<i64>()
        .try_to_vec::<i64>()
        .map_err(|e| OptaxError::Io(format!("{e:?}")))?;
    Ok(v.first().copied().unwrap_or(0))
}
