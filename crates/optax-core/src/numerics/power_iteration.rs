//! `power_iteration`: the dominant eigenvalue and eigenvector of a symmetric matrix, or of a
//! linear operator on trees.
//!
//! Mises & Pollaczek-Geiringer, *Praktische Verfahren der Gleichungsauflösung*, ZAMM 1929.
//!
//! ```text
//! v₀ ← v₀ / ‖v₀‖,  z₀ = A v₀,  λ₀ = 0
//! repeat while ‖z_k - λ_k v_k‖ / |λ_k| ≥ error_tolerance and k < num_iters:
//!     v_{k+1} = z_k / ‖z_k‖,  z_{k+1} = A v_{k+1},  λ_{k+1} = v_{k+1}·z_{k+1}
//! return λ, z / ‖z‖
//! ```
//!
//! The stopping test is read on the host after each iteration (Optax's `while_loop`).
//! Without `v0`, Optax draws `v0` uniform in `[-1, 1]` from a JAX key; JAX's generator cannot
//! be reproduced, so here `v0` is drawn uniform in `[-1, 1]` from `rand`'s `StdRng` seeded
//! with `key` (default 0): the eigenpair is the same up to the tolerance, the iteration count
//! may differ.

use std::sync::Arc;

use burn::tensor::{Tensor, TensorData};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::read1;
use crate::error::{OptaxError, Result};
use crate::tree::{self, NormOrd, Tree, TreeDef};

/// `optax.tree.scale(1 / optax.tree.norm(x), x)`.
fn normalize(x: &Tree) -> Tree {
    let inv = tree::norm(x, NormOrd::L2, false).recip();
    x.map(|t| t * inv.clone())
}

/// `optax.power_iteration(matrix, v0=v0, num_iters, error_tolerance)` with `matrix` a
/// function (a matrix-vector product on trees): returns `(eigenvalue, eigenvector)`, the
/// eigenvalue a one-element tensor. Optax's defaults are `num_iters=100`,
/// `error_tolerance=1e-6`.
///
/// # Errors
/// What `mvp` returns, or a tree mismatch if `mvp` changes the structure of its argument.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::numerics::power_iteration_fn;
/// use optax_core::Tree;
/// let device = Device::flex();
/// let v0 = Tree::builder()
///     .leaf("x", Tensor::<1>::from_floats([1.0, 1.0], &device))
///     .scalar("y", 1.0, &device)
///     .build()?;
/// // diag(1, 2, 3) as an operator.
/// let d = Tensor::<1>::from_floats([1.0, 2.0], &device);
/// let mvp = |v: &Tree| {
///     let l = v.leaves();
///     Tree::from_flat(v.def().clone(), vec![l[0].clone() * d.clone(), l[1].clone().mul_scalar(3.0)])
/// };
/// let (eig, _) = power_iteration_fn(mvp, &v0, 100, 1e-6)?;
/// assert!((eig.into_scalar::<f32>() - 3.0).abs() < 1e-4);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn power_iteration_fn(
    mvp: impl Fn(&Tree) -> Result<Tree>,
    v0: &Tree,
    num_iters: usize,
    error_tolerance: f64,
) -> Result<(Tensor<1>, Tree)> {
    let device = v0.device().unwrap_or_default();
    let mut v = normalize(v0);
    let mut z = mvp(&v)?;
    v.check_same_structure(&z)?;
    let mut eig = Tensor::<1>::zeros([1], &device);
    let mut iter = 0usize;
    loop {
        let residual = tree::sub(&z, &v.map(|t| t * eig.clone()))?;
        let residual_norm = read1(tree::norm(&residual, NormOrd::L2, false));
        let converged = (residual_norm / read1(eig.clone())).abs() < error_tolerance as f32;
        if converged || iter >= num_iters {
            break;
        }
        v = normalize(&z);
        z = mvp(&v)?;
        v.check_same_structure(&z)?;
        eig = tree::vdot(&v, &z)?;
        iter += 1;
    }
    Ok((eig, normalize(&z)))
}

/// `optax.power_iteration(matrix, v0=None, num_iters=100, error_tolerance=1e-6, key=None)`
/// with `matrix` a square matrix: returns `(eigenvalue, eigenvector)`. `v0` defaults to a
/// uniform draw in `[-1, 1]` from `key` (see the module documentation).
///
/// # Errors
/// [`OptaxError::InvalidInput`] for a matrix that is not square or a `v0` of the wrong length.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::numerics::power_iteration;
/// let device = Device::flex();
/// let a = Tensor::<2>::from_floats([[2.0, 0.0], [0.0, 1.0]], &device);
/// let (eig, v) = power_iteration(a, None, 100, 1e-6, None)?;
/// assert!((eig.into_scalar::<f32>() - 2.0).abs() < 1e-4);
/// # let _ = v;
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn power_iteration(
    matrix: Tensor<2>,
    v0: Option<Tensor<1>>,
    num_iters: usize,
    error_tolerance: f64,
    key: Option<u64>,
) -> Result<(Tensor<1>, Tensor<1>)> {
    let [rows, cols] = matrix.dims();
    if rows != cols {
        return Err(OptaxError::input(
            "power_iteration",
            format!("matrix must be square, found shape [{rows}, {cols}]"),
        ));
    }
    let device = matrix.device();
    let v0 = match v0 {
        Some(v) => {
            if v.dims() != [cols] {
                return Err(OptaxError::input(
                    "power_iteration",
                    format!("v0 has shape {:?}, expected [{cols}]", v.dims()),
                ));
            }
            v
        }
        None => {
            let mut rng = StdRng::seed_from_u64(key.unwrap_or(0));
            let values: Vec<f32> = (0..cols).map(|_| rng.random_range(-1.0f32..1.0)).collect();
            Tensor::from_data(TensorData::new(values, [cols]), &device)
        }
    };
    let def = Arc::new(TreeDef::new(vec!["v".into()], vec![vec![cols]])?);
    let v0 = Tree::from_flat(def.clone(), vec![v0])?;
    let mvp = |v: &Tree| {
        let x = v.leaves()[0].clone().reshape([cols, 1]);
        Tree::from_flat(def.clone(), vec![matrix.clone().matmul(x).reshape([cols])])
    };
    let (eig, vec) = power_iteration_fn(mvp, &v0, num_iters, error_tolerance)?;
    Ok((eig, vec.into_leaves().remove(0)))
}
