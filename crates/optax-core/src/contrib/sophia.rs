//! `sophia`: Sophia, clipped second-order steps with a Hessian-diagonal estimate.
//!
//! Liu, Li, Hall, Liang & Ma, *Sophia: A Scalable Stochastic Second-order Optimizer for
//! Language Model Pre-training*, 2023 (<https://arxiv.org/abs/2305.14342>); Optax's version
//! follows Levanter (<https://github.com/stanford-crfm/levanter>).
//!
//! ```text
//! m_t = b1·m_{t-1} + (1 - b1)·g_t,           m̂_t = m_t / (1 - b1^t)
//! u_t = clip(m̂_t / max(γ·h_{t-1}, eps), -clip_threshold, clip_threshold)
//! h_t = b2·h_{t-1} + (1 - b2)·ĥ_t   if (t - 1) mod update_interval = 0, else h_{t-1}
//!       (ĥ_t: the output of hessian_diagonal_fn at the current parameters)
//! sophia: u_t ← -lr·(u_t + weight_decay·p_t)
//! ```

use burn::tensor::DType;

use super::hutchinson_estimator::hutchinson_estimator_diag_hessian;
use crate::alias::built::{alias_setters, alias_transform, Built};
use crate::chain;
use crate::combine::Mask;
use crate::error::{OptaxError, Result};
use crate::hyper::Hyper;
use crate::setters::setters;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, GradientTransformation, IntoTransformation, Transform};
use crate::transforms::{add_decayed_weights, scale_by_learning_rate};
use crate::tree::{self, Tree};

/// Sophia's scaling (Optax's `scale_by_sophia`, which `optax.contrib` does not export).
/// State `SophiaState(count, mu, nu, hessian_fn_state)`.
#[derive(Clone, Debug)]
pub struct ScaleBySophia {
    pub(crate) b1: Hyper,
    pub(crate) b2: Hyper,
    pub(crate) eps: f64,
    pub(crate) gamma: f64,
    pub(crate) clip_threshold: Option<f64>,
    pub(crate) update_interval: i64,
    pub(crate) hessian_diagonal_fn: GradientTransformation,
    pub(crate) mu_dtype: Option<DType>,
    pub(crate) verbose: bool,
    pub(crate) print_win_rate_every_n_steps: i64,
}

/// `scale_by_sophia(b1=0.965, b2=0.99, eps=1e-8, gamma=0.01, clip_threshold=1.0,
/// update_interval=10, hessian_diagonal_fn=hutchinson_estimator_diag_hessian(),
/// mu_dtype=None, verbose=False, print_win_rate_every_n_steps=0)`.
pub fn scale_by_sophia() -> ScaleBySophia {
    ScaleBySophia {
        b1: 0.965.into(),
        b2: 0.99.into(),
        eps: 1e-8,
        gamma: 0.01,
        clip_threshold: Some(1.0),
        update_interval: 10,
        hessian_diagonal_fn: hutchinson_estimator_diag_hessian().into_transformation(),
        mu_dtype: None,
        verbose: false,
        print_win_rate_every_n_steps: 0,
    }
}

impl ScaleBySophia {
    setters! {
        /// Decay of the first moment.
        b1: impl Into<Hyper>;
        /// Decay of the Hessian-diagonal average.
        b2: impl Into<Hyper>;
        /// Lower bound of the denominator.
        eps: f64;
        /// Scale of the Hessian diagonal in the denominator.
        gamma: f64;
        /// Clipping threshold of the updates.
        clip_threshold: Some(f64);
        /// Sets or clears the clipping threshold.
        clip_threshold_opt(clip_threshold: Option<f64>);
        /// Steps between Hessian-diagonal estimates.
        update_interval: i64;
        /// The Hessian-diagonal estimator (a transformation of the gradients).
        hessian_diagonal_fn: GradientTransformation;
        /// Storage dtype of the first moment.
        mu_dtype: Option<DType>;
        /// Log the win rate (fraction of unclipped updates).
        verbose: bool;
        /// Log the win rate every n steps (0: never).
        print_win_rate_every_n_steps: i64;
    }

    fn check(&self) -> Result<()> {
        crate::transforms::check_decay(&self.b1, "b1")?;
        crate::transforms::check_decay(&self.b2, "b2")?;
        if self.update_interval < 1 {
            return Err(OptaxError::invalid("update_interval", "must be >= 1"));
        }
        if !(self.eps >= 0.0 && self.eps.is_finite()) {
            return Err(OptaxError::invalid("eps", "must be finite and >= 0"));
        }
        if !self.gamma.is_finite() {
            return Err(OptaxError::invalid("gamma", "must be finite"));
        }
        if let Some(c) = self.clip_threshold {
            if c.is_nan() || c < 0.0 {
                return Err(OptaxError::invalid("clip_threshold", "must be >= 0"));
            }
        }
        Ok(())
    }
}

impl Transform for ScaleBySophia {
    fn init(&self, params: &Tree) -> Result<State> {
        self.check()?;
        let mu = match self.mu_dtype {
            Some(d) => tree::cast(&tree::zeros_like(params), d)?,
            None => tree::zeros_like(params),
        };
        Ok(State::record(
            "SophiaState",
            vec![
                ("count", State::Int(0)),
                ("mu", State::Tree(mu)),
                ("nu", State::Tree(tree::zeros_like(params))),
                ("hessian_fn_state", self.hessian_diagonal_fn.init(params)?),
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
        state.expect_record("SophiaState")?;
        let params = params.ok_or_else(|| OptaxError::params_required("sophia"))?;
        let count = state.field("count")?.as_int()?;
        let mu = state.field("mu")?.tree_like(&updates)?;
        let nu = state.field("nu")?.tree_like(&updates)?;
        let hess_state = state.field("hessian_fn_state")?;
        let (b1, b2) = (self.b1.scalar("b1")?, self.b2.scalar("b2")?);
        let count_inc = safe_increment(count);
        let grads = updates;

        let mu = tree::update_moment(&grads, mu, &b1, 1)?;
        let mu_hat = tree::bias_correction(&mu, &b1, count_inc);
        let (gamma, eps) = (self.gamma, self.eps as f32 as f64);
        let mut updates = mu_hat.zip_map(nu, |m, h| m / h.mul_scalar(gamma).clamp_min(eps))?;
        if let Some(c) = self.clip_threshold {
            if self.verbose
                && self.print_win_rate_every_n_steps > 0
                && count_inc % self.print_win_rate_every_n_steps == 0
            {
                let kept: f64 = updates
                    .to_vecs()?
                    .iter()
                    .flatten()
                    .filter(|u| (u.abs() as f64) < c)
                    .count() as f64;
                log::info!(
                    "Sophia optimizer win rate: {}",
                    kept / tree::size(&updates).max(1) as f64
                );
            }
            updates = updates.into_map(|u| u.clamp(-c, c));
        }
        let (hess_state, nu) = if count.rem_euclid(self.update_interval) == 0 {
            let (diag, s) =
                self.hessian_diagonal_fn
                    .update(grads.clone(), hess_state, Some(params), extra)?;
            grads.check_same_structure(&diag)?;
            (s, tree::update_moment(&diag, nu, &b2, 1)?)
        } else {
            (hess_state.clone(), nu.clone())
        };
        let mu = match self.mu_dtype {
            Some(d) => tree::cast(&mu, d)?,
            None => mu,
        };
        Ok((
            updates,
            State::record(
                "SophiaState",
                vec![
                    ("count", State::Int(count_inc)),
                    ("mu", State::Tree(mu)),
                    ("nu", State::Tree(nu)),
                    ("hessian_fn_state", hess_state),
                ],
            ),
        ))
    }

    fn validate(&self) -> Result<()> {
        self.check()?;
        self.hessian_diagonal_fn.validate()
    }
}

/// Sophia (`optax.contrib.sophia`): `chain(scale_by_sophia, add_decayed_weights,
/// scale_by_learning_rate)`.
///
/// Optax's signature: `sophia(learning_rate, b1=0.965, b2=0.99, eps=1e-8, weight_decay=1e-4,
/// weight_decay_mask=None, gamma=0.01, clip_threshold=1.0, update_interval=10,
/// hessian_diagonal_fn=hutchinson_estimator_diag_hessian(), mu_dtype=None, verbose=False,
/// print_win_rate_every_n_steps=0)`.
///
/// The default estimator needs the extra argument `obj_fn`, here the **gradient** of the
/// objective (an [`ObjGradFn`](super::ObjGradFn)); see
/// [`hutchinson_estimator_diag_hessian`](super::hutchinson_estimator_diag_hessian).
///
/// ```
/// use std::sync::Arc;
/// use burn::tensor::{Device, Tensor};
/// use optax_core::contrib::{sophia, ObjGradFn};
/// use optax_core::{Extra, Transform, Tree};
///
/// let device = Device::flex();
/// let p = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::ones([2], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()
///     .unwrap();
/// let grad: ObjGradFn = Arc::new(|p: &Tree| Ok(p.map(|x| x.mul_scalar(2.0))));
/// let opt = sophia(0.1);
/// let state = opt.init(&p).unwrap();
/// let g = grad(&p).unwrap();
/// let extra = Extra::none().with_fn("obj_fn", grad);
/// let (u, _) = opt.update(g, &state, Some(&p), &extra).unwrap();
/// assert_eq!(u.len(), 3);
/// ```
#[derive(Clone, Debug)]
pub struct Sophia {
    pub(crate) learning_rate: Hyper,
    pub(crate) scaling: ScaleBySophia,
    pub(crate) weight_decay: Hyper,
    pub(crate) weight_decay_mask: Option<Mask>,
    built: Built,
}

/// `optax.contrib.sophia(learning_rate)` with Optax's defaults.
pub fn sophia(learning_rate: impl Into<Hyper>) -> Sophia {
    Sophia {
        learning_rate: learning_rate.into(),
        scaling: scale_by_sophia(),
        weight_decay: 1e-4.into(),
        weight_decay_mask: None,
        built: Built::default(),
    }
}

impl Sophia {
    alias_setters! {
        /// Decoupled weight decay.
        weight_decay: impl Into<Hyper>;
        /// Which leaves are decayed.
        weight_decay_mask: Some(impl Into<Mask>);
        /// Sets or clears the weight-decay mask.
        weight_decay_mask_opt(weight_decay_mask: Option<Mask>);
    }

    /// Sets the arguments of the scaling (`b1`, `b2`, `eps`, `gamma`, `clip_threshold`,
    /// `update_interval`, `hessian_diagonal_fn`, `mu_dtype`, `verbose`,
    /// `print_win_rate_every_n_steps`), e.g. `.with_scaling(|s| s.gamma(0.05))`.
    pub fn with_scaling(mut self, f: impl FnOnce(ScaleBySophia) -> ScaleBySophia) -> Self {
        self.scaling = f(self.scaling);
        self.built = Built::default();
        self
    }

    /// The transformation Sophia stands for.
    pub fn build(&self) -> GradientTransformation {
        GradientTransformation::new(chain![
            self.scaling.clone(),
            add_decayed_weights(self.weight_decay.clone()).mask_opt(self.weight_decay_mask.clone()),
            scale_by_learning_rate(self.learning_rate.clone()),
        ])
    }

    fn check(&self) -> Result<()> {
        self.scaling.check()
    }
}

alias_transform!(Sophia);
