//! `identity` and `set_to_zero`.

use crate::error::Result;
use crate::state::State;
use crate::transform::{Extra, Transform};
use crate::tree::Tree;

/// Passes updates through unchanged (`optax.identity`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Identity;

/// `optax.identity()`.
pub fn identity() -> Identity {
    Identity
}

impl Transform for Identity {
    fn init(&self, _params: &Tree) -> Result<State> {
        Ok(State::Empty)
    }

    fn update(
        &self,
        updates: Tree,
        _state: &State,
        _params: Option<&Tree>,
        _extra: &Extra,
    ) -> Result<(Tree, State)> {
        Ok((updates, State::Empty))
    }
}

/// Replaces updates by zeros, which freezes the parameters it is applied to
/// (`optax.set_to_zero`).
#[derive(Clone, Copy, Debug, Default)]
pub struct SetToZero;

/// `optax.set_to_zero()`.
pub fn set_to_zero() -> SetToZero {
    SetToZero
}

impl Transform for SetToZero {
    fn init(&self, _params: &Tree) -> Result<State> {
        Ok(State::Empty)
    }

    fn update(
        &self,
        updates: Tree,
        _state: &State,
        _params: Option<&Tree>,
        _extra: &Extra,
    ) -> Result<(Tree, State)> {
        Ok((updates.into_map(|t| t.zeros_like()), State::Empty))
    }
}
