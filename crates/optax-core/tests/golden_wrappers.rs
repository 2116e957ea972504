//! Optax's wrappers and monitors against Optax 0.2.8 (golden data from
//! `tests/golden/gen_wrappers.py`): trajectories built from specs, lookahead's fast/slow
//! trajectories, and the behaviours the issue names (MultiSteps on k mini-steps equals the inner
//! optimizer on the mean gradient; NaN gradients with `skip_not_finite` apply nothing and are
//! counted; resume after save/load is bit-exact; errors name their place in a spec).

mod common;

use burn::tensor::{Device, Tensor};
use optax_core::wrappers::{
    apply_if_finite, conditionally_mask, conditionally_transform, flatten, lookahead,
    measure_with_ema, monitor, snapshot, Condition, LookaheadParams, Measure, MultiSteps,
    ShouldSkipUpdateFn,
};
use optax_core::{
    adam, apply_updates, chain, from_spec, sgd, Extra, IntoTransformation, OptaxError, State,
    Transform, Tree,
};
use serde_json::json;

const RTOL: f64 = 1e-5;
const ATOL: f64 = 1e-6;

#[test]
fn wrapper_trajectories_match_optax() {
    common::run_spec_cases("wrappers.json", "cases", RTOL, ATOL);
}

/// Lookahead: params are `LookaheadParams(fast, slow)`, gradients are taken at the fast ones.
#[test]
fn lookahead_trajectories_match_optax() {
    let data = common::golden("wrappers.json");
    for (device_name, device) in common::devices() {
        let mut worst: f64 = 0.0;
        for case in data["lookahead"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            if !common::selected(name) {
                continue;
            }
            let opt = from_spec(&case["spec"]).unwrap();
            let def = common::tree_def(case);
            let mut params = common::tree(&def, &case["params0"], &device);
            let mut state = opt.init(&params).unwrap();
            for (t, step) in case["steps"].as_array().unwrap().iter().enumerate() {
                let fast = LookaheadParams::from_tree(&params).unwrap().fast;
                let grads =
                    Tree::from_vecs(fast.def().clone(), common::leaves(&step["grads"]), &device)
                        .unwrap();
                let (u, next) = opt
                    .update(grads, &state, Some(&params), &Extra::none())
                    .unwrap();
                state = next;
                let (next_params, w) = common::check_step(t, step, &u, &params, RTOL, ATOL)
                    .unwrap_or_else(|e| panic!("{device_name} {name} {e}"));
                params = next_params;
                worst = worst.max(w);
            }
        }
        println!("{device_name}: lookahead cases, largest relative error {worst:.2e}");
    }
}

fn params(device: &Device) -> Tree {
    Tree::builder()
        .scalar("a", 0.3, device)
        .leaf("b", Tensor::<1>::from_floats([1.0, -2.0, 0.5], device))
        .leaf(
            "c",
            Tensor::<2>::from_floats([[0.1, 0.2], [-0.3, 0.4]], device),
        )
        .build()
        .unwrap()
}

fn grads(p: &Tree, t: usize) -> Tree {
    p.map(|x| x.mul_scalar(1.5).add_scalar(0.1 * t as f64 - 0.3))
}

#[test]
fn multisteps_on_k_mini_steps_is_the_inner_optimizer_on_the_mean_gradient() {
    let device = common::flex();
    let p = params(&device);
    let k = 3;
    let multi = MultiSteps::new(adam(0.1), k).gradient_transformation();
    let inner = adam(0.1).into_transformation();
    let mut ms = multi.init(&p).unwrap();
    let mut is = inner.init(&p).unwrap();
    for step in 0..4 {
        let gs: Vec<Tree> = (0..k as usize).map(|i| grads(&p, step * 3 + i)).collect();
        let mut last = None;
        for (i, g) in gs.iter().enumerate() {
            let u = multi
                .update_in_place(g.clone(), &mut ms, Some(&p), &Extra::none())
                .unwrap();
            if i + 1 < gs.len() {
                assert!(u.to_vecs().unwrap().iter().flatten().all(|&x| x == 0.0));
            }
            last = Some(u);
        }
        let mut mean = optax_core::tree::zeros_like(&p);
        for (i, g) in gs.iter().enumerate() {
            // Welford's running mean, as MultiSteps accumulates.
            mean = mean
                .zip_map(g, |a, g| a.clone() + (g - a).div_scalar((i + 1) as f64))
                .unwrap();
        }
        let want = inner
            .update_in_place(mean, &mut is, Some(&p), &Extra::none())
            .unwrap();
        assert_eq!(last.unwrap().to_vecs().unwrap(), want.to_vecs().unwrap());
        let m = MultiSteps::new(adam(0.1), k);
        assert!(m.has_updated(&ms).unwrap());
    }
    assert_eq!(ms.field("gradient_step").unwrap().as_int().unwrap(), 4);
}

#[test]
fn nan_gradients_with_skip_not_finite_apply_nothing_and_are_counted() {
    let device = common::flex();
    let p = params(&device);
    let opt = MultiSteps::new(sgd(0.1), 2).should_skip_update_fn(ShouldSkipUpdateFn::not_finite());
    let mut state = opt.init(&p).unwrap();
    let good = grads(&p, 0);
    opt.update_in_place(good.clone(), &mut state, Some(&p), &Extra::none())
        .unwrap();
    let before = state.to_json().unwrap();
    let bad = good.map(|x| x.mul_scalar(f32::NAN));
    let u = opt
        .update_in_place(bad, &mut state, Some(&p), &Extra::none())
        .unwrap();
    assert!(u.to_vecs().unwrap().iter().flatten().all(|&x| x == 0.0));
    let skip = state.field("skip_state").unwrap();
    assert!(skip.get("should_skip").unwrap().as_bool().unwrap());
    assert_eq!(skip.get("num_not_finite").unwrap().as_int().unwrap(), 8);
    // Nothing else moved: mini_step, gradient_step, the accumulator, the inner state.
    for f in ["mini_step", "gradient_step", "acc_grads", "inner_opt_state"] {
        let was: serde_json::Value = serde_json::from_str(&before).unwrap();
        let now: serde_json::Value = serde_json::from_str(&state.to_json().unwrap()).unwrap();
        let pick = |v: &serde_json::Value| {
            v["Record"]["fields"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e[0] == f)
                .unwrap()[1]
                .clone()
        };
        assert_eq!(pick(&was), pick(&now), "{f}");
    }
    // The next finite mini-step completes the accumulation as if the NaN one never happened.
    let u = opt
        .update_in_place(good.clone(), &mut state, Some(&p), &Extra::none())
        .unwrap();
    let want = good.map(|g| g.mul_scalar(-0.1));
    assert!(optax_core::tree::allclose(&u, &want, 1e-6, 1e-7).unwrap());
    assert!(opt.has_updated(&state).unwrap());
}

#[test]
fn apply_if_finite_counts_and_gives_up() {
    let device = common::flex();
    let p = params(&device);
    let opt = apply_if_finite(sgd(0.1), 1);
    let mut state = opt.init(&p).unwrap();
    let bad = grads(&p, 0).map(|x| x.mul_scalar(f32::INFINITY));
    let u = opt
        .update_in_place(bad.clone(), &mut state, Some(&p), &Extra::none())
        .unwrap();
    assert!(u.to_vecs().unwrap().iter().flatten().all(|&x| x == 0.0));
    assert_eq!(state.field("notfinite_count").unwrap().as_int().unwrap(), 1);
    assert!(!state.field("last_finite").unwrap().as_bool().unwrap());
    // The second in a row exceeds max_consecutive_errors = 1: applied.
    let u = opt
        .update_in_place(bad, &mut state, Some(&p), &Extra::none())
        .unwrap();
    assert!(u
        .to_vecs()
        .unwrap()
        .iter()
        .flatten()
        .any(|x| !x.is_finite()));
    assert_eq!(state.field("total_notfinite").unwrap().as_int().unwrap(), 2);
    opt.update_in_place(grads(&p, 1), &mut state, Some(&p), &Extra::none())
        .unwrap();
    assert_eq!(state.field("notfinite_count").unwrap().as_int().unwrap(), 0);
    assert_eq!(state.field("total_notfinite").unwrap().as_int().unwrap(), 2);
}

#[test]
fn resume_is_bit_exact() {
    let device = common::flex();
    let p = params(&device);
    let cases: Vec<(&str, optax_core::GradientTransformation)> = vec![
        ("flatten", flatten(adam(0.05)).into_transformation()),
        (
            "MultiSteps",
            MultiSteps::new(adam(0.05), 3)
                .should_skip_update_fn(ShouldSkipUpdateFn::large_updates(1e6))
                .gradient_transformation(),
        ),
        (
            "apply_if_finite",
            apply_if_finite(adam(0.05), 2).into_transformation(),
        ),
        (
            "conditionally_transform",
            conditionally_transform(adam(0.05), Condition::every_k(2)).into_transformation(),
        ),
        (
            "conditionally_mask",
            conditionally_mask(adam(0.05), Condition::after(3)).into_transformation(),
        ),
        (
            "snapshot",
            chain(vec![
                adam(0.05).into_transformation(),
                snapshot("n", Measure::norm()).into_transformation(),
            ])
            .into_transformation(),
        ),
        (
            "monitor",
            chain(vec![
                adam(0.05).into_transformation(),
                monitor(vec![
                    ("n", Measure::norm().into()),
                    ("e", measure_with_ema(Measure::sum(), 0.9).into()),
                ])
                .into_transformation(),
            ])
            .into_transformation(),
        ),
    ];
    for (name, opt) in cases {
        eprintln!("resume: {name}");
        common::assert_resume_bit_exact(&opt, &p, 10, 4);
    }
}

#[test]
fn lookahead_resume_is_bit_exact() {
    let device = common::flex();
    let fast = params(&device);
    let opt = lookahead(adam(0.05), 3, 0.5)
        .reset_state(true)
        .into_transformation();
    let run = |params: &Tree, state: &mut State, range: std::ops::Range<usize>| -> Tree {
        let mut params = params.clone();
        for t in range {
            let f = LookaheadParams::from_tree(&params).unwrap().fast;
            let u = opt
                .update_in_place(grads(&f, t), state, Some(&params), &Extra::none())
                .unwrap();
            params = apply_updates(&params, &u).unwrap();
        }
        params
    };
    let p0 = LookaheadParams::init_synced(&fast).to_tree().unwrap();
    let mut whole_state = opt.init(&p0).unwrap();
    let whole = run(&p0, &mut whole_state, 0..10);
    let mut state = opt.init(&p0).unwrap();
    let half = run(&p0, &mut state, 0..4);
    let json = state.to_json().unwrap();
    let mut loaded = State::from_json(&json, &opt.init(&p0).unwrap(), &device).unwrap();
    let resumed = run(&half, &mut loaded, 4..10);
    assert_eq!(whole.to_vecs().unwrap(), resumed.to_vecs().unwrap());
    assert_eq!(whole_state.to_json().unwrap(), loaded.to_json().unwrap());
    // init accepts plain fast parameters too.
    assert_eq!(
        opt.init(&fast).unwrap().to_json().unwrap(),
        opt.init(&p0).unwrap().to_json().unwrap()
    );
}

#[test]
fn a_bad_inner_spec_names_its_place() {
    let cases = [
        (
            json!({"MultiSteps": {"opt": {"adam": {"learning_rate": 0.1, "b1": 1.5}}, "every_k_schedule": 4}}),
            "MultiSteps.opt.adam.b1",
        ),
        (
            json!({"flatten": {"inner": {"adam": {"learning_rate": 0.1, "b2": -1.0}}}}),
            "flatten.inner.adam.b2",
        ),
        (
            json!({"apply_if_finite": {"inner": {"sgd": {"lr": 0.1}}, "max_consecutive_errors": 3}}),
            "apply_if_finite.inner.sgd.learning_rate",
        ),
        (
            json!({"lookahead": {"fast_optimizer": {"chain": [{"nope": {}}]}, "sync_period": 2, "slow_step_size": 0.5}}),
            "lookahead.fast_optimizer.chain[0].nope",
        ),
    ];
    for (spec, at) in cases {
        match from_spec(&spec) {
            Err(OptaxError::Spec { at: got, .. }) => assert_eq!(got, at, "{spec}"),
            other => panic!("{spec}: expected a spec error at {at}, got {other:?}"),
        }
    }
}

#[test]
fn bad_state_is_an_error_and_leaves_it_untouched() {
    let device = common::flex();
    let p = params(&device);
    let opt = MultiSteps::new(adam(0.1), 2).gradient_transformation();
    let mut state = adam(0.1).into_transformation().init(&p).unwrap();
    let before = state.to_json().unwrap();
    assert!(matches!(
        opt.update_in_place(grads(&p, 0), &mut state, Some(&p), &Extra::none()),
        Err(OptaxError::StateMismatch { .. })
    ));
    assert_eq!(before, state.to_json().unwrap());
    // Lookahead without params, or with plain ones, is an error too.
    let la = lookahead(sgd(0.1), 2, 0.5);
    let s = optax_core::Transform::init(&la, &p).unwrap();
    assert!(optax_core::Transform::update(&la, grads(&p, 0), &s, None, &Extra::none()).is_err());
    assert!(
        optax_core::Transform::update(&la, grads(&p, 0), &s, Some(&p), &Extra::none()).is_err()
    );
}

/// The measurements `snapshot` and `monitor` store in the state, step by step.
#[test]
fn monitor_measurements_match_optax() {
    let data = common::golden("wrappers.json");
    let device = common::flex();
    let mut checked = 0;
    for case in data["cases"].as_array().unwrap() {
        let Some(steps) = case.get("measurements").and_then(|m| m.as_array()) else {
            continue;
        };
        let name = case["name"].as_str().unwrap();
        let opt = from_spec(&case["spec"]).unwrap();
        let def = common::tree_def(case);
        let mut params = common::tree(&def, &case["params0"], &device);
        let mut state = opt.init(&params).unwrap();
        for (t, (step, want)) in case["steps"]
            .as_array()
            .unwrap()
            .iter()
            .zip(steps)
            .enumerate()
        {
            let grads = common::tree(&def, &step["grads"], &device);
            let u = opt
                .update_in_place(grads, &mut state, Some(&params), &Extra::none())
                .unwrap();
            params = apply_updates(&params, &u).unwrap();
            for (m, leaves) in want.as_object().unwrap() {
                let got = state.get(m).unwrap().as_tree().unwrap().to_vecs().unwrap();
                common::compare(&got, &common::leaves(leaves), RTOL, ATOL)
                    .unwrap_or_else(|e| panic!("{name} step {t} `{m}`: {e}"));
                checked += 1;
            }
        }
    }
    assert!(checked >= 100, "{checked} measurements checked");
}
