//! `MLPLOpt` against learned_optimization's formulas in JAX (`tests/golden/gen_mlp_lopt.py`):
//! from recorded theta and parameters (a matrix, a vector and a scalar leaf), the 19 features
//! of the first step, the parameters after every step of an unroll on `Σp²`, and the exact
//! meta-gradient of the last loss with respect to theta (through every step, second order
//! included) against `jax.value_and_grad`.

use burn::tensor::{Device, Tensor, TensorData};
use optax_core::Tree;
use optax_learned::mlp_lopt::{features, MOMENTUM_DECAYS};
use optax_learned::{meta_value_and_grad, LearnedOptimizer, MetaLoss, MlpLOpt, QuadraticTask};
use serde_json::Value;

use crate::{floats, golden, relative_error, tree, worst_error};

/// float32 through an MLP and up to 8 steps: features and parameters to 1e-5, the
/// meta-gradient to 1e-4 of its largest component. Measured (2026-12-02): see the printed
/// worst errors.
const FEATURE_TOL: f64 = 1e-5;
const PARAM_TOL: f64 = 1e-5;
const META_LOSS_RTOL: f64 = 1e-5;
const META_GRAD_RTOL: f64 = 1e-4;

fn max_abs_diff(a: &[f32], b: &[f32]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(&x, &y)| (x as f64 - y as f64).abs())
        .fold(0.0, f64::max)
}

fn params(case: &Value, device: &Device) -> Tree {
    let mut tree = Tree::builder();
    for k in ["a", "b", "c"] {
        let shape: Vec<usize> = case["shapes"][k]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_u64().unwrap() as usize)
            .collect();
        let v = floats(&case["params"][k]);
        let n = v.len();
        tree = tree.flat(k, shape, Tensor::from_data(TensorData::new(v, [n]), device));
    }
    tree.build().unwrap()
}

#[test]
fn features_steps_and_meta_gradient_match_jax() {
    let device = Device::flex();
    let data = golden("learned_mlp_lopt.json");
    for case in data["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let lopt = MlpLOpt {
            exp_mult: case["exp_mult"].as_f64().unwrap(),
            step_mult: case["step_mult"].as_f64().unwrap(),
            ..Default::default()
        };
        let theta = tree(case, "theta", &lopt.init(0, &device).unwrap(), &device);
        let p0 = params(case, &device);

        // The first step's features: m after its first update is (1 − d)·g.
        let mut feature_err: f64 = 0.0;
        for (path, _, p) in p0.iter() {
            let n = p.dims()[0];
            let g = p.clone().mul_scalar(2.0);
            let one_minus = Tensor::<2>::from_data(
                TensorData::new(MOMENTUM_DECAYS.map(|d| 1.0 - d).to_vec(), [1, 6]),
                &device,
            );
            let m = g.clone().reshape([n, 1]) * one_minus;
            let got: Vec<f32> = features(p, &g, &m, 0).into_data().iter().collect();
            feature_err = feature_err.max(max_abs_diff(&got, &floats(&case["features"][path])));
        }
        assert!(
            feature_err <= FEATURE_TOL,
            "{name}: features off by {feature_err:.2e}"
        );

        // The unroll on Σp², step by step.
        let opt = lopt.opt_fn(&theta).unwrap();
        let mut state = opt.init(p0.clone(), None).unwrap();
        let mut param_err: f64 = 0.0;
        for (t, want) in case["trajectory"].as_array().unwrap().iter().enumerate() {
            let grad = opt.get_params(&state).map(|p| p.mul_scalar(2.0));
            state = opt.update(&state, grad, None).unwrap();
            let got = opt.get_params(&state);
            for (path, values) in got.paths().iter().zip(got.to_vecs().unwrap()) {
                let err = max_abs_diff(&values, &floats(&want[path.as_str()]));
                assert!(
                    err <= PARAM_TOL,
                    "{name}: `{path}` after step {t} off by {err:.2e}"
                );
                param_err = param_err.max(err);
            }
        }

        // The meta-gradient of the last loss.
        let steps = case["steps"].as_u64().unwrap() as usize;
        let (value, grad) = meta_value_and_grad(
            &QuadraticTask::default(),
            &lopt,
            &theta,
            &p0,
            None,
            steps,
            MetaLoss::LastStep,
        )
        .unwrap();
        let value_err = relative_error(value, &case["meta_loss"]);
        assert!(
            value_err <= META_LOSS_RTOL,
            "{name}: meta-loss {value}, error {value_err:.1e}"
        );
        let grad_err = worst_error(&grad, case, "meta_grad");
        assert!(
            grad_err <= META_GRAD_RTOL,
            "{name}: meta-gradient off by {grad_err:.2e} of its largest component"
        );
        println!(
            "{name}: features {feature_err:.1e}, parameters {param_err:.1e}, meta-loss \
             {value_err:.1e}, meta-gradient {grad_err:.1e} (of its largest component)"
        );
    }
}

#[test]
fn a_theta_of_another_shape_is_a_named_error() {
    let device = Device::flex();
    let small = MlpLOpt {
        hidden_size: 4,
        ..Default::default()
    };
    let theta = small.init(0, &device).unwrap();
    let err = match MlpLOpt::default().opt_fn(&theta) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("a 4-wide theta accepted by a 32-wide MLPLOpt"),
    };
    assert!(err.contains("layer 0 is 19×32"), "{err}");
    let sgd_theta = optax_learned::LearnableSgd::default()
        .init(0, &device)
        .unwrap();
    let err = match MlpLOpt::default().opt_fn(&sgd_theta) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("LearnableSGD's theta accepted by MLPLOpt"),
    };
    assert!(err.contains("mlp/~/linear_0/w"), "{err}");
}
