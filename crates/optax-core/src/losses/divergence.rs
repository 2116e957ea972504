//! Divergences between distributions (`optax.losses`): the Kullback-Leibler divergence, with
//! targets as probabilities or in log space, and its generalisation to unnormalised
//! distributions.
//!
//! ```text
//! kl_divergence                  = Σ_axis t·(log t - log p),   t·log t := 0 where t = 0
//! kl_divergence_with_log_targets = Σ_axis exp(log t)·(log t - log p)
//! generalized_kl_divergence      = kl_divergence + Σ_axis (exp(log p) - t)
//! ```
//!
//! Each sums one `axis` (Optax's default `axis = -1`; negative counts from the end) and, as
//! Burn cannot name the rank `D - 1` of a generic `Tensor<D>`, keeps it with size 1:
//! `[batch, classes]` inputs give `[batch, 1]`. Optax's `axis = None` (sum over everything) and
//! tuple axes are not supported: reshape the inputs so that one axis holds what is summed.
//! `where_` (Optax's `where`) leaves the elements where it is `false` out of the sum; it has the
//! inputs' shape or broadcasts to it (size 1 along the summed axis masks whole rows).

use burn::tensor::{Bool, Tensor};

use super::checks;
use crate::Result;

/// The shape both inputs broadcast to, the summed axis and the checked `where` mask.
type Prepared<const D: usize> = ([usize; D], usize, Option<Tensor<D, Bool>>);

/// Checks the inputs of a divergence: the second input broadcasts with `log_predictions`, the
/// axis is in range and `where` broadcasts to the common shape.
fn prepare<const D: usize>(
    function: &str,
    log_predictions: &Tensor<D>,
    (name, other): (&str, &Tensor<D>),
    axis: isize,
    where_: Option<Tensor<D, Bool>>,
) -> Result<Prepared<D>> {
    let full = checks::broadcast(
        function,
        ("log_predictions", &log_predictions.dims()),
        (name, &other.dims()),
    )?;
    let dims: [usize; D] = std::array::from_fn(|i| full[i]);
    let axis = checks::axis(function, axis, D)?;
    let mask = checks::where_mask(function, where_, dims)?;
    Ok((dims, axis, mask))
}

/// `jnp.sum(loss, axis=axis, where=where, keepdims=True)`: elements where the mask is `false`
/// count as 0 (they are selected away, so a NaN there does not reach the sum).
fn masked_sum<const D: usize>(
    loss: Tensor<D>,
    axis: usize,
    mask: Option<Tensor<D, Bool>>,
) -> Tensor<D> {
    match mask {
        Some(mask) => loss.mask_fill(mask.bool_not(), 0.0).sum_dim(axis),
        None => loss.sum_dim(axis),
    }
}

/// The element-wise terms `t·(log t - log p)` with `log t` replaced by 0 where `t == 0`, as
/// Optax's `jnp.where(targets == 0, 0, jnp.log(targets))`.
fn kl_terms<const D: usize>(log_predictions: Tensor<D>, targets: Tensor<D>) -> Tensor<D> {
    let zero = targets.clone().equal_elem(0.0);
    let log_targets = targets.clone().log();
    let log_targets = log_targets
        .clone()
        .mask_where(zero, log_targets.zeros_like());
    targets.mul(log_targets.sub(log_predictions))
}

/// Optax's `kl_divergence(log_predictions, targets, axis=-1, where=None)`: the
/// Kullback-Leibler divergence (relative entropy) of the predicted distribution from the
/// target distribution, summed along `axis` (kept with size 1).
///
/// ```text
/// KL(t ‖ p) = Σ_axis t·(log t - log p)      with t·log t := 0 where t = 0
/// ```
///
/// `log_predictions` are the predicted probabilities in log space (e.g. a `log_softmax`);
/// `targets` are probabilities (Optax expects them non-negative; a negative target gives NaN,
/// as in Optax). The two broadcast against each other. Optax's defaults: `axis = -1`,
/// `where = None`. Optax's `axis = None` and tuple axes are not supported.
///
/// Where a target is exactly 0 its term is 0, whatever the prediction, and the gradient with
/// respect to `log_predictions` is `-t = 0`. The gradient with respect to such a target is NaN,
/// as in JAX (the derivative of the unselected `log t` is `0/0` there); the targets are data
/// and usually not differentiated.
///
/// Reference: Kullback and Leibler, "On Information and Sufficiency", 1951.
///
/// # Errors
/// [`OptaxError::InvalidInput`](crate::OptaxError::InvalidInput) if the shapes do not
/// broadcast, `axis` is out of range, or `where_` does not broadcast to the inputs' shape.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use burn::tensor::activation::log_softmax;
/// use optax_core::losses::kl_divergence;
/// let device = Device::flex();
/// let logits = Tensor::<2>::from_floats([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]], &device);
/// let targets = Tensor::<2>::from_floats([[0.0, 0.5, 0.5], [0.2, 0.3, 0.5]], &device);
/// let kl = kl_divergence(log_softmax(logits, 1), targets, -1, None)?;
/// assert_eq!(kl.dims(), [2, 1]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn kl_divergence<const D: usize>(
    log_predictions: Tensor<D>,
    targets: Tensor<D>,
    axis: isize,
    where_: Option<Tensor<D, Bool>>,
) -> Result<Tensor<D>> {
    let (_, axis, mask) = prepare(
        "kl_divergence",
        &log_predictions,
        ("targets", &targets),
        axis,
        where_,
    )?;
    Ok(masked_sum(kl_terms(log_predictions, targets), axis, mask))
}

/// Optax's `kl_divergence_with_log_targets(log_predictions, log_targets, axis=-1, where=None)`:
/// [`kl_divergence`] with the targets given in log space too.
///
/// ```text
/// KL(t ‖ p) = Σ_axis exp(log t)·(log t - log p)
/// ```
///
/// Optax's defaults: `axis = -1`, `where = None`; `axis = None` and tuple axes are not
/// supported. There is no special case for zero targets: a `log_targets` of `-∞` gives
/// `0·(-∞) = NaN`, as in Optax (use a large negative finite value instead, or mask it out with
/// `where_`).
///
/// # Errors
/// [`OptaxError::InvalidInput`](crate::OptaxError::InvalidInput) if the shapes do not
/// broadcast, `axis` is out of range, or `where_` does not broadcast to the inputs' shape.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::losses::kl_divergence_with_log_targets;
/// let device = Device::flex();
/// let log_p = Tensor::<1>::from_floats([0.25f32.ln(), 0.75f32.ln()], &device);
/// let log_t = Tensor::<1>::from_floats([0.5f32.ln(), 0.5f32.ln()], &device);
/// let kl = kl_divergence_with_log_targets(log_p, log_t, -1, None)?;
/// let kl: Vec<f32> = kl.into_data().try_into_vec_as().unwrap();
/// assert!((kl[0] - 0.143841).abs() < 1e-5);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn kl_divergence_with_log_targets<const D: usize>(
    log_predictions: Tensor<D>,
    log_targets: Tensor<D>,
    axis: isize,
    where_: Option<Tensor<D, Bool>>,
) -> Result<Tensor<D>> {
    let (_, axis, mask) = prepare(
        "kl_divergence_with_log_targets",
        &log_predictions,
        ("log_targets", &log_targets),
        axis,
        where_,
    )?;
    let loss = log_targets
        .clone()
        .exp()
        .mul(log_targets.sub(log_predictions));
    Ok(masked_sum(loss, axis, mask))
}

/// Optax's `generalized_kl_divergence(log_predictions, targets, axis=-1, where=None)`: the
/// Kullback-Leibler divergence generalised to unnormalised distributions, the Bregman
/// divergence generated by `f(x) = x·log x - x`.
///
/// ```text
/// D(t ‖ p) = Σ_axis t·(log t - log p) + Σ_axis (exp(log p) - t)   with t·log t := 0 where t = 0
/// ```
///
/// Zero targets are handled as in [`kl_divergence`] (the term `t·log t` is 0; the gradient with
/// respect to a zero target is NaN, as in JAX). Optax's defaults: `axis = -1`, `where = None`;
/// `axis = None` and tuple axes are not supported.
///
/// References: Boyd and Vandenberghe, "Convex Optimization", p. 90; L. M. Bregman, "The
/// relaxation method of finding the common point of convex sets and its application to the
/// solution of problems in convex programming", 1967.
///
/// # Errors
/// [`OptaxError::InvalidInput`](crate::OptaxError::InvalidInput) if the shapes do not
/// broadcast, `axis` is out of range, or `where_` does not broadcast to the inputs' shape.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::losses::generalized_kl_divergence;
/// let device = Device::flex();
/// // An unnormalised prediction: exp(0) + exp(0) = 2.
/// let log_p = Tensor::<2>::from_floats([[0.0, 0.0]], &device);
/// let t = Tensor::<2>::from_floats([[0.5, 0.5]], &device);
/// let d: Vec<f32> = generalized_kl_divergence(log_p, t, -1, None)?
///     .into_data()
///     .try_into_vec_as()
///     .unwrap();
/// assert!((d[0] - (1.0 + 0.5f32.ln())).abs() < 1e-6);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn generalized_kl_divergence<const D: usize>(
    log_predictions: Tensor<D>,
    targets: Tensor<D>,
    axis: isize,
    where_: Option<Tensor<D, Bool>>,
) -> Result<Tensor<D>> {
    let (_, axis, mask) = prepare(
        "generalized_kl_divergence",
        &log_predictions,
        ("targets", &targets),
        axis,
        where_,
    )?;
    let kl = masked_sum(
        kl_terms(log_predictions.clone(), targets.clone()),
        axis,
        mask.clone(),
    );
    let mass = masked_sum(log_predictions.exp().sub(targets), axis, mask);
    Ok(kl.add(mass))
}

/// Optax's `convex_kl_divergence(log_predictions, targets, axis=-1, where=None)`, deprecated in
/// Optax in favour of [`generalized_kl_divergence`], which it calls: the same numbers, the same
/// errors.
///
/// ```text
/// D(t ‖ p) = Σ_axis t·(log t - log p) + Σ_axis (exp(log p) - t)
/// ```
///
/// # Errors
/// As [`generalized_kl_divergence`].
///
/// ```
/// # #![allow(deprecated)]
/// use burn::tensor::{Device, Tensor};
/// use optax_core::losses::{convex_kl_divergence, generalized_kl_divergence};
/// let device = Device::flex();
/// let log_p = Tensor::<1>::from_floats([-0.5, -1.5], &device);
/// let t = Tensor::<1>::from_floats([0.25, 0.0], &device);
/// let a: Vec<f32> = convex_kl_divergence(log_p.clone(), t.clone(), -1, None)?
///     .into_data()
///     .try_into_vec_as()
///     .unwrap();
/// let b: Vec<f32> = generalized_kl_divergence(log_p, t, -1, None)?
///     .into_data()
///     .try_into_vec_as()
///     .unwrap();
/// assert_eq!(a, b);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
#[deprecated(note = "Optax deprecates `convex_kl_divergence`: use `generalized_kl_divergence`")]
pub fn convex_kl_divergence<const D: usize>(
    log_predictions: Tensor<D>,
    targets: Tensor<D>,
    axis: isize,
    where_: Option<Tensor<D, Bool>>,
) -> Result<Tensor<D>> {
    generalized_kl_divergence(log_predictions, targets, axis, where_)
}
