//! `scale_by_zoom_linesearch`: scale the updates by a step size that satisfies the strong Wolfe
//! conditions (sufficient decrease and small curvature), found by the zoom line search.
//!
//! Nocedal & Wright, *Numerical Optimization*, Algorithms 3.5 and 3.6 (1999); the approximate
//! decrease condition of Hager & Zhang, *A new conjugate gradient method with guaranteed descent
//! and an efficient line search*, SIAM J. Optim. 16(1), 2005.
//!
//! With `φ(η) = f(w + η·u)`, `φ'(η) = ⟨∇f(w + η·u), u⟩`:
//!
//! ```text
//! decrease error   e_d(η) = max(φ(η) - φ(0) - slope_rtol·η·φ'(0), 0)
//!   (with approx_dec_rtol: min(e_d, max(φ'(η) - (2·slope_rtol - 1)·φ'(0),
//!                                        φ(η) - φ(0) - approx_dec_rtol·|φ(0)|)))
//! curvature error  e_c(η) = max(|φ'(η)| - curv_rtol·|φ'(0)|, 0)
//! ```
//!
//! Phase 1 multiplies the step size by `increase_factor` (capped at `max_learning_rate`) until
//! an interval containing an acceptable step size is found; phase 2 zooms into it with a cubic
//! (else quadratic, else bisection) interpolation, until `max(e_d, e_c) <= tol` or
//! `max_linesearch_steps` evaluations. A failed search falls back to the best step size found
//! with sufficient decrease.

use crate::error::{OptaxError, Result};
use crate::lbfgs::{f32_field, value_and_grad_of, vdot_f32, LinesearchArgs, ValueFn};
use crate::setters::setters;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, Transform};
use crate::tree::{self, Tree};

const NAME: &str = "scale_by_zoom_linesearch";

/// Zoom line search (`optax.scale_by_zoom_linesearch`). State
/// `ScaleByZoomLinesearchState(learning_rate, value, grad, info)` with
/// `info = ZoomLinesearchInfo(num_linesearch_steps, decrease_error, curvature_error)`: the value
/// and gradient at the accepted parameters are kept for
/// [`value_and_grad_from_state`](crate::lbfgs::value_and_grad_from_state).
///
/// Reads the extra arguments `value`, `grad` and `value_fn` (a [`ValueFn`]).
///
/// ```
/// # use std::sync::Arc;
/// # use burn::tensor::{Device, Tensor};
/// # use optax_core::prelude::*;
/// # use optax_core::lbfgs::ValueFn;
/// # use optax_core::{chain, sgd, scale_by_zoom_linesearch};
/// let device = Device::flex();
/// let params = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::from_floats([1.0, -2.0], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()?;
/// // f(w) = Σ w², its gradient 2w.
/// let f: ValueFn = Arc::new(|p: &Tree| Ok(optax_core::tree::norm(p, optax_core::tree::NormOrd::L2, true)));
/// let opt = chain![sgd(1.0), scale_by_zoom_linesearch(15)];
/// let state = opt.init(&params)?;
/// let grad = optax_core::tree::scale(2.0, &params);
/// let value = f(&params)?.into_scalar::<f32>();
/// let extra = Extra::value(value).with_tree("grad", grad.clone()).with_fn("value_fn", f.clone());
/// let (updates, _state) = opt.update(grad, &state, Some(&params), &extra)?;
/// let params = apply_updates(&params, &updates)?;
/// assert!(f(&params)?.into_scalar::<f32>() < 1e-6);
/// # Ok::<(), OptaxError>(())
/// ```
#[derive(Clone, Debug)]
pub struct ScaleByZoomLinesearch {
    pub(crate) max_linesearch_steps: i64,
    pub(crate) max_learning_rate: Option<f64>,
    pub(crate) tol: f64,
    pub(crate) increase_factor: f64,
    pub(crate) slope_rtol: f64,
    pub(crate) curv_rtol: f64,
    pub(crate) approx_dec_rtol: Option<f64>,
    pub(crate) stepsize_precision: f64,
    pub(crate) initial_guess_strategy: String,
    pub(crate) verbose: bool,
}

/// `optax.scale_by_zoom_linesearch(max_linesearch_steps, max_learning_rate=None, tol=0.0,
/// increase_factor=2.0, slope_rtol=1e-4, curv_rtol=0.9, approx_dec_rtol=1e-6,
/// stepsize_precision=1e-5, initial_guess_strategy='keep', verbose=False)`.
pub fn scale_by_zoom_linesearch(max_linesearch_steps: i64) -> ScaleByZoomLinesearch {
    ScaleByZoomLinesearch {
        max_linesearch_steps,
        max_learning_rate: None,
        tol: 0.0,
        increase_factor: 2.0,
        slope_rtol: 1e-4,
        curv_rtol: 0.9,
        approx_dec_rtol: Some(1e-6),
        stepsize_precision: 1e-5,
        initial_guess_strategy: "keep".to_string(),
        verbose: false,
    }
}

impl ScaleByZoomLinesearch {
    setters! {
        /// Largest step size tried (none: unbounded).
        max_learning_rate: Some(impl Into<f64>);

        /// Sets or clears the largest step size.
        max_learning_rate_opt(max_learning_rate: Option<f64>);

        /// Tolerance on the errors of the decrease and curvature conditions.
        tol: f64;

        /// Factor by which the step size grows while no interval is found.
        increase_factor: f64;

        /// Relative tolerance on the slope in the sufficient-decrease condition.
        slope_rtol: f64;

        /// Relative tolerance of the curvature condition.
        curv_rtol: f64;

        /// Relative tolerance of the approximate decrease condition.
        approx_dec_rtol: Some(impl Into<f64>);

        /// Sets or clears (`None`: exact decrease condition only) `approx_dec_rtol`.
        approx_dec_rtol_opt(approx_dec_rtol: Option<f64>);

        /// Interval length below which the zoom is deemed to have failed.
        stepsize_precision: f64;

        /// `"one"` (start each search at 1) or `"keep"` (at the previous step size).
        initial_guess_strategy: impl Into<String>;

        /// Whether to print notes when the search fails.
        verbose: bool;
    }
}

/// The layout of `ScaleByZoomLinesearchState` and its `ZoomLinesearchInfo`.
struct ZoomState;

impl ZoomState {
    const KIND: &'static str = "ScaleByZoomLinesearchState";
    const INFO: &'static str = "ZoomLinesearchInfo";

    fn record(
        learning_rate: f32,
        value: f32,
        grad: Tree,
        steps: i64,
        decrease_error: f32,
        curvature_error: f32,
    ) -> State {
        State::record(
            Self::KIND,
            vec![
                ("learning_rate", State::Float(learning_rate as f64)),
                ("value", State::Float(value as f64)),
                ("grad", State::Tree(grad)),
                (
                    "info",
                    State::record(
                        Self::INFO,
                        vec![
                            ("num_linesearch_steps", State::Int(steps)),
                            ("decrease_error", State::Float(decrease_error as f64)),
                            ("curvature_error", State::Float(curvature_error as f64)),
                        ],
                    ),
                ),
            ],
        )
    }
}

/// Optax's `ZoomLinesearchState` (the search's own state, inside one update): host scalars in
/// `f32` and the gradients at the current and the safe step sizes.
#[derive(Clone)]
struct Search {
    count: i64,
    stepsize_guess: f32,
    stepsize: f32,
    value: f32,
    grad: Tree,
    slope: f32,
    value_init: f32,
    slope_init: f32,
    decrease_error: f32,
    curvature_error: f32,
    interval_found: bool,
    done: bool,
    failed: bool,
    low: f32,
    value_low: f32,
    slope_low: f32,
    high: f32,
    value_high: f32,
    slope_high: f32,
    cubic_ref: f32,
    value_cubic_ref: f32,
    safe_stepsize: f32,
    safe_value: f32,
    safe_grad: Tree,
}

/// The arguments of one search: the objective, the parameters and the direction.
struct Line<'a> {
    f: &'a ValueFn,
    params: &'a Tree,
    updates: &'a Tree,
}

impl Line<'_> {
    /// `(φ(η), ∇f(w + η·u), φ'(η))`.
    fn eval(&self, stepsize: f32) -> Result<(f32, Tree, f32)> {
        let step = tree::add_scale(self.params, stepsize, self.updates)?;
        let (value, grad) = value_and_grad_of(NAME, self.f, &step)?;
        let slope = vdot_f32(&grad, self.updates)?;
        Ok((value, grad, slope))
    }
}

/// The minimizer of the cubic through `(a, fa)`, `(b, fb)`, `(c, fc)` with slope `fpa` at `a`.
fn cubicmin(a: f32, fa: f32, fpa: f32, b: f32, fb: f32, c: f32, fc: f32) -> f32 {
    let cc = fpa;
    let db = b - a;
    let dc = c - a;
    let denom = (db * dc) * (db * dc) * (db - dc);
    let r0 = fb - fa - cc * db;
    let r1 = fc - fa - cc * dc;
    let aa = (dc * dc * r0 + (-(db * db)) * r1) / denom;
    let bb = ((-(dc * dc * dc)) * r0 + db * db * db * r1) / denom;
    let radical = bb * bb - 3.0 * aa * cc;
    a + (-bb + radical.sqrt()) / (3.0 * aa)
}

/// The minimizer of the quadratic through `(a, fa)`, `(b, fb)` with slope `fpa` at `a`.
fn quadmin(a: f32, fa: f32, fpa: f32, b: f32, fb: f32) -> f32 {
    let db = b - a;
    let bb = (fb - fa - fpa * db) / (db * db);
    a - fpa / (2.0 * bb)
}

/// NaN read as infinite.
fn nan_to_inf(x: f32) -> f32 {
    if x.is_nan() {
        f32::INFINITY
    } else {
        x
    }
}

impl ScaleByZoomLinesearch {
    fn decrease_error(
        &self,
        stepsize: f32,
        value: f32,
        slope: f32,
        value_init: f32,
        slope_init: f32,
    ) -> f32 {
        let slope_rtol = self.slope_rtol as f32;
        let mut e = value - value_init - slope_rtol * stepsize * slope_init;
        if let Some(r) = self.approx_dec_rtol {
            let approx = slope - (2.0 * self.slope_rtol - 1.0) as f32 * slope_init;
            let delta_values = value - value_init - r as f32 * value_init.abs();
            e = e.min(approx.max(delta_values));
        }
        nan_to_inf(e.max(0.0))
    }

    fn curvature_error(&self, slope: f32, slope_init: f32) -> f32 {
        let e = slope.abs() - self.curv_rtol as f32 * slope_init.abs();
        nan_to_inf(e.max(0.0))
    }

    fn search_interval(&self, s: Search, line: &Line) -> Result<Search> {
        let tol = self.tol as f32;
        let iter_num = s.count;
        let larger = self.increase_factor as f32 * s.stepsize;
        let mut new_stepsize = if iter_num == 0 {
            s.stepsize_guess
        } else {
            larger
        };
        let mut max_reached = false;
        if let Some(m) = self.max_learning_rate {
            let m = m as f32;
            max_reached = new_stepsize >= m;
            new_stepsize = new_stepsize.min(m);
        }
        let (new_value, new_grad, new_slope) = line.eval(new_stepsize)?;
        let decrease_error = self.decrease_error(
            new_stepsize,
            new_value,
            new_slope,
            s.value_init,
            s.slope_init,
        );
        let curvature_error = self.curvature_error(new_slope, s.slope_init);
        let new_error = decrease_error.max(curvature_error);

        let safe_decrease = decrease_error <= tol;
        let (safe_stepsize, safe_value, safe_grad) = if safe_decrease {
            (new_stepsize, new_value, new_grad.clone())
        } else {
            (s.safe_stepsize, s.safe_value, s.safe_grad.clone())
        };
        let set_high_to_new = decrease_error > 0.0 || (new_value >= s.value && iter_num > 0);
        let set_low_to_new = new_slope >= 0.0 && !set_high_to_new;
        let (low, value_low, slope_low, high, value_high, slope_high) = if set_low_to_new {
            (
                new_stepsize,
                new_value,
                new_slope,
                s.stepsize,
                s.value,
                s.slope,
            )
        } else {
            (
                s.stepsize,
                s.value,
                s.slope,
                new_stepsize,
                new_value,
                new_slope,
            )
        };
        let interval_found = set_high_to_new || set_low_to_new || new_error <= tol;
        let done = new_error <= tol || (max_reached && !interval_found);
        if self.verbose && max_reached && !interval_found {
            eprintln!(
                "INFO: optax.scale_by_zoom_linesearch:\nValue at current params: {}\nSlope along \
                 update direction: {}\nStepsize reached: {new_stepsize}\nDecrease Error: \
                 {decrease_error}\nCurvature Error: {curvature_error}No interval satisfying \
                 curvature condition. Consider increasing maximal possible stepsize of the \
                 linesearch.\nReturning stepsize with sufficient decrease but curvature \
                 condition not satisfied.",
                s.value_init, s.slope_init
            );
        }
        let failed = iter_num + 1 >= self.max_linesearch_steps && !done;
        Ok(Search {
            count: safe_increment(iter_num),
            stepsize: new_stepsize,
            value: new_value,
            grad: new_grad,
            slope: new_slope,
            decrease_error,
            curvature_error,
            interval_found,
            done,
            failed,
            low,
            value_low,
            slope_low,
            high,
            value_high,
            slope_high,
            cubic_ref: low,
            value_cubic_ref: value_low,
            safe_stepsize,
            safe_value,
            safe_grad,
            ..s
        })
    }

    fn zoom_into_interval(&self, s: Search, line: &Line) -> Result<Search> {
        let tol = self.tol as f32;
        let (low, value_low, slope_low) = (s.low, s.value_low, s.slope_low);
        let (high, value_high, slope_high) = (s.high, s.value_high, s.slope_high);
        let delta = (high - low).abs();
        let left = high.min(low);
        let right = high.max(low);
        let cubic_chk = 0.2 * delta;
        let quad_chk = 0.1 * delta;
        let too_small_int = delta <= self.stepsize_precision as f32;

        let middle_cubic = cubicmin(
            low,
            value_low,
            slope_low,
            high,
            value_high,
            s.cubic_ref,
            s.value_cubic_ref,
        );
        let use_cubic = middle_cubic > left + cubic_chk && middle_cubic < right - cubic_chk;
        let middle_quad = quadmin(low, value_low, slope_low, high, value_high);
        let use_quad =
            !use_cubic && middle_quad > left + quad_chk && middle_quad < right - quad_chk;
        let middle = if use_cubic {
            middle_cubic
        } else if use_quad {
            middle_quad
        } else {
            (low + high) / 2.0
        };

        let (value_middle, grad_middle, slope_middle) = line.eval(middle)?;
        let decrease_error = self.decrease_error(
            middle,
            value_middle,
            slope_middle,
            s.value_init,
            s.slope_init,
        );
        let curvature_error = self.curvature_error(slope_middle, s.slope_init);
        let new_error = decrease_error.max(curvature_error);

        let update_safe = decrease_error <= tol && value_middle < s.safe_value;
        let (safe_stepsize, safe_value, safe_grad) = if update_safe {
            (middle, value_middle, grad_middle.clone())
        } else {
            (s.safe_stepsize, s.safe_value, s.safe_grad.clone())
        };
        let done = new_error <= tol;

        let set_high_to_middle = decrease_error > 0.0 || value_middle >= value_low;
        let secant_interval = slope_middle * (high - low);
        let set_high_to_low = secant_interval >= 0.0 && !set_high_to_middle;
        let set_low_to_middle = !set_high_to_middle;

        let (mut new_high, mut new_value_high, mut new_slope_high) = if set_high_to_middle {
            (middle, value_middle, slope_middle)
        } else {
            (high, value_high, slope_high)
        };
        if set_high_to_low {
            (new_high, new_value_high, new_slope_high) = (low, value_low, slope_low);
        }
        let (new_low, new_value_low, new_slope_low) = if set_low_to_middle {
            (middle, value_middle, slope_middle)
        } else {
            (low, value_low, slope_low)
        };
        let (cubic_ref, value_cubic_ref) = if set_high_to_middle || set_high_to_low {
            (high, value_high)
        } else {
            (low, value_low)
        };
        let max_iter_reached = s.count + 1 >= self.max_linesearch_steps;
        let presumably_failed = max_iter_reached || (too_small_int && safe_stepsize > 0.0);
        let failed = presumably_failed && !done;
        Ok(Search {
            count: safe_increment(s.count),
            stepsize: middle,
            value: value_middle,
            grad: grad_middle,
            slope: slope_middle,
            decrease_error,
            curvature_error,
            done,
            failed,
            low: new_low,
            value_low: new_value_low,
            slope_low: new_slope_low,
            high: new_high,
            value_high: new_value_high,
            slope_high: new_slope_high,
            cubic_ref,
            value_cubic_ref,
            safe_stepsize,
            safe_value,
            safe_grad,
            ..s
        })
    }

    fn try_safe_step(&self, s: Search) -> Search {
        let outside_domain = s.decrease_error.is_infinite();
        if self.verbose {
            eprintln!(
                "INFO: optax.scale_by_zoom_linesearch:\nValue at current params: {}\nSlope along \
                 update direction: {}\nStepsize reached: {}\nDecrease Error: {}\nCurvature Error: {}",
                s.value_init, s.slope_init, s.stepsize, s.decrease_error, s.curvature_error
            );
            if s.safe_stepsize > 0.0 {
                eprintln!(
                    "Returning stepsize with sufficient decrease but curvature condition not \
                     satisfied. Stepsize ensuring sufficient decrease: {}.",
                    s.safe_stepsize
                );
            } else {
                eprintln!("Linesearch failed, no stepsize satisfying sufficient decrease found.");
            }
        }
        if s.safe_stepsize > 0.0 || outside_domain {
            Search {
                stepsize: s.safe_stepsize,
                value: s.safe_value,
                grad: s.safe_grad.clone(),
                ..s
            }
        } else {
            s
        }
    }
}

impl Transform for ScaleByZoomLinesearch {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        Ok(ZoomState::record(
            1.0,
            f32::INFINITY,
            tree::zeros_like(params),
            0,
            f32::INFINITY,
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
        state.expect_record(ZoomState::KIND)?;
        let prev_lr = f32_field(state, "learning_rate")?;
        state.field("grad")?.tree_like(&updates)?;
        let params = params.ok_or_else(|| OptaxError::params_required(NAME))?;
        params.check_same_structure(&updates)?;
        let args = LinesearchArgs::read(NAME, extra, &updates)?;
        let stepsize_guess = match self.initial_guess_strategy.as_str() {
            "one" => 1.0,
            _ => prev_lr,
        };
        let value = args.value;
        let slope = vdot_f32(&updates, args.grad)?;
        let mut s = Search {
            count: 0,
            stepsize_guess,
            stepsize: 0.0,
            value,
            grad: args.grad.clone(),
            slope,
            value_init: value,
            slope_init: slope,
            decrease_error: f32::INFINITY,
            curvature_error: f32::INFINITY,
            interval_found: false,
            done: false,
            failed: false,
            low: 0.0,
            value_low: value,
            slope_low: slope,
            high: 0.0,
            value_high: value,
            slope_high: slope,
            cubic_ref: 0.0,
            value_cubic_ref: value,
            safe_stepsize: 0.0,
            safe_value: value,
            safe_grad: args.grad.clone(),
        };
        let line = Line {
            f: args.value_fn,
            params,
            updates: &updates,
        };
        while !(s.done || s.failed) {
            s = if s.interval_found {
                self.zoom_into_interval(s, &line)?
            } else {
                self.search_interval(s, &line)?
            };
            if s.failed {
                s = self.try_safe_step(s);
            }
        }
        let new_updates = tree::scale(s.stepsize, &updates);
        Ok((
            new_updates,
            ZoomState::record(
                s.stepsize,
                s.value,
                s.grad,
                s.count,
                s.decrease_error,
                s.curvature_error,
            ),
        ))
    }

    fn validate(&self) -> Result<()> {
        if self.max_linesearch_steps < 1 {
            return Err(OptaxError::invalid("max_linesearch_steps", "must be >= 1"));
        }
        if !matches!(self.initial_guess_strategy.as_str(), "one" | "keep") {
            return Err(OptaxError::invalid(
                "initial_guess_strategy",
                format!(
                    "Unknown initial guess strategy: {} (expected 'one' or 'keep')",
                    self.initial_guess_strategy
                ),
            ));
        }
        for (name, v) in [
            ("tol", self.tol),
            ("increase_factor", self.increase_factor),
            ("slope_rtol", self.slope_rtol),
            ("curv_rtol", self.curv_rtol),
            ("stepsize_precision", self.stepsize_precision),
        ] {
            if !v.is_finite() {
                return Err(OptaxError::invalid(name, "must be finite"));
            }
        }
        Ok(())
    }
}
