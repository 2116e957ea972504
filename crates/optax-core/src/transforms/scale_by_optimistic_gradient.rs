//! `scale_by_optimistic_gradient`: generalized optimistic gradients, an extrapolation from the
//! previous gradient.
//!
//! Daskalakis, Ilyas, Syrgkanis & Zeng, *Training GANs with Optimism*, ICLR 2018
//! (<https://arxiv.org/abs/1711.00141>); Mokhtari, Ozdaglar & Pattathil, *A Unified Analysis of
//! Extra-gradient and Optimistic Gradient Methods for Saddle Point Problems: Proximal Point
//! Approach*, AISTATS 2020 (<https://arxiv.org/abs/1901.08511>).
//!
//! ```text
//! u_t = (alpha + beta)·g_t - beta·g_{t-1},   with g_{-1} := g_0 at the first step
//! ```

use crate::error::Result;
use crate::hyper::Hyper;
use crate::setters::setters;
use crate::state::State;
use crate::transform::{Extra, Transform};
use crate::tree::{self, Tree};

/// Optimistic gradients (`optax.scale_by_optimistic_gradient`). State
/// `ScaleByOptimisticGradientState(is_initial_step, previous_gradient)`.
#[derive(Clone, Debug)]
pub struct ScaleByOptimisticGradient {
    pub(crate) alpha: Hyper,
    pub(crate) beta: Hyper,
}

/// `optax.scale_by_optimistic_gradient(alpha=1.0, beta=1.0)`.
pub fn scale_by_optimistic_gradient() -> ScaleByOptimisticGradient {
    ScaleByOptimisticGradient {
        alpha: 1.0.into(),
        beta: 1.0.into(),
    }
}

impl ScaleByOptimisticGradient {
    setters! {
        /// Coefficient of the current gradient.
        alpha: impl Into<Hyper>;

        /// Coefficient of the negative momentum (the change of gradient).
        beta: impl Into<Hyper>;
    }
}

impl Transform for ScaleByOptimisticGradient {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        Ok(State::record(
            "ScaleByOptimisticGradientState",
            vec![
                ("is_initial_step", State::Bool(true)),
                ("previous_gradient", State::Tree(tree::zeros_like(params))),
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
        state.expect_record("ScaleByOptimisticGradientState")?;
        let is_initial_step = state.field("is_initial_step")?.as_bool()?;
        let previous_gradient = state.field("previous_gradient")?.tree_like(&updates)?;
        let (alpha, beta) = (self.alpha.scalar("alpha")?, self.beta.scalar("beta")?);
        let sum = alpha + beta.clone();
        // At the first step there is no previous gradient: Optax uses the current one.
        let prev = if is_initial_step {
            &updates
        } else {
            previous_gradient
        };
        let new_updates =
            updates.zip_map(prev, |g, prev| sum.mul_tensor(g) - beta.mul_tensor(prev))?;
        Ok((
            new_updates,
            State::record(
                "ScaleByOptimisticGradientState",
                vec![
                    ("is_initial_step", State::Bool(false)),
                    ("previous_gradient", State::Tree(updates)),
                ],
            ),
        ))
    }

    fn validate(&self) -> Result<()> {
        for (h, name) in [(&self.alpha, "alpha"), (&self.beta, "beta")] {
            h.scalar(name)?;
            h.check(name, f64::is_finite, "must be finite")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::OptaxError;
    use burn::tensor::{Device, Tensor, TensorData};

    fn tree(values: &[f32]) -> Tree {
        let device = Device::flex();
        let t = Tensor::<1>::from_data(TensorData::new(values.to_vec(), [values.len()]), &device);
        Tree::builder().leaf("w", t).build().unwrap()
    }

    #[test]
    fn invalid_hyperparameters_are_errors() {
        let p = tree(&[1.0]);
        let err = scale_by_optimistic_gradient()
            .alpha(f64::NAN)
            .init(&p)
            .unwrap_err();
        assert!(
            matches!(err, OptaxError::InvalidHyperparameter { ref name, .. } if name == "alpha")
        );
        let sched = crate::schedules::Schedule::new(|_| 1.0);
        let err = scale_by_optimistic_gradient()
            .beta(sched)
            .init(&p)
            .unwrap_err();
        assert!(
            matches!(err, OptaxError::InvalidHyperparameter { ref name, .. } if name == "beta")
        );
    }

    #[test]
    fn two_g_minus_previous() {
        let t = scale_by_optimistic_gradient();
        let s = t.init(&tree(&[0.0, 0.0])).unwrap();
        let (u, s) = t
            .update(tree(&[1.0, 2.0]), &s, None, &Extra::none())
            .unwrap();
        assert_eq!(u.to_vecs().unwrap(), vec![vec![1.0, 2.0]]);
        let (u, _) = t
            .update(tree(&[3.0, 1.0]), &s, None, &Extra::none())
            .unwrap();
        assert_eq!(u.to_vecs().unwrap(), vec![vec![5.0, 0.0]]);
    }
}
