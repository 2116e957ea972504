//! `prodigy`: learning-rate-free AdamW whose distance estimate weights recent gradients more.
//!
//! Mishchenko & Defazio, *Prodigy: An Expeditiously Adaptive Parameter-Free Learner*, 2023
//! (<https://arxiv.org/abs/2306.06101>).
//!
//! ```text
//! γ_t   = learning_rate(t-1) · sqrt(1 - β2^t) / (1 - β1^t)          (bias correction)
//! η_t   = d_t · γ_t                                               (dlr)
//! m_t   = β1·m + (1 - β1)·d_t·g_t
//! v_t   = β2·v + (1 - β2)·(d_t·g_t)²
//! s_t   = β3·s + η_t·d_t·g_t / d_0        (safeguard_warmup: d_t·d_t·g_t / d_0)
//! r_t   = β3·r + (d_t / d_0)·η_t·⟨g_t, x_0 - x_t⟩
//! d_t+1 = max(d_t, estim_lr_coef · r_t / ‖s_t‖₁)
//! u_t   = -weight_decay·η_t·x_t - η_t·m_t / (sqrt(v_t) + d_t+1·eps)
//! ```
//!
//! `β3 = sqrt(β2)` unless given. Uses the parameters.

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

/// Prodigy (`optax.contrib.prodigy`). State `ProdigyState(exp_avg, exp_avg_sq, grad_sum,
/// params0, estim_lr, numerator_weighted, count)`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::contrib::prodigy;
/// use optax_core::prelude::*;
///
/// let device = Device::flex();
/// let params = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::ones([2], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()?;
/// let opt = prodigy().weight_decay(0.01);
/// let state = opt.init(&params)?;
/// let grads = params.map(|t| t.ones_like());
/// let (updates, _state) = opt.update(grads, &state, Some(&params), &Extra::none())?;
/// assert_eq!(updates.len(), 3);
/// # Ok::<(), OptaxError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Prodigy {
    pub(crate) learning_rate: Hyper,
    pub(crate) betas: (f64, f64),
    pub(crate) beta3: Option<f64>,
    pub(crate) eps: f64,
    pub(crate) estim_lr0: f64,
    pub(crate) estim_lr_coef: f64,
    pub(crate) weight_decay: f64,
    pub(crate) safeguard_warmup: bool,
}

/// `optax.contrib.prodigy(learning_rate=1.0, betas=(0.9, 0.999), beta3=None, eps=1e-8,
/// estim_lr0=1e-6, estim_lr_coef=1.0, weight_decay=0.0, safeguard_warmup=False)`.
pub fn prodigy() -> Prodigy {
    Prodigy {
        learning_rate: 1.0.into(),
        betas: (0.9, 0.999),
        beta3: None,
        eps: 1e-8,
        estim_lr0: 1e-6,
        estim_lr_coef: 1.0,
        weight_decay: 0.0,
        safeguard_warmup: false,
    }
}

impl Prodigy {
    setters! {
        /// Scale of the step (a number or a schedule), best a schedule with 1.0 as its peak.
        learning_rate: impl Into<Hyper>;

        /// `(β1, β2)` of the underlying AdamW.
        betas: (f64, f64);

        /// Decay of the distance estimate's sums (default `sqrt(β2)`).
        beta3: Some(f64);

        /// Sets or clears `beta3`.
        beta3_opt(beta3: Option<f64>);

        /// AdamW's epsilon (scaled by the distance estimate).
        eps: f64;

        /// Initial (under-)estimate of the learning rate.
        estim_lr0: f64;

        /// Factor of every learning-rate estimate.
        estim_lr_coef: f64;

        /// AdamW-style (decoupled) weight decay.
        weight_decay: f64;

        /// Leaves the learning rate out of the estimate's denominator during warm-up.
        safeguard_warmup: bool;
    }
}

const KIND: &str = "ProdigyState";

impl Transform for Prodigy {
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
                ("params0", State::Tree(params.clone())),
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
        let params = params.ok_or_else(|| OptaxError::params_required("prodigy"))?;
        updates.check_same_structure(params)?;
        state.expect_record(KIND)?;
        let exp_avg = state.field("exp_avg")?.tree_like(&updates)?;
        let exp_avg_sq = state.field("exp_avg_sq")?.tree_like(&updates)?;
        let grad_sum = state.field("grad_sum")?.tree_like(&updates)?;
        let params0 = state.field("params0")?.tree_like(&updates)?;
        let estim_lr = tensor_field(state, KIND, "estim_lr", 1)?;
        let numerator = tensor_field(state, KIND, "numerator_weighted", 1)?;
        let count = state.field("count")?.as_int()?;

        let (b1, b2) = self.betas;
        let beta3 = self.beta3.unwrap_or(b2.sqrt());
        let count_inc = safe_increment(count);
        let sched = self.learning_rate.at(count).to_f64();
        let bc = (one_minus_pow(b2, count_inc).sqrt() / one_minus_pow(b1, count_inc)) as f64;
        let dlr = estim_lr.clone().mul_scalar(sched).mul_scalar(bc);
        // XLA folds `x / estim_lr0` (a constant) into `x * (1 / estim_lr0)`.
        let inv_lr0 = (1.0f32 / self.estim_lr0 as f32) as f64;

        let numerator_acum = tree::vdot(&updates, &tree::sub(params0, params)?)?;
        let n = updates.len();
        let (mut m, mut v, mut s) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for i in 0..n {
            let dg = updates.leaves()[i].clone() * estim_lr.clone();
            m.push(exp_avg.leaves()[i].clone().mul_scalar(b1) + dg.clone().mul_scalar(1.0 - b1));
            v.push(
                exp_avg_sq.leaves()[i].clone().mul_scalar(b2)
                    + dg.clone().mul_scalar(1.0 - b2) * dg.clone(),
            );
            let scaled = if self.safeguard_warmup {
                estim_lr.clone() * dg
            } else {
                dlr.clone() * dg
            };
            s.push(grad_sum.leaves()[i].clone().mul_scalar(beta3) + scaled.mul_scalar(inv_lr0));
        }
        let (exp_avg, exp_avg_sq, grad_sum) = (
            exp_avg.with_leaves(m),
            exp_avg_sq.with_leaves(v),
            grad_sum.with_leaves(s),
        );
        let numerator = numerator.mul_scalar(beta3)
            + estim_lr.clone().mul_scalar(inv_lr0) * dlr.clone() * numerator_acum;
        let denominator = tree::sum(&grad_sum.map(|t| t.abs()));
        let lr_estimate = numerator.clone().mul_scalar(self.estim_lr_coef) / denominator;
        let estim_lr = estim_lr.max_pair(lr_estimate);

        let denom_eps = estim_lr.clone().mul_scalar(self.eps);
        let decay = dlr.clone().mul_scalar(-self.weight_decay);
        let out: Vec<_> = (0..n)
            .map(|i| {
                let p = params.leaves()[i].clone();
                p * decay.clone()
                    - (dlr.clone() * exp_avg.leaves()[i].clone())
                        / (exp_avg_sq.leaves()[i].clone().sqrt() + denom_eps.clone())
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
                    ("params0", State::Tree(params0.clone())),
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
        if let Some(b3) = self.beta3 {
            check_unit("beta3", b3)?;
        }
        check_nonneg("eps", self.eps)?;
        check_pos("estim_lr0", self.estim_lr0)?;
        check_finite("estim_lr_coef", self.estim_lr_coef)?;
        check_finite("weight_decay", self.weight_decay)?;
        if let Some(lr) = self.learning_rate.constant() {
            check_finite("learning_rate", lr)?;
        }
        Ok(())
    }
}
