//! `LearnableSGDM` (learned_optimization's `learned_optimizers/base.py`): SGD with momentum
//! whose learning rate and momentum are learned, as `theta = {log_lr, one_minus_momentum}`:
//!
//! ```text
//! lr = exp(log_lr)    μ = 1 − exp(one_minus_momentum)
//! b ← g + μ·b         p ← p − lr·b                  (optax.sgd(lr, momentum=μ))
//! ```

use burn::tensor::Device;
use optax_core::{sgd, OptaxError, Result, Tree};

use crate::learned_optimizer::{theta_leaf, LearnedOptimizer};
use crate::optimizer::{OptaxOptimizer, Optimizer};

/// `LearnableSGDM(initial_lr=0.01, initial_momentum=0.9)`.
///
/// ```
/// use burn::tensor::Device;
/// use optax_learned::{LearnableSgdm, LearnedOptimizer, Optimizer};
/// use optax_core::Tree;
///
/// let device = Device::flex();
/// let lopt = LearnableSgdm::default();
/// let theta = lopt.init(0, &device)?;
/// assert_eq!(theta.paths(), ["log_lr", "one_minus_momentum"]);
/// let opt = lopt.opt_fn(&theta)?;
/// let params = Tree::builder().scalar("w", 1.0, &device).build()?;
/// let mut state = opt.init(params, None)?;
/// for _ in 0..2 {
///     let grad = opt.get_params(&state).map(|p| p.mul_scalar(2.0)); // grad of w²
///     state = opt.update(&state, grad, None)?;
/// }
/// // b₁ = 2, w₁ = 0.98; b₂ = 1.96 + 0.9·2 = 3.76, w₂ = 0.98 − 0.0376.
/// let w = opt.get_params(&state).to_vecs()?[0][0];
/// assert!((w - 0.9424).abs() < 1e-6, "{w}");
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
#[derive(Clone, Debug)]
pub struct LearnableSgdm {
    /// The learning rate `init` starts from.
    pub initial_lr: f64,
    /// The momentum `init` starts from.
    pub initial_momentum: f64,
}

impl Default for LearnableSgdm {
    fn default() -> Self {
        Self {
            initial_lr: 0.01,
            initial_momentum: 0.9,
        }
    }
}

impl LearnableSgdm {
    /// `LearnableSGDM(initial_lr, initial_momentum)`.
    pub fn new(initial_lr: f64, initial_momentum: f64) -> Self {
        Self {
            initial_lr,
            initial_momentum,
        }
    }
}

impl LearnedOptimizer for LearnableSgdm {
    fn name(&self) -> String {
        "LearnableSGDM".into()
    }

    fn init(&self, _seed: u64, device: &Device) -> Result<Tree> {
        if !(self.initial_lr > 0.0 && self.initial_lr.is_finite()) {
            return Err(OptaxError::invalid(
                "initial_lr",
                format!("must be positive and finite, got {}", self.initial_lr),
            ));
        }
        if !(0.0..1.0).contains(&self.initial_momentum) {
            return Err(OptaxError::invalid(
                "initial_momentum",
                format!("must be in [0, 1), got {}", self.initial_momentum),
            ));
        }
        Tree::builder()
            .scalar("log_lr", self.initial_lr.ln() as f32, device)
            .scalar(
                "one_minus_momentum",
                (1.0 - self.initial_momentum).ln() as f32,
                device,
            )
            .build()
    }

    fn opt_fn(&self, theta: &Tree) -> Result<Box<dyn Optimizer>> {
        let lr = theta_leaf(theta, "log_lr", "LearnableSGDM")?.exp();
        let momentum = theta_leaf(theta, "one_minus_momentum", "LearnableSGDM")?
            .exp()
            .neg()
            .add_scalar(1.0);
        Ok(Box::new(OptaxOptimizer::new(
            sgd(lr).momentum(momentum).build(),
        )))
    }
}
