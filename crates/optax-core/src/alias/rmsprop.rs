//! `rmsprop`: RMSProp, plain or centered, with optional (Nesterov) momentum.
//!
//! Hinton, *Neural Networks for Machine Learning*, Coursera lecture 6e, 2012
//! (<http://www.cs.toronto.edu/~tijmen/csc321/slides/lecture_slides_lec6.pdf>); the centered
//! form: Graves, *Generating Sequences With Recurrent Neural Networks*, 2013
//! (<https://arxiv.org/abs/1308.0850>).
//!
//! ```text
//! s_t = scale_by_rms(g_t)            (scale_by_stddev(g_t) when centered)
//! u_t = -lr_t · s_t
//! u_t = trace(u_t; momentum, nesterov)   when momentum is given
//! ```

use super::built::{alias_setters, alias_transform, Built};
use crate::chain;
use crate::error::Result;
use crate::hyper::Hyper;
use crate::transform::GradientTransformation;
use crate::transforms::fused::{fused_or_reference, unfused, FUSED_OFF};
use crate::transforms::{
    identity, scale_by_learning_rate, scale_by_rms, scale_by_stddev, trace, FusedRmsprop,
    RmspropArgs,
};

/// `chain(scale_by_rms(..) or scale_by_stddev(..), scale_by_learning_rate(lr),
/// trace(momentum, nesterov) or identity())` (`optax.rmsprop`).
#[derive(Clone, Debug)]
pub struct RmsProp {
    pub(crate) learning_rate: Hyper,
    pub(crate) decay: Hyper,
    pub(crate) eps: Hyper,
    pub(crate) initial_scale: Hyper,
    pub(crate) eps_in_sqrt: bool,
    pub(crate) centered: bool,
    pub(crate) momentum: Option<Hyper>,
    pub(crate) nesterov: bool,
    pub(crate) bias_correction: bool,
    pub(crate) fused: bool,
    built: Built,
}

/// `optax.rmsprop(learning_rate, decay=0.9, eps=1e-8, initial_scale=0.0, eps_in_sqrt=True,
/// centered=False, momentum=None, nesterov=False, bias_correction=False)`.
pub fn rmsprop(learning_rate: impl Into<Hyper>) -> RmsProp {
    RmsProp {
        learning_rate: learning_rate.into(),
        decay: 0.9.into(),
        eps: 1e-8.into(),
        initial_scale: 0.0.into(),
        eps_in_sqrt: true,
        centered: false,
        momentum: None,
        nesterov: false,
        bias_correction: false,
        fused: true,
        built: Built::default(),
    }
}

impl RmsProp {
    alias_setters! {
        /// Decay of the moving average of squared gradients.
        decay: impl Into<Hyper>;

        /// Added to the denominator (inside or outside the square root, see `eps_in_sqrt`).
        eps: impl Into<Hyper>;

        /// Initial value of the second moment.
        initial_scale: impl Into<Hyper>;

        /// Whether `eps` is added inside the square root.
        eps_in_sqrt: bool;

        /// Centered RMSProp: divide by the standard deviation instead of the RMS.
        centered: bool;

        /// Momentum decay of a `trace` after the step (none by default).
        momentum: Some(impl Into<Hyper>);

        /// Sets or clears the momentum.
        momentum_opt(momentum: Option<Hyper>);

        /// Nesterov momentum (used only with `momentum`).
        nesterov: bool;

        /// Bias-correct the moving averages.
        bias_correction: bool;

        /// Whether the fused multi-tensor kernel may run the step (default `true`; not an Optax
        /// argument). It runs only on the flex, ndarray (`ndarray` feature) or wgpu device with
        /// host-number hyperparameters (the learning rate may be a schedule), with the same
        /// results and state as the chain; `false` forces the chain.
        fused: bool;
    }

    /// The transformation this alias stands for: the chain, run by the fused kernel where
    /// the device and arguments allow (see [`FusedRmsprop`]).
    pub fn build(&self) -> GradientTransformation {
        let reference = self.build_chain();
        if !self.fused {
            return unfused(reference, FUSED_OFF);
        }
        let args = RmspropArgs {
            learning_rate: &self.learning_rate,
            decay: &self.decay,
            eps: &self.eps,
            eps_in_sqrt: self.eps_in_sqrt,
            centered: self.centered,
            momentum: self.momentum.as_ref(),
            nesterov: self.nesterov,
            bias_correction: self.bias_correction,
        };
        fused_or_reference(FusedRmsprop::try_new(reference.clone(), args), reference)
    }

    /// The chain this alias stands for (`optax.rmsprop`).
    pub fn build_chain(&self) -> GradientTransformation {
        let scaling = if self.centered {
            GradientTransformation::new(
                scale_by_stddev()
                    .decay(self.decay.clone())
                    .eps(self.eps.clone())
                    .initial_scale(self.initial_scale.clone())
                    .eps_in_sqrt(self.eps_in_sqrt)
                    .bias_correction(self.bias_correction),
            )
        } else {
            GradientTransformation::new(
                scale_by_rms()
                    .decay(self.decay.clone())
                    .eps(self.eps.clone())
                    .initial_scale(self.initial_scale.clone())
                    .eps_in_sqrt(self.eps_in_sqrt)
                    .bias_correction(self.bias_correction),
            )
        };
        let momentum = match &self.momentum {
            Some(m) => GradientTransformation::new(trace(m.clone()).nesterov(self.nesterov)),
            None => GradientTransformation::new(identity()),
        };
        GradientTransformation::new(chain![
            scaling,
            scale_by_learning_rate(self.learning_rate.clone()),
            momentum
        ])
    }

    fn check(&self) -> Result<()> {
        Ok(())
    }
}

alias_transform!(RmsProp);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::OptaxError;
    use crate::schedules::Schedule;
    use crate::{State, Transform, Tree};
    use burn::tensor::{Device, Tensor};

    fn params() -> Tree {
        let device = Device::flex();
        Tree::builder()
            .leaf("w", Tensor::<1>::from_floats([1.0, -2.0], &device))
            .build()
            .unwrap()
    }

    fn invalid(r: Result<State>) -> bool {
        matches!(r, Err(OptaxError::InvalidHyperparameter { .. }))
    }

    #[test]
    fn invalid_hyperparameters_are_errors() {
        let p = params();
        assert!(invalid(rmsprop(0.1).decay(1.0).init(&p)));
        assert!(invalid(rmsprop(0.1).centered(true).eps(-1.0).init(&p)));
        assert!(invalid(rmsprop(0.1).momentum(f64::NAN).init(&p)));
        assert!(invalid(
            rmsprop(0.1).momentum(Schedule::new(|_| 0.9)).init(&p)
        ));
        assert!(rmsprop(Schedule::new(|_| 0.1)).init(&p).is_ok());
    }
}
