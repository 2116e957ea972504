//! The `measure` of `snapshot`, `monitor` and `measure_with_ema`: a function of the updates
//! whose value is recorded in the state.
//!
//! A measurement is a [`Tree`]; a scalar one (a norm, a sum) is a one-leaf tree with the path
//! `"value"` and shape `[]`. In a spec a measure is one of the names `"norm"`
//! (`optax.tree.norm`), `"sum"` (`optax.tree.sum`), `"max"`, `"min"` (`optax.tree.max`,
//! `optax.tree.min`) or `"identity"` (the updates themselves).

use std::fmt;
use std::sync::Arc;

use burn::tensor::Tensor;

use crate::error::Result;
use crate::state::State;
use crate::transform::{Extra, Transform};
use crate::tree::{self, NormOrd, Tree, TreeDef};

type MeasureFn = dyn Fn(&Tree) -> Result<Tree> + Send + Sync;

/// The path of a scalar measurement's one leaf.
pub const MEASUREMENT_PATH: &str = "value";

/// A measurement of the updates.
#[derive(Clone)]
pub struct Measure(Arc<MeasureFn>);

impl fmt::Debug for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Measure")
    }
}

/// A scalar tensor (shape `[1]`) as a one-leaf measurement of shape `[]`.
pub fn scalar_measurement(t: Tensor<1>) -> Result<Tree> {
    let def = TreeDef::new(vec![MEASUREMENT_PATH.to_string()], vec![vec![]])?;
    Tree::from_flat(Arc::new(def), vec![t])
}

impl Measure {
    /// A measure from a closure.
    pub fn new(f: impl Fn(&Tree) -> Result<Tree> + Send + Sync + 'static) -> Self {
        Measure(Arc::new(f))
    }

    /// A scalar measure from a closure giving a one-element tensor.
    pub fn scalar(f: impl Fn(&Tree) -> Tensor<1> + Send + Sync + 'static) -> Self {
        Measure::new(move |t| scalar_measurement(f(t)))
    }

    /// The global L2 norm (`optax.tree.norm`).
    pub fn norm() -> Self {
        Measure::scalar(|t| tree::norm(t, NormOrd::L2, false))
    }

    /// The sum of every element (`optax.tree.sum`).
    pub fn sum() -> Self {
        Measure::scalar(tree::sum)
    }

    /// The largest element (`optax.tree.max`).
    pub fn max() -> Self {
        Measure::scalar(tree::max)
    }

    /// The smallest element (`optax.tree.min`).
    pub fn min() -> Self {
        Measure::scalar(tree::min)
    }

    /// The updates themselves.
    pub fn identity() -> Self {
        Measure::new(|t| Ok(t.clone()))
    }

    /// The measure a spec names (`"norm"`, `"sum"`, `"max"`, `"min"`, `"identity"`).
    pub fn by_name(name: &str) -> Option<Self> {
        Some(match name {
            "norm" => Self::norm(),
            "sum" => Self::sum(),
            "max" => Self::max(),
            "min" => Self::min(),
            "identity" => Self::identity(),
            _ => return None,
        })
    }

    /// The measurement of `updates`.
    pub fn measure(&self, updates: &Tree) -> Result<Tree> {
        (self.0)(updates)
    }
}

impl<F: Fn(&Tree) -> Result<Tree> + Send + Sync + 'static> From<F> for Measure {
    fn from(f: F) -> Self {
        Measure::new(f)
    }
}

/// A measure as a stateless transformation whose output is the measurement (Optax's
/// `stateless(lambda u, _: measure(u))`).
#[derive(Clone, Debug)]
pub(crate) struct MeasureTransform(pub(crate) Measure);

impl Transform for MeasureTransform {
    fn init(&self, _params: &Tree) -> Result<State> {
        Ok(State::Empty)
    }

    fn update(
        &self,
        updates: Tree,
        _state: &State,
        _params: Option<&Tree>,
        _extra: &Extra,
    ) -> Result<(Tree, State)> {
        Ok((self.0.measure(&updates)?, State::Empty))
    }
}
