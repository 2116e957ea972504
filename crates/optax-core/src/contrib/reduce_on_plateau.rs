//! `reduce_on_plateau`: scale the updates down by `factor` when the (averaged) loss has not
//! improved for `patience` evaluations.
//!
//! The learning-rate scheduler of PyTorch's `ReduceLROnPlateau`, as an Optax transformation
//! (`optax.contrib.reduce_on_plateau`). The loss is the extra argument `value` of every
//! update; `accumulation_size` updates are averaged into one evaluation:
//!
//! ```text
//! avg      ← (count·avg + value) / (count + 1)                 every update
//! on every accumulation_size-th update:
//!   improved = avg < (1 - rtol)·best - atol
//!   best     = improved ? avg : best
//!   plateau  = improved ? 0 : plateau + 1
//!   if cooldown_count > 0:  plateau = 0, cooldown_count -= 1
//!   elif plateau == patience: scale = max(scale·factor, min_scale), plateau = 0,
//!                             cooldown_count = cooldown
//!   count = 0, avg = 0
//! u_t = scale · g_t
//! ```
//!
//! State `ReduceLROnPlateauState(scale, best_value, plateau_count, cooldown_count, count,
//! avg_value)`; the scalars are float32 values, computed in float32 as Optax does.

use crate::error::{OptaxError, Result};
use crate::setters::setters;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, Transform};
use crate::tree::Tree;

/// `optax.contrib.reduce_on_plateau`: see the [module](self) documentation.
#[derive(Clone, Debug)]
pub struct ReduceOnPlateau {
    pub(crate) factor: f64,
    pub(crate) patience: i64,
    pub(crate) rtol: f64,
    pub(crate) atol: f64,
    pub(crate) cooldown: i64,
    pub(crate) accumulation_size: i64,
    pub(crate) min_scale: f64,
}

/// `optax.contrib.reduce_on_plateau(factor=0.1, patience=10, rtol=1e-4, atol=0.0,
/// cooldown=0, accumulation_size=1, min_scale=0.0)`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::contrib::reduce_on_plateau;
/// use optax_core::prelude::*;
///
/// let device = Device::flex();
/// let params = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::ones([2], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()?;
/// let opt = reduce_on_plateau().factor(0.5).patience(1);
/// let mut state = opt.init(&params)?;
/// for _ in 0..3 {
///     let grads = params.map(|t| t.ones_like());
///     // The same loss every time: a plateau.
///     opt.update_in_place(grads, &mut state, Some(&params), &Extra::value(1.0))?;
/// }
/// assert_eq!(state.get("scale")?.as_float()?, 0.25);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn reduce_on_plateau() -> ReduceOnPlateau {
    ReduceOnPlateau {
        factor: 0.1,
        patience: 10,
        rtol: 1e-4,
        atol: 0.0,
        cooldown: 0,
        accumulation_size: 1,
        min_scale: 0.0,
    }
}

impl ReduceOnPlateau {
    setters! {
        /// The factor the scale is multiplied by on a plateau, in `(0, 1)`.
        factor: f64;

        /// Evaluations without improvement that make a plateau.
        patience: i64;

        /// Relative improvement needed, in `[0, 1]`.
        rtol: f64;

        /// Absolute improvement needed, `>= 0`.
        atol: f64;

        /// Evaluations after a reduction during which no plateau is counted.
        cooldown: i64;

        /// Updates averaged into one evaluation of the loss.
        accumulation_size: i64;

        /// Lower bound of the scale.
        min_scale: f64;
    }
}

const KIND: &str = "ReduceLROnPlateauState";

/// The state's fields, read.
struct Fields {
    scale: f32,
    best_value: f32,
    plateau_count: i64,
    cooldown_count: i64,
    count: i64,
    avg_value: f32,
}

impl Fields {
    fn read(state: &State) -> Result<Fields> {
        state.expect_record(KIND)?;
        let float = |name: &str| -> Result<f32> { Ok(state.field(name)?.as_float()? as f32) };
        Ok(Fields {
            scale: float("scale")?,
            best_value: float("best_value")?,
            plateau_count: state.field("plateau_count")?.as_int()?,
            cooldown_count: state.field("cooldown_count")?.as_int()?,
            count: state.field("count")?.as_int()?,
            avg_value: float("avg_value")?,
        })
    }

    fn record(&self) -> State {
        State::record(
            KIND,
            vec![
                ("scale", State::Float(f64::from(self.scale))),
                ("best_value", State::Float(f64::from(self.best_value))),
                ("plateau_count", State::Int(self.plateau_count)),
                ("cooldown_count", State::Int(self.cooldown_count)),
                ("count", State::Int(self.count)),
                ("avg_value", State::Float(f64::from(self.avg_value))),
            ],
        )
    }
}

impl ReduceOnPlateau {
    /// One evaluation of the averaged loss (Optax's `_update_scale`).
    fn update_scale(&self, s: &mut Fields) {
        let threshold = (1.0 - self.rtol) as f32 * s.best_value - self.atol as f32;
        let improved = s.avg_value < threshold;
        if improved {
            s.best_value = s.avg_value;
        }
        let plateau = if improved {
            0
        } else {
            safe_increment(s.plateau_count)
        };
        if s.cooldown_count > 0 {
            s.plateau_count = 0;
            s.cooldown_count -= 1;
        } else {
            let hit = plateau == self.patience;
            s.plateau_count = if hit { 0 } else { plateau };
            let scale = if hit {
                s.scale * self.factor as f32
            } else {
                s.scale
            };
            // `jnp.maximum`: NaN-propagating.
            let min_scale = self.min_scale as f32;
            s.scale = if scale.is_nan() || scale >= min_scale {
                scale
            } else {
                min_scale
            };
            s.cooldown_count = if hit { self.cooldown } else { 0 };
        }
        s.count = 0;
        s.avg_value = 0.0;
    }
}

impl Transform for ReduceOnPlateau {
    fn init(&self, _params: &Tree) -> Result<State> {
        self.validate()?;
        Ok(Fields {
            scale: 1.0,
            best_value: f32::INFINITY,
            plateau_count: 0,
            cooldown_count: 0,
            count: 0,
            avg_value: 0.0,
        }
        .record())
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        _params: Option<&Tree>,
        extra: &Extra,
    ) -> Result<(Tree, State)> {
        let value = extra
            .get("value")
            .ok_or_else(|| OptaxError::ExtraArgRequired {
                transform: "reduce_on_plateau".to_string(),
                arg: "value".to_string(),
            })?
            .to_f64() as f32;
        let mut s = Fields::read(state)?;
        let new_count = safe_increment(s.count);
        s.avg_value = (s.count as f32 * s.avg_value + value) / new_count as f32;
        s.count = new_count;
        if new_count == self.accumulation_size {
            self.update_scale(&mut s);
        }
        let scale = f64::from(s.scale);
        Ok((updates.into_map(|g| g.mul_scalar(scale)), s.record()))
    }

    fn validate(&self) -> Result<()> {
        if !(self.factor > 0.0 && self.factor < 1.0) {
            return Err(OptaxError::invalid("factor", "must be in the range (0, 1)"));
        }
        if self.rtol < 0.0 || self.atol < 0.0 {
            return Err(OptaxError::invalid(
                if self.rtol < 0.0 { "rtol" } else { "atol" },
                "rtol and atol must be non-negative",
            ));
        }
        if self.rtol == 0.0 && self.atol == 0.0 {
            return Err(OptaxError::invalid(
                "rtol",
                "at least one of rtol or atol must be positive",
            ));
        }
        if self.rtol > 1.0 {
            return Err(OptaxError::invalid(
                "rtol",
                "must be less than or equal to 1.0",
            ));
        }
        Ok(())
    }
}
