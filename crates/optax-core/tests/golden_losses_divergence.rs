//! The divergence and segmentation losses against Optax 0.2.8 (golden data from
//! `tests/golden/gen_losses_divergence.py`): values on every test device, gradients (the VJP
//! with a recorded cotangent) on a flex autodiff device against JAX's, and the inputs Optax
//! rejects as `OptaxError::InvalidInput`.

mod common;

use common::{bools, floats, shape, to_vec};

use std::collections::BTreeMap;

use burn::tensor::{Bool, Device, Tensor, TensorData};
use optax_core::losses::{
    binary_dice_loss, dice_loss, generalized_kl_divergence, kl_divergence,
    kl_divergence_with_log_targets, multiclass_generalized_dice_loss, Reduction,
};
use optax_core::OptaxError;
use serde_json::Value;

/// Values: float32 against XLA's float32 (exp, log, softmax and sums in another order differ
/// by an ulp or two).
const RTOL: f64 = 1e-6;
const ATOL: f64 = 1e-6;
/// Gradients: longer chains (softmax, quotient rule, normalised class weights).
const GRAD_RTOL: f64 = 1e-5;
const GRAD_ATOL: f64 = 1e-5;

fn data() -> Value {
    common::golden("losses_divergence.json")
}

fn flat<const D: usize>(t: Tensor<D>) -> Tensor<1> {
    let n: usize = t.dims().iter().product();
    t.reshape([n])
}

/// The float inputs of a case, in the golden file's order (the function's argument order).
fn float_inputs(case: &Value) -> Vec<(String, Value)> {
    case["inputs"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, v)| v["dtype"] == "float32")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The rank of a case's main input.
fn rank(case: &Value) -> usize {
    let inputs = &case["inputs"];
    let main = inputs
        .get("log_predictions")
        .unwrap_or(&inputs["predictions"]);
    shape(main).len()
}

/// Calls the Rust form of the case's function on the given tensors; the result flattened.
#[allow(deprecated)] // convex_kl_divergence is tested as Optax still ships it.
fn call<const D: usize>(
    case: &Value,
    tensors: &BTreeMap<String, Tensor<D>>,
    class_weights: Option<Tensor<1>>,
    where_: Option<Tensor<D, Bool>>,
) -> Result<Tensor<1>, String> {
    let args = &case["args"];
    let f = |k: &str, default: f64| args.get(k).map_or(default, |v| v.as_f64().unwrap());
    let b = |k: &str, default: bool| args.get(k).map_or(default, |v| v.as_bool().unwrap());
    let t = |k: &str| tensors[k].clone();
    let err = |e: OptaxError| e.to_string();
    let out = match case["function"].as_str().unwrap() {
        "kl_divergence" | "generalized_kl_divergence" | "convex_kl_divergence" => {
            let axis = args.get("axis").map_or(-1, |a| a.as_i64().unwrap()) as isize;
            let (lp, tg) = (t("log_predictions"), t("targets"));
            match case["function"].as_str().unwrap() {
                "kl_divergence" => kl_divergence(lp, tg, axis, where_),
                "generalized_kl_divergence" => generalized_kl_divergence(lp, tg, axis, where_),
                _ => optax_core::losses::convex_kl_divergence(lp, tg, axis, where_),
            }
            .map(flat)
            .map_err(err)?
        }
        "kl_divergence_with_log_targets" => {
            let axis = args.get("axis").map_or(-1, |a| a.as_i64().unwrap()) as isize;
            flat(
                kl_divergence_with_log_targets(
                    t("log_predictions"),
                    t("log_targets"),
                    axis,
                    where_,
                )
                .map_err(err)?,
            )
        }
        "dice_loss" => {
            let axis: Option<Vec<isize>> = args.get("axis").map(|a| {
                a.as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_i64().unwrap() as isize)
                    .collect()
            });
            let reduction: Reduction = args
                .get("reduction")
                .map_or(Ok(Reduction::default()), |r| {
                    r.as_str().unwrap().parse::<Reduction>()
                })
                .map_err(err)?;
            flat(
                dice_loss(
                    t("predictions"),
                    t("targets"),
                    class_weights,
                    f("smooth", 1.0),
                    f("alpha", 0.5),
                    f("beta", 0.5),
                    b("apply_softmax", true),
                    reduction,
                    b("ignore_background", false),
                    axis.as_deref(),
                )
                .map_err(err)?,
            )
        }
        "multiclass_generalized_dice_loss" => multiclass_generalized_dice_loss(
            t("predictions"),
            t("targets"),
            f("smooth", 1.0),
            b("apply_softmax", true),
            b("ignore_background", false),
        )
        .map_err(err)?,
        "binary_dice_loss" => flat(
            binary_dice_loss(
                t("predictions"),
                t("targets"),
                f("smooth", 1.0),
                b("apply_sigmoid", true),
            )
            .map_err(err)?,
        ),
        other => return Err(format!("no Rust form of `{other}`")),
    };
    Ok(out)
}

/// The loss and, when `grads` is set (an autodiff device), the gradient of
/// `Σ loss·cotangent` with respect to every float input, in `float_inputs` order.
fn run<const D: usize>(
    case: &Value,
    device: &Device,
    grads: bool,
) -> Result<(Vec<f32>, Vec<Vec<f32>>), String> {
    let mut tensors = BTreeMap::new();
    let mut class_weights = None;
    for (name, arr) in float_inputs(case) {
        if name == "class_weights" {
            let w = floats::<1>(&arr, device);
            class_weights = Some(if grads { w.require_grad() } else { w });
        } else {
            let x = floats::<D>(&arr, device);
            tensors.insert(name, if grads { x.require_grad() } else { x });
        }
    }
    let where_ = case["inputs"].get("where").map(|w| bools::<D>(w, device));
    let loss = call(case, &tensors, class_weights.clone(), where_)?;
    let value = to_vec(loss.clone());
    if !grads {
        return Ok((value, Vec::new()));
    }
    // Optax's output has the summed axes removed: flattened, the order is the same.
    let cot = common::nums(&case["cotangent"]["data"]);
    let cot = Tensor::<1>::from_data(TensorData::new(cot, [value.len()]), device);
    let g = loss.mul(cot).sum().backward();
    let mut out = Vec::new();
    for (name, arr) in float_inputs(case) {
        let n = common::nums(&arr["data"]).len();
        let grad = if name == "class_weights" {
            class_weights.as_ref().unwrap().grad(&g).map(to_vec)
        } else {
            tensors[&name].grad(&g).map(to_vec)
        };
        // No gradient reached the input: JAX's is zero.
        out.push(grad.unwrap_or_else(|| vec![0.0; n]));
    }
    Ok((value, out))
}

fn run_any(
    case: &Value,
    device: &Device,
    grads: bool,
) -> Result<(Vec<f32>, Vec<Vec<f32>>), String> {
    match rank(case) {
        1 => run::<1>(case, device, grads),
        2 => run::<2>(case, device, grads),
        3 => run::<3>(case, device, grads),
        4 => run::<4>(case, device, grads),
        r => Err(format!("rank {r} not covered")),
    }
}

/// The cases run on wgpu as well: the first of each function and the edge cases (kept small
/// for CI time).
fn on_wgpu(cases: &[Value]) -> Vec<&Value> {
    let mut seen = std::collections::HashSet::new();
    cases
        .iter()
        .filter(|c| {
            let name = c["name"].as_str().unwrap();
            seen.insert(c["function"].as_str().unwrap().to_string())
                || ["zero", "where", "empty", "background", "large"]
                    .iter()
                    .any(|k| name.contains(k))
        })
        .collect()
}

#[test]
fn values_match_optax() {
    let data = data();
    let cases = data["cases"].as_array().expect("cases");
    for (device_name, device) in common::devices() {
        let selected: Vec<&Value> = if device_name == "flex" {
            cases.iter().collect()
        } else {
            on_wgpu(cases)
        };
        let (mut ran, mut worst) = (0, 0.0f64);
        let mut failures = Vec::new();
        for case in selected {
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
    let data = data();
    let cases = data["cases"].as_array().expect("cases");
    let device = common::flex().autodiff();
    let (mut ran, mut worst, mut nans) = (0, 0.0f64, 0usize);
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        if !common::selected(name) {
            continue;
        }
        ran += 1;
        let names: Vec<String> = float_inputs(case).into_iter().map(|(k, _)| k).collect();
        let want: Vec<Vec<f32>> = names
            .iter()
            .map(|k| common::nums(&case["grads"][k]["data"]))
            .collect();
        nans += want.iter().flatten().filter(|v| v.is_nan()).count();
        let result = run_any(case, &device, true).and_then(|(value, got)| {
            // The autodiff device gives the same values.
            common::compare(
                &[value],
                &[common::nums(&case["output"]["data"])],
                RTOL,
                ATOL,
            )?;
            common::compare(&got, &want, GRAD_RTOL, GRAD_ATOL)
        });
        match result {
            Ok(w) => worst = worst.max(w),
            Err(e) => failures.push(format!("{name} (inputs {names:?}): {e}")),
        }
    }
    println!(
        "flex autodiff: {ran} cases, largest relative gradient error {worst:.2e} \
         (rtol {GRAD_RTOL:e}, atol {GRAD_ATOL:e}); {nans} NaN gradients, matched where JAX has them"
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The golden file covers every function and the edge cases the brief asks for.
#[test]
fn golden_cases_cover_every_function() {
    let data = data();
    let cases = data["cases"].as_array().unwrap();
    for f in [
        "kl_divergence",
        "kl_divergence_with_log_targets",
        "generalized_kl_divergence",
        "convex_kl_divergence",
        "dice_loss",
        "multiclass_generalized_dice_loss",
        "binary_dice_loss",
    ] {
        let n = cases.iter().filter(|c| c["function"] == f).count();
        assert!(n >= 3, "{f}: {n} cases");
        let sig = &data["signatures"][f];
        assert!(sig.is_array(), "{f}: no recorded signature");
    }
    for edge in ["zero_targets", "where_", "empty_targets", "all_background"] {
        assert!(
            cases
                .iter()
                .any(|c| c["name"].as_str().unwrap().contains(edge)),
            "no {edge} case"
        );
    }
}

/// Optax's argument names and order, as recorded from `inspect.signature`, against the Rust
/// signatures (`where` is `where_`).
#[test]
fn argument_names_are_optaxs() {
    let data = data();
    let rust: [(&str, &[&str]); 7] = [
        (
            "kl_divergence",
            &["log_predictions", "targets", "axis", "where"],
        ),
        (
            "kl_divergence_with_log_targets",
            &["log_predictions", "log_targets", "axis", "where"],
        ),
        (
            "generalized_kl_divergence",
            &["log_predictions", "targets", "axis", "where"],
        ),
        (
            "convex_kl_divergence",
            &["log_predictions", "targets", "axis", "where"],
        ),
        (
            "dice_loss",
            &[
                "predictions",
                "targets",
                "class_weights",
                "smooth",
                "alpha",
                "beta",
                "apply_softmax",
                "reduction",
                "ignore_background",
                "axis",
            ],
        ),
        (
            "multiclass_generalized_dice_loss",
            &[
                "predictions",
                "targets",
                "smooth",
                "apply_softmax",
                "ignore_background",
            ],
        ),
        (
            "binary_dice_loss",
            &["predictions", "targets", "smooth", "apply_sigmoid"],
        ),
    ];
    for (f, names) in rust {
        let optax: Vec<&str> = data["signatures"][f]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| row[0].as_str().unwrap())
            .collect();
        assert_eq!(optax, names, "{f}");
    }
    // Optax's defaults, as the Rust docs state them.
    let dice = &data["signatures"]["dice_loss"];
    let default = |i: usize| dice[i][1].clone();
    assert_eq!(default(3), 1.0);
    assert_eq!(default(4), 0.5);
    assert_eq!(default(5), 0.5);
    assert_eq!(default(6), true);
    assert_eq!(default(7), Reduction::default().as_str());
    assert_eq!(default(8), false);
    assert_eq!(data["signatures"]["kl_divergence"][2][1], -1);
}

fn invalid<T: std::fmt::Debug>(r: optax_core::Result<T>, function: &str) {
    match r {
        Err(OptaxError::InvalidInput {
            function: f,
            reason,
        }) => {
            assert_eq!(f, function, "{reason}");
        }
        other => panic!("{function}: expected InvalidInput, got {other:?}"),
    }
}

/// Every input the golden file records as rejected by Optax is an `InvalidInput` here.
#[test]
fn optax_rejections_are_invalid_input() {
    let data = data();
    let d = common::flex();
    let z = |s: [usize; 3]| Tensor::<3>::zeros(s, &d);
    let x = z([2, 3, 3]);
    let mut checked = 0;
    for e in data["errors"].as_array().unwrap() {
        let name = e["name"].as_str().unwrap();
        match name {
            "dice_loss/shape_mismatch" => invalid(
                dice_loss(
                    x.clone(),
                    z([2, 3, 2]),
                    None,
                    1.0,
                    0.5,
                    0.5,
                    true,
                    Reduction::Mean,
                    false,
                    None,
                ),
                "dice_loss",
            ),
            "dice_loss/unsupported_reduction" => {
                invalid("max".parse::<Reduction>(), "dice_loss");
                let msg = e["message"].as_str().unwrap();
                assert!(msg.starts_with("Unsupported reduction"), "{msg}");
            }
            "dice_loss/not_probabilities" => invalid(
                dice_loss(
                    x.clone(),
                    x.clone(),
                    None,
                    1.0,
                    0.5,
                    0.5,
                    false,
                    Reduction::Mean,
                    false,
                    None,
                ),
                "dice_loss",
            ),
            "binary_dice_loss/apply_sigmoid_false" => invalid(
                binary_dice_loss(
                    Tensor::<2>::full([2, 3], 0.5, &d),
                    Tensor::<2>::zeros([2, 3], &d),
                    1.0,
                    false,
                ),
                "binary_dice_loss",
            ),
            "multiclass_generalized_dice_loss/shape_mismatch" => invalid(
                multiclass_generalized_dice_loss(x.clone(), z([2, 3, 2]), 1.0, true, false),
                "multiclass_generalized_dice_loss",
            ),
            "kl_divergence/shapes_do_not_broadcast" => invalid(
                kl_divergence(
                    Tensor::<2>::zeros([2, 3], &d),
                    Tensor::<2>::zeros([2, 4], &d),
                    -1,
                    None,
                ),
                "kl_divergence",
            ),
            "kl_divergence/where_does_not_broadcast" => invalid(
                kl_divergence(
                    Tensor::<2>::zeros([2, 3], &d),
                    Tensor::<2>::zeros([2, 3], &d),
                    -1,
                    Some(Tensor::<2, Bool>::from_data(
                        TensorData::new(vec![true; 9], [3, 3]),
                        &d,
                    )),
                ),
                "kl_divergence",
            ),
            other => panic!("no Rust check for the recorded rejection {other}"),
        }
        checked += 1;
    }
    assert_eq!(checked, 7);
}

/// Bad axes, class weights and masks are errors, not panics.
#[test]
fn bad_arguments_are_invalid_input() {
    let d = common::flex();
    let a = Tensor::<2>::zeros([2, 3], &d);
    for axis in [2, -3] {
        invalid(
            kl_divergence(a.clone(), a.clone(), axis, None),
            "kl_divergence",
        );
        invalid(
            kl_divergence_with_log_targets(a.clone(), a.clone(), axis, None),
            "kl_divergence_with_log_targets",
        );
        invalid(
            generalized_kl_divergence(a.clone(), a.clone(), axis, None),
            "generalized_kl_divergence",
        );
    }
    // A mask that broadcasts with, but not to, the inputs' shape.
    let wide = Tensor::<2>::zeros([2, 1], &d);
    invalid(
        kl_divergence(
            wide.clone(),
            wide,
            -1,
            Some(Tensor::<2, Bool>::from_data(
                TensorData::new(vec![true; 6], [2, 3]),
                &d,
            )),
        ),
        "kl_divergence",
    );

    let x = Tensor::<4>::zeros([2, 4, 4, 3], &d);
    let dice = |class_weights: Option<Tensor<1>>, axis: Option<&[isize]>| {
        dice_loss(
            x.clone(),
            x.clone(),
            class_weights,
            1.0,
            0.5,
            0.5,
            true,
            Reduction::Mean,
            false,
            axis,
        )
    };
    invalid(dice(Some(Tensor::<1>::ones([2], &d)), None), "dice_loss");
    let bad_axes: [&[isize]; 6] = [&[4], &[-5], &[3], &[-1], &[1, 1], &[1, -3]];
    for axis in bad_axes {
        invalid(dice(None, Some(axis)), "dice_loss");
    }
    assert!(dice(Some(Tensor::<1>::ones([3], &d)), Some(&[0isize, 1, 2][..])).is_ok());
    invalid(
        binary_dice_loss(
            Tensor::<2>::zeros([2, 3], &d),
            Tensor::<2>::zeros([3, 2], &d),
            1.0,
            true,
        ),
        "binary_dice_loss",
    );
    // apply_softmax=false with NaN predictions: not a distribution.
    let nan = Tensor::<2>::full([2, 3], f32::NAN, &d);
    invalid(
        multiclass_generalized_dice_loss(nan, a, 1.0, false, false),
        "multiclass_generalized_dice_loss",
    );
}
