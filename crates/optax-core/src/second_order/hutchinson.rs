//! Hutchinson's estimator of the Hessian's diagonal (not in Optax): `m` Hessian-vector
//! products with random sign vectors instead of `n` products with basis vectors.

use burn::tensor::{Tensor, TensorData};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::hvp::hvp_named;
use super::ravel::ravel;
use crate::error::{OptaxError, Result};
use crate::tree::Tree;

/// Not an Optax function: an unbiased Monte-Carlo estimate of the diagonal of the Hessian of
/// `loss` at `(params, inputs, targets)` (the quantity of Optax's
/// [`hessian_diag`](super::hessian_diag)), raveled in the tree's leaf order, from
/// `num_samples` Hessian-vector products with Rademacher vectors (entries ±1 with
/// probability ½, drawn from `seed`):
///
/// ```text
/// diag(H) ≈ (1/m) · Σ_{k=1..m} z_k ⊙ (H·z_k),    z_k ∈ {-1, +1}^n,  m = num_samples
/// E[z ⊙ Hz]_i = Σ_j H_ij·E[z_i z_j] = H_ii        (unbiased)
/// Var[estimate_i] = (1/m) · Σ_{j≠i} H_ij²         (zero for a diagonal Hessian)
/// ```
///
/// Hutchinson, "A stochastic estimator of the trace of the influence matrix for Laplacian
/// smoothing splines" (1990); for the diagonal, Bekas, Kokiopoulou and Saad, "An estimator
/// for the diagonal of a matrix" (2007); used by AdaHessian and Sophia-H.
///
/// **Method:** each `H·z` is [`hvp`](super::hvp)'s central difference of exact gradients,
/// so the estimate carries that method's error (about 1e-4 of the largest component) on top
/// of the sampling error. Cost: `2·m` gradient evaluations, against `2·n` for
/// [`hessian_diag`](super::hessian_diag); memory O(size(params)).
///
/// # Errors
/// As [`hvp`](super::hvp), and [`OptaxError::InvalidInput`] when `num_samples` is 0.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::second_order::hessian_diag_hutchinson;
/// use optax_core::Tree;
///
/// let device = Device::flex();
/// // loss(x) = Σ c·x³ / 3: the Hessian is diagonal, so every sample gives 2·c·x.
/// let params = Tree::builder()
///     .leaf("x", Tensor::<1>::from_floats([1.0, -2.0], &device))
///     .build()?;
/// let c = Tensor::<1>::from_floats([3.0, 0.5], &device);
/// let loss = |p: &Tree, c: &Tensor<1>, _: &()| -> optax_core::Result<Tensor<1>> {
///     let x = p.get::<1>("x")?;
///     Ok((x.clone() * x.clone() * x * c.clone()).sum().div_scalar(3.0))
/// };
/// let diag: Vec<f32> = hessian_diag_hutchinson(loss, &params, &c, &(), 4, 0)?
///     .into_data()
///     .try_into_vec_as()
///     .unwrap();
/// assert!((diag[0] - 6.0).abs() < 1e-3 && (diag[1] + 2.0).abs() < 1e-3);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn hessian_diag_hutchinson<I, T, F>(
    mut loss: F,
    params: &Tree,
    inputs: &I,
    targets: &T,
    num_samples: usize,
    seed: u64,
) -> Result<Tensor<1>>
where
    F: FnMut(&Tree, &I, &T) -> Result<Tensor<1>>,
{
    const FUNCTION: &str = "hessian_diag_hutchinson";
    if num_samples == 0 {
        return Err(OptaxError::input(
            FUNCTION,
            "num_samples must be at least 1",
        ));
    }
    let n = params.numel();
    if n == 0 {
        return Err(OptaxError::input(FUNCTION, "params has no elements"));
    }
    let device = params.leaves()[0].device().inner();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut sum: Option<Tensor<1>> = None;
    for _ in 0..num_samples {
        let signs: Vec<f32> = (0..n)
            .map(|_| if rng.random::<bool>() { 1.0 } else { -1.0 })
            .collect();
        let z = Tensor::<1>::from_data(TensorData::new(signs, [n]), &device);
        let hz = hvp_named(FUNCTION, &mut loss, z.clone(), params, inputs, targets)?;
        let term = ravel(&hz)? * z;
        sum = Some(match sum {
            Some(s) => s + term,
            None => term,
        });
    }
    // num_samples ≥ 1, so `sum` is set.
    let sum = sum.ok_or_else(|| OptaxError::input(FUNCTION, "no samples"))?;
    Ok(sum.div_scalar(num_samples as f64))
}
