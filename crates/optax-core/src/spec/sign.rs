//! Spec entries of the sign-based optimizers: `scale_by_sign` with its aliases `sign_sgd` and
//! `signum`, and Lion (`scale_by_lion`, `lion`).

use super::registry::TransformBuilder;
use super::Args;
use crate::error::Result;
use crate::transform::GradientTransformation;
use crate::transforms::LionMode;
use crate::{alias, set_args, transforms};

pub(crate) const TRANSFORMS: &[(&str, TransformBuilder)] = &[
    ("scale_by_sign", scale_by_sign),
    ("sign_sgd", sign_sgd),
    ("signum", signum),
    ("scale_by_lion", scale_by_lion),
    ("lion", lion),
];

fn scale_by_sign(a: &mut Args) -> Result<GradientTransformation> {
    a.build(transforms::scale_by_sign())
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

/// Optax's `mode` string of `scale_by_lion`.
fn lion_mode(a: &mut Args) -> Result<Option<LionMode>> {
    match a.text("mode")? {
        Some(m) => Ok(Some(m.parse::<LionMode>().map_err(|e| a.locate(e))?)),
        None => Ok(None),
    }
}

fn scale_by_lion(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::scale_by_lion();
    set_args!(a, t; b1: num, b2: num, mu_dtype: dtype);
    if let Some(mode) = lion_mode(a)? {
        t = t.mode(mode);
    }
    set_args!(a, t; smooth_beta: num);
    a.build(t)
}

fn lion(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = alias::lion(a.sched_req("learning_rate")?);
    set_args!(a, t; b1: num, b2: num, mu_dtype: dtype, weight_decay: sched, mask: mask);
    a.build(t)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::spec::testing::{assert_all_build, assert_errors_at};

    #[test]
    fn every_entry_builds_with_optax_argument_names() {
        assert_all_build(&[
            json!({"scale_by_sign": {}}),
            json!({"sign_sgd": {"learning_rate": 0.1}}),
            json!({"signum": {"learning_rate": 0.1, "beta": 0.9, "accumulator_dtype": "float32"}}),
        ]);
    }

    #[test]
    fn errors_name_the_argument() {
        assert_errors_at(&[(
            json!({"signum": {"learning_rate": 0.1, "beta": 2.0}}),
            "signum.beta",
        )]);
    }
}
