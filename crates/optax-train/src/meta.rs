//! `optax-train meta`: learned_optimization's Part 1 (the intro notebook's meta-training of
//! LearnableAdam on `ImageMLP_FashionMnist8_Relu32`), through `optax-learned`.
//!
//! Each meta-iteration draws fresh initial parameters and a training batch, unrolls 4 steps of
//! Adam with the learned hyperparameters on that batch, takes the loss on the same batch after
//! the unroll, and steps `theta` with learned_optimization's `Adam(1e-2)` (optax's `adam` with
//! `eps_root = 1e-8`) on the exact meta-gradient. The learning rate, printed every 100
//! iterations, rises from 1e-3 to a plateau (the notebook: ≈0.058 by iteration 350, flat to
//! 2000).

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use optax_core::{adam, IntoTransformation, OptaxError};
use optax_learned::{
    load_theta, meta_train, meta_train_with_estimators, save_theta, single_task_to_family,
    single_task_training_curves, CurveConfig, FixedDimQuadraticFamily, FullEs, GradientEstimator,
    ImageMlp, LearnableAdam, LearnableSgd, LearnableSgdm, LearnedOptimizer, MetaStep,
    MetaTrainConfig, MlpLOpt, OptaxOptimizer, QuadraticTask, Task, TaskFamily, TruncatedPes,
    TruncationSchedule,
};
use serde::Serialize;

use crate::plot::{line_chart_log_y, Series};
use crate::progress::Console;
use crate::{at_least_one, open_device, Error};

/// The notebook's learning rate by meta-iteration (from its printed output and its log_lr
/// plot, digitised to about ±5%).
pub const NOTEBOOK_LR: [(usize, f64); 13] = [
    (0, 1.0e-3),
    (50, 1.8e-3),
    (100, 3.2e-3),
    (150, 7.2e-3),
    (200, 0.017),
    (250, 0.037),
    (300, 0.051),
    (350, 0.058),
    (400, 0.059),
    (500, 0.056),
    (1000, 0.059),
    (1500, 0.057),
    (2000, 0.058),
];

/// The learned optimizer to meta-train.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
pub enum LearnedOptimizerChoice {
    /// Adam with learned lr, β1, β2, ε (the notebook's).
    LearnableAdam,
    /// SGD with a learned lr.
    LearnableSgd,
    /// SGD with momentum, learned lr and momentum.
    LearnableSgdm,
    /// MLPLOpt: a per-parameter MLP on 19 features (1,762 meta-parameters).
    Mlp,
}

/// How the meta-gradient is estimated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
pub enum EstimatorChoice {
    /// Exact gradient through each unroll (the notebook's Part 1: fresh parameters and one batch
    /// per meta-iteration, the loss on that batch after the unroll).
    Grad,
    /// FullES: antithetic evolution strategies over whole runs of --unroll-steps steps.
    Es,
    /// TruncatedPES: windows of --unroll-steps steps of runs whose lengths are drawn
    /// log-uniformly in [--min-length, --max-length].
    Pes,
}

/// The task to meta-train on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
pub enum TaskChoice {
    /// `ImageMLP_FashionMnist8_Relu32` (needs `apt-get install dataset-fashion-mnist`).
    FashionMnist8,
    /// `QuadraticTask(dim=10)`, no data.
    Quadratic,
    /// `FixedDimQuadraticFamily(dim=10)`: a new centre for every task (es, pes).
    QuadraticFamily,
}

/// Options of `optax-train meta`.
#[derive(Clone, Debug, clap::Args)]
pub struct MetaConfig {
    /// The learned optimizer.
    #[arg(long, value_enum, default_value = "learnable-adam")]
    pub learned_optimizer: LearnedOptimizerChoice,

    /// The meta-gradient estimator.
    #[arg(long, value_enum, default_value = "grad")]
    pub estimator: EstimatorChoice,

    /// The task, or for es and pes a comma-separated list of tasks, each with its own
    /// estimator, whose estimates are averaged (learned_optimization's Part 5:
    /// `quadratic-family,fashion-mnist8`).
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "fashion-mnist8"
    )]
    pub task: Vec<TaskChoice>,

    /// Meta-iterations.
    #[arg(long, value_name = "N", default_value_t = 2000, value_parser = at_least_one)]
    pub iterations: usize,

    /// Inner steps per unroll (grad, es) or per truncation window (pes).
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = at_least_one)]
    pub unroll_steps: usize,

    /// Tasks (antithetic pairs) per estimate, for es and pes.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = at_least_one)]
    pub tasks: usize,

    /// Standard deviation of the es / pes perturbations.
    #[arg(long, value_name = "STD", default_value_t = 0.01)]
    pub std: f64,

    /// Shortest run, for pes.
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = at_least_one)]
    pub min_length: usize,

    /// Longest run, for pes.
    #[arg(long, value_name = "N", default_value_t = 300, value_parser = at_least_one)]
    pub max_length: usize,

    /// Learning rate of the meta-optimizer, learned_optimization's Adam (eps_root 1e-8).
    #[arg(long, value_name = "LR", default_value_t = 1e-2)]
    pub meta_lr: f64,

    /// After meta-training, train the task this many steps with the learned optimizer and with
    /// Adam (--baseline-lr), and write both test-loss curves (0: no evaluation).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub eval_steps: usize,

    /// Adam's learning rate in the evaluation.
    #[arg(long, value_name = "LR", default_value_t = 1e-2)]
    pub baseline_lr: f64,

    /// Seed of theta, the initial parameters, the batch order and the perturbations.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,

    /// Start from a saved theta (a `theta.bpk` an earlier run wrote) instead of the learned
    /// optimizer's initial one.
    #[arg(long, value_name = "FILE")]
    pub theta: Option<PathBuf>,

    /// Where to run: `cpu` (burn-flex) or `wgpu`.
    #[arg(long, value_name = "DEVICE", default_value = "cpu")]
    pub device: String,

    /// Folder for theta.csv, theta.json, theta.bpk and the plots (created if missing).
    #[arg(long, value_name = "DIR", default_value = "meta-out")]
    pub out: PathBuf,

    /// Print only the summary.
    #[arg(long, short)]
    pub quiet: bool,
}

impl Default for MetaConfig {
    fn default() -> Self {
        Self {
            learned_optimizer: LearnedOptimizerChoice::LearnableAdam,
            estimator: EstimatorChoice::Grad,
            task: vec![TaskChoice::FashionMnist8],
            iterations: 2000,
            unroll_steps: 4,
            tasks: 1,
            std: 0.01,
            min_length: 100,
            max_length: 300,
            meta_lr: 1e-2,
            eval_steps: 0,
            baseline_lr: 1e-2,
            seed: 0,
            theta: None,
            device: "cpu".into(),
            out: PathBuf::from("meta-out"),
            quiet: false,
        }
    }
}

/// The learned optimizer and Adam trained on the task after meta-training.
#[derive(Clone, Debug, Serialize)]
pub struct EvalReport {
    /// The steps evaluated.
    pub xs: Vec<usize>,
    /// The learned optimizer's test loss at those steps.
    pub learned_test_loss: Vec<f32>,
    /// Adam's test loss at those steps.
    pub adam_test_loss: Vec<f32>,
    /// The CSV of both curves.
    pub csv: PathBuf,
    /// Their plot.
    pub plot: PathBuf,
}

/// What `optax-train meta` did.
#[derive(Clone, Debug, Serialize)]
pub struct MetaReport {
    /// The device, as `name (what it is)`.
    pub device: String,
    /// The tasks' names (`a + b` for several).
    pub task: String,
    /// The learned optimizer's name.
    pub learned_optimizer: String,
    /// The estimator.
    pub estimator: EstimatorChoice,
    /// The learning rate (`exp(log_lr)`) before each meta-iteration, and after the last, for
    /// learned optimizers with a `log_lr`.
    pub lr: Option<Vec<f64>>,
    /// The meta-loss of each meta-iteration.
    pub meta_loss: Vec<f32>,
    /// Meta-iterations skipped for a non-finite meta-loss or gradient.
    pub skipped: usize,
    /// Wall time of the meta-training loop (loading the data excluded), seconds.
    pub seconds: f64,
    /// Wall time of loading the task's data, seconds.
    pub load_seconds: f64,
    /// The process's peak resident memory, bytes (Linux), after the loop.
    pub peak_rss_bytes: Option<u64>,
    /// Resident memory after meta-iteration 100 (or the last, if fewer) and after the loop:
    /// equal when nothing accumulates across iterations.
    pub rss_bytes: (Option<u64>, Option<u64>),
    /// The CSV of the meta-loss and the scalar meta-parameters by iteration.
    pub csv: PathBuf,
    /// The final meta-parameters, as JSON (`{path: [values]}`).
    pub theta_json: PathBuf,
    /// The final meta-parameters as a checkpoint `--theta` reads.
    pub theta_bpk: PathBuf,
    /// The plot: the learning rate against the notebook's, or the meta-loss.
    pub plot: PathBuf,
    /// The evaluation after meta-training, if asked for.
    pub eval: Option<EvalReport>,
}

/// The process's peak resident set size (`VmHWM`), where the system reports it.
pub fn peak_rss_bytes() -> Option<u64> {
    status_bytes("VmHWM:")
}

/// The process's resident set size now (`VmRSS`), where the system reports it.
pub fn rss_bytes() -> Option<u64> {
    status_bytes("VmRSS:")
}

fn status_bytes(field: &str) -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn mib(bytes: Option<u64>) -> String {
    bytes.map_or("unknown".into(), |b| {
        format!("{:.0} MiB", b as f64 / 1048576.0)
    })
}

/// Runs `optax-train meta`: prints the meta-loss (and learning rate) every 100 iterations,
/// writes `theta.csv`, `theta.json` and a plot in `config.out` (for a learned learning rate,
/// `lr.png`, ours beside the notebook's recorded trajectory; else `meta_loss.png`).
pub fn run_meta(config: &MetaConfig) -> Result<MetaReport, Error> {
    run_meta_with(config, Console::new(!config.quiet, !config.quiet))
}

/// [`run_meta`] without printing anything.
pub fn run_meta_silent(config: &MetaConfig) -> Result<MetaReport, Error> {
    run_meta_with(config, Console::silent())
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn run_meta_with(config: &MetaConfig, mut console: Console) -> Result<MetaReport, Error> {
    for (name, v) in [
        ("--meta-lr", config.meta_lr),
        ("--std", config.std),
        ("--baseline-lr", config.baseline_lr),
    ] {
        if !(v > 0.0 && v.is_finite()) {
            return Err(Error::Option {
                name,
                reason: format!("must be positive and finite, got {v}"),
            });
        }
    }
    if config.min_length > config.max_length {
        return Err(Error::Option {
            name: "--min-length",
            reason: format!(
                "must not exceed --max-length ({} > {})",
                config.min_length, config.max_length
            ),
        });
    }
    let (device, device_name) = open_device(&config.device)?;
    fs::create_dir_all(&config.out).map_err(io_error(&config.out))?;
    if config.task.is_empty() {
        return Err(Error::Option {
            name: "--task",
            reason: "name at least one task".into(),
        });
    }
    if config.estimator == EstimatorChoice::Grad && config.task.len() > 1 {
        return Err(Error::Option {
            name: "--task",
            reason: "--estimator grad meta-trains on one task; es and pes take several".into(),
        });
    }
    let load = Instant::now();
    let mut families: Vec<Arc<dyn TaskFamily>> = Vec::new();
    for choice in &config.task {
        families.push(match choice {
            TaskChoice::FashionMnist8 => {
                single_task_to_family(Arc::new(ImageMlp::fashion_mnist8_relu32()?))
            }
            TaskChoice::Quadratic => single_task_to_family(Arc::new(QuadraticTask::default())),
            TaskChoice::QuadraticFamily => Arc::new(FixedDimQuadraticFamily::default()),
        });
    }
    let load_seconds = load.elapsed().as_secs_f64();
    // The task of the exact-gradient loop and of the evaluation: the last one named (a sample,
    // for a family).
    let task = families
        .last()
        .expect("at least one")
        .sample_task(config.seed, &device)?;
    let task_names = families
        .iter()
        .map(|f| f.name())
        .collect::<Vec<_>>()
        .join(" + ");
    let lopt: Arc<dyn LearnedOptimizer> = match config.learned_optimizer {
        LearnedOptimizerChoice::LearnableAdam => Arc::new(LearnableAdam::default()),
        LearnedOptimizerChoice::LearnableSgd => Arc::new(LearnableSgd::default()),
        LearnedOptimizerChoice::LearnableSgdm => Arc::new(LearnableSgdm::default()),
        LearnedOptimizerChoice::Mlp => Arc::new(MlpLOpt::default()),
    };
    // The notebook's theta_opt, learned_optimization's Adam: eps_root = 1e-8, which keeps the
    // components with tiny gradients (β2, ε) from moving at Adam's full step size.
    let initial_theta = match &config.theta {
        Some(path) => {
            Some(
                load_theta(path, lopt.as_ref(), &device).map_err(|e| Error::Option {
                    name: "--theta",
                    reason: format!("{}: {e}", path.display()),
                })?,
            )
        }
        None => None,
    };
    let meta_opt = adam(config.meta_lr).eps_root(1e-8).into_transformation();
    let estimator = match config.estimator {
        EstimatorChoice::Grad => "exact gradient".to_string(),
        EstimatorChoice::Es => format!("FullES ({} pairs, std {})", config.tasks, config.std),
        EstimatorChoice::Pes => format!(
            "TruncatedPES ({} tasks, std {}, runs of {}..{} steps)",
            config.tasks, config.std, config.min_length, config.max_length
        ),
    };
    console.line(&format!(
        "meta-training {} on {} by {estimator} ({} iterations, {}-step unrolls, Adam({}) on theta) on {device_name}",
        lopt.name(),
        task_names,
        config.iterations,
        config.unroll_steps,
        config.meta_lr
    ));
    console.start("meta-training", config.iterations);
    let has_lr = lopt
        .init(config.seed, &device)?
        .index_of("log_lr")
        .is_some();
    let mut rss_early = None;
    let mut on_step = |step: &MetaStep| {
        if step.iteration == 100.min(config.iterations - 1) {
            rss_early = rss_bytes();
        }
        if step.iteration % 100 == 0 || step.iteration + 1 == config.iterations {
            let lr = if has_lr {
                format!(", lr: {:.4e}", log_lr(step).exp())
            } else {
                String::new()
            };
            console.line(&format!(
                "meta-iteration {}, meta-loss: {}{lr}",
                step.iteration, step.meta_loss
            ));
        }
        console.tick(step.iteration + 1);
    };
    let start = Instant::now();
    let outcome = match config.estimator {
        EstimatorChoice::Grad => {
            let mc = MetaTrainConfig {
                iterations: config.iterations,
                unroll_steps: config.unroll_steps,
                seed: config.seed,
                initial_theta: initial_theta.clone(),
                ..Default::default()
            };
            meta_train(
                task.as_ref(),
                lopt.as_ref(),
                &meta_opt,
                &mc,
                &device,
                &mut on_step,
            )?
        }
        EstimatorChoice::Es | EstimatorChoice::Pes => {
            let mut estimators: Vec<Box<dyn GradientEstimator>> = Vec::new();
            for (k, family) in families.iter().enumerate() {
                let seed = config.seed.wrapping_add(k as u64);
                estimators.push(if config.estimator == EstimatorChoice::Es {
                    Box::new(FullEs::new(
                        family.clone(),
                        lopt.clone(),
                        TruncationSchedule::Constant(config.unroll_steps),
                        config.std,
                        config.tasks,
                        seed,
                    )?)
                } else {
                    Box::new(TruncatedPes::new(
                        family.clone(),
                        lopt.clone(),
                        TruncationSchedule::LogUniform {
                            min_length: config.min_length,
                            max_length: config.max_length,
                        },
                        config.unroll_steps,
                        config.std,
                        config.tasks,
                        seed,
                    )?)
                });
            }
            let mut refs: Vec<&mut dyn GradientEstimator> = estimators
                .iter_mut()
                .map(|e| e.as_mut() as &mut dyn GradientEstimator)
                .collect();
            let theta = match &initial_theta {
                Some(theta) => theta.clone(),
                None => lopt.init(config.seed, &device)?,
            };
            meta_train_with_estimators(
                &mut refs,
                theta,
                &meta_opt,
                config.iterations,
                &mut on_step,
            )?
        }
    };
    let seconds = start.elapsed().as_secs_f64();
    console.finish();

    let lr = has_lr.then(|| -> Result<Vec<f64>, Error> {
        let mut lr: Vec<f64> = outcome.history.iter().map(|s| log_lr(s).exp()).collect();
        let i = outcome.theta.index_of("log_lr").expect("checked");
        lr.push((outcome.theta.to_vecs()?[i][0] as f64).exp());
        Ok(lr)
    });
    let lr = lr.transpose()?;
    let csv = config.out.join("theta.csv");
    write_theta_csv(&csv, &outcome.history, &outcome.theta)?;
    let theta_json = config.out.join("theta.json");
    write_theta_json(&theta_json, &outcome.theta)?;
    let theta_bpk = config.out.join("theta.bpk");
    save_theta(&outcome.theta, &theta_bpk)?;
    let meta_loss: Vec<f32> = outcome.history.iter().map(|s| s.meta_loss).collect();
    let plot = match &lr {
        Some(lr) => {
            let path = config.out.join("lr.png");
            write_lr_plot(&path, lr, &lopt.name(), &task_names, &device_name)?;
            path
        }
        None => {
            let path = config.out.join("meta_loss.png");
            let title = format!(
                "{} on {task_names}: meta-loss by iteration ({device_name})",
                lopt.name()
            );
            let series = [Series {
                label: "meta-loss",
                values: &meta_loss,
            }];
            let canvas =
                line_chart_log_y(&title, "meta-iteration", "meta-loss (log scale)", &series);
            fs::write(&path, canvas.to_png()).map_err(io_error(&path))?;
            path
        }
    };
    let peak_rss = peak_rss_bytes();
    let rss = (rss_early, rss_bytes());
    let n = config.iterations;
    let lr_text = lr.as_ref().map_or(String::new(), |lr| {
        format!("lr after {n} meta-iterations: {:.4e}; ", lr[n])
    });
    console.line(&format!(
        "{lr_text}{:.2} s ({:.2} ms per meta-iteration; data loaded in {:.2} s); memory {} after \
         iteration {}, {} at the end, peak {}",
        seconds,
        1e3 * seconds / n as f64,
        load_seconds,
        mib(rss.0),
        100.min(n - 1),
        mib(rss.1),
        mib(peak_rss)
    ));
    console.line(&format!(
        "wrote {}, {}, {} and {}",
        csv.display(),
        theta_json.display(),
        theta_bpk.display(),
        plot.display()
    ));
    let eval = if config.eval_steps > 0 {
        Some(evaluate(
            config,
            task.as_ref(),
            lopt.as_ref(),
            &outcome.theta,
            &device,
            &mut console,
        )?)
    } else {
        None
    };
    Ok(MetaReport {
        device: device_name,
        task: task_names,
        learned_optimizer: lopt.name(),
        estimator: config.estimator,
        lr,
        skipped: outcome.history.iter().filter(|s| s.skipped).count(),
        meta_loss,
        seconds,
        load_seconds,
        peak_rss_bytes: peak_rss,
        rss_bytes: rss,
        csv,
        theta_json,
        theta_bpk,
        plot,
        eval,
    })
}

/// Trains the task with the learned optimizer and with Adam, evaluating both on the test split.
fn evaluate(
    config: &MetaConfig,
    task: &dyn Task,
    lopt: &dyn LearnedOptimizer,
    theta: &optax_core::Tree,
    device: &burn::tensor::Device,
    console: &mut Console,
) -> Result<EvalReport, Error> {
    let curve = CurveConfig {
        num_steps: config.eval_steps,
        eval_every: (config.eval_steps / 50).max(1),
        seed: config.seed.wrapping_add(1),
        ..Default::default()
    };
    let learned = single_task_training_curves(task, lopt.opt_fn(theta)?.as_ref(), &curve, device)?;
    let baseline = OptaxOptimizer::adam(config.baseline_lr, 0.9, 0.999, 1e-8);
    let adam_curves = single_task_training_curves(task, &baseline, &curve, device)?;
    let test = |c: &optax_learned::TrainingCurves| c.eval("test").unwrap_or_default().to_vec();
    let (ours, theirs) = (test(&learned), test(&adam_curves));
    let csv = config.out.join("eval.csv");
    let mut text = String::from("step,learned_test_loss,adam_test_loss\n");
    for (i, x) in learned.eval_xs.iter().enumerate() {
        text.push_str(&format!("{x},{},{}\n", ours[i], theirs[i]));
    }
    fs::write(&csv, text).map_err(io_error(&csv))?;
    // The plot's x axis is the evaluation index; the CSV has the steps.
    let plot = config.out.join("eval.png");
    let adam_label = format!("Adam({})", config.baseline_lr);
    let learned_label = format!("{} (meta-trained)", lopt.name());
    let series = [
        Series {
            label: &learned_label,
            values: &ours,
        },
        Series {
            label: &adam_label,
            values: &theirs,
        },
    ];
    let title = format!(
        "{} on {}: test loss, every {} steps",
        lopt.name(),
        task.name(),
        curve.eval_every
    );
    let canvas = line_chart_log_y(&title, "evaluation", "test loss (log scale)", &series);
    fs::write(&plot, canvas.to_png()).map_err(io_error(&plot))?;
    console.line(&format!(
        "after {} steps, test loss: {} {:.4}, Adam({}) {:.4}; wrote {} and {}",
        config.eval_steps,
        lopt.name(),
        ours.last().copied().unwrap_or(f32::NAN),
        config.baseline_lr,
        theirs.last().copied().unwrap_or(f32::NAN),
        csv.display(),
        plot.display()
    ));
    Ok(EvalReport {
        xs: learned.eval_xs.clone(),
        learned_test_loss: ours,
        adam_test_loss: theirs,
        csv,
        plot,
    })
}

fn log_lr(step: &MetaStep) -> f64 {
    step.theta
        .iter()
        .find(|(p, _)| p == "log_lr")
        .map_or(f64::NAN, |(_, v)| v[0] as f64)
}

/// One column per one-element meta-parameter (all of LearnableAdam's; none of MLPLOpt's).
fn write_theta_csv(
    path: &Path,
    history: &[MetaStep],
    theta: &optax_core::Tree,
) -> Result<(), Error> {
    let scalar: Vec<usize> = (0..theta.len())
        .filter(|&i| theta.leaves()[i].dims()[0] == 1)
        .collect();
    let has_lr = theta.index_of("log_lr").is_some();
    let mut text = String::from("iteration,meta_loss");
    for &i in &scalar {
        text.push(',');
        text.push_str(&theta.paths()[i]);
    }
    text.push_str(if has_lr { ",lr\n" } else { "\n" });
    let row = |text: &mut String, values: &dyn Fn(usize) -> f32, lr: f64| {
        for &i in &scalar {
            text.push_str(&format!(",{}", values(i)));
        }
        if has_lr {
            text.push_str(&format!(",{lr}"));
        }
        text.push('\n');
    };
    for step in history {
        text.push_str(&format!("{},{}", step.iteration, step.meta_loss));
        row(&mut text, &|i| step.theta[i].1[0], log_lr(step).exp());
    }
    // The final theta, without a meta-loss.
    let last = theta.to_vecs()?;
    text.push_str(&format!("{},", history.len()));
    let final_lr = theta
        .index_of("log_lr")
        .map_or(f64::NAN, |i| (last[i][0] as f64).exp());
    row(&mut text, &|i| last[i][0], final_lr);
    fs::write(path, text).map_err(io_error(path))
}

fn write_theta_json(path: &Path, theta: &optax_core::Tree) -> Result<(), Error> {
    let map: serde_json::Map<String, serde_json::Value> = theta
        .paths()
        .iter()
        .cloned()
        .zip(theta.to_vecs()?)
        .map(|(p, v)| (p, serde_json::Value::from(v)))
        .collect();
    let text =
        serde_json::to_string(&map).map_err(|e| Error::Optax(OptaxError::Io(e.to_string())))?;
    fs::write(path, text).map_err(io_error(path))
}

/// The notebook's learning rate at every iteration up to `n`, interpolated in log space
/// between its recorded points (held after the last one).
pub fn notebook_lr_curve(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| {
            let k = NOTEBOOK_LR
                .windows(2)
                .position(|w| i < w[1].0)
                .unwrap_or(NOTEBOOK_LR.len() - 2);
            let ((i0, a), (i1, b)) = (NOTEBOOK_LR[k], NOTEBOOK_LR[k + 1]);
            let t = ((i as f64 - i0 as f64) / (i1 - i0) as f64).min(1.0);
            (a.ln() + t * (b.ln() - a.ln())).exp() as f32
        })
        .collect()
}

fn write_lr_plot(
    path: &Path,
    lr: &[f64],
    lopt: &str,
    task: &str,
    device: &str,
) -> Result<(), Error> {
    let ours: Vec<f32> = lr.iter().map(|&v| v as f32).collect();
    let notebook = notebook_lr_curve(ours.len().min(2001));
    let mut series = vec![Series {
        label: "optax-learned (this run)",
        values: &ours,
    }];
    // The notebook's curve is LearnableAdam's on the Fashion-MNIST task.
    if lopt == "LearnableAdam" && task == "ImageMLP_FashionMnist8_Relu32" {
        series.push(Series {
            label: "learned_optimization notebook (recorded)",
            values: &notebook,
        });
    }
    let title = format!("{lopt} on {task}: learning rate by meta-iteration ({device})");
    let canvas = line_chart_log_y(
        &title,
        "meta-iteration",
        "learning rate (log scale)",
        &series,
    );
    fs::write(path, canvas.to_png()).map_err(io_error(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notebook_curve_passes_through_the_recorded_points() {
        let c = notebook_lr_curve(2001);
        for (i, lr) in NOTEBOOK_LR {
            assert!((c[i] as f64 - lr).abs() < 1e-6 * lr.max(1e-3), "{i}");
        }
        assert!(c[25] > 1e-3 && c[25] < 1.8e-3);
    }

    #[test]
    fn quadratic_meta_run_writes_its_files() {
        let out = std::env::temp_dir().join(format!("optax-meta-test-{}", std::process::id()));
        let config = MetaConfig {
            task: vec![TaskChoice::Quadratic],
            learned_optimizer: LearnedOptimizerChoice::LearnableSgd,
            iterations: 30,
            out: out.clone(),
            ..Default::default()
        };
        let report = run_meta_silent(&config).unwrap();
        let lr = report.lr.unwrap();
        assert_eq!(lr.len(), 31);
        assert!(lr[30] > lr[0], "{lr:?}");
        let csv = fs::read_to_string(&report.csv).unwrap();
        assert_eq!(csv.lines().count(), 32);
        assert!(csv.starts_with("iteration,meta_loss,log_lr,lr\n"), "{csv}");
        assert_eq!(&fs::read(&report.plot).unwrap()[..4], b"\x89PNG");
        // Resuming from the saved theta starts where the run ended.
        let resumed = run_meta_silent(&MetaConfig {
            theta: Some(report.theta_bpk.clone()),
            iterations: 1,
            ..config.clone()
        })
        .unwrap();
        assert!((resumed.lr.unwrap()[0] - lr[30]).abs() < 1e-9 * lr[30]);
        // Another learned optimizer's theta is a named error.
        let err = run_meta_silent(&MetaConfig {
            theta: Some(report.theta_bpk.clone()),
            learned_optimizer: LearnedOptimizerChoice::LearnableAdam,
            ..config
        })
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("invalid value for --theta"), "{err}");
        let _ = fs::remove_dir_all(out);
    }

    #[test]
    fn es_and_pes_train_mlp_lopt_and_evaluate_it() {
        for estimator in [EstimatorChoice::Es, EstimatorChoice::Pes] {
            let out = std::env::temp_dir()
                .join(format!("optax-meta-{estimator:?}-{}", std::process::id()));
            let config = MetaConfig {
                task: vec![TaskChoice::QuadraticFamily, TaskChoice::Quadratic],
                learned_optimizer: LearnedOptimizerChoice::Mlp,
                estimator,
                iterations: 3,
                unroll_steps: 5,
                tasks: 2,
                min_length: 8,
                max_length: 12,
                eval_steps: 20,
                out: out.clone(),
                ..Default::default()
            };
            let report = run_meta_silent(&config).unwrap();
            assert!(report.lr.is_none());
            assert_eq!(report.meta_loss.len(), 3);
            assert!(report.meta_loss.iter().all(|l| l.is_finite() && *l > 0.0));
            let theta: serde_json::Value =
                serde_json::from_str(&fs::read_to_string(&report.theta_json).unwrap()).unwrap();
            assert_eq!(theta["mlp/~/linear_0/w"].as_array().unwrap().len(), 19 * 32);
            let eval = report.eval.unwrap();
            assert_eq!(eval.xs.first(), Some(&0));
            assert_eq!(eval.xs.last(), Some(&20));
            assert_eq!(
                fs::read_to_string(&eval.csv).unwrap().lines().count(),
                eval.xs.len() + 1
            );
            assert_eq!(&fs::read(&report.plot).unwrap()[..4], b"\x89PNG");
            let _ = fs::remove_dir_all(out);
        }
    }

    #[test]
    fn bad_meta_lr_is_an_option_error() {
        let config = MetaConfig {
            meta_lr: -1.0,
            ..Default::default()
        };
        let err = run_meta_silent(&config).unwrap_err().to_string();
        assert_eq!(
            err,
            "invalid value for --meta-lr: must be positive and finite, got -1"
        );
        let config = MetaConfig {
            min_length: 10,
            max_length: 5,
            ..Default::default()
        };
        let err = run_meta_silent(&config).unwrap_err().to_string();
        assert!(err.starts_with("invalid value for --min-length"), "{err}");
    }
}
