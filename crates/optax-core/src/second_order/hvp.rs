//! `optax.second_order.hvp`: the Hessian-vector product, by central differences of exact
//! gradients (Burn's autodiff is first order only).

use burn::tensor::Tensor;

use super::grad::tree_grad;
use super::step::host_params;
use crate::error::{OptaxError, Result};
use crate::tree::Tree;

/// `optax.second_order.hvp(loss, v, params, inputs, targets)`: the product of the Hessian of
/// `loss` at `(params, inputs, targets)` with the vector `v`, as a tree of `params`'s structure.
///
/// `loss(params, inputs, targets)` returns the loss as a `Tensor<1>` of one element (Burn has
/// no rank 0). `v` is raveled as Optax's (`jax.flatten_util.ravel_pytree` order: the tree's
/// leaf order, each leaf row-major; see [`ravel`](super::ravel)).
///
/// **Method: not exact.** Optax computes `jax.jvp(jax.grad(loss), [params], [v])` exactly
/// (forward over reverse). Burn has no second-order autodiff, so this is the central
/// difference of two exact gradients, in the direction `u = v/‖v‖` with the step `δ` of the
/// parameters' scale:
///
/// ```text
/// H·v ≈ (∇loss(p + δ·u) - ∇loss(p - δ·u)) / (2δ) · ‖v‖
/// δ   = ε^(1/3) · max(1, ‖p‖₂/√n),   ε = f32::EPSILON,  n = size(p)
/// ‖error‖ ≤ (δ²/6·M₃ + (η_g + ε·‖H‖·‖p‖)/δ) · ‖v‖
/// ```
///
/// `M₃` bounds the loss's third derivative along `u` (zero for a quadratic, where only the
/// float32 rounding is left), `η_g` is the rounding error of one float32 gradient. Measured
/// against JAX's exact product (docs/second-order.md): a relative error (largest component
/// error over the largest component) of at most 5e-5 on quadratics and 4e-4 on a small tanh
/// MLP. `v = 0` gives exactly zero without evaluating the loss.
///
/// Cost: two gradient evaluations (two forward and backward passes); memory O(size(params)).
/// The parameters and `v` are read to the host once (to check them and to form `p ± δu` in
/// float64 with one rounding).
///
/// # Errors
/// The loss's own errors, and [`OptaxError::InvalidInput`] when `v` does not have
/// `size(params)` elements or is not finite, `params` has no elements or is not finite (the
/// step would not be), or the loss is not a scalar.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::second_order::hvp;
/// use optax_core::Tree;
///
/// let device = Device::flex();
/// // loss(x) = Σ c·x³ / 3, so H = diag(2·c·x) and H·v = 2·c·x·v.
/// let params = Tree::builder()
///     .leaf("x", Tensor::<1>::from_floats([1.0, -2.0], &device))
///     .build()?;
/// let c = Tensor::<1>::from_floats([3.0, 0.5], &device);
/// let loss = |p: &Tree, c: &Tensor<1>, _: &()| -> optax_core::Result<Tensor<1>> {
///     let x = p.get::<1>("x")?;
///     Ok((x.clone() * x.clone() * x * c.clone()).sum().div_scalar(3.0))
/// };
/// let v = Tensor::<1>::from_floats([1.0, 1.0], &device);
/// let hv = hvp(loss, v, &params, &c, &())?.to_vecs()?;
/// assert!((hv[0][0] - 6.0).abs() < 1e-3 && (hv[0][1] + 2.0).abs() < 1e-3);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn hvp<I, T, F>(
    mut loss: F,
    v: Tensor<1>,
    params: &Tree,
    inputs: &I,
    targets: &T,
) -> Result<Tree>
where
    F: FnMut(&Tree, &I, &T) -> Result<Tensor<1>>,
{
    hvp_named("hvp", &mut loss, v, params, inputs, targets)
}

/// [`hvp`], naming `function` in its errors.
pub(super) fn hvp_named<I, T, F>(
    function: &str,
    loss: &mut F,
    v: Tensor<1>,
    params: &Tree,
    inputs: &I,
    targets: &T,
) -> Result<Tree>
where
    F: FnMut(&Tree, &I, &T) -> Result<Tensor<1>>,
{
    let host = host_params(function, params)?;
    let n = params.numel();
    let [numel] = v.dims();
    if numel != n {
        return Err(OptaxError::input(
            function,
            format!("v has {numel} elements, the raveled params {n}"),
        ));
    }
    let v = v
        .try_into_vec_as::<f32>()
        .map_err(|e| OptaxError::Io(format!("{e:?}")))?;
    if let Some(x) = v.iter().find(|x| !x.is_finite()) {
        return Err(OptaxError::input(
            function,
            format!("v holds {x}: it must be finite"),
        ));
    }
    let norm = v.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>().sqrt();
    if norm == 0.0 {
        return Ok(params.map(|t| t.inner().zeros_like()));
    }
    let device = params.leaves()[0].device().inner();
    let step = host.step;
    let shifted = |sign: f64| -> Result<Tree> {
        let mut offset = 0;
        let data = host
            .values
            .iter()
            .map(|leaf| {
                let out = leaf
                    .iter()
                    .zip(&v[offset..offset + leaf.len()])
                    .map(|(&p, &v)| (f64::from(p) + sign * step * f64::from(v) / norm) as f32)
                    .collect();
                offset += leaf.len();
                out
            })
            .collect();
        Tree::from_vecs(params.def().clone(), data, &device)
    };
    let plus = tree_grad(function, loss, &shifted(1.0)?, inputs, targets)?;
    let minus = tree_grad(function, loss, &shifted(-1.0)?, inputs, targets)?;
    plus.zip_map(&minus, |a, b| {
        (a - b).div_scalar(2.0 * step).mul_scalar(norm)
    })
}
