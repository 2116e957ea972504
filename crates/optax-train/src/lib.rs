//! # optax-train
//!
//! Optax's quickstart on Burn, as a library and the `optax-train` command: an MLP learns
//! whether an 8-bit number is odd or even, first with `adam(1e-2)`, then, from the same initial
//! parameters, with `chain(clip(1.0), adamw(warmup_cosine_decay_schedule(0, 1, 50, 1000)))`.
//!
//! The training step is written as a user of `optax-core` writes it: the parameters are a
//! [`Tree`]; each step marks them as requiring a gradient on the autodiff device, computes the
//! loss, calls `backward`, reads the gradients as a tree, and hands them to the optimizer's
//! one-pass `step` (Optax's `update` then `apply_updates`, in one fused kernel pass where the
//! optimizer has one):
//!
//! ```text
//! let p = params.require_grad();                         // leaves on device.autodiff()
//! let loss = loss_fn(&p, &x, &y)?;                        // Tensor<1>, one element
//! let grads = p.grad(&loss.backward());                   // value_and_grad
//! drop(p);                                                // params' buffers: unshared again
//! optimizer.step(&mut params, grads, &mut state)?;       // params and state in place
//! ```
//!
//! Everything that can be done once is done before the loop: the data of every step and the
//! 256 evaluation inputs are on the device before the first step, and the loss is read back
//! only every 100 steps (100 values at a time), so no step waits for the device otherwise.

mod meta;
mod plot;
mod progress;

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor, TensorData};
use optax_core::losses::sigmoid_binary_cross_entropy;
use optax_core::{
    adam, adamw, chain, clip, device, from_spec_str, warmup_cosine_decay_schedule,
    GradientTransformation, IntoTransformation, OptaxError, TransformExt, Tree,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;
use serde::Serialize;

pub use meta::{
    notebook_lr_curve, peak_rss_bytes, run_meta, run_meta_silent, EstimatorChoice, EvalReport,
    LearnedOptimizerChoice, MetaConfig, MetaReport, TaskChoice, NOTEBOOK_LR,
};
pub use plot::{line_chart_log_y, Canvas, Series};
use progress::Console;

/// Steps between two printed losses, as in the quickstart notebook.
pub const PRINT_EVERY: usize = 100;

/// Width of an input: the 8 bits of a number.
pub const BITS: usize = 8;

/// Hidden units of the MLP.
pub const HIDDEN: usize = 32;

/// Classes: even (0) and odd (1).
pub const CLASSES: usize = 2;

/// Options of the quickstart (the command line of `optax-train`).
#[derive(Clone, Debug, clap::Parser)]
#[command(
    name = "optax-train",
    version,
    about = "Optax's quickstart on Burn: an MLP learns whether an 8-bit number is odd or even.",
    long_about = "Optax's quickstart on Burn: an MLP (8 -> 32 -> 2, ReLU, no biases, N(0, 1) \
weights) learns whether an 8-bit number is odd or even from 1000 batches of 5 random numbers \
in [0, 255), with the sigmoid binary cross entropy.\n\n\
Run 1 trains with adam(learning_rate=1e-2) (or the --optimizer spec); run 2 starts from the \
same initial parameters and trains with chain(clip(1.0), adamw(learning_rate=\
warmup_cosine_decay_schedule(0.0, 1.0, 50, 1000, end_value=0.0))). Both print \
`step {i}, loss: {v}` every 100 steps, then the accuracy on all 256 inputs, the steps per \
second and the device. The losses of every step go to OUT/losses.csv and a log-scale plot of \
both runs to OUT/loss.png.\n\n\
Exit status: 0 on success, 1 when the run fails (no WebGPU adapter, a bad spec, an output \
folder that cannot be written), 2 for a bad command line.\n\n\
`optax-train meta` runs learned_optimization's Part 1 instead (see `optax-train meta --help`)."
)]
pub struct Config {
    /// Another program than the quickstart.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Where to train: `cpu` (burn-flex), `wgpu` (the first WebGPU/Vulkan/Metal/DX12 adapter;
    /// lavapipe works without a GPU) or `ndarray` (burn-ndarray; build with `--features
    /// ndarray`).
    #[arg(long, value_name = "DEVICE", default_value = "cpu")]
    pub device: String,

    /// Run 1's optimizer instead of adam(1e-2): a spec file (JSON or TOML) or inline JSON/TOML
    /// in optax-core's spec format, with Optax's names and arguments, e.g.
    /// '{"sgd": {"learning_rate": 0.1, "momentum": 0.9}}'.
    #[arg(long, value_name = "SPEC")]
    pub optimizer: Option<String>,

    /// Training steps of each run (one batch per step).
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = at_least_one)]
    pub steps: usize,

    /// Numbers per batch.
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = at_least_one)]
    pub batch_size: usize,

    /// Seed of the random data and initial parameters (the same seed gives the same run).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,

    /// Folder for losses.csv and loss.png (created if missing).
    #[arg(long, value_name = "DIR", default_value = "quickstart-out")]
    pub out: PathBuf,

    /// Print only the results: no step lines, no progress bar.
    #[arg(long, short)]
    pub quiet: bool,

    /// Print the results as one JSON object on stdout, and nothing else.
    #[arg(long)]
    pub json: bool,
}

/// The programs besides the quickstart.
#[derive(Clone, Debug, clap::Subcommand)]
pub enum Command {
    /// learned_optimization's Part 1: meta-train LearnableAdam's hyperparameters on the
    /// Fashion-MNIST 8×8 MLP task (4-step unrolls on one batch, learned_optimization's Adam(1e-2)
    /// on theta, 2000 meta-iterations; the options choose other learned optimizers, estimators
    /// and tasks); prints the meta-loss and learning rate every 100 iterations, writes
    /// theta.csv, theta.json, theta.bpk and a plot.
    Meta(MetaConfig),
}

impl Default for Config {
    fn default() -> Self {
        Self {
            command: None,
            device: "cpu".into(),
            optimizer: None,
            steps: 1000,
            batch_size: 5,
            seed: 0,
            out: PathBuf::from("quickstart-out"),
            quiet: false,
            json: false,
        }
    }
}

fn at_least_one(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(format!("{e}")),
    }
}

/// Why a quickstart run failed.
#[derive(Debug)]
pub enum Error {
    /// An option has a value that cannot be used.
    Option {
        /// The option, e.g. `--steps`.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The device could not be opened (unknown name, no adapter, not compiled in).
    Device {
        /// The name given.
        name: String,
        /// Why.
        source: OptaxError,
    },
    /// The `--optimizer` spec could not be read or built.
    Spec(String),
    /// The library rejected something during training.
    Optax(OptaxError),
    /// An output file could not be written.
    Io {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Option { name, reason } => write!(f, "invalid value for {name}: {reason}"),
            Error::Device { name, source } => match source {
                OptaxError::InvalidHyperparameter { reason, .. } => {
                    write!(f, "--device {name}: {reason}")
                }
                other => write!(f, "--device {name}: {other}"),
            },
            Error::Spec(reason) => write!(f, "--optimizer: {reason}"),
            Error::Optax(e) => write!(f, "{e}"),
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for Error {}

impl From<OptaxError> for Error {
    fn from(e: OptaxError) -> Self {
        Error::Optax(e)
    }
}

/// What one run did.
#[derive(Clone, Debug, Serialize)]
pub struct RunReport {
    /// `run 1` or `run 2`.
    pub name: String,
    /// The optimizer, in Optax's words.
    pub optimizer: String,
    /// The losses printed every [`PRINT_EVERY`] steps, as `(step, loss)`.
    pub printed: Vec<(usize, f32)>,
    /// The loss of every step (before that step's update).
    #[serde(skip)]
    pub losses: Vec<f32>,
    /// Correctly classified numbers among all 256 after training.
    pub correct: usize,
    /// 256.
    pub total: usize,
    /// Wall time of the training loop, seconds (the first step's kernel compilation included).
    pub seconds: f64,
    /// Steps per second over the whole loop.
    pub steps_per_second: f64,
}

impl RunReport {
    /// `correct / total`.
    pub fn accuracy(&self) -> f64 {
        self.correct as f64 / self.total as f64
    }

    /// The last printed loss.
    pub fn last_printed_loss(&self) -> f32 {
        self.printed.last().map_or(f32::NAN, |&(_, l)| l)
    }
}

/// What [`run_quickstart`] did.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The device, as `name (what it is)`.
    pub device: String,
    /// The seed.
    pub seed: u64,
    /// Steps of each run.
    pub steps: usize,
    /// Numbers per batch.
    pub batch_size: usize,
    /// Run 1 and run 2.
    pub runs: Vec<RunReport>,
    /// The CSV of the losses of every step.
    pub csv: PathBuf,
    /// The plot.
    pub plot: PathBuf,
}

/// The 8 bits of `x`, most significant first, as floats (`jnp.unpackbits`).
pub fn bits(x: u8) -> [f32; BITS] {
    std::array::from_fn(|i| ((x >> (BITS - 1 - i)) & 1) as f32)
}

/// The quickstart's random numbers, drawn on the host from one seed: the initial weights first
/// (so they do not depend on the number of steps), then the training numbers.
#[derive(Clone, Debug)]
pub struct HostData {
    /// `hidden`, 8×32, row-major, from N(0, 1).
    pub hidden: Vec<f32>,
    /// `output`, 32×2, row-major, from N(0, 1).
    pub output: Vec<f32>,
    /// `steps × batch_size` numbers in [0, 255).
    pub numbers: Vec<u8>,
    /// Numbers per batch.
    pub batch_size: usize,
}

impl HostData {
    /// Draws the weights and `steps` batches of `batch_size` numbers.
    pub fn generate(seed: u64, steps: usize, batch_size: usize) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut normal = |n: usize| -> Vec<f32> {
            (0..n)
                .map(|_| rng.sample::<f32, _>(StandardNormal))
                .collect()
        };
        let hidden = normal(BITS * HIDDEN);
        let output = normal(HIDDEN * CLASSES);
        let numbers = (0..steps * batch_size)
            .map(|_| rng.random_range(0..255u8))
            .collect();
        Self {
            hidden,
            output,
            numbers,
            batch_size,
        }
    }

    /// The initial parameters as a tree: `hidden` [8, 32] and `output` [32, 2].
    pub fn params(&self, device: &Device) -> Result<Tree, OptaxError> {
        Tree::builder()
            .leaf(
                "hidden",
                matrix(self.hidden.clone(), [BITS, HIDDEN], device),
            )
            .leaf(
                "output",
                matrix(self.output.clone(), [HIDDEN, CLASSES], device),
            )
            .build()
    }

    /// Every step's batch on `device`: inputs [batch, 8] and one-hot labels [batch, 2].
    pub fn batches(&self, device: &Device) -> Vec<(Tensor<2>, Tensor<2>)> {
        self.numbers
            .chunks(self.batch_size)
            .map(|batch| {
                let x = batch.iter().flat_map(|&n| bits(n)).collect();
                let y = batch.iter().flat_map(|&n| one_hot(n)).collect();
                (
                    matrix(x, [batch.len(), BITS], device),
                    matrix(y, [batch.len(), CLASSES], device),
                )
            })
            .collect()
    }
}

fn one_hot(n: u8) -> [f32; CLASSES] {
    std::array::from_fn(|c| if (n % 2) as usize == c { 1.0 } else { 0.0 })
}

fn matrix(values: Vec<f32>, shape: [usize; 2], device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(values, shape), device)
}

/// All 256 numbers, for the accuracy.
#[derive(Clone, Debug)]
pub struct EvalSet {
    /// [256, 8]: the bits of 0, 1, ..., 255.
    pub inputs: Tensor<2>,
}

impl EvalSet {
    /// The 256 inputs on `device`.
    pub fn new(device: &Device) -> Self {
        let x = (0..=255u8).flat_map(bits).collect();
        Self {
            inputs: matrix(x, [256, BITS], device),
        }
    }

    /// How many of the 256 numbers `logits` ([256, 2]) classify correctly, i.e. whose argmax is
    /// `n mod 2` (one device read).
    pub fn correct(&self, logits: Tensor<2>) -> usize {
        let predicted = logits.argmax(1).into_data();
        predicted
            .iter::<i64>()
            .zip(0..256i64)
            .filter(|&(class, n)| class == n % 2)
            .count()
    }
}

/// The network: `relu(x · hidden) · output`.
pub fn net(params: &Tree, x: Tensor<2>) -> Result<Tensor<2>, OptaxError> {
    let hidden = relu(x.matmul(params.get::<2>("hidden")?));
    Ok(hidden.matmul(params.get::<2>("output")?))
}

/// The loss: the sigmoid binary cross entropy summed over the classes, averaged over the batch.
pub fn loss_fn(params: &Tree, x: Tensor<2>, labels: Tensor<2>) -> Result<Tensor<1>, OptaxError> {
    let logits = net(params, x)?;
    Ok(sigmoid_binary_cross_entropy(logits, labels)?
        .sum_dim(1)
        .mean())
}

/// Run 2's optimizer: `chain(clip(1.0), adamw(learning_rate=warmup_cosine_decay_schedule(
/// init_value=0.0, peak_value=1.0, warmup_steps=50, decay_steps=1000, end_value=0.0)))`.
pub fn run2_optimizer() -> Result<GradientTransformation, OptaxError> {
    let schedule = warmup_cosine_decay_schedule(0.0, 1.0, 50, 1_000)
        .end_value(0.0)
        .build()?;
    Ok(chain![clip(1.0), adamw(schedule)].into_transformation())
}

/// Trains from `initial` with `optimizer`, one step per batch.
fn fit(
    name: &str,
    description: &str,
    initial: &Tree,
    optimizer: &GradientTransformation,
    batches: &[(Tensor<2>, Tensor<2>)],
    eval: &EvalSet,
    console: &mut Console,
) -> Result<RunReport, Error> {
    console.line(&format!("{name}: {description}"));
    let start = Instant::now();
    console.start(name, batches.len());

    let mut params = initial.clone();
    let mut state = optimizer.init(&params)?;
    let mut losses = Vec::with_capacity(batches.len());
    let mut pending: Vec<Tensor<1>> = Vec::with_capacity(PRINT_EVERY);
    let mut printed = Vec::new();
    for (i, (x, y)) in batches.iter().enumerate() {
        // value_and_grad: the loss and its gradient with respect to every leaf of the tree.
        let p = params.require_grad();
        let loss = loss_fn(&p, x.clone(), y.clone())?;
        let grads = p.grad(&loss.backward());
        // The autodiff copy shares the parameters' buffers: without it the step writes them
        // in place.
        drop(p);
        optimizer.step(&mut params, grads, &mut state)?;

        pending.push(loss.inner());
        let last = i + 1 == batches.len();
        if i % PRINT_EVERY == 0 || last {
            // One device read for the losses since the last one.
            let values = read_losses(std::mem::take(&mut pending))?;
            losses.extend_from_slice(&values);
            if i % PRINT_EVERY == 0 {
                let value = losses[i];
                printed.push((i, value));
                console.line(&format!("step {i}, loss: {}", fmt_loss(value)));
            }
        }
        console.tick(i + 1);
    }
    let seconds = start.elapsed().as_secs_f64();
    console.finish();

    let correct = eval.correct(net(&params, eval.inputs.clone())?);
    Ok(RunReport {
        name: name.to_string(),
        optimizer: description.to_string(),
        printed,
        losses,
        correct,
        total: 256,
        seconds,
        steps_per_second: batches.len() as f64 / seconds,
    })
}

/// A loss as Python prints a float: the shortest digits that read back the same, in
/// scientific notation below 1e-4 (`2.1074916e-27`, not 27 zeros).
pub fn fmt_loss(v: f32) -> String {
    if v != 0.0 && v.is_finite() && (v.abs() < 1e-4 || v.abs() >= 1e16) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

fn read_losses(pending: Vec<Tensor<1>>) -> Result<Vec<f32>, Error> {
    Tensor::cat(pending, 0)
        .into_data()
        .try_to_vec_as::<f32>()
        .map_err(|e| Error::Optax(OptaxError::Io(format!("reading the losses: {e:?}"))))
}

/// The device `name` (`cpu`, `wgpu`, `ndarray`) and a description of it.
pub fn open_device(name: &str) -> Result<(Device, String), Error> {
    let device = device::by_name(name).map_err(|source| Error::Device {
        name: name.to_string(),
        source,
    })?;
    let what = match name {
        "cpu" | "flex" => "cpu (burn-flex)".to_string(),
        "ndarray" => "ndarray (burn-ndarray)".to_string(),
        other => match device.identity() {
            Some(id) => format!("{other} ({})", id.name),
            None => other.to_string(),
        },
    };
    Ok((device, what))
}

/// Run 1's optimizer: `adam(1e-2)`, or the `--optimizer` spec (a file, or inline JSON/TOML).
pub fn run1_optimizer(spec: Option<&str>) -> Result<(GradientTransformation, String), Error> {
    let Some(spec) = spec else {
        return Ok((
            adam(1e-2).into_transformation(),
            "adam(learning_rate=0.01)".to_string(),
        ));
    };
    let path = Path::new(spec);
    let (text, description) = if path.is_file() {
        let text = fs::read_to_string(path)
            .map_err(|e| Error::Spec(format!("cannot read {spec}: {e}")))?;
        (text, format!("spec {spec}"))
    } else if spec.ends_with(".json") || spec.ends_with(".toml") {
        return Err(Error::Spec(format!("no spec file `{spec}`")));
    } else {
        let one_line = spec.split_whitespace().collect::<Vec<_>>().join(" ");
        (spec.to_string(), format!("spec {one_line}"))
    };
    let optimizer = from_spec_str(&text).map_err(|e| Error::Spec(e.to_string()))?;
    optimizer
        .validate()
        .map_err(|e| Error::Spec(e.to_string()))?;
    Ok((optimizer, description))
}

/// Runs the quickstart: both runs, the accuracy after each, `losses.csv` and `loss.png` in
/// `config.out`. Prints as the options say (step lines and a progress bar unless `quiet` or
/// `json`; the summary unless `json`).
pub fn run_quickstart(config: &Config) -> Result<Report, Error> {
    run_with_console(
        config,
        Console::new(!config.quiet && !config.json, !config.quiet && !config.json),
    )
}

/// [`run_quickstart`] without printing anything.
pub fn run_quickstart_silent(config: &Config) -> Result<Report, Error> {
    run_with_console(config, Console::silent())
}

fn run_with_console(config: &Config, mut console: Console) -> Result<Report, Error> {
    // Every check that can fail comes before the first step.
    for (name, value) in [
        ("--steps", config.steps),
        ("--batch-size", config.batch_size),
    ] {
        if value == 0 {
            return Err(Error::Option {
                name,
                reason: "must be at least 1".into(),
            });
        }
    }
    let (run1, run1_description) = run1_optimizer(config.optimizer.as_deref())?;
    let run2 = run2_optimizer()?;
    let (device, device_name) = open_device(&config.device)?;
    fs::create_dir_all(&config.out).map_err(|source| Error::Io {
        path: config.out.clone(),
        source,
    })?;
    let summary = !config.json;

    // Data, initial parameters and the evaluation set, once, on the device.
    let host = HostData::generate(config.seed, config.steps, config.batch_size);
    let initial = host.params(&device)?;
    let batches = host.batches(&device);
    let eval = EvalSet::new(&device);
    if summary {
        println!(
            "Optax quickstart on {device_name}: {} steps of {} numbers per run, seed {}",
            config.steps, config.batch_size, config.seed
        );
    }

    let runs = [
        ("run 1", run1_description.as_str(), &run1),
        (
            "run 2",
            "chain(clip(1.0), adamw(learning_rate=warmup_cosine_decay_schedule(0.0, 1.0, 50, 1000, end_value=0.0)))",
            &run2,
        ),
    ];
    let mut reports = Vec::new();
    for (name, description, optimizer) in runs {
        let report = fit(
            name,
            description,
            &initial,
            optimizer,
            &batches,
            &eval,
            &mut console,
        )?;
        if summary {
            println!(
                "{name}: accuracy {}/{} ({:.1}%), {} steps in {:.2} s ({:.0} steps/s) on {device_name}",
                report.correct,
                report.total,
                100.0 * report.accuracy(),
                config.steps,
                report.seconds,
                report.steps_per_second
            );
        }
        reports.push(report);
    }

    let csv = config.out.join("losses.csv");
    write_csv(&csv, &reports)?;
    let plot_path = config.out.join("loss.png");
    let series: Vec<Series> = reports
        .iter()
        .map(|r| Series {
            label: legend(r),
            values: &r.losses,
        })
        .collect();
    let title = format!("Optax quickstart on Burn: training loss on {device_name}");
    plot::write_loss_plot(&plot_path, &title, &series).map_err(|source| Error::Io {
        path: plot_path.clone(),
        source,
    })?;
    if summary {
        println!("wrote {} and {}", csv.display(), plot_path.display());
    }
    Ok(Report {
        device: device_name,
        seed: config.seed,
        steps: config.steps,
        batch_size: config.batch_size,
        runs: reports,
        csv,
        plot: plot_path,
    })
}

fn legend(run: &RunReport) -> &'static str {
    match (run.name.as_str(), run.optimizer.starts_with("adam(")) {
        ("run 1", true) => "run 1: adam(1e-2)",
        ("run 1", false) => "run 1: --optimizer spec",
        _ => "run 2: clip(1.0) + adamw(warmup cosine)",
    }
}

fn write_csv(path: &Path, runs: &[RunReport]) -> Result<(), Error> {
    let mut text = String::from("step");
    for i in 1..=runs.len() {
        text.push_str(&format!(",run{i}_loss"));
    }
    text.push('\n');
    let steps = runs.iter().map(|r| r.losses.len()).max().unwrap_or(0);
    for step in 0..steps {
        text.push_str(&step.to_string());
        for r in runs {
            text.push(',');
            if let Some(&v) = r.losses.get(step) {
                text.push_str(&fmt_loss(v));
            }
        }
        text.push('\n');
    }
    fs::write(path, text).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_are_msb_first() {
        assert_eq!(bits(1), [0., 0., 0., 0., 0., 0., 0., 1.]);
        assert_eq!(bits(128), [1., 0., 0., 0., 0., 0., 0., 0.]);
        assert_eq!(bits(254), [1., 1., 1., 1., 1., 1., 1., 0.]);
    }

    #[test]
    fn losses_print_like_python() {
        assert_eq!(fmt_loss(4.2606597), "4.2606597");
        assert_eq!(fmt_loss(0.0006478576), "0.0006478576");
        assert_eq!(fmt_loss(2.1074916e-27), "2.1074916e-27");
        assert_eq!(fmt_loss(0.0), "0");
    }

    #[test]
    fn labels_are_one_hot_of_parity() {
        assert_eq!(one_hot(6), [1.0, 0.0]);
        assert_eq!(one_hot(7), [0.0, 1.0]);
    }

    proptest::proptest! {
        /// More steps extend the data without changing the weights or the earlier batches, and
        /// every number is in [0, 255).
        #[test]
        fn host_data_is_reproducible_and_in_range(seed: u64, steps in 1usize..50, more in 0usize..50, batch in 1usize..9) {
            let a = HostData::generate(seed, steps, batch);
            let b = HostData::generate(seed, steps + more, batch);
            proptest::prop_assert_eq!(&a.hidden, &b.hidden);
            proptest::prop_assert_eq!(&a.output, &b.output);
            proptest::prop_assert_eq!(&a.numbers[..], &b.numbers[..steps * batch]);
            proptest::prop_assert_eq!(b.numbers.len(), (steps + more) * batch);
            proptest::prop_assert!(b.numbers.iter().all(|&n| n < 255));
            proptest::prop_assert_eq!((a.hidden.len(), a.output.len()), (BITS * HIDDEN, HIDDEN * CLASSES));
        }
    }

    #[test]
    fn zero_steps_is_an_error() {
        let config = Config {
            steps: 0,
            ..Config::default()
        };
        let err = run_quickstart_silent(&config).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid value for --steps: must be at least 1"
        );
    }
}
