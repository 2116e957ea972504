//! ES and PES against the exact meta-gradient: on `QuadraticTask` from fixed initial
//! parameters, the mean of many estimates agrees with the exact gradient of the same objective
//! (computed by backpropagation through the unroll, itself checked against the closed form
//! and JAX in the other tests) within a few standard errors, and the standard error is small
//! enough that a biased estimator would fail.

use std::sync::Arc;

use burn::tensor::{Device, Tensor};
use optax_core::{Result, Tree};
use optax_learned::{
    meta_value_and_grad, single_task_to_family, Batch, FullEs, GradientEstimator, LearnableSgd,
    LearnableSgdm, LearnedOptimizer, MetaLoss, QuadraticTask, Task, TruncatedPes,
    TruncationSchedule,
};

/// `QuadraticTask(10)` whose initial parameters are the same for every seed, so that every
/// estimate is of the same objective.
struct FixedStart(QuadraticTask);

impl Task for FixedStart {
    fn name(&self) -> String {
        "FixedStart".into()
    }
    fn init(&self, _seed: u64, device: &Device) -> Result<Tree> {
        self.0.init(7, device)
    }
    fn loss(&self, params: &Tree, batch: Option<&Batch>) -> Result<Tensor<1>> {
        self.0.loss(params, batch)
    }
    fn grad(&self, params: &Tree, batch: Option<&Batch>) -> Option<Result<Tree>> {
        self.0.grad(params, batch)
    }
}

/// Asserts that the samples' mean is within 4 standard errors of `exact`, component by
/// component, and that the standard error is below `max_rel_se` of |exact|.
fn assert_unbiased(what: &str, samples: &[Vec<f32>], exact: &[f32], max_rel_se: f64) {
    let n = samples.len() as f64;
    for (k, &want) in exact.iter().enumerate() {
        let xs: Vec<f64> = samples.iter().map(|s| s[k] as f64).collect();
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        let se = (var / n).sqrt();
        println!("{what}[{k}]: exact {want:.5}, estimate {mean:.5} ± {se:.5} (n = {n})");
        assert!(
            se <= max_rel_se * (want as f64).abs(),
            "{what}[{k}]: standard error {se} too large to test against {want}"
        );
        assert!(
            (mean - want as f64).abs() <= 4.0 * se,
            "{what}[{k}]: mean {mean} ± {se}, exact {want}"
        );
    }
}

#[test]
fn full_es_is_unbiased_for_the_mean_loss_gradient() {
    let device = Device::flex();
    let task = Arc::new(FixedStart(QuadraticTask::default()));
    let lopt = Arc::new(LearnableSgdm::new(0.05, 0.5));
    let theta = lopt.init(0, &device).unwrap();
    // The objective FullES estimates: the mean of the losses before each of T = 10 steps.
    let p0 = task.init(0, &device).unwrap();
    let (_, exact) = meta_value_and_grad(
        task.as_ref(),
        lopt.as_ref(),
        &theta,
        &p0,
        None,
        10,
        MetaLoss::Mean,
    )
    .unwrap();
    let exact: Vec<f32> = exact.to_vecs().unwrap().concat();
    let mut es = FullEs::new(
        single_task_to_family(task),
        lopt,
        TruncationSchedule::Constant(10),
        0.01,
        1,
        3,
    )
    .unwrap();
    let samples: Vec<Vec<f32>> = (0..600)
        .map(|_| {
            es.estimate(&theta)
                .unwrap()
                .grad
                .to_vecs()
                .unwrap()
                .concat()
        })
        .collect();
    assert_unbiased("FullES", &samples, &exact, 0.1);
}

#[test]
fn truncated_pes_summed_over_an_episode_is_unbiased() {
    let device = Device::flex();
    let task = Arc::new(FixedStart(QuadraticTask::default()));
    let lopt = Arc::new(LearnableSgd::new(0.05));
    let theta = lopt.init(0, &device).unwrap();
    // An episode of T = 20 steps in 4 windows of K = 5: PES's estimates, summed, are unbiased
    // for the gradient of Σ_windows (mean loss of the window) = (T / K) · (mean over T).
    let p0 = task.init(0, &device).unwrap();
    let (_, exact) = meta_value_and_grad(
        task.as_ref(),
        lopt.as_ref(),
        &theta,
        &p0,
        None,
        20,
        MetaLoss::Mean,
    )
    .unwrap();
    let exact: Vec<f32> = exact.to_vecs().unwrap()[0]
        .iter()
        .map(|g| 4.0 * g)
        .collect();
    let samples: Vec<Vec<f32>> = (0..500)
        .map(|seed| {
            let mut pes = TruncatedPes::new(
                single_task_to_family(task.clone()),
                lopt.clone(),
                TruncationSchedule::Constant(20),
                5,
                0.01,
                1,
                seed,
            )
            .unwrap();
            let mut sum = 0.0f32;
            for _ in 0..4 {
                sum += pes.estimate(&theta).unwrap().grad.to_vecs().unwrap()[0][0];
            }
            vec![sum]
        })
        .collect();
    assert_unbiased("TruncatedPES", &samples, &exact, 0.1);
}

#[test]
fn pes_resets_an_episode_that_reaches_its_length() {
    let device = Device::flex();
    let task = Arc::new(QuadraticTask::default());
    let lopt = Arc::new(LearnableSgd::new(0.05));
    let theta = lopt.init(0, &device).unwrap();
    let mut pes = TruncatedPes::new(
        single_task_to_family(task),
        lopt,
        TruncationSchedule::Constant(7),
        5,
        0.01,
        2,
        0,
    )
    .unwrap();
    // Windows of 5 over episodes of 7 (+1 reset step): every loss stays finite and positive.
    for _ in 0..6 {
        let out = pes.estimate(&theta).unwrap();
        assert!(out.mean_loss.is_finite() && out.mean_loss > 0.0);
        assert!(out.grad.to_vecs().unwrap()[0][0].is_finite());
    }
}

#[test]
fn bad_estimator_settings_are_named_errors() {
    let task: Arc<dyn Task> = Arc::new(QuadraticTask::default());
    let lopt: Arc<dyn LearnedOptimizer> = Arc::new(LearnableSgd::default());
    let family = single_task_to_family(task);
    let es =
        |schedule, std, n| FullEs::new(family.clone(), lopt.clone(), schedule, std, n, 0).err();
    let msg = |e: Option<optax_core::OptaxError>| e.expect("an error").to_string();
    assert!(msg(es(TruncationSchedule::NeverEnding, 0.01, 1)).contains("never-ending"));
    assert!(msg(es(TruncationSchedule::Constant(5), 0.0, 1)).contains("std"));
    assert!(msg(es(TruncationSchedule::Constant(5), 0.01, 0)).contains("num_tasks"));
    assert!(msg(es(TruncationSchedule::Constant(0), 0.01, 1)).contains("total_length"));
    let pes = TruncatedPes::new(family, lopt, TruncationSchedule::Constant(5), 0, 0.01, 1, 0).err();
    assert!(msg(pes).contains("trunc_length"));
}
