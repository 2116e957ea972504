//! `TruncatedPES` (learned_optimization's `outer_trainers/truncated_pes.py`): persistent
//! evolution strategies (Vicol, Metz, Sohl-Dickstein, *Unbiased Gradient Estimation in Unrolled
//! Computation Graphs with Persistent Evolution Strategies*, ICML 2021, arXiv 2112.13835).
//!
//! Each of `num_tasks` tasks keeps an antithetic pair of inner runs `s⁺, s⁻` and the sum `ξ`
//! of the perturbations its current episode has seen. Each estimate draws a fresh
//! `ε ~ N(0, σ²I)`, advances `s±` by `K` steps with the optimizers of `θ ± ε` (a run that
//! reaches its length is reset to fresh parameters, which takes a step that emits no loss),
//! and with `Δ_t` the difference of the normalised pre-update losses, `h_t` whether a reset
//! happened at or before `t`, `m_t` whether `t` emitted a loss:
//!
//! ```text
//! ξ ← ξ + ε
//! ĝ = [Σ_t Δ_t (1 − h_t) m_t / Σ_t m_t] · ξ  +  [Σ_t Δ_t h_t m_t / Σ_t m_t] · ε,   all ÷ 2σ²
//! ξ ← ε   if the episode was reset inside the window
//! ```
//!
//! averaged over tasks. Summed over the windows of an episode, `ĝ` is unbiased for the
//! gradient of the episode's summed window losses, the bias of truncation removed by `ξ`.

use std::sync::Arc;

use burn::tensor::Device;
use optax_core::{OptaxError, Result, Tree};
use rand::rngs::StdRng;
use rand::SeedableRng;

use super::{
    check_settings, inner_value_and_grad, nan_to_num, perturbation, theta_device, EstimatorOut,
    GradientEstimator, TruncationSchedule,
};
use crate::data::batches::Datasets;
use crate::learned_optimizer::LearnedOptimizer;
use crate::meta_train::derive_seed;
use crate::optimizer::{OptState, Optimizer};
use crate::task::Task;
use crate::task_family::TaskFamily;

/// One task's persistent antithetic pair.
struct PesWorker {
    task: Arc<dyn Task>,
    pos: OptState,
    neg: OptState,
    xi: Tree,
    step: usize,
    length: Option<usize>,
    data: Option<Datasets>,
    episode: u64,
}

/// `TruncatedPES(truncated_step, trunc_length=10, std=0.01)` over `num_tasks` tasks.
pub struct TruncatedPes {
    family: Arc<dyn TaskFamily>,
    lopt: Arc<dyn LearnedOptimizer>,
    schedule: TruncationSchedule,
    trunc_length: usize,
    std: f64,
    num_tasks: usize,
    seed: u64,
    rng: StdRng,
    workers: Vec<PesWorker>,
}

impl TruncatedPes {
    /// TruncatedPES on tasks of `family` (a new one each episode;
    /// [`crate::single_task_to_family`] for one task) for `lopt`: windows of `trunc_length`
    /// steps, episodes as long as `schedule` says, noise `std`, `num_tasks` tasks, seeded by
    /// `seed`.
    pub fn new(
        family: Arc<dyn TaskFamily>,
        lopt: Arc<dyn LearnedOptimizer>,
        schedule: TruncationSchedule,
        trunc_length: usize,
        std: f64,
        num_tasks: usize,
        seed: u64,
    ) -> Result<Self> {
        check_settings(std, &schedule, num_tasks)?;
        if trunc_length == 0 {
            return Err(OptaxError::invalid("trunc_length", "must be at least 1"));
        }
        Ok(Self {
            family,
            lopt,
            schedule,
            trunc_length,
            std,
            num_tasks,
            seed,
            rng: StdRng::seed_from_u64(derive_seed(seed, u64::MAX)),
            workers: Vec::new(),
        })
    }

    /// The initial-parameter seed of task `i`'s episode `episode`.
    fn episode_seed(&self, i: usize, episode: u64) -> u64 {
        derive_seed(self.seed, (i as u64) << 32 | episode)
    }

    /// Task `i`'s episode `episode`: a task of the family, its data, the pair of inner runs
    /// from the same fresh parameters, and the episode's length; `xi` carried over.
    fn start_episode(
        &mut self,
        i: usize,
        episode: u64,
        (opt_pos, opt_neg): (&dyn Optimizer, &dyn Optimizer),
        xi: Tree,
        device: &Device,
    ) -> Result<PesWorker> {
        let length = self.schedule.sample_length(&mut self.rng);
        let seed = self.episode_seed(i, episode);
        let task = self.family.sample_task(seed, device)?;
        let p0 = task.init(seed, device)?;
        Ok(PesWorker {
            data: task.datasets(seed, device).transpose()?,
            task,
            pos: opt_pos.init(p0.clone(), length)?,
            neg: opt_neg.init(p0, length)?,
            xi,
            step: 0,
            length,
            episode,
        })
    }
}

impl GradientEstimator for TruncatedPes {
    fn name(&self) -> String {
        "TruncatedPES".into()
    }

    fn estimate(&mut self, theta: &Tree) -> Result<EstimatorOut> {
        let device = theta_device(theta)?;
        if self.workers.is_empty() {
            let opt = self.lopt.opt_fn(theta)?;
            for i in 0..self.num_tasks {
                let xi = theta.map(|t| t.zeros_like());
                let worker = self.start_episode(i, 0, (opt.as_ref(), opt.as_ref()), xi, &device)?;
                self.workers.push(worker);
            }
        }
        let two_var = 2.0 * self.std * self.std;
        let mut grad: Option<Tree> = None;
        let mut loss_total = 0.0f64;
        for i in 0..self.num_tasks {
            let eps = perturbation(theta, self.std, &mut self.rng)?;
            let opt_pos = self.lopt.opt_fn(&theta.zip_map(&eps, |t, e| t + e)?)?;
            let opt_neg = self.lopt.opt_fn(&theta.zip_map(&eps, |t, e| t - e)?)?;
            let (mut before, mut after, mut emitted, mut loss) = (0.0f64, 0.0f64, 0usize, 0.0f64);
            let mut reset = false;
            for _ in 0..self.trunc_length {
                let w = &self.workers[i];
                if w.length.is_some_and(|l| w.step >= l) {
                    let (episode, xi) = (w.episode + 1, w.xi.clone());
                    let opts = (opt_pos.as_ref(), opt_neg.as_ref());
                    self.workers[i] = self.start_episode(i, episode, opts, xi, &device)?;
                    reset = true;
                    continue;
                }
                let w = &mut self.workers[i];
                let task = w.task.clone();
                let norm =
                    |l: &burn::tensor::Tensor<1>| task.normalizer(l.clone()).into_scalar::<f32>();
                let batch = w.data.as_mut().and_then(|d| d.train.next());
                let (lp, gp) = inner_value_and_grad(task.as_ref(), &w.pos.params, batch.as_ref())?;
                let (ln, gn) = inner_value_and_grad(task.as_ref(), &w.neg.params, batch.as_ref())?;
                let (np, nn) = (norm(&lp), norm(&ln));
                let delta = nan_to_num(np - nn) as f64;
                if reset {
                    after += delta;
                } else {
                    before += delta;
                }
                emitted += 1;
                loss += (np as f64 + nn as f64) / 2.0;
                w.pos = opt_pos.update(&w.pos, gp, Some(&lp))?;
                w.neg = opt_neg.update(&w.neg, gn, Some(&ln))?;
                w.step += 1;
            }
            let w = &mut self.workers[i];
            w.xi = w.xi.zip_map(&eps, |x, e| x + e)?;
            let m = emitted.max(1) as f64;
            let (a, b) = (
                before / (m * two_var * self.num_tasks as f64),
                after / (m * two_var * self.num_tasks as f64),
            );
            let term =
                w.xi.zip_map(&eps, |x, e| x.mul_scalar(a) + e.mul_scalar(b))?;
            if reset {
                w.xi = eps;
            }
            loss_total += loss / m;
            grad = Some(match grad {
                None => term,
                Some(g) => g.zip_map(&term, |x, y| x + y)?,
            });
        }
        Ok(EstimatorOut {
            mean_loss: (loss_total / self.num_tasks as f64) as f32,
            grad: grad.expect("num_tasks ≥ 1"),
        })
    }
}
