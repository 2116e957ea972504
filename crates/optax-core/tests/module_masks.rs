//! Masks and labels from Burn module paths: `Mask::by_path`, `Mask::decay_mask`,
//! `Labels::by_path` on a small module converted with `Tree::from_module`, against hand
//! computation, and the errors of a path mask or labels that select no leaf.

mod common;

use burn::module::Module;
use burn::nn::{BatchNorm, BatchNormConfig, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::tensor::Device;
use optax_core::{
    adamw, freeze, masked, partition, selective_transform, set_to_zero, sgd, Extra,
    IntoTransformation, Labels, Mask, OptaxError, Transform, Tree,
};

#[derive(Module, Debug)]
struct Block {
    linear: Linear,
    norm: LayerNorm,
    head: Linear,
}

#[derive(Module, Debug)]
struct Norms {
    layer: LayerNorm,
    batch: BatchNorm,
}

fn block(d: &Device) -> Block {
    Block {
        linear: LinearConfig::new(3, 4).init(d),
        norm: LayerNormConfig::new(4).init(d),
        head: LinearConfig::new(4, 2).init(d),
    }
}

/// Parameters with no zeros and no equal values: the module's, shifted by a ramp (LayerNorm
/// starts at gamma = 1, beta = 0, and Linear's bias may be zero).
fn params(d: &Device) -> Tree {
    let p = Tree::from_module(&block(d)).unwrap();
    let mut k = 0.0f32;
    let vecs: Vec<Vec<f32>> = p
        .to_vecs()
        .unwrap()
        .into_iter()
        .map(|v| {
            v.into_iter()
                .map(|x| {
                    k += 1.0;
                    x + 0.05 * k
                })
                .collect()
        })
        .collect();
    Tree::from_vecs(p.def().clone(), vecs, d).unwrap()
}

/// Gradients of mixed signs and sizes.
fn grads(p: &Tree) -> Tree {
    p.map(|t| t.mul_scalar(0.7).sin().add_scalar(-0.2))
}

const PATHS: [&str; 6] = [
    "linear.weight",
    "linear.bias",
    "norm.gamma",
    "norm.beta",
    "head.weight",
    "head.bias",
];

fn close(a: &[f32], b: &[f32], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}");
    for (x, y) in a.iter().zip(b) {
        assert!(
            (x - y).abs() <= 1e-6 + 1e-5 * y.abs(),
            "{what}: {a:?} vs {b:?}"
        );
    }
}

#[test]
fn module_paths_are_the_field_names() {
    let d = common::flex();
    let p = params(&d);
    assert_eq!(p.paths(), PATHS);
}

#[test]
fn decay_mask_leaves_out_biases_and_norms() {
    let d = common::flex();
    let p = params(&d);
    assert_eq!(
        Mask::decay_mask().values(p.def()).unwrap(),
        [true, false, false, false, true, false]
    );

    // BatchNorm's running statistics are leaves of the tree too, and are left out.
    let norms = Norms {
        layer: LayerNormConfig::new(2).init(&d),
        batch: BatchNormConfig::new(2).init(&d),
    };
    let t = Tree::from_module(&norms).unwrap();
    let names: Vec<&str> = t
        .paths()
        .iter()
        .map(|p| p.rsplit('.').next().unwrap())
        .collect();
    for name in ["gamma", "beta", "running_mean", "running_var"] {
        assert!(names.contains(&name), "{name} in {:?}", t.paths());
    }
    // Nothing to decay: an error naming the mask, from init.
    let err = adamw(0.1).mask(Mask::decay_mask()).init(&t).unwrap_err();
    match err {
        OptaxError::InvalidHyperparameter { name, reason } => {
            assert_eq!(name, "mask");
            assert!(reason.contains("decay_mask"), "{reason}");
            assert!(reason.contains("layer.gamma"), "{reason}");
        }
        other => panic!("unexpected error {other:?}"),
    }
}

/// One step of `adamw(lr, wd, mask=decay_mask)` from a fresh state, by hand: the bias-corrected
/// moments of step 1 are `g` and `g²`, so the update is `-lr·(g / (|g| + eps) + wd·p·mask)`.
#[test]
fn adamw_with_decay_mask_decays_weights_only() {
    let d = common::flex();
    let p = params(&d);
    let g = grads(&p);
    let (lr, wd, eps) = (0.1f32, 0.5f32, 1e-8f32);
    let decayed = [true, false, false, false, true, false];
    let pv = p.to_vecs().unwrap();
    let gv = g.to_vecs().unwrap();
    for fused in [true, false] {
        let opt = adamw(lr as f64)
            .weight_decay(wd as f64)
            .mask(Mask::decay_mask())
            .fused(fused);
        let state = opt.init(&p).unwrap();
        let (u, _) = opt
            .update(g.clone(), &state, Some(&p), &Extra::none())
            .unwrap();
        let uv = u.to_vecs().unwrap();
        for i in 0..6 {
            let want: Vec<f32> = gv[i]
                .iter()
                .zip(&pv[i])
                .map(|(g, p)| {
                    let decay = if decayed[i] { wd * p } else { 0.0 };
                    -lr * (g / (g.abs() + eps) + decay)
                })
                .collect();
            close(&uv[i], &want, &format!("fused={fused} {}", PATHS[i]));
        }
    }
}

#[test]
fn masked_by_path_applies_to_the_matching_leaves_only() {
    let d = common::flex();
    let p = params(&d);
    let g = grads(&p);
    let opt = masked(set_to_zero(), Mask::by_path(|path| path.ends_with("bias")));
    let state = opt.init(&p).unwrap();
    let (u, _) = opt
        .update(g.clone(), &state, Some(&p), &Extra::none())
        .unwrap();
    for (i, (got, want)) in u
        .to_vecs()
        .unwrap()
        .iter()
        .zip(g.to_vecs().unwrap())
        .enumerate()
    {
        if PATHS[i].ends_with("bias") {
            assert!(got.iter().all(|x| *x == 0.0), "{}", PATHS[i]);
        } else {
            assert_eq!(got, &want, "{}", PATHS[i]);
        }
    }
}

#[test]
fn a_path_mask_that_selects_no_leaf_is_an_error() {
    let d = common::flex();
    let p = params(&d);
    let typo = || Mask::by_path(|path| path.starts_with("encoder."));
    let is_mask_error = |e: OptaxError| match e {
        OptaxError::InvalidHyperparameter { name, reason } => {
            name == "mask" && reason.contains("Mask::by_path") && reason.contains("linear.weight")
        }
        _ => false,
    };
    assert!(is_mask_error(
        masked(sgd(0.1), typo()).init(&p).unwrap_err()
    ));
    assert!(is_mask_error(freeze(typo()).init(&p).unwrap_err()));
    assert!(is_mask_error(
        selective_transform(sgd(0.1), typo()).init(&p).unwrap_err()
    ));
    assert!(is_mask_error(adamw(0.1).mask(typo()).init(&p).unwrap_err()));
    // `decay_mask` on a tree of biases only.
    let all = Tree::from_module(&block(&d)).unwrap();
    let biases_only = Tree::builder()
        .leaf(
            "linear.bias",
            all.get_flat("linear.bias").unwrap().reshape([4]),
        )
        .build()
        .unwrap();
    assert!(adamw(0.1)
        .mask(Mask::decay_mask())
        .init(&biases_only)
        .is_err());

    // `Mask::by` keeps Optax's behaviour: selecting nothing is allowed.
    let nothing = masked(sgd(0.1), Mask::by(|path, _| path.starts_with("encoder.")));
    nothing.init(&p).unwrap();
    // A path mask that selects every leaf, or the leaves of an empty tree, is fine.
    masked(sgd(0.1), Mask::by_path(|_| true)).init(&p).unwrap();
    let empty = Tree::builder().build().unwrap();
    masked(sgd(0.1), typo()).init(&empty).unwrap();
    // Freezing everything leaves `selective_transform` nothing to train: allowed.
    selective_transform(sgd(0.1), Mask::by_path(|_| true))
        .init(&p)
        .unwrap();
}

#[test]
fn partition_by_path_gives_each_part_its_optimizer() {
    let d = common::flex();
    let p = params(&d);
    let g = grads(&p);
    let labels = || {
        Labels::by_path(|path| {
            if path.starts_with("norm.") {
                "frozen"
            } else if path.starts_with("head.") {
                "fast"
            } else {
                "slow"
            }
            .to_string()
        })
    };
    let opt = partition(
        vec![
            ("slow".into(), sgd(0.01).into_transformation()),
            ("fast".into(), sgd(1.0).into_transformation()),
            ("frozen".into(), set_to_zero().into_transformation()),
        ],
        labels(),
    );
    let state = opt.init(&p).unwrap();
    let (u, _) = opt
        .update(g.clone(), &state, Some(&p), &Extra::none())
        .unwrap();
    for (i, (got, gi)) in u
        .to_vecs()
        .unwrap()
        .iter()
        .zip(g.to_vecs().unwrap())
        .enumerate()
    {
        let lr = match PATHS[i].split('.').next().unwrap() {
            "norm" => 0.0,
            "head" => 1.0,
            _ => 0.01,
        };
        let want: Vec<f32> = gi.iter().map(|g| -lr * g).collect();
        close(got, &want, PATHS[i]);
    }

    // A transformation no leaf is labelled for: an error naming the labels and the label.
    let unused = partition(
        vec![
            ("slow".into(), sgd(0.01).into_transformation()),
            ("fast".into(), sgd(1.0).into_transformation()),
            ("frozen".into(), set_to_zero().into_transformation()),
            ("typo".into(), set_to_zero().into_transformation()),
        ],
        labels(),
    );
    match unused.init(&p).unwrap_err() {
        OptaxError::InvalidHyperparameter { name, reason } => {
            assert_eq!(name, "param_labels");
            assert!(reason.contains("Labels::by_path"), "{reason}");
            assert!(reason.contains("`typo`"), "{reason}");
        }
        other => panic!("unexpected error {other:?}"),
    }
    // A label without a transformation stays an error too.
    let missing = partition(
        vec![("slow".into(), sgd(0.01).into_transformation())],
        labels(),
    );
    assert!(missing.init(&p).is_err());
    // `Labels::by` keeps Optax's behaviour: a transformation without leaves is allowed.
    let lenient = partition(
        vec![
            ("all".into(), sgd(0.01).into_transformation()),
            ("none".into(), set_to_zero().into_transformation()),
        ],
        Labels::by(|_, _| "all".to_string()),
    );
    lenient.init(&p).unwrap();
}
