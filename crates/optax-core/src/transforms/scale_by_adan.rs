//! `scale_by_adan`: Adaptive Nesterov momentum.
//!
//! Xie, Zhou, Li, Lin & Yan, *Adan: Adaptive Nesterov Momentum Algorithm for Faster
//! Optimizing Deep Models*, IEEE TPAMI 2024 (<https://arxiv.org/abs/2208.06677>),
//! Algorithm 1; the gradient difference is zero at the first step.
//!
//! ```text
//! d_t = g_t - g_{t-1}                      (d_1 = 0)
//! m_t = b1·m_{t-1} + (1 - b1)·g_t
//! v_t = b2·v_{t-1} + (1 - b2)·d_t
//! n_t = b3·n_{t-1} + (1 - b3)·(g_t + (1 - b2)·d_t)²
//! m̂_t = m_t / (1 - b1^t),  v̂_t = v_t / (1 - b2^t),  n̂_t = n_t / (1 - b3^t)
//! u_t = (m̂_t + (1 - b2)·v̂_t) / (sqrt(n̂_t + eps_root) + eps)
//! ```

use crate::error::Result;
use crate::hyper::Hyper;
use crate::setters::setters;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, Transform};
use crate::transforms::{check_decay, check_nonneg};
use crate::tree::{self, Tree};

/// Adan's scaling (`optax.scale_by_adan`). State `ScaleByAdanState(m, v, n, g, t)`.
#[derive(Clone, Debug)]
pub struct ScaleByAdan {
    pub(crate) b1: Hyper,
    pub(crate) b2: Hyper,
    pub(crate) b3: Hyper,
    pub(crate) eps: Hyper,
    pub(crate) eps_root: Hyper,
}

/// `optax.scale_by_adan(b1=0.98, b2=0.92, b3=0.99, eps=1e-8, eps_root=0.0)`.
pub fn scale_by_adan() -> ScaleByAdan {
    ScaleByAdan {
        b1: 0.98.into(),
        b2: 0.92.into(),
        b3: 0.99.into(),
        eps: 1e-8.into(),
        eps_root: 0.0.into(),
    }
}

impl ScaleByAdan {
    setters! {
        /// Decay of the average of gradients.
        b1: impl Into<Hyper>;

        /// Decay of the average of gradient differences.
        b2: impl Into<Hyper>;

        /// Decay of the average of the squared term.
        b3: impl Into<Hyper>;

        /// Added to the denominator outside the square root.
        eps: impl Into<Hyper>;

        /// Added to the squared term inside the square root.
        eps_root: impl Into<Hyper>;
    }
}

impl Transform for ScaleByAdan {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        Ok(State::record(
            "ScaleByAdanState",
            vec![
                ("m", State::Tree(tree::zeros_like(params))),
                ("v", State::Tree(tree::zeros_like(params))),
                ("n", State::Tree(tree::zeros_like(params))),
                ("g", State::Tree(tree::zeros_like(params))),
                ("t", State::Int(0)),
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
        state.expect_record("ScaleByAdanState")?;
        let m = state.field("m")?.tree_like(&updates)?;
        let v = state.field("v")?.tree_like(&updates)?;
        let n = state.field("n")?.tree_like(&updates)?;
        let g_prev = state.field("g")?.tree_like(&updates)?;
        let t = state.field("t")?.as_int()?;
        let (b1, b2, b3) = (
            self.b1.scalar("b1")?,
            self.b2.scalar("b2")?,
            self.b3.scalar("b3")?,
        );
        let (eps, eps_root) = (self.eps.scalar("eps")?, self.eps_root.scalar("eps_root")?);
        let g = updates;

        let diff = if t == 0 {
            tree::zeros_like(&g)
        } else {
            tree::sub(&g, g_prev)?
        };
        let m = tree::update_moment(&g, m, &b1, 1)?;
        let v = tree::update_moment(&diff, v, &b2, 1)?;
        let keep2 = 1.0 - b2.clone();
        let sq = tree::add_scale(&g, keep2.clone(), &diff)?;
        let n = tree::update_moment_per_elem_norm(&sq, n, &b3, 2)?;

        let t = safe_increment(t);
        let m_hat = tree::bias_correction(&m, &b1, t);
        let v_hat = tree::bias_correction(&v, &b2, t);
        let n_hat = tree::bias_correction(&n, &b3, t);
        let u = tree::add_scale(&m_hat, keep2, &v_hat)?;
        let u = u.zip_map(&n_hat, |u, n_hat| {
            u / eps.add_tensor(eps_root.add_tensor(n_hat).sqrt())
        })?;
        Ok((
            u,
            State::record(
                "ScaleByAdanState",
                vec![
                    ("m", State::Tree(m)),
                    ("v", State::Tree(v)),
                    ("n", State::Tree(n)),
                    ("g", State::Tree(g)),
                    ("t", State::Int(t)),
                ],
            ),
        ))
    }

    fn validate(&self) -> Result<()> {
        check_decay(&self.b1, "b1")?;
        check_decay(&self.b2, "b2")?;
        check_decay(&self.b3, "b3")?;
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
        invalid(&scale_by_adan().b1(1.0), "b1");
        invalid(&scale_by_adan().b2(-1.0), "b2");
        invalid(&scale_by_adan().b3(2.0), "b3");
        invalid(&scale_by_adan().eps(-1.0), "eps");
        invalid(&scale_by_adan().eps_root(-1.0), "eps_root");
    }

    #[test]
    fn difference_is_zero_at_the_first_step() {
        // t = 0: d = 0, so u = g / (|g| + eps) and the state keeps g.
        let t = scale_by_adan().eps(0.0);
        let s = t.init(&tree(&[5.0])).unwrap();
        let (u, s) = t.update(tree(&[3.0]), &s, None, &Extra::none()).unwrap();
        assert!((u.to_vecs().unwrap()[0][0] - 1.0).abs() < 1e-6);
        assert_eq!(
            s.field("g").unwrap().as_tree().unwrap().to_vecs().unwrap(),
            vec![vec![3.0]]
        );
        assert_eq!(s.field("t").unwrap().as_int().unwrap(), 1);
        let (_, s) = t.update(tree(&[1.0]), &s, None, &Extra::none()).unwrap();
        // v = (1 - b2)·(1 - 3) = -0.16.
        let v = s.field("v").unwrap().as_tree().unwrap().to_vecs().unwrap()[0][0];
        assert!((v + 0.16).abs() < 1e-6, "{v}");
    }
}
