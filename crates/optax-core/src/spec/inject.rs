//! Spec entries of `inject_hyperparams` and its deprecated twin `inject_stateful_hyperparams`:
//!
//! ```json
//! {"inject_hyperparams": {"adamw": {"learning_rate": {"cosine_decay_schedule": {..}}, "b1": 0.9}}}
//! {"inject_hyperparams": {"inner_factory": {"adamw": {..}}, "static_args": ["b1"],
//!                         "hyperparam_dtype": "float32"}}
//! ```
//!
//! The inner entry is any registered name with its usual arguments. As in Optax, its numbers
//! (not bools) and schedule specs are the hyperparameters, except those named in `static_args`
//! (a name or a list); the numeric arguments it omits are bound with Optax's defaults (Optax's
//! `apply_defaults`; the table is generated from Optax's signatures). At every step the inner
//! is rebuilt from its spec with the current numbers written in, so it is checked as a spec is
//! (errors name their place, e.g. `inject_hyperparams.adam.b1: must be in [0, 1)`).

use serde_json::{Map, Number, Value};

use super::registry::{self, TransformBuilder};
use super::Args;
use crate::error::{OptaxError, Result};
use crate::transform::GradientTransformation;
use crate::wrappers::INJECT_SIGNATURES as OPTAX_SIGNATURES;
use crate::wrappers::{HyperNumber, Hyperparams, InjectHyperparams, Injected};

pub(crate) const TRANSFORMS: &[(&str, TransformBuilder)] = &[
    ("inject_hyperparams", inject),
    ("inject_stateful_hyperparams", inject),
];

/// Optax's keyword arguments of the wrapper itself.
const WRAPPER_KEYS: [&str; 3] = ["inner_factory", "static_args", "hyperparam_dtype"];

/// Reads the whole body (`null` is an empty one): the inner entry is keyed by its own name.
fn inject(a: &mut Args) -> Result<GradientTransformation> {
    let here = a.at().to_string();
    from_body(a.all(), &here)
}

fn spec_err(at: String, reason: impl Into<String>) -> OptaxError {
    OptaxError::Spec {
        at,
        reason: reason.into(),
    }
}

fn from_body(body: &Map<String, Value>, here: &str) -> Result<GradientTransformation> {
    let at = |k: &str| format!("{here}.{k}");
    // static_args: a name or a list of names.
    let static_args: Vec<String> = match body.get("static_args") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str().map(str::to_string).ok_or_else(|| {
                    spec_err(at("static_args"), format!("expected a name, found {v}"))
                })
            })
            .collect::<Result<_>>()?,
        Some(other) => {
            return Err(spec_err(
                at("static_args"),
                format!("expected a name or a list of names, found {other}"),
            ))
        }
    };
    match body.get("hyperparam_dtype") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if s == "float32" => {}
        Some(other) => {
            return Err(spec_err(
                at("hyperparam_dtype"),
                format!(
                    "only float32 (the parameters' dtype) is supported, found {other}: \
                     another dtype would change the inner's arithmetic, not only the values"
                ),
            ))
        }
    }
    // The inner entry: under `inner_factory`, or the one other key.
    let (inner_at, inner_spec): (String, Value) = match body.get("inner_factory") {
        Some(v) => {
            if let Some(k) = body.keys().find(|k| !WRAPPER_KEYS.contains(&k.as_str())) {
                return Err(spec_err(
                    at(k),
                    "unknown argument (the inner is given as inner_factory)",
                ));
            }
            (at("inner_factory"), v.clone())
        }
        None => {
            let mut others = body
                .iter()
                .filter(|(k, _)| !WRAPPER_KEYS.contains(&k.as_str()));
            match (others.next(), others.next()) {
                (Some((k, v)), None) => (
                    here.to_string(),
                    Value::Object(Map::from_iter([(k.clone(), v.clone())])),
                ),
                (None, _) => {
                    return Err(spec_err(at("inner_factory"), "missing required argument"))
                }
                (Some(_), Some((k2, _))) => {
                    return Err(spec_err(
                        at(k2),
                        "a second inner transformation (inject_hyperparams wraps one)",
                    ))
                }
            }
        }
    };
    let (name, args) = match &inner_spec {
        Value::Object(m) if m.len() == 1 => {
            let (k, v) = m.iter().next().unwrap();
            let args = match v {
                Value::Object(a) => a.clone(),
                Value::Null => Map::new(),
                other => {
                    return Err(spec_err(
                        format!("{inner_at}.{k}"),
                        format!("expected an object of arguments, found {other}"),
                    ))
                }
            };
            (k.clone(), args)
        }
        other => {
            return Err(spec_err(
                inner_at,
                format!(
                    "expected one transformation spec like {{\"adam\": {{..}}}}, found {other}"
                ),
            ))
        }
    };
    build(&name, args, &static_args, here, &inner_at)
}

type Signature = (
    &'static [&'static str],
    &'static [(&'static str, HyperNumber)],
);

/// Optax's parameters and numeric defaults of `name` (a bare name that only optax.contrib
/// has is optax.contrib's, as the registry reads it).
fn signature(name: &str) -> Option<Signature> {
    let find = |n: &str| {
        OPTAX_SIGNATURES
            .iter()
            .find(|(k, _, _)| *k == n)
            .map(|(_, p, d)| (*p, *d))
    };
    find(name).or_else(|| find(&format!("contrib.{name}")))
}

fn is_schedule_spec(v: &Value) -> bool {
    match v {
        Value::Object(m) if m.len() == 1 => registry::schedule(m.keys().next().unwrap()).is_some(),
        _ => false,
    }
}

fn build(
    name: &str,
    args: Map<String, Value>,
    static_args: &[String],
    here: &str,
    inner_at: &str,
) -> Result<GradientTransformation> {
    let sig = signature(name);
    if let Some((params, _)) = sig {
        if let Some(bad) = static_args.iter().find(|s| !params.contains(&s.as_str())) {
            return Err(spec_err(
                format!("{here}.static_args"),
                format!(
                    "`{bad}` is not a parameter of {name} (static_args must name some of: {})",
                    params.join(", ")
                ),
            ));
        }
    }
    let inner_here = format!("{inner_at}.{name}");
    // Optax's classification of the bound arguments.
    let mut statics = Map::new();
    let mut numbers: Vec<(String, HyperNumber, bool)> = Vec::new(); // (name, value, defaulted)
    let mut schedules = Vec::new();
    for (k, v) in &args {
        let is_static = static_args.iter().any(|s| s == k);
        match v {
            Value::Number(n) if !is_static => {
                let num = match n.as_i64() {
                    Some(i) if !n.is_f64() => HyperNumber::Int(i),
                    _ => HyperNumber::Float(n.as_f64().unwrap_or(f64::NAN)),
                };
                numbers.push((k.clone(), num, false));
            }
            v if !is_static && is_schedule_spec(v) => {
                let s = super::schedule_at(v, &format!("{inner_here}.{k}"))?;
                schedules.push((k.clone(), s));
            }
            _ => {
                statics.insert(k.clone(), v.clone());
            }
        }
    }
    if let Some((_, defaults)) = sig {
        for (k, d) in defaults {
            if !args.contains_key(*k) && !static_args.iter().any(|s| s == k) {
                numbers.push((k.to_string(), *d, true));
            }
        }
    }
    // Signature order (names Optax does not list keep the spec's order, after them).
    let rank = |k: &str| {
        sig.and_then(|(p, _)| p.iter().position(|q| *q == k))
            .unwrap_or(usize::MAX)
    };
    numbers.sort_by_key(|(k, _, _)| rank(k));
    schedules.sort_by_key(|(k, _)| rank(k));

    // Defaults that the Rust entry does not take are left out (found by building once).
    loop {
        let t = make(name, &statics, &numbers, &schedules, inner_at);
        let hps = t.initial_hyperparams();
        match (t.factory())(&hps) {
            Ok(_) => return Ok(GradientTransformation::new(t)),
            Err(OptaxError::Spec { at, reason }) if reason.starts_with("unknown argument") => {
                let arg = at.strip_prefix(&format!("{inner_here}.")).unwrap_or("");
                match numbers.iter().position(|(k, _, d)| *d && k == arg) {
                    Some(i) => {
                        numbers.remove(i);
                    }
                    None => return Err(OptaxError::Spec { at, reason }),
                }
            }
            Err(e) => return Err(e),
        }
    }
}

fn make(
    name: &str,
    statics: &Map<String, Value>,
    numbers: &[(String, HyperNumber, bool)],
    schedules: &[(String, crate::schedules::Schedule)],
    inner_at: &str,
) -> InjectHyperparams {
    let name = name.to_string();
    let statics = statics.clone();
    let inner_at = inner_at.to_string();
    let mut t = InjectHyperparams::from_factory(std::sync::Arc::new(move |hps: &Hyperparams| {
        let mut m = statics.clone();
        for (k, v) in hps.iter() {
            let n = match v {
                HyperNumber::Int(i) => Number::from(i),
                HyperNumber::Float(x) => Number::from_f64(x).ok_or_else(|| {
                    OptaxError::invalid(k, format!("is {x}: a spec holds finite numbers only"))
                })?,
            };
            m.insert(k.to_string(), Value::Number(n));
        }
        let spec = Value::Object(Map::from_iter([(name.clone(), Value::Object(m))]));
        super::transform_at(&spec, &inner_at)
    }));
    for (k, v, _) in numbers {
        t = t.hyperparam(k, Injected::Number(*v));
    }
    for (k, s) in schedules {
        t = t.hyperparam(k, Injected::Schedule(s.clone()));
    }
    t
}
