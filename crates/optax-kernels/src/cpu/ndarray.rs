//! The float32 buffer of a burn-ndarray tensor (the `ndarray` feature).
//!
//! A `Tensor<1>` on `Device::ndarray()` wraps an `NdArrayTensor`; a float32 one is
//! `NdArrayTensor::F32` of a storage that is either an `ArcArray` (owned, copy-on-write
//! through the `Arc`'s count) or bytes borrowed zero-copy from a file. As on flex,
//! `Tensor::try_into_primitive::<NdArray>()` and `Tensor::from_primitive` move it out and back
//! without copying.
//!
//! Two care points, both so that a tensor the caller still holds never changes:
//!
//! - ndarray's mutable accessors (`as_slice_mut` and the like) copy a shared array silently
//!   (`ensure_unique`), so one is called only on a storage that `is_unique` reports unshared,
//!   where it copies nothing; a shared one is read and the result goes to a fresh buffer.
//! - Borrowed storage reports itself as not unique, so it is read in place and never written.

// burn-ndarray is deprecated upstream (burn 0.22 prefers flex); the `ndarray` feature opts in.
#![allow(deprecated)]

use burn::backend::ndarray::NdArrayTensor;
use burn::backend::{DispatchDevice, NdArray};
use burn::tensor::{Device, Tensor, TensorData};

/// Whether `device` is the ndarray device (without autodiff).
pub fn is_ndarray(device: &Device) -> bool {
    matches!(device.as_dispatch(), DispatchDevice::NdArray(_))
}

/// A float32 ndarray tensor in standard layout (its elements one contiguous slice).
pub(super) struct NdBuf(NdArrayTensor);

impl NdBuf {
    /// Takes the primitive of `t` (a float32 ndarray tensor); one that is not in standard
    /// layout (e.g. reversed) is copied into a new array that is.
    pub(super) fn take(t: Tensor<1>) -> Self {
        let nd = t
            .try_into_primitive::<NdArray>()
            .expect("checked to be an ndarray tensor");
        match nd {
            NdArrayTensor::F32(s) if s.view().is_standard_layout() => Self(NdArrayTensor::F32(s)),
            NdArrayTensor::F32(s) => {
                let array = s.view().as_standard_layout().into_owned().into_shared();
                Self(NdArrayTensor::from(array))
            }
            _ => unreachable!("checked to be float32"),
        }
    }

    pub(super) fn slice(&self) -> &[f32] {
        match &self.0 {
            NdArrayTensor::F32(s) => s.view().to_slice().expect("standard layout"),
            _ => unreachable!("float32"),
        }
    }

    /// Whether the storage is owned and no other tensor shares it (borrowed storage never is).
    pub(super) fn is_unique(&self) -> bool {
        match &self.0 {
            NdArrayTensor::F32(s) => s.is_unique(),
            _ => unreachable!("float32"),
        }
    }

    /// The elements, to write in place; only for a unique buffer, where neither
    /// `ensure_owned` nor `as_slice_mut` copies.
    pub(super) fn slice_mut(&mut self) -> &mut [f32] {
        match &mut self.0 {
            NdArrayTensor::F32(s) => {
                assert!(s.is_unique(), "checked unique");
                s.ensure_owned().as_slice_mut().expect("standard layout")
            }
            _ => unreachable!("float32"),
        }
    }

    pub(super) fn into_tensor(self) -> Tensor<1> {
        Tensor::from_primitive::<NdArray>(self.0)
    }

    /// A new ndarray tensor owning `data` (no copy).
    pub(super) fn from_vec(data: Vec<f32>) -> Tensor<1> {
        let n = data.len();
        Tensor::from_primitive::<NdArray>(NdArrayTensor::from_data(TensorData::new(data, [n])))
    }
}
