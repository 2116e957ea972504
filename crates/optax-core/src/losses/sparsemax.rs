//! Sparsemax losses (`optax.losses`): the binary sparsemax loss (`sparse_plus` of the signed
//! logit) and the multiclass sparsemax loss built on the Euclidean projection onto the
//! probability simplex. No reduction over the batch, as in Optax.
//!
//! ```text
//! sparse_plus(x)   = 0 if x ≤ -1,  (x + 1)²/4 if -1 < x < 1,  x if x ≥ 1
//! sparsemax_loss   = sparse_plus(-x if label ≠ 0 else x)
//!
//! p = sparsemax(s) = argmin_{p ∈ simplex} ‖p - s‖²  = max(s - τ, 0), with, for u = sort(s)
//!     descending, k = #{j : 1/j + u_j - (u_1 + … + u_j)/j > 0}, τ = ((u_1 + … + u_k) - 1)/k
//! multiclass_sparsemax_loss(s, l) = Σ_{k: p_k > 0} p_k (s_k - s_l) + (1 - ‖p‖²)/2
//! ```
//!
//! The gradient of the projection is the one JAX defines for it (a custom JVP):
//! `∂p = m ⊙ v - (m·v / |m|) m` with `m = [p > 0]`, so that the loss's gradient is JAX's,
//! `p - e_l` wherever the support does not change.

use burn::tensor::{Int, Tensor};

use super::checks;
use crate::{OptaxError, Result};

/// `jax.nn.sparse_plus(x)`, with JAX's branches: the gradient is 0 at `x = -1` and 1 at `x = 1`.
fn sparse_plus<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    let shifted = x.clone().add_scalar(1.0);
    let quadratic = shifted.clone().mul(shifted).div_scalar(4.0);
    let low = x.clone().lower_equal_elem(-1.0);
    let high = x.clone().greater_equal_elem(1.0);
    quadratic.mask_where(high, x).mask_fill(low, 0.0)
}

/// `optax.projections.projection_simplex` of each row of `scores` (`[batch, classes]`):
/// the sparsemax probabilities, computed as Optax does (sort, cumulative sum, support size),
/// with the gradient of Optax's custom JVP.
fn projection_simplex_rows(scores: Tensor<2>) -> Tensor<2> {
    let [_, classes] = scores.dims();
    let device = scores.device();
    let values = scores.clone().detach();
    let sorted = values.clone().sort_descending(1);
    let cumsum = sorted.clone().cumsum(1);
    let index = Tensor::<1, Int>::arange(1..classes as i64 + 1, &device)
        .float()
        .reshape([1, classes]);
    // 1/j + (u_j - cumsum_j / j) > 0, in Optax's order of operations.
    let condition = index
        .clone()
        .recip()
        .add(sorted.sub(cumsum.clone().div(index)))
        .greater_elem(0.0);
    // At least 1 (it always is for finite scores), so that NaN scores cannot index -1.
    let support_size = condition.int().sum_dim(1).clamp_min(1);
    let cumsum_at = cumsum.gather(1, support_size.clone().sub_scalar(1));
    let size = support_size.float();
    let projection = size
        .clone()
        .recip()
        .add(values.sub(cumsum_at.div(size)))
        .clamp_min(0.0);
    // The custom JVP: m ⊙ (s - (m·s)/|m|) carries the gradient; its value is taken off again,
    // so the result is the projection above exactly.
    let support = projection.clone().greater_elem(0.0).float();
    let count = support.clone().sum_dim(1);
    let mean = scores.clone().mul(support.clone()).sum_dim(1).div(count);
    let carrier = scores.sub(mean).mul(support);
    projection.add(carrier.clone().sub(carrier.detach()))
}

/// `optax.losses.sparsemax_loss(logits, labels)`: the binary sparsemax loss, element-wise;
/// zero if and only if `jax.nn.sparse_sigmoid(logits) == labels`.
///
/// ```text
/// sparsemax_loss(x, y) = sparse_plus(y ≠ 0 ? -x : x)
/// sparse_plus(z)       = 0 if z ≤ -1,  (z + 1)²/4 if -1 < z < 1,  z if z ≥ 1
/// ```
///
/// `labels` are integer labels, 0 or 1 (any non-zero label counts as 1, as in Optax's
/// `jnp.where(labels, ...)`). The inputs broadcast as in Optax (same rank; each dimension equal,
/// or 1 in one of them); the result has the broadcast shape.
///
/// Reference: Blondel, Martins & Niculae, *Learning with Fenchel-Young Losses*, JMLR 2020
/// (Sec. 4.4).
///
/// # Errors
/// [`OptaxError::InvalidInput`] if the shapes do not broadcast.
///
/// ```
/// use burn::tensor::{Device, Int, Tensor};
/// use optax_core::losses::sparsemax_loss;
/// let device = Device::flex();
/// let logits = Tensor::<1>::from_floats([2.0, 0.0, -3.0], &device);
/// let labels = Tensor::<1, Int>::from_ints([1, 1, 0], &device);
/// let loss = sparsemax_loss(logits, labels)?;
/// assert_eq!(loss.into_data().to_vec::<f32>().unwrap(), vec![0.0, 0.25, 0.0]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn sparsemax_loss<const D: usize>(
    logits: Tensor<D>,
    labels: Tensor<D, Int>,
) -> Result<Tensor<D>> {
    let shape = checks::broadcast(
        "sparsemax_loss",
        ("logits", &logits.dims()),
        ("labels", &labels.dims()),
    )?;
    let mut dims = [0; D];
    dims.copy_from_slice(&shape);
    let logits = if logits.dims() == dims {
        logits
    } else {
        logits.expand(dims)
    };
    let negative_class = labels.expand(dims).equal_elem(0);
    let signed = logits.clone().neg().mask_where(negative_class, logits);
    Ok(sparse_plus(signed))
}

/// `optax.losses.multiclass_sparsemax_loss(scores, labels)`: the multiclass sparsemax loss of
/// `[batch, classes]` scores and `[batch]` integer labels, giving `[batch]` losses (Optax maps
/// over the first axis; the scores of one example are a vector).
///
/// ```text
/// p    = sparsemax(s)   (projection onto the probability simplex, see the module)
/// loss = Σ_{k: p_k > 0} p_k (s_k - s_l) + (1 - ‖p‖²)/2
/// ```
///
/// Zero if and only if `sparsemax(scores) = one_hot(labels)`; its gradient is `p - e_l` (JAX's,
/// from Optax's custom JVP of the projection).
///
/// Reference: Martins & Astudillo, *From Softmax to Sparsemax: A Sparse Model of Attention and
/// Multi-Label Classification*, ICML 2016, <https://arxiv.org/abs/1602.02068>.
///
/// # Errors
/// [`OptaxError::InvalidInput`] if `labels` does not have one entry per row of `scores`, if there
/// are no classes, or if a label is outside `[0, classes)` (Optax indexes with the label, so a
/// negative one would count from the end and a too large one would be clamped; here both are
/// errors). Checking the labels reads them back from the device.
///
/// ```
/// use burn::tensor::{Device, Int, Tensor};
/// use optax_core::losses::multiclass_sparsemax_loss;
/// let device = Device::flex();
/// let scores = Tensor::<2>::from_floats([[0.0, 0.0], [3.0, 0.0]], &device);
/// let labels = Tensor::<1, Int>::from_ints([0, 0], &device);
/// let loss = multiclass_sparsemax_loss(scores, labels)?;
/// // Row 1: p = [1/2, 1/2], loss = 1/4. Row 2: p = [1, 0] = e_0, loss = 0.
/// assert_eq!(loss.into_data().to_vec::<f32>().unwrap(), vec![0.25, 0.0]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn multiclass_sparsemax_loss(scores: Tensor<2>, labels: Tensor<1, Int>) -> Result<Tensor<1>> {
    const NAME: &str = "multiclass_sparsemax_loss";
    let [batch, classes] = scores.dims();
    if classes == 0 {
        return Err(OptaxError::input(
            NAME,
            "scores has no classes (shape [_, 0])",
        ));
    }
    checks::same_shape(
        NAME,
        ("scores' batch", &[batch]),
        ("labels", &labels.dims()),
    )?;
    let values = labels
        .clone()
        .into_data()
        .try_into_vec_as::<i64>()
        .map_err(|e| OptaxError::input(NAME, format!("labels could not be read: {e:?}")))?;
    if let Some(bad) = values.iter().find(|&&l| l < 0 || l >= classes as i64) {
        return Err(OptaxError::input(
            NAME,
            format!("label {bad} is outside [0, {classes})"),
        ));
    }
    let labels = labels.unsqueeze_dim::<2>(1);
    let proba = projection_simplex_rows(scores.clone());
    let label_scores = scores.clone().gather(1, labels.clone());
    let is_label = Tensor::<1, Int>::arange(0..classes as i64, &scores.device())
        .reshape([1, classes])
        .expand([batch, classes])
        .equal(labels.expand([batch, classes]));
    let outside = proba.clone().detach().equal_elem(0.0);
    let relative = scores
        .sub(label_scores)
        .mask_fill(is_label, 0.0)
        .mask_fill(outside, 0.0);
    let linear = proba.clone().mul(relative).sum_dim(1);
    let squares = proba.clone().mul(proba).sum_dim(1);
    let loss = linear.add(squares.neg().add_scalar(1.0).mul_scalar(0.5));
    Ok(loss.squeeze_dim::<1>(1))
}
