//! `TaskFamily` (learned_optimization's `tasks/base.py`): a distribution over tasks, sampled as
//! a configuration (`sample`) turned into a task (`task_fn`), so that a learned optimizer is
//! meta-trained on many problems rather than one.

use std::sync::Arc;

use burn::tensor::Device;
use optax_core::{Result, Tree};

use crate::task::Task;

/// A family of tasks: `sample(seed)` draws a configuration, `task_fn(cfg)` builds its task.
pub trait TaskFamily: Send + Sync {
    /// The family's name.
    fn name(&self) -> String;

    /// A configuration drawn from `seed` (learned_optimization's `cfg`, a tree of numbers).
    fn sample(&self, seed: u64, device: &Device) -> Result<Tree>;

    /// The task of configuration `cfg`.
    fn task_fn(&self, cfg: &Tree) -> Result<Arc<dyn Task>>;

    /// `task_fn(sample(seed))`.
    fn sample_task(&self, seed: u64, device: &Device) -> Result<Arc<dyn Task>> {
        self.task_fn(&self.sample(seed, device)?)
    }
}

/// learned_optimization's `single_task_to_family`: every sample is `task` (the configuration is
/// an empty tree).
pub struct SingleTaskFamily(pub Arc<dyn Task>);

impl TaskFamily for SingleTaskFamily {
    fn name(&self) -> String {
        self.0.name()
    }

    fn sample(&self, _seed: u64, _device: &Device) -> Result<Tree> {
        Tree::builder().build()
    }

    fn task_fn(&self, _cfg: &Tree) -> Result<Arc<dyn Task>> {
        Ok(self.0.clone())
    }
}

/// `single_task_to_family(task)`.
pub fn single_task_to_family(task: Arc<dyn Task>) -> Arc<dyn TaskFamily> {
    Arc::new(SingleTaskFamily(task))
}
