//! The parameter tree: an ordered set of float leaves of any rank, each with a path.
//!
//! A leaf is stored flat (`Tensor<1>`) beside its shape, so that every element-wise rule is
//! written once for all ranks; [`Tree::get`] gives it back at its rank. Rank-0 leaves have the
//! shape `[]` and one element. The structure (paths and shapes) is shared behind an `Arc`, so
//! trees made from one another compare in O(1).

mod batch_shape;
mod casting;
mod complex;
mod map_params;
mod module;
pub mod ops;
mod random;

pub use module::apply_updates_to_module;
pub(crate) use module::load_module_params;
pub use ops::*;

pub use batch_shape::batch_shape;
pub use casting::{cast_like, dtype, MixedDtypeHandler};
pub use complex::{conj, real};
pub use map_params::map_params;
pub use random::{random_like, random_like_with, split_key_like, Sampler};

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use burn::tensor::{Device, Tensor, TensorData};

use crate::error::{OptaxError, Result};

/// The structure of a tree: its leaves' paths and shapes, in order. There is one shape per
/// path and no path twice: [`TreeDef::new`] checks it, and so does deserialization.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "TreeDefRecord")]
pub struct TreeDef {
    paths: Vec<String>,
    shapes: Vec<Vec<usize>>,
}

/// A [`TreeDef`] as read from a file, checked by [`TreeDef::new`] before use.
#[derive(serde::Deserialize)]
struct TreeDefRecord {
    paths: Vec<String>,
    shapes: Vec<Vec<usize>>,
}

impl TryFrom<TreeDefRecord> for TreeDef {
    type Error = OptaxError;

    fn try_from(r: TreeDefRecord) -> Result<Self> {
        TreeDef::new(r.paths, r.shapes)
    }
}

impl TreeDef {
    /// A structure from paths and shapes: one shape per path
    /// ([`OptaxError::CountMismatch`] otherwise), no path twice
    /// ([`OptaxError::DuplicatePath`]).
    pub fn new(paths: Vec<String>, shapes: Vec<Vec<usize>>) -> Result<Self> {
        if paths.len() != shapes.len() {
            return Err(OptaxError::CountMismatch {
                what: "shapes".into(),
                expected: paths.len(),
                found: shapes.len(),
            });
        }
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

    /// Number of elements of leaf `i` (`None` when there is no leaf `i`).
    pub fn numel(&self, i: usize) -> Option<usize> {
        self.shapes.get(i).map(|s| s.iter().product())
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
        for (path, shape) in self.paths.iter().zip(&self.shapes) {
            // Every path of ours is theirs too (checked above), and `other` has one shape per
            // path (a `TreeDef` invariant), so `other.shapes[j]` exists.
            if let Some(j) = other.paths.iter().position(|p| p == path) {
                if *shape != other.shapes[j] {
                    return Err(OptaxError::ShapeMismatch {
                        path: path.clone(),
                        expected: shape.clone(),
                        found: other.shapes[j].clone(),
                    });
                }
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
            return Err(OptaxError::CountMismatch {
                what: "leaves".into(),
                expected: def.len(),
                found: leaves.len(),
            });
        }
        for ((leaf, path), shape) in leaves.iter().zip(&def.paths).zip(&def.shapes) {
            let [numel] = leaf.dims();
            if numel != shape.iter().product::<usize>() {
                return Err(OptaxError::BadLeaf {
                    path: path.clone(),
                    shape: shape.clone(),
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

    /// The flat leaves, to be replaced in place by tensors of the same lengths (a kernel's
    /// outputs); the structure stays valid only if every length is kept.
    pub(crate) fn leaves_mut(&mut self) -> &mut [Tensor<1>] {
        &mut self.leaves
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
        // `i` indexes the paths, and a tree has one leaf per path.
        Ok(self.leaves[i].clone())
    }

    /// The leaf at `path` at its own rank `D` (a rank-0 leaf is read as `Tensor<1>` of shape
    /// `[1]`).
    pub fn get<const D: usize>(&self, path: &str) -> Result<Tensor<D>> {
        let i = self.index_of(path).ok_or_else(|| OptaxError::MissingLeaf {
            path: path.to_string(),
        })?;
        // `i` indexes the paths, and a tree has one shape and one leaf per path.
        let shape = &self.def.shapes[i];
        let shape: Vec<usize> = if shape.is_empty() {
            vec![1]
        } else {
            shape.clone()
        };
        let dims: [usize; D] =
            shape
                .try_into()
                .map_err(|shape: Vec<usize>| OptaxError::ShapeMismatch {
                    path: path.to_string(),
                    expected: shape,
                    found: vec![0; D],
                })?;
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
        self.def
            .shapes
            .iter()
            .map(|s| s.iter().product::<usize>())
            .sum()
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

    /// The leaves at `indices`, as a tree of their own (used by `masked`). Internal: the
    /// indices are those of a mask resolved against this tree's structure, so each is in range.
    pub(crate) fn subset(&self, indices: &[usize]) -> Tree {
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

    /// Replaces the leaves at `indices` by the leaves of `sub`, in order. Internal: the indices
    /// are in range as for [`Tree::subset`]; the caller checks that `sub` has the structure of
    /// `self.subset(indices)`.
    pub(crate) fn replace_subset(&self, indices: &[usize], sub: Tree) -> Tree {
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
                .unwrap_or_else(|| Tensor::zeros(t.dims(), &t.device()))
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

#[cfg(test)]
mod tests {
    use burn::tensor::{Device, Tensor};

    use super::*;

    fn def() -> TreeDef {
        TreeDef::new(vec!["a".into(), "b".into()], vec![vec![], vec![2, 3]]).unwrap()
    }

    #[test]
    fn a_shape_per_path_or_an_error() {
        let err = TreeDef::new(vec!["a".into(), "b".into()], vec![vec![2]]).unwrap_err();
        assert_eq!(
            err,
            OptaxError::CountMismatch {
                what: "shapes".into(),
                expected: 2,
                found: 1
            }
        );
        assert!(matches!(
            TreeDef::new(vec!["a".into(), "a".into()], vec![vec![], vec![]]),
            Err(OptaxError::DuplicatePath { .. })
        ));
    }

    #[test]
    fn a_saved_structure_is_checked_when_read() {
        let json = serde_json::to_string(&def()).unwrap();
        assert_eq!(serde_json::from_str::<TreeDef>(&json).unwrap(), def());
        for bad in [
            r#"{"paths": ["a", "b"], "shapes": [[]]}"#,
            r#"{"paths": ["a", "a"], "shapes": [[], []]}"#,
        ] {
            assert!(serde_json::from_str::<TreeDef>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn numel_of_a_missing_leaf_is_none() {
        assert_eq!(def().numel(0), Some(1));
        assert_eq!(def().numel(1), Some(6));
        assert_eq!(def().numel(2), None);
    }

    #[test]
    fn leaves_that_do_not_fit_are_errors() {
        let device = Device::flex();
        let def = Arc::new(def());
        let one = || Tensor::<1>::zeros([1], &device);
        assert!(matches!(
            Tree::from_flat(def.clone(), vec![one()]),
            Err(OptaxError::CountMismatch { .. })
        ));
        assert!(matches!(
            Tree::from_flat(def.clone(), vec![one(), one()]),
            Err(OptaxError::BadLeaf { .. })
        ));
        let tree = Tree::from_flat(def, vec![one(), Tensor::zeros([6], &device)]).unwrap();
        assert_eq!(tree.get::<2>("b").unwrap().dims(), [2, 3]);
        assert!(matches!(
            tree.get::<3>("b"),
            Err(OptaxError::ShapeMismatch { .. })
        ));
        assert!(matches!(
            tree.get::<1>("c"),
            Err(OptaxError::MissingLeaf { .. })
        ));
    }
}
