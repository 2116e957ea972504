//! `scale_by_distance_over_gradients`: the learning-rate-free DoG step size, per leaf ("layer-wise
//! DoG", LDoG).
//!
//! Ivgi, Hinder & Carmon, *DoG is SGD's Best Friend: A Parameter-Free Dynamic Step Size
//! Schedule*, ICML 2023 (<https://arxiv.org/abs/2302.12022>).
//!
//! ```text
//! r_0   = reps_rel · (1 + ‖x_0‖₂)                                   (per leaf)
//! r_t   = max(r_{t-1}, ‖x_t - x_0‖₂)
//! G_t   = G_{t-1} + ‖g_t‖₂²,   G_0 = 0
//! u_t   = global_scale · (r_t / sqrt(G_t + eps)) · g_t
//! ```
//!
//! The state keeps one distance and one sum of squares per leaf (`max_dist` of shape `[]` and
//! `grad_sum_of_squares` of shape `[1]`, as Optax) and a copy of the initial parameters, cast to
//! `param_dtype`. Uses the parameters.

use std::sync::Arc;

use burn::tensor::{DType, Tensor};

use crate::error::{OptaxError, Result};
use crate::hyper::Hyper;
use crate::setters::setters;
use crate::state::State;
use crate::transform::{Extra, Transform};
use crate::transforms::check_nonneg;
use crate::tree::{self, Tree, TreeDef};

use super::scale_by_param_block::l2_norm;

/// DoG's scaling (`optax.scale_by_distance_over_gradients`). State
/// `ScaleByDistanceOverGradientsState(max_dist, grad_sum_of_squares, init_params)`.
#[derive(Clone, Debug)]
pub struct ScaleByDistanceOverGradients {
    pub(crate) reps_rel: Hyper,
    pub(crate) eps: Hyper,
    pub(crate) param_dtype: Option<DType>,
    pub(crate) global_scale: Hyper,
}

/// `optax.scale_by_distance_over_gradients(reps_rel=1e-6, eps=1e-8, param_dtype=jnp.float32,
/// global_scale=1.0)`.
pub fn scale_by_distance_over_gradients() -> ScaleByDistanceOverGradients {
    ScaleByDistanceOverGradients {
        reps_rel: 1e-6.into(),
        eps: 1e-8.into(),
        param_dtype: Some(DType::F32),
        global_scale: 1.0.into(),
    }
}

impl ScaleByDistanceOverGradients {
    setters! {
        /// Initial distance relative to `1 + ‖x_0‖` (1e-4 for models with batch norm, 1e-6
        /// otherwise).
        reps_rel: impl Into<Hyper>;

        /// Added to the sum of squared gradients under the square root.
        eps: impl Into<Hyper>;

        /// Storage dtype of the initial parameters (`None`: the parameters' own).
        param_dtype: Option<DType>;

        /// Global factor of the step size, typically 1 or -1.
        global_scale: impl Into<Hyper>;
    }
}

const KIND: &str = "ScaleByDistanceOverGradientsState";

/// A tree with the paths of `like` and one leaf of `shape` per path.
fn per_leaf(like: &Tree, shape: Vec<usize>, leaves: Vec<Tensor<1>>) -> Result<Tree> {
    let def = TreeDef::new(like.paths().to_vec(), vec![shape; like.len()])?;
    Tree::from_flat(Arc::new(def), leaves)
}

/// Checks that a per-leaf state tree has the leaves of `like`, each of `numel` elements.
fn check_per_leaf(t: &Tree, like: &Tree, field: &str, numel: usize) -> Result<()> {
    if t.paths() != like.paths() || t.leaves().iter().any(|l| l.dims()[0] != numel) {
        return Err(OptaxError::state(
            format!("{KIND}.{field}"),
            "does not match the leaves of the updates",
        ));
    }
    Ok(())
}

impl Transform for ScaleByDistanceOverGradients {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        let reps_rel = self.reps_rel.scalar("reps_rel")?;
        let max_dist = params
            .leaves()
            .iter()
            .map(|x| reps_rel.mul_tensor(l2_norm(x.clone()).add_scalar(1.0)))
            .collect();
        let grad_sum_of_squares = params
            .leaves()
            .iter()
            .map(|x| Tensor::zeros([1], &x.device()))
            .collect();
        let init_params = match self.param_dtype {
            Some(d) => tree::cast(params, d)?,
            None => params.clone(),
        };
        Ok(State::record(
            KIND,
            vec![
                ("max_dist", State::Tree(per_leaf(params, vec![], max_dist)?)),
                (
                    "grad_sum_of_squares",
                    State::Tree(per_leaf(params, vec![1], grad_sum_of_squares)?),
                ),
                ("init_params", State::Tree(init_params)),
            ],
        ))
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        params: Option<&Tree>,
        _extra: &Extra,
    ) -> Result<(Tree, State)> {
        let params = params
            .ok_or_else(|| OptaxError::params_required("scale_by_distance_over_gradients"))?;
        state.expect_record(KIND)?;
        updates.check_same_structure(params)?;
        let max_dist = state.field("max_dist")?.as_tree()?;
        let g_sos = state.field("grad_sum_of_squares")?.as_tree()?;
        let init_params = state.field("init_params")?.tree_like(&updates)?;
        check_per_leaf(max_dist, &updates, "max_dist", 1)?;
        check_per_leaf(g_sos, &updates, "grad_sum_of_squares", 1)?;
        let eps = self.eps.scalar("eps")?;
        let global_scale = self.global_scale.scalar("global_scale")?;

        let n = updates.len();
        let mut new_dist = Vec::with_capacity(n);
        let mut new_sos = Vec::with_capacity(n);
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let (g, x) = (updates.leaves()[i].clone(), params.leaves()[i].clone());
            let x0 = init_params.leaves()[i].clone().cast(x.dtype());
            let d = max_dist.leaves()[i].clone().max_pair(l2_norm(x - x0));
            let sos = g_sos.leaves()[i].clone() + (g.clone() * g.clone()).sum();
            let eta = global_scale.mul_tensor(d.clone() / eps.add_tensor(sos.clone()).sqrt());
            out.push(g * eta);
            new_dist.push(d);
            new_sos.push(sos);
        }
        Ok((
            updates.with_leaves(out),
            State::record(
                KIND,
                vec![
                    ("max_dist", State::Tree(max_dist.with_leaves(new_dist))),
                    (
                        "grad_sum_of_squares",
                        State::Tree(g_sos.with_leaves(new_sos)),
                    ),
                    ("init_params", State::Tree(init_params.clone())),
                ],
            ),
        ))
    }

    fn validate(&self) -> Result<()> {
        self.reps_rel.scalar("reps_rel")?;
        self.reps_rel.check(
            "reps_rel",
            |v| v > 0.0 && v.is_finite(),
            "must be finite and > 0",
        )?;
        check_nonneg(&self.eps, "eps")?;
        self.global_scale.scalar("global_scale")?;
        self.global_scale
            .check("global_scale", f64::is_finite, "must be finite")?;
        match self.param_dtype {
            Some(d) if !d.is_float() => Err(OptaxError::invalid(
                "param_dtype",
                format!("{d:?} is not a float type"),
            )),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData};

    fn tree(values: &[f32]) -> Tree {
        let device = Device::flex();
        let t = Tensor::<1>::from_data(TensorData::new(values.to_vec(), [values.len()]), &device);
        Tree::builder().leaf("w", t).build().unwrap()
    }

    #[test]
    fn invalid_hyperparameters_are_errors() {
        let p = tree(&[1.0]);
        for (t, name) in [
            (scale_by_distance_over_gradients().reps_rel(0.0), "reps_rel"),
            (scale_by_distance_over_gradients().eps(-1.0), "eps"),
            (
                scale_by_distance_over_gradients().global_scale(f64::NAN),
                "global_scale",
            ),
            (
                scale_by_distance_over_gradients().param_dtype(Some(DType::I32)),
                "param_dtype",
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
    fn params_are_required() {
        let p = tree(&[1.0]);
        let t = scale_by_distance_over_gradients();
        let s = t.init(&p).unwrap();
        let err = t.update(p.clone(), &s, None, &Extra::none()).unwrap_err();
        assert_eq!(
            err,
            OptaxError::params_required("scale_by_distance_over_gradients")
        );
    }

    #[test]
    fn first_step() {
        // ‖x_0‖ = 5: r_0 = 0.1·6 = 0.6; G_1 = 4; u = 0.6 / 2 · g.
        let p = tree(&[3.0, 4.0]);
        let t = scale_by_distance_over_gradients().reps_rel(0.1).eps(0.0);
        let s = t.init(&p).unwrap();
        let (u, s) = t
            .update(tree(&[2.0, 0.0]), &s, Some(&p), &Extra::none())
            .unwrap();
        let u = u.to_vecs().unwrap();
        assert!((u[0][0] - 0.6).abs() < 1e-6 && u[0][1] == 0.0, "{u:?}");
        let sos = s.field("grad_sum_of_squares").unwrap().as_tree().unwrap();
        assert_eq!(sos.shapes(), &[vec![1usize]]);
        assert!(t
            .update(tree(&[1.0]), &s, Some(&tree(&[1.0])), &Extra::none())
            .is_err());
    }
}
