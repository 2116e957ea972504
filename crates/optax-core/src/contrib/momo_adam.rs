//! `momo_adam`: Adam(W) with a Polyak-type adaptive step size from a model of the loss
//! (MoMo-Adam). Each update needs the loss `value`.
//!
//! Schaipp, Ohana, Eickenberg, Defazio & Gower, *MoMo: Momentum Models for Adaptive Learning
//! Rates*, ICML 2024 (<https://arxiv.org/abs/2305.07583>).
//!
//! With `α = learning_rate(t)`, `λ = weight_decay`, `ρ_k = 1 - b_k^t`:
//!
//! ```text
//! f̄_t = b1·f̄ + (1 - b1)·value_t
//! d_t = b1·d + (1 - b1)·g_t,     v_t = b2·v + (1 - b2)·g_t²
//! D_t = eps + sqrt(v_t / ρ_2)
//! γ_t = b1·γ + (1 - b1)·⟨g_t, x_t⟩
//! τ_t = min(α / ρ_1, max((1 + αλ)·(f̄_t - ρ_1·lb - γ_t) + ⟨d_t, x_t⟩, 0) / ⟨d_t, d_t / D_t⟩)
//! u_t = -αλ/(1 + αλ)·x_t - τ_t·d_t / D_t
//! ```
//!
//! With `adapt_lower_bound`, the lower bound `lb` is re-estimated at every step (see the
//! paper); otherwise it stays `lower_bound`. Uses the parameters.

use crate::error::{OptaxError, Result};
use crate::hyper::Hyper;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, Transform};
use crate::tree::{self, Tree};

use super::common::{
    check_finite, check_nonneg, check_unit, device_of, loss_value, one_minus_pow, scalar,
    tensor_field,
};
use super::momo::{decay_factors, TINY_NORM};

/// MoMo-Adam (`optax.contrib.momo_adam`). State `MomoAdamState(exp_avg, exp_avg_sq, barf,
/// gamma, lb, count)`. Every update needs `Extra::value(loss)`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::contrib::momo_adam;
/// use optax_core::prelude::*;
///
/// let device = Device::flex();
/// let params = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::ones([2], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()?;
/// let opt = momo_adam();
/// let state = opt.init(&params)?;
/// let grads = params.map(|t| t.mul_scalar(2.0));
/// let (updates, _state) = opt.update(grads, &state, Some(&params), &Extra::value(7.0))?;
/// assert_eq!(updates.len(), 3);
/// # Ok::<(), OptaxError>(())
/// ```
#[derive(Clone, Debug)]
pub struct MomoAdam {
    pub(crate) learning_rate: Hyper,
    pub(crate) b1: f64,
    pub(crate) b2: f64,
    pub(crate) eps: f64,
    pub(crate) lower_bound: f64,
    pub(crate) weight_decay: f64,
    pub(crate) adapt_lower_bound: bool,
}

/// `optax.contrib.momo_adam(learning_rate=1e-2, b1=0.9, b2=0.999, eps=1e-8, lower_bound=0.0,
/// weight_decay=0.0, adapt_lower_bound=False)`.
pub fn momo_adam() -> MomoAdam {
    MomoAdam {
        learning_rate: 1e-2.into(),
        b1: 0.9,
        b2: 0.999,
        eps: 1e-8,
        lower_bound: 0.0,
        weight_decay: 0.0,
        adapt_lower_bound: false,
    }
}

impl MomoAdam {
    crate::setters::setters! {
        /// Largest step size (a number or a schedule).
        learning_rate: impl Into<Hyper>;

        /// Decay of the first moment (and of the loss and inner-product averages).
        b1: f64;

        /// Decay of the second moment.
        b2: f64;

        /// Adam's epsilon.
        eps: f64;

        /// Lower bound of the loss (0 for most losses).
        lower_bound: f64;

        /// AdamW-style weight decay.
        weight_decay: f64;

        /// Estimate the lower bound during training.
        adapt_lower_bound: bool;
    }
}

const KIND: &str = "MomoAdamState";

impl Transform for MomoAdam {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        let device = device_of(params);
        Ok(State::record(
            KIND,
            vec![
                ("exp_avg", State::Tree(tree::zeros_like(params))),
                ("exp_avg_sq", State::Tree(tree::zeros_like(params))),
                ("barf", State::Tensor(scalar(0.0, &device))),
                ("gamma", State::Tensor(scalar(0.0, &device))),
                ("lb", State::Tensor(scalar(self.lower_bound, &device))),
                ("count", State::Int(0)),
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
        let params = params.ok_or_else(|| OptaxError::params_required("momo_adam"))?;
        updates.check_same_structure(params)?;
        let device = device_of(params);
        let value = loss_value(extra, "momo_adam", &device)?;
        state.expect_record(KIND)?;
        let exp_avg = state.field("exp_avg")?.tree_like(&updates)?;
        let exp_avg_sq = state.field("exp_avg_sq")?.tree_like(&updates)?;
        let barf = tensor_field(state, KIND, "barf", 1)?;
        let gamma = tensor_field(state, KIND, "gamma", 1)?;
        let lb = tensor_field(state, KIND, "lb", 1)?;
        let count = state.field("count")?.as_int()?;

        let (b1, b2, eps) = (self.b1, self.b2, self.eps);
        let count_inc = safe_increment(count);
        let barf = barf.mul_scalar(b1) + value.mul_scalar(1.0 - b1);
        let exp_avg =
            exp_avg.zip_map(&updates, |d, g| d.mul_scalar(b1) + g.mul_scalar(1.0 - b1))?;
        let exp_avg_sq = exp_avg_sq.zip_map(&updates, |v, g| {
            v.mul_scalar(b2) + g.clone().mul_scalar(1.0 - b2) * g
        })?;
        let bc2 = one_minus_pow(b2, count_inc) as f64;
        let precond = exp_avg_sq.map(|v| v.div_scalar(bc2).sqrt().add_scalar(eps));
        let weighted = exp_avg.zip_map(&precond, |d, p| d / p)?;
        let norm = tree::vdot(&exp_avg, &weighted)?;
        let gamma = gamma.mul_scalar(b1) + tree::vdot(&updates, params)?.mul_scalar(1.0 - b1);
        let iprod = tree::vdot(&exp_avg, params)?;
        let alpha = self.learning_rate.at(count).to_f64();
        let bc1 = one_minus_pow(b1, count_inc);
        let (one_aw, aw) = decay_factors(&self.learning_rate, alpha, self.weight_decay);
        // `(1 + αλ)·bc1` and `2·bc1·(1 + αλ)` are float32 products of a float32 `bc1`.
        let one_aw32 = one_aw as f32;

        let this_lb = if self.adapt_lower_bound {
            let cap = (barf.clone() - gamma.clone()).mul_scalar(one_aw) + iprod.clone();
            let reset = cap
                .clone()
                .div_scalar(((2.0f32 * bc1) * one_aw32) as f64)
                .clamp_min(self.lower_bound);
            let below = cap.lower(lb.clone().mul_scalar((one_aw32 * bc1) as f64));
            lb.clone().mask_where(below, reset)
        } else {
            lb.clone()
        };
        let t1 = ((barf.clone() - this_lb.mul_scalar(bc1 as f64) - gamma.clone())
            .mul_scalar(one_aw)
            + iprod.clone())
        .clamp_min(0.0)
            / norm.clone();
        let t1 = t1.mask_fill(norm.clone().lower_equal_elem(TINY_NORM), 0.0);
        let tau = t1.clamp_max((alpha as f32 / bc1) as f64);
        let coef = -aw / one_aw;
        let n = updates.len();
        let out: Vec<_> = (0..n)
            .map(|i| {
                params.leaves()[i].clone().mul_scalar(coef)
                    - (tau.clone() * exp_avg.leaves()[i].clone()) / precond.leaves()[i].clone()
            })
            .collect();
        let new_lb = if self.adapt_lower_bound {
            (((barf.clone() + iprod - gamma.clone()) - tau.mul_scalar(0.5) * norm)
                .div_scalar(bc1 as f64))
            .clamp_min(self.lower_bound)
        } else {
            lb
        };
        Ok((
            updates.with_leaves(out),
            State::record(
                KIND,
                vec![
                    ("exp_avg", State::Tree(exp_avg)),
                    ("exp_avg_sq", State::Tree(exp_avg_sq)),
                    ("barf", State::Tensor(barf)),
                    ("gamma", State::Tensor(gamma)),
                    ("lb", State::Tensor(new_lb)),
                    ("count", State::Int(count_inc)),
                ],
            ),
        ))
    }

    fn validate(&self) -> Result<()> {
        check_unit("b1", self.b1)?;
        check_unit("b2", self.b2)?;
        check_nonneg("eps", self.eps)?;
        check_finite("lower_bound", self.lower_bound)?;
        check_finite("weight_decay", self.weight_decay)?;
        if let Some(lr) = self.learning_rate.constant() {
            check_finite("learning_rate", lr)?;
        }
        Ok(())
    }
}
