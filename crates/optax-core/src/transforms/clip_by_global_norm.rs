//! `clip_by_global_norm`: rescale the updates when their global L2 norm reaches `max_norm`.
//!
//! Pascanu et al., *On the difficulty of training Recurrent Neural Networks*, ICML 2013
//! (<https://arxiv.org/abs/1211.5063>).
//!
//! ```text
//! n = sqrt(Σ_leaves Σ u²)
//! u_t = u_t                    if n < max_norm
//! u_t = (u_t / n) · max_norm   otherwise
//! ```
//!
//! As in Optax the test is `n < max_norm`, so a NaN norm (a NaN anywhere in the updates)
//! takes the clipping branch and every element becomes NaN; an infinite norm makes finite
//! elements 0 and infinite ones NaN. The norm stays on the device: the branch is a
//! `mask_where`, never a host read.

use burn::tensor::{Bool, Tensor};

use crate::error::Result;
use crate::hyper::{Hyper, Scalar};
use crate::state::State;
use crate::transform::{Extra, Transform};
use crate::tree::{self, NormOrd, Tree};

/// Global-norm clipping (`optax.clip_by_global_norm`). State `EmptyState`
/// (`ClipByGlobalNormState`).
#[derive(Clone, Debug)]
pub struct ClipByGlobalNorm {
    pub(crate) max_norm: Hyper,
}

/// `optax.clip_by_global_norm(max_norm)`.
pub fn clip_by_global_norm(max_norm: impl Into<Hyper>) -> ClipByGlobalNorm {
    ClipByGlobalNorm {
        max_norm: max_norm.into(),
    }
}

impl ClipByGlobalNorm {
    /// `max_norm` when it is a host number: what a fused optimizer can clip with in its own
    /// pass (see `chain`).
    pub(crate) fn host_max_norm(&self) -> Option<f64> {
        self.max_norm.constant()
    }
}

/// `norm < bound` as a one-element bool tensor (false for a NaN on either side).
pub(crate) fn lower_than(norm: Tensor<1>, bound: &Scalar) -> Tensor<1, Bool> {
    match bound {
        Scalar::Value(v) => norm.lower_elem(*v),
        Scalar::Tensor(b) => norm.lower(b.clone()),
    }
}

impl Transform for ClipByGlobalNorm {
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
        let max_norm = self.max_norm.scalar("max_norm")?;
        let g_norm = tree::norm(&updates, NormOrd::L2, false);
        let trigger = lower_than(g_norm.clone(), &max_norm);
        let updates = updates.into_map(|t| {
            let n = t.dims()[0];
            let clipped = max_norm.mul_tensor(t.clone() / g_norm.clone().expand([n]));
            clipped.mask_where(trigger.clone().expand([n]), t)
        });
        Ok((updates, State::Empty))
    }

    fn validate(&self) -> Result<()> {
        self.max_norm.scalar("max_norm")?;
        self.max_norm.check("max_norm", |v| v > 0.0, "must be > 0")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::OptaxError;
    use burn::tensor::Device;

    fn grads(a: [f32; 2], b: f32) -> Tree {
        let device = Device::flex();
        Tree::builder()
            .leaf("a", Tensor::<1>::from_floats(a, &device))
            .scalar("b", b, &device)
            .build()
            .unwrap()
    }

    fn run(t: &ClipByGlobalNorm, g: Tree) -> Vec<Vec<f32>> {
        let s = t.init(&g).unwrap();
        t.update(g, &s, None, &Extra::none())
            .unwrap()
            .0
            .to_vecs()
            .unwrap()
    }

    #[test]
    fn clips_by_the_norm_over_all_leaves() {
        // Norm 13 (3, 4, 12).
        let v = run(&clip_by_global_norm(6.5), grads([3.0, 4.0], 12.0));
        assert_eq!(v, vec![vec![1.5, 2.0], vec![6.0]]);
        let v = run(&clip_by_global_norm(13.5), grads([3.0, 4.0], 12.0));
        assert_eq!(v, vec![vec![3.0, 4.0], vec![12.0]]);
    }

    #[test]
    fn nan_and_inf_follow_optax() {
        let v = run(&clip_by_global_norm(1.0), grads([f32::NAN, 1.0], 0.0));
        assert!(v.iter().flatten().all(|x| x.is_nan()));
        let v = run(&clip_by_global_norm(1.0), grads([f32::INFINITY, 1.0], 0.0));
        assert!(v[0][0].is_nan());
        assert_eq!((v[0][1], v[1][0]), (0.0, 0.0));
    }

    #[test]
    fn bad_max_norm_is_an_error() {
        let g = grads([1.0, 1.0], 1.0);
        assert!(matches!(
            clip_by_global_norm(-1.0).init(&g),
            Err(OptaxError::InvalidHyperparameter { .. })
        ));
        assert!(matches!(
            clip_by_global_norm(f64::NAN).init(&g),
            Err(OptaxError::InvalidHyperparameter { .. })
        ));
    }
}
