//! Spec entries of L-BFGS and the line searches: `scale_by_lbfgs`, `lbfgs` (its `linesearch` a
//! nested spec, `null` for none), `scale_by_backtracking_linesearch`, `scale_by_zoom_linesearch`.

use super::registry::TransformBuilder;
use super::Args;
use crate::error::Result;
use crate::transform::GradientTransformation;
use crate::{alias, lbfgs, set_args};

pub(crate) const TRANSFORMS: &[(&str, TransformBuilder)] = &[
    ("scale_by_lbfgs", scale_by_lbfgs),
    ("lbfgs", lbfgs_alias),
    (
        "scale_by_backtracking_linesearch",
        scale_by_backtracking_linesearch,
    ),
    ("scale_by_zoom_linesearch", scale_by_zoom_linesearch),
];

fn scale_by_lbfgs(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = lbfgs::scale_by_lbfgs();
    set_args!(a, t; memory_size: int, scale_init_precond: flag);
    a.build(t)
}

fn lbfgs_alias(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = alias::lbfgs();
    set_args!(a, t; learning_rate: sched, memory_size: int, scale_init_precond: flag);
    if a.is_null("linesearch") {
        let _ = a.raw("linesearch");
        t = t.linesearch_opt(None);
    } else if a.raw("linesearch").is_some() {
        t = t.linesearch(a.transform("linesearch")?);
    }
    a.build(t)
}

fn scale_by_backtracking_linesearch(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = lbfgs::scale_by_backtracking_linesearch(a.int_req("max_backtracking_steps")?);
    set_args!(a, t; slope_rtol: num, decrease_factor: num, increase_factor: num,
        max_learning_rate: num, atol: num, rtol: num, store_grad: flag, verbose: flag);
    a.build(t)
}

fn scale_by_zoom_linesearch(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = lbfgs::scale_by_zoom_linesearch(a.int_req("max_linesearch_steps")?);
    set_args!(a, t; max_learning_rate: num, tol: num, increase_factor: num, slope_rtol: num,
        curv_rtol: num, stepsize_precision: num, initial_guess_strategy: text, verbose: flag);
    if a.is_null("approx_dec_rtol") {
        let _ = a.raw("approx_dec_rtol");
        t = t.approx_dec_rtol_opt(None);
    } else {
        set_args!(a, t; approx_dec_rtol: num);
    }
    a.build(t)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::spec::testing::{assert_all_build, assert_errors_at};

    #[test]
    fn every_entry_builds_with_optax_argument_names() {
        assert_all_build(&[
            json!({"scale_by_lbfgs": {"memory_size": 5, "scale_init_precond": false}}),
            json!({"lbfgs": {"learning_rate": 0.1, "memory_size": 3, "scale_init_precond": true,
                "linesearch": null}}),
            json!({"lbfgs": {"linesearch": {"scale_by_backtracking_linesearch": {
                "max_backtracking_steps": 10}}}}),
            json!({"scale_by_backtracking_linesearch": {"max_backtracking_steps": 15,
                "slope_rtol": 1e-4, "decrease_factor": 0.8, "increase_factor": 1.5,
                "max_learning_rate": 1.0, "atol": 0.0, "rtol": 0.0, "store_grad": true,
                "verbose": false}}),
            json!({"scale_by_zoom_linesearch": {"max_linesearch_steps": 20,
                "max_learning_rate": null, "tol": 0.0, "increase_factor": 2.0,
                "slope_rtol": 1e-4, "curv_rtol": 0.9, "approx_dec_rtol": null,
                "stepsize_precision": 1e-5, "initial_guess_strategy": "one", "verbose": false}}),
        ]);
    }

    #[test]
    fn errors_name_the_argument() {
        assert_errors_at(&[
            (
                json!({"scale_by_lbfgs": {"memory_size": 0}}),
                "scale_by_lbfgs.memory_size",
            ),
            (
                json!({"scale_by_backtracking_linesearch": {}}),
                "scale_by_backtracking_linesearch.max_backtracking_steps",
            ),
        ]);
    }
}
