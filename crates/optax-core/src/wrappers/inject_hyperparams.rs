//! `inject_hyperparams` (and its deprecated twin `inject_stateful_hyperparams`): the numeric
//! hyperparameters of a transformation, held in its state, where schedules update them and a
//! program can read and write them between steps.
//!
//! Optax 0.2.8, `optax/schedules/_inject.py` (no paper: a software device). The inner
//! transformation is rebuilt from its hyperparameters at every step. With `c_t` the wrapper's
//! count, `h_t` the stored hyperparameters and `s^k` the count of schedule `k`:
//!
//! ```text
//! init:    h_0[k] = f32(value_k)                (numbers)
//!          h_0[k] = f32(schedule_k(0))          (schedules, after the numbers)
//!          inner_state_0 = factory(h_0).init(params)
//! update:  h[k]   = f32(h_t[k])                 (as stored: a write by the program counts)
//!          h[k]   = f32(schedule_k(s^k_t))      (schedules: a write is overwritten)
//!          (u, inner_state_{t+1}) = factory(h).update(g, inner_state_t, params, extra)
//!          h_{t+1} = h,  s^k_{t+1} = s^k_t + 1,  c_{t+1} = c_t + 1   (saturating int32)
//! ```
//!
//! So the hyperparameters in the state after an update are the ones that update used, and a
//! schedule is evaluated at its count *before* the increment (step 0 uses `schedule(0)`).
//!
//! The state is Optax's `InjectStatefulHyperparamsState(count, hyperparams, hyperparams_states,
//! inner_state)`: `hyperparams` maps each name to a float32 number (stored as a
//! [`State::Float`] holding an `f32` value; an integer argument stays a [`State::Int`], as
//! Optax keeps it an int32 array), `hyperparams_states` maps each scheduled name to
//! `WrappedScheduleState(count)`.
//!
//! Which arguments are hyperparameters is Optax's rule: numbers (not bools) and schedules,
//! except those named in `static_args`; everything else (flags, dtypes, masks, `None`) is
//! passed to the factory unchanged. Optax's `hyperparam_dtype` casts the float
//! hyperparameters; only `float32` (the dtype of the parameters here) is supported.

use std::fmt;
use std::sync::Arc;

use crate::error::{OptaxError, Result};
use crate::hyper::Hyper;
use crate::schedules::Schedule;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, GradientTransformation, Transform};
use crate::tree::Tree;

/// Optax's name of the state record.
pub const INJECT_STATE_KIND: &str = "InjectStatefulHyperparamsState";
/// Optax's name of a scheduled hyperparameter's state record.
pub const WRAPPED_SCHEDULE_STATE_KIND: &str = "WrappedScheduleState";

/// A number held as a hyperparameter: a float (float32 in the state) or an integer (int32).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum HyperNumber {
    /// A float; in the state, rounded to float32.
    Float(f64),
    /// An integer (Optax keeps an `int` argument an int32 array).
    Int(i64),
}

impl HyperNumber {
    /// The value as a float.
    pub fn as_f64(self) -> f64 {
        match self {
            HyperNumber::Float(v) => v,
            HyperNumber::Int(i) => i as f64,
        }
    }

    /// Optax's `_convert_floats(x, float32)`: floats are rounded to float32, integers kept.
    pub(crate) fn to_f32(self) -> HyperNumber {
        match self {
            HyperNumber::Float(v) => HyperNumber::Float(v as f32 as f64),
            other => other,
        }
    }

    fn to_state(self) -> State {
        match self {
            HyperNumber::Float(v) => State::Float(v),
            HyperNumber::Int(i) => State::Int(i),
        }
    }

    /// A number written in the state by the program: a float, an integer or a one-element
    /// tensor (read to the host).
    fn from_state(name: &str, s: &State) -> Result<HyperNumber> {
        match s {
            State::Float(v) => Ok(HyperNumber::Float(*v)),
            State::Int(i) => Ok(HyperNumber::Int(*i)),
            State::Tensor(t) if t.dims()[0] == 1 => {
                Ok(HyperNumber::Float(t.clone().into_scalar::<f32>() as f64))
            }
            State::Tensor(t) => Err(OptaxError::state(
                format!("hyperparams.{name}"),
                format!("expected one number, found a tensor of {:?}", t.dims()),
            )),
            _ => Err(OptaxError::state(
                format!("hyperparams.{name}"),
                "expected a number (State::Float or State::Int)",
            )),
        }
    }
}

impl From<f64> for HyperNumber {
    fn from(v: f64) -> Self {
        HyperNumber::Float(v)
    }
}

impl From<f32> for HyperNumber {
    fn from(v: f32) -> Self {
        HyperNumber::Float(v as f64)
    }
}

impl From<i64> for HyperNumber {
    fn from(v: i64) -> Self {
        HyperNumber::Int(v)
    }
}

/// The current hyperparameters handed to the inner factory, in Optax's order (numbers, then
/// schedules).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Hyperparams {
    values: Vec<(String, HyperNumber)>,
}

impl Hyperparams {
    /// The float value of `name` (an integer is converted).
    pub fn get(&self, name: &str) -> Result<f64> {
        self.number(name).map(HyperNumber::as_f64)
    }

    /// The value of `name` as a [`Hyper`] constant, for a builder method.
    pub fn hyper(&self, name: &str) -> Result<Hyper> {
        self.get(name).map(Hyper::Value)
    }

    /// The value of `name` as it is held (float or integer).
    pub fn number(&self, name: &str) -> Result<HyperNumber> {
        self.values
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| *v)
            .ok_or_else(|| OptaxError::invalid(name, "is not one of the injected hyperparameters"))
    }

    /// Whether `name` is one of the hyperparameters.
    pub fn contains(&self, name: &str) -> bool {
        self.values.iter().any(|(k, _)| k == name)
    }

    /// The names and values, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, HyperNumber)> {
        self.values.iter().map(|(k, v)| (k.as_str(), *v))
    }

    fn set(&mut self, name: &str, v: HyperNumber) {
        match self.values.iter_mut().find(|(k, _)| k == name) {
            Some((_, slot)) => *slot = v,
            None => self.values.push((name.to_string(), v)),
        }
    }
}

/// A hyperparameter given to the wrapper: a number or a schedule of its own step count.
#[derive(Clone)]
pub enum Injected {
    /// A number (it can be changed in the state between steps).
    Number(HyperNumber),
    /// A schedule, evaluated at every step (a change in the state is overwritten).
    Schedule(Schedule),
}

impl fmt::Debug for Injected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Injected::Number(n) => write!(f, "{n:?}"),
            Injected::Schedule(_) => f.write_str("schedule"),
        }
    }
}

impl From<Hyper> for Injected {
    fn from(h: Hyper) -> Self {
        match h {
            Hyper::Value(v) => Injected::Number(HyperNumber::Float(v)),
            Hyper::Schedule(s) => Injected::Schedule(s),
            Hyper::Tensor(t) => Injected::Number(HyperNumber::Float(t.into_scalar::<f32>() as f64)),
        }
    }
}

impl From<HyperNumber> for Injected {
    fn from(n: HyperNumber) -> Self {
        Injected::Number(n)
    }
}

impl From<f64> for Injected {
    fn from(v: f64) -> Self {
        Injected::Number(HyperNumber::Float(v))
    }
}

impl From<Schedule> for Injected {
    fn from(s: Schedule) -> Self {
        Injected::Schedule(s)
    }
}

/// The inner factory: builds the inner transformation from the current hyperparameters.
pub type InnerFactory = Arc<dyn Fn(&Hyperparams) -> Result<GradientTransformation> + Send + Sync>;

/// `optax.inject_hyperparams(inner_factory)(**hyperparams)`. State
/// `InjectStatefulHyperparamsState(count, hyperparams, hyperparams_states, inner_state)`.
#[derive(Clone)]
pub struct InjectHyperparams {
    factory: InnerFactory,
    hyperparams: Vec<(String, Injected)>,
}

impl fmt::Debug for InjectHyperparams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InjectHyperparams")
            .field("hyperparams", &self.hyperparams)
            .finish_non_exhaustive()
    }
}

/// `optax.inject_hyperparams(inner_factory, static_args=(), hyperparam_dtype=None)`, called
/// with the hyperparameters given by [`InjectHyperparams::hyperparam`].
///
/// Optax's `static_args` are whatever the factory closure captures itself; the float
/// hyperparameters are float32 (Optax's `hyperparam_dtype=None` with float32 parameters).
///
/// Adam whose learning rate is read and changed while training:
///
/// ```
/// use optax_core::prelude::*;
/// use optax_core::wrappers::{get_hyperparam, inject_hyperparams, set_hyperparam};
/// use optax_core::adam;
/// use burn::tensor::{Device, Tensor};
///
/// let device = Device::flex();
/// let mut params = Tree::builder()
///     .leaf("a", Tensor::<1>::ones([1], &device))
///     .leaf("b", Tensor::<1>::ones([2], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()?;
/// let opt = inject_hyperparams(|h| {
///     Ok(adam(h.get("learning_rate")?).b1(h.get("b1")?).into_transformation())
/// })
/// .hyperparam("learning_rate", 0.01)
/// .hyperparam("b1", 0.9)
/// .into_transformation();
/// let mut state = opt.init(&params)?;
/// let grads = params.map(|p| p.ones_like());
/// opt.step(&mut params, grads.clone(), &mut state)?;
/// assert_eq!(get_hyperparam(&state, "learning_rate")?, 0.01f32 as f64);
/// set_hyperparam(&mut state, "learning_rate", 0.001)?; // used from the next step on
/// opt.step(&mut params, grads, &mut state)?;
/// assert_eq!(get_hyperparam(&state, "learning_rate")?, 0.001f32 as f64);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn inject_hyperparams<F>(inner_factory: F) -> InjectHyperparams
where
    F: Fn(&Hyperparams) -> Result<GradientTransformation> + Send + Sync + 'static,
{
    InjectHyperparams {
        factory: Arc::new(inner_factory),
        hyperparams: Vec::new(),
    }
}

/// `optax.inject_stateful_hyperparams`: deprecated in Optax 0.1.9 for
/// [`inject_hyperparams`], which it calls.
///
/// ```
/// use optax_core::prelude::*;
/// use optax_core::wrappers::inject_stateful_hyperparams;
/// use burn::tensor::{Device, Tensor};
///
/// let device = Device::flex();
/// let params = Tree::builder()
///     .leaf("a", Tensor::<1>::ones([1], &device))
///     .leaf("b", Tensor::<1>::ones([2], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()?;
/// #[allow(deprecated)]
/// let opt = inject_stateful_hyperparams(|h| {
///     Ok(optax_core::sgd(h.get("learning_rate")?).into_transformation())
/// })
/// .hyperparam("learning_rate", 0.1);
/// let state = opt.init(&params)?;
/// assert_eq!(state.get("learning_rate")?.as_float()?, 0.1f32 as f64);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
#[deprecated(note = "Optax 0.1.9: use inject_hyperparams")]
pub fn inject_stateful_hyperparams<F>(inner_factory: F) -> InjectHyperparams
where
    F: Fn(&Hyperparams) -> Result<GradientTransformation> + Send + Sync + 'static,
{
    inject_hyperparams(inner_factory)
}

impl InjectHyperparams {
    /// A wrapper over a shared factory.
    pub fn from_factory(factory: InnerFactory) -> Self {
        InjectHyperparams {
            factory,
            hyperparams: Vec::new(),
        }
    }

    /// Adds (or replaces) the hyperparameter `name`: a number or a [`Schedule`] (a
    /// [`Hyper`] tensor is read once, to a number).
    pub fn hyperparam(mut self, name: &str, value: impl Into<Injected>) -> Self {
        let value = value.into();
        match self.hyperparams.iter_mut().find(|(k, _)| k == name) {
            Some((_, slot)) => *slot = value,
            None => self.hyperparams.push((name.to_string(), value)),
        }
        self
    }

    /// Adds an integer hyperparameter (kept an integer, as Optax keeps an `int` argument).
    pub fn int_hyperparam(self, name: &str, value: i64) -> Self {
        self.hyperparam(name, HyperNumber::Int(value))
    }

    /// The hyperparameters given, numbers first then schedules (Optax's order in the state).
    fn ordered(&self) -> impl Iterator<Item = &(String, Injected)> {
        let numbers = self
            .hyperparams
            .iter()
            .filter(|(_, v)| matches!(v, Injected::Number(_)));
        let schedules = self
            .hyperparams
            .iter()
            .filter(|(_, v)| matches!(v, Injected::Schedule(_)));
        numbers.chain(schedules)
    }

    /// The factory.
    pub(crate) fn factory(&self) -> &InnerFactory {
        &self.factory
    }

    /// The hyperparameters of the first step (what `init` stores): the numbers rounded to
    /// float32, then the schedules at count 0.
    pub fn initial_hyperparams(&self) -> Hyperparams {
        let mut hps = Hyperparams::default();
        for (name, v) in self.ordered() {
            let n = match v {
                Injected::Number(n) => *n,
                Injected::Schedule(s) => HyperNumber::Float(s.at(0)),
            };
            hps.set(name, n.to_f32());
        }
        hps
    }

    fn build_inner(&self, hps: &Hyperparams) -> Result<GradientTransformation> {
        let inner = (self.factory)(hps)?;
        inner.validate()?;
        Ok(inner)
    }
}

/// The parts of an `InjectStatefulHyperparamsState`.
struct Parts<'a> {
    count: i64,
    hyperparams: &'a [(String, State)],
    hyperparams_states: &'a [(String, State)],
    inner_state: &'a State,
}

fn parts(state: &State) -> Result<Parts<'_>> {
    state.expect_record(INJECT_STATE_KIND)?;
    Ok(Parts {
        count: state.field("count")?.as_int()?,
        hyperparams: state.field("hyperparams")?.as_map()?,
        hyperparams_states: state.field("hyperparams_states")?.as_map()?,
        inner_state: state.field("inner_state")?,
    })
}

fn schedule_count(states: &[(String, State)], name: &str) -> Result<i64> {
    let s = states
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, s)| s)
        .ok_or_else(|| {
            OptaxError::state(
                format!("hyperparams_states.{name}"),
                "missing: no state for this schedule",
            )
        })?;
    s.expect_record(WRAPPED_SCHEDULE_STATE_KIND)?;
    s.field("count")?.as_int()
}

fn wrapped_schedule_state(count: i64) -> State {
    State::record(
        WRAPPED_SCHEDULE_STATE_KIND,
        vec![("count", State::Int(count))],
    )
}

/// Optax's dicts come out of `init` and of a jitted `update` with their keys sorted (a JAX
/// pytree's dict order): the state's maps are kept in that order.
fn map_of(hps: &Hyperparams) -> State {
    let mut v: Vec<(String, State)> = hps
        .values
        .iter()
        .map(|(k, v)| (k.clone(), v.to_state()))
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    State::Map(v)
}

fn sorted(mut v: Vec<(String, State)>) -> State {
    v.sort_by(|a, b| a.0.cmp(&b.0));
    State::Map(v)
}

impl Transform for InjectHyperparams {
    fn init(&self, params: &Tree) -> Result<State> {
        let hps = self.initial_hyperparams();
        let sched_states: Vec<(String, State)> = self
            .ordered()
            .filter(|(_, v)| matches!(v, Injected::Schedule(_)))
            .map(|(name, _)| (name.clone(), wrapped_schedule_state(0)))
            .collect();
        let inner_state = self.build_inner(&hps)?.init(params)?;
        Ok(State::record(
            INJECT_STATE_KIND,
            vec![
                ("count", State::Int(0)),
                ("hyperparams", map_of(&hps)),
                ("hyperparams_states", sorted(sched_states)),
                ("inner_state", inner_state),
            ],
        ))
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        params: Option<&Tree>,
        extra: &Extra,
    ) -> Result<(Tree, State)> {
        let p = parts(state)?;
        let mut hps = Hyperparams::default();
        for (name, v) in p.hyperparams {
            hps.set(name, HyperNumber::from_state(name, v)?.to_f32());
        }
        let mut sched_states = Vec::new();
        for (name, v) in &self.hyperparams {
            if let Injected::Schedule(s) = v {
                let c = schedule_count(p.hyperparams_states, name)?;
                hps.set(name, HyperNumber::Float(s.at(c)).to_f32());
                sched_states.push((name.clone(), wrapped_schedule_state(safe_increment(c))));
            }
        }
        let inner = self.build_inner(&hps)?;
        let (updates, inner_state) = inner.update(updates, p.inner_state, params, extra)?;
        Ok((
            updates,
            State::record(
                INJECT_STATE_KIND,
                vec![
                    ("count", State::Int(safe_increment(p.count))),
                    ("hyperparams", map_of(&hps)),
                    ("hyperparams_states", sorted(sched_states)),
                    ("inner_state", inner_state),
                ],
            ),
        ))
    }

    fn validate(&self) -> Result<()> {
        for (name, v) in &self.hyperparams {
            if let Injected::Number(HyperNumber::Float(x)) = v {
                if x.is_nan() {
                    return Err(OptaxError::invalid(name, "is NaN"));
                }
            }
        }
        Ok(())
    }
}

/// The `InjectStatefulHyperparamsState` records anywhere in `state` (a chain may hold several).
fn inject_records_mut<'a>(state: &'a mut State, out: &mut Vec<&'a mut State>) {
    if is_inject_record(state) {
        out.push(state);
        return;
    }
    match state {
        State::Record { fields: v, .. } | State::Map(v) => {
            for (_, s) in v.iter_mut() {
                inject_records_mut(s, out);
            }
        }
        State::Tuple(v) => {
            for s in v.iter_mut() {
                inject_records_mut(s, out);
            }
        }
        _ => {}
    }
}

fn is_inject_record(state: &State) -> bool {
    matches!(state, State::Record { kind, .. } if kind == INJECT_STATE_KIND)
}

fn inject_records<'a>(state: &'a State, out: &mut Vec<&'a State>) {
    match state {
        State::Record { kind, .. } if kind == INJECT_STATE_KIND => out.push(state),
        State::Record { fields: v, .. } | State::Map(v) => {
            for (_, s) in v {
                inject_records(s, out);
            }
        }
        State::Tuple(v) => {
            for s in v {
                inject_records(s, out);
            }
        }
        _ => {}
    }
}

/// The hyperparameter `name` of the (one) `inject_hyperparams` state in `state` (Optax's
/// `state.hyperparams[name]`), as a float. Errors: no such hyperparameter
/// ([`OptaxError::KeyNotFound`]), or several wrappers holding one
/// ([`OptaxError::AmbiguousKey`]).
pub fn get_hyperparam(state: &State, name: &str) -> Result<f64> {
    let mut records = Vec::new();
    inject_records(state, &mut records);
    let mut found = Vec::new();
    for r in records {
        let p = parts(r)?;
        if let Some((_, v)) = p.hyperparams.iter().find(|(k, _)| k == name) {
            found.push(HyperNumber::from_state(name, v)?.as_f64());
        }
    }
    match found.len() {
        0 => Err(OptaxError::KeyNotFound(name.to_string())),
        1 => Ok(found[0]),
        count => Err(OptaxError::AmbiguousKey {
            name: name.to_string(),
            count,
        }),
    }
}

/// Writes the hyperparameter `name` of every `inject_hyperparams` state in `state` that holds
/// it (Optax's `state.hyperparams[name] = value`); the next update uses it (rounded to
/// float32), unless `name` is scheduled, in which case the schedule overwrites it. Errors with
/// [`OptaxError::KeyNotFound`] (and leaves `state` as it was) when no wrapper holds `name`.
pub fn set_hyperparam(state: &mut State, name: &str, value: impl Into<HyperNumber>) -> Result<()> {
    let value = value.into();
    // Check first, so that an error leaves the state untouched.
    let mut holders = 0;
    {
        let mut records = Vec::new();
        inject_records(state, &mut records);
        for r in records {
            if parts(r)?.hyperparams.iter().any(|(k, _)| k == name) {
                holders += 1;
            }
        }
    }
    if holders == 0 {
        return Err(OptaxError::KeyNotFound(name.to_string()));
    }
    let mut records = Vec::new();
    inject_records_mut(state, &mut records);
    for r in records {
        if let State::Record { fields, .. } = r {
            if let Some((_, State::Map(hps))) = fields.iter_mut().find(|(k, _)| k == "hyperparams")
            {
                if let Some((_, slot)) = hps.iter_mut().find(|(k, _)| k == name) {
                    *slot = value.to_state();
                }
            }
        }
    }
    Ok(())
}
