//! `optax.contrib`'s Adam family (ADOPT, AdEMAMix, simplified AdEMAMix, ACProp, MADGRAD),
//! Schedule-Free and `reduce_on_plateau` against Optax 0.2.8 (golden data from
//! `tests/golden/gen_contrib_adam_family.py`): 20-step trajectories built from specs, with
//! `schedule_free_eval_params` checked at every step of the Schedule-Free cases and the
//! state's `scale` at every step of the `reduce_on_plateau` cases; resuming from a saved state
//! is bit-exact; bad arguments are typed errors.

mod common;

use burn::tensor::{Device, Tensor};
use optax_core::contrib::{
    acprop, ademamix, adopt, madgrad, reduce_on_plateau, scale_by_ademamix, scale_by_adopt,
    scale_by_madgrad, schedule_free, schedule_free_adamw, schedule_free_eval_params,
    schedule_free_sgd, simplified_ademamix, ClipValueFn,
};
use optax_core::{
    apply_updates, from_spec, linear_schedule, sgd, Extra, GradientTransformation,
    IntoTransformation, OptaxError, State, Transform, Tree,
};
use serde_json::{json, Value};

/// Relative and absolute tolerance of every comparison, float32.
const RTOL: f64 = 1e-5;
const ATOL: f64 = 1e-6;

const FILE: &str = "contrib_adam_family.json";

#[test]
fn trajectories_match_optax() {
    common::run_spec_cases(FILE, "cases", RTOL, ATOL);
}

/// One case again, checking the extra per-step records: `eval_params` (Schedule-Free) and
/// `scale` (reduce_on_plateau).
fn run_with_records(case: &Value, device: &Device) -> Result<usize, String> {
    let opt = from_spec(&case["spec"]).map_err(|e| format!("spec: {e}"))?;
    let def = common::tree_def(case);
    let mut params = common::tree(&def, &case["params0"], device);
    let mut state = opt.init(&params).map_err(|e| format!("init: {e}"))?;
    let mut checked = 0;
    for (t, step) in case["steps"].as_array().unwrap().iter().enumerate() {
        let grads = common::tree(&def, &step["grads"], device);
        let extra = match step.get("value") {
            Some(Value::Null) | None => Extra::none(),
            Some(v) => Extra::value(common::num(v) as f64),
        };
        let updates = opt
            .update_in_place(grads, &mut state, Some(&params), &extra)
            .map_err(|e| format!("step {t}: {e}"))?;
        params = apply_updates(&params, &updates).map_err(|e| e.to_string())?;
        common::compare(
            &params.to_vecs().unwrap(),
            &common::leaves(&step["params"]),
            RTOL,
            ATOL,
        )
        .map_err(|e| format!("step {t}: params {e}"))?;
        if let Some(want) = step.get("eval_params") {
            let x = schedule_free_eval_params(&state, &params)
                .map_err(|e| format!("step {t}: eval_params: {e}"))?;
            common::compare(&x.to_vecs().unwrap(), &common::leaves(want), RTOL, ATOL)
                .map_err(|e| format!("step {t}: eval_params {e}"))?;
            checked += 1;
        }
        if let Some(want) = step.get("scale") {
            let got = state
                .get("scale")
                .and_then(|s| s.as_float())
                .map_err(|e| format!("step {t}: scale: {e}"))?;
            // The scale is a product of float32 factors, computed as Optax does: exact.
            if got as f32 != common::num(want) {
                return Err(format!("step {t}: scale {got}, expected {want}"));
            }
            checked += 1;
        }
    }
    Ok(checked)
}

#[test]
fn eval_params_and_plateau_scales_match_optax() {
    let data = common::golden(FILE);
    let device = common::flex();
    let mut failures = Vec::new();
    let mut checked = 0;
    for case in data["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        if !(name.starts_with("schedule_free") || name.starts_with("reduce_on_plateau")) {
            continue;
        }
        match run_with_records(case, &device) {
            Ok(n) => checked += n,
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // 6 Schedule-Free and 3 reduce_on_plateau cases of 20 steps.
    assert_eq!(checked, 9 * 20);
}

fn params(device: &Device) -> Tree {
    Tree::builder()
        .scalar("a", 0.3, device)
        .leaf(
            "b",
            Tensor::<1>::from_floats([1.0, -2.0, 0.5, 3.0, -0.25], device),
        )
        .leaf(
            "c",
            Tensor::<2>::from_floats([[0.1, 0.2, -0.3], [1.5, -1.0, 0.7]], device),
        )
        .build()
        .unwrap()
}

#[test]
fn resume_is_bit_exact() {
    let device = common::flex();
    let p = params(&device);
    let opts: Vec<(&str, GradientTransformation)> = vec![
        (
            "scale_by_adopt",
            scale_by_adopt().nesterov(true).into_transformation(),
        ),
        (
            "adopt",
            adopt(0.01)
                .clip_value_fn(ClipValueFn::new(|c| 1.0 + c as f64))
                .into_transformation(),
        ),
        (
            "scale_by_ademamix",
            scale_by_ademamix()
                .b3(linear_schedule(0.9, 0.999, 10).build())
                .alpha(linear_schedule(0.0, 5.0, 10).build())
                .into_transformation(),
        ),
        (
            "ademamix",
            ademamix(0.01).weight_decay(0.1).into_transformation(),
        ),
        (
            "simplified_ademamix",
            simplified_ademamix(0.01).alpha(2.0).into_transformation(),
        ),
        ("acprop", acprop(0.01).into_transformation()),
        (
            "scale_by_madgrad",
            scale_by_madgrad(0.01).into_transformation(),
        ),
        (
            "madgrad",
            madgrad(0.01).weight_decay(0.1).into_transformation(),
        ),
        (
            "schedule_free",
            schedule_free(sgd(0.1), 0.1).into_transformation(),
        ),
        (
            "schedule_free_sgd",
            schedule_free_sgd()
                .learning_rate(0.1)
                .warmup_steps(3)
                .into_transformation(),
        ),
        (
            "schedule_free_adamw",
            schedule_free_adamw().into_transformation(),
        ),
        (
            "reduce_on_plateau",
            reduce_on_plateau()
                .patience(1)
                .factor(0.5)
                .rtol(0.5)
                .cooldown(1)
                .accumulation_size(2)
                .into_transformation(),
        ),
    ];
    for (name, opt) in opts {
        eprintln!("resume: {name}");
        common::assert_resume_bit_exact(&opt, &p, 12, 5);
    }
}

fn spec_error_at(spec: Value) -> String {
    match from_spec(&spec) {
        Err(OptaxError::Spec { at, .. }) => at,
        other => panic!("{spec}: expected a spec error, got {other:?}"),
    }
}

#[test]
fn bad_arguments_are_typed_errors() {
    // Spec errors name their place, nested specs included.
    for (spec, at) in [
        (json!({"adopt": {}}), "adopt.learning_rate"),
        (
            json!({"contrib.adopt": {"learning_rate": 0.1, "b2": 1.5}}),
            "contrib.adopt.b2",
        ),
        (
            json!({"ademamix": {"learning_rate": 0.1, "b1": -0.1}}),
            "ademamix.b1",
        ),
        (
            json!({"scale_by_acprop": {"eps": -1.0}}),
            "scale_by_acprop.eps",
        ),
        (
            json!({"adopt": {"learning_rate": 0.1, "clip_value_fn": 1}}),
            "adopt.clip_value_fn",
        ),
        (
            json!({"reduce_on_plateau": {"factor": 1.5}}),
            "reduce_on_plateau.factor",
        ),
        (
            json!({"reduce_on_plateau": {"rtol": 0.0, "atol": 0.0}}),
            "reduce_on_plateau.rtol",
        ),
        (
            json!({"reduce_on_plateau": {"patience": 1.5}}),
            "reduce_on_plateau.patience",
        ),
        (
            json!({"schedule_free": {"learning_rate": 0.1}}),
            "schedule_free.base_optimizer",
        ),
        (
            json!({"schedule_free": {"learning_rate": 0.1,
                "base_optimizer": {"adam": {"learning_rate": 0.1, "b1": 1.0}}}}),
            "schedule_free.base_optimizer.adam.b1",
        ),
        (
            json!({"schedule_free": {"learning_rate": 0.1, "b1": 0.0,
                "base_optimizer": {"sgd": {"learning_rate": 0.1}}}}),
            "schedule_free.b1",
        ),
        (
            json!({"schedule_free_sgd": {"warmup_steps": 3, "learning_rate":
                {"linear_schedule": {"init_value": 0.1, "end_value": 0.0,
                "transition_steps": 5}}}}),
            "schedule_free_sgd.learning_rate",
        ),
    ] {
        assert_eq!(spec_error_at(spec.clone()), at, "{spec}");
    }

    let device = common::flex();
    let p = params(&device);
    let g = p.map(|t| t.ones_like());

    // Missing parameters or loss value: typed errors, the state untouched.
    let cases: Vec<(GradientTransformation, Extra)> = vec![
        (madgrad(0.1).into_transformation(), Extra::none()),
        (
            schedule_free(sgd(0.1), 0.1).into_transformation(),
            Extra::none(),
        ),
    ];
    for (opt, extra) in cases {
        let mut state = opt.init(&p).unwrap();
        let before = state.to_json().unwrap();
        let err = opt.update_in_place(g.clone(), &mut state, None, &extra);
        assert!(
            matches!(err, Err(OptaxError::ParamsRequired { .. })),
            "{err:?}"
        );
        assert_eq!(state.to_json().unwrap(), before);
    }
    let rop = reduce_on_plateau();
    let mut state = rop.init(&p).unwrap();
    let before = state.to_json().unwrap();
    let err = rop.update_in_place(g.clone(), &mut state, Some(&p), &Extra::none());
    assert!(
        matches!(err, Err(OptaxError::ExtraArgRequired { .. })),
        "{err:?}"
    );
    assert_eq!(state.to_json().unwrap(), before);

    // A tree that does not match the state.
    let opt = adopt(0.1);
    let mut state = opt.init(&p).unwrap();
    let other = Tree::builder().scalar("a", 1.0, &device).build().unwrap();
    assert!(opt
        .update_in_place(other, &mut state, None, &Extra::none())
        .is_err());

    // Eval params need a Schedule-Free state.
    let state = adopt(0.1).init(&p).unwrap();
    assert!(matches!(
        schedule_free_eval_params(&state, &p),
        Err(OptaxError::StateMismatch { .. })
    ));
    assert!(matches!(
        schedule_free_eval_params(&State::Empty, &p),
        Err(OptaxError::StateMismatch { .. })
    ));

    // Invalid hyperparameters are refused at init.
    assert!(matches!(
        reduce_on_plateau().rtol(2.0).init(&p),
        Err(OptaxError::InvalidHyperparameter { .. })
    ));
}
