//! Margin losses (`optax.losses`): the binary and multiclass hinge and perceptron losses. No
//! reduction over the batch, as in Optax; gradients flow through every float input.
//!
//! ```text
//! hinge_loss(y, t)                  = max(0, 1 - y·t)                      (t ∈ {-1, 1})
//! perceptron_loss(y, t)             = max(0, -y·t)
//! multiclass_hinge_loss(s, l)       = max_k (s_k + 1 - [k = l]) - s_l
//! multiclass_perceptron_loss(s, l)  = max_k s_k - s_l
//! ```
//!
//! The gradients are JAX's at the kinks too: `jnp.maximum(0, z)` gives half the gradient to
//! each side where `z = 0`, and `jnp.max` shares the gradient equally among tied maxima.
//!
//! The multiclass losses reduce the last axis. Burn cannot name the rank `D - 1` of a generic
//! `Tensor<D>`, so the integer labels and the result keep that axis with size 1: scores
//! `[batch, classes]` take labels `[batch, 1]` and give `[batch, 1]`.

use burn::tensor::{Bool, Int, Tensor};

use super::checks;
use crate::{OptaxError, Result};

/// `jnp.maximum(0, z)` with JAX's gradient: 1 where `z > 0`, 0 where `z < 0`, and 1/2 where
/// `z = 0` (JAX's `max` shares the gradient between equal operands).
fn maximum_zero<const D: usize>(z: Tensor<D>) -> Tensor<D> {
    let positive = z.clone().greater_elem(0.0).float();
    let tie = z.clone().equal_elem(0.0).float().mul_scalar(0.5);
    let negative = z.clone().lower_elem(0.0);
    // z·1 = z and z·(1/2) = 0 at z = 0 exactly; the mask keeps max(0, -∞) = 0.
    z.mul(positive.add(tie)).mask_fill(negative, 0.0)
}

/// `jnp.max(x, axis)` kept with size 1, with JAX's gradient: shared equally among the entries
/// equal to the maximum (Burn's `max_dim` sends it to one of them).
pub(super) fn max_dim_shared<const D: usize>(x: Tensor<D>, axis: usize) -> Tensor<D> {
    let value = x.clone().detach();
    let max = value.clone().max_dim(axis);
    let at_max = value.clone().equal(max.clone().expand(value.dims()));
    let count = at_max.clone().float().sum_dim(axis);
    let finite = value.clone().is_finite();
    // x - detach(x) is 0 in value and the identity in gradient; masked to the maxima.
    let carrier = x
        .sub(value)
        .mask_fill(at_max.bool_and(finite).bool_not(), 0.0)
        .sum_dim(axis)
        .div(count);
    max.add(carrier)
}

/// `jax.nn.one_hot(labels, classes)` as a boolean tensor: `labels` has the shape of the scores
/// with size 1 on the last axis; a label outside `[0, classes)` gives a row of `false`, as in JAX.
pub(super) fn one_hot_last<const D: usize>(
    labels: Tensor<D, Int>,
    dims: [usize; D],
) -> Tensor<D, Bool> {
    let classes = dims[D - 1];
    let mut row = [1; D];
    row[D - 1] = classes;
    let range = Tensor::<1, Int>::arange(0..classes as i64, &labels.device())
        .reshape(row)
        .expand(dims);
    labels.expand(dims).equal(range)
}

/// Checks that `labels` fits scores of shape `dims` (the same shape with size 1 on the last
/// axis), and that there is at least one class.
pub(super) fn check_labels_last<const D: usize>(
    function: &str,
    dims: [usize; D],
    labels: &[usize],
) -> Result<()> {
    if D == 0 {
        return Err(OptaxError::input(
            function,
            "scores must have at least one axis (the classes)",
        ));
    }
    if dims[D - 1] == 0 {
        return Err(OptaxError::input(
            function,
            format!("scores has shape {dims:?}, with no classes on the last axis"),
        ));
    }
    let mut want = dims;
    want[D - 1] = 1;
    checks::same_shape(function, ("scores with 1 class", &want), ("labels", labels))
}

/// `optax.losses.hinge_loss(predictor_outputs, targets)`: the hinge loss for binary
/// classification, element-wise.
///
/// ```text
/// hinge_loss(y, t) = max(0, 1 - y·t)
/// ```
///
/// `targets` should be in `{-1, 1}` (as in Optax, this is not checked). The inputs broadcast
/// as in Optax (same rank; each dimension equal, or 1 in one of them); the result has the
/// broadcast shape. At `y·t = 1` the gradient is half of each side's, as JAX's `maximum`.
///
/// # Errors
/// [`OptaxError::InvalidInput`] if the shapes do not broadcast.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::losses::hinge_loss;
/// let device = Device::flex();
/// let outputs = Tensor::<1>::from_floats([2.0, 0.5, -1.0], &device);
/// let targets = Tensor::<1>::from_floats([1.0, 1.0, 1.0], &device);
/// let loss = hinge_loss(outputs, targets)?;
/// assert_eq!(loss.into_data().to_vec::<f32>().unwrap(), vec![0.0, 0.5, 2.0]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn hinge_loss<const D: usize>(
    predictor_outputs: Tensor<D>,
    targets: Tensor<D>,
) -> Result<Tensor<D>> {
    checks::broadcast(
        "hinge_loss",
        ("predictor_outputs", &predictor_outputs.dims()),
        ("targets", &targets.dims()),
    )?;
    Ok(maximum_zero(
        predictor_outputs.mul(targets).neg().add_scalar(1.0),
    ))
}

/// `optax.losses.perceptron_loss(predictor_outputs, targets)`: the binary perceptron loss,
/// element-wise.
///
/// ```text
/// perceptron_loss(y, t) = max(0, -y·t)
/// ```
///
/// `targets` should be in `{-1, 1}` (as in Optax, this is not checked). At `y·t = 0` the
/// gradient is half of each side's, as JAX's `maximum`.
///
/// Reference: [Perceptron](https://en.wikipedia.org/wiki/Perceptron), Wikipedia.
///
/// # Errors
/// [`OptaxError::InvalidInput`] if the shapes differ (Optax requires equal shapes).
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::losses::perceptron_loss;
/// let device = Device::flex();
/// let outputs = Tensor::<1>::from_floats([2.0, -0.5], &device);
/// let targets = Tensor::<1>::from_floats([1.0, 1.0], &device);
/// let loss = perceptron_loss(outputs, targets)?;
/// assert_eq!(loss.into_data().to_vec::<f32>().unwrap(), vec![0.0, 0.5]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn perceptron_loss<const D: usize>(
    predictor_outputs: Tensor<D>,
    targets: Tensor<D>,
) -> Result<Tensor<D>> {
    checks::same_shape(
        "perceptron_loss",
        ("predictor_outputs", &predictor_outputs.dims()),
        ("targets", &targets.dims()),
    )?;
    Ok(maximum_zero(predictor_outputs.neg().mul(targets)))
}

/// `optax.losses.multiclass_hinge_loss(scores, labels)`: the multiclass hinge loss over the last
/// axis of `scores`.
///
/// ```text
/// multiclass_hinge_loss(s, l) = max_k (s_k + 1 - [k = l]) - s_l
/// ```
///
/// `labels` holds integer class indices and has the shape of `scores` with size 1 on the last
/// axis (Optax's `scores.shape[:-1]`, with the axis kept); so has the result. A label outside
/// `[0, classes)` selects no class (`jax.nn.one_hot` gives a zero row), as in Optax. Tied maxima
/// share the gradient, as JAX's `max`.
///
/// Reference: [Hinge loss](https://en.wikipedia.org/wiki/Hinge_loss), Wikipedia.
///
/// # Errors
/// [`OptaxError::InvalidInput`] if `labels` does not have the shape of `scores` with size 1 on
/// the last axis, or if there are no classes.
///
/// ```
/// use burn::tensor::{Device, Int, Tensor};
/// use optax_core::losses::multiclass_hinge_loss;
/// let device = Device::flex();
/// let scores = Tensor::<2>::from_floats([[2.0, 0.5, 0.0], [0.0, 1.0, 0.0]], &device);
/// let labels = Tensor::<2, Int>::from_ints([[0], [0]], &device);
/// let loss = multiclass_hinge_loss(scores, labels)?;
/// assert_eq!(loss.dims(), [2, 1]);
/// assert_eq!(loss.into_data().to_vec::<f32>().unwrap(), vec![0.0, 2.0]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn multiclass_hinge_loss<const D: usize>(
    scores: Tensor<D>,
    labels: Tensor<D, Int>,
) -> Result<Tensor<D>> {
    let dims = scores.dims();
    check_labels_last("multiclass_hinge_loss", dims, &labels.dims())?;
    let one_hot = one_hot_last(labels, dims).float();
    let margins = scores.clone().add_scalar(1.0).sub(one_hot.clone());
    let label_scores = scores.mul(one_hot).sum_dim(D - 1);
    Ok(max_dim_shared(margins, D - 1).sub(label_scores))
}

/// `optax.losses.multiclass_perceptron_loss(scores, labels)`: the multiclass perceptron loss
/// over the last axis of `scores`.
///
/// ```text
/// multiclass_perceptron_loss(s, l) = max_k s_k - s_l
/// ```
///
/// `labels` holds integer class indices and has the shape of `scores` with size 1 on the last
/// axis (Optax's `scores.shape[:-1]`, with the axis kept); so has the result. A label outside
/// `[0, classes)` selects no class (`jax.nn.one_hot` gives a zero row), as in Optax. Tied maxima
/// share the gradient, as JAX's `max`.
///
/// Reference: Collins, *Discriminative training methods for Hidden Markov Models: Theory and
/// experiments with perceptron algorithms*, EMNLP 2002.
///
/// # Errors
/// [`OptaxError::InvalidInput`] if `labels` does not have the shape of `scores` with size 1 on
/// the last axis, or if there are no classes.
///
/// ```
/// use burn::tensor::{Device, Int, Tensor};
/// use optax_core::losses::multiclass_perceptron_loss;
/// let device = Device::flex();
/// let scores = Tensor::<2>::from_floats([[2.0, 0.5, 0.0], [0.0, 1.0, 0.0]], &device);
/// let labels = Tensor::<2, Int>::from_ints([[0], [0]], &device);
/// let loss = multiclass_perceptron_loss(scores, labels)?;
/// assert_eq!(loss.into_data().to_vec::<f32>().unwrap(), vec![0.0, 1.0]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn multiclass_perceptron_loss<const D: usize>(
    scores: Tensor<D>,
    labels: Tensor<D, Int>,
) -> Result<Tensor<D>> {
    let dims = scores.dims();
    check_labels_last("multiclass_perceptron_loss", dims, &labels.dims())?;
    let one_hot = one_hot_last(labels, dims).float();
    let label_scores = scores.clone().mul(one_hot).sum_dim(D - 1);
    Ok(max_dim_shared(scores, D - 1).sub(label_scores))
}
