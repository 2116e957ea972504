//! The parameter tree: an ordered set of float leaves of any rank, each with a path.
//!
//! A leaf is stored flat (`Tensor<1>`) beside its shape, so that every element-wise rule is
//! written once for all ranks; [`Tree::get`] gives it back at its rank. Rank-0 leaves have the
//! shape `[]` and one element. The structure (paths and shapes) is shared behind an `Arc`, so
//! trees made from one another compare in O(1).

mod module;
pub mod ops;

pub use module::apply_updates_to_module;
pub use ops::*;

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use burn::tensor::{Device, Tensor, TensorData};

use crate::error::{OptaxError, Result};

/// The structure of a tree: its leaves' paths and shapes, in order.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TreeDef {
    paths: Vec<String>,
    shapes: Vec<Vec<usize>>,
}

impl TreeDef {
    /// A structure from paths and shapes; paths must be unique.
    pub fn new(paths: Vec<String>, shapes: Vec<Vec<usize>>) -> Result<Self> {
        assert_eq!(paths.len(), shapes.len(), "one shape per path");
        let mut seen = HashSet::with_capacity(paths.len());
        for path in &paths {
            if !seen.insert(path.as_str()) {
                return Err(OptaxError::DuplicatePath { path: path.clone() });
            }
        }
        Ok(Self { paths, shapes })
    }

    /// Paths of the leaves, in order.
    pub fn paths(&self) -> &[String] {
        &self.paths
    }

    /// Shapes of the leaves, in order.
    pub fn shapes(&self) -> &[Vec<usize>] {
        &self.shapes
    }

    /// Number of leaves.
    pub fn len(&self) -> usize {
        self.paths.len()
    }

    /// Whether the tree has no leaves.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// Number of elements of leaf `i`.
    pub fn numel(&self, i: usize) -> usize {
        self.shapes[i].iter().product()
    }

    /// Checks that `other` has the same leaves (paths and shapes, in order), naming the first
    /// difference: a missing leaf, an extra leaf, or a shape mismatch.
    pub fn check_matches(&self, other: &TreeDef) -> Result<()> {
        if self == other {
            return Ok(());
        }
        let theirs: HashSet<&str> = other.paths.iter().map(String::as_str).collect();
        if let Some(path) = self.paths.iter().find(|p| !theirs.contains(p.as_str())) {
            return Err(OptaxError::MissingLeaf { path: path.clone() });
        }
        let ours: HashSet<&str> = self.paths.iter().map(String::as_str).collect();
        if let Some(path) = other.paths.iter().find(|p| !ours.contains(p.as_str())) {
            return Err(OptaxError::ExtraLeaf { path: path.clone() });
        }
        for (i, path) in self.paths.iter().enumerate() {
            let j = other
                .paths
                .iter()
                .position(|p| p == path)
                .expect("checked above");
            if self.shapes[i] != other.shapes[j] {
                return Err(OptaxError::ShapeMismatch {
                    path: path.clone(),
                    expected: self.shapes[i].clone(),
                    found: other.shapes[j].clone(),
                });
            }
        }
        // Same leaves in another order: ours is the order every state was built in.
        Err(OptaxError::StateMismatch {
            at: "tree".into(),
            reason: "same leaves in a different order".into(),
        })
    }
}

/// A tree of float tensors with paths: parameters, gradients, updates, or a moment of an
/// optimizer state.
#[derive(Clone)]
pub struct Tree {
    def: Arc<TreeDef>,
    leaves: Vec<Tensor<1>>,
}

impl fmt::Debug for Tree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (path, shape) in self.def.paths.iter().zip(&self.def.shapes) {
            map.entry(path, shape);
        }
        map.finish()
    }
}

impl Tree {
    /// Starts a tree built leaf by leaf, as a dict of arrays in Optax.
    pub fn builder() -> TreeBuilder {
        TreeBuilder::default()
    }

    /// A tree from a structure and flat leaves (one `Tensor<1>` per leaf, in the structure's
    /// order, each with the number of elements of its shape).
    pub fn from_flat(def: Arc<TreeDef>, leaves: Vec<Tensor<1>>) -> Result<Self> {
        if leaves.len() != def.len() {
            return Err(OptaxError::Module(format!(
                "{} leaves for a structure of {}",
                leaves.len(),
                def.len()
            )));
        }
        for (i, leaf) in leaves.iter().enumerate() {
            let numel = leaf.dims()[0];
            if numel != def.numel(i) {
                return Err(OptaxError::BadLeaf {
                    path: def.paths[i].clone(),
                    shape: def.shapes[i].clone(),
                    numel,
                });
            }
        }
        Ok(Self { def, leaves })
    }

    /// A tree from host data: one `Vec<f32>` per leaf.
    pub fn from_vecs(def: Arc<TreeDef>, data: Vec<Vec<f32>>, device: &Device) -> Result<Self> {
        let leaves = data
            .into_iter()
            .map(|v| {
                let n = v.len();
                Tensor::<1>::from_data(TensorData::new(v, [n]), device)
            })
            .collect();
        Self::from_flat(def, leaves)
    }

    /// The same structure with other leaves. The caller guarantees the sizes.
    pub(crate) fn with_leaves(&self, leaves: Vec<Tensor<1>>) -> Self {
        debug_assert_eq!(leaves.len(), self.def.len());
        Self {
            def: self.def.clone(),
            leaves,
        }
    }

    /// The structure.
    pub fn def(&self) -> &Arc<TreeDef> {
        &self.def
    }

    /// Paths of the leaves, in order.
    pub fn paths(&self) -> &[String] {
        &self.def.paths
    }

    /// Shapes of the leaves, in order.
    pub fn shapes(&self) -> &[Vec<usize>] {
        &self.def.shapes
    }

    /// Number of leaves.
    pub fn len(&self) -> usize {
        self.leaves.len()
    }

    /// Whether the tree has no leaves.
    pub fn is_empty(&self) -> bool {
        self.leaves.is_empty()
    }

    /// The flat leaves, in order.
    pub fn leaves(&self) -> &[Tensor<1>] {
        &self.leaves
    }

    /// The flat leaves, by value.
    pub fn into_leaves(self) -> Vec<Tensor<1>> {
        self.leaves
    }

    /// Index of the leaf at `path`.
    pub fn index_of(&self, path: &str) -> Option<usize> {
        self.def.paths.iter().position(|p| p == path)
    }

    /// The flat leaf at `path`.
    pub fn get_flat(&self, path: &str) -> Result<Tensor<1>> {
        let i = self.index_of(path).ok_or_else(|| OptaxError::MissingLeaf {
            path: path.to_string(),
        })?;
        Ok(self.leaves[i].clone())
    }

    /// The leaf at `path` at its own rank `D` (a rank-0 leaf is read as `Tensor<1>` of shape
    /// `[1]`).
    pub fn get<const D: usize>(&self, path: &str) -> Result<Tensor<D>> {
        let i = self.index_of(path).ok_or_else(|| OptaxError::MissingLeaf {
            path: path.to_string(),
        })?;
        let shape = &self.def.shapes[i];
        let shape: Vec<usize> = if shape.is_empty() {
            vec![1]
        } else {
            shape.clone()
        };
        if shape.len() != D {
            return Err(OptaxError::ShapeMismatch {
                path: path.to_string(),
                expected: shape,
                found: vec![0; D],
            });
        }
        let dims: [usize; D] = shape.try_into().expect("rank checked");
        Ok(self.leaves[i].clone().reshape(dims))
    }

    /// Iterates over `(path, shape, leaf)`.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[usize], &Tensor<1>)> {
        self.def
            .paths
            .iter()
            .zip(&self.def.shapes)
            .zip(&self.leaves)
            .map(|((p, s), t)| (p.as_str(), s.as_slice(), t))
    }

    /// The device of the first leaf (`None` for an empty tree).
    pub fn device(&self) -> Option<Device> {
        self.leaves.first().map(|t| t.device())
    }

    /// Total number of elements.
    pub fn numel(&self) -> usize {
        (0..self.def.len()).map(|i| self.def.numel(i)).sum()
    }

    /// Checks that `other` has this tree's structure.
    pub fn check_same_structure(&self, other: &Tree) -> Result<()> {
        if Arc::ptr_eq(&self.def, &other.def) {
            return Ok(());
        }
        self.def.check_matches(&other.def)
    }

    /// Applies `f` to every leaf.
    pub fn map(&self, mut f: impl FnMut(Tensor<1>) -> Tensor<1>) -> Tree {
        self.with_leaves(self.leaves.iter().cloned().map(&mut f).collect())
    }

    /// Applies `f` to every leaf, consuming the tree.
    pub fn into_map(self, f: impl FnMut(Tensor<1>) -> Tensor<1>) -> Tree {
        let leaves = self.leaves.into_iter().map(f).collect();
        Tree {
            def: self.def,
            leaves,
        }
    }

    /// Applies `f(index, shape, leaf)` to every leaf.
    pub fn map_with_shape(
        &self,
        mut f: impl FnMut(usize, &[usize], Tensor<1>) -> Tensor<1>,
    ) -> Tree {
        let leaves = self
            .leaves
            .iter()
            .enumerate()
            .map(|(i, t)| f(i, &self.def.shapes[i], t.clone()))
            .collect();
        self.with_leaves(leaves)
    }

    /// Applies `f` to every pair of leaves of two trees of the same structure.
    pub fn zip_map(
        &self,
        other: &Tree,
        mut f: impl FnMut(Tensor<1>, Tensor<1>) -> Tensor<1>,
    ) -> Result<Tree> {
        self.check_same_structure(other)?;
        let leaves = self
            .leaves
            .iter()
            .zip(&other.leaves)
            .map(|(a, b)| f(a.clone(), b.clone()))
            .collect();
        Ok(self.with_leaves(leaves))
    }

    /// The leaves at `indices`, as a tree of their own (used by `masked`).
    pub fn subset(&self, indices: &[usize]) -> Tree {
        let def = TreeDef {
            paths: indices.iter().map(|&i| self.def.paths[i].clone()).collect(),
            shapes: indices
                .iter()
                .map(|&i| self.def.shapes[i].clone())
                .collect(),
        };
        Tree {
            def: Arc::new(def),
            leaves: indices.iter().map(|&i| self.leaves[i].clone()).collect(),
        }
    }

    /// Replaces the leaves at `indices` by the leaves of `sub`, in order.
    pub fn replace_subset(&self, indices: &[usize], sub: Tree) -> Tree {
        let mut leaves = self.leaves.clone();
        for (&i, leaf) in indices.iter().zip(sub.leaves) {
            leaves[i] = leaf;
        }
        self.with_leaves(leaves)
    }

    /// Reads every leaf to the host (for tests, checkpoints and printing).
    pub fn to_vecs(&self) -> Result<Vec<Vec<f32>>> {
        self.leaves
            .iter()
            .map(|t| {
                t.to_data()
                    .convert::<f32>()
                    .try_to_vec::<f32>()
                    .map_err(|e| OptaxError::Io(format!("{e:?}")))
            })
            .collect()
    }

    /// Moves every leaf to `device`.
    pub fn to_device(&self, device: &Device) -> Tree {
        self.map(|t| t.to_device(device))
    }

    /// Drops the autodiff graph of every leaf (`Tensor::inner`).
    pub fn inner(&self) -> Tree {
        self.map(|t| t.inner())
    }

    /// Detaches every leaf and marks it as requiring a gradient, on an autodiff device: the
    /// starting point of a `value_and_grad` step on a tree of parameters.
    pub fn require_grad(&self) -> Tree {
        self.map(|t| t.inner().autodiff().require_grad())
    }

    /// The gradient of every leaf from a backward pass (zeros for a leaf with no gradient).
    pub fn grad(&self, grads: &burn::tensor::Gradients) -> Tree {
        self.map(|t| {
            t.grad(grads)
                .unwrap_or_else(|| Tensor::zeros([t.dims()[0]], &t.device()))
        })
    }
}

/// Builds a [`Tree`] leaf by leaf.
#[derive(Default)]
pub struct TreeBuilder {
    paths: Vec<String>,
    shapes: Vec<Vec<usize>>,
    leaves: Vec<Tensor<1>>,
}

impl TreeBuilder {
    /// Adds a leaf of any rank at `path`.
    pub fn leaf<const D: usize>(mut self, path: impl Into<String>, tensor: Tensor<D>) -> Self {
        let shape = tensor.dims().to_vec();
        let n: usize = shape.iter().product();
        self.paths.push(path.into());
        self.shapes.push(shape);
        self.leaves.push(tensor.reshape([n]));
        self
    }

    /// Adds a rank-0 leaf holding `value`.
    pub fn scalar(mut self, path: impl Into<String>, value: f32, device: &Device) -> Self {
        self.paths.push(path.into());
        self.shapes.push(vec![]);
        self.leaves
            .push(Tensor::from_data(TensorData::new(vec![value], [1]), device));
        self
    }

    /// Adds a flat leaf with an explicit shape (`[]` for a scalar).
    pub fn flat(mut self, path: impl Into<String>, shape: Vec<usize>, tensor: Tensor<1>) -> Self {
        self.paths.push(path.into());
        self.shapes.push(shape);
        self.leaves.push(tensor);
        self
    }

    /// The tree; errors on a repeated path or a leaf whose size does not fit its shape.
    pub fn build(self) -> Result<Tree> {
        let def = Arc::new(TreeDef::new(self.paths, self.shapes)?);
        Tree::from_flat(def, self.leaves)
    }
}
