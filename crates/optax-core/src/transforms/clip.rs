//! `clip`: clip every element of the updates to `[-max_delta, max_delta]`.
//!
//! Element-wise gradient clipping, as used for recurrent networks since Mikolov's thesis
//! (*Statistical Language Models Based on Neural Networks*, Brno University of Technology,
//! 2012) and discussed in Pascanu et al., *On the difficulty of training Recurrent Neural
//! Networks*, ICML 2013 (<https://arxiv.org/abs/1211.5063>).
//!
//! ```text
//! u_t = min(max(u_t, -max_delta), max_delta)        (jnp.clip: NaN stays NaN)
//! ```

use burn::tensor::Tensor;

use crate::error::Result;
use crate::hyper::{Hyper, Scalar};
use crate::state::State;
use crate::transform::{Extra, Transform};
use crate::tree::Tree;

/// Element-wise clipping (`optax.clip`). State `EmptyState` (`ClipState`).
#[derive(Clone, Debug)]
pub struct Clip {
    pub(crate) max_delta: Hyper,
}

/// `optax.clip(max_delta)`.
pub fn clip(max_delta: impl Into<Hyper>) -> Clip {
    Clip {
        max_delta: max_delta.into(),
    }
}

/// `maximum(lo, t)` with NaN propagated from `t` (`jnp.maximum`): where `t < lo`, `lo`.
pub(crate) fn maximum_nan(t: Tensor<1>, lo: &Scalar) -> Tensor<1> {
    match lo {
        Scalar::Value(v) => {
            let below = t.clone().lower_elem(*v);
            t.mask_fill(below, *v)
        }
        Scalar::Tensor(s) => {
            let n = t.dims()[0];
            let s = s.clone().expand([n]);
            let below = t.clone().lower(s.clone());
            t.mask_where(below, s)
        }
    }
}

/// `minimum(hi, t)` with NaN propagated from `t` (`jnp.minimum`): where `t > hi`, `hi`.
pub(crate) fn minimum_nan(t: Tensor<1>, hi: &Scalar) -> Tensor<1> {
    match hi {
        Scalar::Value(v) => {
            let above = t.clone().greater_elem(*v);
            t.mask_fill(above, *v)
        }
        Scalar::Tensor(s) => {
            let n = t.dims()[0];
            let s = s.clone().expand([n]);
            let above = t.clone().greater(s.clone());
            t.mask_where(above, s)
        }
    }
}

impl Transform for Clip {
    fn init(&self, _params: &Tree) -> Result<State> {
        self.validate()?;
        Ok(State::Empty)
    }

    fn update(
        &self,
        updates: Tree,
        _state: &State,
        _params: Option<&Tree>,
        _extra: &Extra,
    ) -> Result<(Tree, State)> {
        let hi = self.max_delta.scalar("max_delta")?;
        let lo = -hi.clone();
        // jnp.clip(x, lo, hi) = minimum(hi, maximum(lo, x)).
        Ok((
            updates.into_map(|u| minimum_nan(maximum_nan(u, &lo), &hi)),
            State::Empty,
        ))
    }

    fn validate(&self) -> Result<()> {
        self.max_delta.scalar("max_delta")?;
        self.max_delta
            .check("max_delta", |v| v >= 0.0, "must be >= 0")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::OptaxError;
    use burn::tensor::Device;

    #[test]
    fn clips_and_keeps_nan() {
        let device = Device::flex();
        let g = Tree::builder()
            .leaf(
                "w",
                Tensor::<1>::from_floats([-3.0, -0.5, 0.5, 3.0, f32::NAN, f32::INFINITY], &device),
            )
            .build()
            .unwrap();
        let t = clip(1.0);
        let s = t.init(&g).unwrap();
        let (u, _) = t.update(g, &s, None, &Extra::none()).unwrap();
        let v = &u.to_vecs().unwrap()[0];
        assert_eq!(&v[..4], &[-1.0, -0.5, 0.5, 1.0]);
        assert!(v[4].is_nan());
        assert_eq!(v[5], 1.0);
    }

    #[test]
    fn negative_max_delta_is_an_error() {
        let device = Device::flex();
        let g = Tree::builder().scalar("w", 1.0, &device).build().unwrap();
        assert!(matches!(
            clip(-1.0).init(&g),
            Err(OptaxError::InvalidHyperparameter { .. })
        ));
        assert!(matches!(
            clip(f64::NAN).init(&g),
            Err(OptaxError::InvalidHyperparameter { .. })
        ));
    }
}
