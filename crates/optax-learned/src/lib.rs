//! Learned optimizers and meta-training on Burn, after Metz et al.'s learned_optimization.
//!
//! The abstractions are learned_optimization's:
//!
//! - a [`Task`]: parameters from a seed, a loss on a batch, the task's data streams (here also,
//!   where it can, the loss's gradient written in differentiable tensor ops): [`QuadraticTask`],
//!   [`ImageMlp`] (`ImageMLP_FashionMnist8_Relu32` from the `dataset-fashion-mnist` package);
//!   a [`TaskFamily`] samples tasks ([`FixedDimQuadraticFamily`]);
//! - an [`Optimizer`] whose state holds the parameters ([`OptState`]): `init`, `update`,
//!   `get_params`; any optax-core transformation is one ([`OptaxOptimizer`]);
//! - a [`LearnedOptimizer`]: meta-parameters `theta` ([`LearnedOptimizer::init`]) and the
//!   optimizer they define ([`LearnedOptimizer::opt_fn`]): [`LearnableSgd`], [`LearnableSgdm`],
//!   [`LearnableAdam`], [`MlpLOpt`];
//! - a meta-loss from unrolled training and its exact gradient with respect to `theta`
//!   ([`meta_value_and_grad`]), the Part 1 outer loop ([`meta_train`]);
//! - meta-gradient estimators that need no gradient through the unroll ([`FullEs`],
//!   [`TruncatedPes`], with [`TruncationSchedule`]s) and their outer loop
//!   ([`meta_train_with_estimators`]);
//! - [`single_task_training_curves`], to compare a learned optimizer with a baseline.
//!
//! # Exact meta-gradients with first-order autodiff
//!
//! Burn's autodiff is first order: the gradient of a gradient is not available, so the inner
//! gradients of an unroll cannot come from `backward()` if the outer gradient must see through
//! them. A task that gives its gradient in differentiable tensor ops ([`Task::grad`], e.g.
//! `2p` for `Σp²`) makes the whole unroll one differentiable computation of `theta`: one outer
//! `backward()` then gives the exact meta-gradient, second-order terms included, as JAX's
//! `grad` through the unroll does. [`meta_value_and_grad`] requires such a task and says so
//! otherwise.
//!
//! Checked against the closed form, central differences and JAX's `value_and_grad` through
//! the same unrolls (`tests/golden/gen_learned*.py`, `gen_mlp_lopt.py`); `docs/learned.md`
//! walks through learned_optimization's Part 1 with this crate.

pub mod data;
pub mod estimators;
mod eval_training;
mod haiku_mlp;
mod learnable_adam;
mod learnable_sgd;
mod learnable_sgdm;
mod learned_optimizer;
mod meta_grad;
mod meta_train;
pub mod mlp_lopt;
mod optimizer;
mod task;
mod task_family;
mod tasks;
mod theta_io;

pub use data::batches::{Batch, Batches, Datasets, Split};
pub use data::classification::ClassificationData;
pub use data::fashion_mnist::{
    fashion_mnist, fashion_mnist_available, fashion_mnist_dir, fashion_mnist_from,
};
pub use estimators::{
    inner_value_and_grad, EstimatorOut, FullEs, GradientEstimator, TruncatedPes, TruncationSchedule,
};
pub use eval_training::{single_task_training_curves, CurveConfig, TrainingCurves, EVAL_SPLITS};
pub use learnable_adam::LearnableAdam;
pub use learnable_sgd::LearnableSgd;
pub use learnable_sgdm::LearnableSgdm;
pub use learned_optimizer::LearnedOptimizer;
pub use meta_grad::{meta_value_and_grad, unrolled_meta_loss, MetaLoss};
pub use meta_train::{
    meta_train, meta_train_with_estimators, MetaStep, MetaTrainConfig, MetaTrainOutcome,
    NAN_LOSS_VALUE,
};
pub use mlp_lopt::MlpLOpt;
pub use optimizer::{OptState, OptaxOptimizer, Optimizer};
pub use task::Task;
pub use task_family::{single_task_to_family, SingleTaskFamily, TaskFamily};
pub use tasks::image_mlp::ImageMlp;
pub use tasks::quadratic::{CenteredQuadraticTask, FixedDimQuadraticFamily, QuadraticTask};
pub use theta_io::{load_theta, save_theta};
