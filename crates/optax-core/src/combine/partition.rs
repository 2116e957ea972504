//! `partition`: a different transformation for each label of the leaves.

use crate::combine::mask::some_paths;
use crate::combine::{masked, Labels, Mask};
use crate::error::{OptaxError, Result};
use crate::state::State;
use crate::transform::{Extra, GradientTransformation, Transform};
use crate::tree::{Tree, TreeDef};

/// Applies to each leaf the transformation of its label (`optax.partition`, formerly
/// `multi_transform`). The state keeps one masked state per label, in the order the
/// transformations were given.
#[derive(Clone, Debug)]
pub struct Partition {
    transforms: Vec<(String, GradientTransformation)>,
    labels: Labels,
    must_use: Option<MustUse>,
}

/// Labels that must be given to at least one leaf of a tree that has leaves: every label with
/// [`Labels::by_path`], the `freeze` label of `selective_transform` with a [`Mask::by_path`].
#[derive(Clone, Debug)]
pub(crate) struct MustUse {
    /// The argument the error names (`param_labels`, `mask`).
    pub(crate) arg: &'static str,
    /// The name of the labels or mask, for the error.
    pub(crate) source: String,
    /// The labels.
    pub(crate) labels: Vec<String>,
}

/// `optax.partition(transforms, param_labels)`.
///
/// A label without a transformation is an error from `init`; with [`Labels::by_path`] so is a
/// transformation that no leaf is labelled for.
pub fn partition(
    transforms: Vec<(String, GradientTransformation)>,
    param_labels: Labels,
) -> Partition {
    let must_use = param_labels.path_name().map(|name| MustUse {
        arg: "param_labels",
        source: name.to_string(),
        labels: transforms.iter().map(|(k, _)| k.clone()).collect(),
    });
    Partition {
        transforms,
        labels: param_labels,
        must_use,
    }
}

impl Partition {
    /// Requires `must_use` labels to be given to some leaf.
    pub(crate) fn with_must_use(mut self, must_use: MustUse) -> Self {
        self.must_use = Some(must_use);
        self
    }

    fn masks(&self, def: &TreeDef) -> Result<Vec<Mask>> {
        let labels = self.labels.values(def)?;
        if let Some(label) = labels
            .iter()
            .find(|l| !self.transforms.iter().any(|(k, _)| k == *l))
        {
            return Err(OptaxError::invalid(
                "param_labels",
                format!("label `{label}` has no transformation"),
            ));
        }
        if let Some(m) = &self.must_use {
            if let Some(unused) = m.labels.iter().find(|k| !labels.contains(k)) {
                if !labels.is_empty() {
                    return Err(OptaxError::invalid(
                        m.arg,
                        format!(
                            "`{}` gives no leaf the label `{unused}` ({})",
                            m.source,
                            some_paths(def)
                        ),
                    ));
                }
            }
        }
        Ok(self
            .transforms
            .iter()
            .map(|(k, _)| {
                let mine: Vec<(String, bool)> = def
                    .paths()
                    .iter()
                    .zip(&labels)
                    .map(|(p, l)| (p.clone(), l == k))
                    .collect();
                Mask::Map(mine)
            })
            .collect())
    }
}

impl Transform for Partition {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        let masks = self.masks(params.def())?;
        let states = self
            .transforms
            .iter()
            .zip(masks)
            .map(|((k, t), m)| Ok((k.clone(), masked(t.clone(), m).init(params)?)))
            .collect::<Result<_>>()?;
        Ok(State::record(
            "PartitionState",
            vec![("inner_states", State::Map(states))],
        ))
    }

    fn update(
        &self,
        mut updates: Tree,
        state: &State,
        params: Option<&Tree>,
        extra: &Extra,
    ) -> Result<(Tree, State)> {
        let states = state.field("inner_states")?.as_map()?;
        if states.len() != self.transforms.len() {
            return Err(OptaxError::state(
                "PartitionState",
                "one state per label expected",
            ));
        }
        let masks = self.masks(updates.def())?;
        let mut next = Vec::with_capacity(states.len());
        for (((k, t), m), (key, s)) in self.transforms.iter().zip(masks).zip(states) {
            if k != key {
                return Err(OptaxError::state(
                    "PartitionState",
                    format!("state `{key}` where `{k}` was expected"),
                ));
            }
            let (u, s) = masked(t.clone(), m).update(updates, s, params, extra)?;
            updates = u;
            next.push((k.clone(), s));
        }
        Ok((
            updates,
            State::record("PartitionState", vec![("inner_states", State::Map(next))]),
        ))
    }

    fn validate(&self) -> Result<()> {
        for (i, (name, _)) in self.transforms.iter().enumerate() {
            if self.transforms[..i].iter().any(|(n, _)| n == name) {
                return Err(OptaxError::invalid(
                    "transforms",
                    format!("label `{name}` is given twice"),
                ));
            }
        }
        self.transforms.iter().try_for_each(|(_, t)| t.validate())
    }
}
