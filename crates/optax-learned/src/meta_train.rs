//! The outer loop of learned_optimization's Part 1: each meta-iteration draws fresh initial
//! parameters and a fresh training batch, unrolls a few steps of the learned optimizer on that
//! batch, and steps `theta` on the exact meta-gradient with a meta-optimizer (any optax-core
//! transformation; the notebook's is learned_optimization's `Adam(1e-2)`, optax's `adam` with
//! `eps_root = 1e-8`).
//!
//! ```text
//! for i in 0..iterations:
//!     batch ← next(train);  p₀ ← task.init(seedᵢ)
//!     ℓ, ∇θ ← value_and_grad(meta_loss)(θ, p₀, batch)      (meta_value_and_grad)
//!     θ ← θ + meta_opt.update(∇θ)
//! ```

use burn::tensor::Device;
use optax_core::{apply_updates, Extra, GradientTransformation, OptaxError, Result, State, Tree};

use crate::learned_optimizer::LearnedOptimizer;
use crate::meta_grad::{meta_value_and_grad, MetaLoss};
use crate::task::Task;

/// The settings of [`meta_train`]; the defaults are the notebook's Part 1.
#[derive(Clone, Debug)]
pub struct MetaTrainConfig {
    /// Meta-iterations (2000).
    pub iterations: usize,
    /// Inner steps per unroll (4).
    pub unroll_steps: usize,
    /// The meta-loss of each unroll (the loss after the last step).
    pub meta_loss: MetaLoss,
    /// Seed of `theta`, of the initial parameters and of the batch order (0).
    pub seed: u64,
    /// Where meta-training starts (e.g. a saved `theta`, [`crate::load_theta`]); `None`: the
    /// learned optimizer's `init(seed)`.
    pub initial_theta: Option<Tree>,
}

impl Default for MetaTrainConfig {
    fn default() -> Self {
        Self {
            iterations: 2000,
            unroll_steps: 4,
            meta_loss: MetaLoss::LastStep,
            seed: 0,
            initial_theta: None,
        }
    }
}

/// One meta-iteration, as [`meta_train`] reports it.
#[derive(Clone, Debug)]
pub struct MetaStep {
    /// The iteration, from 0.
    pub iteration: usize,
    /// The meta-loss at `theta` before this iteration's update.
    pub meta_loss: f32,
    /// `theta` before this iteration's update, leaf by leaf (path, values).
    pub theta: Vec<(String, Vec<f32>)>,
    /// Whether the update was skipped because the meta-loss or its gradient was not finite
    /// (`theta` and the meta-optimizer's state are then left as they were).
    pub skipped: bool,
}

/// The result of [`meta_train`].
#[derive(Clone, Debug)]
pub struct MetaTrainOutcome {
    /// The meta-parameters after the last iteration.
    pub theta: Tree,
    /// Every iteration's record.
    pub history: Vec<MetaStep>,
}

/// `theta` leaf by leaf, as recorded in [`MetaStep::theta`].
fn theta_values(theta: &Tree) -> Result<Vec<(String, Vec<f32>)>> {
    Ok(theta
        .paths()
        .iter()
        .cloned()
        .zip(theta.to_vecs()?)
        .collect())
}

/// One step of the meta-optimizer: `theta + meta_opt.update(grad)` and its next state.
fn step_theta(
    meta_opt: &GradientTransformation,
    grad: Tree,
    state: &State,
    theta: &Tree,
) -> Result<(Tree, State)> {
    let (updates, next) = meta_opt.update(grad, state, Some(theta), &Extra::default())?;
    Ok((apply_updates(theta, &updates)?, next))
}

/// A 64-bit mix of `seed` and `i` (splitmix64), for one seed per meta-iteration.
pub(crate) fn derive_seed(seed: u64, i: u64) -> u64 {
    let mut z = seed ^ i.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Meta-trains `lopt` on `task` with `meta_opt`, calling `on_step` after every iteration,
/// on `device` (the unrolls run on its autodiff version).
///
/// A meta-iteration whose meta-loss or meta-gradient is not finite leaves `theta` and the
/// meta-optimizer's state unchanged and is reported as skipped.
///
/// ```
/// use burn::tensor::Device;
/// use optax_core::adam;
/// use optax_learned::{meta_train, LearnableSgd, MetaTrainConfig, QuadraticTask};
///
/// // LearnableSGD on Σp²: the last-step loss is smallest at lr = 0.5, and lr climbs towards it.
/// let config = MetaTrainConfig { iterations: 50, ..Default::default() };
/// let out = meta_train(&QuadraticTask::new(10), &LearnableSgd::new(0.1), &adam(0.02).build(),
///                      &config, &Device::flex(), |_| {})?;
/// let lr = out.history.last().unwrap().theta[0].1[0].exp();
/// assert!(lr > 0.2, "{lr}");
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn meta_train(
    task: &dyn Task,
    lopt: &dyn LearnedOptimizer,
    meta_opt: &GradientTransformation,
    config: &MetaTrainConfig,
    device: &Device,
    mut on_step: impl FnMut(&MetaStep),
) -> Result<MetaTrainOutcome> {
    if config.unroll_steps == 0 {
        return Err(OptaxError::invalid(
            "unroll_steps",
            "an unroll needs at least one step",
        ));
    }
    let mut theta = match &config.initial_theta {
        Some(theta) => theta.to_device(device),
        None => lopt.init(config.seed, device)?,
    };
    let mut state = meta_opt.init(&theta)?;
    let mut datasets = task.datasets(config.seed, device).transpose()?;
    let mut history = Vec::with_capacity(config.iterations);
    for i in 0..config.iterations {
        let batch = datasets.as_mut().and_then(|d| d.train.next());
        let p0 = task.init(derive_seed(config.seed, i as u64), device)?;
        let (loss, grad) = meta_value_and_grad(
            task,
            lopt,
            &theta,
            &p0,
            batch.as_ref(),
            config.unroll_steps,
            config.meta_loss,
        )?;
        let grad_values = grad.to_vecs()?;
        let finite = loss.is_finite() && grad_values.iter().flatten().all(|g| g.is_finite());
        let step = MetaStep {
            iteration: i,
            meta_loss: loss,
            theta: theta_values(&theta)?,
            skipped: !finite,
        };
        if finite {
            (theta, state) = step_theta(meta_opt, grad, &state, &theta)?;
        }
        on_step(&step);
        history.push(step);
    }
    Ok(MetaTrainOutcome { theta, history })
}

/// The loss learned_optimization reports for a non-finite meta-loss
/// (`gradient_worker_compute(clip_nan_loss_to_value=20.0)`).
pub const NAN_LOSS_VALUE: f32 = 20.0;

/// The outer loop over gradient estimators (learned_optimization's
/// `SingleMachineGradientLearner`): each iteration averages the estimates of all
/// `estimators` at `theta`, maps non-finite gradient components to 0 and a non-finite mean
/// loss to [`NAN_LOSS_VALUE`] (as the reference does), and steps `theta` with `meta_opt`.
/// `on_step` sees each iteration's mean loss and `theta` before its update.
pub fn meta_train_with_estimators(
    estimators: &mut [&mut dyn crate::estimators::GradientEstimator],
    theta: Tree,
    meta_opt: &GradientTransformation,
    iterations: usize,
    mut on_step: impl FnMut(&MetaStep),
) -> Result<MetaTrainOutcome> {
    if estimators.is_empty() {
        return Err(OptaxError::invalid("estimators", "need at least one"));
    }
    let mut theta = theta;
    let mut state = meta_opt.init(&theta)?;
    let mut history = Vec::with_capacity(iterations);
    let k = estimators.len() as f64;
    for i in 0..iterations {
        let mut grad: Option<Tree> = None;
        let mut loss = 0.0f64;
        for e in estimators.iter_mut() {
            let out = e.estimate(&theta)?;
            loss += out.mean_loss as f64 / k;
            let g = out.grad.map(|t| {
                let t = t.div_scalar(k);
                let bad = t.clone().is_nan().bool_or(t.clone().is_inf());
                t.mask_fill(bad, 0.0)
            });
            grad = Some(match grad {
                None => g,
                Some(acc) => acc.zip_map(&g, |a, b| a + b)?,
            });
        }
        let loss = loss as f32;
        let step = MetaStep {
            iteration: i,
            meta_loss: if loss.is_finite() {
                loss
            } else {
                NAN_LOSS_VALUE
            },
            theta: theta_values(&theta)?,
            skipped: false,
        };
        let grad = grad.expect("at least one estimator");
        (theta, state) = step_theta(meta_opt, grad, &state, &theta)?;
        on_step(&step);
        history.push(step);
    }
    Ok(MetaTrainOutcome { theta, history })
}
