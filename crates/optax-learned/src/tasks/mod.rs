//! The tasks of learned_optimization's `tasks/` that this crate has.

pub mod quadratic;
