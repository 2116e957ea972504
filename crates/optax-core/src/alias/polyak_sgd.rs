//! `polyak_sgd`: SGD with the Polyak step size (see [`scale_by_polyak`]); the update needs the
//! loss `value` as an extra argument.
//!
//! Loizou, Vaswani, Laradji & Lacoste-Julien, *Stochastic Polyak Step-size for SGD: An
//! Adaptive Learning Rate for Fast Convergence*, AISTATS 2021
//! (<https://arxiv.org/abs/2002.10542>); Berrada, Zisserman & Kumar, *Training Neural Networks
//! for and by Interpolation*, ICML 2020 (<https://arxiv.org/abs/1906.05661>); the `sps+`
//! variant: Garrigos, Gower & Schaipp, 2023 (<https://arxiv.org/abs/2307.14528>).
//!
//! ```text
//! u_t = -scaling_t · min((f(x_t) - f_min) / (‖g_t‖² + eps), max_learning_rate) · g_t
//! ```
//!
//! (`scaling` is applied first, by `sgd`, so the Polyak step sees `‖scaling_t·g_t‖²`.)

use super::built::{alias_setters, alias_transform, Built};
use crate::chain;
use crate::error::Result;
use crate::hyper::Hyper;
use crate::transform::GradientTransformation;
use crate::transforms::scale_by_polyak;

use super::sgd;

/// `chain(sgd(learning_rate=scaling), scale_by_polyak(max_learning_rate, f_min, eps, variant))`
/// (`optax.polyak_sgd`). Every `update` needs `Extra::value(loss)`.
#[derive(Clone, Debug)]
pub struct PolyakSgd {
    pub(crate) max_learning_rate: Hyper,
    pub(crate) scaling: Hyper,
    pub(crate) f_min: Hyper,
    pub(crate) eps: Hyper,
    pub(crate) variant: String,
    built: Built,
}

/// `optax.polyak_sgd(max_learning_rate=1.0, scaling=1.0, f_min=0.0, eps=0.0, variant='sps')`.
pub fn polyak_sgd() -> PolyakSgd {
    PolyakSgd {
        max_learning_rate: 1.0.into(),
        scaling: 1.0.into(),
        f_min: 0.0.into(),
        eps: 0.0.into(),
        variant: "sps".to_string(),
        built: Built::default(),
    }
}

impl PolyakSgd {
    alias_setters! {
        /// Largest step size.
        max_learning_rate: impl Into<Hyper>;

        /// Global scaling factor (number or schedule).
        scaling: impl Into<Hyper>;

        /// Lower bound of the objective (`f*`).
        f_min: impl Into<Hyper>;

        /// Added to the squared gradient norm in the denominator.
        eps: impl Into<Hyper>;

        /// `"sps"` or `"sps+"`.
        variant: impl Into<String>;
    }

    /// The chain this alias stands for.
    pub fn build(&self) -> GradientTransformation {
        let polyak = scale_by_polyak()
            .max_learning_rate(self.max_learning_rate.clone())
            .f_min(self.f_min.clone())
            .eps(self.eps.clone())
            .variant(self.variant.clone());
        GradientTransformation::new(chain![sgd(self.scaling.clone()), polyak])
    }

    fn check(&self) -> Result<()> {
        Ok(())
    }
}

alias_transform!(PolyakSgd);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::OptaxError;
    use crate::transform::{Extra, Transform};
    use crate::tree::Tree;
    use burn::tensor::{Device, Tensor};

    #[test]
    fn invalid_variant_and_value_required() {
        let p = Tree::builder()
            .leaf("w", Tensor::<1>::ones([3], &Device::flex()))
            .build()
            .unwrap();
        let err = polyak_sgd().variant("spsplus").init(&p).unwrap_err();
        assert!(
            matches!(err, OptaxError::InvalidHyperparameter { ref name, .. } if name == "variant")
        );
        let t = polyak_sgd();
        let s = t.init(&p).unwrap();
        let err = t
            .update(p.clone(), &s, Some(&p), &Extra::none())
            .unwrap_err();
        assert!(
            matches!(err, OptaxError::ExtraArgRequired { ref arg, .. } if arg == "value"),
            "{err}"
        );
        // One step on f(x) = ‖x‖²/2 from x = 1: gap 1.5, ‖g‖² = 3, step 0.5.
        let (u, _) = t
            .update(p.clone(), &s, Some(&p), &Extra::value(1.5))
            .unwrap();
        assert_eq!(u.to_vecs().unwrap(), vec![vec![-0.5; 3]]);
    }
}
