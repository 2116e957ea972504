//! `optax.monte_carlo.control_delta_method` (Optax 0.2.6): the delta-method control variate, the
//! second-order Taylor expansion of `f` at the mean of the Gaussian.
//!
//! ```text
//! h(x; μ, σ) = f(μ) + (x - μ)·∇f(μ) + ½ (x - μ)ᵀ H_f(μ) (x - μ)
//! E h        = f(μ) + ½ Σ_d σ_d² H_f(μ)_dd
//! ```

use burn::tensor::Tensor;

use super::{checks, ControlVariate};
use crate::{OptaxError, Result};

const NAME: &str = "control_delta_method";

/// The control variate [`control_delta_method`] returns.
#[derive(Clone, Debug)]
pub struct ControlDelta<F, G, H> {
    function: F,
    function_grad: G,
    function_hessian: H,
}

/// `optax.monte_carlo.control_delta_method(function)`: the delta-method control variate, the
/// second-order Taylor expansion of `function` at the Gaussian's mean (Paisley, Blei, Jordan,
/// "Variational Bayesian Inference with Stochastic Search", ICML 2012).
///
/// ```text
/// h(x; μ, σ) = f(μ) + (x - μ)·∇f(μ) + ½ (x - μ)ᵀ H_f(μ) (x - μ)
/// E h        = f(μ) + ½ Σ_d σ_d² H_f(μ)_dd
/// ```
///
/// It removes all the variance a quadratic `f` brings and much of a near-quadratic one's. Only
/// for the Gaussian. No state (`State = ()`).
///
/// Differs from Optax in its arguments: Optax differentiates `function` twice with JAX; Burn
/// 0.22 has first-order autodiff only, so the gradient `function_grad` (`[D]` to `[D]`) and the
/// Hessian `function_hessian` (`[D]` to `[D, D]`) are given, written with Burn ops (they are
/// differentiated once more in `μ` by [`control_variates_jacobians`](super::control_variates_jacobians),
/// as Optax differentiates `h` in its parameters). `function` maps `[n, D]` to `[n]`.
///
/// # Errors
/// The control variate's methods return [`OptaxError::InvalidInput`] if the parameters are not
/// two `[D]` tensors, the samples are not `[n, D]`, or `function`, `function_grad` or
/// `function_hessian` return another shape than `[1]`, `[D]`, `[D, D]`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::monte_carlo::{control_delta_method, ControlVariate};
/// let device = Device::flex();
/// // f(x) = Σ x², ∇f = 2x, H = 2I: the expansion is f itself.
/// let delta = control_delta_method(
///     |x: Tensor<2>| x.square().sum_dim(1).squeeze_dim::<1>(1),
///     |m: Tensor<1>| m.mul_scalar(2.0),
///     |m: Tensor<1>| Tensor::<2>::eye(m.dims()[0], &m.device()).mul_scalar(2.0),
/// );
/// let params = [Tensor::<1>::from_floats([1.0, 2.0], &device), Tensor::<1>::zeros([2], &device)];
/// let h: f32 = delta
///     .control_variate(&params, Tensor::<2>::from_floats([[0.0, 1.0]], &device), &())?
///     .into_scalar();
/// assert!((h - 1.0).abs() < 1e-6);
/// // E h = f(μ) + Σ σ² = 5 + 2.
/// let e: f32 = delta.expected_value(&params, &())?.into_scalar();
/// assert!((e - 7.0).abs() < 1e-6);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn control_delta_method<F, G, H>(
    function: F,
    function_grad: G,
    function_hessian: H,
) -> ControlDelta<F, G, H>
where
    F: Fn(Tensor<2>) -> Tensor<1>,
    G: Fn(Tensor<1>) -> Tensor<1>,
    H: Fn(Tensor<1>) -> Tensor<2>,
{
    ControlDelta {
        function,
        function_grad,
        function_hessian,
    }
}

impl<F, G, H> ControlDelta<F, G, H>
where
    F: Fn(Tensor<2>) -> Tensor<1>,
    G: Fn(Tensor<1>) -> Tensor<1>,
    H: Fn(Tensor<1>) -> Tensor<2>,
{
    /// `f(μ)` (`[1]`), `∇f(μ)` (`[D]`) and `H_f(μ)` (`[D, D]`), their shapes checked.
    fn expansion(&self, mean: Tensor<1>, d: usize) -> Result<(Tensor<1>, Tensor<1>, Tensor<2>)> {
        let value = (self.function)(mean.clone().unsqueeze::<2>());
        let grad = (self.function_grad)(mean.clone());
        let hessian = (self.function_hessian)(mean);
        let bad = |what: &str, got: &[usize], want: &[usize]| {
            OptaxError::input(
                NAME,
                format!("{what} returned shape {got:?} at the mean; it must be {want:?}"),
            )
        };
        if value.dims() != [1] {
            return Err(bad("function", &value.dims(), &[1]));
        }
        if grad.dims() != [d] {
            return Err(bad("function_grad", &grad.dims(), &[d]));
        }
        if hessian.dims() != [d, d] {
            return Err(bad("function_hessian", &hessian.dims(), &[d, d]));
        }
        Ok((value, grad, hessian))
    }
}

impl<F, G, H> ControlVariate for ControlDelta<F, G, H>
where
    F: Fn(Tensor<2>) -> Tensor<1>,
    G: Fn(Tensor<1>) -> Tensor<1>,
    H: Fn(Tensor<1>) -> Tensor<2>,
{
    type State = ();

    fn control_variate(
        &self,
        params: &[Tensor<1>],
        samples: Tensor<2>,
        _state: &(),
    ) -> Result<Tensor<1>> {
        let (mean, _, d) = checks::gaussian_params(NAME, params)?;
        let n = checks::draws(NAME, "samples", &samples, d)?;
        let (value, grad, hessian) = self.expansion(mean.clone(), d)?;
        let centered = samples.sub(mean.unsqueeze::<2>());
        let linear = centered
            .clone()
            .matmul(grad.unsqueeze_dim::<2>(1))
            .reshape([n]);
        let quadratic = centered
            .clone()
            .matmul(hessian)
            .mul(centered)
            .sum_dim(1)
            .reshape([n]);
        Ok(value.add(linear).add(quadratic.div_scalar(2.0)))
    }

    fn expected_value(&self, params: &[Tensor<1>], _state: &()) -> Result<Tensor<1>> {
        let (mean, log_scale, d) = checks::gaussian_params(NAME, params)?;
        let (value, _, hessian) = self.expansion(mean, d)?;
        let variance = log_scale.exp().square();
        let eye = Tensor::<2>::eye(d, &hessian.device());
        let diagonal = hessian.mul(eye).sum_dim(1).reshape([d]);
        Ok(value.add(variance.mul(diagonal).sum().div_scalar(2.0)))
    }

    fn update_state(&self, params: &[Tensor<1>], samples: Tensor<2>, _state: ()) -> Result<()> {
        let (_, _, d) = checks::gaussian_params(NAME, params)?;
        checks::draws(NAME, "samples", &samples, d)?;
        Ok(())
    }
}
