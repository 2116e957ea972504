//! Spec entries of SGD: the aliases `sgd` (with optional momentum) and `noisy_sgd`, and the
//! `add_noise` building block that `noisy_sgd` is made of.

use super::registry::TransformBuilder;
use super::Args;
use crate::error::Result;
use crate::transform::GradientTransformation;
use crate::{alias, set_args, transforms};

pub(crate) const TRANSFORMS: &[(&str, TransformBuilder)] = &[
    ("add_noise", add_noise),
    ("sgd", sgd),
    ("noisy_sgd", noisy_sgd),
];

fn add_noise(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::add_noise(a.num_req("eta")?, a.num_req("gamma")?);
    set_args!(a, t; key: int, seed: int);
    a.build(t)
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::spec::testing::{assert_all_build, assert_errors_at};

    #[test]
    fn every_entry_builds_with_optax_argument_names() {
        assert_all_build(&[
            json!({"add_noise": {"eta": 0.01, "gamma": 0.55, "key": 3}}),
            json!({"add_noise": {"eta": 0.01, "gamma": 0.55, "seed": 3}}),
            json!({"sgd": {"learning_rate": 0.1, "momentum": 0.9, "nesterov": true, "accumulator_dtype": null}}),
            json!({"sgd": {"learning_rate": 0.1, "momentum": null}}),
            json!({"noisy_sgd": {"learning_rate": 0.1, "eta": 0.01, "gamma": 0.55, "key": 0}}),
        ]);
    }

    #[test]
    fn errors_name_the_argument() {
        assert_errors_at(&[
            (
                json!({"add_noise": {"eta": 0.01, "gamma": 0.55, "key": 1, "seed": 1}}),
                "add_noise.seed",
            ),
            (
                json!({"add_noise": {"eta": 0.01, "gamma": 0.55, "key": "k"}}),
                "add_noise.key",
            ),
            (
                json!({"sgd": {"learning_rate": 0.1, "momentum": 0.9, "dampening": 0.1}}),
                "sgd.dampening",
            ),
            (
                json!({"sgd": {"learning_rate": 0.1, "momentum": "x"}}),
                "sgd.momentum",
            ),
        ]);
    }
}
