//! ADOPT (`scale_by_adopt`, `adopt`): Adam whose first moment averages gradients already
//! normalised by the *previous* second moment, so the step converges for any `b2`.
//!
//! Taniguchi, Harada, Minegishi, Oshima, Jeong, Nagahara, Iiyama, Suzuki, Iwasawa & Matsuo,
//! *ADOPT: Modified Adam Can Converge with Any β2 with the Optimal Rate*, NeurIPS 2024
//! (<https://arxiv.org/abs/2411.02853>).
//!
//! With `t` the step count before the update (`b1_t = b1, b2_t = b2` for `t > 0`, and
//! `b1_0 = 1, b2_0 = 0`, so the first step only fills `v`):
//!
//! ```text
//! v_t = b2_t·v_{t-1} + (1 - b2_t)·g_t²
//! n_t = clip(g_t / max(sqrt(v_{t-1}), eps), -c(t), c(t))     c(t) = clip_value_fn(t) = t^0.25
//! m_t = b1_t·m_{t-1} + (1 - b1_t)·n_t
//! u_t = m_t                                                  (plain)
//! u_t = b1_t·m_t + (1 - b1_t)·n_t                            (nesterov)
//! ```
//!
//! (without `use_clipping`, `n_t` is not clipped). The state is Optax's
//! `ScaleByAdamState(count, mu, nu)`.

use std::fmt;
use std::sync::Arc;

use burn::tensor::DType;

use crate::alias::built::{alias_setters, alias_transform, Built};
use crate::chain;
use crate::error::Result;
use crate::hyper::{Hyper, Scalar};
use crate::setters::setters;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, GradientTransformation, Transform};
use crate::transforms::scale_by_learning_rate;
use crate::tree::{self, Tree};

use super::common::{f32r, host};

/// ADOPT's clipping bound as a function of the step count (Optax's `clip_value_fn`).
#[derive(Clone)]
pub struct ClipValueFn(pub Arc<dyn Fn(i64) -> f64 + Send + Sync>);

impl ClipValueFn {
    /// Wraps a function of the step count.
    pub fn new(f: impl Fn(i64) -> f64 + Send + Sync + 'static) -> Self {
        ClipValueFn(Arc::new(f))
    }

    /// Optax's default, `count ** 0.25` in float32.
    pub fn quarter_power() -> Self {
        ClipValueFn::new(|count| f64::from((count as f32).powf(0.25)))
    }
}

impl fmt::Debug for ClipValueFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClipValueFn")
    }
}

/// ADOPT's scaling (`optax.contrib.scale_by_adopt`). State `ScaleByAdamState(count, mu, nu)`.
#[derive(Clone, Debug)]
pub struct ScaleByAdopt {
    pub(crate) b1: Hyper,
    pub(crate) b2: Hyper,
    pub(crate) eps: Hyper,
    pub(crate) mu_dtype: Option<DType>,
    pub(crate) nesterov: bool,
    pub(crate) use_clipping: bool,
    pub(crate) clip_value_fn: ClipValueFn,
}

/// `optax.contrib.scale_by_adopt(b1=0.9, b2=0.9999, eps=1e-6, mu_dtype=None, *,
/// nesterov=False, use_clipping=True, clip_value_fn=lambda x: x**0.25)`.
pub fn scale_by_adopt() -> ScaleByAdopt {
    ScaleByAdopt {
        b1: 0.9.into(),
        b2: 0.9999.into(),
        eps: 1e-6.into(),
        mu_dtype: None,
        nesterov: false,
        use_clipping: true,
        clip_value_fn: ClipValueFn::quarter_power(),
    }
}

impl ScaleByAdopt {
    setters! {
        /// Decay of the first moment.
        b1: impl Into<Hyper>;

        /// Decay of the second moment.
        b2: impl Into<Hyper>;

        /// Lower bound of `sqrt(v)` in the normalisation.
        eps: impl Into<Hyper>;

        /// Storage dtype of the first moment.
        mu_dtype: Option<DType>;

        /// Nesterov momentum.
        nesterov: bool;

        /// Whether the normalised gradient is clipped to `±clip_value_fn(count)`.
        use_clipping: bool;

        /// The clipping bound as a function of the step count.
        clip_value_fn: ClipValueFn;
    }
}

impl Transform for ScaleByAdopt {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        let mu = match self.mu_dtype {
            Some(d) => tree::cast(&tree::zeros_like(params), d)?,
            None => tree::zeros_like(params),
        };
        Ok(State::record(
            "ScaleByAdamState",
            vec![
                ("count", State::Int(0)),
                ("mu", State::Tree(mu)),
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
        state.expect_record("ScaleByAdamState")?;
        let count = state.field("count")?.as_int()?;
        let mu = state.field("mu")?.tree_like(&updates)?;
        let nu = state.field("nu")?.tree_like(&updates)?;
        let (b1, b2, eps) = (
            host(&self.b1, "b1")?,
            host(&self.b2, "b2")?,
            host(&self.eps, "eps")?,
        );
        // `jnp.where(count > 0, b, ..)`: float32 arrays, so `1 - b` is a float32 difference.
        let (b1_, b2_) = if count > 0 {
            (Scalar::Value(f32r(b1)), Scalar::Value(f32r(b2)))
        } else {
            (Scalar::Value(1.0), Scalar::Value(0.0))
        };
        let nu_next = tree::update_moment_per_elem_norm(&updates, nu, &b2_, 2)?;
        let clip = self
            .use_clipping
            .then(|| (self.clip_value_fn.0)(count) as f32);
        let normed = updates.zip_map(nu, |g, v| {
            let n = g / v.sqrt().clamp_min(eps as f32);
            match clip {
                Some(c) => n.clamp(-c, c),
                None => n,
            }
        })?;
        let mu = match self.mu_dtype {
            Some(_) => tree::cast(mu, DType::F32)?,
            None => mu.clone(),
        };
        let mu = tree::update_moment(&normed, &mu, &b1_, 1)?;
        let out = if self.nesterov {
            tree::update_moment(&normed, &mu, &b1_, 1)?
        } else {
            mu.clone()
        };
        let mu = match self.mu_dtype {
            Some(d) => tree::cast(&mu, d)?,
            None => mu,
        };
        Ok((
            out,
            State::record(
                "ScaleByAdamState",
                vec![
                    ("count", State::Int(safe_increment(count))),
                    ("mu", State::Tree(mu)),
                    ("nu", State::Tree(nu_next)),
                ],
            ),
        ))
    }

    fn validate(&self) -> Result<()> {
        use crate::transforms::{check_decay, check_nonneg};
        check_decay(&self.b1, "b1")?;
        check_decay(&self.b2, "b2")?;
        check_nonneg(&self.eps, "eps")
    }
}

/// `chain(scale_by_adopt(..), scale_by_learning_rate(learning_rate))`
/// (`optax.contrib.adopt`).
#[derive(Clone, Debug)]
pub struct Adopt {
    pub(crate) learning_rate: Hyper,
    pub(crate) b1: Hyper,
    pub(crate) b2: Hyper,
    pub(crate) eps: Hyper,
    pub(crate) mu_dtype: Option<DType>,
    pub(crate) nesterov: bool,
    pub(crate) use_clipping: bool,
    pub(crate) clip_value_fn: ClipValueFn,
    built: Built,
}

/// `optax.contrib.adopt(learning_rate, b1=0.9, b2=0.9999, eps=1e-6, mu_dtype=None, *,
/// nesterov=False, use_clipping=True, clip_value_fn=lambda x: x**0.25)`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::contrib::adopt;
/// use optax_core::prelude::*;
///
/// let device = Device::flex();
/// let params = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::ones([2], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()?;
/// let opt = adopt(1e-3);
/// let mut state = opt.init(&params)?;
/// let grads = params.map(|t| t.ones_like());
/// let updates = opt.update_in_place(grads, &mut state, Some(&params), &Extra::none())?;
/// let params = apply_updates(&params, &updates)?;
/// # let _ = params;
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn adopt(learning_rate: impl Into<Hyper>) -> Adopt {
    Adopt {
        learning_rate: learning_rate.into(),
        b1: 0.9.into(),
        b2: 0.9999.into(),
        eps: 1e-6.into(),
        mu_dtype: None,
        nesterov: false,
        use_clipping: true,
        clip_value_fn: ClipValueFn::quarter_power(),
        built: Built::default(),
    }
}

impl Adopt {
    alias_setters! {
        /// Decay of the first moment.
        b1: impl Into<Hyper>;

        /// Decay of the second moment.
        b2: impl Into<Hyper>;

        /// Lower bound of `sqrt(v)` in the normalisation.
        eps: impl Into<Hyper>;

        /// Storage dtype of the first moment.
        mu_dtype: Option<DType>;

        /// Nesterov momentum.
        nesterov: bool;

        /// Whether the normalised gradient is clipped to `±clip_value_fn(count)`.
        use_clipping: bool;

        /// The clipping bound as a function of the step count.
        clip_value_fn: ClipValueFn;
    }

    /// The chain this alias stands for.
    pub fn build(&self) -> GradientTransformation {
        let scaling = ScaleByAdopt {
            b1: self.b1.clone(),
            b2: self.b2.clone(),
            eps: self.eps.clone(),
            mu_dtype: self.mu_dtype,
            nesterov: self.nesterov,
            use_clipping: self.use_clipping,
            clip_value_fn: self.clip_value_fn.clone(),
        };
        GradientTransformation::new(chain![
            scaling,
            scale_by_learning_rate(self.learning_rate.clone())
        ])
    }

    fn check(&self) -> Result<()> {
        Ok(())
    }
}

alias_transform!(Adopt);
