//! `MultiSteps`: gradient accumulation over `k` mini-steps, then one step of the inner
//! optimizer on their mean (or sum).
//!
//! ```text
//! k      = every_k_schedule(gradient_step)
//! skip   = should_skip_update_fn(u_t, gradient_step, params)     (false without one)
//! if skip: return zeros, the state unchanged but for skip_state
//! acc    = acc + (u_t - acc) / (mini_step + 1)      (use_grad_mean: Welford's running mean)
//! acc    = u_t + acc                                 (otherwise: the sum)
//! (v, s) = inner.update(acc, inner_state)            (every mini-step, kept when emitting)
//! emit   = mini_step == k - 1
//! mini_step     = (mini_step + 1) mod k
//! gradient_step = gradient_step + emit
//! inner_state   = emit ? s : inner_state
//! acc           = (1 - emit)·acc
//! u             = emit·v
//! ```
//!
//! As in Optax, the inner update runs at every mini-step and its result is multiplied by 0 or
//! 1, so a NaN accumulated without a skip function shows in the zeros too (`0·NaN = NaN`).

use std::fmt;
use std::sync::Arc;

use burn::tensor::DType;

use crate::error::{OptaxError, Result};
use crate::schedules::Schedule;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, GradientTransformation, IntoTransformation, Transform};
use crate::tree::{self, Tree};

use super::skip::ShouldSkipUpdateFn;

/// The number of mini-steps per gradient step: a constant or a function of the gradient step
/// (Optax's `every_k_schedule`, an `int` or a callable).
#[derive(Clone)]
pub enum EveryK {
    /// A constant number of mini-steps.
    Const(i64),
    /// A function of the gradient step count.
    Schedule(Arc<dyn Fn(i64) -> i64 + Send + Sync>),
}

impl fmt::Debug for EveryK {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EveryK::Const(k) => write!(f, "EveryK::Const({k})"),
            EveryK::Schedule(_) => f.write_str("EveryK::Schedule"),
        }
    }
}

impl From<i64> for EveryK {
    fn from(k: i64) -> Self {
        EveryK::Const(k)
    }
}

impl From<i32> for EveryK {
    fn from(k: i32) -> Self {
        EveryK::Const(k as i64)
    }
}

impl From<Schedule> for EveryK {
    /// A schedule's value truncated to an integer (what `astype(int32)` gives).
    fn from(s: Schedule) -> Self {
        EveryK::Schedule(Arc::new(move |step| s.at(step) as f32 as i64))
    }
}

impl EveryK {
    fn at(&self, gradient_step: i64) -> i64 {
        match self {
            EveryK::Const(k) => *k,
            EveryK::Schedule(f) => f(gradient_step),
        }
    }
}

/// Gradient accumulation (`optax.MultiSteps`). State
/// `MultiStepsState(mini_step, gradient_step, inner_opt_state, acc_grads, skip_state)`.
#[derive(Clone, Debug)]
pub struct MultiSteps {
    pub(crate) opt: GradientTransformation,
    pub(crate) every_k_schedule: EveryK,
    pub(crate) use_grad_mean: bool,
    pub(crate) should_skip_update_fn: Option<ShouldSkipUpdateFn>,
    pub(crate) accumulator_dtype: Option<DType>,
}

/// The layout of `MultiStepsState`.
pub(crate) struct MultiStepsState;

impl MultiStepsState {
    pub(crate) const KIND: &'static str = "MultiStepsState";

    fn record(mini: i64, grad_step: i64, inner: State, acc: Tree, skip: State) -> State {
        State::record(
            Self::KIND,
            vec![
                ("mini_step", State::Int(mini)),
                ("gradient_step", State::Int(grad_step)),
                ("inner_opt_state", inner),
                ("acc_grads", State::Tree(acc)),
                ("skip_state", skip),
            ],
        )
    }
}

impl MultiSteps {
    /// `optax.MultiSteps(opt, every_k_schedule, use_grad_mean=True,
    /// should_skip_update_fn=None, accumulator_dtype=float32)`.
    ///
    /// ```
    /// use burn::tensor::{Device, Tensor};
    /// use optax_core::prelude::*;
    /// use optax_core::{sgd, wrappers::MultiSteps};
    ///
    /// let device = Device::flex();
    /// let params = Tree::builder()
    ///     .scalar("a", 1.0, &device)
    ///     .leaf("b", Tensor::<1>::ones([2], &device))
    ///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
    ///     .build()?;
    /// let opt = MultiSteps::new(sgd(0.5), 2);
    /// let state = opt.init(&params)?;
    /// let (u, next) = opt.update(params.clone(), &state, Some(&params), &Extra::none())?;
    /// assert!(u.to_vecs()?.iter().flatten().all(|&x| x == 0.0));
    /// assert!(!opt.has_updated(&next)?);
    /// let (u, next) = opt.update(params.clone(), &next, Some(&params), &Extra::none())?;
    /// assert!(u.to_vecs()?.iter().flatten().all(|&x| x == -0.5));
    /// assert!(opt.has_updated(&next)?);
    /// # Ok::<(), optax_core::OptaxError>(())
    /// ```
    pub fn new(opt: impl IntoTransformation, every_k_schedule: impl Into<EveryK>) -> Self {
        MultiSteps {
            opt: opt.into_transformation(),
            every_k_schedule: every_k_schedule.into(),
            use_grad_mean: true,
            should_skip_update_fn: None,
            accumulator_dtype: None,
        }
    }

    /// Average the accumulated gradients (`true`, the default) or sum them.
    pub fn use_grad_mean(mut self, use_grad_mean: bool) -> Self {
        self.use_grad_mean = use_grad_mean;
        self
    }

    /// Skip the mini-steps this function rejects (e.g. [`skip_not_finite`](super::skip_not_finite)).
    pub fn should_skip_update_fn(mut self, f: ShouldSkipUpdateFn) -> Self {
        self.should_skip_update_fn = Some(f);
        self
    }

    /// Storage dtype of the accumulator (`None`: float32, Optax's default).
    pub fn accumulator_dtype(mut self, dtype: Option<DType>) -> Self {
        self.accumulator_dtype = dtype;
        self
    }

    /// The wrapped optimizer (`inner_opt`).
    pub fn inner_opt(&self) -> &GradientTransformation {
        &self.opt
    }

    /// Whether the last update emitted the inner optimizer's step:
    /// `mini_step == 0 && gradient_step > 0`.
    pub fn has_updated(&self, state: &State) -> Result<bool> {
        let mini = state.field("mini_step")?.as_int()?;
        let grad_step = state.field("gradient_step")?.as_int()?;
        Ok(mini == 0 && grad_step > 0)
    }

    /// This wrapper as a [`GradientTransformation`] (`gradient_transformation()`).
    pub fn gradient_transformation(&self) -> GradientTransformation {
        GradientTransformation::new(self.clone())
    }

    fn cast_acc(&self, acc: Tree) -> Result<Tree> {
        match self.accumulator_dtype {
            Some(d) => tree::cast(&acc, d),
            None => Ok(acc),
        }
    }

    fn skip(&self, updates: &Tree, step: i64, params: Option<&Tree>) -> Result<(bool, State)> {
        match &self.should_skip_update_fn {
            Some(f) => f.call(updates, step, params),
            None => Ok((false, State::Tuple(Vec::new()))),
        }
    }
}

impl Transform for MultiSteps {
    fn init(&self, params: &Tree) -> Result<State> {
        let zeros = tree::zeros_like(params);
        let (_, skip_state) = self.skip(&zeros, 0, Some(params))?;
        Ok(MultiStepsState::record(
            0,
            0,
            self.opt.init(params)?,
            self.cast_acc(tree::zeros_like(params))?,
            skip_state,
        ))
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        params: Option<&Tree>,
        extra: &Extra,
    ) -> Result<(Tree, State)> {
        state.expect_record(MultiStepsState::KIND)?;
        let mini = state.field("mini_step")?.as_int()?;
        let grad_step = state.field("gradient_step")?.as_int()?;
        let inner_state = state.field("inner_opt_state")?;
        let acc = state.field("acc_grads")?.tree_like(&updates)?;
        let k = self.every_k_schedule.at(grad_step);
        if k < 1 {
            return Err(OptaxError::invalid(
                "every_k_schedule",
                format!("gave {k} mini-steps at gradient step {grad_step}; must be >= 1"),
            ));
        }
        let (skip, skip_state) = self.skip(&updates, grad_step, params)?;
        if skip {
            let next = MultiStepsState::record(
                mini,
                grad_step,
                inner_state.clone(),
                acc.clone(),
                skip_state,
            );
            return Ok((tree::zeros_like(&updates), next));
        }
        let n = (mini + 1) as f64;
        let acc = if self.use_grad_mean {
            updates.zip_map(acc, |g, a| a.clone() + (g - a).div_scalar(n))?
        } else {
            updates.zip_map(acc, |g, a| g + a)?
        };
        let acc_in = match updates.leaves().first() {
            Some(l) => acc.map(|a| a.cast(l.dtype())),
            None => acc.clone(),
        };
        let (out, inner_next) = self.opt.update(acc_in, inner_state, params, extra)?;
        let emit = mini == k - 1;
        let e = if emit { 1.0 } else { 0.0 };
        let next = MultiStepsState::record(
            safe_increment(mini).rem_euclid(k),
            if emit {
                safe_increment(grad_step)
            } else {
                grad_step
            },
            if emit {
                inner_next
            } else {
                inner_state.clone()
            },
            self.cast_acc(acc.map(|a| a.mul_scalar(1.0 - e)))?,
            skip_state,
        );
        Ok((out.map(|u| u.mul_scalar(e)), next))
    }

    fn validate(&self) -> Result<()> {
        if let EveryK::Const(k) = self.every_k_schedule {
            if k < 1 {
                return Err(OptaxError::invalid("every_k_schedule", "must be >= 1"));
            }
        }
        self.opt.validate()
    }
}
