//! Every schedule against Optax 0.2.8 (golden data from `tests/golden/generate.py`: values
//! under `jax.jit` at int32 steps), built both through the Rust API and from the case's spec;
//! and invalid arguments, which are errors (never panics) where Optax raises.

mod common;

use optax_core::{
    constant_schedule, cosine_decay_schedule, cosine_onecycle_schedule, exponential_decay,
    from_spec, join_schedules, linear_onecycle_schedule, linear_schedule,
    piecewise_constant_schedule, piecewise_interpolate_schedule, polynomial_schedule,
    schedule_from_spec, sgdr_schedule, warmup_constant_schedule, warmup_cosine_decay_schedule,
    warmup_exponential_decay_schedule, InterpolateType, OptaxError, Schedule,
};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{json, Value};

/// Values compared, and values not bit-identical to Optax's (reported).
static COMPARED: AtomicUsize = AtomicUsize::new(0);
static DIFFERING: AtomicUsize = AtomicUsize::new(0);

/// Relative and absolute tolerance: schedules are float32 values computed as Optax does.
const RTOL: f64 = 1e-6;
const ATOL: f64 = 1e-7;

/// The schedule of each golden case, written with the Rust API.
fn rust_api(name: &str) -> Result<Schedule, OptaxError> {
    use InterpolateType::{Cosine, Linear};
    let bs = [(10, 0.5), (50, 0.1), (100, 4.0)];
    Ok(match name {
        "constant_schedule/default" => constant_schedule(0.3),
        "polynomial_schedule/power2" => polynomial_schedule(1.0, 0.01, 2.0, 100).build(),
        "polynomial_schedule/power0.5_begin" => polynomial_schedule(0.1, 1.0, 0.5, 50)
            .transition_begin(20)
            .build(),
        "linear_schedule/default" => linear_schedule(1.0, 0.0, 100).into(),
        "linear_schedule/begin" => linear_schedule(0.001, 0.1, 30).transition_begin(10).build(),
        "piecewise_constant_schedule/default" => piecewise_constant_schedule(0.1)
            .boundaries_and_scales([(10, 0.5), (50, 0.1), (100, 2.0)])
            .build()?,
        "piecewise_constant_schedule/no_boundaries" => piecewise_constant_schedule(0.7).build()?,
        "piecewise_interpolate_schedule/linear" => piecewise_interpolate_schedule(Linear, 1.0)
            .boundaries_and_scales(bs)
            .build()?,
        "piecewise_interpolate_schedule/cosine" => piecewise_interpolate_schedule(Cosine, 1.0)
            .boundaries_and_scales(bs)
            .build()?,
        "piecewise_interpolate_schedule/no_boundaries" => {
            piecewise_interpolate_schedule(Linear, 0.25).build()?
        }
        "exponential_decay/plain" => exponential_decay(1.0, 10, 0.9).build(),
        "exponential_decay/staircase" => exponential_decay(1.0, 10, 0.5).staircase(true).build(),
        "exponential_decay/end_value_decaying" => {
            exponential_decay(1.0, 5, 0.8).end_value(0.05).build()
        }
        "exponential_decay/end_value_growing" => {
            exponential_decay(0.01, 10, 1.5).end_value(0.5).build()
        }
        "exponential_decay/transition_begin" => exponential_decay(0.5, 7, 0.7)
            .transition_begin(25)
            .staircase(true)
            .end_value(0.01)
            .build(),
        "cosine_decay_schedule/default" => cosine_decay_schedule(1.0, 100).build()?,
        "cosine_decay_schedule/alpha" => cosine_decay_schedule(0.5, 80).alpha(0.1).build()?,
        "cosine_decay_schedule/exponent2" => cosine_decay_schedule(0.5, 80)
            .alpha(0.1)
            .exponent(2.0)
            .build()?,
        "warmup_constant_schedule/default" => warmup_constant_schedule(0.0, 0.5, 15),
        "warmup_cosine_decay_schedule/default" => {
            warmup_cosine_decay_schedule(0.0, 1.0, 10, 100).build()?
        }
        "warmup_cosine_decay_schedule/end_value_exponent" => {
            warmup_cosine_decay_schedule(0.01, 0.3, 20, 90)
                .end_value(0.05)
                .exponent(1.5)
                .build()?
        }
        "warmup_cosine_decay_schedule/no_warmup" => {
            warmup_cosine_decay_schedule(0.0, 1.0, 0, 60).build()?
        }
        "warmup_exponential_decay_schedule/default" => {
            warmup_exponential_decay_schedule(0.0, 1.0, 10, 10, 0.8).build()
        }
        "warmup_exponential_decay_schedule/staircase_end" => {
            warmup_exponential_decay_schedule(0.1, 1.0, 5, 8, 0.6)
                .transition_begin(10)
                .staircase(true)
                .end_value(0.2)
                .build()
        }
        "linear_onecycle_schedule/default" => linear_onecycle_schedule(100, 1.0).build()?,
        "linear_onecycle_schedule/nondefault" => linear_onecycle_schedule(80, 0.5)
            .pct_start(0.2)
            .pct_final(0.7)
            .div_factor(10.0)
            .final_div_factor(100.0)
            .build()?,
        "cosine_onecycle_schedule/default" => cosine_onecycle_schedule(100, 1.0).build()?,
        "cosine_onecycle_schedule/nondefault" => cosine_onecycle_schedule(80, 0.5)
            .pct_start(0.4)
            .div_factor(5.0)
            .final_div_factor(50.0)
            .build()?,
        "sgdr_schedule/default" => sgdr_schedule([
            warmup_cosine_decay_schedule(0.0, 1.0, 5, 30),
            warmup_cosine_decay_schedule(0.0, 0.5, 5, 40).end_value(0.01),
            warmup_cosine_decay_schedule(0.1, 0.25, 0, 50).exponent(2.0),
        ])?,
        "join_schedules/default" => join_schedules(
            [
                linear_schedule(0.0, 1.0, 20).build(),
                constant_schedule(1.0),
                cosine_decay_schedule(1.0, 50).alpha(0.05).build()?,
            ],
            &[20, 40],
        )?,
        "join_schedules/nested" => join_schedules(
            [
                exponential_decay(1.0, 5, 0.5).build(),
                join_schedules(
                    [
                        constant_schedule(0.2),
                        linear_schedule(0.2, 0.0, 30).build(),
                    ],
                    &[15],
                )?,
            ],
            &[30],
        )?,
        other => {
            return Err(OptaxError::Spec {
                at: other.to_string(),
                reason: "no Rust API form of this golden case in golden_schedules.rs".into(),
            })
        }
    })
}

fn check(schedule: &Schedule, case: &Value) -> Result<f64, String> {
    let steps: Vec<i64> = case["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_i64().unwrap())
        .collect();
    let want = common::nums(&case["values"]);
    let got: Vec<f32> = steps.iter().map(|&s| schedule.at(s) as f32).collect();
    let differing = got
        .iter()
        .zip(&want)
        .filter(|(g, w)| g.to_bits() != w.to_bits())
        .count();
    DIFFERING.fetch_add(differing, Ordering::Relaxed);
    COMPARED.fetch_add(got.len(), Ordering::Relaxed);
    common::compare(&[got], &[want], RTOL, ATOL).map_err(|e| {
        // Name the step rather than the index.
        match e.split_once('[').and_then(|(_, r)| r.split_once(']')) {
            Some((i, rest)) => match i.parse::<usize>() {
                Ok(i) => format!("step {}{rest}", steps[i]),
                Err(_) => e,
            },
            None => e,
        }
    })
}

#[test]
fn schedules_match_optax() {
    let data = common::golden("schedules.json");
    let cases = data["cases"].as_array().expect("cases");
    let (mut ran, mut worst_api, mut worst_spec) = (0, 0.0f64, 0.0f64);
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        if !common::selected(name) {
            continue;
        }
        ran += 1;
        match rust_api(name)
            .map_err(|e| e.to_string())
            .and_then(|s| check(&s, case))
        {
            Ok(w) => worst_api = worst_api.max(w),
            Err(e) => failures.push(format!("{name} (Rust API): {e}")),
        }
        match schedule_from_spec(&case["spec"])
            .map_err(|e| format!("spec: {e}"))
            .and_then(|s| check(&s, case))
        {
            Ok(w) => worst_spec = worst_spec.max(w),
            Err(e) => failures.push(format!("{name} (spec): {e}")),
        }
    }
    println!(
        "{ran} schedules; largest relative error: Rust API {worst_api:.2e}, spec {worst_spec:.2e} \
         (rtol {RTOL:e}, atol {ATOL:e}); {} of {} values differ from Optax's in any bit",
        DIFFERING.load(Ordering::Relaxed),
        COMPARED.load(Ordering::Relaxed)
    );
    assert!(
        ran > 0 || std::env::var("GOLDEN_FILTER").is_ok(),
        "no schedule cases"
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_optax_schedule_has_a_spec_name() {
    let names = optax_core::spec::schedule_names();
    for n in [
        "constant_schedule",
        "polynomial_schedule",
        "linear_schedule",
        "piecewise_constant_schedule",
        "piecewise_interpolate_schedule",
        "exponential_decay",
        "cosine_decay_schedule",
        "warmup_constant_schedule",
        "warmup_cosine_decay_schedule",
        "warmup_exponential_decay_schedule",
        "linear_onecycle_schedule",
        "cosine_onecycle_schedule",
        "sgdr_schedule",
        "join_schedules",
    ] {
        assert!(names.contains(&n), "{n} missing from schedule_names()");
    }
}

/// The name of the argument an error blames.
fn blamed(e: OptaxError) -> String {
    match e {
        OptaxError::InvalidHyperparameter { name, .. } => name,
        OptaxError::Spec { at, .. } => at,
        other => panic!("unexpected error kind: {other}"),
    }
}

fn err<T: std::fmt::Debug>(r: Result<T, OptaxError>) -> String {
    blamed(r.expect_err("expected an error"))
}

#[test]
fn invalid_arguments_are_errors() {
    // Where Optax raises ValueError.
    assert_eq!(err(cosine_decay_schedule(1.0, 0).build()), "decay_steps");
    assert_eq!(err(cosine_decay_schedule(1.0, -3).build()), "decay_steps");
    assert_eq!(
        err(warmup_cosine_decay_schedule(0.0, 1.0, 10, 10).build()),
        "decay_steps"
    );
    assert_eq!(
        err(piecewise_constant_schedule(1.0)
            .boundaries_and_scales([(5, -0.5)])
            .build()),
        "boundaries_and_scales"
    );
    assert_eq!(
        err(piecewise_constant_schedule(1.0)
            .boundaries_and_scales([(5, f64::NAN)])
            .build()),
        "boundaries_and_scales"
    );
    assert_eq!(
        err(piecewise_interpolate_schedule(InterpolateType::Cosine, 1.0)
            .boundaries_and_scales([(5, 0.5), (9, -1.0)])
            .build()),
        "boundaries_and_scales"
    );
    assert_eq!(
        err("quadratic".parse::<InterpolateType>()),
        "interpolate_type"
    );
    assert_eq!(
        "cosine".parse::<InterpolateType>().unwrap(),
        InterpolateType::Cosine
    );
    assert_eq!(
        err(linear_onecycle_schedule(0, 1.0).build()),
        "transition_steps"
    );
    assert_eq!(
        err(cosine_onecycle_schedule(-1, 1.0).build()),
        "transition_steps"
    );
    // Python raises ZeroDivisionError / a negative-scale ValueError.
    assert_eq!(
        err(linear_onecycle_schedule(10, 1.0).div_factor(0.0).build()),
        "div_factor"
    );
    assert_eq!(
        err(cosine_onecycle_schedule(10, 1.0)
            .final_div_factor(-2.0)
            .build()),
        "final_div_factor"
    );
    // Optax fails indexing an empty list.
    assert_eq!(err(sgdr_schedule([])), "cosine_kwargs");
    assert_eq!(err(join_schedules([], &[])), "schedules");
    assert_eq!(
        err(sgdr_schedule([
            warmup_cosine_decay_schedule(0.0, 1.0, 5, 30),
            warmup_cosine_decay_schedule(0.0, 1.0, 5, 5),
        ])),
        "cosine_kwargs[1].decay_steps"
    );

    // Where a Python dict could not hold the pairs.
    assert_eq!(
        err(piecewise_constant_schedule(1.0)
            .boundaries_and_scales([(5, 0.5), (5, 0.1)])
            .build()),
        "boundaries_and_scales"
    );
    // Where Optax would silently ignore schedules or boundaries.
    let c = || constant_schedule(1.0);
    assert_eq!(err(join_schedules([c(), c()], &[])), "boundaries");
    assert_eq!(err(join_schedules([c(), c()], &[1, 2])), "boundaries");
    assert_eq!(
        err(join_schedules([c(), c(), c()], &[10, 10])),
        "boundaries"
    );
    assert_eq!(err(join_schedules([c(), c(), c()], &[10, 5])), "boundaries");
}

#[test]
fn degenerate_arguments_behave_as_optax() {
    // transition_steps <= 0: the constant init_value (Optax logs and goes on).
    let s = polynomial_schedule(1.0, 0.5, 2.0, 0).build();
    assert_eq!((s.at(0), s.at(100)), (1.0, 1.0));
    let s = exponential_decay(2.0, -1, 0.5).build();
    assert_eq!((s.at(0), s.at(100)), (2.0, 2.0));
    // decay_rate == 0: constant.
    let s = exponential_decay(2.0, 10, 0.0).build();
    assert_eq!(s.at(100), 2.0);
    // Negative transition_begin counts as 0.
    let a = linear_schedule(1.0, 0.0, 10).transition_begin(-5).build();
    let b = linear_schedule(1.0, 0.0, 10).build();
    assert!((0..20).all(|t| a.at(t) == b.at(t)));
    // Optax's warmup_constant_schedule with warmup_steps = 0 stays at init_value.
    let s = warmup_constant_schedule(0.0, 1.0, 0);
    assert_eq!(s.at(10), 0.0);
    // Coinciding onecycle boundaries: the later dict entry wins, as in Python
    // ({0: 25, 0: 1/25, 1: 1e-4} is {0: 1/25, 1: 1e-4}); values from Optax 0.2.8.
    let s = linear_onecycle_schedule(1, 1.0).build().unwrap();
    assert_eq!(s.at(0) as f32, 0.0016);
    assert_eq!(s.at(2) as f32, 1.5999998e-7);
    // Pairs in any order are sorted, as Optax's sorted(dict.items()).
    let a = piecewise_constant_schedule(1.0)
        .boundaries_and_scales([(50, 0.1), (10, 0.5)])
        .build()
        .unwrap();
    let b = piecewise_constant_schedule(1.0)
        .boundaries_and_scales([(10, 0.5), (50, 0.1)])
        .build()
        .unwrap();
    assert!((0..60).all(|t| a.at(t) == b.at(t)));
}

fn spec_err(spec: Value) -> String {
    match schedule_from_spec(&spec) {
        Ok(_) => panic!("expected an error for {spec}"),
        Err(e) => blamed(e),
    }
}

#[test]
fn invalid_specs_are_errors_at_their_place() {
    assert_eq!(
        spec_err(json!({"cosine_decay_schedule": {"init_value": 1.0, "decay_steps": 0}})),
        "cosine_decay_schedule.decay_steps"
    );
    assert_eq!(
        spec_err(
            json!({"cosine_decay_schedule": {"init_value": 1.0, "decay_steps": 10, "decay": 2}})
        ),
        "cosine_decay_schedule.decay"
    );
    assert_eq!(
        spec_err(json!({"linear_schedule": {"init_value": 1.0, "end_value": 0.0}})),
        "linear_schedule.transition_steps"
    );
    assert_eq!(
        spec_err(
            json!({"linear_schedule": {"init_value": 1.0, "end_value": 0.0, "transition_steps": 2.5}})
        ),
        "linear_schedule.transition_steps"
    );
    assert_eq!(
        spec_err(
            json!({"piecewise_constant_schedule": {"init_value": 1.0, "boundaries_and_scales": {"ten": 0.5}}})
        ),
        "piecewise_constant_schedule.boundaries_and_scales"
    );
    assert_eq!(
        spec_err(
            json!({"piecewise_constant_schedule": {"init_value": 1.0, "boundaries_and_scales": {"10": -0.5}}})
        ),
        "piecewise_constant_schedule.boundaries_and_scales"
    );
    assert_eq!(
        spec_err(
            json!({"piecewise_interpolate_schedule": {"interpolate_type": "cubic", "init_value": 1.0}})
        ),
        "piecewise_interpolate_schedule.interpolate_type"
    );
    assert_eq!(
        spec_err(json!({"sgdr_schedule": {"cosine_kwargs": [
            {"init_value": 0.0, "peak_value": 1.0, "warmup_steps": 5, "decay_steps": 30},
            {"init_value": 0.0, "peak_value": 1.0, "warmup_steps": 5, "decay_steps": 5}]}})),
        "sgdr_schedule.cosine_kwargs[1].decay_steps"
    );
    assert_eq!(
        spec_err(json!({"sgdr_schedule": {"cosine_kwargs": [
            {"init_value": 0.0, "peak_value": 1.0, "warmup_steps": 5, "decay_steps": 30, "alpha": 0.1}]}})),
        "sgdr_schedule.cosine_kwargs[0].alpha"
    );
    assert_eq!(
        spec_err(
            json!({"join_schedules": {"schedules": [0.1, {"cosine_decay_schedule": {"init_value": 1.0, "decay_steps": -1}}],
            "boundaries": [10]}})
        ),
        "join_schedules.schedules[1].cosine_decay_schedule.decay_steps"
    );
    assert_eq!(
        spec_err(json!({"join_schedules": {"schedules": [0.1, 0.2], "boundaries": [10, 20]}})),
        "join_schedules.boundaries"
    );
    assert_eq!(
        spec_err(json!({"cosine_schedule": {"init_value": 1.0}})),
        "cosine_schedule"
    );
    // Inside a transformation, the error names the whole path.
    let e = from_spec(&json!({"adam": {"learning_rate": {"cosine_decay_schedule": {"init_value": 1.0, "decay_steps": 0}}}}))
        .expect_err("expected an error");
    assert_eq!(
        blamed(e),
        "adam.learning_rate.cosine_decay_schedule.decay_steps"
    );
    // Valid specs with defaults, a bare number, TOML.
    let s = schedule_from_spec(&json!(0.5)).unwrap();
    assert_eq!(s.at(7), 0.5);
    let s = schedule_from_spec(&json!({"exponential_decay": {
        "init_value": 1.0, "transition_steps": 10, "decay_rate": 0.5, "end_value": null}}))
    .unwrap();
    assert_eq!(s.at(10), 0.5);
    let toml = "[warmup_cosine_decay_schedule]\ninit_value = 0.0\npeak_value = 1.0\nwarmup_steps = 10\ndecay_steps = 100\n";
    let s = schedule_from_spec(&optax_core::spec::parse_spec(toml).unwrap()).unwrap();
    assert_eq!(s.at(10), 1.0);
}
