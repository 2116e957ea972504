//! Where a quickstart step spends its time, on the CPU (flex): the quickstart's two runs
//! (seed 0, 1000 steps of 5 numbers; 320 parameters), each timed phase by phase:
//!
//! - `value_and_grad`: marking the parameters as requiring a gradient, the forward pass, the
//!   loss, `backward` and reading the gradients as a tree;
//! - `step`: the optimizer's one-pass `step` (what `optax-train` calls);
//! - `update + apply`: Optax's two calls, `update_in_place` then `apply_updates`, on a copy of
//!   the same parameters and state (same numbers, for comparison).
//!
//! ```sh
//! cargo run --release -p optax-train --example step_breakdown
//! ```

use std::time::{Duration, Instant};

use burn::tensor::Device;
use optax_core::prelude::*;
use optax_train::{loss_fn, run1_optimizer, run2_optimizer, HostData};

fn micros(d: Duration, steps: usize) -> f64 {
    d.as_secs_f64() * 1e6 / steps as f64
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let device = Device::flex();
    let steps = 1000;
    let host = HostData::generate(0, steps, 5);
    let batches = host.batches(&device);
    let (run1, _) = run1_optimizer(None)?;
    let runs = [
        ("run 1: adam", run1),
        ("run 2: clip + adamw", run2_optimizer()?),
    ];
    println!("quickstart step breakdown on flex, {steps} steps, µs per step (median of 5 runs)");
    println!("| run | value_and_grad | step | update + apply | fused |");
    println!("|---|---|---|---|---|");
    for (name, optimizer) in runs {
        let mut rows = Vec::new();
        for _ in 0..5 {
            let mut params = host.params(&device)?;
            let mut state = optimizer.init(&params)?;
            let mut copy = params.clone();
            let mut copy_state = state.clone();
            let (mut grad_time, mut step_time, mut two_call_time) =
                (Duration::ZERO, Duration::ZERO, Duration::ZERO);
            for (x, y) in &batches {
                let t0 = Instant::now();
                let p = params.require_grad();
                let loss = loss_fn(&p, x.clone(), y.clone())?;
                let grads = p.grad(&loss.backward());
                drop(p);
                let t1 = Instant::now();
                optimizer.step(&mut params, grads.clone(), &mut state)?;
                let t2 = Instant::now();
                let updates = optimizer.update_in_place(
                    grads,
                    &mut copy_state,
                    Some(&copy),
                    &Extra::none(),
                )?;
                copy = apply_updates(&copy, &updates)?;
                let t3 = Instant::now();
                grad_time += t1 - t0;
                step_time += t2 - t1;
                two_call_time += t3 - t2;
            }
            rows.push((grad_time, step_time, two_call_time));
        }
        rows.sort_by_key(|r| r.0 + r.1);
        let (g, s, t) = rows[2];
        let fused = optimizer.explain_fusion(&host.params(&device)?);
        println!(
            "| {name} | {:.1} | {:.1} | {:.1} | {fused} |",
            micros(g, steps),
            micros(s, steps),
            micros(t, steps)
        );
    }
    Ok(())
}
