//! Meta-gradient estimators (learned_optimization's `outer_trainers/`): each gives an estimate
//! of the gradient of a meta-objective with respect to `theta`, and the meta-loss.
//!
//! - [`FullEs`]: antithetic evolution strategies over whole inner runs.
//! - [`TruncatedPes`]: persistent evolution strategies over truncated windows of long runs
//!   (Vicol, Metz, Sohl-Dickstein, ICML 2021): unbiased for the whole run's summed loss.
//!
//! Both need only the inner gradient of the task (first order), from [`Task::grad`] where the
//! task gives one, else from Burn's autodiff. Perturbed runs share their data and initial
//! parameters with their antithetic partner.

mod full_es;
mod truncated_pes;
mod truncation;

pub use full_es::FullEs;
pub use truncated_pes::TruncatedPes;
pub use truncation::TruncationSchedule;

use burn::tensor::{Tensor, TensorData};
use optax_core::{OptaxError, Result, Tree};
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};

use crate::data::batches::Batch;
use crate::task::Task;

/// An estimate of the meta-gradient.
#[derive(Clone, Debug)]
pub struct EstimatorOut {
    /// The meta-loss (for ES / PES: the mean of the positive and negative runs' losses).
    pub mean_loss: f32,
    /// The estimated gradient with respect to `theta`, shaped like `theta`.
    pub grad: Tree,
}

/// A meta-gradient estimator (learned_optimization's `GradientEstimator`).
pub trait GradientEstimator {
    /// The estimator's name.
    fn name(&self) -> String;

    /// An estimate at `theta` (advancing the estimator's own inner runs, for truncated ones).
    fn estimate(&mut self, theta: &Tree) -> Result<EstimatorOut>;
}

/// The task's loss and gradient at `params`: its tensor-op gradient ([`Task::grad`]) if it
/// has one, else one backward pass of Burn's autodiff. The results are on `params`' device,
/// without a graph.
pub fn inner_value_and_grad(
    task: &dyn Task,
    params: &Tree,
    batch: Option<&Batch>,
) -> Result<(Tensor<1>, Tree)> {
    if let Some(vg) = task.value_and_grad(params, batch) {
        return vg;
    }
    let p = params.require_grad();
    let batch = batch.map(Batch::autodiff);
    let loss = task.loss(&p, batch.as_ref())?;
    let grads = loss.backward();
    Ok((loss.inner(), p.grad(&grads).inner()))
}

/// ε ~ N(0, std²) per element, shaped like `theta`.
pub(crate) fn perturbation(theta: &Tree, std: f64, rng: &mut StdRng) -> Result<Tree> {
    let device = theta_device(theta)?;
    let leaves = theta
        .leaves()
        .iter()
        .map(|t| {
            let n = t.dims()[0];
            let v: Vec<f32> = (0..n)
                .map(|_| {
                    let z: f64 = StandardNormal.sample(rng);
                    (std * z) as f32
                })
                .collect();
            Tensor::from_data(TensorData::new(v, [n]), &device)
        })
        .collect();
    Tree::from_flat(theta.def().clone(), leaves)
}

/// Checks what every ES estimator is built from: the noise scale, the schedule, the task
/// count.
pub(crate) fn check_settings(
    std: f64,
    schedule: &TruncationSchedule,
    num_tasks: usize,
) -> Result<()> {
    if !(std > 0.0 && std.is_finite()) {
        return Err(OptaxError::invalid(
            "std",
            format!("must be positive and finite, got {std}"),
        ));
    }
    schedule.validate()?;
    if num_tasks == 0 {
        return Err(OptaxError::invalid("num_tasks", "must be at least 1"));
    }
    Ok(())
}

/// The device `theta` lives on (its leaves'), where the inner runs go.
pub(crate) fn theta_device(theta: &Tree) -> Result<burn::tensor::Device> {
    theta
        .device()
        .ok_or_else(|| OptaxError::invalid("theta", "has no leaves"))
}

/// learned_optimization's `jnp.nan_to_num` on a loss difference: NaN → 0, ±inf → ±f32::MAX.
pub(crate) fn nan_to_num(x: f32) -> f32 {
    if x.is_nan() {
        0.0
    } else {
        x.clamp(f32::MIN, f32::MAX)
    }
}
