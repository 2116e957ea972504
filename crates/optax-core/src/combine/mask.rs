//! Masks and labels over a tree: by a function of each leaf's path and shape, by a predicate on
//! the path alone (the way Flax's `ModelParamTraversal` is used), or by a map from paths (or path
//! prefixes) to values, as the bool and label pytrees of Optax.
//!
//! A leaf's path is the `.`-joined names that lead to it; for a Burn module
//! ([`Tree::from_module`](crate::Tree::from_module)) they are its field names, as in
//! `encoder.layers.0.weight`.

use std::fmt;
use std::sync::Arc;

use crate::error::{OptaxError, Result};
use crate::tree::TreeDef;

/// A mask as a function of a leaf's path and shape.
pub type MaskFn = dyn Fn(&str, &[usize]) -> bool + Send + Sync;

/// A label as a function of a leaf's path and shape.
pub type LabelFn = dyn Fn(&str, &[usize]) -> String + Send + Sync;

/// A mask as a predicate on a leaf's path alone.
pub type PathFn = dyn Fn(&str) -> bool + Send + Sync;

/// A label as a function of a leaf's path alone.
pub type PathLabelFn = dyn Fn(&str) -> String + Send + Sync;

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
    /// A predicate on the path alone, with a name for errors (built by [`Mask::by_path`] and
    /// [`Mask::decay_mask`]). Unlike [`Mask::Fn`], it is an error for it to select no leaf of a
    /// tree that has leaves: the [`OptaxError::InvalidHyperparameter`] named `mask`, from
    /// `init` (and `update`) of the transformation that holds it.
    Path {
        /// Names the mask in errors.
        name: String,
        /// The predicate.
        f: Arc<PathFn>,
    },
}

impl fmt::Debug for Mask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mask::All(b) => write!(f, "Mask::All({b})"),
            Mask::Fn(_) => f.write_str("Mask::Fn"),
            Mask::Map(m) => write!(f, "Mask::Map({m:?})"),
            Mask::Path { name, .. } => write!(f, "Mask::Path({name})"),
        }
    }
}

impl From<bool> for Mask {
    fn from(b: bool) -> Self {
        Mask::All(b)
    }
}

impl Mask {
    /// The last path segments of the leaves that [`Mask::decay_mask`] leaves out: biases, and the
    /// scale, shift and running statistics of Burn's normalisation layers.
    ///
    /// Burn 0.22 names them so: `Linear`, `Conv*d`, `ConvTranspose*d` and `DeformConv2d` have
    /// `weight` and `bias`; `LayerNorm`, `GroupNorm`, `InstanceNorm` have `gamma` and `beta`;
    /// `RmsNorm` has `gamma`; `BatchNorm` has `gamma`, `beta` and the running statistics
    /// `running_mean` and `running_var` (a `RunningState`, which a module's tree holds as a leaf too).
    pub const NO_DECAY_NAMES: [&str; 5] = ["bias", "gamma", "beta", "running_mean", "running_var"];

    /// A mask from a function of the path and shape.
    pub fn by(f: impl Fn(&str, &[usize]) -> bool + Send + Sync + 'static) -> Self {
        Mask::Fn(Arc::new(f))
    }

    /// A mask from `(path or prefix, value)` pairs.
    pub fn from_pairs<S: Into<String>>(pairs: impl IntoIterator<Item = (S, bool)>) -> Self {
        Mask::Map(pairs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// A mask from a predicate on the leaf's path alone (for a Burn module, the `.`-joined field
    /// names, as in `encoder.layers.0.weight`).
    ///
    /// A predicate that selects no leaf of a tree with leaves is an error (most likely a typo in
    /// a name): `init` of the transformation that holds the mask returns
    /// [`OptaxError::InvalidHyperparameter`] named `mask`, whose reason names the mask
    /// (`Mask::by_path`) and lists the tree's first paths. ([`Mask::by`] keeps Optax's
    /// behaviour: a function that selects nothing is not an error.)
    ///
    /// ```
    /// use burn::tensor::{Device, Tensor};
    /// use optax_core::{masked, scale, Mask, Transform, Tree};
    ///
    /// let d = Device::flex();
    /// let params = Tree::builder()
    ///     .leaf("layer.weight", Tensor::<2>::ones([2, 3], &d))
    ///     .leaf("layer.bias", Tensor::<1>::ones([3], &d))
    ///     .build()?;
    /// // Scale the biases' updates only.
    /// let opt = masked(scale(0.5), Mask::by_path(|path| path.ends_with("bias")));
    /// let state = opt.init(&params)?;
    ///
    /// // A predicate that matches nothing is an error from `init`.
    /// let typo = masked(scale(0.5), Mask::by_path(|path| path.ends_with("biass")));
    /// assert!(typo.init(&params).is_err());
    /// # let _ = state;
    /// # Ok::<(), optax_core::OptaxError>(())
    /// ```
    pub fn by_path(f: impl Fn(&str) -> bool + Send + Sync + 'static) -> Self {
        Mask::Path {
            name: "Mask::by_path".into(),
            f: Arc::new(f),
        }
    }

    /// The usual weight-decay mask: `true` for every leaf except biases and the parameters of
    /// normalisation layers, so that `adamw(lr).mask(Mask::decay_mask())` decays the weights
    /// only.
    ///
    /// The rule, on the last `.`-separated segment of the path: the leaf is left out when that
    /// segment is one of [`Mask::NO_DECAY_NAMES`] (`bias`, `gamma`, `beta`, `running_mean`,
    /// `running_var`), the names Burn 0.22 gives to the biases of `Linear` and the convolutions
    /// and to the scale, shift and running statistics of `LayerNorm`, `GroupNorm`,
    /// `InstanceNorm`, `RmsNorm` and `BatchNorm`. Everything else is decayed: `weight` of
    /// `Linear`, the convolutions and `Embedding`, `alpha` of `PRelu`, and any field of your own
    /// module, unless it carries one of those names. The shape plays no part.
    ///
    /// It is a [`Mask::by_path`] mask named `decay_mask`: on a tree where it selects nothing
    /// (only biases and norms), `init` returns an error rather than decaying nothing silently.
    ///
    /// ```
    /// use burn::nn::{LayerNorm, LayerNormConfig, Linear, LinearConfig};
    /// use burn::module::Module;
    /// use burn::tensor::Device;
    /// use optax_core::{adamw, Mask, Transform, Tree};
    ///
    /// #[derive(Module, Debug)]
    /// struct Block {
    ///     linear: Linear,
    ///     norm: LayerNorm,
    /// }
    ///
    /// let d = Device::flex();
    /// let block = Block {
    ///     linear: LinearConfig::new(4, 4).init(&d),
    ///     norm: LayerNormConfig::new(4).init(&d),
    /// };
    /// let params = Tree::from_module(&block)?;
    /// let mask = Mask::decay_mask();
    /// assert_eq!(
    ///     mask.values(params.def())?,
    ///     // linear.weight, linear.bias, norm.gamma, norm.beta
    ///     [true, false, false, false]
    /// );
    /// let opt = adamw(1e-3).weight_decay(0.01).mask(mask);
    /// let state = opt.init(&params)?;
    /// # let _ = state;
    /// # Ok::<(), optax_core::OptaxError>(())
    /// ```
    pub fn decay_mask() -> Self {
        Mask::Path {
            name: "decay_mask".into(),
            f: Arc::new(|path: &str| {
                let last = path.rsplit('.').next().unwrap_or(path);
                !Self::NO_DECAY_NAMES.contains(&last)
            }),
        }
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
            Mask::Path { name, f } => {
                let values: Vec<bool> = def.paths().iter().map(|p| f(p)).collect();
                if !values.is_empty() && !values.contains(&true) {
                    return Err(OptaxError::invalid(
                        "mask",
                        format!("`{name}` selects no leaf of the tree ({})", some_paths(def)),
                    ));
                }
                Ok(values)
            }
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
    /// A function of the path alone, with a name for errors (built by [`Labels::by_path`]).
    /// Unlike [`Labels::Fn`], `partition` errors when one of its transformations gets no leaf.
    Path {
        /// Names the labels in errors.
        name: String,
        /// The function.
        f: Arc<PathLabelFn>,
    },
}

impl fmt::Debug for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Labels::Fn(_) => f.write_str("Labels::Fn"),
            Labels::Map(m) => write!(f, "Labels::Map({m:?})"),
            Labels::Path { name, .. } => write!(f, "Labels::Path({name})"),
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

    /// Labels from a function of the leaf's path alone (for a Burn module, the `.`-joined field
    /// names, as in `encoder.layers.0.weight`).
    ///
    /// [`partition`](crate::partition) with these labels errors
    /// ([`OptaxError::InvalidHyperparameter`] named `param_labels`, from `init`) when a label
    /// has no transformation, as with every form of labels, and also when one of its
    /// transformations is given no leaf, the counterpart of a [`Mask::by_path`] that selects
    /// nothing. ([`Labels::by`] keeps Optax's behaviour: a transformation without leaves is
    /// allowed.)
    ///
    /// ```
    /// use burn::tensor::{Device, Tensor};
    /// use optax_core::{adam, partition, sgd, IntoTransformation, Labels, Transform, Tree};
    ///
    /// let d = Device::flex();
    /// let params = Tree::builder()
    ///     .leaf("encoder.weight", Tensor::<2>::ones([2, 3], &d))
    ///     .leaf("head.weight", Tensor::<2>::ones([3, 1], &d))
    ///     .build()?;
    /// let opt = partition(
    ///     vec![
    ///         ("slow".into(), sgd(1e-3).into_transformation()),
    ///         ("fast".into(), adam(1e-2).into_transformation()),
    ///     ],
    ///     Labels::by_path(|path| {
    ///         if path.starts_with("encoder.") { "slow" } else { "fast" }.to_string()
    ///     }),
    /// );
    /// let state = opt.init(&params)?;
    /// # let _ = state;
    /// # Ok::<(), optax_core::OptaxError>(())
    /// ```
    pub fn by_path(f: impl Fn(&str) -> String + Send + Sync + 'static) -> Self {
        Labels::Path {
            name: "Labels::by_path".into(),
            f: Arc::new(f),
        }
    }

    /// The name of a [`Labels::Path`], which must give every transformation of a partition a
    /// leaf; `None` for the other forms.
    pub(crate) fn path_name(&self) -> Option<&str> {
        match self {
            Labels::Path { name, .. } => Some(name),
            _ => None,
        }
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
            Labels::Path { f, .. } => Ok(def.paths().iter().map(|p| f(p)).collect()),
        }
    }
}

/// The first paths of a tree, for an error message.
pub(crate) fn some_paths(def: &TreeDef) -> String {
    const SHOWN: usize = 6;
    let paths = def.paths();
    let mut out = format!("{} leaves: ", paths.len());
    let shown: Vec<&str> = paths.iter().take(SHOWN).map(String::as_str).collect();
    out.push_str(&shown.join(", "));
    if paths.len() > SHOWN {
        out.push_str(", ...");
    }
    out
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
