//! `Task`: what a learned optimizer is trained on (learned_optimization's `tasks/base.py`).

use burn::tensor::{Device, Tensor};
use optax_core::{Result, Tree};

use crate::data::batches::{Batch, Datasets};

/// A problem to optimize: initial parameters from a seed, a scalar loss on a batch of data
/// (or none, for tasks without data), and the task's data streams.
///
/// learned_optimization's `Task`: `init(key)`, `loss(params, key, data)`, `normalizer`,
/// `datasets`. `Send + Sync`, so that tasks can be shared between the estimators that train on
/// them (`Arc<dyn Task>`).
pub trait Task: Send + Sync {
    /// The task's name (learned_optimization: the class name).
    fn name(&self) -> String;

    /// Initial parameters, drawn from `seed`, on `device`.
    fn init(&self, seed: u64, device: &Device) -> Result<Tree>;

    /// The loss at `params` on `batch` (`None` for tasks without data), a one-element tensor,
    /// differentiable where `params` are. A task with data given no batch is an error.
    fn loss(&self, params: &Tree, batch: Option<&Batch>) -> Result<Tensor<1>>;

    /// The gradient of [`Task::loss`] at `params`, written in differentiable tensor ops, if the
    /// task has one: then a meta-loss through an unroll of this task has an exact gradient
    /// (see the crate docs). `None` where the task relies on Burn's autodiff for its gradient.
    fn grad(&self, params: &Tree, batch: Option<&Batch>) -> Option<Result<Tree>> {
        let _ = (params, batch);
        None
    }

    /// [`Task::loss`] and [`Task::grad`] together (one forward pass where the task shares it),
    /// `None` where the task has no gradient in tensor ops.
    fn value_and_grad(
        &self,
        params: &Tree,
        batch: Option<&Batch>,
    ) -> Option<Result<(Tensor<1>, Tree)>> {
        let grad = self.grad(params, batch)?;
        Some(grad.and_then(|g| Ok((self.loss(params, batch)?, g))))
    }

    /// Maps a loss to the scale meta-training uses (learned_optimization's `normalizer`;
    /// the identity by default).
    fn normalizer(&self, loss: Tensor<1>) -> Tensor<1> {
        loss
    }

    /// The task's batch streams, shuffled from `seed`, on `device`; `None` for a task without
    /// data.
    fn datasets(&self, seed: u64, device: &Device) -> Option<Result<Datasets>> {
        let _ = (seed, device);
        None
    }
}
