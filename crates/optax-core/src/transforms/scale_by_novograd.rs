//! `scale_by_novograd`: NovoGrad's layer-wise second moment, with weight decay inside the
//! first moment.
//!
//! Ginsburg et al., *Stochastic Gradient Methods with Layer-wise Adaptive Moments for Training
//! of Deep Networks*, 2019 (<https://arxiv.org/abs/1905.11286>).
//!
//! For every leaf (layer) `l`, with `‖·‖` the norm of the whole leaf:
//!
//! ```text
//! v_1 = ‖g_1‖²                                   v_t = b2·v_{t-1} + (1 - b2)·‖g_t‖²
//! a_t = g_t / (sqrt(v_t + eps_root) + eps) + weight_decay·p_t
//! m_1 = a_1                                      m_t = b1·m_{t-1} + a_t
//! u_t = m_t
//! ```

use burn::tensor::{DType, Tensor};

use crate::error::{OptaxError, Result};
use crate::hyper::{Hyper, Scalar};
use crate::setters::setters;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, Transform};
use crate::transforms::{check_decay, check_nonneg};
use crate::tree::{self, Tree};

use super::trace::cast_opt;

/// NovoGrad's scaling (`optax.scale_by_novograd`). State
/// `ScaleByNovogradState(count, mu, nu)`, where `nu` holds one scalar per leaf.
#[derive(Clone, Debug)]
pub struct ScaleByNovograd {
    pub(crate) b1: Hyper,
    pub(crate) b2: Hyper,
    pub(crate) eps: Hyper,
    pub(crate) eps_root: Hyper,
    pub(crate) weight_decay: Hyper,
    pub(crate) mu_dtype: Option<DType>,
}

/// `optax.scale_by_novograd(b1=0.9, b2=0.25, eps=1e-8, eps_root=0.0, weight_decay=0.0,
/// mu_dtype=None)`.
pub fn scale_by_novograd() -> ScaleByNovograd {
    ScaleByNovograd {
        b1: 0.9.into(),
        b2: 0.25.into(),
        eps: 1e-8.into(),
        eps_root: 0.0.into(),
        weight_decay: 0.0.into(),
        mu_dtype: None,
    }
}

impl ScaleByNovograd {
    setters! {
        /// Decay of the first moment (the gradient enters it with weight 1).
        b1: impl Into<Hyper>;

        /// Decay of the layer-wise second moment.
        b2: impl Into<Hyper>;

        /// Added to the denominator outside the square root.
        eps: impl Into<Hyper>;

        /// Added to the second moment inside the square root.
        eps_root: impl Into<Hyper>;

        /// Weight decay added to the normalized gradient before the momentum (a number: Optax's
        /// `weight_decay * params` takes no schedule here).
        weight_decay: impl Into<Hyper>;

        /// Storage dtype of the first moment (and of the updates).
        mu_dtype: Option<DType>;
    }
}

/// `‖g‖²` as `jnp.linalg.norm(g) ** 2` computes it: the root of the sum of squares, squared.
fn norm_sq(g: Tensor<1>) -> Tensor<1> {
    let norm = (g.clone() * g).sum().sqrt();
    norm.clone() * norm
}

fn novograd_state(count: i64, mu: Tree, nu: Tree) -> State {
    State::record(
        "ScaleByNovogradState",
        vec![
            ("count", State::Int(count)),
            ("mu", State::Tree(mu)),
            ("nu", State::Tree(nu)),
        ],
    )
}

/// One scalar per leaf, at the leaves' paths (`jnp.asarray(0.0)` for every parameter).
fn per_leaf_scalars(like: &Tree, leaves: Vec<Tensor<1>>) -> Result<Tree> {
    let mut b = Tree::builder();
    for ((path, _, _), leaf) in like.iter().zip(leaves) {
        b = b.flat(path, vec![], leaf);
    }
    b.build()
}

impl Transform for ScaleByNovograd {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        let mu = cast_opt(tree::zeros_like(params), self.mu_dtype)?;
        let nu = per_leaf_scalars(
            params,
            params
                .leaves()
                .iter()
                .map(|p| Tensor::<1>::zeros([1], &p.device()).cast(p.dtype()))
                .collect(),
        )?;
        Ok(novograd_state(0, mu, nu))
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        params: Option<&Tree>,
        _extra: &Extra,
    ) -> Result<(Tree, State)> {
        state.expect_record("ScaleByNovogradState")?;
        let params = params.ok_or_else(|| OptaxError::params_required("scale_by_novograd"))?;
        updates.check_same_structure(params)?;
        let count = state.field("count")?.as_int()?;
        let mu = state.field("mu")?.tree_like(&updates)?;
        let nu = state.field("nu")?.as_tree()?;
        check_per_leaf_scalars(&updates, nu)?;
        let (b1, b2) = (self.b1.scalar("b1")?, self.b2.scalar("b2")?);
        let (eps, eps_root) = (self.eps.scalar("eps")?, self.eps_root.scalar("eps_root")?);
        let weight_decay = self.weight_decay.scalar("weight_decay")?;

        let count_inc = safe_increment(count);
        let norms = updates.leaves().iter().map(|g| norm_sq(g.clone()));
        let nu_leaves: Vec<Tensor<1>> = if count_inc == 1 {
            norms
                .zip(nu.leaves())
                .map(|(n, old)| n.cast(old.dtype()))
                .collect()
        } else {
            let keep = 1.0 - b2.clone();
            norms
                .zip(nu.leaves())
                .map(|(n, old)| keep.mul_tensor(n) + b2.mul_tensor(old.clone()))
                .collect()
        };
        let nu = nu.with_leaves(nu_leaves);

        let addition = |g: Tensor<1>, p: Tensor<1>, n: Tensor<1>| -> Tensor<1> {
            g / eps.add_tensor(eps_root.add_tensor(n).sqrt()) + weight_decay.mul_tensor(p)
        };
        let mu_leaves = updates
            .leaves()
            .iter()
            .zip(params.leaves())
            .zip(nu.leaves())
            .zip(mu.leaves())
            .map(|(((g, p), n), m)| {
                let a = addition(g.clone(), p.clone(), n.clone());
                if count_inc == 1 {
                    a
                } else {
                    momentum(&b1, m.clone(), a)
                }
            })
            .collect();
        let mu = cast_opt(updates.with_leaves(mu_leaves), self.mu_dtype)?;
        Ok((mu.clone(), novograd_state(count_inc, mu, nu)))
    }

    fn validate(&self) -> Result<()> {
        check_decay(&self.b1, "b1")?;
        check_decay(&self.b2, "b2")?;
        check_nonneg(&self.eps, "eps")?;
        check_nonneg(&self.eps_root, "eps_root")?;
        self.weight_decay.scalar("weight_decay")?;
        self.weight_decay
            .check("weight_decay", f64::is_finite, "must be finite")?;
        if let Some(d) = self.mu_dtype {
            if !d.is_float() {
                return Err(OptaxError::invalid("mu_dtype", "must be a float dtype"));
            }
        }
        Ok(())
    }
}

/// `b1·m + a`.
fn momentum(b1: &Scalar, m: Tensor<1>, a: Tensor<1>) -> Tensor<1> {
    let m = if m.dtype() == a.dtype() {
        m
    } else {
        m.cast(a.dtype())
    };
    b1.mul_tensor(m) + a
}

/// Checks that `nu` holds one scalar per leaf of `updates`, at the same paths.
fn check_per_leaf_scalars(updates: &Tree, nu: &Tree) -> Result<()> {
    let ok = nu.len() == updates.len()
        && nu.paths() == updates.paths()
        && nu.shapes().iter().all(|s| s.is_empty());
    if ok {
        Ok(())
    } else {
        Err(OptaxError::state(
            "ScaleByNovogradState.nu",
            "expected one scalar per leaf of the updates, at the same paths",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedules::Schedule;
    use burn::tensor::Device;

    fn params() -> Tree {
        let device = Device::flex();
        Tree::builder()
            .leaf("w", Tensor::<1>::from_floats([3.0, -4.0], &device))
            .scalar("s", 2.0, &device)
            .build()
            .unwrap()
    }

    fn invalid(r: Result<State>) -> bool {
        matches!(r, Err(OptaxError::InvalidHyperparameter { .. }))
    }

    #[test]
    fn invalid_hyperparameters_are_errors() {
        let p = params();
        assert!(invalid(scale_by_novograd().b1(1.0).init(&p)));
        assert!(invalid(scale_by_novograd().b2(-0.5).init(&p)));
        assert!(invalid(scale_by_novograd().eps(-1.0).init(&p)));
        assert!(invalid(scale_by_novograd().eps_root(f64::NAN).init(&p)));
        assert!(invalid(
            scale_by_novograd()
                .weight_decay(Schedule::new(|_| 0.1))
                .init(&p)
        ));
        assert!(invalid(
            scale_by_novograd().weight_decay(f64::INFINITY).init(&p)
        ));
        assert!(invalid(
            scale_by_novograd().mu_dtype(Some(DType::I32)).init(&p)
        ));
    }

    #[test]
    fn needs_params_and_keeps_one_scalar_per_leaf() {
        let p = params();
        let t = scale_by_novograd().eps(0.0);
        let s = t.init(&p).unwrap();
        assert!(matches!(
            t.update(p.clone(), &s, None, &Extra::none()),
            Err(OptaxError::ParamsRequired { .. })
        ));
        let (u, s) = t.update(p.clone(), &s, Some(&p), &Extra::none()).unwrap();
        // First step: m = g / ‖g‖ per leaf.
        let u = u.to_vecs().unwrap();
        assert!((u[0][0] - 0.6).abs() < 1e-6 && (u[0][1] + 0.8).abs() < 1e-6);
        assert!((u[1][0] - 1.0).abs() < 1e-6);
        let nu = s.field("nu").unwrap().as_tree().unwrap();
        assert!(nu.shapes().iter().all(|s| s.is_empty()));
        assert!((nu.to_vecs().unwrap()[0][0] - 25.0).abs() < 1e-4);
    }
}
