//! Spec entries of Adam: the `scale_by_adam` building block and the aliases `adam`, `nadam`,
//! `adamw` and `nadamw`.

use super::registry::TransformBuilder;
use super::Args;
use crate::error::Result;
use crate::transform::GradientTransformation;
use crate::{alias, set_args, transforms};

pub(crate) const TRANSFORMS: &[(&str, TransformBuilder)] = &[
    ("scale_by_adam", scale_by_adam),
    ("adam", adam),
    ("nadam", nadam),
    ("adamw", adamw),
    ("nadamw", nadamw),
];

fn scale_by_adam(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::scale_by_adam();
    set_args!(a, t; b1: num, b2: num, eps: num, eps_root: num, mu_dtype: dtype, nesterov: flag);
    a.build(t)
}

fn adam_like(a: &mut Args, nesterov: bool) -> Result<alias::Adam> {
    let mut t = alias::adam(a.sched_req("learning_rate")?).nesterov(nesterov);
    set_args!(a, t; b1: num, b2: num, eps: num, eps_root: num, mu_dtype: dtype, nesterov: flag);
    Ok(t)
}

fn adam(a: &mut Args) -> Result<GradientTransformation> {
    let t = adam_like(a, false)?;
    a.build(t)
}

fn nadam(a: &mut Args) -> Result<GradientTransformation> {
    let t = adam_like(a, true)?;
    a.build(t)
}

fn adamw_like(a: &mut Args, nesterov: bool) -> Result<alias::AdamW> {
    let mut t = alias::adamw(a.sched_req("learning_rate")?).nesterov(nesterov);
    set_args!(a, t; b1: num, b2: num, eps: num, eps_root: num, mu_dtype: dtype,
        weight_decay: sched, mask: mask, nesterov: flag);
    Ok(t)
}

fn adamw(a: &mut Args) -> Result<GradientTransformation> {
    let t = adamw_like(a, false)?;
    a.build(t)
}

fn nadamw(a: &mut Args) -> Result<GradientTransformation> {
    let t = adamw_like(a, true)?;
    a.build(t)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::spec::testing::{assert_all_build, assert_errors_at};

    #[test]
    fn every_entry_builds_with_optax_argument_names() {
        assert_all_build(&[
            json!({"scale_by_adam": {"b1": 0.9, "b2": 0.999, "eps": 1e-8, "eps_root": 0.0,
                "mu_dtype": null, "nesterov": false}}),
            json!({"adam": {"learning_rate": 0.001, "b1": 0.9, "b2": 0.999, "eps": 1e-8,
                "eps_root": 0.0, "mu_dtype": "float32", "nesterov": true}}),
            json!({"nadam": {"learning_rate": 0.001}}),
            json!({"adamw": {"learning_rate": {"warmup_cosine_decay_schedule": {"init_value": 0.0,
                "peak_value": 0.01, "warmup_steps": 50, "decay_steps": 1000}},
                "weight_decay": 0.01, "mask": {"w": true}}}),
            json!({"nadamw": {"learning_rate": 0.001, "weight_decay": 0.0001}}),
        ]);
    }

    #[test]
    fn errors_name_the_argument() {
        assert_errors_at(&[
            (json!({"adam": {}}), "adam.learning_rate"),
            (
                json!({"adam": {"learning_rate": 0.1, "mu_dtype": "int8"}}),
                "adam.mu_dtype",
            ),
            (
                json!({"adamw": {"learning_rate": 0.1, "b1": 1.0}}),
                "adamw.b1",
            ),
            (
                json!({"adamw": {"learning_rate": 0.1, "weight_decay": "x"}}),
                "adamw.weight_decay",
            ),
        ]);
    }
}
