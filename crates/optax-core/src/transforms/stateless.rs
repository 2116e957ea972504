//! `stateless` and `stateless_with_tree_map`: transformations from plain functions.

use std::sync::Arc;

use burn::tensor::Tensor;

use crate::error::{OptaxError, Result};
use crate::state::State;
use crate::transform::{Extra, Transform};
use crate::tree::Tree;

type TreeFn = dyn Fn(Tree, Option<&Tree>) -> Result<Tree> + Send + Sync;
type LeafFn = dyn Fn(Tensor<1>, Option<Tensor<1>>) -> Tensor<1> + Send + Sync;

/// A stateless transformation from `f(updates, params)` (`optax.stateless`).
#[derive(Clone)]
pub struct Stateless(Arc<TreeFn>);

/// `optax.stateless(f)`.
pub fn stateless(
    f: impl Fn(Tree, Option<&Tree>) -> Result<Tree> + Send + Sync + 'static,
) -> Stateless {
    Stateless(Arc::new(f))
}

impl Transform for Stateless {
    fn init(&self, _params: &Tree) -> Result<State> {
        Ok(State::Empty)
    }

    fn update(
        &self,
        updates: Tree,
        _state: &State,
        params: Option<&Tree>,
        _extra: &Extra,
    ) -> Result<(Tree, State)> {
        let out = (self.0)(updates.clone(), params)?;
        updates.check_same_structure(&out)?;
        Ok((out, State::Empty))
    }
}

/// A stateless transformation from `f(update_leaf, param_leaf)` applied to every leaf
/// (`optax.stateless_with_tree_map`).
#[derive(Clone)]
pub struct StatelessWithTreeMap(Arc<LeafFn>);

/// `optax.stateless_with_tree_map(f)`.
pub fn stateless_with_tree_map(
    f: impl Fn(Tensor<1>, Option<Tensor<1>>) -> Tensor<1> + Send + Sync + 'static,
) -> StatelessWithTreeMap {
    StatelessWithTreeMap(Arc::new(f))
}

impl Transform for StatelessWithTreeMap {
    fn init(&self, _params: &Tree) -> Result<State> {
        Ok(State::Empty)
    }

    fn update(
        &self,
        updates: Tree,
        _state: &State,
        params: Option<&Tree>,
        _extra: &Extra,
    ) -> Result<(Tree, State)> {
        let out = match params {
            Some(p) => updates.zip_map(p, |u, p| (self.0)(u, Some(p)))?,
            None => updates.map(|u| (self.0)(u, None)),
        };
        for (i, leaf) in out.leaves().iter().enumerate() {
            if leaf.dims() != updates.leaves()[i].dims() {
                return Err(OptaxError::BadLeaf {
                    path: updates.paths()[i].clone(),
                    shape: updates.shapes()[i].clone(),
                    numel: leaf.dims()[0],
                });
            }
        }
        Ok((out, State::Empty))
    }
}
