//! `inject_hyperparams` against Optax 0.2.8 (`tests/golden/data/inject.json`, written by
//! `tests/golden/gen_inject.py`): trajectories, the hyperparameters the state holds after each
//! step, writes to the state between steps; plus the closure API, `State::set`
//! (`optax.tree.set`), resume, and errors.

mod common;

use burn::tensor::{Device, Tensor};
use optax_core::wrappers::{
    get_hyperparam, inject_hyperparams, set_hyperparam, HyperNumber, INJECT_STATE_KIND,
};
use optax_core::{
    adam, apply_updates, from_spec, linear_schedule, sgd, Extra, GradientTransformation,
    IntoTransformation, OptaxError, State, Tree,
};
use serde_json::{json, Value};

use common::{compare, devices, golden, leaves, num, selected, tree, tree_def};

const RTOL: f64 = 1e-5;
const ATOL: f64 = 1e-6;

/// Every `inject_hyperparams` record in a state, in order.
fn inject_records<'a>(s: &'a State, out: &mut Vec<&'a State>) {
    match s {
        State::Record { kind, .. } if kind == INJECT_STATE_KIND => out.push(s),
        State::Record { fields: v, .. } | State::Map(v) => {
            v.iter().for_each(|(_, x)| inject_records(x, out))
        }
        State::Tuple(v) => v.iter().for_each(|x| inject_records(x, out)),
        _ => {}
    }
}

/// The hyperparameters of every wrapper in the state, as (name, value) in the state's order.
fn hyperparams_of(state: &State) -> Vec<(String, f64)> {
    let mut records = Vec::new();
    inject_records(state, &mut records);
    let mut out = Vec::new();
    for r in records {
        for (k, v) in r.field("hyperparams").unwrap().as_map().unwrap() {
            let x = match v {
                State::Float(x) => *x,
                State::Int(i) => *i as f64,
                other => panic!("hyperparameter {k}: {other:?}"),
            };
            out.push((k.clone(), x));
        }
    }
    out
}

fn check_hyperparams(got: &[(String, f64)], want: &Value, ordered: bool) -> Result<(), String> {
    let want: Vec<(String, f64)> = want
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), num(v) as f64))
        .collect();
    if got.len() != want.len() {
        return Err(format!("hyperparams {got:?}, expected {want:?}"));
    }
    for (i, (k, w)) in want.iter().enumerate() {
        let g = if ordered {
            (got[i].0 == *k).then_some(got[i].1)
        } else {
            got.iter().find(|(n, _)| n == k).map(|(_, v)| *v)
        };
        match g {
            // Schedules are evaluated under jit in Optax (a few ulp), the rest is exact.
            Some(g) if (g - w).abs() <= RTOL * w.abs() + 1e-12 => {}
            _ => return Err(format!("hyperparams {got:?}, expected {want:?} (at `{k}`)")),
        }
    }
    Ok(())
}

fn run_case(case: &Value, device: &Device) -> Result<f64, String> {
    let opt = from_spec(&case["spec"]).map_err(|e| format!("spec: {e}"))?;
    let def = tree_def(case);
    let mut params = tree(&def, &case["params0"], device);
    let mut state = opt.init(&params).map_err(|e| format!("init: {e}"))?;
    // Optax's dict order after init: sorted by name (a JAX pytree's dict order).
    // (With several wrappers in a chain, the merged list is compared by name.)
    let one_wrapper = case["spec"].get("chain").is_none();
    check_hyperparams(
        &hyperparams_of(&state),
        &case["init_hyperparams"],
        one_wrapper,
    )
    .map_err(|e| format!("init: {e}"))?;
    let mut worst: f64 = 0.0;
    for (t, step) in case["steps"].as_array().unwrap().iter().enumerate() {
        if let Some(writes) = case.get("set_at").and_then(|s| s.get(t.to_string())) {
            for (k, v) in writes.as_object().unwrap() {
                set_hyperparam(&mut state, k, v.as_f64().unwrap())
                    .map_err(|e| format!("step {t}: set {k}: {e}"))?;
            }
        }
        let grads = tree(&def, &step["grads"], device);
        let (updates, next) = opt
            .update(grads, &state, Some(&params), &Extra::none())
            .map_err(|e| format!("step {t}: update: {e}"))?;
        state = next;
        worst = worst.max(
            compare(
                &updates.to_vecs().unwrap(),
                &leaves(&step["updates"]),
                RTOL,
                ATOL,
            )
            .map_err(|e| format!("step {t}: updates {e}"))?,
        );
        params = apply_updates(&params, &updates).map_err(|e| e.to_string())?;
        worst = worst.max(
            compare(
                &params.to_vecs().unwrap(),
                &leaves(&step["params"]),
                RTOL,
                ATOL,
            )
            .map_err(|e| format!("step {t}: params {e}"))?,
        );
        // After a jitted update Optax's dict comes back in sorted order: compare by name.
        check_hyperparams(&hyperparams_of(&state), &step["hyperparams"], false)
            .map_err(|e| format!("step {t}: {e}"))?;
    }
    Ok(worst)
}

#[test]
fn golden_trajectories_match_optax() {
    let data = golden("inject.json");
    let cases = data["cases"].as_array().unwrap();
    assert!(cases.len() >= 15);
    for (device_name, device) in devices() {
        let mut failures = Vec::new();
        let mut worst: f64 = 0.0;
        let mut ran = 0;
        for case in cases {
            let name = case["name"].as_str().unwrap();
            if !selected(name) {
                continue;
            }
            ran += 1;
            assert!(case["steps"].as_array().unwrap().len() >= 20);
            match run_case(case, &device) {
                Ok(w) => worst = worst.max(w),
                Err(e) => failures.push(format!("{name}: {e}")),
            }
        }
        println!("{device_name}: {ran} inject cases, largest relative error {worst:.2e}");
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}

fn params(device: &Device) -> Tree {
    Tree::builder()
        .leaf("a_scalar", Tensor::<1>::from_floats([0.5], device))
        .leaf(
            "b_vector",
            Tensor::<1>::from_floats([1.0, -2.0, 0.25], device),
        )
        .leaf(
            "c_matrix",
            Tensor::<2>::from_floats([[0.1, 0.2], [-0.3, 0.4]], device),
        )
        .build()
        .unwrap()
}

fn grads_at(p: &Tree, t: usize) -> Tree {
    p.map(|x| {
        x.sub_scalar(0.3)
            .mul_scalar(2.0)
            .add_scalar(0.01 * t as f64)
    })
}

/// Runs `opt` for `steps` steps with `update` + `apply_updates`; the parameters per step.
fn trajectory(opt: &GradientTransformation, steps: usize) -> Vec<Vec<Vec<f32>>> {
    let device = Device::flex();
    let mut p = params(&device);
    let mut state = opt.init(&p).unwrap();
    let mut out = Vec::new();
    for t in 0..steps {
        let (u, next) = opt
            .update(grads_at(&p, t), &state, Some(&p), &Extra::none())
            .unwrap();
        state = next;
        p = apply_updates(&p, &u).unwrap();
        out.push(p.to_vecs().unwrap());
    }
    out
}

#[test]
fn inject_hyperparams_of_adam_is_adam() {
    // Values exact in float32, so that the wrapper's float32 rounding changes nothing.
    let plain = adam(0.0078125)
        .b1(0.875)
        .b2(0.9990234375)
        .eps(1.0 / 1048576.0)
        .into_transformation();
    let injected = inject_hyperparams(|h| {
        Ok(adam(h.get("learning_rate")?)
            .b1(h.get("b1")?)
            .b2(h.get("b2")?)
            .eps(h.get("eps")?)
            .into_transformation())
    })
    .hyperparam("learning_rate", 0.0078125)
    .hyperparam("b1", 0.875)
    .hyperparam("b2", 0.9990234375)
    .hyperparam("eps", 1.0 / 1048576.0)
    .into_transformation();
    assert_eq!(trajectory(&plain, 20), trajectory(&injected, 20));

    // The same through specs, with Optax's defaults bound by the wrapper.
    let plain = from_spec(&json!({"adam": {"learning_rate": 0.0078125, "b1": 0.875,
        "b2": 0.9990234375, "eps": 0.00000095367431640625}}))
    .unwrap();
    let injected = from_spec(
        &json!({"inject_hyperparams": {"adam": {"learning_rate": 0.0078125,
        "b1": 0.875, "b2": 0.9990234375, "eps": 0.00000095367431640625}}}),
    )
    .unwrap();
    assert_eq!(trajectory(&plain, 20), trajectory(&injected, 20));
}

#[test]
fn a_schedule_is_evaluated_at_the_count_before_the_increment() {
    let device = Device::flex();
    let p = params(&device);
    let sched = linear_schedule(1.0, 0.0, 4).build();
    let opt = inject_hyperparams(|h| Ok(sgd(h.get("learning_rate")?).into_transformation()))
        .hyperparam("learning_rate", sched)
        .into_transformation();
    let mut state = opt.init(&p).unwrap();
    assert_eq!(get_hyperparam(&state, "learning_rate").unwrap(), 1.0);
    let g = p.map(|x| x.ones_like());
    for t in 0..6 {
        let lr = (1.0 - t as f64 / 4.0).max(0.0) as f32;
        let u = opt
            .update_in_place(g.clone(), &mut state, Some(&p), &Extra::none())
            .unwrap();
        assert!(u.to_vecs().unwrap().iter().flatten().all(|&x| x == -lr));
        assert_eq!(get_hyperparam(&state, "learning_rate").unwrap(), lr as f64);
        let hs = state.field("hyperparams_states").unwrap().as_map().unwrap();
        assert_eq!(hs[0].0, "learning_rate");
        assert_eq!(hs[0].1.field("count").unwrap().as_int().unwrap(), t + 1);
        assert_eq!(state.field("count").unwrap().as_int().unwrap(), t + 1);
    }
    // A write to a scheduled hyperparameter is overwritten by the schedule.
    set_hyperparam(&mut state, "learning_rate", 5.0).unwrap();
    let u = opt
        .update_in_place(g, &mut state, Some(&p), &Extra::none())
        .unwrap();
    assert!(u.to_vecs().unwrap().iter().flatten().all(|&x| x == 0.0));
}

#[test]
fn setting_the_learning_rate_changes_the_next_step_exactly() {
    let device = Device::flex();
    let p = params(&device);
    let opt = from_spec(&json!({"inject_hyperparams": {"sgd": {"learning_rate": 0.1}}})).unwrap();
    let mut state = opt.init(&p).unwrap();
    let g = grads_at(&p, 0);
    opt.update_in_place(g.clone(), &mut state, Some(&p), &Extra::none())
        .unwrap();
    // Optax's `state.hyperparams['learning_rate'] = 0.3`, three ways.
    set_hyperparam(&mut state, "learning_rate", 0.3).unwrap();
    let by_tree_set = state
        .set("learning_rate", State::Float(0.3))
        .unwrap()
        .to_json()
        .unwrap();
    assert_eq!(state.to_json().unwrap(), by_tree_set);
    let u = opt
        .update_in_place(g.clone(), &mut state, Some(&p), &Extra::none())
        .unwrap();
    let want = g.map(|x| x.mul_scalar(-(0.3f32 as f64)));
    assert_eq!(u.to_vecs().unwrap(), want.to_vecs().unwrap());
    // Stored as the float32 value the step used.
    assert_eq!(
        state.get("learning_rate").unwrap().as_float().unwrap(),
        0.3f32 as f64
    );
}

#[test]
fn resume_is_bit_exact() {
    let device = Device::flex();
    let p = params(&device);
    for spec in [
        json!({"inject_hyperparams": {"adamw": {"learning_rate": {"warmup_cosine_decay_schedule": {
            "init_value": 0.0, "peak_value": 0.1, "warmup_steps": 3, "decay_steps": 10}},
            "weight_decay": 0.01}}}),
        json!({"inject_hyperparams": {"sgd": {"learning_rate": 0.05, "momentum": 0.9}}}),
    ] {
        let opt = from_spec(&spec).unwrap();
        common::assert_resume_bit_exact(&opt, &p, 12, 5);
    }
}

#[test]
fn the_state_has_optax_fields() {
    let device = Device::flex();
    let p = params(&device);
    let opt = from_spec(&json!({"inject_hyperparams": {"sgd": {"learning_rate":
        {"linear_schedule": {"init_value": 1.0, "end_value": 0.0, "transition_steps": 4}},
        "momentum": 0.9, "nesterov": true}}}))
    .unwrap();
    let state = opt.init(&p).unwrap();
    let fields = state
        .expect_record("InjectStatefulHyperparamsState")
        .unwrap();
    let names: Vec<_> = fields.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        ["count", "hyperparams", "hyperparams_states", "inner_state"]
    );
    assert_eq!(
        hyperparams_of(&state),
        [
            ("learning_rate".to_string(), 1.0),
            ("momentum".to_string(), 0.9f32 as f64)
        ]
    );
    let hs = state.field("hyperparams_states").unwrap().as_map().unwrap();
    assert_eq!(hs.len(), 1);
    hs[0].1.expect_record("WrappedScheduleState").unwrap();
    // `static_args` keeps a number out of the hyperparameters.
    let opt = from_spec(&json!({"inject_hyperparams": {"sgd": {"learning_rate": 0.1,
        "momentum": 0.9}, "static_args": "momentum"}}))
    .unwrap();
    assert_eq!(
        hyperparams_of(&opt.init(&p).unwrap()),
        [("learning_rate".to_string(), 0.1f32 as f64)]
    );
    // An integer argument stays an integer.
    let opt = from_spec(&json!({"inject_hyperparams": {"sgd": {"learning_rate": 1}}})).unwrap();
    let s = opt.init(&p).unwrap();
    assert_eq!(s.get("learning_rate").unwrap().as_int().unwrap(), 1);
}

#[test]
fn bad_specs_are_located() {
    let cases = [
        (
            json!({"inject_hyperparams": {"adam": {"learning_rate": 0.1, "b1": 1.5}}}),
            "inject_hyperparams.adam.b1",
        ),
        (
            json!({"inject_hyperparams": {"inner_factory": {"adam": {"learning_rate": 0.1,
            "b1": 1.5}}}}),
            "inject_hyperparams.inner_factory.adam.b1",
        ),
        (
            json!({"inject_hyperparams": {"adam": {}}}),
            "inject_hyperparams.adam.learning_rate",
        ),
        (
            json!({"inject_hyperparams": {"adam": {"learning_rate": 0.1, "bogus": 1.0}}}),
            "inject_hyperparams.adam.bogus",
        ),
        (
            json!({"inject_hyperparams": {"nope": {}}}),
            "inject_hyperparams.nope",
        ),
        (
            json!({"inject_hyperparams": {}}),
            "inject_hyperparams.inner_factory",
        ),
        (
            json!({"inject_hyperparams": null}),
            "inject_hyperparams.inner_factory",
        ),
        (
            json!({"inject_hyperparams": {"adam": {"learning_rate": 0.1}, "sgd": {}}}),
            "inject_hyperparams.sgd",
        ),
        (
            json!({"inject_hyperparams": {"adam": {"learning_rate": 0.1},
            "static_args": ["nope"]}}),
            "inject_hyperparams.static_args",
        ),
        (
            json!({"inject_hyperparams": {"adam": {"learning_rate": 0.1},
            "hyperparam_dtype": "bfloat16"}}),
            "inject_hyperparams.hyperparam_dtype",
        ),
        (
            json!({"chain": [{"identity": {}}, {"inject_stateful_hyperparams": {"sgd": {
            "learning_rate": {"linear_schedule": {"init_value": 1.0}}}}}]}),
            "chain[1].inject_stateful_hyperparams.sgd.learning_rate.linear_schedule.end_value",
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
fn bad_writes_are_typed_errors_and_leave_the_state() {
    let device = Device::flex();
    let p = params(&device);
    let opt = from_spec(&json!({"inject_hyperparams": {"adam": {"learning_rate": 0.1}}})).unwrap();
    let mut state = opt.init(&p).unwrap();
    let before = state.to_json().unwrap();
    assert_eq!(
        set_hyperparam(&mut state, "nope", 1.0),
        Err(OptaxError::KeyNotFound("nope".into()))
    );
    assert!(matches!(
        state.set("nope", State::Int(1)),
        Err(OptaxError::KeyNotFound(_))
    ));
    assert_eq!(state.to_json().unwrap(), before);
    // An out-of-range value written in the state: the next update refuses it, naming it.
    set_hyperparam(&mut state, "b1", HyperNumber::Float(1.5)).unwrap();
    let g = grads_at(&p, 0);
    match opt.update(g.clone(), &state, Some(&p), &Extra::none()) {
        Err(OptaxError::Spec { at, .. }) => assert_eq!(at, "inject_hyperparams.adam.b1"),
        other => panic!("expected an error at b1, got {other:?}"),
    }
    // Something that is not a number.
    let bad = state.set("b1", State::Bool(true)).unwrap();
    assert!(matches!(
        opt.update(g.clone(), &bad, Some(&p), &Extra::none()),
        Err(OptaxError::StateMismatch { .. })
    ));
    // A NaN written in the state cannot be put in a spec: a typed error too.
    let nan = state.set("b1", State::Float(f64::NAN)).unwrap();
    assert!(opt.update(g, &nan, Some(&p), &Extra::none()).is_err());
    // A closure factory's own error comes back as is.
    let failing = inject_hyperparams(|h| {
        Ok(sgd(h.get("learning_rate")?)
            .momentum(h.get("momentum")?)
            .into_transformation())
    })
    .hyperparam("learning_rate", 0.1);
    assert!(matches!(
        optax_core::Transform::init(&failing, &p),
        Err(OptaxError::InvalidHyperparameter { .. })
    ));
}

#[test]
fn tree_set_follows_optax() {
    let device = Device::flex();
    let p = params(&device);
    let opt = from_spec(&json!({"chain": [{"scale_by_adam": {}}, {"scale_by_adam": {}}]})).unwrap();
    let state = opt.init(&p).unwrap();
    // Every match is replaced.
    let s = state.set("count", State::Int(7)).unwrap();
    assert!(s
        .get_all("count")
        .iter()
        .all(|(_, v)| v.as_int().unwrap() == 7));
    assert_eq!(s.get_all("count").len(), 2);
    // With a filter, only the accepted matches.
    let s = state
        .set_where("count", State::Int(3), |path, _| path.starts_with("1."))
        .unwrap();
    let counts: Vec<i64> = s
        .get_all("count")
        .iter()
        .map(|(_, v)| v.as_int().unwrap())
        .collect();
    assert_eq!(counts, [0, 3]);
    assert!(matches!(
        state.set_where("count", State::Int(3), |_, _| false),
        Err(OptaxError::KeyNotFound(_))
    ));
    // A record's kind (Optax's NamedTuple class name) matches the whole record.
    let s = state.set("ScaleByAdamState", State::Empty).unwrap();
    assert!(matches!(
        s.as_tuple(2).unwrap(),
        [State::Empty, State::Empty]
    ));
    // Several keys; the original is unchanged.
    let s = state
        .set_many(&[("count", State::Int(1)), ("ScaleByAdamState", State::Empty)])
        .unwrap();
    assert!(matches!(
        s.as_tuple(2).unwrap(),
        [State::Empty, State::Empty]
    ));
    assert_eq!(state.get_all("count").len(), 2);
}
