//! Spec entries of the RMS family and the memory-efficient optimizers: Adafactor's factored
//! RMS, NovoGrad, RMSProp (plain and centered), Adagrad and SM3 (building blocks and aliases).

use super::registry::TransformBuilder;
use super::Args;
use crate::error::Result;
use crate::hyper::Scalar;
use crate::transform::GradientTransformation;
use crate::{alias, set_args, transforms};

pub(crate) const TRANSFORMS: &[(&str, TransformBuilder)] = &[
    ("scale_by_factored_rms", scale_by_factored_rms),
    ("scale_by_novograd", scale_by_novograd),
    ("scale_by_rms", scale_by_rms),
    ("scale_by_stddev", scale_by_stddev),
    ("scale_by_rss", scale_by_rss),
    ("scale_by_sm3", scale_by_sm3),
    ("adafactor", adafactor),
    ("novograd", novograd),
    ("rmsprop", rmsprop),
    ("adagrad", adagrad),
    ("sm3", sm3),
];

/// `decay_rate_fn`: `null` for Optax's default (`1 - (t + 1)^(-decay_rate)`), or a schedule
/// spec, evaluated at the offset step `t - step_offset` (`decay_rate` is then unused).
fn scale_by_factored_rms(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::scale_by_factored_rms();
    set_args!(a, t; factored: flag, decay_rate: num, step_offset: int,
        min_dim_size_to_factor: int, epsilon: num);
    if let Some(s) = a.schedule_fn("decay_rate_fn")? {
        t = t.decay_rate_fn(move |step, _| Scalar::Value(s.at(step)));
    }
    a.build(t)
}

fn scale_by_novograd(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::scale_by_novograd();
    set_args!(a, t; b1: num, b2: num, eps: num, eps_root: num, weight_decay: num, mu_dtype: dtype);
    a.build(t)
}

fn scale_by_rms(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::scale_by_rms();
    set_args!(a, t; decay: num, eps: num, initial_scale: num, eps_in_sqrt: flag,
        bias_correction: flag);
    a.build(t)
}

fn scale_by_stddev(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::scale_by_stddev();
    set_args!(a, t; decay: num, eps: num, initial_scale: num, eps_in_sqrt: flag,
        bias_correction: flag);
    a.build(t)
}

fn scale_by_rss(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::scale_by_rss();
    set_args!(a, t; initial_accumulator_value: num, eps: num);
    a.build(t)
}

fn scale_by_sm3(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::scale_by_sm3();
    set_args!(a, t; b1: num, b2: num, eps: num);
    a.build(t)
}

/// `clipping_threshold: null` disables clipping (its default is 1.0).
fn adafactor(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = alias::adafactor();
    set_args!(a, t; learning_rate: sched, min_dim_size_to_factor: int, decay_rate: num,
        decay_offset: int, multiply_by_parameter_scale: flag);
    let no_clipping = a.is_null("clipping_threshold");
    if let Some(v) = a.num("clipping_threshold")? {
        t = t.clipping_threshold(v);
    } else if no_clipping {
        t = t.clipping_threshold_opt(None);
    }
    set_args!(a, t; momentum: num, dtype_momentum: dtype, weight_decay_rate: sched, eps: num,
        factored: flag, weight_decay_mask: mask);
    a.build(t)
}

/// `weight_decay` is read as Optax types it (number or schedule); a schedule is then rejected
/// by `scale_by_novograd`, which multiplies the parameters by it directly, as Optax fails on it.
fn novograd(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = alias::novograd(a.sched_req("learning_rate")?);
    set_args!(a, t; b1: num, b2: num, eps: num, eps_root: num, weight_decay: sched);
    a.build(t)
}

fn rmsprop(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = alias::rmsprop(a.sched_req("learning_rate")?);
    set_args!(a, t; decay: num, eps: num, initial_scale: num, eps_in_sqrt: flag, centered: flag,
        momentum: num, nesterov: flag, bias_correction: flag);
    a.build(t)
}

fn adagrad(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = alias::adagrad(a.sched_req("learning_rate")?);
    set_args!(a, t; initial_accumulator_value: num, eps: num);
    a.build(t)
}

/// `learning_rate` is a number (Optax's `sm3` negates it directly, so it takes no schedule).
fn sm3(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = alias::sm3(a.num_req("learning_rate")?);
    set_args!(a, t; momentum: num);
    a.build(t)
}
