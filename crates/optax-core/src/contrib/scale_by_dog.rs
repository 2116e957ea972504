//! `scale_by_dog`: the Distance-over-Gradients step size over the whole tree (Optax's
//! `optax.contrib._dog.scale_by_dog`, the building block of [`dog`](super::dog); not exported
//! by `optax.contrib`, so not a spec name).
//!
//! Ivgi, Hinder & Carmon, *DoG is SGD's Best Friend: A Parameter-Free Dynamic Step Size
//! Schedule*, ICML 2023 (<https://arxiv.org/abs/2302.12022>).
//!
//! Unlike the core [`scale_by_distance_over_gradients`](crate::scale_by_distance_over_gradients)
//! (one step size per leaf, "LDoG"), this is the global DoG: one distance and one sum over all
//! leaves.
//!
//! ```text
//! r̄_0 = value                      ("distance")
//!     = value · (1 + ‖x_0‖)        ("heuristic")
//!     = 0                          ("learning_rate")
//! r̄_t = max(r̄_{t-1}, ‖x_t - x_0‖)
//! G_t = G_{t-1} + ‖g_t‖²
//! η_t = r̄_t / sqrt(G_t + eps)      (η_1 = value for "learning_rate")
//! u_t = η_t · g_t
//! ```

use crate::error::{OptaxError, Result};
use crate::state::State;
use crate::transform::{Extra, Transform};
use crate::tree::{self, NormOrd, Tree};

use super::common::{check_finite, check_nonneg, device_of, scalar, tensor_field};

/// The global DoG scaling. State `DoGState(is_init_step, init_params, max_dist,
/// sum_sq_norm_grads)`.
#[derive(Clone, Debug)]
pub struct ScaleByDog {
    pub(crate) init_step: (String, f64),
    pub(crate) eps: f64,
}

/// `optax.contrib._dog.scale_by_dog(init_step, eps=1e-8)`: `init_step` is `(tag, value)` with
/// `tag` one of `"distance"`, `"learning_rate"`, `"heuristic"`.
pub fn scale_by_dog(init_step: (impl Into<String>, f64)) -> ScaleByDog {
    ScaleByDog {
        init_step: (init_step.0.into(), init_step.1),
        eps: 1e-8,
    }
}

impl ScaleByDog {
    crate::setters::setters! {
        /// Added to the sum of squared gradient norms.
        eps: f64;
    }
}

/// Checks DoG's `init_step`.
pub(crate) fn check_init_step(init_step: &(String, f64)) -> Result<()> {
    match init_step.0.as_str() {
        "distance" | "learning_rate" | "heuristic" => check_finite("init_step", init_step.1),
        other => Err(OptaxError::invalid(
            "init_step",
            format!("unknown tag `{other}` (expected distance, learning_rate or heuristic)"),
        )),
    }
}

const KIND: &str = "DoGState";

impl Transform for ScaleByDog {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        let device = device_of(params);
        let (tag, value) = (&self.init_step.0, self.init_step.1);
        let r = match tag.as_str() {
            "distance" => scalar(value, &device),
            "heuristic" => tree::norm(params, NormOrd::L2, false)
                .add_scalar(1.0)
                .mul_scalar(value),
            _ => scalar(0.0, &device),
        };
        Ok(State::record(
            KIND,
            vec![
                ("is_init_step", State::Bool(true)),
                ("init_params", State::Tree(params.clone())),
                ("max_dist", State::Tensor(r)),
                ("sum_sq_norm_grads", State::Tensor(scalar(0.0, &device))),
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
        let params = params.ok_or_else(|| OptaxError::params_required("dog"))?;
        updates.check_same_structure(params)?;
        state.expect_record(KIND)?;
        let is_init_step = state.field("is_init_step")?.as_bool()?;
        let init_params = state.field("init_params")?.tree_like(&updates)?;
        let max_dist = tensor_field(state, KIND, "max_dist", 1)?;
        let sum_sq = tensor_field(state, KIND, "sum_sq_norm_grads", 1)?;

        let dist = tree::norm(&tree::sub(init_params, params)?, NormOrd::L2, false);
        let max_dist = max_dist.max_pair(dist);
        let sum_sq = sum_sq + tree::norm(&updates, NormOrd::L2, true);
        let learning_rate = if is_init_step && self.init_step.0 == "learning_rate" {
            scalar(self.init_step.1, &device_of(params))
        } else {
            max_dist.clone() / sum_sq.clone().add_scalar(self.eps).sqrt()
        };
        let out = updates.map(|g| g * learning_rate.clone());
        Ok((
            out,
            State::record(
                KIND,
                vec![
                    ("is_init_step", State::Bool(false)),
                    ("init_params", State::Tree(init_params.clone())),
                    ("max_dist", State::Tensor(max_dist)),
                    ("sum_sq_norm_grads", State::Tensor(sum_sq)),
                ],
            ),
        ))
    }

    fn validate(&self) -> Result<()> {
        check_init_step(&self.init_step)?;
        check_nonneg("eps", self.eps)
    }
}
