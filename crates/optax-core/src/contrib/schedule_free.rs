//! Schedule-Free (`schedule_free`, `schedule_free_eval_params`): replaces a base optimizer's
//! momentum by interpolation and averaging, so that no decaying learning-rate schedule is
//! needed.
//!
//! Defazio, Yang, Mehta, Mishchenko, Khaled & Cutkosky, *The Road Less Scheduled*, NeurIPS 2024
//! (<https://arxiv.org/abs/2405.15682>).
//!
//! The parameters the optimizer sees are `y`; the base optimizer's updates move `z`, and the
//! evaluation sequence `x` is a weighted average of the `z`s:
//!
//! ```text
//! lr_max_t = max(lr_max_{t-1}, lr(t))                    (t = step_count, from 1)
//! w_t      = lr_max_t ^ weight_lr_power
//! c_t      = w_t / (Σ_{s≤t} w_s)                          (NaN → 0)
//! z_{t+1}  = z_t + base_update(g(y_t))
//! x_t      = (y_t - (1 - b1)·z_t) / b1
//! x_{t+1}  = (1 - c_t)·x_t + c_t·z_{t+1}
//! y_{t+1}  = b1·x_{t+1} + (1 - b1)·z_{t+1}               u_t = y_{t+1} - y_t
//! ```
//!
//! Evaluate the model at `x` ([`schedule_free_eval_params`]). The base optimizer should have
//! no momentum of its own (e.g. `adam` with `b1 = 0`). State `ScheduleFreeState(b1,
//! weight_sum, step_count, max_lr, base_optimizer_state, z)`.

use burn::tensor::DType;

use crate::error::{OptaxError, Result};
use crate::hyper::Hyper;
use crate::setters::setters;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, GradientTransformation, IntoTransformation, Transform};
use crate::tree::{self, Tree};

use super::common::host;

/// `optax.contrib.schedule_free`: see the [module](self) documentation.
#[derive(Clone, Debug)]
pub struct ScheduleFree {
    pub(crate) base_optimizer: GradientTransformation,
    pub(crate) learning_rate: Hyper,
    pub(crate) b1: Hyper,
    pub(crate) weight_lr_power: Hyper,
    pub(crate) state_dtype: Option<DType>,
}

/// `optax.contrib.schedule_free(base_optimizer, learning_rate, b1=0.9, weight_lr_power=2.0,
/// state_dtype=None)`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::contrib::{schedule_free, schedule_free_eval_params};
/// use optax_core::prelude::*;
/// use optax_core::sgd;
///
/// let device = Device::flex();
/// let params = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::ones([2], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()?;
/// let opt = schedule_free(sgd(0.1), 0.1);
/// let mut state = opt.init(&params)?;
/// let grads = params.map(|t| t.ones_like());
/// let updates = opt.update_in_place(grads, &mut state, Some(&params), &Extra::none())?;
/// let params = apply_updates(&params, &updates)?;
/// let eval = schedule_free_eval_params(&state, &params)?;
/// # let _ = eval;
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn schedule_free(
    base_optimizer: impl IntoTransformation,
    learning_rate: impl Into<Hyper>,
) -> ScheduleFree {
    ScheduleFree {
        base_optimizer: base_optimizer.into_transformation(),
        learning_rate: learning_rate.into(),
        b1: 0.9.into(),
        weight_lr_power: 2.0.into(),
        state_dtype: None,
    }
}

impl ScheduleFree {
    setters! {
        /// The interpolation weight of `x` in `y` (must be positive).
        b1: impl Into<Hyper>;

        /// The power of the largest learning rate so far that weights the average.
        weight_lr_power: impl Into<Hyper>;

        /// Dtype of the `z` sequence (default: the parameters').
        state_dtype: Option<DType>;
    }
}

const KIND: &str = "ScheduleFreeState";

/// `(y - (1 - b1)·z) / b1`, with `1 - b1` given.
fn interpolate_back(y: &Tree, z: &Tree, one_minus_b1: f64, b1: f64) -> Result<Tree> {
    y.zip_map(z, |y, z| (y - z.mul_scalar(one_minus_b1)).div_scalar(b1))
}

/// `z` as float32 (a `state_dtype` other than float32 is promoted for the arithmetic).
fn z_f32(z: &Tree, state_dtype: Option<DType>) -> Result<Tree> {
    match state_dtype {
        Some(d) if d != DType::F32 => tree::cast(z, DType::F32),
        _ => Ok(z.clone()),
    }
}

/// The parameters to evaluate the model at, `x = (y - (1 - b1)·z) / b1`, from the state of a
/// [`schedule_free`] optimizer and its current parameters `y`
/// (`optax.contrib.schedule_free_eval_params(state, params)`). `b1` is the float32 value in
/// the state, so `1 - b1` is a float32 difference here.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::contrib::{schedule_free_eval_params, schedule_free_sgd};
/// use optax_core::prelude::*;
///
/// let device = Device::flex();
/// let params = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::ones([2], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()?;
/// let opt = schedule_free_sgd();
/// let state = opt.init(&params)?;
/// // Before any step, z = y, so x = y.
/// let eval = schedule_free_eval_params(&state, &params)?;
/// assert_eq!(eval.to_vecs()?, params.to_vecs()?);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn schedule_free_eval_params(state: &State, params: &Tree) -> Result<Tree> {
    let missing = |_| {
        OptaxError::state(
            "schedule_free_eval_params",
            "requires a ScheduleFreeState as input",
        )
    };
    let b1 = state.field("b1").map_err(missing)?.as_float()? as f32;
    let z = state.field("z").map_err(missing)?.tree_like(params)?;
    let z = match z.leaves().first().map(|t| t.dtype()) {
        Some(d) if d != DType::F32 => tree::cast(z, DType::F32)?,
        _ => z.clone(),
    };
    interpolate_back(params, &z, f64::from(1.0f32 - b1), f64::from(b1))
}

impl Transform for ScheduleFree {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        let z = match self.state_dtype {
            Some(d) => tree::cast(params, d)?,
            None => params.clone(),
        };
        let b1 = host(&self.b1, "b1")? as f32;
        Ok(State::record(
            KIND,
            vec![
                ("b1", State::Float(f64::from(b1))),
                ("weight_sum", State::Float(0.0)),
                ("step_count", State::Int(1)),
                ("max_lr", State::Float(0.0)),
                ("base_optimizer_state", self.base_optimizer.init(params)?),
                ("z", State::Tree(z)),
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
        let params = params.ok_or_else(|| OptaxError::params_required("schedule_free"))?;
        state.expect_record(KIND)?;
        let b1_state = state.field("b1")?.clone();
        let weight_sum = state.field("weight_sum")?.as_float()? as f32;
        let step_count = state.field("step_count")?.as_int()?;
        let max_lr = state.field("max_lr")?.as_float()? as f32;
        let base_state = state.field("base_optimizer_state")?;
        let z_stored = state.field("z")?.tree_like(&updates)?;
        params.check_same_structure(&updates)?;
        let b1 = host(&self.b1, "b1")?;
        let power = host(&self.weight_lr_power, "weight_lr_power")? as f32;

        // float32 scalar arithmetic, as Optax's 0-d arrays.
        let lr = match &self.learning_rate {
            Hyper::Schedule(s) => s.at(step_count) as f32,
            other => other.scalar("learning_rate")?.to_f64() as f32,
        };
        let max_lr = if max_lr.is_nan() || lr.is_nan() {
            f32::NAN
        } else {
            max_lr.max(lr)
        };
        let weight = max_lr.powf(power);
        let next_total = weight_sum + weight;
        let ck = if weight.is_nan() || next_total.is_nan() {
            f32::NAN
        } else {
            let r = weight / next_total;
            if r.is_nan() {
                0.0
            } else if r == f32::NEG_INFINITY {
                f32::MIN
            } else {
                r
            }
        };

        let (base_updates, next_base_state) =
            self.base_optimizer
                .update(updates, base_state, Some(params), extra)?;
        let z = z_f32(z_stored, self.state_dtype)?;
        let z_next = z.zip_map(&base_updates, |z, u| z + u)?;
        let prev_x = interpolate_back(params, &z, 1.0 - b1, b1)?;
        let keep = f64::from(1.0f32 - ck);
        let ck = f64::from(ck);
        let x = prev_x.zip_map(&z_next, |x, z| x.mul_scalar(keep) + z.mul_scalar(ck))?;
        let y_next = x.zip_map(&z_next, |x, z| x.mul_scalar(b1) + z.mul_scalar(1.0 - b1))?;
        let out = y_next.zip_map(params, |y, p| y - p)?;
        let z_next = match self.state_dtype {
            Some(d) if d != DType::F32 => tree::cast(&z_next, d)?,
            _ => z_next,
        };
        Ok((
            out,
            State::record(
                KIND,
                vec![
                    ("b1", b1_state),
                    ("weight_sum", State::Float(f64::from(next_total))),
                    ("step_count", State::Int(safe_increment(step_count))),
                    ("max_lr", State::Float(f64::from(max_lr))),
                    ("base_optimizer_state", next_base_state),
                    ("z", State::Tree(z_next)),
                ],
            ),
        ))
    }

    fn validate(&self) -> Result<()> {
        self.b1.scalar("b1")?;
        self.b1
            .check("b1", |v| v > 0.0, "must be strictly positive")?;
        self.weight_lr_power.scalar("weight_lr_power")?;
        self.base_optimizer.validate()
    }
}
