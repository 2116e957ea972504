//! `conditionally_mask`: run the inner transformation only at the steps a predicate of
//! the step count selects; elsewhere the updates are set to **zero** (the inner state is kept).
//!
//! ```text
//! (u, s) = f(step) ? inner.update(u, s) : (0, s)
//! step   = step + 1
//! ```

use crate::error::Result;
use crate::setters::setters;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, GradientTransformation, IntoTransformation, Transform};
use crate::tree::{self, Tree};

use super::condition::Condition;

/// Calls the inner update only when `should_transform_fn(step)` holds
/// (`optax.conditionally_mask`). State `ConditionallyMaskState(step, inner_state)`.
#[derive(Clone, Debug)]
pub struct ConditionallyMask {
    pub(crate) inner: GradientTransformation,
    pub(crate) should_transform_fn: Condition,
    pub(crate) forward_extra_args: bool,
}

/// `optax.conditionally_mask(inner, should_transform_fn, forward_extra_args=False)`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::prelude::*;
/// use optax_core::{sgd, wrappers::{conditionally_mask, Condition}};
///
/// let device = Device::flex();
/// let params = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::ones([2], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()?;
/// // sgd from the third step on; the first two give zeros.
/// let opt = conditionally_mask(sgd(0.1), Condition::after(2));
/// let state = opt.init(&params)?;
/// let (updates, _) = opt.update(params.clone(), &state, Some(&params), &Extra::none())?;
/// assert!(updates.to_vecs()?.iter().flatten().all(|&u| u == 0.0));
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn conditionally_mask(
    inner: impl IntoTransformation,
    should_transform_fn: impl Into<Condition>,
) -> ConditionallyMask {
    ConditionallyMask {
        inner: inner.into_transformation(),
        should_transform_fn: should_transform_fn.into(),
        forward_extra_args: false,
    }
}

impl ConditionallyMask {
    setters! {
        /// Pass the update's extra arguments to `should_transform_fn`.
        forward_extra_args: bool;
    }
}

const KIND: &str = "ConditionallyMaskState";

impl Transform for ConditionallyMask {
    fn init(&self, params: &Tree) -> Result<State> {
        Ok(State::record(
            KIND,
            vec![
                ("step", State::Int(0)),
                ("inner_state", self.inner.init(params)?),
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
            (tree::zeros_like(&updates), inner_state.clone())
        };
        Ok((
            out,
            State::record(
                KIND,
                vec![
                    ("step", State::Int(safe_increment(step))),
                    ("inner_state", inner_next),
                ],
            ),
        ))
    }

    fn validate(&self) -> Result<()> {
        self.inner.validate()
    }
}
