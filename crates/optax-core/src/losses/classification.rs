//! Classification losses (`optax.losses`): sigmoid and softmax cross entropies. No reduction
//! over the batch, as in Optax; gradients flow through every input that is a float tensor.
//!
//! ```text
//! log σ(x)        = -(max(-x, 0) + log1p(exp(-|x|)))          (jax.nn.log_sigmoid)
//! sigmoid_bce     = -y·log σ(x) - (1 - y)·log σ(-x)            (element-wise)
//! log_softmax(x)  = (x - m) - log Σ exp(x - m),  m = max x     (m detached)
//! softmax_ce      = -Σ_axis y·log_softmax(x)
//! integer labels  = logsumexp(x) - x[label]
//! ```
//!
//! Softmax losses reduce one axis. Burn cannot name the rank `D - 1` of a generic
//! `Tensor<D>`, so there are two forms: the usual `[batch, classes] -> [batch]`
//! ([`softmax_cross_entropy`]) and a rank-generic one that takes Optax's `axis` and keeps it
//! with size 1, like Burn's `sum_dim` ([`softmax_cross_entropy_axis`]).

use burn::tensor::{AsIndex, Int, Tensor};

use super::math::{log_sigmoid, log_softmax, logsumexp};

/// `optax.losses.sigmoid_binary_cross_entropy(logits, labels)`: element-wise binary cross
/// entropy of independent sigmoid predictions; `labels` are 0/1 or probabilities, of the
/// shape of `logits` (Burn broadcasting applies).
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::losses::sigmoid_binary_cross_entropy;
/// let device = Device::flex();
/// let logits = Tensor::<2>::from_floats([[0.0, 30.0]], &device);
/// let labels = Tensor::<2>::from_floats([[1.0, 1.0]], &device);
/// let loss = sigmoid_binary_cross_entropy(logits, labels);
/// assert_eq!(loss.dims(), [1, 2]);
/// ```
pub fn sigmoid_binary_cross_entropy<const D: usize>(
    logits: Tensor<D>,
    labels: Tensor<D>,
) -> Tensor<D> {
    let log_p = log_sigmoid(logits.clone());
    let log_not_p = log_sigmoid(logits.neg());
    // Optax casts the labels to the logits' dtype.
    let labels = if labels.dtype() == log_p.dtype() {
        labels
    } else {
        labels.cast(log_p.dtype())
    };
    labels
        .clone()
        .neg()
        .mul(log_p)
        .sub(labels.neg().add_scalar(1.0).mul(log_not_p))
}

/// `optax.losses.softmax_cross_entropy(logits, labels)` for `[batch, classes]` logits and
/// label distributions: the `[batch]` cross entropies. For other ranks or axes use
/// [`softmax_cross_entropy_axis`].
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::losses::softmax_cross_entropy;
/// let device = Device::flex();
/// let logits = Tensor::<2>::from_floats([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]], &device);
/// let labels = Tensor::<2>::from_floats([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]], &device);
/// assert_eq!(softmax_cross_entropy(logits, labels).dims(), [2]);
/// ```
pub fn softmax_cross_entropy(logits: Tensor<2>, labels: Tensor<2>) -> Tensor<1> {
    softmax_cross_entropy_axis(logits, labels, 1).squeeze_dim::<1>(1)
}

/// `optax.losses.softmax_cross_entropy(logits, labels, axis=axis)` for any rank: the cross
/// entropy along `axis` (negative counts from the end, `-1` is Optax's default), which is kept
/// with size 1 (`[batch, time, classes]` with `axis = -1` gives `[batch, time, 1]`).
///
/// # Panics
/// If `axis` is out of range or the shapes do not broadcast, as Burn's own tensor operations.
pub fn softmax_cross_entropy_axis<const D: usize>(
    logits: Tensor<D>,
    labels: Tensor<D>,
    axis: impl AsIndex,
) -> Tensor<D> {
    let axis = axis.expect_dim_index(D);
    labels.mul(log_softmax(logits, axis)).sum_dim(axis).neg()
}

/// `optax.losses.softmax_cross_entropy_with_integer_labels(logits, labels)` for
/// `[batch, classes]` logits and `[batch]` class indices in `[0, classes)`: the `[batch]`
/// cross entropies. For other ranks or axes use
/// [`softmax_cross_entropy_with_integer_labels_axis`].
///
/// ```
/// use burn::tensor::{Device, Int, Tensor};
/// use optax_core::losses::softmax_cross_entropy_with_integer_labels;
/// let device = Device::flex();
/// let logits = Tensor::<2>::from_floats([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]], &device);
/// let labels = Tensor::<1, Int>::from_ints([2, 0], &device);
/// assert_eq!(softmax_cross_entropy_with_integer_labels(logits, labels).dims(), [2]);
/// ```
pub fn softmax_cross_entropy_with_integer_labels(
    logits: Tensor<2>,
    labels: Tensor<1, Int>,
) -> Tensor<1> {
    softmax_cross_entropy_with_integer_labels_axis(logits, labels.unsqueeze_dim::<2>(1), 1)
        .squeeze_dim::<1>(1)
}

/// `optax.losses.softmax_cross_entropy_with_integer_labels(logits, labels, axis=axis)` for
/// any rank: `labels` has the shape of `logits` with size 1 along `axis` (class indices in
/// `[0, logits.dims()[axis])`), and so has the result.
///
/// # Panics
/// If `axis` is out of range or the shapes do not match, as Burn's `gather`. Out-of-range class
/// indices are not checked (Burn's `gather` does not check them on every backend).
pub fn softmax_cross_entropy_with_integer_labels_axis<const D: usize>(
    logits: Tensor<D>,
    labels: Tensor<D, Int>,
    axis: impl AsIndex,
) -> Tensor<D> {
    let axis = axis.expect_dim_index(D);
    let label_logits = logits.clone().gather(axis, labels);
    logsumexp(logits, axis).sub(label_logits)
}
