//! `optax_core::monte_carlo` against Optax 0.2.6's `optax.monte_carlo` (golden data from
//! `tests/golden/gen_monte_carlo.py`, each case with the draws Optax made from its key), the
//! estimators' means against the analytic gradients on random samples, the variance the
//! control variates remove, and the typed errors.

mod common;

use common::{floats, to_vec};

use burn::tensor::{Device, Tensor, TensorData};
use optax_core::monte_carlo::{
    control_delta_method, control_variates_jacobians, control_variates_jacobians_with_draws,
    measure_valued_jacobians, measure_valued_jacobians_with_draws, moving_avg_baseline,
    multi_normal, pathwise_jacobians, pathwise_jacobians_with_draws, score_function_jacobians,
    score_function_jacobians_with_draws, ControlVariate, Draws, GradEstimator, MeasureValuedDraws,
    MovingAvgBaselineState,
};
use optax_core::OptaxError;
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::Value;

/// Tolerance on the jacobians (float32): they are gradients, and the measure-valued ones are
/// differences of nearby function values divided by σ, so the brief's gradient tolerance.
const RTOL: f64 = 1e-5;
const ATOL: f64 = 1e-5;
/// Tolerance on plain values (samples, log-densities, the baseline's state).
const VALUE_TOL: f64 = 1e-6;

/// The case's `f`, and its gradient and Hessian for the delta method, in Burn ops.
struct Function {
    f: std::rc::Rc<dyn Fn(Tensor<2>) -> Tensor<1>>,
    grad: std::rc::Rc<dyn Fn(Tensor<1>) -> Tensor<1>>,
    hessian: std::rc::Rc<dyn Fn(Tensor<1>) -> Tensor<2>>,
}

fn function(spec: &Value, device: &Device) -> Function {
    let rows = |t: Tensor<2>| t.sum_dim(1).squeeze_dim::<1>(1);
    match spec["kind"].as_str().unwrap() {
        "linear" => {
            let w = floats::<1>(&spec["w"], device);
            let (w1, w2) = (w.clone(), w.clone());
            let d = w.dims()[0];
            Function {
                f: std::rc::Rc::new(move |x: Tensor<2>| rows(x.mul(w1.clone().unsqueeze::<2>()))),
                grad: std::rc::Rc::new(move |m: Tensor<1>| w2.clone().add(m.mul_scalar(0.0))),
                hessian: std::rc::Rc::new(move |m: Tensor<1>| {
                    Tensor::<2>::zeros([d, d], &m.device()).add(m.unsqueeze::<2>().mul_scalar(0.0))
                }),
            }
        }
        "quadratic" => {
            let a = floats::<2>(&spec["a"], device);
            let b = floats::<1>(&spec["b"], device);
            let (a1, b1, a2, b2, a3) = (a.clone(), b.clone(), a.clone(), b, a);
            Function {
                f: std::rc::Rc::new(move |x: Tensor<2>| {
                    rows(x.clone().matmul(a1.clone()).mul(x.clone()))
                        .mul_scalar(0.5)
                        .add(rows(x.mul(b1.clone().unsqueeze::<2>())))
                }),
                grad: std::rc::Rc::new(move |m: Tensor<1>| {
                    let d = m.dims()[0];
                    a2.clone()
                        .matmul(m.unsqueeze_dim::<2>(1))
                        .reshape([d])
                        .add(b2.clone())
                }),
                hessian: std::rc::Rc::new(move |m: Tensor<1>| {
                    a3.clone().add(m.unsqueeze::<2>().mul_scalar(0.0))
                }),
            }
        }
        "cubic" => {
            let w = floats::<1>(&spec["w"], device);
            let (w1, w2, w3) = (w.clone(), w.clone(), w);
            Function {
                f: std::rc::Rc::new(move |x: Tensor<2>| {
                    rows(
                        x.clone()
                            .mul(x.clone())
                            .mul(x)
                            .mul(w1.clone().unsqueeze::<2>()),
                    )
                }),
                grad: std::rc::Rc::new(move |m: Tensor<1>| {
                    m.square().mul(w2.clone()).mul_scalar(3.0)
                }),
                hessian: std::rc::Rc::new(move |m: Tensor<1>| {
                    let d = m.dims()[0];
                    Tensor::<2>::eye(d, &m.device())
                        .mul(m.mul(w3.clone()).mul_scalar(6.0).unsqueeze::<2>())
                }),
            }
        }
        other => panic!("unknown function {other}"),
    }
}

fn draws(v: &Value, device: &Device) -> Draws {
    let measure_valued = v.get("mean_positive").map(|_| MeasureValuedDraws {
        mean_positive: floats(&v["mean_positive"], device),
        mean_negative: floats(&v["mean_negative"], device),
        std_positive: floats(&v["std_positive"], device),
        std_negative: floats(&v["std_negative"], device),
    });
    Draws {
        normal: floats(&v["normal"], device),
        measure_valued,
    }
}

fn estimator(name: &str) -> GradEstimator {
    match name {
        "score_function" => GradEstimator::ScoreFunction,
        "pathwise" => GradEstimator::Pathwise,
        "measure_valued" => GradEstimator::MeasureValued { coupling: true },
        other => panic!("unknown estimator {other}"),
    }
}

/// Runs one golden case; returns the largest relative error, or what went wrong.
fn run_case(case: &Value, device: &Device) -> Result<f64, String> {
    let inputs = &case["inputs"];
    let want = |i: usize| common::nums(&case["output"][i]["data"]);
    let compare = |got: Vec<Tensor<2>>| -> Result<f64, String> {
        let n = case["output"].as_array().unwrap().len();
        let got: Vec<Vec<f32>> = got.into_iter().map(to_vec).collect();
        let want: Vec<Vec<f32>> = (0..n).map(want).collect();
        common::compare(&got, &want, RTOL, ATOL)
    };
    let err = |e: OptaxError| e.to_string();
    let function_name = case["function"].as_str().unwrap();
    if function_name == "multi_normal" {
        let dist = multi_normal(
            floats::<1>(&inputs["loc"], device).unsqueeze(),
            floats::<1>(&inputs["log_scale"], device).unsqueeze(),
        )
        .map_err(err)?;
        let samples = dist
            .sample_from_normal(floats(&case["draws"]["normal"], device))
            .map_err(err)?;
        let golden_samples = floats::<2>(&case["output"]["samples"], device);
        let log_prob = dist.log_prob(golden_samples).map_err(err)?;
        return common::compare(
            &[to_vec(samples), to_vec(log_prob)],
            &[
                common::nums(&case["output"]["samples"]["data"]),
                common::nums(&case["output"]["log_prob"]["data"]),
            ],
            VALUE_TOL,
            VALUE_TOL,
        );
    }
    let params = [
        floats::<1>(&inputs["mean"], device),
        floats::<1>(&inputs["log_scale"], device),
    ];
    let fun = function(&case["f"], device);
    let f = fun.f.clone();
    let f = move |x: Tensor<2>| f(x);
    let d = draws(&case["draws"], device);
    match function_name {
        "score_function_jacobians" => compare(
            score_function_jacobians_with_draws(f, &params, multi_normal, d.normal).map_err(err)?,
        ),
        "pathwise_jacobians" => {
            compare(pathwise_jacobians_with_draws(f, &params, multi_normal, d.normal).map_err(err)?)
        }
        "measure_valued_jacobians" => compare(
            measure_valued_jacobians_with_draws(
                f,
                &params,
                multi_normal,
                d.normal,
                d.measure_valued.as_ref().unwrap(),
            )
            .map_err(err)?,
        ),
        "control_variates_jacobians" => {
            let args = &case["args"];
            let est = estimator(args["grad_estimator"].as_str().unwrap());
            let coeff_draws = case.get("coeff_draws").map(|v| draws(v, device));
            match args["control_variate"].as_str().unwrap() {
                "delta" => {
                    let (g, h) = (fun.grad.clone(), fun.hessian.clone());
                    let (jac, ()) = control_variates_jacobians_with_draws(
                        f,
                        |f| control_delta_method(f, move |m| g(m), move |m| h(m)),
                        est,
                        &params,
                        multi_normal,
                        &d,
                        (),
                        coeff_draws.as_ref(),
                    )
                    .map_err(err)?;
                    compare(jac)
                }
                "moving_avg_baseline" => {
                    let cv = &args["cv_args"];
                    let state = MovingAvgBaselineState {
                        value: common::num(&inputs["state"]["value"]),
                        i: inputs["state"]["i"].as_u64().unwrap() as u32,
                    };
                    let (jac, new_state) = control_variates_jacobians_with_draws(
                        f,
                        |f| {
                            moving_avg_baseline(
                                f,
                                cv["decay"].as_f64().unwrap(),
                                cv["zero_debias"].as_bool().unwrap(),
                                cv["use_decay_early_training_heuristic"].as_bool().unwrap(),
                            )
                        },
                        est,
                        &params,
                        multi_normal,
                        &d,
                        state,
                        coeff_draws.as_ref(),
                    )
                    .map_err(err)?;
                    let want_state = &case["new_state"];
                    if new_state.i as u64 != want_state["i"].as_u64().unwrap() {
                        return Err(format!("state i {} != {}", new_state.i, want_state["i"]));
                    }
                    let s = common::compare(
                        &[vec![new_state.value]],
                        &[vec![common::num(&want_state["value"])]],
                        VALUE_TOL,
                        VALUE_TOL,
                    )?;
                    Ok(compare(jac)?.max(s))
                }
                other => Err(format!("unknown control variate {other}")),
            }
        }
        other => Err(format!("no Rust form of `{other}`")),
    }
}

/// The cases also run on wgpu (one per estimator and control variate: CI time matters).
const WGPU_CASES: [&str; 4] = [
    "pathwise_jacobians/cubic",
    "measure_valued_jacobians/quadratic/coupling_true",
    "control_variates_jacobians/delta/score_function/cubic/estimate_cv_coeffs",
    "control_variates_jacobians/moving_avg_baseline/score_function/quadratic",
];

#[test]
fn jacobians_match_optax_on_the_same_draws() {
    let data = common::golden("monte_carlo.json");
    assert_eq!(data["meta"]["optax_version"], "0.2.6");
    let cases = data["cases"].as_array().expect("cases");
    for (device_name, device) in common::devices() {
        let (mut ran, mut worst) = (0, 0.0f64);
        let mut failures = Vec::new();
        for case in cases {
            let name = case["name"].as_str().unwrap();
            if !common::selected(name) || (device_name != "flex" && !WGPU_CASES.contains(&name)) {
                continue;
            }
            ran += 1;
            match run_case(case, &device) {
                Ok(w) => worst = worst.max(w),
                Err(e) => failures.push(format!("{name}: {e}")),
            }
        }
        println!(
            "{device_name}: {ran} monte_carlo cases, largest relative error {worst:.2e} \
             (jacobians rtol {RTOL:e}, atol {ATOL:e}; values {VALUE_TOL:e})"
        );
        assert!(
            failures.is_empty(),
            "{} failures on {device_name}:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}

/// The argument names and order of Optax 0.2.6 (recorded in the golden file) are the ones these
/// functions take, except where the Rust form documents why not.
#[test]
fn argument_names_follow_optax() {
    let data = common::golden("monte_carlo.json");
    let names = |f: &str| -> Vec<String> {
        data["signatures"][f]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| row[0].as_str().unwrap().to_string())
            .collect()
    };
    let estimator = ["function", "params", "dist_builder", "rng", "num_samples"];
    assert_eq!(names("score_function_jacobians"), estimator);
    assert_eq!(names("pathwise_jacobians"), estimator);
    assert_eq!(
        names("measure_valued_jacobians"),
        [&estimator[..], &["coupling"]].concat()
    );
    assert_eq!(names("multi_normal"), ["loc", "log_scale"]);
    assert_eq!(
        names("control_variates_jacobians"),
        [
            "function",
            "control_variate_from_function",
            "grad_estimator",
            "params",
            "dist_builder",
            "rng",
            "num_samples",
            "control_variate_state",
            "estimate_cv_coeffs",
            "estimate_cv_coeffs_num_samples"
        ]
    );
    assert_eq!(
        names("moving_avg_baseline"),
        [
            "function",
            "decay",
            "zero_debias",
            "use_decay_early_training_heuristic"
        ]
    );
    // Optax differentiates `function` twice; Burn 0.22 cannot, so the Rust form also takes the
    // gradient and the Hessian after it.
    assert_eq!(names("control_delta_method"), ["function"]);
}

// ---------------------------------------------------------------------------------------------
// Random samples: the estimators' means against the analytic gradient of the expectation.
// ---------------------------------------------------------------------------------------------

const N: usize = 2000;

fn mean_and_se(t: &Tensor<2>) -> (Vec<f64>, Vec<f64>) {
    let [n, d] = t.dims();
    let v = to_vec(t.clone());
    (0..d)
        .map(|j| {
            let col: Vec<f64> = (0..n).map(|i| v[i * d + j] as f64).collect();
            let m = col.iter().sum::<f64>() / n as f64;
            let var = col.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n as f64 - 1.0);
            (m, (var / n as f64).sqrt())
        })
        .unzip()
}

fn variance(t: &Tensor<2>) -> f64 {
    let (_, se) = mean_and_se(t);
    se.iter().map(|s| s * s * N as f64).sum()
}

/// Each coordinate's mean within 4 standard errors (plus 1e-4 for the estimates of zero
/// variance, which must then be exact to float32).
fn assert_unbiased(what: &str, jac: &[Tensor<2>], truth: &[Vec<f64>]) {
    for (k, (j, t)) in jac.iter().zip(truth).enumerate() {
        let (m, se) = mean_and_se(j);
        for (d, ((m, se), t)) in m.iter().zip(&se).zip(t).enumerate() {
            assert!(
                (m - t).abs() <= 4.0 * se + 1e-4,
                "{what}: parameter {k}[{d}]: mean {m} vs analytic {t} (4·se = {})",
                4.0 * se
            );
        }
    }
}

fn gaussian(device: &Device) -> ([Tensor<1>; 2], Vec<f64>, Vec<f64>) {
    let mu = vec![0.5, -1.0, 2.0];
    let log_sigma = vec![-0.5, 0.0, 0.3];
    let t = |v: &Vec<f64>| {
        Tensor::<1>::from_data(
            TensorData::new(v.iter().map(|&x| x as f32).collect::<Vec<_>>(), [3]),
            device,
        )
    };
    ([t(&mu), t(&log_sigma)], mu, log_sigma)
}

#[test]
fn estimator_means_match_the_analytic_gradient() {
    let device = common::flex();
    let (params, mu, log_sigma) = gaussian(&device);
    let w = [1.5f32, -2.0, 0.5];
    let a = [0.7f32, -0.3, 1.2];
    let wt = Tensor::<2>::from_data(TensorData::new(w.to_vec(), [1, 3]), &device);
    let at = Tensor::<2>::from_data(TensorData::new(a.to_vec(), [1, 3]), &device);
    // linear: E f = w·μ, so ∇_μ = w, ∇_{log σ} = 0.
    let linear = move |x: Tensor<2>| x.mul(wt.clone()).sum_dim(1).squeeze_dim::<1>(1);
    let linear_truth: Vec<Vec<f64>> = vec![w.iter().map(|&v| v as f64).collect(), vec![0.0; 3]];
    // quadratic: E Σ a x² = Σ a (μ² + σ²), so ∇_μ = 2aμ, ∇_{log σ} = 2aσ².
    let quadratic = move |x: Tensor<2>| x.square().mul(at.clone()).sum_dim(1).squeeze_dim::<1>(1);
    let quadratic_truth: Vec<Vec<f64>> = vec![
        (0..3).map(|d| 2.0 * a[d] as f64 * mu[d]).collect(),
        (0..3)
            .map(|d| 2.0 * a[d] as f64 * (2.0 * log_sigma[d]).exp())
            .collect(),
    ];
    let mut rng = StdRng::seed_from_u64(7);
    for (name, truth) in [("linear", &linear_truth), ("quadratic", &quadratic_truth)] {
        let f = |x: Tensor<2>| {
            if name == "linear" {
                linear(x)
            } else {
                quadratic(x)
            }
        };
        let sf = score_function_jacobians(f, &params, multi_normal, &mut rng, N).unwrap();
        assert_unbiased(&format!("score_function/{name}"), &sf, truth);
        let pw = pathwise_jacobians(f, &params, multi_normal, &mut rng, N).unwrap();
        assert_unbiased(&format!("pathwise/{name}"), &pw, truth);
        for coupling in [true, false] {
            let mv =
                measure_valued_jacobians(f, &params, multi_normal, &mut rng, N, coupling).unwrap();
            assert_unbiased(&format!("measure_valued/{name}/{coupling}"), &mv, truth);
        }
    }
}

#[test]
fn control_variates_reduce_variance() {
    let device = common::flex();
    let (params, _, _) = gaussian(&device);
    let a = Tensor::<2>::from_data(TensorData::new(vec![0.7f32, -0.3, 1.2], [1, 3]), &device);
    let a1 = a.clone().squeeze_dim::<1>(0);
    let a2 = a1.clone();
    // f = Σ a x² + 100: the delta method's expansion is f itself, so every estimator's variance
    // goes to (float32) zero, against its zeroth order h = f(μ) (a constant: zero gradient and
    // Hessian). The offset is what a baseline removes from the score function.
    let f = move |x: Tensor<2>| {
        x.square()
            .mul(a.clone())
            .sum_dim(1)
            .squeeze_dim::<1>(1)
            .add_scalar(100.0)
    };
    let grad = move |m: Tensor<1>| m.mul(a1.clone()).mul_scalar(2.0);
    let hessian = move |m: Tensor<1>| {
        Tensor::<2>::eye(3, &m.device()).mul(a2.clone().mul_scalar(2.0).unsqueeze::<2>())
    };
    for est in [
        GradEstimator::ScoreFunction,
        GradEstimator::Pathwise,
        GradEstimator::MeasureValued { coupling: true },
    ] {
        let draws = Draws::sample(est, N, 3, &mut StdRng::seed_from_u64(11), &device);
        let (plain, ()) = control_variates_jacobians_with_draws(
            &f,
            |f| {
                control_delta_method(
                    f,
                    |m: Tensor<1>| m.mul_scalar(0.0),
                    |m: Tensor<1>| {
                        Tensor::<2>::zeros([3, 3], &m.device())
                            .add(m.unsqueeze::<2>().mul_scalar(0.0))
                    },
                )
            },
            est,
            &params,
            multi_normal,
            &draws,
            (),
            None,
        )
        .unwrap();
        let (delta, ()) = control_variates_jacobians_with_draws(
            &f,
            |f| control_delta_method(f, grad.clone(), hessian.clone()),
            est,
            &params,
            multi_normal,
            &draws,
            (),
            None,
        )
        .unwrap();
        for k in 0..2 {
            let (vp, vd) = (variance(&plain[k]), variance(&delta[k]));
            println!(
                "{est:?} parameter {k}: variance {vp:.3e} with h = f(μ), {vd:.3e} with the delta method"
            );
            assert!(vp > 1e-2, "{est:?}: the plain estimate has variance {vp}");
            assert!(vd < 1e-6 * vp, "{est:?} parameter {k}: {vd} !< 1e-6·{vp}");
        }
    }
    // The baseline centres f for the score function: the offset's share of the variance
    // (most of it here) goes.
    let est = GradEstimator::ScoreFunction;
    let draws = Draws::sample(est, N, 3, &mut StdRng::seed_from_u64(12), &device);
    let plain =
        score_function_jacobians_with_draws(&f, &params, multi_normal, draws.normal.clone())
            .unwrap();
    let (baseline, state) = control_variates_jacobians_with_draws(
        &f,
        |f| moving_avg_baseline(f, 0.99, true, true),
        est,
        &params,
        multi_normal,
        &draws,
        MovingAvgBaselineState { value: 0.0, i: 0 },
        None,
    )
    .unwrap();
    assert_eq!(state.i, 1);
    for k in 0..2 {
        let (vp, vb) = (variance(&plain[k]), variance(&baseline[k]));
        println!(
            "ScoreFunction parameter {k}: variance {vp:.3e} plain, {vb:.3e} with the baseline"
        );
        assert!(vb < 0.2 * vp, "parameter {k}: {vb} !< 0.2·{vp}");
    }
}

#[test]
fn the_rng_forms_are_the_draws_forms_on_the_draws_they_make() {
    let device = common::flex();
    let (params, _, _) = gaussian(&device);
    let f = |x: Tensor<2>| {
        x.clone()
            .mul(x.clone())
            .mul(x)
            .sum_dim(1)
            .squeeze_dim::<1>(1)
    };
    let seeded = || StdRng::seed_from_u64(3);
    for est in [
        GradEstimator::ScoreFunction,
        GradEstimator::Pathwise,
        GradEstimator::MeasureValued { coupling: false },
    ] {
        let draws = Draws::sample(est, 5, 3, &mut seeded(), &device);
        let (from_rng, from_draws) = match est {
            GradEstimator::ScoreFunction => (
                score_function_jacobians(f, &params, multi_normal, &mut seeded(), 5),
                score_function_jacobians_with_draws(f, &params, multi_normal, draws.normal),
            ),
            GradEstimator::Pathwise => (
                pathwise_jacobians(f, &params, multi_normal, &mut seeded(), 5),
                pathwise_jacobians_with_draws(f, &params, multi_normal, draws.normal),
            ),
            GradEstimator::MeasureValued { coupling } => (
                measure_valued_jacobians(f, &params, multi_normal, &mut seeded(), 5, coupling),
                measure_valued_jacobians_with_draws(
                    f,
                    &params,
                    multi_normal,
                    draws.normal,
                    draws.measure_valued.as_ref().unwrap(),
                ),
            ),
        };
        let (a, b) = (from_rng.unwrap(), from_draws.unwrap());
        for (x, y) in a.into_iter().zip(b) {
            assert_eq!(to_vec(x), to_vec(y), "{est:?}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Bad input: typed errors, no panics.
// ---------------------------------------------------------------------------------------------

fn invalid<T: std::fmt::Debug>(r: Result<T, OptaxError>, function: &str) {
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

#[test]
fn bad_input_is_a_typed_error() {
    let device = common::flex();
    let (params, _, _) = gaussian(&device);
    let f = |x: Tensor<2>| x.sum_dim(1).squeeze_dim::<1>(1);
    let rng = &mut StdRng::seed_from_u64(0);
    // Zero samples.
    invalid(
        score_function_jacobians(f, &params, multi_normal, rng, 0),
        "score_function_jacobians",
    );
    invalid(
        pathwise_jacobians(f, &params, multi_normal, rng, 0),
        "pathwise_jacobians",
    );
    invalid(
        measure_valued_jacobians(f, &params, multi_normal, rng, 0, true),
        "measure_valued_jacobians",
    );
    invalid(
        control_variates_jacobians(
            f,
            |f| moving_avg_baseline(f, 0.99, true, true),
            GradEstimator::ScoreFunction,
            &params,
            multi_normal,
            rng,
            4,
            MovingAvgBaselineState { value: 0.0, i: 0 },
            true,
            0,
        ),
        "control_variates_jacobians",
    );
    // Mismatched parameter shapes, and a wrong number of parameters.
    let bad = [params[0].clone(), Tensor::<1>::zeros([2], &device)];
    invalid(
        pathwise_jacobians(f, &bad, multi_normal, rng, 4),
        "pathwise_jacobians",
    );
    let three = [params[0].clone(), params[1].clone(), params[1].clone()];
    invalid(
        score_function_jacobians(f, &three, multi_normal, rng, 4),
        "score_function_jacobians",
    );
    invalid(
        multi_normal(
            Tensor::<2>::zeros([1, 3], &device),
            Tensor::<2>::zeros([1, 2], &device),
        ),
        "multi_normal",
    );
    invalid(
        multi_normal(
            Tensor::<2>::zeros([1, 0], &device),
            Tensor::<2>::zeros([1, 0], &device),
        ),
        "multi_normal",
    );
    // Draws of the wrong dimension or number.
    invalid(
        pathwise_jacobians_with_draws(
            f,
            &params,
            multi_normal,
            Tensor::<2>::zeros([4, 2], &device),
        ),
        "pathwise_jacobians",
    );
    let mut mv = MeasureValuedDraws::sample(4, 3, true, rng, &device);
    mv.std_negative = Tensor::<2>::zeros([5, 3], &device);
    invalid(
        measure_valued_jacobians_with_draws(
            f,
            &params,
            multi_normal,
            Tensor::<2>::zeros([4, 3], &device),
            &mv,
        ),
        "measure_valued_jacobians",
    );
    // Measure-valued draws missing for the measure-valued estimator.
    let draws = Draws::sample(GradEstimator::Pathwise, 4, 3, rng, &device);
    invalid(
        control_variates_jacobians_with_draws(
            f,
            |f| moving_avg_baseline(f, 0.99, true, true),
            GradEstimator::MeasureValued { coupling: true },
            &params,
            multi_normal,
            &draws,
            MovingAvgBaselineState { value: 0.0, i: 0 },
            None,
        ),
        "measure_valued_jacobians",
    );
    // A function that does not return one value per sample.
    let total = |x: Tensor<2>| x.sum().reshape([1]);
    invalid(
        pathwise_jacobians(total, &params, multi_normal, rng, 4),
        "pathwise_jacobians",
    );
    invalid(
        measure_valued_jacobians(total, &params, multi_normal, rng, 4, true),
        "measure_valued_jacobians",
    );
    // A Hessian of the wrong shape for the delta method.
    let delta = control_delta_method(f, |m: Tensor<1>| m, |m: Tensor<1>| m.unsqueeze::<2>());
    invalid(delta.expected_value(&params, &()), "control_delta_method");
    // Samples of the wrong dimension for log_prob.
    let dist = multi_normal(params[0].clone().unsqueeze(), params[1].clone().unsqueeze()).unwrap();
    invalid(
        dist.log_prob(Tensor::<2>::zeros([4, 2], &device)),
        "MultiNormalDiagFromLogScale.log_prob",
    );
}
