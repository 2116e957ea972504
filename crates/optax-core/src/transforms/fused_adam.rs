//! `adam` / `adamw` (and `nadam`, `nadamw`) run by the fused multi-tensor kernels of
//! `optax-kernels` when the device allows it: one pass over memory for all leaves instead of
//! the ~10 tensor-op passes per leaf of the chain.
//!
//! The equations are those of the chain it replaces, `chain(scale_by_adam(..),
//! add_decayed_weights(wd, mask), scale_by_learning_rate(lr))` (see `scale_by_adam.rs`):
//!
//! ```text
//! m_t = b1·m_{t-1} + (1 - b1)·g_t
//! v_t = b2·v_{t-1} + (1 - b2)·g_t²
//! m̂_t = m_t / (1 - b1^t)   (nesterov: b1·m_t / (1 - b1^{t+1}) + (1 - b1)·g_t / (1 - b1^t))
//! u_t = -lr_t · (m̂_t / (sqrt(v_t / (1 - b2^t) + eps_root) + eps) + wd_t·mask·p_t)
//! ```
//!
//! The kernel repeats the chain's float32 operations in the same order, so on the CPU devices
//! (flex, ndarray) the result is the reference's bit for bit. The state is the chain's state,
//! field for field (`(ScaleByAdamState(count, mu, nu), <decay state>, <lr state>)`), so `init`,
//! save/load and `State::get` are unchanged and a state moves freely between the two paths.
//!
//! When the fused path is taken: the alias was built with host numbers (`b1`, `b2`, `eps`,
//! `eps_root`; the learning rate and weight decay may be schedules, evaluated on the host),
//! `mu_dtype` is `None`, the alias was not built with `.fused(false)`, and at each update the
//! leaves are float32 tensors of the flex device, the ndarray device (`ndarray` feature) or a
//! wgpu device, without autodiff. Otherwise (another device, tensor hyperparameters of a
//! learned optimizer, autodiff) the chain runs. `chain(clip_by_global_norm(max_norm), adamw(..))`
//! runs the clip in the same kernel call (see `fused.rs`, which also describes `update` and
//! `update_in_place`).

use burn::tensor::{DType, Tensor};
use optax_kernels::{AdamHyper, FusedError, Target};

use crate::combine::{Mask, MaskedState};
use crate::error::Result;
use crate::hyper::Hyper;
use crate::state::State;
use crate::transform::GradientTransformation;
use crate::transforms::fused::{
    advance_learning_rate, bump_count, expect_empty, fused_transform, host_number, learning_rate,
    Fused, FusedKernel, HostHyper, KernelResult, Slot,
};
use crate::transforms::{ScaleByAdamState, WeightDecaySchedule};
use crate::tree::Tree;

/// Adam / AdamW through the fused kernels, with the chain as the reference path.
#[derive(Clone, Debug)]
pub struct FusedAdam(Fused<AdamKernel>);

fused_transform!(FusedAdam, AdamKernel);

/// `add_decayed_weights(weight_decay, mask)` of `adamw`.
#[derive(Clone, Debug)]
struct Decay {
    weight_decay: HostHyper,
    mask: Option<Mask>,
}

/// The host hyperparameters of the kernel.
#[derive(Clone, Debug)]
pub(crate) struct AdamKernel {
    learning_rate: HostHyper,
    b1: f64,
    b2: f64,
    eps: f64,
    eps_root: f64,
    nesterov: bool,
    decay: Option<Decay>,
}

/// The arguments of `adam`/`adamw` that decide whether the fused path applies.
pub(crate) struct AdamArgs<'a> {
    pub learning_rate: &'a Hyper,
    pub b1: &'a Hyper,
    pub b2: &'a Hyper,
    pub eps: &'a Hyper,
    pub eps_root: &'a Hyper,
    pub mu_dtype: Option<DType>,
    pub nesterov: bool,
    /// `Some((weight_decay, mask))` for `adamw`.
    pub decay: Option<(&'a Hyper, Option<&'a Mask>)>,
}

impl FusedAdam {
    /// The fused transformation for these arguments, or why only the reference `chain` can
    /// run them (tensor hyperparameters, `mu_dtype`).
    pub(crate) fn try_new(
        reference: GradientTransformation,
        a: AdamArgs<'_>,
    ) -> std::result::Result<Self, String> {
        if a.mu_dtype.is_some() {
            return Err("mu_dtype is set (the kernels keep the moments in float32)".into());
        }
        let decay = match a.decay {
            None => None,
            Some((wd, mask)) => Some(Decay {
                weight_decay: HostHyper::of(wd, "weight_decay")?,
                mask: mask.cloned(),
            }),
        };
        let kernel = AdamKernel {
            learning_rate: HostHyper::of(a.learning_rate, "learning_rate")?,
            b1: host_number(a.b1, "b1")?,
            b2: host_number(a.b2, "b2")?,
            eps: host_number(a.eps, "eps")?,
            eps_root: host_number(a.eps_root, "eps_root")?,
            nesterov: a.nesterov,
            decay,
        };
        Ok(FusedAdam(Fused::new(kernel, reference)))
    }
}

/// A step: the kernel's hyperparameters and the leaves that weight decay applies to.
pub(crate) struct AdamPlan {
    hyper: AdamHyper,
    mask: Option<Vec<bool>>,
}

impl AdamKernel {
    /// `add_decayed_weights` (behind `masked` with a mask) read from its state: the decay of
    /// this step (`None`: no term at all) and the mask's flags.
    fn decay(
        &self,
        d: &Decay,
        updates: &Tree,
        outer: &State,
    ) -> Result<(Option<f64>, Option<Vec<bool>>)> {
        let inner = match &d.mask {
            Some(_) => {
                outer.expect_record(MaskedState::KIND)?;
                MaskedState::inner(outer)?
            }
            None => outer,
        };
        let wd = match &d.weight_decay {
            HostHyper::Value(v) => {
                expect_empty(inner, "add_decayed_weights")?;
                // add_decayed_weights skips a constant zero decay entirely.
                (*v != 0.0).then_some(*v)
            }
            HostHyper::Schedule(s) => Some(s.at(WeightDecaySchedule::count(inner)?)),
        };
        let mask = match &d.mask {
            Some(m) => Some(m.values(updates.def())?),
            None => None,
        };
        Ok((wd, mask))
    }
}

impl FusedKernel for AdamKernel {
    type Plan = AdamPlan;

    fn name(&self) -> &'static str {
        match (self.nesterov, self.decay.is_some()) {
            (false, false) => "adam",
            (false, true) => "adamw",
            (true, false) => "nadam",
            (true, true) => "nadamw",
        }
    }

    fn reads_params(&self) -> bool {
        self.decay.is_some()
    }

    fn members(&self) -> usize {
        if self.decay.is_some() {
            3
        } else {
            2
        }
    }

    fn slots(&self) -> Vec<Slot> {
        vec![(0, ScaleByAdamState::MU), (0, ScaleByAdamState::NU)]
    }

    fn plan(&self, updates: &Tree, members: &[State]) -> Result<AdamPlan> {
        let adam = &members[0];
        adam.expect_record(ScaleByAdamState::KIND)?;
        let count = adam.field(ScaleByAdamState::COUNT)?.as_int()?;
        let lr = learning_rate(&self.learning_rate, &members[members.len() - 1])?;
        let (weight_decay, mask) = match &self.decay {
            None => (None, None),
            Some(d) => self.decay(d, updates, &members[1])?,
        };
        let hyper = AdamHyper {
            learning_rate: lr,
            b1: self.b1,
            b2: self.b2,
            eps: self.eps,
            eps_root: self.eps_root,
            weight_decay,
            nesterov: self.nesterov,
            count,
        };
        Ok(AdamPlan { hyper, mask })
    }

    fn advance(&self, members: &mut [State]) {
        bump_count(&mut members[0], ScaleByAdamState::COUNT);
        if let Some(d) = &self.decay {
            if let HostHyper::Schedule(_) = d.weight_decay {
                let outer = &mut members[1];
                let inner = match (&d.mask, outer) {
                    (None, s) => Some(s),
                    (Some(_), State::Record { fields, .. }) => fields
                        .iter_mut()
                        .find(|(k, _)| k == MaskedState::INNER_STATE)
                        .map(|(_, s)| s),
                    (Some(_), _) => None,
                };
                if let Some(inner) = inner {
                    bump_count(inner, WeightDecaySchedule::COUNT);
                }
            }
        }
        let last = members.len() - 1;
        advance_learning_rate(&self.learning_rate, &mut members[last]);
    }

    fn run(
        &self,
        plan: &AdamPlan,
        target: Target<'_>,
        moments: &mut [&mut [Tensor<1>]],
        clip: Option<f64>,
    ) -> KernelResult {
        let [mu, nu] = moments else {
            return Err(FusedError::Mismatch("adam: two moments".into()));
        };
        let mask = plan.mask.as_deref();
        optax_kernels::adam(target, mu, nu, &plan.hyper, mask, clip)
    }
}
