//! `optax.second_order` against Optax 0.2.8's exact products (golden data from
//! `tests/golden/gen_second_order.py`): `fisher_diag` is exact; `hvp` and `hessian_diag` are
//! central differences of exact gradients, compared with a tolerance that states the
//! method's error (see docs/second-order.md).

mod common;

use common::shape;

use std::sync::Arc;

use burn::module::{Module, Param};
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Tensor, TensorData};
use optax_core::second_order::{
    fisher_diag, fisher_diag_module, hessian_diag, hessian_diag_hutchinson, hessian_diag_module,
    hvp, hvp_module, ravel,
};
use optax_core::{OptaxError, Result, Tree, TreeDef};
use serde_json::Value;

/// Exact values (the loss, its gradient, `fisher_diag`) against JAX: float32 rounding only.
const RTOL: f64 = 1e-6;
const ATOL: f64 = 1e-6;
/// Gradients (and `fisher_diag`, their squares): float32 reductions in another order.
const GRAD_TOL: f64 = 1e-5;
/// Central differences on a quadratic: no truncation error, only the float32 rounding of the
/// gradients and of `p ± δu` divided by `δ ≈ ε^(1/3)`: `O(ε^(2/3)) ≈ 2.4e-5` relative to the
/// largest component. Measured: see the printed errors and docs/second-order.md.
const QUADRATIC_TOL: f64 = 1e-4;
/// Central differences on the tanh MLP: rounding as above plus the truncation `δ²/6·M₃`, where
/// the third derivative `M₃` grows with the inputs' scale (largest on the large-inputs case).
const MLP_TOL: f64 = 1e-3;

fn data(arr: &Value) -> Vec<f32> {
    common::nums(&arr["data"])
}

fn tensor<const D: usize>(arr: &Value, device: &Device) -> Tensor<D> {
    let s = shape(arr);
    assert_eq!(s.len(), D, "golden array of rank {}", s.len());
    Tensor::from_data(TensorData::new(data(arr), s), device)
}

fn flat(arr: &Value, device: &Device) -> Tensor<1> {
    let d = data(arr);
    let n = d.len();
    Tensor::from_data(TensorData::new(d, [n]), device)
}

fn to_vec(t: Tensor<1>) -> Vec<f32> {
    t.try_into_vec_as::<f32>().unwrap()
}

/// The case's parameters as a tree, leaves in `paths` order (= JAX's ravel order).
fn params(case: &Value, device: &Device) -> Tree {
    let def: Arc<TreeDef> = common::tree_def(case);
    let leaves = def
        .paths()
        .iter()
        .map(|p| data(&case["params"][p.as_str()]))
        .collect();
    Tree::from_vecs(def, leaves, device).unwrap()
}

/// A tree output of the golden data (`{path: array}`), leaves in `paths` order.
fn tree_leaves(case: &Value, out: &Value) -> Vec<Vec<f32>> {
    common::tree_def(case)
        .paths()
        .iter()
        .map(|p| data(&out[p.as_str()]))
        .collect()
}

/// `0.5·xᵀAx + bᵀx`, `x = ravel(params)`, `A = inputs`, `b = targets` (`[n, 1]`).
fn quadratic(p: &Tree, a: &Tensor<2>, b: &Tensor<2>) -> Result<Tensor<1>> {
    let x = ravel(p)?;
    let n = x.dims()[0];
    let x = x.reshape([n, 1]);
    let ax = a.clone().matmul(x.clone());
    Ok((x.clone() * ax).sum().mul_scalar(0.5) + (b.clone() * x).sum())
}

/// Mean softmax cross-entropy of `tanh(x·w1 + b1)·w2 + b2` against one-hot rows.
fn mlp_forward(
    b1: Tensor<1>,
    b2: Tensor<1>,
    w1: Tensor<2>,
    w2: Tensor<2>,
    x: &Tensor<2>,
    y: &Tensor<2>,
) -> Tensor<1> {
    let h = (x.clone().matmul(w1) + b1.unsqueeze::<2>()).tanh();
    let z = h.matmul(w2) + b2.unsqueeze::<2>();
    (y.clone() * log_softmax(z, 1)).sum_dim(1).mean().neg()
}

fn mlp(p: &Tree, x: &Tensor<2>, y: &Tensor<2>) -> Result<Tensor<1>> {
    Ok(mlp_forward(
        p.get("b1")?,
        p.get("b2")?,
        p.get("w1")?,
        p.get("w2")?,
        x,
        y,
    ))
}

/// The MLP as a Burn module: its parameters visit in `b1, b2, w1, w2` order, JAX's.
#[derive(Module, Debug)]
struct Mlp {
    b1: Param<Tensor<1>>,
    b2: Param<Tensor<1>>,
    w1: Param<Tensor<2>>,
    w2: Param<Tensor<2>>,
}

fn mlp_module(m: &Mlp, x: &Tensor<2>, y: &Tensor<2>) -> Result<Tensor<1>> {
    Ok(mlp_forward(
        m.b1.val(),
        m.b2.val(),
        m.w1.val(),
        m.w2.val(),
        x,
        y,
    ))
}

type Loss = fn(&Tree, &Tensor<2>, &Tensor<2>) -> Result<Tensor<1>>;

/// The loss of a case and its inputs and targets (a quadratic's `b` as a column).
fn problem(case: &Value, device: &Device) -> (Loss, Tensor<2>, Tensor<2>) {
    match case["loss"].as_str().unwrap() {
        "quadratic" => {
            let b = flat(&case["targets"], device);
            let n = b.dims()[0];
            (
                quadratic as Loss,
                tensor(&case["inputs"], device),
                b.reshape([n, 1]),
            )
        }
        "mlp" => (
            mlp as Loss,
            tensor(&case["inputs"], device),
            tensor(&case["targets"], device),
        ),
        other => panic!("unknown loss {other}"),
    }
}

fn tolerance(case: &Value) -> f64 {
    match case["loss"].as_str().unwrap() {
        "quadratic" => QUADRATIC_TOL,
        _ => MLP_TOL,
    }
}

/// The largest component error over the largest component of `want` (normwise: a central
/// difference has an absolute error of the scale of the whole product, so components near
/// zero are not held to a relative bound).
fn scaled_error(got: &[Vec<f32>], want: &[Vec<f32>]) -> f64 {
    assert_eq!(got.len(), want.len());
    let mut err: f64 = 0.0;
    let mut scale: f64 = 0.0;
    for (g, w) in got.iter().zip(want) {
        assert_eq!(g.len(), w.len());
        for (&a, &b) in g.iter().zip(w) {
            assert!(a.is_finite(), "non-finite result {a}");
            err = err.max((f64::from(a) - f64::from(b)).abs());
            scale = scale.max(f64::from(b).abs());
        }
    }
    if scale == 0.0 {
        err
    } else {
        err / scale
    }
}

fn cases() -> Vec<Value> {
    let golden = common::golden("second_order.json");
    golden["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| common::selected(c["name"].as_str().unwrap()))
        .cloned()
        .collect()
}

#[test]
fn loss_and_gradient_match_jax() {
    let device = common::flex();
    let (mut worst_value, mut worst_grad) = (0.0f64, 0.0f64);
    for case in cases() {
        let name = case["name"].as_str().unwrap();
        let (loss, x, y) = problem(&case, &device);
        let p = params(&case, &device);
        let value = to_vec(loss(&p, &x, &y).unwrap());
        let e = common::compare(&[value], &[data(&case["value"])], RTOL, ATOL)
            .unwrap_or_else(|e| panic!("{name}: loss: {e}"));
        worst_value = worst_value.max(e);
        let pg = p.require_grad();
        let grads = loss(&pg, &x, &y).unwrap().backward();
        let grad = pg.grad(&grads).to_vecs().unwrap();
        let e = common::compare(
            &grad,
            &tree_leaves(&case, &case["grad"]),
            GRAD_TOL,
            GRAD_TOL,
        )
        .unwrap_or_else(|e| panic!("{name}: grad: {e}"));
        worst_grad = worst_grad.max(e);
    }
    println!("loss: largest relative error {worst_value:.2e}; gradient {worst_grad:.2e}");
}

#[test]
fn fisher_diag_is_exact() {
    let device = common::flex();
    let mut worst: f64 = 0.0;
    for case in cases() {
        let name = case["name"].as_str().unwrap();
        let (loss, x, y) = problem(&case, &device);
        let got = to_vec(fisher_diag(loss, &params(&case, &device), &x, &y).unwrap());
        let e = common::compare(&[got], &[data(&case["fisher_diag"])], GRAD_TOL, GRAD_TOL)
            .unwrap_or_else(|e| panic!("{name}: fisher_diag: {e}"));
        worst = worst.max(e);
    }
    println!("fisher_diag: largest relative error {worst:.2e} (tolerance {GRAD_TOL:.0e})");
}

#[test]
fn hvp_matches_jax_within_the_central_difference_error() {
    let device = common::flex();
    let (mut worst_quadratic, mut worst_mlp) = (0.0f64, 0.0f64);
    for case in cases() {
        let name = case["name"].as_str().unwrap();
        let (loss, x, y) = problem(&case, &device);
        let p = params(&case, &device);
        for (i, item) in case["hvp"].as_array().unwrap().iter().enumerate() {
            let v = flat(&item["v"], &device);
            let got = hvp(loss, v, &p, &x, &y).unwrap().to_vecs().unwrap();
            let e = scaled_error(&got, &tree_leaves(&case, &item["output"]));
            println!("{name} hvp[{i}]: {e:.2e}");
            assert!(e <= tolerance(&case), "{name} hvp[{i}]: error {e:.2e}");
            if case["loss"] == "quadratic" {
                worst_quadratic = worst_quadratic.max(e);
            } else {
                worst_mlp = worst_mlp.max(e);
            }
        }
    }
    println!(
        "hvp: largest error / largest component: quadratic {worst_quadratic:.2e} (tolerance \
         {QUADRATIC_TOL:.0e}), mlp {worst_mlp:.2e} (tolerance {MLP_TOL:.0e})"
    );
}

#[test]
fn hessian_diag_matches_jax_within_the_central_difference_error() {
    let device = common::flex();
    let (mut worst_quadratic, mut worst_mlp) = (0.0f64, 0.0f64);
    for case in cases() {
        let name = case["name"].as_str().unwrap();
        let (loss, x, y) = problem(&case, &device);
        let got = to_vec(hessian_diag(loss, &params(&case, &device), &x, &y).unwrap());
        let e = scaled_error(&[got], &[data(&case["hessian_diag"])]);
        println!("{name} hessian_diag: {e:.2e}");
        assert!(e <= tolerance(&case), "{name} hessian_diag: error {e:.2e}");
        if case["loss"] == "quadratic" {
            worst_quadratic = worst_quadratic.max(e);
        } else {
            worst_mlp = worst_mlp.max(e);
        }
    }
    println!(
        "hessian_diag: largest error / largest component: quadratic {worst_quadratic:.2e} \
         (tolerance {QUADRATIC_TOL:.0e}), mlp {worst_mlp:.2e} (tolerance {MLP_TOL:.0e})"
    );
}

/// The module forms on a Burn module holding the MLP's weights: the same numbers as the tree
/// forms, and JAX's within the same tolerances.
#[test]
fn module_forms_match_the_tree_forms() {
    let device = common::flex();
    for case in cases().iter().filter(|c| c["loss"] == "mlp") {
        let name = case["name"].as_str().unwrap();
        let (_, x, y) = problem(case, &device);
        let p = params(case, &device);
        let model = Mlp {
            b1: Param::from_tensor(p.get("b1").unwrap()),
            b2: Param::from_tensor(p.get("b2").unwrap()),
            w1: Param::from_tensor(p.get("w1").unwrap()),
            w2: Param::from_tensor(p.get("w2").unwrap()),
        };
        assert_eq!(Tree::from_module(&model).unwrap().paths(), p.paths());

        let v = flat(&case["hvp"][0]["v"], &device);
        let by_module = hvp_module(mlp_module, v.clone(), &model, &x, &y)
            .unwrap()
            .to_vecs()
            .unwrap();
        let by_tree = hvp(mlp, v, &p, &x, &y).unwrap().to_vecs().unwrap();
        common::compare(&by_module, &by_tree, RTOL, ATOL)
            .unwrap_or_else(|e| panic!("{name}: hvp_module: {e}"));
        let e = scaled_error(&by_module, &tree_leaves(case, &case["hvp"][0]["output"]));
        assert!(e <= MLP_TOL, "{name} hvp_module: error {e:.2e}");

        let diag = to_vec(hessian_diag_module(mlp_module, &model, &x, &y).unwrap());
        let e = scaled_error(&[diag], &[data(&case["hessian_diag"])]);
        assert!(e <= MLP_TOL, "{name} hessian_diag_module: error {e:.2e}");

        let fisher = to_vec(fisher_diag_module(mlp_module, &model, &x, &y).unwrap());
        common::compare(&[fisher], &[data(&case["fisher_diag"])], GRAD_TOL, GRAD_TOL)
            .unwrap_or_else(|e| panic!("{name}: fisher_diag_module: {e}"));
    }
}

/// Our argument names and order are Optax's, as recorded from `inspect.signature`.
#[test]
fn signatures_are_optax() {
    let golden = common::golden("second_order.json");
    let names = |f: &str| -> Vec<String> {
        golden["signatures"][f]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| row[0].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names("hvp"), ["loss", "v", "params", "inputs", "targets"]);
    assert_eq!(
        names("hessian_diag"),
        ["loss", "params", "inputs", "targets"]
    );
    assert_eq!(
        names("fisher_diag"),
        ["negative_log_likelihood", "params", "inputs", "targets"]
    );
}

fn small() -> (Device, Tree, Tensor<2>, Tensor<2>) {
    let device = common::flex();
    let all = cases_all();
    let case = &all[0];
    let (_, a, b) = problem(case, &device);
    let p = params(case, &device);
    (device, p, a, b)
}

fn cases_all() -> Vec<Value> {
    common::golden("second_order.json")["cases"]
        .as_array()
        .unwrap()
        .clone()
}

fn is_input_error<T: std::fmt::Debug>(r: Result<T>, function: &str) -> bool {
    match r {
        Err(OptaxError::InvalidInput { function: f, .. }) => f == function,
        other => panic!("expected InvalidInput from {function}, got {other:?}"),
    }
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let (device, p, a, b) = small();
    let n = p.numel();
    // v of the wrong size, or not finite.
    let short = Tensor::<1>::ones([n - 1], &device);
    assert!(is_input_error(hvp(quadratic, short, &p, &a, &b), "hvp"));
    let mut bad = vec![1.0f32; n];
    bad[2] = f32::NAN;
    let nan_v = Tensor::from_data(TensorData::new(bad, [n]), &device);
    assert!(is_input_error(hvp(quadratic, nan_v, &p, &a, &b), "hvp"));
    // Parameters that are not finite: no finite step.
    let inf_p = p.map(|t| t.mul_scalar(f32::INFINITY));
    let v = Tensor::<1>::ones([n], &device);
    assert!(is_input_error(
        hvp(quadratic, v.clone(), &inf_p, &a, &b),
        "hvp"
    ));
    assert!(is_input_error(
        hessian_diag(quadratic, &inf_p, &a, &b),
        "hessian_diag"
    ));
    // A loss that is not a scalar.
    let vector_loss = |p: &Tree, _: &Tensor<2>, _: &Tensor<2>| ravel(p);
    assert!(is_input_error(
        hvp(vector_loss, v.clone(), &p, &a, &b),
        "hvp"
    ));
    assert!(is_input_error(
        hessian_diag(vector_loss, &p, &a, &b),
        "hessian_diag"
    ));
    assert!(is_input_error(
        fisher_diag(vector_loss, &p, &a, &b),
        "fisher_diag"
    ));
    // No parameters at all.
    let empty = Tree::builder().build().unwrap();
    let none = |_: &Tree, _: &Tensor<2>, _: &Tensor<2>| Ok(Tensor::<1>::zeros([1], &device));
    assert!(is_input_error(hvp(none, v.clone(), &empty, &a, &b), "hvp"));
    assert!(is_input_error(
        hessian_diag(none, &empty, &a, &b),
        "hessian_diag"
    ));
    assert!(is_input_error(
        fisher_diag(none, &empty, &a, &b),
        "fisher_diag"
    ));
    // The loss's own error comes back unchanged.
    let failing = |p: &Tree, _: &Tensor<2>, _: &Tensor<2>| p.get::<3>("u").map(|t| t.sum());
    assert!(matches!(
        hvp(failing, v, &p, &a, &b),
        Err(OptaxError::ShapeMismatch { .. })
    ));
}

#[test]
fn a_zero_vector_or_a_constant_loss_gives_zeros() {
    let (device, p, a, b) = small();
    let zero = Tensor::<1>::zeros([p.numel()], &device);
    let got = hvp(quadratic, zero, &p, &a, &b).unwrap().to_vecs().unwrap();
    assert!(got.iter().flatten().all(|&x| x == 0.0));
    // A loss that does not depend on the parameters: every derivative is zero, as in JAX.
    let constant = |_: &Tree, a: &Tensor<2>, _: &Tensor<2>| Ok(a.clone().sum());
    let v = Tensor::<1>::ones([p.numel()], &device);
    let got = hvp(constant, v, &p, &a, &b).unwrap().to_vecs().unwrap();
    assert!(got.iter().flatten().all(|&x| x == 0.0));
    let got = to_vec(hessian_diag(constant, &p, &a, &b).unwrap());
    assert!(got.iter().all(|&x| x == 0.0));
    let got = to_vec(fisher_diag(constant, &p, &a, &b).unwrap());
    assert!(got.iter().all(|&x| x == 0.0));
}

/// Hutchinson's estimate (not in Optax): exact up to the central difference's error when the
/// Hessian is diagonal (every sample is the diagonal), unbiased with the stated variance when
/// it is not, and reproducible from its seed.
#[test]
fn hutchinson_estimates_the_diagonal() {
    let (device, p, a, b) = small();
    let all = cases_all();
    let case = &all[0];
    let n = p.numel();
    let want = data(&case["hessian_diag"]);

    // 0.5·Σ d_i x_i² + bᵀx with d = diag(A): the Hessian is diag(d).
    let d = Tensor::<1>::from_data(TensorData::new(want.clone(), [n]), &device);
    let diagonal = |p: &Tree, _: &Tensor<2>, b: &Tensor<2>| -> Result<Tensor<1>> {
        let x = ravel(p)?;
        Ok((x.clone() * x.clone() * d.clone()).sum().mul_scalar(0.5)
            + (b.clone().reshape([n]) * x).sum())
    };
    let got = to_vec(hessian_diag_hutchinson(diagonal, &p, &a, &b, 3, 7).unwrap());
    let e = scaled_error(&[got], std::slice::from_ref(&want));
    println!("hutchinson, diagonal Hessian, 3 samples: {e:.2e}");
    // Each sample's error is relative to ‖H·z‖ (‖z‖ = √n), larger than the diagonal's scale:
    // measured 1.06e-4 of the largest diagonal entry.
    assert!(e <= 2.0 * QUADRATIC_TOL, "error {e:.2e}");

    // The full quadratic: within 5 standard deviations sqrt(Σ_{j≠i} A_ij² / m) of A_ii.
    let m = 1000;
    let got = to_vec(hessian_diag_hutchinson(quadratic, &p, &a, &b, m, 42).unwrap());
    let a_host = data(&case["inputs"]);
    let mut worst: f64 = 0.0;
    for i in 0..n {
        let var: f64 = (0..n)
            .filter(|&j| j != i)
            .map(|j| f64::from(a_host[i * n + j]).powi(2))
            .sum::<f64>()
            / m as f64;
        let z = (f64::from(got[i]) - f64::from(want[i])).abs() / var.sqrt();
        worst = worst.max(z);
        assert!(
            z <= 5.0,
            "component {i}: {} vs {} ({z:.1} sd)",
            got[i],
            want[i]
        );
    }
    println!("hutchinson, full quadratic, {m} samples: largest error {worst:.2} sd");

    let again = to_vec(hessian_diag_hutchinson(quadratic, &p, &a, &b, 5, 42).unwrap());
    let same = to_vec(hessian_diag_hutchinson(quadratic, &p, &a, &b, 5, 42).unwrap());
    assert_eq!(again, same);
    assert!(is_input_error(
        hessian_diag_hutchinson(quadratic, &p, &a, &b, 0, 0),
        "hessian_diag_hutchinson"
    ));
}
