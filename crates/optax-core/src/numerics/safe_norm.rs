//! `safe_norm` and `safe_root_mean_squares`: norms whose gradient stays finite at zero.
//!
//! ```text
//! safe_norm(x, m)              = m        if ‖x‖ ≤ m,  else ‖x‖
//! safe_root_mean_squares(x, m) = m        if rms(x) ≤ m, else sqrt(mean(x²))
//! ```
//!
//! Where the value is clamped, the norm is taken of a tensor of ones instead of `x` (Optax's
//! `jnp.where` trick), so the gradient at `x = 0` is zero rather than NaN; on an autodiff
//! device the Rust functions have the same gradients.

use burn::tensor::Tensor;

use crate::error::{OptaxError, Result};
use crate::tree::NormOrd;

/// The norm of `x` of order `ord` over `axes`, the reduced axes kept with size 1.
fn norm_keepdims<const D: usize>(x: Tensor<D>, ord: NormOrd, axes: &[usize]) -> Tensor<D> {
    let mut t = match ord {
        NormOrd::L2 => x.clone() * x,
        NormOrd::L1 | NormOrd::Inf => x.abs(),
    };
    for &a in axes {
        t = match ord {
            NormOrd::Inf => t.max_dim(a),
            _ => t.sum_dim(a),
        };
    }
    match ord {
        NormOrd::L2 => t.sqrt(),
        _ => t,
    }
}

/// `optax.safe_norm(x, min_norm, ord=None, axis=None, keepdims=False)`: the norm of `x`, or
/// `min_norm` where that norm is `≤ min_norm`, with a gradient that is zero (not NaN) there.
///
/// `ord`: [`NormOrd::L2`] is Optax's `ord=None` (the Euclidean norm of a vector, Frobenius of
/// a matrix), [`NormOrd::L1`] and [`NormOrd::Inf`] are vector norms and need exactly one
/// reduced axis (or a rank-1 `x`). `axis`: `None` reduces every axis.
///
/// The result keeps the reduced axes with size 1 (Optax's `keepdims=True`): in Rust the rank
/// is part of the type, so Optax's default `keepdims=False` shape is this result's
/// `squeeze_dims` over `axis`, with the same values.
///
/// # Errors
/// [`OptaxError::InvalidInput`] for an axis out of range or repeated, or an `L1`/`Inf` norm
/// over other than one axis (a matrix norm, which Optax computes differently).
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::numerics::safe_norm;
/// use optax_core::tree::NormOrd;
/// let device = Device::flex();
/// let x = Tensor::<2>::from_floats([[3.0, 4.0], [0.0, 0.0]], &device);
/// let n = safe_norm(x, 1e-3, NormOrd::L2, Some(&[1]))?;
/// assert_eq!(n.into_data().to_vec::<f32>().unwrap(), vec![5.0, 1e-3]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn safe_norm<const D: usize>(
    x: Tensor<D>,
    min_norm: f64,
    ord: NormOrd,
    axis: Option<&[usize]>,
) -> Result<Tensor<D>> {
    let axes: Vec<usize> = match axis {
        Some(a) => a.to_vec(),
        None => (0..D).collect(),
    };
    for (i, &a) in axes.iter().enumerate() {
        if a >= D {
            return Err(OptaxError::input(
                "safe_norm",
                format!("axis {a} is out of range for rank {D}"),
            ));
        }
        if axes[..i].contains(&a) {
            return Err(OptaxError::input(
                "safe_norm",
                format!("axis {a} is repeated"),
            ));
        }
    }
    if ord != NormOrd::L2 && axes.len() != 1 {
        return Err(OptaxError::input(
            "safe_norm",
            format!(
                "ord {ord:?} is a vector norm and needs one axis, found {}",
                axes.len()
            ),
        ));
    }
    let dims = x.dims();
    let norm = norm_keepdims(x.clone(), ord, &axes);
    let small = norm.lower_equal_elem(min_norm);
    let masked = x
        .clone()
        .mask_where(small.clone().expand(dims), x.ones_like());
    let masked_norm = norm_keepdims(masked, ord, &axes);
    Ok(masked_norm.mask_fill(small, min_norm))
}

/// `optax.safe_root_mean_squares(x, min_rms)`: `sqrt(mean(x²))` over every element, or
/// `min_rms` where it is `≤ min_rms` (with a zero gradient there), as a one-element tensor.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::numerics::safe_root_mean_squares;
/// let device = Device::flex();
/// let rms = safe_root_mean_squares(Tensor::<1>::from_floats([1.0, 7.0], &device), 0.1);
/// assert_eq!(rms.into_scalar::<f32>(), 5.0);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn safe_root_mean_squares<const D: usize>(x: Tensor<D>, min_rms: f64) -> Tensor<1> {
    let n: usize = x.dims().iter().product();
    let x = x.reshape([n]);
    let rms = (x.clone() * x.clone()).mean().sqrt();
    let small = rms.clone().lower_equal_elem(min_rms);
    let masked = x
        .clone()
        .mask_where(small.clone().expand([n]), x.ones_like());
    let masked_rms = (masked.clone() * masked).mean().sqrt();
    masked_rms.mask_fill(small, min_rms)
}
