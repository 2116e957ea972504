//! `matrix_inverse_pth_root`: `A^(-1/p)` of a symmetric positive semi-definite matrix by a
//! coupled Newton iteration (the preconditioner root of Shampoo).
//!
//! Guo & Higham, *A Schur-Newton Method for the Matrix p-th Root and its Inverse*, SIAM J.
//! Matrix Anal. Appl. 2006; Anil et al., *Scalable Second Order Optimization for Deep
//! Learning*, 2020 (<https://arxiv.org/abs/2002.09018>).
//!
//! ```text
//! α = -1/p,  ε = ridge_epsilon · max(λ_max(A), 1e-16),  A_ε = A + ε I
//! z = (1 + p) / (2 ‖A_ε‖_F),  M₀ = z A_ε,  H₀ = z^(1/p) I
//! Mᵢ' = (1 - α) I + α Mᵢ,  M_{i+1} = (Mᵢ')^p Mᵢ,  H_{i+1} = Hᵢ Mᵢ'
//! until max|M - I| ≤ error_tolerance, the error grows by 20 %, or num_iters
//! ```
//!
//! As in Optax, `(Mᵢ')^p` is computed by repeated squaring with `2^round(log2 p)` factors,
//! clamped to 1, 2, 4 or 8 — exact for `p` in {1, 2, 4, 8}. When the last step raised the
//! error, the previous `H` is returned. `λ_max` comes from
//! [`power_iteration`](super::power_iteration) (100 iterations, tolerance 1e-6) started from
//! this crate's deterministic `v0`, not JAX's random one: `λ_max` agrees to ~1e-6 relative,
//! and it only scales the tiny ridge.

use burn::tensor::Tensor;

use super::{power_iteration, read1};
use crate::error::{OptaxError, Result};

fn max_abs_diff(a: Tensor<2>, identity: &Tensor<2>) -> f32 {
    let n: usize = a.dims().iter().product();
    read1((a - identity.clone()).abs().reshape([n]).max())
}

/// `optax.matrix_inverse_pth_root(matrix, p, num_iters=100, ridge_epsilon=1e-6,
/// error_tolerance=1e-6)`: returns `(matrix^(-1/p), error)`, the error `max|M - I|` of the
/// last iterate (0 for a 1×1 matrix).
///
/// # Errors
/// [`OptaxError::InvalidInput`] for a matrix that is not square, or `p` not positive.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::numerics::matrix_inverse_pth_root;
/// let device = Device::flex();
/// let a = Tensor::<2>::from_floats([[4.0, 0.0], [0.0, 16.0]], &device);
/// let (root, _error) = matrix_inverse_pth_root(a, 2.0, 100, 1e-6, 1e-6)?;
/// let r = root.into_data().to_vec::<f32>().unwrap();
/// assert!((r[0] - 0.5).abs() < 1e-3 && (r[3] - 0.25).abs() < 1e-3);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn matrix_inverse_pth_root(
    matrix: Tensor<2>,
    p: f64,
    num_iters: usize,
    ridge_epsilon: f64,
    error_tolerance: f64,
) -> Result<(Tensor<2>, f32)> {
    let [rows, cols] = matrix.dims();
    if rows != cols || rows == 0 {
        return Err(OptaxError::input(
            "matrix_inverse_pth_root",
            format!("matrix must be square and non-empty, found shape [{rows}, {cols}]"),
        ));
    }
    if !(p > 0.0 && p.is_finite()) {
        return Err(OptaxError::input(
            "matrix_inverse_pth_root",
            format!("p must be a positive number, found {p}"),
        ));
    }
    let n = rows;
    let device = matrix.device();
    let alpha = (-1.0 / p) as f32;
    let identity = Tensor::<2>::eye(n, &device);
    let (max_ev, _) = power_iteration(matrix.clone(), None, 100, 1e-6, None)?;
    let ridge = (ridge_epsilon as f32) * read1(max_ev).max(1e-16);

    if n == 1 {
        let root = matrix.add_scalar(ridge).powf_scalar(alpha);
        return Ok((root, 0.0));
    }

    // 2^round(log2 p) factors, the index clamped to 0..=3 as lax.switch clamps it.
    let exponent = (p as f32).log2().round_ties_even().clamp(0.0, 3.0) as u32;
    let mat_power = |m: Tensor<2>| {
        let mut m = m;
        for _ in 0..exponent {
            m = m.clone().matmul(m);
        }
        m
    };

    let damped = matrix + identity.clone().mul_scalar(ridge);
    let fro = read1(
        (damped.clone() * damped.clone())
            .reshape([n * n])
            .sum()
            .sqrt(),
    );
    let z = (1.0 + p as f32) / (2.0 * fro);
    let mut mat_m = damped.mul_scalar(z);
    let mut error = max_abs_diff(mat_m.clone(), &identity);
    let mut mat_h = identity.clone().mul_scalar(z.powf(1.0 / p as f32));
    let mut old_mat_h = mat_h.clone();
    let mut run_step = true;
    let mut i = 0usize;
    while i < num_iters && error > error_tolerance as f32 && run_step {
        let mat_m_i = identity.clone().mul_scalar(1.0 - alpha) + mat_m.clone().mul_scalar(alpha);
        let new_mat_m = mat_power(mat_m_i.clone()).matmul(mat_m);
        let new_mat_h = mat_h.clone().matmul(mat_m_i);
        let new_error = max_abs_diff(new_mat_m.clone(), &identity);
        run_step = new_error < error * 1.2;
        old_mat_h = mat_h;
        mat_m = new_mat_m;
        mat_h = new_mat_h;
        error = new_error;
        i += 1;
    }
    let error = max_abs_diff(mat_m, &identity);
    let root = if run_step { mat_h } else { old_mat_h };
    Ok((root, error))
}
