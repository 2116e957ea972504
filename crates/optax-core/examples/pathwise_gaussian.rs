//! Minimizes `E_{x ~ N(μ, diag(σ²))} [Σ x·weights]` over the Gaussian's parameters
//! `(mean, log_scale)` with pathwise gradient estimates and Adam: the Optax pattern
//! `pathwise_jacobians` → mean over samples → `update` → `apply_updates`.
//!
//! `E f = weights·μ`, so the exact gradient is `weights` for the mean and 0 for the log-scale;
//! the estimate of the mean's gradient is exact here (f is linear), the log-scale's is noisy.
//!
//! Run: `cargo run -p optax-core --example pathwise_gaussian`

use burn::tensor::{Device, Tensor};
use optax_core::adam;
use optax_core::monte_carlo::{multi_normal, pathwise_jacobians};
use optax_core::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;

fn main() -> optax_core::Result<()> {
    let device = Device::flex();
    let weights = Tensor::<2>::from_floats([[1.0, -2.0, 0.5]], &device);
    let function = {
        let weights = weights.clone();
        move |x: Tensor<2>| x.mul(weights.clone()).sum_dim(1).squeeze_dim::<1>(1)
    };

    let mut params = Tree::builder()
        .leaf("mean", Tensor::<1>::zeros([3], &device))
        .leaf("log_scale", Tensor::<1>::zeros([3], &device))
        .build()?;
    let optimizer = adam(0.1);
    let mut state = optimizer.init(&params)?;
    let mut rng = StdRng::seed_from_u64(0);

    for step in 0..=50 {
        let dist_params = [params.get::<1>("mean")?, params.get::<1>("log_scale")?];
        let jacobians = pathwise_jacobians(&function, &dist_params, multi_normal, &mut rng, 64)?;
        // The gradient estimate: the mean of the per-sample jacobians.
        let mut grads = jacobians
            .into_iter()
            .map(|j| j.mean_dim(0).squeeze_dim::<1>(0));
        let grads = Tree::builder()
            .leaf("mean", grads.next().expect("the mean's jacobian"))
            .leaf("log_scale", grads.next().expect("the log-scale's jacobian"))
            .build()?;
        if step % 10 == 0 {
            let objective: f32 = params
                .get::<1>("mean")?
                .unsqueeze::<2>()
                .mul(weights.clone())
                .sum()
                .into_scalar();
            println!("step {step:2}: E f = weights·mean = {objective:8.4}");
        }
        let (updates, next) = optimizer.update(grads, &state, Some(&params), &Extra::none())?;
        params = apply_updates(&params, &updates)?;
        state = next;
    }
    let mean: Vec<f32> = params
        .get::<1>("mean")?
        .into_data()
        .try_into_vec_as()
        .unwrap();
    println!("mean after 50 steps: {mean:?} (moves against the weights' signs)");
    assert!(mean[0] < -1.0 && mean[1] > 1.0 && mean[2] < -1.0);
    Ok(())
}
