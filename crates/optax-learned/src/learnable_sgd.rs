//! `LearnableSGD` (learned_optimization's `learned_optimizers/base.py`): SGD whose learning
//! rate is learned, as `theta = {log_lr}`, `lr = exp(log_lr)`.

use burn::tensor::Device;
use optax_core::{sgd, OptaxError, Result, Tree};

use crate::learned_optimizer::{theta_leaf, LearnedOptimizer};
use crate::optimizer::{OptaxOptimizer, Optimizer};

/// `LearnableSGD(initial_lr=0.01)`: `theta = {"log_lr": ln(initial_lr)}`, and `opt_fn(theta)`
/// is SGD at `exp(log_lr)` (optax-core's `sgd` with the rate as a tensor hyperparameter, so the
/// steps are differentiable with respect to `log_lr`).
///
/// ```
/// use burn::tensor::Device;
/// use optax_learned::{LearnableSgd, LearnedOptimizer, Optimizer};
/// use optax_core::Tree;
///
/// let device = Device::flex();
/// let lopt = LearnableSgd::new(0.1);
/// let theta = lopt.init(0, &device)?;
/// let opt = lopt.opt_fn(&theta)?;
/// let params = Tree::builder().scalar("w", 1.0, &device).build()?;
/// let state = opt.init(params.clone(), None)?;
/// let state = opt.update(&state, params.map(|p| p.mul_scalar(2.0)), None)?; // grad of w²
/// let w = opt.get_params(&state).to_vecs()?[0][0];
/// assert!((w - 0.8).abs() < 1e-6); // 1 - 0.1 * 2
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
#[derive(Clone, Debug)]
pub struct LearnableSgd {
    /// The learning rate `init` starts from.
    pub initial_lr: f64,
}

impl Default for LearnableSgd {
    fn default() -> Self {
        Self { initial_lr: 0.01 }
    }
}

impl LearnableSgd {
    /// `LearnableSGD(initial_lr)`.
    pub fn new(initial_lr: f64) -> Self {
        Self { initial_lr }
    }
}

impl LearnedOptimizer for LearnableSgd {
    fn name(&self) -> String {
        "LearnableSGD".into()
    }

    fn init(&self, _seed: u64, device: &Device) -> Result<Tree> {
        if !(self.initial_lr > 0.0 && self.initial_lr.is_finite()) {
            return Err(OptaxError::invalid(
                "initial_lr",
                format!("must be positive and finite, got {}", self.initial_lr),
            ));
        }
        Tree::builder()
            .scalar("log_lr", self.initial_lr.ln() as f32, device)
            .build()
    }

    fn opt_fn(&self, theta: &Tree) -> Result<Box<dyn Optimizer>> {
        let lr = theta_leaf(theta, "log_lr", "LearnableSGD")?.exp();
        Ok(Box::new(OptaxOptimizer::new(sgd(lr).build())))
    }
}
