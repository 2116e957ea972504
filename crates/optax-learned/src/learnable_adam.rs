//! `LearnableAdam` (learned_optimization's `learned_optimizers/base.py`): Adam whose four
//! hyperparameters are learned.
//!
//! `theta = {log_lr, one_minus_beta1, one_minus_beta2, log_epsilon}`, and `opt_fn(theta)` is
//! learned_optimization's `Adam(exp(log_lr), 1 − exp(one_minus_beta1), 1 − exp(one_minus_beta2),
//! exp(log_epsilon))`, i.e. optax's `adam` with `eps_root = 1e-8` (which keeps `d√v/dv` finite
//! when differentiating through the step):
//!
//! ```text
//! m ← β1·m + (1 − β1)·g        v ← β2·v + (1 − β2)·g²        t ← t + 1
//! p ← p − lr · (m / (1 − β1ᵗ)) / (√(v / (1 − β2ᵗ) + 1e-8) + ε)
//! ```
//!
//! The "one_minus" leaves hold `log(1 − β)`, not `1 − β`.

use burn::tensor::Device;
use optax_core::{adam, OptaxError, Result, Tree};

use crate::learned_optimizer::{theta_leaf, LearnedOptimizer};
use crate::optimizer::{OptaxOptimizer, Optimizer};

/// learned_optimization's Adam keeps `eps_root = 1e-8` inside the square root.
const EPS_ROOT: f64 = 1e-8;

/// `LearnableAdam(initial_lr=1e-3, initial_beta1=0.9, initial_beta2=0.999,
/// initial_epsilon=1e-8)`.
///
/// ```
/// use burn::tensor::Device;
/// use optax_learned::{LearnableAdam, LearnedOptimizer};
///
/// let theta = LearnableAdam::default().init(0, &Device::flex())?;
/// assert_eq!(theta.paths(), ["log_lr", "one_minus_beta1", "one_minus_beta2", "log_epsilon"]);
/// let log_lr = theta.to_vecs()?[0][0];
/// assert!((log_lr - 1e-3f32.ln()).abs() < 1e-6);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
#[derive(Clone, Debug)]
pub struct LearnableAdam {
    /// The learning rate `init` starts from.
    pub initial_lr: f64,
    /// The first-moment decay `init` starts from.
    pub initial_beta1: f64,
    /// The second-moment decay `init` starts from.
    pub initial_beta2: f64,
    /// The epsilon `init` starts from.
    pub initial_epsilon: f64,
}

impl Default for LearnableAdam {
    fn default() -> Self {
        Self {
            initial_lr: 1e-3,
            initial_beta1: 0.9,
            initial_beta2: 0.999,
            initial_epsilon: 1e-8,
        }
    }
}

impl LearnedOptimizer for LearnableAdam {
    fn name(&self) -> String {
        "LearnableAdam".into()
    }

    fn init(&self, _seed: u64, device: &Device) -> Result<Tree> {
        let positive = |name: &str, v: f64| {
            if v > 0.0 && v.is_finite() {
                Ok(())
            } else {
                Err(OptaxError::invalid(
                    name,
                    format!("must be positive and finite, got {v}"),
                ))
            }
        };
        positive("initial_lr", self.initial_lr)?;
        positive("initial_epsilon", self.initial_epsilon)?;
        for (name, b) in [
            ("initial_beta1", self.initial_beta1),
            ("initial_beta2", self.initial_beta2),
        ] {
            if !(0.0..1.0).contains(&b) {
                return Err(OptaxError::invalid(
                    name,
                    format!("must be in [0, 1), got {b}"),
                ));
            }
        }
        Tree::builder()
            .scalar("log_lr", self.initial_lr.ln() as f32, device)
            .scalar(
                "one_minus_beta1",
                (1.0 - self.initial_beta1).ln() as f32,
                device,
            )
            .scalar(
                "one_minus_beta2",
                (1.0 - self.initial_beta2).ln() as f32,
                device,
            )
            .scalar("log_epsilon", self.initial_epsilon.ln() as f32, device)
            .build()
    }

    fn opt_fn(&self, theta: &Tree) -> Result<Box<dyn Optimizer>> {
        let leaf = |name: &str| theta_leaf(theta, name, "LearnableAdam");
        let lr = leaf("log_lr")?.exp();
        let b1 = leaf("one_minus_beta1")?.exp().neg().add_scalar(1.0);
        let b2 = leaf("one_minus_beta2")?.exp().neg().add_scalar(1.0);
        let eps = leaf("log_epsilon")?.exp();
        let opt = adam(lr).b1(b1).b2(b2).eps(eps).eps_root(EPS_ROOT).build();
        Ok(Box::new(OptaxOptimizer::new(opt)))
    }
}
