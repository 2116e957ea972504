//! Fused kernels against optax-core's reference transforms on the flex device, bit for bit
//! (the cases: `common/equality_cases.rs`; the same cases run on ndarray in
//! `ndarray_equality.rs`).

use burn::tensor::Device;

fn dev() -> Device {
    Device::flex()
}

#[path = "common/equality_cases.rs"]
mod cases;
