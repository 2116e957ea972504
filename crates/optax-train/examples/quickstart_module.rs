//! The quickstart's run 1 with a Burn `Module` instead of a `Tree` of parameters:
//! `Tree::from_module` for the optimizer's view of the parameters (to initialize its state),
//! and `step_module`, which takes the gradients of a backward pass and returns the module
//! with its parameters updated (`update` + `apply_updates` in one fused kernel pass).
//!
//! ```sh
//! cargo run --release -p optax-train --example quickstart_module [-- cpu|wgpu [STEPS]]
//! ```
//!
//! Same data and initial weights as `optax-train` with its default seed, so the losses match
//! the command's run 1.

use std::time::Instant;

use burn::module::{Module, Param};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor, TensorData};
use optax_core::losses::sigmoid_binary_cross_entropy;
use optax_core::{adam, Transform, TransformExt, Tree};
use optax_train::{open_device, EvalSet, HostData, BITS, CLASSES, HIDDEN, PRINT_EVERY};

/// The quickstart's MLP: `relu(x · hidden) · output`, no biases.
#[derive(Module, Debug)]
struct Mlp {
    hidden: Param<Tensor<2>>,
    output: Param<Tensor<2>>,
}

impl Mlp {
    fn new(host: &HostData, device: &Device) -> Self {
        let weight = |values: &[f32], shape: [usize; 2]| {
            Param::from_tensor(Tensor::from_data(
                TensorData::new(values.to_vec(), shape),
                device,
            ))
        };
        Self {
            hidden: weight(&host.hidden, [BITS, HIDDEN]),
            output: weight(&host.output, [HIDDEN, CLASSES]),
        }
    }

    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        relu(x.matmul(self.hidden.val())).matmul(self.output.val())
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let device_name = args.next().unwrap_or_else(|| "cpu".into());
    let steps: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(1000);

    let (device, description) = open_device(&device_name)?;
    let device = device.autodiff();
    let host = HostData::generate(0, steps, 5);
    let batches = host.batches(&device);
    let eval = EvalSet::new(&device);

    let mut model = Mlp::new(&host, &device);
    let optimizer = adam(1e-2);
    let mut state = optimizer.init(&Tree::from_module(&model)?.inner())?;

    let start = Instant::now();
    for (i, (x, y)) in batches.iter().enumerate() {
        let logits = model.forward(x.clone());
        let loss = sigmoid_binary_cross_entropy(logits, y.clone())?
            .sum_dim(1)
            .mean();
        model = optimizer.step_module(model, &loss.backward(), &mut state)?;
        if i % PRINT_EVERY == 0 {
            println!("step {i}, loss: {}", loss.into_scalar::<f32>());
        }
    }
    let seconds = start.elapsed().as_secs_f64();

    let correct = eval.correct(model.forward(eval.inputs.clone()));
    println!(
        "accuracy {correct}/256, {steps} steps in {seconds:.2} s ({:.0} steps/s) on {description}",
        steps as f64 / seconds
    );
    Ok(())
}
