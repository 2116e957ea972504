//! Spec entries of the clipping, constraint and accumulation building blocks (`clip*`,
//! `adaptive_grad_clip`, `centralize`, `normalize_by_update_norm`, `keep_params_nonnegative`,
//! `zero_nans`, `apply_every`, `trace`, `ema`, `add_noise`, `scale_by_sign`) and the SGD
//! family of aliases (`sgd`, `noisy_sgd`, `sign_sgd`, `signum`).

use serde_json::Value;

use super::registry::TransformBuilder;
use super::Args;
use crate::error::Result;
use crate::transform::GradientTransformation;
use crate::{alias, set_args, transforms};

pub(crate) const TRANSFORMS: &[(&str, TransformBuilder)] = &[
    ("clip", clip),
    ("clip_by_block_rms", clip_by_block_rms),
    ("clip_by_global_norm", clip_by_global_norm),
    ("adaptive_grad_clip", adaptive_grad_clip),
    ("centralize", centralize),
    ("normalize_by_update_norm", normalize_by_update_norm),
    ("keep_params_nonnegative", keep_params_nonnegative),
    ("zero_nans", zero_nans),
    ("apply_every", apply_every),
    ("trace", trace),
    ("ema", ema),
    ("add_noise", add_noise),
    ("scale_by_sign", scale_by_sign),
    ("sgd", sgd),
    ("noisy_sgd", noisy_sgd),
    ("sign_sgd", sign_sgd),
    ("signum", signum),
];

fn clip(a: &mut Args) -> Result<GradientTransformation> {
    let t = transforms::clip(a.num_req("max_delta")?);
    a.build(t)
}

fn clip_by_block_rms(a: &mut Args) -> Result<GradientTransformation> {
    let t = transforms::clip_by_block_rms(a.num_req("threshold")?);
    a.build(t)
}

fn clip_by_global_norm(a: &mut Args) -> Result<GradientTransformation> {
    let t = transforms::clip_by_global_norm(a.num_req("max_norm")?);
    a.build(t)
}

/// `axis`: `null`, an integer, or a list of integers (Optax's `int | tuple[int, ...] | None`).
fn axes(a: &mut Args, name: &str) -> Result<Option<Vec<i64>>> {
    let as_int = |v: &Value| {
        v.as_i64()
            .or_else(|| v.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
    };
    match a.raw(name) {
        None => Ok(None),
        Some(v @ Value::Number(_)) => as_int(v)
            .map(|i| Some(vec![i]))
            .ok_or_else(|| a.error(name, format!("expected an integer, found {v}"))),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                as_int(v)
                    .ok_or_else(|| a.error(name, format!("expected a list of integers, found {v}")))
            })
            .collect::<Result<Vec<_>>>()
            .map(Some),
        Some(other) => Err(a.error(
            name,
            format!("expected an integer or a list of integers, found {other}"),
        )),
    }
}

fn adaptive_grad_clip(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::adaptive_grad_clip(a.num_req("clipping")?);
    set_args!(a, t; eps: num);
    let axis = axes(a, "axis")?;
    t = t.axis(axis);
    a.build(t)
}

fn centralize(a: &mut Args) -> Result<GradientTransformation> {
    a.build(transforms::centralize())
}

fn normalize_by_update_norm(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::normalize_by_update_norm();
    set_args!(a, t; scale_factor: num, eps: num);
    a.build(t)
}

fn keep_params_nonnegative(a: &mut Args) -> Result<GradientTransformation> {
    a.build(transforms::keep_params_nonnegative())
}

fn zero_nans(a: &mut Args) -> Result<GradientTransformation> {
    a.build(transforms::zero_nans())
}

fn apply_every(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::apply_every();
    set_args!(a, t; k: int);
    a.build(t)
}

fn trace(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::trace(a.num_req("decay")?);
    set_args!(a, t; nesterov: flag, accumulator_dtype: dtype);
    a.build(t)
}

fn ema(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::ema(a.num_req("decay")?);
    set_args!(a, t; debias: flag, accumulator_dtype: dtype);
    a.build(t)
}

fn add_noise(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::add_noise(a.num_req("eta")?, a.num_req("gamma")?);
    set_args!(a, t; key: int, seed: int);
    a.build(t)
}

fn scale_by_sign(a: &mut Args) -> Result<GradientTransformation> {
    a.build(transforms::scale_by_sign())
}

fn sgd(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = alias::sgd(a.sched_req("learning_rate")?);
    set_args!(a, t; momentum: num, nesterov: flag, accumulator_dtype: dtype);
    a.build(t)
}

fn noisy_sgd(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = alias::noisy_sgd(a.sched_req("learning_rate")?);
    set_args!(a, t; eta: num, gamma: num, key: int, seed: int);
    a.build(t)
}

fn sign_sgd(a: &mut Args) -> Result<GradientTransformation> {
    let t = alias::sign_sgd(a.sched_req("learning_rate")?);
    a.build(t)
}

fn signum(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = alias::signum(a.sched_req("learning_rate")?);
    set_args!(a, t; beta: num, accumulator_dtype: dtype);
    a.build(t)
}

#[cfg(test)]
mod tests {
    use crate::error::OptaxError;
    use crate::from_spec;
    use serde_json::json;

    #[test]
    fn every_entry_builds_with_optax_argument_names() {
        let specs = [
            json!({"clip": {"max_delta": 1.0}}),
            json!({"clip_by_block_rms": {"threshold": 1.0}}),
            json!({"clip_by_global_norm": {"max_norm": 1.0}}),
            json!({"adaptive_grad_clip": {"clipping": 0.1, "eps": 1e-3, "axis": null}}),
            json!({"adaptive_grad_clip": {"clipping": 0.1, "axis": [0, -1]}}),
            json!({"adaptive_grad_clip": {"clipping": 0.1, "axis": 0}}),
            json!({"centralize": {}}),
            json!({"centralize": null}),
            json!({"normalize_by_update_norm": {"scale_factor": -1.0, "eps": 1e-6}}),
            json!({"keep_params_nonnegative": {}}),
            json!({"zero_nans": {}}),
            json!({"apply_every": {"k": 2}}),
            json!({"trace": {"decay": 0.9, "nesterov": true, "accumulator_dtype": "bfloat16"}}),
            json!({"ema": {"decay": 0.9, "debias": false, "accumulator_dtype": null}}),
            json!({"add_noise": {"eta": 0.01, "gamma": 0.55, "key": 3}}),
            json!({"add_noise": {"eta": 0.01, "gamma": 0.55, "seed": 3}}),
            json!({"scale_by_sign": {}}),
            json!({"sgd": {"learning_rate": 0.1, "momentum": 0.9, "nesterov": true, "accumulator_dtype": null}}),
            json!({"sgd": {"learning_rate": 0.1, "momentum": null}}),
            json!({"noisy_sgd": {"learning_rate": 0.1, "eta": 0.01, "gamma": 0.55, "key": 0}}),
            json!({"sign_sgd": {"learning_rate": 0.1}}),
            json!({"signum": {"learning_rate": 0.1, "beta": 0.9, "accumulator_dtype": "float32"}}),
        ];
        for spec in specs {
            from_spec(&spec).unwrap_or_else(|e| panic!("{spec}: {e}"));
        }
    }

    #[test]
    fn errors_name_the_argument() {
        let cases = [
            (
                json!({"clip_by_global_norm": {}}),
                "clip_by_global_norm.max_norm",
            ),
            (
                json!({"clip_by_global_norm": {"max_norm": -1.0}}),
                "clip_by_global_norm.max_norm",
            ),
            (json!({"apply_every": {"k": 0}}), "apply_every.k"),
            (json!({"apply_every": {"k": 1.5}}), "apply_every.k"),
            (
                json!({"add_noise": {"eta": 0.01, "gamma": 0.55, "key": 1, "seed": 1}}),
                "add_noise.seed",
            ),
            (
                json!({"add_noise": {"eta": 0.01, "gamma": 0.55, "key": "k"}}),
                "add_noise.key",
            ),
            (
                json!({"adaptive_grad_clip": {"clipping": 0.1, "axis": "x"}}),
                "adaptive_grad_clip.axis",
            ),
            (
                json!({"sgd": {"learning_rate": 0.1, "momentum": 0.9, "dampening": 0.1}}),
                "sgd.dampening",
            ),
            (
                json!({"signum": {"learning_rate": 0.1, "beta": 2.0}}),
                "signum.beta",
            ),
            (
                json!({"sgd": {"learning_rate": 0.1, "momentum": "x"}}),
                "sgd.momentum",
            ),
            (
                json!({"trace": {"decay": {"constant_schedule": {"value": 0.9}}}}),
                "trace.decay",
            ),
        ];
        for (spec, at) in cases {
            match from_spec(&spec) {
                Err(OptaxError::Spec { at: got, .. }) => assert_eq!(got, at, "{spec}"),
                other => panic!("{spec}: expected a spec error at {at}, got {other:?}"),
            }
        }
    }
}
