//! `noisy_sgd`: SGD with annealed Gaussian gradient noise.
//!
//! Neelakantan et al., *Adding Gradient Noise Improves Learning for Very Deep Networks*,
//! 2015 (<https://arxiv.org/abs/1511.06807>). The noise generator is documented in
//! [`add_noise`](crate::transforms::add_noise).
//!
//! ```text
//! σ_t² = eta / t^gamma
//! u_t  = -lr_t·(g_t + N(0, σ_t²))
//! ```

use super::built::{alias_setters, alias_transform, Built};
use crate::chain;
use crate::error::Result;
use crate::hyper::Hyper;
use crate::transform::GradientTransformation;
use crate::transforms::{add_noise, scale_by_learning_rate};

/// `chain(add_noise(eta, gamma, key, seed=seed), scale_by_learning_rate(lr))`
/// (`optax.noisy_sgd`).
#[derive(Clone, Debug)]
pub struct NoisySgd {
    pub(crate) learning_rate: Hyper,
    pub(crate) eta: Hyper,
    pub(crate) gamma: Hyper,
    pub(crate) key: Option<i64>,
    pub(crate) seed: Option<i64>,
    built: Built,
}

/// `optax.noisy_sgd(learning_rate, eta=0.01, gamma=0.55, key=None, *, seed=None)`.
pub fn noisy_sgd(learning_rate: impl Into<Hyper>) -> NoisySgd {
    NoisySgd {
        learning_rate: learning_rate.into(),
        eta: 0.01.into(),
        gamma: 0.55.into(),
        key: None,
        seed: None,
        built: Built::default(),
    }
}

impl NoisySgd {
    alias_setters! {
        /// Initial variance of the noise.
        eta: impl Into<Hyper>;

        /// Annealing exponent of the variance.
        gamma: impl Into<Hyper>;

        /// The random key (an integer; `None` is key 0).
        key: Some(i64);

        /// Deprecated in Optax in favour of `key`; giving both is an error.
        seed: Some(i64);
    }

    /// The chain this alias stands for.
    pub fn build(&self) -> GradientTransformation {
        let mut noise = add_noise(self.eta.clone(), self.gamma.clone());
        noise.key = self.key;
        noise.seed = self.seed;
        GradientTransformation::new(chain![
            noise,
            scale_by_learning_rate(self.learning_rate.clone())
        ])
    }

    fn check(&self) -> Result<()> {
        Ok(())
    }
}

alias_transform!(NoisySgd);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::OptaxError;
    use crate::transform::Transform;
    use crate::tree::Tree;
    use burn::tensor::Device;

    #[test]
    fn invalid_arguments_are_errors() {
        let p = Tree::builder()
            .scalar("w", 1.0, &Device::flex())
            .build()
            .unwrap();
        assert!(noisy_sgd(0.1).key(3).init(&p).is_ok());
        assert!(matches!(
            noisy_sgd(0.1).key(3).seed(3).init(&p),
            Err(OptaxError::InvalidHyperparameter { .. })
        ));
        assert!(matches!(
            noisy_sgd(0.1).eta(-1.0).init(&p),
            Err(OptaxError::InvalidHyperparameter { .. })
        ));
    }
}
