//! The four splits of a classification dataset, as learned_optimization's image tasks hold
//! them (train / inner_valid / outer_valid / test, all in memory).

use std::sync::Arc;

use burn::tensor::Device;
use optax_core::Result;
use rand::rngs::StdRng;
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};

use super::batches::{Batches, Datasets, Split};

/// A classification dataset's four splits.
#[derive(Clone, Debug)]
pub struct ClassificationData {
    /// What the data is (for names and messages).
    pub name: String,
    /// Training examples.
    pub train: Arc<Split>,
    /// Validation examples for the inner problem.
    pub inner_valid: Arc<Split>,
    /// Validation examples for the meta-objective.
    pub outer_valid: Arc<Split>,
    /// Held-out examples.
    pub test: Arc<Split>,
}

impl ClassificationData {
    /// Batch streams over the four splits, each shuffled from its own seed derived from
    /// `seed`, on `device`.
    pub fn datasets(&self, batch_size: usize, seed: u64, device: &Device) -> Result<Datasets> {
        let stream = |split: &Arc<Split>, k: u64| {
            Batches::new(
                split.clone(),
                batch_size,
                seed.wrapping_mul(4).wrapping_add(k),
                device,
            )
        };
        Ok(Datasets {
            train: stream(&self.train, 0)?,
            inner_valid: stream(&self.inner_valid, 1)?,
            outer_valid: stream(&self.outer_valid, 2)?,
            test: stream(&self.test, 3)?,
        })
    }

    /// Features per example.
    pub fn dim(&self) -> usize {
        self.train.dim()
    }

    /// A small learnable stand-in for tests and examples without the real data: `classes`
    /// Gaussian clusters in `[0, 1]^dim` (class means drawn once from `seed`, unit-scaled
    /// noise of 0.15), `n` examples per split.
    pub fn synthetic(n: usize, dim: usize, classes: usize, seed: u64) -> Result<Self> {
        let mut rng = StdRng::seed_from_u64(seed);
        let means: Vec<f32> = (0..classes * dim)
            .map(|_| rand::Rng::random::<f32>(&mut rng))
            .collect();
        let mut split = |k: usize| -> Result<Arc<Split>> {
            let mut features = Vec::with_capacity(n * dim);
            let mut labels = Vec::with_capacity(n);
            for i in 0..n {
                let label = (i + k) % classes;
                labels.push(label as u8);
                for d in 0..dim {
                    let noise: f32 = StandardNormal.sample(&mut rng);
                    features.push((means[label * dim + d] + 0.15 * noise).clamp(0.0, 1.0));
                }
            }
            Ok(Arc::new(Split::new(features, labels, dim, classes)?))
        };
        Ok(Self {
            name: format!("synthetic{classes}x{dim}"),
            train: split(0)?,
            inner_valid: split(1)?,
            outer_valid: split(2)?,
            test: split(3)?,
        })
    }
}
