//! Spec entries of the optimistic methods for games and min-max problems:
//! `scale_by_optimistic_gradient`, `optimistic_gradient_descent` and `optimistic_adam_v2`.

use super::registry::TransformBuilder;
use super::Args;
use crate::error::Result;
use crate::transform::GradientTransformation;
use crate::{alias, set_args, transforms};

pub(crate) const TRANSFORMS: &[(&str, TransformBuilder)] = &[
    ("scale_by_optimistic_gradient", scale_by_optimistic_gradient),
    ("optimistic_gradient_descent", optimistic_gradient_descent),
    ("optimistic_adam_v2", optimistic_adam_v2),
];

fn scale_by_optimistic_gradient(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = transforms::scale_by_optimistic_gradient();
    set_args!(a, t; alpha: num, beta: num);
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

    use crate::spec::testing::{assert_all_build, assert_errors_at};

    #[test]
    fn every_entry_builds_with_optax_argument_names() {
        assert_all_build(&[
            json!({"scale_by_optimistic_gradient": {"alpha": 1.0, "beta": 1.0}}),
            json!({"optimistic_gradient_descent": {"learning_rate": 0.1, "alpha": 1.0, "beta": 1.0}}),
            json!({"optimistic_adam_v2": {"learning_rate": 0.1, "alpha": 1.0, "beta": 1.0, "b1": 0.9,
                "b2": 0.999, "eps": 1e-8, "eps_root": 0.0, "mu_dtype": null, "nesterov": true}}),
        ]);
    }

    #[test]
    fn errors_name_the_argument() {
        assert_errors_at(&[(
            json!({"optimistic_gradient_descent": {"learning_rate": 1.0,
                    "alpha": {"constant_schedule": {"value": 0.1}}}}),
            "optimistic_gradient_descent.alpha",
        )]);
    }
}
