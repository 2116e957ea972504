//! `scale_by_rprop`: resilient backpropagation, a per-element step size adapted from the sign
//! of successive gradients.
//!
//! Riedmiller & Braun, *A Direct Adaptive Method for Faster Backpropagation Learning: The RPROP
//! Algorithm*, IEEE ICNN 1993 (<https://ieeexplore.ieee.org/document/298623>); Igel & Hüsken,
//! *Empirical Evaluation of the Improved Rprop Learning Algorithms*, Neurocomputing 2003.
//!
//! ```text
//! s_t      = g_t · v_{t-1}                                    (v: the stored previous update)
//! η_t      = η_{t-1}                                          if s_t = 0
//! η_t      = clip(η_{t-1} · (eta_plus if s_t > 0 else eta_minus),
//!                 min_step_size, max_step_size)                otherwise
//! v_t      = 0 if s_t < 0 else η_t · sign(g_t)
//! u_t      = 0 if s_t < 0 else v_{t-1}
//! η_0 = learning_rate, v_0 = 0
//! ```
//!
//! As in Optax 0.2.8, the emitted update is the *stored previous* update `v_{t-1}` (so the first
//! update is zero), not `v_t`.

use crate::error::{OptaxError, Result};
use crate::hyper::{Hyper, Scalar};
use crate::setters::setters;
use crate::state::State;
use crate::transform::{Extra, Transform};
use crate::transforms::check_nonneg;
use crate::tree::{self, Tree};

/// Rprop's scaling (`optax.scale_by_rprop`). State `ScaleByRpropState(step_sizes,
/// prev_updates)`.
#[derive(Clone, Debug)]
pub struct ScaleByRprop {
    pub(crate) learning_rate: Hyper,
    pub(crate) eta_minus: Hyper,
    pub(crate) eta_plus: Hyper,
    pub(crate) min_step_size: Hyper,
    pub(crate) max_step_size: Hyper,
}

/// `optax.scale_by_rprop(learning_rate, eta_minus=0.5, eta_plus=1.2, min_step_size=1e-6,
/// max_step_size=50.0)`.
pub fn scale_by_rprop(learning_rate: impl Into<Hyper>) -> ScaleByRprop {
    ScaleByRprop {
        learning_rate: learning_rate.into(),
        eta_minus: 0.5.into(),
        eta_plus: 1.2.into(),
        min_step_size: 1e-6.into(),
        max_step_size: 50.0.into(),
    }
}

impl ScaleByRprop {
    setters! {
        /// Step-size factor when the gradient changes sign.
        eta_minus: impl Into<Hyper>;

        /// Step-size factor when the gradient keeps its sign.
        eta_plus: impl Into<Hyper>;

        /// Smallest step size.
        min_step_size: impl Into<Hyper>;

        /// Largest step size.
        max_step_size: impl Into<Hyper>;
    }
}

/// `jnp.clip(x, lo, hi)` = `minimum(maximum(x, lo), hi)` with scalar bounds.
fn clip(x: burn::tensor::Tensor<1>, lo: &Scalar, hi: &Scalar) -> burn::tensor::Tensor<1> {
    let n = x.dims()[0];
    let x = match lo {
        Scalar::Value(v) => x.clamp_min(*v),
        Scalar::Tensor(t) => x.max_pair(t.clone().expand([n])),
    };
    match hi {
        Scalar::Value(v) => x.clamp_max(*v),
        Scalar::Tensor(t) => x.min_pair(t.clone().expand([n])),
    }
}

impl Transform for ScaleByRprop {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        let learning_rate = self.learning_rate.scalar("learning_rate")?;
        let step_sizes = params.map(|p| learning_rate.add_tensor(p.zeros_like()));
        Ok(State::record(
            "ScaleByRpropState",
            vec![
                ("step_sizes", State::Tree(step_sizes)),
                ("prev_updates", State::Tree(tree::zeros_like(params))),
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
        state.expect_record("ScaleByRpropState")?;
        let step_sizes = state.field("step_sizes")?.tree_like(&updates)?;
        let prev_updates = state.field("prev_updates")?.tree_like(&updates)?;
        let eta_minus = self.eta_minus.scalar("eta_minus")?;
        let eta_plus = self.eta_plus.scalar("eta_plus")?;
        let min_step_size = self.min_step_size.scalar("min_step_size")?;
        let max_step_size = self.max_step_size.scalar("max_step_size")?;

        let sign = tree::mul(&updates, prev_updates)?;
        let step_sizes = sign.zip_map(step_sizes, |s, step_size| {
            let same_sign = s.clone().greater_elem(0.0);
            let factor = match (&eta_plus, &eta_minus) {
                (Scalar::Value(plus), Scalar::Value(minus)) => {
                    s.full_like(*minus).mask_fill(same_sign, *plus)
                }
                _ => eta_minus
                    .add_tensor(s.zeros_like())
                    .mask_where(same_sign, eta_plus.add_tensor(s.zeros_like())),
            };
            let moved = clip(step_size.clone() * factor, &min_step_size, &max_step_size);
            moved.mask_where(s.equal_elem(0.0), step_size)
        })?;
        let flipped: Vec<_> = sign
            .leaves()
            .iter()
            .map(|s| s.clone().lower_elem(0.0))
            .collect();
        let mut i = 0;
        let new_prev = updates.zip_map(&step_sizes, |g, step_size| {
            let v = (step_size * g.sign()).mask_fill(flipped[i].clone(), 0.0);
            i += 1;
            v
        })?;
        let mut i = 0;
        let out = prev_updates.map(|v| {
            let u = v.mask_fill(flipped[i].clone(), 0.0);
            i += 1;
            u
        });
        Ok((
            out,
            State::record(
                "ScaleByRpropState",
                vec![
                    ("step_sizes", State::Tree(step_sizes)),
                    ("prev_updates", State::Tree(new_prev)),
                ],
            ),
        ))
    }

    fn validate(&self) -> Result<()> {
        check_nonneg(&self.learning_rate, "learning_rate")?;
        check_nonneg(&self.eta_minus, "eta_minus")?;
        check_nonneg(&self.eta_plus, "eta_plus")?;
        check_nonneg(&self.min_step_size, "min_step_size")?;
        check_nonneg(&self.max_step_size, "max_step_size")?;
        if let (Some(lo), Some(hi)) = (self.min_step_size.constant(), self.max_step_size.constant())
        {
            if lo > hi {
                return Err(OptaxError::invalid(
                    "max_step_size",
                    "must be >= min_step_size",
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, Tensor, TensorData};

    fn tree(values: &[f32]) -> Tree {
        let device = Device::flex();
        let t = Tensor::<1>::from_data(TensorData::new(values.to_vec(), [values.len()]), &device);
        Tree::builder().leaf("w", t).build().unwrap()
    }

    #[test]
    fn invalid_hyperparameters_are_errors() {
        let p = tree(&[1.0]);
        for (t, name) in [
            (scale_by_rprop(-0.1), "learning_rate"),
            (scale_by_rprop(0.1).eta_minus(-0.5), "eta_minus"),
            (scale_by_rprop(0.1).eta_plus(f64::NAN), "eta_plus"),
            (scale_by_rprop(0.1).min_step_size(-1.0), "min_step_size"),
            (
                scale_by_rprop(0.1).min_step_size(2.0).max_step_size(1.0),
                "max_step_size",
            ),
        ] {
            let err = t.init(&p).unwrap_err();
            assert!(
                matches!(err, OptaxError::InvalidHyperparameter { name: ref n, .. } if n == name),
                "{err}"
            );
        }
    }

    #[test]
    fn matches_optax_lagged_update() {
        // Values from optax 0.2.8: scale_by_rprop(0.1) on g = [1,-1], [1,1], [1,-1].
        let t = scale_by_rprop(0.1);
        let mut s = t.init(&tree(&[1.0, 2.0])).unwrap();
        let want = [[0.0, 0.0], [0.1, 0.0], [0.12, 0.0]];
        for (g, w) in [[1.0, -1.0], [1.0, 1.0], [1.0, -1.0]].iter().zip(want) {
            let (u, next) = t.update(tree(g), &s, None, &Extra::none()).unwrap();
            s = next;
            let u = &u.to_vecs().unwrap()[0];
            assert!(
                (u[0] - w[0]).abs() < 1e-6 && (u[1] - w[1]).abs() < 1e-6,
                "{u:?} vs {w:?}"
            );
        }
        let steps = s
            .field("step_sizes")
            .unwrap()
            .as_tree()
            .unwrap()
            .to_vecs()
            .unwrap();
        assert!((steps[0][0] - 0.144).abs() < 1e-6 && (steps[0][1] - 0.05).abs() < 1e-6);
    }

    #[test]
    fn mismatched_state_is_an_error() {
        let t = scale_by_rprop(0.1);
        let s = t.init(&tree(&[1.0, 2.0])).unwrap();
        assert!(t.update(tree(&[1.0]), &s, None, &Extra::none()).is_err());
    }
}
