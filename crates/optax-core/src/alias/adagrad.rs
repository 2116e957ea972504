//! `adagrad`: Adagrad.
//!
//! Duchi, Hazan & Singer, *Adaptive Subgradient Methods for Online Learning and Stochastic
//! Optimization*, JMLR 12, 2011 (<https://jmlr.org/papers/v12/duchi11a.html>).
//!
//! ```text
//! s_t = s_{t-1} + g_t²            (s_0 = initial_accumulator_value)
//! u_t = -lr_t · g_t / sqrt(s_t + eps)
//! ```

use super::built::{alias_setters, alias_transform, Built};
use crate::chain;
use crate::error::Result;
use crate::hyper::Hyper;
use crate::transform::GradientTransformation;
use crate::transforms::{scale_by_learning_rate, scale_by_rss};

/// `chain(scale_by_rss(initial_accumulator_value, eps), scale_by_learning_rate(lr))`
/// (`optax.adagrad`).
#[derive(Clone, Debug)]
pub struct Adagrad {
    pub(crate) learning_rate: Hyper,
    pub(crate) initial_accumulator_value: Hyper,
    pub(crate) eps: Hyper,
    built: Built,
}

/// `optax.adagrad(learning_rate, initial_accumulator_value=0.1, eps=1e-7)`.
pub fn adagrad(learning_rate: impl Into<Hyper>) -> Adagrad {
    Adagrad {
        learning_rate: learning_rate.into(),
        initial_accumulator_value: 0.1.into(),
        eps: 1e-7.into(),
        built: Built::default(),
    }
}

impl Adagrad {
    alias_setters! {
        /// Starting value of the accumulators (must be >= 0).
        initial_accumulator_value: impl Into<Hyper>;

        /// Added inside the square root of the denominator.
        eps: impl Into<Hyper>;
    }

    /// The chain this alias stands for.
    pub fn build(&self) -> GradientTransformation {
        let scaling = scale_by_rss()
            .initial_accumulator_value(self.initial_accumulator_value.clone())
            .eps(self.eps.clone());
        GradientTransformation::new(chain![
            scaling,
            scale_by_learning_rate(self.learning_rate.clone())
        ])
    }

    fn check(&self) -> Result<()> {
        Ok(())
    }
}

alias_transform!(Adagrad);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::OptaxError;
    use crate::{Transform, Tree};
    use burn::tensor::{Device, Tensor};

    #[test]
    fn invalid_hyperparameters_are_errors() {
        let device = Device::flex();
        let p = Tree::builder()
            .leaf("w", Tensor::<1>::from_floats([1.0, -2.0], &device))
            .build()
            .unwrap();
        let bad = |t: Adagrad| matches!(t.init(&p), Err(OptaxError::InvalidHyperparameter { .. }));
        assert!(bad(adagrad(0.1).initial_accumulator_value(-1.0)));
        assert!(bad(adagrad(0.1).eps(f64::NAN)));
        assert!(adagrad(0.1).init(&p).is_ok());
    }
}
