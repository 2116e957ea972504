//! `Task`: what a learned optimizer is trained on (learned_optimization's `tasks/base.py`).

use burn::tensor::{Device, Tensor};
use optax_core::{Result, Tree};

/// A problem to optimize: initial parameters from a seed and a scalar loss.
///
/// learned_optimization's `Task` (`init(key)`, `loss(params, key, data)`, `normalizer`), for
/// tasks without data; tasks with batches come with the image tasks.
pub trait Task {
    /// The task's name (learned_optimization: the class name).
    fn name(&self) -> String;

    /// Initial parameters, drawn from `seed`, on `device`.
    fn init(&self, seed: u64, device: &Device) -> Result<Tree>;

    /// The loss at `params`, a one-element tensor (differentiable where `params` are).
    fn loss(&self, params: &Tree) -> Result<Tensor<1>>;

    /// The gradient of [`Task::loss`] at `params`, written in differentiable tensor ops, if the
    /// task has one: then a meta-loss through an unroll of this task has an exact gradient
    /// (see the crate docs). `None` where the task relies on Burn's autodiff for its gradient.
    fn grad(&self, params: &Tree) -> Option<Result<Tree>> {
        let _ = params;
        None
    }

    /// Maps a loss to the scale meta-training uses (learned_optimization's `normalizer`;
    /// the identity by default).
    fn normalizer(&self, loss: Tensor<1>) -> Tensor<1> {
        loss
    }
}
