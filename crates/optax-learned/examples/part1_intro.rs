//! The first cells of learned_optimization's Part 1 notebook, on Burn: the
//! `ImageMLP_FashionMnist8_Relu32` task trained by hand with SGD(0.1) for 1000 steps (the train
//! loss and a one-batch test loss every 100 steps), then with the `Adam(1e-2)` optimizer for 10
//! steps, then with a momentum optimizer written by hand as an [`Optimizer`].
//!
//! ```sh
//! cargo run --release -p optax-learned --example part1_intro
//! ```
//!
//! Needs the Debian package `dataset-fashion-mnist`. The meta-training cells are
//! `optax-train meta` (see docs/learned.md).

use burn::tensor::{Device, Tensor};
use optax_core::{OptaxError, Result, State, Tree};
use optax_learned::{ImageMlp, OptState, OptaxOptimizer, Optimizer, Task};

/// The notebook's `MomentumOptimizer(lr, momentum)`: `m ← μ·m + (1 − μ)·g`, `p ← p − lr·m`.
struct MomentumOptimizer {
    lr: f64,
    momentum: f64,
}

impl Optimizer for MomentumOptimizer {
    fn name(&self) -> String {
        "MomentumOptimizer".into()
    }

    fn init(&self, params: Tree, _num_steps: Option<usize>) -> Result<OptState> {
        let momentums = params.map(|p| p.zeros_like());
        Ok(OptState {
            params,
            state: State::record(
                "MomentumOptState",
                vec![("momentums", State::Tree(momentums))],
            ),
            iteration: 0,
        })
    }

    fn update(&self, s: &OptState, grad: Tree, _loss: Option<&Tensor<1>>) -> Result<OptState> {
        let m = s.state.field("momentums")?.as_tree()?;
        let m = m.zip_map(&grad, |m, g| {
            m.mul_scalar(self.momentum) + g.mul_scalar(1.0 - self.momentum)
        })?;
        let params = s.params.zip_map(&m, |p, m| p - m.mul_scalar(self.lr))?;
        Ok(OptState {
            params,
            state: State::record("MomentumOptState", vec![("momentums", State::Tree(m))]),
            iteration: s.iteration + 1,
        })
    }
}

fn main() -> std::result::Result<(), OptaxError> {
    let device = Device::flex();
    let task = ImageMlp::fashion_mnist8_relu32()?;
    let mut data = task.datasets(0, &device).expect("an image task has data")?;

    // The task's parameters and one batch.
    let params = task.init(0, &device)?;
    for (path, shape, _) in params.iter() {
        println!("{path}: {shape:?}");
    }
    let batch = data.train.next().expect("endless");
    println!(
        "batch: inputs {:?}, one-hot targets {:?}",
        batch.inputs.dims(),
        batch.targets.dims()
    );

    // SGD by hand: p ← p − 0.1·g, 1000 steps.
    let mut params = params;
    for i in 0..1000 {
        let batch = data.train.next().expect("endless");
        let (loss, grad) = task
            .value_and_grad(&params, Some(&batch))
            .expect("has a gradient")?;
        params = params.zip_map(&grad, |p, g| p - g.mul_scalar(0.1))?;
        if i % 100 == 0 {
            let test = task.loss(&params, data.test.next().as_ref())?;
            println!(
                "train loss at {i}: {}. Test loss: {}",
                loss.into_scalar::<f32>(),
                test.into_scalar::<f32>()
            );
        }
    }

    // The Optimizer API: learned_optimization's Adam(1e-2), 10 steps.
    let opt = OptaxOptimizer::adam(1e-2, 0.9, 0.999, 1e-8);
    let mut state = opt.init(task.init(0, &device)?, None)?;
    for _ in 0..10 {
        let batch = data.train.next().expect("endless");
        let (loss, grad) = task
            .value_and_grad(opt.get_params(&state), Some(&batch))
            .expect("has a gradient")?;
        state = opt.update(&state, grad, Some(&loss))?;
        println!("{}", loss.into_scalar::<f32>());
    }

    // A custom Optimizer: the notebook's example call.
    let opt = MomentumOptimizer {
        lr: 1.0,
        momentum: 0.9,
    };
    let p = Tree::builder()
        .scalar("a", 1.0, &device)
        .scalar("b", 2.0, &device)
        .build()?;
    let g = Tree::builder()
        .scalar("a", -1.0, &device)
        .scalar("b", 1.0, &device)
        .build()?;
    let state = opt.update(&opt.init(p, None)?, g, None)?;
    println!(
        "MomentumOptimizer, one step: {:?}",
        opt.get_params(&state).to_vecs()?
    );
    Ok(())
}
