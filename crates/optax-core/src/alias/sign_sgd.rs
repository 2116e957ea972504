//! `sign_sgd` and `signum`: descend along the sign of the gradient, or of its moving average.
//!
//! Bernstein et al., *signSGD: Compressed Optimisation for Non-Convex Problems*, ICML 2018
//! (<https://arxiv.org/abs/1802.04434>); Balles et al., *The Geometry of Sign Gradient
//! Descent*, 2020 (<https://arxiv.org/abs/2002.08056>); Zhao et al., *Deconstructing What
//! Makes a Good Optimizer for Language Models*, 2024 (<https://arxiv.org/abs/2407.07972>).
//!
//! ```text
//! sign_sgd:  u_t = -lr_t·sign(g_t)
//! signum:    m_t = β·m_{t-1} + (1 - β)·g_t;  u_t = -lr_t·sign(m_t)     (no debiasing)
//! ```

use burn::tensor::DType;

use super::built::{alias_setters, alias_transform, Built};
use crate::chain;
use crate::error::Result;
use crate::hyper::Hyper;
use crate::transform::GradientTransformation;
use crate::transforms::{ema, scale_by_learning_rate, scale_by_sign};

/// `chain(scale_by_sign(), scale_by_learning_rate(lr))` (`optax.sign_sgd`).
#[derive(Clone, Debug)]
pub struct SignSgd {
    pub(crate) learning_rate: Hyper,
    built: Built,
}

/// `optax.sign_sgd(learning_rate)`.
pub fn sign_sgd(learning_rate: impl Into<Hyper>) -> SignSgd {
    SignSgd {
        learning_rate: learning_rate.into(),
        built: Built::default(),
    }
}

impl SignSgd {
    /// The chain this alias stands for.
    pub fn build(&self) -> GradientTransformation {
        GradientTransformation::new(chain![
            scale_by_sign(),
            scale_by_learning_rate(self.learning_rate.clone())
        ])
    }

    fn check(&self) -> Result<()> {
        Ok(())
    }
}

alias_transform!(SignSgd);

/// `chain(ema(beta, debias=False, accumulator_dtype), scale_by_sign(),
/// scale_by_learning_rate(lr))` (`optax.signum`).
#[derive(Clone, Debug)]
pub struct Signum {
    pub(crate) learning_rate: Hyper,
    pub(crate) beta: Hyper,
    pub(crate) accumulator_dtype: Option<DType>,
    built: Built,
}

/// `optax.signum(learning_rate, beta=0.9, accumulator_dtype=None)`.
pub fn signum(learning_rate: impl Into<Hyper>) -> Signum {
    Signum {
        learning_rate: learning_rate.into(),
        beta: 0.9.into(),
        accumulator_dtype: None,
        built: Built::default(),
    }
}

impl Signum {
    alias_setters! {
        /// Decay of the moving average of the gradient.
        beta: impl Into<Hyper>;

        /// Storage dtype of the moving average.
        accumulator_dtype: Option<DType>;
    }

    /// The chain this alias stands for.
    pub fn build(&self) -> GradientTransformation {
        // No debiasing: a positive factor does not change the sign.
        let average = ema(self.beta.clone())
            .debias(false)
            .accumulator_dtype(self.accumulator_dtype);
        GradientTransformation::new(chain![
            average,
            scale_by_sign(),
            scale_by_learning_rate(self.learning_rate.clone())
        ])
    }

    fn check(&self) -> Result<()> {
        // Checked here so that an error names `beta`, not `ema`'s `decay`.
        self.beta.scalar("beta")?;
        self.beta
            .check("beta", |v| (0.0..=1.0).contains(&v), "must be in [0, 1]")
    }
}

alias_transform!(Signum);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::OptaxError;
    use crate::transform::{Extra, Transform};
    use crate::tree::Tree;
    use burn::tensor::{Device, Tensor};

    fn grads(a: f32, b: f32) -> Tree {
        Tree::builder()
            .leaf("w", Tensor::<1>::from_floats([a, b], &Device::flex()))
            .build()
            .unwrap()
    }

    #[test]
    fn sign_sgd_steps_by_the_learning_rate() {
        let opt = sign_sgd(0.1);
        let s = opt.init(&grads(0.0, 0.0)).unwrap();
        let (u, _) = opt
            .update(grads(3.0, -0.2), &s, None, &Extra::none())
            .unwrap();
        assert_eq!(u.to_vecs().unwrap()[0], vec![-0.1, 0.1]);
    }

    #[test]
    fn signum_follows_the_average() {
        let opt = signum(0.1).beta(0.5);
        let s = opt.init(&grads(0.0, 0.0)).unwrap();
        let (_, s) = opt
            .update(grads(4.0, 4.0), &s, None, &Extra::none())
            .unwrap();
        // m = (2, 2) then 0.5·2 + 0.5·(-1, -5) = (0.5, -1.5).
        let (u, _) = opt
            .update(grads(-1.0, -5.0), &s, None, &Extra::none())
            .unwrap();
        assert_eq!(u.to_vecs().unwrap()[0], vec![-0.1, 0.1]);
    }

    #[test]
    fn invalid_beta_is_an_error() {
        assert!(matches!(
            signum(0.1).beta(1.5).init(&grads(0.0, 0.0)),
            Err(OptaxError::InvalidHyperparameter { .. })
        ));
    }
}
