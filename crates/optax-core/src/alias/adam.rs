//! `adam` and `nadam`.
//!
//! Kingma & Ba, *Adam: A Method for Stochastic Optimization*, ICLR 2015
//! (<https://arxiv.org/abs/1412.6980>); NAdam: Dozat, ICLR 2016 workshop.

use burn::tensor::DType;

use super::built::{alias_setters, alias_transform, Built};
use crate::chain;
use crate::error::Result;
use crate::hyper::Hyper;
use crate::transform::GradientTransformation;
use crate::transforms::fused::{fused_or_reference, unfused, FUSED_OFF};
use crate::transforms::{scale_by_adam, scale_by_learning_rate, AdamArgs, FusedAdam};

/// The Adam optimizer: `chain(scale_by_adam(..), scale_by_learning_rate(lr))` (`optax.adam`).
#[derive(Clone, Debug)]
pub struct Adam {
    pub(crate) learning_rate: Hyper,
    pub(crate) b1: Hyper,
    pub(crate) b2: Hyper,
    pub(crate) eps: Hyper,
    pub(crate) eps_root: Hyper,
    pub(crate) mu_dtype: Option<DType>,
    pub(crate) nesterov: bool,
    pub(crate) fused: bool,
    built: Built,
}

/// `optax.adam(learning_rate, b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, mu_dtype=None, *, nesterov=False)`.
pub fn adam(learning_rate: impl Into<Hyper>) -> Adam {
    Adam {
        learning_rate: learning_rate.into(),
        b1: 0.9.into(),
        b2: 0.999.into(),
        eps: 1e-8.into(),
        eps_root: 0.0.into(),
        mu_dtype: None,
        nesterov: false,
        fused: true,
        built: Built::default(),
    }
}

/// `optax.nadam`: [`adam`] with `nesterov=True`.
pub fn nadam(learning_rate: impl Into<Hyper>) -> Adam {
    adam(learning_rate).nesterov(true)
}

impl Adam {
    alias_setters! {
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

        /// Whether the fused multi-tensor kernel may run the step (default `true`; not an Optax
        /// argument). It runs only on the flex, ndarray (`ndarray` feature) or wgpu device with
        /// host-number hyperparameters and no `mu_dtype`, with the same results and state as the
        /// chain; `false` forces the chain.
        fused: bool;
    }

    /// The transformation this alias stands for: the chain, run by the fused kernel where
    /// the device and arguments allow (see [`FusedAdam`]).
    pub fn build(&self) -> GradientTransformation {
        let reference = self.build_chain();
        if !self.fused {
            return unfused(reference, FUSED_OFF);
        }
        let args = AdamArgs {
            learning_rate: &self.learning_rate,
            b1: &self.b1,
            b2: &self.b2,
            eps: &self.eps,
            eps_root: &self.eps_root,
            mu_dtype: self.mu_dtype,
            nesterov: self.nesterov,
            decay: None,
        };
        fused_or_reference(FusedAdam::try_new(reference.clone(), args), reference)
    }

    /// The chain this alias stands for (`optax.adam`).
    pub fn build_chain(&self) -> GradientTransformation {
        let scaling = scale_by_adam()
            .b1(self.b1.clone())
            .b2(self.b2.clone())
            .eps(self.eps.clone())
            .eps_root(self.eps_root.clone())
            .mu_dtype(self.mu_dtype)
            .nesterov(self.nesterov);
        GradientTransformation::new(chain![
            scaling,
            scale_by_learning_rate(self.learning_rate.clone())
        ])
    }

    fn check(&self) -> Result<()> {
        Ok(())
    }
}

alias_transform!(Adam);
