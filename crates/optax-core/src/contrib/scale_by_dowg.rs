//! `scale_by_dowg`: the Distance-over-Weighted-Gradients step size (Optax's
//! `optax.contrib._dog.scale_by_dowg`, the building block of [`dowg`](super::dowg); not exported
//! by `optax.contrib`, so not a spec name).
//!
//! Khaled, Mishchenko & Jin, *DoWG Unleashed: An Efficient Universal Parameter-Free Gradient
//! Descent Method*, NeurIPS 2023 (<https://arxiv.org/abs/2305.16284>).
//!
//! ```text
//! r̄²_t = max(r̄²_{t-1}, ‖x_t - x_0‖²),     r̄²_0 = init_estim_sq_dist (default eps)
//! v_t  = v_{t-1} + r̄²_t · ‖g_t‖²
//! η_t  = r̄²_t / (sqrt(v_t) + eps)
//! u_t  = η_t · g_t
//! ```

use crate::error::{OptaxError, Result};
use crate::state::State;
use crate::transform::{Extra, Transform};
use crate::tree::{self, NormOrd, Tree};

use super::common::{check_finite, check_nonneg, device_of, scalar, tensor_field};

/// The DoWG scaling. State `DoWGState(init_params, weighted_sq_norm_grads, estim_sq_dist)`.
#[derive(Clone, Debug)]
pub struct ScaleByDowg {
    pub(crate) init_estim_sq_dist: Option<f64>,
    pub(crate) eps: f64,
}

/// `optax.contrib._dog.scale_by_dowg(init_estim_sq_dist=None, eps=1e-4)`.
pub fn scale_by_dowg() -> ScaleByDowg {
    ScaleByDowg {
        init_estim_sq_dist: None,
        eps: 1e-4,
    }
}

impl ScaleByDowg {
    crate::setters::setters! {
        /// Initial guess of the squared distance to the solution (default `eps`).
        init_estim_sq_dist: Some(f64);

        /// Sets or clears `init_estim_sq_dist`.
        init_estim_sq_dist_opt(init_estim_sq_dist: Option<f64>);

        /// Added to the denominator of the step size.
        eps: f64;
    }
}

const KIND: &str = "DoWGState";

impl Transform for ScaleByDowg {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        let device = device_of(params);
        let r0 = self.init_estim_sq_dist.unwrap_or(self.eps);
        Ok(State::record(
            KIND,
            vec![
                ("init_params", State::Tree(params.clone())),
                (
                    "weighted_sq_norm_grads",
                    State::Tensor(scalar(0.0, &device)),
                ),
                ("estim_sq_dist", State::Tensor(scalar(r0, &device))),
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
        let params = params.ok_or_else(|| OptaxError::params_required("dowg"))?;
        updates.check_same_structure(params)?;
        state.expect_record(KIND)?;
        let init_params = state.field("init_params")?.tree_like(&updates)?;
        let weighted = tensor_field(state, KIND, "weighted_sq_norm_grads", 1)?;
        let estim = tensor_field(state, KIND, "estim_sq_dist", 1)?;

        let curr = tree::norm(&tree::sub(init_params, params)?, NormOrd::L2, true);
        let estim = estim.max_pair(curr);
        let step_sq = tree::norm(&updates, NormOrd::L2, true);
        let weighted = estim.clone() * step_sq + weighted;
        let learning_rate = estim.clone() / weighted.clone().sqrt().add_scalar(self.eps);
        let out = updates.map(|g| g * learning_rate.clone());
        Ok((
            out,
            State::record(
                KIND,
                vec![
                    ("init_params", State::Tree(init_params.clone())),
                    ("weighted_sq_norm_grads", State::Tensor(weighted)),
                    ("estim_sq_dist", State::Tensor(estim)),
                ],
            ),
        ))
    }

    fn validate(&self) -> Result<()> {
        if let Some(r) = self.init_estim_sq_dist {
            check_finite("init_estim_sq_dist", r)?;
        }
        check_nonneg("eps", self.eps)
    }
}
