//! `scale_by_yogi`: Adam with an additive second-moment update.
//!
//! Zaheer, Reddi, Sachan, Kale & Kumar, *Adaptive Methods for Nonconvex Optimization*,
//! NeurIPS 2018
//! (<https://proceedings.neurips.cc/paper/2018/file/90365351ccc7437a1309dc64e4db32a3-Paper.pdf>).
//! Both moments start at `initial_accumulator_value`, as in Optax.
//!
//! ```text
//! m_0 = v_0 = initial_accumulator_value
//! m_t = b1·m_{t-1} + (1 - b1)·g_t
//! v_t = v_{t-1} - (1 - b2)·sign(v_{t-1} - g_t²)·g_t²
//! m̂_t = m_t / (1 - b1^t),  v̂_t = v_t / (1 - b2^t)
//! u_t = m̂_t / (sqrt(v̂_t + eps_root) + eps)
//! ```

use crate::error::Result;
use crate::hyper::{Hyper, Scalar};
use crate::setters::setters;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, Transform};
use crate::transforms::{check_decay, check_nonneg};
use crate::tree::{self, Tree};

/// Yogi's scaling (`optax.scale_by_yogi`). State `ScaleByAdamState(count, mu, nu)`.
#[derive(Clone, Debug)]
pub struct ScaleByYogi {
    pub(crate) b1: Hyper,
    pub(crate) b2: Hyper,
    pub(crate) eps: Hyper,
    pub(crate) eps_root: Hyper,
    pub(crate) initial_accumulator_value: Hyper,
}

/// `optax.scale_by_yogi(b1=0.9, b2=0.999, eps=1e-3, eps_root=0.0,
/// initial_accumulator_value=1e-6)`.
pub fn scale_by_yogi() -> ScaleByYogi {
    ScaleByYogi {
        b1: 0.9.into(),
        b2: 0.999.into(),
        eps: 1e-3.into(),
        eps_root: 0.0.into(),
        initial_accumulator_value: 1e-6.into(),
    }
}

impl ScaleByYogi {
    setters! {
        /// Decay of the first moment.
        b1: impl Into<Hyper>;

        /// Rate of the additive second-moment update.
        b2: impl Into<Hyper>;

        /// Added to the denominator outside the square root.
        eps: impl Into<Hyper>;

        /// Added to the second moment inside the square root.
        eps_root: impl Into<Hyper>;

        /// The starting value of both moments.
        initial_accumulator_value: impl Into<Hyper>;
    }
}

impl Transform for ScaleByYogi {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        let init = self
            .initial_accumulator_value
            .scalar("initial_accumulator_value")?;
        let full = |p: &Tree| match &init {
            Scalar::Value(v) => tree::full_like(p, *v),
            Scalar::Tensor(t) => p.map(|x| {
                let n = x.dims()[0];
                x.zeros_like() + t.clone().expand([n])
            }),
        };
        Ok(State::record(
            "ScaleByAdamState",
            vec![
                ("count", State::Int(0)),
                ("mu", State::Tree(full(params))),
                ("nu", State::Tree(full(params))),
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
        let (b1, b2) = (self.b1.scalar("b1")?, self.b2.scalar("b2")?);
        let (eps, eps_root) = (self.eps.scalar("eps")?, self.eps_root.scalar("eps_root")?);

        let mu = tree::update_moment(&updates, mu, &b1, 1)?;
        let rate = 1.0 - b2.clone();
        let nu = updates.zip_map(nu, |g, v| {
            let g2 = g.clone() * g;
            v.clone() - rate.mul_tensor((v - g2.clone()).sign()) * g2
        })?;
        let count_inc = safe_increment(count);
        let mu_hat = tree::bias_correction(&mu, &b1, count_inc);
        let nu_hat = tree::bias_correction(&nu, &b2, count_inc);
        let updates = mu_hat.zip_map(&nu_hat, |m, v| {
            m / eps.add_tensor(eps_root.add_tensor(v).sqrt())
        })?;
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
        check_nonneg(&self.eps, "eps")?;
        check_nonneg(&self.eps_root, "eps_root")?;
        check_nonneg(&self.initial_accumulator_value, "initial_accumulator_value")
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
        invalid(&scale_by_yogi().b1(1.0), "b1");
        invalid(&scale_by_yogi().b2(1.0), "b2");
        invalid(&scale_by_yogi().eps(-1.0), "eps");
        invalid(&scale_by_yogi().eps_root(-1.0), "eps_root");
        invalid(
            &scale_by_yogi().initial_accumulator_value(-1e-6),
            "initial_accumulator_value",
        );
    }

    #[test]
    fn moments_start_at_initial_accumulator_value() {
        let t = scale_by_yogi().initial_accumulator_value(0.5).b2(0.9);
        let s = t.init(&tree(&[0.0])).unwrap();
        assert_eq!(
            s.field("mu").unwrap().as_tree().unwrap().to_vecs().unwrap(),
            vec![vec![0.5]]
        );
        // v = 0.5 - 0.1·sign(0.5 - 4)·4 = 0.9.
        let (_, s) = t.update(tree(&[2.0]), &s, None, &Extra::none()).unwrap();
        let v = s.field("nu").unwrap().as_tree().unwrap().to_vecs().unwrap()[0][0];
        assert!((v - 0.9).abs() < 1e-6, "{v}");
    }
}
