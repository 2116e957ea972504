//! `conditionally_transform`: run the inner transformation only at the steps a predicate of
//! the step count selects; elsewhere the updates pass through **unchanged**.
//!
//! ```text
//! (u, s) = f(step) ? inner.update(u, s) : (u, s)
//! step   = step + 1
//! ```

use crate::error::Result;
use crate::setters::setters;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, GradientTransformation, IntoTransformation, Transform};
use crate::tree::Tree;

use super::condition::Condition;

/// Calls the inner update only when `should_transform_fn(step)` holds
/// (`optax.conditionally_transform`). State `ConditionallyTransformState(inner_state, step)`.
#[derive(Clone, Debug)]
pub struct ConditionallyTransform {
    pub(crate) inner: GradientTransformation,
    pub(crate) should_transform_fn: Condition,
    pub(crate) forward_extra_args: bool,
}

/// `optax.conditionally_transform(inner, should_transform_fn, forward_extra_args=False)`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::prelude::*;
/// use optax_core::{sgd, wrappers::{conditionally_transform, Condition}};
///
/// let device = Device::flex();
/// let params = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::ones([2], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()?;
/// // sgd from the third step on; the first two pass the gradients through.
/// let opt = conditionally_transform(sgd(0.1), Condition::after(2));
/// let state = opt.init(&params)?;
/// let (updates, _) = opt.update(params.clone(), &state, Some(&params), &Extra::none())?;
/// assert_eq!(updates.to_vecs()?, params.to_vecs()?);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn conditionally_transform(
    inner: impl IntoTransformation,
    should_transform_fn: impl Into<Condition>,
) -> ConditionallyTransform {
    ConditionallyTransform {
        inner: inner.into_transformation(),
        should_transform_fn: should_transform_fn.into(),
        forward_extra_args: false,
    }
}

impl ConditionallyTransform {
    setters! {
        /// Pass the update's extra arguments to `should_transform_fn`.
        forward_extra_args: bool;
    }
}

const KIND: &str = "ConditionallyTransformState";

impl Transform for ConditionallyTransform {
    fn init(&self, params: &Tree) -> Result<State> {
        Ok(State::record(
            KIND,
            vec![
                ("inner_state", self.inner.init(params)?),
                ("step", State::Int(0)),
            ],
        ))
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        params: Option<&Tree>,
        extra: &Extra,
    ) -> Result<(Tree, State)> {
        state.expect_record(KIND)?;
        let inner_state = state.field("inner_state")?;
        let step = state.field("step")?.as_int()?;
        let none = Extra::none();
        let cond_extra = if self.forward_extra_args {
            extra
        } else {
            &none
        };
        let (out, inner_next) = if self.should_transform_fn.at(step, cond_extra) {
            self.inner.update(updates, inner_state, params, extra)?
        } else {
            (updates, inner_state.clone())
        };
        Ok((
            out,
            State::record(
                KIND,
                vec![
                    ("inner_state", inner_next),
                    ("step", State::Int(safe_increment(step))),
                ],
            ),
        ))
    }

    fn validate(&self) -> Result<()> {
        self.inner.validate()
    }
}
