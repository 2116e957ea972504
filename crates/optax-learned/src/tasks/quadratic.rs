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

use crate::data::batches::Batch;
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

    fn loss(&self, params: &Tree, _batch: Option<&Batch>) -> Result<Tensor<1>> {
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

    fn grad(&self, params: &Tree, _batch: Option<&Batch>) -> Option<Result<Tree>> {
        Some(Ok(params.map(|p| p.mul_scalar(2.0))))
    }
}

/// `FixedDimQuadraticFamily(dim=10)` (learned_optimization's `tasks/quadratics.py`): each task
/// has a centre `c ~ N(0, 1)^dim` (the configuration) and loss `Σ (c − p)²`, gradient
/// `2(p − c)`, from `p₀ ~ N(0, 1)^dim`.
///
/// ```
/// use burn::tensor::Device;
/// use optax_core::Tree;
/// use optax_learned::{FixedDimQuadraticFamily, TaskFamily};
///
/// let device = Device::flex();
/// let family = FixedDimQuadraticFamily::new(10);
/// let cfg = family.sample(3, &device)?;
/// let task = family.task_fn(&cfg)?;
/// // The loss is zero at the centre.
/// let at_center = Tree::builder().flat("params", vec![10], cfg.leaves()[0].clone()).build()?;
/// let loss = task.loss(&at_center, None)?.into_scalar::<f32>();
/// assert_eq!(loss, 0.0);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
#[derive(Clone, Debug)]
pub struct FixedDimQuadraticFamily {
    /// Number of parameters (10).
    pub dim: usize,
}

impl Default for FixedDimQuadraticFamily {
    fn default() -> Self {
        Self { dim: 10 }
    }
}

impl FixedDimQuadraticFamily {
    /// `FixedDimQuadraticFamily(dim)`.
    pub fn new(dim: usize) -> Self {
        Self { dim }
    }
}

/// One task of [`FixedDimQuadraticFamily`]: `Σ (c − p)²`.
#[derive(Clone, Debug)]
pub struct CenteredQuadraticTask {
    center: Tensor<1>,
}

impl Task for CenteredQuadraticTask {
    fn name(&self) -> String {
        "FixedDimQuadraticFamily/task".into()
    }

    fn init(&self, seed: u64, device: &Device) -> Result<Tree> {
        QuadraticTask::new(self.center.dims()[0]).init(seed, device)
    }

    fn loss(&self, params: &Tree, _batch: Option<&Batch>) -> Result<Tensor<1>> {
        let p = params.get_flat("params")?;
        let d = self.center.clone().to_device(&p.device()) - p;
        Ok((d.clone() * d).sum())
    }

    fn grad(&self, params: &Tree, _batch: Option<&Batch>) -> Option<Result<Tree>> {
        Some(params.get_flat("params").and_then(|p| {
            let c = self.center.clone().to_device(&p.device());
            Tree::from_flat(params.def().clone(), vec![(p - c).mul_scalar(2.0)])
        }))
    }
}

impl crate::task_family::TaskFamily for FixedDimQuadraticFamily {
    fn name(&self) -> String {
        "FixedDimQuadraticFamily".into()
    }

    fn sample(&self, seed: u64, device: &Device) -> Result<Tree> {
        // The centre, drawn as QuadraticTask draws its parameters (another stream of the seed).
        let c = QuadraticTask::new(self.dim).init(seed ^ 0xC0FF_EE00_D15E_A5E5, device)?;
        Tree::builder()
            .flat("center", vec![self.dim], c.leaves()[0].clone())
            .build()
    }

    fn task_fn(&self, cfg: &Tree) -> Result<std::sync::Arc<dyn Task>> {
        let center = cfg.get_flat("center")?;
        if center.dims()[0] != self.dim {
            return Err(OptaxError::state(
                "center",
                format!(
                    "{} values for a family of dimension {}",
                    center.dims()[0],
                    self.dim
                ),
            ));
        }
        Ok(std::sync::Arc::new(CenteredQuadraticTask { center }))
    }
}
