//! Spec entries of the step sizes adapted during optimization: Polyak's (`scale_by_polyak`,
//! `polyak_sgd`), distance over gradients (`scale_by_distance_over_gradients`, DoG) and Rprop's
//! per-element step sizes (`scale_by_rprop`, `rprop`).

use super::registry::TransformBuilder;
use super::Args;
use crate::error::Result;
use crate::transform::GradientTransformation;
use crate::{alias, set_args, transforms};

pub(crate) const TRANSFORMS: &[(&str, TransformBuilder)] = &[
    ("scale_by_polyak", scale_by_polyak),
    ("polyak_sgd", polyak_sgd),
    (
        "scale_by_distance_over_gradients",
        scale_by_distance_over_gradients,
    ),
    ("scale_by_rprop", scale_by_rprop),
    ("rprop", rprop),
];

fn scale_by_polyak(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::scale_by_polyak();
    set_args!(a, t; f_min: num, max_learning_rate: num, eps: num, variant: text);
    a.build(t)
}

fn polyak_sgd(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = alias::polyak_sgd();
    set_args!(a, t; max_learning_rate: num, scaling: sched, f_min: num, eps: num, variant: text);
    a.build(t)
}

fn scale_by_distance_over_gradients(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::scale_by_distance_over_gradients();
    set_args!(a, t; reps_rel: num, eps: num, param_dtype: dtype, global_scale: num);
    a.build(t)
}

fn scale_by_rprop(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::scale_by_rprop(a.num_req("learning_rate")?);
    set_args!(a, t; eta_minus: num, eta_plus: num, min_step_size: num, max_step_size: num);
    a.build(t)
}

fn rprop(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = alias::rprop(a.num_req("learning_rate")?);
    set_args!(a, t; eta_minus: num, eta_plus: num, min_step_size: num, max_step_size: num);
    a.build(t)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::spec::testing::{assert_all_build, assert_errors_at};

    #[test]
    fn every_entry_builds_with_optax_argument_names() {
        assert_all_build(&[
            json!({"scale_by_polyak": {"f_min": 0.0, "max_learning_rate": 1.0, "eps": 0.0, "variant": "sps+"}}),
            json!({"polyak_sgd": {"max_learning_rate": 1.0, "scaling": 1.0, "f_min": 0.0, "eps": 0.0,
                "variant": "sps"}}),
            json!({"scale_by_distance_over_gradients": {"reps_rel": 1e-6, "eps": 1e-8,
                "param_dtype": "float32", "global_scale": 1.0}}),
            json!({"scale_by_distance_over_gradients": {"param_dtype": null}}),
            json!({"scale_by_rprop": {"learning_rate": 0.1, "eta_minus": 0.5, "eta_plus": 1.2,
                "min_step_size": 1e-6, "max_step_size": 50.0}}),
            json!({"rprop": {"learning_rate": 0.1, "eta_minus": 0.5, "eta_plus": 1.2,
                "min_step_size": 1e-6, "max_step_size": 50.0}}),
        ]);
    }

    #[test]
    fn errors_name_the_argument() {
        assert_errors_at(&[
            (
                json!({"scale_by_polyak": {"variant": "sgd"}}),
                "scale_by_polyak.variant",
            ),
            (
                json!({"scale_by_distance_over_gradients": {"reps_rel": -1.0}}),
                "scale_by_distance_over_gradients.reps_rel",
            ),
            (json!({"rprop": {}}), "rprop.learning_rate"),
            (
                json!({"rprop": {"learning_rate": {"constant_schedule": {"value": 0.1}}}}),
                "rprop.learning_rate",
            ),
        ]);
    }
}
