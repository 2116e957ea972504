//! `chain` and `named_chain`: apply transformations one after another.

use crate::error::{OptaxError, Result};
use crate::fusion::fuse_clip_chain;
use crate::state::State;
use crate::transform::{Extra, GradientTransformation, Transform};
use crate::transforms::fused::FusedStep;
use crate::tree::Tree;

/// Applies its members in order; the state is the tuple of their states (`optax.chain`).
#[derive(Clone, Debug)]
pub struct Chain {
    members: Vec<GradientTransformation>,
    /// The same chain as one transformation, when it is `clip_by_global_norm(max_norm)`
    /// followed by a fused optimizer, which then clips in its own kernel call (see
    /// [`crate::fusion`]). Same state; it runs every update.
    fused: Option<GradientTransformation>,
}

/// `optax.chain(*transforms)`. See also the [`chain!`](crate::chain!) macro, which takes any
/// transformations or aliases.
///
/// `chain(clip_by_global_norm(max_norm), opt)` with a host `max_norm` and an `opt` that runs
/// in a fused kernel (`adam`, `adamw`, `rmsprop`, `sgd` with momentum) runs the clip in the
/// kernel's call: same results and state, one transformation.
pub fn chain(members: Vec<GradientTransformation>) -> Chain {
    let fused = fuse_clip_chain(&members);
    Chain { members, fused }
}

impl Chain {
    /// The members, in order.
    pub(crate) fn members(&self) -> &[GradientTransformation] {
        &self.members
    }

    /// The fused form of the chain, when it has one.
    pub(crate) fn fused(&self) -> Option<&GradientTransformation> {
        self.fused.as_ref()
    }

    /// The one-pass step of a chain whose last member is the fused optimizer `last`: the
    /// members before it transform the gradients as in `update`, then `last` updates the
    /// parameters in its kernel pass. Its state is taken out of the chain's for the step, so
    /// the kernel writes the moments in place. On error `params` and `state` are unchanged.
    pub(crate) fn step_with_fused_tail(
        &self,
        last: &dyn FusedStep,
        params: &mut Tree,
        grads: Tree,
        state: &mut State,
        extra: &Extra,
    ) -> Result<()> {
        params.check_same_structure(&grads)?;
        let n = self.members.len();
        let members = match state {
            State::Tuple(m) if m.len() == n => m,
            other => {
                other.as_tuple(n)?;
                return Err(OptaxError::state("chain", "expected a tuple"));
            }
        };
        let mut updates = grads;
        let mut next = Vec::with_capacity(n);
        for (member, s) in self.members[..n - 1].iter().zip(members.iter()) {
            let (u, s) = member.update(updates, s, Some(params), extra)?;
            updates = u;
            next.push(s);
        }
        let mut tail = std::mem::replace(&mut members[n - 1], State::Empty);
        match last.step(params, updates, &mut tail, extra) {
            Ok(()) => {
                next.push(tail);
                *members = next;
                Ok(())
            }
            Err(e) => {
                members[n - 1] = tail;
                Err(e)
            }
        }
    }
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
