//! `scale_by_param_block_norm` and `scale_by_param_block_rms`: scale each leaf's update by the
//! size of that leaf's parameters (a "block" is one weight vector or matrix).
//!
//! The relative step size of Adafactor: Shazeer & Stern, *Adafactor: Adaptive Learning Rates
//! with Sublinear Memory Cost*, ICML 2018 (<https://arxiv.org/abs/1804.04235>), section 8.
//!
//! ```text
//! norm:  u_t = u_t · max(‖p_t‖₂, min_scale)                     (per leaf)
//! rms:   u_t = u_t · max(sqrt(mean(p_t²)), min_scale)           (per leaf)
//! ```
//!
//! As Optax's `safe_norm` / `safe_root_mean_squares`, the floor applies where the statistic is
//! `<= min_scale`.

use burn::tensor::Tensor;

use crate::error::{OptaxError, Result};
use crate::hyper::{Hyper, Scalar};
use crate::setters::setters;
use crate::state::State;
use crate::transform::{Extra, Transform};
use crate::transforms::check_nonneg;
use crate::tree::Tree;

/// `where(x <= floor, floor, x)` for a one-element `x`: the last step of Optax's `safe_norm`.
pub(crate) fn floor_at(x: Tensor<1>, floor: &Scalar) -> Tensor<1> {
    match floor {
        Scalar::Value(v) => {
            let below = x.clone().lower_equal_elem(*v);
            x.mask_fill(below, *v)
        }
        Scalar::Tensor(t) => {
            let below = x.clone().lower_equal(t.clone());
            x.mask_where(below, t.clone())
        }
    }
}

/// The Euclidean norm of a flat leaf, one element.
pub(crate) fn l2_norm(x: Tensor<1>) -> Tensor<1> {
    (x.clone() * x).sum().sqrt()
}

/// Optax's `numerics.safe_norm(x, min_norm)`: `‖x‖₂`, or `min_norm` where `‖x‖₂ <= min_norm`.
pub(crate) fn safe_norm(x: Tensor<1>, min_norm: &Scalar) -> Tensor<1> {
    floor_at(l2_norm(x), min_norm)
}

/// Optax's `numerics.safe_root_mean_squares(x, min_rms)`.
pub(crate) fn safe_root_mean_squares(x: Tensor<1>, min_rms: &Scalar) -> Tensor<1> {
    floor_at((x.clone() * x).mean().sqrt(), min_rms)
}

/// Scales each leaf's update by the norm of its parameters (`optax.scale_by_param_block_norm`).
/// Stateless (`EmptyState`); needs the parameters.
#[derive(Clone, Debug)]
pub struct ScaleByParamBlockNorm {
    pub(crate) min_scale: Hyper,
}

/// `optax.scale_by_param_block_norm(min_scale=1e-3)`.
pub fn scale_by_param_block_norm() -> ScaleByParamBlockNorm {
    ScaleByParamBlockNorm {
        min_scale: 1e-3.into(),
    }
}

impl ScaleByParamBlockNorm {
    setters! {
        /// Smallest scaling factor.
        min_scale: impl Into<Hyper>;
    }
}

impl Transform for ScaleByParamBlockNorm {
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
        let params =
            params.ok_or_else(|| OptaxError::params_required("scale_by_param_block_norm"))?;
        let min_scale = self.min_scale.scalar("min_scale")?;
        let updates = updates.zip_map(params, |u, p| u * safe_norm(p, &min_scale))?;
        Ok((updates, State::Empty))
    }

    fn validate(&self) -> Result<()> {
        check_nonneg(&self.min_scale, "min_scale")
    }
}

/// Scales each leaf's update by the root mean square of its parameters
/// (`optax.scale_by_param_block_rms`). Stateless (`EmptyState`); needs the parameters.
#[derive(Clone, Debug)]
pub struct ScaleByParamBlockRms {
    pub(crate) min_scale: Hyper,
}

/// `optax.scale_by_param_block_rms(min_scale=1e-3)`.
pub fn scale_by_param_block_rms() -> ScaleByParamBlockRms {
    ScaleByParamBlockRms {
        min_scale: 1e-3.into(),
    }
}

impl ScaleByParamBlockRms {
    setters! {
        /// Smallest scaling factor.
        min_scale: impl Into<Hyper>;
    }
}

impl Transform for ScaleByParamBlockRms {
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
        let params =
            params.ok_or_else(|| OptaxError::params_required("scale_by_param_block_rms"))?;
        let min_scale = self.min_scale.scalar("min_scale")?;
        let updates = updates.zip_map(params, |u, p| u * safe_root_mean_squares(p, &min_scale))?;
        Ok((updates, State::Empty))
    }

    fn validate(&self) -> Result<()> {
        check_nonneg(&self.min_scale, "min_scale")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData};

    fn tree(values: &[f32]) -> Tree {
        let device = Device::flex();
        let t = Tensor::<1>::from_data(TensorData::new(values.to_vec(), [values.len()]), &device);
        Tree::builder().leaf("w", t).build().unwrap()
    }

    #[test]
    fn invalid_min_scale_is_an_error() {
        let p = tree(&[1.0, 2.0]);
        let err = scale_by_param_block_norm()
            .min_scale(-1.0)
            .init(&p)
            .unwrap_err();
        assert!(
            matches!(err, OptaxError::InvalidHyperparameter { ref name, .. } if name == "min_scale")
        );
        let err = scale_by_param_block_rms()
            .min_scale(f64::NAN)
            .init(&p)
            .unwrap_err();
        assert!(
            matches!(err, OptaxError::InvalidHyperparameter { ref name, .. } if name == "min_scale")
        );
    }

    #[test]
    fn params_are_required() {
        let p = tree(&[1.0, 2.0]);
        let t = scale_by_param_block_norm();
        let s = t.init(&p).unwrap();
        let err = t.update(p.clone(), &s, None, &Extra::none()).unwrap_err();
        assert_eq!(
            err,
            OptaxError::params_required("scale_by_param_block_norm")
        );
        let t = scale_by_param_block_rms();
        let err = t.update(p.clone(), &s, None, &Extra::none()).unwrap_err();
        assert_eq!(err, OptaxError::params_required("scale_by_param_block_rms"));
    }

    #[test]
    fn scales_by_norm_and_rms() {
        let p = tree(&[3.0, 4.0]);
        let g = tree(&[1.0, -1.0]);
        let t = scale_by_param_block_norm();
        let (u, _) = t
            .update(g.clone(), &State::Empty, Some(&p), &Extra::none())
            .unwrap();
        assert_eq!(u.to_vecs().unwrap(), vec![vec![5.0, -5.0]]);
        let t = scale_by_param_block_rms().min_scale(10.0);
        let (u, _) = t
            .update(g, &State::Empty, Some(&p), &Extra::none())
            .unwrap();
        assert_eq!(u.to_vecs().unwrap(), vec![vec![10.0, -10.0]]);
    }
}
