//! Differentially private gradient aggregation (`optax.contrib.differentially_private_aggregate`)
//! and the DP-SGD optimizer (`optax.contrib.dpsgd`).
//!
//! Abadi et al., *Deep Learning with Differential Privacy*, CCS 2016
//! (<https://arxiv.org/abs/1607.00133>).
//!
//! ```text
//! per-example gradients g_b (the batch on the first axis of every leaf), B examples:
//! ḡ   = Σ_b g_b · min(C / ‖g_b‖, 1)            (per_example_global_norm_clip, C = l2_norm_clip)
//! u   = (ḡ + σ C · ε) / B,   ε ~ N(0, I)        (σ = noise_multiplier)
//! dpsgd = chain(differentially_private_aggregate, trace(momentum, nesterov) if momentum,
//!               scale_by_learning_rate(learning_rate))
//! ```
//!
//! The updates returned have the leaves without their batch axis (the parameters' shapes), so
//! this must come first in a chain, as in Optax.
//!
//! ## Random numbers
//!
//! JAX's threefry PRNG cannot be reproduced bit for bit, so the noise differs from Optax's
//! sample for sample; its distribution is the same. The generator is the one of
//! [`add_noise`](crate::transforms::add_noise): the state's `rng_key` is a 64-bit integer
//! (the `key` or `seed` argument, default 0); at each update `rand`'s `StdRng` seeded with
//! `seed_from_u64(rng_key)` yields the next `rng_key`, then one sample key per leaf; a
//! `StdRng` seeded with a leaf's sample key draws that leaf's `StandardNormal` `f32`s in
//! row-major order. With `noise_multiplier = 0` the result is Optax's exactly (the golden
//! tests use that); the noise itself is tested for its mean and standard deviation.

use burn::tensor::{Tensor, TensorData};
use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};
use rand_distr::StandardNormal;

use crate::alias::built::{alias_setters, alias_transform, Built};
use crate::chain;
use crate::error::{OptaxError, Result};
use crate::hyper::Hyper;
use crate::setters::setters;
use crate::state::State;
use crate::transform::{Extra, GradientTransformation, Transform};
use crate::transforms::{identity, per_example_global_norm_clip, scale_by_learning_rate, trace};
use crate::tree::Tree;

/// Differentially private aggregation (`optax.contrib.differentially_private_aggregate`).
/// State `DifferentiallyPrivateAggregateState(rng_key)`, the key an integer (see the module
/// documentation).
#[derive(Clone, Debug)]
pub struct DifferentiallyPrivateAggregate {
    pub(crate) l2_norm_clip: f64,
    pub(crate) noise_multiplier: f64,
    pub(crate) key: Option<i64>,
    pub(crate) seed: Option<i64>,
}

/// `optax.contrib.differentially_private_aggregate(l2_norm_clip, noise_multiplier, key=None,
/// *, seed=None)`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::contrib::differentially_private_aggregate;
/// use optax_core::prelude::*;
/// let device = Device::flex();
/// let params = Tree::builder()
///     .leaf("w", Tensor::<1>::zeros([3], &device))
///     .scalar("b", 0.0, &device)
///     .build()?;
/// // Two examples: the batch is the first axis of every leaf.
/// let per_example = Tree::builder()
///     .leaf("w", Tensor::<2>::from_floats([[3.0, 4.0, 0.0], [0.0, 0.0, 1.0]], &device))
///     .leaf("b", Tensor::<1>::from_floats([0.0, 0.0], &device))
///     .build()?;
/// let dp = differentially_private_aggregate(1.0, 0.0).key(0);
/// let state = dp.init(&params)?;
/// let (u, _) = dp.update(per_example, &state, None, &Extra::none())?;
/// assert_eq!(u.to_vecs()?, vec![vec![0.3, 0.4, 0.5], vec![0.0]]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn differentially_private_aggregate(
    l2_norm_clip: f64,
    noise_multiplier: f64,
) -> DifferentiallyPrivateAggregate {
    DifferentiallyPrivateAggregate {
        l2_norm_clip,
        noise_multiplier,
        key: None,
        seed: None,
    }
}

impl DifferentiallyPrivateAggregate {
    setters! {
        /// The random key (an integer; `None` is key 0, as Optax).
        key: Some(i64);

        /// Deprecated in Optax in favour of `key`; giving both is an error.
        seed: Some(i64);
    }
}

fn dp_state(rng_key: i64) -> State {
    State::record(
        "DifferentiallyPrivateAggregateState",
        vec![("rng_key", State::Int(rng_key))],
    )
}

impl Transform for DifferentiallyPrivateAggregate {
    fn init(&self, _params: &Tree) -> Result<State> {
        self.validate()?;
        Ok(dp_state(self.key.or(self.seed).unwrap_or(0)))
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        _params: Option<&Tree>,
        _extra: &Extra,
    ) -> Result<(Tree, State)> {
        state.expect_record("DifferentiallyPrivateAggregateState")?;
        let rng_key = state.field("rng_key")?.as_int()?;
        let bsize = match updates.shapes().first() {
            Some(s) if !s.is_empty() => s[0],
            _ => {
                return Err(OptaxError::input(
                    "differentially_private_aggregate",
                    "expects per-example gradients: a batch dimension in the 0th axis",
                ))
            }
        };
        let (clipped, _) = per_example_global_norm_clip(&updates, self.l2_norm_clip)?;
        // `l2_norm_clip * noise_multiplier` as Python floats, then float32.
        let noise_std = self.l2_norm_clip * self.noise_multiplier;
        let mut rng = StdRng::seed_from_u64(rng_key as u64);
        let new_key = rng.next_u64() as i64;
        let leaf_keys: Vec<u64> = (0..clipped.len()).map(|_| rng.next_u64()).collect();
        let mut i = 0;
        let noised = clipped.into_map(|g| {
            let n = g.dims()[0];
            let mut sampler = StdRng::seed_from_u64(leaf_keys[i]);
            i += 1;
            let values: Vec<f32> = (0..n).map(|_| sampler.sample(StandardNormal)).collect();
            let noise = Tensor::<1>::from_data(TensorData::new(values, [n]), &g.device());
            (g + noise.mul_scalar(noise_std)).div_scalar(bsize as f64)
        });
        Ok((noised, dp_state(new_key)))
    }

    fn validate(&self) -> Result<()> {
        if self.key.is_some() && self.seed.is_some() {
            return Err(OptaxError::invalid(
                "seed",
                "only one of seed or key can be specified",
            ));
        }
        if self.l2_norm_clip.is_nan() {
            return Err(OptaxError::invalid("l2_norm_clip", "must not be NaN"));
        }
        if !(self.noise_multiplier >= 0.0 && self.noise_multiplier.is_finite()) {
            return Err(OptaxError::invalid(
                "noise_multiplier",
                "must be a finite number >= 0",
            ));
        }
        Ok(())
    }
}

/// The DP-SGD optimizer (`optax.contrib.dpsgd`): `chain(differentially_private_aggregate(
/// l2_norm_clip, noise_multiplier, seed=seed), trace(momentum, nesterov) or identity,
/// scale_by_learning_rate(learning_rate))`.
#[derive(Clone, Debug)]
pub struct Dpsgd {
    pub(crate) learning_rate: Hyper,
    pub(crate) l2_norm_clip: f64,
    pub(crate) noise_multiplier: f64,
    pub(crate) seed: i64,
    pub(crate) momentum: Option<Hyper>,
    pub(crate) nesterov: bool,
    built: Built,
}

/// `optax.contrib.dpsgd(learning_rate, l2_norm_clip, noise_multiplier, seed, momentum=None,
/// nesterov=False)`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::contrib::dpsgd;
/// use optax_core::prelude::*;
/// let device = Device::flex();
/// let params = Tree::builder()
///     .leaf("w", Tensor::<1>::zeros([2], &device))
///     .leaf("m", Tensor::<2>::zeros([1, 2], &device))
///     .scalar("b", 0.0, &device)
///     .build()?;
/// let per_example = Tree::builder()
///     .leaf("w", Tensor::<2>::ones([4, 2], &device))
///     .leaf("m", Tensor::<3>::ones([4, 1, 2], &device))
///     .leaf("b", Tensor::<1>::ones([4], &device))
///     .build()?;
/// let opt = dpsgd(0.1, 1.0, 0.5, 7).momentum(0.9);
/// let state = opt.init(&params)?;
/// let (u, _) = opt.update(per_example, &state, Some(&params), &Extra::none())?;
/// assert_eq!(u.shapes(), params.shapes());
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn dpsgd(
    learning_rate: impl Into<Hyper>,
    l2_norm_clip: f64,
    noise_multiplier: f64,
    seed: i64,
) -> Dpsgd {
    Dpsgd {
        learning_rate: learning_rate.into(),
        l2_norm_clip,
        noise_multiplier,
        seed,
        momentum: None,
        nesterov: false,
        built: Built::default(),
    }
}

impl Dpsgd {
    alias_setters! {
        /// Decay of the momentum (`None`: no momentum).
        momentum: Some(impl Into<Hyper>);

        /// Whether the momentum is Nesterov's.
        nesterov: bool;
    }

    /// The chain this alias stands for.
    pub fn build(&self) -> GradientTransformation {
        let aggregate = differentially_private_aggregate(self.l2_norm_clip, self.noise_multiplier)
            .seed(self.seed);
        let momentum = match &self.momentum {
            Some(decay) => {
                GradientTransformation::new(trace(decay.clone()).nesterov(self.nesterov))
            }
            None => GradientTransformation::new(identity()),
        };
        GradientTransformation::new(chain![
            aggregate,
            momentum,
            scale_by_learning_rate(self.learning_rate.clone())
        ])
    }

    fn check(&self) -> Result<()> {
        Ok(())
    }
}

alias_transform!(Dpsgd);
