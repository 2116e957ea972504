// Fused Adam / AdamW / NAdam(W) over a group of leaves: one dispatch, one pass over memory.
//
// The float32 operations of optax-core's reference chain
// `chain(scale_by_adam, add_decayed_weights(mask), scale_by_learning_rate)`, in the order of
// `crates/optax-kernels/src/rules.rs` (`AdamRule`):
//
//   g_t = clip(g_t)                                          clip_by_global_norm (optional)
//   m_t = b1·m_{t-1} + (1 - b1)·g_t                           scale_by_adam
//   v_t = b2·v_{t-1} + (1 - b2)·g_t²
//   m̂_t = m_t / (1 - b1^t)
//   m̂_t = b1·m_t / (1 - b1^{t+1}) + (1 - b1)·g_t / (1 - b1^t)   (nesterov)
//   u_t = m̂_t / (sqrt(v_t / (1 - b2^t) + eps_root) + eps)
//   u_t = u_t + wd·p_t                                       add_decayed_weights (masked leaves)
//   u_t = -lr·u_t                                            scale_by_learning_rate
//   p_t = p_{t-1} + u_t                                      apply_updates (Params output)
//
// The bias corrections (1 - b^t) are computed on the host in float32 exactly as optax-core
// does and passed as numbers, with the other hyperparameters, in `info`.
//
// Layout: the leaves of the group are split into blocks of `block` elements; the blocks of
// all leaves are numbered one after the other, and each workgroup updates one block. `info`
// holds the hyperparameters (as float32 bits) and, per leaf, its first block, its length and
// whether it is weight-decayed.
//
// Filled in by crates/optax-kernels/src/gpu/source.rs:
//   `workgroup_size`, `per_thread`, `block` (= workgroup_size · per_thread),
//   `leaves`        number of leaves in the group,
//   `bindings`      the storage buffers of the group's leaves (and the global norm),
//   `clip`          the body of `clipped` (identity, or clip_by_global_norm),
//   `cases`         one `case` per leaf: loads, `adam(..)`, stores.

@group(0) @binding(0) var<storage, read_write> info: array<u32>;
{{ bindings }}

const B1: u32 = 0u;
const K1: u32 = 1u;        // 1 - b1
const B2: u32 = 2u;
const K2: u32 = 3u;        // 1 - b2
const C1: u32 = 4u;        // 1 - b1^t
const C1_NEXT: u32 = 5u;   // 1 - b1^{t+1}
const C2: u32 = 6u;        // 1 - b2^t
const EPS: u32 = 7u;
const EPS_ROOT: u32 = 8u;
const WD: u32 = 9u;
const NEG_LR: u32 = 10u;   // -learning_rate
const NESTEROV: u32 = 11u; // 0 or 1
const MAX_NORM: u32 = 12u;
const TABLE: u32 = 16u;    // per leaf: first block, length, decayed

const LEAVES: u32 = {{ leaves }}u;
const WG: u32 = {{ workgroup_size }}u;
const PER_THREAD: u32 = {{ per_thread }}u;
const BLOCK: u32 = {{ block }}u;

fn hyper(i: u32) -> f32 {
    return bitcast<f32>(info[i]);
}

struct Step {
    m: f32,
    v: f32,
    u: f32,
}

fn adam(g: f32, p: f32, m_prev: f32, v_prev: f32, decayed: bool) -> Step {
    // m_t = (1 - b1)·g + b1·m
    let m = g * hyper(K1) + m_prev * hyper(B1);
    // v_t = (1 - b2)·(g·g) + b2·v
    let v = (g * g) * hyper(K2) + v_prev * hyper(B2);
    var u: f32;
    if (info[NESTEROV] != 0u) {
        // m̂ = b1·(m / (1 - b1^{t+1})) + (1 - b1)·(g / (1 - b1^t))
        let m_hat = (m / hyper(C1_NEXT)) * hyper(B1) + (g / hyper(C1)) * hyper(K1);
        u = m_hat / (sqrt(v / hyper(C2) + hyper(EPS_ROOT)) + hyper(EPS));
    } else {
        // u = (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t) + eps_root) + eps)
        u = (m / hyper(C1)) / (sqrt(v / hyper(C2) + hyper(EPS_ROOT)) + hyper(EPS));
    }
    if (decayed) {
        // u = u + wd·p
        u = u + p * hyper(WD);
    }
    // u = -lr·u
    return Step(m, v, u * hyper(NEG_LR));
}

fn clipped(g: f32) -> f32 {
    {{ clip }}
}

@compute @workgroup_size({{ workgroup_size }}, 1, 1)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
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
    for (var j = 0u; j < PER_THREAD; j = j + 1u) {
        let i = base + j * WG + lid;
        if (i < len) {
            switch leaf {
{{ cases }}
                default: {}
            }
        }
    }
}
