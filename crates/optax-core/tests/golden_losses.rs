//! The losses against Optax 0.2.8 (golden data from `tests/golden/generate.py`), and their
//! gradients on an autodiff device against the closed forms.

mod common;

use common::{floats, shape, to_vec};

use burn::tensor::{Device, Int, Tensor, TensorData};
use optax_core::losses::{
    huber_loss, l2_loss, sigmoid_binary_cross_entropy, softmax_cross_entropy,
    softmax_cross_entropy_axis, softmax_cross_entropy_with_integer_labels,
    softmax_cross_entropy_with_integer_labels_axis, squared_error,
};
use serde_json::Value;

/// Relative and absolute tolerance (float32; exp/log differ from XLA's by an ulp or so).
const RTOL: f64 = 1e-6;
const ATOL: f64 = 1e-6;

/// An int golden array as a rank-`D` tensor, with a size-1 axis inserted at `axis`.
fn ints_keep_axis<const D: usize>(arr: &Value, axis: usize, device: &Device) -> Tensor<D, Int> {
    let mut s = shape(arr);
    s.insert(axis, 1);
    let data: Vec<i64> = arr["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    Tensor::from_data(TensorData::new(data, s), device)
}

fn err(e: optax_core::OptaxError) -> String {
    e.to_string()
}

/// Evaluates a case on rank-`D` inputs with the rank-generic functions; for rank 2 and the
/// default axis, also with the `[batch, classes] -> [batch]` forms, which must agree exactly.
fn eval<const D: usize>(case: &Value, device: &Device) -> Result<Vec<f32>, String> {
    let f = case["function"].as_str().unwrap();
    let inputs = &case["inputs"];
    let args = &case["args"];
    let axis_arg = args.get("axis").map(|a| a.as_i64().unwrap());
    let axis = (axis_arg.unwrap_or(-1)
        + if axis_arg.unwrap_or(-1) < 0 {
            D as i64
        } else {
            0
        }) as usize;
    let targets = || inputs.get("targets").map(|t| floats::<D>(t, device));
    let delta = args.get("delta").map_or(1.0, |d| d.as_f64().unwrap());
    let out = match f {
        "sigmoid_binary_cross_entropy" => to_vec(
            sigmoid_binary_cross_entropy(
                floats::<D>(&inputs["logits"], device),
                floats::<D>(&inputs["labels"], device),
            )
            .map_err(err)?,
        ),
        "softmax_cross_entropy" => {
            let (logits, labels) = (
                floats::<D>(&inputs["logits"], device),
                floats::<D>(&inputs["labels"], device),
            );
            let out = to_vec(
                softmax_cross_entropy_axis(
                    logits.clone(),
                    labels.clone(),
                    axis_arg.unwrap_or(-1) as isize,
                    None,
                )
                .map_err(err)?,
            );
            if D == 2 && axis_arg.is_none() {
                let two = |t: Tensor<D>| {
                    t.reshape([shape(&inputs["logits"])[0], shape(&inputs["logits"])[1]])
                };
                let batch = to_vec(softmax_cross_entropy(two(logits), two(labels)).map_err(err)?);
                if batch != out {
                    return Err(format!("rank-2 form {batch:?} != axis form {out:?}"));
                }
            }
            out
        }
        "softmax_cross_entropy_with_integer_labels" => {
            let logits = floats::<D>(&inputs["logits"], device);
            let labels = ints_keep_axis::<D>(&inputs["labels"], axis, device);
            let out = to_vec(
                softmax_cross_entropy_with_integer_labels_axis(
                    logits.clone(),
                    labels.clone(),
                    axis_arg.unwrap_or(-1) as isize,
                    None,
                )
                .map_err(err)?,
            );
            if D == 2 && axis_arg.is_none() {
                let s = shape(&inputs["logits"]);
                let batch = to_vec(
                    softmax_cross_entropy_with_integer_labels(
                        logits.reshape([s[0], s[1]]),
                        labels.reshape([s[0]]),
                    )
                    .map_err(err)?,
                );
                if batch != out {
                    return Err(format!("rank-2 form {batch:?} != axis form {out:?}"));
                }
            }
            out
        }
        "squared_error" => to_vec(
            squared_error(floats::<D>(&inputs["predictions"], device), targets()).map_err(err)?,
        ),
        "l2_loss" => {
            to_vec(l2_loss(floats::<D>(&inputs["predictions"], device), targets()).map_err(err)?)
        }
        "huber_loss" => to_vec(
            huber_loss(
                floats::<D>(&inputs["predictions"], device),
                targets(),
                delta,
            )
            .map_err(err)?,
        ),
        other => return Err(format!("no Rust form of `{other}` in golden_losses.rs")),
    };
    Ok(out)
}

#[test]
fn losses_match_optax() {
    let data = common::golden("losses.json");
    let cases = data["cases"].as_array().expect("cases");
    for (device_name, device) in common::devices() {
        let (mut ran, mut worst) = (0, 0.0f64);
        let mut failures = Vec::new();
        for case in cases {
            let name = case["name"].as_str().unwrap();
            if !common::selected(name) {
                continue;
            }
            ran += 1;
            let inputs = &case["inputs"];
            let first = inputs.get("logits").unwrap_or(&inputs["predictions"]);
            let got = match shape(first).len().max(1) {
                1 => eval::<1>(case, &device),
                2 => eval::<2>(case, &device),
                r => Err(format!("rank {r} not covered")),
            };
            let want = common::nums(&case["output"]["data"]);
            match got.and_then(|g| common::compare(&[g], &[want], RTOL, ATOL)) {
                Ok(w) => worst = worst.max(w),
                Err(e) => failures.push(format!("{name}: {e}")),
            }
        }
        println!("{device_name}: {ran} loss cases, largest relative error {worst:.2e} (rtol {RTOL:e}, atol {ATOL:e})");
        assert!(
            failures.is_empty(),
            "{} failures on {device_name}:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}

fn assert_close(got: &[f32], want: &[f32], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= 1e-5 + 1e-5 * w.abs(),
            "{what}[{i}]: got {g}, expected {w}"
        );
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

#[test]
fn gradients_flow_through_the_losses() {
    let d = common::flex().autodiff();
    let x = [-40.0f32, -3.0, -0.5, 0.0, 0.5, 3.0];
    let y = [1.0f32, 0.0, 0.3, 1.0, 0.0, 0.7];
    let leaf =
        |v: &[f32]| Tensor::<2>::from_data(TensorData::new(v.to_vec(), [2, 3]), &d).require_grad();

    // d/dx sigmoid_bce = σ(x) - y, also at x = 0 and for large |x|.
    let logits = leaf(&x);
    let labels = Tensor::<2>::from_data(TensorData::new(y.to_vec(), [2, 3]), &d);
    let grads = sigmoid_binary_cross_entropy(logits.clone(), labels)
        .unwrap()
        .sum()
        .backward();
    let want: Vec<f32> = x.iter().zip(&y).map(|(&x, &y)| sigmoid(x) - y).collect();
    assert_close(
        &to_vec(logits.grad(&grads).unwrap()),
        &want,
        "sigmoid_binary_cross_entropy grad",
    );

    // d/dx softmax_ce = softmax(x)·Σy - y; labels get -log_softmax(x).
    let logits = leaf(&x);
    let labels = leaf(&y);
    let grads = softmax_cross_entropy(logits.clone(), labels.clone())
        .unwrap()
        .sum()
        .backward();
    let mut want_x = Vec::new();
    let mut want_y = Vec::new();
    for r in 0..2 {
        let row = &x[3 * r..3 * r + 3];
        let m = row.iter().cloned().fold(f32::MIN, f32::max);
        let z: f32 = row.iter().map(|v| (v - m).exp()).sum();
        let ysum: f32 = y[3 * r..3 * r + 3].iter().sum();
        for c in 0..3 {
            let p = (row[c] - m).exp() / z;
            want_x.push(p * ysum - y[3 * r + c]);
            want_y.push(-(row[c] - m - z.ln()));
        }
    }
    assert_close(
        &to_vec(logits.grad(&grads).unwrap()),
        &want_x,
        "softmax_cross_entropy grad logits",
    );
    assert_close(
        &to_vec(labels.grad(&grads).unwrap()),
        &want_y,
        "softmax_cross_entropy grad labels",
    );

    // d/dx integer-label CE = softmax(x) - onehot(label).
    let logits = leaf(&x);
    let labels = Tensor::<1, Int>::from_data(TensorData::new(vec![0i64, 2], [2]), &d);
    let grads = softmax_cross_entropy_with_integer_labels(logits.clone(), labels)
        .unwrap()
        .sum()
        .backward();
    let onehot = [1.0f32, 0.0, 0.0, 0.0, 0.0, 1.0];
    let want: Vec<f32> = (0..6)
        .map(|i| {
            let r = i / 3;
            let row = &x[3 * r..3 * r + 3];
            let m = row.iter().cloned().fold(f32::MIN, f32::max);
            let z: f32 = row.iter().map(|v| (v - m).exp()).sum();
            (x[i] - m).exp() / z - onehot[i]
        })
        .collect();
    assert_close(
        &to_vec(logits.grad(&grads).unwrap()),
        &want,
        "integer-label grad",
    );

    // squared_error: 2(p - t); l2_loss: p - t; huber: clip(p - t, -δ, δ). Targets get the
    // opposite sign.
    let t = [0.5f32, 0.5, 0.5, 0.5, 0.5, 0.5];
    let e: Vec<f32> = x.iter().zip(&t).map(|(p, t)| p - t).collect();
    let p = leaf(&x);
    let tt = leaf(&t);
    let grads = squared_error(p.clone(), Some(tt.clone()))
        .unwrap()
        .sum()
        .backward();
    assert_close(
        &to_vec(p.grad(&grads).unwrap()),
        &e.iter().map(|e| 2.0 * e).collect::<Vec<_>>(),
        "squared_error grad",
    );
    assert_close(
        &to_vec(tt.grad(&grads).unwrap()),
        &e.iter().map(|e| -2.0 * e).collect::<Vec<_>>(),
        "squared_error grad targets",
    );
    let p = leaf(&x);
    let grads = l2_loss(p.clone(), None).unwrap().sum().backward();
    assert_close(&to_vec(p.grad(&grads).unwrap()), &x, "l2_loss grad");
    let p = leaf(&x);
    let grads = huber_loss(p.clone(), Some(leaf(&t)), 1.0)
        .unwrap()
        .sum()
        .backward();
    let want: Vec<f32> = e.iter().map(|e| e.clamp(-1.0, 1.0)).collect();
    assert_close(&to_vec(p.grad(&grads).unwrap()), &want, "huber_loss grad");
}

#[test]
fn rank_generic_forms_keep_the_axis() {
    let d = common::flex();
    let logits = Tensor::<3>::from_data(
        TensorData::new(
            (0..24).map(|v| v as f32 * 0.1).collect::<Vec<_>>(),
            [2, 3, 4],
        ),
        &d,
    );
    let labels = logits.clone().mul_scalar(0.0).add_scalar(0.25);
    assert_eq!(
        softmax_cross_entropy_axis(logits.clone(), labels.clone(), -1, None)
            .unwrap()
            .dims(),
        [2, 3, 1]
    );
    assert_eq!(
        softmax_cross_entropy_axis(logits.clone(), labels, 1, None)
            .unwrap()
            .dims(),
        [2, 1, 4]
    );
    let idx =
        Tensor::<3, Int>::from_data(TensorData::new(vec![0i64, 1, 2, 3, 0, 1], [2, 3, 1]), &d);
    let out = softmax_cross_entropy_with_integer_labels_axis(logits.clone(), idx, 2, None).unwrap();
    assert_eq!(out.dims(), [2, 3, 1]);
    // Same as the rank-2 form on the flattened batch.
    let flat = softmax_cross_entropy_with_integer_labels(
        logits.reshape([6, 4]),
        Tensor::<1, Int>::from_data(TensorData::new(vec![0i64, 1, 2, 3, 0, 1], [6]), &d),
    )
    .unwrap();
    assert_eq!(to_vec(out), to_vec(flat));
}
