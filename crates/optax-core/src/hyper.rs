//! Hyperparameters: a number, a schedule of the step count, or a tensor.
//!
//! A tensor hyperparameter lets gradients flow into it on an autodiff device (learned
//! optimizers); a number stays on the host, where arithmetic on it is free.

use std::ops::{Add, Div, Mul, Neg, Sub};

use burn::tensor::{Device, Tensor, TensorData};

use crate::error::{OptaxError, Result};
use crate::schedules::Schedule;

/// A scalar that is either a host number or a one-element tensor on a device.
// A `Tensor` is large (~256 bytes) next to a number; boxing it would add an allocation to
// every hyperparameter and state value, and these enums are cloned per step, not stored in bulk.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Scalar {
    /// A host number.
    Value(f64),
    /// A one-element tensor (shape `[1]`), possibly tracked by autodiff.
    Tensor(Tensor<1>),
}

impl From<f64> for Scalar {
    fn from(v: f64) -> Self {
        Scalar::Value(v)
    }
}

impl From<f32> for Scalar {
    fn from(v: f32) -> Self {
        Scalar::Value(v as f64)
    }
}

impl From<Tensor<1>> for Scalar {
    fn from(t: Tensor<1>) -> Self {
        Scalar::Tensor(t)
    }
}

impl Scalar {
    /// The host value, if this is a number.
    pub fn value(&self) -> Option<f64> {
        match self {
            Scalar::Value(v) => Some(*v),
            Scalar::Tensor(_) => None,
        }
    }

    /// The value as a one-element tensor on `device`.
    pub fn to_tensor(&self, device: &Device) -> Tensor<1> {
        match self {
            Scalar::Value(v) => Tensor::from_data(TensorData::new(vec![*v as f32], [1]), device),
            Scalar::Tensor(t) => t.clone(),
        }
    }

    /// Reads the value to the host (a device read for a tensor).
    pub fn to_f64(&self) -> f64 {
        match self {
            Scalar::Value(v) => *v,
            Scalar::Tensor(t) => t.clone().into_scalar::<f32>() as f64,
        }
    }

    fn unary(self, f: impl FnOnce(f64) -> f64, g: impl FnOnce(Tensor<1>) -> Tensor<1>) -> Scalar {
        match self {
            Scalar::Value(v) => Scalar::Value(f(v)),
            Scalar::Tensor(t) => Scalar::Tensor(g(t)),
        }
    }

    fn binary(
        self,
        rhs: Scalar,
        f: impl FnOnce(f64, f64) -> f64,
        g: impl FnOnce(Tensor<1>, Tensor<1>) -> Tensor<1>,
    ) -> Scalar {
        match (self, rhs) {
            (Scalar::Value(a), Scalar::Value(b)) => Scalar::Value(f(a, b)),
            (Scalar::Tensor(a), Scalar::Value(b)) => {
                let d = a.device();
                Scalar::Tensor(g(a, Scalar::Value(b).to_tensor(&d)))
            }
            (Scalar::Value(a), Scalar::Tensor(b)) => {
                let d = b.device();
                Scalar::Tensor(g(Scalar::Value(a).to_tensor(&d), b))
            }
            (Scalar::Tensor(a), Scalar::Tensor(b)) => Scalar::Tensor(g(a, b)),
        }
    }

    /// `self^n`.
    pub fn powi(self, n: i32) -> Scalar {
        self.unary(|v| v.powi(n), |t| t.powi_scalar(n))
    }

    /// `self^p`.
    pub fn powf(self, p: Scalar) -> Scalar {
        self.binary(p, f64::powf, |a, b| a.powf(b))
    }

    /// `sqrt(self)`.
    pub fn sqrt(self) -> Scalar {
        self.unary(f64::sqrt, |t| t.sqrt())
    }

    /// `max(self, other)`.
    pub fn max(self, other: Scalar) -> Scalar {
        self.binary(other, f64::max, |a, b| a.max_pair(b))
    }

    /// `min(self, other)`.
    pub fn min(self, other: Scalar) -> Scalar {
        self.binary(other, f64::min, |a, b| a.min_pair(b))
    }

    /// `t * self`, broadcast over `t`.
    pub fn mul_tensor(&self, t: Tensor<1>) -> Tensor<1> {
        match self {
            Scalar::Value(v) => t.mul_scalar(*v),
            Scalar::Tensor(s) => t.mul(s.clone()),
        }
    }

    /// `t / self`, broadcast over `t`.
    pub fn div_tensor(&self, t: Tensor<1>) -> Tensor<1> {
        match self {
            Scalar::Value(v) => t.div_scalar(*v),
            Scalar::Tensor(s) => t.div(s.clone()),
        }
    }

    /// `t + self`, broadcast over `t`.
    pub fn add_tensor(&self, t: Tensor<1>) -> Tensor<1> {
        match self {
            Scalar::Value(v) => t.add_scalar(*v),
            Scalar::Tensor(s) => t.add(s.clone()),
        }
    }

    /// `t - self`, broadcast over `t`.
    pub fn sub_from_tensor(&self, t: Tensor<1>) -> Tensor<1> {
        match self {
            Scalar::Value(v) => t.sub_scalar(*v),
            Scalar::Tensor(s) => t.sub(s.clone()),
        }
    }
}

macro_rules! scalar_op {
    ($trait:ident, $method:ident, $op:tt) => {
        impl $trait for Scalar {
            type Output = Scalar;
            fn $method(self, rhs: Scalar) -> Scalar {
                self.binary(rhs, |a, b| a $op b, |a, b| a $op b)
            }
        }
        impl $trait<f64> for Scalar {
            type Output = Scalar;
            fn $method(self, rhs: f64) -> Scalar {
                self.binary(Scalar::Value(rhs), |a, b| a $op b, |a, b| a $op b)
            }
        }
        impl $trait<Scalar> for f64 {
            type Output = Scalar;
            fn $method(self, rhs: Scalar) -> Scalar {
                Scalar::Value(self).binary(rhs, |a, b| a $op b, |a, b| a $op b)
            }
        }
    };
}

scalar_op!(Add, add, +);
scalar_op!(Sub, sub, -);
scalar_op!(Mul, mul, *);
scalar_op!(Div, div, /);

impl Neg for Scalar {
    type Output = Scalar;
    fn neg(self) -> Scalar {
        self.unary(|v| -v, |t| t.neg())
    }
}

/// A hyperparameter: a number, a schedule of the step count, or a tensor.
///
/// Optax's `ScalarOrSchedule`. Transformations whose Optax signature takes a schedule evaluate it
/// at their own step count; the others accept a number or a tensor only.
// A `Tensor` is large (~256 bytes) next to a number; boxing it would add an allocation to
// every hyperparameter and state value, and these enums are cloned per step, not stored in bulk.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Hyper {
    /// A constant number.
    Value(f64),
    /// A function of the step count.
    Schedule(Schedule),
    /// A one-element tensor (gradients may flow into it).
    Tensor(Tensor<1>),
}

impl From<f64> for Hyper {
    fn from(v: f64) -> Self {
        Hyper::Value(v)
    }
}

impl From<f32> for Hyper {
    fn from(v: f32) -> Self {
        Hyper::Value(v as f64)
    }
}

impl From<i32> for Hyper {
    fn from(v: i32) -> Self {
        Hyper::Value(v as f64)
    }
}

impl From<Schedule> for Hyper {
    fn from(s: Schedule) -> Self {
        Hyper::Schedule(s)
    }
}

impl From<Tensor<1>> for Hyper {
    fn from(t: Tensor<1>) -> Self {
        Hyper::Tensor(t)
    }
}

impl From<Scalar> for Hyper {
    fn from(s: Scalar) -> Self {
        match s {
            Scalar::Value(v) => Hyper::Value(v),
            Scalar::Tensor(t) => Hyper::Tensor(t),
        }
    }
}

impl Hyper {
    /// The value at step `count` (the schedule's value, or the constant).
    pub fn at(&self, count: i64) -> Scalar {
        match self {
            Hyper::Value(v) => Scalar::Value(*v),
            Hyper::Schedule(s) => Scalar::Value(s.at(count)),
            Hyper::Tensor(t) => Scalar::Tensor(t.clone()),
        }
    }

    /// The value of a hyperparameter that takes no schedule.
    pub fn scalar(&self, name: &str) -> Result<Scalar> {
        match self {
            Hyper::Schedule(_) => Err(OptaxError::invalid(
                name,
                "takes a number or a tensor, not a schedule",
            )),
            other => Ok(other.at(0)),
        }
    }

    /// Whether this is a schedule.
    pub fn is_schedule(&self) -> bool {
        matches!(self, Hyper::Schedule(_))
    }

    /// The constant, if this is a host number.
    pub fn constant(&self) -> Option<f64> {
        match self {
            Hyper::Value(v) => Some(*v),
            _ => None,
        }
    }

    /// Checks a host constant with `ok`; schedules and tensors are not checked (their values
    /// are known only when the optimizer runs).
    pub fn check(&self, name: &str, ok: impl FnOnce(f64) -> bool, reason: &str) -> Result<()> {
        match self {
            Hyper::Value(v) if !ok(*v) => Err(OptaxError::invalid(name, reason)),
            _ => Ok(()),
        }
    }
}
