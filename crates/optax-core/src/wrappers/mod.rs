//! Optax's wrappers: transformations that hold another transformation and change when or how
//! it runs (`flatten`, `MultiSteps`, `apply_if_finite`, `inject_hyperparams`,
//! `conditionally_transform`, `conditionally_mask`, `lookahead`, `with_extra_args_support`).
//!
//! Each takes its inner transformation as a [`GradientTransformation`](crate::GradientTransformation)
//! and, in a spec, as a nested spec under Optax's argument name.

mod apply_if_finite;
mod condition;
mod conditionally_mask;
mod conditionally_transform;
mod finite;
mod flatten;
mod lookahead;
mod measure;
mod measure_with_ema;
mod monitor;
mod multi_steps;
mod skip;
mod snapshot;
mod with_extra_args_support;

pub use apply_if_finite::{apply_if_finite, ApplyIfFinite};
pub use condition::Condition;
pub use conditionally_mask::{conditionally_mask, ConditionallyMask};
pub use conditionally_transform::{conditionally_transform, ConditionallyTransform};
pub use flatten::{flatten, Flatten, FLAT_PATH};
pub use lookahead::{lookahead, Lookahead, LookaheadParams};
pub use measure::{scalar_measurement, Measure, MEASUREMENT_PATH};
pub use measure_with_ema::{measure_with_ema, MeasureWithEma};
pub use monitor::{monitor, Monitor, MonitorMeasure};
pub use multi_steps::{EveryK, MultiSteps};
pub use skip::{skip_large_updates, skip_not_finite, ShouldSkipUpdateFn};
pub use snapshot::{snapshot, Snapshot};
pub use with_extra_args_support::with_extra_args_support;
mod inject_defaults;
mod inject_hyperparams;
pub(crate) use inject_defaults::OPTAX_SIGNATURES as INJECT_SIGNATURES;
#[allow(deprecated)]
pub use inject_hyperparams::{
    get_hyperparam, inject_hyperparams, inject_stateful_hyperparams, set_hyperparam, HyperNumber,
    Hyperparams, InjectHyperparams, Injected, InnerFactory, INJECT_STATE_KIND,
    WRAPPED_SCHEDULE_STATE_KIND,
};
