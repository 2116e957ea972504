//! `keep_params_nonnegative`: change the updates so that the parameters stay `>= 0`.
//!
//! A projection onto the non-negative orthant, as in projected gradient descent (e.g. for
//! non-negative matrix factorization: Lin, *Projected Gradient Methods for Nonnegative Matrix
//! Factorization*, Neural Computation 19(10), 2007). Put it last in a chain.
//!
//! ```text
//! u_t = -p_t    where p_t + u_t < 0
//! u_t = u_t     elsewhere (NaN sums compare false and keep u_t)
//! ```

use crate::error::{OptaxError, Result};
use crate::state::State;
use crate::transform::{Extra, Transform};
use crate::tree::Tree;

/// Keeps parameters non-negative (`optax.keep_params_nonnegative`). State `EmptyState`
/// (`NonNegativeParamsState`). Needs the parameters.
#[derive(Clone, Copy, Debug, Default)]
pub struct KeepParamsNonnegative;

/// `optax.keep_params_nonnegative()`.
pub fn keep_params_nonnegative() -> KeepParamsNonnegative {
    KeepParamsNonnegative
}

impl Transform for KeepParamsNonnegative {
    fn init(&self, _params: &Tree) -> Result<State> {
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
            params.ok_or_else(|| OptaxError::params_required("keep_params_nonnegative"))?;
        let updates = params.zip_map(&updates, |p, u| {
            let negative = (p.clone() + u.clone()).lower_elem(0.0);
            u.mask_where(negative, p.neg())
        })?;
        Ok((updates, State::Empty))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, Tensor};

    #[test]
    fn stops_at_zero_and_needs_params() {
        let device = Device::flex();
        let p = Tree::builder()
            .leaf("w", Tensor::<1>::from_floats([1.0, 1.0, 0.5, 2.0], &device))
            .build()
            .unwrap();
        let u = Tree::builder()
            .leaf(
                "w",
                Tensor::<1>::from_floats([-2.0, 0.5, -0.5, f32::NAN], &device),
            )
            .build()
            .unwrap();
        let t = keep_params_nonnegative();
        let s = t.init(&p).unwrap();
        assert!(matches!(
            t.update(u.clone(), &s, None, &Extra::none()),
            Err(OptaxError::ParamsRequired { .. })
        ));
        let (out, _) = t.update(u, &s, Some(&p), &Extra::none()).unwrap();
        let v = &out.to_vecs().unwrap()[0];
        assert_eq!(&v[..3], &[-1.0, 0.5, -0.5]);
        assert!(v[3].is_nan());
    }
}
