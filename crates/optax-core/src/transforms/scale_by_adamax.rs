//! `scale_by_adamax`: Adam with the infinity norm in place of the second moment.
//!
//! Kingma & Ba, *Adam: A Method for Stochastic Optimization*, ICLR 2015, section 7.1
//! (<https://arxiv.org/abs/1412.6980>). The infinity moment needs no bias correction; `eps`
//! is added inside the maximum, as in Optax.
//!
//! ```text
//! m_t = b1·m_{t-1} + (1 - b1)·g_t
//! v_t = max(|g_t| + eps, b2·v_{t-1})
//! u_t = (m_t / (1 - b1^t)) / v_t
//! ```

use crate::error::Result;
use crate::hyper::Hyper;
use crate::setters::setters;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, Transform};
use crate::transforms::{check_decay, check_nonneg};
use crate::tree::{self, Tree};

/// Adamax's scaling (`optax.scale_by_adamax`). State `ScaleByAdamState(count, mu, nu)`.
#[derive(Clone, Debug)]
pub struct ScaleByAdamax {
    pub(crate) b1: Hyper,
    pub(crate) b2: Hyper,
    pub(crate) eps: Hyper,
}

/// `optax.scale_by_adamax(b1=0.9, b2=0.999, eps=1e-8)`.
pub fn scale_by_adamax() -> ScaleByAdamax {
    ScaleByAdamax {
        b1: 0.9.into(),
        b2: 0.999.into(),
        eps: 1e-8.into(),
    }
}

impl ScaleByAdamax {
    setters! {
        /// Decay of the first moment.
        b1: impl Into<Hyper>;

        /// Decay of the infinity moment.
        b2: impl Into<Hyper>;

        /// Added to `|g|` inside the maximum (keeps the denominator positive).
        eps: impl Into<Hyper>;
    }
}

impl Transform for ScaleByAdamax {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        Ok(State::record(
            "ScaleByAdamState",
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
        state.expect_record("ScaleByAdamState")?;
        let count = state.field("count")?.as_int()?;
        let mu = state.field("mu")?.tree_like(&updates)?;
        let nu = state.field("nu")?.tree_like(&updates)?;
        let (b1, b2, eps) = (
            self.b1.scalar("b1")?,
            self.b2.scalar("b2")?,
            self.eps.scalar("eps")?,
        );

        let count_inc = safe_increment(count);
        let mu = tree::update_moment(&updates, mu, &b1, 1)?;
        let nu = tree::update_infinity_moment(&updates, nu, &b2, &eps)?;
        let mu_hat = tree::bias_correction(&mu, &b1, count_inc);
        let updates = tree::div(&mu_hat, &nu)?;
        Ok((
            updates,
            State::record(
                "ScaleByAdamState",
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
        check_nonneg(&self.eps, "eps")
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
        invalid(&scale_by_adamax().b1(1.5), "b1");
        invalid(&scale_by_adamax().b2(1.0), "b2");
        invalid(&scale_by_adamax().eps(-1e-8), "eps");
    }

    #[test]
    fn first_step_is_the_gradient_sign() {
        // m̂ = g, v = |g| + eps: u = g / (|g| + eps).
        let t = scale_by_adamax().eps(0.0);
        let s = t.init(&tree(&[0.0, 0.0])).unwrap();
        let (u, s) = t
            .update(tree(&[2.0, -0.5]), &s, None, &Extra::none())
            .unwrap();
        let u = u.to_vecs().unwrap();
        assert!(
            (u[0][0] - 1.0).abs() < 1e-6 && (u[0][1] + 1.0).abs() < 1e-6,
            "{u:?}"
        );
        assert_eq!(s.field("count").unwrap().as_int().unwrap(), 1);
    }
}
