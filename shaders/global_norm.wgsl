// Global L2 norm, first pass: the sum of squares of each block of a group of leaves, into
// `partials` (`optax.global_norm` = sqrt(Σ_leaves Σ g²); the second pass,
// `global_norm_finish.wgsl`, adds the partials and takes the square root). The norm stays on
// the device: the update kernel reads it, so a clipped step never waits for the host.
//
// Blocks and `info` as in adam.wgsl; `info[0]` is the index of the group's first partial.
// Filled in by crates/optax-kernels/src/gpu/source.rs: `workgroup_size`, `per_thread`,
// `block`, `leaves`, `bindings` (the gradients), `cases` (the loads of each leaf).

@group(0) @binding(0) var<storage, read_write> info: array<u32>;
@group(0) @binding(1) var<storage, read_write> partials: array<f32>;
{{ bindings }}

const FIRST_PARTIAL: u32 = 0u;
const TABLE: u32 = 16u;

const LEAVES: u32 = {{ leaves }}u;
const WG: u32 = {{ workgroup_size }}u;
const PER_THREAD: u32 = {{ per_thread }}u;
const BLOCK: u32 = {{ block }}u;

var<workgroup> sums: array<f32, {{ workgroup_size }}>;

@compute @workgroup_size({{ workgroup_size }}, 1, 1)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    let block = wg.x + wg.y * groups.x;
    var leaf = 0u;
    for (var k = 1u; k < LEAVES; k = k + 1u) {
        if (info[TABLE + 3u * k] <= block) {
            leaf = k;
        }
    }
    let first = info[TABLE + 3u * leaf];
    let len = info[TABLE + 3u * leaf + 1u];
    let base = (block - first) * BLOCK;
    // This thread's Σ g²: one `case` per leaf, a `vec4<f32>` load when the leaf is bound as
    // vectors, else four float32 loads a workgroup apart.
    var s = 0.0;
    switch leaf {
{{ cases }}
        default: {}
    }
    sums[lid] = s;
    workgroupBarrier();
    for (var half = WG / 2u; half > 0u; half = half / 2u) {
        if (lid < half) {
            sums[lid] = sums[lid] + sums[lid + half];
        }
        workgroupBarrier();
    }
    // A block past the group's last one (the padding of a 2-D dispatch) writes nothing.
    if (lid == 0u && base < len) {
        partials[info[FIRST_PARTIAL] + block] = sums[0];
    }
}
