//! `normalize`: divide the updates by their global L2 norm (SAM's adversarial direction).
//!
//! Foret et al., *Sharpness-Aware Minimization for Efficiently Improving Generalization*,
//! ICLR 2021 (<https://arxiv.org/abs/2010.01412>): the adversarial step is
//! `ε̂(w) = ρ · g / ‖g‖₂`; `normalize` computes the `g / ‖g‖₂` part.
//!
//! ```text
//! u_t = g_t / sqrt(Σ_leaves Σ g_t²)
//! ```
//!
//! Unlike [`normalize_by_update_norm`](crate::normalize_by_update_norm) there is no `eps`: a
//! zero gradient gives NaN updates, as in Optax.

use crate::error::Result;
use crate::state::State;
use crate::transform::{Extra, Transform};
use crate::tree::{self, NormOrd, Tree};

/// Global-norm normalization (`optax.contrib.normalize`). State `EmptyState`
/// (Optax's `NormalizeState`).
///
/// Optax's signature: `optax.contrib.normalize()`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::contrib::normalize;
/// use optax_core::{Extra, Transform, Tree};
///
/// let device = Device::flex();
/// let g = Tree::builder()
///     .scalar("a", 3.0, &device)
///     .leaf("b", Tensor::<1>::from_floats([0.0, 4.0], &device))
///     .leaf("c", Tensor::<2>::zeros([1, 1], &device))
///     .build()
///     .unwrap();
/// let t = normalize();
/// let state = t.init(&g).unwrap();
/// let (u, _) = t.update(g, &state, None, &Extra::none()).unwrap();
/// assert_eq!(u.to_vecs().unwrap(), vec![vec![0.6], vec![0.0, 0.8], vec![0.0]]);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Normalize;

/// `optax.contrib.normalize()`.
pub fn normalize() -> Normalize {
    Normalize
}

impl Transform for Normalize {
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
        let g_norm = tree::norm(&updates, NormOrd::L2, false);
        let updates = updates.into_map(|g| {
            let n = g.dims()[0];
            g / g_norm.clone().expand([n])
        });
        Ok((updates, State::Empty))
    }
}
