//! `scale_by_sign`: replace each element of the updates by its sign.
//!
//! signSGD: Bernstein et al., *signSGD: Compressed Optimisation for Non-Convex Problems*,
//! ICML 2018 (<https://arxiv.org/abs/1802.04434>).
//!
//! ```text
//! u_t = sign(u_t)        (sign(0) = 0, sign(NaN) = NaN, as jnp.sign)
//! ```

use burn::tensor::Tensor;

use crate::error::Result;
use crate::state::State;
use crate::transform::{Extra, Transform};
use crate::tree::Tree;

/// Signs of the updates (`optax.scale_by_sign`). State `EmptyState`.
#[derive(Clone, Copy, Debug, Default)]
pub struct ScaleBySign;

/// `optax.scale_by_sign()`.
pub fn scale_by_sign() -> ScaleBySign {
    ScaleBySign
}

/// `jnp.sign`: Burn's `sign` maps NaN to 0 on some backends, so NaN is put back explicitly.
pub(crate) fn sign_nan(t: Tensor<1>) -> Tensor<1> {
    let nan = t.clone().is_nan();
    t.clone().sign().mask_where(nan, t)
}

impl Transform for ScaleBySign {
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
        Ok((updates.into_map(sign_nan), State::Empty))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Device;

    #[test]
    fn signs_with_nan_kept() {
        let device = Device::flex();
        let g = Tree::builder()
            .leaf(
                "w",
                Tensor::<1>::from_floats([-2.0, 0.0, 3.0, f32::NEG_INFINITY, f32::NAN], &device),
            )
            .build()
            .unwrap();
        let (u, _) = scale_by_sign()
            .update(g, &State::Empty, None, &Extra::none())
            .unwrap();
        let v = &u.to_vecs().unwrap()[0];
        assert_eq!(&v[..4], &[-1.0, 0.0, 1.0, -1.0]);
        assert!(v[4].is_nan());
    }
}
