//! The random draws the estimators make, as values: with them the estimators are deterministic
//! functions, so a result can be reproduced, compared with Optax's on the same samples, and the
//! same samples shared between an estimator and its control variate.
//!
//! ```text
//! x = μ + σ·ε,  ε ~ N(0, I)                       every estimator
//! mean:  positive ~ Weibull(scale √2, shape 2)      measure-valued (Optax's weibull_min)
//!        negative  = positive (coupling) or an independent Weibull(√2, 2)
//! std:   positive ~ double-sided Maxwell(0, 1)
//!        negative  = U(0, 1)·positive (coupling) or N(0, 1)
//! ```

use burn::tensor::{Device, Tensor, TensorData};
use rand::Rng;
use rand_distr::StandardNormal;

use super::multi_normal::standard_normal;
use super::GradEstimator;

/// The draws of the measure-valued estimator besides `ε`, each `[num_samples, D]`: the
/// coordinate `d` of sample `i` is moved to `μ_d + σ_d·mean_positive` and
/// `μ_d - σ_d·mean_negative` for the mean's derivative, and to `μ_d + σ_d·std_positive` and
/// `μ_d + σ_d·std_negative` for the scale's.
#[derive(Clone, Debug)]
pub struct MeasureValuedDraws {
    /// Weibull(scale √2, concentration 2) draws.
    pub mean_positive: Tensor<2>,
    /// `mean_positive` itself with coupling, else independent Weibull(√2, 2) draws.
    pub mean_negative: Tensor<2>,
    /// Double-sided Maxwell(0, 1) draws.
    pub std_positive: Tensor<2>,
    /// `U(0, 1)·std_positive` with coupling, else standard-normal draws.
    pub std_negative: Tensor<2>,
}

/// Every draw an estimator makes: `normal` (`ε`, `[num_samples, D]`, the samples being
/// `x = μ + σ·ε`) and, for the measure-valued estimator, its [`MeasureValuedDraws`].
#[derive(Clone, Debug)]
pub struct Draws {
    /// Standard-normal draws `ε`, `[num_samples, D]`.
    pub normal: Tensor<2>,
    /// The measure-valued estimator's draws (needed by it only).
    pub measure_valued: Option<MeasureValuedDraws>,
}

fn from_vec(data: Vec<f32>, n: usize, d: usize, device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(data, [n, d]), device)
}

fn weibull<R: Rng + ?Sized>(rng: &mut R) -> f32 {
    // Inverse CDF of Weibull(scale √2, concentration 2): √2·(-ln(1 - u))^(1/2), u ~ U[0, 1).
    let u: f32 = rng.random();
    std::f32::consts::SQRT_2 * (-(1.0 - u).ln()).sqrt()
}

fn double_sided_maxwell<R: Rng + ?Sized>(rng: &mut R) -> f32 {
    // Maxwell(1) is the norm of three standard normals; a fair sign makes it double-sided.
    let r = (0..3)
        .map(|_| rng.sample::<f32, _>(StandardNormal).powi(2))
        .sum::<f32>()
        .sqrt();
    if rng.random::<bool>() {
        r
    } else {
        -r
    }
}

impl MeasureValuedDraws {
    /// Draws `[num_samples, dim]` of each kind from `rng` on `device`, coupled or not (Optax's
    /// `coupling`, default `true`: it reduces variance).
    pub fn sample<R: Rng + ?Sized>(
        num_samples: usize,
        dim: usize,
        coupling: bool,
        rng: &mut R,
        device: &Device,
    ) -> Self {
        let count = num_samples * dim;
        let mean_positive: Vec<f32> = (0..count).map(|_| weibull(rng)).collect();
        let mean_negative = if coupling {
            mean_positive.clone()
        } else {
            (0..count).map(|_| weibull(rng)).collect()
        };
        let std_positive: Vec<f32> = (0..count).map(|_| double_sided_maxwell(rng)).collect();
        let std_negative: Vec<f32> = if coupling {
            std_positive
                .iter()
                .map(|&m| rng.random::<f32>() * m)
                .collect()
        } else {
            (0..count)
                .map(|_| rng.sample::<f32, _>(StandardNormal))
                .collect()
        };
        let t = |v| from_vec(v, num_samples, dim, device);
        Self {
            mean_positive: t(mean_positive),
            mean_negative: t(mean_negative),
            std_positive: t(std_positive),
            std_negative: t(std_negative),
        }
    }
}

impl Draws {
    /// The draws `grad_estimator` makes for `num_samples` samples in `R^dim`: `ε`, and the
    /// measure-valued draws when it is [`GradEstimator::MeasureValued`].
    pub fn sample<R: Rng + ?Sized>(
        grad_estimator: GradEstimator,
        num_samples: usize,
        dim: usize,
        rng: &mut R,
        device: &Device,
    ) -> Self {
        let normal = standard_normal(num_samples, dim, rng, device);
        let measure_valued = match grad_estimator {
            GradEstimator::MeasureValued { coupling } => Some(MeasureValuedDraws::sample(
                num_samples,
                dim,
                coupling,
                rng,
                device,
            )),
            _ => None,
        };
        Self {
            normal,
            measure_valued,
        }
    }
}
