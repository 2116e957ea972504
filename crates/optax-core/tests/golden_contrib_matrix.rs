//! `optax.contrib` Muon, SAM, Sophia against Optax 0.2.8 (golden data from
//! `tests/golden/gen_contrib_matrix.py`): 20-step trajectories built from specs, on leaves of
//! rank 0..3; resume after save/load bit for bit; bad input as typed errors.

mod common;

use std::sync::Arc;

use burn::tensor::{Device, Tensor};
use optax_core::contrib::{
    hutchinson_estimator_diag_hessian, muon, normalize, sam, scale_by_muon, scale_by_sophia,
    sophia, MuonDimensionNumbers, ObjGradFn, SamGradFn, WeightDimensionNumbers,
};
use optax_core::{
    apply_updates, chain, from_spec, scale_by_adam, sgd, Extra, GradientTransformation,
    IntoTransformation, OptaxError, State, Transform, Tree,
};
use serde_json::Value;

/// Float32 rounding only: the default tolerance.
const RTOL: f64 = 1e-5;
const ATOL: f64 = 1e-6;
/// Muon: the Newton–Schulz iteration multiplies matrices five times with coefficients up to
/// ~7 in magnitude, so the reordered float32 sums of Burn's matmul against XLA's (~1e-7
/// relative each) are amplified through the iteration and then accumulated over 20 steps.
const MUON_RTOL: f64 = 2e-4;
const MUON_ATOL: f64 = 2e-5;
/// Sophia / Hutchinson: Optax's Hessian-vector product is exact (2z on this quadratic); ours
/// is a central difference of float32 gradients with step δ ≈ 4.9e-3, whose rounding error is
/// about ε·|p|/δ ≈ 2.4e-5 relative to the Hessian diagonal (see `second_order::hvp`). The
/// unclipped Sophia updates divide by it.
const HESS_RTOL: f64 = 5e-4;
const HESS_ATOL: f64 = 5e-5;

/// GaLore: the projector is the top singular vectors of the gradient, which Optax gets from
/// LAPACK's float32 SVD and this crate from a float64 SVD on the host (rounded to float32): the
/// two agree to float32 rounding of the singular vectors, which the projected Adam moments then
/// divide through and carry over the steps.
const GALORE_RTOL: f64 = 1e-3;
const GALORE_ATOL: f64 = 1e-4;

fn tolerance(name: &str) -> (f64, f64) {
    if name.contains("galore") {
        (GALORE_RTOL, GALORE_ATOL)
    } else if name.contains("muon") {
        (MUON_RTOL, MUON_ATOL)
    } else if name.contains("sophia") || name.contains("hutchinson") {
        (HESS_RTOL, HESS_ATOL)
    } else {
        (RTOL, ATOL)
    }
}

#[test]
fn spec_trajectories_match_optax() {
    let data = common::golden("contrib_matrix.json");
    for (device_name, device) in common::devices() {
        let mut failures = Vec::new();
        for case in data["cases"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            if !common::selected(name) {
                continue;
            }
            let (rtol, atol) = tolerance(name);
            match common::run_spec_case(case, &device, rtol, atol) {
                Ok(w) => println!("{device_name}: {name}: largest relative error {w:.2e}"),
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

/// The gradient `2 (p - target) + 0.1 noise` of the recorded loss, as the generator computes it.
fn quadratic_grad(target: Tree, noise: Tree) -> impl Fn(&Tree) -> optax_core::Result<Tree> {
    move |p: &Tree| {
        let d = p.zip_map(&target, |p, t| (p - t).mul_scalar(2.0))?;
        d.zip_map(&noise, |d, n| d + n.mul_scalar(0.1))
    }
}

fn run_extra_case(case: &Value, device: &Device, rtol: f64, atol: f64) -> Result<f64, String> {
    let opt = from_spec(&case["spec"]).map_err(|e| format!("spec: {e}"))?;
    let def = common::tree_def(case);
    let target = common::tree(&def, &case["target"], device);
    let mut params = common::tree(&def, &case["params0"], device);
    let mut state = opt.init(&params).map_err(|e| format!("init: {e}"))?;
    let mut worst: f64 = 0.0;
    for (t, step) in case["steps"].as_array().unwrap().iter().enumerate() {
        let grads = common::tree(&def, &step["grads"], device);
        let noise = common::tree(&def, &step["noise"], device);
        let grad = quadratic_grad(target.clone(), noise);
        let extra = match case["kind"].as_str().unwrap() {
            "obj_fn" => {
                let f: ObjGradFn = Arc::new(grad);
                Extra::none().with_fn("obj_fn", f)
            }
            _ => {
                let f: SamGradFn = Arc::new(move |p: &Tree, _i: usize| grad(p));
                Extra::none().with_fn("grad_fn", f)
            }
        };
        let (updates, next) = opt
            .update(grads, &state, Some(&params), &extra)
            .map_err(|e| format!("step {t}: update: {e}"))?;
        state = next;
        worst = worst.max(
            common::compare(
                &updates.to_vecs().unwrap(),
                &common::leaves(&step["updates"]),
                rtol,
                atol,
            )
            .map_err(|e| format!("step {t}: updates {e}"))?,
        );
        params = apply_updates(&params, &updates).map_err(|e| e.to_string())?;
        worst = worst.max(
            common::compare(
                &params.to_vecs().unwrap(),
                &common::leaves(&step["params"]),
                rtol,
                atol,
            )
            .map_err(|e| format!("step {t}: params {e}"))?,
        );
    }
    Ok(worst)
}

#[test]
fn function_argument_trajectories_match_optax() {
    let data = common::golden("contrib_matrix.json");
    for (device_name, device) in common::devices() {
        let mut failures = Vec::new();
        for case in data["extra_cases"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            if !common::selected(name) {
                continue;
            }
            let (rtol, atol) = tolerance(name);
            match run_extra_case(case, &device, rtol, atol) {
                Ok(w) => println!("{device_name}: {name}: largest relative error {w:.2e}"),
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

fn big_tree(device: &Device) -> Tree {
    Tree::builder()
        .scalar("a", 0.3, device)
        .leaf("b", Tensor::<1>::from_floats([0.1, -0.2, 0.7], device))
        .leaf(
            "c",
            Tensor::<2>::from_floats([[0.1, 0.9, -0.3], [0.4, -0.5, 0.2]], device),
        )
        .leaf(
            "d",
            Tensor::<3>::from_floats(
                [[[0.1, 0.2], [0.3, -0.4]], [[0.5, 0.6], [-0.7, 0.8]]],
                device,
            ),
        )
        .build()
        .unwrap()
}

fn matrices(device: &Device) -> Tree {
    Tree::builder()
        .leaf(
            "c",
            Tensor::<2>::from_floats([[0.1, 0.9, -0.3], [0.4, -0.5, 0.2]], device),
        )
        .leaf(
            "e",
            Tensor::<2>::from_floats([[0.1, 0.9], [-0.3, 0.4], [-0.5, 0.2]], device),
        )
        .build()
        .unwrap()
}

#[test]
fn resume_after_save_load_is_bit_exact() {
    let device = Device::flex();
    let dims = WeightDimensionNumbers::PerPath(vec![
        ("a".into(), None),
        ("b".into(), None),
        ("c".into(), Some(MuonDimensionNumbers::default())),
        (
            "d".into(),
            Some(MuonDimensionNumbers::new(vec![1], vec![2])),
        ),
    ]);
    let opts: Vec<GradientTransformation> = vec![
        muon(0.02).into_transformation(),
        muon(0.02)
            .muon_weight_dimension_numbers(dims)
            .ns_coeffs_preset("dion")
            .unwrap()
            .into_transformation(),
        sam(sgd(0.05), chain![normalize(), sgd(0.05)])
            .sync_period(3)
            .into_transformation(),
        // Sophia with a Hessian estimator that needs no function argument (a stateful
        // transformation of the gradients), so that the shared quadratic driver runs it.
        sophia(0.05)
            .with_scaling(|s| {
                s.update_interval(2)
                    .hessian_diagonal_fn(scale_by_adam().into_transformation())
            })
            .into_transformation(),
    ];
    for opt in &opts {
        common::assert_resume_bit_exact(opt, &big_tree(&device), 8, 3);
    }
    common::assert_resume_bit_exact(
        &scale_by_muon().into_transformation(),
        &matrices(&device),
        8,
        3,
    );
}

#[test]
fn hutchinson_state_resumes_bit_exact() {
    let device = Device::flex();
    let opt = sophia(0.05).with_scaling(|s| s.update_interval(1));
    let p0 = big_tree(&device);
    let grad: ObjGradFn = Arc::new(|p: &Tree| Ok(p.map(|x| x.sub_scalar(0.5).mul_scalar(2.0))));
    let extra = Extra::none().with_fn("obj_fn", grad.clone());
    let run = |p: &Tree, state: &mut State, n: usize| {
        let mut p = p.clone();
        for _ in 0..n {
            let g = grad(&p).unwrap();
            let u = opt.update_in_place(g, state, Some(&p), &extra).unwrap();
            p = apply_updates(&p, &u).unwrap();
        }
        p
    };
    let mut s_whole = opt.init(&p0).unwrap();
    let whole = run(&p0, &mut s_whole, 6);
    let mut s = opt.init(&p0).unwrap();
    let half = run(&p0, &mut s, 2);
    let json = s.to_json().unwrap();
    let mut loaded = State::from_json(&json, &opt.init(&p0).unwrap(), &device).unwrap();
    let resumed = run(&half, &mut loaded, 4);
    assert_eq!(whole.to_vecs().unwrap(), resumed.to_vecs().unwrap());
    assert_eq!(s_whole.to_json().unwrap(), loaded.to_json().unwrap());
}

#[test]
fn bad_input_is_a_typed_error_and_keeps_the_state() {
    let device = Device::flex();
    let p = big_tree(&device);
    // scale_by_muon on a rank-1 leaf.
    let t = scale_by_muon();
    let s = t.init(&p).unwrap();
    let before = s.to_json().unwrap();
    assert!(matches!(
        t.update(p.clone(), &s, None, &Extra::none()),
        Err(OptaxError::InvalidInput { .. })
    ));
    assert_eq!(before, s.to_json().unwrap());
    // Every leaf a Muon matrix, rank 0 included.
    let m = muon(0.1).muon_weight_dimension_numbers(WeightDimensionNumbers::All(
        MuonDimensionNumbers::default(),
    ));
    let s = m.init(&p).unwrap();
    assert!(m.update(p.clone(), &s, Some(&p), &Extra::none()).is_err());
    // Overlapping axes.
    let m = scale_by_muon().weight_dimension_numbers(Some(WeightDimensionNumbers::All(
        MuonDimensionNumbers::new(vec![1], vec![-2]),
    )));
    let d = Tree::builder()
        .leaf("d", Tensor::<3>::ones([2, 2, 2], &device))
        .build()
        .unwrap();
    let s = m.init(&d).unwrap();
    assert!(matches!(
        m.update(d.clone(), &s, None, &Extra::none()),
        Err(OptaxError::InvalidInput { .. })
    ));
    // Hyperparameters.
    assert!(matches!(
        scale_by_muon().beta(1.5).init(&d),
        Err(OptaxError::InvalidHyperparameter { .. })
    ));
    assert!(matches!(
        scale_by_muon().ns_coeffs(vec![[1.0, 1.0, 1.0]; 6]).init(&d),
        Err(OptaxError::InvalidHyperparameter { .. })
    ));
    assert!(muon(0.1).ns_coeffs_preset("nope").is_err());
    assert!(matches!(
        sam(sgd(0.1), sgd(0.1)).sync_period(0).init(&p),
        Err(OptaxError::InvalidHyperparameter { .. })
    ));
    // SAM needs the parameters; opaque SAM its grad_fn.
    let t = sam(sgd(0.1), chain![normalize(), sgd(0.1)]);
    let s = t.init(&p).unwrap();
    assert!(matches!(
        t.update(p.clone(), &s, None, &Extra::none()),
        Err(OptaxError::ParamsRequired { .. })
    ));
    let t = t.opaque_mode(true);
    let s = t.init(&p).unwrap();
    assert!(matches!(
        t.update(p.clone(), &s, Some(&p), &Extra::none()),
        Err(OptaxError::ExtraArgRequired { .. })
    ));
    // Sophia's default estimator needs obj_fn; Sophia needs params.
    let t = scale_by_sophia();
    let s = t.init(&p).unwrap();
    assert!(matches!(
        t.update(p.clone(), &s, Some(&p), &Extra::none()),
        Err(OptaxError::ExtraArgRequired { .. })
    ));
    assert!(matches!(
        t.update(p.clone(), &s, None, &Extra::none()),
        Err(OptaxError::ParamsRequired { .. })
    ));
    assert!(matches!(
        hutchinson_estimator_diag_hessian().update(p.clone(), &s, Some(&p), &Extra::none()),
        Err(OptaxError::StateMismatch { .. }) | Err(OptaxError::ExtraArgRequired { .. })
    ));
}
