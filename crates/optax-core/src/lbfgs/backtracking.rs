//! `scale_by_backtracking_linesearch`: scale the updates by a step size that satisfies the
//! sufficient-decrease (Armijo) condition, found by backtracking.
//!
//! Armijo, *Minimization of functions having Lipschitz continuous first partial derivatives*,
//! Pacific Journal of Mathematics 16(1), 1966; Nocedal & Wright, *Numerical Optimization*,
//! Algorithm 3.1 (1999).
//!
//! With `u` the updates, `g` the gradient at `w`, `f` the objective and the slope `s = ⟨u, g⟩`:
//!
//! ```text
//! η_0 = min(increase_factor·η_prev, max_learning_rate)
//! η_{i+1} = decrease_factor·η_i
//! e(η) = max(f(w + η·u) - (1 + rtol)·f(w) - η·slope_rtol·s, 0)     (NaN -> inf)
//! stop at the first i with e(η_i) <= atol, or after max_backtracking_steps + 1 trials
//! u_out = η·u   (η = 0 if the last error is infinite)
//! ```

use crate::error::{OptaxError, Result};
use crate::lbfgs::{f32_field, value_and_grad_of, value_of, vdot_f32, LinesearchArgs};
use crate::setters::setters;
use crate::state::State;
use crate::transform::{Extra, Transform};
use crate::tree::{self, Tree};

const NAME: &str = "scale_by_backtracking_linesearch";

/// Backtracking line search (`optax.scale_by_backtracking_linesearch`). State
/// `ScaleByBacktrackingLinesearchState(learning_rate, value, grad, info)` with
/// `info = BacktrackingLinesearchInfo(num_linesearch_steps, decrease_error)`; `grad` is kept
/// only with `store_grad` (otherwise it is empty, Optax's `None`).
///
/// Reads the extra arguments `value`, `grad` and `value_fn` (a [`ValueFn`](crate::lbfgs::ValueFn)).
///
/// ```
/// # use std::sync::Arc;
/// # use burn::tensor::{Device, Tensor};
/// # use optax_core::prelude::*;
/// # use optax_core::lbfgs::ValueFn;
/// # use optax_core::{chain, sgd, scale_by_backtracking_linesearch};
/// let device = Device::flex();
/// let params = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::from_floats([1.0, -2.0], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()?;
/// // f(w) = Σ w², its gradient 2w.
/// let f: ValueFn = Arc::new(|p: &Tree| Ok(optax_core::tree::norm(p, optax_core::tree::NormOrd::L2, true)));
/// let opt = chain![sgd(1.0), scale_by_backtracking_linesearch(15)];
/// let state = opt.init(&params)?;
/// let grad = optax_core::tree::scale(2.0, &params);
/// let value = f(&params)?.into_scalar::<f32>();
/// let extra = Extra::value(value).with_tree("grad", grad.clone()).with_fn("value_fn", f.clone());
/// let (updates, _state) = opt.update(grad, &state, Some(&params), &extra)?;
/// let params = apply_updates(&params, &updates)?;
/// assert!(f(&params)?.into_scalar::<f32>() < value);
/// # Ok::<(), OptaxError>(())
/// ```
#[derive(Clone, Debug)]
pub struct ScaleByBacktrackingLinesearch {
    pub(crate) max_backtracking_steps: i64,
    pub(crate) slope_rtol: f64,
    pub(crate) decrease_factor: f64,
    pub(crate) increase_factor: f64,
    pub(crate) max_learning_rate: f64,
    pub(crate) atol: f64,
    pub(crate) rtol: f64,
    pub(crate) store_grad: bool,
    pub(crate) verbose: bool,
}

/// `optax.scale_by_backtracking_linesearch(max_backtracking_steps, slope_rtol=1e-4,
/// decrease_factor=0.8, increase_factor=1.5, max_learning_rate=1.0, atol=0.0, rtol=0.0,
/// store_grad=False, verbose=False)`.
pub fn scale_by_backtracking_linesearch(
    max_backtracking_steps: i64,
) -> ScaleByBacktrackingLinesearch {
    ScaleByBacktrackingLinesearch {
        max_backtracking_steps,
        slope_rtol: 1e-4,
        decrease_factor: 0.8,
        increase_factor: 1.5,
        max_learning_rate: 1.0,
        atol: 0.0,
        rtol: 0.0,
        store_grad: false,
        verbose: false,
    }
}

impl ScaleByBacktrackingLinesearch {
    setters! {
        /// Relative tolerance on the slope in the sufficient-decrease condition.
        slope_rtol: f64;

        /// Factor by which the step size shrinks at each trial.
        decrease_factor: f64;

        /// Factor by which the previous step size grows for the first trial.
        increase_factor: f64;

        /// Largest step size tried.
        max_learning_rate: f64;

        /// Absolute tolerance on the decrease error.
        atol: f64;

        /// Relative tolerance on the value in the sufficient-decrease condition.
        rtol: f64;

        /// Whether to keep the gradient at the accepted parameters in the state (for
        /// [`value_and_grad_from_state`](crate::lbfgs::value_and_grad_from_state)).
        store_grad: bool;

        /// Whether to print a note when the search fails.
        verbose: bool;
    }
}

/// The layout of `ScaleByBacktrackingLinesearchState` and its `BacktrackingLinesearchInfo`.
pub(crate) struct BacktrackingState;

impl BacktrackingState {
    pub(crate) const KIND: &'static str = "ScaleByBacktrackingLinesearchState";
    pub(crate) const INFO: &'static str = "BacktrackingLinesearchInfo";

    fn record(
        learning_rate: f32,
        value: f32,
        grad: State,
        steps: i64,
        decrease_error: f32,
    ) -> State {
        State::record(
            Self::KIND,
            vec![
                ("learning_rate", State::Float(learning_rate as f64)),
                ("value", State::Float(value as f64)),
                ("grad", grad),
                (
                    "info",
                    State::record(
                        Self::INFO,
                        vec![
                            ("num_linesearch_steps", State::Int(steps)),
                            ("decrease_error", State::Float(decrease_error as f64)),
                        ],
                    ),
                ),
            ],
        )
    }
}

impl ScaleByBacktrackingLinesearch {
    /// `max(new_value - (1 + rtol)·value - η·slope_rtol·slope, 0)`, NaN read as infinite.
    fn decrease_error(&self, stepsize: f32, slope: f32, value: f32, new_value: f32) -> f32 {
        let e = new_value
            - (1.0 + self.rtol) as f32 * value
            - stepsize * self.slope_rtol as f32 * slope;
        let e = if e.is_nan() { f32::INFINITY } else { e };
        e.max(0.0)
    }
}

impl Transform for ScaleByBacktrackingLinesearch {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        let grad = if self.store_grad {
            State::Tree(tree::zeros_like(params))
        } else {
            State::Empty
        };
        Ok(BacktrackingState::record(
            1.0,
            f32::INFINITY,
            grad,
            0,
            f32::INFINITY,
        ))
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        params: Option<&Tree>,
        extra: &Extra,
    ) -> Result<(Tree, State)> {
        state.expect_record(BacktrackingState::KIND)?;
        let prev_lr = f32_field(state, "learning_rate")?;
        if self.store_grad {
            state.field("grad")?.tree_like(&updates)?;
        }
        let params = params.ok_or_else(|| OptaxError::params_required(NAME))?;
        params.check_same_structure(&updates)?;
        let args = LinesearchArgs::read(NAME, extra, &updates)?;
        let (value, f) = (args.value, args.value_fn);

        let slope = vdot_f32(&updates, args.grad)?;
        let (atol, max_steps) = (self.atol as f32, self.max_backtracking_steps);
        let mut learning_rate =
            (self.increase_factor as f32 * prev_lr).min(self.max_learning_rate as f32);
        let mut new_value = value;
        let mut new_grad: Option<Tree> = None;
        let mut decrease_error = f32::INFINITY;
        let mut iter_num: i64 = 0;
        // NaN counts as not yet decreased enough, as `~(decrease_error <= atol)` under jit.
        while (decrease_error > atol || decrease_error.is_nan()) && iter_num <= max_steps {
            if iter_num > 0 {
                learning_rate *= self.decrease_factor as f32;
            }
            let new_params = tree::add_scale(params, learning_rate, &updates)?;
            if self.store_grad {
                let v = value_of(NAME, f, &new_params)?;
                decrease_error = self.decrease_error(learning_rate, slope, value, v);
                if decrease_error <= atol || iter_num == max_steps {
                    new_grad = Some(value_and_grad_of(NAME, f, &new_params)?.1);
                }
                new_value = v;
            } else {
                new_value = value_of(NAME, f, &new_params)?;
                decrease_error = self.decrease_error(learning_rate, slope, value, new_value);
            }
            iter_num += 1;
        }
        let new_learning_rate = if decrease_error.is_infinite() {
            0.0
        } else {
            learning_rate
        };
        if self.verbose && decrease_error > atol {
            eprintln!(
                "INFO: optax.scale_by_backtracking_linesearch:\nBacktracking linesearch failed to \
                 find a stepsize ensuring sufficent decrease.\nValue at current params: {value},\n\
                 Slope along update direction: {slope}\nStepsize: {learning_rate}\nDecrease Error: \
                 {decrease_error}"
            );
            if decrease_error.is_infinite() {
                eprintln!("Using a stepsize of 0 to avoid infinite or nan values.");
            }
        }
        let grad = if self.store_grad {
            State::Tree(new_grad.unwrap_or_else(|| tree::zeros_like(params)))
        } else {
            State::Empty
        };
        let new_updates = tree::scale(new_learning_rate, &updates);
        Ok((
            new_updates,
            BacktrackingState::record(new_learning_rate, new_value, grad, iter_num, decrease_error),
        ))
    }

    fn validate(&self) -> Result<()> {
        if self.max_backtracking_steps < 0 {
            return Err(OptaxError::invalid(
                "max_backtracking_steps",
                "must be >= 0",
            ));
        }
        for (name, v) in [
            ("slope_rtol", self.slope_rtol),
            ("decrease_factor", self.decrease_factor),
            ("increase_factor", self.increase_factor),
            ("max_learning_rate", self.max_learning_rate),
            ("atol", self.atol),
            ("rtol", self.rtol),
        ] {
            if !v.is_finite() {
                return Err(OptaxError::invalid(name, "must be finite"));
            }
        }
        Ok(())
    }
}
