//! Optimizer-state checkpoints in Burn's binary format, burnpack (`.bpk`, the format of Burn's
//! own module and optimizer records).
//!
//! A state is saved as one burnpack container: every tensor of the state is a burnpack tensor
//! with its dtype, its leaf's shape and its raw little-endian bytes (NaN payloads and
//! infinities are kept bit for bit), and the state's layout (record kinds, field names, tree
//! structures, counts and scalar hyperparameters, floats by their bits) is a JSON document in
//! the container's metadata under `optax-rs/state-layout`. Tensor names say where a tensor
//! sits: `0.mu/encoder.weight` is leaf `encoder.weight` of field `mu` of the chain's first
//! state, so a checkpoint can be inspected with any burnpack reader.
//!
//! Saving is atomic: the container is written to a scratch file beside the destination,
//! flushed to disk, then renamed over it, so a crash, a full disk or an error while saving
//! leaves the previous checkpoint as it was. Loading checks the saved state against a
//! template (the state `init` gives for the same optimizer and parameters): a checkpoint of
//! another optimizer or of other parameters is an error naming the first place that differs.
//!
//! Tensors are read from the device one at a time while the container is written, so a save
//! needs host memory for the largest tensor only, not for the whole state.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use crate::error::{OptaxError, Result};
use crate::state::State;
use crate::tree::{Tree, TreeDef};

/// Metadata key of the state's layout (a JSON [`Layout`]).
const LAYOUT_KEY: &str = "optax-rs/state-layout";
/// Metadata key of the layout's version.
const VERSION_KEY: &str = "optax-rs/state-format";
/// The layout version this build writes and reads.
const VERSION: &str = "1";

/// A state without its tensors: where each tensor of the container belongs.
#[derive(Serialize, Deserialize)]
enum Layout {
    Empty,
    Record {
        kind: String,
        fields: Vec<(String, Layout)>,
    },
    Tuple(Vec<Layout>),
    Map(Vec<(String, Layout)>),
    Int(i64),
    /// The bits of the `f64`, so that NaN payloads and infinities come back exactly.
    Float(u64),
    Bool(bool),
    /// The name of the tensor in the container.
    Tensor(String),
    /// The structure, and the name of each leaf's tensor in the container.
    Tree {
        def: TreeDef,
        tensors: Vec<String>,
    },
}

/// Collects the state's tensors as burnpack entries, each read from its device only when the
/// writer reaches it.
struct Packer {
    tensors: Vec<burn_pack::Tensor>,
    names: HashSet<String>,
}

impl Packer {
    /// A name not used yet, from the place in the state.
    fn unique(&mut self, name: String) -> String {
        let mut candidate = name.clone();
        let mut n = 1;
        while !self.names.insert(candidate.clone()) {
            candidate = format!("{name}#{n}");
            n += 1;
        }
        candidate
    }

    fn push(&mut self, name: String, tensor: &Tensor<1>, shape: Vec<usize>) -> String {
        let name = self.unique(name);
        let dtype = tensor.dtype();
        let byte_len = tensor.dims()[0] * dtype.size();
        let tensor = tensor.clone();
        self.tensors.push(burn_pack::Tensor::deferred(
            name.clone(),
            dtype,
            shape,
            None,
            byte_len,
            move || Ok(tensor.to_data().into_bytes()),
        ));
        name
    }

    fn layout(&mut self, state: &State, at: &str) -> Layout {
        let join = |k: &str| {
            if at.is_empty() {
                k.to_string()
            } else {
                format!("{at}.{k}")
            }
        };
        match state {
            State::Empty => Layout::Empty,
            State::Record { kind, fields } => Layout::Record {
                kind: kind.clone(),
                fields: fields
                    .iter()
                    .map(|(k, v)| (k.clone(), self.layout(v, &join(k))))
                    .collect(),
            },
            State::Tuple(v) => Layout::Tuple(
                v.iter()
                    .enumerate()
                    .map(|(i, s)| self.layout(s, &join(&i.to_string())))
                    .collect(),
            ),
            State::Map(v) => Layout::Map(
                v.iter()
                    .map(|(k, s)| (k.clone(), self.layout(s, &join(k))))
                    .collect(),
            ),
            State::Int(v) => Layout::Int(*v),
            State::Float(v) => Layout::Float(v.to_bits()),
            State::Bool(v) => Layout::Bool(*v),
            State::Tensor(t) => {
                let name = if at.is_empty() { "state" } else { at };
                Layout::Tensor(self.push(name.to_string(), t, t.dims().to_vec()))
            }
            State::Tree(tree) => Layout::Tree {
                def: (**tree.def()).clone(),
                tensors: tree
                    .leaves()
                    .iter()
                    .zip(tree.paths())
                    .zip(tree.shapes())
                    .map(|((leaf, path), shape)| {
                        self.push(format!("{at}/{path}"), leaf, shape.clone())
                    })
                    .collect(),
            },
        }
    }
}

/// The state's tensors (deferred) and its layout as JSON.
fn pack(state: &State) -> Result<(Vec<burn_pack::Tensor>, String)> {
    let mut packer = Packer {
        tensors: Vec::new(),
        names: HashSet::new(),
    };
    let layout = packer.layout(state, "");
    let layout = serde_json::to_string(&layout).map_err(|e| OptaxError::Io(e.to_string()))?;
    Ok((packer.tensors, layout))
}

/// The burnpack writer of `tensors` with `layout` and the format version as metadata.
fn writer_of(tensors: Vec<burn_pack::Tensor>, layout: &str) -> burn_pack::Writer {
    burn_pack::Writer::new(tensors)
        .with_metadata(VERSION_KEY, VERSION)
        .with_metadata(LAYOUT_KEY, layout)
}

/// The burnpack writer of a state.
fn writer(state: &State) -> Result<burn_pack::Writer> {
    let (tensors, layout) = pack(state)?;
    Ok(writer_of(tensors, &layout))
}

/// Writes `writer`'s container to `path` atomically (scratch file, fsync, rename).
fn write_atomically(writer: burn_pack::Writer, path: &Path) -> Result<()> {
    writer
        .auto_extension(false)
        .write_to_file(path)
        .map_err(|e| OptaxError::Io(format!("saving the state to {}: {e}", path.display())))
}

/// The state held by a burnpack container, checked against `template`.
fn read(reader: burn_pack::Reader, template: &State, device: &Device) -> Result<State> {
    let corrupt = |reason: String| OptaxError::CorruptState(reason);
    match reader.metadata().get(VERSION_KEY).map(String::as_str) {
        Some(VERSION) => {}
        Some(other) => {
            return Err(corrupt(format!(
                "state format version {other}; this build reads version {VERSION}"
            )))
        }
        None => {
            return Err(corrupt(format!(
                "a burnpack file without `{VERSION_KEY}` metadata: not an optimizer state \
                 saved by State::save"
            )))
        }
    }
    let layout = reader
        .metadata()
        .get(LAYOUT_KEY)
        .ok_or_else(|| corrupt(format!("no `{LAYOUT_KEY}` metadata")))?;
    let layout: Layout =
        serde_json::from_str(layout).map_err(|e| corrupt(format!("state layout: {e}")))?;
    let mut tensors: HashMap<String, burn_pack::Tensor> = reader
        .into_tensors()
        .map_err(|e| corrupt(e.to_string()))?
        .into_iter()
        .map(|t| (t.name.clone(), t))
        .collect();
    let state = restore(&layout, &mut tensors, device)?;
    if let Some(name) = tensors.keys().next() {
        return Err(corrupt(format!(
            "tensor `{name}` is not part of the saved state's layout"
        )));
    }
    template.check_same_structure(&state)?;
    Ok(state)
}

/// The tensor `name` of the container, as a flat tensor on `device`.
fn unpack(
    name: &str,
    tensors: &mut HashMap<String, burn_pack::Tensor>,
    device: &Device,
) -> Result<Tensor<1>> {
    let tensor = tensors.remove(name).ok_or_else(|| {
        OptaxError::CorruptState(format!("tensor `{name}` is missing from the file"))
    })?;
    let (_, dtype, shape, _, bytes) = tensor
        .into_parts()
        .map_err(|e| OptaxError::CorruptState(e.to_string()))?;
    let numel = shape.num_elements();
    if bytes.len() != numel * dtype.size() {
        return Err(OptaxError::CorruptState(format!(
            "tensor `{name}` holds {} bytes, its shape and dtype need {}",
            bytes.len(),
            numel * dtype.size()
        )));
    }
    Ok(Tensor::from_data(
        TensorData::from_bytes(bytes, [numel], dtype),
        device,
    ))
}

fn restore(
    layout: &Layout,
    tensors: &mut HashMap<String, burn_pack::Tensor>,
    device: &Device,
) -> Result<State> {
    Ok(match layout {
        Layout::Empty => State::Empty,
        Layout::Record { kind, fields } => State::Record {
            kind: kind.clone(),
            fields: fields
                .iter()
                .map(|(k, v)| Ok((k.clone(), restore(v, tensors, device)?)))
                .collect::<Result<_>>()?,
        },
        Layout::Tuple(v) => State::Tuple(
            v.iter()
                .map(|l| restore(l, tensors, device))
                .collect::<Result<_>>()?,
        ),
        Layout::Map(v) => State::Map(
            v.iter()
                .map(|(k, l)| Ok((k.clone(), restore(l, tensors, device)?)))
                .collect::<Result<_>>()?,
        ),
        Layout::Int(v) => State::Int(*v),
        Layout::Float(bits) => State::Float(f64::from_bits(*bits)),
        Layout::Bool(v) => State::Bool(*v),
        Layout::Tensor(name) => State::Tensor(unpack(name, tensors, device)?),
        Layout::Tree {
            def,
            tensors: names,
        } => {
            let def = TreeDef::new(def.paths().to_vec(), def.shapes().to_vec())
                .map_err(|e| OptaxError::CorruptState(e.to_string()))?;
            let leaves = names
                .iter()
                .map(|n| unpack(n, tensors, device))
                .collect::<Result<_>>()?;
            State::Tree(
                Tree::from_flat(Arc::new(def), leaves)
                    .map_err(|e| OptaxError::CorruptState(e.to_string()))?,
            )
        }
    })
}

impl State {
    /// Saves the state to `path` in Burn's burnpack format (see [the module
    /// docs](crate::checkpoint)): every tensor bit for bit, atomically (a crash or an error
    /// while saving leaves a previous file at `path` intact).
    ///
    /// ```
    /// use burn::tensor::{Device, Tensor};
    /// use optax_core::{adamw, State, Tree};
    ///
    /// let device = Device::flex();
    /// let params = Tree::builder()
    ///     .leaf("w", Tensor::<1>::from_floats([1.0, 2.0], &device))
    ///     .build()?;
    /// let opt = adamw(1e-3).build();
    /// let state = opt.init(&params)?;
    /// let path = std::env::temp_dir().join("optax-doc-adamw-state.bpk");
    /// state.save(&path)?;
    /// let loaded = State::load(&path, &opt.init(&params)?, &device)?;
    /// assert_eq!(loaded.to_json()?, state.to_json()?);
    /// # std::fs::remove_file(&path).ok();
    /// # Ok::<(), optax_core::OptaxError>(())
    /// ```
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        write_atomically(writer(self)?, path.as_ref())
    }

    /// Loads a state saved by [`State::save`] (or, from earlier versions, by writing
    /// [`State::to_json`] to a file), checked against `template`: the state `init` gives for
    /// the same optimizer and parameters. A corrupt file, a state of another optimizer or of
    /// other parameters is an error, and nothing of the caller's is changed.
    pub fn load(path: impl AsRef<Path>, template: &State, device: &Device) -> Result<State> {
        let path = path.as_ref();
        // Read in full, once: a file-backed reader would read tensors lazily, from a file the
        // caller may replace or remove once `load` has returned.
        let bytes =
            std::fs::read(path).map_err(|e| OptaxError::Io(format!("{}: {e}", path.display())))?;
        match bytes.first() {
            None => Err(OptaxError::CorruptState(format!(
                "{} is empty",
                path.display()
            ))),
            Some(b'{') => {
                let json = String::from_utf8(bytes)
                    .map_err(|e| OptaxError::CorruptState(format!("{}: {e}", path.display())))?;
                State::from_json(&json, template, device)
            }
            Some(_) => read_pack(bytes, Some(path), template, device),
        }
    }

    /// The state as a burnpack container in memory (the bytes [`State::save`] writes).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let bytes = writer(self)?
            .into_bytes()
            .map_err(|e| OptaxError::Io(e.to_string()))?;
        Ok(bytes.to_vec())
    }

    /// Reads a state from the bytes of [`State::to_bytes`], checked against `template`.
    pub fn from_bytes(bytes: &[u8], template: &State, device: &Device) -> Result<State> {
        read_pack(bytes.to_vec(), None, template, device)
    }
}

/// The state in the burnpack container `bytes` (read from `file`, named in errors), checked
/// against `template`.
fn read_pack(
    bytes: Vec<u8>,
    file: Option<&Path>,
    template: &State,
    device: &Device,
) -> Result<State> {
    let reader =
        burn_pack::Reader::from_bytes(burn_pack::Bytes::from_bytes_vec(bytes)).map_err(|e| {
            OptaxError::CorruptState(match file {
                Some(f) => format!("{}: {e}", f.display()),
                None => e.to_string(),
            })
        })?;
    read(reader, template, device)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{adamw, sgd, GradientTransformation};

    fn params(device: &Device) -> Tree {
        Tree::builder()
            .scalar("a", 0.5, device)
            .leaf("b", Tensor::<1>::from_floats([1.0, -2.0, 3.0], device))
            .build()
            .unwrap()
    }

    fn stepped(opt: &GradientTransformation, p: &Tree) -> State {
        let mut state = opt.init(p).unwrap();
        let g = p.map(|x| x.mul_scalar(0.1));
        opt.update_in_place(g, &mut state, Some(p), &Default::default())
            .unwrap();
        state
    }

    /// The state with `f` applied to each of its trees.
    fn map_trees(s: &State, f: &dyn Fn(&Tree) -> Tree) -> State {
        match s {
            State::Record { kind, fields } => State::Record {
                kind: kind.clone(),
                fields: fields
                    .iter()
                    .map(|(k, v)| (k.clone(), map_trees(v, f)))
                    .collect(),
            },
            State::Tuple(v) => State::Tuple(v.iter().map(|x| map_trees(x, f)).collect()),
            State::Map(v) => State::Map(
                v.iter()
                    .map(|(k, x)| (k.clone(), map_trees(x, f)))
                    .collect(),
            ),
            State::Tree(t) => State::Tree(f(t)),
            other => other.clone(),
        }
    }

    /// The bits of every float in the state's trees and tensors, in order.
    fn bits(s: &State) -> Vec<u32> {
        fn walk(r: &crate::StateRecord, out: &mut Vec<u32>) {
            use crate::StateRecord as R;
            match r {
                R::Record { fields: v, .. } | R::Map(v) => v.iter().for_each(|(_, x)| walk(x, out)),
                R::Tuple(v) => v.iter().for_each(|x| walk(x, out)),
                R::Tensor(v) => out.extend(v.iter().map(|x| x.to_bits())),
                R::Tree { leaves, .. } => leaves
                    .iter()
                    .for_each(|l| out.extend(l.iter().map(|x| x.to_bits()))),
                _ => {}
            }
        }
        let mut out = Vec::new();
        walk(&s.to_record().unwrap(), &mut out);
        out
    }

    #[test]
    fn round_trips_bit_for_bit_with_nan_and_infinities() {
        let device = Device::flex();
        let p = params(&device);
        let opt = adamw(1e-2).build();
        let state = stepped(&opt, &p);
        // Odd values in the moments: a NaN with a payload, both infinities, a negative zero.
        let odd = [
            f32::from_bits(0x7fc0_1234),
            f32::INFINITY,
            f32::NEG_INFINITY,
            -0.0,
        ];
        let poisoned = map_trees(&state, &|t: &Tree| {
            t.map(|x| {
                let n = x.dims()[0];
                let v: Vec<f32> = (0..n).map(|i| odd[i % odd.len()]).collect();
                Tensor::<1>::from_data(TensorData::new(v, [n]), &x.device())
            })
        });
        let bytes = poisoned.to_bytes().unwrap();
        let back = State::from_bytes(&bytes, &opt.init(&p).unwrap(), &device).unwrap();
        assert_eq!(bits(&back), bits(&poisoned));
        assert!(bits(&back).contains(&0x7fc0_1234));
    }

    #[test]
    fn a_failed_save_leaves_the_previous_checkpoint_intact() {
        let device = Device::flex();
        let p = params(&device);
        let opt = adamw(1e-2).build();
        let dir = std::env::temp_dir().join(format!("optax-ckpt-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("state.bpk");
        let first = stepped(&opt, &p);
        first.save(&path).unwrap();
        let before = std::fs::read(&path).unwrap();

        // A save that fails halfway: a tensor whose bytes cannot be produced (as a device read
        // or a full disk would fail) after the first tensors were written.
        let second = stepped(&opt, &p);
        let (mut tensors, layout) = pack(&second).unwrap();
        tensors.push(burn_pack::Tensor::deferred(
            "zzz-fails".into(),
            burn::tensor::DType::F32,
            vec![4],
            None,
            16,
            || Err(burn_pack::Error::IoError("no space left on device".into())),
        ));
        let w = writer_of(tensors, &layout);
        let err = write_atomically(w, &path).unwrap_err();
        assert!(err.to_string().contains("no space left"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), before);
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "scratch files left: {leftovers:?}");
        let loaded = State::load(&path, &opt.init(&p).unwrap(), &device).unwrap();
        assert_eq!(loaded.to_json().unwrap(), first.to_json().unwrap());
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn another_optimizer_or_model_is_a_named_error() {
        let device = Device::flex();
        let p = params(&device);
        let bytes = stepped(&adamw(1e-2).build(), &p).to_bytes().unwrap();
        let sgd_template = sgd(0.1).momentum(0.9).build().init(&p).unwrap();
        let err = State::from_bytes(&bytes, &sgd_template, &device).unwrap_err();
        assert!(matches!(err, OptaxError::StateMismatch { .. }), "{err}");

        let other = Tree::builder()
            .scalar("a", 0.5, &device)
            .leaf("c", Tensor::<1>::from_floats([1.0, -2.0, 3.0], &device))
            .build()
            .unwrap();
        let err = State::from_bytes(&bytes, &adamw(1e-2).build().init(&other).unwrap(), &device)
            .unwrap_err();
        assert!(
            err.to_string().contains('c') || err.to_string().contains('b'),
            "{err}"
        );

        let mut cut = bytes.clone();
        cut.truncate(bytes.len() / 2);
        let err =
            State::from_bytes(&cut, &adamw(1e-2).build().init(&p).unwrap(), &device).unwrap_err();
        assert!(matches!(err, OptaxError::CorruptState(_)), "{err}");
    }
}
