//! The numerically safe building blocks the losses share, as JAX defines them
//! (`jax.nn.log_sigmoid`, `jax.nn.log_softmax`, `jax.nn.logsumexp`), in differentiable tensor
//! operations so that every loss has gradients on an autodiff device.

use burn::tensor::Tensor;

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

/// `jax.nn.log_softmax(x, axis)`: `(x - m) - log Σ exp(x - m)` with the maximum `m` detached.
pub(crate) fn log_softmax<const D: usize>(x: Tensor<D>, axis: usize) -> Tensor<D> {
    let max = x.clone().max_dim(axis).detach();
    let shifted = x.sub(max);
    let log_normalizer = shifted.clone().exp().sum_dim(axis).log();
    shifted.sub(log_normalizer)
}

/// `jax.nn.logsumexp(x, axis, keepdims=True)`: `log Σ exp(x - m) + m` with the maximum `m`
/// detached (0 where it is not finite).
pub(crate) fn logsumexp<const D: usize>(x: Tensor<D>, axis: usize) -> Tensor<D> {
    let max = x.clone().max_dim(axis).detach();
    let max = max.clone().mask_fill(max.is_finite().bool_not(), 0.0);
    x.sub(max.clone()).exp().sum_dim(axis).log().add(max)
}
