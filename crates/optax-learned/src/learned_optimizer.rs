//! `LearnedOptimizer` (learned_optimization's `learned_optimizers/base.py`).

use burn::tensor::{Device, Tensor};
use optax_core::{OptaxError, Result, Tree};

use crate::optimizer::Optimizer;

/// An optimizer with meta-parameters `theta`: `init` draws them, `opt_fn` gives the
/// [`Optimizer`] they define. Where `theta` is tracked by autodiff, so are the steps of that
/// optimizer, which is what meta-gradients differentiate.
pub trait LearnedOptimizer: Send + Sync {
    /// The learned optimizer's name.
    fn name(&self) -> String;

    /// The initial meta-parameters (learned_optimization: `init(key)`), on `device`.
    fn init(&self, seed: u64, device: &Device) -> Result<Tree>;

    /// The optimizer that `theta` defines (learned_optimization: `opt_fn(theta)`). A `theta`
    /// without the leaves this learned optimizer reads is an error naming the missing leaf.
    fn opt_fn(&self, theta: &Tree) -> Result<Box<dyn Optimizer>>;
}

/// The one-element leaf `path` of `theta`, as a `[1]` tensor (autodiff-tracked if `theta` is).
pub(crate) fn theta_leaf(theta: &Tree, path: &str, what: &str) -> Result<Tensor<1>> {
    let i = theta
        .paths()
        .iter()
        .position(|p| p == path)
        .ok_or_else(|| {
            OptaxError::state(
                path,
                format!(
                    "{what} reads meta-parameter `{path}`; theta has {:?}",
                    theta.paths()
                ),
            )
        })?;
    let leaf = theta.leaves()[i].clone();
    let [n] = leaf.dims();
    if n != 1 {
        return Err(OptaxError::state(
            path,
            format!("{what} expects one value, found {n}"),
        ));
    }
    Ok(leaf)
}
