//! `scale_gradient`: the identity forward, the gradient scaled by `scale` backward.
//!
//! ```text
//! forward:  y = x
//! backward: ∂L/∂x = scale · ∂L/∂y
//! ```
//!
//! Only an autodiff device has a backward pass; on it each leaf becomes
//! `x.detach() + (s·x - (s·x).detach())`, whose value is `x` exactly (the bracket is `0` for
//! finite `s·x`) and whose gradient is `s`. As in Optax, `scale = 1` returns the tree as is
//! and `scale = 0` detaches it (`stop_gradient`). On a device without autodiff it is the
//! identity.

use crate::tree::Tree;

/// `optax.scale_gradient(inputs, scale)`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::scale_gradient;
/// use optax_core::Tree;
/// let device = Device::flex();
/// let x = Tree::builder()
///     .leaf("w", Tensor::<1>::from_floats([1.0, 2.0], &device))
///     .scalar("b", 3.0, &device)
///     .build()?
///     .require_grad();
/// let y = scale_gradient(&x, 0.5);
/// let loss = y.leaves()[0].clone().sum() + y.leaves()[1].clone().sum();
/// let grads = x.grad(&loss.backward());
/// assert_eq!(y.to_vecs()?, x.to_vecs()?);
/// assert_eq!(grads.to_vecs()?, vec![vec![0.5, 0.5], vec![0.5]]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn scale_gradient(inputs: &Tree, scale: f64) -> Tree {
    if scale == 1.0 {
        return inputs.clone();
    }
    if scale == 0.0 {
        return inputs.map(|t| t.detach());
    }
    inputs.map(|x| {
        let scaled = x.clone().mul_scalar(scale);
        x.detach() + (scaled.clone() - scaled.detach())
    })
}
