//! `optax.monte_carlo.score_function_jacobians` (Optax 0.2.6): the score-function (REINFORCE,
//! likelihood-ratio) estimator.
//!
//! ```text
//! ∇_θ E_{p(x;θ)} f(x) = E_{p(x;θ)} [ f(x) ∇_θ log p(x;θ) ]
//! jacobian row i      = f(x_i) ∇_θ log p(x_i;θ),   x_i = μ + σ·ε_i (not differentiated)
//! ```

use burn::tensor::Tensor;
use rand::Rng;

use super::multi_normal::standard_normal;
use super::{checks, infallible, Builder, Fun, MultiNormalDiagFromLogScale};
use crate::Result;

const NAME: &str = "score_function_jacobians";

/// `optax.monte_carlo.score_function_jacobians(function, params, dist_builder, rng,
/// num_samples)`: one score-function estimate of `∇_θ E_{p(x;θ)} f(x)` per sample.
///
/// ```text
/// jacobian[k][i] = f(x_i) · ∇_{θ_k} log p(x_i; θ),   x_i ~ p(x; θ) held constant
/// ```
///
/// Needs `log p` to be differentiable in `θ` only; `f` may be anything (it is never
/// differentiated). Unbiased, but its variance grows with `f²`: pair it with a control variate
/// ([`control_variates_jacobians`](super::control_variates_jacobians)). See S. Mohamed,
/// M. Rosca, M. Figurnov, A. Mnih, "Monte Carlo Gradient Estimation in Machine Learning",
/// JMLR 2020.
///
/// - `function`: `f`, applied to a batch of samples `[num_samples, D]` and returning one value
///   per row, `[num_samples]` (Optax `vmap`s a per-sample `f`; here the rows must not interact).
/// - `params`: `(mean, log_scale)`, each `[D]`.
/// - `dist_builder`: builds the distribution from the parameters, as `[rows, D]` tensors
///   (e.g. [`multi_normal`](super::multi_normal)).
/// - `rng`: the generator the `ε` are drawn from (Optax's `PRNGKey`).
/// - `num_samples`: the number of samples.
///
/// Returns one `[num_samples, D]` jacobian per parameter; their mean over the samples is the
/// gradient estimate. The derivatives come from Burn's autodiff (each sample's row from one
/// backward pass, the parameters tiled per sample). The result is on the parameters' device
/// without autodiff.
///
/// # Errors
/// [`OptaxError::InvalidInput`](crate::OptaxError::InvalidInput) if `params` is not two `[D]`
/// tensors of one shape, `num_samples` is 0, `dist_builder` fails, or `function` does not return
/// `[num_samples]`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::monte_carlo::{multi_normal, score_function_jacobians};
/// use rand::{rngs::StdRng, SeedableRng};
/// let device = Device::flex();
/// let params = [Tensor::<1>::from_floats([1.0, -1.0], &device), Tensor::<1>::zeros([2], &device)];
/// let f = |x: Tensor<2>| x.sum_dim(1).squeeze_dim::<1>(1);
/// let jac = score_function_jacobians(f, &params, multi_normal, &mut StdRng::seed_from_u64(0), 8)?;
/// assert_eq!(jac[0].dims(), [8, 2]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn score_function_jacobians<F, B, R>(
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
    score_function_jacobians_with_draws(function, params, dist_builder, normal)
}

/// [`score_function_jacobians`] on explicit standard-normal draws `normal`
/// (`[num_samples, D]`; the samples are `x = mean + exp(log_scale)·normal`), to reproduce a
/// result or compare it with Optax's on the same samples.
///
/// # Errors
/// As [`score_function_jacobians`], and if `normal` is not `[num_samples >= 1, D]`.
pub fn score_function_jacobians_with_draws<F, B>(
    function: F,
    params: &[Tensor<1>],
    dist_builder: B,
    normal: Tensor<2>,
) -> Result<Vec<Tensor<2>>>
where
    F: Fn(Tensor<2>) -> Tensor<1>,
    B: Fn(Tensor<2>, Tensor<2>) -> Result<MultiNormalDiagFromLogScale>,
{
    score_function(NAME, &infallible(&function), params, &dist_builder, normal)
}

pub(crate) fn score_function(
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
    // The samples are constants: only log p is differentiated.
    let samples = dist.sample_from_normal(normal)?.inner();
    let values = function(samples.clone())?;
    checks::values(name, "function", &values, n)?;
    let surrogate = values.mul(dist.log_prob(samples)?);
    Ok(checks::gradients(surrogate, &leaves))
}
