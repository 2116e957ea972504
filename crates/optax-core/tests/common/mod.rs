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
