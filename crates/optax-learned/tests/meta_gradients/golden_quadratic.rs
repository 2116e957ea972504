//! Meta-losses and exact meta-gradients against JAX's `value_and_grad` through the same
//! unroll (`tests/golden/gen_learned.py`, Optax 0.2.8): LearnableSGD and LearnableAdam on
//! `QuadraticTask`, last-step and mean meta-losses, from recorded `p0` and `theta`.

use burn::tensor::{Device, Tensor, TensorData};
use optax_core::Tree;
use optax_learned::{
    meta_value_and_grad, LearnableAdam, LearnableSgd, LearnedOptimizer, MetaLoss, QuadraticTask,
};

use crate::{floats, golden};

/// Float32, the order of the sums left to each side. Measured (2026-12-02): the meta-losses
/// agree to the printed digits, the meta-gradients through up to ten Adam steps to 1.5e-7 of
/// their largest component.
const VALUE_RTOL: f64 = 1e-6;
const GRAD_RTOL: f64 = 1e-6;

#[test]
fn meta_gradients_match_jax() {
    let device = Device::flex();
    let data = golden("learned_quadratic.json");
    let cases = data["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 6);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let lopt: Box<dyn LearnedOptimizer> = match case["learned_optimizer"].as_str().unwrap() {
            "LearnableSGD" => Box::new(LearnableSgd::default()),
            "LearnableAdam" => Box::new(LearnableAdam::default()),
            other => panic!("unknown learned optimizer {other}"),
        };
        // theta in the learned optimizer's own leaf order, the recorded values.
        let template = lopt.init(0, &device).unwrap();
        let mut theta = Tree::builder();
        for path in template.paths() {
            theta = theta.scalar(path, floats(&case["theta"][path])[0], &device);
        }
        let theta = theta.build().unwrap();
        let p0 = floats(&case["p0"]);
        let n = p0.len();
        let p0 = Tree::builder()
            .leaf(
                "params",
                Tensor::<1>::from_data(TensorData::new(p0, [n]), &device),
            )
            .build()
            .unwrap();
        let kind = match case["meta_loss"].as_str().unwrap() {
            "last_step" => MetaLoss::LastStep,
            _ => MetaLoss::Mean,
        };
        let steps = case["steps"].as_u64().unwrap() as usize;
        let task = QuadraticTask::new(n);
        let (value, grad) =
            meta_value_and_grad(&task, lopt.as_ref(), &theta, &p0, None, steps, kind).unwrap();
        let want = floats(&case["value"])[0] as f64;
        let err = (value as f64 - want).abs() / want.abs();
        assert!(err <= VALUE_RTOL, "{name}: meta-loss {value}, JAX {want}");
        let grads = grad.to_vecs().unwrap();
        let mut worst: f64 = 0.0;
        for (path, g) in grad.paths().iter().zip(&grads) {
            let want = floats(&case["grad"][path.as_str()])[0] as f64;
            let got = g[0] as f64;
            // Relative to the largest component: the epsilon gradients are ~1e-10 of the rest.
            let scale = case["grad"]
                .as_object()
                .unwrap()
                .values()
                .map(|v| (floats(v)[0] as f64).abs())
                .fold(0.0, f64::max);
            let err = (got - want).abs() / scale;
            worst = worst.max(err);
            assert!(
                err <= GRAD_RTOL,
                "{name}: d/d{path} {got}, JAX {want} (error {err:.2e} of the largest component)"
            );
        }
        println!("{name}: meta-loss {value:.6e}, worst gradient error {worst:.2e}");
    }
}
