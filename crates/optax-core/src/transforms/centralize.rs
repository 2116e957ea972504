//! `centralize`: subtract from each gradient its mean over every axis but the first.
//!
//! Yong et al., *Gradient Centralization: A New Optimization Technique for Deep Neural
//! Networks*, ECCV 2020 (<https://arxiv.org/abs/2004.01461>).
//!
//! ```text
//! u_t[i, ...] = u_t[i, ...] - mean_{axes 1..}(u_t[i, ...])     for leaves of rank > 1
//! u_t         = u_t                                            for leaves of rank 0 and 1
//! ```

use crate::error::Result;
use crate::state::State;
use crate::transform::{Extra, Transform};
use crate::tree::Tree;

/// Gradient centralization (`optax.centralize`). State `EmptyState`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Centralize;

/// `optax.centralize()`.
pub fn centralize() -> Centralize {
    Centralize
}

impl Transform for Centralize {
    fn init(&self, _params: &Tree) -> Result<State> {
        Ok(State::Empty)
    }

    fn update(
        &self,
        updates: Tree,
        _state: &State,
        _params: Option<&Tree>,
        _extra: &Extra,
    ) -> Result<(Tree, State)> {
        let updates = updates.map_with_shape(|_, shape, g| {
            let n = g.dims()[0];
            if shape.len() <= 1 || n == 0 {
                return g;
            }
            let rows = shape[0];
            let g = g.reshape([rows, n / rows]);
            let mean = g.clone().mean_dim(1);
            (g - mean).reshape([n])
        });
        Ok((updates, State::Empty))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, Tensor};

    #[test]
    fn subtracts_the_row_mean_of_matrices_only() {
        let device = Device::flex();
        let g = Tree::builder()
            .leaf(
                "m",
                Tensor::<2>::from_floats([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], &device),
            )
            .leaf("v", Tensor::<1>::from_floats([1.0, 2.0], &device))
            .build()
            .unwrap();
        let t = centralize();
        let s = t.init(&g).unwrap();
        let (u, _) = t.update(g, &s, None, &Extra::none()).unwrap();
        let v = u.to_vecs().unwrap();
        assert_eq!(v[0], vec![-1.0, 0.0, 1.0, -1.0, 0.0, 1.0]);
        assert_eq!(v[1], vec![1.0, 2.0]);
    }
}
