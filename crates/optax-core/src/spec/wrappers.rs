//! Spec entries of the wrappers and monitors: `flatten`, `MultiSteps`, `apply_if_finite`,
//! `conditionally_transform`, `conditionally_mask`, `lookahead`, `with_extra_args_support`,
//! `snapshot`, `monitor` and `measure_with_ema`. The inner transformation is a nested spec under
//! Optax's argument name (`inner`, `opt`, `fast_optimizer`, `tx`).
//!
//! Optax's function-valued arguments are written as follows:
//! - `should_skip_update_fn`: `"skip_not_finite"` or
//!   `{"skip_large_updates": {"max_squared_norm": x}}` (`null`: none);
//! - `every_k_schedule`: an integer, or a schedule spec whose value is truncated to an integer;
//! - `should_transform_fn`: `{"every_k": k}` (`step % k == 0`), `{"after": n}` (`step >= n`),
//!   `{"before": n}` (`step < n`), or a schedule spec or number (`schedule(step) > 0`);
//! - `measure`: `"norm"`, `"sum"`, `"max"`, `"min"` or `"identity"` (see
//!   [`Measure::by_name`](crate::wrappers::Measure::by_name));
//! - `monitor`'s `measures`: an object from name to a measure name or a transformation spec
//!   (e.g. `{"measure_with_ema": {"measure": "norm", "decay": 0.9}}`).
//!
//! `tests/golden/gen_wrappers.py` builds the same Optax objects from the same specs.

use serde_json::Value;

use super::registry::TransformBuilder;
use super::Args;
use crate::error::{OptaxError, Result};
use crate::set_args;
use crate::transform::{GradientTransformation, IntoTransformation};
use crate::wrappers::{self, Condition, EveryK, Measure, MonitorMeasure, ShouldSkipUpdateFn};

pub(crate) const TRANSFORMS: &[(&str, TransformBuilder)] = &[
    ("flatten", flatten),
    ("MultiSteps", multi_steps),
    ("apply_if_finite", apply_if_finite),
    ("conditionally_transform", conditionally_transform),
    ("conditionally_mask", conditionally_mask),
    ("lookahead", lookahead),
    ("with_extra_args_support", with_extra_args_support),
    ("snapshot", snapshot),
    ("monitor", monitor),
    ("measure_with_ema", measure_with_ema),
];

fn flatten(a: &mut Args) -> Result<GradientTransformation> {
    let inner = a.transform("inner")?;
    a.build(wrappers::flatten(inner))
}

fn every_k(a: &mut Args, name: &str) -> Result<EveryK> {
    let at = a.at_arg(name);
    match a.raw(name) {
        None => Err(a.error(name, "missing required argument")),
        Some(Value::Number(n)) => match n.as_i64() {
            Some(k) => Ok(EveryK::Const(k)),
            None => Err(a.error(name, format!("must be an integer, found {n}"))),
        },
        Some(v @ Value::Object(_)) => Ok(super::schedule_at(v, &at)?.into()),
        Some(other) => Err(a.error(
            name,
            format!("expected an integer or a schedule, found {other}"),
        )),
    }
}

fn skip_fn(a: &mut Args, name: &str) -> Result<Option<ShouldSkipUpdateFn>> {
    let at = a.at_arg(name);
    match a.raw(name) {
        None => Ok(None),
        Some(Value::String(s)) if s == "skip_not_finite" => Ok(Some(ShouldSkipUpdateFn::not_finite())),
        Some(Value::Object(m)) if m.len() == 1 && m.contains_key("skip_large_updates") => {
            let body = &m["skip_large_updates"];
            let here = format!("{at}.skip_large_updates");
            let empty = serde_json::Map::new();
            let map = match body {
                Value::Object(b) => b,
                Value::Null => &empty,
                other => {
                    return Err(OptaxError::Spec {
                        at: here,
                        reason: format!("expected an object of arguments, found {other}"),
                    })
                }
            };
            let mut inner = Args::new(here, map);
            let max = inner.num_req("max_squared_norm")?;
            inner.finish()?;
            Ok(Some(ShouldSkipUpdateFn::large_updates(max)))
        }
        Some(other) => Err(a.error(
            name,
            format!(
                "expected \"skip_not_finite\" or {{\"skip_large_updates\": {{\"max_squared_norm\": x}}}}, found {other}"
            ),
        )),
    }
}

fn multi_steps(a: &mut Args) -> Result<GradientTransformation> {
    let opt = a.transform("opt")?;
    let k = every_k(a, "every_k_schedule")?;
    let mut t = wrappers::MultiSteps::new(opt, k);
    if let Some(f) = skip_fn(a, "should_skip_update_fn")? {
        t = t.should_skip_update_fn(f);
    }
    set_args!(a, t; use_grad_mean: flag, accumulator_dtype: dtype);
    a.build(t)
}

fn apply_if_finite(a: &mut Args) -> Result<GradientTransformation> {
    let inner = a.transform("inner")?;
    let n = a.int_req("max_consecutive_errors")?;
    a.build(wrappers::apply_if_finite(inner, n))
}

fn condition(a: &mut Args, name: &str) -> Result<Condition> {
    let at = a.at_arg(name);
    let v = a
        .raw(name)
        .ok_or_else(|| a.error(name, "missing required argument"))?;
    if let Some(x) = v.as_f64() {
        return Ok(Condition::new(move |_, _| x > 0.0));
    }
    if let Value::Object(m) = v {
        if let (1, Some((k, body))) = (m.len(), m.iter().next()) {
            let int = |what: &str| -> Result<i64> {
                body.as_i64().ok_or_else(|| OptaxError::Spec {
                    at: format!("{at}.{k}"),
                    reason: format!("{what}: expected an integer, found {body}"),
                })
            };
            match k.as_str() {
                "every_k" => {
                    let n = int("every_k")?;
                    if n < 1 {
                        return Err(OptaxError::Spec {
                            at: format!("{at}.{k}"),
                            reason: "must be >= 1".into(),
                        });
                    }
                    return Ok(Condition::every_k(n));
                }
                "after" => return Ok(Condition::after(int("after")?)),
                "before" => return Ok(Condition::before(int("before")?)),
                _ => return Ok(Condition::positive(super::schedule_at(v, &at)?)),
            }
        }
    }
    Err(a.error(
        name,
        format!("expected {{\"every_k\": k}}, {{\"after\": n}}, {{\"before\": n}} or a schedule, found {v}"),
    ))
}

fn conditionally_transform(a: &mut Args) -> Result<GradientTransformation> {
    let inner = a.transform("inner")?;
    let c = condition(a, "should_transform_fn")?;
    let mut t = wrappers::conditionally_transform(inner, c);
    set_args!(a, t; forward_extra_args: flag);
    a.build(t)
}

fn conditionally_mask(a: &mut Args) -> Result<GradientTransformation> {
    let inner = a.transform("inner")?;
    let c = condition(a, "should_transform_fn")?;
    let mut t = wrappers::conditionally_mask(inner, c);
    set_args!(a, t; forward_extra_args: flag);
    a.build(t)
}

fn lookahead(a: &mut Args) -> Result<GradientTransformation> {
    let fast = a.transform("fast_optimizer")?;
    let sync_period = a.int_req("sync_period")?;
    let slow_step_size = a.num_req("slow_step_size")?;
    let mut t = wrappers::lookahead(fast, sync_period, slow_step_size);
    set_args!(a, t; reset_state: flag);
    a.build(t)
}

fn with_extra_args_support(a: &mut Args) -> Result<GradientTransformation> {
    let tx = a.transform("tx")?;
    a.finish()?;
    Ok(wrappers::with_extra_args_support(tx))
}

fn measure(a: &mut Args, name: &str) -> Result<Measure> {
    match a.raw(name) {
        Some(Value::String(s)) => Measure::by_name(s).ok_or_else(|| {
            a.error(
                name,
                format!("unknown measure `{s}` (expected norm, sum, max, min or identity)"),
            )
        }),
        None => Err(a.error(name, "missing required argument")),
        Some(other) => Err(a.error(name, format!("expected a measure name, found {other}"))),
    }
}

fn snapshot(a: &mut Args) -> Result<GradientTransformation> {
    let name = a
        .text("measure_name")?
        .ok_or_else(|| a.error("measure_name", "missing required argument"))?;
    let m = measure(a, "measure")?;
    a.build(wrappers::snapshot(name, m))
}

fn measure_with_ema(a: &mut Args) -> Result<GradientTransformation> {
    let m = measure(a, "measure")?;
    let mut t = wrappers::measure_with_ema(m, a.num_req("decay")?);
    set_args!(a, t; debias: flag, accumulator_dtype: dtype);
    a.build(t)
}

fn monitor(a: &mut Args) -> Result<GradientTransformation> {
    let at = a.at_arg("measures");
    let map = a
        .object("measures")?
        .ok_or_else(|| a.error("measures", "missing required argument"))?;
    let mut measures: Vec<(String, MonitorMeasure)> = Vec::with_capacity(map.len());
    for (k, v) in map {
        let m = match v {
            Value::String(s) => {
                MonitorMeasure::Fn(Measure::by_name(s).ok_or_else(|| OptaxError::Spec {
                    at: format!("{at}.{k}"),
                    reason: format!(
                        "unknown measure `{s}` (expected norm, sum, max, min or identity)"
                    ),
                })?)
            }
            spec => MonitorMeasure::Transform(
                super::transform_at(spec, &format!("{at}.{k}"))?.into_transformation(),
            ),
        };
        measures.push((k.clone(), m));
    }
    a.build(wrappers::monitor(measures))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::spec::testing::{assert_all_build, assert_errors_at};

    #[test]
    fn every_entry_builds_with_optax_argument_names() {
        assert_all_build(&[
            json!({"flatten": {"inner": {"adam": {"learning_rate": 0.1}}}}),
            json!({"MultiSteps": {"opt": {"adam": {"learning_rate": 0.1}}, "every_k_schedule": 4}}),
            json!({"MultiSteps": {"opt": {"sgd": {"learning_rate": 0.1}}, "every_k_schedule":
                {"piecewise_constant_schedule": {"init_value": 1.0, "boundaries_and_scales": {"2": 3.0}}},
                "use_grad_mean": false, "should_skip_update_fn": "skip_not_finite",
                "accumulator_dtype": "float32"}}),
            json!({"MultiSteps": {"opt": {"sgd": {"learning_rate": 0.1}}, "every_k_schedule": 2,
                "should_skip_update_fn": {"skip_large_updates": {"max_squared_norm": 3.0}}}}),
            json!({"apply_if_finite": {"inner": {"sgd": {"learning_rate": 0.1}}, "max_consecutive_errors": 3}}),
            json!({"conditionally_transform": {"inner": {"identity": {}}, "should_transform_fn": {"every_k": 2}}}),
            json!({"conditionally_mask": {"inner": {"identity": {}}, "should_transform_fn": {"after": 2},
                "forward_extra_args": true}}),
            json!({"conditionally_mask": {"inner": {"identity": {}}, "should_transform_fn":
                {"linear_schedule": {"init_value": 1.0, "end_value": -1.0, "transition_steps": 4}}}}),
            json!({"lookahead": {"fast_optimizer": {"sgd": {"learning_rate": 0.1}}, "sync_period": 5,
                "slow_step_size": 0.5, "reset_state": true}}),
            json!({"with_extra_args_support": {"tx": {"sgd": {"learning_rate": 0.1}}}}),
            json!({"snapshot": {"measure_name": "n", "measure": "norm"}}),
            json!({"measure_with_ema": {"measure": "sum", "decay": 0.9, "debias": false}}),
            json!({"monitor": {"measures": {"n": "norm", "e": {"measure_with_ema": {"measure": "max", "decay": 0.5}}}}}),
        ]);
    }

    #[test]
    fn errors_name_the_place() {
        assert_errors_at(&[
            (
                json!({"MultiSteps": {"opt": {"adam": {"learning_rate": 0.1, "b1": 1.5}}, "every_k_schedule": 4}}),
                "MultiSteps.opt.adam.b1",
            ),
            (
                json!({"MultiSteps": {"opt": {"adam": {"learning_rate": 0.1}}}}),
                "MultiSteps.every_k_schedule",
            ),
            (
                json!({"MultiSteps": {"opt": {"sgd": {"learning_rate": 0.1}}, "every_k_schedule": 0}}),
                "MultiSteps.every_k_schedule",
            ),
            (
                json!({"MultiSteps": {"opt": {"sgd": {"learning_rate": 0.1}}, "every_k_schedule": 2,
                    "should_skip_update_fn": "nope"}}),
                "MultiSteps.should_skip_update_fn",
            ),
            (
                json!({"MultiSteps": {"opt": {"sgd": {"learning_rate": 0.1}}, "every_k_schedule": 2,
                    "should_skip_update_fn": {"skip_large_updates": {}}}}),
                "MultiSteps.should_skip_update_fn.skip_large_updates.max_squared_norm",
            ),
            (
                json!({"flatten": {"inner": {"nope": {}}}}),
                "flatten.inner.nope",
            ),
            (
                json!({"apply_if_finite": {"inner": {"identity": {}}}}),
                "apply_if_finite.max_consecutive_errors",
            ),
            (
                json!({"conditionally_transform": {"inner": {"identity": {}}, "should_transform_fn": {"every_k": 0}}}),
                "conditionally_transform.should_transform_fn.every_k",
            ),
            (
                json!({"lookahead": {"fast_optimizer": {"identity": {}}, "sync_period": 0, "slow_step_size": 0.5}}),
                "lookahead.sync_period",
            ),
            (
                json!({"snapshot": {"measure_name": "n", "measure": "nope"}}),
                "snapshot.measure",
            ),
            (
                json!({"monitor": {"measures": {"n": "nope"}}}),
                "monitor.measures.n",
            ),
        ]);
    }
}
