//! Spec entries of `optax.contrib`'s learning-rate-free optimizers: `prodigy`, `dadapt_adamw`,
//! `cocob`, `scale_by_cocob`, `dog`, `dowg`, `mechanize` (whose `base_optimizer` is a nested
//! spec), `momo` and `momo_adam`. Tuples (`betas`, `init_step`) are JSON lists.

use serde_json::Value;

use super::registry::TransformBuilder;
use super::Args;
use crate::contrib;
use crate::error::Result;
use crate::set_args;
use crate::transform::GradientTransformation;

pub(crate) const TRANSFORMS: &[(&str, TransformBuilder)] = &[
    ("prodigy", prodigy),
    ("dadapt_adamw", dadapt_adamw),
    ("cocob", cocob),
    ("scale_by_cocob", scale_by_cocob),
    ("dog", dog),
    ("dowg", dowg),
    ("mechanize", mechanize),
    ("momo", momo),
    ("momo_adam", momo_adam),
];

/// A pair of numbers, e.g. `betas: [0.9, 0.999]`.
fn pair(a: &mut Args, name: &str) -> Result<Option<(f64, f64)>> {
    match a.list(name)?.map(Vec::as_slice) {
        None => Ok(None),
        Some([Value::Number(x), Value::Number(y)]) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => Ok(Some((x, y))),
            _ => Err(a.error(name, "expected two numbers")),
        },
        Some(_) => Err(a.error(name, "expected a list of two numbers")),
    }
}

/// DoG's `init_step`: `["distance" | "learning_rate" | "heuristic", value]`.
fn init_step(a: &mut Args) -> Result<Option<(String, f64)>> {
    match a.list("init_step")?.map(Vec::as_slice) {
        None => Ok(None),
        Some([Value::String(tag), Value::Number(v)]) => match v.as_f64() {
            Some(v) => Ok(Some((tag.clone(), v))),
            None => Err(a.error("init_step", "expected a number as the value")),
        },
        Some(_) => Err(a.error("init_step", "expected a list [tag, value]")),
    }
}

fn prodigy(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = contrib::prodigy();
    set_args!(a, t; learning_rate: sched);
    if let Some(b) = pair(a, "betas")? {
        t = t.betas(b);
    }
    set_args!(a, t; beta3: num, eps: num, estim_lr0: num, estim_lr_coef: num, weight_decay: num,
        safeguard_warmup: flag);
    a.build(t)
}

fn dadapt_adamw(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = contrib::dadapt_adamw();
    set_args!(a, t; learning_rate: sched);
    if let Some(b) = pair(a, "betas")? {
        t = t.betas(b);
    }
    set_args!(a, t; eps: num, estim_lr0: num, weight_decay: num);
    a.build(t)
}

fn cocob(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = contrib::cocob();
    set_args!(a, t; learning_rate: sched, alpha: num, eps: num, weight_decay: num, mask: mask);
    a.build(t)
}

fn scale_by_cocob(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = contrib::scale_by_cocob();
    set_args!(a, t; alpha: num, eps: num);
    a.build(t)
}

fn dog(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = contrib::dog();
    set_args!(a, t; learning_rate: sched);
    if let Some(s) = init_step(a)? {
        t = t.init_step(s);
    }
    set_args!(a, t; eps: num, weight_decay: num, mask: mask);
    a.build(t)
}

fn dowg(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = contrib::dowg();
    set_args!(a, t; learning_rate: sched, init_estim_sq_dist: num, eps: num, weight_decay: num,
        mask: mask);
    a.build(t)
}

fn mechanize(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = contrib::mechanize(a.transform("base_optimizer")?);
    set_args!(a, t; weight_decay: num, eps: num, s_init: num, num_betas: int);
    a.build(t)
}

fn momo(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = contrib::momo();
    set_args!(a, t; learning_rate: sched, beta: num, lower_bound: num, weight_decay: num,
        adapt_lower_bound: flag);
    a.build(t)
}

fn momo_adam(a: &mut Args) -> Result<GradientTransformation> {
    let mut t = contrib::momo_adam();
    set_args!(a, t; learning_rate: sched, b1: num, b2: num, eps: num, lower_bound: num,
        weight_decay: num, adapt_lower_bound: flag);
    a.build(t)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::spec::testing::{assert_all_build, assert_errors_at};

    #[test]
    fn every_entry_builds_with_optax_argument_names() {
        assert_all_build(&[
            json!({"prodigy": {"learning_rate": 1.0, "betas": [0.9, 0.999], "beta3": null,
                "eps": 1e-8, "estim_lr0": 1e-6, "estim_lr_coef": 1.0, "weight_decay": 0.0,
                "safeguard_warmup": false}}),
            json!({"contrib.prodigy": {"beta3": 0.99}}),
            json!({"dadapt_adamw": {"learning_rate": {"linear_schedule": {"init_value": 1.0,
                "end_value": 0.0, "transition_steps": 10}}, "betas": [0.9, 0.999], "eps": 1e-8,
                "estim_lr0": 1e-6, "weight_decay": 0.0}}),
            json!({"cocob": {"learning_rate": 1.0, "alpha": 100.0, "eps": 1e-8,
                "weight_decay": 0.0, "mask": null}}),
            json!({"contrib.scale_by_cocob": {"alpha": 100.0, "eps": 1e-8}}),
            json!({"dog": {"learning_rate": 1.0, "init_step": ["heuristic", 1e-6], "eps": 1e-8,
                "weight_decay": null, "mask": null}}),
            json!({"dowg": {"learning_rate": 1.0, "init_estim_sq_dist": null, "eps": 1e-4,
                "weight_decay": 0.1, "mask": {"w": true}}}),
            json!({"mechanize": {"base_optimizer": {"adam": {"learning_rate": 0.1}},
                "weight_decay": 1e-2, "eps": 1e-8, "s_init": 1e-6, "num_betas": 6}}),
            json!({"momo": {"learning_rate": 1.0, "beta": 0.9, "lower_bound": 0.0,
                "weight_decay": 0.0, "adapt_lower_bound": false}}),
            json!({"momo_adam": {"learning_rate": 1e-2, "b1": 0.9, "b2": 0.999, "eps": 1e-8,
                "lower_bound": 0.0, "weight_decay": 0.0, "adapt_lower_bound": true}}),
        ]);
    }

    #[test]
    fn errors_name_the_argument() {
        assert_errors_at(&[
            (json!({"prodigy": {"betas": [0.9]}}), "prodigy.betas"),
            (json!({"prodigy": {"estim_lr0": 0.0}}), "prodigy.estim_lr0"),
            (
                json!({"dadapt_adamw": {"betas": [0.9, 1.5]}}),
                "dadapt_adamw.betas",
            ),
            (json!({"dog": {"init_step": ["far", 1.0]}}), "dog.init_step"),
            (json!({"dog": {"init_step": 1.0}}), "dog.init_step"),
            (json!({"mechanize": {}}), "mechanize.base_optimizer"),
            (
                json!({"mechanize": {"base_optimizer": {"adam": {"b1": 2.0}}}}),
                "mechanize.base_optimizer.adam.learning_rate",
            ),
            (
                json!({"mechanize": {"base_optimizer": {"sgd": {"learning_rate": 0.1}},
                    "num_betas": 0}}),
                "mechanize.num_betas",
            ),
            (json!({"momo": {"beta": 1.5}}), "momo.beta"),
            (
                json!({"contrib.momo_adam": {"b2": -0.5}}),
                "contrib.momo_adam.b2",
            ),
            (
                json!({"scale_by_cocob": {"alpha": "big"}}),
                "scale_by_cocob.alpha",
            ),
        ]);
    }
}
