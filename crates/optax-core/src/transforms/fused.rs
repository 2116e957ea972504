//! What the fused optimizers ([`FusedAdam`], [`FusedRmsprop`], [`FusedSgd`]) share: the
//! reference chain they stand for, the optional global-norm clip in front, the layout of the
//! chain's state, and when a step runs in an `optax-kernels` kernel instead of the chain.
//!
//! A fused optimizer's state is its reference chain's state, member for member:
//!
//! ```text
//! (s_0, …, s_{k-1})                  the optimizer's chain, e.g. (ScaleByAdamState, EmptyState)
//! (EmptyState, (s_0, …, s_{k-1}))    behind a clip: chain(clip_by_global_norm(max_norm), opt)
//! ```
//!
//! The clip runs in the same kernel call, before the optimizer's rule (`chain` builds it, see
//! `Transform::with_global_norm_clip`), with the chain's norm to the last bit
//! (`optax_kernels::global_norm`):
//!
//! ```text
//! n   = sqrt(Σ_leaves sum(g·g))
//! g_t = g_t                      if n < max_norm
//! g_t = (g_t / n) · max_norm     otherwise (a NaN norm clips, as in Optax)
//! ```
//!
//! A step runs in the kernel when the updates are float32 tensors of flex, of ndarray (with
//! the `ndarray` feature) or of a wgpu device, without autodiff, and the state has the chain's
//! structure; the kernel itself checks every leaf again before it touches anything. Otherwise
//! the reference chain runs (and reports any error as the chain does). `update` leaves the
//! caller's state as it was (the kernel writes fresh moments); `update_in_place` takes the
//! moments out of the state, so the kernel updates their buffers in place when the state
//! holds the only reference to them.
//!
//! [`FusedAdam`]: super::FusedAdam
//! [`FusedRmsprop`]: super::FusedRmsprop
//! [`FusedSgd`]: super::FusedSgd

use burn::tensor::{DType, Tensor};
#[cfg(feature = "ndarray")]
use optax_kernels::is_ndarray;
use optax_kernels::{FusedError, StepReport};

use crate::combine::chain_unfused;
use crate::error::{OptaxError, Result};
use crate::hyper::Hyper;
use crate::schedules::Schedule;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, GradientTransformation};
use crate::transforms::clip_by_global_norm;
use crate::tree::Tree;

/// A hyperparameter known on the host: a number or a schedule.
#[derive(Clone, Debug)]
pub(crate) enum HostHyper {
    Value(f64),
    Schedule(Schedule),
}

impl HostHyper {
    /// `None` for a tensor (a learned hyperparameter: only the chain runs it).
    pub(crate) fn of(h: &Hyper) -> Option<Self> {
        match h {
            Hyper::Value(v) => Some(HostHyper::Value(*v)),
            Hyper::Schedule(s) => Some(HostHyper::Schedule(s.clone())),
            Hyper::Tensor(_) => None,
        }
    }
}

/// Checks that `state` is the `EmptyState` of the transformation `name`.
pub(crate) fn expect_empty(state: &State, name: &str) -> Result<()> {
    match state {
        State::Empty => Ok(()),
        _ => Err(OptaxError::state(name, "expected an empty state")),
    }
}

/// The count of a schedule's record, e.g. `ScaleByScheduleState(count)`.
pub(crate) fn schedule_count(state: &State, kind: &str) -> Result<i64> {
    state.expect_record(kind)?;
    state.field("count")?.as_int()
}

/// The record `kind(count + 1)` that follows a schedule's record.
pub(crate) fn count_record(kind: &str, count: i64) -> State {
    State::record(kind, vec![("count", State::Int(safe_increment(count)))])
}

/// `scale_by_learning_rate(lr)` read from its state: the learning rate of this step and the
/// member's next state (`scale`'s `EmptyState`, or `ScaleByScheduleState(count + 1)`).
pub(crate) fn learning_rate(lr: &HostHyper, state: &State) -> Result<(f64, State)> {
    match lr {
        HostHyper::Value(v) => {
            expect_empty(state, "scale")?;
            Ok((*v, State::Empty))
        }
        HostHyper::Schedule(s) => {
            let c = schedule_count(state, "ScaleByScheduleState")?;
            Ok((s.at(c), count_record("ScaleByScheduleState", c)))
        }
    }
}

/// A moment tree that a kernel reads and writes: `(member, field)` of the optimizer chain's
/// state, e.g. `(0, "mu")` for `ScaleByAdamState.mu`.
pub(crate) type Slot = (usize, &'static str);

/// The optimizer-specific half of a fused optimizer.
pub(crate) trait FusedKernel: Clone + std::fmt::Debug + Send + Sync + 'static {
    /// What a step needs besides the moments (the kernel's host hyperparameters, a mask).
    type Plan;

    /// The number of members of the optimizer's chain.
    fn members(&self) -> usize;

    /// The moment trees, in the order [`FusedKernel::run`] takes them.
    fn slots(&self) -> Vec<Slot>;

    /// Reads the members' states (the moment trees are checked already): the plan of the step
    /// and the members' next states, with `State::Empty` at the slots (filled with the new
    /// moments after the step). Any mismatch is an error: the chain then runs and reports it.
    fn plan(&self, updates: &Tree, members: &[State]) -> Result<(Self::Plan, Vec<State>)>;

    /// One kernel step over Optax's `update`: `grads` become the updates, `moments` (in slot
    /// order) the new moments. On `Err` nothing was modified.
    fn run(
        &self,
        plan: &Self::Plan,
        grads: &mut [Tensor<1>],
        params: Option<&Tree>,
        moments: &mut [Vec<Tensor<1>>],
        clip: Option<f64>,
    ) -> std::result::Result<StepReport, FusedError>;
}

#[cfg(test)]
thread_local! {
    static FUSED_STEPS: std::cell::Cell<(usize, usize)> = const { std::cell::Cell::new((0, 0)) };
}

/// The fused steps run on this thread so far: all of them, and those with a clip (tests
/// check with it that the fused path is taken).
#[cfg(test)]
pub(crate) fn fused_steps() -> (usize, usize) {
    FUSED_STEPS.with(|c| c.get())
}

#[cfg(test)]
#[path = "fused_tests.rs"]
mod tests;

fn count_fused_step(_clipped: bool) {
    #[cfg(test)]
    FUSED_STEPS.with(|c| {
        let (all, clipped) = c.get();
        c.set((all + 1, clipped + _clipped as usize));
    });
}

/// Whether the updates live where the kernels run: the flex CPU device, the ndarray CPU
/// device (with the `ndarray` feature) or a wgpu device (checked again, leaf by leaf, by the
/// kernel before it touches anything).
fn device_allows(updates: &Tree) -> bool {
    updates.leaves().first().is_some_and(|t| {
        let d = t.device();
        t.dtype() == DType::F32
            && (optax_kernels::is_flex(&d) || is_ndarray(&d) || optax_kernels::is_wgpu(&d))
    })
}

/// Without the `ndarray` feature no tensor is on the ndarray device.
#[cfg(not(feature = "ndarray"))]
fn is_ndarray(_: &burn::tensor::Device) -> bool {
    false
}

/// A checked step: the plan, the members' next states, the moment trees of the state.
struct Ready<'s, P> {
    plan: P,
    next: Vec<State>,
    moments: Vec<&'s Tree>,
}

/// A fused optimizer: the kernel, the reference chain, the clip in front.
#[derive(Clone, Debug)]
pub(crate) struct Fused<K> {
    kernel: K,
    /// The chain this transformation stands for (behind the clip when there is one).
    reference: GradientTransformation,
    /// `max_norm` of a `clip_by_global_norm` in front.
    clip: Option<f64>,
}

impl<K: FusedKernel> Fused<K> {
    /// The fused form of `reference`, which must be the chain `kernel` computes.
    pub(crate) fn new(kernel: K, reference: GradientTransformation) -> Self {
        Fused {
            kernel,
            reference,
            clip: None,
        }
    }

    /// `chain(clip_by_global_norm(max_norm), self)`, the clip run by the kernel; `None` when
    /// there is a clip already.
    pub(crate) fn clipped(&self, max_norm: f64) -> Option<Self> {
        if self.clip.is_some() {
            return None;
        }
        let reference = chain_unfused(vec![
            GradientTransformation::new(clip_by_global_norm(max_norm)),
            self.reference.clone(),
        ]);
        Some(Fused {
            kernel: self.kernel.clone(),
            reference: GradientTransformation::new(reference),
            clip: Some(max_norm),
        })
    }

    /// The optimizer chain's member states (behind the clip's `EmptyState`).
    fn members<'s>(&self, state: &'s State) -> Result<&'s [State]> {
        let opt = match self.clip {
            None => state,
            Some(_) => {
                let outer = state.as_tuple(2)?;
                expect_empty(&outer[0], "clip_by_global_norm")?;
                &outer[1]
            }
        };
        opt.as_tuple(self.kernel.members())
    }

    fn members_mut<'s>(&self, state: &'s mut State) -> Option<&'s mut Vec<State>> {
        let opt = match self.clip {
            None => state,
            Some(_) => match state {
                State::Tuple(outer) => outer.get_mut(1)?,
                _ => return None,
            },
        };
        match opt {
            State::Tuple(members) => Some(members),
            _ => None,
        }
    }

    /// The whole state from the members' states.
    fn wrap(&self, members: Vec<State>) -> State {
        let opt = State::Tuple(members);
        match self.clip {
            None => opt,
            Some(_) => State::Tuple(vec![State::Empty, opt]),
        }
    }

    /// The step, when the kernel can run it.
    fn ready<'s>(&self, updates: &Tree, state: &'s State) -> Option<Ready<'s, K::Plan>> {
        if !device_allows(updates) {
            return None;
        }
        let members = self.members(state).ok()?;
        let mut moments = Vec::new();
        for (i, name) in self.kernel.slots() {
            moments.push(members.get(i)?.field(name).ok()?.tree_like(updates).ok()?);
        }
        let (plan, next) = self.kernel.plan(updates, members).ok()?;
        Some(Ready {
            plan,
            next,
            moments,
        })
    }

    /// The state after a step: the members' next states with the new moments at the slots.
    fn next_state(&self, mut next: Vec<State>, moments: Vec<Tree>) -> State {
        for ((i, name), tree) in self.kernel.slots().into_iter().zip(moments) {
            if let Some(slot) = slot_mut(&mut next, i, name) {
                *slot = State::Tree(tree);
            }
        }
        self.wrap(next)
    }

    pub(crate) fn init(&self, params: &Tree) -> Result<State> {
        self.reference.init(params)
    }

    pub(crate) fn validate(&self) -> Result<()> {
        self.reference.validate()
    }

    pub(crate) fn update(
        &self,
        updates: Tree,
        state: &State,
        params: Option<&Tree>,
        extra: &Extra,
    ) -> Result<(Tree, State)> {
        let Some(ready) = self.ready(&updates, state) else {
            return self.reference.update(updates, state, params, extra);
        };
        // The caller keeps `state`: the moments are shared, the kernel writes fresh ones.
        let mut moments: Vec<Vec<Tensor<1>>> =
            ready.moments.iter().map(|t| t.leaves().to_vec()).collect();
        let def = updates.def().clone();
        let mut grads = updates.into_leaves();
        let run = self
            .kernel
            .run(&ready.plan, &mut grads, params, &mut moments, self.clip);
        let updates = Tree::from_flat(def, grads)?;
        match run {
            Ok(_) => {
                count_fused_step(self.clip.is_some());
                let new = ready.moments.iter().zip(moments);
                let new = new.map(|(t, m)| Tree::from_flat(t.def().clone(), m));
                let new = new.collect::<Result<Vec<Tree>>>()?;
                Ok((updates, self.next_state(ready.next, new)))
            }
            Err(_) => self.reference.update(updates, state, params, extra),
        }
    }

    pub(crate) fn update_in_place(
        &self,
        updates: Tree,
        state: &mut State,
        params: Option<&Tree>,
        extra: &Extra,
    ) -> Result<Tree> {
        let ready = self.ready(&updates, state).map(|r| (r.plan, r.next));
        let taken = match ready {
            Some(_) => self.take_moments(state),
            None => None,
        };
        let (Some((plan, next)), Some(trees)) = (ready, taken) else {
            let (updates, next) = self.reference.update(updates, state, params, extra)?;
            *state = next;
            return Ok(updates);
        };
        // The state no longer holds the moments: the kernel owns their buffers (in place
        // unless the caller holds another reference, e.g. a saved copy of the state).
        let defs: Vec<_> = trees.iter().map(|t| t.def().clone()).collect();
        let mut moments: Vec<Vec<Tensor<1>>> = trees.into_iter().map(Tree::into_leaves).collect();
        let def = updates.def().clone();
        let mut grads = updates.into_leaves();
        let run = self
            .kernel
            .run(&plan, &mut grads, params, &mut moments, self.clip);
        // The kernel keeps every leaf's length, on success and on error.
        let trees = defs.into_iter().zip(moments);
        let trees = trees.map(|(d, m)| Tree::from_flat(d, m));
        let trees = trees.collect::<Result<Vec<Tree>>>()?;
        let updates = Tree::from_flat(def, grads)?;
        match run {
            Ok(_) => {
                count_fused_step(self.clip.is_some());
                *state = self.next_state(next, trees);
                Ok(updates)
            }
            Err(_) => {
                // Untouched: put the moments back and run the chain.
                self.put_moments(state, trees);
                let (updates, next) = self.reference.update(updates, state, params, extra)?;
                *state = next;
                Ok(updates)
            }
        }
    }

    /// Takes the moment trees out of `state` (`State::Empty` left at the slots); `None`, with
    /// `state` as it was, when a slot holds no tree.
    fn take_moments(&self, state: &mut State) -> Option<Vec<Tree>> {
        let mut trees = Vec::new();
        for (i, name) in self.kernel.slots() {
            let Some(slot) = self.slot_of(state, i, name) else {
                self.put_moments(state, trees);
                return None;
            };
            match std::mem::replace(slot, State::Empty) {
                State::Tree(t) => trees.push(t),
                other => {
                    *slot = other;
                    self.put_moments(state, trees);
                    return None;
                }
            }
        }
        Some(trees)
    }

    /// Puts moment trees back at their slots (in slot order).
    fn put_moments(&self, state: &mut State, trees: Vec<Tree>) {
        for ((i, name), tree) in self.kernel.slots().into_iter().zip(trees) {
            if let Some(s) = self.slot_of(state, i, name) {
                *s = State::Tree(tree);
            }
        }
    }

    fn slot_of<'s>(&self, state: &'s mut State, i: usize, name: &str) -> Option<&'s mut State> {
        self.members_mut(state).and_then(|m| slot_mut(m, i, name))
    }
}

/// The field `name` of the record `members[i]`.
fn slot_mut<'s>(members: &'s mut [State], i: usize, name: &str) -> Option<&'s mut State> {
    match members.get_mut(i)? {
        State::Record { fields, .. } => fields.iter_mut().find(|(k, _)| k == name).map(|(_, v)| v),
        _ => None,
    }
}

/// Implements `Transform` for a fused optimizer, a newtype over [`Fused`]; `chain` fuses a
/// `clip_by_global_norm` in front of it through `with_global_norm_clip`.
macro_rules! fused_transform {
    ($ty:ident) => {
        impl $crate::transform::Transform for $ty {
            fn init(
                &self,
                params: &$crate::tree::Tree,
            ) -> $crate::error::Result<$crate::state::State> {
                self.0.init(params)
            }

            fn update(
                &self,
                updates: $crate::tree::Tree,
                state: &$crate::state::State,
                params: Option<&$crate::tree::Tree>,
                extra: &$crate::transform::Extra,
            ) -> $crate::error::Result<($crate::tree::Tree, $crate::state::State)> {
                self.0.update(updates, state, params, extra)
            }

            fn update_in_place(
                &self,
                updates: $crate::tree::Tree,
                state: &mut $crate::state::State,
                params: Option<&$crate::tree::Tree>,
                extra: &$crate::transform::Extra,
            ) -> $crate::error::Result<$crate::tree::Tree> {
                self.0.update_in_place(updates, state, params, extra)
            }

            fn validate(&self) -> $crate::error::Result<()> {
                self.0.validate()
            }

            fn with_global_norm_clip(
                &self,
                max_norm: f64,
            ) -> Option<$crate::transform::GradientTransformation> {
                let clipped = self.0.clipped(max_norm)?;
                Some($crate::transform::GradientTransformation::new($ty(clipped)))
            }
        }
    };
}
pub(crate) use fused_transform;
