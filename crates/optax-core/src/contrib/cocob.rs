//! `cocob`: COntinuous COin Betting with weight decay and an optional learning rate (see
//! [`scale_by_cocob`](super::scale_by_cocob)).
//!
//! Orabona & Tommasi, *Training Deep Networks without Learning Rates Through Coin Betting*,
//! NeurIPS 2017 (<https://arxiv.org/abs/1705.07795>).
//!
//! ```text
//! c_t = learning_rate(t) · (g_t + weight_decay · x_t)      (no sign flip)
//! u_t = scale_by_cocob(c_t)
//! ```

use crate::chain;
use crate::combine::Mask;
use crate::error::Result;
use crate::hyper::Hyper;
use crate::setters::setters;
use crate::state::State;
use crate::transform::{Extra, GradientTransformation, Transform};
use crate::transforms::{add_decayed_weights, scale_by_learning_rate};
use crate::tree::Tree;

use super::scale_by_cocob;

/// `chain(add_decayed_weights(weight_decay, mask), scale_by_learning_rate(learning_rate,
/// flip_sign=False), scale_by_cocob(alpha, eps))` (`optax.contrib.cocob`).
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::contrib::cocob;
/// use optax_core::prelude::*;
///
/// let device = Device::flex();
/// let params = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::ones([2], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()?;
/// let opt = cocob().weight_decay(0.01);
/// let state = opt.init(&params)?;
/// let grads = params.map(|t| t.ones_like());
/// let (updates, _state) = opt.update(grads, &state, Some(&params), &Extra::none())?;
/// assert_eq!(updates.len(), 3);
/// # Ok::<(), OptaxError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Cocob {
    pub(crate) learning_rate: Hyper,
    pub(crate) alpha: f64,
    pub(crate) eps: f64,
    pub(crate) weight_decay: Hyper,
    pub(crate) mask: Option<Mask>,
}

/// `optax.contrib.cocob(learning_rate=1.0, alpha=100.0, eps=1e-8, weight_decay=0.0,
/// mask=None)`.
pub fn cocob() -> Cocob {
    Cocob {
        learning_rate: 1.0.into(),
        alpha: 100.0,
        eps: 1e-8,
        weight_decay: 0.0.into(),
        mask: None,
    }
}

impl Cocob {
    setters! {
        /// Factor of the gradients (a number or a schedule), e.g. to inject a schedule.
        learning_rate: impl Into<Hyper>;

        /// Fraction-to-bet parameter.
        alpha: f64;

        /// Initial scale (avoids a division by zero).
        eps: f64;

        /// L2 penalty added to the gradients.
        weight_decay: impl Into<Hyper>;

        /// Decay only the leaves where `mask` is true.
        mask: Some(impl Into<Mask>);

        /// Sets or clears the mask.
        mask_opt(mask: Option<Mask>);
    }

    /// The chain this optimizer stands for.
    pub fn build(&self) -> GradientTransformation {
        GradientTransformation::new(chain![
            add_decayed_weights(self.weight_decay.clone()).mask_opt(self.mask.clone()),
            scale_by_learning_rate(self.learning_rate.clone()).flip_sign(false),
            scale_by_cocob().alpha(self.alpha).eps(self.eps),
        ])
    }
}

impl Transform for Cocob {
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
