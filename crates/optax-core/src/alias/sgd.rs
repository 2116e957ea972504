//! `sgd`: stochastic gradient descent, with optional (Nesterov) momentum.
//!
//! Robbins & Monro, *A Stochastic Approximation Method*, Annals of Mathematical Statistics
//! 22(3), 1951; momentum as in Sutskever et al., *On the importance of initialization and
//! momentum in deep learning*, ICML 2013
//! (<http://proceedings.mlr.press/v28/sutskever13.pdf>). No dampening (see [`trace`]).
//!
//! ```text
//! m_t = g_t + μ·m_{t-1}
//! u_t = -lr_t·m_t                  (momentum)
//! u_t = -lr_t·(g_t + μ·m_t)        (nesterov)
//! u_t = -lr_t·g_t                  (momentum = None)
//! ```

use burn::tensor::DType;

use super::built::{alias_setters, alias_transform, Built};
use crate::chain;
use crate::error::Result;
use crate::hyper::Hyper;
use crate::transform::GradientTransformation;
use crate::transforms::fused::{fused_or_reference, unfused, FUSED_OFF};
use crate::transforms::{identity, scale_by_learning_rate, trace, FusedSgd};

/// `chain(trace(momentum, nesterov, accumulator_dtype) or identity(), scale_by_learning_rate(lr))`
/// (`optax.sgd`).
#[derive(Clone, Debug)]
pub struct Sgd {
    pub(crate) learning_rate: Hyper,
    pub(crate) momentum: Option<Hyper>,
    pub(crate) nesterov: bool,
    pub(crate) accumulator_dtype: Option<DType>,
    pub(crate) fused: bool,
    built: Built,
}

/// `optax.sgd(learning_rate, momentum=None, nesterov=False, accumulator_dtype=None)`.
pub fn sgd(learning_rate: impl Into<Hyper>) -> Sgd {
    Sgd {
        learning_rate: learning_rate.into(),
        momentum: None,
        nesterov: false,
        accumulator_dtype: None,
        fused: true,
        built: Built::default(),
    }
}

impl Sgd {
    alias_setters! {
        /// Momentum decay (without it, no momentum at all).
        momentum: Some(impl Into<Hyper>);

        /// Sets or clears the momentum.
        momentum_opt(momentum: Option<Hyper>);

        /// Nesterov momentum (only used with a momentum).
        nesterov: bool;

        /// Storage dtype of the momentum.
        accumulator_dtype: Option<DType>;

        /// Whether the fused multi-tensor kernel may run a step with momentum (default `true`;
        /// not an Optax argument). It runs only on the flex, ndarray (`ndarray` feature) or wgpu
        /// device with a host-number momentum (the learning rate may be a schedule) and no
        /// `accumulator_dtype`, with the same results and state as the chain; `false` forces the
        /// chain.
        fused: bool;
    }

    /// The transformation this alias stands for: the chain, run by the fused kernel where
    /// there is a momentum and the device and arguments allow (see [`FusedSgd`]).
    pub fn build(&self) -> GradientTransformation {
        let reference = self.build_chain();
        if !self.fused {
            return unfused(reference, FUSED_OFF);
        }
        let fused = FusedSgd::try_new(
            reference.clone(),
            &self.learning_rate,
            self.momentum.as_ref(),
            self.nesterov,
            self.accumulator_dtype,
        );
        fused_or_reference(fused, reference)
    }

    /// The chain this alias stands for (`optax.sgd`).
    pub fn build_chain(&self) -> GradientTransformation {
        let lr = scale_by_learning_rate(self.learning_rate.clone());
        match &self.momentum {
            Some(momentum) => {
                let t = trace(momentum.clone())
                    .nesterov(self.nesterov)
                    .accumulator_dtype(self.accumulator_dtype);
                GradientTransformation::new(chain![t, lr])
            }
            None => GradientTransformation::new(chain![identity(), lr]),
        }
    }

    fn check(&self) -> Result<()> {
        // Checked here so that an error names `momentum`, not `trace`'s `decay`.
        if let Some(m) = &self.momentum {
            m.scalar("momentum")?;
            m.check("momentum", f64::is_finite, "must be finite")?;
        }
        Ok(())
    }
}

alias_transform!(Sgd);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::OptaxError;
    use crate::transform::{Extra, Transform};
    use crate::tree::Tree;
    use burn::tensor::{Device, Tensor};

    fn ones() -> Tree {
        Tree::builder()
            .leaf("w", Tensor::<1>::from_floats([1.0, 2.0], &Device::flex()))
            .build()
            .unwrap()
    }

    #[test]
    fn plain_and_momentum_steps() {
        let opt = sgd(0.5);
        let s = opt.init(&ones()).unwrap();
        let (u, _) = opt.update(ones(), &s, None, &Extra::none()).unwrap();
        assert_eq!(u.to_vecs().unwrap()[0], vec![-0.5, -1.0]);

        let opt = sgd(0.5).momentum(0.5);
        let s = opt.init(&ones()).unwrap();
        let (_, s) = opt.update(ones(), &s, None, &Extra::none()).unwrap();
        let (u, _) = opt.update(ones(), &s, None, &Extra::none()).unwrap();
        assert_eq!(u.to_vecs().unwrap()[0], vec![-0.75, -1.5]);
    }

    #[test]
    fn invalid_momentum_is_an_error() {
        assert!(matches!(
            sgd(0.1).momentum(f64::INFINITY).init(&ones()),
            Err(OptaxError::InvalidHyperparameter { .. })
        ));
    }
}
