// Adam / AdamW / NAdam(W), the rule of `multi_tensor.wgsl`: the float32 operations of
// optax-core's reference chain
// `chain(scale_by_adam, add_decayed_weights(mask), scale_by_learning_rate)`, in the order of
// `crates/optax-kernels/src/rules.rs` (`AdamRule`). Kingma & Ba, "Adam: A Method for
// Stochastic Optimization", ICLR 2015; Loshchilov & Hutter, "Decoupled Weight Decay
// Regularization", ICLR 2019; Dozat, "Incorporating Nesterov Momentum into Adam", 2016.
//
//   m_t = b1·m_{t-1} + (1 - b1)·g_t                              scale_by_adam
//   v_t = b2·v_{t-1} + (1 - b2)·g_t²
//   m̂_t = m_t / (1 - b1^t)
//   m̂_t = b1·m_t / (1 - b1^{t+1}) + (1 - b1)·g_t / (1 - b1^t)    (nesterov)
//   u_t = m̂_t / (sqrt(v_t / (1 - b2^t) + eps_root) + eps)
//   u_t = u_t + wd·p_t                                           add_decayed_weights (masked)
//   u_t = -lr·u_t                                                scale_by_learning_rate
//
// The bias corrections (1 - b^t) are computed on the host in float32 exactly as optax-core
// does. States: s[0] = mu, s[1] = nu.

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
const NESTEROV: u32 = 11u; // flag

fn update(
    g: vec4<f32>,
    p: vec4<f32>,
    s: ptr<function, array<vec4<f32>, STATES>>,
    decayed: bool,
) -> vec4<f32> {
    // m_t = (1 - b1)·g + b1·m
    let m = g * hyper(K1) + (*s)[0] * hyper(B1);
    // v_t = (1 - b2)·(g·g) + b2·v
    let v = (g * g) * hyper(K2) + (*s)[1] * hyper(B2);
    (*s)[0] = m;
    (*s)[1] = v;
    var u: vec4<f32>;
    if (flag(NESTEROV)) {
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
    return u * hyper(NEG_LR);
}
