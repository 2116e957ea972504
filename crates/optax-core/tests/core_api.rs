//! The abstraction, trees, state and errors: behaviour that golden data does not cover.

mod common;

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor, TensorData};
use optax_core::{
    adam, adamw, add_decayed_weights, apply_updates, apply_updates_to_module, chain, from_spec_str,
    masked, partition, scale_by_adam, warmup_cosine_decay_schedule, Extra, IntoTransformation,
    Labels, Mask, OptaxError, State, Transform, Tree,
};

fn vec1(values: &[f32], device: &Device) -> Tensor<1> {
    Tensor::from_data(TensorData::new(values.to_vec(), [values.len()]), device)
}

fn params(device: &Device) -> Tree {
    Tree::builder()
        .scalar("a", 0.5, device)
        .leaf("b", vec1(&[1.0, -2.0, 3.0], device))
        .leaf(
            "c",
            Tensor::<2>::from_data(
                TensorData::new(vec![0.1f32, 0.2, 0.3, 0.4, 0.5, 0.6], [2, 3]),
                device,
            ),
        )
        .build()
        .unwrap()
}

fn grads_at(step: usize, p: &Tree) -> Tree {
    let s = step as f64;
    p.map(|t| t.mul_scalar(0.3).add_scalar(0.1 * (s * 0.7).sin()))
}

#[test]
fn builder_rejects_duplicate_paths_and_bad_leaves() {
    let d = common::flex();
    let dup = Tree::builder()
        .leaf("x", vec1(&[1.0], &d))
        .leaf("x", vec1(&[2.0], &d))
        .build();
    assert!(matches!(dup, Err(OptaxError::DuplicatePath { .. })));
    let bad = Tree::builder()
        .flat("x", vec![2, 2], vec1(&[1.0, 2.0, 3.0], &d))
        .build();
    assert!(matches!(bad, Err(OptaxError::BadLeaf { .. })));
}

#[test]
fn leaves_come_back_at_their_rank() {
    let d = common::flex();
    let p = params(&d);
    assert_eq!(p.get::<2>("c").unwrap().dims(), [2, 3]);
    assert_eq!(p.get::<1>("a").unwrap().dims(), [1]);
    assert!(matches!(
        p.get::<1>("c"),
        Err(OptaxError::ShapeMismatch { .. })
    ));
    assert!(matches!(
        p.get::<1>("zz"),
        Err(OptaxError::MissingLeaf { .. })
    ));
}

#[test]
fn mismatched_trees_are_errors_and_leave_state_untouched() {
    let d = common::flex();
    let p = params(&d);
    let opt = adam(1e-2);
    let state = opt.init(&p).unwrap();
    let before = state.to_json().unwrap();

    let missing = Tree::builder()
        .scalar("a", 1.0, &d)
        .leaf("b", vec1(&[1.0, 2.0, 3.0], &d))
        .build()
        .unwrap();
    let err = opt
        .update(missing, &state, None, &Extra::none())
        .unwrap_err();
    assert!(
        matches!(err, OptaxError::MissingLeaf { ref path } if path == "c"),
        "{err}"
    );

    let extra = Tree::builder()
        .scalar("a", 1.0, &d)
        .leaf("b", vec1(&[1.0, 2.0, 3.0], &d))
        .leaf("c", Tensor::<2>::zeros([2, 3], &d))
        .leaf("d", vec1(&[1.0], &d))
        .build()
        .unwrap();
    let err = opt.update(extra, &state, None, &Extra::none()).unwrap_err();
    assert!(
        matches!(err, OptaxError::ExtraLeaf { ref path } if path == "d"),
        "{err}"
    );

    let shape = Tree::builder()
        .scalar("a", 1.0, &d)
        .leaf("b", vec1(&[1.0, 2.0, 3.0], &d))
        .leaf("c", Tensor::<2>::zeros([3, 2], &d))
        .build()
        .unwrap();
    let err = opt.update(shape, &state, None, &Extra::none()).unwrap_err();
    assert!(
        matches!(err, OptaxError::ShapeMismatch { ref path, .. } if path == "c"),
        "{err}"
    );

    assert_eq!(state.to_json().unwrap(), before);
}

#[test]
fn transforms_that_need_params_say_so() {
    let d = common::flex();
    let p = params(&d);
    let opt = adamw(1e-2);
    let state = opt.init(&p).unwrap();
    let err = opt
        .update(grads_at(0, &p), &state, None, &Extra::none())
        .unwrap_err();
    assert!(matches!(err, OptaxError::ParamsRequired { .. }), "{err}");
}

#[test]
fn invalid_hyperparameters_are_errors() {
    let d = common::flex();
    let p = params(&d);
    let err = adam(1e-3).b1(1.5).init(&p).unwrap_err();
    assert!(
        matches!(err, OptaxError::InvalidHyperparameter { ref name, .. } if name == "b1"),
        "{err}"
    );
    let err = scale_by_adam()
        .eps(-1.0)
        .into_transformation()
        .init(&p)
        .unwrap_err();
    assert!(
        matches!(err, OptaxError::InvalidHyperparameter { ref name, .. } if name == "eps"),
        "{err}"
    );
}

fn run(opt: &impl Transform, p: &Tree, state: &mut State, steps: std::ops::Range<usize>) -> Tree {
    let mut p = p.clone();
    for t in steps {
        let updates = opt
            .update_in_place(grads_at(t, &p), state, Some(&p), &Extra::none())
            .unwrap();
        p = apply_updates(&p, &updates).unwrap();
    }
    p
}

#[test]
fn a_run_split_by_save_and_load_continues_bit_for_bit() {
    let d = common::flex();
    let p0 = params(&d);
    let sched = warmup_cosine_decay_schedule(0.0, 0.1, 5, 40)
        .build()
        .unwrap();
    let opt = chain![adamw(sched).weight_decay(0.01)];

    let mut whole_state = opt.init(&p0).unwrap();
    let whole = run(&opt, &p0, &mut whole_state, 0..30);

    let mut state = opt.init(&p0).unwrap();
    let half = run(&opt, &p0, &mut state, 0..13);
    let dir = std::env::temp_dir().join(format!("optax-core-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("state.json");
    state.save(&file).unwrap();
    let template = opt.init(&p0).unwrap();
    let mut loaded = State::load(&file, &template, &d).unwrap();
    let resumed = run(&opt, &half, &mut loaded, 13..30);

    assert_eq!(whole.to_vecs().unwrap(), resumed.to_vecs().unwrap());
    assert_eq!(whole_state.to_json().unwrap(), loaded.to_json().unwrap());
}

#[test]
fn corrupt_or_mismatched_saves_are_errors() {
    let d = common::flex();
    let p = params(&d);
    let template = adam(1e-3).init(&p).unwrap();
    let err = State::from_json("{not json", &template, &d).unwrap_err();
    assert!(matches!(err, OptaxError::CorruptState(_)), "{err}");

    let other = optax_core::sgd(1e-3)
        .momentum(0.9)
        .init(&p)
        .unwrap()
        .to_json()
        .unwrap();
    let err = State::from_json(&other, &template, &d).unwrap_err();
    assert!(matches!(err, OptaxError::StateMismatch { .. }), "{err}");

    let json = template
        .to_json()
        .unwrap()
        .replacen("[0.0,0.0,0.0]", "[0.0,0.0]", 1);
    let err = State::from_json(&json, &template, &d).unwrap_err();
    assert!(
        matches!(
            err,
            OptaxError::CorruptState(_) | OptaxError::BadLeaf { .. }
        ),
        "{err}"
    );
}

#[test]
fn state_fields_are_found_by_name() {
    let d = common::flex();
    let p = params(&d);
    let opt = chain![optax_core::clip_by_global_norm(1.0), adam(1e-3)];
    let mut state = opt.init(&p).unwrap();
    run(&opt, &p, &mut state, 0..3);
    assert_eq!(state.get("count").unwrap().as_int().unwrap(), 3);
    assert_eq!(state.get("mu").unwrap().as_tree().unwrap().len(), 3);
    assert!(matches!(state.get("nope"), Err(OptaxError::KeyNotFound(_))));

    let two = chain![adam(1e-3), adam(1e-3)].init(&p).unwrap();
    assert!(matches!(
        two.get("mu"),
        Err(OptaxError::AmbiguousKey { count: 2, .. })
    ));
}

#[test]
fn masked_leaves_pass_through_and_keep_no_state() {
    let d = common::flex();
    let p = params(&d);
    let opt = masked(adam(0.1), Mask::by(|_, shape| shape.len() == 2));
    let state = opt.init(&p).unwrap();
    let mu = state.get("mu").unwrap().as_tree().unwrap();
    assert_eq!(mu.paths(), ["c"]);
    let g = grads_at(0, &p);
    let (u, _) = opt
        .update(g.clone(), &state, Some(&p), &Extra::none())
        .unwrap();
    assert_eq!(
        u.get_flat("a").unwrap().to_data(),
        g.get_flat("a").unwrap().to_data()
    );
    assert_ne!(
        u.get_flat("c").unwrap().to_data(),
        g.get_flat("c").unwrap().to_data()
    );
}

#[test]
fn partition_gives_each_label_its_transformation() {
    let d = common::flex();
    let p = params(&d);
    let opt = partition(
        vec![
            (
                "decay".into(),
                add_decayed_weights(1.0).into_transformation(),
            ),
            (
                "zero".into(),
                optax_core::set_to_zero().into_transformation(),
            ),
        ],
        Labels::from_pairs([("a", "zero"), ("b", "decay"), ("c", "zero")]),
    );
    let state = opt.init(&p).unwrap();
    let g = grads_at(0, &p);
    let (u, _) = opt
        .update(g.clone(), &state, Some(&p), &Extra::none())
        .unwrap();
    let want_b: Vec<f32> = g
        .get_flat("b")
        .unwrap()
        .add(p.get_flat("b").unwrap())
        .to_data()
        .try_to_vec()
        .unwrap();
    assert_eq!(
        u.get_flat("b")
            .unwrap()
            .to_data()
            .try_to_vec::<f32>()
            .unwrap(),
        want_b
    );
    assert_eq!(
        u.get_flat("c")
            .unwrap()
            .to_data()
            .try_to_vec::<f32>()
            .unwrap(),
        vec![0.0; 6]
    );

    let unlabeled = partition(
        vec![],
        Labels::from_pairs([("a", "x"), ("b", "x"), ("c", "x")]),
    );
    assert!(matches!(
        unlabeled.init(&p),
        Err(OptaxError::InvalidHyperparameter { .. })
    ));
}

#[test]
fn spec_errors_name_their_place() {
    let cases = [
        (
            r#"{"chain": [{"clip_by_global_norm": {"max_norm": 1.0}}, {"adamw": {"learning_rate": 0.1, "b1": 1.5}}]}"#,
            "chain[1].adamw.b1",
        ),
        (r#"{"adamx": {"learning_rate": 0.1}}"#, "adamx"),
        (
            r#"{"adam": {"learning_rate": 0.1, "beta1": 0.9}}"#,
            "adam.beta1",
        ),
        (r#"{"adam": {}}"#, "adam.learning_rate"),
        (
            r#"{"adam": {"learning_rate": {"nope_schedule": {}}}}"#,
            "adam.learning_rate.nope_schedule",
        ),
        (
            r#"{"adam": {"learning_rate": "fast"}}"#,
            "adam.learning_rate",
        ),
        ("not a spec ][", "spec"),
    ];
    for (spec, at) in cases {
        match from_spec_str(spec) {
            Err(OptaxError::Spec { at: got, reason }) => assert_eq!(got, at, "{spec}: {reason}"),
            Err(other) => panic!("{spec}: unexpected error {other}"),
            Ok(_) => panic!("{spec}: accepted"),
        }
    }
}

#[test]
fn json_and_toml_specs_build_the_same_optimizer() {
    let d = common::flex();
    let p = params(&d);
    let json = from_spec_str(
        r#"{"chain": [{"clip_by_global_norm": {"max_norm": 1.0}},
            {"adamw": {"learning_rate": {"warmup_cosine_decay_schedule":
                {"init_value": 0.0, "peak_value": 0.01, "warmup_steps": 5, "decay_steps": 100}},
             "weight_decay": 0.01}}]}"#,
    )
    .unwrap();
    let toml = from_spec_str(
        r#"
[[chain]]
clip_by_global_norm = { max_norm = 1.0 }
[[chain]]
adamw = { weight_decay = 0.01, learning_rate = { warmup_cosine_decay_schedule = { init_value = 0.0, peak_value = 0.01, warmup_steps = 5, decay_steps = 100 } } }
"#,
    )
    .unwrap();
    let (mut s1, mut s2) = (json.init(&p).unwrap(), toml.init(&p).unwrap());
    let a = run(&json, &p, &mut s1, 0..10);
    let b = run(&toml, &p, &mut s2, 0..10);
    assert_eq!(a.to_vecs().unwrap(), b.to_vecs().unwrap());
}

#[derive(Module, Debug)]
struct Mlp {
    hidden: Linear,
    output: Linear,
}

#[test]
fn modules_convert_to_trees_and_take_updates() {
    let d = common::flex().autodiff();
    let model = Mlp {
        hidden: LinearConfig::new(3, 4).init(&d),
        output: LinearConfig::new(4, 2).init(&d),
    };
    let p = Tree::from_module(&model).unwrap();
    assert_eq!(
        p.paths(),
        [
            "hidden.weight",
            "hidden.bias",
            "output.weight",
            "output.bias"
        ]
    );
    assert_eq!(p.shapes()[0], vec![3, 4]);

    let x = Tensor::<2>::ones([5, 3], &d);
    let loss = model.output.forward(model.hidden.forward(x)).sum();
    let grads = Tree::from_module_grads(&model, &loss.backward()).unwrap();
    grads.check_same_structure(&p).unwrap();

    let opt = adam(0.1);
    let state = opt.init(&p.inner()).unwrap();
    let (u, _) = opt
        .update(grads.inner(), &state, Some(&p.inner()), &Extra::none())
        .unwrap();
    let model = apply_updates_to_module(model, &u).unwrap();
    let after = Tree::from_module(&model).unwrap();
    let want = apply_updates(&p.inner(), &u).unwrap();
    assert_eq!(after.to_vecs().unwrap(), want.to_vecs().unwrap());

    let wrong = Tree::builder()
        .leaf("hidden.weight", Tensor::<2>::zeros([3, 4], &d))
        .build()
        .unwrap();
    assert!(matches!(
        apply_updates_to_module(model, &wrong),
        Err(OptaxError::MissingLeaf { .. })
    ));
}
