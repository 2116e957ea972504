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
