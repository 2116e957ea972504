//! The fused optimizers against their reference chains: same updates and states bit for bit,
//! through `update` and `update_in_place`, with a step counter that fails these tests if the
//! fused path silently stops being taken (or is taken where it must not be). On every CPU
//! device with a fused path: flex, and ndarray with the `ndarray` feature
//! (`cargo test -p optax-core --features ndarray --lib fused`).

use burn::tensor::{Device, Tensor, TensorData};

use super::fused_steps;
use crate::alias::{adam, adamw, rmsprop, sgd};
use crate::combine::Mask;
use crate::hyper::Hyper;
use crate::schedules::Schedule;
use crate::state::State;
use crate::step::TransformExt;
use crate::transform::{Extra, GradientTransformation, IntoTransformation, Transform};
use crate::transforms::clip_by_global_norm;
use crate::tree::Tree;
use crate::{apply_updates, chain};

/// `w` [3, 5], `b` [1], `s` rank 0, `v` [130] (two blocks of 64 and a tail).
fn tree(device: &Device, seed: f32) -> Tree {
    let vals = |n: usize, k: f32| -> Vec<f32> {
        (0..n)
            .map(|i| ((i as f32 + 1.0) * 0.37 * k + seed).sin())
            .collect()
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
        .build()
        .unwrap()
}

/// Every tensor value of a state, with its path; counts as one-element values.
fn state_values(state: &State, at: &str, out: &mut Vec<(String, Vec<f32>)>) {
    match state {
        State::Tree(t) => {
            for (path, v) in t.paths().iter().zip(t.to_vecs().unwrap()) {
                out.push((format!("{at}/{path}"), v));
            }
        }
        State::Int(i) => out.push((at.to_string(), vec![*i as f32])),
        State::Tensor(t) => out.push((at.to_string(), t.to_data().try_to_vec::<f32>().unwrap())),
        State::Record { fields, .. } => {
            for (k, v) in fields {
                state_values(v, &format!("{at}.{k}"), out);
            }
        }
        State::Tuple(members) => {
            for (i, v) in members.iter().enumerate() {
                state_values(v, &format!("{at}.{i}"), out);
            }
        }
        State::Map(entries) => {
            for (k, v) in entries {
                state_values(v, &format!("{at}.{k}"), out);
            }
        }
        State::Empty | State::Float(_) | State::Bool(_) => {}
    }
}

fn same_bits(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()))
}

fn assert_same_state(fused: &State, reference: &State, what: &str) {
    fused.check_same_structure(reference).unwrap();
    let (mut f, mut r) = (Vec::new(), Vec::new());
    state_values(fused, "", &mut f);
    state_values(reference, "", &mut r);
    assert_eq!(f.len(), r.len(), "{what}");
    for ((pf, vf), (pr, vr)) in f.iter().zip(&r) {
        assert_eq!(pf, pr, "{what}");
        assert!(same_bits(vf, vr), "{what}: {pf}: {vf:?} vs {vr:?}");
    }
}

/// Runs `fused` and `reference` side by side for 6 steps (the fused one through `update` and
/// `update_in_place` in turn, and through the one-pass `step` on its own copy of the
/// parameters) and checks updates, parameters and states bit for bit; returns the fused steps
/// (all, clipped) run on this thread meanwhile: two a step (the updates, then the one-pass
/// step) where the kernel runs.
fn run_pair(
    fused: impl IntoTransformation,
    reference: impl IntoTransformation,
    device: &Device,
) -> (usize, usize) {
    let (fused, reference) = (fused.into_transformation(), reference.into_transformation());
    let mut params = tree(device, 0.0);
    let mut stepped = params.clone();
    let mut fs = fused.init(&params).unwrap();
    let mut ss = fs.clone();
    let mut rs = reference.init(&params).unwrap();
    assert_same_state(&fs, &rs, "init");
    let before = fused_steps();
    for t in 0..6 {
        let g = tree(device, t as f32 + 1.0);
        let (ru, next) = reference
            .update(g.clone(), &rs, Some(&params), &Extra::none())
            .unwrap();
        rs = next;
        let fu = if t % 2 == 0 {
            let (fu, next) = fused
                .update(g.clone(), &fs, Some(&params), &Extra::none())
                .unwrap();
            fs = next;
            fu
        } else {
            fused
                .update_in_place(g.clone(), &mut fs, Some(&params), &Extra::none())
                .unwrap()
        };
        for (a, b) in fu.to_vecs().unwrap().iter().zip(ru.to_vecs().unwrap()) {
            assert!(same_bits(a, &b), "step {t}: updates {a:?} vs {b:?}");
        }
        assert_same_state(&fs, &rs, &format!("step {t}"));
        params = apply_updates(&params, &ru).unwrap();
        fused.step(&mut stepped, g, &mut ss).unwrap();
        for (a, b) in stepped
            .to_vecs()
            .unwrap()
            .iter()
            .zip(params.to_vecs().unwrap())
        {
            assert!(same_bits(a, &b), "step {t}: one-pass params {a:?} vs {b:?}");
        }
        assert_same_state(&ss, &rs, &format!("one-pass step {t}"));
    }
    let after = fused_steps();
    (after.0 - before.0, after.1 - before.1)
}

fn flex() -> Device {
    Device::flex()
}

/// The CPU devices with a fused path: flex, and ndarray with the `ndarray` feature.
fn cpu_devices() -> Vec<Device> {
    vec![
        flex(),
        // burn-ndarray is deprecated upstream; the `ndarray` feature opts in.
        #[cfg(feature = "ndarray")]
        #[allow(deprecated)]
        Device::ndarray(),
    ]
}

fn lr_schedule() -> Schedule {
    Schedule::new(|c| 0.01 / (1.0 + c as f64))
}

#[test]
fn rmsprop_variants_take_the_fused_path() {
    for d in cpu_devices() {
        for centered in [false, true] {
            for momentum in [None, Some(0.9)] {
                for (nesterov, bc, in_sqrt) in [(false, false, true), (true, true, false)] {
                    let opt = rmsprop(1e-2)
                        .decay(0.95)
                        .eps(1e-6)
                        .initial_scale(0.1)
                        .centered(centered)
                        .momentum_opt(momentum.map(Hyper::from))
                        .nesterov(nesterov)
                        .bias_correction(bc)
                        .eps_in_sqrt(in_sqrt);
                    let label = format!("centered={centered} momentum={momentum:?} bc={bc}");
                    let steps = run_pair(opt.clone(), opt.clone().fused(false), &d);
                    assert_eq!(steps, (12, 0), "{label}");
                }
            }
        }
        let opt = rmsprop(lr_schedule()).centered(true).momentum(0.5);
        assert_eq!(run_pair(opt.clone(), opt.fused(false), &d), (12, 0));
    }
}

#[test]
fn sgd_momentum_takes_the_fused_path() {
    for d in cpu_devices() {
        for nesterov in [false, true] {
            let opt = sgd(1e-2).momentum(0.9).nesterov(nesterov);
            assert_eq!(run_pair(opt.clone(), opt.fused(false), &d), (12, 0));
        }
        let opt = sgd(lr_schedule()).momentum(-0.3);
        assert_eq!(run_pair(opt.clone(), opt.fused(false), &d), (12, 0));
        // Plain SGD has nothing to fuse.
        assert_eq!(run_pair(sgd(1e-2), sgd(1e-2).fused(false), &d), (0, 0));
    }
}

#[test]
fn adam_family_takes_the_fused_path() {
    for d in cpu_devices() {
        let mask = Mask::by(|_, shape| shape.len() >= 2);
        let opt = adamw(1e-2).weight_decay(0.1).mask(mask).nesterov(true);
        assert_eq!(run_pair(opt.clone(), opt.fused(false), &d), (12, 0));
        let opt = adam(lr_schedule());
        assert_eq!(run_pair(opt.clone(), opt.fused(false), &d), (12, 0));
    }
}

#[test]
fn clip_chains_fuse_the_clip() {
    for d in cpu_devices() {
        // Gradient norms are about 8 here: 0.5 clips, 1e3 does not.
        for max_norm in [0.5, 1e3] {
            let a = adamw(1e-2).weight_decay(0.05);
            let steps = run_pair(
                chain![clip_by_global_norm(max_norm), a.clone()],
                chain![clip_by_global_norm(max_norm), a.fused(false)],
                &d,
            );
            assert_eq!(steps, (12, 12), "adamw, max_norm {max_norm}");
            let r = rmsprop(1e-2).centered(true).momentum(0.9);
            let steps = run_pair(
                chain![clip_by_global_norm(max_norm), r.clone()],
                chain![clip_by_global_norm(max_norm), r.fused(false)],
                &d,
            );
            assert_eq!(steps, (12, 12), "rmsprop, max_norm {max_norm}");
            let s = sgd(1e-2).momentum(0.9).nesterov(true);
            // An alias built into a transformation fuses as well.
            let steps = run_pair(
                chain![clip_by_global_norm(max_norm), s.build()],
                chain![clip_by_global_norm(max_norm), s.fused(false)],
                &d,
            );
            assert_eq!(steps, (12, 12), "sgd, max_norm {max_norm}");
        }
        // Only the exact two-member pattern fuses; the optimizer alone still runs fused.
        let a = adam(1e-2);
        let tensor_norm = Tensor::<1>::from_floats([0.5], &d);
        let steps = run_pair(
            chain![clip_by_global_norm(tensor_norm.clone()), a.clone()],
            chain![clip_by_global_norm(tensor_norm), a.clone().fused(false)],
            &d,
        );
        assert_eq!(steps, (12, 0), "a tensor max_norm is not fused");
        let steps = run_pair(
            chain![
                clip_by_global_norm(0.5),
                a.clone(),
                crate::transforms::identity()
            ],
            chain![
                clip_by_global_norm(0.5),
                a.clone().fused(false),
                crate::transforms::identity()
            ],
            &d,
        );
        assert_eq!(steps, (12, 0), "three members");
    }
}

#[test]
fn the_reference_runs_where_the_kernel_cannot() {
    for d in cpu_devices() {
        // A tensor hyperparameter (a learned optimizer).
        let lr = Tensor::<1>::from_floats([1e-2], &d);
        let opt = rmsprop(lr.clone()).momentum(0.9);
        assert_eq!(run_pair(opt.clone(), opt.fused(false), &d), (0, 0));
        let opt = sgd(1e-2).momentum(Tensor::<1>::from_floats([0.9], &d));
        assert_eq!(run_pair(opt.clone(), opt.fused(false), &d), (0, 0));
        // Autodiff tensors.
        let ad = d.clone().autodiff();
        let opt = chain![clip_by_global_norm(0.5), sgd(1e-2).momentum(0.9)];
        let reference = chain![
            clip_by_global_norm(0.5),
            sgd(1e-2).momentum(0.9).fused(false)
        ];
        assert_eq!(run_pair(opt, reference, &ad), (0, 0));
    }
}

#[test]
fn states_move_between_the_paths() {
    let d = flex();
    let opt = rmsprop(1e-2)
        .centered(true)
        .bias_correction(true)
        .momentum(0.9);
    let (fused, reference) = (opt.build(), opt.clone().fused(false).build());
    let params = tree(&d, 0.0);
    let mut rs = reference.init(&params).unwrap();
    let g = tree(&d, 1.0);
    for _ in 0..3 {
        rs = reference
            .update(g.clone(), &rs, None, &Extra::none())
            .unwrap()
            .1;
    }
    // A saved and reloaded reference state continues on the fused path, and back.
    let mut fs = State::from_record(&rs.to_record().unwrap(), &d).unwrap();
    assert_eq!(fs.get("count").unwrap().as_int().unwrap(), 3);
    let before = fused_steps().0;
    for _ in 0..2 {
        rs = reference
            .update(g.clone(), &rs, None, &Extra::none())
            .unwrap()
            .1;
        fused
            .update_in_place(g.clone(), &mut fs, None, &Extra::none())
            .unwrap();
    }
    assert_eq!(fused_steps().0 - before, 2);
    assert_same_state(&fs, &rs, "after switching");
    let (_, back) = reference
        .update(g.clone(), &fs, None, &Extra::none())
        .unwrap();
    let (_, ahead) = reference.update(g, &rs, None, &Extra::none()).unwrap();
    assert_same_state(&back, &ahead, "back to the reference");
}

#[test]
fn a_wrong_state_is_an_error_not_a_panic() {
    let d = flex();
    let params = tree(&d, 0.0);
    let g = tree(&d, 1.0);
    let sgd_state = sgd(1e-2).momentum(0.9).init(&params).unwrap();
    let opts: Vec<GradientTransformation> = vec![
        rmsprop(1e-2).build(),
        adamw(1e-2).build(),
        chain![clip_by_global_norm(1.0), rmsprop(1e-2)].into_transformation(),
    ];
    for opt in opts {
        assert!(opt
            .update(g.clone(), &sgd_state, None, &Extra::none())
            .is_err());
        let mut s = sgd_state.clone();
        assert!(opt
            .update_in_place(g.clone(), &mut s, None, &Extra::none())
            .is_err());
        assert_same_state(&s, &sgd_state, "left as it was");
    }
    // A tree of another structure.
    let opt = sgd(1e-2).momentum(0.9).build();
    let other = Tree::builder()
        .leaf("x", Tensor::<1>::from_floats([1.0, 2.0], &d))
        .build()
        .unwrap();
    let s = opt.init(&params).unwrap();
    assert!(opt.update(other, &s, None, &Extra::none()).is_err());
    // AdamW without the parameters it decays.
    let opt = adamw(1e-2).build();
    let s = opt.init(&params).unwrap();
    assert!(opt.update(g, &s, None, &Extra::none()).is_err());
}
