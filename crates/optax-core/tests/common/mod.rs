//! Shared test helpers: devices, golden data, comparisons.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;

use burn::tensor::{Bool, Device, Tensor, TensorData};
use optax_core::{Tree, TreeDef};
use serde_json::Value;

/// The workspace's `tests/golden/data` folder.
pub fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/golden/data")
}

/// A golden JSON file.
pub fn golden(name: &str) -> Value {
    let path = golden_dir().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).expect("golden JSON")
}

/// The CPU device every test runs on.
pub fn flex() -> Device {
    Device::flex()
}

/// The devices to run on: flex always, and wgpu where an adapter exists (skipped with a
/// message where none does, or when `OPTAX_TEST_WGPU=0`).
pub fn devices() -> Vec<(&'static str, Device)> {
    let mut out = vec![("flex", Device::flex())];
    if std::env::var("OPTAX_TEST_WGPU").as_deref() == Ok("0") {
        eprintln!("note: wgpu tests skipped (OPTAX_TEST_WGPU=0)");
        return out;
    }
    match optax_core::device::wgpu() {
        Ok(d) => out.push(("wgpu", d)),
        Err(e) => eprintln!("note: wgpu tests skipped: {e}"),
    }
    out
}

/// A float read from golden JSON, where NaN and infinities are written as strings.
pub fn num(v: &Value) -> f32 {
    match v {
        Value::Number(n) => n.as_f64().expect("number") as f32,
        Value::String(s) => match s.as_str() {
            "NaN" | "nan" => f32::NAN,
            "Infinity" | "inf" => f32::INFINITY,
            "-Infinity" | "-inf" => f32::NEG_INFINITY,
            other => panic!("bad number {other}"),
        },
        Value::Null => f32::NAN,
        other => panic!("bad number {other}"),
    }
}

/// A list of floats.
pub fn nums(v: &Value) -> Vec<f32> {
    v.as_array().expect("array").iter().map(num).collect()
}

/// One list of floats per leaf.
pub fn leaves(v: &Value) -> Vec<Vec<f32>> {
    v.as_array()
        .expect("array of leaves")
        .iter()
        .map(nums)
        .collect()
}

/// The tree structure of a golden case (`paths`, `shapes`).
pub fn tree_def(case: &Value) -> Arc<TreeDef> {
    let paths = case["paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect();
    let shapes = case["shapes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            s.as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_u64().unwrap() as usize)
                .collect()
        })
        .collect();
    Arc::new(TreeDef::new(paths, shapes).expect("golden tree"))
}

/// A tree from golden leaves.
pub fn tree(def: &Arc<TreeDef>, v: &Value, device: &Device) -> Tree {
    Tree::from_vecs(def.clone(), leaves(v), device).expect("golden leaves")
}

/// Compares `got` to `want` element-wise with `|got - want| <= rtol·|want| + atol`; NaNs must
/// match. Returns the largest relative error seen (against `max(|want|, atol/rtol)`), or a
/// message naming the first element out of tolerance.
pub fn compare(got: &[Vec<f32>], want: &[Vec<f32>], rtol: f64, atol: f64) -> Result<f64, String> {
    let mut worst: f64 = 0.0;
    if got.len() != want.len() {
        return Err(format!("{} leaves, expected {}", got.len(), want.len()));
    }
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        if g.len() != w.len() {
            return Err(format!(
                "leaf {i}: {} elements, expected {}",
                g.len(),
                w.len()
            ));
        }
        for (j, (&a, &b)) in g.iter().zip(w).enumerate() {
            let (a, b) = (a as f64, b as f64);
            if b.is_nan() || a.is_nan() {
                if a.is_nan() != b.is_nan() {
                    return Err(format!("leaf {i}[{j}]: got {a}, expected {b}"));
                }
                continue;
            }
            if a == b {
                continue;
            }
            let err = (a - b).abs();
            if err > rtol * b.abs() + atol {
                return Err(format!(
                    "leaf {i}[{j}]: got {a}, expected {b} (|diff| {err:.3e})"
                ));
            }
            worst = worst.max(err / b.abs().max(atol / rtol));
        }
    }
    Ok(worst)
}

/// Whether `name` passes the `GOLDEN_FILTER` environment variable (a comma-separated list of
/// substrings; empty runs everything).
pub fn selected(name: &str) -> bool {
    match std::env::var("GOLDEN_FILTER") {
        Ok(f) if !f.is_empty() => f.split(',').any(|s| name.contains(s)),
        _ => true,
    }
}

/// The shape of a golden array (`{"shape": [...], "data": [...]}`).
pub fn shape(arr: &Value) -> Vec<usize> {
    arr["shape"]
        .as_array()
        .expect("shape")
        .iter()
        .map(|d| d.as_u64().expect("dimension") as usize)
        .collect()
}

/// A float golden array as a rank-`D` tensor (a rank-0 array becomes `[1]`).
pub fn floats<const D: usize>(arr: &Value, device: &Device) -> Tensor<D> {
    let mut s = shape(arr);
    if s.is_empty() {
        s.push(1);
    }
    assert_eq!(s.len(), D, "golden array of rank {}", s.len());
    Tensor::from_data(TensorData::new(nums(&arr["data"]), s), device)
}

/// A boolean golden array (a `where` mask) as a rank-`D` tensor.
pub fn bools<const D: usize>(arr: &Value, device: &Device) -> Tensor<D, Bool> {
    let s = shape(arr);
    assert_eq!(s.len(), D, "golden mask of rank {}", s.len());
    let data: Vec<bool> = arr["data"]
        .as_array()
        .expect("array")
        .iter()
        .map(|v| v.as_bool().expect("bool"))
        .collect();
    Tensor::from_data(TensorData::new(data, s), device)
}

/// A tensor's values as `f32`s.
pub fn to_vec<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_into_vec_as::<f32>().expect("float data")
}

/// Runs one spec trajectory case (the format of `transforms.json`, written by
/// `tests/golden/generate.py`'s `run_case`): builds the transformation from `case["spec"]`,
/// feeds the recorded gradients (and the loss `value` where a step has one), and compares the
/// updates and parameters of every step. Returns the largest relative error.
pub fn run_spec_case(case: &Value, device: &Device, rtol: f64, atol: f64) -> Result<f64, String> {
    use optax_core::{from_spec, Extra};
    let opt = from_spec(&case["spec"]).map_err(|e| format!("spec: {e}"))?;
    let def = tree_def(case);
    let mut params = tree(&def, &case["params0"], device);
    let mut state = opt.init(&params).map_err(|e| format!("init: {e}"))?;
    let mut worst: f64 = 0.0;
    for (t, step) in case["steps"].as_array().unwrap().iter().enumerate() {
        let grads = tree(&def, &step["grads"], device);
        let extra = match step.get("value") {
            Some(Value::Null) | None => Extra::none(),
            Some(v) => Extra::value(num(v) as f64),
        };
        let (updates, next) = opt
            .update(grads, &state, Some(&params), &extra)
            .map_err(|e| format!("step {t}: update: {e}"))?;
        state = next;
        let (next_params, w) = check_step(t, step, &updates, &params, rtol, atol)?;
        params = next_params;
        worst = worst.max(w);
    }
    Ok(worst)
}

/// Step `t` of a golden trajectory: compares `updates` with `step["updates"]`, applies them to
/// `params` and compares the result with `step["params"]`. Returns the new parameters and the
/// larger of the two relative errors.
pub fn check_step(
    t: usize,
    step: &Value,
    updates: &Tree,
    params: &Tree,
    rtol: f64,
    atol: f64,
) -> Result<(Tree, f64), String> {
    let w_updates = compare(
        &updates.to_vecs().unwrap(),
        &leaves(&step["updates"]),
        rtol,
        atol,
    )
    .map_err(|e| format!("step {t}: updates {e}"))?;
    let params = optax_core::apply_updates(params, updates).map_err(|e| e.to_string())?;
    let w_params = compare(
        &params.to_vecs().unwrap(),
        &leaves(&step["params"]),
        rtol,
        atol,
    )
    .map_err(|e| format!("step {t}: params {e}"))?;
    Ok((params, w_updates.max(w_params)))
}

/// Runs every case of `file[key]` with [`run_spec_case`] on each of [`devices`] (cases filtered
/// by `GOLDEN_FILTER`), printing the largest relative error per device, and panics listing
/// every failing case.
pub fn run_spec_cases(file: &str, key: &str, rtol: f64, atol: f64) {
    let data = golden(file);
    let cases = data[key]
        .as_array()
        .unwrap_or_else(|| panic!("no `{key}` in {file}"));
    for (device_name, device) in devices() {
        let mut failures = Vec::new();
        let mut ran = 0;
        let mut worst: f64 = 0.0;
        for case in cases {
            let name = case["name"].as_str().unwrap();
            if !selected(name) {
                continue;
            }
            ran += 1;
            match run_spec_case(case, &device, rtol, atol) {
                Ok(w) => worst = worst.max(w),
                Err(e) => failures.push(format!("{name}: {e}")),
            }
        }
        println!(
            "{device_name}: {ran} cases of `{key}` in {file}, largest relative error {worst:.2e}"
        );
        assert!(
            failures.is_empty(),
            "{} of {ran} cases failed on {device_name}:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}

/// Runs `opt` for `steps` steps on the quadratic `sum((p - 0.5)^2)` (gradients
/// `2 (p - 0.5) + 0.01 t`, the loss `value` passed as an extra argument) twice: straight
/// through, and saved to a JSON file and loaded back after `split` steps. Panics unless the
/// parameters and the states of both runs are equal bit for bit.
pub fn assert_resume_bit_exact(
    opt: &optax_core::GradientTransformation,
    params: &Tree,
    steps: usize,
    split: usize,
) {
    use optax_core::{apply_updates, Extra, State};
    let run = |p: &Tree, state: &mut State, range: std::ops::Range<usize>| -> Tree {
        let mut p = p.clone();
        for t in range {
            let g = p.map(|x| {
                x.sub_scalar(0.5)
                    .mul_scalar(2.0)
                    .add_scalar(0.01 * t as f64)
            });
            let value: f32 = p
                .to_vecs()
                .unwrap()
                .iter()
                .flatten()
                .map(|x| (x - 0.5) * (x - 0.5))
                .sum();
            let u = opt
                .update_in_place(g, state, Some(&p), &Extra::value(value as f64))
                .unwrap_or_else(|e| panic!("step {t}: {e}"));
            p = apply_updates(&p, &u).unwrap();
        }
        p
    };
    let device = params.leaves()[0].device();
    let mut whole_state = opt.init(params).unwrap();
    let whole = run(params, &mut whole_state, 0..steps);

    let mut state = opt.init(params).unwrap();
    let half = run(params, &mut state, 0..split);
    let file = std::env::temp_dir().join(format!(
        "optax-core-resume-{}-{:?}.json",
        std::process::id(),
        std::thread::current().id()
    ));
    state.save(&file).unwrap();
    let template = opt.init(params).unwrap();
    let mut loaded = State::load(&file, &template, &device).unwrap();
    let _ = std::fs::remove_file(&file);
    let resumed = run(&half, &mut loaded, split..steps);

    assert_eq!(
        whole.to_vecs().unwrap(),
        resumed.to_vecs().unwrap(),
        "parameters differ"
    );
    assert_eq!(
        whole_state.to_json().unwrap(),
        loaded.to_json().unwrap(),
        "states differ"
    );
}
