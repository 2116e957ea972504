//! The float32 buffer of a burn-flex tensor.
//!
//! A `Tensor<1>` on `Device::flex()` wraps a `FlexTensor`: an `Arc` of bytes plus a layout.
//! `Tensor::try_into_primitive::<Flex>()` gives the `FlexTensor` and `Tensor::from_primitive`
//! wraps one back, both without copying. `FlexTensor::is_unique` says whether the `Arc` is
//! shared; `try_storage_mut` gives the bytes of an unshared one to write in place.

use burn::backend::flex::FlexTensor;
use burn::backend::{DispatchDevice, Flex};
use burn::tensor::{Device, Tensor, TensorData};

/// Whether `device` is the flex device (without autodiff).
pub fn is_flex(device: &Device) -> bool {
    matches!(device.as_dispatch(), DispatchDevice::Flex(_))
}

/// A contiguous float32 flex tensor and the range of its elements in its storage.
pub(super) struct FlexBuf {
    tensor: FlexTensor,
    start: usize,
    end: usize,
}

impl FlexBuf {
    /// Takes the primitive of `t` (a float32 flex tensor), made contiguous if it is not.
    pub(super) fn take(t: Tensor<1>) -> Self {
        let f = t
            .try_into_primitive::<Flex>()
            .expect("checked to be a flex tensor");
        // One layout query for the usual (contiguous) tensor: small steps feel every call.
        if let Some((start, end)) = f.layout().contiguous_offsets() {
            return Self {
                tensor: f,
                start,
                end,
            };
        }
        let tensor = f.to_contiguous();
        let (start, end) = tensor
            .layout()
            .contiguous_offsets()
            .expect("made contiguous");
        Self { tensor, start, end }
    }

    pub(super) fn slice(&self) -> &[f32] {
        &self.tensor.storage::<f32>()[self.start..self.end]
    }

    /// Whether no other tensor shares the storage.
    pub(super) fn is_unique(&self) -> bool {
        self.tensor.is_unique()
    }

    /// The elements, to write in place; only for a unique buffer.
    pub(super) fn slice_mut(&mut self) -> &mut [f32] {
        let storage = self
            .tensor
            .try_storage_mut::<f32>()
            .expect("checked unique");
        &mut storage[self.start..self.end]
    }

    pub(super) fn into_tensor(self) -> Tensor<1> {
        Tensor::from_primitive::<Flex>(self.tensor)
    }

    /// A new flex tensor owning `data` (no copy).
    pub(super) fn from_vec(data: Vec<f32>) -> Tensor<1> {
        let n = data.len();
        Tensor::from_primitive::<Flex>(FlexTensor::from_data(TensorData::new(data, [n])))
    }
}
