//! `optax.monte_carlo.pathwise_jacobians` (Optax 0.2.6): the pathwise (reparameterization)
//! estimator.
//!
//! ```text
//! ∇_θ E_{p(x;θ)} f(x) = E_{p(ε)} [ ∇_θ f(g(ε, θ)) ],   x = g(ε, θ) = μ + σ·ε
//! jacobian row i      = ∇_θ f(μ + σ·ε_i)
//! ```

use burn::tensor::Tensor;
use rand::Rng;

use super::multi_normal::standard_normal;
use super::{checks, infallible, Builder, Fun, MultiNormalDiagFromLogScale};
use crate::Result;

const NAME: &str = "pathwise_jacobians";

/// `optax.monte_carlo.pathwise_jacobians(function, params, dist_builder, rng, num_samples)`:
/// one pathwise estimate of `∇_θ E_{p(x;θ)} f(x)` per sample.
///
/// ```text
/// jacobian[k][i] = ∇_{θ_k} f(g(ε_i, θ)),   g(ε, (μ, log σ)) = μ + exp(log σ)·ε,   ε_i ~ N(0, I)
/// ```
///
/// Needs `f` differentiable and `p` reparameterizable (the Gaussian is). Usually the estimator
/// of lowest variance of the three; one forward and one backward pass of `f` per sample. See
/// S. Mohamed, M. Rosca, M. Figurnov, A. Mnih, "Monte Carlo Gradient Estimation in Machine
/// Learning", JMLR 2020.
///
/// Arguments and result as [`score_function_jacobians`](super::score_function_jacobians):
/// `function` maps `[num_samples, D]` samples to `[num_samples]` values, written with Burn ops
/// (it is differentiated by Burn's autodiff; the samples it receives are on the autodiff device).
///
/// # Errors
/// [`OptaxError::InvalidInput`](crate::OptaxError::InvalidInput) if `params` is not two `[D]`
/// tensors of one shape, `num_samples` is 0, `dist_builder` fails, or `function` does not return
/// `[num_samples]`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::monte_carlo::{multi_normal, pathwise_jacobians};
/// use rand::{rngs::StdRng, SeedableRng};
/// let device = Device::flex();
/// let params = [Tensor::<1>::from_floats([1.0, -1.0], &device), Tensor::<1>::zeros([2], &device)];
/// // f(x) = 3·x_0 + 2·x_1: every sample's mean jacobian row is exactly (3, 2).
/// let w = Tensor::<2>::from_floats([[3.0, 2.0]], &device);
/// let f = move |x: Tensor<2>| x.mul(w.clone()).sum_dim(1).squeeze_dim::<1>(1);
/// let jac = pathwise_jacobians(f, &params, multi_normal, &mut StdRng::seed_from_u64(0), 4)?;
/// let mean_rows: Vec<f32> = jac[0].clone().into_data().try_into_vec_as().unwrap();
/// assert_eq!(mean_rows, [3.0, 2.0].repeat(4));
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn pathwise_jacobians<F, B, R>(
    function: F,
    params: &[Tensor<1>],
    dist_builder: B,
    rng: &mut R,
    num_samples: usize,
) -> Result<Vec<Tensor<2>>>
where
    F: Fn(Tensor<2>) -> Tensor<1>,
    B: Fn(Tensor<2>, Tensor<2>) -> Result<MultiNormalDiagFromLogScale>,
    R: Rng + ?Sized,
{
    let (mean, _, d) = checks::gaussian_params(NAME, params)?;
    checks::num_samples(NAME, num_samples)?;
    let normal = standard_normal(num_samples, d, rng, &mean.device().inner());
    pathwise_jacobians_with_draws(function, params, dist_builder, normal)
}

/// [`pathwise_jacobians`] on explicit standard-normal draws `normal` (`[num_samples, D]`).
///
/// # Errors
/// As [`pathwise_jacobians`], and if `normal` is not `[num_samples >= 1, D]`.
pub fn pathwise_jacobians_with_draws<F, B>(
    function: F,
    params: &[Tensor<1>],
    dist_builder: B,
    normal: Tensor<2>,
) -> Result<Vec<Tensor<2>>>
where
    F: Fn(Tensor<2>) -> Tensor<1>,
    B: Fn(Tensor<2>, Tensor<2>) -> Result<MultiNormalDiagFromLogScale>,
{
    pathwise(NAME, &infallible(&function), params, &dist_builder, normal)
}

pub(crate) fn pathwise(
    name: &str,
    function: Fun,
    params: &[Tensor<1>],
    dist_builder: Builder,
    normal: Tensor<2>,
) -> Result<Vec<Tensor<2>>> {
    let (_, _, d) = checks::gaussian_params(name, params)?;
    let n = checks::draws(name, "normal", &normal, d)?;
    let leaves = checks::per_sample_leaves(params, n);
    let dist = dist_builder(leaves[0].clone(), leaves[1].clone())?;
    let values = function(dist.sample_from_normal(normal)?)?;
    checks::values(name, "function", &values, n)?;
    Ok(checks::gradients(values, &leaves))
}
