//! What the optimizers of `optax.contrib` share: host arithmetic rounded as Optax's float32
//! arithmetic under `jit`, hyperparameters read to the host, scalar state fields kept on the
//! device as one-element tensors, and the loss `value` extra argument.

use burn::tensor::{Device, Tensor, TensorData};

use crate::error::{OptaxError, Result};
use crate::hyper::Hyper;
use crate::state::State;
use crate::transform::Extra;
use crate::tree::Tree;

/// `x` rounded to float32: a Python float meeting a float32 array.
pub(crate) fn f32r(x: f64) -> f64 {
    x as f32 as f64
}

/// A hyperparameter read to the host (a tensor is read back).
pub(crate) fn host(h: &Hyper, name: &str) -> Result<f64> {
    Ok(h.scalar(name)?.to_f64())
}

/// `1 - decay^n` as Optax computes it under `jit` with an int32 step count: `decay` rounded to
/// float32, the power correctly rounded, the difference in float32.
pub(crate) fn one_minus_pow(decay: f64, n: i64) -> f32 {
    let n = n.clamp(0, i32::MAX as i64) as i32;
    1.0f32 - f32r(decay).powi(n) as f32
}

/// A one-element float32 tensor holding `v`.
pub(crate) fn scalar(v: f64, device: &Device) -> Tensor<1> {
    Tensor::from_data(TensorData::new(vec![v as f32], [1]), device)
}

/// The device of a tree's leaves (the default device for an empty tree).
pub(crate) fn device_of(tree: &Tree) -> Device {
    tree.device().unwrap_or_default()
}

/// The tensor field `name` of the record `kind`, checked to hold `len` elements.
pub(crate) fn tensor_field(state: &State, kind: &str, name: &str, len: usize) -> Result<Tensor<1>> {
    let t = state.field(name)?.as_tensor()?;
    if t.dims() != [len] {
        return Err(OptaxError::state(
            format!("{kind}.{name}"),
            format!("expected {len} elements, found {}", t.dims()[0]),
        ));
    }
    Ok(t.clone())
}

/// The loss `value` extra argument, as a one-element tensor on `device`.
pub(crate) fn loss_value(extra: &Extra, transform: &str, device: &Device) -> Result<Tensor<1>> {
    let v = extra
        .get("value")
        .ok_or_else(|| OptaxError::ExtraArgRequired {
            transform: transform.to_string(),
            arg: "value".to_string(),
        })?;
    let t = v.to_tensor(device);
    if t.dims() != [1] {
        return Err(OptaxError::input(transform, "`value` must be a scalar"));
    }
    Ok(t)
}

/// Checks that a hyperparameter is finite.
pub(crate) fn check_finite(name: &str, v: f64) -> Result<()> {
    if v.is_finite() {
        Ok(())
    } else {
        Err(OptaxError::invalid(name, "must be finite"))
    }
}

/// Checks a decay rate in `[0, 1]`.
pub(crate) fn check_unit(name: &str, v: f64) -> Result<()> {
    if (0.0..=1.0).contains(&v) {
        Ok(())
    } else {
        Err(OptaxError::invalid(name, "must be in [0, 1]"))
    }
}

/// Checks a finite constant `>= 0`.
pub(crate) fn check_nonneg(name: &str, v: f64) -> Result<()> {
    if v >= 0.0 && v.is_finite() {
        Ok(())
    } else {
        Err(OptaxError::invalid(name, "must be finite and >= 0"))
    }
}

/// Checks a finite constant `> 0`.
pub(crate) fn check_pos(name: &str, v: f64) -> Result<()> {
    if v > 0.0 && v.is_finite() {
        Ok(())
    } else {
        Err(OptaxError::invalid(name, "must be finite and > 0"))
    }
}
