//! The ranking and self-supervised losses (`ranking_softmax_loss`, `ntxent`,
//! `triplet_margin_loss`) against Optax 0.2.8: values on every test device, and gradients on
//! an autodiff device against JAX's VJPs (golden data from
//! `tests/golden/gen_losses_ranking.py`). Bad input must be an `OptaxError::InvalidInput`.

mod common;

use common::{bools, shape, to_vec};

use burn::tensor::{Bool, Device, Gradients, Int, Tensor, TensorData};
use optax_core::losses::{ntxent, ranking_softmax_loss, triplet_margin_loss, ReduceFn};
use optax_core::OptaxError;
use serde_json::Value;

/// Values: float32, exp/log/pow differ from XLA's by an ulp or so.
const RTOL: f64 = 1e-6;
const ATOL: f64 = 1e-6;
/// Gradients: a few more operations, each an ulp or so off.
const GRAD_RTOL: f64 = 1e-5;
const GRAD_ATOL: f64 = 1e-5;

fn golden() -> Value {
    common::golden("losses_ranking.json")
}

fn floats<const D: usize>(arr: &Value, device: &Device, grad: bool) -> Tensor<D> {
    let s = shape(arr);
    assert_eq!(s.len(), D, "golden array of rank {}", s.len());
    let t = Tensor::from_data(TensorData::new(common::nums(&arr["data"]), s), device);
    if grad {
        t.require_grad()
    } else {
        t
    }
}

fn ints(arr: &Value, device: &Device) -> Tensor<1, Int> {
    let s = shape(arr);
    let data: Vec<i64> = arr["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    Tensor::from_data(TensorData::new(data, s), device)
}

/// One evaluated case: the output, and the gradient of `Σ loss · cotangent` with respect to
/// each float input (when evaluated with gradients).
#[derive(Default)]
struct Eval {
    output: Vec<f32>,
    grads: Vec<(String, Vec<f32>)>,
}

/// `Σ loss · cotangent`, differentiated.
fn backprop<const D: usize>(loss: Tensor<D>, case: &Value) -> Gradients {
    let cot = Tensor::<D>::from_data(
        TensorData::new(common::nums(&case["cotangent"]["data"]), loss.dims()),
        &loss.device(),
    );
    loss.mul(cot).sum().backward()
}

fn grad_of<const D: usize>(name: &str, t: &Tensor<D>, grads: &Gradients) -> (String, Vec<f32>) {
    let g = t
        .grad(grads)
        .unwrap_or_else(|| panic!("no gradient for {name}"));
    (name.to_string(), to_vec(g))
}

fn check_dims(got: &[usize], want: &[usize]) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("output has shape {got:?}, expected {want:?}"))
    }
}

fn ranking<const D: usize>(case: &Value, device: &Device, grad: bool) -> Result<Eval, String> {
    let inputs = &case["inputs"];
    let reduce_fn = match case["args"]["reduce_fn"].as_str() {
        Some("mean") => Some(ReduceFn::Mean),
        Some("sum") => Some(ReduceFn::Sum),
        None => None,
        Some(other) => return Err(format!("unknown reduce_fn {other}")),
    };
    let logits = floats::<D>(&inputs["logits"], device, grad);
    let labels = floats::<D>(&inputs["labels"], device, grad);
    let where_ = inputs.get("where").map(|w| bools::<D>(w, device));
    let weights = inputs.get("weights").map(|w| floats::<D>(w, device, grad));
    let loss = ranking_softmax_loss(
        logits.clone(),
        labels.clone(),
        where_,
        weights.clone(),
        reduce_fn,
    )
    .map_err(|e| e.to_string())?;
    let mut want_dims = logits.dims();
    match reduce_fn {
        Some(_) => want_dims = [1; D],
        None => want_dims[D - 1] = 1,
    }
    check_dims(&loss.dims(), &want_dims)?;
    let mut out = Eval {
        output: to_vec(loss.clone()),
        ..Eval::default()
    };
    if grad {
        let grads = backprop(loss, case);
        out.grads.push(grad_of("logits", &logits, &grads));
        out.grads.push(grad_of("labels", &labels, &grads));
        if let Some(w) = &weights {
            out.grads.push(grad_of("weights", w, &grads));
        }
    }
    Ok(out)
}

fn ntxent_case(case: &Value, device: &Device, grad: bool) -> Result<Eval, String> {
    let inputs = &case["inputs"];
    let embeddings = floats::<2>(&inputs["embeddings"], device, grad);
    let labels = ints(&inputs["labels"], device);
    let temperature = case["args"]
        .get("temperature")
        .map_or(0.07, |t| t.as_f64().unwrap());
    let loss = ntxent(embeddings.clone(), labels, temperature).map_err(|e| e.to_string())?;
    check_dims(&loss.dims(), &[1])?;
    let mut out = Eval {
        output: to_vec(loss.clone()),
        ..Eval::default()
    };
    if grad {
        let grads = backprop(loss, case);
        out.grads.push(grad_of("embeddings", &embeddings, &grads));
    }
    Ok(out)
}

fn triplet<const D: usize>(case: &Value, device: &Device, grad: bool) -> Result<Eval, String> {
    let inputs = &case["inputs"];
    let args = &case["args"];
    let arg = |name: &str, default: f64| args.get(name).map_or(default, |v| v.as_f64().unwrap());
    let axis = args.get("axis").map_or(-1, |a| a.as_i64().unwrap()) as isize;
    let anchors = floats::<D>(&inputs["anchors"], device, grad);
    let positives = floats::<D>(&inputs["positives"], device, grad);
    let negatives = floats::<D>(&inputs["negatives"], device, grad);
    let loss = triplet_margin_loss(
        anchors.clone(),
        positives.clone(),
        negatives.clone(),
        axis,
        arg("norm_degree", 2.0),
        arg("margin", 1.0),
        arg("eps", 1e-6),
    )
    .map_err(|e| e.to_string())?;
    let mut want_dims = shape(&case["output"]);
    let axis = if axis < 0 { axis + D as isize } else { axis } as usize;
    want_dims.insert(axis, 1);
    check_dims(&loss.dims(), &want_dims)?;
    let mut out = Eval {
        output: to_vec(loss.clone()),
        ..Eval::default()
    };
    if grad {
        let grads = backprop(loss, case);
        out.grads.push(grad_of("anchors", &anchors, &grads));
        out.grads.push(grad_of("positives", &positives, &grads));
        out.grads.push(grad_of("negatives", &negatives, &grads));
    }
    Ok(out)
}

fn evaluate(case: &Value, device: &Device, grad: bool) -> Result<Eval, String> {
    let inputs = &case["inputs"];
    match case["function"].as_str().unwrap() {
        "ranking_softmax_loss" => match shape(&inputs["logits"]).len() {
            1 => ranking::<1>(case, device, grad),
            2 => ranking::<2>(case, device, grad),
            3 => ranking::<3>(case, device, grad),
            r => Err(format!("rank {r} not covered")),
        },
        "ntxent" => ntxent_case(case, device, grad),
        "triplet_margin_loss" => match shape(&inputs["anchors"]).len() {
            2 => triplet::<2>(case, device, grad),
            3 => triplet::<3>(case, device, grad),
            r => Err(format!("rank {r} not covered")),
        },
        f => Err(format!("unknown function {f}")),
    }
}

fn cases() -> Vec<Value> {
    let g = golden();
    let cases = g["cases"].as_array().unwrap().clone();
    assert!(cases.len() >= 30, "{} golden cases", cases.len());
    cases
}

#[test]
fn values_match_optax() {
    let cases = cases();
    for (device_name, device) in common::devices() {
        let mut failures = Vec::new();
        let mut worst = std::collections::BTreeMap::<String, f64>::new();
        let mut ran = 0;
        for case in &cases {
            let name = case["name"].as_str().unwrap();
            if !common::selected(name) {
                continue;
            }
            ran += 1;
            let want = common::nums(&case["output"]["data"]);
            let result = evaluate(case, &device, false)
                .and_then(|e| common::compare(&[e.output], &[want], RTOL, ATOL));
            match result {
                Ok(w) => {
                    let f = case["function"].as_str().unwrap().to_string();
                    let entry = worst.entry(f).or_default();
                    *entry = entry.max(w);
                }
                Err(e) => failures.push(format!("{name}: {e}")),
            }
        }
        for (f, w) in &worst {
            println!(
                "{device_name}: {f}: largest relative error {w:.2e} (rtol {RTOL:e}, atol {ATOL:e})"
            );
        }
        println!("{device_name}: {ran} cases");
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
    let mut failures = Vec::new();
    let mut worst = std::collections::BTreeMap::<String, f64>::new();
    let mut ran = 0;
    for case in &cases() {
        let name = case["name"].as_str().unwrap();
        if !common::selected(name) {
            continue;
        }
        ran += 1;
        let eval = match evaluate(case, &device, true) {
            Ok(e) => e,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let want_grads = case["grads"].as_object().unwrap();
        if eval.grads.len() != want_grads.len() {
            failures.push(format!(
                "{name}: {} gradients, golden has {}",
                eval.grads.len(),
                want_grads.len()
            ));
            continue;
        }
        for (input, got) in eval.grads {
            let want = common::nums(&want_grads[&input]["data"]);
            match common::compare(&[got], &[want], GRAD_RTOL, GRAD_ATOL) {
                Ok(w) => {
                    let f = case["function"].as_str().unwrap().to_string();
                    let entry = worst.entry(f).or_default();
                    *entry = entry.max(w);
                }
                Err(e) => failures.push(format!("{name} d/d{input}: {e}")),
            }
        }
    }
    for (f, w) in &worst {
        println!("{f}: gradients, largest relative error {w:.2e} (rtol {GRAD_RTOL:e}, atol {GRAD_ATOL:e})");
    }
    println!("{ran} cases with gradients");
    assert!(
        failures.is_empty(),
        "{} gradient failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A function's arguments, each with the default the docs state (`None`: no default).
type Signature<'a> = (&'a str, &'a [(&'a str, Option<f64>)]);

/// Optax's argument names and order, as recorded from `inspect.signature`, are the Rust
/// arguments' (`where` is `where_`), and the defaults the docs state are Optax's.
#[test]
fn signatures_are_optax_s() {
    let g = golden();
    let sigs = &g["signatures"];
    let expect: [Signature; 3] = [
        (
            "ranking_softmax_loss",
            &[
                ("logits", None),
                ("labels", None),
                ("where_", None),
                ("weights", None),
                ("reduce_fn", None),
            ],
        ),
        (
            "ntxent",
            &[
                ("embeddings", None),
                ("labels", None),
                ("temperature", Some(0.07)),
            ],
        ),
        (
            "triplet_margin_loss",
            &[
                ("anchors", None),
                ("positives", None),
                ("negatives", None),
                ("axis", Some(-1.0)),
                ("norm_degree", Some(2.0)),
                ("margin", Some(1.0)),
                ("eps", Some(1e-6)),
            ],
        ),
    ];
    for (function, args) in expect {
        let rows = sigs[function].as_array().unwrap();
        assert_eq!(rows.len(), args.len(), "{function}");
        for (row, (name, default)) in rows.iter().zip(args) {
            let optax_name = row[0].as_str().unwrap();
            let rust_name = if optax_name == "where" {
                "where_"
            } else {
                optax_name
            };
            assert_eq!(rust_name, *name, "{function}");
            if let Some(d) = default {
                assert_eq!(row[1].as_f64(), Some(*d), "{function}: default of {name}");
            }
        }
    }
    assert_eq!(
        sigs["ranking_softmax_loss"][4][1].as_str(),
        Some("<callable mean>"),
        "reduce_fn's default is jnp.mean"
    );
    assert_eq!(ReduceFn::default(), ReduceFn::Mean);
}

fn assert_invalid<T: std::fmt::Debug>(r: optax_core::Result<T>, function: &str, what: &str) {
    match r {
        Err(OptaxError::InvalidInput {
            function: f,
            reason,
        }) => {
            assert_eq!(f, function, "{what}: {reason}");
        }
        other => panic!("{what}: expected InvalidInput, got {other:?}"),
    }
}

#[test]
fn bad_input_is_an_error() {
    let d = common::flex();
    let z2 = |s: [usize; 2]| Tensor::<2>::zeros(s, &d);
    let f = "ranking_softmax_loss";
    assert_invalid(
        ranking_softmax_loss(z2([2, 3]), z2([2, 4]), None, None, None),
        f,
        "labels of another shape",
    );
    assert_invalid(
        ranking_softmax_loss(
            z2([2, 3]),
            z2([2, 3]),
            Some(Tensor::<2, Bool>::empty([3, 3], &d)),
            None,
            Some(ReduceFn::Mean),
        ),
        f,
        "where of another shape",
    );
    assert_invalid(
        ranking_softmax_loss(
            z2([2, 3]),
            z2([2, 3]),
            None,
            Some(z2([2, 2])),
            Some(ReduceFn::Sum),
        ),
        f,
        "weights that do not broadcast",
    );
    assert_invalid(
        ranking_softmax_loss(z2([2, 3]), z2([2, 3]), None, Some(z2([4, 3])), None),
        f,
        "weights broadcasting beyond the logits",
    );
    assert_invalid(
        ranking_softmax_loss(z2([2, 0]), z2([2, 0]), None, None, None),
        f,
        "empty lists",
    );

    let f = "ntxent";
    let labels = |n: usize| Tensor::<1, Int>::zeros([n], &d);
    assert_invalid(ntxent(z2([4, 2]), labels(3), 0.07), f, "labels too short");
    assert_invalid(ntxent(z2([0, 2]), labels(0), 0.07), f, "empty batch");
    assert_invalid(ntxent(z2([4, 0]), labels(4), 0.07), f, "no features");
    assert_invalid(ntxent(z2([4, 2]), labels(4), 0.0), f, "zero temperature");
    assert_invalid(
        ntxent(z2([4, 2]), labels(4), f64::NAN),
        f,
        "NaN temperature",
    );

    let f = "triplet_margin_loss";
    let t = |a, p, n, axis, q| triplet_margin_loss(z2(a), z2(p), z2(n), axis, q, 1.0, 1e-6);
    assert_invalid(
        t([2, 3], [2, 3], [2, 3], 2, 2.0),
        f,
        "axis 2 of a rank-2 input",
    );
    assert_invalid(
        t([2, 3], [2, 3], [2, 3], -3, 2.0),
        f,
        "axis -3 of a rank-2 input",
    );
    assert_invalid(
        t([2, 3], [2, 4], [2, 3], -1, 2.0),
        f,
        "positives of another shape",
    );
    assert_invalid(
        t([2, 3], [2, 3], [3, 3], -1, 2.0),
        f,
        "negatives of another shape",
    );
    // Each pair broadcasts, but the two distances do not: [2, 1] against [3, 1].
    assert_invalid(
        t([1, 3], [2, 3], [3, 3], -1, 2.0),
        f,
        "distances that do not broadcast",
    );
    assert_invalid(t([2, 3], [2, 3], [2, 3], -1, 0.0), f, "norm_degree 0");
    assert_invalid(
        t([2, 3], [2, 3], [2, 3], -1, f64::INFINITY),
        f,
        "infinite norm_degree",
    );
    assert_invalid(t([0, 3], [0, 3], [0, 3], -1, 2.0), f, "empty batch");
}

/// Broadcast inputs give the gradient of the broadcast input summed over the broadcast
/// axis, as JAX does; the golden `broadcast_anchor` case checks the numbers, this checks the
/// shapes.
#[test]
fn broadcast_gradients_have_the_input_shape() {
    let d = common::flex().autodiff();
    let anchors = Tensor::<2>::ones([1, 4], &d).require_grad();
    let positives = Tensor::<2>::zeros([5, 4], &d).require_grad();
    let negatives = Tensor::<2>::ones([5, 4], &d).mul_scalar(3.0).require_grad();
    let loss = triplet_margin_loss(
        anchors.clone(),
        positives.clone(),
        negatives,
        -1,
        2.0,
        10.0,
        1e-6,
    )
    .unwrap();
    assert_eq!(loss.dims(), [5, 1]);
    let grads = loss.sum().backward();
    assert_eq!(anchors.grad(&grads).unwrap().dims(), [1, 4]);
    assert_eq!(positives.grad(&grads).unwrap().dims(), [5, 4]);

    let logits = Tensor::<2>::ones([2, 3], &d).require_grad();
    let weights = Tensor::<2>::ones([2, 1], &d).require_grad();
    let labels = Tensor::<2>::ones([2, 3], &d);
    let loss = ranking_softmax_loss(logits, labels, None, Some(weights.clone()), None).unwrap();
    assert_eq!(loss.dims(), [2, 1]);
    let grads = loss.sum().backward();
    assert_eq!(weights.grad(&grads).unwrap().dims(), [2, 1]);
}
