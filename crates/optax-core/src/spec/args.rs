//! Reading the arguments of one spec entry, with errors that name their place in the spec.

use std::collections::BTreeSet;

use burn::tensor::DType;
use serde_json::{Map, Value};

use crate::combine::{Labels, Mask};
use crate::error::{OptaxError, Result};
use crate::hyper::Hyper;
use crate::schedules::Schedule;
use crate::transform::GradientTransformation;

/// The arguments of one entry of a spec (`{"adamw": {<these>}}`), read by name. Every read
/// marks the argument used; [`Args::finish`] rejects the ones nobody read.
pub struct Args<'a> {
    at: String,
    map: &'a Map<String, Value>,
    used: BTreeSet<&'a str>,
    asked: Vec<String>,
}

impl<'a> Args<'a> {
    pub(crate) fn new(at: String, map: &'a Map<String, Value>) -> Self {
        Args {
            at,
            map,
            used: BTreeSet::new(),
            asked: Vec::new(),
        }
    }

    /// The place of this entry in the spec, e.g. `chain[1].adamw`.
    pub fn at(&self) -> &str {
        &self.at
    }

    /// The place of argument `name`.
    pub fn at_arg(&self, name: &str) -> String {
        format!("{}.{name}", self.at)
    }

    /// An error at argument `name`.
    pub fn error(&self, name: &str, reason: impl Into<String>) -> OptaxError {
        OptaxError::Spec {
            at: self.at_arg(name),
            reason: reason.into(),
        }
    }

    /// The raw value of `name`, `None` when absent or `null` (Optax's `None`).
    pub fn raw(&mut self, name: &str) -> Option<&'a Value> {
        if !self.asked.iter().any(|a| a == name) {
            self.asked.push(name.to_string());
        }
        let (key, value) = self.map.get_key_value(name)?;
        self.used.insert(key.as_str());
        (!value.is_null()).then_some(value)
    }

    /// All the arguments, each marked read: for an entry whose body is not a list of named
    /// arguments (`inject_hyperparams` keys its inner transformation by its own name).
    pub(crate) fn all(&mut self) -> &'a Map<String, Value> {
        self.used.extend(self.map.keys().map(String::as_str));
        self.map
    }

    /// Whether `name` is given as `null`: Optax's `None` for an argument whose default is not
    /// `None` (e.g. adafactor's `clipping_threshold=None` disables clipping).
    pub fn is_null(&self, name: &str) -> bool {
        matches!(self.map.get(name), Some(Value::Null))
    }

    fn required<T>(&self, name: &str, v: Option<T>) -> Result<T> {
        v.ok_or_else(|| self.error(name, "missing required argument"))
    }

    /// A number (integers are accepted as floats).
    pub fn num(&mut self, name: &str) -> Result<Option<f64>> {
        match self.raw(name) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(Value::Bool(b)) => Ok(Some(if *b { 1.0 } else { 0.0 })),
            Some(other) => Err(self.error(name, format!("expected a number, found {other}"))),
        }
    }

    /// A required number.
    pub fn num_req(&mut self, name: &str) -> Result<f64> {
        let v = self.num(name)?;
        self.required(name, v)
    }

    /// An integer.
    pub fn int(&mut self, name: &str) -> Result<Option<i64>> {
        match self.raw(name) {
            None => Ok(None),
            Some(Value::Number(n)) => match (n.as_i64(), n.as_f64()) {
                (Some(i), _) => Ok(Some(i)),
                (None, Some(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
                _ => Err(self.error(name, format!("must be an integer, found {n}"))),
            },
            Some(other) => Err(self.error(name, format!("expected an integer, found {other}"))),
        }
    }

    /// A required integer.
    pub fn int_req(&mut self, name: &str) -> Result<i64> {
        let v = self.int(name)?;
        self.required(name, v)
    }

    /// A bool.
    pub fn flag(&mut self, name: &str) -> Result<Option<bool>> {
        match self.raw(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(self.error(name, format!("expected true or false, found {other}"))),
        }
    }

    /// A string.
    pub fn text(&mut self, name: &str) -> Result<Option<String>> {
        match self.raw(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(self.error(name, format!("expected a string, found {other}"))),
        }
    }

    /// A number or a schedule spec (Optax's `ScalarOrSchedule`).
    pub fn sched(&mut self, name: &str) -> Result<Option<Hyper>> {
        let at = self.at_arg(name);
        match self.raw(name) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64().map(Hyper::Value)),
            Some(v @ Value::Object(_)) => Ok(Some(Hyper::Schedule(super::schedule_at(v, &at)?))),
            Some(other) => Err(self.error(
                name,
                format!("expected a number or a schedule, found {other}"),
            )),
        }
    }

    /// A required number or schedule.
    pub fn sched_req(&mut self, name: &str) -> Result<Hyper> {
        let v = self.sched(name)?;
        self.required(name, v)
    }

    /// A schedule (a number is a constant schedule).
    pub fn schedule_fn(&mut self, name: &str) -> Result<Option<Schedule>> {
        match self.sched(name)? {
            None => Ok(None),
            Some(Hyper::Schedule(s)) => Ok(Some(s)),
            Some(Hyper::Value(v)) => Ok(Some(Schedule::new(move |_| v))),
            // `sched` reads a number or a schedule spec, never a tensor: not reached.
            Some(Hyper::Tensor(_)) => Err(self.error(name, "expected a number or a schedule")),
        }
    }

    /// A dtype name (`"float32"`, `"bfloat16"`, `"float16"`, `"float64"`); `null` is `None`.
    pub fn dtype(&mut self, name: &str) -> Result<Option<Option<DType>>> {
        let present = self.map.contains_key(name);
        let value = self.raw(name);
        if !present {
            return Ok(None);
        }
        match value {
            None => Ok(Some(None)),
            Some(Value::String(s)) => {
                let d = match s
                    .trim_start_matches("jnp.")
                    .trim_start_matches("jax.numpy.")
                {
                    "float32" => DType::F32,
                    "float16" => DType::F16,
                    "bfloat16" => DType::BF16,
                    "float64" => DType::F64,
                    other => return Err(self.error(name, format!("unknown dtype `{other}`"))),
                };
                Ok(Some(Some(d)))
            }
            Some(other) => Err(self.error(name, format!("expected a dtype name, found {other}"))),
        }
    }

    /// A mask: `true`/`false` for every leaf, or an object from leaf path (or prefix) to bool.
    pub fn mask(&mut self, name: &str) -> Result<Option<Mask>> {
        match self.raw(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(Mask::All(*b))),
            Some(Value::Object(m)) => {
                let mut pairs = Vec::with_capacity(m.len());
                for (k, v) in m {
                    match v {
                        Value::Bool(b) => pairs.push((k.clone(), *b)),
                        other => {
                            return Err(self.error(
                                name,
                                format!("`{k}`: expected true or false, found {other}"),
                            ))
                        }
                    }
                }
                Ok(Some(Mask::Map(pairs)))
            }
            Some(other) => Err(self.error(
                name,
                format!("expected a bool or an object of bools, found {other}"),
            )),
        }
    }

    /// Labels: an object from leaf path (or prefix) to label.
    pub fn labels(&mut self, name: &str) -> Result<Labels> {
        match self.raw(name) {
            Some(Value::Object(m)) => {
                let mut pairs = Vec::with_capacity(m.len());
                for (k, v) in m {
                    match v {
                        Value::String(s) => pairs.push((k.clone(), s.clone())),
                        other => {
                            return Err(self.error(
                                name,
                                format!("`{k}`: expected a label string, found {other}"),
                            ))
                        }
                    }
                }
                Ok(Labels::Map(pairs))
            }
            None => Err(self.error(name, "missing required argument")),
            Some(other) => {
                Err(self.error(name, format!("expected an object of labels, found {other}")))
            }
        }
    }

    /// A nested transformation spec.
    pub fn transform(&mut self, name: &str) -> Result<GradientTransformation> {
        let at = self.at_arg(name);
        match self.raw(name) {
            Some(v) => super::transform_at(v, &at),
            None => Err(self.error(name, "missing required argument")),
        }
    }

    /// An object from names to nested transformation specs, in the spec's order.
    pub fn transform_map(&mut self, name: &str) -> Result<Vec<(String, GradientTransformation)>> {
        let at = self.at_arg(name);
        match self.raw(name) {
            Some(Value::Object(m)) => m
                .iter()
                .map(|(k, v)| Ok((k.clone(), super::transform_at(v, &format!("{at}.{k}"))?)))
                .collect(),
            None => Err(self.error(name, "missing required argument")),
            Some(other) => Err(self.error(
                name,
                format!("expected an object of transformations, found {other}"),
            )),
        }
    }

    /// A list of values.
    pub fn list(&mut self, name: &str) -> Result<Option<&'a Vec<Value>>> {
        match self.raw(name) {
            None => Ok(None),
            Some(Value::Array(v)) => Ok(Some(v)),
            Some(other) => Err(self.error(name, format!("expected a list, found {other}"))),
        }
    }

    /// An object.
    pub fn object(&mut self, name: &str) -> Result<Option<&'a Map<String, Value>>> {
        match self.raw(name) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
            Some(other) => Err(self.error(name, format!("expected an object, found {other}"))),
        }
    }

    /// Rejects arguments that were never read (unknown to this function).
    pub fn finish(&self) -> Result<()> {
        for key in self.map.keys() {
            if !self.used.contains(key.as_str()) {
                let hint = if self.asked.is_empty() {
                    "it takes no arguments".to_string()
                } else {
                    format!("expected one of: {}", self.asked.join(", "))
                };
                return Err(self.error(key, format!("unknown argument ({hint})")));
            }
        }
        Ok(())
    }

    /// Finishes reading (unknown arguments are errors), validates the transformation (errors
    /// name the argument) and erases its type.
    pub fn build<T: crate::Transform + 'static>(&self, t: T) -> Result<GradientTransformation> {
        self.finish()?;
        t.validate().map_err(|e| self.locate(e))?;
        Ok(GradientTransformation::new(t))
    }

    /// Turns a hyperparameter error of the built transformation into an error at its argument.
    pub fn locate(&self, e: OptaxError) -> OptaxError {
        match e {
            OptaxError::InvalidHyperparameter { name, reason } => self.error(&name, reason),
            other => other,
        }
    }
}

/// Sets each argument present in the spec through the builder method of the same name:
/// `set_args!(args, t; b1: num, nesterov: flag)`. Kinds: `num` (f64), `sched` (number or
/// schedule), `int` (i64), `flag` (bool), `text` (String), `dtype` (Option<DType>), `mask`.
#[macro_export]
#[doc(hidden)]
macro_rules! set_args {
    ($args:ident, $t:ident; $($name:ident : $kind:ident),* $(,)?) => {
        $(
            if let Some(v) = $args.$kind(stringify!($name))? {
                $t = $t.$name(v);
            }
        )*
    };
}
