// The frame of every fused multi-tensor kernel: one dispatch updates a group of leaves in one
// pass over memory. The rule of the optimizer (`adam.wgsl`, `rmsprop.wgsl`, `sgd.wgsl`) is
// pasted in at `rule`; it defines
//
//   fn update(g: vec4<f32>, p: vec4<f32>, s: ptr<function, array<vec4<f32>, STATES>>,
//             decayed: bool) -> vec4<f32>
//
// which reads and writes the leaf's states `s` for four elements and returns their update u_t.
// The frame applies `clip_by_global_norm` to g first when asked, and writes either
// p_t = p_{t-1} + u_t (apply_updates) or u_t over the gradient (Optax's `update`).
//
// Layout: the leaves of the group are split into blocks of `block` elements; the blocks of
// all leaves are numbered one after the other, and each workgroup updates one block, four
// elements per thread. A leaf whose length is a multiple of 4 is bound as `vec4<f32>`s and a
// thread's four elements are consecutive: one vector load and store per operand. Any other
// leaf is bound as float32s and a thread's four elements are a workgroup apart, gathered
// into vectors and scattered back. `info`
// holds the rule's hyperparameters (float32 bits, slots 0..14), the clipping norm (slot 15)
// and, per leaf, its first block, its length and a flag (weight-decayed, for AdamW).
//
// Filled in by crates/optax-kernels/src/gpu/source.rs: `workgroup_size`, `per_thread`,
// `block` (= workgroup_size · per_thread), `leaves` (number of leaves in the group),
// `states` (states per leaf), `bindings` (the storage buffers of the group's leaves, and
// the global norm), `rule`, `clip` (the body of `clipped`), `cases` (one `case` per leaf:
// the loads of the thread's four elements, `update(..)`, the stores).

@group(0) @binding(0) var<storage, read_write> info: array<u32>;
{{ bindings }}

const MAX_NORM: u32 = 15u;
const TABLE: u32 = 16u;

const LEAVES: u32 = {{ leaves }}u;
const STATES: u32 = {{ states }}u;
const WG: u32 = {{ workgroup_size }}u;
const PER_THREAD: u32 = {{ per_thread }}u;
const BLOCK: u32 = {{ block }}u;

// The header of `info`, copied once per invocation into private memory: every buffer is bound
// `read_write`, so the compiler could not keep values read from `info` across the stores.
var<private> header: array<u32, 16>;

fn hyper(i: u32) -> f32 {
    return bitcast<f32>(header[i]);
}

fn flag(i: u32) -> bool {
    return header[i] != 0u;
}

{{ rule }}

fn clipped(g: vec4<f32>) -> vec4<f32> {
    {{ clip }}
}

@compute @workgroup_size({{ workgroup_size }}, 1, 1)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    for (var q = 0u; q < 16u; q = q + 1u) {
        header[q] = info[q];
    }
    let block = wg.x + wg.y * groups.x;
    // The leaf of this block: the last one whose first block is not after it.
    var leaf = 0u;
    for (var k = 1u; k < LEAVES; k = k + 1u) {
        if (info[TABLE + 3u * k] <= block) {
            leaf = k;
        }
    }
    let len = info[TABLE + 3u * leaf + 1u];
    let decayed = info[TABLE + 3u * leaf + 2u] != 0u;
    let base = (block - info[TABLE + 3u * leaf]) * BLOCK;
    // One case per leaf: this thread's four elements of the block.
    switch leaf {
{{ cases }}
        default: {}
    }
}
