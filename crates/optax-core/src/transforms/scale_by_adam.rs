//! `scale_by_adam`: rescale updates by Adam's bias-corrected moments.
//!
//! Kingma & Ba, *Adam: A Method for Stochastic Optimization*, ICLR 2015
//! (<https://arxiv.org/abs/1412.6980>); the Nesterov form is Dozat, *Incorporating Nesterov
//! Momentum into Adam*, ICLR 2016 workshop.
//!
//! ```text
//! m_t = b1·m_{t-1} + (1 - b1)·g_t
//! v_t = b2·v_{t-1} + (1 - b2)·g_t²
//! m̂_t = m_t / (1 - b1^t)                                     (plain)
//! m̂_t = b1·m_t / (1 - b1^{t+1}) + (1 - b1)·g_t / (1 - b1^t)   (nesterov)
//! v̂_t = v_t / (1 - b2^t)
//! u_t = m̂_t / (sqrt(v̂_t + eps_root) + eps)
//! ```

use burn::tensor::DType;

use crate::error::Result;
use crate::hyper::Hyper;
use crate::setters::setters;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, Transform};
use crate::tree::{self, Tree};

/// Adam's scaling (`optax.scale_by_adam`). State `ScaleByAdamState(count, mu, nu)`.
#[derive(Clone, Debug)]
pub struct ScaleByAdam {
    pub(crate) b1: Hyper,
    pub(crate) b2: Hyper,
    pub(crate) eps: Hyper,
    pub(crate) eps_root: Hyper,
    pub(crate) mu_dtype: Option<DType>,
    pub(crate) nesterov: bool,
}

/// `optax.scale_by_adam(b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, mu_dtype=None, *, nesterov=False)`.
pub fn scale_by_adam() -> ScaleByAdam {
    ScaleByAdam {
        b1: 0.9.into(),
        b2: 0.999.into(),
        eps: 1e-8.into(),
        eps_root: 0.0.into(),
        mu_dtype: None,
        nesterov: false,
    }
}

impl ScaleByAdam {
    setters! {
        /// Decay of the first moment.
        b1: impl Into<Hyper>;

        /// Decay of the second moment.
        b2: impl Into<Hyper>;

        /// Added to the denominator outside the square root.
        eps: impl Into<Hyper>;

        /// Added to the second moment inside the square root.
        eps_root: impl Into<Hyper>;

        /// Storage dtype of the first moment.
        mu_dtype: Option<DType>;

        /// Nesterov momentum (NAdam).
        nesterov: bool;
    }
}

/// Checks a decay rate in `[0, 1)`.
pub(crate) fn check_decay(h: &Hyper, name: &str) -> Result<()> {
    h.scalar(name)?;
    h.check(name, |v| (0.0..1.0).contains(&v), "must be in [0, 1)")
}

/// Checks a non-negative, finite constant.
pub(crate) fn check_nonneg(h: &Hyper, name: &str) -> Result<()> {
    h.scalar(name)?;
    h.check(
        name,
        |v| v >= 0.0 && v.is_finite(),
        "must be finite and >= 0",
    )
}

/// The layout of `ScaleByAdamState(count, mu, nu)`: Optax's names in Optax's order, named
/// here only (the fused adapter, `fused_adam.rs`, reads the same constants).
pub(crate) struct ScaleByAdamState;

impl ScaleByAdamState {
    pub(crate) const KIND: &'static str = "ScaleByAdamState";
    pub(crate) const COUNT: &'static str = "count";
    pub(crate) const MU: &'static str = "mu";
    pub(crate) const NU: &'static str = "nu";

    /// The record from its fields.
    pub(crate) fn record(count: State, mu: State, nu: State) -> State {
        State::record(
            Self::KIND,
            vec![(Self::COUNT, count), (Self::MU, mu), (Self::NU, nu)],
        )
    }
}

impl Transform for ScaleByAdam {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        let mu = match self.mu_dtype {
            Some(d) => tree::cast(&tree::zeros_like(params), d)?,
            None => tree::zeros_like(params),
        };
        Ok(ScaleByAdamState::record(
            State::Int(0),
            State::Tree(mu),
            State::Tree(tree::zeros_like(params)),
        ))
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        _params: Option<&Tree>,
        _extra: &Extra,
    ) -> Result<(Tree, State)> {
        state.expect_record(ScaleByAdamState::KIND)?;
        let count = state.field(ScaleByAdamState::COUNT)?.as_int()?;
        let mu = state.field(ScaleByAdamState::MU)?.tree_like(&updates)?;
        let nu = state.field(ScaleByAdamState::NU)?.tree_like(&updates)?;
        let (b1, b2) = (self.b1.scalar("b1")?, self.b2.scalar("b2")?);
        let (eps, eps_root) = (self.eps.scalar("eps")?, self.eps_root.scalar("eps_root")?);

        let mu = tree::update_moment(&updates, mu, &b1, 1)?;
        let nu = tree::update_moment_per_elem_norm(&updates, nu, &b2, 2)?;
        let count_inc = safe_increment(count);
        let mu_hat = if self.nesterov {
            let m = tree::bias_correction(&mu, &b1, safe_increment(count_inc));
            let g = tree::bias_correction(&updates, &b1, count_inc);
            let keep = 1.0 - b1.clone();
            m.zip_map(&g, |m, g| b1.mul_tensor(m) + keep.mul_tensor(g))?
        } else {
            tree::bias_correction(&mu, &b1, count_inc)
        };
        let nu_hat = tree::bias_correction(&nu, &b2, count_inc);
        let updates = mu_hat.zip_map(&nu_hat, |m, v| {
            m / eps.add_tensor(eps_root.add_tensor(v).sqrt())
        })?;
        let mu = match self.mu_dtype {
            Some(d) => tree::cast(&mu, d)?,
            None => mu,
        };
        Ok((
            updates,
            ScaleByAdamState::record(State::Int(count_inc), State::Tree(mu), State::Tree(nu)),
        ))
    }

    fn validate(&self) -> Result<()> {
        check_decay(&self.b1, "b1")?;
        check_decay(&self.b2, "b2")?;
        check_nonneg(&self.eps, "eps")?;
        check_nonneg(&self.eps_root, "eps_root")
    }
}
