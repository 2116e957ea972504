//! Optax's numerics (`safe_norm`, `safe_root_mean_squares`, `power_iteration`,
//! `matrix_inverse_pth_root`, `nnls`), the twelve `optax.projections`, per-example clipping and
//! differential privacy (`differentially_private_aggregate`, `dpsgd`) against Optax 0.2.8
//! (golden data from `tests/golden/gen_numerics.py`: `numerics.json`, `privacy.json`).
//!
//! The DP trajectories are noiseless (`noise_multiplier = 0`): JAX's PRNG cannot be
//! reproduced, so the noise is tested for its distribution instead.

mod common;

use std::sync::Arc;

use burn::tensor::{Device, Tensor, TensorData};
use optax_core::numerics::{
    matrix_inverse_pth_root, nnls, nnls_multi, power_iteration, safe_norm, safe_root_mean_squares,
};
use optax_core::projections::*;
use optax_core::tree::NormOrd;
use optax_core::{
    apply_updates, from_spec, per_example_global_norm_clip, per_example_layer_norm_clip, Extra,
    OptaxError, Tree, TreeDef,
};
use serde_json::Value;

/// Float32 tolerances of the element-wise functions.
const RTOL: f64 = 1e-5;
const ATOL: f64 = 1e-6;
/// The iterative solvers (power iteration, the Newton iteration of the p-th root, FISTA)
/// accumulate float32 matmul rounding over up to 100 iterations; XLA's dot and Burn's sum in
/// different orders, so the iterates drift by a few ulps per step.
const ITER_RTOL: f64 = 1e-4;
const ITER_ATOL: f64 = 1e-5;

fn dyn_floats(arr: &Value, device: &Device) -> (Vec<usize>, Tensor<1>) {
    let shape = common::shape(arr);
    let data = common::nums(&arr["data"]);
    let n = data.len();
    (shape, Tensor::from_data(TensorData::new(data, [n]), device))
}

fn check(name: &str, got: Vec<f32>, want: &Value, rtol: f64, atol: f64) -> Result<f64, String> {
    let want = common::nums(&want["data"]);
    common::compare(&[got], &[want], rtol, atol).map_err(|e| format!("{name}: {e}"))
}

fn run_all(file: &str, key: &str, f: impl Fn(&Value, &Device) -> Result<f64, String>) {
    let data = common::golden(file);
    let cases = data[key].as_array().unwrap_or_else(|| panic!("no {key}"));
    let mut failures = Vec::new();
    let mut worst: f64 = 0.0;
    for case in cases {
        let name = case["name"].as_str().unwrap();
        if !common::selected(name) {
            continue;
        }
        match f(case, &common::flex()) {
            Ok(w) => worst = worst.max(w),
            Err(e) => failures.push(format!("{key}/{name}: {e}")),
        }
    }
    println!(
        "{} cases of {key}: largest relative error {worst:.2e}",
        cases.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn ord_of(v: &Value) -> NormOrd {
    match v {
        Value::Null => NormOrd::L2,
        Value::String(s) if s == "inf" => NormOrd::Inf,
        Value::Number(n) if n.as_f64() == Some(1.0) => NormOrd::L1,
        other => panic!("ord {other}"),
    }
}

macro_rules! at_rank {
    ($shape:expr, $flat:expr, |$t:ident| $body:expr) => {
        match $shape.len() {
            0 | 1 => {
                let $t = $flat.reshape([$shape.iter().product::<usize>()]);
                $body
            }
            2 => {
                let $t = $flat.reshape([$shape[0], $shape[1]]);
                $body
            }
            3 => {
                let $t = $flat.reshape([$shape[0], $shape[1], $shape[2]]);
                $body
            }
            r => panic!("rank {r}"),
        }
    };
}

#[test]
fn safe_norm_matches_optax() {
    run_all("numerics.json", "safe_norm", |case, device| {
        let (shape, x) = dyn_floats(&case["x"], device);
        let min_norm = common::num(&case["min_norm"]) as f64;
        let ord = ord_of(&case["ord"]);
        let axis: Option<Vec<usize>> = case["axis"]
            .as_array()
            .map(|a| a.iter().map(|v| v.as_u64().unwrap() as usize).collect());
        let got = at_rank!(shape, x, |t| {
            let n = safe_norm(t, min_norm, ord, axis.as_deref()).map_err(|e| e.to_string())?;
            common::to_vec(n)
        });
        check("out", got, &case["out"], RTOL, ATOL)
    });
}

#[test]
fn safe_root_mean_squares_matches_optax() {
    run_all("numerics.json", "safe_root_mean_squares", |case, device| {
        let (_, x) = dyn_floats(&case["x"], device);
        let min_rms = common::num(&case["min_rms"]) as f64;
        check(
            "out",
            common::to_vec(safe_root_mean_squares(x, min_rms)),
            &case["out"],
            RTOL,
            ATOL,
        )
    });
}

#[test]
fn power_iteration_matches_optax() {
    run_all("numerics.json", "power_iteration", |case, device| {
        let m: Tensor<2> = common::floats(&case["matrix"], device);
        let v0: Tensor<1> = common::floats(&case["v0"], device);
        let num_iters = case["num_iters"].as_u64().unwrap() as usize;
        let tol = case["error_tolerance"].as_f64().unwrap();
        let (eig, vec) =
            power_iteration(m, Some(v0), num_iters, tol, None).map_err(|e| e.to_string())?;
        let a = check(
            "eig",
            common::to_vec(eig),
            &case["eig"],
            ITER_RTOL,
            ITER_ATOL,
        )?;
        let b = check(
            "vec",
            common::to_vec(vec),
            &case["vec"],
            ITER_RTOL,
            ITER_ATOL,
        )?;
        Ok(a.max(b))
    });
}

#[test]
fn matrix_inverse_pth_root_matches_optax() {
    run_all(
        "numerics.json",
        "matrix_inverse_pth_root",
        |case, device| {
            let m: Tensor<2> = common::floats(&case["matrix"], device);
            let p = case["p"].as_f64().unwrap();
            let kw = &case["kwargs"];
            let num_iters = kw["num_iters"].as_u64().unwrap_or(100) as usize;
            let (root, error) =
                matrix_inverse_pth_root(m, p, num_iters, 1e-6, 1e-6).map_err(|e| e.to_string())?;
            let want_error = case["error"].as_f64().unwrap();
            if (error as f64 - want_error).abs() > 1e-5 + 1e-3 * want_error.abs() {
                return Err(format!("error {error} vs {want_error}"));
            }
            check(
                "root",
                common::to_vec(root),
                &case["out"],
                ITER_RTOL,
                ITER_ATOL,
            )
        },
    );
}

#[test]
fn nnls_matches_optax() {
    run_all("numerics.json", "nnls", |case, device| {
        let a: Tensor<2> = common::floats(&case["A"], device);
        let iters = case["iters"].as_u64().unwrap() as usize;
        let l = case["L"].as_f64();
        let got = if common::shape(&case["b"]).len() == 1 {
            let b: Tensor<1> = common::floats(&case["b"], device);
            common::to_vec(nnls(a, b, iters, l).map_err(|e| e.to_string())?)
        } else {
            let b: Tensor<2> = common::floats(&case["b"], device);
            common::to_vec(nnls_multi(a, b, iters, l).map_err(|e| e.to_string())?)
        };
        check("out", got, &case["out"], ITER_RTOL, ITER_ATOL)
    });
}

fn case_def(case: &Value) -> Arc<TreeDef> {
    common::tree_def(case)
}

fn tree_from(def: &Arc<TreeDef>, leaves: &Value, device: &Device) -> Tree {
    common::tree(def, leaves, device)
}

#[test]
fn projections_match_optax() {
    run_all("numerics.json", "projections", |case, device| {
        let def = case_def(case);
        let x = tree_from(&def, &case["x"], device);
        let args = &case["args"];
        let scale = args.get("scale").and_then(Value::as_f64).unwrap_or(1.0);
        let tree_arg = |k: &str| tree_from(&def, &args[k], device);
        let e = |e: OptaxError| e.to_string();
        let y = match case["fn"].as_str().unwrap() {
            "projection_non_negative" => projection_non_negative(&x),
            "projection_box" => match (&args["lower"], &args["upper"]) {
                (Value::Number(l), Value::Number(u)) => {
                    projection_box(&x, l.as_f64().unwrap(), u.as_f64().unwrap())
                }
                _ => projection_box_trees(&x, &tree_arg("lower"), &tree_arg("upper")).map_err(e)?,
            },
            "projection_hypercube" => projection_hypercube(&x, scale),
            "projection_simplex" => projection_simplex(&x, scale),
            "projection_l1_sphere" => projection_l1_sphere(&x, scale),
            "projection_l1_ball" => projection_l1_ball(&x, scale),
            "projection_l2_sphere" => projection_l2_sphere(&x, scale),
            "projection_l2_ball" => projection_l2_ball(&x, scale),
            "projection_linf_ball" => projection_linf_ball(&x, scale),
            "projection_vector" => projection_vector(&x, &tree_arg("a")).map_err(e)?,
            "projection_hyperplane" => {
                projection_hyperplane(&x, &tree_arg("a"), args["b"].as_f64().unwrap()).map_err(e)?
            }
            "projection_halfspace" => {
                projection_halfspace(&x, &tree_arg("a"), args["b"].as_f64().unwrap()).map_err(e)?
            }
            other => return Err(format!("unknown projection {other}")),
        };
        common::compare(
            &y.to_vecs().unwrap(),
            &common::leaves(&case["out"]),
            RTOL,
            ATOL,
        )
    });
}

/// A tree of per-example gradients: the golden leaves with the batch prepended to each shape.
fn batched_tree(case: &Value, batch: usize, leaves: &Value, device: &Device) -> Tree {
    let paths: Vec<String> = ["a_scalar", "b_vector", "c_matrix"]
        .map(String::from)
        .to_vec();
    let shapes = vec![vec![batch], vec![batch, 5], vec![batch, 3, 4]];
    let _ = case;
    let def = Arc::new(TreeDef::new(paths, shapes).unwrap());
    common::tree(&def, leaves, device)
}

#[test]
fn per_example_clipping_matches_optax() {
    run_all("privacy.json", "clip", |case, device| {
        let grads = batched_tree(case, 4, &case["grads"], device);
        let clip = common::num(&case["clip"]) as f64;
        let want_counts: Vec<i64> = case["num_clipped"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        let (sum, counts) = match case["fn"].as_str().unwrap() {
            "per_example_global_norm_clip" => {
                let (s, n) =
                    per_example_global_norm_clip(&grads, clip).map_err(|e| e.to_string())?;
                (s, vec![n])
            }
            _ => per_example_layer_norm_clip(&grads, clip, case["uniform"].as_bool().unwrap())
                .map_err(|e| e.to_string())?,
        };
        let counts: Vec<i64> = counts.into_iter().map(|c| c.into_scalar::<i64>()).collect();
        if counts != want_counts {
            return Err(format!("num_clipped {counts:?} vs {want_counts:?}"));
        }
        assert_eq!(sum.shapes(), &[vec![], vec![5], vec![3, 4]]);
        common::compare(
            &sum.to_vecs().unwrap(),
            &common::leaves(&case["out"]),
            RTOL,
            ATOL,
        )
    });
}

#[test]
fn per_example_clipping_needs_a_batch_axis() {
    let device = common::flex();
    let bad = Tree::builder()
        .leaf("a", Tensor::<2>::zeros([4, 2], &device))
        .leaf("b", Tensor::<2>::zeros([3, 2], &device))
        .build()
        .unwrap();
    assert!(matches!(
        per_example_global_norm_clip(&bad, 1.0),
        Err(OptaxError::InvalidInput { .. })
    ));
    assert!(matches!(
        per_example_layer_norm_clip(&bad, 1.0, true),
        Err(OptaxError::InvalidInput { .. })
    ));
    let scalar = Tree::builder().scalar("a", 1.0, &device).build().unwrap();
    assert!(per_example_global_norm_clip(&scalar, 1.0).is_err());
    // The same error from the transformation, and the state is untouched.
    let dp = from_spec(&serde_json::json!({"dpsgd": {
        "learning_rate": 0.1, "l2_norm_clip": 1.0, "noise_multiplier": 0.0, "seed": 0}}))
    .unwrap();
    let params = Tree::builder()
        .leaf("a", Tensor::<1>::zeros([2], &device))
        .leaf("b", Tensor::<1>::zeros([2], &device))
        .build()
        .unwrap();
    let mut state = dp.init(&params).unwrap();
    let before = state.to_json().unwrap();
    assert!(dp
        .update_in_place(bad, &mut state, Some(&params), &Extra::none())
        .is_err());
    assert_eq!(state.to_json().unwrap(), before);
}

fn run_dp_case(case: &Value, device: &Device) -> Result<f64, String> {
    let opt = from_spec(&case["spec"]).map_err(|e| format!("spec: {e}"))?;
    let def = common::tree_def(case);
    let batch = case["batch"].as_u64().unwrap() as usize;
    let mut params = common::tree(&def, &case["params0"], device);
    let mut state = opt.init(&params).map_err(|e| format!("init: {e}"))?;
    let mut worst: f64 = 0.0;
    for (t, step) in case["steps"].as_array().unwrap().iter().enumerate() {
        let grads = batched_tree(case, batch, &step["grads"], device);
        let (updates, next) = opt
            .update(grads, &state, Some(&params), &Extra::none())
            .map_err(|e| format!("step {t}: {e}"))?;
        state = next;
        let (next_params, w) = common::check_step(t, step, &updates, &params, RTOL, ATOL)?;
        params = next_params;
        worst = worst.max(w);
    }
    Ok(worst)
}

#[test]
fn noiseless_dp_trajectories_match_optax() {
    let data = common::golden("privacy.json");
    for (device_name, device) in common::devices() {
        let mut failures = Vec::new();
        for case in data["trajectories"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            if !common::selected(name) {
                continue;
            }
            match run_dp_case(case, &device) {
                Ok(w) => println!("{device_name} {name}: largest relative error {w:.2e}"),
                Err(e) => failures.push(format!("{name}: {e}")),
            }
        }
        assert!(
            failures.is_empty(),
            "{device_name}:\n{}",
            failures.join("\n")
        );
    }
}

/// Mean and standard deviation of the DP noise: with per-example gradients of zero, the
/// update is `σ C ε / B`. Over N = 60 000 draws the sample mean has standard error `s/√N` and
/// the sample variance `s²·√(2/(N-1))` (≈ 0.58 %); five standard errors fail a correct
/// generator with probability below 1e-6 per check, while a wrong scale (e.g. a missing
/// `1/B`, or `σ` instead of `σ C`) is far outside.
#[test]
fn dp_noise_has_the_documented_distribution() {
    let device = common::flex();
    let (batch, n) = (4usize, 20_000usize);
    let (clip, sigma) = (1.5, 0.8);
    let params = Tree::builder()
        .leaf("w", Tensor::<1>::zeros([n], &device))
        .leaf("m", Tensor::<2>::zeros([n / 100, 100], &device))
        .leaf("v", Tensor::<1>::zeros([n], &device))
        .build()
        .unwrap();
    let grads = Tree::builder()
        .leaf("w", Tensor::<2>::zeros([batch, n], &device))
        .leaf("m", Tensor::<3>::zeros([batch, n / 100, 100], &device))
        .leaf("v", Tensor::<2>::zeros([batch, n], &device))
        .build()
        .unwrap();
    let dp = optax_core::contrib::differentially_private_aggregate(clip, sigma).key(5);
    use optax_core::Transform;
    let state = dp.init(&params).unwrap();
    let (u, next) = dp
        .update(grads.clone(), &state, None, &Extra::none())
        .unwrap();
    let v: Vec<f64> = u
        .to_vecs()
        .unwrap()
        .concat()
        .into_iter()
        .map(f64::from)
        .collect();
    let total = v.len() as f64;
    let mean = v.iter().sum::<f64>() / total;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (total - 1.0);
    let s = clip * sigma / batch as f64;
    assert!(mean.abs() < 5.0 * s / total.sqrt(), "mean {mean}");
    assert!(
        (var / (s * s) - 1.0).abs() < 5.0 * (2.0 / total).sqrt(),
        "var {var} vs {}",
        s * s
    );
    // The key advances; the same key gives the same noise; leaves get different noise.
    let (u2, _) = dp
        .update(grads.clone(), &next, None, &Extra::none())
        .unwrap();
    assert_ne!(u.to_vecs().unwrap(), u2.to_vecs().unwrap());
    let (again, _) = dp.update(grads, &state, None, &Extra::none()).unwrap();
    assert_eq!(u.to_vecs().unwrap(), again.to_vecs().unwrap());
    let l = u.to_vecs().unwrap();
    assert_ne!(l[0][..100], l[2][..100]);
}

#[test]
fn dp_bad_arguments_are_errors() {
    use optax_core::contrib::differentially_private_aggregate as dpa;
    use optax_core::Transform;
    let params = Tree::builder()
        .scalar("w", 0.0, &common::flex())
        .build()
        .unwrap();
    for bad in [
        dpa(1.0, -1.0),
        dpa(1.0, f64::NAN),
        dpa(1.0, 0.5).key(1).seed(1),
    ] {
        assert!(matches!(
            bad.init(&params),
            Err(OptaxError::InvalidHyperparameter { .. })
        ));
    }
}

/// `dpsgd` with noise and momentum, saved and loaded half-way, continues bit for bit
/// (`assert_resume_bit_exact` feeds parameter-shaped gradients; DP needs per-example ones,
/// so the same check is written out here).
#[test]
fn dpsgd_resumes_bit_exact_after_save_and_load() {
    use optax_core::{tree, State};
    let device = common::flex();
    let params = Tree::builder()
        .leaf("w", Tensor::<1>::from_floats([0.3, -1.2, 2.0], &device))
        .leaf(
            "m",
            Tensor::<2>::from_floats([[1.0, 0.0], [0.5, -0.5]], &device),
        )
        .scalar("b", 0.7, &device)
        .build()
        .unwrap();
    let opt = from_spec(&serde_json::json!({"dpsgd": {
        "learning_rate": 0.1, "l2_norm_clip": 1.0, "noise_multiplier": 0.7, "seed": 11,
        "momentum": 0.9, "nesterov": true}}))
    .unwrap();
    let run = |p: &Tree, state: &mut State, range: std::ops::Range<usize>| -> Tree {
        let mut p = p.clone();
        for t in range {
            let per_example = tree::batch_shape(&p, &[3]).unwrap();
            let g = per_example.map(|x| {
                x.sub_scalar(0.5)
                    .mul_scalar(2.0)
                    .add_scalar(0.01 * t as f64)
            });
            let u = opt
                .update_in_place(g, state, Some(&p), &Extra::none())
                .unwrap_or_else(|e| panic!("step {t}: {e}"));
            p = apply_updates(&p, &u).unwrap();
        }
        p
    };
    let mut whole_state = opt.init(&params).unwrap();
    let whole = run(&params, &mut whole_state, 0..10);
    let mut state = opt.init(&params).unwrap();
    let half = run(&params, &mut state, 0..4);
    let file = std::env::temp_dir().join(format!("optax-dpsgd-resume-{}.json", std::process::id()));
    state.save(&file).unwrap();
    let template = opt.init(&params).unwrap();
    let mut loaded = State::load(&file, &template, &device).unwrap();
    let _ = std::fs::remove_file(&file);
    let resumed = run(&half, &mut loaded, 4..10);
    assert_eq!(whole.to_vecs().unwrap(), resumed.to_vecs().unwrap());
    assert_eq!(whole_state.to_json().unwrap(), loaded.to_json().unwrap());
}

/// `optax.tree.batch_shape`, `conj`, `real`, `dtype`, `cast_like`, `map_params` (deterministic;
/// their results are read off Optax's definitions).
#[test]
fn tree_utilities_follow_optax() {
    use burn::tensor::DType;
    use optax_core::tree::{self, MixedDtypeHandler};
    use optax_core::Transform;
    let device = common::flex();
    let x = Tree::builder()
        .scalar("a", 2.0, &device)
        .leaf(
            "b",
            Tensor::<2>::from_floats([[1.0, 2.0], [3.0, 4.0]], &device),
        )
        .build()
        .unwrap();
    let b = tree::batch_shape(&x, &[2, 3]).unwrap();
    assert_eq!(b.shapes(), &[vec![2, 3], vec![2, 3, 2, 2]]);
    let v = b.to_vecs().unwrap();
    assert_eq!(v[0], vec![2.0; 6]);
    assert_eq!(v[1], [1.0, 2.0, 3.0, 4.0].repeat(6));
    assert_eq!(
        tree::batch_shape(&x, &[]).unwrap().to_vecs().unwrap(),
        x.to_vecs().unwrap()
    );

    assert_eq!(tree::conj(&x).to_vecs().unwrap(), x.to_vecs().unwrap());
    assert_eq!(tree::real(&x).to_vecs().unwrap(), x.to_vecs().unwrap());

    assert_eq!(tree::dtype(&x, None).unwrap(), DType::F32);
    let empty = Tree::builder().build().unwrap();
    assert_eq!(tree::dtype(&empty, None).unwrap(), DType::F32);
    let mixed = Tree::builder()
        .leaf("h", Tensor::<1>::zeros([2], &device).cast(DType::F16))
        .leaf("f", Tensor::<1>::zeros([2], &device))
        .leaf("g", Tensor::<1>::zeros([2], &device).cast(DType::BF16))
        .build()
        .unwrap();
    assert!(matches!(
        tree::dtype(&mixed, None),
        Err(OptaxError::InvalidInput { .. })
    ));
    assert_eq!(
        tree::dtype(&mixed, Some(MixedDtypeHandler::Promote)).unwrap(),
        DType::F32
    );
    assert_eq!(
        tree::dtype(&mixed, Some(MixedDtypeHandler::Highest)).unwrap(),
        DType::F32
    );
    // float16 and bfloat16: neither promotes to the other (Optax raises).
    assert!(tree::dtype(&mixed, Some(MixedDtypeHandler::Lowest)).is_err());

    let like = x.map(|t| t.cast(DType::F16));
    let cast = tree::cast_like(&x, &like).unwrap();
    assert_eq!(tree::dtype(&cast, None).unwrap(), DType::F16);
    assert!(tree::cast_like(&x, &mixed).is_err());

    // map_params: the moments of adam are mapped, the count is not (or by the other function).
    let state = optax_core::adam(0.1).init(&x).unwrap();
    let mapped = tree::map_params(x.def(), |t| t.add_scalar(1.0), &state, None);
    assert_eq!(
        mapped
            .get("mu")
            .unwrap()
            .as_tree()
            .unwrap()
            .to_vecs()
            .unwrap(),
        vec![vec![1.0], vec![1.0; 4]]
    );
    assert_eq!(mapped.get("count").unwrap().as_int().unwrap(), 0);
    let mut bump = |s: &optax_core::State| match s {
        optax_core::State::Int(i) => optax_core::State::Int(i + 5),
        other => other.clone(),
    };
    let bump: &mut dyn FnMut(&optax_core::State) -> optax_core::State = &mut bump;
    let mapped = tree::map_params(x.def(), |t| t, &state, Some(bump));
    assert_eq!(mapped.get("count").unwrap().as_int().unwrap(), 5);
}

/// `random_like` draws standard normals per leaf from `split_key_like`'s keys: same key, same
/// tree; different leaves and keys, different draws; mean 0 and variance 1 within five
/// standard errors over 40 000 draws.
#[test]
fn random_like_is_standard_normal_and_keyed() {
    use optax_core::tree;
    let device = common::flex();
    let x = Tree::builder()
        .leaf("a", Tensor::<1>::zeros([20_000], &device))
        .leaf("b", Tensor::<2>::zeros([200, 100], &device))
        .build()
        .unwrap();
    let keys = tree::split_key_like(3, &x);
    assert_eq!(keys.len(), 2);
    assert_ne!(keys[0], keys[1]);
    assert_eq!(keys, tree::split_key_like(3, &x));
    let r = tree::random_like(3, &x, None).unwrap();
    assert_eq!(
        r.to_vecs().unwrap(),
        tree::random_like(3, &x, None).unwrap().to_vecs().unwrap()
    );
    assert_ne!(
        r.to_vecs().unwrap(),
        tree::random_like(4, &x, None).unwrap().to_vecs().unwrap()
    );
    let v: Vec<f64> = r
        .to_vecs()
        .unwrap()
        .concat()
        .into_iter()
        .map(f64::from)
        .collect();
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    assert!(mean.abs() < 5.0 / n.sqrt(), "mean {mean}");
    assert!((var - 1.0).abs() < 5.0 * (2.0 / n).sqrt(), "var {var}");
    let l = r.to_vecs().unwrap();
    assert_ne!(l[0][..100], l[1][..100]);
    let h = tree::random_like(3, &x, Some(burn::tensor::DType::F16)).unwrap();
    assert_eq!(tree::dtype(&h, None).unwrap(), burn::tensor::DType::F16);
}

/// `scale_gradient`: identity forward, scaled gradient backward; 0 stops the gradient.
#[test]
fn scale_gradient_scales_only_the_backward_pass() {
    let device = common::flex();
    let x = Tree::builder()
        .leaf("w", Tensor::<1>::from_floats([1.0, -2.0], &device))
        .scalar("b", 3.0, &device)
        .build()
        .unwrap()
        .require_grad();
    for (scale, want) in [(0.25, 0.25f32), (1.0, 1.0), (-3.0, -3.0)] {
        let y = optax_core::scale_gradient(&x, scale);
        assert_eq!(y.to_vecs().unwrap(), x.to_vecs().unwrap());
        let loss = y.leaves()[0].clone().sum() + y.leaves()[1].clone().sum();
        let g = x.grad(&loss.backward());
        assert_eq!(g.to_vecs().unwrap(), vec![vec![want; 2], vec![want]]);
    }
    let y = optax_core::scale_gradient(&x, 0.0);
    let loss =
        y.leaves()[0].clone().sum() + y.leaves()[1].clone().sum() + x.leaves()[1].clone().sum();
    let g = x.grad(&loss.backward());
    assert_eq!(g.to_vecs().unwrap(), vec![vec![0.0; 2], vec![1.0]]);
}

/// Typed errors for bad shapes of the linear algebra functions.
#[test]
fn numerics_reject_bad_shapes() {
    let device = common::flex();
    let rect = Tensor::<2>::zeros([2, 3], &device);
    assert!(matches!(
        power_iteration(rect.clone(), None, 10, 1e-6, None),
        Err(OptaxError::InvalidInput { .. })
    ));
    assert!(matches!(
        matrix_inverse_pth_root(rect.clone(), 2.0, 10, 1e-6, 1e-6),
        Err(OptaxError::InvalidInput { .. })
    ));
    let sq = Tensor::<2>::from_floats([[2.0, 0.0], [0.0, 1.0]], &device);
    assert!(matrix_inverse_pth_root(sq.clone(), 0.0, 10, 1e-6, 1e-6).is_err());
    assert!(power_iteration(sq, Some(Tensor::zeros([3], &device)), 10, 1e-6, None).is_err());
    assert!(matches!(
        nnls(rect, Tensor::zeros([3], &device), 10, None),
        Err(OptaxError::InvalidInput { .. })
    ));
    let x = Tensor::<2>::ones([2, 2], &device);
    assert!(safe_norm(x.clone(), 0.0, NormOrd::L2, Some(&[2])).is_err());
    assert!(safe_norm(x.clone(), 0.0, NormOrd::L2, Some(&[0, 0])).is_err());
    assert!(safe_norm(x, 0.0, NormOrd::L1, None).is_err());
    // A vector's L1 and inf norms need no axis.
    let v = Tensor::<1>::from_floats([3.0, -4.0], &device);
    assert_eq!(
        common::to_vec(safe_norm(v.clone(), 0.0, NormOrd::L1, None).unwrap()),
        vec![7.0]
    );
    assert_eq!(
        common::to_vec(safe_norm(v, 0.0, NormOrd::Inf, None).unwrap()),
        vec![4.0]
    );
}

/// `optax.safe_increment` on int32 counts: `count + 1`, saturating at the largest int32.
#[test]
fn safe_increment_saturates_at_int32_max() {
    use optax_core::numerics::safe_increment;
    assert_eq!(safe_increment(0), 1);
    assert_eq!(safe_increment(i32::MAX as i64 - 1), i32::MAX as i64);
    assert_eq!(safe_increment(i32::MAX as i64), i32::MAX as i64);
}
