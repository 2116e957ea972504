//! Regression losses (`optax.losses`): element-wise, no reduction, the shape of `predictions`.
//! A missing `targets` means zeros, as Optax's `targets=None`.
//!
//! ```text
//! squared_error = (p - t)²
//! l2_loss       = 0.5·(p - t)²
//! huber_loss    = 0.5·q² + δ·(|p - t| - q),  q = min(|p - t|, δ)
//! ```

use burn::tensor::Tensor;

fn errors<const D: usize>(predictions: Tensor<D>, targets: Option<Tensor<D>>) -> Tensor<D> {
    match targets {
        Some(t) => predictions.sub(t),
        None => predictions,
    }
}

/// `optax.losses.squared_error(predictions, targets=None)`: `(predictions - targets)²`.
///
/// # Panics
/// If `targets` has another shape than `predictions` (Optax raises; no broadcasting).
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::losses::squared_error;
/// let device = Device::flex();
/// let p = Tensor::<1>::from_floats([1.0, -2.0], &device);
/// let e: Vec<f32> = squared_error(p, None).into_data().try_into_vec_as().unwrap();
/// assert_eq!(e, vec![1.0, 4.0]);
/// ```
pub fn squared_error<const D: usize>(
    predictions: Tensor<D>,
    targets: Option<Tensor<D>>,
) -> Tensor<D> {
    if let Some(t) = &targets {
        assert_eq!(
            predictions.dims(),
            t.dims(),
            "squared_error: predictions and targets must have the same shape"
        );
    }
    let e = errors(predictions, targets);
    e.clone().mul(e)
}

/// `optax.losses.l2_loss(predictions, targets=None)`: `0.5·(predictions - targets)²`.
///
/// # Panics
/// If `targets` has another shape than `predictions` (Optax raises; no broadcasting).
pub fn l2_loss<const D: usize>(predictions: Tensor<D>, targets: Option<Tensor<D>>) -> Tensor<D> {
    squared_error(predictions, targets).mul_scalar(0.5)
}

/// `optax.losses.huber_loss(predictions, targets=None, delta=1.0)`: quadratic within `delta`
/// of the target, linear beyond; its gradient is the `l2_loss` gradient clipped to
/// `[-delta, delta]`. Optax's default `delta` is 1.0.
pub fn huber_loss<const D: usize>(
    predictions: Tensor<D>,
    targets: Option<Tensor<D>>,
    delta: f64,
) -> Tensor<D> {
    let abs_errors = errors(predictions, targets).abs();
    let quadratic = abs_errors.clone().clamp_max(delta);
    // Same as max(|e| - delta, 0) without doubling the gradient at |e| = delta.
    let linear = abs_errors.sub(quadratic.clone());
    quadratic
        .clone()
        .mul(quadratic)
        .mul_scalar(0.5)
        .add(linear.mul_scalar(delta))
}
