//! `clip_by_block_rms`: clip each leaf (a "block": a weight vector or matrix) to a maximum
//! root-mean-square.
//!
//! Used by Adafactor: Shazeer & Stern, *Adafactor: Adaptive Learning Rates with Sublinear
//! Memory Cost*, ICML 2018 (<https://arxiv.org/abs/1804.04235>), section 6 ("update
//! clipping").
//!
//! ```text
//! d = max(1, sqrt(mean(u²)) / threshold)        per leaf (NaN propagates, as jnp.maximum)
//! u_t = u_t / d
//! ```

use crate::error::Result;
use crate::hyper::{Hyper, Scalar};
use crate::state::State;
use crate::transform::{Extra, Transform};
use crate::transforms::maximum_nan;
use crate::tree::Tree;

/// Per-leaf RMS clipping (`optax.clip_by_block_rms`). State `EmptyState`.
#[derive(Clone, Debug)]
pub struct ClipByBlockRms {
    pub(crate) threshold: Hyper,
}

/// `optax.clip_by_block_rms(threshold)`.
pub fn clip_by_block_rms(threshold: impl Into<Hyper>) -> ClipByBlockRms {
    ClipByBlockRms {
        threshold: threshold.into(),
    }
}

impl Transform for ClipByBlockRms {
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
        let threshold = self.threshold.scalar("threshold")?;
        let one = Scalar::Value(1.0);
        let updates = updates.into_map(|u| {
            if u.dims()[0] == 0 {
                return u;
            }
            let rms = (u.clone() * u.clone()).mean().sqrt();
            let clip_denom = maximum_nan(threshold.div_tensor(rms), &one);
            let n = u.dims()[0];
            u / clip_denom.expand([n])
        });
        Ok((updates, State::Empty))
    }

    fn validate(&self) -> Result<()> {
        self.threshold.scalar("threshold")?;
        self.threshold
            .check("threshold", |v| v > 0.0, "must be > 0")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::OptaxError;
    use burn::tensor::{Device, Tensor};

    #[test]
    fn clips_each_leaf_by_its_rms() {
        let device = Device::flex();
        let g = Tree::builder()
            .leaf("a", Tensor::<1>::from_floats([3.0, 4.0, 0.0, 0.0], &device)) // rms 2.5
            .leaf("b", Tensor::<1>::from_floats([0.1, -0.1], &device)) // rms 0.1
            .build()
            .unwrap();
        let t = clip_by_block_rms(1.0);
        let s = t.init(&g).unwrap();
        let (u, _) = t.update(g, &s, None, &Extra::none()).unwrap();
        let v = u.to_vecs().unwrap();
        assert_eq!(v[0], vec![1.2, 1.6, 0.0, 0.0]);
        assert_eq!(v[1], vec![0.1, -0.1]);
    }

    #[test]
    fn bad_threshold_is_an_error() {
        let device = Device::flex();
        let g = Tree::builder().scalar("w", 1.0, &device).build().unwrap();
        assert!(matches!(
            clip_by_block_rms(0.0).init(&g),
            Err(OptaxError::InvalidHyperparameter { .. })
        ));
        assert!(matches!(
            clip_by_block_rms(f64::NAN).init(&g),
            Err(OptaxError::InvalidHyperparameter { .. })
        ));
    }
}
