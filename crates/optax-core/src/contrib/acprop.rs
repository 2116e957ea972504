//! ACProp (`scale_by_acprop`, `acprop`): asynchronous centering — the gradient is divided by
//! the belief-style second moment of the *previous* step, so the numerator and the
//! denominator are independent.
//!
//! Zhuang, Ding, Tang, Dvornek, Tatikonda & Duncan, *Momentum Centering and Asynchronous
//! Update for Adaptive Gradient Methods*, NeurIPS 2021 (<https://arxiv.org/abs/2110.05454>).
//!
//! With `t` the step count before the update:
//!
//! ```text
//! m_t = b1·m_{t-1} + (1 - b1)·g_t
//! s_t = b2·s_{t-1} + (1 - b2)·(g_t - m_{t-1})² + eps_root
//! ŝ   = 1                              (t = 0)
//! ŝ   = s_{t-1} / (1 - b2^t)           (t > 0)
//! u_t = g_t / (sqrt(ŝ) + eps)
//! ```
//!
//! Optax returns the scaled *gradient*; the first moment is kept in the state only. State
//! `ScaleByBeliefState(count, mu, nu)`.

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

/// ACProp's scaling (`optax.contrib.scale_by_acprop`).
#[derive(Clone, Debug)]
pub struct ScaleByAcprop {
    pub(crate) b1: Hyper,
    pub(crate) b2: Hyper,
    pub(crate) eps: Hyper,
    pub(crate) eps_root: Hyper,
}

/// `optax.contrib.scale_by_acprop(b1=0.9, b2=0.999, eps=1e-16, eps_root=1e-16)`.
pub fn scale_by_acprop() -> ScaleByAcprop {
    ScaleByAcprop {
        b1: 0.9.into(),
        b2: 0.999.into(),
        eps: 1e-16.into(),
        eps_root: 1e-16.into(),
    }
}

impl ScaleByAcprop {
    setters! {
        /// Decay of the first moment.
        b1: impl Into<Hyper>;

        /// Decay of the centred second moment.
        b2: impl Into<Hyper>;

        /// Added to the denominator outside the square root.
        eps: impl Into<Hyper>;

        /// Added to the second moment after each update.
        eps_root: impl Into<Hyper>;
    }
}

const KIND: &str = "ScaleByBeliefState";

impl Transform for ScaleByAcprop {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        Ok(State::record(
            KIND,
            vec![
                ("count", State::Int(0)),
                ("mu", State::Tree(tree::zeros_like(params))),
                ("nu", State::Tree(tree::zeros_like(params))),
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
        let count = state.field("count")?.as_int()?;
        let mu_prev = state.field("mu")?.tree_like(&updates)?;
        let nu_prev = state.field("nu")?.tree_like(&updates)?;
        let (b1, b2) = (self.b1.scalar("b1")?, self.b2.scalar("b2")?);
        let (eps, eps_root) = (self.eps.scalar("eps")?, self.eps_root.scalar("eps_root")?);

        let mu = tree::update_moment(&updates, mu_prev, &b1, 1)?;
        let err = updates.zip_map(mu_prev, |g, m| g - m)?;
        let nu = tree::update_moment_per_elem_norm(&err, nu_prev, &b2, 2)?
            .into_map(|v| eps_root.add_tensor(v));
        let count_inc = safe_increment(count);
        let out = if count == 0 {
            // `nu_hat = 1`: the first step divides by `1 + eps`.
            updates.map(|g| g.clone() / eps.add_tensor(g.ones_like()))
        } else {
            let nu_hat = tree::bias_correction(nu_prev, &b2, count);
            updates.zip_map(&nu_hat, |g, v| g / eps.add_tensor(v.sqrt()))?
        };
        Ok((
            out,
            State::record(
                KIND,
                vec![
                    ("count", State::Int(count_inc)),
                    ("mu", State::Tree(mu)),
                    ("nu", State::Tree(nu)),
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

/// `chain(scale_by_acprop(..), add_decayed_weights(weight_decay, mask),
/// scale_by_learning_rate(learning_rate))` (`optax.contrib.acprop`).
#[derive(Clone, Debug)]
pub struct Acprop {
    pub(crate) learning_rate: Hyper,
    pub(crate) b1: Hyper,
    pub(crate) b2: Hyper,
    pub(crate) eps: Hyper,
    pub(crate) eps_root: Hyper,
    pub(crate) weight_decay: Hyper,
    pub(crate) mask: Option<Mask>,
    built: Built,
}

/// `optax.contrib.acprop(learning_rate, b1=0.9, b2=0.999, eps=1e-16, eps_root=1e-16,
/// weight_decay=0.0, mask=None)`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::contrib::acprop;
/// use optax_core::prelude::*;
///
/// let device = Device::flex();
/// let params = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::ones([2], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()?;
/// let opt = acprop(1e-3);
/// let mut state = opt.init(&params)?;
/// let grads = params.map(|t| t.ones_like());
/// let updates = opt.update_in_place(grads, &mut state, Some(&params), &Extra::none())?;
/// let params = apply_updates(&params, &updates)?;
/// # let _ = params;
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn acprop(learning_rate: impl Into<Hyper>) -> Acprop {
    Acprop {
        learning_rate: learning_rate.into(),
        b1: 0.9.into(),
        b2: 0.999.into(),
        eps: 1e-16.into(),
        eps_root: 1e-16.into(),
        weight_decay: 0.0.into(),
        mask: None,
        built: Built::default(),
    }
}

impl Acprop {
    alias_setters! {
        /// Decay of the first moment.
        b1: impl Into<Hyper>;

        /// Decay of the centred second moment.
        b2: impl Into<Hyper>;

        /// Added to the denominator outside the square root.
        eps: impl Into<Hyper>;

        /// Added to the second moment after each update.
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
        let scaling = ScaleByAcprop {
            b1: self.b1.clone(),
            b2: self.b2.clone(),
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

alias_transform!(Acprop);
