//! Multi-step trajectories of every transformation and alias against Optax 0.2.8 (golden data
//! from `tests/golden/generate.py`). Each case builds the transformation from its spec, so the
//! spec names and defaults are checked against Optax too.

mod common;

use burn::tensor::Device;
use optax_core::{apply_updates, from_spec, Extra};
use serde_json::Value;

/// Relative and absolute tolerance of every comparison, float32.
const RTOL: f64 = 1e-5;
const ATOL: f64 = 1e-6;

fn run_case(case: &Value, device: &Device) -> Result<f64, String> {
    let opt = from_spec(&case["spec"]).map_err(|e| format!("spec: {e}"))?;
    let def = common::tree_def(case);
    let mut params = common::tree(&def, &case["params0"], device);
    let mut state = opt.init(&params).map_err(|e| format!("init: {e}"))?;
    let mut worst: f64 = 0.0;
    for (t, step) in case["steps"].as_array().unwrap().iter().enumerate() {
        let grads = common::tree(&def, &step["grads"], device);
        let extra = match step.get("value") {
            Some(Value::Null) | None => Extra::none(),
            Some(v) => Extra::value(common::num(v) as f64),
        };
        let (updates, next) = opt
            .update(grads, &state, Some(&params), &extra)
            .map_err(|e| format!("step {t}: update: {e}"))?;
        state = next;
        let got = updates.to_vecs().unwrap();
        worst = worst.max(
            common::compare(&got, &common::leaves(&step["updates"]), RTOL, ATOL)
                .map_err(|e| format!("step {t}: updates {e}"))?,
        );
        params = apply_updates(&params, &updates).map_err(|e| e.to_string())?;
        worst = worst.max(
            common::compare(
                &params.to_vecs().unwrap(),
                &common::leaves(&step["params"]),
                RTOL,
                ATOL,
            )
            .map_err(|e| format!("step {t}: params {e}"))?,
        );
    }
    Ok(worst)
}

fn run_list(key: &str) {
    let data = common::golden("transforms.json");
    let cases = data[key]
        .as_array()
        .unwrap_or_else(|| panic!("no `{key}` in transforms.json"));
    for (device_name, device) in common::devices() {
        let mut failures = Vec::new();
        let mut ran = 0;
        let mut worst: f64 = 0.0;
        for case in cases {
            let name = case["name"].as_str().unwrap();
            if !common::selected(name) {
                continue;
            }
            ran += 1;
            match run_case(case, &device) {
                Ok(w) => worst = worst.max(w),
                Err(e) => failures.push(format!("{name}: {e}")),
            }
        }
        println!("{device_name}: {ran} cases of `{key}`, largest relative error {worst:.2e}");
        assert!(
            failures.is_empty(),
            "{} of {ran} cases failed on {device_name}:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}

#[test]
fn transforms_and_aliases_match_optax() {
    run_list("cases");
}

#[test]
fn nan_gradients_match_optax() {
    run_list("nan_cases");
}
