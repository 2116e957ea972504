//! Spec entries of the trust-ratio, parameter-block, Polyak, Rprop, optimistic and DoG building
//! blocks, and of `polyak_sgd`, `rprop`, `lamb`, `lars`, `fromage`,
//! `optimistic_gradient_descent` and `optimistic_adam_v2`.

use super::registry::TransformBuilder;
use super::Args;
use crate::error::Result;
use crate::transform::GradientTransformation;
use crate::{alias, set_args, transforms};

pub(crate) const TRANSFORMS: &[(&str, TransformBuilder)] = &[
    ("scale_by_trust_ratio", scale_by_trust_ratio),
    ("scale_by_param_block_norm", scale_by_param_block_norm),
    ("scale_by_param_block_rms", scale_by_param_block_rms),
    ("scale_by_polyak", scale_by_polyak),
    ("scale_by_rprop", scale_by_rprop),
    ("scale_by_optimistic_gradient", scale_by_optimistic_gradient),
    (
        "scale_by_distance_over_gradients",
        scale_by_distance_over_gradients,
    ),
    ("polyak_sgd", polyak_sgd),
    ("rprop", rprop),
    ("lamb", lamb),
    ("lars", lars),
    ("fromage", fromage),
    ("optimistic_gradient_descent", optimistic_gradient_descent),
    ("optimistic_adam_v2", optimistic_adam_v2),
];

fn scale_by_trust_ratio(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::scale_by_trust_ratio();
    set_args!(a, t; min_norm: num, trust_coefficient: num, eps: num);
    a.build(t)
}

fn scale_by_param_block_norm(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::scale_by_param_block_norm();
    set_args!(a, t; min_scale: num);
    a.build(t)
}

fn scale_by_param_block_rms(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::scale_by_param_block_rms();
    set_args!(a, t; min_scale: num);
    a.build(t)
}

fn scale_by_polyak(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::scale_by_polyak();
    set_args!(a, t; f_min: num, max_learning_rate: num, eps: num, variant: text);
    a.build(t)
}

fn scale_by_rprop(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::scale_by_rprop(a.num_req("learning_rate")?);
    set_args!(a, t; eta_minus: num, eta_plus: num, min_step_size: num, max_step_size: num);
    a.build(t)
}

fn scale_by_optimistic_gradient(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::scale_by_optimistic_gradient();
    set_args!(a, t; alpha: num, beta: num);
    a.build(t)
}

fn scale_by_distance_over_gradients(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::scale_by_distance_over_gradients();
    set_args!(a, t; reps_rel: num, eps: num, param_dtype: dtype, global_scale: num);
    a.build(t)
}

fn polyak_sgd(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = alias::polyak_sgd();
    set_args!(a, t; max_learning_rate: num, scaling: sched, f_min: num, eps: num, variant: text);
    a.build(t)
}

fn rprop(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = alias::rprop(a.num_req("learning_rate")?);
    set_args!(a, t; eta_minus: num, eta_plus: num, min_step_size: num, max_step_size: num);
    a.build(t)
}

fn lamb(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = alias::lamb(a.sched_req("learning_rate")?);
    set_args!(a, t; b1: num, b2: num, eps: num, eps_root: num, weight_decay: sched, mask: mask);
    a.build(t)
}

fn lars(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = alias::lars(a.sched_req("learning_rate")?);
    set_args!(a, t; weight_decay: sched, weight_decay_mask: mask, trust_coefficient: num, eps: num,
        trust_ratio_mask: mask, momentum: num, nesterov: flag);
    a.build(t)
}

fn fromage(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = alias::fromage(a.sched_req("learning_rate")?);
    set_args!(a, t; min_norm: num);
    a.build(t)
}

fn optimistic_gradient_descent(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = alias::optimistic_gradient_descent(a.sched_req("learning_rate")?);
    // Optax types alpha and beta as ScalarOrSchedule; a schedule is read, then rejected by
    // `validate` (Optax's `scale_by_optimistic_gradient` cannot use one).
    set_args!(a, t; alpha: sched, beta: sched);
    a.build(t)
}

fn optimistic_adam_v2(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = alias::optimistic_adam_v2(a.sched_req("learning_rate")?);
    set_args!(a, t; alpha: num, beta: num, b1: num, b2: num, eps: num, eps_root: num,
        mu_dtype: dtype, nesterov: flag);
    a.build(t)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::error::OptaxError;
    use crate::spec::from_spec;

    #[test]
    fn every_entry_builds_with_its_optax_arguments() {
        let specs = [
            json!({"scale_by_trust_ratio": {"min_norm": 0.0, "trust_coefficient": 1.0, "eps": 0.0}}),
            json!({"scale_by_param_block_norm": {"min_scale": 1e-3}}),
            json!({"scale_by_param_block_rms": {"min_scale": 1e-3}}),
            json!({"scale_by_polyak": {"f_min": 0.0, "max_learning_rate": 1.0, "eps": 0.0, "variant": "sps+"}}),
            json!({"scale_by_rprop": {"learning_rate": 0.1, "eta_minus": 0.5, "eta_plus": 1.2,
                "min_step_size": 1e-6, "max_step_size": 50.0}}),
            json!({"scale_by_optimistic_gradient": {"alpha": 1.0, "beta": 1.0}}),
            json!({"scale_by_distance_over_gradients": {"reps_rel": 1e-6, "eps": 1e-8,
                "param_dtype": "float32", "global_scale": 1.0}}),
            json!({"scale_by_distance_over_gradients": {"param_dtype": null}}),
            json!({"polyak_sgd": {"max_learning_rate": 1.0, "scaling": 1.0, "f_min": 0.0, "eps": 0.0,
                "variant": "sps"}}),
            json!({"rprop": {"learning_rate": 0.1, "eta_minus": 0.5, "eta_plus": 1.2,
                "min_step_size": 1e-6, "max_step_size": 50.0}}),
            json!({"lamb": {"learning_rate": 0.1, "b1": 0.9, "b2": 0.999, "eps": 1e-6, "eps_root": 0.0,
                "weight_decay": 0.0, "mask": null}}),
            json!({"lars": {"learning_rate": 0.1, "weight_decay": 0.0, "weight_decay_mask": true,
                "trust_coefficient": 0.001, "eps": 0.0, "trust_ratio_mask": false, "momentum": 0.9,
                "nesterov": false}}),
            json!({"fromage": {"learning_rate": {"constant_schedule": {"value": 0.1}}, "min_norm": 1e-6}}),
            json!({"optimistic_gradient_descent": {"learning_rate": 0.1, "alpha": 1.0, "beta": 1.0}}),
            json!({"optimistic_adam_v2": {"learning_rate": 0.1, "alpha": 1.0, "beta": 1.0, "b1": 0.9,
                "b2": 0.999, "eps": 1e-8, "eps_root": 0.0, "mu_dtype": null, "nesterov": true}}),
        ];
        for spec in specs {
            if let Err(e) = from_spec(&spec) {
                panic!("{spec}: {e}");
            }
        }
    }

    #[test]
    fn errors_name_their_argument() {
        let cases = [
            (
                json!({"scale_by_polyak": {"variant": "sgd"}}),
                "scale_by_polyak.variant",
            ),
            (json!({"rprop": {}}), "rprop.learning_rate"),
            (
                json!({"rprop": {"learning_rate": {"constant_schedule": {"value": 0.1}}}}),
                "rprop.learning_rate",
            ),
            (
                json!({"lars": {"learning_rate": 1.0, "eps": -1.0}}),
                "lars.eps",
            ),
            (
                json!({"lamb": {"learning_rate": 1.0, "b3": 0.5}}),
                "lamb.b3",
            ),
            (
                json!({"optimistic_gradient_descent": {"learning_rate": 1.0,
                    "alpha": {"constant_schedule": {"value": 0.1}}}}),
                "optimistic_gradient_descent.alpha",
            ),
            (
                json!({"scale_by_distance_over_gradients": {"reps_rel": -1.0}}),
                "scale_by_distance_over_gradients.reps_rel",
            ),
        ];
        for (spec, at) in cases {
            match from_spec(&spec) {
                Err(OptaxError::Spec { at: got, .. }) => assert_eq!(got, at, "{spec}"),
                other => panic!("{spec}: {other:?}"),
            }
        }
    }
}
