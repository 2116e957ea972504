//! Masks and labels over a tree: by a function of each leaf's path and shape, or by a map from
//! paths (or path prefixes) to values, as the bool and label pytrees of Optax.

use std::fmt;
use std::sync::Arc;

use crate::error::{OptaxError, Result};
use crate::tree::TreeDef;

/// A mask as a function of a leaf's path and shape.
pub type MaskFn = dyn Fn(&str, &[usize]) -> bool + Send + Sync;

/// A label as a function of a leaf's path and shape.
pub type LabelFn = dyn Fn(&str, &[usize]) -> String + Send + Sync;

/// Which leaves a transformation applies to (Optax's `MaskOrFn`).
#[derive(Clone)]
pub enum Mask {
    /// Every leaf (`true`) or none (`false`).
    All(bool),
    /// A function of a leaf's path and shape, e.g. `|_, shape| shape.len() != 1` to skip biases.
    Fn(Arc<MaskFn>),
    /// A value per path; a path prefix (`"encoder"`) covers every leaf below it
    /// (`"encoder.layers.0.weight"`), as an Optax mask that is a prefix of the params tree.
    Map(Vec<(String, bool)>),
}

impl fmt::Debug for Mask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mask::All(b) => write!(f, "Mask::All({b})"),
            Mask::Fn(_) => f.write_str("Mask::Fn"),
            Mask::Map(m) => write!(f, "Mask::Map({m:?})"),
        }
    }
}

impl From<bool> for Mask {
    fn from(b: bool) -> Self {
        Mask::All(b)
    }
}

impl Mask {
    /// A mask from a function of the path and shape.
    pub fn by(f: impl Fn(&str, &[usize]) -> bool + Send + Sync + 'static) -> Self {
        Mask::Fn(Arc::new(f))
    }

    /// A mask from `(path or prefix, value)` pairs.
    pub fn from_pairs<S: Into<String>>(pairs: impl IntoIterator<Item = (S, bool)>) -> Self {
        Mask::Map(pairs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// The mask's value for every leaf of `def`.
    pub fn values(&self, def: &TreeDef) -> Result<Vec<bool>> {
        match self {
            Mask::All(b) => Ok(vec![*b; def.len()]),
            Mask::Fn(f) => Ok(def
                .paths()
                .iter()
                .zip(def.shapes())
                .map(|(p, s)| f(p, s))
                .collect()),
            Mask::Map(m) => lookup(m, def, "mask").map(|v| v.into_iter().copied().collect()),
        }
    }

    /// Indices of the leaves where the mask is true.
    pub fn indices(&self, def: &TreeDef) -> Result<Vec<usize>> {
        Ok(self
            .values(def)?
            .into_iter()
            .enumerate()
            .filter_map(|(i, b)| b.then_some(i))
            .collect())
    }
}

/// A label for every leaf, naming which transformation of a `partition` it gets.
#[derive(Clone)]
pub enum Labels {
    /// A function of a leaf's path and shape.
    Fn(Arc<LabelFn>),
    /// A label per path or path prefix.
    Map(Vec<(String, String)>),
}

impl fmt::Debug for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Labels::Fn(_) => f.write_str("Labels::Fn"),
            Labels::Map(m) => write!(f, "Labels::Map({m:?})"),
        }
    }
}

impl Labels {
    /// Labels from a function of the path and shape.
    pub fn by(f: impl Fn(&str, &[usize]) -> String + Send + Sync + 'static) -> Self {
        Labels::Fn(Arc::new(f))
    }

    /// Labels from `(path or prefix, label)` pairs.
    pub fn from_pairs<S: Into<String>, L: Into<String>>(
        pairs: impl IntoIterator<Item = (S, L)>,
    ) -> Self {
        Labels::Map(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }

    /// The label of every leaf of `def`.
    pub fn values(&self, def: &TreeDef) -> Result<Vec<String>> {
        match self {
            Labels::Fn(f) => Ok(def
                .paths()
                .iter()
                .zip(def.shapes())
                .map(|(p, s)| f(p, s))
                .collect()),
            Labels::Map(m) => {
                lookup(m, def, "param_labels").map(|v| v.into_iter().cloned().collect())
            }
        }
    }
}

/// For each leaf, the value of the longest key that is its path or a prefix of it at a `.`;
/// errors on a leaf no key covers and on a key that covers no leaf.
fn lookup<'a, V>(map: &'a [(String, V)], def: &TreeDef, what: &str) -> Result<Vec<&'a V>> {
    let covers = |key: &str, path: &str| {
        path == key || (path.starts_with(key) && path[key.len()..].starts_with('.'))
    };
    let mut used = vec![false; map.len()];
    let mut out = Vec::with_capacity(def.len());
    for path in def.paths() {
        let best = map
            .iter()
            .enumerate()
            .filter(|(_, (k, _))| covers(k, path))
            .max_by_key(|(_, (k, _))| k.len());
        match best {
            Some((i, (_, v))) => {
                used[i] = true;
                out.push(v);
            }
            None => {
                return Err(OptaxError::invalid(
                    what,
                    format!("no entry for leaf `{path}`"),
                ))
            }
        }
    }
    if let Some(i) = used.iter().position(|u| !u) {
        return Err(OptaxError::invalid(
            what,
            format!("entry `{}` matches no leaf", map[i].0),
        ));
    }
    Ok(out)
}
