// Global L2 norm, second pass: one workgroup adds the `count` partial sums of squares written
// by `global_norm.wgsl` and stores ‖g‖ = sqrt(Σ g²) in `norm[0]`, on the device.
//
// Filled in by crates/optax-kernels/src/gpu/source.rs: `workgroup_size`.

@group(0) @binding(0) var<storage, read_write> info: array<u32>;   // info[0] = count
@group(0) @binding(1) var<storage, read_write> partials: array<f32>;
@group(0) @binding(2) var<storage, read_write> norm: array<f32>;

const WG: u32 = {{ workgroup_size }}u;

var<workgroup> sums: array<f32, {{ workgroup_size }}>;

@compute @workgroup_size({{ workgroup_size }}, 1, 1)
fn main(@builtin(local_invocation_index) lid: u32) {
    let count = info[0];
    var s = 0.0;
    for (var i = lid; i < count; i = i + WG) {
        s = s + partials[i];
    }
    sums[lid] = s;
    workgroupBarrier();
    for (var half = WG / 2u; half > 0u; half = half / 2u) {
        if (lid < half) {
            sums[lid] = sums[lid] + sums[lid + half];
        }
        workgroupBarrier();
    }
    if (lid == 0u) {
        // ‖g‖ = sqrt(Σ g²)
        norm[0] = sqrt(sums[0]);
    }
}
