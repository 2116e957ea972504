//! Regression losses (`optax.losses`): the element-wise squared, L2, Huber and log-cosh losses
//! (no reduction, the shape of `predictions`), and the cosine similarity and distance along an
//! axis. A missing `targets` means zeros, as Optax's `targets=None`.
//!
//! ```text
//! squared_error     = (p - t)²
//! l2_loss           = 0.5·(p - t)²
//! huber_loss        = 0.5·q² + δ·(|p - t| - q),  q = min(|p - t|, δ)
//! log_cosh          = log(cosh(p - t))
//! cosine_similarity = Σ_axis (p / ‖p‖)·(t / ‖t‖)
//! ```

use burn::tensor::{Bool, Tensor};

use super::checks;
use super::classification::broadcasts_to;
use crate::Result;

/// `predictions - targets`, or `predictions` when there are no targets.
fn errors<const D: usize>(predictions: Tensor<D>, targets: Option<Tensor<D>>) -> Tensor<D> {
    match targets {
        Some(t) => predictions.sub(t),
        None => predictions,
    }
}

/// `optax.losses.squared_error(predictions, targets=None)`: `(predictions - targets)²`,
/// element-wise, the shape of `predictions`. Optax's default: `targets = None` (zeros).
///
/// ```text
/// loss = (p - t)²
/// ```
///
/// # Errors
/// [`OptaxError::InvalidInput`](crate::OptaxError::InvalidInput) if `targets` has another
/// shape than `predictions` (Optax checks equal shapes: no broadcasting).
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::losses::squared_error;
/// let device = Device::flex();
/// let p = Tensor::<1>::from_floats([1.0, -2.0], &device);
/// let e: Vec<f32> = squared_error(p, None)?.into_data().try_into_vec_as().unwrap();
/// assert_eq!(e, vec![1.0, 4.0]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn squared_error<const D: usize>(
    predictions: Tensor<D>,
    targets: Option<Tensor<D>>,
) -> Result<Tensor<D>> {
    if let Some(t) = &targets {
        checks::same_shape(
            "squared_error",
            ("predictions", &predictions.dims()),
            ("targets", &t.dims()),
        )?;
    }
    let e = errors(predictions, targets);
    Ok(e.clone().mul(e))
}

/// `optax.losses.l2_loss(predictions, targets=None)`: `0.5·(predictions - targets)²`,
/// element-wise (the 0.5 of Bishop's *Pattern Recognition and Machine Learning*). Optax's
/// default: `targets = None` (zeros).
///
/// ```text
/// loss = 0.5·(p - t)²
/// ```
///
/// # Errors
/// [`OptaxError::InvalidInput`](crate::OptaxError::InvalidInput) if `targets` has another
/// shape than `predictions` (Optax checks equal shapes: no broadcasting).
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::losses::l2_loss;
/// let device = Device::flex();
/// let p = Tensor::<1>::from_floats([1.0, -2.0], &device);
/// let t = Tensor::<1>::from_floats([0.0, 0.0], &device);
/// let e: Vec<f32> = l2_loss(p, Some(t))?.into_data().try_into_vec_as().unwrap();
/// assert_eq!(e, vec![0.5, 2.0]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn l2_loss<const D: usize>(
    predictions: Tensor<D>,
    targets: Option<Tensor<D>>,
) -> Result<Tensor<D>> {
    if let Some(t) = &targets {
        checks::same_shape(
            "l2_loss",
            ("predictions", &predictions.dims()),
            ("targets", &t.dims()),
        )?;
    }
    Ok(squared_error(predictions, targets)?.mul_scalar(0.5))
}

/// `optax.losses.huber_loss(predictions, targets=None, *, delta=1.0)`: quadratic within
/// `delta` of the target, linear beyond; its gradient is the `l2_loss` gradient clipped to
/// `[-delta, delta]` (<https://en.wikipedia.org/wiki/Huber_loss>). Element-wise, the shape of
/// `predictions`. Optax's defaults: `targets = None` (zeros), `delta = 1.0`.
///
/// ```text
/// q = min(|p - t|, δ)
/// loss = 0.5·q² + δ·(|p - t| - q)
/// ```
///
/// # Errors
/// [`OptaxError::InvalidInput`](crate::OptaxError::InvalidInput) if `targets` does not
/// broadcast to the shape of `predictions` (Optax subtracts with broadcasting).
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::losses::huber_loss;
/// let device = Device::flex();
/// let p = Tensor::<1>::from_floats([0.5, 3.0], &device);
/// let e: Vec<f32> = huber_loss(p, None, 1.0)?.into_data().try_into_vec_as().unwrap();
/// assert_eq!(e, vec![0.125, 2.5]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn huber_loss<const D: usize>(
    predictions: Tensor<D>,
    targets: Option<Tensor<D>>,
    delta: f64,
) -> Result<Tensor<D>> {
    if let Some(t) = &targets {
        broadcasts_to(
            "huber_loss",
            ("predictions", &predictions.dims()),
            ("targets", &t.dims()),
        )?;
    }
    let abs_errors = errors(predictions, targets).abs();
    let quadratic = abs_errors.clone().clamp_max(delta);
    // Same as max(|e| - delta, 0) without doubling the gradient at |e| = delta.
    let linear = abs_errors.sub(quadratic.clone());
    Ok(quadratic
        .clone()
        .mul(quadratic)
        .mul_scalar(0.5)
        .add(linear.mul_scalar(delta)))
}

/// `optax.losses.log_cosh(predictions, targets=None)`: `log(cosh(predictions - targets))`,
/// element-wise, the shape of `predictions`: about `e²/2` for small errors and `|e| - log 2`
/// for large ones, a twice differentiable alternative to the Huber loss (Chen et al., *Log
/// Hyperbolic Cosine Loss Improves Variational Auto-Encoder*, 2019). Optax's default:
/// `targets = None` (zeros).
///
/// ```text
/// e = p - t
/// loss = logaddexp(e, -e) - log 2 = |e| + log1p(exp(-2|e|)) - log 2     (exact for large |e|)
/// d loss / d e = tanh(e)
/// ```
///
/// # Errors
/// [`OptaxError::InvalidInput`](crate::OptaxError::InvalidInput) if `targets` does not
/// broadcast to the shape of `predictions` (Optax subtracts with broadcasting).
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::losses::log_cosh;
/// let device = Device::flex();
/// let p = Tensor::<1>::from_floats([0.0, 100.0], &device);
/// let e: Vec<f32> = log_cosh(p, None)?.into_data().try_into_vec_as().unwrap();
/// assert!(e[0] == 0.0 && (e[1] - (100.0 - std::f32::consts::LN_2)).abs() < 1e-4);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn log_cosh<const D: usize>(
    predictions: Tensor<D>,
    targets: Option<Tensor<D>>,
) -> Result<Tensor<D>> {
    if let Some(t) = &targets {
        broadcasts_to(
            "log_cosh",
            ("predictions", &predictions.dims()),
            ("targets", &t.dims()),
        )?;
    }
    // jnp.logaddexp(e, -e) = max(e, -e) + log1p(exp(-|e - (-e)|)).
    let abs = errors(predictions, targets).abs();
    Ok(abs
        .clone()
        .add(abs.mul_scalar(-2.0).exp().log1p())
        .sub_scalar(std::f32::consts::LN_2))
}

/// `optax.losses.cosine_similarity(predictions, targets, *, epsilon=0.0, axis=-1,
/// where=None)`: the cosine of the angle between `predictions` and `targets` along `axis`
/// (<https://en.wikipedia.org/wiki/Cosine_similarity>), which is kept with size 1.
///
/// ```text
/// ‖a‖ = sqrt(max(Σ_axis a², ε))            (the sum over the entries in `where`)
/// loss = Σ_axis (p / ‖p‖)·(t / ‖t‖)
/// ```
///
/// `epsilon` is the minimum of each squared norm (Optax clips the squared norms, not the
/// norms). `where_` (Optax's `where`) has the inputs' shape or size 1 along any axis. As in
/// JAX, a zero vector with `epsilon = 0` (or a fully masked slice) gives a NaN gradient.
/// Optax's defaults: `epsilon = 0.0`, `axis = -1`, `where = None`; tuples of axes are not
/// supported.
///
/// # Errors
/// [`OptaxError::InvalidInput`](crate::OptaxError::InvalidInput) if `axis` is out of range,
/// `targets` has another shape than `predictions`, or `where_` does not broadcast to it.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::losses::cosine_similarity;
/// let device = Device::flex();
/// let p = Tensor::<2>::from_floats([[1.0, 0.0], [1.0, 1.0]], &device);
/// let t = Tensor::<2>::from_floats([[0.0, 2.0], [3.0, 3.0]], &device);
/// let s = cosine_similarity(p, t, 0.0, -1, None)?;
/// assert_eq!(s.dims(), [2, 1]);
/// let v: Vec<f32> = s.into_data().try_into_vec_as().unwrap();
/// assert!(v[0].abs() < 1e-7 && (v[1] - 1.0).abs() < 1e-6);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn cosine_similarity<const D: usize>(
    predictions: Tensor<D>,
    targets: Tensor<D>,
    epsilon: f64,
    axis: isize,
    where_: Option<Tensor<D, Bool>>,
) -> Result<Tensor<D>> {
    cosine(
        "cosine_similarity",
        predictions,
        targets,
        epsilon,
        axis,
        where_,
    )
}

fn cosine<const D: usize>(
    function: &str,
    predictions: Tensor<D>,
    targets: Tensor<D>,
    epsilon: f64,
    axis: isize,
    where_: Option<Tensor<D, Bool>>,
) -> Result<Tensor<D>> {
    let dims = predictions.dims();
    let axis = checks::axis(function, axis, D)?;
    checks::same_shape(
        function,
        ("predictions", &dims),
        ("targets", &targets.dims()),
    )?;
    let masked = checks::where_mask(function, where_, dims)?.map(Tensor::bool_not);
    let sum = |t: Tensor<D>| {
        match &masked {
            Some(m) => t.mask_fill(m.clone(), 0.0),
            None => t,
        }
        .sum_dim(axis)
    };
    let unit = |a: Tensor<D>| {
        let norm = sum(a.clone().mul(a.clone())).clamp_min(epsilon).sqrt();
        a.div(norm)
    };
    let (a, b) = (unit(predictions), unit(targets));
    Ok(sum(a.mul(b)))
}

/// `optax.losses.cosine_distance(predictions, targets, *, epsilon=0.0, axis=-1, where=None)`:
/// `1 - cosine_similarity(...)`, the dissimilarity of `predictions` and `targets` along `axis`,
/// which is kept with size 1
/// (<https://en.wikipedia.org/wiki/Cosine_similarity#Cosine_distance>). The arguments are
/// those of [`cosine_similarity`]. Optax's defaults: `epsilon = 0.0`, `axis = -1`,
/// `where = None`; tuples of axes are not supported.
///
/// ```text
/// loss = 1 - Σ_axis (p / ‖p‖)·(t / ‖t‖),   ‖a‖ = sqrt(max(Σ_axis a², ε))
/// ```
///
/// # Errors
/// [`OptaxError::InvalidInput`](crate::OptaxError::InvalidInput) if `axis` is out of range,
/// `targets` has another shape than `predictions`, or `where_` does not broadcast to it.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::losses::cosine_distance;
/// let device = Device::flex();
/// let p = Tensor::<1>::from_floats([1.0, 0.0], &device);
/// let t = Tensor::<1>::from_floats([-2.0, 0.0], &device);
/// let d: Vec<f32> = cosine_distance(p, t, 0.0, -1, None)?.into_data().try_into_vec_as().unwrap();
/// assert_eq!(d, vec![2.0]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn cosine_distance<const D: usize>(
    predictions: Tensor<D>,
    targets: Tensor<D>,
    epsilon: f64,
    axis: isize,
    where_: Option<Tensor<D, Bool>>,
) -> Result<Tensor<D>> {
    Ok(cosine(
        "cosine_distance",
        predictions,
        targets,
        epsilon,
        axis,
        where_,
    )?
    .neg()
    .add_scalar(1.0))
}
