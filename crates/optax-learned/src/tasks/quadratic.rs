//! `QuadraticTask` (learned_optimization's `tasks/quadratics.py`): `L(p) = Σ p²`, with
//! `p₀ ~ N(0, 1)^dim`.
//!
//! With SGD at learning rate `lr`, `p_t = (1 − 2·lr)^t p₀`, so the loss after `T` steps is
//! `(1 − 2·lr)^{2T} ‖p₀‖²`, minimised at `lr = 0.5`: the analytic oracle of the meta-gradient
//! tests.

use burn::tensor::{Device, Tensor, TensorData};
use optax_core::{OptaxError, Result, Tree};
use rand::rngs::StdRng;
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};

use crate::task::Task;

/// `QuadraticTask(dim=10)`: one leaf `params` of `dim` elements, loss `Σ p²`, gradient `2p`.
#[derive(Clone, Debug)]
pub struct QuadraticTask {
    /// Number of parameters (learned_optimization's default: 10).
    pub dim: usize,
}

impl Default for QuadraticTask {
    fn default() -> Self {
        Self { dim: 10 }
    }
}

impl QuadraticTask {
    /// `QuadraticTask(dim)`.
    pub fn new(dim: usize) -> Self {
        Self { dim }
    }
}

impl Task for QuadraticTask {
    fn name(&self) -> String {
        "QuadraticTask".into()
    }

    fn init(&self, seed: u64, device: &Device) -> Result<Tree> {
        if self.dim == 0 {
            return Err(OptaxError::invalid("dim", "must be at least 1"));
        }
        let mut rng = StdRng::seed_from_u64(seed);
        let p: Vec<f32> = (0..self.dim)
            .map(|_| StandardNormal.sample(&mut rng))
            .collect();
        Tree::builder()
            .leaf(
                "params",
                Tensor::<1>::from_data(TensorData::new(p, [self.dim]), device),
            )
            .build()
    }

    fn loss(&self, params: &Tree) -> Result<Tensor<1>> {
        let mut total: Option<Tensor<1>> = None;
        for p in params.leaves() {
            let term = (p.clone() * p.clone()).sum();
            total = Some(match total {
                None => term,
                Some(t) => t + term,
            });
        }
        total.ok_or_else(|| OptaxError::invalid("params", "the tree has no leaves"))
    }

    fn grad(&self, params: &Tree) -> Option<Result<Tree>> {
        Some(Ok(params.map(|p| p.mul_scalar(2.0))))
    }
}
