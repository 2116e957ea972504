//! Access to the float32 buffers of burn-flex tensors.
//!
//! A `Tensor<1>` on `Device::flex()` wraps a `FlexTensor`: an `Arc` of bytes plus a layout.
//! `Tensor::try_into_primitive::<Flex>()` gives the `FlexTensor` and `Tensor::from_primitive`
//! wraps one back, both without copying. A buffer whose `Arc` is not shared
//! (`FlexTensor::is_unique`) is written in place; a shared one (a tensor the caller also
//! holds, e.g. the state of `update(&state)`) is read, and the result goes to a fresh buffer,
//! so the caller's tensor never changes under it.

use std::mem::MaybeUninit;

use burn::backend::flex::FlexTensor;
use burn::backend::{DispatchDevice, Flex};
use burn::tensor::{DType, Device, Tensor, TensorData};

use crate::engine::Stream;
use crate::FusedError;

/// Whether `t` is a float32 tensor of the flex device (without autodiff).
pub(crate) fn is_flex_f32(t: &Tensor<1>) -> bool {
    t.dtype() == DType::F32 && is_flex(&t.device())
}

/// Whether `device` is the flex device (without autodiff).
pub fn is_flex(device: &Device) -> bool {
    matches!(device.as_dispatch(), DispatchDevice::Flex(_))
}

fn into_flex(t: Tensor<1>) -> FlexTensor {
    let f = t
        .try_into_primitive::<Flex>()
        .expect("checked to be a flex tensor");
    if f.layout().contiguous_offsets().is_some() {
        f
    } else {
        f.to_contiguous()
    }
}

fn range(f: &FlexTensor) -> (usize, usize) {
    f.layout().contiguous_offsets().expect("made contiguous")
}

/// A leaf read by a step.
pub(crate) struct ReadLeaf {
    tensor: FlexTensor,
    start: usize,
    end: usize,
}

impl ReadLeaf {
    pub(crate) fn new(t: &Tensor<1>) -> Self {
        let tensor = into_flex(t.clone());
        let (start, end) = range(&tensor);
        Self { tensor, start, end }
    }

    pub(crate) fn slice(&self) -> &[f32] {
        &self.tensor.storage::<f32>()[self.start..self.end]
    }

    pub(crate) fn stream(&self) -> Stream<'_> {
        Stream::Read(self.slice())
    }
}

/// A leaf read and written by a step, taken out of the caller's slot.
pub(crate) struct RwLeaf {
    tensor: FlexTensor,
    start: usize,
    end: usize,
    /// The output buffer when the input is shared (written before `finish`).
    fresh: Option<Vec<f32>>,
}

impl RwLeaf {
    /// Takes the tensor out of `slot` (leaving `placeholder` there until [`RwLeaf::finish`]).
    pub(crate) fn take(slot: &mut Tensor<1>, placeholder: &Tensor<1>) -> Self {
        let t = std::mem::replace(slot, placeholder.clone());
        let tensor = into_flex(t);
        let (start, end) = range(&tensor);
        let fresh = (!tensor.is_unique()).then(|| Vec::with_capacity(end - start));
        Self {
            tensor,
            start,
            end,
            fresh,
        }
    }

    /// Whether the step writes this leaf in place.
    pub(crate) fn in_place(&self) -> bool {
        self.fresh.is_none()
    }

    pub(crate) fn stream(&mut self) -> Stream<'_> {
        let (start, end) = (self.start, self.end);
        match &mut self.fresh {
            None => {
                let storage = self
                    .tensor
                    .try_storage_mut::<f32>()
                    .expect("checked unique");
                Stream::InPlace(&mut storage[start..end])
            }
            Some(out) => {
                let src = &self.tensor.storage::<f32>()[start..end];
                let dst: &mut [MaybeUninit<f32>] = &mut out.spare_capacity_mut()[..end - start];
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
            None => Tensor::from_primitive::<Flex>(self.tensor),
            Some(mut out) => {
                let n = self.end - self.start;
                // SAFETY: the caller guarantees that the engine wrote all `n` elements.
                unsafe { out.set_len(n) };
                Tensor::from_primitive::<Flex>(FlexTensor::from_data(TensorData::new(out, [n])))
            }
        }
    }
}

/// The global L2 norm of `grads` by the very tensor ops of optax-core's reference
/// (`tree::norm`, which `clip_by_global_norm` uses), so that a fused clip takes the same
/// branch and divides by the same float32 number as the chain:
///
/// ```text
/// s_i = sum(g_i · g_i)              float32 squares, flex's float32 `sum` (its SIMD order)
/// n   = sqrt(((s_0 + s_1) + …) + s_{L-1})   float32 adds in leaf order, float32 sqrt
/// ```
///
/// A float32 sum depends on its order, and flex's order (SIMD accumulators whose width is
/// picked at run time for the CPU) cannot be reproduced by an independent loop: any other
/// order differs in the last bits, and a clipped step by as much. The price is the reference's
/// temporary `g·g` per leaf (8 more bytes of traffic per parameter on the clip path).
///
/// The sum of a leaf of 4M elements or more is parallel in flex (rayon, an order that can
/// change between runs), so from that size the reference agrees with itself, and this norm
/// with it, only up to float32 rounding.
///
/// `grads` must be flex tensors (checked by the caller); an empty list has norm 0.
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

/// A zero-element flex tensor, left in the caller's slots while their tensors are taken.
pub(crate) fn placeholder() -> Tensor<1> {
    Tensor::empty([0], &Device::flex())
}
