//! The one-pass step (`TransformExt::step`, `step_module`) against the two calls it stands
//! for (`update` then `apply_updates`), bit for bit, on flex and on wgpu where an adapter
//! exists; and the fusion report (`explain_fusion`) for the fused optimizers and for the
//! reasons a step is not fused.

mod common;

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{DType, Device, Tensor, TensorData};
use optax_core::prelude::*;
use optax_core::{
    adam, adamw, apply_updates_to_module, chain, clip_by_global_norm, lion, rmsprop, sgd, Mask,
    Schedule,
};

/// Leaves of odd sizes (rank 0, 1, 15, 130, 1027, a multiple of 4 and not), with a NaN and an
/// infinity in the gradients of step 3.
fn tree(device: &Device, seed: f32, step: usize) -> Tree {
    let vals = |n: usize, k: f32| -> Vec<f32> {
        let mut v: Vec<f32> = (0..n)
            .map(|i| ((i as f32 + 1.0) * 0.37 * k + seed).sin())
            .collect();
        if step == 3 && n > 100 {
            v[7] = f32::NAN;
            v[n - 1] = f32::INFINITY;
        }
        v
    };
    Tree::builder()
        .leaf(
            "w",
            Tensor::<2>::from_data(TensorData::new(vals(15, 1.0), [3, 5]), device),
        )
        .leaf(
            "b",
            Tensor::<1>::from_data(TensorData::new(vals(1, 2.0), [1]), device),
        )
        .scalar("s", vals(1, 3.0)[0], device)
        .leaf(
            "v",
            Tensor::<1>::from_data(TensorData::new(vals(130, 4.0), [130]), device),
        )
        .leaf(
            "u",
            Tensor::<1>::from_data(TensorData::new(vals(1027, 5.0), [1027]), device),
        )
        .build()
        .unwrap()
}

fn same_bits(a: &Tree, b: &Tree, what: &str) {
    for (path, (x, y)) in a
        .paths()
        .iter()
        .zip(a.to_vecs().unwrap().iter().zip(b.to_vecs().unwrap()))
    {
        let same = x.len() == y.len()
            && x.iter()
                .zip(&y)
                .all(|(p, q)| p.to_bits() == q.to_bits() || (p.is_nan() && q.is_nan()));
        assert!(same, "{what}: {path}: {x:?} vs {y:?}");
    }
}

/// Every tree in a state, in order.
fn state_trees(state: &State, out: &mut Vec<Tree>) {
    match state {
        State::Tree(t) => out.push(t.clone()),
        State::Record { fields, .. } => fields.iter().for_each(|(_, v)| state_trees(v, out)),
        State::Tuple(members) => members.iter().for_each(|v| state_trees(v, out)),
        State::Map(entries) => entries.iter().for_each(|(_, v)| state_trees(v, out)),
        _ => {}
    }
}

fn same_state(a: &State, b: &State, what: &str) {
    a.check_same_structure(b).unwrap();
    let (mut x, mut y) = (Vec::new(), Vec::new());
    state_trees(a, &mut x);
    state_trees(b, &mut y);
    assert_eq!(x.len(), y.len(), "{what}");
    for (s, t) in x.iter().zip(&y) {
        same_bits(s, t, what);
    }
}

/// The fused optimizers and chains, with masks, schedules and clips that trigger (the
/// gradient norm is about 25) and that don't.
fn optimizers() -> Vec<(&'static str, GradientTransformation)> {
    let schedule = Schedule::new(|c| 0.01 / (1.0 + c as f64));
    let matrices = Mask::by(|_, shape| shape.len() >= 2);
    vec![
        ("adam", adam(1e-2).into_transformation()),
        (
            "adamw masked nesterov",
            adamw(schedule.clone())
                .weight_decay(0.1)
                .mask(matrices)
                .nesterov(true)
                .into_transformation(),
        ),
        (
            "rmsprop centered momentum",
            rmsprop(1e-2)
                .centered(true)
                .momentum(0.9)
                .bias_correction(true)
                .into_transformation(),
        ),
        (
            "sgd nesterov",
            sgd(schedule)
                .momentum(0.9)
                .nesterov(true)
                .into_transformation(),
        ),
        (
            "clip 0.5 + adamw",
            chain![clip_by_global_norm(0.5), adamw(1e-2).weight_decay(0.05)].into_transformation(),
        ),
        (
            "clip 1e3 + rmsprop",
            chain![clip_by_global_norm(1e3), rmsprop(1e-2)].into_transformation(),
        ),
        (
            "clip 0.5 + sgd",
            chain![clip_by_global_norm(0.5), sgd(1e-2).momentum(0.5)].into_transformation(),
        ),
        // Optax's quickstart chain: the element-wise clip runs as tensor ops, then the kernel.
        (
            "clip(1.0) + adamw",
            chain![optax_core::clip(1.0), adamw(1e-2)].into_transformation(),
        ),
        // Not fused: the one-pass step is the two calls.
        ("lion", lion(1e-3).into_transformation()),
    ]
}

#[test]
fn one_pass_steps_equal_update_then_apply_updates() {
    for (device_name, device) in common::devices() {
        for (name, opt) in optimizers() {
            let what = format!("{name} on {device_name}");
            let report = opt.explain_fusion(&tree(&device, 0.0, 0));
            assert_eq!(report.is_fused(), name != "lion", "{what}: {report}");
            let mut params = tree(&device, 0.0, 0);
            let mut stepped = params.clone();
            let mut state = opt.init(&params).unwrap();
            let mut step_state = state.clone();
            for t in 0..5 {
                let g = tree(&device, t as f32 + 1.0, t);
                let u = opt
                    .update_in_place(g.clone(), &mut state, Some(&params), &Extra::none())
                    .unwrap();
                params = apply_updates(&params, &u).unwrap();
                opt.step(&mut stepped, g, &mut step_state).unwrap();
                same_bits(&stepped, &params, &format!("{what}, step {t}: params"));
                same_state(&step_state, &state, &format!("{what}, step {t}: state"));
            }
        }
    }
}

#[test]
fn a_failed_step_changes_nothing() {
    let d = common::flex();
    for (name, opt) in optimizers() {
        let mut params = tree(&d, 0.0, 0);
        let mut state = opt.init(&params).unwrap();
        let (p0, s0) = (params.clone(), state.clone());
        let other = Tree::builder()
            .leaf("x", Tensor::<1>::from_floats([1.0, 2.0], &d))
            .build()
            .unwrap();
        assert!(opt.step(&mut params, other, &mut state).is_err(), "{name}");
        same_bits(&params, &p0, name);
        same_state(&state, &s0, name);
    }
}

#[derive(Module, Debug)]
struct Mlp {
    hidden: Linear,
    output: Linear,
}

#[test]
fn module_steps_equal_the_tree_calls() {
    for (device_name, device) in common::devices() {
        let d = device.autodiff();
        let opt = chain![clip_by_global_norm(1.0), adamw(0.1).weight_decay(0.01)];
        let mut model = Mlp {
            hidden: LinearConfig::new(3, 4).init(&d),
            output: LinearConfig::new(4, 2).init(&d),
        };
        let mut reference = model.clone();
        let mut state = opt
            .init(&Tree::from_module(&model).unwrap().inner())
            .unwrap();
        let mut ref_state = state.clone();
        assert!(opt
            .explain_fusion(&Tree::from_module(&model).unwrap().inner())
            .is_fused());
        let x = Tensor::<2>::from_floats([[1.0, -2.0, 0.5], [0.1, 0.2, 0.3]], &d);
        for t in 0..3 {
            let what = format!("step {t} on {device_name}");
            let loss = model.output.forward(model.hidden.forward(x.clone())).sum();
            model = opt
                .step_module(model, &loss.backward(), &mut state)
                .unwrap();

            let loss = reference
                .output
                .forward(reference.hidden.forward(x.clone()))
                .sum();
            let grads = Tree::from_module_grads(&reference, &loss.backward()).unwrap();
            let params = Tree::from_module(&reference).unwrap().inner();
            let u = opt
                .update_in_place(grads, &mut ref_state, Some(&params), &Extra::none())
                .unwrap();
            reference = apply_updates_to_module(reference, &u).unwrap();

            same_bits(
                &Tree::from_module(&model).unwrap(),
                &Tree::from_module(&reference).unwrap(),
                &what,
            );
            same_state(&state, &ref_state, &what);
            // The parameters still train: they require a gradient on the autodiff device.
            assert!(model.hidden.weight.val().is_require_grad(), "{what}");
        }
    }
}

#[test]
fn the_fused_optimizers_fuse_on_flex() {
    let params = tree(&common::flex(), 0.0, 0);
    let fused: Vec<(&str, GradientTransformation)> = vec![
        ("adam", adam(1e-3).into_transformation()),
        ("adamw", adamw(1e-3).into_transformation()),
        ("nadam", optax_core::nadam(1e-3).into_transformation()),
        ("nadamw", optax_core::nadamw(1e-3).into_transformation()),
        ("rmsprop", rmsprop(1e-3).into_transformation()),
        ("sgd", sgd(1e-3).momentum(0.9).into_transformation()),
        (
            "adamw",
            chain![clip_by_global_norm(1.0), adamw(1e-3)].into_transformation(),
        ),
        (
            "rmsprop",
            optax_core::from_spec_str(
                r#"{"chain": [{"clip_by_global_norm": {"max_norm": 1.0}},
                              {"rmsprop": {"learning_rate": 0.001}}]}"#,
            )
            .unwrap(),
        ),
    ];
    for (name, opt) in fused {
        let report = opt.explain_fusion(&params);
        assert!(report.is_fused(), "{name}: {report}");
        assert_eq!(report.optimizer, Some(name));
    }
    // The aliases themselves, before any conversion.
    assert!(adamw(1e-3).explain_fusion(&params).is_fused());
    let clipped = chain![clip_by_global_norm(2.0), sgd(0.1).momentum(0.9)];
    let report = clipped.explain_fusion(&params);
    assert_eq!((report.clip, report.unfused_before), (Some(2.0), 0));
    let quickstart = chain![optax_core::clip(1.0), adamw(1e-3)];
    let report = quickstart.explain_fusion(&params);
    assert_eq!(
        (report.optimizer, report.unfused_before),
        (Some("adamw"), 1)
    );
    assert_eq!(
        report.to_string(),
        "fused: adamw, after 1 transformation run by tensor ops"
    );
}

/// The report's reason for `opt` on `params`, which must not be fused.
fn reason(opt: &impl TransformExt, params: &Tree) -> String {
    let report = opt.explain_fusion(params);
    assert!(!report.is_fused(), "{report}");
    report.reason.unwrap_or_default()
}

#[test]
fn the_report_says_why_a_step_is_not_fused() {
    let d = common::flex();
    let params = tree(&d, 0.0, 0);
    // Autodiff tensors.
    let ad = params.to_device(&d.clone().autodiff()).require_grad();
    assert!(reason(&adam(1e-3), &ad).contains("autodiff"));
    // Another dtype.
    let doubles = params.map(|t| t.cast(DType::F64));
    assert!(reason(&adam(1e-3), &doubles).contains("F64"));
    // A tensor hyperparameter (a learned optimizer).
    let lr = Tensor::<1>::from_floats([1e-3], &d);
    assert!(reason(&adam(lr), &params).contains("learning_rate is a tensor"));
    // mu_dtype.
    let bf16 = adam(1e-3).mu_dtype(Some(DType::BF16));
    assert!(reason(&bf16, &params).contains("mu_dtype"));
    // Turned off.
    assert!(reason(&adamw(1e-3).fused(false), &params).contains("fused(false)"));
    // A schedule where the kernel takes a number.
    let b1 = Schedule::new(|_| 0.9);
    assert!(reason(&adam(1e-3).b1(b1), &params).contains("b1 is a schedule"));
    // No kernel for this transformation; plain sgd has nothing to fuse.
    assert!(reason(&lion(1e-3), &params).contains("no fused kernel"));
    assert!(reason(&sgd(1e-3), &params).contains("without momentum"));
    // Chains other than the clip pattern.
    let three = chain![clip_by_global_norm(1.0), adam(1e-3), optax_core::identity()];
    assert!(reason(&three, &params).contains("a chain runs fused only as"));
    // A clip with a tensor max_norm runs as tensor ops, then Adam's kernel (one-pass step).
    let tensor_clip = chain![
        clip_by_global_norm(Tensor::<1>::from_floats([1.0], &d)),
        adam(1e-3)
    ];
    let report = tensor_clip.explain_fusion(&params);
    assert!(report.is_fused(), "{report}");
    assert_eq!((report.clip, report.unfused_before), (None, 1));
    let report = adam(1e-3).explain_fusion(&ad);
    assert!(report.to_string().starts_with("not fused: "), "{report}");
}
