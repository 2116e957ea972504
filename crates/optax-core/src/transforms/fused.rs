//! What the fused optimizers ([`FusedAdam`], [`FusedRmsprop`], [`FusedSgd`]) share: the
//! reference chain they stand for, the optional global-norm clip in front, the layout of the
//! chain's state, and when a step runs in an `optax-kernels` kernel instead of the chain.
//!
//! A fused optimizer's state is its reference chain's state, member for member, built from
//! the same layout types as the chain's members (`ScaleByAdamState`, `TraceState`, ... in the
//! files of those transformations), so the two cannot disagree about a name:
//!
//! ```text
//! (s_0, …, s_{k-1})                  the optimizer's chain, e.g. (ScaleByAdamState, EmptyState)
//! (EmptyState, (s_0, …, s_{k-1}))    behind a clip: chain(clip_by_global_norm(max_norm), opt)
//! ```
//!
//! The clip runs in the same kernel call, before the optimizer's rule (`chain` builds it,
//! see [`crate::fusion`]), with the chain's norm to the last bit
//! (`optax_kernels::global_norm`):
//!
//! ```text
//! n   = sqrt(Σ_leaves sum(g·g))
//! g_t = g_t                      if n < max_norm
//! g_t = (g_t / n) · max_norm     otherwise (a NaN norm clips, as in Optax)
//! ```
//!
//! Three entry points, one kernel call each: `update` (the caller keeps its state; the kernel
//! writes fresh moments), `update_in_place` (the kernel updates the moments' buffers where
//! they lie in the state, in place when the state holds the only reference) and the
//! one-pass `step` ([`FusedStep`], behind [`TransformExt::step`]), whose kernel writes the
//! parameters instead of the updates (`update` + `apply_updates` in one pass, bit for bit).
//!
//! A step runs in the kernel when the updates are float32 tensors of flex, of ndarray (with
//! the `ndarray` feature) or of a wgpu device, without autodiff, and the state has the chain's
//! structure; the kernel itself checks every leaf again before it touches anything. Otherwise
//! the reference chain runs (and reports any error as the chain does), and the reason is
//! logged once per optimizer; [`TransformExt::explain_fusion`] reports it beforehand.
//!
//! [`FusedAdam`]: super::FusedAdam
//! [`FusedRmsprop`]: super::FusedRmsprop
//! [`FusedSgd`]: super::FusedSgd
//! [`TransformExt::step`]: crate::TransformExt::step
//! [`TransformExt::explain_fusion`]: crate::TransformExt::explain_fusion

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use burn::tensor::{DType, Tensor};
#[cfg(feature = "ndarray")]
use optax_kernels::is_ndarray;
use optax_kernels::{FusedError, StepReport, Target};

use crate::apply::apply_updates;
use crate::combine::chain_unfused;
use crate::error::{OptaxError, Result};
use crate::hyper::Hyper;
use crate::schedules::Schedule;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, GradientTransformation, Transform};
use crate::transforms::{clip_by_global_norm, ScaleByScheduleState};
use crate::tree::Tree;

/// A hyperparameter known on the host: a number or a schedule.
#[derive(Clone, Debug)]
pub(crate) enum HostHyper {
    Value(f64),
    Schedule(Schedule),
}

impl HostHyper {
    /// Why not, for a tensor (a learned hyperparameter: only the chain runs it).
    pub(crate) fn of(h: &Hyper, name: &str) -> std::result::Result<Self, String> {
        match h {
            Hyper::Value(v) => Ok(HostHyper::Value(*v)),
            Hyper::Schedule(s) => Ok(HostHyper::Schedule(s.clone())),
            Hyper::Tensor(_) => Err(tensor_hyper(name)),
        }
    }
}

/// A hyperparameter that the kernel takes as a host number, or why not (a schedule or a
/// tensor).
pub(crate) fn host_number(h: &Hyper, name: &str) -> std::result::Result<f64, String> {
    match h {
        Hyper::Value(v) => Ok(*v),
        Hyper::Schedule(_) => Err(format!(
            "{name} is a schedule (the kernel takes it as a number; only the learning rate and \
             weight decay may be schedules)"
        )),
        Hyper::Tensor(_) => Err(tensor_hyper(name)),
    }
}

fn tensor_hyper(name: &str) -> String {
    format!("{name} is a tensor (a learned hyperparameter: the chain differentiates through it)")
}

/// Checks that `state` is the `EmptyState` of the transformation `name`.
pub(crate) fn expect_empty(state: &State, name: &str) -> Result<()> {
    match state {
        State::Empty => Ok(()),
        _ => Err(OptaxError::state(name, "expected an empty state")),
    }
}

/// `scale_by_learning_rate(lr)` read from its state (`scale`'s `EmptyState`, or
/// `ScaleByScheduleState(count)`): the learning rate of this step.
pub(crate) fn learning_rate(lr: &HostHyper, state: &State) -> Result<f64> {
    match lr {
        HostHyper::Value(v) => {
            expect_empty(state, "scale")?;
            Ok(*v)
        }
        HostHyper::Schedule(s) => Ok(s.at(ScaleByScheduleState::count(state)?)),
    }
}

/// `scale_by_learning_rate(lr)`'s state after a step, in place: a schedule's count goes up.
pub(crate) fn advance_learning_rate(lr: &HostHyper, state: &mut State) {
    if let HostHyper::Schedule(_) = lr {
        bump_count(state, ScaleByScheduleState::COUNT);
    }
}

/// Adds one to the field `count` of the record `state` (checked by the step's plan), as the
/// transformation's own update does (`safe_increment`).
pub(crate) fn bump_count(state: &mut State, count: &str) {
    if let State::Record { fields, .. } = state {
        if let Some((_, State::Int(c))) = fields.iter_mut().find(|(k, _)| k == count) {
            *c = safe_increment(*c);
        }
    }
}

/// A moment tree that a kernel reads and writes: `(member, field)` of the optimizer chain's
/// state, e.g. `(0, ScaleByAdamState::MU)`.
pub(crate) type Slot = (usize, &'static str);

/// The optimizer-specific half of a fused optimizer.
pub(crate) trait FusedKernel: Clone + std::fmt::Debug + Send + Sync + 'static {
    /// What a step needs besides the moments (the kernel's host hyperparameters, a mask).
    type Plan;

    /// Optax's name of the optimizer, e.g. `"adamw"` (for reports).
    fn name(&self) -> &'static str;

    /// The number of members of the optimizer's chain.
    fn members(&self) -> usize;

    /// The moment trees, in the order [`FusedKernel::run`] takes them.
    fn slots(&self) -> Vec<Slot>;

    /// Whether a step reads the parameters (weight decay) when it writes updates.
    fn reads_params(&self) -> bool {
        false
    }

    /// Reads the members' states (the moment trees are checked already): the plan of the
    /// step. Any mismatch is an error: the chain then runs and reports it.
    fn plan(&self, updates: &Tree, members: &[State]) -> Result<Self::Plan>;

    /// The members' states after a step that ran, in place (the counts go up); the new
    /// moments are put at the slots by the caller. Only called on states `plan` accepted.
    fn advance(&self, members: &mut [State]);

    /// One kernel step into `target`: the updates (Optax's `update`) or the parameters
    /// (`update` + `apply_updates`); `moments` (the leaves of the moment trees, in slot order)
    /// become the new moments. On `Err` nothing was modified.
    fn run(
        &self,
        plan: &Self::Plan,
        target: Target<'_>,
        moments: &mut [&mut [Tensor<1>]],
        clip: Option<f64>,
    ) -> KernelResult;
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

/// Why the leaves of `tree` cannot go through a kernel, if they cannot: the kernels run on
/// float32 tensors of the flex CPU device, of the ndarray CPU device (with the `ndarray`
/// feature) or of a wgpu device, without autodiff (checked again, leaf by leaf, by the kernel
/// before it touches anything).
pub(crate) fn device_refusal(tree: &Tree) -> Option<String> {
    let t = tree.leaves().first()?;
    let d = t.device();
    if t.dtype() != DType::F32 {
        return Some(format!(
            "the leaves are {:?}, the kernels take F32",
            t.dtype()
        ));
    }
    if optax_kernels::is_flex(&d) || is_ndarray(&d) || optax_kernels::is_wgpu(&d) {
        return None;
    }
    if t.is_autodiff() {
        return Some(
            "the leaves are autodiff tensors (the kernels take plain tensors: `Tree::inner`)"
                .into(),
        );
    }
    Some(format!(
        "the leaves are on {d:?}; the kernels run on flex, wgpu{}",
        if cfg!(feature = "ndarray") {
            " and ndarray"
        } else {
            " (and ndarray with the `ndarray` feature)"
        }
    ))
}

/// Without the `ndarray` feature no tensor is on the ndarray device.
#[cfg(not(feature = "ndarray"))]
fn is_ndarray(_: &burn::tensor::Device) -> bool {
    false
}

/// The plan of a step, or why the kernel cannot run it.
type Ready<P> = std::result::Result<P, String>;

/// What a kernel call returns.
pub(crate) type KernelResult = std::result::Result<StepReport, FusedError>;

/// A fused optimizer: the kernel, the reference chain, the clip in front.
#[derive(Clone, Debug)]
pub(crate) struct Fused<K> {
    kernel: K,
    /// The chain this transformation stands for (behind the clip when there is one).
    reference: GradientTransformation,
    /// `max_norm` of a `clip_by_global_norm` in front.
    clip: Option<f64>,
    /// The moment trees (`kernel.slots()`, computed once).
    slots: Vec<Slot>,
    /// Set when a step first fell back to the reference chain (it is logged once).
    fell_back: Arc<AtomicBool>,
}

/// What the one-pass step and the fusion report need of a fused optimizer, whatever its
/// kernel (found by [`crate::fusion`]).
pub(crate) trait FusedStep: Send + Sync {
    /// `update` + `apply_updates` in one kernel pass where the kernel runs, else through the
    /// reference chain; on error `params` and `state` are unchanged.
    fn step(&self, params: &mut Tree, grads: Tree, state: &mut State, extra: &Extra) -> Result<()>;

    /// Optax's name of the optimizer, and whether a clip runs in front.
    fn describe(&self) -> (&'static str, Option<f64>);

    /// `chain(clip_by_global_norm(max_norm), self)` as one fused transformation; `None` when
    /// there is a clip already.
    fn clipped(&self, max_norm: f64) -> Option<GradientTransformation>;
}

impl<K: FusedKernel> Fused<K> {
    /// The fused form of `reference`, which must be the chain `kernel` computes.
    pub(crate) fn new(kernel: K, reference: GradientTransformation) -> Self {
        Fused {
            slots: kernel.slots(),
            kernel,
            reference,
            clip: None,
            fell_back: Arc::new(AtomicBool::new(false)),
        }
    }

    /// `chain(clip_by_global_norm(max_norm), self)`, the clip run by the kernel; `None` when
    /// there is a clip already.
    pub(crate) fn with_clip(&self, max_norm: f64) -> Option<Self> {
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
            slots: self.slots.clone(),
            fell_back: Arc::new(AtomicBool::new(false)),
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

    /// The plan of a step, when the kernel can run it; else why not.
    fn ready(&self, updates: &Tree, state: &State) -> Ready<K::Plan> {
        if let Some(why) = device_refusal(updates) {
            return Err(why);
        }
        let members = self.members(state).map_err(|e| e.to_string())?;
        for &(i, name) in &self.slots {
            let member = members.get(i).ok_or("a member is missing")?;
            let moment = member.field(name).map_err(|e| e.to_string())?;
            moment.tree_like(updates).map_err(|e| e.to_string())?;
        }
        self.kernel
            .plan(updates, members)
            .map_err(|e| e.to_string())
    }

    /// Logs, once per optimizer, that a step ran in the reference chain and why.
    fn note_fallback(&self, why: &str) {
        if !self.fell_back.swap(true, Ordering::Relaxed) {
            log::warn!(
                "optax: {} runs unfused (the reference chain): {why}",
                self.kernel.name()
            );
        }
    }

    /// One kernel step on the moments where they lie in `state`: their buffers are written
    /// in place when the state holds the only reference to them (a saved copy of the state
    /// keeps its values: the kernel then writes fresh tensors into the state). `false`, with
    /// nothing modified, when the kernel cannot run it (the reason is logged once).
    fn kernel_step(
        &self,
        ready: Ready<K::Plan>,
        state: &mut State,
        run: impl FnOnce(&K::Plan, &mut [&mut [Tensor<1>]]) -> KernelResult,
    ) -> Result<bool> {
        let plan = match ready {
            Ok(ready) => ready,
            Err(why) => {
                self.note_fallback(&why);
                return Ok(false);
            }
        };
        let Some(members) = self.members_mut(state) else {
            self.note_fallback("the state is not the chain's tuple");
            return Ok(false);
        };
        // The kernel writes the moments' leaves where they lie in the state, keeping every
        // leaf's length (so the trees stay valid), and modifies nothing on error.
        let run = match moment_leaves(members, &self.slots) {
            Some(mut moments) => run(&plan, &mut moments),
            None => {
                self.note_fallback("the state's moments are not trees");
                return Ok(false);
            }
        };
        match run {
            Ok(_) => {
                count_fused_step(self.clip.is_some());
                self.kernel.advance(members);
                Ok(true)
            }
            Err(e) => {
                self.note_fallback(&e.to_string());
                Ok(false)
            }
        }
    }

    pub(crate) fn init(&self, params: &Tree) -> Result<State> {
        self.reference.init(params)
    }

    pub(crate) fn validate(&self) -> Result<()> {
        self.reference.validate()
    }

    /// Optax's `update`: the caller keeps `state` (the kernel writes fresh moments, as the
    /// state's buffers are shared with the caller's copy).
    pub(crate) fn update(
        &self,
        updates: Tree,
        state: &State,
        params: Option<&Tree>,
        extra: &Extra,
    ) -> Result<(Tree, State)> {
        let mut next = state.clone();
        let updates = self.update_in_place(updates, &mut next, params, extra)?;
        Ok((updates, next))
    }

    pub(crate) fn update_in_place(
        &self,
        mut updates: Tree,
        state: &mut State,
        params: Option<&Tree>,
        extra: &Extra,
    ) -> Result<Tree> {
        let read = match params {
            Some(p) if self.kernel.reads_params() => Some(p.leaves()),
            _ => None,
        };
        let ready = self.ready(&updates, state);
        let ran = self.kernel_step(ready, state, |plan, moments| {
            let target = Target::Updates {
                grads: updates.leaves_mut(),
                params: read,
            };
            self.kernel.run(plan, target, moments, self.clip)
        })?;
        if ran {
            return Ok(updates);
        }
        let (updates, next) = self.reference.update(updates, state, params, extra)?;
        *state = next;
        Ok(updates)
    }
}

impl<K: Wrap> FusedStep for Fused<K> {
    fn step(&self, params: &mut Tree, grads: Tree, state: &mut State, extra: &Extra) -> Result<()> {
        params.check_same_structure(&grads)?;
        let ready = self.ready(&grads, state);
        let ran = self.kernel_step(ready, state, |plan, moments| {
            let target = Target::Params {
                params: params.leaves_mut(),
                grads: grads.leaves(),
            };
            self.kernel.run(plan, target, moments, self.clip)
        })?;
        if ran {
            return Ok(());
        }
        let (updates, next) = self.reference.update(grads, state, Some(params), extra)?;
        let stepped = apply_updates(params, &updates)?;
        *state = next;
        *params = stepped;
        Ok(())
    }

    fn describe(&self) -> (&'static str, Option<f64>) {
        (self.kernel.name(), self.clip)
    }

    fn clipped(&self, max_norm: f64) -> Option<GradientTransformation> {
        self.with_clip(max_norm).map(K::transformation)
    }
}

/// The leaves of the moment trees at `slots` (in slot order), borrowed from the members'
/// records; `None` when a slot holds no tree.
fn moment_leaves<'s>(members: &'s mut [State], slots: &[Slot]) -> Option<Vec<&'s mut [Tensor<1>]>> {
    let mut found: Vec<Option<&'s mut [Tensor<1>]>> = slots.iter().map(|_| None).collect();
    for (i, member) in members.iter_mut().enumerate() {
        let State::Record { fields, .. } = member else {
            continue;
        };
        for (name, value) in fields.iter_mut() {
            if let Some(k) = slots.iter().position(|&(m, f)| m == i && f == name) {
                if let State::Tree(t) = value {
                    found[k] = Some(t.leaves_mut());
                }
            }
        }
    }
    found.into_iter().collect()
}

/// Implements `Transform` for a fused optimizer, a newtype over [`Fused`].
macro_rules! fused_transform {
    ($ty:ident, $kernel:ty) => {
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
        }

        impl $ty {
            /// The fused optimizer behind this transformation (for the one-pass step).
            pub(crate) fn fused(&self) -> &dyn $crate::transforms::fused::FusedStep {
                &self.0
            }
        }

        impl $crate::transforms::fused::Wrap for $kernel {
            fn transformation(
                fused: $crate::transforms::fused::Fused<Self>,
            ) -> $crate::transform::GradientTransformation {
                $crate::transform::GradientTransformation::new($ty(fused))
            }
        }
    };
}
pub(crate) use fused_transform;

/// The public transformation type of a kernel's fused optimizer (`FusedAdam`, ...).
pub(crate) trait Wrap: FusedKernel {
    fn transformation(fused: Fused<Self>) -> GradientTransformation;
}

/// Why an alias built with `.fused(false)` runs its chain.
pub(crate) const FUSED_OFF: &str = "built with `.fused(false)`";

/// An optimizer with a fused kernel that runs its reference chain, and why (what
/// [`explain_fusion`](crate::TransformExt::explain_fusion) reports).
#[derive(Clone, Debug)]
pub(crate) struct Unfused {
    reference: GradientTransformation,
    pub(crate) reason: String,
}

/// `reference`, run as it is for `reason`.
pub(crate) fn unfused(reference: GradientTransformation, reason: &str) -> GradientTransformation {
    GradientTransformation::new(Unfused {
        reference,
        reason: reason.to_string(),
    })
}

/// The fused optimizer when there is one, else `reference` with the reason.
pub(crate) fn fused_or_reference<T: Transform>(
    fused: std::result::Result<T, String>,
    reference: GradientTransformation,
) -> GradientTransformation {
    match fused {
        Ok(f) => GradientTransformation::new(f),
        Err(reason) => unfused(reference, &reason),
    }
}

impl Transform for Unfused {
    fn init(&self, params: &Tree) -> Result<State> {
        self.reference.init(params)
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        params: Option<&Tree>,
        extra: &Extra,
    ) -> Result<(Tree, State)> {
        self.reference.update(updates, state, params, extra)
    }

    fn update_in_place(
        &self,
        updates: Tree,
        state: &mut State,
        params: Option<&Tree>,
        extra: &Extra,
    ) -> Result<Tree> {
        self.reference
            .update_in_place(updates, state, params, extra)
    }

    fn validate(&self) -> Result<()> {
        self.reference.validate()
    }
}
