//! `scale_by_sm3`: SM3's memory-efficient second moment, one accumulator per index of each
//! dimension, with momentum.
//!
//! Anil, Gupta, Koren & Singer, *Memory-Efficient Adaptive Optimization*, NeurIPS 2019
//! (<https://arxiv.org/abs/1901.11150>).
//!
//! For a leaf of rank `r` with accumulators `μ^(i)` (one vector per dimension `i`, of that
//! dimension's size), and `c0 = 1 - b2` (`c0 = 1` when `b2 = 1`):
//!
//! ```text
//! a_t[j] = c0·g_t[j]² + b2·min_i μ^(i)_{t-1}[j_i]        (rank >= 2)
//! a_t    = c0·g_t²    + b2·μ^(0)_{t-1}                    (rank 1)
//! μ^(i)_t[k] = max over j with j_i = k of a_t[j]           (rank 1: μ^(0)_t = a_t)
//! ĝ_t = g_t / sqrt(a_t + eps)    where a_t > 0, else 0
//! ν_t = b1·ν_{t-1} + (1 - b1)·ĝ_t
//! u_t = ν_t
//! ```
//!
//! Rank-0 leaves are rejected, as in Optax (whose update fails on them with an `IndexError`).
//! The state's `mu` holds the accumulators of leaf `p` at the paths `p.0`, `p.1`, ... (the
//! flattened paths of Optax's per-leaf lists).

use std::sync::Arc;

use burn::tensor::Tensor;

use crate::error::{OptaxError, Result};
use crate::hyper::{Hyper, Scalar};
use crate::setters::setters;
use crate::state::State;
use crate::transform::{Extra, Transform};
use crate::transforms::{check_decay, check_nonneg};
use crate::tree::{self, Tree, TreeDef};

/// SM3's scaling (`optax.scale_by_sm3`). State `ScaleBySM3State(mu, nu)`.
#[derive(Clone, Debug)]
pub struct ScaleBySm3 {
    pub(crate) b1: Hyper,
    pub(crate) b2: Hyper,
    pub(crate) eps: Hyper,
}

/// `optax.scale_by_sm3(b1=0.9, b2=1.0, eps=1e-8)`.
pub fn scale_by_sm3() -> ScaleBySm3 {
    ScaleBySm3 {
        b1: 0.9.into(),
        b2: 1.0.into(),
        eps: 1e-8.into(),
    }
}

impl ScaleBySm3 {
    setters! {
        /// Decay of the moving average of the scaled updates (the momentum).
        b1: impl Into<Hyper>;

        /// Decay of the accumulators (1: plain sums, as in the paper).
        b2: impl Into<Hyper>;

        /// Added to the accumulator inside the square root.
        eps: impl Into<Hyper>;
    }
}

/// The shape `[prefix, n_i, suffix]` that isolates dimension `i` of `shape`.
fn around(shape: &[usize], i: usize) -> [usize; 3] {
    [
        shape[..i].iter().product(),
        shape[i],
        shape[i + 1..].iter().product(),
    ]
}

/// The structure of `mu`: for leaf `p` of shape `[n_0, .., n_{r-1}]`, the leaves `p.i` of shape
/// `[n_i]`. Rank-0 leaves are an error.
fn accumulator_def(like: &Tree) -> Result<TreeDef> {
    let (mut paths, mut shapes) = (Vec::new(), Vec::new());
    for (path, shape, _) in like.iter() {
        if shape.is_empty() {
            return Err(OptaxError::invalid(
                "params",
                format!("scale_by_sm3 does not support rank-0 leaves (`{path}`); Optax fails on them too"),
            ));
        }
        for (i, &n) in shape.iter().enumerate() {
            paths.push(format!("{path}.{i}"));
            shapes.push(vec![n]);
        }
    }
    TreeDef::new(paths, shapes)
}

/// `c0 = 1 - b2`, or `1` where `b2 == 1` (Optax's `(1.0 - b2) if b2 != 1.0 else 1.0`).
fn new_coefficient(b2: &Scalar) -> Scalar {
    match b2 {
        Scalar::Value(v) => Scalar::Value(if *v != 1.0 { 1.0 - v } else { 1.0 }),
        Scalar::Tensor(t) => {
            let one = t.clone().equal_elem(1.0);
            Scalar::Tensor(
                (1.0 - b2.clone())
                    .to_tensor(&t.device())
                    .mask_fill(one, 1.0),
            )
        }
    }
}

impl Transform for ScaleBySm3 {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        let def = accumulator_def(params)?;
        let zeros = params
            .iter()
            .flat_map(|(_, shape, p)| {
                shape
                    .iter()
                    .map(|&n| Tensor::<1>::zeros([n], &p.device()).cast(p.dtype()))
            })
            .collect();
        let mu = Tree::from_flat(Arc::new(def), zeros)?;
        Ok(State::record(
            "ScaleBySM3State",
            vec![
                ("mu", State::Tree(mu)),
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
        state.expect_record("ScaleBySM3State")?;
        let mu = state.field("mu")?.as_tree()?;
        let nu = state.field("nu")?.tree_like(&updates)?;
        accumulator_def(&updates)?.check_matches(mu.def())?;
        let (b1, b2, eps) = (
            self.b1.scalar("b1")?,
            self.b2.scalar("b2")?,
            self.eps.scalar("eps")?,
        );
        let c0 = new_coefficient(&b2);

        let mut mu_leaves = mu.leaves().iter();
        let mut new_mu = Vec::with_capacity(mu.len());
        let mut scaled = Vec::with_capacity(updates.len());
        for (_, shape, g) in updates.iter() {
            let n = g.dims()[0];
            let v: Vec<Tensor<1>> = mu_leaves.by_ref().take(shape.len()).cloned().collect();
            let prior = if shape.len() < 2 {
                v[0].clone()
            } else {
                // Each accumulator broadcast over the leaf, then their element-wise minimum.
                let mut broadcast = v.iter().enumerate().map(|(i, vi)| {
                    let [pre, ni, post] = around(shape, i);
                    vi.clone()
                        .reshape([1, ni, 1])
                        .expand([pre, ni, post])
                        .reshape([n])
                });
                let first = broadcast.next().expect("rank >= 2");
                broadcast.fold(first, |acc, x| acc.min_pair(x))
            };
            let accum = c0.mul_tensor(g.clone() * g.clone()) + b2.mul_tensor(prior);
            if shape.len() < 2 {
                new_mu.push(accum.clone());
            } else {
                for i in 0..shape.len() {
                    let [pre, ni, post] = around(shape, i);
                    new_mu.push(
                        accum
                            .clone()
                            .reshape([pre, ni, post])
                            .max_dim(2)
                            .max_dim(0)
                            .reshape([ni]),
                    );
                }
            }
            let positive = accum.clone().greater_elem(0.0);
            let r = eps.add_tensor(accum).sqrt().recip();
            scaled.push(g.clone() * r.zeros_like().mask_where(positive, r));
        }
        let scaled = updates.with_leaves(scaled);
        let nu = tree::update_moment(&scaled, nu, &b1, 1)?;
        let mu = mu.with_leaves(new_mu);
        Ok((
            nu.clone(),
            State::record(
                "ScaleBySM3State",
                vec![("mu", State::Tree(mu)), ("nu", State::Tree(nu))],
            ),
        ))
    }

    fn validate(&self) -> Result<()> {
        check_decay(&self.b1, "b1")?;
        self.b2.scalar("b2")?;
        self.b2
            .check("b2", |v| (0.0..=1.0).contains(&v), "must be in [0, 1]")?;
        check_nonneg(&self.eps, "eps")
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
            .leaf(
                "m",
                Tensor::<2>::from_floats([[1.0, -2.0, 3.0], [4.0, 0.0, -1.0]], &device),
            )
            .leaf("v", Tensor::<1>::from_floats([1.0, -2.0], &device))
            .build()
            .unwrap()
    }

    fn invalid(r: Result<State>) -> bool {
        matches!(r, Err(OptaxError::InvalidHyperparameter { .. }))
    }

    #[test]
    fn invalid_hyperparameters_are_errors() {
        let p = params();
        assert!(invalid(scale_by_sm3().b1(1.0).init(&p)));
        assert!(invalid(scale_by_sm3().b2(1.5).init(&p)));
        assert!(invalid(scale_by_sm3().b2(Schedule::new(|_| 1.0)).init(&p)));
        assert!(invalid(scale_by_sm3().eps(-1.0).init(&p)));
    }

    #[test]
    fn rank0_leaves_are_an_error() {
        let device = Device::flex();
        let p = Tree::builder().scalar("s", 1.0, &device).build().unwrap();
        assert!(scale_by_sm3().init(&p).is_err());
    }

    #[test]
    fn accumulators_are_row_and_column_maxima() {
        let p = params();
        let t = scale_by_sm3().b1(0.0).eps(0.0);
        let s = t.init(&p).unwrap();
        let mu = s.field("mu").unwrap().as_tree().unwrap();
        assert_eq!(mu.paths(), &["m.0", "m.1", "v.0"]);
        assert_eq!(mu.shapes(), &[vec![2], vec![3], vec![2]]);
        let (u, s) = t.update(p.clone(), &s, None, &Extra::none()).unwrap();
        let mu = s.field("mu").unwrap().as_tree().unwrap().to_vecs().unwrap();
        assert_eq!(mu[0], vec![9.0, 16.0]);
        assert_eq!(mu[1], vec![16.0, 4.0, 9.0]);
        assert_eq!(mu[2], vec![1.0, 4.0]);
        // First step: a = g², so u = sign(g) (0 where g = 0).
        assert_eq!(
            u.to_vecs().unwrap()[0],
            vec![1.0, -1.0, 1.0, 1.0, 0.0, -1.0]
        );
    }
}
