//! Spec entries of the elementary building blocks: `identity`, `set_to_zero`, the scalings by a
//! constant, a schedule or a learning rate (`scale`, `scale_by_schedule`,
//! `scale_by_learning_rate`), and weight decay (`add_decayed_weights`).

use super::registry::TransformBuilder;
use super::Args;
use crate::error::Result;
use crate::transform::GradientTransformation;
use crate::{set_args, transforms};

pub(crate) const TRANSFORMS: &[(&str, TransformBuilder)] = &[
    ("identity", identity),
    ("set_to_zero", set_to_zero),
    ("scale", scale),
    ("scale_by_schedule", scale_by_schedule),
    ("scale_by_learning_rate", scale_by_learning_rate),
    ("add_decayed_weights", add_decayed_weights),
];

fn identity(a: &mut Args) -> Result<GradientTransformation> {
    a.build(transforms::identity())
}

fn set_to_zero(a: &mut Args) -> Result<GradientTransformation> {
    a.build(transforms::set_to_zero())
}

fn scale(a: &mut Args) -> Result<GradientTransformation> {
    let step_size = a.num_req("step_size")?;
    a.build(transforms::scale(step_size))
}

fn scale_by_schedule(a: &mut Args) -> Result<GradientTransformation> {
    let f = a
        .schedule_fn("step_size_fn")?
        .ok_or_else(|| a.error("step_size_fn", "missing required argument"))?;
    a.build(transforms::scale_by_schedule(f))
}

fn scale_by_learning_rate(a: &mut Args) -> Result<GradientTransformation> {
    // Optax's default `learning_rate=None` is the identity (no sign flip).
    let lr = a.sched("learning_rate")?;
    let flip_sign = a.flag("flip_sign")?.unwrap_or(true);
    match lr {
        Some(lr) => a.build(transforms::scale_by_learning_rate(lr).flip_sign(flip_sign)),
        None => a.build(transforms::identity()),
    }
}

fn add_decayed_weights(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::add_decayed_weights(a.sched("weight_decay")?.unwrap_or(0.0.into()));
    set_args!(a, t; mask: mask);
    a.build(t)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::spec::testing::{assert_all_build, assert_errors_at};

    #[test]
    fn every_entry_builds_with_optax_argument_names() {
        assert_all_build(&[
            json!({"identity": {}}),
            json!({"set_to_zero": null}),
            json!({"scale": {"step_size": -0.5}}),
            json!({"scale_by_schedule": {"step_size_fn": {"linear_schedule": {"init_value": 1.0,
                "end_value": 0.0, "transition_steps": 10}}}}),
            json!({"scale_by_schedule": {"step_size_fn": 0.5}}),
            json!({"scale_by_learning_rate": {"learning_rate": 0.1, "flip_sign": false}}),
            json!({"scale_by_learning_rate": {"learning_rate": {"constant_schedule": {"value": 0.1}}}}),
            json!({"scale_by_learning_rate": {}}),
            json!({"add_decayed_weights": {"weight_decay": 0.01, "mask": {"w": true}}}),
            json!({"add_decayed_weights": {}}),
        ]);
    }

    #[test]
    fn errors_name_the_argument() {
        assert_errors_at(&[
            (json!({"scale": {}}), "scale.step_size"),
            (
                json!({"scale_by_schedule": {}}),
                "scale_by_schedule.step_size_fn",
            ),
            (json!({"identity": {"x": 1}}), "identity.x"),
            (
                json!({"scale_by_learning_rate": {"learning_rate": 0.1, "flip_sign": 1}}),
                "scale_by_learning_rate.flip_sign",
            ),
        ]);
    }
}
