//! Optax's wrappers: transformations that hold another transformation and change when or how
//! it runs (`flatten`, `MultiSteps`, `apply_if_finite`, `inject_hyperparams`,
//! `conditionally_transform`, `conditionally_mask`, `lookahead`, `with_extra_args_support`).
//!
//! Each takes its inner transformation as a [`GradientTransformation`](crate::GradientTransformation)
//! and, in a spec, as a nested spec under Optax's argument name.
