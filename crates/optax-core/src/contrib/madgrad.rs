//! MADGRAD (`scale_by_madgrad`, `madgrad`): a momentumized, adaptive, dual-averaged gradient
//! method.
//!
//! Defazio & Jelassi, *Adaptivity without Compromise: A Momentumized, Adaptive, Dual Averaged
//! Gradient Method for Stochastic Optimization*, JMLR 2022 (<https://arxiv.org/abs/2101.11075>).
//!
//! With `k` the step count before the update and `lr_k` the learning rate (number or
//! schedule of `k`):
//!
//! ```text
//! λ_k   = (lr_k + eps)·sqrt(k + 1)
//! ν_k   = ν_{k-1} + λ_k·g_k²
//! s_k   = s_{k-1} + λ_k·g_k
//! z_k   = x_0 - s_k / (cbrt(ν_k) + eps)
//! x_k+1 = (1 - momentum)·z_k + momentum·x_k          u_k = x_k+1 - x_k
//! ```
//!
//! The update needs the parameters. State `MadgradState(count, grad_sum_sq, s, x0)`.

use crate::alias::built::{alias_setters, alias_transform, Built};
use crate::chain;
use crate::error::{OptaxError, Result};
use crate::hyper::Hyper;
use crate::setters::setters;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, GradientTransformation, Transform};
use crate::transforms::{add_decayed_weights, check_nonneg};
use crate::tree::{self, Tree};

/// MADGRAD's step (`optax.contrib.scale_by_madgrad`); it includes the learning rate.
#[derive(Clone, Debug)]
pub struct ScaleByMadgrad {
    pub(crate) learning_rate: Hyper,
    pub(crate) momentum: Hyper,
    pub(crate) eps: Hyper,
}

/// `optax.contrib.scale_by_madgrad(learning_rate, momentum=0.9, eps=1e-6)`.
pub fn scale_by_madgrad(learning_rate: impl Into<Hyper>) -> ScaleByMadgrad {
    ScaleByMadgrad {
        learning_rate: learning_rate.into(),
        momentum: 0.9.into(),
        eps: 1e-6.into(),
    }
}

impl ScaleByMadgrad {
    setters! {
        /// Weight of the current parameters in the averaging (`1 - momentum` of the dual
        /// iterate).
        momentum: impl Into<Hyper>;

        /// Added to the learning rate and to the cube root of the sum of squares.
        eps: impl Into<Hyper>;
    }
}

const KIND: &str = "MadgradState";

impl Transform for ScaleByMadgrad {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        Ok(State::record(
            KIND,
            vec![
                ("count", State::Int(0)),
                ("grad_sum_sq", State::Tree(tree::zeros_like(params))),
                ("s", State::Tree(tree::zeros_like(params))),
                ("x0", State::Tree(params.clone())),
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
        let params = params.ok_or_else(|| OptaxError::params_required("scale_by_madgrad"))?;
        state.expect_record(KIND)?;
        let count = state.field("count")?.as_int()?;
        let gss = state.field("grad_sum_sq")?.tree_like(&updates)?;
        let s = state.field("s")?.tree_like(&updates)?;
        let x0 = state.field("x0")?.tree_like(&updates)?;
        params.check_same_structure(&updates)?;
        let momentum = self.momentum.scalar("momentum")?.to_f64();
        let eps = self.eps.scalar("eps")?.to_f64();
        // A schedule's value is a float32 array, so `lr + eps` is a float32 sum; a number
        // is a Python float, so the sum is exact and rounded once.
        let lr_stable = match &self.learning_rate {
            Hyper::Schedule(sch) => f64::from(sch.at(count) as f32 + eps as f32),
            other => other.scalar("learning_rate")?.to_f64() + eps,
        };
        let root = ((count.saturating_add(1)) as f32).sqrt();
        let lamb = f64::from(lr_stable as f32 * root);

        let gss = gss.zip_map(&updates, |v, g| v + (g.clone() * g).mul_scalar(lamb))?;
        let s = s.zip_map(&updates, |s, g| s + g.mul_scalar(lamb))?;
        // No cube root in Burn: `v^(1/3)` for `v >= 0` (within an ulp of `cbrt`).
        let sigma = gss.map(|v| v.powf_scalar(1.0 / 3.0).add_scalar(eps));
        let ratio = s.zip_map(&sigma, |s, sig| s / sig)?;
        let z = x0.zip_map(&ratio, |x0, r| x0 - r)?;
        let keep = 1.0 - momentum;
        let out = z.zip_map(params, |z, p| {
            (z.mul_scalar(keep) + p.clone().mul_scalar(momentum)) - p
        })?;
        Ok((
            out,
            State::record(
                KIND,
                vec![
                    ("count", State::Int(safe_increment(count))),
                    ("grad_sum_sq", State::Tree(gss)),
                    ("s", State::Tree(s)),
                    ("x0", State::Tree(x0.clone())),
                ],
            ),
        ))
    }

    fn validate(&self) -> Result<()> {
        self.momentum.scalar("momentum")?;
        check_nonneg(&self.eps, "eps")
    }
}

/// `chain(add_decayed_weights(weight_decay), scale_by_madgrad(learning_rate, momentum, eps))`
/// (`optax.contrib.madgrad`).
#[derive(Clone, Debug)]
pub struct Madgrad {
    pub(crate) learning_rate: Hyper,
    pub(crate) momentum: Hyper,
    pub(crate) weight_decay: Hyper,
    pub(crate) eps: Hyper,
    built: Built,
}

/// `optax.contrib.madgrad(learning_rate, momentum=0.9, weight_decay=0.0, eps=1e-6)`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::contrib::madgrad;
/// use optax_core::prelude::*;
///
/// let device = Device::flex();
/// let params = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::ones([2], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()?;
/// let opt = madgrad(1e-2);
/// let mut state = opt.init(&params)?;
/// let grads = params.map(|t| t.ones_like());
/// let updates = opt.update_in_place(grads, &mut state, Some(&params), &Extra::none())?;
/// let params = apply_updates(&params, &updates)?;
/// # let _ = params;
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn madgrad(learning_rate: impl Into<Hyper>) -> Madgrad {
    Madgrad {
        learning_rate: learning_rate.into(),
        momentum: 0.9.into(),
        weight_decay: 0.0.into(),
        eps: 1e-6.into(),
        built: Built::default(),
    }
}

impl Madgrad {
    alias_setters! {
        /// Weight of the current parameters in the averaging.
        momentum: impl Into<Hyper>;

        /// Weight decay added to the gradient before the step.
        weight_decay: impl Into<Hyper>;

        /// Added to the learning rate and to the cube root of the sum of squares.
        eps: impl Into<Hyper>;
    }

    /// The chain this alias stands for.
    pub fn build(&self) -> GradientTransformation {
        GradientTransformation::new(chain![
            add_decayed_weights(self.weight_decay.clone()),
            scale_by_madgrad(self.learning_rate.clone())
                .momentum(self.momentum.clone())
                .eps(self.eps.clone())
        ])
    }

    fn check(&self) -> Result<()> {
        Ok(())
    }
}

alias_transform!(Madgrad);
