//! Meta-gradients against their references, in one test binary (one link instead of five):
//!
//! - `quadratic_closed_form`: exact meta-gradients on `QuadraticTask` against the closed form
//!   and central differences;
//! - `golden_quadratic`, `golden_image_mlp`, `golden_mlp_lopt`: losses, steps and exact
//!   meta-gradients against JAX (`tests/golden/gen_learned.py`, `gen_learned_image_mlp.py`,
//!   `gen_mlp_lopt.py`);
//! - `es_pes_oracle`: FullES and TruncatedPES against the exact meta-gradient.

mod es_pes_oracle;
mod golden_image_mlp;
mod golden_mlp_lopt;
mod golden_quadratic;
mod quadratic_closed_form;

use burn::tensor::Device;
use optax_core::Tree;
use serde_json::Value;

/// The golden file `name` of `tests/golden/data/`.
pub fn golden(name: &str) -> Value {
    let path = format!(
        "{}/../../tests/golden/data/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A JSON array of numbers as float32.
pub fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

/// The recorded tree `key` of `case`, in the order and shapes of `like`.
pub fn tree(case: &Value, key: &str, like: &Tree, device: &Device) -> Tree {
    let data = like
        .paths()
        .iter()
        .map(|p| floats(&case[key][p.as_str()]))
        .collect();
    Tree::from_vecs(like.def().clone(), data, device).unwrap()
}

/// The largest error of `got` against `case[key]`, relative to the largest recorded component.
pub fn worst_error(got: &Tree, case: &Value, key: &str) -> f64 {
    let want: Vec<Vec<f32>> = got
        .paths()
        .iter()
        .map(|p| floats(&case[key][p.as_str()]))
        .collect();
    let scale = want
        .iter()
        .flatten()
        .map(|v| v.abs() as f64)
        .fold(0.0, f64::max);
    got.to_vecs()
        .unwrap()
        .iter()
        .flatten()
        .zip(want.iter().flatten())
        .map(|(&a, &b)| (a as f64 - b as f64).abs() / scale)
        .fold(0.0, f64::max)
}

/// `|got − want| / |want|` for the recorded one-element array `want`.
pub fn relative_error(got: f32, want: &Value) -> f64 {
    let want = floats(want)[0] as f64;
    (got as f64 - want).abs() / want.abs()
}
