//! `value_and_grad_from_state`: the objective's value and gradient, reused from the state of
//! a line search that stored them at the accepted parameters, computed otherwise.

use crate::error::{OptaxError, Result};
use crate::lbfgs::{value_and_grad_of, ValueFn};
use crate::state::State;
use crate::tree::Tree;

const NAME: &str = "value_and_grad_from_state";

/// `optax.value_and_grad_from_state(value_fn)`: a function of `(params, state)` that returns
/// the `value` and `grad` stored in the optimizer's state (found by name anywhere in it, as
/// `optax.tree.get`), or, where the stored value is infinite or NaN (the first step), computes
/// them with `value_fn` and autodiff (`jax.value_and_grad(value_fn)(params)`).
///
/// Errors: [`OptaxError::InvalidInput`] where the state has no single `value` field and `grad`
/// tree (e.g. a backtracking line search without `store_grad`), and `value_fn`'s own.
///
/// ```
/// # use std::sync::Arc;
/// # use burn::tensor::{Device, Tensor};
/// # use optax_core::prelude::*;
/// # use optax_core::lbfgs::{value_and_grad_from_state, ValueFn};
/// let device = Device::flex();
/// let params = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::from_floats([1.0, -2.0], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()?;
/// let f: ValueFn = Arc::new(|p: &Tree| Ok(optax_core::tree::norm(p, optax_core::tree::NormOrd::L2, true)));
/// let opt = optax_core::lbfgs();
/// let mut state = opt.init(&params)?;
/// let value_and_grad = value_and_grad_from_state(f.clone());
/// let mut p = params.clone();
/// for _ in 0..2 {
///     let (value, grad) = value_and_grad(&p, &state)?;
///     let extra = Extra::value(value).with_tree("grad", grad.clone()).with_fn("value_fn", f.clone());
///     let u = opt.update_in_place(grad, &mut state, Some(&p), &extra)?;
///     p = apply_updates(&p, &u)?;
/// }
/// assert!(f(&p)?.into_scalar::<f32>() < 1e-6);
/// # Ok::<(), OptaxError>(())
/// ```
pub fn value_and_grad_from_state(
    value_fn: ValueFn,
) -> impl Fn(&Tree, &State) -> Result<(f32, Tree)> + Send + Sync {
    move |params: &Tree, state: &State| {
        let not_found = |e: OptaxError| {
            OptaxError::input(
                NAME,
                format!(
                    "Value or gradient not found in the state ({e}). Make sure that these values \
                     are stored in the state by the optimizer."
                ),
            )
        };
        let value = state.get("value").map_err(not_found)?;
        let grad = state.get("grad").map_err(not_found)?;
        let (value, grad) = match (value, grad) {
            (State::Float(v), State::Tree(g)) => (*v as f32, g),
            _ => {
                return Err(not_found(OptaxError::state(
                    "value/grad",
                    "expected a float `value` and a tree `grad`",
                )))
            }
        };
        if value.is_finite() {
            grad.check_same_structure(params)?;
            Ok((value, grad.clone()))
        } else {
            value_and_grad_of(NAME, &value_fn, params)
        }
    }
}
