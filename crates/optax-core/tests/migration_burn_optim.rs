//! The patterns of `docs/migrating-from-burn-optim.md` where burn-optim and this library express
//! the same optimizer: both train the same Burn module from the same start, and the parameters
//! agree after every one of 20 steps (float32; the two round in a different order, e.g. AdamW's
//! decay and bias correction, so the tolerance is 1e-5 relative and absolute, not bit equality).

use burn::grad_clipping::GradientClippingConfig;
use burn::module::{Module, ParamGroup};
use burn::nn::{Linear, LinearConfig};
use burn::optim::momentum::MomentumConfig;
use burn::optim::{AdamWConfig, GradientsParams, ModuleOptimizer, SgdConfig};
use burn::tensor::activation::tanh;
use burn::tensor::{Device, Tensor, TensorData};
use optax_core::prelude::*;
use optax_core::{
    adamw, apply_updates_to_module, chain, clip, partition, sgd, GradientTransformation,
    IntoTransformation, Labels, Tree,
};

const STEPS: usize = 20;

#[derive(Module, Debug)]
struct Net {
    hidden: Linear,
    out: Linear,
}

impl Net {
    /// The module with fixed parameters (not Burn's random initialisation), so that every run
    /// trains the same trajectory.
    fn new(device: &Device) -> Self {
        let net = Net {
            hidden: LinearConfig::new(4, 8).init(device),
            out: LinearConfig::new(8, 2).init(device),
        };
        let p = Tree::from_module(&net).unwrap().inner();
        let mut k = 0.0f32;
        let target: Vec<Vec<f32>> = p
            .to_vecs()
            .unwrap()
            .into_iter()
            .map(|v| {
                v.into_iter()
                    .map(|x| {
                        k += 1.0;
                        0.5 * (k * 0.71).sin() - x
                    })
                    .collect()
            })
            .collect();
        let shift = Tree::from_vecs(p.def().clone(), target, device).unwrap();
        apply_updates_to_module(net, &shift).unwrap()
    }

    fn loss(&self, x: Tensor<2>, y: Tensor<2>) -> Tensor<1> {
        let d = self.out.forward(tanh(self.hidden.forward(x))) - y;
        (d.clone() * d).mean()
    }
}

/// A fixed regression batch: 16 inputs of 4 features, 2 targets each.
fn batch(device: &Device) -> (Tensor<2>, Tensor<2>) {
    let x: Vec<f32> = (0..64).map(|i| ((i as f32) * 0.37).sin()).collect();
    let y: Vec<f32> = (0..32).map(|i| ((i as f32) * 0.91).cos()).collect();
    (
        Tensor::from_data(TensorData::new(x, [16, 4]), device),
        Tensor::from_data(TensorData::new(y, [16, 2]), device),
    )
}

fn params(net: &Net) -> Vec<Vec<f32>> {
    Tree::from_module(net).unwrap().inner().to_vecs().unwrap()
}

/// Parameters after each step of burn-optim's `ModuleOptimizer`.
fn train_burn(
    mut optim: ModuleOptimizer,
    lr: f64,
    mut net: Net,
    device: &Device,
) -> Vec<Vec<Vec<f32>>> {
    let (x, y) = batch(device);
    let mut out = Vec::with_capacity(STEPS);
    for _ in 0..STEPS {
        let loss = net.loss(x.clone(), y.clone());
        let grads = GradientsParams::from_grads(loss.backward(), &net);
        net = optim.step(lr, net, grads);
        out.push(params(&net));
    }
    out
}

/// Parameters after each step of this library's optimizer.
fn train_optax(opt: &GradientTransformation, mut net: Net, device: &Device) -> Vec<Vec<Vec<f32>>> {
    let (x, y) = batch(device);
    let mut state = opt.init(&Tree::from_module(&net).unwrap().inner()).unwrap();
    (0..STEPS)
        .map(|_| {
            let loss = net.loss(x.clone(), y.clone());
            net = opt
                .step_module(net.clone(), &loss.backward(), &mut state)
                .unwrap();
            params(&net)
        })
        .collect()
}

fn assert_same_trajectory(what: &str, burn: &[Vec<Vec<f32>>], optax: &[Vec<Vec<f32>>]) {
    let mut moved = 0.0f32;
    for (t, (b, o)) in burn.iter().zip(optax).enumerate() {
        for (i, (lb, lo)) in b.iter().zip(o).enumerate() {
            for (j, (x, y)) in lb.iter().zip(lo).enumerate() {
                // Absolute 1e-5 too: parameters that pass near zero keep the absolute error of
                // the steps that moved them (~0.3 in all), not one relative to their value.
                assert!(
                    (x - y).abs() <= 1e-5 + 1e-5 * x.abs(),
                    "{what}: step {t}, leaf {i}[{j}]: burn-optim {x}, optax-core {y}"
                );
            }
        }
        if t > 0 {
            moved = moved.max(
                b[0].iter()
                    .zip(&burn[0][0])
                    .map(|(x, y)| (x - y).abs())
                    .fold(0.0, f32::max),
            );
        }
    }
    // The comparison means something only if training moved the parameters.
    assert!(moved > 1e-3, "{what}: parameters barely moved ({moved})");
}

#[test]
fn sgd_with_momentum_matches_burn_optim() {
    let device = Device::flex().autodiff();
    let net = Net::new(&device);
    // burn-optim's momentum damps the gradient by (1 - dampening) from the second step on
    // (dampening 0.1 by default); Optax's `trace` has no dampening: set it to 0.
    let burn = SgdConfig::new()
        .with_momentum(Some(MomentumConfig::new().with_dampening(0.0)))
        .init();
    let b = train_burn(burn, 0.05, net.clone(), &device);
    let o = train_optax(&sgd(0.05).momentum(0.9).build(), net, &device);
    assert_same_trajectory("sgd momentum", &b, &o);
}

#[test]
fn adamw_matches_burn_optim() {
    let device = Device::flex().autodiff();
    let net = Net::new(&device);
    // burn-optim's epsilon defaults to 1e-5, Optax's to 1e-8; both add it outside the square
    // root of the bias-corrected second moment. Weight decay is decoupled in both.
    let burn = AdamWConfig::new()
        .with_epsilon(1e-8)
        .with_weight_decay(1e-2)
        .init();
    let b = train_burn(burn, 1e-2, net.clone(), &device);
    let o = train_optax(&adamw(1e-2).weight_decay(1e-2).build(), net, &device);
    assert_same_trajectory("adamw", &b, &o);
}

#[test]
fn value_clipping_matches_burn_optim() {
    let device = Device::flex().autodiff();
    let net = Net::new(&device);
    // burn-optim's `GradientClippingConfig::Value` is Optax's `clip` (element-wise).
    let burn = SgdConfig::new()
        .with_gradient_clipping(Some(GradientClippingConfig::Value(0.02)))
        .init();
    let b = train_burn(burn, 0.1, net.clone(), &device);
    let o = train_optax(
        &chain![clip(0.02), sgd(0.1)].into_transformation(),
        net,
        &device,
    );
    assert_same_trajectory("clip + sgd", &b, &o);
}

#[test]
fn different_optimizers_per_parameter_group_match_burn_optim() {
    let device = Device::flex().autodiff();
    let net = Net::new(&device);
    // burn-optim: a default optimizer, and another for the parameters whose path contains
    // "out" (`with_group`; the last matching group wins).
    let burn = SgdConfig::new().init().with_group(
        ParamGroup::from_predicate("out"),
        AdamWConfig::new()
            .with_epsilon(1e-8)
            .with_weight_decay(0.0)
            .build(),
        None,
    );
    let b = train_burn(burn, 0.05, net.clone(), &device);
    // optax-core: `partition` (Optax's `multi_transform`) with labels from the module paths.
    let opt = partition(
        vec![
            ("sgd".into(), sgd(0.05).into_transformation()),
            (
                "adamw".into(),
                adamw(0.05).weight_decay(0.0).into_transformation(),
            ),
        ],
        Labels::by_path(|path| {
            if path.starts_with("out.") {
                "adamw"
            } else {
                "sgd"
            }
            .to_string()
        }),
    )
    .into_transformation();
    let o = train_optax(&opt, net, &device);
    assert_same_trajectory("partition sgd / adamw", &b, &o);
}
