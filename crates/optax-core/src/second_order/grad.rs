//! The exact gradient of a loss over a [`Tree`], by Burn's (first-order) autodiff: the
//! building block of every function in this module.

use burn::tensor::Tensor;

use crate::error::{OptaxError, Result};
use crate::tree::Tree;

/// `jax.grad(loss)(params, inputs, targets)`: marks every leaf of `params` as requiring a
/// gradient on its autodiff device, evaluates `loss`, and backpropagates. The result has the
/// structure of `params` and no autodiff association. A loss that does not depend on the
/// parameters at all (no autodiff graph) has the gradient zero, as in JAX.
///
/// Errors: the loss's own, and [`OptaxError::InvalidInput`] (naming `function`) when the loss
/// is not a scalar (a `Tensor<1>` of one element).
pub(super) fn tree_grad<I, T, F>(
    function: &str,
    loss: &mut F,
    params: &Tree,
    inputs: &I,
    targets: &T,
) -> Result<Tree>
where
    F: FnMut(&Tree, &I, &T) -> Result<Tensor<1>>,
{
    let p = params.require_grad();
    let value = loss(&p, inputs, targets)?;
    let [numel] = value.dims();
    if numel != 1 {
        return Err(OptaxError::input(
            function,
            format!("the loss must be a scalar (a Tensor<1> of one element), not {numel} elements"),
        ));
    }
    if !value.is_tracked() {
        return Ok(params.map(|t| {
            let t = t.inner();
            Tensor::zeros(t.dims(), &t.device())
        }));
    }
    let grads = value.backward();
    Ok(p.grad(&grads).inner())
}
