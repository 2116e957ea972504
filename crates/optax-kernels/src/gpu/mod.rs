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

use extension::{FusedStepOps, StepLaunch, StepTensors};
use source::Written;

pub(crate) use source::Rule;

use crate::hyper::{AdamConsts, RmsPropConsts, SgdConsts};

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

/// The header of `info` for Adam (`shaders/adam.wgsl`).
pub(crate) fn adam_header(c: &AdamConsts) -> [u32; 15] {
    let mut h = [0u32; 15];
    let values = [
        c.b1, c.k1, c.b2, c.k2, c.c1, c.c1_next, c.c2, c.eps, c.eps_root, c.wd, c.neg_lr,
    ];
    for (slot, x) in h.iter_mut().zip(values) {
        *slot = x.to_bits();
    }
    h[11] = c.nesterov as u32;
    h
}

/// The header of `info` for RMSProp (`shaders/rmsprop.wgsl`).
pub(crate) fn rmsprop_header(c: &RmsPropConsts) -> [u32; 15] {
    let mut h = [0u32; 15];
    let values = [
        c.decay,
        c.keep,
        c.c.unwrap_or(1.0),
        c.eps,
        c.neg_lr,
        c.momentum.unwrap_or(0.0),
    ];
    for (slot, x) in h.iter_mut().zip(values) {
        *slot = x.to_bits();
    }
    h[6] = c.c.is_some() as u32;
    h[7] = c.eps_in_sqrt as u32;
    h[8] = c.centered as u32;
    h[9] = c.momentum.is_some() as u32;
    h[10] = c.nesterov as u32;
    h
}

/// The header of `info` for SGD with momentum (`shaders/sgd.wgsl`).
pub(crate) fn sgd_header(c: &SgdConsts) -> [u32; 15] {
    let mut h = [0u32; 15];
    h[0] = c.momentum.to_bits();
    h[1] = c.neg_lr.to_bits();
    h[2] = c.nesterov as u32;
    h
}

/// What a GPU step computes, besides its tensors.
pub(crate) struct GpuRule {
    pub rule: Rule,
    pub header: [u32; 15],
    /// Per leaf: weight-decayed (Adam).
    pub decayed: Vec<bool>,
    pub clip_max_norm: Option<f32>,
}

/// One fused step on wgpu. `states[j]` is the `j`-th state of the rule for every leaf, `None`
/// when absent. The tensors in `step.written` and in the states are replaced by their updated
/// values (the same buffers when they were not shared).
pub(crate) fn step(step: GpuStep<'_>, states: Vec<Option<&mut [Tensor<1>]>>, rule: GpuRule) {
    let written = if step.params_written {
        Written::Params
    } else {
        Written::Updates {
            reads_params: !step.read.is_empty(),
        }
    };
    let mut present = [false; 3];
    for (p, s) in present.iter_mut().zip(&states) {
        *p = s.is_some();
    }
    let args = StepLaunch {
        rule: rule.rule,
        present,
        header: rule.header,
        written,
        decayed: rule.decayed,
        clip_max_norm: rule.clip_max_norm,
    };
    // Stands in the caller's slots while their tensors are with the kernel: an empty host
    // tensor, so that a step allocates nothing on the device for it.
    let hole = crate::cpu::Cpu::Flex.placeholder();
    let take = |slots: &mut [Tensor<1>]| -> Vec<_> {
        slots
            .iter_mut()
            .map(|t| std::mem::replace(t, hole.clone()).into_dispatch())
            .collect()
    };
    let w = take(step.written);
    let mut states: Vec<&mut [Tensor<1>]> = states.into_iter().flatten().collect();
    let state_tensors = states.iter_mut().flat_map(|s| take(s)).collect();
    let read = step.read.into_iter().map(Tensor::into_dispatch).collect();
    let tensors = StepTensors {
        written: w,
        read,
        states: state_tensors,
    };
    let out = Dispatch::fused_step(tensors, args);
    for (slot, t) in step.written.iter_mut().zip(out.written) {
        *slot = Tensor::from_dispatch(t);
    }
    let mut out_states = out.states.into_iter();
    for slots in states {
        for slot in slots.iter_mut() {
            *slot = Tensor::from_dispatch(out_states.next().expect("one per leaf and state"));
        }
    }
}
