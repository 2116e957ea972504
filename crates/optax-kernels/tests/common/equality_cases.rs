//! The equality cases, shared by the test targets of the CPU devices (`equality.rs` on flex,
//! `ndarray_equality.rs` on ndarray), each of which defines `dev()`, the device they run on.
//!
//! Fused kernels against optax-core's reference transforms on that device: 100 steps on a
//! tree with odd leaf sizes (1, 1023, 65537) and a rank-0 leaf, with masks, clipping that
//! triggers and that does not, and NaN/Inf gradients. Parameters and every state moment must
//! match within 1e-6 relative; in fact they match bit for bit, including the global norm of a
//! clip (see `clip_random_values`). Two levels: the kernels called directly (which fail rather
//! than fall back, so they prove the fused path runs on the device), and optax-core's aliases
//! on their fused path (the default) against `.fused(false)` (the `optax_core_*` tests;
//! optax-core's own unit tests check that the fused path is the one taken).

use burn::tensor::{Tensor, TensorData};
use optax_core::prelude::*;
use optax_core::{adam, adamw, chain, clip_by_global_norm, rmsprop, sgd, Mask, Schedule};
use optax_kernels::{AdamHyper, FusedError, RmsPropHyper, SgdHyper, StepReport, Target};

use super::dev;

const STEPS: usize = 100;

/// xorshift64*: deterministic data without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        ((x >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }

    /// Multiples of 1/16 in [-1, 1]: every square and partial sum of squares is exact in
    /// float32, so a global norm does not depend on the summation order.
    fn next_dyadic(&mut self) -> f32 {
        (self.next() * 16.0).round() / 16.0
    }
}

/// `w` (rank 2, 1023 = 31·33), `b` (1 element, shape [1]), `s` (rank 0), `big` (65537).
fn def_tree(values: impl FnMut() -> f32) -> Tree {
    let mut values = values;
    let mut v = |n: usize| -> Vec<f32> { (0..n).map(|_| values()).collect() };
    let d = dev();
    Tree::builder()
        .leaf(
            "w",
            Tensor::<2>::from_data(TensorData::new(v(1023), [31, 33]), &d),
        )
        .leaf("b", Tensor::<1>::from_data(TensorData::new(v(1), [1]), &d))
        .scalar("s", v(1)[0], &d)
        .leaf(
            "big",
            Tensor::<1>::from_data(TensorData::new(v(65537), [65537]), &d),
        )
        .build()
        .unwrap()
}

fn params0() -> Tree {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    def_tree(move || rng.next())
}

/// Gradients of step `t`; `poison` puts NaN/Inf at fixed places from step 5 on.
fn grads_at(t: usize, dyadic: bool, poison: Option<f32>) -> Tree {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03 ^ ((t as u64 + 1) * 0x9E37_79B9));
    let tree = def_tree(move || {
        if dyadic {
            rng.next_dyadic()
        } else {
            rng.next()
        }
    });
    match poison {
        Some(bad) if t >= 5 => {
            let mut v = tree.to_vecs().unwrap();
            v[0][7] = bad;
            v[3][65536] = bad;
            Tree::from_vecs(tree.def().clone(), v, &dev()).unwrap()
        }
        _ => tree,
    }
}

/// Max relative difference, NaN matching NaN and infinities matching exactly.
fn rel_diff(a: &[Vec<f32>], b: &[Vec<f32>]) -> Result<f32, String> {
    let mut worst = 0.0f32;
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert_eq!(x.len(), y.len());
        for (j, (&p, &q)) in x.iter().zip(y).enumerate() {
            if p.is_nan() || q.is_nan() {
                if p.is_nan() != q.is_nan() {
                    return Err(format!("leaf {i} [{j}]: {p} vs {q}"));
                }
                continue;
            }
            if p == q {
                continue;
            }
            if p.is_infinite() || q.is_infinite() {
                return Err(format!("leaf {i} [{j}]: {p} vs {q}"));
            }
            let d = (p - q).abs() / q.abs().max(f32::MIN_POSITIVE);
            worst = worst.max(d);
        }
    }
    Ok(worst)
}

fn assert_close(what: &str, fused: &[Tensor<1>], reference: &Tree, rtol: f32) -> f32 {
    let f: Vec<Vec<f32>> = fused
        .iter()
        .map(|t| t.to_data().try_to_vec::<f32>().unwrap())
        .collect();
    let r = reference.to_vecs().unwrap();
    let d = rel_diff(&f, &r).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        d <= rtol,
        "{what}: max relative difference {d:e} > {rtol:e}"
    );
    d
}

fn state_tree(state: &State, name: &str) -> Tree {
    state.get(name).unwrap().as_tree().unwrap().clone()
}

/// Runs the reference `opt` and `fused` side by side; `fused(step, params, grads, states)`
/// does one fused step. Returns the reference's final params and state.
fn run_pair(
    opt: &GradientTransformation,
    state_names: &[&str],
    dyadic: bool,
    poison: Option<f32>,
    mut fused: impl FnMut(usize, &mut Vec<Tensor<1>>, &Tree, &mut [Vec<Tensor<1>>]) -> StepReport,
) -> (Tree, State, Vec<Tensor<1>>, Vec<Vec<Tensor<1>>>) {
    let mut params = params0();
    let mut state = opt.init(&params).unwrap();
    let mut f_params: Vec<Tensor<1>> = params.leaves().to_vec();
    let mut f_states: Vec<Vec<Tensor<1>>> = state_names
        .iter()
        .map(|n| state_tree(&state, n).leaves().to_vec())
        .collect();
    for t in 0..STEPS {
        let grads = grads_at(t, dyadic, poison);
        let (updates, next) = opt
            .update(grads.clone(), &state, Some(&params), &Extra::none())
            .unwrap();
        state = next;
        params = apply_updates(&params, &updates).unwrap();
        fused(t, &mut f_params, &grads, &mut f_states);
    }
    (params, state, f_params, f_states)
}

fn check_run(
    label: &str,
    opt: GradientTransformation,
    names: &[&str],
    dyadic: bool,
    poison: Option<f32>,
    rtol: f32,
    fused: impl FnMut(usize, &mut Vec<Tensor<1>>, &Tree, &mut [Vec<Tensor<1>>]) -> StepReport,
) {
    let (params, state, f_params, f_states) = run_pair(&opt, names, dyadic, poison, fused);
    let mut worst = assert_close(&format!("{label}: params"), &f_params, &params, rtol);
    for (name, fs) in names.iter().zip(&f_states) {
        worst = worst.max(assert_close(
            &format!("{label}: {name}"),
            fs,
            &state_tree(&state, name),
            rtol,
        ));
    }
    eprintln!("{label}: max relative difference after {STEPS} steps: {worst:e}");
}

fn adam_case(
    label: &str,
    opt: GradientTransformation,
    hyper: AdamHyper,
    mask: Option<Vec<bool>>,
    clip: Option<f64>,
    dyadic: bool,
    poison: Option<f32>,
) {
    check_run(
        label,
        opt,
        &["mu", "nu"],
        dyadic,
        poison,
        0.0,
        |t, params, grads, states| {
            let h = AdamHyper {
                count: t as i64,
                ..hyper
            };
            let [mu, nu] = states else { unreachable!() };
            let target = Target::Params {
                params,
                grads: grads.leaves(),
            };
            optax_kernels::adam(target, mu, nu, &h, mask.as_deref(), clip).unwrap()
        },
    );
}

fn adamw_hyper(lr: f64, wd: f64) -> AdamHyper {
    AdamHyper {
        weight_decay: Some(wd),
        ..AdamHyper::new(lr)
    }
}

#[test]
fn adam_matches_bit_for_bit() {
    let opt = GradientTransformation::new(adam(1e-2).fused(false));
    adam_case("adam", opt, AdamHyper::new(1e-2), None, None, false, None);
}

#[test]
fn nadam_eps_root_matches() {
    let opt = GradientTransformation::new(
        adam(3e-3)
            .b1(0.8)
            .b2(0.99)
            .eps(1e-6)
            .eps_root(1e-9)
            .nesterov(true)
            .fused(false),
    );
    let h = AdamHyper {
        b1: 0.8,
        b2: 0.99,
        eps: 1e-6,
        eps_root: 1e-9,
        nesterov: true,
        ..AdamHyper::new(3e-3)
    };
    adam_case("nadam", opt, h, None, None, false, None);
}

#[test]
fn adamw_with_mask_matches() {
    let mask = Mask::by(|_, shape| shape.len() >= 2);
    let opt = GradientTransformation::new(
        adamw(1e-2)
            .weight_decay(0.1)
            .mask(mask.clone())
            .fused(false),
    );
    let flags = mask.values(params0().def()).unwrap();
    assert_eq!(flags, vec![true, false, false, false]);
    adam_case(
        "adamw+mask",
        opt,
        adamw_hyper(1e-2, 0.1),
        Some(flags),
        None,
        false,
        None,
    );
    let opt =
        GradientTransformation::new(adamw(1e-2).weight_decay(0.1).nesterov(true).fused(false));
    let h = AdamHyper {
        nesterov: true,
        ..adamw_hyper(1e-2, 0.1)
    };
    adam_case("nadamw", opt, h, None, None, false, None);
}

#[test]
fn clip_then_adamw_matches_when_it_triggers_and_when_not() {
    // Norm of the dyadic gradients ≈ 149 (66.5K elements in [-1, 1]).
    for (max_norm, triggers) in [(1.0, true), (1e4, false)] {
        let opt = GradientTransformation::new(chain![
            clip_by_global_norm(max_norm),
            adamw(1e-2).weight_decay(0.05).fused(false)
        ]);
        let mut seen = None;
        check_run(
            &format!("clip({max_norm})+adamw"),
            opt,
            &["mu", "nu"],
            true,
            None,
            0.0,
            |t, params, grads, states| {
                let h = AdamHyper {
                    count: t as i64,
                    ..adamw_hyper(1e-2, 0.05)
                };
                let [mu, nu] = states else { unreachable!() };
                let r = optax_kernels::adam(
                    Target::Params {
                        params,
                        grads: grads.leaves(),
                    },
                    mu,
                    nu,
                    &h,
                    None,
                    Some(max_norm),
                )
                .unwrap();
                seen = Some(r.clipped);
                r
            },
        );
        assert_eq!(seen, Some(triggers));
    }
}

#[test]
fn clip_random_values() {
    // Arbitrary float32 gradients: the norm's float32 sum depends on its order. The kernel
    // takes it from the reference's own ops (the device's `sum` of `g·g` per leaf, the leaf sums
    // added in float32 in leaf order), so the clip divides by the same number and the run
    // is bit for bit. (With a norm summed in another order, e.g. float64 blocks, the clipped
    // gradients differ in the last bit, and parameters that pass near zero differ by 6e-3
    // relative after 100 steps: no per-element relative bound can hold then.)
    let opt =
        GradientTransformation::new(chain![clip_by_global_norm(1.0), adamw(1e-2).fused(false)]);
    let mut clipped = 0;
    check_run(
        "clip(1)+adamw random",
        opt,
        &["mu", "nu"],
        false,
        None,
        0.0,
        |t, params, grads, states| {
            let h = AdamHyper {
                count: t as i64,
                ..adamw_hyper(1e-2, 1e-4)
            };
            let [mu, nu] = states else { unreachable!() };
            let r = optax_kernels::adam(
                Target::Params {
                    params,
                    grads: grads.leaves(),
                },
                mu,
                nu,
                &h,
                None,
                Some(1.0),
            )
            .unwrap();
            clipped += r.clipped as usize;
            r
        },
    );
    assert_eq!(clipped, STEPS, "the clip triggers at every step");
}

#[test]
fn nan_and_inf_gradients_follow_the_reference() {
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let opt = GradientTransformation::new(adamw(1e-2).fused(false));
        adam_case(
            &format!("adamw grads {bad}"),
            opt,
            adamw_hyper(1e-2, 1e-4),
            None,
            None,
            false,
            Some(bad),
        );
        for max_norm in [1.0, 1e30] {
            let opt = GradientTransformation::new(chain![
                clip_by_global_norm(max_norm),
                adamw(1e-2).fused(false)
            ]);
            adam_case(
                &format!("clip+adamw grads {bad}"),
                opt,
                adamw_hyper(1e-2, 1e-4),
                None,
                Some(max_norm),
                true,
                Some(bad),
            );
        }
    }
}

#[test]
fn updates_target_matches_update_and_keeps_shared_state() {
    // Optax's `update`: the fused updates equal the reference updates each step; the state
    // the caller still holds (a clone) is not modified, the new one is a fresh tensor.
    let opt = adamw(1e-2).weight_decay(0.1).fused(false);
    let params = params0();
    let mut state = opt.init(&params).unwrap();
    let mut mu: Vec<Tensor<1>> = state_tree(&state, "mu").leaves().to_vec();
    let mut nu: Vec<Tensor<1>> = state_tree(&state, "nu").leaves().to_vec();
    for t in 0..3 {
        let grads = grads_at(t, false, None);
        let (updates, next) = opt
            .update(grads.clone(), &state, Some(&params), &Extra::none())
            .unwrap();
        state = next;
        let held_mu: Vec<Tensor<1>> = mu.clone();
        let before = held_mu[3].to_data().try_to_vec::<f32>().unwrap();
        let mut g: Vec<Tensor<1>> = grads.into_leaves();
        let h = AdamHyper {
            count: t as i64,
            ..adamw_hyper(1e-2, 0.1)
        };
        let r = optax_kernels::adam(
            Target::Updates {
                grads: &mut g,
                params: Some(params.leaves()),
            },
            &mut mu,
            &mut nu,
            &h,
            None,
            None,
        )
        .unwrap();
        // The gradients were given away (in place); mu is shared with `held_mu` (fresh).
        assert_eq!(r.in_place, 4 + 4, "grads and nu in place: {r:?}");
        assert_eq!(r.fresh, 4, "mu fresh: {r:?}");
        assert_eq!(
            held_mu[3].to_data().try_to_vec::<f32>().unwrap(),
            before,
            "a shared tensor was written"
        );
        assert_close("updates", &g, &updates, 0.0);
        assert_close("mu", &mu, &state_tree(&state, "mu"), 0.0);
        assert_close("nu", &nu, &state_tree(&state, "nu"), 0.0);
    }
}

#[test]
fn in_place_when_unique() {
    let params = params0();
    let mut p: Vec<Tensor<1>> = params.leaves().iter().map(|t| t.clone() * 1.0).collect();
    drop(params);
    let mut mu: Vec<Tensor<1>> = p.iter().map(|t| t.zeros_like()).collect();
    let mut nu: Vec<Tensor<1>> = p.iter().map(|t| t.zeros_like()).collect();
    let g = grads_at(0, false, None);
    let r = optax_kernels::adam(
        Target::Params {
            params: &mut p,
            grads: g.leaves(),
        },
        &mut mu,
        &mut nu,
        &AdamHyper::new(1e-3),
        None,
        None,
    )
    .unwrap();
    assert_eq!((r.in_place, r.fresh), (12, 0), "{r:?}");
}

/// The state trees of `rmsprop`, in the kernel's order.
fn rmsprop_names(centered: bool, momentum: bool) -> Vec<&'static str> {
    let mut names = vec!["nu"];
    if centered {
        names.insert(0, "mu");
    }
    if momentum {
        names.push("trace");
    }
    names
}

/// A kernel-level RMSProp case against `opt` (built with `.fused(false)`).
fn rmsprop_case(
    label: &str,
    opt: GradientTransformation,
    hyper: RmsPropHyper,
    clip: Option<f64>,
    poison: Option<f32>,
) {
    let names = rmsprop_names(hyper.centered, hyper.momentum.is_some());
    check_run(
        label,
        opt,
        &names,
        false,
        poison,
        0.0,
        |t, params, grads, states| {
            let h = RmsPropHyper {
                count: t as i64,
                ..hyper
            };
            let mut it = states.iter_mut();
            let mu = if hyper.centered {
                it.next().map(Vec::as_mut_slice)
            } else {
                None
            };
            let nu = it.next().unwrap().as_mut_slice();
            let trace = it.next().map(Vec::as_mut_slice);
            let target = Target::Params {
                params,
                grads: grads.leaves(),
            };
            optax_kernels::rmsprop(target, mu, nu, trace, &h, clip).unwrap()
        },
    );
}

/// A kernel-level SGD-with-momentum case against `opt` (built with `.fused(false)`).
fn sgd_case(
    label: &str,
    opt: GradientTransformation,
    hyper: SgdHyper,
    clip: Option<f64>,
    poison: Option<f32>,
) {
    check_run(
        label,
        opt,
        &["trace"],
        false,
        poison,
        0.0,
        |_, params, grads, states| {
            let target = Target::Params {
                params,
                grads: grads.leaves(),
            };
            optax_kernels::sgd(target, &mut states[0], &hyper, clip).unwrap()
        },
    );
}

#[test]
fn rmsprop_variants_match() {
    for centered in [false, true] {
        for momentum in [None, Some(0.9)] {
            for (nesterov, bias_correction, eps_in_sqrt) in
                [(false, false, true), (true, true, false)]
            {
                if nesterov && momentum.is_none() {
                    continue;
                }
                let opt = rmsprop(1e-3)
                    .decay(0.95)
                    .eps(1e-6)
                    .initial_scale(0.1)
                    .centered(centered)
                    .momentum_opt(momentum.map(Hyper::from))
                    .nesterov(nesterov)
                    .bias_correction(bias_correction)
                    .eps_in_sqrt(eps_in_sqrt)
                    .fused(false);
                let label = format!("rmsprop centered={centered} momentum={momentum:?} nesterov={nesterov} bc={bias_correction}");
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
                rmsprop_case(&label, GradientTransformation::new(opt), hyper, None, None);
            }
        }
    }
}

#[test]
fn sgd_momentum_matches() {
    for nesterov in [false, true] {
        let opt = sgd(1e-2).momentum(0.9).nesterov(nesterov).fused(false);
        let hyper = SgdHyper {
            learning_rate: 1e-2,
            momentum: 0.9,
            nesterov,
        };
        let label = format!("sgd nesterov={nesterov}");
        sgd_case(&label, GradientTransformation::new(opt), hyper, None, None);
    }
}

#[test]
fn rmsprop_and_sgd_behind_a_clip_match() {
    // Norm of the random gradients ≈ 149: 1.0 clips at every step, 1e4 never.
    for max_norm in [1.0, 1e4] {
        for centered in [false, true] {
            let opt = rmsprop(1e-3).centered(centered).momentum(0.9).fused(false);
            let hyper = RmsPropHyper {
                centered,
                momentum: Some(0.9),
                ..RmsPropHyper::new(1e-3)
            };
            rmsprop_case(
                &format!("clip({max_norm})+rmsprop centered={centered}"),
                GradientTransformation::new(chain![clip_by_global_norm(max_norm), opt]),
                hyper,
                Some(max_norm),
                None,
            );
        }
        for nesterov in [false, true] {
            let opt = sgd(1e-2).momentum(0.9).nesterov(nesterov).fused(false);
            let hyper = SgdHyper {
                learning_rate: 1e-2,
                momentum: 0.9,
                nesterov,
            };
            sgd_case(
                &format!("clip({max_norm})+sgd nesterov={nesterov}"),
                GradientTransformation::new(chain![clip_by_global_norm(max_norm), opt]),
                hyper,
                Some(max_norm),
                None,
            );
        }
    }
}

#[test]
fn rmsprop_and_sgd_bad_gradients_follow_the_reference() {
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        for clip in [None, Some(1.0), Some(1e30)] {
            let opt = rmsprop(1e-3).centered(true).momentum(0.9).fused(false);
            let hyper = RmsPropHyper {
                centered: true,
                momentum: Some(0.9),
                ..RmsPropHyper::new(1e-3)
            };
            let opt = match clip {
                Some(m) => GradientTransformation::new(chain![clip_by_global_norm(m), opt]),
                None => GradientTransformation::new(opt),
            };
            rmsprop_case(
                &format!("rmsprop clip={clip:?} grads {bad}"),
                opt,
                hyper,
                clip,
                Some(bad),
            );
            let opt = sgd(1e-2).momentum(0.9).nesterov(true).fused(false);
            let hyper = SgdHyper {
                learning_rate: 1e-2,
                momentum: 0.9,
                nesterov: true,
            };
            let opt = match clip {
                Some(m) => GradientTransformation::new(chain![clip_by_global_norm(m), opt]),
                None => GradientTransformation::new(opt),
            };
            sgd_case(
                &format!("sgd clip={clip:?} grads {bad}"),
                opt,
                hyper,
                clip,
                Some(bad),
            );
        }
    }
}

#[test]
fn other_devices_are_unsupported_and_untouched() {
    // An autodiff device is refused; a length mismatch is reported before anything is taken.
    let unsupported: fn(&FusedError) -> bool = |e| matches!(e, FusedError::Unsupported(_));
    let mismatch: fn(&FusedError) -> bool = |e| matches!(e, FusedError::Mismatch(_));
    for (d, grad_len, expected) in [(dev().autodiff(), 3, unsupported), (dev(), 4, mismatch)] {
        let mut p = vec![Tensor::<1>::zeros([3], &d)];
        let g = vec![Tensor::<1>::ones([grad_len], &d)];
        let mut mu = vec![Tensor::<1>::zeros([3], &d)];
        let mut nu = vec![Tensor::<1>::zeros([3], &d)];
        let r = optax_kernels::adam(
            Target::Params {
                params: &mut p,
                grads: &g,
            },
            &mut mu,
            &mut nu,
            &AdamHyper::new(1e-3),
            None,
            None,
        );
        assert!(r.as_ref().is_err_and(expected), "{r:?}");
        assert_eq!(p[0].to_data().try_to_vec::<f32>().unwrap(), vec![0.0; 3]);
    }
}

#[test]
fn global_norm_matches_exact_sum() {
    let g = grads_at(0, true, None);
    let n = optax_kernels::global_norm(g.leaves()).unwrap();
    let exact: f64 = g
        .to_vecs()
        .unwrap()
        .iter()
        .flatten()
        .map(|&x| (x as f64) * (x as f64))
        .sum();
    assert_eq!(n, (exact as f32).sqrt());
}

/// Every tree and count of a state, with its path.
fn state_values(state: &State, at: &str, out: &mut Vec<(String, Vec<Vec<f32>>)>) {
    match state {
        State::Tree(t) => out.push((at.to_string(), t.to_vecs().unwrap())),
        State::Int(i) => out.push((at.to_string(), vec![vec![*i as f32]])),
        State::Record { fields, .. } | State::Map(fields) => {
            for (k, v) in fields {
                state_values(v, &format!("{at}.{k}"), out);
            }
        }
        State::Tuple(members) => {
            for (i, v) in members.iter().enumerate() {
                state_values(v, &format!("{at}.{i}"), out);
            }
        }
        _ => {}
    }
}

/// optax-core's fused path (the default) against the chain (`.fused(false)`): 100 steps of
/// `update_in_place` (a training loop, the moments updated in place) against `update`; the
/// parameters and the whole state must match bit for bit.
fn core_case(
    label: &str,
    fused: impl IntoTransformation,
    reference: impl IntoTransformation,
    poison: Option<f32>,
) {
    let (fused, reference) = (fused.into_transformation(), reference.into_transformation());
    let mut params = params0();
    let mut f_params = params0();
    let mut rs = reference.init(&params).unwrap();
    let mut fs = fused.init(&f_params).unwrap();
    for t in 0..STEPS {
        let g = grads_at(t, false, poison);
        let (ru, next) = reference
            .update(g.clone(), &rs, Some(&params), &Extra::none())
            .unwrap();
        rs = next;
        params = apply_updates(&params, &ru).unwrap();
        let fu = fused
            .update_in_place(g, &mut fs, Some(&f_params), &Extra::none())
            .unwrap();
        f_params = apply_updates(&f_params, &fu).unwrap();
    }
    assert_close(&format!("{label}: params"), f_params.leaves(), &params, 0.0);
    fs.check_same_structure(&rs).unwrap();
    let (mut f, mut r) = (Vec::new(), Vec::new());
    state_values(&fs, "", &mut f);
    state_values(&rs, "", &mut r);
    assert_eq!(f.len(), r.len(), "{label}");
    for ((path, fv), (_, rv)) in f.iter().zip(&r) {
        let d = rel_diff(fv, rv).unwrap_or_else(|e| panic!("{label}: {path}: {e}"));
        assert_eq!(d, 0.0, "{label}: {path}");
    }
}

#[test]
fn optax_core_fused_optimizers_match_the_chain() {
    let rms = |centered: bool| rmsprop(1e-3).decay(0.95).centered(centered);
    core_case("rmsprop", rms(false), rms(false).fused(false), None);
    core_case("rmsprop centered", rms(true), rms(true).fused(false), None);
    let r = rms(false).momentum(0.9);
    core_case("rmsprop momentum", r.clone(), r.fused(false), None);
    let r = rms(true)
        .momentum(0.9)
        .nesterov(true)
        .bias_correction(true)
        .eps_in_sqrt(false);
    core_case(
        "rmsprop centered nesterov bc",
        r.clone(),
        r.fused(false),
        None,
    );
    let r = rmsprop(Schedule::new(|c| 1e-3 / (1.0 + c as f64))).momentum(0.5);
    core_case("rmsprop lr schedule", r.clone(), r.fused(false), None);
    for nesterov in [false, true] {
        let s = sgd(1e-2).momentum(0.9).nesterov(nesterov);
        core_case(
            &format!("sgd nesterov={nesterov}"),
            s.clone(),
            s.fused(false),
            None,
        );
    }
    let a = adamw(1e-2)
        .weight_decay(0.1)
        .mask(Mask::by(|_, shape| shape.len() >= 2));
    core_case("adamw+mask", a.clone(), a.fused(false), None);
}

#[test]
fn optax_core_clip_chains_match_the_chain() {
    // Norm of the random gradients ≈ 149: 1.0 clips at every step, 1e4 never.
    for max_norm in [1.0, 1e4] {
        let clip = || clip_by_global_norm(max_norm);
        let a = adamw(1e-2)
            .weight_decay(0.1)
            .mask(Mask::by(|_, shape| shape.len() >= 2));
        let label = format!("clip({max_norm})+adamw+mask");
        core_case(
            &label,
            chain![clip(), a.clone()],
            chain![clip(), a.fused(false)],
            None,
        );
        let a = adam(1e-2).nesterov(true);
        let label = format!("clip({max_norm})+nadam");
        core_case(
            &label,
            chain![clip(), a.clone()],
            chain![clip(), a.fused(false)],
            None,
        );
        let r = rmsprop(1e-3).centered(true).momentum(0.9);
        let label = format!("clip({max_norm})+rmsprop");
        core_case(
            &label,
            chain![clip(), r.clone()],
            chain![clip(), r.fused(false)],
            None,
        );
        let s = sgd(1e-2).momentum(0.9).nesterov(true);
        let label = format!("clip({max_norm})+sgd");
        core_case(
            &label,
            chain![clip(), s.clone()],
            chain![clip(), s.fused(false)],
            None,
        );
    }
}

#[test]
fn optax_core_bad_gradients_follow_the_chain() {
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let r = rmsprop(1e-3).centered(true).momentum(0.9);
        core_case(
            &format!("rmsprop {bad}"),
            r.clone(),
            r.fused(false),
            Some(bad),
        );
        let s = sgd(1e-2).momentum(0.9).nesterov(true);
        core_case(&format!("sgd {bad}"), s.clone(), s.fused(false), Some(bad));
        for max_norm in [1.0, 1e30] {
            let clip = || clip_by_global_norm(max_norm);
            let a = adamw(1e-2);
            let label = format!("clip({max_norm})+adamw {bad}");
            core_case(
                &label,
                chain![clip(), a.clone()],
                chain![clip(), a.fused(false)],
                Some(bad),
            );
            let s = sgd(1e-2).momentum(0.9);
            let label = format!("clip({max_norm})+sgd {bad}");
            core_case(
                &label,
                chain![clip(), s.clone()],
                chain![clip(), s.fused(false)],
                Some(bad),
            );
        }
    }
}
