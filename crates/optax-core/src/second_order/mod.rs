//! Second-order quantities (`optax.second_order`, Optax 0.2.8; deprecated there since 0.2.7):
//! the Hessian-vector product [`hvp`], the Hessian's diagonal [`hessian_diag`] and the
//! squared gradient [`fisher_diag`] of a loss over a [`Tree`](crate::Tree) of parameters,
//! and the same on a Burn module ([`hvp_module`], [`hessian_diag_module`],
//! [`fisher_diag_module`]).
//!
//! The loss is a closure with Optax's `LossFn` signature, `loss(params, inputs, targets)`,
//! generic over the types of `inputs` and `targets`, returning the loss as a `Tensor<1>` of
//! one element (Burn has no rank 0) in a [`Result`](crate::Result). The parameters are
//! differentiated on their autodiff device (`Device::autodiff`); the inputs and targets may
//! live on the plain device.
//!
//! Burn's autodiff is first order only (no gradient of a gradient, no forward mode), so the
//! methods differ from Optax's:
//!
//! | function | Optax | here | cost (gradient evaluations) |
//! |---|---|---|---|
//! | [`hvp`] | `jvp` of `grad`, exact | central difference of two exact gradients | 2 |
//! | [`hessian_diag`] | `n` exact products | one central difference per coordinate | `2·n` |
//! | [`fisher_diag`] | `grad(loss)²`, exact | the same, exact | 1 |
//! | [`hessian_diag_hutchinson`] | (not in Optax) | unbiased estimate from `m` products | `2·m` |
//!
//! ```text
//! H·v  ≈ (g(p + δu) - g(p - δu)) / (2δ) · ‖v‖,  u = v/‖v‖,  δ = ε^(1/3)·max(1, ‖p‖₂/√n)
//! H_ii ≈ (g_i(p + δ_i e_i) - g_i(p - δ_i e_i)) / (step taken),  δ_i = max(δ, ε^(1/3)·|p_i|)
//! ```
//!
//! with `g` the exact gradient and `ε = f32::EPSILON`. The error is truncation `O(δ²)`
//! (zero for a quadratic) plus float32 rounding `O(ε/δ)`; measured against JAX's exact
//! products, the largest component error is at most 5e-5 of the largest component on
//! quadratics and 4e-4 on a small tanh MLP (docs/second-order.md). Memory is O(size(params)).
//!
//! Vectors are raveled as `jax.flatten_util.ravel_pytree` does: the tree's leaves in order,
//! each row-major ([`ravel`], [`unravel`]).

mod fisher_diag;
mod grad;
mod hessian_diag;
mod hutchinson;
mod hvp;
mod module;
mod ravel;
mod step;

pub use fisher_diag::fisher_diag;
pub use hessian_diag::hessian_diag;
pub use hutchinson::hessian_diag_hutchinson;
pub use hvp::hvp;
pub use module::{fisher_diag_module, hessian_diag_module, hvp_module};
pub use ravel::{ravel, unravel};
