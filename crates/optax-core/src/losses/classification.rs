//! Classification losses (`optax.losses`): sigmoid, focal, softmax, safe-softmax and poly cross
//! entropies. No reduction over the batch, as in Optax; gradients flow through every input that
//! is a float tensor and equal JAX's.
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
//! `Tensor<D>`, so the rank-generic forms take Optax's `axis` (an `isize`, negative from the
//! end; Optax's tuples of axes are not supported) and keep it with size 1, like Burn's
//! `sum_dim` (`[batch, time, classes]` with `axis = -1` gives `[batch, time, 1]`). For the usual
//! `[batch, classes] -> [batch]` there are fixed-rank forms ([`softmax_cross_entropy`],
//! [`softmax_cross_entropy_with_integer_labels`]) with Optax's defaults `axis = -1`,
//! `where = None`.
//!
//! Optax's `where` is `where_: Option<Tensor<D, Bool>>`: of the logits' shape, or with size 1
//! along any axis (e.g. `[batch, 1]` to leave out whole examples, Optax's `[batch]` mask).

use burn::tensor::{Bool, Int, Tensor};

use super::checks;
use super::math::{log_sigmoid, log_softmax, logsumexp, softmax};
use crate::{OptaxError, Result};

/// `b` must broadcast to the shape `a` (same rank, each dimension equal or 1 in `b`): the
/// result keeps `a`'s shape.
pub(super) fn broadcasts_to(
    function: &str,
    (a_name, a): (&str, &[usize]),
    (b_name, b): (&str, &[usize]),
) -> Result<()> {
    let full = checks::broadcast(function, (a_name, a), (b_name, b))?;
    if full == a {
        Ok(())
    } else {
        Err(OptaxError::input(
            function,
            format!("{b_name} has shape {b:?}, which does not broadcast to {a_name}'s {a:?}"),
        ))
    }
}

/// Optax casts the labels to the logits' dtype.
fn as_dtype_of<const D: usize>(labels: Tensor<D>, logits: &Tensor<D>) -> Tensor<D> {
    if labels.dtype() == logits.dtype() {
        labels
    } else {
        labels.cast(logits.dtype())
    }
}

/// `optax.losses.sigmoid_binary_cross_entropy(logits, labels)`: the element-wise binary cross
/// entropy of independent sigmoid predictions.
///
/// ```text
/// loss = -y·log σ(x) - (1 - y)·log σ(-x)
/// ```
///
/// `labels` are 0/1 or probabilities; they broadcast with `logits` (same rank, sizes equal or
/// 1) and the result has the broadcast shape. Reference: Goodfellow et al., *Deep Learning*,
/// 2016.
///
/// # Errors
/// [`OptaxError::InvalidInput`] if `labels` does not broadcast with `logits`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::losses::sigmoid_binary_cross_entropy;
/// let device = Device::flex();
/// let logits = Tensor::<2>::from_floats([[0.0, 30.0]], &device);
/// let labels = Tensor::<2>::from_floats([[1.0, 1.0]], &device);
/// let loss = sigmoid_binary_cross_entropy(logits, labels)?;
/// let v: Vec<f32> = loss.into_data().try_into_vec_as().unwrap();
/// assert!((v[0] - std::f32::consts::LN_2).abs() < 1e-6 && v[1] < 1e-12);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn sigmoid_binary_cross_entropy<const D: usize>(
    logits: Tensor<D>,
    labels: Tensor<D>,
) -> Result<Tensor<D>> {
    checks::broadcast(
        "sigmoid_binary_cross_entropy",
        ("logits", &logits.dims()),
        ("labels", &labels.dims()),
    )?;
    Ok(binary_cross_entropy(logits, labels))
}

fn binary_cross_entropy<const D: usize>(logits: Tensor<D>, labels: Tensor<D>) -> Tensor<D> {
    let labels = as_dtype_of(labels, &logits);
    let log_p = log_sigmoid(logits.clone());
    let log_not_p = log_sigmoid(logits.neg());
    labels
        .clone()
        .neg()
        .mul(log_p)
        .sub(labels.neg().add_scalar(1.0).mul(log_not_p))
}

/// `optax.losses.sigmoid_focal_loss(logits, labels, *, alpha=None, gamma=2.0)`: the sigmoid
/// binary cross entropy scaled by `(1 - p_t)^γ`, which decays to zero as the prediction of the
/// true class gets confident (Lin et al., *Focal Loss for Dense Object Detection*, 2017,
/// <https://arxiv.org/abs/1708.02002>).
///
/// ```text
/// p = σ(x),  p_t = p·y + (1 - p)·(1 - y)
/// log(1 - p_t) = log((1 - y)·exp(log σ(x)) + y·exp(log σ(-x)))    (logsumexp with weights)
/// loss = sigmoid_bce(x, y) · exp(γ·log(1 - p_t))
/// with alpha: loss · (α·y + (1 - α)·(1 - y))
/// ```
///
/// `(1 - p_t)^γ` is computed in log space as Optax 0.2.8 does (`jax.scipy.special.logsumexp`
/// with weights `b = [1 - y, y]`; a term whose weight is 0 is left out), so it is exact for
/// extreme logits and `γ < 2`, and so are its gradients. Labels are 0/1 or in `[0, 1]`; they
/// broadcast with `logits` (same rank) and the result has the broadcast shape. Optax's
/// defaults: `alpha = None` (no weighting), `gamma = 2.0`.
///
/// # Errors
/// [`OptaxError::InvalidInput`] if `labels` does not broadcast with `logits`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::losses::{sigmoid_binary_cross_entropy, sigmoid_focal_loss};
/// let device = Device::flex();
/// let logits = Tensor::<1>::from_floats([2.0, -1.0], &device);
/// let labels = Tensor::<1>::from_floats([1.0, 1.0], &device);
/// // gamma = 0 and no alpha: the sigmoid binary cross entropy.
/// let focal = sigmoid_focal_loss(logits.clone(), labels.clone(), None, 0.0)?;
/// let bce = sigmoid_binary_cross_entropy(logits.clone(), labels.clone())?;
/// let (f, b): (Vec<f32>, Vec<f32>) = (
///     focal.into_data().try_into_vec_as().unwrap(),
///     bce.into_data().try_into_vec_as().unwrap(),
/// );
/// assert!((f[0] - b[0]).abs() < 1e-7 && (f[1] - b[1]).abs() < 1e-7);
/// // The default gamma = 2 down-weights the confident prediction (logit 2) most.
/// let focal = sigmoid_focal_loss(logits, labels, Some(0.25), 2.0)?;
/// assert_eq!(focal.dims(), [2]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn sigmoid_focal_loss<const D: usize>(
    logits: Tensor<D>,
    labels: Tensor<D>,
    alpha: Option<f64>,
    gamma: f64,
) -> Result<Tensor<D>> {
    let full = checks::broadcast(
        "sigmoid_focal_loss",
        ("logits", &logits.dims()),
        ("labels", &labels.dims()),
    )?;
    let full: [usize; D] = full.try_into().expect("the rank of the inputs");
    let labels = as_dtype_of(labels, &logits);
    let ce = binary_cross_entropy(logits.clone(), labels.clone());
    // The weights and terms of the two-term logsumexp, at the broadcast shape.
    let expand = |t: Tensor<D>| if t.dims() == full { t } else { t.expand(full) };
    let (logits, labels) = (expand(logits), expand(labels));
    let (b_p, b_q) = (labels.clone().neg().add_scalar(1.0), labels.clone());
    let log_p = log_sigmoid(logits.clone());
    let log_q = log_sigmoid(logits.neg());
    // jax.scipy.special.logsumexp([log_p, log_q], b=[1 - y, y]): a zero weight excludes its
    // term (its exponent becomes -inf); the maximum is detached and 0 where not finite.
    let a_p = log_p.mask_fill(b_p.clone().equal_elem(0.0), f32::NEG_INFINITY);
    let a_q = log_q.mask_fill(b_q.clone().equal_elem(0.0), f32::NEG_INFINITY);
    let max = a_p.clone().max_pair(a_q.clone()).detach();
    let max = max.clone().mask_fill(max.is_finite().bool_not(), 0.0);
    let sum = a_p
        .sub(max.clone())
        .exp()
        .mul(b_p)
        .add(a_q.sub(max.clone()).exp().mul(b_q));
    let negative = sum.clone().lower_elem(0.0);
    let log_one_minus_p_t = sum.abs().log().add(max).mask_fill(negative, f32::NAN);
    let loss = ce.mul(log_one_minus_p_t.mul_scalar(gamma).exp());
    Ok(match alpha {
        None => loss,
        Some(alpha) => labels
            .clone()
            .mul_scalar(alpha)
            .add(labels.neg().add_scalar(1.0).mul_scalar(1.0 - alpha))
            .mul(loss),
    })
}

/// `optax.losses.softmax_cross_entropy(logits, labels)` (Optax's defaults `axis=-1`,
/// `where=None`) for `[batch, classes]` logits and label distributions: the `[batch]` cross
/// entropies. For other ranks, axes or a mask use [`softmax_cross_entropy_axis`].
///
/// ```text
/// loss_i = -Σ_j y_ij·log_softmax(x_i)_j
/// ```
///
/// # Errors
/// [`OptaxError::InvalidInput`] if `labels` does not broadcast to the shape of `logits`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::losses::softmax_cross_entropy;
/// let device = Device::flex();
/// let logits = Tensor::<2>::from_floats([[1.2, -0.8, -0.5], [0.9, -1.2, 1.1]], &device);
/// let labels = Tensor::<2>::from_floats([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], &device);
/// let loss: Vec<f32> = softmax_cross_entropy(logits, labels)?.into_data().try_into_vec_as().unwrap();
/// assert!((loss[0] - 0.2761).abs() < 1e-4 && (loss[1] - 2.9518).abs() < 1e-4);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn softmax_cross_entropy(logits: Tensor<2>, labels: Tensor<2>) -> Result<Tensor<1>> {
    Ok(softmax_cross_entropy_axis(logits, labels, -1, None)?.squeeze_dim::<1>(1))
}

/// `optax.losses.softmax_cross_entropy(logits, labels, axis=-1, where=None)` for any rank: the
/// cross entropy along `axis`, which is kept with size 1.
///
/// ```text
/// loss = -Σ_axis y·log_softmax(x, axis, where)      (the sum over the entries in `where`)
/// ```
///
/// `labels` broadcasts to the shape of `logits`. `where_` (Optax's `where`) has the logits'
/// shape or size 1 along any axis; entries outside it take no part in the softmax or the sum,
/// and a fully masked slice gives 0. As in JAX, a masked entry's logit gets a zero gradient
/// and its label a NaN one (`0·log_softmax = 0·-inf`). Optax's defaults: `axis = -1`,
/// `where = None`; tuples of axes are not supported.
///
/// # Errors
/// [`OptaxError::InvalidInput`] if `axis` is out of range, or `labels` or `where_` does not
/// broadcast to the shape of `logits`.
///
/// ```
/// use burn::tensor::{Bool, Device, Tensor};
/// use optax_core::losses::softmax_cross_entropy_axis;
/// let device = Device::flex();
/// let logits = Tensor::<3>::from_floats([[[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]], &device);
/// let labels = Tensor::<3>::from_floats([[[0.0, 0.0, 1.0], [0.5, 0.5, 0.0]]], &device);
/// let loss = softmax_cross_entropy_axis(logits.clone(), labels.clone(), -1, None)?;
/// assert_eq!(loss.dims(), [1, 2, 1]);
/// // Leave out the third class of every example: it becomes a two-class problem.
/// let keep = Tensor::<3, Bool>::from_data([[[true, true, false]]], &device);
/// let masked = softmax_cross_entropy_axis(logits, labels, -1, Some(keep))?;
/// let v: Vec<f32> = masked.into_data().try_into_vec_as().unwrap();
/// assert!((v[1] - std::f32::consts::LN_2).abs() < 1e-6);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn softmax_cross_entropy_axis<const D: usize>(
    logits: Tensor<D>,
    labels: Tensor<D>,
    axis: isize,
    where_: Option<Tensor<D, Bool>>,
) -> Result<Tensor<D>> {
    const F: &str = "softmax_cross_entropy";
    let dims = logits.dims();
    let axis = checks::axis(F, axis, D)?;
    broadcasts_to(F, ("logits", &dims), ("labels", &labels.dims()))?;
    let where_ = checks::where_mask(F, where_, dims)?;
    Ok(cross_entropy(logits, labels, axis, where_))
}

/// `-Σ_axis y·log_softmax(x)` over the entries in `where_` (checked by the caller).
fn cross_entropy<const D: usize>(
    logits: Tensor<D>,
    labels: Tensor<D>,
    axis: usize,
    where_: Option<Tensor<D, Bool>>,
) -> Tensor<D> {
    let labels = as_dtype_of(labels, &logits);
    let terms = labels.mul(log_softmax(logits, axis, where_.clone()));
    let terms = match where_ {
        Some(w) => terms.mask_fill(w.bool_not(), 0.0),
        None => terms,
    };
    terms.sum_dim(axis).neg()
}

/// `optax.losses.softmax_cross_entropy_with_integer_labels(logits, labels)` (Optax's defaults
/// `axis=-1`, `where=None`) for `[batch, classes]` logits and `[batch]` class indices: the
/// `[batch]` cross entropies. For other ranks, axes or a mask use
/// [`softmax_cross_entropy_with_integer_labels_axis`].
///
/// ```text
/// loss_i = logsumexp(x_i) - x_i[label_i]
/// ```
///
/// As Optax's `take_along_axis`, a negative label counts from the end (`-1` is the last class)
/// and a label outside `[-classes, classes)` gives NaN.
///
/// # Errors
/// [`OptaxError::InvalidInput`] if `labels` does not have `logits.dims()[0]` entries, or there
/// are no classes.
///
/// ```
/// use burn::tensor::{Device, Int, Tensor};
/// use optax_core::losses::softmax_cross_entropy_with_integer_labels;
/// let device = Device::flex();
/// let logits = Tensor::<2>::from_floats([[1.2, -0.8, -0.5], [0.9, -1.2, 1.1]], &device);
/// let labels = Tensor::<1, Int>::from_ints([0, 1], &device);
/// let loss: Vec<f32> = softmax_cross_entropy_with_integer_labels(logits, labels)?
///     .into_data()
///     .try_into_vec_as()
///     .unwrap();
/// assert!((loss[0] - 0.2761).abs() < 1e-4 && (loss[1] - 2.9518).abs() < 1e-4);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn softmax_cross_entropy_with_integer_labels(
    logits: Tensor<2>,
    labels: Tensor<1, Int>,
) -> Result<Tensor<1>> {
    Ok(softmax_cross_entropy_with_integer_labels_axis(
        logits,
        labels.unsqueeze_dim::<2>(1),
        -1,
        None,
    )?
    .squeeze_dim::<1>(1))
}

/// `optax.losses.softmax_cross_entropy_with_integer_labels(logits, labels, axis=-1,
/// where=None)` for any rank: `labels` has the shape of `logits` with size 1 along `axis`, and
/// so has the result.
///
/// ```text
/// loss = logsumexp(x, axis, where) - take_along_axis(x, label, axis)
/// with where: 0 where no entry of the slice is in `where`
/// ```
///
/// As Optax's `take_along_axis`, a negative label counts from the end and a label outside
/// `[-classes, classes)` gives NaN (and no gradient through the label's logit). `where_`
/// (Optax's `where`) has the logits' shape or size 1 along any axis; it masks the
/// normalizer only (the label's logit is taken even where masked, as in Optax), and a fully
/// masked slice gives 0 with zero gradients. Optax's defaults: `axis = -1`, `where = None`;
/// tuples of axes are not supported.
///
/// # Errors
/// [`OptaxError::InvalidInput`] if `axis` is out of range, there are no classes along it,
/// `labels` does not have the logits' shape with size 1 along `axis`, or `where_` does not
/// broadcast to the logits' shape.
///
/// ```
/// use burn::tensor::{Bool, Device, Int, Tensor};
/// use optax_core::losses::softmax_cross_entropy_with_integer_labels_axis;
/// let device = Device::flex();
/// let logits = Tensor::<2>::from_floats([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]], &device);
/// let labels = Tensor::<2, Int>::from_ints([[2], [0]], &device);
/// // Leave out the second example.
/// let keep = Tensor::<2, Bool>::from_data([[true], [false]], &device);
/// let loss = softmax_cross_entropy_with_integer_labels_axis(logits, labels, -1, Some(keep))?;
/// let v: Vec<f32> = loss.into_data().try_into_vec_as().unwrap();
/// assert!((v[0] - 0.40760595).abs() < 1e-6 && v[1] == 0.0);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn softmax_cross_entropy_with_integer_labels_axis<const D: usize>(
    logits: Tensor<D>,
    labels: Tensor<D, Int>,
    axis: isize,
    where_: Option<Tensor<D, Bool>>,
) -> Result<Tensor<D>> {
    const F: &str = "softmax_cross_entropy_with_integer_labels";
    let dims = logits.dims();
    let axis = checks::axis(F, axis, D)?;
    let classes = dims[axis];
    if classes == 0 {
        return Err(OptaxError::input(F, format!("axis {axis} has no classes")));
    }
    let mut label_dims = dims;
    label_dims[axis] = 1;
    checks::same_shape(
        F,
        ("the logits with size 1 along axis", &label_dims),
        ("labels", &labels.dims()),
    )?;
    let where_ = checks::where_mask(F, where_, dims)?;

    // take_along_axis: negative labels count from the end; out-of-range ones read NaN.
    let n = classes as i64;
    let labels = labels.clone().add(labels.lower_elem(0).int().mul_scalar(n));
    let outside = labels
        .clone()
        .lower_elem(0)
        .bool_or(labels.clone().greater_equal_elem(n));
    let label_logits = logits
        .clone()
        .gather(axis, labels.clamp(0i64, n - 1))
        .mask_fill(outside, f32::NAN);

    let out = logsumexp(logits, axis, where_.clone()).sub(label_logits);
    Ok(match where_ {
        Some(w) => out.mask_fill(w.any_dim(axis).bool_not(), 0.0),
        None => out,
    })
}

/// `optax.losses.safe_softmax_cross_entropy(logits, labels)`: the softmax cross entropy along
/// the last axis, with `0·log 0 = 0`: a label of 0 on a logit of `-inf` adds 0, not NaN. The
/// last axis is kept with size 1.
///
/// ```text
/// loss = -Σ_last w(x, y),   w(x, y)_j = y_j·log_softmax(x)_j if y_j ≠ 0, else 0
/// ```
///
/// The gradients are those of Optax's custom JVP for `weighted_logsoftmax`: the logits get
/// `softmax(x)·Σy - y` (0 on a `-inf` logit with label 0), the labels get `-log_softmax(x)`,
/// which is `+inf` on a `-inf` logit, as in JAX. `labels` broadcasts to the shape of `logits`.
///
/// # Errors
/// [`OptaxError::InvalidInput`] if `labels` does not broadcast to the shape of `logits`, or
/// `logits` has rank 0.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::losses::safe_softmax_cross_entropy;
/// let device = Device::flex();
/// let logits = Tensor::<2>::from_floats([[0.0, f32::NEG_INFINITY, 0.0]], &device);
/// let labels = Tensor::<2>::from_floats([[0.5, 0.0, 0.5]], &device);
/// let loss: Vec<f32> = safe_softmax_cross_entropy(logits, labels)?
///     .into_data()
///     .try_into_vec_as()
///     .unwrap();
/// assert!((loss[0] - std::f32::consts::LN_2).abs() < 1e-6);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn safe_softmax_cross_entropy<const D: usize>(
    logits: Tensor<D>,
    labels: Tensor<D>,
) -> Result<Tensor<D>> {
    const F: &str = "safe_softmax_cross_entropy";
    let dims = logits.dims();
    let axis = checks::axis(F, -1, D)?;
    broadcasts_to(F, ("logits", &dims), ("labels", &labels.dims()))?;
    let labels = as_dtype_of(labels, &logits);
    let labels = if labels.dims() == dims {
        labels
    } else {
        labels.expand(dims)
    };
    Ok(weighted_log_softmax(logits, labels, axis)
        .sum_dim(axis)
        .neg())
}

/// Optax's `weighted_logsoftmax(x, w)` along `axis`: `w·log_softmax(x)` where `w ≠ 0`, else 0,
/// with the gradients of Optax's custom JVP: `x` gets the log-softmax gradient of the
/// cotangent times `w`, `w` gets the cotangent times `log_softmax(x)` everywhere.
///
/// Plain tensor operations give that, except where `w = 0` and `log_softmax(x) = -inf`: the
/// value must be 0 (not `0·-inf`) and the derivative in `w` is `-inf`. There the product
/// takes a 0 instead of `-inf`, and a term `-sqrt(w - w̄)` (`w̄` = `w` detached) adds a value
/// of 0 whose derivative in `w` is `-inf` (the derivative of `sqrt` at 0). Elsewhere that term
/// reads `sqrt(1)`, masked to 0, so it adds nothing to the value or the gradient.
fn weighted_log_softmax<const D: usize>(x: Tensor<D>, w: Tensor<D>, axis: usize) -> Tensor<D> {
    let log_probs = log_softmax(x, axis, None);
    let zero_weight_at_neg_inf = w
        .clone()
        .equal_elem(0.0)
        .bool_and(log_probs.clone().equal_elem(f32::NEG_INFINITY));
    let product = w
        .clone()
        .mul(log_probs.mask_fill(zero_weight_at_neg_inf.clone(), 0.0));
    let elsewhere = zero_weight_at_neg_inf.clone().bool_not();
    let infinite_slope = w
        .clone()
        .sub(w.detach())
        .add(elsewhere.clone().float())
        .sqrt()
        .neg()
        .mask_fill(elsewhere, 0.0);
    product.add(infinite_slope)
}

/// `optax.losses.poly_loss_cross_entropy(logits, labels, *, epsilon=2.0, axis=-1,
/// where=None)`: the Poly-1 loss, the softmax cross entropy plus `ε` times the first term of
/// its expansion in `(1 - p_t)` (Leng et al., *PolyLoss: A Polynomial Expansion Perspective of
/// Classification Loss Functions*, 2022, <https://arxiv.org/abs/2204.12511>).
///
/// ```text
/// p = softmax(x, axis, where)
/// loss = softmax_cross_entropy(x, y, axis, where) + ε·Σ_axis y·(1 - p)
/// ```
///
/// The reduced `axis` is kept with size 1; `labels` broadcasts to the shape of `logits`;
/// `where_` is as in [`softmax_cross_entropy_axis`] (a masked label gets a NaN gradient, as in
/// JAX). Optax's defaults: `epsilon = 2.0` (the paper's value for ImageNet; `-1.0` for
/// detection), `axis = -1`, `where = None`; tuples of axes are not supported.
///
/// # Errors
/// [`OptaxError::InvalidInput`] if `axis` is out of range, or `labels` or `where_` does not
/// broadcast to the shape of `logits`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::losses::{poly_loss_cross_entropy, softmax_cross_entropy_axis};
/// let device = Device::flex();
/// let logits = Tensor::<2>::from_floats([[1.0, 2.0, 3.0]], &device);
/// let labels = Tensor::<2>::from_floats([[0.0, 0.0, 1.0]], &device);
/// // epsilon = 0 is the cross entropy.
/// let poly = poly_loss_cross_entropy(logits.clone(), labels.clone(), 0.0, -1, None)?;
/// let ce = softmax_cross_entropy_axis(logits, labels, -1, None)?;
/// assert_eq!(poly.into_data(), ce.into_data());
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn poly_loss_cross_entropy<const D: usize>(
    logits: Tensor<D>,
    labels: Tensor<D>,
    epsilon: f64,
    axis: isize,
    where_: Option<Tensor<D, Bool>>,
) -> Result<Tensor<D>> {
    const F: &str = "poly_loss_cross_entropy";
    let dims = logits.dims();
    let axis = checks::axis(F, axis, D)?;
    broadcasts_to(F, ("logits", &dims), ("labels", &labels.dims()))?;
    let where_ = checks::where_mask(F, where_, dims)?;
    let labels = as_dtype_of(labels, &logits);
    let p = softmax(logits.clone(), axis, where_.clone());
    let terms = labels.clone().mul(p.neg().add_scalar(1.0));
    let terms = match &where_ {
        Some(w) => terms.mask_fill(w.clone().bool_not(), 0.0),
        None => terms,
    };
    let one_minus_pt = terms.sum_dim(axis);
    Ok(cross_entropy(logits, labels, axis, where_).add(one_minus_pt.mul_scalar(epsilon)))
}
