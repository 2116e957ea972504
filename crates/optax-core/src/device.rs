//! Choosing a device: the CPU (burn-flex, the default), a WebGPU/Vulkan adapter through wgpu,
//! or burn-ndarray behind the `ndarray` feature.

use burn::tensor::{Device, DeviceType};

use crate::error::{OptaxError, Result};

/// The CPU device (burn-flex).
pub fn cpu() -> Device {
    Device::flex()
}

/// The first WebGPU adapter wgpu finds (Vulkan, Metal, DX12 or a software Vulkan such as
/// lavapipe); an error naming the fix when there is none.
#[cfg(feature = "wgpu")]
pub fn wgpu() -> Result<Device> {
    Device::enumerate(DeviceType::Wgpu)
        .into_vec()
        .into_iter()
        .next()
        .ok_or(OptaxError::NoAdapter)
}

/// Without the `wgpu` feature there is no wgpu device.
#[cfg(not(feature = "wgpu"))]
pub fn wgpu() -> Result<Device> {
    Err(OptaxError::NoAdapter)
}

/// A device by name: `cpu` (or `flex`), `wgpu`, or `ndarray` (with the `ndarray` feature).
pub fn by_name(name: &str) -> Result<Device> {
    match name {
        "cpu" | "flex" => Ok(cpu()),
        "wgpu" => wgpu(),
        // burn-ndarray is deprecated upstream; the `ndarray` feature opts in.
        #[cfg(feature = "ndarray")]
        #[allow(deprecated)]
        "ndarray" => Ok(Device::ndarray()),
        #[cfg(not(feature = "ndarray"))]
        "ndarray" => Err(OptaxError::invalid(
            "device",
            "ndarray support is not compiled in: build with `--features ndarray`",
        )),
        other => Err(OptaxError::invalid(
            "device",
            format!("unknown device `{other}` (expected cpu, wgpu or ndarray)"),
        )),
    }
}
