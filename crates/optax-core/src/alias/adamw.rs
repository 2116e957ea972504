//! `adamw` and `nadamw`: Adam with decoupled weight decay.
//!
//! Loshchilov & Hutter, *Decoupled Weight Decay Regularization*, ICLR 2019
//! (<https://arxiv.org/abs/1711.05101>). The decay is added before the learning-rate step, so
//! the parameters shrink by `lr · weight_decay · p` per step.

use burn::tensor::DType;

use crate::chain;
use crate::combine::Mask;
use crate::error::Result;
use crate::hyper::Hyper;
use crate::transform::GradientTransformation;
use crate::transforms::{
    add_decayed_weights, scale_by_adam, scale_by_learning_rate, AdamArgs, FusedAdam,
};

/// `chain(scale_by_adam(..), add_decayed_weights(weight_decay, mask), scale_by_learning_rate(lr))`
/// (`optax.adamw`).
#[derive(Clone, Debug)]
pub struct AdamW {
    pub(crate) learning_rate: Hyper,
    pub(crate) b1: Hyper,
    pub(crate) b2: Hyper,
    pub(crate) eps: Hyper,
    pub(crate) eps_root: Hyper,
    pub(crate) mu_dtype: Option<DType>,
    pub(crate) weight_decay: Hyper,
    pub(crate) mask: Option<Mask>,
    pub(crate) nesterov: bool,
    pub(crate) fused: bool,
}

/// `optax.adamw(learning_rate, b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, mu_dtype=None,
/// weight_decay=1e-4, mask=None, *, nesterov=False)`.
pub fn adamw(learning_rate: impl Into<Hyper>) -> AdamW {
    AdamW {
        learning_rate: learning_rate.into(),
        b1: 0.9.into(),
        b2: 0.999.into(),
        eps: 1e-8.into(),
        eps_root: 0.0.into(),
        mu_dtype: None,
        weight_decay: 1e-4.into(),
        mask: None,
        nesterov: false,
        fused: true,
    }
}

/// `optax.nadamw`: [`adamw`] with `nesterov=True`.
pub fn nadamw(learning_rate: impl Into<Hyper>) -> AdamW {
    adamw(learning_rate).nesterov(true)
}

impl AdamW {
    /// Decay of the first moment.
    pub fn b1(mut self, b1: impl Into<Hyper>) -> Self {
        self.b1 = b1.into();
        self
    }

    /// Decay of the second moment.
    pub fn b2(mut self, b2: impl Into<Hyper>) -> Self {
        self.b2 = b2.into();
        self
    }

    /// Added to the denominator outside the square root.
    pub fn eps(mut self, eps: impl Into<Hyper>) -> Self {
        self.eps = eps.into();
        self
    }

    /// Added to the second moment inside the square root.
    pub fn eps_root(mut self, eps_root: impl Into<Hyper>) -> Self {
        self.eps_root = eps_root.into();
        self
    }

    /// Storage dtype of the first moment.
    pub fn mu_dtype(mut self, mu_dtype: Option<DType>) -> Self {
        self.mu_dtype = mu_dtype;
        self
    }

    /// Decoupled weight decay rate (number or schedule).
    pub fn weight_decay(mut self, weight_decay: impl Into<Hyper>) -> Self {
        self.weight_decay = weight_decay.into();
        self
    }

    /// Decay only the leaves where `mask` is true.
    pub fn mask(mut self, mask: impl Into<Mask>) -> Self {
        self.mask = Some(mask.into());
        self
    }

    /// Sets or clears the mask.
    pub fn mask_opt(mut self, mask: Option<Mask>) -> Self {
        self.mask = mask;
        self
    }

    /// Nesterov momentum (NAdamW).
    pub fn nesterov(mut self, nesterov: bool) -> Self {
        self.nesterov = nesterov;
        self
    }

    /// Whether the fused multi-tensor kernel may run the step (default `true`; not an Optax
    /// argument). It runs only on the flex, ndarray (`ndarray` feature) or wgpu device with
    /// host-number (or schedule) hyperparameters and no `mu_dtype`, with the same results and
    /// state as the chain; `false` forces the chain.
    pub fn fused(mut self, fused: bool) -> Self {
        self.fused = fused;
        self
    }

    /// The transformation this alias stands for: the chain, run by the fused kernel where
    /// the device and arguments allow (see [`FusedAdam`]).
    pub fn build(&self) -> GradientTransformation {
        let reference = self.build_chain();
        if !self.fused {
            return reference;
        }
        let args = AdamArgs {
            learning_rate: &self.learning_rate,
            b1: &self.b1,
            b2: &self.b2,
            eps: &self.eps,
            eps_root: &self.eps_root,
            mu_dtype: self.mu_dtype,
            nesterov: self.nesterov,
            decay: Some((&self.weight_decay, self.mask.as_ref())),
        };
        match FusedAdam::try_new(reference.clone(), args) {
            Some(f) => GradientTransformation::new(f),
            None => reference,
        }
    }

    /// The chain this alias stands for (`optax.adamw`).
    pub fn build_chain(&self) -> GradientTransformation {
        let scaling = scale_by_adam()
            .b1(self.b1.clone())
            .b2(self.b2.clone())
            .eps(self.eps.clone())
            .eps_root(self.eps_root.clone())
            .mu_dtype(self.mu_dtype)
            .nesterov(self.nesterov);
        let decay = add_decayed_weights(self.weight_decay.clone()).mask_opt(self.mask.clone());
        GradientTransformation::new(chain![
            scaling,
            decay,
            scale_by_learning_rate(self.learning_rate.clone())
        ])
    }

    fn check(&self) -> Result<()> {
        Ok(())
    }
}

crate::alias_transform!(AdamW);
