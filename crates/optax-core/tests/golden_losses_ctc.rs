//! The CTC losses against Optax 0.2.8 (golden data from `tests/golden/gen_losses_ctc.py`):
//! the loss and the forward log-probabilities on every device, the gradients on an autodiff
//! device against JAX's VJPs, and the typed errors for bad input.

mod common;

use common::{floats, shape, to_vec};

use burn::tensor::{Device, Int, Tensor, TensorData};
use optax_core::losses::{ctc_loss, ctc_loss_with_forward_probs};
use optax_core::OptaxError;
use serde_json::Value;

/// Values: float32 against float32 (exp/log1p differ from XLA's by an ulp or so). Where the
/// log-probabilities are of the order of `log_epsilon = -1e5`, one ulp is ~0.008, which the
/// relative part of the tolerance covers.
const RTOL: f64 = 1e-6;
const ATOL: f64 = 1e-6;
/// Gradients: a backward pass through the T-step recursion.
const GRAD_RTOL: f64 = 1e-5;
const GRAD_ATOL: f64 = 1e-5;

/// The cases that also run on wgpu (CI time matters there).
const WGPU_CASES: [&str; 3] = ["basic", "mixed_batch", "labels_too_long"];

fn ints<const D: usize>(arr: &Value, device: &Device) -> Tensor<D, Int> {
    let s = shape(arr);
    assert_eq!(s.len(), D, "golden array of rank {}", s.len());
    let data: Vec<i64> = arr["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    Tensor::from_data(TensorData::new(data, s), device)
}

/// Optax's default of a keyword argument, from the recorded signature.
fn default(golden: &Value, arg: &str) -> f64 {
    golden["signatures"]["ctc_loss_with_forward_probs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row[0] == arg)
        .unwrap_or_else(|| panic!("no argument {arg}"))[1]
        .as_f64()
        .unwrap()
}

/// `(blank_id, log_epsilon)` of a case: its args, else Optax's defaults.
fn args(golden: &Value, case: &Value) -> (usize, f64) {
    let a = &case["args"];
    let blank = a
        .get("blank_id")
        .map_or(default(golden, "blank_id"), |v| v.as_f64().unwrap());
    let eps = a
        .get("log_epsilon")
        .map_or(default(golden, "log_epsilon"), |v| v.as_f64().unwrap());
    (blank as usize, eps)
}

fn check(name: &str, what: &str, got: &[f32], want: &Value, tol: (f64, f64)) -> f64 {
    let want = common::nums(&want["data"]);
    common::compare(&[got.to_vec()], &[want], tol.0, tol.1)
        .unwrap_or_else(|e| panic!("{name}: {what}: {e}"))
}

#[test]
fn signatures_are_optax() {
    let golden = common::golden("losses_ctc.json");
    let want = [
        "logits",
        "logit_paddings",
        "labels",
        "label_paddings",
        "blank_id",
        "log_epsilon",
    ];
    for f in ["ctc_loss", "ctc_loss_with_forward_probs"] {
        let names: Vec<&str> = golden["signatures"][f]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| row[0].as_str().unwrap())
            .collect();
        assert_eq!(names, want, "{f}");
    }
    // The defaults the docs state.
    assert_eq!(default(&golden, "blank_id"), 0.0);
    assert_eq!(default(&golden, "log_epsilon"), -1e5);
}

#[test]
fn values_match_optax() {
    let golden = common::golden("losses_ctc.json");
    let cases = golden["cases"].as_array().unwrap();
    assert!(cases.len() >= 16);
    for (device_name, device) in common::devices() {
        let mut worst: f64 = 0.0;
        let mut ran = 0;
        for case in cases {
            let name = case["name"].as_str().unwrap();
            if !common::selected(name) || (device_name != "flex" && !WGPU_CASES.contains(&name)) {
                continue;
            }
            let inputs = &case["inputs"];
            let (blank_id, log_epsilon) = args(&golden, case);
            let logits = floats::<3>(&inputs["logits"], &device);
            let logit_paddings = floats::<2>(&inputs["logit_paddings"], &device);
            let labels = ints::<2>(&inputs["labels"], &device);
            let label_paddings = floats::<2>(&inputs["label_paddings"], &device);
            let (loss, blank, nonblank) = ctc_loss_with_forward_probs(
                logits.clone(),
                logit_paddings.clone(),
                labels.clone(),
                label_paddings.clone(),
                blank_id,
                log_epsilon,
            )
            .unwrap();
            assert_eq!(blank.dims().to_vec(), shape(&case["logalpha_blank"]));
            assert_eq!(nonblank.dims().to_vec(), shape(&case["logalpha_nonblank"]));
            let loss = to_vec(loss);
            let tag = format!("{name} on {device_name}");
            for (what, got, want) in [
                ("loss", &loss, &case["output"]),
                ("logalpha_blank", &to_vec(blank), &case["logalpha_blank"]),
                (
                    "logalpha_nonblank",
                    &to_vec(nonblank),
                    &case["logalpha_nonblank"],
                ),
            ] {
                worst = worst.max(check(&tag, what, got, want, (RTOL, ATOL)));
            }
            let alone = ctc_loss(
                logits,
                logit_paddings,
                labels,
                label_paddings,
                blank_id,
                log_epsilon,
            )
            .unwrap();
            assert_eq!(to_vec(alone), loss, "{tag}: ctc_loss");
            ran += 1;
        }
        println!("ctc values on {device_name}: {ran} cases, largest relative error {worst:.3e}");
    }
}

#[test]
fn gradients_match_jax() {
    let golden = common::golden("losses_ctc.json");
    let device = common::flex().autodiff();
    let mut worst: f64 = 0.0;
    for case in golden["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        if !common::selected(name) {
            continue;
        }
        let inputs = &case["inputs"];
        let (blank_id, log_epsilon) = args(&golden, case);
        let logits = floats::<3>(&inputs["logits"], &device).require_grad();
        let logit_paddings = floats::<2>(&inputs["logit_paddings"], &device).require_grad();
        let label_paddings = floats::<2>(&inputs["label_paddings"], &device).require_grad();
        let labels = ints::<2>(&inputs["labels"], &device);
        let cotangent = floats::<1>(&case["cotangent"], &device);
        let loss = ctc_loss(
            logits.clone(),
            logit_paddings.clone(),
            labels,
            label_paddings.clone(),
            blank_id,
            log_epsilon,
        )
        .unwrap();
        let grads = loss.mul(cotangent).sum().backward();
        let want = &case["grads"];
        let tol = (GRAD_RTOL, GRAD_ATOL);
        let got = to_vec(logits.grad(&grads).expect("a gradient for logits"));
        worst = worst.max(check(name, "d/dlogits", &got, &want["logits"], tol));
        let got = to_vec(
            logit_paddings
                .grad(&grads)
                .expect("a gradient for logit_paddings"),
        );
        // d/dpad_t = Σ (old - new)·upstream: a difference of two log-alphas. Where they are of
        // the order of log_epsilon (labels too long), XLA and Burn round them to float32 in
        // another order, so the difference can move by an ulp of the largest log-alpha times
        // the cotangent; the tolerance adds two such ulps.
        let largest_alpha = ["logalpha_blank", "logalpha_nonblank"]
            .iter()
            .flat_map(|k| common::nums(&case[*k]["data"]))
            .filter(|v| v.is_finite())
            .fold(0.0f32, |m, v| m.max(v.abs()));
        let largest_cot = common::nums(&case["cotangent"]["data"])
            .iter()
            .fold(0.0f32, |m, v| m.max(v.abs()));
        let ulps =
            2.0 * f64::from(largest_alpha) * f64::from(f32::EPSILON) * f64::from(largest_cot);
        worst = worst.max(check(
            name,
            "d/dlogit_paddings",
            &got,
            &want["logit_paddings"],
            (GRAD_RTOL, GRAD_ATOL.max(ulps)),
        ));
        // Optax casts label_paddings to int: no gradient flows (JAX's is zero).
        let got = label_paddings.grad(&grads).map_or_else(
            || vec![0.0; common::nums(&want["label_paddings"]["data"]).len()],
            to_vec,
        );
        worst = worst.max(check(
            name,
            "d/dlabel_paddings",
            &got,
            &want["label_paddings"],
            tol,
        ));
    }
    println!("ctc gradients on flex autodiff: largest relative error {worst:.3e}");
}

/// Calls both functions with the given shapes and returns their errors (they must agree).
fn error_for(
    logits: [usize; 3],
    logit_paddings: [usize; 2],
    labels: [usize; 2],
    label_paddings: [usize; 2],
    blank_id: usize,
) -> OptaxError {
    let device = common::flex();
    let make = || {
        (
            Tensor::<3>::zeros(logits, &device),
            Tensor::<2>::zeros(logit_paddings, &device),
            Tensor::<2, Int>::zeros(labels, &device),
            Tensor::<2>::zeros(label_paddings, &device),
        )
    };
    let (a, b, c, d) = make();
    let e1 = ctc_loss(a, b, c, d, blank_id, -1e5).expect_err("bad input must be an error");
    let (a, b, c, d) = make();
    let e2 = ctc_loss_with_forward_probs(a, b, c, d, blank_id, -1e5)
        .expect_err("bad input must be an error");
    assert!(
        matches!(e1, OptaxError::InvalidInput { ref function, .. } if function == "ctc_loss"),
        "{e1}"
    );
    assert!(
        matches!(e2, OptaxError::InvalidInput { ref function, .. }
            if function == "ctc_loss_with_forward_probs"),
        "{e2}"
    );
    e1
}

/// `(what, logits, logit_paddings, labels, label_paddings, blank_id)`: shapes and blank id.
type BadCase = (
    &'static str,
    [usize; 3],
    [usize; 2],
    [usize; 2],
    [usize; 2],
    usize,
);

#[test]
fn bad_input_is_a_typed_error() {
    let cases: [BadCase; 9] = [
        ("logit_paddings time", [2, 4, 3], [2, 5], [2, 2], [2, 2], 0),
        ("logit_paddings batch", [2, 4, 3], [1, 4], [2, 2], [2, 2], 0),
        ("labels batch", [2, 4, 3], [2, 4], [3, 2], [3, 2], 0),
        ("label_paddings", [2, 4, 3], [2, 4], [2, 2], [2, 3], 0),
        ("blank_id = K", [2, 4, 3], [2, 4], [2, 2], [2, 2], 3),
        ("blank_id > K", [2, 4, 3], [2, 4], [2, 2], [2, 2], 7),
        ("no frames", [2, 0, 3], [2, 0], [2, 2], [2, 2], 0),
        ("no labels", [2, 4, 3], [2, 4], [2, 0], [2, 0], 0),
        ("empty batch", [0, 4, 3], [0, 4], [0, 2], [0, 2], 0),
    ];
    for (what, logits, logit_paddings, labels, label_paddings, blank_id) in cases {
        let e = error_for(logits, logit_paddings, labels, label_paddings, blank_id);
        println!("{what}: {e}");
    }
    let e = error_for([2, 4, 3], [2, 4], [2, 2], [2, 2], 3);
    assert_eq!(
        e.to_string(),
        "ctc_loss: blank_id 3 is out of range for 3 classes"
    );
}
