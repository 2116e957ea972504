//! Simplified AdEMAMix (`scale_by_simplified_ademamix`, `simplified_ademamix`): one
//! accumulated (not averaged) momentum plus `alpha` times the current gradient, over Adam's
//! second moment.
//!
//! Morwani, Vyas, Kakade, Shah & Sham, *Connections between Schedule-Free Optimizers,
//! AdEMAMix, and Accelerated SGD Variants*, 2025 (<https://arxiv.org/abs/2502.02431>).
//!
//! With `alpha_t = alpha(t)` at the step count `t` before the update (a number or a schedule):
//!
//! ```text
//! m_t = g_t + b1·m_{t-1}
//! n_t = g_t² + b2·(n_{t-1} - g_t²)          (lerp, Optax's order of operations)
//! u_t = (m_t + alpha_t·g_t) / (sqrt(n_t/(1 - b2^(t+1)) + eps_root) + eps)
//! ```
//!
//! State `ScaleBySimplifiedAdEMAMixState(t, m, n)`.

use crate::alias::built::{alias_setters, alias_transform, Built};
use crate::chain;
use crate::combine::Mask;
use crate::error::Result;
use crate::hyper::Hyper;
use crate::setters::setters;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, GradientTransformation, Transform};
use crate::transforms::{add_decayed_weights, check_decay, check_nonneg, scale_by_learning_rate};
use crate::tree::{self, Tree};

/// Simplified AdEMAMix's scaling (`optax.contrib.scale_by_simplified_ademamix`).
#[derive(Clone, Debug)]
pub struct ScaleBySimplifiedAdemamix {
    pub(crate) b1: Hyper,
    pub(crate) b2: Hyper,
    pub(crate) alpha: Hyper,
    pub(crate) eps: Hyper,
    pub(crate) eps_root: Hyper,
}

/// `optax.contrib.scale_by_simplified_ademamix(b1=0.99, b2=0.95, alpha=0.0, eps=1e-8,
/// eps_root=0.0)` (`alpha` may be a schedule).
pub fn scale_by_simplified_ademamix() -> ScaleBySimplifiedAdemamix {
    ScaleBySimplifiedAdemamix {
        b1: 0.99.into(),
        b2: 0.95.into(),
        alpha: 0.0.into(),
        eps: 1e-8.into(),
        eps_root: 0.0.into(),
    }
}

impl ScaleBySimplifiedAdemamix {
    setters! {
        /// Decay of the accumulated momentum.
        b1: impl Into<Hyper>;

        /// Decay of the second moment.
        b2: impl Into<Hyper>;

        /// Weight of the current gradient in the numerator (number or schedule).
        alpha: impl Into<Hyper>;

        /// Added to the denominator outside the square root.
        eps: impl Into<Hyper>;

        /// Added to the second moment inside the square root.
        eps_root: impl Into<Hyper>;
    }
}

const KIND: &str = "ScaleBySimplifiedAdEMAMixState";

impl Transform for ScaleBySimplifiedAdemamix {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        Ok(State::record(
            KIND,
            vec![
                ("t", State::Int(0)),
                ("m", State::Tree(tree::zeros_like(params))),
                ("n", State::Tree(tree::zeros_like(params))),
            ],
        ))
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        _params: Option<&Tree>,
        _extra: &Extra,
    ) -> Result<(Tree, State)> {
        state.expect_record(KIND)?;
        let t = state.field("t")?.as_int()?;
        let m = state.field("m")?.tree_like(&updates)?;
        let n = state.field("n")?.tree_like(&updates)?;
        let (b1, b2) = (self.b1.scalar("b1")?, self.b2.scalar("b2")?);
        let (eps, eps_root) = (self.eps.scalar("eps")?, self.eps_root.scalar("eps_root")?);
        let alpha = self.alpha.at(t);

        let m = updates.zip_map(m, |g, m| g + b1.mul_tensor(m))?;
        let n = updates.zip_map(n, |g, n| {
            let g2 = g.clone() * g;
            g2.clone() + b2.mul_tensor(n - g2)
        })?;
        let t_inc = safe_increment(t);
        let n_hat = tree::bias_correction(&n, &b2, t_inc);
        let num = m.zip_map(&updates, |m, g| m + alpha.mul_tensor(g))?;
        let out = num.zip_map(&n_hat, |u, v| {
            u / eps.add_tensor(eps_root.add_tensor(v).sqrt())
        })?;
        Ok((
            out,
            State::record(
                KIND,
                vec![
                    ("t", State::Int(t_inc)),
                    ("m", State::Tree(m)),
                    ("n", State::Tree(n)),
                ],
            ),
        ))
    }

    fn validate(&self) -> Result<()> {
        check_decay(&self.b1, "b1")?;
        check_decay(&self.b2, "b2")?;
        check_nonneg(&self.eps, "eps")?;
        check_nonneg(&self.eps_root, "eps_root")
    }
}

/// `chain(scale_by_simplified_ademamix(..), add_decayed_weights(weight_decay, mask),
/// scale_by_learning_rate(learning_rate))` (`optax.contrib.simplified_ademamix`).
#[derive(Clone, Debug)]
pub struct SimplifiedAdemamix {
    pub(crate) learning_rate: Hyper,
    pub(crate) b1: Hyper,
    pub(crate) b2: Hyper,
    pub(crate) alpha: Hyper,
    pub(crate) eps: Hyper,
    pub(crate) eps_root: Hyper,
    pub(crate) weight_decay: Hyper,
    pub(crate) mask: Option<Mask>,
    built: Built,
}

/// `optax.contrib.simplified_ademamix(learning_rate, b1=0.99, b2=0.95, alpha=0.0, eps=1e-8,
/// eps_root=0.0, weight_decay=0.0, mask=None)`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::contrib::simplified_ademamix;
/// use optax_core::prelude::*;
///
/// let device = Device::flex();
/// let params = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::ones([2], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()?;
/// let opt = simplified_ademamix(1e-3).alpha(2.0);
/// let mut state = opt.init(&params)?;
/// let grads = params.map(|t| t.ones_like());
/// let updates = opt.update_in_place(grads, &mut state, Some(&params), &Extra::none())?;
/// let params = apply_updates(&params, &updates)?;
/// # let _ = params;
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn simplified_ademamix(learning_rate: impl Into<Hyper>) -> SimplifiedAdemamix {
    SimplifiedAdemamix {
        learning_rate: learning_rate.into(),
        b1: 0.99.into(),
        b2: 0.95.into(),
        alpha: 0.0.into(),
        eps: 1e-8.into(),
        eps_root: 0.0.into(),
        weight_decay: 0.0.into(),
        mask: None,
        built: Built::default(),
    }
}

impl SimplifiedAdemamix {
    alias_setters! {
        /// Decay of the accumulated momentum.
        b1: impl Into<Hyper>;

        /// Decay of the second moment.
        b2: impl Into<Hyper>;

        /// Weight of the current gradient (number or schedule).
        alpha: impl Into<Hyper>;

        /// Added to the denominator outside the square root.
        eps: impl Into<Hyper>;

        /// Added to the second moment inside the square root.
        eps_root: impl Into<Hyper>;

        /// Decoupled weight decay rate.
        weight_decay: impl Into<Hyper>;

        /// Decay only the leaves where `mask` is true.
        mask: Some(impl Into<Mask>);

        /// Sets or clears the mask.
        mask_opt(mask: Option<Mask>);
    }

    /// The chain this alias stands for.
    pub fn build(&self) -> GradientTransformation {
        let scaling = ScaleBySimplifiedAdemamix {
            b1: self.b1.clone(),
            b2: self.b2.clone(),
            alpha: self.alpha.clone(),
            eps: self.eps.clone(),
            eps_root: self.eps_root.clone(),
        };
        GradientTransformation::new(chain![
            scaling,
            add_decayed_weights(self.weight_decay.clone()).mask_opt(self.mask.clone()),
            scale_by_learning_rate(self.learning_rate.clone())
        ])
    }

    fn check(&self) -> Result<()> {
        Ok(())
    }
}

alias_transform!(SimplifiedAdemamix);
