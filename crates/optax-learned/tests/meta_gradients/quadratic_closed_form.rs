//! Exact meta-gradients on `QuadraticTask` with `LearnableSGD`, against the closed form.
//!
//! On `L(p) = Σp²`, SGD at `lr` gives `p_t = (1 − 2·lr)^t p₀`, so with `q = 1 − 2·lr` and
//! `S = ‖p₀‖²`:
//! - last-step meta-loss `q^{2T} S`, with `d/dlog_lr = −4T·lr·q^{2T−1} S`;
//! - mean meta-loss `(1/T) Σ_{t<T} q^{2t} S`, with `d/dlog_lr = (1/T) Σ_t −4t·lr·q^{2t−1} S`;
//!
//! both minimised at `lr = 0.5` (learned_optimization's analytic oracle).

use burn::tensor::{Device, Tensor};
use optax_core::prelude::*;
use optax_core::{adam, OptaxError, Result, Tree};
use optax_learned::{
    meta_value_and_grad, unrolled_meta_loss, Batch, LearnableSgd, LearnedOptimizer, MetaLoss,
    QuadraticTask, Task,
};

fn closed_form(lr: f64, s: f64, steps: usize, kind: MetaLoss) -> (f64, f64) {
    let q = 1.0 - 2.0 * lr;
    let t = steps as f64;
    match kind {
        MetaLoss::LastStep => (
            q.powf(2.0 * t) * s,
            -4.0 * t * lr * q.powf(2.0 * t - 1.0) * s,
        ),
        MetaLoss::Mean => {
            let value = (0..steps).map(|k| q.powi(2 * k as i32)).sum::<f64>() * s / t;
            let grad = (1..steps)
                .map(|k| -4.0 * k as f64 * lr * q.powi(2 * k as i32 - 1))
                .sum::<f64>()
                * s
                / t;
            (value, grad)
        }
    }
}

fn norm2(p: &Tree) -> f64 {
    p.to_vecs().unwrap()[0]
        .iter()
        .map(|&x| (x as f64) * (x as f64))
        .sum()
}

fn assert_close(what: &str, got: f64, want: f64, rtol: f64) {
    assert!(
        (got - want).abs() <= rtol * want.abs() + 1e-7,
        "{what}: got {got}, closed form {want}"
    );
}

#[test]
fn exact_meta_gradient_matches_the_closed_form() {
    let device = Device::flex();
    let task = QuadraticTask::new(10);
    let p0 = task.init(0, &device).unwrap();
    let s = norm2(&p0);
    for kind in [MetaLoss::LastStep, MetaLoss::Mean] {
        for (lr, steps) in [(0.01, 4), (0.1, 4), (0.3, 10), (0.05, 20)] {
            let lopt = LearnableSgd::new(lr);
            let theta = lopt.init(0, &device).unwrap();
            let (value, grad) =
                meta_value_and_grad(&task, &lopt, &theta, &p0, None, steps, kind).unwrap();
            // The lr the optimizer saw is exp(ln lr) in float32.
            let lr32 = (lr.ln() as f32).exp() as f64;
            let (v, g) = closed_form(lr32, s, steps, kind);
            let what = format!("{kind:?}, lr {lr}, T {steps}");
            assert_close(&format!("{what}: value"), value as f64, v, 1e-5);
            assert_close(
                &format!("{what}: d/dlog_lr"),
                grad.to_vecs().unwrap()[0][0] as f64,
                g,
                2e-5,
            );
        }
    }
}

#[test]
fn the_meta_gradient_vanishes_at_the_optimum() {
    let device = Device::flex();
    let task = QuadraticTask::new(10);
    let p0 = task.init(3, &device).unwrap();
    let lopt = LearnableSgd::new(0.5);
    let theta = lopt.init(0, &device).unwrap();
    let (value, grad) =
        meta_value_and_grad(&task, &lopt, &theta, &p0, None, 4, MetaLoss::LastStep).unwrap();
    assert!(value.abs() < 1e-10, "{value}");
    assert!(grad.to_vecs().unwrap()[0][0].abs() < 1e-6);
}

#[test]
fn exact_meta_gradient_agrees_with_central_differences() {
    let device = Device::flex();
    let task = QuadraticTask::new(10);
    let p0 = task.init(1, &device).unwrap();
    let lopt = LearnableSgd::new(0.05);
    let theta = lopt.init(0, &device).unwrap();
    let (_, grad) =
        meta_value_and_grad(&task, &lopt, &theta, &p0, None, 10, MetaLoss::Mean).unwrap();
    let log_lr = theta.to_vecs().unwrap()[0][0];
    let h = 1e-2f32;
    let at = |x: f32| -> f64 {
        let t = Tree::builder()
            .scalar("log_lr", x, &device)
            .build()
            .unwrap();
        unrolled_meta_loss(&task, &lopt, &t, p0.clone(), None, 10, MetaLoss::Mean)
            .unwrap()
            .into_scalar::<f32>() as f64
    };
    let fd = (at(log_lr + h) - at(log_lr - h)) / (2.0 * h as f64);
    assert_close(
        "central difference",
        grad.to_vecs().unwrap()[0][0] as f64,
        fd,
        1e-3,
    );
}

#[test]
fn meta_training_raises_the_learning_rate_towards_the_optimum() {
    let device = Device::flex();
    let task = QuadraticTask::new(10);
    let lopt = LearnableSgd::new(0.01);
    let mut theta = lopt.init(0, &device).unwrap();
    let meta_opt = adam(0.05).build();
    let mut meta_state = meta_opt.init(&theta).unwrap();
    let mut first = None;
    let mut last = 0.0;
    for i in 0..300 {
        let p0 = task.init(i, &device).unwrap();
        let (loss, grad) =
            meta_value_and_grad(&task, &lopt, &theta, &p0, None, 4, MetaLoss::LastStep).unwrap();
        first.get_or_insert(loss / norm2(&p0) as f32);
        last = loss / norm2(&p0) as f32;
        meta_opt.step(&mut theta, grad, &mut meta_state).unwrap();
    }
    let lr = (theta.to_vecs().unwrap()[0][0] as f64).exp();
    let first = first.unwrap();
    println!(
        "lr 0.01 -> {lr:.4} after 300 meta-steps; normalized meta-loss {first:.3e} -> {last:.3e}"
    );
    // (1 - 2 lr)^8: 0.85 at lr 0.01, 0.004 at lr 0.25, 0 at 0.5.
    assert!(lr > 0.25 && lr < 0.75, "lr after meta-training: {lr}");
    assert!(
        last < first / 100.0,
        "normalized meta-loss {first} -> {last}"
    );
}

/// A task without an exact gradient: `Σp²` with no `Task::grad`.
struct NoGradTask;

impl Task for NoGradTask {
    fn name(&self) -> String {
        "NoGradTask".into()
    }
    fn init(&self, seed: u64, device: &Device) -> Result<Tree> {
        QuadraticTask::new(3).init(seed, device)
    }
    fn loss(&self, params: &Tree, batch: Option<&Batch>) -> Result<Tensor<1>> {
        QuadraticTask::new(3).loss(params, batch)
    }
}

#[test]
fn bad_input_is_a_named_error() {
    let device = Device::flex();
    let lopt = LearnableSgd::default();
    let theta = lopt.init(0, &device).unwrap();
    let p0 = NoGradTask.init(0, &device).unwrap();
    let err = meta_value_and_grad(&NoGradTask, &lopt, &theta, &p0, None, 3, MetaLoss::LastStep)
        .unwrap_err();
    assert!(err.to_string().contains("NoGradTask"), "{err}");

    let wrong = Tree::builder().scalar("lr", 0.1, &device).build().unwrap();
    let err = lopt.opt_fn(&wrong).err().expect("an error");
    assert!(
        matches!(err, OptaxError::StateMismatch { .. }) && err.to_string().contains("log_lr"),
        "{err}"
    );

    let task = QuadraticTask::new(3);
    let p0 = task.init(0, &device).unwrap();
    assert!(meta_value_and_grad(&task, &lopt, &theta, &p0, None, 0, MetaLoss::LastStep).is_err());
    assert!(LearnableSgd::new(-1.0).init(0, &device).is_err());
    assert!(QuadraticTask::new(0).init(0, &device).is_err());
}
