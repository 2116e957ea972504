//! `zero_nans`: replace NaNs in the updates by zeros, and record per leaf whether any was
//! found.
//!
//! ```text
//! found_nan[leaf] = any(isnan(u_t[leaf]))
//! u_t = where(isnan(u_t), 0, u_t)
//! ```
//!
//! The state `ZeroNansState(found_nan)` is, as in Optax, a tree with the parameters' leaves
//! (same paths) holding one flag each. Flags are stored as a [`State::Tree`] whose leaves all
//! have the rank-0 shape `[]` and hold `1.0` (a NaN was found at the last update) or `0.0`:
//! computed on the device, so the update never syncs; read them with
//! `state.get("found_nan")?.as_tree()?.to_vecs()`. Optax never reads the flags back (they are
//! for the user), and neither does `update` here.

use std::sync::Arc;

use burn::tensor::Tensor;

use crate::error::{OptaxError, Result};
use crate::state::State;
use crate::transform::{Extra, Transform};
use crate::tree::{Tree, TreeDef};

/// NaN to zero (`optax.zero_nans`). State `ZeroNansState(found_nan)`.
#[derive(Clone, Copy, Debug, Default)]
pub struct ZeroNans;

/// `optax.zero_nans()`.
pub fn zero_nans() -> ZeroNans {
    ZeroNans
}

fn zero_nans_state(found_nan: Tree) -> State {
    State::record("ZeroNansState", vec![("found_nan", State::Tree(found_nan))])
}

impl Transform for ZeroNans {
    fn init(&self, params: &Tree) -> Result<State> {
        let def = TreeDef::new(params.paths().to_vec(), vec![vec![]; params.len()])?;
        let flags = params
            .leaves()
            .iter()
            .map(|p| Tensor::zeros([1], &p.device()))
            .collect();
        Ok(zero_nans_state(Tree::from_flat(Arc::new(def), flags)?))
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        _params: Option<&Tree>,
        _extra: &Extra,
    ) -> Result<(Tree, State)> {
        state.expect_record("ZeroNansState")?;
        let found = state.field("found_nan")?.as_tree()?;
        if found.paths() != updates.paths() || found.shapes().iter().any(|s| !s.is_empty()) {
            return Err(OptaxError::state(
                "ZeroNansState.found_nan",
                "expected one flag per leaf of the updates",
            ));
        }
        let flags = updates
            .leaves()
            .iter()
            .map(|u| u.clone().is_nan().any().float())
            .collect();
        let found_nan = Tree::from_flat(found.def().clone(), flags)?;
        let updates = updates.into_map(|u| {
            let nan = u.clone().is_nan();
            u.mask_fill(nan, 0.0)
        });
        Ok((updates, zero_nans_state(found_nan)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Device;

    #[test]
    fn zeroes_nans_and_flags_leaves() {
        let device = Device::flex();
        let g = Tree::builder()
            .leaf(
                "a",
                Tensor::<1>::from_floats([1.0, f32::NAN, f32::INFINITY], &device),
            )
            .scalar("b", 2.0, &device)
            .build()
            .unwrap();
        let t = zero_nans();
        let s = t.init(&g).unwrap();
        let flags = s
            .get("found_nan")
            .unwrap()
            .as_tree()
            .unwrap()
            .to_vecs()
            .unwrap();
        assert_eq!(flags, vec![vec![0.0], vec![0.0]]);
        let (u, s) = t.update(g, &s, None, &Extra::none()).unwrap();
        assert_eq!(
            u.to_vecs().unwrap(),
            vec![vec![1.0, 0.0, f32::INFINITY], vec![2.0]]
        );
        let flags = s
            .get("found_nan")
            .unwrap()
            .as_tree()
            .unwrap()
            .to_vecs()
            .unwrap();
        assert_eq!(flags, vec![vec![1.0], vec![0.0]]);
    }

    #[test]
    fn a_foreign_state_is_an_error() {
        let device = Device::flex();
        let g = Tree::builder().scalar("b", 2.0, &device).build().unwrap();
        assert!(zero_nans()
            .update(g, &State::Empty, None, &Extra::none())
            .is_err());
    }
}
