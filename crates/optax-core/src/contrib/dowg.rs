//! `dowg`: SGD with the Distance-over-Weighted-Gradients step size (see
//! [`scale_by_dowg`](super::scale_by_dowg)).
//!
//! Khaled, Mishchenko & Jin, *DoWG Unleashed: An Efficient Universal Parameter-Free Gradient
//! Descent Method*, NeurIPS 2023 (<https://arxiv.org/abs/2305.16284>).
//!
//! ```text
//! r̄²_t = max(r̄²_{t-1}, ‖x_t - x_0‖²)
//! v_t  = v_{t-1} + r̄²_t · ‖g_t‖²
//! x_{t+1} = x_t - learning_rate(t) · r̄²_t / (sqrt(v_t) + eps) · (g_t + weight_decay · x_t)
//! ```

use crate::chain;
use crate::combine::Mask;
use crate::error::Result;
use crate::hyper::Hyper;
use crate::setters::setters;
use crate::state::State;
use crate::transform::{Extra, GradientTransformation, Transform};
use crate::transforms::{add_decayed_weights, identity, scale_by_learning_rate};
use crate::tree::Tree;

use super::scale_by_dowg;

/// `chain(add_decayed_weights(weight_decay, mask) if weight_decay is not None else identity(),
/// scale_by_dowg(init_estim_sq_dist, eps), scale_by_learning_rate(learning_rate))`
/// (`optax.contrib.dowg`). State `(EmptyState or the decay's, DoWGState, the learning
/// rate's)`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::contrib::dowg;
/// use optax_core::prelude::*;
///
/// let device = Device::flex();
/// let params = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::ones([2], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()?;
/// let opt = dowg().weight_decay(0.01);
/// let state = opt.init(&params)?;
/// let grads = params.map(|t| t.ones_like());
/// let (updates, _state) = opt.update(grads, &state, Some(&params), &Extra::none())?;
/// assert_eq!(updates.len(), 3);
/// # Ok::<(), OptaxError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Dowg {
    pub(crate) learning_rate: Hyper,
    pub(crate) init_estim_sq_dist: Option<f64>,
    pub(crate) eps: f64,
    pub(crate) weight_decay: Option<Hyper>,
    pub(crate) mask: Option<Mask>,
}

/// `optax.contrib.dowg(learning_rate=1.0, init_estim_sq_dist=None, eps=1e-4,
/// weight_decay=None, mask=None)`.
pub fn dowg() -> Dowg {
    Dowg {
        learning_rate: 1.0.into(),
        init_estim_sq_dist: None,
        eps: 1e-4,
        weight_decay: None,
        mask: None,
    }
}

impl Dowg {
    setters! {
        /// Factor of the step (a number or a schedule).
        learning_rate: impl Into<Hyper>;

        /// Initial guess of the squared distance to the solution (default `eps`).
        init_estim_sq_dist: Some(f64);

        /// Sets or clears `init_estim_sq_dist`.
        init_estim_sq_dist_opt(init_estim_sq_dist: Option<f64>);

        /// Added to the denominator of the step size.
        eps: f64;

        /// Strength of the weight decay (`None`: no decay).
        weight_decay: Some(impl Into<Hyper>);

        /// Sets or clears the weight decay.
        weight_decay_opt(weight_decay: Option<Hyper>);

        /// Decay only the leaves where `mask` is true.
        mask: Some(impl Into<Mask>);

        /// Sets or clears the mask.
        mask_opt(mask: Option<Mask>);
    }

    /// The chain this optimizer stands for.
    pub fn build(&self) -> GradientTransformation {
        let decay = match &self.weight_decay {
            Some(wd) => GradientTransformation::new(
                add_decayed_weights(wd.clone()).mask_opt(self.mask.clone()),
            ),
            None => GradientTransformation::new(identity()),
        };
        GradientTransformation::new(chain![
            decay,
            scale_by_dowg()
                .init_estim_sq_dist_opt(self.init_estim_sq_dist)
                .eps(self.eps),
            scale_by_learning_rate(self.learning_rate.clone()),
        ])
    }
}

impl Transform for Dowg {
    fn init(&self, params: &Tree) -> Result<State> {
        self.build().init(params)
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        params: Option<&Tree>,
        extra: &Extra,
    ) -> Result<(Tree, State)> {
        self.build().update(updates, state, params, extra)
    }

    fn validate(&self) -> Result<()> {
        self.build().validate()
    }
}
