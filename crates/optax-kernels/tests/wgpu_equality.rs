//! The fused WGSL kernels against the reference transforms, both on a wgpu device (lavapipe in
//! CI): 100 steps over a tree with more leaves than one dispatch binds, odd sizes (1 element,
//! rank 0, 1023, 65537), masks, clipping that triggers and that does not, NaN and Inf.
//! Skipped, with a message, where there is no wgpu adapter or when `OPTAX_TEST_WGPU=0` (as the
//! optax-core tests: these take about 8 minutes on lavapipe).

use std::sync::{Mutex, MutexGuard};

use burn::tensor::{Device, Tensor, TensorData};
use optax_core::prelude::*;
use optax_core::{
    adam, adamw, chain, clip_by_global_norm, rmsprop, sgd, GradientTransformation, Mask,
};
use optax_kernels::{AdamHyper, RmsPropHyper, SgdHyper, Target};

const STEPS: usize = 100;

/// One test at a time on the device, so that the dispatch counter counts one test's steps.
static DEVICE: Mutex<()> = Mutex::new(());

fn wgpu_or_skip(test: &str) -> Option<(Device, MutexGuard<'static, ()>)> {
    if std::env::var("OPTAX_TEST_WGPU").as_deref() == Ok("0") {
        eprintln!("skipping {test}: OPTAX_TEST_WGPU=0");
        return None;
    }
    match optax_core::device::wgpu() {
        Ok(d) => Some((d, DEVICE.lock().unwrap_or_else(|e| e.into_inner()))),
        Err(e) => {
            eprintln!("skipping {test}: {e}");
            None
        }
    }
}

/// Deterministic values in [-1, 1) from a seed (splitmix64).
fn values(seed: u64, n: usize) -> Vec<f32> {
    (0..n as u64)
        .map(|i| {
            let mut z = seed
                .wrapping_add(i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
                .wrapping_add(0x9E37_79B9_7F4A_7C15);
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            (z >> 40) as f32 / (1u64 << 23) as f32 - 1.0
        })
        .collect()
}

/// 40 leaves: `w` 31×33, `b` [1], `s` rank 0, `big` 65537, and 36 vectors: one of 4100 elements
/// (five blocks of `vec4`s, the last one partial), the others of 1..=700 elements (some a
/// multiple of 4, bound as `vec4`s, the others as float32s).
fn tree(device: &Device, seed: u64, poison: Option<f32>) -> Tree {
    let mut leaf = 0u64;
    let mut next = |n: usize| {
        leaf += 1;
        values(seed ^ (leaf << 32), n)
    };
    let mut big = next(65537);
    if let Some(bad) = poison {
        big[65536] = bad;
        big[3] = bad;
    }
    let mut b = Tree::builder()
        .leaf(
            "w",
            Tensor::<2>::from_data(TensorData::new(next(1023), [31, 33]), device),
        )
        .leaf(
            "b",
            Tensor::<1>::from_data(TensorData::new(next(1), [1]), device),
        )
        .scalar("s", next(1)[0], device)
        .leaf(
            "big",
            Tensor::<1>::from_data(TensorData::new(big, [65537]), device),
        );
    for i in 0..36 {
        let n = if i == 0 { 4100 } else { (i * 97) % 700 + 1 };
        b = b.leaf(
            format!("v{i:02}"),
            Tensor::<1>::from_data(TensorData::new(next(n), [n]), device),
        );
    }
    b.build().unwrap()
}

fn grads(device: &Device, t: usize, poison: Option<f32>) -> Tree {
    tree(device, 1000 + t as u64, poison.filter(|_| t >= 5))
}

/// [`grads`] rounded to multiples of 1/16.
fn dyadic_grads(device: &Device, t: usize) -> Tree {
    let g = grads(device, t, None);
    let v = g
        .to_vecs()
        .unwrap()
        .into_iter()
        .map(|l| l.into_iter().map(|x| (x * 16.0).round() / 16.0).collect())
        .collect();
    Tree::from_vecs(g.def().clone(), v, device).unwrap()
}

/// Largest relative difference; NaN must meet NaN and an infinity the same infinity.
fn rel_diff(what: &str, a: &[Tensor<1>], b: &[Tensor<1>]) -> f32 {
    let mut worst = 0.0f32;
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        let x = x.to_data().try_to_vec::<f32>().unwrap();
        let y = y.to_data().try_to_vec::<f32>().unwrap();
        assert_eq!(x.len(), y.len(), "{what}: leaf {i}");
        for (j, (&p, &q)) in x.iter().zip(&y).enumerate() {
            if p.is_nan() || q.is_nan() || p.is_infinite() || q.is_infinite() {
                assert!(
                    p.is_nan() && q.is_nan() || p == q,
                    "{what}: leaf {i} [{j}]: {p} vs {q}"
                );
                continue;
            }
            worst = worst.max((p - q).abs() / q.abs().max(f32::MIN_POSITIVE));
        }
    }
    worst
}

/// The optimizer's moments: those of `mu`, `nu` and `trace` the state has.
fn moments(state: &State) -> Vec<Tensor<1>> {
    ["mu", "nu", "trace"]
        .iter()
        .filter_map(|n| state.get(n).ok())
        .flat_map(|s| s.as_tree().unwrap().leaves().to_vec())
        .collect()
}

/// `steps` of update + apply_updates; returns the params and the moments.
fn train(
    opt: &GradientTransformation,
    device: &Device,
    poison: Option<f32>,
) -> (Vec<Tensor<1>>, Vec<Tensor<1>>) {
    train_with(opt, device, |d, t| grads(d, t, poison))
}

fn train_with(
    opt: &GradientTransformation,
    device: &Device,
    grads: impl Fn(&Device, usize) -> Tree,
) -> (Vec<Tensor<1>>, Vec<Tensor<1>>) {
    let mut params = tree(device, 7, None);
    let mut state = opt.init(&params).unwrap();
    for t in 0..STEPS {
        let (updates, next) = opt
            .update(grads(device, t), &state, Some(&params), &Extra::none())
            .unwrap();
        state = next;
        params = apply_updates(&params, &updates).unwrap();
    }
    (params.leaves().to_vec(), moments(&state))
}

/// The alias (fused: the WGSL kernels) against the same alias built with `.fused(false)`.
fn alias_case(
    label: &str,
    device: &Device,
    fused: GradientTransformation,
    reference: GradientTransformation,
    poison: Option<f32>,
) {
    let before = optax_kernels::wgpu_dispatches();
    let (p, s) = train(&fused, device, poison);
    let launched = optax_kernels::wgpu_dispatches() - before;
    let (rp, rs) = train(&reference, device, poison);
    let d = rel_diff(label, &p, &rp).max(rel_diff(label, &s, &rs));
    eprintln!("{label}: {launched} dispatches in {STEPS} steps; max relative difference {d:e}");
    // 40 leaves in fewer dispatches than leaves: the kernels ran, grouped.
    assert!(
        launched >= STEPS as u64,
        "{label}: the fused path did not run"
    );
    assert!(
        launched < 40 * STEPS as u64,
        "{label}: not grouped ({launched})"
    );
    assert!(d <= 1e-6, "{label}: max relative difference {d:e}");
}

#[test]
fn adam_family_matches_the_reference_on_wgpu() {
    let Some((device, _one_at_a_time)) = wgpu_or_skip("adam_family_matches_the_reference_on_wgpu")
    else {
        return;
    };
    alias_case(
        "adam",
        &device,
        adam(1e-2).build(),
        adam(1e-2).fused(false).build(),
        None,
    );
    let nadam = adam(3e-3)
        .b1(0.8)
        .b2(0.99)
        .eps(1e-6)
        .eps_root(1e-9)
        .nesterov(true);
    alias_case(
        "nadam",
        &device,
        nadam.build(),
        nadam.clone().fused(false).build(),
        None,
    );
    let mask = Mask::by(|_, shape| shape.len() >= 2);
    let w = adamw(1e-2).weight_decay(0.1).mask(mask);
    alias_case(
        "adamw+mask",
        &device,
        w.build(),
        w.clone().fused(false).build(),
        None,
    );
}

#[test]
fn nan_and_inf_gradients_follow_the_reference_on_wgpu() {
    let Some((device, _one_at_a_time)) =
        wgpu_or_skip("nan_and_inf_gradients_follow_the_reference_on_wgpu")
    else {
        return;
    };
    for bad in [f32::NAN, f32::INFINITY] {
        let w = adamw(1e-2).weight_decay(0.1);
        alias_case(
            &format!("adamw, {bad} from step 5"),
            &device,
            w.build(),
            w.clone().fused(false).build(),
            Some(bad),
        );
    }
}

#[test]
fn rmsprop_sgd_and_clip_chains_take_the_wgpu_kernels() {
    let Some((device, _one_at_a_time)) =
        wgpu_or_skip("rmsprop_sgd_and_clip_chains_take_the_wgpu_kernels")
    else {
        return;
    };
    let r = rmsprop(1e-3).centered(true).momentum(0.9);
    alias_case(
        "rmsprop centered momentum",
        &device,
        r.build(),
        r.clone().fused(false).build(),
        None,
    );
    let s = sgd(1e-2).momentum(0.9).nesterov(true);
    alias_case(
        "sgd nesterov",
        &device,
        s.build(),
        s.clone().fused(false).build(),
        None,
    );
    // Dyadic gradients: the device's norm equals the reference's (see the clip test below).
    let fused = GradientTransformation::new(chain![clip_by_global_norm(1.0), adamw(1e-2)]);
    let reference =
        GradientTransformation::new(chain![clip_by_global_norm(1.0), adamw(1e-2).fused(false)]);
    let before = optax_kernels::wgpu_dispatches();
    let (p, st) = train_with(&fused, &device, dyadic_grads);
    let launched = optax_kernels::wgpu_dispatches() - before;
    let (rp, rs) = train_with(&reference, &device, dyadic_grads);
    let d = rel_diff("clip+adamw chain", &p, &rp).max(rel_diff("clip+adamw chain", &st, &rs));
    eprintln!("clip(1)+adamw chain: {launched} dispatches in {STEPS} steps; max relative difference {d:e}");
    assert!(
        launched >= STEPS as u64,
        "the clip chain did not take the kernels"
    );
    assert!(d <= 1e-6, "clip+adamw chain: max relative difference {d:e}");
}

/// The kernel API (`step(t, params, grads, states)`, parameters updated in place) against
/// `reference` for `STEPS` steps; `names` are the reference state's fields the kernel updates.
fn kernel_case(
    label: &str,
    device: &Device,
    reference: GradientTransformation,
    names: &[&str],
    grads: impl Fn(&Device, usize) -> Tree,
    mut step: impl FnMut(usize, &mut Vec<Tensor<1>>, &Tree, &mut [Vec<Tensor<1>>]),
) {
    let field = |state: &State, name: &str| -> Vec<Tensor<1>> {
        state
            .get(name)
            .unwrap()
            .as_tree()
            .unwrap()
            .leaves()
            .to_vec()
    };
    let init = tree(device, 7, None);
    let state0 = reference.init(&init).unwrap();
    let mut params = init.leaves().to_vec();
    let mut states: Vec<Vec<Tensor<1>>> = names.iter().map(|n| field(&state0, n)).collect();
    let before = optax_kernels::wgpu_dispatches();
    for t in 0..STEPS {
        step(t, &mut params, &grads(device, t), &mut states);
    }
    let _ = params[0].to_data();
    let launched = optax_kernels::wgpu_dispatches() - before;

    let mut rparams = init;
    let mut rstate = state0;
    for t in 0..STEPS {
        let (updates, next) = reference
            .update(grads(device, t), &rstate, Some(&rparams), &Extra::none())
            .unwrap();
        rstate = next;
        rparams = apply_updates(&rparams, &updates).unwrap();
    }
    let mut d = rel_diff(label, &params, rparams.leaves());
    for (name, s) in names.iter().zip(&states) {
        d = d.max(rel_diff(label, s, &field(&rstate, name)));
    }
    eprintln!("{label}: {launched} dispatches in {STEPS} steps; max relative difference {d:e}");
    assert!(launched >= STEPS as u64, "{label}: the kernels did not run");
    assert!(d <= 1e-6, "{label}: max relative difference {d:e}");
}

#[test]
fn clip_then_adamw_kernel_matches_the_reference_on_wgpu() {
    let Some((device, _one_at_a_time)) =
        wgpu_or_skip("clip_then_adamw_kernel_matches_the_reference_on_wgpu")
    else {
        return;
    };
    // Gradients in multiples of 1/16: every square and partial sum of squares is exact in
    // float32, so the norm does not depend on the order of the sums (the device's tree of
    // partial sums, the reference's sums per leaf). ‖g‖ ≈ 160: 1.0 clips every step, 1e4 never.
    for max_norm in [1.0, 1e4] {
        let reference = GradientTransformation::new(chain![
            clip_by_global_norm(max_norm),
            adamw(1e-2).weight_decay(0.05).fused(false)
        ]);
        kernel_case(
            &format!("clip({max_norm})+adamw"),
            &device,
            reference,
            &["mu", "nu"],
            dyadic_grads,
            |t, params, grads, states| {
                let h = AdamHyper {
                    count: t as i64,
                    weight_decay: Some(0.05),
                    ..AdamHyper::new(1e-2)
                };
                let [mu, nu] = states else { unreachable!() };
                let target = Target::Params {
                    params,
                    grads: grads.leaves(),
                };
                optax_kernels::adam(target, mu, nu, &h, None, Some(max_norm)).unwrap();
            },
        );
    }
}

#[test]
fn rmsprop_kernel_matches_the_reference_on_wgpu() {
    let Some((device, _one_at_a_time)) =
        wgpu_or_skip("rmsprop_kernel_matches_the_reference_on_wgpu")
    else {
        return;
    };
    for centered in [false, true] {
        for (momentum, nesterov, bias_correction, eps_in_sqrt) in [
            (None, false, false, true),
            (Some(0.9), false, true, false),
            (Some(0.9), true, false, true),
        ] {
            let mut opt = rmsprop(1e-3)
                .fused(false)
                .decay(0.95)
                .eps(1e-6)
                .initial_scale(0.1)
                .centered(centered)
                .nesterov(nesterov)
                .bias_correction(bias_correction)
                .eps_in_sqrt(eps_in_sqrt);
            if let Some(m) = momentum {
                opt = opt.momentum(m);
            }
            let mut names = vec!["nu"];
            if centered {
                names.insert(0, "mu");
            }
            if momentum.is_some() {
                names.push("trace");
            }
            let hyper = RmsPropHyper {
                decay: 0.95,
                eps: 1e-6,
                eps_in_sqrt,
                centered,
                bias_correction,
                momentum,
                nesterov,
                ..RmsPropHyper::new(1e-3)
            };
            let label = format!(
                "rmsprop centered={centered} momentum={momentum:?} nesterov={nesterov} bc={bias_correction}"
            );
            kernel_case(
                &label,
                &device,
                GradientTransformation::new(opt),
                &names,
                |d, t| grads(d, t, None),
                |t, params, grads, states| {
                    let h = RmsPropHyper {
                        count: t as i64,
                        ..hyper
                    };
                    let mut it = states.iter_mut();
                    let mu = centered.then(|| it.next().unwrap().as_mut_slice());
                    let nu = it.next().unwrap().as_mut_slice();
                    let trace = it.next().map(|t| t.as_mut_slice());
                    let target = Target::Params {
                        params,
                        grads: grads.leaves(),
                    };
                    optax_kernels::rmsprop(target, mu, nu, trace, &h, None).unwrap();
                },
            );
        }
    }
}

#[test]
fn sgd_momentum_kernel_matches_the_reference_on_wgpu() {
    let Some((device, _one_at_a_time)) =
        wgpu_or_skip("sgd_momentum_kernel_matches_the_reference_on_wgpu")
    else {
        return;
    };
    for nesterov in [false, true] {
        let hyper = SgdHyper {
            learning_rate: 1e-2,
            momentum: 0.9,
            nesterov,
        };
        for clip in [None, Some(2.0)] {
            let sgd_ref = sgd(1e-2).momentum(0.9).nesterov(nesterov).fused(false);
            let reference = match clip {
                None => GradientTransformation::new(sgd_ref),
                Some(c) => GradientTransformation::new(chain![clip_by_global_norm(c), sgd_ref]),
            };
            kernel_case(
                &format!("clip {clip:?} + sgd nesterov={nesterov}"),
                &device,
                reference,
                &["trace"],
                dyadic_grads,
                |_, params, grads, states| {
                    let target = Target::Params {
                        params,
                        grads: grads.leaves(),
                    };
                    optax_kernels::sgd(target, &mut states[0], &hyper, clip).unwrap();
                },
            );
        }
    }
}
