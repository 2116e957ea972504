//! `measure_with_ema`: an exponential moving average of a measurement of the updates, for
//! `monitor`.
//!
//! `chain(stateless(measure), ema(decay, debias, accumulator_dtype))` whose `ema` is
//! initialized on `measure(params)`:
//!
//! ```text
//! m_t = measure(u_t)
//! e_t = decay·e_{t-1} + (1 - decay)·m_t
//! out = e_t / (1 - decay^t)     (debias)   or   e_t
//! ```
//!
//! The output (the "updates") is the averaged measurement, not shaped like the parameters:
//! use it as one of [`monitor`](super::monitor)'s measures.

use burn::tensor::DType;

use crate::error::Result;
use crate::hyper::Hyper;
use crate::setters::setters;
use crate::state::State;
use crate::transform::{Extra, Transform};
use crate::transforms::{ema, Ema};
use crate::tree::Tree;

use super::measure::Measure;

/// An EMA of a measurement (`optax.measure_with_ema`). State: the chain's
/// `(EmptyState(), EmaState(count, ema))`.
#[derive(Clone, Debug)]
pub struct MeasureWithEma {
    pub(crate) measure: Measure,
    pub(crate) decay: Hyper,
    pub(crate) debias: bool,
    pub(crate) accumulator_dtype: Option<DType>,
}

/// `optax.measure_with_ema(measure, decay, debias=True, accumulator_dtype=None)`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::prelude::*;
/// use optax_core::wrappers::{measure_with_ema, Measure};
///
/// let device = Device::flex();
/// let params = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::ones([2], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()?;
/// let m = measure_with_ema(Measure::sum(), 0.9);
/// let state = m.init(&params)?;
/// let (avg, _) = m.update(params.clone(), &state, None, &Extra::none())?;
/// assert!((avg.to_vecs()?[0][0] - 7.0).abs() < 1e-5); // debiased after one step
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn measure_with_ema(measure: impl Into<Measure>, decay: impl Into<Hyper>) -> MeasureWithEma {
    MeasureWithEma {
        measure: measure.into(),
        decay: decay.into(),
        debias: true,
        accumulator_dtype: None,
    }
}

impl MeasureWithEma {
    setters! {
        /// Divide by `1 - decay^t`.
        debias: bool;

        /// Storage dtype of the average.
        accumulator_dtype: Option<DType>;
    }

    fn ema(&self) -> Ema {
        ema(self.decay.clone())
            .debias(self.debias)
            .accumulator_dtype(self.accumulator_dtype)
    }
}

impl Transform for MeasureWithEma {
    fn init(&self, params: &Tree) -> Result<State> {
        Ok(State::Tuple(vec![
            State::Empty,
            self.ema().init(&self.measure.measure(params)?)?,
        ]))
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        params: Option<&Tree>,
        extra: &Extra,
    ) -> Result<(Tree, State)> {
        let states = state.as_tuple(2)?;
        let m = self.measure.measure(&updates)?;
        let (out, s) = self.ema().update(m, &states[1], params, extra)?;
        Ok((out, State::Tuple(vec![State::Empty, s])))
    }

    fn validate(&self) -> Result<()> {
        self.ema().validate()
    }
}
