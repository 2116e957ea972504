//! `single_task_training_curves` (learned_optimization's `eval_training.py`): train one task
//! with one optimizer and evaluate it on the way, so that a learned optimizer and a baseline
//! such as Adam can be compared on the same task.

use burn::tensor::{Device, Tensor};
use optax_core::{OptaxError, Result};

use crate::data::batches::Datasets;
use crate::estimators::inner_value_and_grad;
use crate::optimizer::Optimizer;
use crate::task::Task;

/// The splits evaluated, in learned_optimization's order.
pub const EVAL_SPLITS: [&str; 3] = ["train", "outer_valid", "test"];

/// Settings of [`single_task_training_curves`]; the defaults are learned_optimization's.
#[derive(Clone, Debug)]
pub struct CurveConfig {
    /// Training steps (`num_steps + 1` updates are taken, as the reference does).
    pub num_steps: usize,
    /// Steps between evaluations (10).
    pub eval_every: usize,
    /// Batches averaged per evaluation (5).
    pub eval_batches: usize,
    /// Batches averaged at the last evaluation (20).
    pub last_eval_batches: usize,
    /// Seed of the initial parameters and the batch order.
    pub seed: u64,
}

impl Default for CurveConfig {
    fn default() -> Self {
        Self {
            num_steps: 1000,
            eval_every: 10,
            eval_batches: 5,
            last_eval_batches: 20,
            seed: 0,
        }
    }
}

/// What [`single_task_training_curves`] records.
#[derive(Clone, Debug, Default)]
pub struct TrainingCurves {
    /// `train/xs`: the step of each training loss.
    pub train_xs: Vec<usize>,
    /// `train/loss`: the training loss before each update.
    pub train_loss: Vec<f32>,
    /// `eval/xs`: the steps evaluated.
    pub eval_xs: Vec<usize>,
    /// `eval/{split}/loss` for each of [`EVAL_SPLITS`] (for a task without data, the loss,
    /// the same for every split).
    pub eval_loss: Vec<(String, Vec<f32>)>,
    /// `eval/{split}/loss_normalized`.
    pub eval_loss_normalized: Vec<(String, Vec<f32>)>,
}

impl TrainingCurves {
    /// The evaluated losses of `split`.
    pub fn eval(&self, split: &str) -> Option<&[f32]> {
        self.eval_loss
            .iter()
            .find(|(s, _)| s == split)
            .map(|(_, v)| v.as_slice())
    }
}

fn split_of<'a>(d: &'a mut Datasets, split: &str) -> &'a mut crate::data::batches::Batches {
    match split {
        "train" => &mut d.train,
        "outer_valid" => &mut d.outer_valid,
        "inner_valid" => &mut d.inner_valid,
        _ => &mut d.test,
    }
}

/// Trains `task` with `opt` for `num_steps + 1` updates, evaluating every `eval_every` steps
/// (and at `num_steps`, with `last_eval_batches` batches) the mean loss over `eval_batches`
/// batches of each split, at the current parameters, before that step's update.
///
/// Evaluation reads its own streams of the splits (seeded apart from training's), so the
/// training batches are the same whatever the evaluation settings.
pub fn single_task_training_curves(
    task: &dyn Task,
    opt: &dyn Optimizer,
    config: &CurveConfig,
    device: &Device,
) -> Result<TrainingCurves> {
    if config.eval_every == 0 || config.eval_batches == 0 || config.last_eval_batches == 0 {
        return Err(OptaxError::invalid(
            "eval_every",
            "eval_every, eval_batches and last_eval_batches must be at least 1",
        ));
    }
    let mut train = task.datasets(config.seed, device).transpose()?;
    let mut eval = task
        .datasets(config.seed.wrapping_add(0x5EED), device)
        .transpose()?;
    let mut state = opt.init(task.init(config.seed, device)?, Some(config.num_steps))?;
    let mut curves = TrainingCurves {
        eval_loss: EVAL_SPLITS
            .iter()
            .map(|s| (s.to_string(), vec![]))
            .collect(),
        eval_loss_normalized: EVAL_SPLITS
            .iter()
            .map(|s| (s.to_string(), vec![]))
            .collect(),
        ..Default::default()
    };
    for i in 0..=config.num_steps {
        if i % config.eval_every == 0 || i == config.num_steps {
            let n = if i == config.num_steps {
                config.last_eval_batches
            } else {
                config.eval_batches
            };
            curves.eval_xs.push(i);
            for (k, split) in EVAL_SPLITS.iter().enumerate() {
                let (mut raw, mut normalized) = (0.0f64, 0.0f64);
                let batches = if eval.is_some() { n } else { 1 };
                for _ in 0..batches {
                    let batch = eval.as_mut().and_then(|d| split_of(d, split).next());
                    let loss: Tensor<1> = task.loss(opt.get_params(&state), batch.as_ref())?;
                    normalized += task.normalizer(loss.clone()).into_scalar::<f32>() as f64;
                    raw += loss.into_scalar::<f32>() as f64;
                }
                curves.eval_loss[k].1.push((raw / batches as f64) as f32);
                curves.eval_loss_normalized[k]
                    .1
                    .push((normalized / batches as f64) as f32);
            }
        }
        let batch = train.as_mut().and_then(|d| d.train.next());
        let (loss, grad) = inner_value_and_grad(task, opt.get_params(&state), batch.as_ref())?;
        curves.train_xs.push(i);
        curves.train_loss.push(loss.clone().into_scalar::<f32>());
        state = opt.update(&state, grad, Some(&loss))?;
    }
    Ok(curves)
}
