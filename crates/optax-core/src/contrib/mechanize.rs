//! `mechanize`: Mechanic, a wrapper that learns the scale of a base optimizer's updates.
//!
//! Cutkosky, Defazio & Mehta, *Mechanic: A Learning Rate Tuner*, NeurIPS 2023
//! (<https://arxiv.org/abs/2306.00144>).
//!
//! With `u_t` the base optimizer's update, `x_0` the parameters of the first step, `S = Σ s`,
//! and `β_i = 1 - 0.1^i` for `i = 1..num_betas` (every operation on `β, m, v, r, s` is
//! per-β):
//!
//! ```text
//! g̃_t   = g_t + weight_decay · S · ‖g_t‖ / (‖x_t‖ + eps) · x_t
//! Δ_{t-1} = (x_0 - x_t) / (S + eps)
//! Δ_t   = Δ_{t-1} - u_t
//! h_t   = ⟨g̃_t, Δ_{t-1}⟩
//! m_t   = max(β·m, |h_t| + eps)
//! v_t   = β²·v + h_t²
//! r_t   = β·r + clamp(h_t, -m_{t-1}, m_{t-1})·s_{t-1}
//! s_t   = (s_init / num_betas · m_t + max(0, r_t)) / (sqrt(v_t) + eps)
//! x_{t+1} = x_0 - Σ s_t · Δ_t,     update = x_{t+1} - x_t
//! ```

use burn::tensor::{Tensor, TensorData};

use crate::error::{OptaxError, Result};
use crate::state::{safe_increment, State};
use crate::transform::{Extra, GradientTransformation, IntoTransformation, Transform};
use crate::tree::{self, NormOrd, Tree};

use super::common::{check_finite, check_nonneg, device_of, tensor_field};

/// Mechanic (`optax.contrib.mechanize`). State `MechanicState(base_optimizer_state, count,
/// r, m, v, s, x0)`; `r, m, v, s` hold `num_betas` values each. The extra arguments are
/// passed on to the base optimizer.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::contrib::mechanize;
/// use optax_core::prelude::*;
///
/// let device = Device::flex();
/// let params = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::ones([2], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()?;
/// let opt = mechanize(optax_core::sgd(0.1)).num_betas(3);
/// let state = opt.init(&params)?;
/// let grads = params.map(|t| t.ones_like());
/// let (updates, _state) = opt.update(grads, &state, Some(&params), &Extra::none())?;
/// assert_eq!(updates.len(), 3);
/// # Ok::<(), OptaxError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Mechanize {
    pub(crate) base_optimizer: GradientTransformation,
    pub(crate) weight_decay: f64,
    pub(crate) eps: f64,
    pub(crate) s_init: f64,
    pub(crate) num_betas: i64,
}

/// `optax.contrib.mechanize(base_optimizer, weight_decay=1e-2, eps=1e-8, s_init=1e-6,
/// num_betas=6)`.
pub fn mechanize(base_optimizer: impl IntoTransformation) -> Mechanize {
    Mechanize {
        base_optimizer: base_optimizer.into_transformation(),
        weight_decay: 1e-2,
        eps: 1e-8,
        s_init: 1e-6,
        num_betas: 6,
    }
}

impl Mechanize {
    crate::setters::setters! {
        /// Mechanic's own weight decay (not the base optimizer's).
        weight_decay: f64;

        /// Mechanic's epsilon.
        eps: f64;

        /// Initial scale factor.
        s_init: f64;

        /// Number of decay rates `β_i = 1 - 0.1^i` learned over.
        num_betas: i64;
    }

    fn n(&self) -> usize {
        self.num_betas.max(0) as usize
    }
}

const KIND: &str = "MechanicState";

fn filled(n: usize, v: f32, device: &burn::tensor::Device) -> Tensor<1> {
    Tensor::from_data(TensorData::new(vec![v; n], [n]), device)
}

impl Transform for Mechanize {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        let device = device_of(params);
        let n = self.n();
        let zeros = || State::Tensor(filled(n, 0.0, &device));
        // `ones * s_init`: s_init rounded to float32 times 1.
        let s = filled(n, self.s_init as f32, &device);
        Ok(State::record(
            KIND,
            vec![
                ("base_optimizer_state", self.base_optimizer.init(params)?),
                ("count", State::Int(0)),
                ("r", zeros()),
                ("m", zeros()),
                ("v", zeros()),
                ("s", State::Tensor(s)),
                ("x0", State::Tree(params.clone())),
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
        let params = params.ok_or_else(|| OptaxError::params_required("mechanize"))?;
        updates.check_same_structure(params)?;
        state.expect_record(KIND)?;
        let n = self.n();
        let count = state.field("count")?.as_int()?;
        let r = tensor_field(state, KIND, "r", n)?;
        let m = tensor_field(state, KIND, "m", n)?;
        let v = tensor_field(state, KIND, "v", n)?;
        let s = tensor_field(state, KIND, "s", n)?;
        let x0 = state.field("x0")?.tree_like(&updates)?;
        let base_state = state.field("base_optimizer_state")?;

        let count_inc = safe_increment(count);
        let (neg_updates, base_state) =
            self.base_optimizer
                .update(updates.clone(), base_state, Some(params), extra)?;
        // The first step starts from the parameters actually used.
        let x0 = if count == 0 { params } else { x0 };
        let eps = self.eps;
        let s_sum = s.clone().sum();
        let grad_norm = tree::norm(&updates, NormOrd::L2, false);
        let param_norm = tree::norm(params, NormOrd::L2, false);
        let wd =
            s_sum.clone().mul_scalar(self.weight_decay) * grad_norm / param_norm.add_scalar(eps);
        let updates = updates.zip_map(params, |g, p| g + wd.clone() * p)?;
        let denom = s_sum.add_scalar(eps);
        let delta_prev = params.zip_map(x0, |x, x0| (x0 - x) / denom.clone())?;
        let delta = tree::sub(&delta_prev, &neg_updates)?;
        let h = tree::vdot(&updates, &delta_prev)?;

        let device = device_of(params);
        let betas: Vec<f32> = (1..=n as i32)
            .map(|i| (1.0 - 0.1f64.powi(i)) as f32)
            .collect();
        let betas = Tensor::<1>::from_data(TensorData::new(betas, [n]), &device);
        let clipped_h = h
            .clone()
            .expand([n])
            .max_pair(m.clone().neg())
            .min_pair(m.clone());
        let m_new = (betas.clone() * m).max_pair(h.clone().abs().add_scalar(eps).expand([n]));
        let v = betas.clone() * betas.clone() * v + (h.clone() * h).expand([n]);
        let r = betas * r + clipped_h * s;
        let rc = r.clone().clamp_min(0.0);
        let wealth = m_new.clone().mul_scalar(self.s_init / n as f64) + rc;
        let s = wealth / v.clone().sqrt().add_scalar(eps);

        let s_total = s.clone().sum();
        let new_params = x0.zip_map(&delta, |x0, d| x0 - s_total.clone() * d)?;
        let out = tree::sub(&new_params, params)?;
        Ok((
            out,
            State::record(
                KIND,
                vec![
                    ("base_optimizer_state", base_state),
                    ("count", State::Int(count_inc)),
                    ("r", State::Tensor(r)),
                    ("m", State::Tensor(m_new)),
                    ("v", State::Tensor(v)),
                    ("s", State::Tensor(s)),
                    ("x0", State::Tree(x0.clone())),
                ],
            ),
        ))
    }

    fn validate(&self) -> Result<()> {
        if self.num_betas < 1 {
            return Err(OptaxError::invalid("num_betas", "must be >= 1"));
        }
        check_finite("weight_decay", self.weight_decay)?;
        check_nonneg("eps", self.eps)?;
        check_finite("s_init", self.s_init)?;
        self.base_optimizer.validate()
    }
}
