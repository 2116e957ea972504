//! The tasks of learned_optimization's `tasks/` that this crate has.

pub mod image_mlp;
pub mod quadratic;
