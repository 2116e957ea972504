//! `masked`: apply a transformation to some leaves only.

use crate::combine::Mask;
use crate::error::Result;
use crate::state::State;
use crate::transform::{Extra, GradientTransformation, IntoTransformation, Transform};
use crate::tree::Tree;

/// Applies `inner` to the leaves where the mask is true; the other leaves pass through
/// unchanged. The inner transformation sees, and keeps state for, the selected leaves only
/// (`optax.masked`).
#[derive(Clone, Debug)]
pub struct Masked {
    inner: GradientTransformation,
    mask: Mask,
}

/// `optax.masked(inner, mask)`.
pub fn masked(inner: impl IntoTransformation, mask: impl Into<Mask>) -> Masked {
    Masked {
        inner: inner.into_transformation(),
        mask: mask.into(),
    }
}

/// The layout of `MaskedState(inner_state)`: named here only (the fused adapter of `adamw`'s
/// masked weight decay reads the same constants).
pub(crate) struct MaskedState;

impl MaskedState {
    pub(crate) const KIND: &'static str = "MaskedState";
    pub(crate) const INNER_STATE: &'static str = "inner_state";

    /// The record around the inner transformation's state.
    pub(crate) fn record(inner_state: State) -> State {
        State::record(Self::KIND, vec![(Self::INNER_STATE, inner_state)])
    }

    /// The inner transformation's state. (Read by field, as before: the record's name is
    /// not checked here.)
    pub(crate) fn inner(state: &State) -> Result<&State> {
        state.field(Self::INNER_STATE)
    }
}

impl Transform for Masked {
    fn init(&self, params: &Tree) -> Result<State> {
        let idx = self.mask.indices(params.def())?;
        let inner = self.inner.init(&params.subset(&idx))?;
        Ok(MaskedState::record(inner))
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        params: Option<&Tree>,
        extra: &Extra,
    ) -> Result<(Tree, State)> {
        let inner_state = MaskedState::inner(state)?;
        let idx = self.mask.indices(updates.def())?;
        if let Some(p) = params {
            updates.check_same_structure(p)?;
        }
        let sub_params = params.map(|p| p.subset(&idx));
        let sub_updates = updates.subset(&idx);
        let sub_def = sub_updates.def().clone();
        let (sub, inner_state) =
            self.inner
                .update(sub_updates, inner_state, sub_params.as_ref(), extra)?;
        // A (user-written) inner transformation must keep the structure of what it got.
        sub_def.check_matches(sub.def())?;
        Ok((
            updates.replace_subset(&idx, sub),
            MaskedState::record(inner_state),
        ))
    }

    fn validate(&self) -> Result<()> {
        self.inner.validate()
    }
}
