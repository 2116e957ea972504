// RMSProp, the rule of `multi_tensor.wgsl`: the float32 operations of optax-core's
// `rmsprop` chain `chain(scale_by_rms | scale_by_stddev, scale_by_learning_rate,
// trace | identity)`, in the order of `crates/optax-kernels/src/rules.rs` (`RmsPropRule`).
// Tieleman & Hinton, "Lecture 6.5 - RMSProp", COURSERA 2012; Graves, "Generating Sequences
// With Recurrent Neural Networks", 2013 (centered).
//
//   m_t = decay·m_{t-1} + (1 - decay)·g_t          (centered: scale_by_stddev)
//   v_t = decay·v_{t-1} + (1 - decay)·g_t²
//   m̂, v̂ = m_t, v_t / (1 - decay^t)                (bias_correction, else m_t, v_t)
//   n = v̂                                          (plain)
//   n = v̂ - m̂²                                     (centered; Dekker-compensated as sub_square)
//   s = 1 / sqrt(n + eps)   (eps_in_sqrt)   or   1 / (sqrt(n) + eps)
//   u_t = -lr·(s·g_t)                              scale_by_learning_rate
//   t_t = u_t + μ·t_{t-1};  u_t = t_t  or  u_t + μ·t_t (nesterov)       trace (momentum)
//
// States: s[0] = mu (centered), s[1] = nu, s[2] = trace (momentum); absent ones are zeros
// that are not stored.

const DECAY: u32 = 0u;
const KEEP: u32 = 1u;             // 1 - decay
const C: u32 = 2u;                // 1 - decay^t
const EPS: u32 = 3u;
const NEG_LR: u32 = 4u;           // -learning_rate
const MU: u32 = 5u;               // momentum
const BIAS_CORRECTION: u32 = 6u;  // flags
const EPS_IN_SQRT: u32 = 7u;
const CENTERED: u32 = 8u;
const MOMENTUM: u32 = 9u;
const NESTEROV: u32 = 10u;

fn update(
    g: vec4<f32>,
    p: vec4<f32>,
    s: ptr<function, array<vec4<f32>, STATES>>,
    decayed: bool,
) -> vec4<f32> {
    // v_t = (1 - decay)·(g·g) + decay·v
    let v = (g * g) * hyper(KEEP) + (*s)[1] * hyper(DECAY);
    (*s)[1] = v;
    var n = v;
    if (flag(CENTERED)) {
        // m_t = (1 - decay)·g + decay·m
        let m = g * hyper(KEEP) + (*s)[0] * hyper(DECAY);
        (*s)[0] = m;
        var m_hat = m;
        if (flag(BIAS_CORRECTION)) {
            m_hat = m / hyper(C);
            n = v / hyper(C);
        }
        // sub_square(n, m̂) = (n - m̂²) - err, err the rounding error of m̂² (Dekker's split)
        let sq = m_hat * m_hat;
        let cc = m_hat * 4097.0;
        let hi = cc - (cc - m_hat);
        let lo = m_hat - hi;
        let err = ((hi * hi - sq) + (hi * lo) * 2.0) + lo * lo;
        n = (n - sq) - err;
    } else if (flag(BIAS_CORRECTION)) {
        n = v / hyper(C);
    }
    var u: vec4<f32>;
    if (flag(EPS_IN_SQRT)) {
        // u = -lr·((1 / sqrt(n + eps))·g)
        u = ((1.0 / sqrt(n + hyper(EPS))) * g) * hyper(NEG_LR);
    } else {
        // u = -lr·((1 / (sqrt(n) + eps))·g)
        u = ((1.0 / (sqrt(n) + hyper(EPS))) * g) * hyper(NEG_LR);
    }
    if (flag(MOMENTUM)) {
        // t = u + μ·t;  u = t, or u + μ·t (nesterov)
        let t = u + (*s)[2] * hyper(MU);
        (*s)[2] = t;
        if (flag(NESTEROV)) {
            u = u + t * hyper(MU);
        } else {
            u = t;
        }
    }
    return u;
}
