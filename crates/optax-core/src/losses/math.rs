//! The numerically safe building blocks the losses share, as JAX defines them
//! (`jax.nn.log_sigmoid`, `jax.nn.log_softmax`, `jax.nn.logsumexp`, `jax.nn.softmax`), in
//! differentiable tensor operations so that every loss has gradients on an autodiff device.
//!
//! The `where` forms take a mask of the input's shape (`true` = included) and follow JAX's
//! `where=` exactly: masked entries take no part in the maximum or the sum, their outputs are
//! JAX's (`-inf` for `log_softmax`, `0` for `softmax`), and they get a zero gradient. The
//! masking is done with `mask_fill`, whose backward pass zeroes the masked entries, so a masked
//! entry never turns a gradient into NaN.

use burn::tensor::{Bool, Tensor};

/// `jax.nn.log_sigmoid(x) = -softplus(-x)` with `softplus(y) = max(y, 0) + log1p(exp(-|y|))`,
/// exact for large `|x|`. The branches are chosen with masks so that the gradient is
/// `1 - σ(x)` everywhere, `x = 0` included.
pub(crate) fn log_sigmoid<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    let nonneg = x.clone().greater_equal_elem(0.0);
    let neg = x.clone().neg();
    let abs = neg.clone().mask_where(nonneg.clone(), x);
    let relu_neg = neg.mask_fill(nonneg, 0.0);
    relu_neg.add(abs.neg().exp().log1p()).neg()
}

/// `jax.nn.log_softmax(x, axis, where)`: `(x - m) - log Σ exp(x - m)` with the maximum `m`
/// detached; with a mask, masked entries are `-inf` in the input of the maximum and the sum
/// and `-inf` in the output.
pub(crate) fn log_softmax<const D: usize>(
    x: Tensor<D>,
    axis: usize,
    where_: Option<Tensor<D, Bool>>,
) -> Tensor<D> {
    let masked = where_.map(Tensor::bool_not);
    let x = match &masked {
        Some(m) => x.mask_fill(m.clone(), f32::NEG_INFINITY),
        None => x,
    };
    let max = x.clone().max_dim(axis).detach();
    let shifted = x.sub(max);
    let exp = shifted.clone().exp();
    let exp = match &masked {
        Some(m) => exp.mask_fill(m.clone(), 0.0),
        None => exp,
    };
    let out = shifted.sub(exp.sum_dim(axis).log());
    match masked {
        Some(m) => out.mask_fill(m, f32::NEG_INFINITY),
        None => out,
    }
}

/// `jax.nn.softmax(x, axis, where)`: `exp(x - m) / Σ exp(x - m)` with the maximum `m` detached
/// (the softmax does not depend on it); masked entries are 0.
pub(crate) fn softmax<const D: usize>(
    x: Tensor<D>,
    axis: usize,
    where_: Option<Tensor<D, Bool>>,
) -> Tensor<D> {
    let masked = where_.map(Tensor::bool_not);
    let x = match &masked {
        Some(m) => x.mask_fill(m.clone(), f32::NEG_INFINITY),
        None => x,
    };
    let max = x.clone().max_dim(axis).detach();
    let unnormalized = x.sub(max).exp();
    let unnormalized = match &masked {
        Some(m) => unnormalized.mask_fill(m.clone(), 0.0),
        None => unnormalized,
    };
    let out = unnormalized.clone().div(unnormalized.sum_dim(axis));
    match masked {
        Some(m) => out.mask_fill(m, 0.0),
        None => out,
    }
}

/// `jax.nn.logsumexp(x, axis, keepdims=True, where=where)`: `log Σ exp(x - m) + m` with the
/// maximum `m` detached (0 where it is not finite). With a mask, masked entries are set to 0
/// and left out of the maximum and the sum (a fully masked slice gives `-inf`).
pub(crate) fn logsumexp<const D: usize>(
    x: Tensor<D>,
    axis: usize,
    where_: Option<Tensor<D, Bool>>,
) -> Tensor<D> {
    let masked = where_.map(Tensor::bool_not);
    let (x, max) = match &masked {
        Some(m) => {
            let x = x.mask_fill(m.clone(), 0.0);
            let max = x
                .clone()
                .mask_fill(m.clone(), f32::NEG_INFINITY)
                .max_dim(axis);
            (x, max)
        }
        None => (x.clone(), x.max_dim(axis)),
    };
    let max = max.detach();
    let max = max.clone().mask_fill(max.is_finite().bool_not(), 0.0);
    let exp = x.sub(max.clone()).exp();
    let exp = match masked {
        Some(m) => exp.mask_fill(m, 0.0),
        None => exp,
    };
    exp.sum_dim(axis).log().add(max)
}
