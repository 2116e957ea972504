//! Label smoothing (`optax.losses.smooth_labels`).

use burn::tensor::{Bool, Tensor};

use super::checks;
use crate::Result;

/// `optax.losses.smooth_labels(labels, alpha, *, axis=-1, where=None)`: mixes one-hot (or any)
/// labels with the uniform distribution over the categories along `axis` (Müller et al., *When
/// does label smoothing help?*, 2019, <https://arxiv.org/abs/1906.02629>). The result has the
/// shape of `labels`.
///
/// ```text
/// n = labels.dims()[axis]                         without where
/// n = Σ_axis where   (over the mask's own shape)  with where
/// out = (1 - α)·labels + α / n
/// ```
///
/// With `where_`, Optax 0.2.8 counts the categories over the mask as given (`jnp.sum(where,
/// axis, keepdims=True)`), so a mask of size 1 along `axis` counts one category, a slice with
/// no category counts none (`α / 0 = inf`), and the masked entries are smoothed too. `where_`
/// must broadcast to the shape of `labels`. Optax's defaults: `axis = -1`, `where = None`;
/// `alpha` has no default; tuples of axes are not supported.
///
/// # Errors
/// [`OptaxError::InvalidInput`](crate::OptaxError::InvalidInput) if `axis` is out of range or
/// `where_` does not broadcast to the shape of `labels`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::losses::smooth_labels;
/// let device = Device::flex();
/// let labels = Tensor::<2>::from_floats([[0.0, 1.0, 0.0, 0.0]], &device);
/// let smoothed: Vec<f32> = smooth_labels(labels, 0.2, -1, None)?
///     .into_data()
///     .try_into_vec_as()
///     .unwrap();
/// assert_eq!(smoothed, vec![0.05, 0.85, 0.05, 0.05]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn smooth_labels<const D: usize>(
    labels: Tensor<D>,
    alpha: f64,
    axis: isize,
    where_: Option<Tensor<D, Bool>>,
) -> Result<Tensor<D>> {
    const F: &str = "smooth_labels";
    let dims = labels.dims();
    let axis = checks::axis(F, axis, D)?;
    let kept = labels.clone().mul_scalar(1.0 - alpha);
    Ok(match where_ {
        None => kept.add_scalar(alpha / dims[axis] as f64),
        Some(mask) => {
            // Checked for the shape only: the count is over the mask as given.
            checks::where_mask(F, Some(mask.clone()), dims)?;
            let count = mask.int().sum_dim(axis).float();
            let spread = count.clone().mul_scalar(0.0).add_scalar(alpha).div(count);
            kept.add(spread)
        }
    })
}
