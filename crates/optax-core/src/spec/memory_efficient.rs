//! Spec entries of the memory-efficient optimizers, whose second moments are smaller than the
//! parameters: Adafactor (`scale_by_factored_rms`, `adafactor`), SM3 (`scale_by_sm3`, `sm3`) and
//! NovoGrad (`scale_by_novograd`, `novograd`).

use super::registry::TransformBuilder;
use super::Args;
use crate::error::Result;
use crate::hyper::Scalar;
use crate::transform::GradientTransformation;
use crate::{alias, set_args, transforms};

pub(crate) const TRANSFORMS: &[(&str, TransformBuilder)] = &[
    ("scale_by_factored_rms", scale_by_factored_rms),
    ("scale_by_sm3", scale_by_sm3),
    ("scale_by_novograd", scale_by_novograd),
    ("adafactor", adafactor),
    ("sm3", sm3),
    ("novograd", novograd),
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

fn scale_by_sm3(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::scale_by_sm3();
    set_args!(a, t; b1: num, b2: num, eps: num);
    a.build(t)
}

fn scale_by_novograd(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::scale_by_novograd();
    set_args!(a, t; b1: num, b2: num, eps: num, eps_root: num, weight_decay: num, mu_dtype: dtype);
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

/// `learning_rate` is a number (Optax's `sm3` negates it directly, so it takes no schedule).
fn sm3(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = alias::sm3(a.num_req("learning_rate")?);
    set_args!(a, t; momentum: num);
    a.build(t)
}

/// `weight_decay` is read as Optax types it (number or schedule); a schedule is then rejected
/// by `scale_by_novograd`, which multiplies the parameters by it directly, as Optax fails on it.
fn novograd(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = alias::novograd(a.sched_req("learning_rate")?);
    set_args!(a, t; b1: num, b2: num, eps: num, eps_root: num, weight_decay: sched);
    a.build(t)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::spec::testing::{assert_all_build, assert_errors_at};

    #[test]
    fn every_entry_builds_with_optax_argument_names() {
        assert_all_build(&[
            json!({"scale_by_factored_rms": {"factored": true, "decay_rate": 0.8, "step_offset": 0,
                "min_dim_size_to_factor": 128, "epsilon": 1e-30, "decay_rate_fn": null}}),
            json!({"scale_by_factored_rms": {"decay_rate_fn": {"constant_schedule": {"value": 0.5}}}}),
            json!({"scale_by_sm3": {"b1": 0.9, "b2": 1.0, "eps": 1e-8}}),
            json!({"scale_by_novograd": {"b1": 0.9, "b2": 0.25, "eps": 1e-6, "eps_root": 0.0,
                "weight_decay": 0.0, "mu_dtype": null}}),
            json!({"adafactor": {"learning_rate": null, "min_dim_size_to_factor": 128,
                "decay_rate": 0.8, "decay_offset": 0, "multiply_by_parameter_scale": true,
                "clipping_threshold": 1.0, "momentum": null, "dtype_momentum": "float32",
                "weight_decay_rate": null, "eps": 1e-30, "factored": true,
                "weight_decay_mask": null}}),
            json!({"adafactor": {"clipping_threshold": null}}),
            json!({"sm3": {"learning_rate": 0.1, "momentum": 0.9}}),
            json!({"novograd": {"learning_rate": 0.1, "b1": 0.9, "b2": 0.25, "eps": 1e-6,
                "eps_root": 0.0, "weight_decay": 0.0}}),
        ]);
    }

    #[test]
    fn errors_name_the_argument() {
        assert_errors_at(&[
            (json!({"novograd": {}}), "novograd.learning_rate"),
            (
                json!({"sm3": {"learning_rate": {"constant_schedule": {"value": 0.1}}}}),
                "sm3.learning_rate",
            ),
            (json!({"adafactor": {"factored": 1}}), "adafactor.factored"),
        ]);
    }
}
