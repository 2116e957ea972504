//! `add_noise`: add annealed Gaussian noise to the updates.
//!
//! Neelakantan et al., *Adding Gradient Noise Improves Learning for Very Deep Networks*,
//! 2015 (<https://arxiv.org/abs/1511.06807>).
//!
//! ```text
//! σ_t² = eta / t^gamma            t = 1, 2, ... (the count after the increment)
//! u_t  = u_t + σ_t · ε_t,         ε_t ~ N(0, I)
//! ```
//!
//! ## Random numbers
//!
//! JAX's threefry PRNG cannot be reproduced bit for bit, so the noise differs from Optax's
//! sample for sample; its distribution is the same. The generator is deterministic and
//! documented: the state's `rng_key` is a 64-bit key (the `key` argument, or `0`). At each
//! update, `rand`'s `StdRng` (ChaCha12 in `rand` 0.9) seeded with `seed_from_u64(rng_key)`
//! yields two `u64`s: the next `rng_key` and a sample key, as `jax.random.split` does. A
//! `StdRng` seeded with the sample key then draws `rand_distr::StandardNormal` `f32`s for the
//! leaves in order, each leaf's elements in row-major order. The same key therefore gives
//! the same noise, on every device. The noise is drawn on the host and uploaded (no device
//! read-back).

use burn::tensor::{Tensor, TensorData};
use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};
use rand_distr::StandardNormal;

use crate::error::{OptaxError, Result};
use crate::hyper::{Hyper, Scalar};
use crate::setters::setters;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, Transform};
use crate::tree::Tree;

/// Gradient noise (`optax.add_noise`). State `AddNoiseState(count, rng_key)`, the key an
/// integer (see the module documentation).
#[derive(Clone, Debug)]
pub struct AddNoise {
    pub(crate) eta: Hyper,
    pub(crate) gamma: Hyper,
    pub(crate) key: Option<i64>,
    pub(crate) seed: Option<i64>,
}

/// `optax.add_noise(eta, gamma, key=None, *, seed=None)`.
pub fn add_noise(eta: impl Into<Hyper>, gamma: impl Into<Hyper>) -> AddNoise {
    AddNoise {
        eta: eta.into(),
        gamma: gamma.into(),
        key: None,
        seed: None,
    }
}

impl AddNoise {
    setters! {
        /// The random key (an integer; `None` is key 0, as Optax).
        key: Some(i64);

        /// Deprecated in Optax in favour of `key`; giving both is an error.
        seed: Some(i64);
    }

    fn initial_key(&self) -> i64 {
        self.key.or(self.seed).unwrap_or(0)
    }
}

/// `jax.random.split(key)`'s role: the next key and a key for this step's sample.
fn split(key: i64) -> (i64, u64) {
    let mut rng = StdRng::seed_from_u64(key as u64);
    (rng.next_u64() as i64, rng.next_u64())
}

fn add_noise_state(count: i64, rng_key: i64) -> State {
    State::record(
        "AddNoiseState",
        vec![
            ("count", State::Int(count)),
            ("rng_key", State::Int(rng_key)),
        ],
    )
}

impl Transform for AddNoise {
    fn init(&self, _params: &Tree) -> Result<State> {
        self.validate()?;
        Ok(add_noise_state(0, self.initial_key()))
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        _params: Option<&Tree>,
        _extra: &Extra,
    ) -> Result<(Tree, State)> {
        state.expect_record("AddNoiseState")?;
        let count = state.field("count")?.as_int()?;
        let rng_key = state.field("rng_key")?.as_int()?;
        let (eta, gamma) = (self.eta.scalar("eta")?, self.gamma.scalar("gamma")?);

        let count_inc = safe_increment(count);
        let standard_deviation = (eta / Scalar::Value(count_inc as f64).powf(gamma)).sqrt();
        let (rng_key, sample_key) = split(rng_key);
        let mut sampler = StdRng::seed_from_u64(sample_key);
        let updates = updates.into_map(|u| {
            let n = u.dims()[0];
            let values: Vec<f32> = (0..n).map(|_| sampler.sample(StandardNormal)).collect();
            let noise = Tensor::<1>::from_data(TensorData::new(values, [n]), &u.device());
            let noise = if noise.dtype() == u.dtype() {
                noise
            } else {
                noise.cast(u.dtype())
            };
            u + standard_deviation.mul_tensor(noise)
        });
        Ok((updates, add_noise_state(count_inc, rng_key)))
    }

    fn validate(&self) -> Result<()> {
        if self.key.is_some() && self.seed.is_some() {
            return Err(OptaxError::invalid(
                "seed",
                "only one of seed or key can be specified",
            ));
        }
        crate::transforms::check_nonneg(&self.eta, "eta")?;
        self.gamma.scalar("gamma")?;
        self.gamma.check("gamma", f64::is_finite, "must be finite")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Device;

    const N: usize = 100_000;

    fn zeros() -> Tree {
        let device = Device::flex();
        Tree::builder()
            .leaf("a", Tensor::<1>::zeros([N / 2], &device))
            .leaf("b", Tensor::<2>::zeros([N / 200, 100], &device))
            .build()
            .unwrap()
    }

    /// Mean and variance of the noise over all leaves match Optax's `N(0, eta / t^gamma)`.
    ///
    /// With N = 100 000 samples of variance σ², the sample mean has standard error σ/√N and
    /// the sample variance (normal data) σ²·√(2/(N-1)) ≈ 0.45 % of σ². Five standard errors
    /// (|mean| < 5σ/√N, |s²/σ² - 1| < 5·√(2/N) ≈ 2.2 %) fail a correct generator with
    /// probability below 1e-6 per check; a wrong annealing exponent (e.g. t vs t+1 at
    /// t = 1, a factor 2^0.55 ≈ 1.46 in variance) is far outside.
    #[test]
    fn noise_statistics_follow_the_annealing_formula() {
        let (eta, gamma) = (0.5, 0.55);
        let t = add_noise(eta, gamma).key(42);
        let mut s = t.init(&zeros()).unwrap();
        for step in 1..=3 {
            let (u, next) = t.update(zeros(), &s, None, &Extra::none()).unwrap();
            s = next;
            let v: Vec<f64> = u
                .to_vecs()
                .unwrap()
                .concat()
                .into_iter()
                .map(f64::from)
                .collect();
            assert_eq!(v.len(), N);
            let var = eta / (step as f64).powf(gamma);
            let mean = v.iter().sum::<f64>() / N as f64;
            let s2 = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (N - 1) as f64;
            assert!(
                mean.abs() < 5.0 * (var / N as f64).sqrt(),
                "step {step}: mean {mean}"
            );
            assert!(
                (s2 / var - 1.0).abs() < 5.0 * (2.0 / N as f64).sqrt(),
                "step {step}: var {s2} vs {var}"
            );
        }
        assert_eq!(s.field("count").unwrap().as_int().unwrap(), 3);
    }

    #[test]
    fn the_key_determines_the_noise() {
        let g = || {
            Tree::builder()
                .leaf("w", Tensor::<1>::zeros([8], &Device::flex()))
                .build()
                .unwrap()
        };
        let run = |t: AddNoise| {
            let s = t.init(&g()).unwrap();
            let (u1, s) = t.update(g(), &s, None, &Extra::none()).unwrap();
            let (u2, _) = t.update(g(), &s, None, &Extra::none()).unwrap();
            (u1.to_vecs().unwrap(), u2.to_vecs().unwrap())
        };
        let a = run(add_noise(0.01, 0.55).key(7));
        assert_eq!(a, run(add_noise(0.01, 0.55).key(7)));
        assert_eq!(a, run(add_noise(0.01, 0.55).seed(7)));
        assert_ne!(a, run(add_noise(0.01, 0.55).key(8)));
        assert_ne!(a.0, a.1, "each step draws fresh noise");
        assert_eq!(
            run(add_noise(0.01, 0.55)),
            run(add_noise(0.01, 0.55).key(0))
        );
    }

    #[test]
    fn invalid_arguments_are_errors() {
        let g = zeros();
        let bad = [
            add_noise(-0.1, 0.55),
            add_noise(0.1, f64::NAN),
            add_noise(0.1, 0.55).key(1).seed(1),
        ];
        for t in bad {
            assert!(matches!(
                t.init(&g),
                Err(OptaxError::InvalidHyperparameter { .. })
            ));
        }
    }
}
