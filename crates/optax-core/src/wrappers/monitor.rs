//! `monitor`: record several measurements of the updates in the state, each a plain measure or
//! a stateful transformation (e.g. [`measure_with_ema`](super::measure_with_ema)); the updates
//! pass through unchanged.
//!
//! ```text
//! (m_i, s_i) = measure_i.update(u, s_i, params, extra)    for each named measure
//! state      = MonitorState({name_i: m_i}, (s_1, ..., s_n))
//! ```
//!
//! One difference from Optax: Optax's `init` leaves `measurements` an empty dict, filled by the
//! first update. Here `init` holds, for each name, zeros shaped like that measure's output (a
//! measure's update run once on zeros), so that the state has one structure at every step and
//! a state saved at any step loads against `init`'s (see [`State::load`](crate::State::load)).

use crate::error::Result;
use crate::state::State;
use crate::transform::{Extra, GradientTransformation, IntoTransformation, Transform};
use crate::tree::{self, Tree};

use super::measure::{Measure, MeasureTransform};

/// One measure of a [`monitor`]: a function of the updates, or a transformation whose output
/// is the measurement.
#[derive(Clone, Debug)]
pub enum MonitorMeasure {
    /// A stateless measure.
    Fn(Measure),
    /// A stateful measure (a transformation).
    Transform(GradientTransformation),
}

impl From<Measure> for MonitorMeasure {
    fn from(m: Measure) -> Self {
        MonitorMeasure::Fn(m)
    }
}

impl From<GradientTransformation> for MonitorMeasure {
    fn from(t: GradientTransformation) -> Self {
        MonitorMeasure::Transform(t)
    }
}

impl From<super::MeasureWithEma> for MonitorMeasure {
    fn from(t: super::MeasureWithEma) -> Self {
        MonitorMeasure::Transform(t.into_transformation())
    }
}

/// Named measurements of the updates (`optax.monitor`). State
/// `MonitorState(measurements, measure_states)`.
#[derive(Clone, Debug)]
pub struct Monitor {
    pub(crate) measures: Vec<(String, GradientTransformation)>,
}

/// `optax.monitor(measures)`, the measures in order.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::prelude::*;
/// use optax_core::wrappers::{measure_with_ema, monitor, Measure};
///
/// let device = Device::flex();
/// let params = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::ones([2], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()?;
/// let opt = monitor(vec![
///     ("sum", Measure::sum().into()),
///     ("sum_ema", measure_with_ema(Measure::sum(), 0.9).into()),
/// ]);
/// let state = opt.init(&params)?;
/// let (u, state) = opt.update(params.clone(), &state, None, &Extra::none())?;
/// assert_eq!(u.to_vecs()?, params.to_vecs()?);
/// assert_eq!(state.get("sum")?.as_tree()?.to_vecs()?[0], vec![7.0]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn monitor<S: Into<String>>(measures: Vec<(S, MonitorMeasure)>) -> Monitor {
    Monitor {
        measures: measures
            .into_iter()
            .map(|(name, m)| {
                let t = match m {
                    MonitorMeasure::Fn(f) => MeasureTransform(f).into_transformation(),
                    MonitorMeasure::Transform(t) => t,
                };
                (name.into(), t)
            })
            .collect(),
    }
}

const KIND: &str = "MonitorState";

fn monitor_state(measurements: Vec<(String, State)>, states: Vec<State>) -> State {
    State::record(
        KIND,
        vec![
            ("measurements", State::Map(measurements)),
            ("measure_states", State::Tuple(states)),
        ],
    )
}

impl Transform for Monitor {
    fn init(&self, params: &Tree) -> Result<State> {
        let zeros = tree::zeros_like(params);
        let mut measurements = Vec::with_capacity(self.measures.len());
        let mut states = Vec::with_capacity(self.measures.len());
        for (name, m) in &self.measures {
            let s = m.init(params)?;
            let (out, _) = m.update(zeros.clone(), &s, Some(params), &Extra::none())?;
            measurements.push((name.clone(), State::Tree(tree::zeros_like(&out))));
            states.push(s);
        }
        Ok(monitor_state(measurements, states))
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        params: Option<&Tree>,
        extra: &Extra,
    ) -> Result<(Tree, State)> {
        state.expect_record(KIND)?;
        let states = state
            .field("measure_states")?
            .as_tuple(self.measures.len())?;
        let mut measurements = Vec::with_capacity(self.measures.len());
        let mut next = Vec::with_capacity(self.measures.len());
        for ((name, m), s) in self.measures.iter().zip(states) {
            let (out, s) = m.update(updates.clone(), s, params, extra)?;
            measurements.push((name.clone(), State::Tree(out)));
            next.push(s);
        }
        Ok((updates, monitor_state(measurements, next)))
    }

    fn validate(&self) -> Result<()> {
        self.measures.iter().try_for_each(|(_, m)| m.validate())
    }
}
