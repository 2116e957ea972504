//! Multi-step trajectories of every transformation and alias against Optax 0.2.8 (golden data
//! from `tests/golden/generate.py`). Each case builds the transformation from its spec, so the
//! spec names and defaults are checked against Optax too.

mod common;

/// Relative and absolute tolerance of every comparison, float32.
const RTOL: f64 = 1e-5;
const ATOL: f64 = 1e-6;

#[test]
fn transforms_and_aliases_match_optax() {
    common::run_spec_cases("transforms.json", "cases", RTOL, ATOL);
}

#[test]
fn nan_gradients_match_optax() {
    common::run_spec_cases("transforms.json", "nan_cases", RTOL, ATOL);
}
