//! The optimizer-step bench: one table per device, AdamW in float32.
//!
//! ```text
//! cargo run --release -p optax-kernels --example optax-bench [--features ndarray] --
//!     [--sizes 1k,64k,1m,16m,64m] [--many] [--gpt2] [--budget-ms 2000]
//!     [--methods roofline,fused,core-step,core-fused,reference,burn-optim] [--no-cpu] [--no-wgpu]
//! ```
//!
//! The devices: flex, ndarray when built with the `ndarray` feature (both CPU tables unless
//! `--no-cpu`), and the first wgpu adapter (unless `--no-wgpu`).
//!
//! For each parameter set (one leaf of each size; `--many`: 16M parameters in GPT-2's 148
//! tensor shapes at width 256; `--gpt2`: the GPT-2-small set, 148 tensors, 124,439,808
//! parameters) and each method, the median time of a step, the bandwidth at 28
//! bytes per parameter (read p, g, m, v; write p, m, v) and the ratios to the roofline and to
//! burn-optim. Methods:
//!
//! - `roofline`: on the CPU (flex or ndarray alike), the plain fused Rust loop over four
//!   `Vec<f32>`s, on the same thread pool (`optax_kernels::roofline`); on a GPU, a device
//!   buffer copy of the same 28 bytes per parameter; measured in this run;
//! - `fused`: `optax_kernels::adam` on the leaves, parameters updated in place (one pass; on
//!   wgpu the WGSL kernels of `shaders/`);
//! - `core-step`: optax-core `adamw(..)` through the one-pass `step` of the public API
//!   (`TransformExt::step`: parameters and state in place, the fused kernel's one pass);
//! - `core-fused`: optax-core `adamw(..)` (its fused path) through Optax's two calls,
//!   `update_in_place` then `apply_updates` (two passes: the update, then `p + u`);
//! - `reference`: optax-core `adamw(..).fused(false)`, the tensor-op chain, same calls;
//! - `burn-optim`: burn's `AdamWConfig` via `ModuleOptimizer::step` on a module holding the
//!   same leaves.
//!
//! (An example rather than a `[[bin]]`: the reference rows need optax-core, which depends on
//! this crate, so optax-core can only be a dev-dependency here.)

use std::time::{Duration, Instant};

use burn::module::{Module, Param};
use burn::optim::{AdamWConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, DeviceType, Tensor, TensorData};
use optax_core::prelude::*;
use optax_core::{adamw, Tree};
#[cfg(feature = "ndarray")]
use optax_kernels::is_ndarray;
use optax_kernels::{AdamHyper, Target};

/// Without the `ndarray` feature there is no ndarray device.
#[cfg(not(feature = "ndarray"))]
fn is_ndarray(_: &Device) -> bool {
    false
}

const BYTES_PER_PARAM: f64 = 28.0;
const LR: f64 = 1e-3;
const WD: f64 = 1e-4;

#[derive(Module, Debug)]
struct Bag {
    leaves: Vec<Param<Tensor<1>>>,
}

struct Set {
    name: String,
    lens: Vec<usize>,
}

impl Set {
    fn numel(&self) -> usize {
        self.lens.iter().sum()
    }
}

/// GPT-2-small's 148 tensors (124,439,808 parameters).
fn gpt2_small() -> Set {
    gpt2_shaped("gpt2-small", 768, 50257)
}

/// GPT-2's 148 tensor shapes at width 256 with a 27,490-token vocabulary: 16M parameters
/// (16,777,216) in 148 tensors, most of them small.
fn many_leaves_16m() -> Set {
    gpt2_shaped("16M/148", 256, 27490)
}

/// GPT-2's tensors (12 layers, context 1024) at width `d` and vocabulary `v`.
fn gpt2_shaped(name: &str, d: usize, v: usize) -> Set {
    let (ctx, layers) = (1024usize, 12);
    let mut lens = vec![v * d, ctx * d];
    for _ in 0..layers {
        lens.extend([
            d,
            d,
            d * 3 * d,
            3 * d,
            d * d,
            d,
            d,
            d,
            d * 4 * d,
            4 * d,
            4 * d * d,
            d,
        ]);
    }
    lens.extend([d, d]);
    Set {
        name: name.into(),
        lens,
    }
}

fn parse_size(s: &str) -> usize {
    let s = s.trim().to_ascii_lowercase();
    let (num, mul) = match s.chars().last() {
        Some('k') => (&s[..s.len() - 1], 1024),
        Some('m') => (&s[..s.len() - 1], 1024 * 1024),
        _ => (&s[..], 1),
    };
    num.parse::<usize>().expect("a size like 64k or 16m") * mul
}

fn label(n: usize) -> String {
    if n >= 1 << 20 && n % (1 << 20) == 0 {
        format!("{}M", n >> 20)
    } else if n >= 1 << 10 && n % (1 << 10) == 0 {
        format!("{}K", n >> 10)
    } else {
        n.to_string()
    }
}

/// Deterministic values in [-1, 1).
fn values(n: usize, seed: u64) -> Vec<f32> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            ((x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40) as f32 / (1u64 << 23) as f32) - 1.0
        })
        .collect()
}

fn leaves(set: &Set, seed: u64, device: &Device) -> Vec<Tensor<1>> {
    set.lens
        .iter()
        .enumerate()
        .map(|(i, &n)| Tensor::from_data(TensorData::new(values(n, seed + i as u64), [n]), device))
        .collect()
}

/// A deep copy (a buffer of its own), as the gradients of a new backward pass are.
fn fresh(ts: &[Tensor<1>]) -> Vec<Tensor<1>> {
    ts.iter().map(|t| t.clone().mul_scalar(1.0)).collect()
}

/// Median time of `step`, run at least 3 times and until `budget` is spent (after one
/// warm-up); `prepare` runs untimed before each step.
/// The median time of `step` on what `prepare` makes (untimed); what `step` returns is
/// dropped after the clock stops (freeing a large buffer is not part of a step).
fn measure<S, R>(
    budget: Duration,
    device: &Device,
    mut prepare: impl FnMut() -> S,
    mut step: impl FnMut(S) -> R,
) -> Duration {
    let s = prepare();
    drop(step(s));
    device.sync().ok();
    let start = Instant::now();
    let mut times = Vec::new();
    while times.len() < 3 || (start.elapsed() < budget && times.len() < 1000) {
        let s = prepare();
        device.sync().ok();
        let t0 = Instant::now();
        let out = step(s);
        device.sync().ok();
        times.push(t0.elapsed());
        drop(out);
    }
    times.sort();
    times[times.len() / 2]
}

/// Whether the device really ran the steps: reads back one element of each `written` tensor.
/// A device may defer an execution error (a failed allocation, say) past `Device::sync`, so
/// a step that failed would otherwise be timed as a fast one. On failure, the deepest cause.
fn ran(written: &[Tensor<1>]) -> Result<(), String> {
    for t in written {
        if let Err(e) = t.clone().narrow(0, 0, 1).try_into_scalar::<f32>() {
            let msg = format!("{e:?}");
            let mut lines = msg.lines().map(str::trim);
            let mut cause = lines.next().unwrap_or_default().to_string();
            while let Some(line) = lines.next() {
                if line == "Caused by:" {
                    cause = lines.next().unwrap_or_default().to_string();
                }
            }
            return Err(format!("failed on the device: {cause}"));
        }
    }
    Ok(())
}

struct Row {
    method: &'static str,
    time: Option<Duration>,
    note: String,
}

impl Row {
    /// A timed row, or a failed one whose note says why.
    fn of(method: &'static str, time: Result<Duration, String>) -> Self {
        match time {
            Ok(t) => Row {
                method,
                time: Some(t),
                note: String::new(),
            },
            Err(e) => Row {
                method,
                time: None,
                note: e.chars().take(80).collect(),
            },
        }
    }
}

fn hyper() -> AdamHyper {
    AdamHyper {
        weight_decay: Some(WD),
        ..AdamHyper::new(LR)
    }
}

fn bench_roofline(set: &Set, budget: Duration) -> Duration {
    let n = set.numel();
    let mut p = values(n, 1);
    let g = values(n, 2);
    let mut m = vec![0.0f32; n];
    let mut v = vec![0.0f32; n];
    let h = hyper();
    measure(
        budget,
        &Device::flex(),
        || (),
        |_| optax_kernels::roofline::adamw_slices(&mut p, &g, &mut m, &mut v, &h),
    )
}

/// The GPU roofline: device buffer copies moving the same bytes as an AdamW step (3.5 floats
/// per parameter, read once and written once: 28 bytes per parameter), through element-wise
/// kernels over buffers of at most 8M floats (an adapter's binding-size limit may be 128 MiB).
fn bench_copy(set: &Set, device: &Device, budget: Duration) -> Duration {
    const MAX: usize = 8 << 20;
    let total = (set.numel() * 7).div_ceil(2);
    let pieces = total.div_ceil(MAX);
    let n = total.div_ceil(pieces);
    let src: Vec<Tensor<1>> = (0..pieces)
        .map(|k| Tensor::<1>::from_data(TensorData::new(values(n, 3 + k as u64), [n]), device))
        .collect();
    measure(
        budget,
        device,
        || (),
        |_| {
            // ×1.5 rather than ×1, which a fusing backend may skip.
            let copies: Vec<Tensor<1>> = src.iter().map(|t| t.clone().mul_scalar(1.5)).collect();
            // Keep the copies until the step has run.
            device.sync().ok();
            drop(copies);
        },
    )
}

/// The fused step; the note says how many WGSL dispatches one step launched (wgpu).
fn bench_fused(set: &Set, device: &Device, budget: Duration) -> Result<(Duration, String), String> {
    let mut p = leaves(set, 1, device);
    let g = leaves(set, 100, device);
    let mut mu: Vec<Tensor<1>> = p.iter().map(|t| t.zeros_like()).collect();
    let mut nu: Vec<Tensor<1>> = p.iter().map(|t| t.zeros_like()).collect();
    let mut count = 0i64;
    let mut err = None;
    let mut step = |p: &mut Vec<Tensor<1>>, mu: &mut Vec<Tensor<1>>, nu: &mut Vec<Tensor<1>>| {
        let h = AdamHyper { count, ..hyper() };
        count += 1;
        let target = Target::Params {
            params: p,
            grads: &g,
        };
        match optax_kernels::adam(target, mu, nu, &h, None, None) {
            Ok(r) => assert_eq!(r.fresh, 0, "the bench's buffers are unique"),
            Err(e) => err = Some(e.to_string()),
        }
    };
    let before = optax_kernels::wgpu_dispatches();
    step(&mut p, &mut mu, &mut nu);
    device.sync().ok();
    let dispatches = optax_kernels::wgpu_dispatches() - before;
    let t = measure(budget, device, || (), |_| step(&mut p, &mut mu, &mut nu));
    let note = if dispatches > 0 {
        format!("{dispatches} dispatches/step")
    } else {
        String::new()
    };
    match err {
        Some(e) => Err(e),
        None => ran(&p).map(|()| (t, note)),
    }
}

fn tree_of(set: &Set, ts: Vec<Tensor<1>>) -> Tree {
    let mut b = Tree::builder();
    for (i, t) in ts.into_iter().enumerate() {
        let n = set.lens[i];
        b = b.flat(format!("leaf{i}"), vec![n], t);
    }
    b.build().expect("unique paths")
}

/// optax-core's `adamw(..)` through the one-pass `step` (parameters and state in place). The
/// gradients are one tree, as in the `fused` row (the step only reads them).
fn bench_step(set: &Set, device: &Device, budget: Duration) -> Result<Duration, String> {
    let opt = adamw(LR).weight_decay(WD);
    let mut params = tree_of(set, leaves(set, 1, device));
    let grads = tree_of(set, leaves(set, 100, device));
    let mut state = opt.init(&params).expect("init");
    let t = measure(
        budget,
        device,
        || grads.clone(),
        |grads| opt.step(&mut params, grads, &mut state).expect("step"),
    );
    ran(params.leaves()).map(|()| t)
}

/// optax-core's `adamw(..)` through Optax's two calls, `update_in_place` then
/// `apply_updates`; `fused: false` runs the tensor-op chain.
fn bench_core(
    set: &Set,
    device: &Device,
    budget: Duration,
    fused: bool,
) -> Result<Duration, String> {
    let opt = adamw(LR).weight_decay(WD).fused(fused);
    let mut params = tree_of(set, leaves(set, 1, device));
    let base = leaves(set, 100, device);
    let mut state = opt.init(&params).expect("init");
    let t = measure(
        budget,
        device,
        || tree_of(set, fresh(&base)),
        |grads| {
            let updates = opt
                .update_in_place(grads, &mut state, Some(&params), &Extra::none())
                .expect("update");
            let next = apply_updates(&params, &updates).expect("apply");
            // The old parameters and the updates are freed after the clock stops.
            (std::mem::replace(&mut params, next), updates)
        },
    );
    ran(params.leaves()).map(|()| t)
}

fn bench_burn_optim(set: &Set, device: &Device, budget: Duration) -> Result<Duration, String> {
    let mut optim: ModuleOptimizer = AdamWConfig::new()
        .with_epsilon(1e-8)
        .with_weight_decay(WD as f32)
        .init();
    // Both closures reach the module: `prepare` reads its parameter ids, `step` replaces it.
    // burn-optim steps a module on the autodiff device with gradients on the inner device, as
    // a training loop gives them.
    let ad = device.clone().autodiff();
    let bag = std::cell::RefCell::new(Some(Bag {
        leaves: leaves(set, 1, &ad)
            .into_iter()
            .map(Param::from_tensor)
            .collect(),
    }));
    let base = leaves(set, 100, device);
    let t = measure(
        budget,
        device,
        || {
            let guard = bag.borrow();
            let module = guard.as_ref().expect("module");
            let mut grads = GradientsParams::new();
            for (p, g) in module.leaves.iter().zip(fresh(&base)) {
                grads.register(p.id, g);
            }
            grads
        },
        |grads| {
            let module = bag.borrow_mut().take().expect("module");
            *bag.borrow_mut() = Some(optim.step(LR, module, grads));
        },
    );
    let module = bag.into_inner().expect("module");
    let written: Vec<Tensor<1>> = module.leaves.iter().map(|p| p.val().inner()).collect();
    ran(&written).map(|()| t)
}

fn gbps(n: usize, t: Duration) -> f64 {
    n as f64 * BYTES_PER_PARAM / t.as_secs_f64() / 1e9
}

fn fmt_time(t: Duration) -> String {
    let us = t.as_secs_f64() * 1e6;
    if us < 1000.0 {
        format!("{us:.1} µs")
    } else if us < 1e6 {
        format!("{:.2} ms", us / 1e3)
    } else {
        format!("{:.3} s", us / 1e6)
    }
}

fn print_table(device_name: &str, results: &[(String, usize, usize, Vec<Row>)]) {
    println!("\n### {device_name}\n");
    println!("| params | leaves | method | time/step | GB/s @28 B/param | % of roofline | × burn-optim | note |");
    println!("|---|---|---|---|---|---|---|---|");
    for (name, n, nleaves, rows) in results {
        let roof = rows
            .iter()
            .find(|r| r.method == "roofline")
            .and_then(|r| r.time);
        let burn = rows
            .iter()
            .find(|r| r.method == "burn-optim")
            .and_then(|r| r.time);
        for r in rows {
            match r.time {
                Some(t) => {
                    let pct = roof
                        .map(|rt| format!("{:.0}%", 100.0 * rt.as_secs_f64() / t.as_secs_f64()))
                        .unwrap_or_else(|| "–".into());
                    let vs = burn
                        .map(|bt| format!("{:.2}×", bt.as_secs_f64() / t.as_secs_f64()))
                        .unwrap_or_else(|| "–".into());
                    println!(
                        "| {name} | {nleaves} | {} | {} | {:.2} | {pct} | {vs} | {} |",
                        r.method,
                        fmt_time(t),
                        gbps(*n, t),
                        r.note
                    );
                }
                None => println!(
                    "| {name} | {nleaves} | {} | – | – | – | – | {} |",
                    r.method, r.note
                ),
            }
        }
    }
}

fn main() {
    let mut sizes = "1k,64k,1m,16m".to_string();
    let mut gpt2 = false;
    let mut budget_ms = 2000u64;
    let mut methods = "roofline,fused,core-step,core-fused,reference,burn-optim".to_string();
    let mut many = false;
    let mut wgpu = true;
    let mut cpu_table = true;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--sizes" => sizes = args.next().expect("--sizes LIST"),
            "--gpt2" => gpt2 = true,
            "--many" => many = true,
            "--budget-ms" => {
                budget_ms = args
                    .next()
                    .expect("--budget-ms N")
                    .parse()
                    .expect("a number")
            }
            "--methods" => methods = args.next().expect("--methods LIST"),
            "--no-wgpu" => wgpu = false,
            "--no-cpu" => cpu_table = false,
            other => panic!("unknown argument {other}"),
        }
    }
    let budget = Duration::from_millis(budget_ms);
    let methods: Vec<&str> = methods.split(',').collect();
    let mut sets: Vec<Set> = sizes
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| {
            let n = parse_size(s);
            Set {
                name: label(n),
                lens: vec![n],
            }
        })
        .collect();
    if many {
        sets.push(many_leaves_16m());
    }
    if gpt2 {
        sets.push(gpt2_small());
    }

    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    println!(
        "optax-bench: AdamW float32 (lr {LR}, wd {WD}), median step time, budget {budget_ms} ms per cell; {cpu}; {} rayon threads",
        rayon::current_num_threads()
    );

    let mut devices = Vec::new();
    if cpu_table {
        devices.push(("flex (CPU)".to_string(), Device::flex()));
        // burn-ndarray is deprecated upstream; the `ndarray` feature opts in.
        #[cfg(feature = "ndarray")]
        #[allow(deprecated)]
        devices.push(("ndarray (CPU)".to_string(), Device::ndarray()));
    }
    if wgpu {
        if let Some(d) = Device::enumerate(DeviceType::Wgpu)
            .into_vec()
            .into_iter()
            .next()
        {
            devices.push((format!("wgpu ({d:?})"), d));
        }
    }
    for (name, device) in devices {
        let is_cpu = optax_kernels::is_flex(&device) || is_ndarray(&device);
        let mut results = Vec::new();
        for set in &sets {
            let mut rows = Vec::new();
            for &m in &methods {
                eprintln!("{name}: {} {m} ...", set.name);
                let row = match m {
                    "roofline" if is_cpu => Row {
                        method: "roofline",
                        time: Some(bench_roofline(set, budget)),
                        note: String::new(),
                    },
                    "roofline" => Row {
                        method: "roofline",
                        time: Some(bench_copy(set, &device, budget)),
                        note: String::new(),
                    },
                    "fused" => match bench_fused(set, &device, budget) {
                        Ok((t, note)) => Row {
                            method: "fused",
                            time: Some(t),
                            note,
                        },
                        Err(e) => Row {
                            method: "fused",
                            time: None,
                            note: e.chars().take(80).collect(),
                        },
                    },
                    "core-step" => Row::of("core-step", bench_step(set, &device, budget)),
                    "core-fused" => Row::of("core-fused", bench_core(set, &device, budget, true)),
                    "reference" => Row::of("reference", bench_core(set, &device, budget, false)),
                    "burn-optim" => Row::of("burn-optim", bench_burn_optim(set, &device, budget)),
                    other => panic!("unknown method {other}"),
                };
                rows.push(row);
            }
            results.push((set.name.clone(), set.numel(), set.lens.len(), rows));
        }
        print_table(&name, &results);
    }
}
