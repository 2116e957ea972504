//! `scale_by_learning_rate`: the step of every optimizer, with the sign flipped.

use crate::error::Result;
use crate::hyper::Hyper;
use crate::schedules::Schedule;
use crate::setters::setters;
use crate::state::State;
use crate::transform::{Extra, GradientTransformation, Transform};
use crate::transforms::{scale, scale_by_schedule};
use crate::tree::Tree;

/// `u ← -learning_rate · u` (or `+` with `flip_sign(false)`), where the learning rate is a
/// number, a schedule of the step count or a tensor (`optax.scale_by_learning_rate`).
#[derive(Clone, Debug)]
pub struct ScaleByLearningRate {
    learning_rate: Hyper,
    flip_sign: bool,
}

/// `optax.scale_by_learning_rate(learning_rate, flip_sign=True)`.
pub fn scale_by_learning_rate(learning_rate: impl Into<Hyper>) -> ScaleByLearningRate {
    ScaleByLearningRate {
        learning_rate: learning_rate.into(),
        flip_sign: true,
    }
}

impl ScaleByLearningRate {
    setters! {
        /// Whether to negate the learning rate (default true: updates descend).
        flip_sign: bool;
    }

    /// The transformation Optax builds: `scale` for a number or tensor, `scale_by_schedule`
    /// (with a step count in the state) for a schedule.
    pub fn build(&self) -> GradientTransformation {
        let m = if self.flip_sign { -1.0 } else { 1.0 };
        match &self.learning_rate {
            Hyper::Value(v) => GradientTransformation::new(scale(m * v)),
            Hyper::Tensor(t) => GradientTransformation::new(scale(t.clone().mul_scalar(m))),
            Hyper::Schedule(s) => {
                let s = s.clone();
                GradientTransformation::new(scale_by_schedule(Schedule::new(move |c| m * s.at(c))))
            }
        }
    }
}

impl Transform for ScaleByLearningRate {
    fn init(&self, params: &Tree) -> Result<State> {
        self.build().init(params)
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        params: Option<&Tree>,
        extra: &Extra,
    ) -> Result<(Tree, State)> {
        self.build().update(updates, state, params, extra)
    }
}

/// `scale_by_learning_rate(lr)` for `Some(lr)`, `identity()` for `None` (no sign flip), as the
/// aliases whose learning rate is optional (`adadelta`, `adafactor`).
pub fn optional_learning_rate(
    learning_rate: Option<Hyper>,
    flip_sign: bool,
) -> GradientTransformation {
    match learning_rate {
        Some(lr) => GradientTransformation::new(scale_by_learning_rate(lr).flip_sign(flip_sign)),
        None => GradientTransformation::new(crate::transforms::identity()),
    }
}
