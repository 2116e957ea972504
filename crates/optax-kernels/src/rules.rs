//! The element-wise math of the fused kernels, one rule per optimizer.
//!
//! Each rule repeats, operation for operation, the float32 arithmetic of optax-core's
//! reference transforms (named in the comments), so that a fused step rounds exactly as the
//! unfused chain on the CPU devices (flex, ndarray): Rust never contracts `a * b + c` into an
//! FMA, and the operands keep the reference's association. The block loops have a fixed trip count over
//! stack arrays, which the compiler vectorizes (`sqrt` and `/` are the IEEE instructions).

use crate::engine::{Rule, B};
use crate::hyper::{AdamConsts, RmsPropConsts, SgdConsts};

/// Adam / AdamW / NAdam(W): `chain(scale_by_adam, add_decayed_weights, scale_by_learning_rate)`.
///
/// ```text
/// m_t = b1·m_{t-1} + (1 - b1)·g_t                              scale_by_adam (update_moment)
/// v_t = b2·v_{t-1} + (1 - b2)·g_t²                             (update_moment_per_elem_norm)
/// m̂_t = m_t / (1 - b1^t)                                      (bias_correction)
/// m̂_t = b1·m_t / (1 - b1^{t+1}) + (1 - b1)·g_t / (1 - b1^t)    (nesterov)
/// v̂_t = v_t / (1 - b2^t)
/// u_t = m̂_t / (sqrt(v̂_t + eps_root) + eps)
/// u_t = u_t + wd·p_t                                           add_decayed_weights (masked)
/// u_t = -lr·u_t                                                scale_by_learning_rate
/// ```
/// State streams: `[mu, nu]`. Leaf info: whether the leaf is weight-decayed.
pub(crate) struct AdamRule(pub AdamConsts);

impl Rule<2> for AdamRule {
    type Leaf = bool;

    #[inline(always)]
    fn block(
        &self,
        decayed: bool,
        g: &[f32; B],
        p: &[f32; B],
        s: [&mut [f32; B]; 2],
        u: &mut [f32; B],
    ) {
        let c = &self.0;
        let [m, v] = s;
        // One loop per combination of the two flags, each element through all the equations
        // at once (the flags are constants of the loop, so it stays branch-free and vectorized).
        let mut lanes = |nesterov: bool, decayed: bool| {
            for k in 0..B {
                // m_t = (1 - b1)·g + b1·m
                let m_t = g[k] * c.k1 + m[k] * c.b1;
                // v_t = (1 - b2)·(g·g) + b2·v
                let v_t = (g[k] * g[k]) * c.k2 + v[k] * c.b2;
                m[k] = m_t;
                v[k] = v_t;
                // sqrt(v / (1 - b2^t) + eps_root) + eps
                let denom = (v_t / c.c2 + c.eps_root).sqrt() + c.eps;
                let mut u_t = if nesterov {
                    // m̂ = b1·(m / (1 - b1^{t+1})) + (1 - b1)·(g / (1 - b1^t))
                    ((m_t / c.c1_next) * c.b1 + (g[k] / c.c1) * c.k1) / denom
                } else {
                    // m̂ = m / (1 - b1^t)
                    (m_t / c.c1) / denom
                };
                if decayed {
                    // u = u + wd·p
                    u_t += p[k] * c.wd;
                }
                // u = -lr·u
                u[k] = u_t * c.neg_lr;
            }
        };
        match (c.nesterov, decayed) {
            (false, false) => lanes(false, false),
            (false, true) => lanes(false, true),
            (true, false) => lanes(true, false),
            (true, true) => lanes(true, true),
        }
    }
}

/// RMSProp: `chain(scale_by_rms | scale_by_stddev, scale_by_learning_rate, trace | identity)`.
///
/// ```text
/// m_t = decay·m_{t-1} + (1 - decay)·g_t          (centered: scale_by_stddev)
/// v_t = decay·v_{t-1} + (1 - decay)·g_t²
/// m̂, v̂ = m_t, v_t / (1 - decay^t)                (bias_correction, else m_t, v_t)
/// n = v̂                                          (plain)
/// n = v̂ - m̂²                                     (centered; Dekker-compensated as sub_square)
/// s = 1 / sqrt(n + eps)   (eps_in_sqrt)   or   1 / (sqrt(n) + eps)
/// u_t = -lr·(s·g_t)                              scale_by_learning_rate
/// t_t = u_t + μ·t_{t-1};  u_t = t_t  or  u_t + μ·t_t (nesterov)       trace (momentum)
/// ```
/// State streams: `[mu (centered), nu, trace (momentum)]`; absent ones read as zeros.
pub(crate) struct RmsPropRule(pub RmsPropConsts);

impl Rule<3> for RmsPropRule {
    type Leaf = ();

    #[inline(always)]
    fn block(&self, _: (), g: &[f32; B], _p: &[f32; B], s: [&mut [f32; B]; 3], u: &mut [f32; B]) {
        let c = &self.0;
        let [m, v, t] = s;
        let mut n = [0.0f32; B];
        for k in 0..B {
            // v_t = (1 - decay)·(g·g) + decay·v
            v[k] = (g[k] * g[k]) * c.keep + v[k] * c.decay;
        }
        if c.centered {
            for k in 0..B {
                // m_t = (1 - decay)·g + decay·m
                m[k] = g[k] * c.keep + m[k] * c.decay;
            }
            let mut mh = [0.0f32; B];
            match c.c {
                Some(corr) => {
                    for k in 0..B {
                        mh[k] = m[k] / corr;
                        n[k] = v[k] / corr;
                    }
                }
                None => {
                    mh = *m;
                    n = *v;
                }
            }
            for k in 0..B {
                // sub_square(n, m̂): (n - m̂²) - err, err the rounding error of m̂² (Dekker split)
                let m = mh[k];
                let sq = m * m;
                let cc = m * 4097.0;
                let hi = cc - (cc - m);
                let lo = m - hi;
                let err = ((hi * hi - sq) + (hi * lo) * 2.0) + lo * lo;
                n[k] = (n[k] - sq) - err;
            }
        } else {
            match c.c {
                Some(corr) => {
                    for k in 0..B {
                        n[k] = v[k] / corr;
                    }
                }
                None => n = *v,
            }
        }
        if c.eps_in_sqrt {
            for k in 0..B {
                // rms_scaling: 1 / sqrt(n + eps), times g, times -lr
                u[k] = ((1.0 / (n[k] + c.eps).sqrt()) * g[k]) * c.neg_lr;
            }
        } else {
            for k in 0..B {
                // rms_scaling: 1 / (sqrt(n) + eps), times g, times -lr
                u[k] = ((1.0 / (n[k].sqrt() + c.eps)) * g[k]) * c.neg_lr;
            }
        }
        if let Some(mu) = c.momentum {
            for k in 0..B {
                // trace: t = u + μ·t; u = t, or u + μ·t (nesterov)
                t[k] = u[k] + t[k] * mu;
                u[k] = if c.nesterov { u[k] + t[k] * mu } else { t[k] };
            }
        }
    }
}

/// SGD with momentum: `chain(trace(momentum, nesterov), scale_by_learning_rate)`.
///
/// ```text
/// t_t = g_t + μ·t_{t-1}
/// u_t = t_t   or   g_t + μ·t_t (nesterov)          trace
/// u_t = -lr·u_t                                    scale_by_learning_rate
/// ```
/// State stream: `[trace]`.
pub(crate) struct SgdRule(pub SgdConsts);

impl Rule<1> for SgdRule {
    type Leaf = ();

    #[inline(always)]
    fn block(&self, _: (), g: &[f32; B], _p: &[f32; B], s: [&mut [f32; B]; 1], u: &mut [f32; B]) {
        let c = &self.0;
        let [t] = s;
        for k in 0..B {
            t[k] = g[k] + t[k] * c.momentum;
        }
        if c.nesterov {
            for k in 0..B {
                u[k] = (g[k] + t[k] * c.momentum) * c.neg_lr;
            }
        } else {
            for k in 0..B {
                u[k] = t[k] * c.neg_lr;
            }
        }
    }
}

/// `optax.apply_updates` alone: the update is the given one, which the engine's parameter
/// output adds to the parameters.
///
/// ```text
/// u_t = g_t            (the updates, passed where the gradients go)
/// p_t = p_{t-1} + u_t  (the engine's Params output: apply_updates)
/// ```
pub(crate) struct ApplyRule;

impl Rule<0> for ApplyRule {
    type Leaf = ();

    #[inline(always)]
    fn block(&self, _: (), g: &[f32; B], _p: &[f32; B], _s: [&mut [f32; B]; 0], u: &mut [f32; B]) {
        u.copy_from_slice(g);
    }
}
