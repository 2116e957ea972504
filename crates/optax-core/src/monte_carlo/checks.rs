//! Input checks shared by the estimators: an argument they cannot take is an
//! [`OptaxError::InvalidInput`] naming the function, returned before any tensor operation runs.

use burn::tensor::Tensor;

use crate::{OptaxError, Result};

/// The Gaussian's `params = (mean, log_scale)`: two non-empty vectors of one length `D`.
/// Returns `(mean, log_scale, D)`.
pub(crate) fn gaussian_params(
    function: &str,
    params: &[Tensor<1>],
) -> Result<(Tensor<1>, Tensor<1>, usize)> {
    let [mean, log_scale] = params else {
        return Err(OptaxError::input(
            function,
            format!(
                "params must be the Gaussian's two tensors (mean, log_scale), got {}",
                params.len()
            ),
        ));
    };
    let (m, s) = (mean.dims(), log_scale.dims());
    if m != s {
        return Err(OptaxError::input(
            function,
            format!("log_scale has shape {s:?}, mean has shape {m:?}; they must be equal"),
        ));
    }
    if m[0] == 0 {
        return Err(OptaxError::input(function, "the parameters are empty"));
    }
    Ok((mean.clone(), log_scale.clone(), m[0]))
}

/// `num_samples` must be at least 1.
pub(crate) fn num_samples(function: &str, num_samples: usize) -> Result<()> {
    if num_samples == 0 {
        Err(OptaxError::input(
            function,
            "num_samples must be at least 1",
        ))
    } else {
        Ok(())
    }
}

/// A tensor of draws must be `[num_samples, D]` with `num_samples >= 1`. Returns `num_samples`.
pub(crate) fn draws(function: &str, name: &str, t: &Tensor<2>, dim: usize) -> Result<usize> {
    let [n, d] = t.dims();
    if d != dim {
        return Err(OptaxError::input(
            function,
            format!(
                "{name} has shape {:?}; it must be [num_samples, {dim}]",
                [n, d]
            ),
        ));
    }
    num_samples(function, n)?;
    Ok(n)
}

/// A value of `function` on `n` samples must have shape `[n]`.
pub(crate) fn values(function: &str, what: &str, t: &Tensor<1>, n: usize) -> Result<()> {
    let [m] = t.dims();
    if m == n {
        Ok(())
    } else {
        Err(OptaxError::input(
            function,
            format!("{what} returned {m} values for {n} samples; it must return one per sample"),
        ))
    }
}

/// `params` tiled to `[num_samples, D]` leaves on the autodiff device: row `i` is sample `i`'s
/// copy, so one backward pass of the sum over samples gives every sample's jacobian row.
pub(crate) fn per_sample_leaves(params: &[Tensor<1>], num_samples: usize) -> Vec<Tensor<2>> {
    params
        .iter()
        .map(|p| {
            p.clone()
                .inner()
                .unsqueeze::<2>()
                .repeat_dim(0, num_samples)
                .autodiff()
                .require_grad()
        })
        .collect()
}

/// `params` as `[D]` leaves on the autodiff device.
pub(crate) fn leaves(params: &[Tensor<1>]) -> Vec<Tensor<1>> {
    params
        .iter()
        .map(|p| p.clone().inner().autodiff().require_grad())
        .collect()
}

/// The gradient of each leaf after `value.backward()` (zeros where `value` does not depend on
/// it, and for all of them when `value` depends on none).
pub(crate) fn gradients<const D: usize>(value: Tensor<1>, leaves: &[Tensor<D>]) -> Vec<Tensor<D>> {
    let zeros = |l: &Tensor<D>| Tensor::<D>::zeros(l.dims(), &l.device().inner());
    if !value.is_tracked() {
        return leaves.iter().map(zeros).collect();
    }
    let grads = value.sum().backward();
    leaves
        .iter()
        .map(|l| l.grad(&grads).unwrap_or_else(|| zeros(l)))
        .collect()
}
