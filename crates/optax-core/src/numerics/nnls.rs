//! `nnls`: non-negative least squares by accelerated projected gradient descent (FISTA).
//!
//! Beck & Teboulle, *A Fast Iterative Shrinkage-Thresholding Algorithm for Linear Inverse
//! Problems*, SIAM J. Imaging Sci. 2009.
//!
//! ```text
//! min_{x ≥ 0} ½‖A x - b‖²,   Q = AᵀA,  q = Aᵀb,  L = min(‖Q‖_F, ‖Q‖₁) (1 if 0)
//! x₀ = p₀ = 0, c₀ = 0
//! c_{k+1} = (1 + sqrt(1 + 4 c_k²)) / 2,   s = (c_k - 1) / c_{k+1}
//! x_{k+1} = max(p_k - (Q p_k - q) / L, 0),  p_{k+1} = x_{k+1} + s (x_{k+1} - x_k)
//! ```
//!
//! Optax's `unroll` only changes how XLA compiles the loop, not the result; it has no Rust
//! counterpart.

use burn::tensor::Tensor;

use super::read1;
use crate::error::{OptaxError, Result};

/// `optax.nnls(A, b, iters, L=None)` for a matrix of right-hand sides `b` (`[m, k]`): the
/// solution `x` (`[n, k]`). `l`: a Lipschitz constant of the gradient (`L`), by default the
/// bound `min(‖AᵀA‖_F, ‖AᵀA‖₁)`.
///
/// # Errors
/// [`OptaxError::InvalidInput`] if `b` does not have `A`'s number of rows.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::numerics::nnls_multi;
/// let device = Device::flex();
/// let a = Tensor::<2>::from_floats([[1.0, 0.0], [0.0, 1.0]], &device);
/// let b = Tensor::<2>::from_floats([[2.0], [-1.0]], &device);
/// let x = nnls_multi(a, b, 100, None)?.into_data().to_vec::<f32>().unwrap();
/// assert!((x[0] - 2.0).abs() < 1e-5 && x[1] == 0.0);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn nnls_multi(a: Tensor<2>, b: Tensor<2>, iters: usize, l: Option<f64>) -> Result<Tensor<2>> {
    let [m, n] = a.dims();
    let [mb, k] = b.dims();
    if mb != m {
        return Err(OptaxError::input(
            "nnls",
            format!("b has {mb} rows, A has {m}"),
        ));
    }
    let at = a.clone().transpose();
    let q_mat = at.clone().matmul(a);
    let q = at.matmul(b.clone());
    let l = match l {
        Some(l) => l as f32,
        None if n == 0 => 0.0,
        None => {
            let fro = read1(
                (q_mat.clone() * q_mat.clone())
                    .reshape([n * n])
                    .sum()
                    .sqrt(),
            );
            let one = read1(q_mat.clone().abs().sum_dim(0).reshape([n]).max());
            fro.min(one)
        }
    };
    let l = if l == 0.0 { 1.0 } else { l };
    let mut x = Tensor::<2>::zeros([n, k], &b.device());
    let mut p = x.clone();
    let mut c = 0.0f32;
    for _ in 0..iters {
        let cn = (1.0 + (1.0 + 4.0 * (c * c)).sqrt()) / 2.0;
        let s = (c - 1.0) / cn;
        let xn = (p.clone() - (q_mat.clone().matmul(p) - q.clone()).div_scalar(l)).clamp_min(0.0);
        p = xn.clone() + (xn.clone() - x).mul_scalar(s);
        x = xn;
        c = cn;
    }
    Ok(x)
}

/// `optax.nnls(A, b, iters, L=None)` for one right-hand side `b` (`[m]`): the solution `x`
/// (`[n]`). See [`nnls_multi`].
///
/// # Errors
/// [`OptaxError::InvalidInput`] if `b` does not have `A`'s number of rows.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::numerics::nnls;
/// let device = Device::flex();
/// let a = Tensor::<2>::from_floats([[1.0, 1.0], [0.0, 1.0]], &device);
/// let x = nnls(a, Tensor::from_floats([1.0, -1.0], &device), 500, None)?;
/// assert!(x.into_data().to_vec::<f32>().unwrap().iter().all(|v| *v >= 0.0));
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn nnls(a: Tensor<2>, b: Tensor<1>, iters: usize, l: Option<f64>) -> Result<Tensor<1>> {
    let [m] = b.dims();
    let n = a.dims()[1];
    Ok(nnls_multi(a, b.reshape([m, 1]), iters, l)?.reshape([n]))
}
