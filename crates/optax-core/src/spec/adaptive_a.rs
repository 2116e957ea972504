//! Spec entries of the Adam variants: AMSGrad, Adamax, Adadelta, Adan, AdaBelief, Lion, RAdam
//! and Yogi (building blocks and aliases).

use super::registry::TransformBuilder;
use super::Args;
use crate::error::Result;
use crate::transform::GradientTransformation;
use crate::transforms::LionMode;
use crate::{alias, set_args, transforms};

pub(crate) const TRANSFORMS: &[(&str, TransformBuilder)] = &[
    ("scale_by_amsgrad", scale_by_amsgrad),
    ("scale_by_adamax", scale_by_adamax),
    ("scale_by_adadelta", scale_by_adadelta),
    ("scale_by_adan", scale_by_adan),
    ("scale_by_belief", scale_by_belief),
    ("scale_by_lion", scale_by_lion),
    ("scale_by_radam", scale_by_radam),
    ("scale_by_yogi", scale_by_yogi),
    ("amsgrad", amsgrad),
    ("adamax", adamax),
    ("adamaxw", adamaxw),
    ("adadelta", adadelta),
    ("adabelief", adabelief),
    ("adan", adan),
    ("lion", lion),
    ("radam", radam),
    ("yogi", yogi),
];

fn scale_by_amsgrad(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::scale_by_amsgrad();
    set_args!(a, t; b1: num, b2: num, eps: num, eps_root: num, mu_dtype: dtype,
        bias_correction_mu: flag, bias_correction_nu: flag);
    a.build(t)
}

fn scale_by_adamax(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::scale_by_adamax();
    set_args!(a, t; b1: num, b2: num, eps: num);
    a.build(t)
}

fn scale_by_adadelta(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::scale_by_adadelta();
    set_args!(a, t; rho: num, eps: num);
    a.build(t)
}

fn scale_by_adan(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::scale_by_adan();
    set_args!(a, t; b1: num, b2: num, b3: num, eps: num, eps_root: num);
    a.build(t)
}

fn scale_by_belief(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::scale_by_belief();
    set_args!(a, t; b1: num, b2: num, eps: num, eps_root: num, nesterov: flag);
    a.build(t)
}

/// Optax's `mode` string of `scale_by_lion`.
fn lion_mode(a: &mut Args) -> Result<Option<LionMode>> {
    match a.text("mode")? {
        Some(m) => Ok(Some(m.parse::<LionMode>().map_err(|e| a.locate(e))?)),
        None => Ok(None),
    }
}

fn scale_by_lion(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::scale_by_lion();
    set_args!(a, t; b1: num, b2: num, mu_dtype: dtype);
    if let Some(mode) = lion_mode(a)? {
        t = t.mode(mode);
    }
    set_args!(a, t; smooth_beta: num);
    a.build(t)
}

fn scale_by_radam(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::scale_by_radam();
    set_args!(a, t; b1: num, b2: num, eps: num, eps_root: num, threshold: num, nesterov: flag);
    a.build(t)
}

fn scale_by_yogi(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::scale_by_yogi();
    set_args!(a, t; b1: num, b2: num, eps: num, eps_root: num, initial_accumulator_value: num);
    a.build(t)
}

fn amsgrad(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = alias::amsgrad(a.sched_req("learning_rate")?);
    set_args!(a, t; b1: num, b2: num, eps: num, eps_root: num, mu_dtype: dtype,
        bias_correction_mu: flag, bias_correction_nu: flag);
    a.build(t)
}

fn adamax(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = alias::adamax(a.sched_req("learning_rate")?);
    set_args!(a, t; b1: num, b2: num, eps: num);
    a.build(t)
}

fn adamaxw(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = alias::adamaxw(a.sched_req("learning_rate")?);
    set_args!(a, t; b1: num, b2: num, eps: num, weight_decay: sched, mask: mask);
    a.build(t)
}

fn adadelta(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = alias::adadelta();
    set_args!(a, t; learning_rate: sched, rho: num, eps: num, weight_decay: sched,
        weight_decay_mask: mask);
    a.build(t)
}

fn adabelief(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = alias::adabelief(a.sched_req("learning_rate")?);
    set_args!(a, t; b1: num, b2: num, eps: num, eps_root: num, nesterov: flag);
    a.build(t)
}

fn adan(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = alias::adan(a.sched_req("learning_rate")?);
    set_args!(a, t; b1: num, b2: num, b3: num, eps: num, eps_root: num, weight_decay: sched,
        mask: mask);
    a.build(t)
}

fn lion(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = alias::lion(a.sched_req("learning_rate")?);
    set_args!(a, t; b1: num, b2: num, mu_dtype: dtype, weight_decay: sched, mask: mask);
    a.build(t)
}

fn radam(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = alias::radam(a.sched_req("learning_rate")?);
    set_args!(a, t; b1: num, b2: num, eps: num, eps_root: num, threshold: num, nesterov: flag);
    a.build(t)
}

fn yogi(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = alias::yogi(a.sched_req("learning_rate")?);
    set_args!(a, t; b1: num, b2: num, eps: num);
    a.build(t)
}
