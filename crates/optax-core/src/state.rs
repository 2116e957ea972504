//! Optimizer state: a tree of named records, as Optax's nested NamedTuples.
//!
//! Every transformation's state is a [`State`]; `chain` makes a tuple of its members' states,
//! `named_chain` and `partition` a map. Fields are found by name anywhere in it with
//! [`State::get`] (Optax's `optax.tree.get`), and the whole state saves to and loads from a
//! serde record bit for bit ([`StateRecord`]).

use std::sync::Arc;

use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use crate::error::{OptaxError, Result};
use crate::tree::{Tree, TreeDef};

/// The state of a transformation.
// A `Tensor` is large (~256 bytes) next to a number; boxing it would add an allocation to
// every hyperparameter and state value, and these enums are cloned per step, not stored in bulk.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum State {
    /// No state (`optax.EmptyState`).
    Empty,
    /// A named record, e.g. `ScaleByAdamState { count, mu, nu }`.
    Record {
        /// Optax's name of the state type.
        kind: String,
        /// Fields in Optax's order.
        fields: Vec<(String, State)>,
    },
    /// The states of a `chain`, in order.
    Tuple(Vec<State>),
    /// States keyed by name (`named_chain`, `partition`).
    Map(Vec<(String, State)>),
    /// An integer, e.g. a step count.
    Int(i64),
    /// A host float.
    Float(f64),
    /// A flag.
    Bool(bool),
    /// A tensor not shaped like the parameters (e.g. a scalar kept on the device).
    Tensor(Tensor<1>),
    /// A tree shaped like (a subset of) the parameters, e.g. a moment.
    Tree(Tree),
}

impl State {
    /// A named record from `(field, value)` pairs.
    pub fn record(kind: &str, fields: Vec<(&str, State)>) -> State {
        State::Record {
            kind: kind.to_string(),
            fields: fields
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        }
    }

    /// The field `name` of a record (one level, not recursive).
    pub fn field(&self, name: &str) -> Result<&State> {
        match self {
            State::Record { kind, fields } => fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v)
                .ok_or_else(|| OptaxError::state(kind.clone(), format!("no field `{name}`"))),
            other => Err(OptaxError::state(
                name,
                format!("expected a record, found {}", other.variant()),
            )),
        }
    }

    /// Checks that this is a record of `kind` and returns its fields.
    pub fn expect_record(&self, kind: &str) -> Result<&[(String, State)]> {
        match self {
            State::Record { kind: k, fields } if k == kind => Ok(fields),
            other => Err(OptaxError::state(
                kind,
                format!("expected {kind}, found {}", other.describe()),
            )),
        }
    }

    /// The integer of an `Int` state.
    pub fn as_int(&self) -> Result<i64> {
        match self {
            State::Int(v) => Ok(*v),
            other => Err(OptaxError::state(
                "int",
                format!("expected an integer, found {}", other.variant()),
            )),
        }
    }

    /// The float of a `Float` state.
    pub fn as_float(&self) -> Result<f64> {
        match self {
            State::Float(v) => Ok(*v),
            other => Err(OptaxError::state(
                "float",
                format!("expected a float, found {}", other.variant()),
            )),
        }
    }

    /// The flag of a `Bool` state.
    pub fn as_bool(&self) -> Result<bool> {
        match self {
            State::Bool(v) => Ok(*v),
            other => Err(OptaxError::state(
                "bool",
                format!("expected a bool, found {}", other.variant()),
            )),
        }
    }

    /// The tensor of a `Tensor` state.
    pub fn as_tensor(&self) -> Result<&Tensor<1>> {
        match self {
            State::Tensor(t) => Ok(t),
            other => Err(OptaxError::state(
                "tensor",
                format!("expected a tensor, found {}", other.variant()),
            )),
        }
    }

    /// The tree of a `Tree` state.
    pub fn as_tree(&self) -> Result<&Tree> {
        match self {
            State::Tree(t) => Ok(t),
            other => Err(OptaxError::state(
                "tree",
                format!("expected a tree, found {}", other.variant()),
            )),
        }
    }

    /// The tree of a `Tree` state, checked against the structure of `like` (the updates): a
    /// leaf of the state that `like` lacks is a missing leaf, a leaf of `like` that the state
    /// lacks an extra one.
    pub fn tree_like(&self, like: &Tree) -> Result<&Tree> {
        let t = self.as_tree()?;
        t.check_same_structure(like)?;
        Ok(t)
    }

    /// The members of a `Tuple` state, checked to number `n`.
    pub fn as_tuple(&self, n: usize) -> Result<&[State]> {
        match self {
            State::Tuple(v) if v.len() == n => Ok(v),
            State::Tuple(v) => Err(OptaxError::state(
                "chain",
                format!("{} states for {n} transformations", v.len()),
            )),
            other => Err(OptaxError::state(
                "chain",
                format!("expected a tuple, found {}", other.variant()),
            )),
        }
    }

    /// The entries of a `Map` state.
    pub fn as_map(&self) -> Result<&[(String, State)]> {
        match self {
            State::Map(v) => Ok(v),
            other => Err(OptaxError::state(
                "map",
                format!("expected a map, found {}", other.variant()),
            )),
        }
    }

    fn variant(&self) -> &'static str {
        match self {
            State::Empty => "an empty state",
            State::Record { .. } => "a record",
            State::Tuple(_) => "a tuple",
            State::Map(_) => "a map",
            State::Int(_) => "an integer",
            State::Float(_) => "a float",
            State::Bool(_) => "a bool",
            State::Tensor(_) => "a tensor",
            State::Tree(_) => "a tree",
        }
    }

    fn describe(&self) -> String {
        match self {
            State::Record { kind, .. } => kind.clone(),
            other => other.variant().to_string(),
        }
    }

    /// Every field or map entry called `name`, anywhere in the state, in order
    /// (`optax.tree.get_all_with_path`), with its path.
    pub fn get_all(&self, name: &str) -> Vec<(String, &State)> {
        let mut out = Vec::new();
        self.collect(name, String::new(), &mut out);
        out
    }

    fn collect<'a>(&'a self, name: &str, at: String, out: &mut Vec<(String, &'a State)>) {
        let join = |k: &str| {
            if at.is_empty() {
                k.to_string()
            } else {
                format!("{at}.{k}")
            }
        };
        match self {
            State::Record {
                fields: entries, ..
            }
            | State::Map(entries) => {
                for (k, v) in entries {
                    if k == name {
                        out.push((join(k), v));
                    }
                    v.collect(name, join(k), out);
                }
            }
            State::Tuple(members) => {
                for (i, v) in members.iter().enumerate() {
                    v.collect(name, join(&i.to_string()), out);
                }
            }
            _ => {}
        }
    }

    /// The one field called `name` anywhere in the state (`optax.tree.get`): an error if there
    /// is none or several.
    pub fn get(&self, name: &str) -> Result<&State> {
        let all = self.get_all(name);
        match all.len() {
            0 => Err(OptaxError::KeyNotFound(name.to_string())),
            1 => Ok(all[0].1),
            count => Err(OptaxError::AmbiguousKey {
                name: name.to_string(),
                count,
            }),
        }
    }

    /// Whether two states have the same structure: the same records, fields, tree structures
    /// and tensor sizes (values may differ).
    pub fn check_same_structure(&self, other: &State) -> Result<()> {
        self.check_structure_at(other, "state")
    }

    fn check_structure_at(&self, other: &State, at: &str) -> Result<()> {
        let mismatch = |reason: String| Err(OptaxError::state(at, reason));
        match (self, other) {
            (State::Empty, State::Empty)
            | (State::Int(_), State::Int(_))
            | (State::Float(_), State::Float(_))
            | (State::Bool(_), State::Bool(_)) => Ok(()),
            (State::Tensor(a), State::Tensor(b)) => {
                if a.dims() == b.dims() {
                    Ok(())
                } else {
                    mismatch(format!("tensor of {:?}, expected {:?}", b.dims(), a.dims()))
                }
            }
            (State::Tree(a), State::Tree(b)) => a.check_same_structure(b),
            (
                State::Record {
                    kind: ka,
                    fields: fa,
                },
                State::Record {
                    kind: kb,
                    fields: fb,
                },
            ) => {
                if ka != kb || fa.len() != fb.len() {
                    return mismatch(format!("found {kb}, expected {ka}"));
                }
                for ((na, a), (nb, b)) in fa.iter().zip(fb) {
                    if na != nb {
                        return mismatch(format!("field `{nb}`, expected `{na}`"));
                    }
                    a.check_structure_at(b, &format!("{at}.{na}"))?;
                }
                Ok(())
            }
            (State::Tuple(a), State::Tuple(b)) => {
                if a.len() != b.len() {
                    return mismatch(format!("{} members, expected {}", b.len(), a.len()));
                }
                for (i, (x, y)) in a.iter().zip(b).enumerate() {
                    x.check_structure_at(y, &format!("{at}.{i}"))?;
                }
                Ok(())
            }
            (State::Map(a), State::Map(b)) => {
                if a.len() != b.len() {
                    return mismatch(format!("{} entries, expected {}", b.len(), a.len()));
                }
                for ((na, x), (nb, y)) in a.iter().zip(b) {
                    if na != nb {
                        return mismatch(format!("entry `{nb}`, expected `{na}`"));
                    }
                    x.check_structure_at(y, &format!("{at}.{na}"))?;
                }
                Ok(())
            }
            (a, b) => mismatch(format!("found {}, expected {}", b.describe(), a.describe())),
        }
    }

    /// A serializable copy of the state (reads tensors to the host).
    pub fn to_record(&self) -> Result<StateRecord> {
        Ok(match self {
            State::Empty => StateRecord::Empty,
            State::Record { kind, fields } => StateRecord::Record {
                kind: kind.clone(),
                fields: fields
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), v.to_record()?)))
                    .collect::<Result<_>>()?,
            },
            State::Tuple(v) => {
                StateRecord::Tuple(v.iter().map(State::to_record).collect::<Result<_>>()?)
            }
            State::Map(v) => StateRecord::Map(
                v.iter()
                    .map(|(k, s)| Ok((k.clone(), s.to_record()?)))
                    .collect::<Result<_>>()?,
            ),
            State::Int(v) => StateRecord::Int(*v),
            State::Float(v) => StateRecord::Float(*v),
            State::Bool(v) => StateRecord::Bool(*v),
            State::Tensor(t) => StateRecord::Tensor(read_f32(t)?),
            State::Tree(t) => StateRecord::Tree {
                def: (**t.def()).clone(),
                leaves: t.to_vecs()?,
            },
        })
    }

    /// The state of a record, with its tensors on `device`.
    pub fn from_record(record: &StateRecord, device: &Device) -> Result<State> {
        Ok(match record {
            StateRecord::Empty => State::Empty,
            StateRecord::Record { kind, fields } => State::Record {
                kind: kind.clone(),
                fields: fields
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), State::from_record(v, device)?)))
                    .collect::<Result<_>>()?,
            },
            StateRecord::Tuple(v) => State::Tuple(
                v.iter()
                    .map(|r| State::from_record(r, device))
                    .collect::<Result<_>>()?,
            ),
            StateRecord::Map(v) => State::Map(
                v.iter()
                    .map(|(k, r)| Ok((k.clone(), State::from_record(r, device)?)))
                    .collect::<Result<_>>()?,
            ),
            StateRecord::Int(v) => State::Int(*v),
            StateRecord::Float(v) => State::Float(*v),
            StateRecord::Bool(v) => State::Bool(*v),
            StateRecord::Tensor(v) => {
                let n = v.len();
                State::Tensor(Tensor::from_data(TensorData::new(v.clone(), [n]), device))
            }
            StateRecord::Tree { def, leaves } => {
                let def = TreeDef::new(def.paths().to_vec(), def.shapes().to_vec())
                    .map_err(|e| OptaxError::CorruptState(e.to_string()))?;
                let tree = Tree::from_vecs(Arc::new(def), leaves.clone(), device)
                    .map_err(|e| OptaxError::CorruptState(e.to_string()))?;
                State::Tree(tree)
            }
        })
    }

    /// Serializes the state to JSON (bit-exact: float32 values round-trip).
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(&self.to_record()?).map_err(|e| OptaxError::Io(e.to_string()))
    }

    /// Reads a state saved by [`State::to_json`], checking it against `template` (the state
    /// `init` gives for the same optimizer and parameters): a corrupt or mismatched save is an
    /// error.
    pub fn from_json(json: &str, template: &State, device: &Device) -> Result<State> {
        let record: StateRecord =
            serde_json::from_str(json).map_err(|e| OptaxError::CorruptState(e.to_string()))?;
        let state = State::from_record(&record, device)?;
        template.check_same_structure(&state)?;
        Ok(state)
    }
}

fn read_f32(t: &Tensor<1>) -> Result<Vec<f32>> {
    t.to_data()
        .convert::<f32>()
        .try_to_vec::<f32>()
        .map_err(|e| OptaxError::Io(format!("{e:?}")))
}

/// The host copy of a [`State`], for any serde format.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum StateRecord {
    /// See [`State::Empty`].
    Empty,
    /// See [`State::Record`].
    Record {
        /// Name of the state type.
        kind: String,
        /// Fields in order.
        fields: Vec<(String, StateRecord)>,
    },
    /// See [`State::Tuple`].
    Tuple(Vec<StateRecord>),
    /// See [`State::Map`].
    Map(Vec<(String, StateRecord)>),
    /// See [`State::Int`].
    Int(i64),
    /// See [`State::Float`].
    Float(f64),
    /// See [`State::Bool`].
    Bool(bool),
    /// See [`State::Tensor`].
    Tensor(Vec<f32>),
    /// See [`State::Tree`].
    Tree {
        /// Paths and shapes.
        def: TreeDef,
        /// One flat vector per leaf.
        leaves: Vec<Vec<f32>>,
    },
}

/// Optax's `safe_increment`: the int32 step count, saturating at `i32::MAX`.
pub fn safe_increment(count: i64) -> i64 {
    if count < i32::MAX as i64 {
        count + 1
    } else {
        count
    }
}

/// Defines the layout of a state that is only a step count under Optax's name, e.g.
/// `ScaleByScheduleState(count)`: the one place that names it, for the transformation and
/// the fused adapters alike.
macro_rules! count_state {
    ($(#[$doc:meta])* $ty:ident) => {
        $(#[$doc])*
        pub(crate) struct $ty;

        impl $ty {
            pub(crate) const KIND: &'static str = stringify!($ty);
            pub(crate) const COUNT: &'static str = "count";

            /// The record of `count`.
            pub(crate) fn record(count: i64) -> $crate::state::State {
                $crate::state::State::record(
                    Self::KIND,
                    vec![(Self::COUNT, $crate::state::State::Int(count))],
                )
            }

            /// The count of the record `state`.
            pub(crate) fn count(state: &$crate::state::State) -> $crate::error::Result<i64> {
                state.expect_record(Self::KIND)?;
                state.field(Self::COUNT)?.as_int()
            }
        }
    };
}
pub(crate) use count_state;
