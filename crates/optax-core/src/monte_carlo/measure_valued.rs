//! `optax.monte_carlo.measure_valued_jacobians` (Optax 0.2.6): the measure-valued estimator of
//! a Gaussian expectation's gradient.
//!
//! ```text
//! ∂/∂μ_d E f(x) = 1/(√(2π)·σ_d) · E[ f(x with x_d = μ_d + σ_d·w⁺) - f(x with x_d = μ_d - σ_d·w⁻) ]
//!                 w⁺, w⁻ ~ Weibull(√2, 2)
//! ∂/∂σ_d E f(x) = 1/σ_d · E[ f(x with x_d = μ_d + σ_d·m) - f(x with x_d = μ_d + σ_d·m') ]
//!                 m ~ double-sided Maxwell(0, 1),  m' = U(0,1)·m (coupled) or N(0, 1)
//! ∂/∂log σ_d    = σ_d · ∂/∂σ_d
//! ```

use burn::tensor::{Bool, Tensor, TensorData};
use rand::Rng;

use super::draws::MeasureValuedDraws;
use super::multi_normal::standard_normal;
use super::{checks, infallible, Builder, Fun, MultiNormalDiagFromLogScale};
use crate::{OptaxError, Result};

const NAME: &str = "measure_valued_jacobians";

/// `√(2π)` in `f32`, as Optax's `np.sqrt(2 * np.pi)` meets a `float32` scale.
const SQRT_2PI: f32 = 2.506_628_3;

/// `optax.monte_carlo.measure_valued_jacobians(function, params, dist_builder, rng,
/// num_samples, coupling=True)`: one measure-valued estimate of `∇_θ E_{p(x;θ)} f(x)` per
/// sample, for the Gaussian [`multi_normal`](super::multi_normal).
///
/// ```text
/// jacobian[mean][i, d]      = (f(x_i⁺ᵈ) - f(x_i⁻ᵈ)) / (√(2π)·σ_d)   x_i with coordinate d moved
///                                                                   to μ_d ± σ_d·(Weibull draw)
/// jacobian[log_scale][i, d] = σ_d · (f(x_i^{m,d}) - f(x_i^{m',d})) / σ_d   (Maxwell draws)
/// ```
///
/// `f` is only evaluated, never differentiated (it may be non-differentiable), but twice per
/// sample and coordinate: `4·num_samples·D` evaluations. Low variance, especially with
/// `coupling` (the positive and negative draws shared; Optax's default `coupling = true`). See
/// S. Mohamed, M. Rosca, M. Figurnov, A. Mnih, "Monte Carlo Gradient Estimation in Machine
/// Learning", JMLR 2020.
///
/// Arguments and result as [`score_function_jacobians`](super::score_function_jacobians), plus
/// `coupling`. Optax accepts only `dist_builder = multi_normal`; here `dist_builder`'s type
/// makes it a diagonal Gaussian, whose `params()` give the mean and scale.
///
/// # Errors
/// [`OptaxError::InvalidInput`] if `params` is not two `[D]` tensors of one shape,
/// `num_samples` is 0, `dist_builder` fails, or `function` does not return one value per row.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::monte_carlo::{measure_valued_jacobians, multi_normal};
/// use rand::{rngs::StdRng, SeedableRng};
/// let device = Device::flex();
/// let params = [Tensor::<1>::from_floats([1.0, -1.0], &device), Tensor::<1>::zeros([2], &device)];
/// let f = |x: Tensor<2>| x.square().sum_dim(1).squeeze_dim::<1>(1);
/// let jac = measure_valued_jacobians(f, &params, multi_normal, &mut StdRng::seed_from_u64(0), 8, true)?;
/// assert_eq!(jac[1].dims(), [8, 2]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn measure_valued_jacobians<F, B, R>(
    function: F,
    params: &[Tensor<1>],
    dist_builder: B,
    rng: &mut R,
    num_samples: usize,
    coupling: bool,
) -> Result<Vec<Tensor<2>>>
where
    F: Fn(Tensor<2>) -> Tensor<1>,
    B: Fn(Tensor<2>, Tensor<2>) -> Result<MultiNormalDiagFromLogScale>,
    R: Rng + ?Sized,
{
    let (mean, _, d) = checks::gaussian_params(NAME, params)?;
    checks::num_samples(NAME, num_samples)?;
    let device = mean.device().inner();
    let normal = standard_normal(num_samples, d, rng, &device);
    let draws = MeasureValuedDraws::sample(num_samples, d, coupling, rng, &device);
    measure_valued_jacobians_with_draws(function, params, dist_builder, normal, &draws)
}

/// [`measure_valued_jacobians`] on explicit draws: the standard-normal `normal` and the
/// [`MeasureValuedDraws`] (coupled or not, as drawn), each `[num_samples, D]`.
///
/// # Errors
/// As [`measure_valued_jacobians`], and if a draw is not `[num_samples >= 1, D]` (one
/// `num_samples` for all).
pub fn measure_valued_jacobians_with_draws<F, B>(
    function: F,
    params: &[Tensor<1>],
    dist_builder: B,
    normal: Tensor<2>,
    draws: &MeasureValuedDraws,
) -> Result<Vec<Tensor<2>>>
where
    F: Fn(Tensor<2>) -> Tensor<1>,
    B: Fn(Tensor<2>, Tensor<2>) -> Result<MultiNormalDiagFromLogScale>,
{
    measure_valued(
        NAME,
        &infallible(&function),
        params,
        &dist_builder,
        normal,
        draws,
    )
}

pub(crate) fn measure_valued(
    name: &str,
    function: Fun,
    params: &[Tensor<1>],
    dist_builder: Builder,
    normal: Tensor<2>,
    draws: &MeasureValuedDraws,
) -> Result<Vec<Tensor<2>>> {
    let (mean, log_scale, d) = checks::gaussian_params(name, params)?;
    let n = checks::draws(name, "normal", &normal, d)?;
    for (what, t) in [
        ("mean_positive", &draws.mean_positive),
        ("mean_negative", &draws.mean_negative),
        ("std_positive", &draws.std_positive),
        ("std_negative", &draws.std_negative),
    ] {
        if checks::draws(name, what, t, d)? != n {
            return Err(OptaxError::input(
                name,
                format!("{what} has {} rows, normal has {n}", t.dims()[0]),
            ));
        }
    }
    let dist = dist_builder(mean.inner().unsqueeze(), log_scale.inner().unsqueeze())?;
    let [mu, log_std] = dist.params();
    if mu.dims() != [1, d] {
        return Err(OptaxError::input(
            name,
            format!(
                "dist_builder returned parameters of shape {:?} for [1, {d}]",
                mu.dims()
            ),
        ));
    }
    let std = log_std.clone().exp();
    let x = dist.sample_from_normal(normal)?;
    let moved = |diag: Tensor<2>| with_coordinate(name, function, &x, diag);
    let shifted = |draw: &Tensor<2>| mu.clone().add(std.clone().mul(draw.clone()));
    let mean_grads = moved(shifted(&draws.mean_positive))?
        .sub(moved(
            mu.clone().sub(std.clone().mul(draws.mean_negative.clone())),
        )?)
        .div(std.clone().mul_scalar(SQRT_2PI));
    let std_grads = moved(shifted(&draws.std_positive))?
        .sub(moved(shifted(&draws.std_negative))?)
        .div(std);
    // The chain rule to log σ: ∂/∂log σ = σ·∂/∂σ.
    Ok(vec![mean_grads, log_std.exp().mul(std_grads)])
}

/// `f` of every sample `x_i` with its coordinate `d` replaced by `diag[i, d]`, as `[n, D]`:
/// one batch of `n·D` rows.
fn with_coordinate(name: &str, function: Fun, x: &Tensor<2>, diag: Tensor<2>) -> Result<Tensor<2>> {
    let [n, d] = x.dims();
    let device = x.device();
    let eye: Vec<bool> = (0..d * d).map(|k| k / d == k % d).collect();
    let mask =
        Tensor::<3, Bool>::from_data(TensorData::new(eye, [1, d, d]), &device).expand([n, d, d]);
    let rows = x
        .clone()
        .unsqueeze_dim::<3>(1)
        .expand([n, d, d])
        .mask_where(mask, diag.unsqueeze_dim::<3>(2).expand([n, d, d]))
        .reshape([n * d, d]);
    let values = function(rows)?;
    checks::values(name, "function", &values, n * d)?;
    Ok(values.reshape([n, d]))
}
