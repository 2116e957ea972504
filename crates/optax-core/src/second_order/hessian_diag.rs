//! `optax.second_order.hessian_diag`: the Hessian's diagonal, one central difference of exact
//! gradients per coordinate.

use burn::tensor::{Tensor, TensorData};

use super::grad::tree_grad;
use super::step::{cbrt_eps, host_params};
use crate::error::{OptaxError, Result};
use crate::tree::Tree;

/// `optax.second_order.hessian_diag(loss, params, inputs, targets)`: the diagonal of the
/// Hessian of `loss` at `(params, inputs, targets)`, raveled (`jax.flatten_util.ravel_pytree`
/// order: the tree's leaf order, each leaf row-major; see [`ravel`](super::ravel)).
///
/// `loss(params, inputs, targets)` returns the loss as a `Tensor<1>` of one element.
///
/// **Method: not exact.** Optax takes `vdot(e_i, hvp(e_i))` for every basis vector `e_i`
/// (exact). Here each `H_ii` is the central difference of the `i`-th component of two exact
/// gradients, divided by the step actually taken after rounding to float32 (so a quadratic
/// is exact up to the rounding of the gradients):
///
/// ```text
/// H_ii ≈ (∂_i loss(p⁺) - ∂_i loss(p⁻)) / (p⁺_i - p⁻_i),   p^± = fl32(p ± δ_i·e_i)
/// δ_i  = ε^(1/3) · max(1, ‖p‖₂/√n, |p_i|),                ε = f32::EPSILON, n = size(p)
/// |error_i| ≤ δ_i²/6 · |∂_i³ ∂_i loss| + η_g/δ_i
/// ```
///
/// with `η_g` the rounding error of one float32 gradient component. Measured against JAX's
/// exact diagonal (docs/second-order.md): a relative error (largest component error over the
/// largest component) of at most 5e-5 on quadratics and 4e-4 on a small tanh MLP.
///
/// Cost: `2·n` gradient evaluations (forward and backward passes) for `n` parameters, as
/// Optax's `n` products; meant for small models. Memory O(n): one perturbed copy of the
/// parameters at a time.
///
/// # Errors
/// The loss's own errors, and [`OptaxError::InvalidInput`] when `params` has no elements or
/// is not finite, or the loss is not a scalar.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::second_order::hessian_diag;
/// use optax_core::Tree;
///
/// let device = Device::flex();
/// // loss(x) = Σ c·x³ / 3, so the diagonal is 2·c·x.
/// let params = Tree::builder()
///     .leaf("x", Tensor::<1>::from_floats([1.0, -2.0], &device))
///     .build()?;
/// let c = Tensor::<1>::from_floats([3.0, 0.5], &device);
/// let loss = |p: &Tree, c: &Tensor<1>, _: &()| -> optax_core::Result<Tensor<1>> {
///     let x = p.get::<1>("x")?;
///     Ok((x.clone() * x.clone() * x * c.clone()).sum().div_scalar(3.0))
/// };
/// let diag: Vec<f32> = hessian_diag(loss, &params, &c, &())?
///     .into_data()
///     .try_into_vec_as()
///     .unwrap();
/// assert!((diag[0] - 6.0).abs() < 1e-3 && (diag[1] + 2.0).abs() < 1e-3);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn hessian_diag<I, T, F>(
    mut loss: F,
    params: &Tree,
    inputs: &I,
    targets: &T,
) -> Result<Tensor<1>>
where
    F: FnMut(&Tree, &I, &T) -> Result<Tensor<1>>,
{
    hessian_diag_named("hessian_diag", &mut loss, params, inputs, targets)
}

/// [`hessian_diag`], naming `function` in its errors.
pub(super) fn hessian_diag_named<I, T, F>(
    function: &str,
    loss: &mut F,
    params: &Tree,
    inputs: &I,
    targets: &T,
) -> Result<Tensor<1>>
where
    F: FnMut(&Tree, &I, &T) -> Result<Tensor<1>>,
{
    let mut host = host_params(function, params)?;
    let device = params.leaves()[0].device().inner();
    let base: Vec<Tensor<1>> = params.leaves().iter().map(|t| t.clone().inner()).collect();
    let mut diffs = Vec::with_capacity(params.numel());
    let mut steps = Vec::with_capacity(params.numel());
    for j in 0..base.len() {
        for k in 0..host.values[j].len() {
            let p = host.values[j][k];
            let step = host.step.max(cbrt_eps() * f64::from(p).abs());
            let mut grad_k = |x: f32| -> Result<Tensor<1>> {
                host.values[j][k] = x;
                let n = host.values[j].len();
                let mut leaves = base.clone();
                leaves[j] =
                    Tensor::from_data(TensorData::new(host.values[j].clone(), [n]), &device);
                let shifted = Tree::from_flat(params.def().clone(), leaves)?;
                let grad = tree_grad(function, loss, &shifted, inputs, targets)?;
                Ok(grad.leaves()[j].clone().narrow(0, k, 1))
            };
            let plus = (f64::from(p) + step) as f32;
            let minus = (f64::from(p) - step) as f32;
            let g_plus = grad_k(plus)?;
            let g_minus = grad_k(minus)?;
            host.values[j][k] = p;
            diffs.push(g_plus - g_minus);
            steps.push(f64::from(plus) - f64::from(minus));
        }
    }
    let diffs = Tensor::cat(diffs, 0)
        .try_into_vec_as::<f32>()
        .map_err(|e| OptaxError::Io(format!("{e:?}")))?;
    let diag: Vec<f32> = diffs
        .iter()
        .zip(&steps)
        .map(|(&d, &s)| (f64::from(d) / s) as f32)
        .collect();
    let n = diag.len();
    Ok(Tensor::from_data(TensorData::new(diag, [n]), &device))
}
