//! `dadapt_adamw`: AdamW whose learning rate is set by D-Adaptation, an estimate of the
//! distance to the solution.
//!
//! Defazio & Mishchenko, *Learning-Rate-Free Learning by D-Adaptation*, ICML 2023
//! (<https://arxiv.org/abs/2301.07733>).
//!
//! ```text
//! η_t   = d_t · learning_rate(t-1) · sqrt(1 - β2^t) / (1 - β1^t)      (dlr)
//! a_t   = ⟨g_t, s_{t-1} / (sqrt(v_{t-1}) + eps)⟩
//! m_t   = β1·m + (1 - β1)·η_t·g_t
//! v_t   = β2·v + (1 - β2)·g_t²
//! s_t   = sqrt(β2)·s + (1 - sqrt(β2))·η_t·g_t
//! r_t   = sqrt(β2)·r + (1 - sqrt(β2))·η_t·a_t
//! d_t+1 = max(d_t, r_t / ((1 - sqrt(β2))·‖s_t‖₁))
//! u_t   = -weight_decay·η_t·x_t - m_t / (sqrt(v_t) + eps)
//! ```
//!
//! Uses the parameters.

use crate::error::{OptaxError, Result};
use crate::hyper::Hyper;
use crate::setters::setters;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, Transform};
use crate::tree::{self, Tree};

use super::common::{
    check_finite, check_nonneg, check_pos, check_unit, device_of, one_minus_pow, scalar,
    tensor_field,
};

/// D-Adaptation AdamW (`optax.contrib.dadapt_adamw`). State `DAdaptAdamWState(exp_avg,
/// exp_avg_sq, grad_sum, estim_lr, numerator_weighted, count)`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::contrib::dadapt_adamw;
/// use optax_core::prelude::*;
///
/// let device = Device::flex();
/// let params = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::ones([2], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()?;
/// let opt = dadapt_adamw().estim_lr0(1e-3);
/// let state = opt.init(&params)?;
/// let grads = params.map(|t| t.ones_like());
/// let (updates, _state) = opt.update(grads, &state, Some(&params), &Extra::none())?;
/// assert_eq!(updates.len(), 3);
/// # Ok::<(), OptaxError>(())
/// ```
#[derive(Clone, Debug)]
pub struct DAdaptAdamW {
    pub(crate) learning_rate: Hyper,
    pub(crate) betas: (f64, f64),
    pub(crate) eps: f64,
    pub(crate) estim_lr0: f64,
    pub(crate) weight_decay: f64,
}

/// `optax.contrib.dadapt_adamw(learning_rate=1.0, betas=(0.9, 0.999), eps=1e-8,
/// estim_lr0=1e-6, weight_decay=0.0)`.
pub fn dadapt_adamw() -> DAdaptAdamW {
    DAdaptAdamW {
        learning_rate: 1.0.into(),
        betas: (0.9, 0.999),
        eps: 1e-8,
        estim_lr0: 1e-6,
        weight_decay: 0.0,
    }
}

impl DAdaptAdamW {
    setters! {
        /// Scale of the step (a number or a schedule), best a schedule with 1.0 as its peak.
        learning_rate: impl Into<Hyper>;

        /// `(β1, β2)` of the underlying AdamW.
        betas: (f64, f64);

        /// AdamW's epsilon.
        eps: f64;

        /// Initial (under-)estimate of the learning rate.
        estim_lr0: f64;

        /// AdamW-style (decoupled) weight decay.
        weight_decay: f64;
    }
}

const KIND: &str = "DAdaptAdamWState";

impl Transform for DAdaptAdamW {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        let device = device_of(params);
        let zeros = || State::Tree(tree::zeros_like(params));
        Ok(State::record(
            KIND,
            vec![
                ("exp_avg", zeros()),
                ("exp_avg_sq", zeros()),
                ("grad_sum", zeros()),
                ("estim_lr", State::Tensor(scalar(self.estim_lr0, &device))),
                ("numerator_weighted", State::Tensor(scalar(0.0, &device))),
                ("count", State::Int(0)),
            ],
        ))
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        params: Option<&Tree>,
        _extra: &Extra,
    ) -> Result<(Tree, State)> {
        let params = params.ok_or_else(|| OptaxError::params_required("dadapt_adamw"))?;
        updates.check_same_structure(params)?;
        state.expect_record(KIND)?;
        let exp_avg = state.field("exp_avg")?.tree_like(&updates)?;
        let exp_avg_sq = state.field("exp_avg_sq")?.tree_like(&updates)?;
        let grad_sum = state.field("grad_sum")?.tree_like(&updates)?;
        let estim_lr = tensor_field(state, KIND, "estim_lr", 1)?;
        let numerator = tensor_field(state, KIND, "numerator_weighted", 1)?;
        let count = state.field("count")?.as_int()?;

        let (b1, b2) = self.betas;
        let sb2 = b2.sqrt();
        let sched = self.learning_rate.at(count).to_f64();
        let count_inc = safe_increment(count);
        let bc = (one_minus_pow(b2, count_inc).sqrt() / one_minus_pow(b1, count_inc)) as f64;
        let dlr = estim_lr.clone().mul_scalar(sched).mul_scalar(bc);
        let eps = self.eps;

        let s_weighted = grad_sum.zip_map(exp_avg_sq, |s, v| s / v.sqrt().add_scalar(eps))?;
        let numerator_acum = tree::vdot(&updates, &s_weighted)?;
        let m_scale = dlr.clone().mul_scalar(1.0 - b1);
        let s_scale = dlr.clone().mul_scalar(1.0 - sb2);
        let exp_avg = exp_avg.zip_map(&updates, |m, g| m.mul_scalar(b1) + m_scale.clone() * g)?;
        let exp_avg_sq = exp_avg_sq.zip_map(&updates, |v, g| {
            v.mul_scalar(b2) + g.clone().mul_scalar(1.0 - b2) * g
        })?;
        let grad_sum =
            grad_sum.zip_map(&updates, |s, g| s.mul_scalar(sb2) + s_scale.clone() * g)?;
        let grad_sum_l1 = tree::sum(&grad_sum.map(|t| t.abs()));
        let numerator = numerator.mul_scalar(sb2) + s_scale * numerator_acum;
        let d_estimate = numerator.clone() / grad_sum_l1.mul_scalar(1.0 - sb2);
        let estim_lr = estim_lr.max_pair(d_estimate);

        let decay = dlr.mul_scalar(-self.weight_decay);
        let n = updates.len();
        let out: Vec<_> = (0..n)
            .map(|i| {
                params.leaves()[i].clone() * decay.clone()
                    - exp_avg.leaves()[i].clone()
                        / exp_avg_sq.leaves()[i].clone().sqrt().add_scalar(eps)
            })
            .collect();
        Ok((
            updates.with_leaves(out),
            State::record(
                KIND,
                vec![
                    ("exp_avg", State::Tree(exp_avg)),
                    ("exp_avg_sq", State::Tree(exp_avg_sq)),
                    ("grad_sum", State::Tree(grad_sum)),
                    ("estim_lr", State::Tensor(estim_lr)),
                    ("numerator_weighted", State::Tensor(numerator)),
                    ("count", State::Int(count_inc)),
                ],
            ),
        ))
    }

    fn validate(&self) -> Result<()> {
        check_unit("betas", self.betas.0)?;
        check_unit("betas", self.betas.1)?;
        check_nonneg("eps", self.eps)?;
        check_pos("estim_lr0", self.estim_lr0)?;
        check_finite("weight_decay", self.weight_decay)?;
        if let Some(lr) = self.learning_rate.constant() {
            check_finite("learning_rate", lr)?;
        }
        Ok(())
    }
}
