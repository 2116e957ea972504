//! The classification, regression and smoothing losses against Optax 0.2.8 / JAX 0.10.2
//! (golden data from `tests/golden/gen_losses_classification.py`): values on every test
//! device, and on an autodiff device the vector-Jacobian products with a fixed cotangent,
//! `(loss · cotangent).sum().backward()`, against `jax.vjp`. Plus: bad input is an
//! `OptaxError::InvalidInput`, and the argument names and order are Optax's.

mod common;

use common::{shape, to_vec};

use burn::tensor::{Bool, Device, Int, Tensor, TensorData};
use optax_core::losses::{
    cosine_distance, cosine_similarity, huber_loss, l2_loss, log_cosh, poly_loss_cross_entropy,
    safe_softmax_cross_entropy, sigmoid_binary_cross_entropy, sigmoid_focal_loss, smooth_labels,
    softmax_cross_entropy, softmax_cross_entropy_axis, softmax_cross_entropy_with_integer_labels,
    softmax_cross_entropy_with_integer_labels_axis, squared_error,
};
use optax_core::OptaxError;
use serde_json::Value;

/// Values: float32, exp/log/sqrt differ from XLA's by an ulp or so.
const RTOL: f64 = 1e-6;
const ATOL: f64 = 1e-6;
/// Gradients: a few more float32 operations in the backward pass.
const GRAD_RTOL: f64 = 1e-5;
const GRAD_ATOL: f64 = 1e-5;

fn ints(arr: &Value) -> Vec<i64> {
    arr["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect()
}

/// The case's axis (Optax's default -1) as an index into rank `D`.
fn axis_index(case: &Value, d: usize) -> usize {
    let a = case["args"].get("axis").map_or(-1, |a| a.as_i64().unwrap());
    (if a < 0 { a + d as i64 } else { a }) as usize
}

/// Runs one case on rank-`D` inputs. With `grads`, the float inputs are autodiff leaves and
/// the result carries the gradients of `(loss · cotangent).sum()` by input name.
#[allow(clippy::type_complexity)]
fn run<const D: usize>(
    case: &Value,
    device: &Device,
    grads: bool,
) -> Result<(Vec<f32>, Vec<(String, Vec<f32>)>), String> {
    let f = case["function"].as_str().unwrap();
    let inputs = case["inputs"].as_object().unwrap();
    let args = &case["args"];
    let axis = axis_index(case, D);
    let arg = |k: &str, default: f64| args.get(k).map_or(default, |v| v.as_f64().unwrap());
    let axis_arg = args.get("axis").map_or(-1, |a| a.as_i64().unwrap()) as isize;

    let mut leaves: Vec<(String, Tensor<D>)> = Vec::new();
    let mut where_: Option<Tensor<D, Bool>> = None;
    let mut int_labels: Option<Tensor<D, Int>> = None;
    for (name, arr) in inputs {
        let s = shape(arr);
        match arr["dtype"].as_str().unwrap() {
            "float32" => {
                assert_eq!(s.len(), D, "{name}");
                let t =
                    Tensor::<D>::from_data(TensorData::new(common::nums(&arr["data"]), s), device);
                leaves.push((name.clone(), if grads { t.require_grad() } else { t }));
            }
            "bool" => {
                let data: Vec<bool> = ints(arr).into_iter().map(|v| v != 0).collect();
                where_ = Some(Tensor::from_data(TensorData::new(data, s), device));
            }
            "int32" => {
                // Optax's labels drop the class axis; ours keep it with size 1.
                let mut s = s;
                s.insert(axis, 1);
                int_labels = Some(Tensor::from_data(TensorData::new(ints(arr), s), device));
            }
            other => panic!("dtype {other}"),
        }
    }
    let get = |k: &str| {
        leaves
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, t)| t.clone())
            .unwrap_or_else(|| panic!("input {k}"))
    };
    let has = |k: &str| leaves.iter().any(|(n, _)| n == k);
    let err = |e: OptaxError| e.to_string();
    let fixed_rank = D == 2 && args.get("axis").is_none() && where_.is_none();

    let out: Tensor<D> = match f {
        "sigmoid_binary_cross_entropy" => {
            sigmoid_binary_cross_entropy(get("logits"), get("labels")).map_err(err)?
        }
        "sigmoid_focal_loss" => sigmoid_focal_loss(
            get("logits"),
            get("labels"),
            args.get("alpha").map(|a| a.as_f64().unwrap()),
            arg("gamma", 2.0),
        )
        .map_err(err)?,
        "softmax_cross_entropy" => {
            let out = softmax_cross_entropy_axis(get("logits"), get("labels"), axis_arg, where_)
                .map_err(err)?;
            if fixed_rank && !grads {
                let two = |t: Tensor<D>| {
                    let s = t.dims();
                    t.reshape([s[0], s[1]])
                };
                let batch =
                    softmax_cross_entropy(two(get("logits")), two(get("labels"))).map_err(err)?;
                if to_vec(batch) != to_vec(out.clone()) {
                    return Err("the [batch, classes] form differs from the axis form".into());
                }
            }
            out
        }
        "softmax_cross_entropy_with_integer_labels" => {
            let labels = int_labels.expect("integer labels");
            let out = softmax_cross_entropy_with_integer_labels_axis(
                get("logits"),
                labels.clone(),
                axis_arg,
                where_,
            )
            .map_err(err)?;
            if fixed_rank && !grads {
                let s = labels.dims();
                let batch = softmax_cross_entropy_with_integer_labels(
                    get("logits").reshape([s[0], get("logits").dims()[1]]),
                    labels.reshape([s[0]]),
                )
                .map_err(err)?;
                let (a, b) = (to_vec(batch), to_vec(out.clone()));
                let same = a
                    .iter()
                    .zip(&b)
                    .all(|(x, y)| x == y || (x.is_nan() && y.is_nan()));
                if !same {
                    return Err("the [batch, classes] form differs from the axis form".into());
                }
            }
            out
        }
        "safe_softmax_cross_entropy" => {
            safe_softmax_cross_entropy(get("logits"), get("labels")).map_err(err)?
        }
        "poly_loss_cross_entropy" => poly_loss_cross_entropy(
            get("logits"),
            get("labels"),
            arg("epsilon", 2.0),
            axis_arg,
            where_,
        )
        .map_err(err)?,
        "squared_error" | "l2_loss" | "huber_loss" | "log_cosh" => {
            let (p, t) = (get("predictions"), has("targets").then(|| get("targets")));
            match f {
                "squared_error" => squared_error(p, t),
                "l2_loss" => l2_loss(p, t),
                "huber_loss" => huber_loss(p, t, arg("delta", 1.0)),
                _ => log_cosh(p, t),
            }
            .map_err(err)?
        }
        "cosine_similarity" | "cosine_distance" => {
            type Cosine<const D: usize> = fn(
                Tensor<D>,
                Tensor<D>,
                f64,
                isize,
                Option<Tensor<D, Bool>>,
            ) -> Result<Tensor<D>, OptaxError>;
            let cos: Cosine<D> = if f == "cosine_similarity" {
                cosine_similarity
            } else {
                cosine_distance
            };
            cos(
                get("predictions"),
                get("targets"),
                arg("epsilon", 0.0),
                axis_arg,
                where_,
            )
            .map_err(err)?
        }
        "smooth_labels" => {
            smooth_labels(get("labels"), arg("alpha", f64::NAN), axis_arg, where_).map_err(err)?
        }
        other => return Err(format!("no Rust form of `{other}`")),
    };
    if !grads {
        return Ok((to_vec(out), Vec::new()));
    }
    let cot = Tensor::<D>::from_data(
        TensorData::new(common::nums(&case["cotangent"]["data"]), out.dims()),
        device,
    );
    let g = out.clone().mul(cot).sum().backward();
    let mut got = Vec::new();
    for name in case["grads"].as_object().unwrap().keys() {
        let leaf = get(name);
        let grad = leaf
            .grad(&g)
            .ok_or_else(|| format!("no gradient for {name}"))?;
        got.push((name.clone(), to_vec(grad)));
    }
    Ok((to_vec(out), got))
}

fn rank(case: &Value) -> usize {
    let inputs = &case["inputs"];
    let first = ["logits", "predictions", "labels"]
        .iter()
        .find_map(|k| inputs.get(*k))
        .unwrap();
    shape(first).len()
}

#[allow(clippy::type_complexity)]
fn run_any(
    case: &Value,
    device: &Device,
    grads: bool,
) -> Result<(Vec<f32>, Vec<(String, Vec<f32>)>), String> {
    match rank(case) {
        1 => run::<1>(case, device, grads),
        2 => run::<2>(case, device, grads),
        3 => run::<3>(case, device, grads),
        r => Err(format!("rank {r} not covered")),
    }
}

fn cases() -> Vec<Value> {
    let data = common::golden("losses_classification.json");
    data["cases"].as_array().expect("cases").clone()
}

#[test]
fn values_match_optax() {
    let cases = cases();
    for (device_name, device) in common::devices() {
        let (mut ran, mut worst) = (0, 0.0f64);
        let mut failures = Vec::new();
        for case in &cases {
            let name = case["name"].as_str().unwrap();
            if !common::selected(name) {
                continue;
            }
            ran += 1;
            let want = common::nums(&case["output"]["data"]);
            match run_any(case, &device, false)
                .and_then(|(got, _)| common::compare(&[got], &[want], RTOL, ATOL))
            {
                Ok(w) => worst = worst.max(w),
                Err(e) => failures.push(format!("{name}: {e}")),
            }
        }
        println!(
            "{device_name}: {ran} cases, largest relative error {worst:.2e} \
             (rtol {RTOL:e}, atol {ATOL:e})"
        );
        assert!(ran > 50, "only {ran} cases ran");
        assert!(
            failures.is_empty(),
            "{} failures on {device_name}:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}

#[test]
fn gradients_match_jax() {
    let device = common::flex().autodiff();
    let (mut ran, mut worst) = (0, 0.0f64);
    let mut failures = Vec::new();
    for case in &cases() {
        let name = case["name"].as_str().unwrap();
        if !common::selected(name) {
            continue;
        }
        let want: Vec<(String, Vec<f32>)> = case["grads"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), common::nums(&v["data"])))
            .collect();
        assert!(!want.is_empty(), "{name}: no gradients recorded");
        ran += 1;
        let outcome = run_any(case, &device, true).and_then(|(out, got)| {
            // The forward pass on the autodiff device gives the same values.
            let w = common::nums(&case["output"]["data"]);
            common::compare(&[out], &[w], RTOL, ATOL).map_err(|e| format!("value: {e}"))?;
            let names: Vec<_> = got.iter().map(|(n, _)| n.clone()).collect();
            let expected: Vec<_> = want.iter().map(|(n, _)| n.clone()).collect();
            if names != expected {
                return Err(format!("gradients for {names:?}, expected {expected:?}"));
            }
            let g: Vec<_> = got.into_iter().map(|(_, v)| v).collect();
            let w: Vec<_> = want.iter().map(|(_, v)| v.clone()).collect();
            common::compare(&g, &w, GRAD_RTOL, GRAD_ATOL).map_err(|e| format!("{e} ({names:?})"))
        });
        match outcome {
            Ok(w) => worst = worst.max(w),
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    println!(
        "flex autodiff: {ran} cases, largest relative gradient error {worst:.2e} \
         (rtol {GRAD_RTOL:e}, atol {GRAD_ATOL:e})"
    );
    assert!(ran > 50, "only {ran} cases ran");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A function's arguments, each with the default our docs state (`None`: no default).
type Signature<'a> = (&'a str, &'a [(&'a str, Option<f64>)]);

/// Optax's argument names, in order, with the defaults our docs state (`where` is `where_`).
#[test]
fn arguments_are_optaxs() {
    let data = common::golden("losses_classification.json");
    let sig = &data["signatures"];
    let ours: &[Signature] = &[
        (
            "sigmoid_binary_cross_entropy",
            &[("logits", None), ("labels", None)],
        ),
        (
            "sigmoid_focal_loss",
            &[
                ("logits", None),
                ("labels", None),
                ("alpha", None),
                ("gamma", Some(2.0)),
            ],
        ),
        (
            "softmax_cross_entropy",
            &[
                ("logits", None),
                ("labels", None),
                ("axis", Some(-1.0)),
                ("where", None),
            ],
        ),
        (
            "softmax_cross_entropy_with_integer_labels",
            &[
                ("logits", None),
                ("labels", None),
                ("axis", Some(-1.0)),
                ("where", None),
            ],
        ),
        (
            "safe_softmax_cross_entropy",
            &[("logits", None), ("labels", None)],
        ),
        (
            "poly_loss_cross_entropy",
            &[
                ("logits", None),
                ("labels", None),
                ("epsilon", Some(2.0)),
                ("axis", Some(-1.0)),
                ("where", None),
            ],
        ),
        ("squared_error", &[("predictions", None), ("targets", None)]),
        ("l2_loss", &[("predictions", None), ("targets", None)]),
        (
            "huber_loss",
            &[
                ("predictions", None),
                ("targets", None),
                ("delta", Some(1.0)),
            ],
        ),
        ("log_cosh", &[("predictions", None), ("targets", None)]),
        (
            "cosine_similarity",
            &[
                ("predictions", None),
                ("targets", None),
                ("epsilon", Some(0.0)),
                ("axis", Some(-1.0)),
                ("where", None),
            ],
        ),
        (
            "cosine_distance",
            &[
                ("predictions", None),
                ("targets", None),
                ("epsilon", Some(0.0)),
                ("axis", Some(-1.0)),
                ("where", None),
            ],
        ),
        (
            "smooth_labels",
            &[
                ("labels", None),
                ("alpha", None),
                ("axis", Some(-1.0)),
                ("where", None),
            ],
        ),
    ];
    assert_eq!(sig.as_object().unwrap().len(), ours.len());
    for (f, params) in ours {
        let rows = sig[*f].as_array().unwrap_or_else(|| panic!("{f}"));
        assert_eq!(rows.len(), params.len(), "{f}");
        for (row, (name, default)) in rows.iter().zip(params.iter()) {
            assert_eq!(row[0].as_str().unwrap(), *name, "{f}");
            assert_eq!(row[1].as_f64(), *default, "{f}: default of {name}");
        }
    }
}

fn invalid<T: std::fmt::Debug>(r: Result<T, OptaxError>, what: &str) {
    match r {
        Err(OptaxError::InvalidInput { .. }) => {}
        other => panic!("{what}: expected InvalidInput, got {other:?}"),
    }
}

#[test]
fn bad_input_is_an_invalid_input_error() {
    let d = common::flex();
    let x = |dims: [usize; 2]| Tensor::<2>::zeros(dims, &d);
    let mask = |dims: [usize; 2]| {
        Tensor::<2, Bool>::from_data(TensorData::new(vec![true; dims[0] * dims[1]], dims), &d)
    };
    let idx = |dims: [usize; 2]| Tensor::<2, Int>::zeros(dims, &d);

    invalid(
        sigmoid_binary_cross_entropy(x([2, 3]), x([2, 2])),
        "bce labels",
    );
    invalid(
        sigmoid_focal_loss(x([2, 3]), x([3, 3]), None, 2.0),
        "focal labels",
    );
    invalid(softmax_cross_entropy(x([2, 3]), x([2, 4])), "ce labels");
    invalid(
        softmax_cross_entropy_axis(x([2, 3]), x([2, 3]), 2, None),
        "ce axis",
    );
    invalid(
        softmax_cross_entropy_axis(x([2, 3]), x([2, 3]), -3, None),
        "ce axis",
    );
    invalid(
        softmax_cross_entropy_axis(x([2, 3]), x([2, 3]), -1, Some(mask([3, 3]))),
        "ce where",
    );
    // Labels larger than the logits do not broadcast *to* them.
    invalid(
        softmax_cross_entropy_axis(x([1, 3]), x([2, 3]), -1, None),
        "ce labels",
    );
    invalid(
        softmax_cross_entropy_with_integer_labels(x([2, 3]), Tensor::<1, Int>::zeros([3], &d)),
        "integer labels batch",
    );
    invalid(
        softmax_cross_entropy_with_integer_labels_axis(x([2, 3]), idx([2, 3]), -1, None),
        "integer labels keep the axis",
    );
    invalid(
        softmax_cross_entropy_with_integer_labels_axis(x([2, 3]), idx([2, 1]), 5, None),
        "integer labels axis",
    );
    invalid(
        softmax_cross_entropy_with_integer_labels_axis(x([2, 0]), idx([2, 1]), -1, None),
        "no classes",
    );
    invalid(
        softmax_cross_entropy_with_integer_labels_axis(
            x([2, 3]),
            idx([2, 1]),
            -1,
            Some(mask([2, 2])),
        ),
        "integer labels where",
    );
    invalid(
        safe_softmax_cross_entropy(x([2, 3]), x([2, 2])),
        "safe labels",
    );
    invalid(
        poly_loss_cross_entropy(x([2, 3]), x([2, 3]), 2.0, 2, None),
        "poly axis",
    );
    invalid(
        poly_loss_cross_entropy(x([2, 3]), x([3, 3]), 2.0, -1, None),
        "poly labels",
    );
    invalid(
        poly_loss_cross_entropy(x([2, 3]), x([2, 3]), 2.0, -1, Some(mask([1, 2]))),
        "poly where",
    );
    invalid(
        squared_error(x([2, 3]), Some(x([2, 1]))),
        "squared_error targets",
    );
    invalid(l2_loss(x([2, 3]), Some(x([3, 2]))), "l2_loss targets");
    invalid(huber_loss(x([2, 3]), Some(x([2, 2])), 1.0), "huber targets");
    invalid(log_cosh(x([2, 1]), Some(x([2, 3]))), "log_cosh targets");
    invalid(
        cosine_similarity(x([2, 3]), x([2, 1]), 0.0, -1, None),
        "cosine targets",
    );
    invalid(
        cosine_distance(x([2, 3]), x([2, 3]), 0.0, 2, None),
        "cosine axis",
    );
    invalid(
        cosine_similarity(x([2, 3]), x([2, 3]), 0.0, -1, Some(mask([2, 2]))),
        "cosine where",
    );
    invalid(smooth_labels(x([2, 3]), 0.1, 2, None), "smooth axis");
    invalid(
        smooth_labels(x([2, 3]), 0.1, -1, Some(mask([3, 3]))),
        "smooth where",
    );
}

/// Broadcasting in the loss must not lose the gradient of the smaller input: the labels of a
/// `[4, 1]` shape get the sum over the broadcast axis (checked against JAX in the golden cases
/// `*/broadcast_*`); here the same through the autodiff device's shapes.
#[test]
fn broadcast_inputs_get_gradients_of_their_own_shape() {
    let d = common::flex().autodiff();
    let logits = Tensor::<2>::zeros([4, 3], &d).require_grad();
    let labels = Tensor::<2>::ones([4, 1], &d).require_grad();
    let g = sigmoid_focal_loss(logits.clone(), labels.clone(), Some(0.25), 2.0)
        .unwrap()
        .sum()
        .backward();
    assert_eq!(labels.grad(&g).unwrap().dims(), [4, 1]);
    assert_eq!(logits.grad(&g).unwrap().dims(), [4, 3]);
}
