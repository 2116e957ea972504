//! # optax-kernels
//!
//! Fused multi-tensor optimizer steps for Burn: Adam/AdamW/NAdam(W), RMSProp (plain,
//! centered, with momentum), SGD with momentum, and global-norm clipping fused in front of
//! any of them. A step takes *all* leaves of a parameter tree at once (flat `Tensor<1>`s,
//! as optax-core's `Tree` stores them) and makes one pass over memory: AdamW in float32 reads
//! `p, g, m, v` and writes `p, m, v` (28 bytes per parameter) instead of the ~10 passes of
//! the tensor-op chain.
//!
//! Devices: the flex CPU device, and the ndarray CPU device with the `ndarray` feature, run
//! a multi-threaded, vectorized Rust loop, in place where a buffer is not shared (the same
//! engine: only the access to each backend's buffers differs); a wgpu device runs the WGSL
//! compute shaders of `shaders/`, a group of leaves per dispatch, launched through a Burn
//! backend extension (see `docs/kernels.md`). Every other device, autodiff tensors and
//! non-float32 dtypes return [`FusedError::Unsupported`] *before anything is touched*, so a
//! caller falls back to its reference path. On wgpu the global norm of a clipped step stays
//! on the device, so the [`StepReport`] carries no norm there.
//!
//! Two outputs ([`Target`]): the parameters updated in place (`update` + `apply_updates` in
//! one pass), or Optax's updates (`update` alone; the updates are written over the
//! gradients' buffers when the caller gives them away).
//!
//! This crate does not depend on optax-core (optax-core depends on it); the hyperparameters
//! are plain host numbers ([`AdamHyper`], [`RmsPropHyper`], [`SgdHyper`]) and the float32
//! constants are derived exactly as optax-core derives them.

mod cpu;
mod engine;
mod gpu;
mod hyper;
pub mod roofline;
mod rules;

use burn::tensor::Tensor;

use cpu::{Cpu, ReadLeaf, RwLeaf};
use engine::{ClipScale, Output, Piece, Stream};

pub use cpu::is_flex;
#[cfg(feature = "ndarray")]
pub use cpu::is_ndarray;
pub use gpu::{dispatches as wgpu_dispatches, is_wgpu};
pub use hyper::{bias_correction, safe_increment, AdamHyper, RmsPropHyper, SgdHyper};

/// Why a fused step did not run. Nothing was modified in either case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FusedError {
    /// The tensors are not float32 tensors of one supported device (flex, ndarray with the
    /// `ndarray` feature, wgpu; not another device, autodiff or another dtype): use the
    /// reference path.
    Unsupported(String),
    /// The operands do not fit together (lengths, mask, a missing operand): a caller bug.
    Mismatch(String),
}

impl std::fmt::Display for FusedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FusedError::Unsupported(r) => write!(f, "fused kernel not supported here: {r}"),
            FusedError::Mismatch(r) => write!(f, "fused kernel operands mismatch: {r}"),
        }
    }
}

impl std::error::Error for FusedError {}

/// What a step computes, and into which tensors.
pub enum Target<'a> {
    /// `update` + `apply_updates` in one pass: `params` are updated in place (a fresh tensor
    /// replaces a shared one), `grads` are only read.
    Params {
        /// The parameters, one flat tensor per leaf.
        params: &'a mut [Tensor<1>],
        /// The gradients.
        grads: &'a [Tensor<1>],
    },
    /// Optax's `update`: each gradient is replaced by the update of its leaf (written over the
    /// gradient's buffer when the caller gave it away, else into a fresh tensor). `params`
    /// are needed only by weight decay.
    Updates {
        /// The gradients on entry, the updates on return.
        grads: &'a mut [Tensor<1>],
        /// The current parameters.
        params: Option<&'a [Tensor<1>]>,
    },
}

/// What a step did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StepReport {
    /// The global L2 norm of the gradients, when clipping was asked for.
    pub global_norm: Option<f32>,
    /// Whether the clip triggered (`!(norm < max_norm)`, as Optax: a NaN norm clips).
    pub clipped: bool,
    /// Number of written buffers updated in place.
    pub in_place: usize,
    /// Number of written buffers that were shared and got a fresh tensor.
    pub fresh: usize,
}

/// Where a step's tensors live, and so which kernels run it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    /// The multi-threaded CPU engine, on flex or ndarray.
    Cpu(Cpu),
    /// The WGSL kernels.
    Wgpu,
}

impl Place {
    /// Where the step's first written tensor lives (flex when it is none of the devices:
    /// the checks then report the tensors as unsupported).
    fn of(target: &Target<'_>) -> Self {
        let first = match target {
            Target::Params { params, .. } => params.first(),
            Target::Updates { grads, .. } => grads.first(),
        };
        Self::of_first(first)
    }

    fn of_first(first: Option<&Tensor<1>>) -> Self {
        match first {
            Some(t) if gpu::is_wgpu_f32(t) => Place::Wgpu,
            Some(t) => Place::Cpu(Cpu::of(&t.device())),
            None => Place::Cpu(Cpu::Flex),
        }
    }

    /// Whether `t` can take part in a step here.
    fn holds(self, t: &Tensor<1>) -> bool {
        match self {
            Place::Cpu(cpu) => cpu.holds(t),
            Place::Wgpu => gpu::is_wgpu_f32(t),
        }
    }

    fn check(self, name: &str, ts: &[Tensor<1>]) -> Result<(), FusedError> {
        if ts.iter().all(|t| self.holds(t)) {
            return Ok(());
        }
        let needs = match self {
            Place::Cpu(cpu) => {
                format!("the fused CPU path needs float32 tensors of {}", cpu.name())
            }
            Place::Wgpu => "the fused wgpu path needs float32 tensors of one wgpu device".into(),
        };
        Err(FusedError::Unsupported(format!(
            "{name}: {needs} without autodiff"
        )))
    }
}

fn check_lens(name: &str, ts: &[Tensor<1>], lens: &[usize]) -> Result<(), FusedError> {
    if ts.len() != lens.len() {
        return Err(FusedError::Mismatch(format!(
            "{name}: {} leaves, expected {}",
            ts.len(),
            lens.len()
        )));
    }
    for (i, (t, &n)) in ts.iter().zip(lens).enumerate() {
        let m = t.dims()[0];
        if m != n {
            return Err(FusedError::Mismatch(format!(
                "{name}: leaf {i} has {m} elements, expected {n}"
            )));
        }
    }
    Ok(())
}

/// The global L2 norm of `grads`, `sqrt(Σ g²)` over all leaves (`optax.global_norm`),
/// computed exactly as optax-core's reference `clip_by_global_norm` computes it on a CPU
/// device (flex, or ndarray with the `ndarray` feature): float32 squares, each leaf summed by
/// the device's float32 `sum`, the leaf sums added in float32 in leaf order, the square root
/// in float32. Other devices are [`FusedError::Unsupported`].
pub fn global_norm(grads: &[Tensor<1>]) -> Result<f32, FusedError> {
    let cpu = grads.first().map_or(Cpu::Flex, |g| Cpu::of(&g.device()));
    Place::Cpu(cpu).check("grads", grads)?;
    cpu::reference_norm(grads)
}

/// The checked operands of a step, taken out of the caller's slots.
struct Operands {
    out: Output,
    /// Gradients: read (Params) or read and written (Updates).
    g_read: Vec<ReadLeaf>,
    g_rw: Vec<RwLeaf>,
    /// Parameters: read and written (Params), read (Updates with params), absent.
    p_read: Vec<ReadLeaf>,
    p_rw: Vec<RwLeaf>,
    lens: Vec<usize>,
}

/// Checks the target (devices and lengths) and returns the leaf lengths. Touches nothing.
fn check_target(
    place: Place,
    target: &Target<'_>,
    needs_params: bool,
) -> Result<Vec<usize>, FusedError> {
    match target {
        Target::Params { params, grads } => {
            place.check("params", params)?;
            place.check("grads", grads)?;
            let lens: Vec<usize> = params.iter().map(|t| t.dims()[0]).collect();
            check_lens("grads", grads, &lens)?;
            Ok(lens)
        }
        Target::Updates { grads, params } => {
            place.check("grads", grads)?;
            let lens: Vec<usize> = grads.iter().map(|t| t.dims()[0]).collect();
            match params {
                Some(p) => {
                    place.check("params", p)?;
                    check_lens("params", p, &lens)?;
                }
                None if needs_params => {
                    return Err(FusedError::Mismatch(
                        "params: weight decay needs the parameters".into(),
                    ));
                }
                None => {}
            }
            Ok(lens)
        }
    }
}

fn check_state(
    place: Place,
    name: &str,
    state: &[Tensor<1>],
    lens: &[usize],
) -> Result<(), FusedError> {
    place.check(name, state)?;
    check_lens(name, state, lens)
}

/// Takes the operands of a target checked to be on `cpu`.
fn take_target<'t>(
    cpu: Cpu,
    target: Target<'t>,
    hole: &Tensor<1>,
    needs_params: bool,
) -> (Operands, TargetSlots<'t>) {
    match target {
        Target::Params { params, grads } => {
            let lens = params.iter().map(|t| t.dims()[0]).collect();
            let ops = Operands {
                out: Output::Params,
                g_read: grads.iter().map(|t| ReadLeaf::new(cpu, t)).collect(),
                g_rw: Vec::new(),
                p_read: Vec::new(),
                p_rw: params
                    .iter_mut()
                    .map(|t| RwLeaf::take(cpu, t, hole))
                    .collect(),
                lens,
            };
            (ops, TargetSlots(params))
        }
        Target::Updates { grads, params } => {
            let lens = grads.iter().map(|t| t.dims()[0]).collect();
            let p_read = match params {
                Some(p) if needs_params => p.iter().map(|t| ReadLeaf::new(cpu, t)).collect(),
                _ => Vec::new(),
            };
            let ops = Operands {
                out: Output::Updates,
                g_read: Vec::new(),
                g_rw: grads
                    .iter_mut()
                    .map(|t| RwLeaf::take(cpu, t, hole))
                    .collect(),
                p_read,
                p_rw: Vec::new(),
                lens,
            };
            (ops, TargetSlots(grads))
        }
    }
}

/// The caller's slots that receive the written target tensors.
struct TargetSlots<'t>(&'t mut [Tensor<1>]);

impl Operands {
    /// The (g, p) streams of every leaf.
    fn streams(&mut self) -> Vec<(Stream<'_>, Stream<'_>)> {
        let lens = self.lens.clone();
        match self.out {
            Output::Params => self
                .g_read
                .iter()
                .zip(self.p_rw.iter_mut())
                .map(|(g, p)| (g.stream(), p.stream()))
                .collect(),
            Output::Updates => {
                let mut ps: Vec<Stream<'_>> = if self.p_read.is_empty() {
                    lens.iter().map(|&n| Stream::Zero(n)).collect()
                } else {
                    self.p_read.iter().map(ReadLeaf::stream).collect()
                };
                ps.reverse();
                self.g_rw
                    .iter_mut()
                    .map(|g| (g.stream(), ps.pop().expect("one per leaf")))
                    .collect()
            }
        }
    }

    fn written(&self) -> &[RwLeaf] {
        match self.out {
            Output::Params => &self.p_rw,
            Output::Updates => &self.g_rw,
        }
    }

    /// Puts the written tensors back.
    ///
    /// # Safety
    /// The engine must have written every element of every written stream.
    unsafe fn finish(self, slots: TargetSlots<'_>) {
        let written = match self.out {
            Output::Params => self.p_rw,
            Output::Updates => self.g_rw,
        };
        for (slot, leaf) in slots.0.iter_mut().zip(written) {
            // SAFETY: forwarded from the caller.
            *slot = unsafe { leaf.finish() };
        }
    }
}

/// State operands taken out of the caller's slots.
struct StateOps<'s> {
    slots: Vec<&'s mut [Tensor<1>]>,
    leaves: Vec<Vec<RwLeaf>>,
}

impl<'s> StateOps<'s> {
    fn take(cpu: Cpu, states: Vec<&'s mut [Tensor<1>]>, hole: &Tensor<1>) -> Self {
        let mut slots = states;
        let leaves = slots
            .iter_mut()
            .map(|s| s.iter_mut().map(|t| RwLeaf::take(cpu, t, hole)).collect())
            .collect();
        Self { slots, leaves }
    }

    /// # Safety
    /// The engine must have written every element of every state stream.
    unsafe fn finish(self, report: &mut StepReport) {
        for (slots, leaves) in self.slots.into_iter().zip(self.leaves) {
            for (slot, leaf) in slots.iter_mut().zip(leaves) {
                if leaf.in_place() {
                    report.in_place += 1;
                } else {
                    report.fresh += 1;
                }
                // SAFETY: forwarded from the caller.
                *slot = unsafe { leaf.finish() };
            }
        }
    }
}

/// The gradients of a target.
fn target_grads<'a>(target: &'a Target<'_>) -> &'a [Tensor<1>] {
    match target {
        Target::Params { grads, .. } => grads,
        Target::Updates { grads, .. } => grads,
    }
}

/// The clip of this step, from the gradients' global norm. Runs before the operands are
/// taken (nothing is modified on error), and the norm's temporaries are dropped by then, so
/// the buffers stay unique.
fn clip_scale(
    target: &Target<'_>,
    max_norm: Option<f64>,
    report: &mut StepReport,
) -> Result<Option<ClipScale>, FusedError> {
    let Some(max_norm) = max_norm else {
        return Ok(None);
    };
    let max_norm = max_norm as f32;
    let norm = cpu::reference_norm(target_grads(target))?;
    report.global_norm = Some(norm);
    // clip_by_global_norm: keep u when n < max_norm, else (u / n)·max_norm (NaN n clips).
    let keep = norm < max_norm;
    let clipped = !keep;
    report.clipped = clipped;
    Ok(clipped.then_some(ClipScale { norm, max_norm }))
}

/// Runs `rule` with `NS` state operands over the target, checked to be on `cpu`.
fn run_step<R: engine::Rule<NS>, const NS: usize>(
    cpu: Cpu,
    rule: &R,
    target: Target<'_>,
    states: [Option<&mut [Tensor<1>]>; NS],
    leaf_info: impl Fn(usize) -> R::Leaf,
    needs_params: bool,
    clip: Option<f64>,
) -> Result<StepReport, FusedError> {
    let mut report = StepReport::default();
    let scale = clip_scale(&target, clip, &mut report)?;
    let hole = cpu.placeholder();
    let (mut ops, slots) = take_target(cpu, target, &hole, needs_params);

    let present: [bool; NS] = std::array::from_fn(|j| states[j].is_some());
    let given: Vec<&mut [Tensor<1>]> = states.into_iter().flatten().collect();
    let mut st = StateOps::take(cpu, given, &hole);
    let out = ops.out;
    {
        let lens = ops.lens.clone();
        // Per state kind, the streams of every leaf (absent kinds read as zeros).
        let mut per_kind: Vec<std::vec::IntoIter<Stream<'_>>> = Vec::with_capacity(NS);
        let mut taken = st.leaves.iter_mut();
        for &is in present.iter() {
            let streams: Vec<Stream<'_>> = if is {
                taken
                    .next()
                    .expect("given")
                    .iter_mut()
                    .map(RwLeaf::stream)
                    .collect()
            } else {
                lens.iter().map(|&n| Stream::Zero(n)).collect()
            };
            per_kind.push(streams.into_iter());
        }
        let pieces = ops
            .streams()
            .into_iter()
            .enumerate()
            .map(|(i, (g, p))| Piece {
                g,
                p,
                s: std::array::from_fn(|j| per_kind[j].next().expect("one per leaf")),
                leaf: leaf_info(i),
            })
            .collect();
        engine::run(rule, pieces, out, scale);
    }
    for leaf in ops.written() {
        if leaf.in_place() {
            report.in_place += 1;
        } else {
            report.fresh += 1;
        }
    }
    // SAFETY: `engine::run` wrote every element of every writable stream of every piece.
    unsafe {
        st.finish(&mut report);
        ops.finish(slots);
    }
    Ok(report)
}

/// `optax.apply_updates` on the CPU devices: `p ← p + u` for every leaf in one pass over
/// memory, multi-threaded like the optimizer steps (a fresh tensor replaces a parameter whose
/// buffer is shared, e.g. with the caller's copy). Float32 tensors of flex (or ndarray with
/// the `ndarray` feature) only: on wgpu, and everywhere else, it returns
/// [`FusedError::Unsupported`] before anything is touched, and Burn's own add serves (on wgpu
/// it is one kernel already). On error nothing is modified.
pub fn apply_updates(
    params: &mut [Tensor<1>],
    updates: &[Tensor<1>],
) -> Result<StepReport, FusedError> {
    let target = Target::Params {
        params,
        grads: updates,
    };
    let place = Place::of(&target);
    let Place::Cpu(cpu) = place else {
        return Err(FusedError::Unsupported(
            "apply_updates: the kernel runs on the CPU devices".into(),
        ));
    };
    check_target(place, &target, false)?;
    run_step(cpu, &rules::ApplyRule, target, [], |_| (), false, None)
}

/// One fused Adam / AdamW / NAdam(W) step over all leaves, optionally behind
/// `clip_by_global_norm(max_norm)`: `optax.chain(clip_by_global_norm, adamw)` as two passes
/// (the norm, then the update), `adamw` alone as one.
///
/// `mu` and `nu` are `ScaleByAdamState`'s moments (updated in place when not shared).
/// `decay_mask` selects the leaves that `weight_decay` applies to (all when `None`).
/// On error nothing is modified.
pub fn adam(
    target: Target<'_>,
    mu: &mut [Tensor<1>],
    nu: &mut [Tensor<1>],
    hyper: &AdamHyper,
    decay_mask: Option<&[bool]>,
    clip_max_norm: Option<f64>,
) -> Result<StepReport, FusedError> {
    let decays = hyper.weight_decay.is_some();
    let needs_params = decays && decay_mask.is_none_or(|m| m.iter().any(|&b| b));
    let place = Place::of(&target);
    let lens = check_target(place, &target, needs_params)?;
    check_state(place, "mu", mu, &lens)?;
    check_state(place, "nu", nu, &lens)?;
    if let Some(m) = decay_mask {
        if m.len() != lens.len() {
            return Err(FusedError::Mismatch(format!(
                "decay_mask: {} flags for {} leaves",
                m.len(),
                lens.len()
            )));
        }
    }
    let leaf = |i: usize| decays && decay_mask.is_none_or(|m| m[i]);
    match place {
        Place::Wgpu => {
            let rule = gpu::GpuRule {
                rule: gpu::Rule::Adam,
                header: gpu::adam_header(&hyper.consts()),
                decayed: (0..lens.len()).map(leaf).collect(),
                clip_max_norm: clip_max_norm.map(|x| x as f32),
            };
            Ok(wgpu_step(
                target,
                vec![Some(mu), Some(nu)],
                needs_params,
                rule,
            ))
        }
        Place::Cpu(cpu) => run_step(
            cpu,
            &rules::AdamRule(hyper.consts()),
            target,
            [Some(mu), Some(nu)],
            leaf,
            needs_params,
            clip_max_norm,
        ),
    }
}

/// A step on wgpu, its operands checked: launches the WGSL kernels. The global norm stays on
/// the device, so the report has no norm.
fn wgpu_step(
    target: Target<'_>,
    states: Vec<Option<&mut [Tensor<1>]>>,
    needs_params: bool,
    rule: gpu::GpuRule,
) -> StepReport {
    let (written, read, params_written) = match target {
        Target::Params { params, grads } => (params, grads.to_vec(), true),
        Target::Updates { grads, params } => {
            let read = match params {
                Some(p) if needs_params => p.to_vec(),
                _ => Vec::new(),
            };
            (grads, read, false)
        }
    };
    if !written.is_empty() {
        let step = gpu::GpuStep {
            written,
            read,
            params_written,
        };
        gpu::step(step, states, rule);
    }
    StepReport::default()
}

/// One fused RMSProp step (`optax.rmsprop`): `nu` always, `mu` when `centered`, `trace` when
/// `momentum` is set. On error nothing is modified.
pub fn rmsprop(
    target: Target<'_>,
    mu: Option<&mut [Tensor<1>]>,
    nu: &mut [Tensor<1>],
    trace: Option<&mut [Tensor<1>]>,
    hyper: &RmsPropHyper,
    clip_max_norm: Option<f64>,
) -> Result<StepReport, FusedError> {
    let place = Place::of(&target);
    let lens = check_target(place, &target, false)?;
    check_state(place, "nu", nu, &lens)?;
    match (&mu, hyper.centered) {
        (Some(m), true) => check_state(place, "mu", m, &lens)?,
        (None, false) => {}
        (None, true) => {
            return Err(FusedError::Mismatch(
                "mu: centered RMSProp needs the first moment".into(),
            ))
        }
        (Some(_), false) => {
            return Err(FusedError::Mismatch("mu: given for a plain RMSProp".into()))
        }
    }
    match (&trace, hyper.momentum) {
        (Some(t), Some(_)) => check_state(place, "trace", t, &lens)?,
        (None, None) => {}
        (None, Some(_)) => {
            return Err(FusedError::Mismatch(
                "trace: momentum needs the trace".into(),
            ))
        }
        (Some(_), None) => {
            return Err(FusedError::Mismatch("trace: given without momentum".into()))
        }
    }
    match place {
        Place::Wgpu => {
            let rule = gpu::GpuRule {
                rule: gpu::Rule::RmsProp,
                header: gpu::rmsprop_header(&hyper.consts()),
                decayed: vec![false; lens.len()],
                clip_max_norm: clip_max_norm.map(|x| x as f32),
            };
            Ok(wgpu_step(target, vec![mu, Some(nu), trace], false, rule))
        }
        Place::Cpu(cpu) => run_step(
            cpu,
            &rules::RmsPropRule(hyper.consts()),
            target,
            [mu, Some(nu), trace],
            |_| (),
            false,
            clip_max_norm,
        ),
    }
}

/// One fused SGD-with-momentum step (`optax.sgd(lr, momentum, nesterov)`); `trace` is
/// `TraceState.trace`. On error nothing is modified.
pub fn sgd(
    target: Target<'_>,
    trace: &mut [Tensor<1>],
    hyper: &SgdHyper,
    clip_max_norm: Option<f64>,
) -> Result<StepReport, FusedError> {
    let place = Place::of(&target);
    let lens = check_target(place, &target, false)?;
    check_state(place, "trace", trace, &lens)?;
    match place {
        Place::Wgpu => {
            let rule = gpu::GpuRule {
                rule: gpu::Rule::Sgd,
                header: gpu::sgd_header(&hyper.consts()),
                decayed: vec![false; lens.len()],
                clip_max_norm: clip_max_norm.map(|x| x as f32),
            };
            Ok(wgpu_step(target, vec![Some(trace)], false, rule))
        }
        Place::Cpu(cpu) => run_step(
            cpu,
            &rules::SgdRule(hyper.consts()),
            target,
            [Some(trace)],
            |_| (),
            false,
            clip_max_norm,
        ),
    }
}
