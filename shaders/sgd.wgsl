// SGD with momentum, the rule of `multi_tensor.wgsl`: optax-core's
// `chain(trace(momentum, nesterov), scale_by_learning_rate)`, in the order of
// `crates/optax-kernels/src/rules.rs` (`SgdRule`). Polyak, "Some methods of speeding up the
// convergence of iteration methods", 1964; Sutskever et al., "On the importance of
// initialization and momentum in deep learning", ICML 2013 (nesterov).
//
//   t_t = g_t + μ·t_{t-1}
//   u_t = t_t   or   g_t + μ·t_t (nesterov)          trace
//   u_t = -lr·u_t                                    scale_by_learning_rate
//
// State: s[0] = trace.

const MU: u32 = 0u;        // momentum
const NEG_LR: u32 = 1u;    // -learning_rate
const NESTEROV: u32 = 2u;  // flag

fn update(
    g: vec4<f32>,
    p: vec4<f32>,
    s: ptr<function, array<vec4<f32>, STATES>>,
    decayed: bool,
) -> vec4<f32> {
    // t = g + μ·t
    let t = g + (*s)[0] * hyper(MU);
    (*s)[0] = t;
    if (flag(NESTEROV)) {
        // u = -lr·(g + μ·t)
        return (g + t * hyper(MU)) * hyper(NEG_LR);
    }
    // u = -lr·t
    return t * hyper(NEG_LR);
}
