//! `scale_by_belief`: AdaBelief, Adam with the variance of the gradient around its average.
//!
//! Zhuang, Tang, Ding, Tatikonda, Dvornek, Papademetris & Duncan, *AdaBelief Optimizer:
//! Adapting Stepsizes by the Belief in Observed Gradients*, NeurIPS 2020
//! (<https://arxiv.org/abs/2010.07468>). As in Optax, the stored `nu` includes `eps_root`.
//!
//! ```text
//! m_t = b1·m_{t-1} + (1 - b1)·g_t
//! s_t = b2·s_{t-1} + (1 - b2)·(g_t - m_t)² + eps_root
//! m̂_t = m_t / (1 - b1^t)                                     (plain)
//! m̂_t = b1·m_t / (1 - b1^{t+1}) + (1 - b1)·g_t / (1 - b1^t)   (nesterov)
//! ŝ_t = s_t / (1 - b2^t)
//! u_t = m̂_t / (sqrt(ŝ_t) + eps)
//! ```

use crate::error::Result;
use crate::hyper::Hyper;
use crate::setters::setters;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, Transform};
use crate::transforms::{check_decay, check_nonneg};
use crate::tree::{self, Tree};

/// AdaBelief's scaling (`optax.scale_by_belief`). State `ScaleByBeliefState(count, mu, nu)`.
#[derive(Clone, Debug)]
pub struct ScaleByBelief {
    pub(crate) b1: Hyper,
    pub(crate) b2: Hyper,
    pub(crate) eps: Hyper,
    pub(crate) eps_root: Hyper,
    pub(crate) nesterov: bool,
}

/// `optax.scale_by_belief(b1=0.9, b2=0.999, eps=1e-16, eps_root=1e-16, *, nesterov=False)`.
pub fn scale_by_belief() -> ScaleByBelief {
    ScaleByBelief {
        b1: 0.9.into(),
        b2: 0.999.into(),
        eps: 1e-16.into(),
        eps_root: 1e-16.into(),
        nesterov: false,
    }
}

impl ScaleByBelief {
    setters! {
        /// Decay of the first moment.
        b1: impl Into<Hyper>;

        /// Decay of the second central moment.
        b2: impl Into<Hyper>;

        /// Added to the denominator outside the square root.
        eps: impl Into<Hyper>;

        /// Added to the second central moment at every step (must be nonzero to differentiate
        /// through the update).
        eps_root: impl Into<Hyper>;

        /// Nesterov momentum.
        nesterov: bool;
    }
}

impl Transform for ScaleByBelief {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        Ok(State::record(
            "ScaleByBeliefState",
            vec![
                ("count", State::Int(0)),
                ("mu", State::Tree(tree::zeros_like(params))),
                ("nu", State::Tree(tree::zeros_like(params))),
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
        state.expect_record("ScaleByBeliefState")?;
        let count = state.field("count")?.as_int()?;
        let mu = state.field("mu")?.tree_like(&updates)?;
        let nu = state.field("nu")?.tree_like(&updates)?;
        let (b1, b2) = (self.b1.scalar("b1")?, self.b2.scalar("b2")?);
        let (eps, eps_root) = (self.eps.scalar("eps")?, self.eps_root.scalar("eps_root")?);

        let mu = tree::update_moment(&updates, mu, &b1, 1)?;
        let prediction_error = tree::sub(&updates, &mu)?;
        let nu = tree::update_moment_per_elem_norm(&prediction_error, nu, &b2, 2)?;
        let nu = nu.map(|v| eps_root.add_tensor(v));
        let count_inc = safe_increment(count);
        let mu_hat = if self.nesterov {
            let m = tree::bias_correction(&mu, &b1, safe_increment(count_inc));
            let g = tree::bias_correction(&updates, &b1, count_inc);
            let keep = 1.0 - b1.clone();
            m.zip_map(&g, |m, g| b1.mul_tensor(m) + keep.mul_tensor(g))?
        } else {
            tree::bias_correction(&mu, &b1, count_inc)
        };
        let nu_hat = tree::bias_correction(&nu, &b2, count_inc);
        let updates = mu_hat.zip_map(&nu_hat, |m, v| m / eps.add_tensor(v.sqrt()))?;
        Ok((
            updates,
            State::record(
                "ScaleByBeliefState",
                vec![
                    ("count", State::Int(count_inc)),
                    ("mu", State::Tree(mu)),
                    ("nu", State::Tree(nu)),
                ],
            ),
        ))
    }

    fn validate(&self) -> Result<()> {
        check_decay(&self.b1, "b1")?;
        check_decay(&self.b2, "b2")?;
        check_nonneg(&self.eps, "eps")?;
        check_nonneg(&self.eps_root, "eps_root")
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
        invalid(&scale_by_belief().b1(-0.5), "b1");
        invalid(&scale_by_belief().b2(1.0), "b2");
        invalid(&scale_by_belief().eps(-1.0), "eps");
        invalid(&scale_by_belief().eps_root(f64::NAN), "eps_root");
    }

    #[test]
    fn nu_includes_eps_root() {
        // g = m = 0: the prediction error is 0, so nu = eps_root.
        let t = scale_by_belief().eps_root(0.25);
        let s = t.init(&tree(&[0.0])).unwrap();
        let (u, s) = t.update(tree(&[0.0]), &s, None, &Extra::none()).unwrap();
        assert_eq!(u.to_vecs().unwrap(), vec![vec![0.0]]);
        assert_eq!(
            s.field("nu").unwrap().as_tree().unwrap().to_vecs().unwrap(),
            vec![vec![0.25]]
        );
    }
}
