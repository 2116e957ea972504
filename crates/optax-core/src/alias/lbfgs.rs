//! `lbfgs`: the limited-memory BFGS optimizer, its direction scaled by a step size from a line
//! search (by default the zoom line search).
//!
//! Nocedal & Wright, *Numerical Optimization*, Algorithms 7.4 and 7.5 (1999); Liu & Nocedal,
//! *On the limited memory BFGS method for large scale optimization*, Mathematical Programming
//! 45, 1989.
//!
//! ```text
//! d_k = P_k·g_k                       (scale_by_lbfgs, see there)
//! u_k = -η_k·d_k                      (η_k from the line search; learning_rate·... if given)
//! ```

use super::built::{alias_setters, alias_transform, Built};
use crate::chain;
use crate::error::Result;
use crate::hyper::Hyper;
use crate::lbfgs::{scale_by_lbfgs, scale_by_zoom_linesearch};
use crate::transform::{GradientTransformation, IntoTransformation};
use crate::transforms::{identity, scale, scale_by_learning_rate};

/// `chain(scale_by_lbfgs(memory_size, scale_init_precond), scale(-1.0) or
/// scale_by_learning_rate(learning_rate), linesearch or identity())` (`optax.lbfgs`).
///
/// The line search reads the extra arguments `value`, `grad` and `value_fn` (a
/// [`ValueFn`](crate::lbfgs::ValueFn)); the loop Optax documents recycles the value and
/// gradient the line search stored with
/// [`value_and_grad_from_state`](crate::lbfgs::value_and_grad_from_state).
///
/// ```
/// # use std::sync::Arc;
/// # use burn::tensor::{Device, Tensor};
/// # use optax_core::prelude::*;
/// # use optax_core::lbfgs::{value_and_grad_from_state, ValueFn};
/// let device = Device::flex();
/// let params = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::from_floats([2.0, 3.0], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()?;
/// let f: ValueFn = Arc::new(|p: &Tree| Ok(optax_core::tree::norm(p, optax_core::tree::NormOrd::L2, true)));
/// let solver = optax_core::lbfgs();
/// let mut state = solver.init(&params)?;
/// let value_and_grad = value_and_grad_from_state(f.clone());
/// let mut p = params;
/// for _ in 0..2 {
///     let (value, grad) = value_and_grad(&p, &state)?;
///     let extra = Extra::value(value).with_tree("grad", grad.clone()).with_fn("value_fn", f.clone());
///     let updates = solver.update_in_place(grad, &mut state, Some(&p), &extra)?;
///     p = apply_updates(&p, &updates)?;
/// }
/// assert!(f(&p)?.into_scalar::<f32>() < 1e-6);
/// # Ok::<(), OptaxError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Lbfgs {
    pub(crate) learning_rate: Option<Hyper>,
    pub(crate) memory_size: i64,
    pub(crate) scale_init_precond: bool,
    pub(crate) linesearch: Option<GradientTransformation>,
    built: Built,
}

/// `optax.lbfgs(learning_rate=None, memory_size=10, scale_init_precond=True,
/// linesearch=scale_by_zoom_linesearch(max_linesearch_steps=20, initial_guess_strategy='one'))`.
pub fn lbfgs() -> Lbfgs {
    Lbfgs {
        learning_rate: None,
        memory_size: 10,
        scale_init_precond: true,
        linesearch: Some(
            scale_by_zoom_linesearch(20)
                .initial_guess_strategy("one")
                .into_transformation(),
        ),
        built: Built::default(),
    }
}

impl Lbfgs {
    alias_setters! {
        /// A learning rate scaling the direction (none: `scale(-1.0)`).
        learning_rate: Some(impl Into<Hyper>);

        /// Sets or clears the learning rate.
        learning_rate_opt(learning_rate: Option<Hyper>);

        /// Number of past differences kept (see [`scale_by_lbfgs`]).
        memory_size: i64;

        /// Whether the initial preconditioner is a scaled identity (see [`scale_by_lbfgs`]).
        scale_init_precond: bool;

        /// Sets or clears (`None`: no line search, Optax's `linesearch=None`) the line search.
        linesearch_opt(linesearch: Option<GradientTransformation>);
    }

    /// The line search run after the direction and its scaling.
    pub fn linesearch(self, linesearch: impl IntoTransformation) -> Self {
        self.linesearch_opt(Some(linesearch.into_transformation()))
    }

    /// The chain this alias stands for.
    pub fn build(&self) -> GradientTransformation {
        let direction = scale_by_lbfgs()
            .memory_size(self.memory_size)
            .scale_init_precond(self.scale_init_precond);
        let base_scaling = match &self.learning_rate {
            None => scale(-1.0).into_transformation(),
            Some(lr) => scale_by_learning_rate(lr.clone()).into_transformation(),
        };
        let linesearch = match &self.linesearch {
            None => identity().into_transformation(),
            Some(ls) => ls.clone(),
        };
        GradientTransformation::new(chain![direction, base_scaling, linesearch])
    }

    fn check(&self) -> Result<()> {
        Ok(())
    }
}

alias_transform!(Lbfgs);
