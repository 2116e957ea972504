//! `optax.utils.multi_normal` (Optax 0.2.6): a Gaussian with diagonal covariance, parameterized
//! by its mean and the logarithm of its standard deviations.
//!
//! ```text
//! scale          = exp(log_scale)
//! sample         = ε · scale + loc,                         ε ~ N(0, I)
//! log_prob(x)    = Σ_d -(log(2π·scale_d²) + (x_d - loc_d)² / scale_d²) / 2
//! ```

use burn::tensor::{Tensor, TensorData};
use rand::Rng;
use rand_distr::StandardNormal;

use crate::{OptaxError, Result};

/// The distribution [`multi_normal`] builds: Optax's `MultiNormalDiagFromLogScale`.
///
/// Its parameters are `[rows, D]`: one row is one distribution over `R^D` (Optax's `[D]`
/// parameters), and `num_samples` rows are one distribution per sample (how the estimators get
/// each sample's jacobian row from one backward pass). Burn cannot name the rank of
/// `(num_samples,) + param_shape` for a generic rank, so samples are always `[num_samples, D]`.
#[derive(Clone, Debug)]
pub struct MultiNormalDiagFromLogScale {
    loc: Tensor<2>,
    log_scale: Tensor<2>,
    scale: Tensor<2>,
}

/// `optax.utils.multi_normal(loc, log_scale)`: the Gaussian `N(loc, diag(exp(log_scale)²))`.
///
/// `loc` and `log_scale` are `[rows, D]` (a `[D]` parameter of Optax's is `[1, D]` here; see
/// [`MultiNormalDiagFromLogScale`]). Every `log_scale` is valid: the scale `exp(log_scale)` is
/// positive by construction. This is the `dist_builder` the estimators take.
///
/// ```text
/// sample = ε · exp(log_scale) + loc,   ε ~ N(0, I)
/// ```
///
/// # Errors
/// [`OptaxError::InvalidInput`] if `loc` and `log_scale` have different shapes or are empty.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::monte_carlo::multi_normal;
/// let device = Device::flex();
/// let dist = multi_normal(
///     Tensor::<2>::from_floats([[1.0, -1.0]], &device),
///     Tensor::<2>::from_floats([[0.0, 0.0]], &device),
/// )?;
/// // The density of N(0, 1) at its mean, twice: 2·(-log(2π)/2).
/// let lp: f32 = dist.log_prob(Tensor::<2>::from_floats([[1.0, -1.0]], &device))?.into_scalar();
/// assert!((lp + (2.0 * std::f32::consts::PI).ln()).abs() < 1e-6);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn multi_normal(loc: Tensor<2>, log_scale: Tensor<2>) -> Result<MultiNormalDiagFromLogScale> {
    let (l, s) = (loc.dims(), log_scale.dims());
    if l != s {
        return Err(OptaxError::input(
            "multi_normal",
            format!("log_scale has shape {s:?}, loc has shape {l:?}; they must be equal"),
        ));
    }
    if l[0] == 0 || l[1] == 0 {
        return Err(OptaxError::input(
            "multi_normal",
            format!("loc has shape {l:?}; it must not be empty"),
        ));
    }
    let scale = log_scale.clone().exp();
    Ok(MultiNormalDiagFromLogScale {
        loc,
        log_scale,
        scale,
    })
}

/// `[num_samples, dim]` standard-normal `f32` draws from `rng`, row by row.
pub(crate) fn standard_normal<R: Rng + ?Sized>(
    num_samples: usize,
    dim: usize,
    rng: &mut R,
    device: &burn::tensor::Device,
) -> Tensor<2> {
    let data: Vec<f32> = (0..num_samples * dim)
        .map(|_| rng.sample::<f32, _>(StandardNormal))
        .collect();
    Tensor::from_data(TensorData::new(data, [num_samples, dim]), device)
}

impl MultiNormalDiagFromLogScale {
    /// The dimension `D`.
    pub fn dim(&self) -> usize {
        self.loc.dims()[1]
    }

    /// Optax's `sample(shape, key)` for `shape = (num_samples,)`: `[num_samples, D]` samples
    /// `ε · scale + loc` with `ε` drawn from `key` (Optax's key is a `rand` generator here).
    ///
    /// # Errors
    /// [`OptaxError::InvalidInput`] if `num_samples` is 0, or the distribution has several rows
    /// and `num_samples` is not their number.
    pub fn sample<R: Rng + ?Sized>(&self, num_samples: usize, key: &mut R) -> Result<Tensor<2>> {
        let normal = standard_normal(num_samples, self.dim(), key, &self.loc.device().inner());
        self.sample_from_normal(normal)
    }

    /// The samples for explicit standard-normal draws `normal` (`[num_samples, D]`):
    /// `normal · scale + loc`, differentiable in the parameters (the reparameterization the
    /// pathwise estimator differentiates).
    ///
    /// # Errors
    /// [`OptaxError::InvalidInput`] if `normal` is not `[num_samples, D]` with `num_samples`
    /// matching the distribution's rows (or the distribution having one row).
    pub fn sample_from_normal(&self, normal: Tensor<2>) -> Result<Tensor<2>> {
        self.check("sample", "normal", &normal)?;
        Ok(normal.mul(self.scale.clone()).add(self.loc.clone()))
    }

    /// Optax's `log_prob(x)`: the log-density of each row of `x` (`[num_samples, D]` to
    /// `[num_samples]`), summed over the `D` coordinates.
    ///
    /// # Errors
    /// [`OptaxError::InvalidInput`] as for [`sample_from_normal`](Self::sample_from_normal).
    pub fn log_prob(&self, x: Tensor<2>) -> Result<Tensor<1>> {
        let n = self.check("log_prob", "x", &x)?;
        let scale_sqrd = self.scale.clone().square();
        let log_normalizer = scale_sqrd
            .clone()
            .mul_scalar(2.0 * std::f64::consts::PI)
            .log();
        let quadratic = x.sub(self.loc.clone()).square().div(scale_sqrd);
        Ok(log_normalizer
            .add(quadratic)
            .div_scalar(-2.0)
            .sum_dim(1)
            .reshape([n]))
    }

    /// Optax's `log_scale` property: `[rows, D]`.
    pub fn log_scale(&self) -> Tensor<2> {
        self.log_scale.clone()
    }

    /// Optax's `params` property: `[loc, log_scale]`, each `[rows, D]`.
    pub fn params(&self) -> [Tensor<2>; 2] {
        [self.loc.clone(), self.log_scale.clone()]
    }

    fn check(&self, function: &str, name: &str, x: &Tensor<2>) -> Result<usize> {
        let [rows, d] = self.loc.dims();
        let [n, dx] = x.dims();
        if dx != d || n == 0 || (rows != 1 && rows != n) {
            let want = if rows == 1 {
                format!("[num_samples >= 1, {d}]")
            } else {
                format!("[{rows}, {d}]")
            };
            return Err(OptaxError::input(
                &format!("MultiNormalDiagFromLogScale.{function}"),
                format!("{name} has shape {:?}; it must be {want}", [n, dx]),
            ));
        }
        Ok(n)
    }
}
