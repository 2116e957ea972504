//! `dog`: SGD with the Distance-over-Gradients step size (see
//! [`scale_by_dog`](super::scale_by_dog)).
//!
//! Ivgi, Hinder & Carmon, *DoG is SGD's Best Friend: A Parameter-Free Dynamic Step Size
//! Schedule*, ICML 2023 (<https://arxiv.org/abs/2302.12022>).
//!
//! ```text
//! r_t = ‖x_t - x_0‖,   r̄_t = max_{k≤t} r_k,   G_t = Σ_{k≤t} ‖g_k‖²
//! η_t = r̄_t / sqrt(G_t + eps)
//! x_{t+1} = x_t - learning_rate(t) · η_t · (g_t + weight_decay · x_t)
//! ```
//!
//! The authors recommend averaging the iterates; `init` should see the actual parameters with
//! the `"heuristic"` initial step.

use crate::chain;
use crate::combine::Mask;
use crate::error::Result;
use crate::hyper::Hyper;
use crate::setters::setters;
use crate::state::State;
use crate::transform::{Extra, GradientTransformation, Transform};
use crate::transforms::{add_decayed_weights, identity, scale_by_learning_rate};
use crate::tree::Tree;

use super::scale_by_dog;

/// `chain(add_decayed_weights(weight_decay, mask) if weight_decay is not None else identity(),
/// scale_by_dog(init_step, eps), scale_by_learning_rate(learning_rate))`
/// (`optax.contrib.dog`). State `(EmptyState or the decay's, DoGState, the learning rate's)`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::contrib::dog;
/// use optax_core::prelude::*;
///
/// let device = Device::flex();
/// let params = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::ones([2], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()?;
/// let opt = dog().init_step(("distance", 0.1));
/// let state = opt.init(&params)?;
/// let grads = params.map(|t| t.ones_like());
/// let (updates, _state) = opt.update(grads, &state, Some(&params), &Extra::none())?;
/// assert_eq!(updates.len(), 3);
/// # Ok::<(), OptaxError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Dog {
    pub(crate) learning_rate: Hyper,
    pub(crate) init_step: (String, f64),
    pub(crate) eps: f64,
    pub(crate) weight_decay: Option<Hyper>,
    pub(crate) mask: Option<Mask>,
}

/// `optax.contrib.dog(learning_rate=1.0, init_step=('heuristic', 1e-6), eps=1e-8,
/// weight_decay=None, mask=None)`.
pub fn dog() -> Dog {
    Dog {
        learning_rate: 1.0.into(),
        init_step: ("heuristic".to_string(), 1e-6),
        eps: 1e-8,
        weight_decay: None,
        mask: None,
    }
}

impl Dog {
    setters! {
        /// Factor of the step (a number or a schedule).
        learning_rate: impl Into<Hyper>;

        /// Added to the sum of squared gradient norms.
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

    /// The initial step `(tag, value)`: `("distance", r_0)`, `("learning_rate", η_0)` or
    /// `("heuristic", α)` for `r_0 = α·(1 + ‖x_0‖)`.
    pub fn init_step(mut self, init_step: (impl Into<String>, f64)) -> Self {
        self.init_step = (init_step.0.into(), init_step.1);
        self
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
            scale_by_dog(self.init_step.clone()).eps(self.eps),
            scale_by_learning_rate(self.learning_rate.clone()),
        ])
    }
}

impl Transform for Dog {
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
