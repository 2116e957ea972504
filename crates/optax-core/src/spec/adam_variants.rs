//! Spec entries of the variants of Adam, each a building block and its alias: AMSGrad
//! (`scale_by_amsgrad`, `amsgrad`), Adamax (`scale_by_adamax`, `adamax`, `adamaxw`), RAdam
//! (`scale_by_radam`, `radam`), AdaBelief (`scale_by_belief`, `adabelief`), Adan
//! (`scale_by_adan`, `adan`) and Yogi (`scale_by_yogi`, `yogi`).

use super::registry::TransformBuilder;
use super::Args;
use crate::error::Result;
use crate::transform::GradientTransformation;
use crate::{alias, set_args, transforms};

pub(crate) const TRANSFORMS: &[(&str, TransformBuilder)] = &[
    ("scale_by_amsgrad", scale_by_amsgrad),
    ("scale_by_adamax", scale_by_adamax),
    ("scale_by_radam", scale_by_radam),
    ("scale_by_belief", scale_by_belief),
    ("scale_by_adan", scale_by_adan),
    ("scale_by_yogi", scale_by_yogi),
    ("amsgrad", amsgrad),
    ("adamax", adamax),
    ("adamaxw", adamaxw),
    ("radam", radam),
    ("adabelief", adabelief),
    ("adan", adan),
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

fn scale_by_radam(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::scale_by_radam();
    set_args!(a, t; b1: num, b2: num, eps: num, eps_root: num, threshold: num, nesterov: flag);
    a.build(t)
}

fn scale_by_belief(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::scale_by_belief();
    set_args!(a, t; b1: num, b2: num, eps: num, eps_root: num, nesterov: flag);
    a.build(t)
}

fn scale_by_adan(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::scale_by_adan();
    set_args!(a, t; b1: num, b2: num, b3: num, eps: num, eps_root: num);
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

fn radam(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = alias::radam(a.sched_req("learning_rate")?);
    set_args!(a, t; b1: num, b2: num, eps: num, eps_root: num, threshold: num, nesterov: flag);
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

fn yogi(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = alias::yogi(a.sched_req("learning_rate")?);
    set_args!(a, t; b1: num, b2: num, eps: num);
    a.build(t)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::spec::testing::{assert_all_build, assert_errors_at};

    #[test]
    fn every_entry_builds_with_optax_argument_names() {
        assert_all_build(&[
            json!({"scale_by_amsgrad": {"b1": 0.9, "b2": 0.999, "eps": 1e-8, "eps_root": 0.0,
                "mu_dtype": null, "bias_correction_mu": true, "bias_correction_nu": false}}),
            json!({"scale_by_adamax": {"b1": 0.9, "b2": 0.999, "eps": 1e-8}}),
            json!({"scale_by_radam": {"b1": 0.9, "b2": 0.999, "eps": 1e-8, "eps_root": 0.0,
                "threshold": 5.0, "nesterov": true}}),
            json!({"scale_by_belief": {"b1": 0.9, "b2": 0.999, "eps": 1e-16, "eps_root": 1e-16,
                "nesterov": false}}),
            json!({"scale_by_adan": {"b1": 0.98, "b2": 0.92, "b3": 0.99, "eps": 1e-8, "eps_root": 0.0}}),
            json!({"scale_by_yogi": {"b1": 0.9, "b2": 0.999, "eps": 1e-3, "eps_root": 0.0,
                "initial_accumulator_value": 1e-6}}),
            json!({"amsgrad": {"learning_rate": 0.1, "b1": 0.9, "b2": 0.999, "eps": 1e-8,
                "eps_root": 0.0, "mu_dtype": null, "bias_correction_mu": true,
                "bias_correction_nu": true}}),
            json!({"adamax": {"learning_rate": 0.1, "b1": 0.9, "b2": 0.999, "eps": 1e-8}}),
            json!({"adamaxw": {"learning_rate": 0.1, "b1": 0.9, "b2": 0.999, "eps": 1e-8,
                "weight_decay": 1e-4, "mask": {"w": true}}}),
            json!({"radam": {"learning_rate": 0.1, "b1": 0.9, "b2": 0.999, "eps": 1e-8,
                "eps_root": 0.0, "threshold": 5.0, "nesterov": false}}),
            json!({"adabelief": {"learning_rate": 0.1, "b1": 0.9, "b2": 0.999, "eps": 1e-16,
                "eps_root": 1e-16, "nesterov": true}}),
            json!({"adan": {"learning_rate": 0.1, "b1": 0.98, "b2": 0.92, "b3": 0.99, "eps": 1e-8,
                "eps_root": 0.0, "weight_decay": 0.0, "mask": null}}),
            json!({"yogi": {"learning_rate": 0.1, "b1": 0.9, "b2": 0.999, "eps": 1e-3}}),
        ]);
    }

    #[test]
    fn errors_name_the_argument() {
        assert_errors_at(&[
            (json!({"yogi": {}}), "yogi.learning_rate"),
            (
                json!({"radam": {"learning_rate": 0.1, "weight_decay": 0.1}}),
                "radam.weight_decay",
            ),
            (
                json!({"adabelief": {"learning_rate": 0.1, "nesterov": 1}}),
                "adabelief.nesterov",
            ),
            (json!({"scale_by_adan": {"b3": 1.5}}), "scale_by_adan.b3"),
        ]);
    }
}
