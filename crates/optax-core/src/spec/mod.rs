//! Transformations from JSON or TOML specs that use Optax's function and argument names:
//!
//! ```json
//! {"chain": [{"clip_by_global_norm": {"max_norm": 1.0}},
//!            {"adamw": {"learning_rate": {"warmup_cosine_decay_schedule": {
//!                "init_value": 0.0, "peak_value": 0.01, "warmup_steps": 50, "decay_steps": 1000}},
//!             "weight_decay": 0.01}}]}
//! ```
//!
//! Omitted arguments take Optax's defaults; a number stands for a constant wherever a schedule
//! is taken; `piecewise_constant_schedule`'s `boundaries_and_scales` is an object from step (a
//! string) to scale; masks and labels are objects from leaf path (or path prefix) to value.
//! Unknown names, unknown arguments and invalid values are errors that name their place, e.g.
//! `chain[1].adamw.b1: must be in [0, 1)`.

// The argument reader and the registry of names.
mod args;
mod registry;

// The tables of entries, one per family (see `registry::TRANSFORM_TABLES`).
mod accumulation;
mod adam;
mod adam_variants;
mod clipping;
mod combinators;
mod constraints;
mod contrib_adam_family;
mod contrib_lr_free;
mod contrib_matrix;
mod contrib_privacy;
mod elementary;
mod inject;
mod layerwise;
mod lbfgs;
mod memory_efficient;
mod normalization;
mod optimistic;
mod rms_adagrad;
mod schedules;
mod sgd;
mod sign;
mod step_size;
mod wrappers;

pub use args::Args;
pub use registry::{schedule_names, transform_names};

use serde_json::Value;

use crate::error::{OptaxError, Result};
use crate::schedules::Schedule;
use crate::transform::GradientTransformation;

/// Builds a transformation from a spec given as a JSON value.
pub fn from_spec(spec: &Value) -> Result<GradientTransformation> {
    transform_at(spec, "")
}

/// Builds a transformation from a JSON or TOML text (JSON is tried first).
pub fn from_spec_str(text: &str) -> Result<GradientTransformation> {
    from_spec(&parse_spec(text)?)
}

/// Builds a schedule from a spec such as `{"cosine_decay_schedule": {"init_value": 1.0,
/// "decay_steps": 100}}`; a bare number is a constant.
pub fn schedule_from_spec(spec: &Value) -> Result<Schedule> {
    schedule_at(spec, "")
}

/// Parses a spec written in JSON or TOML.
pub fn parse_spec(text: &str) -> Result<Value> {
    match serde_json::from_str::<Value>(text) {
        Ok(v) => Ok(v),
        Err(json_err) => match toml::from_str::<toml::Value>(text) {
            Ok(t) => serde_json::to_value(t).map_err(|e| OptaxError::Spec {
                at: String::new(),
                reason: e.to_string(),
            }),
            Err(toml_err) => Err(OptaxError::Spec {
                at: "spec".into(),
                reason: format!(
                    "neither JSON ({json_err}) nor TOML ({})",
                    toml_err.message()
                ),
            }),
        },
    }
}

fn join(at: &str, name: &str) -> String {
    if at.is_empty() {
        name.to_string()
    } else {
        format!("{at}.{name}")
    }
}

/// The one `(name, arguments)` entry of a spec object.
fn entry<'a>(spec: &'a Value, at: &str, what: &str) -> Result<(&'a str, &'a Value)> {
    let place = if at.is_empty() { "spec" } else { at };
    match spec {
        Value::Object(m) => {
            let mut entries = m.iter();
            match (entries.next(), entries.next()) {
                (Some((k, v)), None) => Ok((k.as_str(), v)),
                _ => Err(OptaxError::Spec {
                    at: place.to_string(),
                    reason: format!(
                        "a {what} spec has exactly one key (its Optax name), found {}",
                        m.len()
                    ),
                }),
            }
        }
        other => Err(OptaxError::Spec {
            at: place.to_string(),
            reason: format!(
                "expected a {what} spec like {{\"name\": {{arguments}}}}, found {other}"
            ),
        }),
    }
}

static EMPTY: std::sync::LazyLock<serde_json::Map<String, Value>> =
    std::sync::LazyLock::new(serde_json::Map::new);

pub(crate) fn transform_at(spec: &Value, at: &str) -> Result<GradientTransformation> {
    let (name, body) = entry(spec, at, "transformation")?;
    let here = join(at, name);
    let builder = registry::transform(name).ok_or_else(|| OptaxError::Spec {
        at: if at.is_empty() {
            name.to_string()
        } else {
            here.clone()
        },
        reason: format!("unknown transformation `{name}`"),
    })?;
    match body {
        Value::Object(map) => builder(&mut Args::new(here, map)),
        Value::Null => builder(&mut Args::new(here, &EMPTY)),
        Value::Array(items) if name == "chain" || name == "named_chain" => {
            registry::chain_list(name, items, &here)
        }
        other => Err(OptaxError::Spec {
            at: here,
            reason: format!("expected an object of arguments, found {other}"),
        }),
    }
}

pub(crate) fn schedule_at(spec: &Value, at: &str) -> Result<Schedule> {
    if let Some(v) = spec.as_f64() {
        return Ok(Schedule::new(move |_| v));
    }
    let (name, body) = entry(spec, at, "schedule")?;
    let here = join(at, name);
    let builder = registry::schedule(name).ok_or_else(|| OptaxError::Spec {
        at: here.clone(),
        reason: format!("unknown schedule `{name}`"),
    })?;
    match body {
        Value::Object(map) => builder(&mut Args::new(here, map)),
        Value::Null => builder(&mut Args::new(here, &EMPTY)),
        other => Err(OptaxError::Spec {
            at: here,
            reason: format!("expected an object of arguments, found {other}"),
        }),
    }
}

/// Helpers for the tables' tests.
#[cfg(test)]
pub(crate) mod testing {
    use serde_json::Value;

    use crate::error::OptaxError;

    /// Every spec builds.
    pub(crate) fn assert_all_build(specs: &[Value]) {
        for spec in specs {
            if let Err(e) = super::from_spec(spec) {
                panic!("{spec}: {e}");
            }
        }
    }

    /// Every spec is refused with a spec error at the given place.
    pub(crate) fn assert_errors_at(cases: &[(Value, &str)]) {
        for (spec, at) in cases {
            match super::from_spec(spec) {
                Err(OptaxError::Spec { at: got, .. }) => assert_eq!(got, *at, "{spec}"),
                other => panic!("{spec}: expected a spec error at {at}, got {other:?}"),
            }
        }
    }
}
