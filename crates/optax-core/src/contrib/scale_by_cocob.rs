//! `scale_by_cocob`: COntinuous COin Betting, the backpropagation variant (Algorithm 2).
//!
//! Orabona & Tommasi, *Training Deep Networks without Learning Rates Through Coin Betting*,
//! NeurIPS 2017 (<https://arxiv.org/abs/1705.07795>).
//!
//! Per element, with `c_t` the update (gradient) and `x_0` the initial parameters:
//!
//! ```text
//! L_t = max(L_{t-1}, |c_t|),                L_0 = eps
//! G_t = G_{t-1} + |c_t|
//! R_t = max(R_{t-1} - c_t·(x_t - x_0), 0)
//! C_t = C_{t-1} - c_t
//! u_t = -x_t + x_0 + C_t / (L_t·max(G_t + L_t, alpha·L_t)) · (L_t + R_t)
//! ```
//!
//! Uses the parameters.

use crate::error::{OptaxError, Result};
use crate::setters::setters;
use crate::state::State;
use crate::transform::{Extra, Transform};
use crate::tree::{self, Tree};

use super::common::{check_finite, check_nonneg};

/// COCOB's scaling (`optax.contrib.scale_by_cocob`). State `COCOBState(init_particles,
/// cumulative_gradients, scale, subgradients, reward)`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::contrib::scale_by_cocob;
/// use optax_core::prelude::*;
///
/// let device = Device::flex();
/// let params = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::ones([2], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()?;
/// let opt = scale_by_cocob().alpha(10.0);
/// let state = opt.init(&params)?;
/// let grads = params.map(|t| t.ones_like());
/// let (updates, _state) = opt.update(grads, &state, Some(&params), &Extra::none())?;
/// assert_eq!(updates.len(), 3);
/// # Ok::<(), OptaxError>(())
/// ```
#[derive(Clone, Debug)]
pub struct ScaleByCocob {
    pub(crate) alpha: f64,
    pub(crate) eps: f64,
}

/// `optax.contrib.scale_by_cocob(alpha=100.0, eps=1e-8)`.
pub fn scale_by_cocob() -> ScaleByCocob {
    ScaleByCocob {
        alpha: 100.0,
        eps: 1e-8,
    }
}

impl ScaleByCocob {
    setters! {
        /// Fraction-to-bet parameter.
        alpha: f64;

        /// Initial scale (avoids a division by zero).
        eps: f64;
    }
}

const KIND: &str = "COCOBState";

impl Transform for ScaleByCocob {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        let zeros = tree::zeros_like(params);
        let scale = tree::scale(self.eps, &tree::ones_like(params));
        Ok(State::record(
            KIND,
            vec![
                ("init_particles", State::Tree(params.clone())),
                ("cumulative_gradients", State::Tree(zeros.clone())),
                ("scale", State::Tree(scale)),
                ("subgradients", State::Tree(zeros.clone())),
                ("reward", State::Tree(zeros)),
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
        let params = params.ok_or_else(|| OptaxError::params_required("scale_by_cocob"))?;
        updates.check_same_structure(params)?;
        state.expect_record(KIND)?;
        let init = state.field("init_particles")?.tree_like(&updates)?;
        let cumulative = state.field("cumulative_gradients")?.tree_like(&updates)?;
        let scale = state.field("scale")?.tree_like(&updates)?;
        let subgradients = state.field("subgradients")?.tree_like(&updates)?;
        let reward = state.field("reward")?.tree_like(&updates)?;
        let alpha = self.alpha;

        let n = updates.len();
        let mut out = Vec::with_capacity(n);
        let (mut ls, mut gs, mut rs, mut cs) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for i in 0..n {
            let c = updates.leaves()[i].clone();
            let p = params.leaves()[i].clone();
            let p0 = init.leaves()[i].clone();
            let l = scale.leaves()[i].clone().max_pair(c.clone().abs());
            let g = subgradients.leaves()[i].clone() + c.clone().abs();
            let r =
                (reward.leaves()[i].clone() - c.clone() * (p.clone() - p0.clone())).clamp_min(0.0);
            let cum = cumulative.leaves()[i].clone() - c;
            let bet = l.clone() * (g.clone() + l.clone()).max_pair(l.clone().mul_scalar(alpha));
            out.push(-p + (p0 + cum.clone() / bet * (l.clone() + r.clone())));
            ls.push(l);
            gs.push(g);
            rs.push(r);
            cs.push(cum);
        }
        Ok((
            updates.with_leaves(out),
            State::record(
                KIND,
                vec![
                    ("init_particles", State::Tree(init.clone())),
                    (
                        "cumulative_gradients",
                        State::Tree(cumulative.with_leaves(cs)),
                    ),
                    ("scale", State::Tree(scale.with_leaves(ls))),
                    ("subgradients", State::Tree(subgradients.with_leaves(gs))),
                    ("reward", State::Tree(reward.with_leaves(rs))),
                ],
            ),
        ))
    }

    fn validate(&self) -> Result<()> {
        check_finite("alpha", self.alpha)?;
        check_nonneg("eps", self.eps)
    }
}
