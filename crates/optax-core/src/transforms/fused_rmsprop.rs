//! `rmsprop` (plain or centered, with or without (Nesterov) momentum) run by the fused
//! multi-tensor kernel of `optax-kernels` when the device allows it: one pass over memory for
//! all leaves instead of the tensor-op passes of the chain.
//!
//! The equations are those of the chain it replaces, `chain(scale_by_rms | scale_by_stddev,
//! scale_by_learning_rate(lr), trace(momentum, nesterov) | identity)` (see `scale_by_rms.rs`,
//! `scale_by_stddev.rs`, `trace.rs`):
//!
//! ```text
//! v_t = decay·v_{t-1} + (1 - decay)·g_t²
//! m_t = decay·m_{t-1} + (1 - decay)·g_t                  (centered)
//! m̂_t, v̂_t = m_t / (1 - decay^t), v_t / (1 - decay^t)     (bias_correction, else m_t, v_t)
//! n_t = v̂_t   or   v̂_t - m̂_t²                            (centered)
//! u_t = -lr_t · g_t / sqrt(n_t + eps)                    (eps_in_sqrt; else / (sqrt(n_t) + eps))
//! t_t = u_t + μ·t_{t-1};   u_t = t_t   or   u_t + μ·t_t    (momentum; nesterov)
//! ```
//!
//! The kernel repeats the chain's float32 operations in the same order, so on the CPU devices
//! (flex, ndarray) the result is the reference's bit for bit. The state is the chain's state,
//! field for field: `(ScaleByRmsState(nu) | ScaleByRmsWithCountState(count, nu)
//! | ScaleByRStdDevState(mu, nu) | ScaleByRStdDevWithCountState(count, mu, nu), <lr state>,
//! TraceState(trace) | EmptyState)`.
//!
//! When the fused path is taken: `decay`, `eps` and `momentum` are host numbers (the learning
//! rate may be a schedule), the alias was not built with `.fused(false)`, and at each update
//! the leaves are float32 tensors of the flex device, the ndarray device (`ndarray` feature) or
//! a wgpu device, without autodiff. Otherwise the chain runs.
//! `chain(clip_by_global_norm(max_norm), rmsprop(..))` runs the clip in the same kernel call
//! (see `fused.rs`, which also describes `update` and `update_in_place`).

use burn::tensor::Tensor;
use optax_kernels::{FusedError, RmsPropHyper, Target};

use crate::error::Result;
use crate::hyper::Hyper;
use crate::state::State;
use crate::transform::GradientTransformation;
use crate::transforms::fused::{
    advance_learning_rate, bump_count, expect_empty, fused_transform, host_number, learning_rate,
    Fused, FusedKernel, HostHyper, KernelResult, Slot,
};
use crate::transforms::{ScaleByRStdDevState, ScaleByRmsState, TraceState};
use crate::tree::Tree;

/// RMSProp through the fused kernel, with the chain as the reference path.
#[derive(Clone, Debug)]
pub struct FusedRmsprop(Fused<RmspropKernel>);

fused_transform!(FusedRmsprop, RmspropKernel);

/// The host hyperparameters of the kernel.
#[derive(Clone, Debug)]
pub(crate) struct RmspropKernel {
    learning_rate: HostHyper,
    decay: f64,
    eps: f64,
    eps_in_sqrt: bool,
    centered: bool,
    bias_correction: bool,
    momentum: Option<f64>,
    nesterov: bool,
}

/// The arguments of `rmsprop` that decide whether the fused path applies.
pub(crate) struct RmspropArgs<'a> {
    pub learning_rate: &'a Hyper,
    pub decay: &'a Hyper,
    pub eps: &'a Hyper,
    pub eps_in_sqrt: bool,
    pub centered: bool,
    pub momentum: Option<&'a Hyper>,
    pub nesterov: bool,
    pub bias_correction: bool,
}

impl FusedRmsprop {
    /// The fused transformation for these arguments, or why only the reference `chain` can
    /// run them (tensor hyperparameters).
    pub(crate) fn try_new(
        reference: GradientTransformation,
        a: RmspropArgs<'_>,
    ) -> std::result::Result<Self, String> {
        let momentum = match a.momentum {
            Some(m) => Some(host_number(m, "momentum")?),
            None => None,
        };
        let kernel = RmspropKernel {
            learning_rate: HostHyper::of(a.learning_rate, "learning_rate")?,
            decay: host_number(a.decay, "decay")?,
            eps: host_number(a.eps, "eps")?,
            eps_in_sqrt: a.eps_in_sqrt,
            centered: a.centered,
            bias_correction: a.bias_correction,
            momentum,
            nesterov: a.nesterov,
        };
        Ok(FusedRmsprop(Fused::new(kernel, reference)))
    }
}

impl FusedKernel for RmspropKernel {
    type Plan = RmsPropHyper;

    fn name(&self) -> &'static str {
        "rmsprop"
    }

    fn members(&self) -> usize {
        3
    }

    fn slots(&self) -> Vec<Slot> {
        let mut slots = Vec::with_capacity(3);
        if self.centered {
            slots.push((0, ScaleByRStdDevState::MU));
            slots.push((0, ScaleByRStdDevState::NU));
        } else {
            slots.push((0, ScaleByRmsState::NU));
        }
        if self.momentum.is_some() {
            slots.push((2, TraceState::TRACE));
        }
        slots
    }

    fn plan(&self, _updates: &Tree, members: &[State]) -> Result<RmsPropHyper> {
        let kind = if self.centered {
            ScaleByRStdDevState::kind(self.bias_correction)
        } else {
            ScaleByRmsState::kind(self.bias_correction)
        };
        members[0].expect_record(kind)?;
        let count = if self.bias_correction {
            // `count` in both records.
            Some(members[0].field(ScaleByRmsState::COUNT)?.as_int()?)
        } else {
            None
        };
        let lr = learning_rate(&self.learning_rate, &members[1])?;
        match self.momentum {
            Some(_) => members[2].expect_record(TraceState::KIND).map(|_| ())?,
            None => expect_empty(&members[2], "identity")?,
        }
        Ok(RmsPropHyper {
            learning_rate: lr,
            decay: self.decay,
            eps: self.eps,
            eps_in_sqrt: self.eps_in_sqrt,
            centered: self.centered,
            bias_correction: self.bias_correction,
            momentum: self.momentum,
            nesterov: self.nesterov,
            count: count.unwrap_or(0),
        })
    }

    fn advance(&self, members: &mut [State]) {
        if self.bias_correction {
            bump_count(&mut members[0], ScaleByRmsState::COUNT);
        }
        advance_learning_rate(&self.learning_rate, &mut members[1]);
    }

    fn run(
        &self,
        plan: &RmsPropHyper,
        target: Target<'_>,
        moments: &mut [&mut [Tensor<1>]],
        clip: Option<f64>,
    ) -> KernelResult {
        let (mu, rest) = if self.centered {
            match moments.split_first_mut() {
                Some((mu, rest)) => (Some(&mut **mu), rest),
                None => return Err(FusedError::Mismatch("rmsprop: no mu".into())),
            }
        } else {
            (None, moments)
        };
        let (nu, rest) = match rest.split_first_mut() {
            Some((nu, rest)) => (&mut **nu, rest),
            None => return Err(FusedError::Mismatch("rmsprop: no nu".into())),
        };
        let trace = rest.first_mut().map(|t| &mut **t);
        optax_kernels::rmsprop(target, mu, nu, trace, plan, clip)
    }
}
