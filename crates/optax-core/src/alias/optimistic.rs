//! `optimistic_gradient_descent` and `optimistic_adam_v2`: optimistic gradients, alone or on
//! Adam's direction.
//!
//! Daskalakis, Ilyas, Syrgkanis & Zeng, *Training GANs with Optimism*, ICLR 2018
//! (<https://arxiv.org/abs/1711.00141>); Mokhtari, Ozdaglar & Pattathil, *A Unified Analysis of
//! Extra-gradient and Optimistic Gradient Methods for Saddle Point Problems: Proximal Point
//! Approach*, AISTATS 2020 (<https://arxiv.org/abs/1901.08511>).
//!
//! ```text
//! optimistic_gradient_descent:  u_t = -lr_t · ((alpha + beta)·g_t - beta·g_{t-1})
//! optimistic_adam_v2:           r_t = Adam(g_t)   (Nesterov by default)
//!                               u_t = -lr_t · ((alpha + beta)·r_t - beta·r_{t-1})
//! ```

use burn::tensor::DType;

use super::built::{alias_setters, alias_transform, Built};
use crate::chain;
use crate::error::Result;
use crate::hyper::Hyper;
use crate::transform::GradientTransformation;
use crate::transforms::{scale_by_adam, scale_by_learning_rate, scale_by_optimistic_gradient};

/// `chain(scale_by_optimistic_gradient(alpha, beta), scale_by_learning_rate(learning_rate))`
/// (`optax.optimistic_gradient_descent`).
#[derive(Clone, Debug)]
pub struct OptimisticGradientDescent {
    pub(crate) learning_rate: Hyper,
    pub(crate) alpha: Hyper,
    pub(crate) beta: Hyper,
    built: Built,
}

/// `optax.optimistic_gradient_descent(learning_rate, alpha=1.0, beta=1.0)`.
pub fn optimistic_gradient_descent(learning_rate: impl Into<Hyper>) -> OptimisticGradientDescent {
    OptimisticGradientDescent {
        learning_rate: learning_rate.into(),
        alpha: 1.0.into(),
        beta: 1.0.into(),
        built: Built::default(),
    }
}

impl OptimisticGradientDescent {
    alias_setters! {
        /// Coefficient of the current gradient. Optax types it as a schedule too, but
        /// `scale_by_optimistic_gradient` can only use a number: a schedule is an error.
        alpha: impl Into<Hyper>;

        /// Coefficient of the negative momentum (a number, as `alpha`).
        beta: impl Into<Hyper>;
    }

    /// The chain this alias stands for.
    pub fn build(&self) -> GradientTransformation {
        let optimistic = scale_by_optimistic_gradient()
            .alpha(self.alpha.clone())
            .beta(self.beta.clone());
        GradientTransformation::new(chain![
            optimistic,
            scale_by_learning_rate(self.learning_rate.clone())
        ])
    }

    fn check(&self) -> Result<()> {
        Ok(())
    }
}

alias_transform!(OptimisticGradientDescent);

/// `chain(scale_by_adam(b1, b2, eps, eps_root, mu_dtype, nesterov),
/// scale_by_optimistic_gradient(alpha, beta), scale_by_learning_rate(learning_rate))`
/// (`optax.optimistic_adam_v2`).
#[derive(Clone, Debug)]
pub struct OptimisticAdamV2 {
    pub(crate) learning_rate: Hyper,
    pub(crate) alpha: Hyper,
    pub(crate) beta: Hyper,
    pub(crate) b1: Hyper,
    pub(crate) b2: Hyper,
    pub(crate) eps: Hyper,
    pub(crate) eps_root: Hyper,
    pub(crate) mu_dtype: Option<DType>,
    pub(crate) nesterov: bool,
    built: Built,
}

/// `optax.optimistic_adam_v2(learning_rate, *, alpha=1.0, beta=1.0, b1=0.9, b2=0.999,
/// eps=1e-8, eps_root=0.0, mu_dtype=None, nesterov=True)`.
pub fn optimistic_adam_v2(learning_rate: impl Into<Hyper>) -> OptimisticAdamV2 {
    OptimisticAdamV2 {
        learning_rate: learning_rate.into(),
        alpha: 1.0.into(),
        beta: 1.0.into(),
        b1: 0.9.into(),
        b2: 0.999.into(),
        eps: 1e-8.into(),
        eps_root: 0.0.into(),
        mu_dtype: None,
        nesterov: true,
        built: Built::default(),
    }
}

impl OptimisticAdamV2 {
    alias_setters! {
        /// Coefficient of the current direction.
        alpha: impl Into<Hyper>;

        /// Coefficient of the negative momentum.
        beta: impl Into<Hyper>;

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

        /// Nesterov momentum in Adam (default true).
        nesterov: bool;
    }

    /// The chain this alias stands for.
    pub fn build(&self) -> GradientTransformation {
        let adam = scale_by_adam()
            .b1(self.b1.clone())
            .b2(self.b2.clone())
            .eps(self.eps.clone())
            .eps_root(self.eps_root.clone())
            .mu_dtype(self.mu_dtype)
            .nesterov(self.nesterov);
        let optimistic = scale_by_optimistic_gradient()
            .alpha(self.alpha.clone())
            .beta(self.beta.clone());
        GradientTransformation::new(chain![
            adam,
            optimistic,
            scale_by_learning_rate(self.learning_rate.clone())
        ])
    }

    fn check(&self) -> Result<()> {
        Ok(())
    }
}

alias_transform!(OptimisticAdamV2);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::OptaxError;
    use crate::transform::Transform;
    use crate::tree::Tree;
    use burn::tensor::{Device, Tensor};

    #[test]
    fn invalid_hyperparameters_are_errors() {
        let p = Tree::builder()
            .leaf("w", Tensor::<1>::ones([3], &Device::flex()))
            .build()
            .unwrap();
        let sched = crate::schedules::Schedule::new(|_| 1.0);
        let err = optimistic_gradient_descent(0.1)
            .alpha(sched)
            .init(&p)
            .unwrap_err();
        assert!(
            matches!(err, OptaxError::InvalidHyperparameter { ref name, .. } if name == "alpha")
        );
        let err = optimistic_adam_v2(0.1).b2(1.0).init(&p).unwrap_err();
        assert!(matches!(err, OptaxError::InvalidHyperparameter { ref name, .. } if name == "b2"));
        let err = optimistic_adam_v2(0.1)
            .beta(f64::INFINITY)
            .init(&p)
            .unwrap_err();
        assert!(
            matches!(err, OptaxError::InvalidHyperparameter { ref name, .. } if name == "beta")
        );
    }
}
