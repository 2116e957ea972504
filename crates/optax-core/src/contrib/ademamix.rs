//! AdEMAMix (`scale_by_ademamix`, `ademamix`): Adam whose numerator mixes a fast and a slow
//! exponential moving average of the gradients.
//!
//! Pagliardini, Ablin & Grangier, *The AdEMAMix Optimizer: Better, Faster, Older*, 2024
//! (<https://arxiv.org/abs/2409.03137>).
//!
//! With `b3_t = b3(k)` and `alpha_t = alpha(k)` evaluated at the second counter `k`
//! (`count_m2`, before the update; both may be schedules):
//!
//! ```text
//! m1_t = b1·m1_{t-1} + (1 - b1)·g_t
//! m2_t = b3_t·m2_{t-1} + (1 - b3_t)·g_t
//! v_t  = b2·v_{t-1} + (1 - b2)·g_t²
//! u_t  = (m1_t/(1 - b1^t) + alpha_t·m2_t) / (sqrt(v_t/(1 - b2^t) + eps_root) + eps)
//! ```
//!
//! State `ScaleByAdemamixState(count, count_m2, m1, m2, nu)`.

use burn::tensor::DType;

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

/// AdEMAMix's scaling (`optax.contrib.scale_by_ademamix`).
#[derive(Clone, Debug)]
pub struct ScaleByAdemamix {
    pub(crate) b1: Hyper,
    pub(crate) b2: Hyper,
    pub(crate) b3: Hyper,
    pub(crate) alpha: Hyper,
    pub(crate) eps: Hyper,
    pub(crate) eps_root: Hyper,
    pub(crate) mu_dtype: Option<DType>,
}

/// `optax.contrib.scale_by_ademamix(b1=0.9, b2=0.999, b3=0.9999, alpha=6.0, eps=1e-8,
/// eps_root=0.0, mu_dtype=None)` (`b3` and `alpha` may be schedules).
pub fn scale_by_ademamix() -> ScaleByAdemamix {
    ScaleByAdemamix {
        b1: 0.9.into(),
        b2: 0.999.into(),
        b3: 0.9999.into(),
        alpha: 6.0.into(),
        eps: 1e-8.into(),
        eps_root: 0.0.into(),
        mu_dtype: None,
    }
}

impl ScaleByAdemamix {
    setters! {
        /// Decay of the fast first moment.
        b1: impl Into<Hyper>;

        /// Decay of the second moment.
        b2: impl Into<Hyper>;

        /// Decay of the slow first moment (number or schedule).
        b3: impl Into<Hyper>;

        /// Weight of the slow moment in the numerator (number or schedule).
        alpha: impl Into<Hyper>;

        /// Added to the denominator outside the square root.
        eps: impl Into<Hyper>;

        /// Added to the second moment inside the square root.
        eps_root: impl Into<Hyper>;

        /// Dtype of the moments at initialisation.
        mu_dtype: Option<DType>;
    }
}

const KIND: &str = "ScaleByAdemamixState";

/// A moment stored in `mu_dtype`, read as float32 (Optax's arithmetic promotes it).
fn as_f32(t: &Tree, mu_dtype: Option<DType>) -> Result<Tree> {
    match mu_dtype {
        Some(_) => tree::cast(t, DType::F32),
        None => Ok(t.clone()),
    }
}

impl Transform for ScaleByAdemamix {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        let zeros = || match self.mu_dtype {
            Some(d) => tree::cast(&tree::zeros_like(params), d),
            None => Ok(tree::zeros_like(params)),
        };
        Ok(State::record(
            KIND,
            vec![
                ("count", State::Int(0)),
                ("count_m2", State::Int(0)),
                ("m1", State::Tree(zeros()?)),
                ("m2", State::Tree(zeros()?)),
                ("nu", State::Tree(zeros()?)),
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
        let count_m2 = state.field("count_m2")?.as_int()?;
        let m1 = as_f32(state.field("m1")?.tree_like(&updates)?, self.mu_dtype)?;
        let m2 = as_f32(state.field("m2")?.tree_like(&updates)?, self.mu_dtype)?;
        let nu = as_f32(state.field("nu")?.tree_like(&updates)?, self.mu_dtype)?;
        let (b1, b2) = (self.b1.scalar("b1")?, self.b2.scalar("b2")?);
        let (eps, eps_root) = (self.eps.scalar("eps")?, self.eps_root.scalar("eps_root")?);
        let b3 = self.b3.at(count_m2);
        let alpha = self.alpha.at(count_m2);

        let m1 = tree::update_moment(&updates, &m1, &b1, 1)?;
        let m2 = tree::update_moment(&updates, &m2, &b3, 1)?;
        let nu = tree::update_moment_per_elem_norm(&updates, &nu, &b2, 2)?;
        let count_inc = safe_increment(count);
        let count_m2_inc = safe_increment(count_m2);
        let m1_hat = tree::bias_correction(&m1, &b1, count_inc);
        let nu_hat = tree::bias_correction(&nu, &b2, count_inc);
        let num = m1_hat.zip_map(&m2, |m1, m2| m1 + alpha.mul_tensor(m2))?;
        let out = num.zip_map(&nu_hat, |n, v| {
            n / eps.add_tensor(eps_root.add_tensor(v).sqrt())
        })?;
        Ok((
            out,
            State::record(
                KIND,
                vec![
                    ("count", State::Int(count_inc)),
                    ("count_m2", State::Int(count_m2_inc)),
                    ("m1", State::Tree(m1)),
                    ("m2", State::Tree(m2)),
                    ("nu", State::Tree(nu)),
                ],
            ),
        ))
    }

    fn validate(&self) -> Result<()> {
        check_decay(&self.b1, "b1")?;
        check_decay(&self.b2, "b2")?;
        // A schedule's values are known only when it runs.
        self.b3
            .check("b3", |v| (0.0..1.0).contains(&v), "must be in [0, 1)")?;
        check_nonneg(&self.eps, "eps")?;
        check_nonneg(&self.eps_root, "eps_root")
    }
}

/// `chain(scale_by_ademamix(..), add_decayed_weights(weight_decay, mask),
/// scale_by_learning_rate(learning_rate))` (`optax.contrib.ademamix`).
#[derive(Clone, Debug)]
pub struct Ademamix {
    pub(crate) learning_rate: Hyper,
    pub(crate) b1: Hyper,
    pub(crate) b2: Hyper,
    pub(crate) b3: Hyper,
    pub(crate) alpha: Hyper,
    pub(crate) eps: Hyper,
    pub(crate) eps_root: Hyper,
    pub(crate) mu_dtype: Option<DType>,
    pub(crate) weight_decay: Hyper,
    pub(crate) mask: Option<Mask>,
    built: Built,
}

/// `optax.contrib.ademamix(learning_rate, b1=0.9, b2=0.999, b3=0.9999, alpha=5.0, eps=1e-8,
/// eps_root=0.0, mu_dtype=None, weight_decay=0.0, mask=None)` (note `alpha=5.0` here and
/// `6.0` in `scale_by_ademamix`, as in Optax).
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::contrib::ademamix;
/// use optax_core::prelude::*;
///
/// let device = Device::flex();
/// let params = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::ones([2], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()?;
/// let opt = ademamix(1e-3).alpha(8.0);
/// let mut state = opt.init(&params)?;
/// let grads = params.map(|t| t.ones_like());
/// let updates = opt.update_in_place(grads, &mut state, Some(&params), &Extra::none())?;
/// let params = apply_updates(&params, &updates)?;
/// # let _ = params;
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn ademamix(learning_rate: impl Into<Hyper>) -> Ademamix {
    Ademamix {
        learning_rate: learning_rate.into(),
        b1: 0.9.into(),
        b2: 0.999.into(),
        b3: 0.9999.into(),
        alpha: 5.0.into(),
        eps: 1e-8.into(),
        eps_root: 0.0.into(),
        mu_dtype: None,
        weight_decay: 0.0.into(),
        mask: None,
        built: Built::default(),
    }
}

impl Ademamix {
    alias_setters! {
        /// Decay of the fast first moment.
        b1: impl Into<Hyper>;

        /// Decay of the second moment.
        b2: impl Into<Hyper>;

        /// Decay of the slow first moment (number or schedule).
        b3: impl Into<Hyper>;

        /// Weight of the slow moment (number or schedule).
        alpha: impl Into<Hyper>;

        /// Added to the denominator outside the square root.
        eps: impl Into<Hyper>;

        /// Added to the second moment inside the square root.
        eps_root: impl Into<Hyper>;

        /// Dtype of the moments at initialisation.
        mu_dtype: Option<DType>;

        /// Decoupled weight decay rate.
        weight_decay: impl Into<Hyper>;

        /// Decay only the leaves where `mask` is true.
        mask: Some(impl Into<Mask>);

        /// Sets or clears the mask.
        mask_opt(mask: Option<Mask>);
    }

    /// The chain this alias stands for.
    pub fn build(&self) -> GradientTransformation {
        let scaling = ScaleByAdemamix {
            b1: self.b1.clone(),
            b2: self.b2.clone(),
            b3: self.b3.clone(),
            alpha: self.alpha.clone(),
            eps: self.eps.clone(),
            eps_root: self.eps_root.clone(),
            mu_dtype: self.mu_dtype,
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

alias_transform!(Ademamix);
