//! Which transformations run in a fused kernel, found by type: the fused optimizers
//! (`adam`, `adamw`, `nadam`, `nadamw`, `rmsprop`, `sgd` with momentum) and
//! `chain(clip_by_global_norm(max_norm), <one of them>)`, through any number of
//! [`GradientTransformation`] wrappers. [`TransformExt::explain_fusion`] reports it, with the
//! reason when a step will not be fused; the one-pass step takes the kernel through the same
//! lookup, so the report and the step cannot disagree.
//!
//! [`TransformExt::explain_fusion`]: crate::TransformExt::explain_fusion

use std::any::Any;
use std::fmt;

use crate::alias::{Adam, AdamW, RmsProp, Sgd};
use crate::combine::Chain;
use crate::transform::{GradientTransformation, Transform};
use crate::transforms::fused::{device_refusal, FusedStep, Unfused};
use crate::transforms::{ClipByGlobalNorm, FusedAdam, FusedRmsprop, FusedSgd};
use crate::tree::Tree;

/// Whether the steps of a transformation run in a fused multi-tensor kernel on given
/// parameters, and if not, why ([`TransformExt::explain_fusion`]).
///
/// [`TransformExt::explain_fusion`]: crate::TransformExt::explain_fusion
#[derive(Clone, Debug, PartialEq)]
pub struct FusionReport {
    /// Optax's name of the fused optimizer (`"adamw"`, `"rmsprop"`, ...), when the
    /// transformation is one.
    pub optimizer: Option<&'static str>,
    /// `max_norm` of the `clip_by_global_norm` that runs in the same kernel call.
    pub clip: Option<f64>,
    /// The members of a chain before its fused optimizer, which run tensor-op by tensor-op
    /// before the kernel (e.g. 1 for `chain(clip(1.0), adamw(..))`); 0 otherwise.
    pub unfused_before: usize,
    /// Why the steps run in the reference chain (tensor-op by tensor-op); `None` when they run
    /// in the kernel.
    pub reason: Option<String>,
}

impl FusionReport {
    /// Whether the steps run in the kernel.
    pub fn is_fused(&self) -> bool {
        self.optimizer.is_some() && self.reason.is_none()
    }
}

impl fmt::Display for FusionReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.optimizer, &self.reason) {
            (Some(name), None) => {
                write!(f, "fused: {name}")?;
                if let Some(m) = self.clip {
                    write!(f, " behind clip_by_global_norm({m})")?;
                }
                match self.unfused_before {
                    0 => Ok(()),
                    1 => write!(f, ", after 1 transformation run by tensor ops"),
                    n => write!(f, ", after {n} transformations run by tensor ops"),
                }
            }
            (_, Some(reason)) => write!(f, "not fused: {reason}"),
            (None, None) => write!(f, "not fused"),
        }
    }
}

/// What a transformation without a kernel is told.
const NO_KERNEL: &str = "no fused kernel for this transformation (the fused ones: adam, adamw, \
     nadam, nadamw, rmsprop, sgd with momentum, and chain(clip_by_global_norm(max_norm), one of \
     them))";

/// `t` as a `T`, looking through [`GradientTransformation`] wrappers.
pub(crate) fn find<T: Transform>(t: &dyn Transform) -> Option<&T> {
    let any: &dyn Any = t;
    match any.downcast_ref::<GradientTransformation>() {
        Some(g) => find(g.inner()),
        None => any.downcast_ref::<T>(),
    }
}

/// The fused optimizer that runs `t`'s steps, or why there is none.
pub(crate) fn fused_step(t: &dyn Transform) -> Result<&dyn FusedStep, String> {
    let any: &dyn Any = t;
    if let Some(g) = any.downcast_ref::<GradientTransformation>() {
        return fused_step(g.inner());
    }
    if let Some(f) = any.downcast_ref::<FusedAdam>() {
        return Ok(f.fused());
    }
    if let Some(f) = any.downcast_ref::<FusedRmsprop>() {
        return Ok(f.fused());
    }
    if let Some(f) = any.downcast_ref::<FusedSgd>() {
        return Ok(f.fused());
    }
    if let Some(u) = any.downcast_ref::<Unfused>() {
        return Err(u.reason.clone());
    }
    if let Some(c) = any.downcast_ref::<Chain>() {
        return chain_step(c);
    }
    // The aliases with a fused kernel, through the transformation they build once.
    if let Some(a) = any.downcast_ref::<Adam>() {
        return fused_step(a.built().inner());
    }
    if let Some(a) = any.downcast_ref::<AdamW>() {
        return fused_step(a.built().inner());
    }
    if let Some(a) = any.downcast_ref::<RmsProp>() {
        return fused_step(a.built().inner());
    }
    if let Some(a) = any.downcast_ref::<Sgd>() {
        return fused_step(a.built().inner());
    }
    Err(NO_KERNEL.to_string())
}

/// `chain(clip_by_global_norm(max_norm), opt)` as one fused transformation, when `max_norm`
/// is a host number and `opt` a fused optimizer without a clip of its own.
pub(crate) fn fuse_clip_chain(
    members: &[GradientTransformation],
) -> Option<GradientTransformation> {
    let [clip, opt] = members else {
        return None;
    };
    let max_norm = find::<ClipByGlobalNorm>(clip.inner())?.host_max_norm()?;
    fused_step(opt.inner()).ok()?.clipped(max_norm)
}

/// Why a chain is not fused, or its fused form.
fn chain_step(c: &Chain) -> Result<&dyn FusedStep, String> {
    if let Some(f) = c.fused() {
        return fused_step(f.inner());
    }
    let members = c.members();
    let pattern = "a chain runs fused only as chain(clip_by_global_norm(max_norm), <a fused \
                   optimizer>), or, in a one-pass step, with a fused optimizer last";
    let [clip, opt] = members else {
        return Err(pattern.to_string());
    };
    let Some(clip) = find::<ClipByGlobalNorm>(clip.inner()) else {
        return Err(pattern.to_string());
    };
    if clip.host_max_norm().is_none() {
        return Err("clip_by_global_norm's max_norm is not a host number".to_string());
    }
    match fused_step(opt.inner()) {
        Ok(_) => Err("the optimizer after the clip clips already".to_string()),
        Err(reason) => Err(reason),
    }
}

/// How the one-pass step of a transformation runs.
pub(crate) enum Stepper<'a> {
    /// In one fused optimizer.
    Fused(&'a dyn FusedStep),
    /// A chain whose last member is a fused optimizer: the members before it run as
    /// tensor ops, then the optimizer's kernel updates the parameters.
    ChainTail(&'a Chain, &'a dyn FusedStep),
}

/// The way `t`'s one-pass step runs in a kernel, or why it does not.
pub(crate) fn stepper(t: &dyn Transform) -> Result<Stepper<'_>, String> {
    let reason = match fused_step(t) {
        Ok(f) => return Ok(Stepper::Fused(f)),
        Err(reason) => reason,
    };
    if let Some(c) = find::<Chain>(t) {
        if let Some(Ok(f)) = c.members().last().map(|last| fused_step(last.inner())) {
            return Ok(Stepper::ChainTail(c, f));
        }
    }
    Err(reason)
}

/// The report of `t` on `params` (see [`FusionReport`]).
pub(crate) fn explain(t: &dyn Transform, params: &Tree) -> FusionReport {
    let (f, unfused_before) = match stepper(t) {
        Ok(Stepper::Fused(f)) => (f, 0),
        Ok(Stepper::ChainTail(c, f)) => (f, c.members().len() - 1),
        Err(reason) => {
            return FusionReport {
                optimizer: None,
                clip: None,
                unfused_before: 0,
                reason: Some(reason),
            }
        }
    };
    let (name, clip) = f.describe();
    FusionReport {
        optimizer: Some(name),
        clip,
        unfused_before,
        reason: device_refusal(params),
    }
}
