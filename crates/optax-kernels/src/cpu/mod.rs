//! The leaves of a step on a CPU device: the float32 buffers of burn tensors, taken without
//! copying, as the engine's streams. Flex always; ndarray behind the `ndarray` feature.
//!
//! A step takes each tensor it writes out of the caller's slot and gets its float32 storage
//! (the backend's primitive, made contiguous when it is not). A buffer that no other tensor
//! shares is written in place; a shared one (a tensor the caller also holds, e.g. the state of
//! `update(&state)`, or ndarray storage borrowed from a file) is read, and the result goes to a
//! fresh buffer, so the caller's tensor never changes under it. Only this access differs
//! between the devices (`flex.rs`, `ndarray.rs`); the engine and the rules are the same code.

mod flex;
#[cfg(feature = "ndarray")]
mod ndarray;

use std::mem::MaybeUninit;

use burn::tensor::{DType, Device, Tensor};

use crate::engine::Stream;
use crate::FusedError;

pub use flex::is_flex;
#[cfg(feature = "ndarray")]
pub use ndarray::is_ndarray;

/// A CPU device that the engine runs steps on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cpu {
    /// `Device::flex()`.
    Flex,
    /// `Device::ndarray()`.
    #[cfg(feature = "ndarray")]
    NdArray,
}

impl Cpu {
    /// The CPU device of `device` (flex when it is none: the checks then report the tensors
    /// as unsupported).
    pub(crate) fn of(device: &Device) -> Self {
        let all = [
            Cpu::Flex,
            #[cfg(feature = "ndarray")]
            Cpu::NdArray,
        ];
        all.into_iter()
            .find(|cpu| cpu.is(device))
            .unwrap_or(Cpu::Flex)
    }

    /// Whether `t` is a float32 tensor of this device (without autodiff).
    pub(crate) fn holds(self, t: &Tensor<1>) -> bool {
        t.dtype() == DType::F32 && self.is(&t.device())
    }

    fn is(self, device: &Device) -> bool {
        match self {
            Cpu::Flex => flex::is_flex(device),
            #[cfg(feature = "ndarray")]
            Cpu::NdArray => ndarray::is_ndarray(device),
        }
    }

    /// The device's constructor, for messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Cpu::Flex => "Device::flex()",
            #[cfg(feature = "ndarray")]
            Cpu::NdArray => "Device::ndarray()",
        }
    }

    /// A zero-element tensor of this device, left in the caller's slots while their tensors
    /// are taken (never read).
    pub(crate) fn placeholder(self) -> Tensor<1> {
        // One empty tensor per thread and device, shared (it is never written): a step on a
        // small model should not pay for an allocation here.
        thread_local! {
            static FLEX: Tensor<1> = Tensor::empty([0], &Device::flex());
        }
        #[cfg(feature = "ndarray")]
        thread_local! {
            // burn-ndarray is deprecated upstream; the `ndarray` feature opts in.
            #[allow(deprecated)]
            static NDARRAY: Tensor<1> = Tensor::empty([0], &Device::ndarray());
        }
        match self {
            Cpu::Flex => FLEX.with(Tensor::clone),
            #[cfg(feature = "ndarray")]
            Cpu::NdArray => NDARRAY.with(Tensor::clone),
        }
    }
}

/// The float32 buffer of a taken tensor.
enum Buf {
    Flex(flex::FlexBuf),
    #[cfg(feature = "ndarray")]
    NdArray(ndarray::NdBuf),
}

impl Buf {
    fn take(cpu: Cpu, t: Tensor<1>) -> Self {
        match cpu {
            Cpu::Flex => Buf::Flex(flex::FlexBuf::take(t)),
            #[cfg(feature = "ndarray")]
            Cpu::NdArray => Buf::NdArray(ndarray::NdBuf::take(t)),
        }
    }

    fn slice(&self) -> &[f32] {
        match self {
            Buf::Flex(b) => b.slice(),
            #[cfg(feature = "ndarray")]
            Buf::NdArray(b) => b.slice(),
        }
    }

    fn is_unique(&self) -> bool {
        match self {
            Buf::Flex(b) => b.is_unique(),
            #[cfg(feature = "ndarray")]
            Buf::NdArray(b) => b.is_unique(),
        }
    }

    /// Only for a unique buffer.
    fn slice_mut(&mut self) -> &mut [f32] {
        match self {
            Buf::Flex(b) => b.slice_mut(),
            #[cfg(feature = "ndarray")]
            Buf::NdArray(b) => b.slice_mut(),
        }
    }

    fn into_tensor(self) -> Tensor<1> {
        match self {
            Buf::Flex(b) => b.into_tensor(),
            #[cfg(feature = "ndarray")]
            Buf::NdArray(b) => b.into_tensor(),
        }
    }

    /// A new tensor of this buffer's device owning `data`.
    fn fresh(&self, data: Vec<f32>) -> Tensor<1> {
        match self {
            Buf::Flex(_) => flex::FlexBuf::from_vec(data),
            #[cfg(feature = "ndarray")]
            Buf::NdArray(_) => ndarray::NdBuf::from_vec(data),
        }
    }
}

/// A leaf read by a step.
pub(crate) struct ReadLeaf(Buf);

impl ReadLeaf {
    /// `t` must be a float32 tensor of `cpu` (checked by the caller).
    pub(crate) fn new(cpu: Cpu, t: &Tensor<1>) -> Self {
        Self(Buf::take(cpu, t.clone()))
    }

    pub(crate) fn stream(&self) -> Stream<'_> {
        Stream::Read(self.0.slice())
    }
}

/// A leaf read and written by a step, taken out of the caller's slot.
pub(crate) struct RwLeaf {
    buf: Buf,
    /// The output buffer when the input is shared (written before `finish`).
    fresh: Option<Vec<f32>>,
}

impl RwLeaf {
    /// Takes the tensor out of `slot` (leaving `placeholder` there until [`RwLeaf::finish`]);
    /// it must be a float32 tensor of `cpu` (checked by the caller).
    pub(crate) fn take(cpu: Cpu, slot: &mut Tensor<1>, placeholder: &Tensor<1>) -> Self {
        let t = std::mem::replace(slot, placeholder.clone());
        let buf = Buf::take(cpu, t);
        let fresh = (!buf.is_unique()).then(|| Vec::with_capacity(buf.slice().len()));
        Self { buf, fresh }
    }

    /// Whether the step writes this leaf in place.
    pub(crate) fn in_place(&self) -> bool {
        self.fresh.is_none()
    }

    pub(crate) fn stream(&mut self) -> Stream<'_> {
        match &mut self.fresh {
            None => Stream::InPlace(self.buf.slice_mut()),
            Some(out) => {
                let src = self.buf.slice();
                let dst: &mut [MaybeUninit<f32>] = &mut out.spare_capacity_mut()[..src.len()];
                Stream::Fresh(src, dst)
            }
        }
    }

    /// The written tensor.
    ///
    /// # Safety
    /// When the leaf was not in place, every element of its stream must have been written.
    pub(crate) unsafe fn finish(self) -> Tensor<1> {
        match self.fresh {
            None => self.buf.into_tensor(),
            Some(mut out) => {
                let n = self.buf.slice().len();
                // SAFETY: the caller guarantees that the engine wrote all `n` elements.
                unsafe { out.set_len(n) };
                self.buf.fresh(out)
            }
        }
    }
}

/// The global L2 norm of `grads` by the very tensor ops of optax-core's reference
/// (`tree::norm`, which `clip_by_global_norm` uses), so that a fused clip takes the same
/// branch and divides by the same float32 number as the chain:
///
/// ```text
/// s_i = sum(g_i · g_i)              float32 squares, the device's float32 `sum` (its order)
/// n   = sqrt(((s_0 + s_1) + …) + s_{L-1})   float32 adds in leaf order, float32 sqrt
/// ```
///
/// A float32 sum depends on its order, and the device's order (on flex, SIMD accumulators
/// whose width is picked at run time for the CPU; on ndarray, the crate ndarray's `sum` with
/// its 8 interleaved accumulators) is not reproduced by an independent loop: any other order
/// differs in the last bits, and a clipped step by as much. The price is the reference's
/// temporary `g·g` per leaf (8 more bytes of traffic per parameter on the clip path).
///
/// The sum of a leaf of 4M elements or more is parallel in flex (rayon, an order that can
/// change between runs), so from that size the reference agrees with itself, and this norm
/// with it, only up to float32 rounding; ndarray's sum is sequential.
///
/// `grads` must be tensors of one CPU device (checked by the caller); an empty list has
/// norm 0.
pub(crate) fn reference_norm(grads: &[Tensor<1>]) -> Result<f32, FusedError> {
    let sums = grads.iter().map(|g| (g.clone() * g.clone()).sum());
    match sums.reduce(|acc, s| acc + s) {
        Some(total) => total
            .sqrt()
            .try_into_scalar::<f32>()
            .map_err(|e| FusedError::Unsupported(format!("reading the global norm: {e:?}"))),
        None => Ok(0.0),
    }
}
