//! `optax.contrib`'s learning-rate-free optimizers against Optax 0.2.8 (golden data from
//! `tests/golden/gen_contrib_lr_free.py`): 20-step trajectories built from specs, resuming
//! after a save and load, and bad arguments.

mod common;

use burn::tensor::{Device, Tensor};
use optax_core::contrib::{
    cocob, dadapt_adamw, dog, dowg, mechanize, momo, momo_adam, prodigy, scale_by_cocob,
};
use optax_core::{
    adam, from_spec, sgd, Extra, GradientTransformation, IntoTransformation, OptaxError, Transform,
    Tree,
};
use serde_json::json;

/// Relative and absolute tolerance of every comparison, float32.
const RTOL: f64 = 1e-5;
const ATOL: f64 = 1e-6;

#[test]
fn lr_free_optimizers_match_optax() {
    common::run_spec_cases("contrib_lr_free.json", "cases", RTOL, ATOL);
}

fn params(device: &Device) -> Tree {
    Tree::builder()
        .scalar("a", 0.3, device)
        .leaf("b", Tensor::<1>::from_floats([1.0, -2.0, 0.5], device))
        .leaf(
            "c",
            Tensor::<2>::from_floats([[0.1, 0.2], [-0.7, 1.5]], device),
        )
        .build()
        .unwrap()
}

fn all() -> Vec<(&'static str, GradientTransformation)> {
    vec![
        (
            "prodigy",
            prodigy().weight_decay(0.01).into_transformation(),
        ),
        (
            "prodigy_safeguard",
            prodigy()
                .safeguard_warmup(true)
                .estim_lr0(1e-3)
                .into_transformation(),
        ),
        ("dadapt_adamw", dadapt_adamw().into_transformation()),
        ("cocob", cocob().weight_decay(0.01).into_transformation()),
        ("scale_by_cocob", scale_by_cocob().into_transformation()),
        ("dog", dog().weight_decay(0.01).into_transformation()),
        (
            "dog_learning_rate",
            dog()
                .init_step(("learning_rate", 0.1))
                .into_transformation(),
        ),
        ("dowg", dowg().into_transformation()),
        ("mechanize", mechanize(adam(0.1)).into_transformation()),
        (
            "mechanize_momo",
            mechanize(momo().learning_rate(0.1))
                .num_betas(3)
                .into_transformation(),
        ),
        ("momo", momo().weight_decay(0.01).into_transformation()),
        (
            "momo_adapt",
            momo()
                .adapt_lower_bound(true)
                .lower_bound(-1.0)
                .into_transformation(),
        ),
        ("momo_adam", momo_adam().into_transformation()),
        (
            "momo_adam_adapt",
            momo_adam()
                .adapt_lower_bound(true)
                .lower_bound(-1.0)
                .into_transformation(),
        ),
    ]
}

#[test]
fn resume_after_save_and_load_is_bit_exact() {
    let device = common::flex();
    for (name, opt) in all() {
        eprintln!("{name}");
        common::assert_resume_bit_exact(&opt, &params(&device), 8, 3);
    }
}

#[test]
fn bad_arguments_are_typed_errors() {
    let device = common::flex();
    let p = params(&device);
    let invalid = |r: optax_core::Result<optax_core::State>, arg: &str| match r {
        Err(OptaxError::InvalidHyperparameter { name, .. }) => assert_eq!(name, arg),
        other => panic!("{arg}: expected InvalidHyperparameter, got {other:?}"),
    };
    invalid(prodigy().betas((0.9, 1.5)).init(&p), "betas");
    invalid(prodigy().estim_lr0(0.0).init(&p), "estim_lr0");
    invalid(dadapt_adamw().eps(-1.0).init(&p), "eps");
    invalid(scale_by_cocob().eps(f64::NAN).init(&p), "eps");
    invalid(cocob().alpha(f64::INFINITY).init(&p), "alpha");
    invalid(dog().init_step(("far", 1.0)).init(&p), "init_step");
    invalid(dowg().eps(-1.0).init(&p), "eps");
    invalid(mechanize(sgd(0.1)).num_betas(0).init(&p), "num_betas");
    invalid(momo().beta(2.0).init(&p), "beta");
    invalid(momo_adam().b2(-0.1).init(&p), "b2");

    // Spec errors name the argument.
    for (spec, at) in [
        (json!({"prodigy": {"betas": [0.9]}}), "prodigy.betas"),
        (
            json!({"contrib.dog": {"init_step": ["x", 1.0]}}),
            "contrib.dog.init_step",
        ),
        (
            json!({"mechanize": {"weight_decay": 0.1}}),
            "mechanize.base_optimizer",
        ),
        (
            json!({"momo": {"adapt_lower_bound": 1}}),
            "momo.adapt_lower_bound",
        ),
    ] {
        match from_spec(&spec) {
            Err(OptaxError::Spec { at: got, .. }) => assert_eq!(got, at, "{spec}"),
            other => panic!("{spec}: expected a spec error, got {other:?}"),
        }
    }
}

#[test]
fn missing_params_or_value_are_typed_errors_and_leave_the_state() {
    let device = common::flex();
    let p = params(&device);
    let g = p.map(|t| t.ones_like());
    for (name, opt) in all() {
        let mut state = opt.init(&p).unwrap();
        let before = state.to_json().unwrap();
        let err = opt
            .update_in_place(g.clone(), &mut state, None, &Extra::value(1.0))
            .unwrap_err();
        assert!(
            matches!(err, OptaxError::ParamsRequired { .. }),
            "{name}: {err:?}"
        );
        assert_eq!(state.to_json().unwrap(), before, "{name}");
    }
    for opt in [
        momo().into_transformation(),
        momo_adam().into_transformation(),
        mechanize(momo()).into_transformation(),
    ] {
        let mut state = opt.init(&p).unwrap();
        let before = state.to_json().unwrap();
        let err = opt
            .update_in_place(g.clone(), &mut state, Some(&p), &Extra::none())
            .unwrap_err();
        assert!(
            matches!(err, OptaxError::ExtraArgRequired { ref arg, .. } if arg == "value"),
            "{err:?}"
        );
        assert_eq!(state.to_json().unwrap(), before);
    }
    // A state of another optimizer is refused.
    let other = prodigy().init(&p).unwrap();
    assert!(dadapt_adamw()
        .update(g.clone(), &other, Some(&p), &Extra::none())
        .is_err());
    // Mismatched trees are refused.
    let q = Tree::builder()
        .leaf("b", Tensor::<1>::from_floats([1.0, -2.0, 0.5], &device))
        .build()
        .unwrap();
    let s = dowg().init(&p).unwrap();
    assert!(dowg()
        .update(q.clone(), &s, Some(&q), &Extra::none())
        .is_err());
}
