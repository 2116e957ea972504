//! L-BFGS and the line searches (`optax.scale_by_lbfgs`, `optax.scale_by_backtracking_linesearch`,
//! `optax.scale_by_zoom_linesearch`, `optax.value_and_grad_from_state`); the optimizer
//! `optax.lbfgs` is in [`crate::alias`].
//!
//! The line searches read three extra arguments of the update (Optax's `**extra_args`): the
//! objective's `value` at the current parameters (a scalar, [`Extra::with`]), its gradient
//! `grad` there (a tree, [`Extra::with_tree`]) and the objective itself, `value_fn`, a
//! [`ValueFn`] given with [`Extra::with_fn`]. The searches run on the host: each trial step
//! size evaluates `value_fn` on the device and reads the value (and the slope) back, as Optax's
//! `jax.lax.while_loop` does on its device.

mod backtracking;
mod scale_by_lbfgs;
mod value_and_grad;
mod zoom;

use std::sync::Arc;

use burn::tensor::Tensor;

pub use backtracking::*;
pub use scale_by_lbfgs::*;
pub use value_and_grad::*;
pub use zoom::*;

use crate::error::{OptaxError, Result};
use crate::transform::Extra;
use crate::tree::{self, Tree};

/// The objective a line search evaluates (Optax's `value_fn`), passed as the extra argument
/// `value_fn` with [`Extra::with_fn`]: the value at the parameters, as a one-element tensor
/// (`Tensor<1>` of shape `[1]`) on the parameters' device.
///
/// It must be written in Burn tensor operations on the tree's leaves: where a gradient is
/// needed (the zoom line search, `store_grad`, [`value_and_grad_from_state`]) it is called on a
/// tree whose leaves require a gradient, and its result is backpropagated.
pub type ValueFn = Arc<dyn Fn(&Tree) -> Result<Tensor<1>> + Send + Sync>;

/// The value of `f` at `params`, read back as `f32`.
pub(crate) fn value_of(function: &str, f: &ValueFn, params: &Tree) -> Result<f32> {
    let v = f(params)?;
    scalar_of(function, v.inner())
}

fn scalar_of(function: &str, v: Tensor<1>) -> Result<f32> {
    let [numel] = v.dims();
    if numel != 1 {
        return Err(OptaxError::input(
            function,
            format!(
                "value_fn must return a scalar (a Tensor<1> of one element), not {numel} elements"
            ),
        ));
    }
    Ok(v.into_scalar::<f32>())
}

/// `jax.value_and_grad(f)(params)`: the value read back as `f32`, and the gradient (zeros
/// where the value does not depend on a leaf), detached from autodiff.
pub(crate) fn value_and_grad_of(function: &str, f: &ValueFn, params: &Tree) -> Result<(f32, Tree)> {
    let p = params.require_grad();
    let v = f(&p)?;
    let value = scalar_of(function, v.clone().inner())?;
    if !v.is_tracked() {
        return Ok((value, tree::zeros_like(&params.inner())));
    }
    let grads = v.backward();
    Ok((value, p.grad(&grads).inner()))
}

/// The extra arguments every line search reads: `value` (f32), `grad` (checked against the
/// updates) and `value_fn`.
pub(crate) struct LinesearchArgs<'a> {
    pub value: f32,
    pub grad: &'a Tree,
    pub value_fn: &'a ValueFn,
}

impl<'a> LinesearchArgs<'a> {
    pub(crate) fn read(transform: &str, extra: &'a Extra, updates: &Tree) -> Result<Self> {
        let missing = |arg: &str| OptaxError::ExtraArgRequired {
            transform: transform.to_string(),
            arg: arg.to_string(),
        };
        let value = extra.get("value").ok_or_else(|| missing("value"))?.to_f64() as f32;
        let grad = extra.get_tree("grad").ok_or_else(|| missing("grad"))?;
        grad.check_same_structure(updates)?;
        let value_fn = extra.get_fn::<ValueFn>("value_fn").ok_or_else(|| {
            OptaxError::input(
                transform,
                "the extra argument `value_fn` is missing or not an optax_core::lbfgs::ValueFn \
                 (Arc<dyn Fn(&Tree) -> Result<Tensor<1>> + Send + Sync>)",
            )
        })?;
        Ok(Self {
            value,
            grad,
            value_fn,
        })
    }
}

/// `optax.tree.vdot(x, y)` read back as `f32`.
pub(crate) fn vdot_f32(x: &Tree, y: &Tree) -> Result<f32> {
    Ok(tree::vdot(x, y)?.into_scalar::<f32>())
}

/// A host float of a state field, as `f32`.
pub(crate) fn f32_field(state: &crate::State, name: &str) -> Result<f32> {
    Ok(state.field(name)?.as_float()? as f32)
}
