//! `scale_by_trust_ratio`: scale each leaf's update by the ratio of its parameter norm to its
//! update norm (the layer-wise "trust ratio" of LARS, LAMB and Fromage).
//!
//! You, Gitman & Ginsburg, *Large Batch Training of Convolutional Networks*, 2017
//! (<https://arxiv.org/abs/1708.03888>); You et al., *Large Batch Optimization for Deep
//! Learning: Training BERT in 76 minutes*, ICLR 2020 (<https://arxiv.org/abs/1904.00962>).
//!
//! ```text
//! ‖p‖ = max(‖p_t‖₂, min_norm),  ‖u‖ = max(‖u_t‖₂, min_norm)            (per leaf)
//! r_t = trust_coefficient · ‖p‖ / (‖u‖ + eps),  r_t = 1 if ‖p‖ = 0 or ‖u‖ = 0
//! u_t = u_t · r_t
//! ```

use crate::error::{OptaxError, Result};
use crate::hyper::Hyper;
use crate::setters::setters;
use crate::state::State;
use crate::transform::{Extra, Transform};
use crate::transforms::check_nonneg;
use crate::tree::Tree;

use super::scale_by_param_block::safe_norm;

/// The trust-ratio scaling (`optax.scale_by_trust_ratio`). Stateless
/// (`ScaleByTrustRatioState = EmptyState`); needs the parameters.
#[derive(Clone, Debug)]
pub struct ScaleByTrustRatio {
    pub(crate) min_norm: Hyper,
    pub(crate) trust_coefficient: Hyper,
    pub(crate) eps: Hyper,
}

/// `optax.scale_by_trust_ratio(min_norm=0.0, trust_coefficient=1.0, eps=0.0)`.
pub fn scale_by_trust_ratio() -> ScaleByTrustRatio {
    ScaleByTrustRatio {
        min_norm: 0.0.into(),
        trust_coefficient: 1.0.into(),
        eps: 0.0.into(),
    }
}

impl ScaleByTrustRatio {
    setters! {
        /// Lower bound of the parameter and update norms (0: no clipping).
        min_norm: impl Into<Hyper>;

        /// Multiplier of the trust ratio.
        trust_coefficient: impl Into<Hyper>;

        /// Added to the update norm in the denominator.
        eps: impl Into<Hyper>;
    }
}

impl Transform for ScaleByTrustRatio {
    fn init(&self, _params: &Tree) -> Result<State> {
        self.validate()?;
        Ok(State::Empty)
    }

    fn update(
        &self,
        updates: Tree,
        _state: &State,
        params: Option<&Tree>,
        _extra: &Extra,
    ) -> Result<(Tree, State)> {
        let params = params.ok_or_else(|| OptaxError::params_required("scale_by_trust_ratio"))?;
        let min_norm = self.min_norm.scalar("min_norm")?;
        let trust_coefficient = self.trust_coefficient.scalar("trust_coefficient")?;
        let eps = self.eps.scalar("eps")?;
        let updates = updates.zip_map(params, |u, p| {
            let param_norm = safe_norm(p, &min_norm);
            let update_norm = safe_norm(u.clone(), &min_norm);
            let trust_ratio = trust_coefficient.mul_tensor(param_norm.clone())
                / eps.add_tensor(update_norm.clone());
            let zero_norm = param_norm
                .equal_elem(0.0)
                .bool_or(update_norm.equal_elem(0.0));
            u * trust_ratio.mask_fill(zero_norm, 1.0)
        })?;
        Ok((updates, State::Empty))
    }

    fn validate(&self) -> Result<()> {
        check_nonneg(&self.min_norm, "min_norm")?;
        self.trust_coefficient.scalar("trust_coefficient")?;
        self.trust_coefficient
            .check("trust_coefficient", f64::is_finite, "must be finite")?;
        check_nonneg(&self.eps, "eps")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, Tensor, TensorData};

    fn tree(values: &[f32]) -> Tree {
        let device = Device::flex();
        let t = Tensor::<1>::from_data(TensorData::new(values.to_vec(), [values.len()]), &device);
        Tree::builder().leaf("w", t).build().unwrap()
    }

    #[test]
    fn invalid_hyperparameters_are_errors() {
        let p = tree(&[1.0]);
        for (t, name) in [
            (scale_by_trust_ratio().min_norm(-1.0), "min_norm"),
            (scale_by_trust_ratio().eps(-1e-3), "eps"),
            (
                scale_by_trust_ratio().trust_coefficient(f64::INFINITY),
                "trust_coefficient",
            ),
        ] {
            let err = t.init(&p).unwrap_err();
            assert!(
                matches!(err, OptaxError::InvalidHyperparameter { name: ref n, .. } if n == name),
                "{err}"
            );
        }
    }

    #[test]
    fn params_are_required() {
        let p = tree(&[1.0]);
        let t = scale_by_trust_ratio();
        let s = t.init(&p).unwrap();
        let err = t.update(p.clone(), &s, None, &Extra::none()).unwrap_err();
        assert_eq!(err, OptaxError::params_required("scale_by_trust_ratio"));
    }

    #[test]
    fn ratio_and_zero_norm() {
        let t = scale_by_trust_ratio().trust_coefficient(0.5);
        let (u, _) = t
            .update(
                tree(&[0.0, 2.0]),
                &State::Empty,
                Some(&tree(&[3.0, 4.0])),
                &Extra::none(),
            )
            .unwrap();
        // 0.5 · 5 / 2 = 1.25
        assert_eq!(u.to_vecs().unwrap(), vec![vec![0.0, 2.5]]);
        let (u, _) = t
            .update(
                tree(&[1.0, 2.0]),
                &State::Empty,
                Some(&tree(&[0.0, 0.0])),
                &Extra::none(),
            )
            .unwrap();
        assert_eq!(u.to_vecs().unwrap(), vec![vec![1.0, 2.0]]);
    }
}
