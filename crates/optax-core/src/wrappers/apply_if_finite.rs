//! `apply_if_finite`: skip updates that contain a NaN or an infinity, up to a number of
//! consecutive ones.
//!
//! ```text
//! finite_t = all leaves of u_t finite
//! c_t      = finite_t ? 0 : c_{t-1} + 1                  (notfinite_count)
//! apply    = finite_t or c_t > max_consecutive_errors
//! (u, s)   = apply ? inner.update(u_t, s) : (0, s)       (the inner state is kept when skipped)
//! total_t  = total_{t-1} + [not finite_t]                 (never reset)
//! ```

use crate::error::Result;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, GradientTransformation, IntoTransformation, Transform};
use crate::tree::{self, Tree};

use super::finite::count_not_finite;

/// Skips non-finite updates (`optax.apply_if_finite`). State
/// `ApplyIfFiniteState(notfinite_count, last_finite, total_notfinite, inner_state)`.
#[derive(Clone, Debug)]
pub struct ApplyIfFinite {
    pub(crate) inner: GradientTransformation,
    pub(crate) max_consecutive_errors: i64,
}

/// `optax.apply_if_finite(inner, max_consecutive_errors)`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::prelude::*;
/// use optax_core::{sgd, wrappers::apply_if_finite};
///
/// let device = Device::flex();
/// let params = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::ones([2], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()?;
/// let opt = apply_if_finite(sgd(0.1), 2);
/// let state = opt.init(&params)?;
/// let bad = params.map(|t| t.mul_scalar(f32::NAN));
/// let (updates, state) = opt.update(bad, &state, Some(&params), &Extra::none())?;
/// assert!(updates.to_vecs()?.iter().flatten().all(|&u| u == 0.0));
/// assert_eq!(state.field("total_notfinite")?.as_int()?, 1);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn apply_if_finite(
    inner: impl IntoTransformation,
    max_consecutive_errors: i64,
) -> ApplyIfFinite {
    ApplyIfFinite {
        inner: inner.into_transformation(),
        max_consecutive_errors,
    }
}

/// The layout of `ApplyIfFiniteState`.
pub(crate) struct ApplyIfFiniteState;

impl ApplyIfFiniteState {
    pub(crate) const KIND: &'static str = "ApplyIfFiniteState";

    fn record(notfinite: i64, last_finite: bool, total: i64, inner: State) -> State {
        State::record(
            Self::KIND,
            vec![
                ("notfinite_count", State::Int(notfinite)),
                ("last_finite", State::Bool(last_finite)),
                ("total_notfinite", State::Int(total)),
                ("inner_state", inner),
            ],
        )
    }
}

impl Transform for ApplyIfFinite {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        Ok(ApplyIfFiniteState::record(
            0,
            true,
            0,
            self.inner.init(params)?,
        ))
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        params: Option<&Tree>,
        extra: &Extra,
    ) -> Result<(Tree, State)> {
        state.expect_record(ApplyIfFiniteState::KIND)?;
        let notfinite = state.field("notfinite_count")?.as_int()?;
        state.field("last_finite")?.as_bool()?;
        let total = state.field("total_notfinite")?.as_int()?;
        let inner_state = state.field("inner_state")?;
        let isfinite = count_not_finite(&updates)? == 0;
        let notfinite = if isfinite {
            0
        } else {
            safe_increment(notfinite)
        };
        let (out, inner_next) = if isfinite || notfinite > self.max_consecutive_errors {
            self.inner.update(updates, inner_state, params, extra)?
        } else {
            (tree::zeros_like(&updates), inner_state.clone())
        };
        let total = if isfinite {
            total
        } else {
            safe_increment(total)
        };
        Ok((
            out,
            ApplyIfFiniteState::record(notfinite, isfinite, total, inner_next),
        ))
    }

    fn validate(&self) -> Result<()> {
        // Optax accepts any integer: a negative one applies every update.
        self.inner.validate()
    }
}
