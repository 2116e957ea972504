//! Spec entries of the layer-wise (per-leaf) scalings and the optimizers built on them: the
//! trust ratio (`scale_by_trust_ratio`) with `lamb`, `lars` and `fromage`, and the parameter-block
//! scalings `scale_by_param_block_norm` and `scale_by_param_block_rms`.

use super::registry::TransformBuilder;
use super::Args;
use crate::error::Result;
use crate::transform::GradientTransformation;
use crate::{alias, set_args, transforms};

pub(crate) const TRANSFORMS: &[(&str, TransformBuilder)] = &[
    ("scale_by_trust_ratio", scale_by_trust_ratio),
    ("scale_by_param_block_norm", scale_by_param_block_norm),
    ("scale_by_param_block_rms", scale_by_param_block_rms),
    ("lamb", lamb),
    ("lars", lars),
    ("fromage", fromage),
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::spec::testing::{assert_all_build, assert_errors_at};

    #[test]
    fn every_entry_builds_with_optax_argument_names() {
        assert_all_build(&[
            json!({"scale_by_trust_ratio": {"min_norm": 0.0, "trust_coefficient": 1.0, "eps": 0.0}}),
            json!({"scale_by_param_block_norm": {"min_scale": 1e-3}}),
            json!({"scale_by_param_block_rms": {"min_scale": 1e-3}}),
            json!({"lamb": {"learning_rate": 0.1, "b1": 0.9, "b2": 0.999, "eps": 1e-6, "eps_root": 0.0,
                "weight_decay": 0.0, "mask": null}}),
            json!({"lars": {"learning_rate": 0.1, "weight_decay": 0.0, "weight_decay_mask": true,
                "trust_coefficient": 0.001, "eps": 0.0, "trust_ratio_mask": false, "momentum": 0.9,
                "nesterov": false}}),
            json!({"fromage": {"learning_rate": {"constant_schedule": {"value": 0.1}}, "min_norm": 1e-6}}),
        ]);
    }

    #[test]
    fn errors_name_the_argument() {
        assert_errors_at(&[
            (
                json!({"lars": {"learning_rate": 1.0, "eps": -1.0}}),
                "lars.eps",
            ),
            (
                json!({"lamb": {"learning_rate": 1.0, "b3": 0.5}}),
                "lamb.b3",
            ),
        ]);
    }
}
