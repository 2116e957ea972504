//! The fused kernels on wgpu: the WGSL compute shaders of `shaders/`, launched through a Burn
//! backend extension ([`extension`]) on the tensors' own buffers ([`launch`]).
//!
//! A step takes every leaf at once: one dispatch updates a group of up to
//! [`launch::MAX_GROUP`] leaves (the adapter's storage-buffer limit permitting), and the
//! global norm of `clip_by_global_norm` is reduced on the device (one dispatch per group plus
//! one), where the update kernel reads it: a step never waits for the host.

mod extension;
mod launch;
mod source;

use burn::backend::{CubeDevice, Dispatch, DispatchDevice};
use burn::tensor::{DType, Device, Tensor};

use extension::{AdamLaunch, FusedStepOps, StepTensors};
use source::Written;

use crate::hyper::AdamConsts;

pub use launch::dispatches;

/// Whether `device` is a wgpu device (without autodiff).
pub fn is_wgpu(device: &Device) -> bool {
    matches!(
        device.as_dispatch(),
        DispatchDevice::Cube(CubeDevice::Wgpu(_))
    )
}

/// Whether `t` is a float32 tensor of a wgpu device (without autodiff).
pub(crate) fn is_wgpu_f32(t: &Tensor<1>) -> bool {
    t.dtype() == DType::F32 && is_wgpu(&t.device())
}

/// The operands of one GPU step, taken from the caller's slots.
pub(crate) struct GpuStep<'a> {
    /// The written tensors' slots (params or grads).
    pub written: &'a mut [Tensor<1>],
    /// The other operand (grads, or params; empty when not read).
    pub read: Vec<Tensor<1>>,
    /// Whether `written` are the parameters.
    pub params_written: bool,
}

/// One fused Adam step on wgpu; the tensors in `step.written`, `mu` and `nu` are replaced by
/// their updated values (the same buffers when they were not shared).
pub(crate) fn adam(
    step: GpuStep<'_>,
    mu: &mut [Tensor<1>],
    nu: &mut [Tensor<1>],
    consts: &AdamConsts,
    decayed: Vec<bool>,
    clip_max_norm: Option<f32>,
) {
    let c = consts;
    let written = if step.params_written {
        Written::Params
    } else {
        Written::Updates {
            reads_params: !step.read.is_empty(),
        }
    };
    let args = AdamLaunch {
        hyper: [
            c.b1, c.k1, c.b2, c.k2, c.c1, c.c1_next, c.c2, c.eps, c.eps_root, c.wd, c.neg_lr,
        ],
        nesterov: c.nesterov,
        written,
        decayed,
        clip_max_norm,
    };
    // Stands in the caller's slots while their tensors are with the kernel.
    let hole = Tensor::<1>::zeros([1], &step.written[0].device());
    let take = |slots: &mut [Tensor<1>]| -> Vec<_> {
        slots
            .iter_mut()
            .map(|t| std::mem::replace(t, hole.clone()).into_dispatch())
            .collect()
    };
    let w = take(step.written);
    let states: Vec<_> = take(mu).into_iter().chain(take(nu)).collect();
    let read = step.read.into_iter().map(Tensor::into_dispatch).collect();
    let tensors = StepTensors {
        written: w,
        read,
        states,
    };
    let StepTensors {
        written: w, states, ..
    } = Dispatch::adam_step(tensors, args);
    for (slot, t) in step.written.iter_mut().zip(w) {
        *slot = Tensor::from_dispatch(t);
    }
    let n = mu.len();
    for (i, t) in states.into_iter().enumerate() {
        let slot = if i < n { &mut mu[i] } else { &mut nu[i - n] };
        *slot = Tensor::from_dispatch(t);
    }
}
