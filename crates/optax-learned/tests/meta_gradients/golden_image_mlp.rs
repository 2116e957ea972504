//! The image-MLP task (`ImageMLP_FashionMnist8_Relu32`'s model) against JAX
//! (`tests/golden/gen_learned_image_mlp.py`, Optax 0.2.8), on a recorded batch from recorded
//! parameters: the loss, the hand-written gradient against `jax.grad`, and the Part 1
//! meta-loss (LearnableAdam, 4 steps on one batch) with its exact meta-gradient against
//! `jax.value_and_grad` through the unroll (second-order terms included); then the
//! meta-gradient against central finite differences of our own meta-loss.

use burn::tensor::{Device, Tensor, TensorData};
use optax_core::Tree;
use optax_learned::{
    meta_value_and_grad, unrolled_meta_loss, Batch, ClassificationData, ImageMlp, LearnableAdam,
    LearnedOptimizer, MetaLoss, Task,
};
use serde_json::Value;

use crate::{floats, golden, relative_error, tree, worst_error};

/// float32 with sums ordered differently: the loss to 1e-6, gradients to 1e-5 of their largest
/// component, the Part 1 meta-gradients too. Measured (2026-12-02): loss 3e-7, gradient 3e-7,
/// meta-loss 3e-7, meta-gradient 2e-6.
const LOSS_RTOL: f64 = 1e-6;
const GRAD_RTOL: f64 = 1e-5;
const META_LOSS_RTOL: f64 = 1e-5;
const META_GRAD_RTOL: f64 = 1e-5;
/// The `large` case (lr 0.2, six steps): its meta-loss is piecewise smooth in theta with kinks
/// (ReLU units switching) about 1e-4 apart in log_lr, so float32 rounding along the trajectory
/// moves the exact gradient more. Against JAX in float64 (by hand, 2026-12-02: d/dlog_lr
/// 0.1591706), JAX's float32 is off by 7e-5 and ours by 2.7e-4 (1.95e-4 of the largest
/// component).
const LARGE_META_GRAD_RTOL: f64 = 5e-4;

/// The task's architecture (64 → 32 → 10); the data it holds is not used here.
fn task() -> ImageMlp {
    let data = ClassificationData::synthetic(256, 64, 10, 0).unwrap();
    ImageMlp::new("ImageMLP_FashionMnist8_Relu32", data, vec![32], 128).unwrap()
}

fn batch(case: &Value, device: &Device) -> Batch {
    let x = floats(&case["inputs"]);
    let labels: Vec<usize> = case["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_u64().unwrap() as usize)
        .collect();
    let n = labels.len();
    let mut y = vec![0f32; n * 10];
    for (i, &l) in labels.iter().enumerate() {
        y[i * 10 + l] = 1.0;
    }
    Batch {
        inputs: Tensor::from_data(TensorData::new(x, [n, 64]), device),
        targets: Tensor::from_data(TensorData::new(y, [n, 10]), device),
    }
}

#[test]
fn loss_gradient_and_meta_gradient_match_jax() {
    let device = Device::flex();
    let data = golden("learned_image_mlp.json");
    let cases = data["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 3);
    let task = task();
    let lopt = LearnableAdam::default();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let batch = batch(case, &device);
        let params = tree(case, "params", &task.init(0, &device).unwrap(), &device);

        let (loss, grad) = task.value_and_grad(&params, Some(&batch)).unwrap().unwrap();
        let (loss, want) = (
            loss.into_scalar::<f32>() as f64,
            floats(&case["loss"])[0] as f64,
        );
        assert!(
            (loss - want).abs() <= LOSS_RTOL * want,
            "{name}: loss {loss}, JAX {want}"
        );
        let grad_err = worst_error(&grad, case, "grad");
        assert!(
            grad_err <= GRAD_RTOL,
            "{name}: gradient error {grad_err:.2e}"
        );

        let theta = tree(case, "theta", &lopt.init(0, &device).unwrap(), &device);
        let steps = case["steps"].as_u64().unwrap() as usize;
        let (value, meta_grad) = meta_value_and_grad(
            &task,
            &lopt,
            &theta,
            &params,
            Some(&batch),
            steps,
            MetaLoss::LastStep,
        )
        .unwrap();
        let value_err = relative_error(value, &case["meta_loss"]);
        assert!(
            value_err <= META_LOSS_RTOL,
            "{name}: meta-loss {value}, error {value_err:.1e}"
        );
        let meta_err = worst_error(&meta_grad, case, "meta_grad");
        let tol = if name.starts_with("large") {
            LARGE_META_GRAD_RTOL
        } else {
            META_GRAD_RTOL
        };
        assert!(
            meta_err <= tol,
            "{name}: meta-gradient {:?}, error {meta_err:.2e}",
            meta_grad.to_vecs().unwrap()
        );
        println!(
            "{name}: loss error {:.1e}, gradient {grad_err:.1e}, meta-loss {value_err:.1e}, \
             meta-gradient {meta_err:.1e}",
            (loss - floats(&case["loss"])[0] as f64).abs() / loss
        );
    }
}

/// The meta-gradient of the Part 1 meta-loss at the initial theta (in log_lr, the component
/// that moves in Part 1) against central differences of our own meta-loss: agreement to the
/// differences' truncation and float32 rounding error.
///
/// At the initial theta (lr 1e-3) the meta-loss is smooth at this scale. Further along (the
/// plateau, lr 0.058) it is piecewise smooth with kinks about 1e-4 apart in log_lr (ReLU units
/// switching on and off as the steps grow): JAX in float64 gives central differences of +0.37
/// at h = 1e-2 and −2.3 at h = 1e-3 there, and the exact −0.2257 only from h = 1e-5 down, which
/// float32 cannot resolve. The exact gradient is the derivative of the piece theta is on.
#[test]
fn meta_gradient_matches_finite_differences() {
    let device = Device::flex();
    let data = golden("learned_image_mlp.json");
    let case = &data["cases"][0];
    let task = task();
    let lopt = LearnableAdam::default();
    let batch = batch(case, &device);
    let params = tree(case, "params", &task.init(0, &device).unwrap(), &device);
    let theta = tree(case, "theta", &lopt.init(0, &device).unwrap(), &device);
    let (_, grad) = meta_value_and_grad(
        &task,
        &lopt,
        &theta,
        &params,
        Some(&batch),
        4,
        MetaLoss::LastStep,
    )
    .unwrap();
    let exact = grad.to_vecs().unwrap()[0][0] as f64;
    let at = |delta: f32| {
        let mut values = theta.to_vecs().unwrap();
        values[0][0] += delta;
        let t = Tree::from_vecs(theta.def().clone(), values, &device).unwrap();
        unrolled_meta_loss(
            &task,
            &lopt,
            &t,
            params.clone(),
            Some(&batch),
            4,
            MetaLoss::LastStep,
        )
        .unwrap()
        .into_scalar::<f32>() as f64
    };
    // h = 1e-2: truncation error 1.9e-3 of the gradient (JAX, float64), float32 rounding of the
    // two meta-losses about as much again.
    let h = 1e-2f32;
    let fd = (at(h) - at(-h)) / (2.0 * h as f64);
    let err = (fd - exact).abs() / exact.abs();
    println!("d meta-loss / d log_lr: exact {exact:.6}, central difference {fd:.6} ({err:.1e})");
    assert!(err < 1e-2, "exact {exact}, finite difference {fd}");
}
