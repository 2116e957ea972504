//! `apply_every`: accumulate the updates and emit their sum every `k` steps (zeros between).
//!
//! Gradient accumulation, a way to train with an effective batch `k` times larger. Unlike
//! `MultiSteps`, the other members of a chain still update their state at every step.
//!
//! ```text
//! c     = count mod k
//! acc_t = [c ≠ 0]·acc_{t-1} + u_t
//! u_t   = [c = k - 1]·acc_t
//! count = (count + 1) mod k
//! ```
//!
//! The indicator factors are multiplications by `0.0` or `1.0`, as in Optax, so a NaN that
//! entered the accumulator stays in it (`0·NaN = NaN`).

use crate::error::Result;
use crate::setters::setters;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, Transform};
use crate::tree::{self, Tree};

/// Gradient accumulation (`optax.apply_every`). State `ApplyEvery(count, grad_acc)`.
#[derive(Clone, Debug)]
pub struct ApplyEvery {
    pub(crate) k: i64,
}

/// `optax.apply_every(k=1)`.
pub fn apply_every() -> ApplyEvery {
    ApplyEvery { k: 1 }
}

impl ApplyEvery {
    setters! {
        /// Emit the accumulated updates every `k` steps.
        k: i64;
    }
}

fn apply_every_state(count: i64, grad_acc: Tree) -> State {
    State::record(
        "ApplyEvery",
        vec![
            ("count", State::Int(count)),
            ("grad_acc", State::Tree(grad_acc)),
        ],
    )
}

impl Transform for ApplyEvery {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        Ok(apply_every_state(0, tree::zeros_like(params)))
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        _params: Option<&Tree>,
        _extra: &Extra,
    ) -> Result<(Tree, State)> {
        self.validate()?;
        state.expect_record("ApplyEvery")?;
        let count = state.field("count")?.as_int()?;
        let grad_acc = state.field("grad_acc")?.tree_like(&updates)?;
        let c = count.rem_euclid(self.k);
        let acc = if c != 0 { 1.0 } else { 0.0 };
        let grad_acc = updates.zip_map(grad_acc, |g, ga| ga.mul_scalar(acc) + g)?;
        let emit = if c == self.k - 1 { 1.0 } else { 0.0 };
        let updates = grad_acc.map(|ga| ga.mul_scalar(emit));
        let count = safe_increment(count).rem_euclid(self.k);
        Ok((updates, apply_every_state(count, grad_acc)))
    }

    fn validate(&self) -> Result<()> {
        if self.k < 1 {
            return Err(crate::error::OptaxError::invalid("k", "must be >= 1"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::OptaxError;
    use burn::tensor::{Device, Tensor};

    #[test]
    fn emits_the_sum_every_k_steps() {
        let device = Device::flex();
        let g = Tree::builder()
            .leaf("w", Tensor::<1>::from_floats([1.0, 2.0], &device))
            .build()
            .unwrap();
        let t = apply_every().k(3);
        let mut s = t.init(&g).unwrap();
        let mut out = Vec::new();
        for _ in 0..6 {
            let (u, next) = t.update(g.clone(), &s, None, &Extra::none()).unwrap();
            out.push(u.to_vecs().unwrap()[0].clone());
            s = next;
        }
        let z = vec![0.0, 0.0];
        assert_eq!(
            out,
            vec![
                z.clone(),
                z.clone(),
                vec![3.0, 6.0],
                z.clone(),
                z,
                vec![3.0, 6.0]
            ]
        );
        assert_eq!(s.field("count").unwrap().as_int().unwrap(), 0);
    }

    #[test]
    fn k_below_one_is_an_error() {
        let device = Device::flex();
        let g = Tree::builder().scalar("w", 1.0, &device).build().unwrap();
        assert!(matches!(
            apply_every().k(0).init(&g),
            Err(OptaxError::InvalidHyperparameter { .. })
        ));
    }
}
