//! Monte Carlo gradient estimators (`optax.monte_carlo`, as of Optax 0.2.6, which deprecated it;
//! Optax 0.2.7 removed it): estimates of the gradient of an expectation over a Gaussian,
//!
//! ```text
//! ∇_θ E_{p(x;θ)} f(x),   p(x; θ) = N(μ, diag(σ²)),   θ = (μ, log σ)
//! ```
//!
//! each returned as one jacobian row per sample (their mean is the estimate; their spread
//! measures the estimator's variance), with control variates to reduce that variance. See
//! S. Mohamed, M. Rosca, M. Figurnov, A. Mnih, "Monte Carlo Gradient Estimation in Machine
//! Learning", JMLR 2020, and `docs/monte-carlo.md`.
//!
//! Conventions of this port:
//! - `function` takes a batch of samples `[num_samples, D]` and returns one value per row
//!   (Optax `vmap`s a function of one sample); rows must not interact.
//! - `params` are `(mean, log_scale)`, each `[D]`; the distribution is [`multi_normal`], whose
//!   parameters are `[rows, D]`.
//! - Optax's `rng` key is a `rand` generator; each estimator also has a `_with_draws` form taking
//!   the random draws themselves ([`Draws`]), so that results can be reproduced and compared
//!   with Optax's on the same samples.
//! - Derivatives come from Burn's autodiff (first order); results are on the parameters'
//!   device without autodiff.

mod checks;
mod control_delta_method;
mod control_variates;
mod draws;
mod measure_valued;
mod moving_avg_baseline;
mod multi_normal;
mod pathwise;
mod score_function;

pub use control_delta_method::{control_delta_method, ControlDelta};
pub use control_variates::{
    control_variates_jacobians, control_variates_jacobians_with_draws,
    estimate_control_variate_coefficients, ControlVariate, GradEstimator,
};
pub use draws::{Draws, MeasureValuedDraws};
pub use measure_valued::{measure_valued_jacobians, measure_valued_jacobians_with_draws};
pub use moving_avg_baseline::{moving_avg_baseline, MovingAvgBaseline, MovingAvgBaselineState};
pub use multi_normal::{multi_normal, MultiNormalDiagFromLogScale};
pub use pathwise::{pathwise_jacobians, pathwise_jacobians_with_draws};
pub use score_function::{score_function_jacobians, score_function_jacobians_with_draws};

use burn::tensor::Tensor;

use crate::Result;

/// A function of a batch of samples, fallible (a control variate's may fail on bad shapes).
type Fun<'a> = &'a dyn Fn(Tensor<2>) -> Result<Tensor<1>>;
/// `function` as a [`Fun`].
fn infallible<F: Fn(Tensor<2>) -> Tensor<1>>(
    function: &F,
) -> impl Fn(Tensor<2>) -> Result<Tensor<1>> + '_ {
    move |x| Ok(function(x))
}
/// A distribution builder, as the estimators take it.
type Builder<'a> = &'a dyn Fn(Tensor<2>, Tensor<2>) -> Result<MultiNormalDiagFromLogScale>;
