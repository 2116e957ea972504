//! Spec entries of `optax.contrib`'s differential privacy: `differentially_private_aggregate`
//! and `dpsgd` (both expect per-example gradients, the batch on the first axis).

use super::registry::TransformBuilder;
use super::Args;
use crate::contrib;
use crate::error::Result;
use crate::set_args;
use crate::transform::GradientTransformation;

pub(crate) const TRANSFORMS: &[(&str, TransformBuilder)] = &[
    (
        "differentially_private_aggregate",
        differentially_private_aggregate,
    ),
    ("dpsgd", dpsgd),
];

fn differentially_private_aggregate(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = contrib::differentially_private_aggregate(
        a.num_req("l2_norm_clip")?,
        a.num_req("noise_multiplier")?,
    );
    set_args!(a, t; key: int, seed: int);
    a.build(t)
}

fn dpsgd(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = contrib::dpsgd(
        a.sched_req("learning_rate")?,
        a.num_req("l2_norm_clip")?,
        a.num_req("noise_multiplier")?,
        a.int_req("seed")?,
    );
    set_args!(a, t; momentum: num, nesterov: flag);
    a.build(t)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::spec::testing::{assert_all_build, assert_errors_at};

    #[test]
    fn every_entry_builds_with_optax_argument_names() {
        assert_all_build(&[
            json!({"differentially_private_aggregate": {"l2_norm_clip": 1.0, "noise_multiplier": 0.5, "key": 3}}),
            json!({"contrib.differentially_private_aggregate": {"l2_norm_clip": 1.0, "noise_multiplier": 0.0, "seed": 3}}),
            json!({"dpsgd": {"learning_rate": 0.1, "l2_norm_clip": 1.0, "noise_multiplier": 0.5, "seed": 0, "momentum": 0.9, "nesterov": true}}),
            json!({"contrib.dpsgd": {"learning_rate": 0.1, "l2_norm_clip": 1.0, "noise_multiplier": 0.5, "seed": 0, "momentum": null}}),
        ]);
    }

    #[test]
    fn errors_name_the_argument() {
        assert_errors_at(&[
            (
                json!({"dpsgd": {"learning_rate": 0.1, "l2_norm_clip": 1.0, "noise_multiplier": 0.5}}),
                "dpsgd.seed",
            ),
            (
                json!({"differentially_private_aggregate": {"l2_norm_clip": 1.0, "noise_multiplier": -1.0}}),
                "differentially_private_aggregate.noise_multiplier",
            ),
        ]);
    }
}
