//! The step of the central differences in [`hvp`](super::hvp) and
//! [`hessian_diag`](super::hessian_diag), and the host-side reads it needs.
//!
//! ```text
//! Hv ≈ (g(p + δ·u) - g(p - δ·u)) / (2δ) · ‖v‖,   u = v / ‖v‖,   g = ∇loss
//! δ  = ε^(1/3) · max(1, ‖p‖ / √n)               ε = f32::EPSILON = 2^-23, n = size(p)
//! ```
//!
//! The error of the quotient, for a unit direction `u`, is bounded by
//!
//! ```text
//! ‖error‖ ≤ δ²/6 · M₃  +  (η_g + ε·‖H‖·‖p‖) / δ
//! ```
//!
//! where `M₃` bounds the third derivative of the loss along `u` on `[p - δu, p + δu]`
//! (truncation: zero for a quadratic), `η_g` is the rounding error of one float32 gradient,
//! and `ε·‖H‖·‖p‖` is the rounding of `p ± δu` to float32. Both terms balance at
//! `δ ~ ε^(1/3)` in the scale of the parameters (`‖p‖/√n`, their root mean square, at least
//! 1), which gives a relative error of order `ε^(2/3) ≈ 2.4e-5` times the problem's
//! conditioning. docs/second-order.md has the measured errors.

use crate::error::{OptaxError, Result};
use crate::tree::Tree;

/// `ε^(1/3) ≈ 4.92e-3` for float32: the relative step of a central difference.
pub(super) fn cbrt_eps() -> f64 {
    f64::from(f32::EPSILON).cbrt()
}

/// The parameters read to the host, with the step `δ` of the module docs.
pub(super) struct HostParams {
    /// One `Vec<f32>` per leaf.
    pub values: Vec<Vec<f32>>,
    /// `δ = ε^(1/3) · max(1, ‖p‖₂ / √n)`.
    pub step: f64,
}

/// Reads `params` to the host and computes the step. Errors (naming `function`): no elements,
/// or a parameter that is not finite (the step, and every difference, would not be).
pub(super) fn host_params(function: &str, params: &Tree) -> Result<HostParams> {
    let n = params.numel();
    if n == 0 {
        return Err(OptaxError::input(function, "params has no elements"));
    }
    let values = params.to_vecs()?;
    let mut sum_sq = 0.0f64;
    for (path, leaf) in params.paths().iter().zip(&values) {
        for &x in leaf {
            if !x.is_finite() {
                return Err(OptaxError::input(
                    function,
                    format!(
                        "params `{path}` holds {x}: the finite-difference step needs finite \
                         parameters"
                    ),
                ));
            }
            sum_sq += f64::from(x) * f64::from(x);
        }
    }
    let rms = (sum_sq / n as f64).sqrt();
    let step = cbrt_eps() * rms.max(1.0);
    if !step.is_finite() || step > f64::from(f32::MAX) {
        return Err(OptaxError::input(
            function,
            format!("the finite-difference step {step} is not a finite float32"),
        ));
    }
    Ok(HostParams { values, step })
}
