//! Ranking losses (`optax.losses`, `optax/losses/_ranking.py`): the listwise softmax loss.
//!
//! A ranking loss compares the ranking that item scores induce with the one that relevance
//! labels induce. It works on the last axis of its inputs (the list); the leading axes are
//! batch axes. Unlike the other losses, it reduces over the batch by default (Optax's
//! `reduce_fn=jnp.mean`).
//!
//! ```text
//! y'_i   = w_i · y_i          (labels times weights; 0 for masked items)
//! s'_i   = s_i                (−∞ for masked items)
//! ℓ(s,y) = −Σ_{valid i} y'_i · log_softmax(s')_i        one value per list
//! mean   = Σ_{lists with a valid item} ℓ / #(lists with a valid item)   (0 if there is none)
//! sum    = Σ_{lists with a valid item} ℓ
//! none   = ℓ, 0 for fully masked lists
//! ```

use burn::tensor::{Bool, Tensor};

use super::checks;
use super::math::log_softmax;
use crate::{OptaxError, Result};

/// How [`ranking_softmax_loss`] reduces the per-list losses: Optax's `reduce_fn`, which is
/// `jnp.mean` by default; `None` (no reduction) is `Option::None` in the Rust argument.
///
/// Optax takes any function with a `where` keyword; the two it documents, and the ones its
/// masking logic knows about, are `jnp.mean` and `jnp.sum`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ReduceFn {
    /// `jnp.mean` over the lists that have at least one valid item; 0 (not NaN) when no list
    /// has one, unless the losses hold a NaN. Optax's default.
    #[default]
    Mean,
    /// `jnp.sum` over the lists that have at least one valid item.
    Sum,
}

/// `optax.losses.ranking_softmax_loss(logits, labels, *, where=None, weights=None,
/// reduce_fn=jnp.mean)`: the listwise softmax cross entropy between item scores and
/// relevance labels along the last axis (the list), reduced over the lists.
///
/// ```text
/// ℓ(s, y) = −Σ_i y_i · log( exp(s_i) / Σ_j exp(s_j) )
/// ```
///
/// Items where `where_` is false are left out: their labels become 0 and their logits −∞
/// before the softmax, and they are left out of the sum. `weights` multiply the labels. A
/// list whose labels are all 0 (no relevant item) has loss 0 and counts in the mean; a list
/// with no valid item at all does not count (and is 0 without reduction).
///
/// * `logits`, `labels`: `[..., list_size]`; `labels` has the shape of `logits` (Optax casts
///   it to the logits' dtype, and so does this function).
/// * `where_`: Optax's `where`, a mask broadcastable to the logits' shape (e.g. `[..., 1]`
///   masks whole lists). Optax's default: `None`.
/// * `weights`: per-item weights broadcastable to the logits' shape. Optax's default: `None`.
/// * `reduce_fn`: `Some(ReduceFn::Mean)` (Optax's default, `jnp.mean`), `Some(ReduceFn::Sum)`
///   (`jnp.sum`) or `None` (no reduction).
///
/// Burn cannot name the rank `D - 1` of a generic `Tensor<D>`, so every reduced axis is kept
/// with size 1: without reduction the result is `[..., 1]` (one loss per list); with `Mean`
/// or `Sum` it is `[1, ..., 1]` (Optax's scalar).
///
/// Gradients are JAX's, NaNs included: the gradient with respect to `weights` is NaN at
/// masked items (JAX differentiates `0 · log_softmax(−∞)` there), and 0 with respect to the
/// logits and labels of masked items.
///
/// # Errors
/// [`OptaxError::InvalidInput`] if `D` is 0, if any axis has size 0 (JAX cannot take the
/// maximum of an empty list), if `labels` has another shape than `logits`, or if `where_` or
/// `weights` does not broadcast to the logits' shape.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::losses::{ranking_softmax_loss, ReduceFn};
/// let device = Device::flex();
/// let scores = Tensor::<1>::from_floats([2.0, 1.0, 3.0], &device);
/// let labels = Tensor::<1>::from_floats([1.0, 0.0, 0.0], &device);
/// let loss = ranking_softmax_loss(scores, labels, None, None, Some(ReduceFn::Mean)).unwrap();
/// let loss: f32 = loss.into_scalar();
/// assert!((loss - 1.408).abs() < 1e-3); // Optax's docstring example
///
/// // A batch of two lists, with the third item of the first list masked.
/// let scores = Tensor::<2>::from_floats([[2.0, 1.0, 0.0], [1.0, 0.5, 1.5]], &device);
/// let labels = Tensor::<2>::from_floats([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]], &device);
/// let where_ = Tensor::<2>::from_floats([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0]], &device).bool();
/// let loss = ranking_softmax_loss(scores, labels, Some(where_), None, Some(ReduceFn::Mean))
///     .unwrap();
/// assert_eq!(loss.dims(), [1, 1]);
/// let loss: f32 = loss.into_scalar();
/// assert!((loss - 0.497).abs() < 1e-3);
/// ```
pub fn ranking_softmax_loss<const D: usize>(
    logits: Tensor<D>,
    labels: Tensor<D>,
    where_: Option<Tensor<D, Bool>>,
    weights: Option<Tensor<D>>,
    reduce_fn: Option<ReduceFn>,
) -> Result<Tensor<D>> {
    const NAME: &str = "ranking_softmax_loss";
    if D == 0 {
        return Err(OptaxError::input(
            NAME,
            "logits must have at least one axis",
        ));
    }
    let dims = logits.dims();
    if dims.contains(&0) {
        return Err(OptaxError::input(
            NAME,
            format!("logits has shape {dims:?}; every axis must have a size of at least 1"),
        ));
    }
    checks::same_shape(NAME, ("logits", &dims), ("labels", &labels.dims()))?;
    let where_ = checks::where_mask(NAME, where_, dims)?;
    let weights = match weights {
        Some(w) => {
            let full = checks::broadcast(NAME, ("logits", &dims), ("weights", &w.dims()))?;
            if full != dims {
                return Err(OptaxError::input(
                    NAME,
                    format!(
                        "weights has shape {:?}, which does not broadcast to the logits' {dims:?}",
                        w.dims()
                    ),
                ));
            }
            Some(w.expand(dims))
        }
        None => None,
    };

    let last = D - 1;
    // Optax casts the labels to the logits' dtype.
    let labels = if labels.dtype() == logits.dtype() {
        labels
    } else {
        labels.cast(logits.dtype())
    };
    let (logits, labels, invalid) = match &where_ {
        Some(mask) => {
            let invalid = mask.clone().bool_not();
            (
                logits.mask_fill(invalid.clone(), f32::NEG_INFINITY),
                labels.mask_fill(invalid.clone(), 0.0),
                Some(invalid),
            )
        }
        None => (logits, labels, None),
    };
    let labels = match weights {
        Some(w) => labels.mul(w),
        None => labels,
    };
    let terms = labels.mul(log_softmax(logits, last, None));
    // jnp.sum(..., where=where): masked items (0·(−∞) = NaN) are left out.
    let terms = match invalid {
        Some(invalid) => terms.mask_fill(invalid, 0.0),
        None => terms,
    };
    let loss = terms.sum_dim(last).neg();

    // The lists with at least one valid item.
    let valid_lists = where_.map(|mask| mask.any_dim(last));
    Ok(safe_reduce(loss, valid_lists, reduce_fn))
}

/// Optax's `_safe_reduce`: the masked mean or sum of the per-list losses `loss` (`[..., 1]`),
/// as `[1, ..., 1]`; the masked mean of no list is 0 unless `loss` holds a NaN. Without a
/// reduction, masked lists are set to 0.
fn safe_reduce<const D: usize>(
    loss: Tensor<D>,
    valid: Option<Tensor<D, Bool>>,
    reduce_fn: Option<ReduceFn>,
) -> Tensor<D> {
    let ones = [1usize; D];
    let Some(reduce_fn) = reduce_fn else {
        return match valid {
            Some(valid) => loss.mask_fill(valid.bool_not(), 0.0),
            None => loss,
        };
    };
    let Some(valid) = valid else {
        return match reduce_fn {
            ReduceFn::Mean => loss.mean().reshape(ones),
            ReduceFn::Sum => loss.sum().reshape(ones),
        };
    };
    let any_nan = loss.clone().is_nan().any().reshape(ones);
    let total = loss
        .mask_fill(valid.clone().bool_not(), 0.0)
        .sum()
        .reshape(ones);
    match reduce_fn {
        ReduceFn::Sum => total,
        ReduceFn::Mean => {
            let count = valid.float().sum().reshape(ones);
            let mean = total.div(count);
            // 0/0 (no valid list) is 0, unless a NaN in the losses must show.
            let hide = mean.clone().is_nan().bool_and(any_nan.bool_not());
            mean.mask_fill(hide, 0.0)
        }
    }
}
