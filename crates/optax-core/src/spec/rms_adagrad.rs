//! Spec entries of the optimizers that divide by accumulated squared gradients: RMSProp
//! (`scale_by_rms`, its centered form `scale_by_stddev`, `rmsprop`), Adagrad (`scale_by_rss`,
//! `adagrad`) and Adadelta (`scale_by_adadelta`, `adadelta`).

use super::registry::TransformBuilder;
use super::Args;
use crate::error::Result;
use crate::transform::GradientTransformation;
use crate::{alias, set_args, transforms};

pub(crate) const TRANSFORMS: &[(&str, TransformBuilder)] = &[
    ("scale_by_rms", scale_by_rms),
    ("scale_by_stddev", scale_by_stddev),
    ("scale_by_rss", scale_by_rss),
    ("scale_by_adadelta", scale_by_adadelta),
    ("rmsprop", rmsprop),
    ("adagrad", adagrad),
    ("adadelta", adadelta),
];

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

fn scale_by_adadelta(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::scale_by_adadelta();
    set_args!(a, t; rho: num, eps: num);
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

fn adadelta(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = alias::adadelta();
    set_args!(a, t; learning_rate: sched, rho: num, eps: num, weight_decay: sched,
        weight_decay_mask: mask);
    a.build(t)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::spec::testing::{assert_all_build, assert_errors_at};

    #[test]
    fn every_entry_builds_with_optax_argument_names() {
        assert_all_build(&[
            json!({"scale_by_rms": {"decay": 0.9, "eps": 1e-8, "initial_scale": 0.0,
                "eps_in_sqrt": true, "bias_correction": false}}),
            json!({"scale_by_stddev": {"decay": 0.9, "eps": 1e-8, "initial_scale": 0.0,
                "eps_in_sqrt": false, "bias_correction": true}}),
            json!({"scale_by_rss": {"initial_accumulator_value": 0.1, "eps": 1e-7}}),
            json!({"scale_by_adadelta": {"rho": 0.9, "eps": 1e-6}}),
            json!({"rmsprop": {"learning_rate": 0.01, "decay": 0.9, "eps": 1e-8, "initial_scale": 0.0,
                "eps_in_sqrt": true, "centered": true, "momentum": 0.9, "nesterov": true,
                "bias_correction": false}}),
            json!({"rmsprop": {"learning_rate": 0.01, "momentum": null}}),
            json!({"adagrad": {"learning_rate": 0.1, "initial_accumulator_value": 0.1, "eps": 1e-7}}),
            json!({"adadelta": {"learning_rate": 1.0, "rho": 0.9, "eps": 1e-6, "weight_decay": 0.0,
                "weight_decay_mask": null}}),
            json!({"adadelta": {}}),
        ]);
    }

    #[test]
    fn errors_name_the_argument() {
        assert_errors_at(&[
            (json!({"rmsprop": {}}), "rmsprop.learning_rate"),
            (
                json!({"rmsprop": {"learning_rate": 0.1, "centered": "yes"}}),
                "rmsprop.centered",
            ),
            (
                json!({"adagrad": {"learning_rate": 0.1, "momentum": 0.9}}),
                "adagrad.momentum",
            ),
        ]);
    }
}
