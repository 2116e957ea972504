//! `snapshot`: record a measurement of the updates in the state, e.g. a norm inside a chain.
//!
//! ```text
//! state = {measure_name: measure(params)}      (init)
//! state = {measure_name: measure(u)},  u unchanged
//! ```

use crate::error::Result;
use crate::state::State;
use crate::transform::{Extra, Transform};
use crate::tree::Tree;

use super::measure::Measure;

/// Records `measure(updates)` under `measure_name` (`optax.snapshot`). State
/// `SnapshotState(measurement)`: a map from the name to the measurement, read back with
/// `state.get(measure_name)` (`optax.tree.get`).
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub(crate) measure_name: String,
    pub(crate) measure: Measure,
}

/// `optax.snapshot(measure_name, measure)`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::prelude::*;
/// use optax_core::{chain, sgd, wrappers::{snapshot, Measure}};
///
/// let device = Device::flex();
/// let params = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::ones([2], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()?;
/// let opt = chain(vec![sgd(0.5).into_transformation(), snapshot("norm", Measure::norm()).into_transformation()]);
/// let state = opt.init(&params)?;
/// let (_, state) = opt.update(params.clone(), &state, Some(&params), &Extra::none())?;
/// let norm = state.get("norm")?.as_tree()?.to_vecs()?[0][0];
/// assert!((norm - 0.5 * 7f32.sqrt()).abs() < 1e-6);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn snapshot(measure_name: impl Into<String>, measure: impl Into<Measure>) -> Snapshot {
    Snapshot {
        measure_name: measure_name.into(),
        measure: measure.into(),
    }
}

impl Snapshot {
    fn state(&self, measurement: Tree) -> State {
        State::record(
            "SnapshotState",
            vec![(
                "measurement",
                State::Map(vec![(self.measure_name.clone(), State::Tree(measurement))]),
            )],
        )
    }
}

impl Transform for Snapshot {
    fn init(&self, params: &Tree) -> Result<State> {
        Ok(self.state(self.measure.measure(params)?))
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        _params: Option<&Tree>,
        _extra: &Extra,
    ) -> Result<(Tree, State)> {
        state.expect_record("SnapshotState")?;
        let m = self.measure.measure(&updates)?;
        Ok((updates, self.state(m)))
    }
}
