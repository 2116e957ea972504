//! `optax.second_order.fisher_diag`: the squared gradient of a negative log-likelihood, exact.

use burn::tensor::Tensor;

use super::grad::tree_grad;
use super::ravel::ravel;
use crate::error::{OptaxError, Result};
use crate::tree::Tree;

/// `optax.second_order.fisher_diag(negative_log_likelihood, params, inputs, targets)`: the
/// element-wise square of the gradient of `negative_log_likelihood` at
/// `(params, inputs, targets)`, raveled (`jax.flatten_util.ravel_pytree` order: the tree's
/// leaf order, each leaf row-major; see [`ravel`](super::ravel)).
///
/// ```text
/// fisher_diag = (∇_p nll(p, inputs, targets))²
/// ```
///
/// **Method: exact** (one gradient by autodiff, then a square), as Optax. Optax 0.2.8 calls
/// this the diagonal of the observed Fisher information, but squares the gradient of the
/// loss as given: when the loss averages over a batch, that is the square of the mean
/// gradient, not the mean of the per-example squared gradients. Pass one example at a time
/// (and average) for the latter.
///
/// `negative_log_likelihood(params, inputs, targets)` returns a `Tensor<1>` of one element.
/// Cost: one gradient evaluation (one forward and backward pass); memory O(size(params)).
///
/// # Errors
/// The loss's own errors, and [`OptaxError::InvalidInput`] when `params` has no elements or
/// the loss is not a scalar.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::second_order::fisher_diag;
/// use optax_core::Tree;
///
/// let device = Device::flex();
/// // nll(w) = Σ (w·x - y)² / 2: the gradient is (w·x - y)·x.
/// let params = Tree::builder()
///     .leaf("w", Tensor::<1>::from_floats([2.0, -1.0], &device))
///     .build()?;
/// let x = Tensor::<1>::from_floats([1.0, 3.0], &device);
/// let y = Tensor::<1>::from_floats([1.0, 1.0], &device);
/// let nll = |p: &Tree, x: &Tensor<1>, y: &Tensor<1>| -> optax_core::Result<Tensor<1>> {
///     let r = p.get::<1>("w")? * x.clone() - y.clone();
///     Ok((r.clone() * r).sum().div_scalar(2.0))
/// };
/// let f: Vec<f32> = fisher_diag(nll, &params, &x, &y)?.into_data().try_into_vec_as().unwrap();
/// assert_eq!(f, vec![1.0, 144.0]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn fisher_diag<I, T, F>(
    mut negative_log_likelihood: F,
    params: &Tree,
    inputs: &I,
    targets: &T,
) -> Result<Tensor<1>>
where
    F: FnMut(&Tree, &I, &T) -> Result<Tensor<1>>,
{
    fisher_diag_named(
        "fisher_diag",
        &mut negative_log_likelihood,
        params,
        inputs,
        targets,
    )
}

/// [`fisher_diag`], naming `function` in its errors.
pub(super) fn fisher_diag_named<I, T, F>(
    function: &str,
    negative_log_likelihood: &mut F,
    params: &Tree,
    inputs: &I,
    targets: &T,
) -> Result<Tensor<1>>
where
    F: FnMut(&Tree, &I, &T) -> Result<Tensor<1>>,
{
    if params.numel() == 0 {
        return Err(OptaxError::input(function, "params has no elements"));
    }
    let grad = tree_grad(function, negative_log_likelihood, params, inputs, targets)?;
    let flat = ravel(&grad)?;
    Ok(flat.clone() * flat)
}
