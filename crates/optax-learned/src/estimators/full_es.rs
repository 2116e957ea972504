//! `FullES` (learned_optimization's `outer_trainers/full_es.py`): antithetic evolution
//! strategies over whole inner runs.
//!
//! For each of `num_tasks` pairs: draw `ε ~ N(0, σ²I)` shaped like `theta`, train the task from
//! the same initial parameters and on the same batches with the optimizers of `θ + ε` and
//! `θ − ε` for the run's full length `T`, and take each run's mean (normalised) loss `L±`:
//!
//! ```text
//! ĝ = (1/N) Σᵢ nan_to_num(L⁺ᵢ − L⁻ᵢ) · εᵢ / (2σ²)        loss = (1/N) Σᵢ (L⁺ᵢ + L⁻ᵢ) / 2
//! ```
//!
//! (Salimans et al. 2017, arXiv 1703.03864; `loss_type="avg"`.) Unbiased, up to O(σ²), for the
//! gradient of the mean loss over the run; no gradient through the unroll is needed.

use std::sync::Arc;

use optax_core::{OptaxError, Result, Tree};
use rand::rngs::StdRng;
use rand::SeedableRng;

use super::{
    check_settings, inner_value_and_grad, nan_to_num, perturbation, theta_device, EstimatorOut,
    GradientEstimator, TruncationSchedule,
};
use crate::learned_optimizer::LearnedOptimizer;
use crate::meta_train::derive_seed;
use crate::task::Task;
use crate::task_family::TaskFamily;

/// `FullES(truncation_schedule, std=0.01, loss_type="avg")` over `num_tasks` antithetic pairs.
pub struct FullEs {
    family: Arc<dyn TaskFamily>,
    lopt: Arc<dyn LearnedOptimizer>,
    schedule: TruncationSchedule,
    std: f64,
    num_tasks: usize,
    seed: u64,
    calls: u64,
    rng: StdRng,
}

impl FullEs {
    /// FullES on tasks of `family` (one per pair; [`crate::single_task_to_family`] for one
    /// task) for `lopt`, runs as long as `schedule` says (it must end), noise `std`,
    /// `num_tasks` pairs per estimate, seeded by `seed`.
    pub fn new(
        family: Arc<dyn TaskFamily>,
        lopt: Arc<dyn LearnedOptimizer>,
        schedule: TruncationSchedule,
        std: f64,
        num_tasks: usize,
        seed: u64,
    ) -> Result<Self> {
        check_settings(std, &schedule, num_tasks)?;
        if schedule == TruncationSchedule::NeverEnding {
            return Err(OptaxError::invalid(
                "truncation_schedule",
                "FullES unrolls whole runs: a never-ending schedule has no end",
            ));
        }
        Ok(Self {
            family,
            lopt,
            schedule,
            std,
            num_tasks,
            seed,
            calls: 0,
            rng: StdRng::seed_from_u64(derive_seed(seed, u64::MAX)),
        })
    }

    /// The mean normalised loss of one run of `theta` from `seed`'s initial parameters and data.
    fn run(&self, task: &dyn Task, theta: &Tree, seed: u64, length: usize) -> Result<f32> {
        let device = theta_device(theta)?;
        let opt = self.lopt.opt_fn(theta)?;
        let mut data = task.datasets(seed, &device).transpose()?;
        let mut state = opt.init(task.init(seed, &device)?, Some(length))?;
        let mut total = 0.0f64;
        for _ in 0..length {
            let batch = data.as_mut().and_then(|d| d.train.next());
            let (loss, grad) = inner_value_and_grad(task, opt.get_params(&state), batch.as_ref())?;
            total += task.normalizer(loss.clone()).into_scalar::<f32>() as f64;
            state = opt.update(&state, grad, Some(&loss))?;
        }
        Ok((total / length as f64) as f32)
    }
}

impl GradientEstimator for FullEs {
    fn name(&self) -> String {
        "FullES".into()
    }

    fn estimate(&mut self, theta: &Tree) -> Result<EstimatorOut> {
        let mut grad: Option<Tree> = None;
        let mut loss = 0.0f64;
        for i in 0..self.num_tasks {
            let seed = derive_seed(self.seed, self.calls * self.num_tasks as u64 + i as u64);
            let length = self
                .schedule
                .sample_length(&mut self.rng)
                .expect("checked in new: the schedule ends");
            let device = theta_device(theta)?;
            let task = self.family.sample_task(seed, &device)?;
            let eps = perturbation(theta, self.std, &mut self.rng)?;
            let pos = theta.zip_map(&eps, |t, e| t + e)?;
            let neg = theta.zip_map(&eps, |t, e| t - e)?;
            let lp = self.run(task.as_ref(), &pos, seed, length)?;
            let ln = self.run(task.as_ref(), &neg, seed, length)?;
            loss += (lp as f64 + ln as f64) / 2.0;
            let scale =
                nan_to_num(lp - ln) as f64 / (2.0 * self.std * self.std * self.num_tasks as f64);
            let term = eps.map(|e| e.mul_scalar(scale));
            grad = Some(match grad {
                None => term,
                Some(g) => g.zip_map(&term, |a, b| a + b)?,
            });
        }
        self.calls += 1;
        Ok(EstimatorOut {
            mean_loss: (loss / self.num_tasks as f64) as f32,
            grad: grad.expect("num_tasks ≥ 1"),
        })
    }
}
