//! `scale_by_amsgrad`: Adam with the running maximum of the second moment.
//!
//! Reddi, Kale & Kumar, *On the Convergence of Adam and Beyond*, ICLR 2018
//! (<https://arxiv.org/abs/1904.09237>). As in Optax, the maximum is taken over the
//! bias-corrected second moment (set `bias_correction_nu(false)` for the paper's form).
//!
//! ```text
//! m_t     = b1·m_{t-1} + (1 - b1)·g_t
//! v_t     = b2·v_{t-1} + (1 - b2)·g_t²
//! m̂_t     = m_t / (1 - b1^t)          (m_t without bias_correction_mu)
//! v̂_t     = v_t / (1 - b2^t)          (v_t without bias_correction_nu)
//! vmax_t  = max(vmax_{t-1}, v̂_t)
//! u_t     = m̂_t / (sqrt(vmax_t + eps_root) + eps)
//! ```

use burn::tensor::DType;

use crate::error::Result;
use crate::hyper::Hyper;
use crate::setters::setters;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, Transform};
use crate::transforms::{check_decay, check_nonneg};
use crate::tree::{self, Tree};

/// AMSGrad's scaling (`optax.scale_by_amsgrad`).
/// State `ScaleByAmsgradState(count, mu, nu, nu_max)`.
#[derive(Clone, Debug)]
pub struct ScaleByAmsgrad {
    pub(crate) b1: Hyper,
    pub(crate) b2: Hyper,
    pub(crate) eps: Hyper,
    pub(crate) eps_root: Hyper,
    pub(crate) mu_dtype: Option<DType>,
    pub(crate) bias_correction_mu: bool,
    pub(crate) bias_correction_nu: bool,
}

/// `optax.scale_by_amsgrad(b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, mu_dtype=None,
/// bias_correction_mu=True, bias_correction_nu=True)`.
pub fn scale_by_amsgrad() -> ScaleByAmsgrad {
    ScaleByAmsgrad {
        b1: 0.9.into(),
        b2: 0.999.into(),
        eps: 1e-8.into(),
        eps_root: 0.0.into(),
        mu_dtype: None,
        bias_correction_mu: true,
        bias_correction_nu: true,
    }
}

impl ScaleByAmsgrad {
    setters! {
        /// Decay of the first moment.
        b1: impl Into<Hyper>;

        /// Decay of the second moment.
        b2: impl Into<Hyper>;

        /// Added to the denominator outside the square root.
        eps: impl Into<Hyper>;

        /// Added to the second moment inside the square root.
        eps_root: impl Into<Hyper>;

        /// Storage dtype of the first moment.
        mu_dtype: Option<DType>;

        /// Whether to bias-correct the first moment (`false` is the paper's form).
        bias_correction_mu: bool;

        /// Whether to bias-correct the second moment before the maximum (`false` is the paper's form).
        bias_correction_nu: bool;
    }
}

/// `moment` in the dtype of `like`'s leaves (a moment stored in `mu_dtype` joins float32
/// arithmetic as JAX's type promotion would have it).
pub(crate) fn promote_like(moment: &Tree, like: &Tree, mu_dtype: Option<DType>) -> Result<Tree> {
    match mu_dtype {
        Some(_) => moment.zip_map(like, |m, g| {
            let d = g.dtype();
            if m.dtype() == d {
                m
            } else {
                m.cast(d)
            }
        }),
        None => Ok(moment.clone()),
    }
}

impl Transform for ScaleByAmsgrad {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        let mu = match self.mu_dtype {
            Some(d) => tree::cast(&tree::zeros_like(params), d)?,
            None => tree::zeros_like(params),
        };
        Ok(State::record(
            "ScaleByAmsgradState",
            vec![
                ("count", State::Int(0)),
                ("mu", State::Tree(mu)),
                ("nu", State::Tree(tree::zeros_like(params))),
                ("nu_max", State::Tree(tree::zeros_like(params))),
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
        state.expect_record("ScaleByAmsgradState")?;
        let count = state.field("count")?.as_int()?;
        let mu = promote_like(
            state.field("mu")?.tree_like(&updates)?,
            &updates,
            self.mu_dtype,
        )?;
        let nu = state.field("nu")?.tree_like(&updates)?;
        let nu_max = state.field("nu_max")?.tree_like(&updates)?;
        let (b1, b2) = (self.b1.scalar("b1")?, self.b2.scalar("b2")?);
        let (eps, eps_root) = (self.eps.scalar("eps")?, self.eps_root.scalar("eps_root")?);

        let mu = tree::update_moment(&updates, &mu, &b1, 1)?;
        let nu = tree::update_moment_per_elem_norm(&updates, nu, &b2, 2)?;
        let count_inc = safe_increment(count);
        let mu_hat = if self.bias_correction_mu {
            tree::bias_correction(&mu, &b1, count_inc)
        } else {
            mu.clone()
        };
        let nu_eff = if self.bias_correction_nu {
            tree::bias_correction(&nu, &b2, count_inc)
        } else {
            nu.clone()
        };
        // `max_pair` keeps its receiver where the comparison is false: putting the new value first
        // propagates a NaN as `jnp.maximum` does.
        let nu_max = nu_eff.zip_map(nu_max, |v, vmax| v.max_pair(vmax))?;
        let updates = mu_hat.zip_map(&nu_max, |m, v| {
            m / eps.add_tensor(eps_root.add_tensor(v).sqrt())
        })?;
        let mu = match self.mu_dtype {
            Some(d) => tree::cast(&mu, d)?,
            None => mu,
        };
        Ok((
            updates,
            State::record(
                "ScaleByAmsgradState",
                vec![
                    ("count", State::Int(count_inc)),
                    ("mu", State::Tree(mu)),
                    ("nu", State::Tree(nu)),
                    ("nu_max", State::Tree(nu_max)),
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
        invalid(&scale_by_amsgrad().b1(1.0), "b1");
        invalid(&scale_by_amsgrad().b2(-0.1), "b2");
        invalid(&scale_by_amsgrad().eps(-1.0), "eps");
        invalid(&scale_by_amsgrad().eps_root(f64::NAN), "eps_root");
        invalid(
            &scale_by_amsgrad().b1(crate::schedules::Schedule::new(|_| 0.9)),
            "b1",
        );
    }

    #[test]
    fn nu_max_keeps_the_largest_second_moment() {
        let t = scale_by_amsgrad()
            .bias_correction_mu(false)
            .bias_correction_nu(false)
            .b2(0.5);
        let s = t.init(&tree(&[0.0])).unwrap();
        let (_, s) = t.update(tree(&[2.0]), &s, None, &Extra::none()).unwrap();
        let (_, s) = t.update(tree(&[0.0]), &s, None, &Extra::none()).unwrap();
        // nu: 2 then 1; nu_max stays 2.
        assert_eq!(
            s.field("nu").unwrap().as_tree().unwrap().to_vecs().unwrap(),
            vec![vec![1.0]]
        );
        assert_eq!(
            s.field("nu_max")
                .unwrap()
                .as_tree()
                .unwrap()
                .to_vecs()
                .unwrap(),
            vec![vec![2.0]]
        );
        let err = t
            .update(tree(&[1.0, 2.0]), &s, None, &Extra::none())
            .unwrap_err();
        assert!(matches!(err, OptaxError::ShapeMismatch { .. }), "{err}");
    }
}
