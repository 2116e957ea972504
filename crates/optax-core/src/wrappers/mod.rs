//! Optax's wrappers: transformations that hold another transformation and change when or how
//! it runs (`flatten`, `MultiSteps`, `apply_if_finite`, `inject_hyperparams`,
//! `conditionally_transform`, `conditionally_mask`, `lookahead`, `with_extra_args_support`).
//!
//! Each takes its inner transformation as a [`GradientTransformation`](crate::GradientTransformation)
//! and, in a spec, as a nested spec under Optax's argument name.

mod inject_defaults;
mod inject_hyperparams;
pub(crate) use inject_defaults::OPTAX_SIGNATURES as INJECT_SIGNATURES;
#[allow(deprecated)]
pub use inject_hyperparams::{
    get_hyperparam, inject_hyperparams, inject_stateful_hyperparams, set_hyperparam, HyperNumber,
    Hyperparams, InjectHyperparams, Injected, InnerFactory, INJECT_STATE_KIND,
    WRAPPED_SCHEDULE_STATE_KIND,
};
