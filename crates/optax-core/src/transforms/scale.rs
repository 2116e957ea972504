//! `scale`: multiply updates by a constant.

use crate::error::Result;
use crate::hyper::Hyper;
use crate::state::State;
use crate::transform::{Extra, Transform};
use crate::tree::Tree;

/// `u ← step_size · u` (`optax.scale`).
#[derive(Clone, Debug)]
pub struct Scale {
    step_size: Hyper,
}

/// `optax.scale(step_size)`.
pub fn scale(step_size: impl Into<Hyper>) -> Scale {
    Scale {
        step_size: step_size.into(),
    }
}

impl Transform for Scale {
    fn init(&self, _params: &Tree) -> Result<State> {
        self.validate()?;
        Ok(State::Empty)
    }

    fn update(
        &self,
        updates: Tree,
        _state: &State,
        _params: Option<&Tree>,
        _extra: &Extra,
    ) -> Result<(Tree, State)> {
        let s = self.step_size.scalar("step_size")?;
        Ok((updates.into_map(|u| s.mul_tensor(u)), State::Empty))
    }

    fn validate(&self) -> Result<()> {
        self.step_size.scalar("step_size").map(|_| ())
    }
}
