//! The fused WGSL kernels against the reference transforms, both on a wgpu device (lavapipe in
//! CI): 100 steps over a tree with more leaves than one dispatch binds, odd sizes (1 element,
//! rank 0, 1023, 65537), masks, clipping that triggers and that does not, NaN and Inf.
//! Skipped, with a message, where there is no wgpu adapter.

use burn::tensor::{Device, Tensor, TensorData};
use optax_core::prelude::*;
use optax_core::{adam, adamw, chain, clip_by_global_norm, GradientTransformation, Mask};
use optax_kernels::{AdamHyper, Target};

const STEPS: usize = 100;

fn wgpu_or_skip(test: &str) -> Option<Device> {
    match optax_core::device::wgpu() {
        Ok(d) => Some(d),
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

/// 40 leaves: `w` 31×33, `b` [1], `s` rank 0, `big` 65537, and 36 vectors of 1..=700 elements.
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
        let n = (i * 97) % 700 + 1;
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

fn moments(state: &State) -> Vec<Tensor<1>> {
    ["mu", "nu"]
        .iter()
        .flat_map(|n| state.get(n).unwrap().as_tree().unwrap().leaves().to_vec())
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
    let Some(device) = wgpu_or_skip("adam_family_matches_the_reference_on_wgpu") else {
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
    let Some(device) = wgpu_or_skip("nan_and_inf_gradients_follow_the_reference_on_wgpu") else {
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
fn clip_then_adamw_kernel_matches_the_reference_on_wgpu() {
    let Some(device) = wgpu_or_skip("clip_then_adamw_kernel_matches_the_reference_on_wgpu") else {
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
        let (rp, rs) = train_with(&reference, &device, dyadic_grads);
        let mut params = tree(&device, 7, None).leaves().to_vec();
        let zeros = |t: &Tensor<1>| Tensor::<1>::zeros(t.dims(), &device);
        let mut mu: Vec<_> = params.iter().map(zeros).collect();
        let mut nu: Vec<_> = params.iter().map(zeros).collect();
        for t in 0..STEPS {
            let g = dyadic_grads(&device, t);
            let h = AdamHyper {
                count: t as i64,
                weight_decay: Some(0.05),
                ..AdamHyper::new(1e-2)
            };
            let target = Target::Params {
                params: &mut params,
                grads: g.leaves(),
            };
            optax_kernels::adam(target, &mut mu, &mut nu, &h, None, Some(max_norm)).unwrap();
        }
        let s: Vec<_> = mu.into_iter().chain(nu).collect();
        let label = format!("clip({max_norm})+adamw");
        let d = rel_diff(&label, &params, &rp).max(rel_diff(&label, &s, &rs));
        eprintln!("{label}: max relative difference {d:e}");
        assert!(d <= 1e-6, "{label}: max relative difference {d:e}");
    }
}
