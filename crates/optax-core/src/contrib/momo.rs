//! `momo`: SGD with momentum and a Polyak-type adaptive step size from a model of the loss
//! (MoMo). Each update needs the loss `value`.
//!
//! Schaipp, Ohana, Eickenberg, Defazio & Gower, *MoMo: Momentum Models for Adaptive Learning
//! Rates*, ICML 2024 (<https://arxiv.org/abs/2305.07583>).
//!
//! With `α = learning_rate(t)`, `λ = weight_decay`, `β_t = 0` at the first step and `beta`
//! after:
//!
//! ```text
//! f̄_t = β_t·f̄ + (1 - β_t)·value_t
//! d_t = β_t·d + (1 - β_t)·g_t
//! γ_t = β_t·γ + (1 - β_t)·⟨g_t, x_t⟩
//! τ_t = min(α, max((1 + αλ)·(f̄_t - lb - γ_t) + ⟨d_t, x_t⟩, 0) / ‖d_t‖²)   (0 if ‖d_t‖² ≈ 0)
//! u_t = -αλ/(1 + αλ)·x_t - τ_t·d_t
//! ```
//!
//! With `adapt_lower_bound`, the lower bound `lb` is re-estimated at every step (see the
//! paper); otherwise it stays `lower_bound`. Uses the parameters.

use crate::error::{OptaxError, Result};
use crate::hyper::Hyper;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, Transform};
use crate::tree::{self, NormOrd, Tree};

use super::common::{check_finite, check_unit, device_of, loss_value, scalar, tensor_field};

/// `jnp.finfo(float).eps`: below it, the momentum's norm counts as zero and no step is taken.
pub(crate) const TINY_NORM: f64 = f64::EPSILON;

/// MoMo (`optax.contrib.momo`). State `MomoState(exp_avg, barf, gamma, lb, count)`. Every
/// update needs `Extra::value(loss)`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::contrib::momo;
/// use optax_core::prelude::*;
///
/// let device = Device::flex();
/// let params = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::ones([2], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()?;
/// let opt = momo();
/// let state = opt.init(&params)?;
/// let grads = params.map(|t| t.mul_scalar(2.0));
/// let (updates, _state) = opt.update(grads, &state, Some(&params), &Extra::value(7.0))?;
/// assert_eq!(updates.len(), 3);
/// # Ok::<(), OptaxError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Momo {
    pub(crate) learning_rate: Hyper,
    pub(crate) beta: f64,
    pub(crate) lower_bound: f64,
    pub(crate) weight_decay: f64,
    pub(crate) adapt_lower_bound: bool,
}

/// `optax.contrib.momo(learning_rate=1.0, beta=0.9, lower_bound=0.0, weight_decay=0.0,
/// adapt_lower_bound=False)`.
pub fn momo() -> Momo {
    Momo {
        learning_rate: 1.0.into(),
        beta: 0.9,
        lower_bound: 0.0,
        weight_decay: 0.0,
        adapt_lower_bound: false,
    }
}

impl Momo {
    crate::setters::setters! {
        /// Largest step size (a number or a schedule).
        learning_rate: impl Into<Hyper>;

        /// Momentum coefficient.
        beta: f64;

        /// Lower bound of the loss (0 for most losses).
        lower_bound: f64;

        /// Weight decay.
        weight_decay: f64;

        /// Estimate the lower bound during training.
        adapt_lower_bound: bool;
    }
}

/// `1 + α·λ` and `α·λ`, computed as Optax does: in double precision (then rounded) for a
/// number, in float32 for a schedule's value.
pub(crate) fn decay_factors(learning_rate: &Hyper, alpha: f64, weight_decay: f64) -> (f64, f64) {
    if learning_rate.is_schedule() {
        let aw = alpha as f32 * weight_decay as f32;
        ((1.0 + aw) as f64, aw as f64)
    } else {
        let aw = alpha * weight_decay;
        (1.0 + aw, aw)
    }
}

/// `1 / c` for a division `x / c`: XLA folds a division by a constant (a number learning
/// rate) into a product with the float32 reciprocal; with a schedule it divides.
pub(crate) fn inv_const(learning_rate: &Hyper, c: f64) -> f64 {
    if learning_rate.is_schedule() {
        1.0 / c
    } else {
        (1.0f32 / c as f32) as f64
    }
}

const KIND: &str = "MomoState";

impl Transform for Momo {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        let device = device_of(params);
        Ok(State::record(
            KIND,
            vec![
                ("exp_avg", State::Tree(tree::zeros_like(params))),
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
        let params = params.ok_or_else(|| OptaxError::params_required("momo"))?;
        updates.check_same_structure(params)?;
        let device = device_of(params);
        let value = loss_value(extra, "momo", &device)?;
        state.expect_record(KIND)?;
        let exp_avg = state.field("exp_avg")?.tree_like(&updates)?;
        let barf = tensor_field(state, KIND, "barf", 1)?;
        let gamma = tensor_field(state, KIND, "gamma", 1)?;
        let lb = tensor_field(state, KIND, "lb", 1)?;
        let count = state.field("count")?.as_int()?;

        // `bt` is a float32 array in Optax, so `1 - bt` is a float32 difference.
        let bt = if count == 0 { 0.0f32 } else { self.beta as f32 };
        let (bt, keep) = (bt as f64, (1.0f32 - bt) as f64);
        let barf = barf.mul_scalar(bt) + value.mul_scalar(keep);
        let exp_avg = exp_avg.zip_map(&updates, |d, g| d.mul_scalar(bt) + g.mul_scalar(keep))?;
        let gamma = gamma.mul_scalar(bt) + tree::vdot(&updates, params)?.mul_scalar(keep);
        let norm = tree::norm(&exp_avg, NormOrd::L2, true);
        let iprod = tree::vdot(&exp_avg, params)?;
        let alpha = self.learning_rate.at(count).to_f64();
        let (one_aw, aw) = decay_factors(&self.learning_rate, alpha, self.weight_decay);

        let this_lb = if self.adapt_lower_bound {
            let cap = (barf.clone() - gamma.clone()).mul_scalar(one_aw) + iprod.clone();
            let reset = cap
                .clone()
                .mul_scalar(inv_const(&self.learning_rate, 2.0 * one_aw))
                .clamp_min(self.lower_bound);
            let below = cap.lower(lb.clone().mul_scalar(one_aw));
            lb.clone().mask_where(below, reset)
        } else {
            lb.clone()
        };
        let t1 = ((barf.clone() - this_lb - gamma.clone()).mul_scalar(one_aw) + iprod.clone())
            .clamp_min(0.0)
            / norm.clone();
        let t1 = t1.mask_fill(norm.clone().lower_equal_elem(TINY_NORM), 0.0);
        let tau = t1.clamp_max(alpha);
        let coef = -aw / one_aw;
        let out = params.zip_map(&exp_avg, |p, d| p.mul_scalar(coef) - tau.clone() * d)?;
        let new_lb = if self.adapt_lower_bound {
            ((barf.clone() + iprod - gamma.clone()) - tau.mul_scalar(0.5) * norm)
                .clamp_min(self.lower_bound)
        } else {
            lb
        };
        Ok((
            out,
            State::record(
                KIND,
                vec![
                    ("exp_avg", State::Tree(exp_avg)),
                    ("barf", State::Tensor(barf)),
                    ("gamma", State::Tensor(gamma)),
                    ("lb", State::Tensor(new_lb)),
                    ("count", State::Int(safe_increment(count))),
                ],
            ),
        ))
    }

    fn validate(&self) -> Result<()> {
        check_unit("beta", self.beta)?;
        check_finite("lower_bound", self.lower_bound)?;
        check_finite("weight_decay", self.weight_decay)?;
        if let Some(lr) = self.learning_rate.constant() {
            check_finite("learning_rate", lr)?;
        }
        Ok(())
    }
}
