//! `amsgrad`: Adam with the running maximum of the second moment.
//!
//! Reddi, Kale & Kumar, *On the Convergence of Adam and Beyond*, ICLR 2018
//! (<https://arxiv.org/abs/1904.09237>).

use burn::tensor::DType;

use super::built::{alias_setters, alias_transform, Built};
use crate::chain;
use crate::error::Result;
use crate::hyper::Hyper;
use crate::transform::GradientTransformation;
use crate::transforms::{scale_by_amsgrad, scale_by_learning_rate};

/// `chain(scale_by_amsgrad(..), scale_by_learning_rate(lr))` (`optax.amsgrad`).
#[derive(Clone, Debug)]
pub struct Amsgrad {
    pub(crate) learning_rate: Hyper,
    pub(crate) b1: Hyper,
    pub(crate) b2: Hyper,
    pub(crate) eps: Hyper,
    pub(crate) eps_root: Hyper,
    pub(crate) mu_dtype: Option<DType>,
    pub(crate) bias_correction_mu: bool,
    pub(crate) bias_correction_nu: bool,
    built: Built,
}

/// `optax.amsgrad(learning_rate, b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, mu_dtype=None,
/// bias_correction_mu=True, bias_correction_nu=True)`.
pub fn amsgrad(learning_rate: impl Into<Hyper>) -> Amsgrad {
    Amsgrad {
        learning_rate: learning_rate.into(),
        b1: 0.9.into(),
        b2: 0.999.into(),
        eps: 1e-8.into(),
        eps_root: 0.0.into(),
        mu_dtype: None,
        bias_correction_mu: true,
        bias_correction_nu: true,
        built: Built::default(),
    }
}

impl Amsgrad {
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

        /// Whether to bias-correct the first moment (`false` is the paper's form).
        bias_correction_mu: bool;

        /// Whether to bias-correct the second moment before the maximum (`false` is the paper's
        /// form).
        bias_correction_nu: bool;
    }

    /// The chain this alias stands for.
    pub fn build(&self) -> GradientTransformation {
        let scaling = scale_by_amsgrad()
            .b1(self.b1.clone())
            .b2(self.b2.clone())
            .eps(self.eps.clone())
            .eps_root(self.eps_root.clone())
            .mu_dtype(self.mu_dtype)
            .bias_correction_mu(self.bias_correction_mu)
            .bias_correction_nu(self.bias_correction_nu);
        GradientTransformation::new(chain![
            scaling,
            scale_by_learning_rate(self.learning_rate.clone())
        ])
    }

    fn check(&self) -> Result<()> {
        Ok(())
    }
}

alias_transform!(Amsgrad);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::OptaxError;
    use crate::transform::{Extra, Transform};
    use crate::tree::Tree;
    use burn::tensor::{Device, Tensor};

    fn params() -> Tree {
        Tree::builder()
            .leaf("w", Tensor::<1>::ones([3], &Device::flex()))
            .build()
            .unwrap()
    }

    fn invalid(t: &impl Transform, name: &str) {
        let err = t.init(&params()).unwrap_err();
        assert!(
            matches!(err, OptaxError::InvalidHyperparameter { name: ref n, .. } if n == name),
            "{err}"
        );
    }

    #[test]
    fn invalid_hyperparameters_are_errors() {
        invalid(&amsgrad(0.1).b1(1.0), "b1");
        invalid(&amsgrad(0.1).eps(-1.0), "eps");
        let p = params();
        let t = amsgrad(0.1);
        t.update(p.clone(), &t.init(&p).unwrap(), None, &Extra::none())
            .unwrap();
    }
}
