//! The `CubeBackend` side of the fused step: groups the leaves, fills in the WGSL of each
//! group and launches it on the tensors' buffers, in place where a buffer is not shared.
//!
//! Dispatches per step: `⌈L / K⌉` for the update, plus `⌈L / K⌉ + 1` for the global norm when
//! clipping, where `L` is the number of leaves and `K` the leaves one dispatch binds (up to
//! [`MAX_GROUP`], fewer when the adapter allows fewer storage buffers per shader stage).

use std::sync::atomic::{AtomicU64, Ordering};

use burn::backend::wgpu::{into_contiguous, CubeBackend, CubeTensor, KernelSource, SourceKernel};
use cubecl::prelude::{CubeCount, CubeDim};
use cubecl::server::{Handle, KernelArguments};

use super::extension::{FusedStepOps, StepLaunch, StepTensors};
use super::source::{
    vec4_mask, NormFinishKernel, NormKernel, StepKernel, Written, BLOCK, WORKGROUP,
};

/// The most leaves one dispatch updates (the `switch` of the shader has one case per leaf).
pub(crate) const MAX_GROUP: usize = 16;
/// Header of `info` before the per-leaf table (see `shaders/adam.wgsl`).
const TABLE: usize = 16;
/// Largest workgroup count of one dispatch dimension (WebGPU's minimum limit).
const MAX_DIM: u32 = 65_535;

/// The tensor, contiguous, in a buffer no one else holds: written in place.
fn writable(t: CubeTensor) -> CubeTensor {
    let t = into_contiguous(t);
    if t.can_mut() && t.is_contiguous_buffer() {
        t
    } else {
        t.copy()
    }
}

fn blocks(len: usize) -> u32 {
    len.div_ceil(BLOCK as usize) as u32
}

/// Workgroups for `n` blocks, spread over two dimensions past [`MAX_DIM`].
fn cube_count(n: u32) -> CubeCount {
    let n = n.max(1);
    let x = n.min(MAX_DIM);
    CubeCount::Static(x, n.div_ceil(x), 1)
}

/// `info`: the header, then per leaf its first block (counted from the group's first),
/// its length and a flag.
fn info(header: &[u32], lens: &[usize], flags: &[bool]) -> (Vec<u32>, u32) {
    let mut v = vec![0u32; TABLE];
    v[..header.len()].copy_from_slice(header);
    let mut first = 0u32;
    for (&n, &f) in lens.iter().zip(flags) {
        v.extend([first, n as u32, f as u32]);
        first += blocks(n);
    }
    (v, first)
}

fn upload(t: &CubeTensor, words: &[u32]) -> Handle {
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    t.client.create_from_slice(&bytes)
}

/// WGSL dispatches launched by this crate since the program started.
static DISPATCHES: AtomicU64 = AtomicU64::new(0);

/// The number of WGSL dispatches the fused kernels have launched so far (all devices): how a
/// test or a benchmark sees that the fused path ran, and how many dispatches a step takes.
/// Launches are lazy under Burn's fusion: read it after the step's results were read back.
pub fn dispatches() -> u64 {
    DISPATCHES.load(Ordering::Relaxed)
}

fn launch<K: KernelSource>(t: &CubeTensor, kernel: K, count: CubeCount, buffers: Vec<Handle>) {
    DISPATCHES.fetch_add(1, Ordering::Relaxed);
    let bindings = buffers.into_iter().map(Handle::binding).collect();
    t.client.launch(
        Box::new(SourceKernel::new(kernel, CubeDim::new_1d(WORKGROUP))),
        count,
        KernelArguments::new().with_buffers(bindings),
    );
}

/// Leaves per dispatch for `per_leaf` buffers each beside `fixed` shared ones.
fn group_size(t: &CubeTensor, per_leaf: usize, fixed: usize) -> usize {
    let max = t.client.properties().hardware.max_bindings as usize;
    (max.saturating_sub(fixed) / per_leaf).clamp(1, MAX_GROUP)
}

/// ‖g‖ of all `grads`, left on the device in a one-element buffer.
fn global_norm(grads: &[CubeTensor]) -> Handle {
    let first = &grads[0];
    let k = group_size(first, 1, 2);
    let total: u32 = grads
        .iter()
        .map(|g| blocks(g.meta.shape().num_elements()))
        .sum();
    let partials = first.client.empty(total.max(1) as usize * 4);
    let mut offset = 0u32;
    for group in grads.chunks(k) {
        let lens: Vec<usize> = group
            .iter()
            .map(|g| g.meta.shape().num_elements())
            .collect();
        let (words, n_blocks) = info(&[offset], &lens, &vec![false; lens.len()]);
        let mut buffers = vec![upload(first, &words), partials.clone()];
        buffers.extend(group.iter().map(|g| g.handle.clone()));
        launch(
            first,
            NormKernel {
                leaves: group.len(),
                vec4: vec4_mask(&lens),
            },
            cube_count(n_blocks),
            buffers,
        );
        offset += n_blocks;
    }
    let norm = first.client.empty(4);
    let buffers = vec![upload(first, &[offset]), partials, norm.clone()];
    launch(first, NormFinishKernel, CubeCount::new_single(), buffers);
    norm
}

impl FusedStepOps for CubeBackend {
    fn fused_step(tensors: StepTensors<Self>, launch_args: StepLaunch) -> StepTensors<Self> {
        let written: Vec<CubeTensor> = tensors.written.into_iter().map(writable).collect();
        let read: Vec<CubeTensor> = tensors.read.into_iter().map(into_contiguous).collect();
        let states: Vec<CubeTensor> = tensors.states.into_iter().map(writable).collect();
        let n = written.len();
        let first = &written[0];

        let grads = match launch_args.written {
            Written::Params => &read,
            Written::Updates { .. } => &written,
        };
        let norm = launch_args.clip_max_norm.map(|_| global_norm(grads));

        let mut header = launch_args.header.to_vec();
        header.push(launch_args.clip_max_norm.unwrap_or(0.0).to_bits());

        let kernel = |lens: &[usize]| StepKernel {
            rule: launch_args.rule,
            present: launch_args.present,
            leaves: lens.len(),
            written: launch_args.written,
            clip: norm.is_some(),
            vec4: vec4_mask(lens),
        };
        let k = group_size(first, kernel(&[0]).per_leaf(), 2);
        let kinds = states.len() / n;
        let mut start = 0;
        while start < n {
            let end = (start + k).min(n);
            let lens: Vec<usize> = written[start..end]
                .iter()
                .map(|t| t.meta.shape().num_elements())
                .collect();
            let (words, n_blocks) = info(&header, &lens, &launch_args.decayed[start..end]);
            let mut buffers = vec![upload(first, &words)];
            buffers.extend(norm.clone());
            for i in start..end {
                buffers.push(written[i].handle.clone());
                if let Some(r) = read.get(i) {
                    buffers.push(r.handle.clone());
                }
                buffers.extend((0..kinds).map(|j| states[j * n + i].handle.clone()));
            }
            launch(first, kernel(&lens), cube_count(n_blocks), buffers);
            start = end;
        }
        StepTensors {
            written,
            read: Vec::new(),
            states,
        }
    }
}
