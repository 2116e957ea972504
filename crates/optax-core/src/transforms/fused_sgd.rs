//! `sgd` with momentum (heavy-ball or Nesterov) run by the fused multi-tensor kernel of
//! `optax-kernels` when the device allows it: one pass over memory for all leaves.
//!
//! The equations are those of the chain it replaces, `chain(trace(momentum, nesterov),
//! scale_by_learning_rate(lr))` (see `trace.rs`):
//!
//! ```text
//! t_t = g_t + μ·t_{t-1}
//! u_t = -lr_t · t_t                 (momentum)
//! u_t = -lr_t · (g_t + μ·t_t)       (nesterov)
//! ```
//!
//! The kernel repeats the chain's float32 operations in the same order, so on the CPU devices
//! (flex, ndarray) the result is the reference's bit for bit. The state is the chain's state,
//! field for field: `(TraceState(trace), <lr state>)`. Plain `sgd` (no momentum) is one
//! scaling: nothing to fuse.
//!
//! When the fused path is taken: `momentum` is a host number (the learning rate may be a
//! schedule), `accumulator_dtype` is `None`, the alias was not built with `.fused(false)`, and
//! at each update the leaves are float32 tensors of the flex device, the ndarray device
//! (`ndarray` feature) or a wgpu device, without autodiff. Otherwise the chain runs.
//! `chain(clip_by_global_norm(max_norm), sgd(..).momentum(..))` runs the clip in the same
//! kernel call (see `fused.rs`, which also describes `update` and `update_in_place`).

use burn::tensor::{DType, Tensor};
use optax_kernels::{FusedError, SgdHyper, Target};

use crate::error::Result;
use crate::hyper::Hyper;
use crate::state::State;
use crate::transform::GradientTransformation;
use crate::transforms::fused::{
    advance_learning_rate, fused_transform, host_number, learning_rate, Fused, FusedKernel,
    HostHyper, KernelResult, Slot,
};
use crate::transforms::TraceState;
use crate::tree::Tree;

/// SGD with momentum through the fused kernel, with the chain as the reference path.
#[derive(Clone, Debug)]
pub struct FusedSgd(Fused<SgdKernel>);

fused_transform!(FusedSgd, SgdKernel);

/// The host hyperparameters of the kernel.
#[derive(Clone, Debug)]
pub(crate) struct SgdKernel {
    learning_rate: HostHyper,
    momentum: f64,
    nesterov: bool,
}

impl FusedSgd {
    /// The fused transformation of `sgd(learning_rate, momentum, nesterov, accumulator_dtype)`,
    /// or why only the reference `chain` can run it (no momentum, a tensor hyperparameter,
    /// `accumulator_dtype`).
    pub(crate) fn try_new(
        reference: GradientTransformation,
        learning_rate: &Hyper,
        momentum: Option<&Hyper>,
        nesterov: bool,
        accumulator_dtype: Option<DType>,
    ) -> std::result::Result<Self, String> {
        if accumulator_dtype.is_some() {
            return Err("accumulator_dtype is set (the kernel keeps the trace in float32)".into());
        }
        let Some(momentum) = momentum else {
            return Err("sgd without momentum is one scaling: there is nothing to fuse".into());
        };
        let kernel = SgdKernel {
            learning_rate: HostHyper::of(learning_rate, "learning_rate")?,
            momentum: host_number(momentum, "momentum")?,
            nesterov,
        };
        Ok(FusedSgd(Fused::new(kernel, reference)))
    }
}

impl FusedKernel for SgdKernel {
    type Plan = SgdHyper;

    fn name(&self) -> &'static str {
        "sgd"
    }

    fn members(&self) -> usize {
        2
    }

    fn slots(&self) -> Vec<Slot> {
        vec![(0, TraceState::TRACE)]
    }

    fn plan(&self, _updates: &Tree, members: &[State]) -> Result<SgdHyper> {
        members[0].expect_record(TraceState::KIND)?;
        Ok(SgdHyper {
            learning_rate: learning_rate(&self.learning_rate, &members[1])?,
            momentum: self.momentum,
            nesterov: self.nesterov,
        })
    }

    fn advance(&self, members: &mut [State]) {
        advance_learning_rate(&self.learning_rate, &mut members[1]);
    }

    fn run(
        &self,
        plan: &SgdHyper,
        target: Target<'_>,
        moments: &mut [&mut [Tensor<1>]],
        clip: Option<f64>,
    ) -> KernelResult {
        let [trace] = moments else {
            return Err(FusedError::Mismatch("sgd: one trace".into()));
        };
        optax_kernels::sgd(target, trace, plan, clip)
    }
}
