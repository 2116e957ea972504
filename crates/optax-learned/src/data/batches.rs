//! Labelled examples in memory and the infinite, reshuffled batch streams that tasks read
//! (learned_optimization's `preload_tfds_image_classification_datasets`: each epoch a new
//! permutation, the last partial batch dropped, never-ending).

use std::sync::Arc;

use burn::tensor::{Device, Tensor, TensorData};
use optax_core::{OptaxError, Result};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

/// A split of a classification dataset in host memory: `len` examples of `dim` features
/// each, and their labels in `0..classes`.
#[derive(Clone, Debug)]
pub struct Split {
    features: Vec<f32>,
    labels: Vec<u8>,
    dim: usize,
    classes: usize,
}

impl Split {
    /// A split from row-major `features` (`labels.len()` rows of `dim`) and `labels`.
    pub fn new(features: Vec<f32>, labels: Vec<u8>, dim: usize, classes: usize) -> Result<Self> {
        if dim == 0 || features.len() != labels.len() * dim {
            return Err(OptaxError::invalid(
                "features",
                format!(
                    "{} values for {} examples of {dim} features",
                    features.len(),
                    labels.len()
                ),
            ));
        }
        if let Some(&bad) = labels.iter().find(|&&l| l as usize >= classes) {
            return Err(OptaxError::invalid(
                "labels",
                format!("label {bad} outside 0..{classes}"),
            ));
        }
        Ok(Self {
            features,
            labels,
            dim,
            classes,
        })
    }

    /// The number of examples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the split has no examples.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Features per example.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// The examples `range` as a split of their own (the train / valid split of one file).
    pub fn slice(&self, range: std::ops::Range<usize>) -> Self {
        Self {
            features: self.features[range.start * self.dim..range.end * self.dim].to_vec(),
            labels: self.labels[range].to_vec(),
            dim: self.dim,
            classes: self.classes,
        }
    }

    /// The examples at `indices` as a [`Batch`] on `device`.
    pub fn gather(&self, indices: &[usize], device: &Device) -> Batch {
        let (d, c) = (self.dim, self.classes);
        let mut x = Vec::with_capacity(indices.len() * d);
        let mut y = vec![0f32; indices.len() * c];
        for (row, &i) in indices.iter().enumerate() {
            x.extend_from_slice(&self.features[i * d..(i + 1) * d]);
            y[row * c + self.labels[i] as usize] = 1.0;
        }
        let n = indices.len();
        Batch {
            inputs: Tensor::from_data(TensorData::new(x, [n, d]), device),
            targets: Tensor::from_data(TensorData::new(y, [n, c]), device),
        }
    }
}

/// One batch: `inputs` `[batch, features]` and one-hot `targets` `[batch, classes]`.
#[derive(Clone, Debug)]
pub struct Batch {
    /// The examples, a row each.
    pub inputs: Tensor<2>,
    /// Their labels, one-hot.
    pub targets: Tensor<2>,
}

impl Batch {
    /// The number of examples.
    pub fn len(&self) -> usize {
        self.inputs.dims()[0]
    }

    /// Whether the batch has no examples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The batch as constants on the autodiff version of its device (no gradient flows into
    /// data), to enter a graph whose parameters are tracked.
    pub fn autodiff(&self) -> Self {
        Self {
            inputs: self.inputs.clone().inner().autodiff(),
            targets: self.targets.clone().inner().autodiff(),
        }
    }
}

/// An endless stream of batches from a [`Split`]: each epoch a new permutation drawn from the
/// stream's seed, the examples that do not fill a last batch dropped.
#[derive(Clone, Debug)]
pub struct Batches {
    split: Arc<Split>,
    batch_size: usize,
    device: Device,
    rng: StdRng,
    order: Vec<usize>,
    next: usize,
}

impl Batches {
    /// Batches of `batch_size` from `split`, on `device`, shuffled from `seed`.
    pub fn new(split: Arc<Split>, batch_size: usize, seed: u64, device: &Device) -> Result<Self> {
        if batch_size == 0 || batch_size > split.len() {
            return Err(OptaxError::invalid(
                "batch_size",
                format!(
                    "must be in 1..={} (the split's size), got {batch_size}",
                    split.len()
                ),
            ));
        }
        let order = (0..split.len()).collect();
        Ok(Self {
            split,
            batch_size,
            device: device.clone(),
            rng: StdRng::seed_from_u64(seed),
            order,
            // Start with a fresh permutation.
            next: usize::MAX,
        })
    }

    /// Full batches per epoch.
    pub fn batches_per_epoch(&self) -> usize {
        self.split.len() / self.batch_size
    }
}

impl Iterator for Batches {
    type Item = Batch;

    /// Always `Some`: the stream does not end.
    fn next(&mut self) -> Option<Batch> {
        if self.next >= self.batches_per_epoch() {
            self.order.shuffle(&mut self.rng);
            self.next = 0;
        }
        let start = self.next * self.batch_size;
        self.next += 1;
        Some(
            self.split
                .gather(&self.order[start..start + self.batch_size], &self.device),
        )
    }
}

/// The four streams of a task with data (learned_optimization's `Datasets`): `train` for
/// training, `inner_valid` for the inner loop's validation, `outer_valid` for meta-training's
/// objective, `test` held out.
#[derive(Clone, Debug)]
pub struct Datasets {
    /// Training batches.
    pub train: Batches,
    /// Validation batches for the inner problem.
    pub inner_valid: Batches,
    /// Validation batches for the meta-objective.
    pub outer_valid: Batches,
    /// Test batches.
    pub test: Batches,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(n: usize) -> Arc<Split> {
        let features = (0..n).map(|i| i as f32).collect();
        let labels = (0..n).map(|i| (i % 3) as u8).collect();
        Arc::new(Split::new(features, labels, 1, 3).unwrap())
    }

    #[test]
    fn each_epoch_is_a_permutation_without_the_remainder() {
        let device = Device::flex();
        let mut b = Batches::new(split(10), 3, 7, &device).unwrap();
        assert_eq!(b.batches_per_epoch(), 3);
        let mut epochs = Vec::new();
        for _ in 0..2 {
            let mut seen: Vec<i64> = (0..3)
                .flat_map(|_| {
                    let batch = b.next().unwrap();
                    assert_eq!(batch.targets.dims(), [3, 3]);
                    batch
                        .inputs
                        .into_data()
                        .iter::<f32>()
                        .map(|v| v as i64)
                        .collect::<Vec<_>>()
                })
                .collect();
            let order = seen.clone();
            seen.sort();
            seen.dedup();
            assert_eq!(seen.len(), 9, "9 distinct examples an epoch");
            epochs.push(order);
        }
        assert_ne!(epochs[0], epochs[1], "reshuffled each epoch");
        // The same seed gives the same stream.
        let mut again = Batches::new(split(10), 3, 7, &device).unwrap();
        let first: Vec<f32> = again.next().unwrap().inputs.into_data().iter().collect();
        assert_eq!(
            first.iter().map(|&v| v as i64).collect::<Vec<_>>(),
            epochs[0][..3]
        );
    }

    #[test]
    fn one_hot_targets_and_bad_input() {
        let device = Device::flex();
        let s = split(4);
        let batch = s.gather(&[2, 0], &device);
        let y: Vec<f32> = batch.targets.into_data().iter().collect();
        assert_eq!(y, [0., 0., 1., 1., 0., 0.]);
        assert!(Split::new(vec![0.0; 3], vec![0, 1], 2, 2).is_err());
        assert!(Split::new(vec![0.0; 2], vec![0, 5], 1, 2).is_err());
        assert!(Batches::new(split(4), 5, 0, &device).is_err());
        assert!(Batches::new(split(4), 0, 0, &device).is_err());
    }
}
