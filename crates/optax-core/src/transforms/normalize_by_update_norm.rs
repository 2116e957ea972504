//! `normalize_by_update_norm`: divide the updates by their global L2 norm.
//!
//! Normalized gradient descent; see e.g. Hazan, Levy & Shalev-Shwartz, *Beyond Convexity:
//! Stochastic Quasi-Convex Optimization*, NeurIPS 2015 (<https://arxiv.org/abs/1507.02030>).
//!
//! ```text
//! d   = (sqrt(Σ_leaves Σ u²) + eps) / scale_factor
//! u_t = u_t / d
//! ```

use crate::error::Result;
use crate::hyper::Hyper;
use crate::setters::setters;
use crate::state::State;
use crate::transform::{Extra, Transform};
use crate::tree::{self, NormOrd, Tree};

/// Normalization by the global norm (`optax.normalize_by_update_norm`). State `EmptyState`.
#[derive(Clone, Debug)]
pub struct NormalizeByUpdateNorm {
    pub(crate) scale_factor: Hyper,
    pub(crate) eps: Hyper,
}

/// `optax.normalize_by_update_norm(scale_factor=1.0, eps=1e-6)`.
pub fn normalize_by_update_norm() -> NormalizeByUpdateNorm {
    NormalizeByUpdateNorm {
        scale_factor: 1.0.into(),
        eps: 1e-6.into(),
    }
}

impl NormalizeByUpdateNorm {
    setters! {
        /// Factor the normalized update is multiplied by (negative to descend).
        scale_factor: impl Into<Hyper>;

        /// Added to the norm, so that a zero update stays finite.
        eps: impl Into<Hyper>;
    }
}

impl Transform for NormalizeByUpdateNorm {
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
        let scale_factor = self.scale_factor.scalar("scale_factor")?;
        let eps = self.eps.scalar("eps")?;
        let g_norm =
            scale_factor.div_tensor(eps.add_tensor(tree::norm(&updates, NormOrd::L2, false)));
        let updates = updates.into_map(|g| {
            let n = g.dims()[0];
            g / g_norm.clone().expand([n])
        });
        Ok((updates, State::Empty))
    }

    fn validate(&self) -> Result<()> {
        self.scale_factor.scalar("scale_factor")?;
        self.scale_factor.check(
            "scale_factor",
            |v| v != 0.0 && v.is_finite(),
            "must be finite and nonzero",
        )?;
        crate::transforms::check_nonneg(&self.eps, "eps")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::OptaxError;
    use burn::tensor::{Device, Tensor};

    #[test]
    fn divides_by_the_global_norm() {
        let device = Device::flex();
        let g = Tree::builder()
            .leaf("a", Tensor::<1>::from_floats([3.0, 0.0], &device))
            .scalar("b", 4.0, &device)
            .build()
            .unwrap();
        let t = normalize_by_update_norm().scale_factor(-2.0).eps(0.0);
        let s = t.init(&g).unwrap();
        let (u, _) = t.update(g, &s, None, &Extra::none()).unwrap();
        assert_eq!(u.to_vecs().unwrap(), vec![vec![-1.2, 0.0], vec![-1.6]]);
    }

    #[test]
    fn bad_hyperparameters_are_errors() {
        let device = Device::flex();
        let g = Tree::builder().scalar("w", 1.0, &device).build().unwrap();
        let bad = [
            normalize_by_update_norm().scale_factor(0.0),
            normalize_by_update_norm().eps(-1e-6),
            normalize_by_update_norm().eps(f64::NAN),
        ];
        for t in bad {
            assert!(matches!(
                t.init(&g),
                Err(OptaxError::InvalidHyperparameter { .. })
            ));
        }
    }
}
