//! `chain` and `named_chain`: apply transformations one after another.

use crate::error::{OptaxError, Result};
use crate::state::State;
use crate::transform::{Extra, GradientTransformation, Transform};
use crate::tree::Tree;

/// Applies its members in order; the state is the tuple of their states (`optax.chain`).
#[derive(Clone, Debug)]
pub struct Chain {
    members: Vec<GradientTransformation>,
    /// The same chain as one transformation, when it is `clip_by_global_norm(max_norm)`
    /// followed by an optimizer that clips in its own pass (a fused optimizer, see
    /// [`Transform::with_global_norm_clip`]). Same state; it runs every update.
    fused: Option<GradientTransformation>,
}

/// `optax.chain(*transforms)`. See also the [`chain!`](crate::chain!) macro, which takes any
/// transformations or aliases.
///
/// `chain(clip_by_global_norm(max_norm), opt)` with a host `max_norm` and an `opt` that runs
/// in a fused kernel (`adam`, `adamw`, `rmsprop`, `sgd` with momentum) runs the clip in the
/// kernel's call: same results and state, one transformation.
pub fn chain(members: Vec<GradientTransformation>) -> Chain {
    let fused = match members.as_slice() {
        [clip, opt] => clip
            .global_norm_clip()
            .and_then(|max_norm| opt.with_global_norm_clip(max_norm)),
        _ => None,
    };
    Chain { members, fused }
}

/// [`chain`] without the fusion of a clip: the reference of a fused one.
pub(crate) fn chain_unfused(members: Vec<GradientTransformation>) -> Chain {
    Chain {
        members,
        fused: None,
    }
}

/// `optax.chain(a, b, ...)` over any transformations and aliases.
#[macro_export]
macro_rules! chain {
    ($($t:expr),* $(,)?) => {
        $crate::chain(vec![$($crate::IntoTransformation::into_transformation($t)),*])
    };
}

impl Transform for Chain {
    fn init(&self, params: &Tree) -> Result<State> {
        Ok(State::Tuple(
            self.members
                .iter()
                .map(|m| m.init(params))
                .collect::<Result<_>>()?,
        ))
    }

    fn update(
        &self,
        mut updates: Tree,
        state: &State,
        params: Option<&Tree>,
        extra: &Extra,
    ) -> Result<(Tree, State)> {
        if let Some(f) = &self.fused {
            return f.update(updates, state, params, extra);
        }
        let states = state.as_tuple(self.members.len())?;
        let mut next = Vec::with_capacity(states.len());
        for (member, s) in self.members.iter().zip(states) {
            let (u, s) = member.update(updates, s, params, extra)?;
            updates = u;
            next.push(s);
        }
        Ok((updates, State::Tuple(next)))
    }

    fn update_in_place(
        &self,
        updates: Tree,
        state: &mut State,
        params: Option<&Tree>,
        extra: &Extra,
    ) -> Result<Tree> {
        if let Some(f) = &self.fused {
            return f.update_in_place(updates, state, params, extra);
        }
        let (updates, next) = self.update(updates, state, params, extra)?;
        *state = next;
        Ok(updates)
    }

    fn validate(&self) -> Result<()> {
        self.members.iter().try_for_each(|m| m.validate())
    }
}

/// Like [`Chain`], with each member's state kept under a name (`optax.named_chain`).
#[derive(Clone, Debug)]
pub struct NamedChain {
    members: Vec<(String, GradientTransformation)>,
}

/// `optax.named_chain(*(name, transform))`. Names must be unique.
pub fn named_chain(members: Vec<(String, GradientTransformation)>) -> NamedChain {
    NamedChain { members }
}

impl Transform for NamedChain {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        Ok(State::Map(
            self.members
                .iter()
                .map(|(name, m)| Ok((name.clone(), m.init(params)?)))
                .collect::<Result<_>>()?,
        ))
    }

    fn update(
        &self,
        mut updates: Tree,
        state: &State,
        params: Option<&Tree>,
        extra: &Extra,
    ) -> Result<(Tree, State)> {
        let states = state.as_map()?;
        if states.len() != self.members.len() {
            return Err(OptaxError::state(
                "named_chain",
                format!(
                    "{} states for {} transformations",
                    states.len(),
                    self.members.len()
                ),
            ));
        }
        let mut next = Vec::with_capacity(states.len());
        for ((name, member), (key, s)) in self.members.iter().zip(states) {
            if name != key {
                return Err(OptaxError::state(
                    "named_chain",
                    format!("state `{key}` where `{name}` was expected"),
                ));
            }
            let (u, s) = member.update(updates, s, params, extra)?;
            updates = u;
            next.push((name.clone(), s));
        }
        Ok((updates, State::Map(next)))
    }

    fn validate(&self) -> Result<()> {
        for (i, (name, _)) in self.members.iter().enumerate() {
            if self.members[..i].iter().any(|(n, _)| n == name) {
                return Err(OptaxError::invalid(
                    "named_chain",
                    format!("name `{name}` is used twice"),
                ));
            }
        }
        self.members.iter().try_for_each(|(_, m)| m.validate())
    }
}
