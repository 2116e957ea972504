//! `optax.monte_carlo.control_variates_jacobians` and
//! `estimate_control_variate_coefficients` (Optax 0.2.6): gradient estimates with a control
//! variate `h(x; θ)` whose expectation is known in closed form.
//!
//! ```text
//! ∇_θ E_p f = ∇_θ E_p [f - h] + ∇_θ E_p h
//!           ≈ est(f) - c·est(h) - c·E_p[∇_θ h(x; θ)] + c·∇_θ E_p h
//! ```
//! `est` is the chosen estimator on the samples it shares with `h`, `c` the coefficient
//! (1, or estimated on fresh samples).

use burn::tensor::Tensor;
use rand::Rng;

use super::draws::Draws;
use super::{checks, infallible, Builder, Fun, MultiNormalDiagFromLogScale};
use crate::{OptaxError, Result};

/// Optax's `ControlVariate`, a tuple of three functions: the control variate `h(x; θ)` of each
/// sample, its expected value `E_{p(x;θ)} h` in closed form, and the update of its state.
///
/// The parameters are `(mean, log_scale)`, each `[D]`; they may be autodiff leaves (the
/// control variate's derivatives in `θ` are taken by Burn's autodiff), so write the methods
/// with Burn ops on them.
pub trait ControlVariate {
    /// The control variate's state (`()` for none).
    type State: Clone;
    /// `h(x_i; θ)` for each row of `samples` (`[num_samples, D]` to `[num_samples]`).
    ///
    /// # Errors
    /// [`OptaxError::InvalidInput`] for parameters or samples of the wrong shape.
    fn control_variate(
        &self,
        params: &[Tensor<1>],
        samples: Tensor<2>,
        state: &Self::State,
    ) -> Result<Tensor<1>>;
    /// `E_{p(x;θ)} h(x; θ)`, shape `[1]`.
    ///
    /// # Errors
    /// [`OptaxError::InvalidInput`] for parameters of the wrong shape.
    fn expected_value(&self, params: &[Tensor<1>], state: &Self::State) -> Result<Tensor<1>>;
    /// The state after seeing `samples` (`[num_samples, D]`).
    ///
    /// # Errors
    /// [`OptaxError::InvalidInput`] for parameters or samples of the wrong shape.
    fn update_state(
        &self,
        params: &[Tensor<1>],
        samples: Tensor<2>,
        state: Self::State,
    ) -> Result<Self::State>;
}

/// Optax's `grad_estimator` argument: which of the three estimators to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GradEstimator {
    /// [`score_function_jacobians`](super::score_function_jacobians).
    ScoreFunction,
    /// [`pathwise_jacobians`](super::pathwise_jacobians).
    Pathwise,
    /// [`measure_valued_jacobians`](super::measure_valued_jacobians) with its `coupling`
    /// (Optax's default, `true`, is what passing the function itself gives).
    MeasureValued {
        /// Whether the positive and negative draws are coupled.
        coupling: bool,
    },
}

impl GradEstimator {
    fn name(&self) -> &'static str {
        match self {
            Self::ScoreFunction => "score_function_jacobians",
            Self::Pathwise => "pathwise_jacobians",
            Self::MeasureValued { .. } => "measure_valued_jacobians",
        }
    }

    fn jacobians(
        &self,
        function: Fun,
        params: &[Tensor<1>],
        dist_builder: Builder,
        draws: &Draws,
    ) -> Result<Vec<Tensor<2>>> {
        let normal = draws.normal.clone();
        match self {
            Self::ScoreFunction => super::score_function::score_function(
                self.name(),
                function,
                params,
                dist_builder,
                normal,
            ),
            Self::Pathwise => {
                super::pathwise::pathwise(self.name(), function, params, dist_builder, normal)
            }
            Self::MeasureValued { .. } => {
                let mv = draws.measure_valued.as_ref().ok_or_else(|| {
                    OptaxError::input(
                        self.name(),
                        "the draws have no measure_valued part (draw them for this estimator)",
                    )
                })?;
                super::measure_valued::measure_valued(
                    self.name(),
                    function,
                    params,
                    dist_builder,
                    normal,
                    mv,
                )
            }
        }
    }
}

const NAME: &str = "control_variates_jacobians";

/// `optax.monte_carlo.control_variates_jacobians(function, control_variate_from_function,
/// grad_estimator, params, dist_builder, rng, num_samples, control_variate_state=None,
/// estimate_cv_coeffs=False, estimate_cv_coeffs_num_samples=20)`: the jacobians of `grad_estimator`
/// with a control variate, and the control variate's updated state.
///
/// ```text
/// jacobian[k] = est_k(f) - c_k·est_k(h(·; sg(θ))) - c_k·mean_i ∇_{θ_k} h(sg(x_i); θ) + c_k·∇_{θ_k} E_p h
/// ```
/// with `sg` stopping gradients, `est` the estimator on the same samples for `f` and `h`, the
/// state updated once (with those samples) before `h` is used, and `c_k = 1` or, with
/// `estimate_cv_coeffs`, [`estimate_control_variate_coefficients`] on
/// `estimate_cv_coeffs_num_samples` fresh samples and the state as passed. Unbiased whatever
/// `c`; the variance falls as far as `h` follows `f` (the delta method for `f` near quadratic on
/// the samples' scale; a baseline for the score function). Cost: the estimator twice, plus
/// twice more with `estimate_cv_coeffs`.
///
/// `control_variate_from_function` builds the control variate from `function`, e.g.
/// `|f| moving_avg_baseline(f, 0.99, true, true)`; `grad_estimator` is a [`GradEstimator`];
/// `control_variate_state` is the state (Optax's default `None` is `()` for the delta method; the
/// moving average needs its start). The other arguments are
/// [`score_function_jacobians`](super::score_function_jacobians)'.
///
/// # Errors
/// [`OptaxError::InvalidInput`] if `params` is not two `[D]` tensors of one shape, a number of
/// samples is 0, or `dist_builder`, `function` or the control variate fails.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::monte_carlo::{
///     control_variates_jacobians, moving_avg_baseline, multi_normal, GradEstimator,
///     MovingAvgBaselineState,
/// };
/// use rand::{rngs::StdRng, SeedableRng};
/// let device = Device::flex();
/// let params = [Tensor::<1>::from_floats([1.0, -1.0], &device), Tensor::<1>::zeros([2], &device)];
/// let f = |x: Tensor<2>| x.sum_dim(1).squeeze_dim::<1>(1).add_scalar(10.0);
/// let (jac, state) = control_variates_jacobians(
///     f,
///     |f| moving_avg_baseline(f, 0.99, true, true),
///     GradEstimator::ScoreFunction,
///     &params,
///     multi_normal,
///     &mut StdRng::seed_from_u64(0),
///     16,
///     MovingAvgBaselineState { value: 0.0, i: 0 },
///     false,
///     20,
/// )?;
/// assert_eq!((jac[0].dims(), state.i), ([16, 2], 1));
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
#[allow(clippy::too_many_arguments)]
pub fn control_variates_jacobians<F, C, V, B, R>(
    function: F,
    control_variate_from_function: C,
    grad_estimator: GradEstimator,
    params: &[Tensor<1>],
    dist_builder: B,
    rng: &mut R,
    num_samples: usize,
    control_variate_state: V::State,
    estimate_cv_coeffs: bool,
    estimate_cv_coeffs_num_samples: usize,
) -> Result<(Vec<Tensor<2>>, V::State)>
where
    F: Fn(Tensor<2>) -> Tensor<1> + Clone,
    C: FnOnce(F) -> V,
    V: ControlVariate,
    B: Fn(Tensor<2>, Tensor<2>) -> Result<MultiNormalDiagFromLogScale>,
    R: Rng + ?Sized,
{
    let (mean, _, d) = checks::gaussian_params(NAME, params)?;
    checks::num_samples(NAME, num_samples)?;
    let device = mean.device().inner();
    let draws = Draws::sample(grad_estimator, num_samples, d, rng, &device);
    let coeff_draws = if estimate_cv_coeffs {
        checks::num_samples(NAME, estimate_cv_coeffs_num_samples)?;
        Some(Draws::sample(
            grad_estimator,
            estimate_cv_coeffs_num_samples,
            d,
            rng,
            &device,
        ))
    } else {
        None
    };
    control_variates_jacobians_with_draws(
        function,
        control_variate_from_function,
        grad_estimator,
        params,
        dist_builder,
        &draws,
        control_variate_state,
        coeff_draws.as_ref(),
    )
}

/// [`control_variates_jacobians`] on explicit [`Draws`] (shared by the estimator and the control
/// variate, as Optax shares its key), with `cv_coeff_draws` the fresh draws for
/// [`estimate_control_variate_coefficients`] (`Some` is `estimate_cv_coeffs = true`).
///
/// # Errors
/// As [`control_variates_jacobians`], and if the draws do not fit the estimator or `params`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::monte_carlo::{
///     control_delta_method, control_variates_jacobians_with_draws, multi_normal, Draws,
///     GradEstimator,
/// };
/// use rand::{rngs::StdRng, SeedableRng};
/// let device = Device::flex();
/// let params = [Tensor::<1>::from_floats([1.0, -1.0], &device), Tensor::<1>::zeros([2], &device)];
/// // f(x) = Σ x²: the delta method is exact, so every sample's mean jacobian row is 2μ.
/// let f = |x: Tensor<2>| x.square().sum_dim(1).squeeze_dim::<1>(1);
/// let estimator = GradEstimator::ScoreFunction;
/// let draws = Draws::sample(estimator, 4, 2, &mut StdRng::seed_from_u64(0), &device);
/// let (jac, ()) = control_variates_jacobians_with_draws(
///     f,
///     |f| control_delta_method(f, |m| m.mul_scalar(2.0), |m| {
///         Tensor::<2>::eye(2, &m.device()).mul_scalar(2.0)
///     }),
///     estimator,
///     &params,
///     multi_normal,
///     &draws,
///     (),
///     None,
/// )?;
/// let rows: Vec<f32> = jac[0].clone().into_data().try_into_vec_as().unwrap();
/// assert!(rows.chunks(2).all(|r| (r[0] - 2.0).abs() < 1e-4 && (r[1] + 2.0).abs() < 1e-4));
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
#[allow(clippy::too_many_arguments)]
pub fn control_variates_jacobians_with_draws<F, C, V, B>(
    function: F,
    control_variate_from_function: C,
    grad_estimator: GradEstimator,
    params: &[Tensor<1>],
    dist_builder: B,
    draws: &Draws,
    control_variate_state: V::State,
    cv_coeff_draws: Option<&Draws>,
) -> Result<(Vec<Tensor<2>>, V::State)>
where
    F: Fn(Tensor<2>) -> Tensor<1> + Clone,
    C: FnOnce(F) -> V,
    V: ControlVariate,
    B: Fn(Tensor<2>, Tensor<2>) -> Result<MultiNormalDiagFromLogScale>,
{
    let (mean, log_scale, d) = checks::gaussian_params(NAME, params)?;
    let n = checks::draws(NAME, "draws.normal", &draws.normal, d)?;
    let control_variate = control_variate_from_function(function.clone());
    let f = infallible(&function);
    let coeffs = match cv_coeff_draws {
        Some(coeff_draws) => coefficients(
            &f,
            &control_variate,
            grad_estimator,
            params,
            &dist_builder,
            coeff_draws,
            &control_variate_state,
            1e-3,
        )?,
        None => vec![1.0; params.len()],
    };
    // ∫ ∇_θ p(x; θ) f(x) dx
    let function_jacobians = grad_estimator.jacobians(&f, params, &dist_builder, draws)?;
    // The estimator's samples, for the state and for ∇_θ h at fixed samples.
    let samples = dist_builder(mean.inner().unsqueeze(), log_scale.inner().unsqueeze())?
        .sample_from_normal(draws.normal.clone())?;
    let constants: Vec<Tensor<1>> = params.iter().map(|p| p.clone().inner()).collect();
    let state = control_variate.update_state(&constants, samples.clone(), control_variate_state)?;
    // ∫ ∇_θ p(x; θ) h(x; sg(θ)) dx
    let h = |x: Tensor<2>| control_variate.control_variate(&constants, x, &state);
    let cv_jacobians = grad_estimator.jacobians(&h, params, &dist_builder, draws)?;
    // E_p ∇_θ h(sg(x); θ)
    let leaves = checks::leaves(params);
    let values = control_variate.control_variate(&leaves, samples, &state)?;
    checks::values(NAME, "the control variate", &values, n)?;
    let cv_param_grads = checks::gradients(values.mean(), &leaves);
    // ∇_θ E_p h
    let leaves = checks::leaves(params);
    let expected = control_variate.expected_value(&leaves, &state)?;
    let expected_value_grads = checks::gradients(expected, &leaves);

    let jacobians = function_jacobians
        .into_iter()
        .zip(cv_jacobians)
        .zip(cv_param_grads.into_iter().zip(expected_value_grads))
        .zip(coeffs)
        .map(|(((fj, cvj), (pg, eg)), c)| {
            fj.sub(cvj.mul_scalar(c))
                .sub(pg.unsqueeze::<2>().mul_scalar(c))
                .add(eg.unsqueeze::<2>().mul_scalar(c))
        })
        .collect();
    Ok((jacobians, state))
}

/// `optax.monte_carlo.control_variates.estimate_control_variate_coefficients(function,
/// control_variate_from_function, grad_estimator, params, dist_builder, rng, num_samples,
/// control_variate_state=None, eps=1e-3)`: for each parameter, the coefficient `c` that
/// minimizes the summed variance of `est(f) - c·est(h)`, estimated on `num_samples` samples
/// drawn here (Optax splits its key to draw new ones). The state is not updated.
///
/// ```text
/// c_k = Σ_d cov_i(est_k(f)[i, d], est_k(h)[i, d]) / (Σ_d var_i(est_k(h)[i, d]) + eps)
/// ```
///
/// # Errors
/// As [`control_variates_jacobians`].
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::monte_carlo::{
///     estimate_control_variate_coefficients, moving_avg_baseline, multi_normal, GradEstimator,
///     MovingAvgBaselineState,
/// };
/// use rand::{rngs::StdRng, SeedableRng};
/// let device = Device::flex();
/// let params = [Tensor::<1>::from_floats([1.0, -1.0], &device), Tensor::<1>::zeros([2], &device)];
/// let f = |x: Tensor<2>| x.sum_dim(1).squeeze_dim::<1>(1).add_scalar(10.0);
/// let coeffs = estimate_control_variate_coefficients(
///     f,
///     |f| moving_avg_baseline(f, 0.99, true, true),
///     GradEstimator::ScoreFunction,
///     &params,
///     multi_normal,
///     &mut StdRng::seed_from_u64(0),
///     20,
///     MovingAvgBaselineState { value: 10.0, i: 0 },
///     1e-3,
/// )?;
/// assert_eq!(coeffs.len(), 2);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
#[allow(clippy::too_many_arguments)]
pub fn estimate_control_variate_coefficients<F, C, V, B, R>(
    function: F,
    control_variate_from_function: C,
    grad_estimator: GradEstimator,
    params: &[Tensor<1>],
    dist_builder: B,
    rng: &mut R,
    num_samples: usize,
    control_variate_state: V::State,
    eps: f64,
) -> Result<Vec<f32>>
where
    F: Fn(Tensor<2>) -> Tensor<1> + Clone,
    C: FnOnce(F) -> V,
    V: ControlVariate,
    B: Fn(Tensor<2>, Tensor<2>) -> Result<MultiNormalDiagFromLogScale>,
    R: Rng + ?Sized,
{
    const NAME: &str = "estimate_control_variate_coefficients";
    let (mean, _, d) = checks::gaussian_params(NAME, params)?;
    checks::num_samples(NAME, num_samples)?;
    let draws = Draws::sample(grad_estimator, num_samples, d, rng, &mean.device().inner());
    let control_variate = control_variate_from_function(function.clone());
    coefficients(
        &infallible(&function),
        &control_variate,
        grad_estimator,
        params,
        &dist_builder,
        &draws,
        &control_variate_state,
        eps,
    )
}

#[allow(clippy::too_many_arguments)]
fn coefficients<V: ControlVariate>(
    function: Fun,
    control_variate: &V,
    grad_estimator: GradEstimator,
    params: &[Tensor<1>],
    dist_builder: Builder,
    draws: &Draws,
    state: &V::State,
    eps: f64,
) -> Result<Vec<f32>> {
    let constants: Vec<Tensor<1>> = params.iter().map(|p| p.clone().inner()).collect();
    let h = |x: Tensor<2>| control_variate.control_variate(&constants, x, state);
    let cv_jacobians = grad_estimator.jacobians(&h, params, dist_builder, draws)?;
    let function_jacobians = grad_estimator.jacobians(function, params, dist_builder, draws)?;
    Ok(cv_jacobians
        .into_iter()
        .zip(function_jacobians)
        .map(|(cvj, fj)| {
            let cv_centered = cvj.clone().sub(cvj.mean_dim(0));
            let f_centered = fj.clone().sub(fj.mean_dim(0));
            let cov = f_centered.mul(cv_centered.clone()).mean_dim(0).sum();
            let var = cv_centered.square().mean_dim(0).sum();
            cov.into_scalar::<f32>() / (var.into_scalar::<f32>() + eps as f32)
        })
        .collect())
}
