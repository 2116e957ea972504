//! `scale_by_adadelta`: rescale by the ratio of the RMS of past updates to the RMS of
//! gradients.
//!
//! Zeiler, *ADADELTA: An Adaptive Learning Rate Method*, arXiv preprint 2012
//! (<https://arxiv.org/abs/1212.5701>).
//!
//! ```text
//! E[g²]_t  = rho·E[g²]_{t-1} + (1 - rho)·g_t²
//! u_t      = (sqrt(E[Δx²]_{t-1} + eps) / sqrt(E[g²]_t + eps))·g_t
//! E[Δx²]_t = rho·E[Δx²]_{t-1} + (1 - rho)·u_t²
//! ```

use crate::error::Result;
use crate::hyper::Hyper;
use crate::setters::setters;
use crate::state::State;
use crate::transform::{Extra, Transform};
use crate::transforms::check_decay;
use crate::tree::{self, Tree};

/// Adadelta's scaling (`optax.scale_by_adadelta`). State `ScaleByAdaDeltaState(e_g, e_x)`.
#[derive(Clone, Debug)]
pub struct ScaleByAdadelta {
    pub(crate) rho: Hyper,
    pub(crate) eps: Hyper,
}

/// `optax.scale_by_adadelta(rho=0.9, eps=1e-6)`.
pub fn scale_by_adadelta() -> ScaleByAdadelta {
    ScaleByAdadelta {
        rho: 0.9.into(),
        eps: 1e-6.into(),
    }
}

impl ScaleByAdadelta {
    setters! {
        /// Decay of the running averages of squared gradients and squared updates.
        rho: impl Into<Hyper>;

        /// Added inside both square roots; it also sets the size of the first steps.
        eps: impl Into<Hyper>;
    }
}

impl Transform for ScaleByAdadelta {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        Ok(State::record(
            "ScaleByAdaDeltaState",
            vec![
                ("e_g", State::Tree(tree::zeros_like(params))),
                ("e_x", State::Tree(tree::zeros_like(params))),
            ],
        ))
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        _params: Option<&Tree>,
        _extra: &Extra,
    ) -> Result<(Tree, State)> {
        state.expect_record("ScaleByAdaDeltaState")?;
        let e_g = state.field("e_g")?.tree_like(&updates)?;
        let e_x = state.field("e_x")?.tree_like(&updates)?;
        let (rho, eps) = (self.rho.scalar("rho")?, self.eps.scalar("eps")?);

        let e_g = tree::update_moment(&updates, e_g, &rho, 2)?;
        let ratio = e_x.zip_map(&e_g, |prev_e_x, cur_e_g| {
            eps.add_tensor(prev_e_x).sqrt() / eps.add_tensor(cur_e_g).sqrt()
        })?;
        let updates = tree::mul(&ratio, &updates)?;
        let e_x = tree::update_moment(&updates, e_x, &rho, 2)?;
        Ok((
            updates,
            State::record(
                "ScaleByAdaDeltaState",
                vec![("e_g", State::Tree(e_g)), ("e_x", State::Tree(e_x))],
            ),
        ))
    }

    fn validate(&self) -> Result<()> {
        check_decay(&self.rho, "rho")?;
        self.eps.scalar("eps")?;
        // With eps = 0 the first update is 0 and so is every later one.
        self.eps.check(
            "eps",
            |v| v > 0.0 && v.is_finite(),
            "must be finite and > 0",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::OptaxError;
    use burn::tensor::{Device, Tensor, TensorData};

    fn tree(values: &[f32]) -> Tree {
        let t = Tensor::<1>::from_data(
            TensorData::new(values.to_vec(), [values.len()]),
            &Device::flex(),
        );
        Tree::builder().leaf("w", t).build().unwrap()
    }

    fn invalid(t: &impl Transform, name: &str) {
        let err = t.init(&tree(&[1.0])).unwrap_err();
        assert!(
            matches!(err, OptaxError::InvalidHyperparameter { name: ref n, .. } if n == name),
            "{err}"
        );
    }

    #[test]
    fn invalid_hyperparameters_are_errors() {
        invalid(&scale_by_adadelta().rho(1.0), "rho");
        invalid(&scale_by_adadelta().eps(0.0), "eps");
        invalid(&scale_by_adadelta().eps(f64::INFINITY), "eps");
    }

    #[test]
    fn first_step() {
        // e_g = 0.1·g² = 0.4; u = sqrt(eps) / sqrt(0.4 + eps)·g; e_x = 0.1·u².
        let t = scale_by_adadelta().eps(0.01);
        let s = t.init(&tree(&[0.0])).unwrap();
        let (u, s) = t.update(tree(&[2.0]), &s, None, &Extra::none()).unwrap();
        let want = (0.01f64).sqrt() / (0.41f64).sqrt() * 2.0;
        let got = u.to_vecs().unwrap()[0][0] as f64;
        assert!((got - want).abs() < 1e-6, "{got} {want}");
        let e_x = s
            .field("e_x")
            .unwrap()
            .as_tree()
            .unwrap()
            .to_vecs()
            .unwrap()[0][0] as f64;
        assert!((e_x - 0.1 * want * want).abs() < 1e-6);
    }
}
