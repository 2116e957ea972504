//! L-BFGS with the zoom line search on the Rosenbrock function, following Optax's documented
//! loop ("L-BFGS with zoom linesearch", `optax.lbfgs`'s docs): the value and gradient the line
//! search computed at the accepted parameters are reused at the next step through
//! `value_and_grad_from_state`, and the loop stops when the stored gradient's norm falls below
//! a tolerance or after `max_iter` steps.
//!
//! Run: `cargo run -p optax-core --example lbfgs_zoom`

use std::sync::Arc;

use burn::tensor::{Device, Tensor};
use optax_core::lbfgs::{value_and_grad_from_state, ValueFn};
use optax_core::prelude::*;
use optax_core::tree::{norm, NormOrd};

fn main() -> optax_core::Result<()> {
    let device = Device::flex();
    // Rosenbrock's function on the leaves concatenated: Σ 100 (x_{i+1} - x_i²)² + (1 - x_i)².
    let fun: ValueFn = Arc::new(|p: &Tree| {
        let x = Tensor::cat(p.leaves().to_vec(), 0);
        let n = x.dims()[0];
        let a = x.clone().narrow(0, 0, n - 1);
        let b = x.narrow(0, 1, n - 1);
        let d = b - a.clone() * a.clone();
        let one_minus = a.neg().add_scalar(1.0);
        Ok((d.clone() * d * 100.0 + one_minus.clone() * one_minus).sum())
    });
    let mut params = Tree::builder()
        .leaf("x", Tensor::<1>::from_floats([-1.2, 1.0], &device))
        .build()?;

    let opt = optax_core::lbfgs();
    let mut state = opt.init(&params)?;
    let value_and_grad = value_and_grad_from_state(fun.clone());
    let (max_iter, tol) = (100, 1e-3);
    loop {
        let (value, grad) = value_and_grad(&params, &state)?;
        let extra = Extra::value(value)
            .with_tree("grad", grad.clone())
            .with_fn("value_fn", fun.clone());
        let updates = opt.update_in_place(grad, &mut state, Some(&params), &extra)?;
        params = apply_updates(&params, &updates)?;

        // Optax's continuing criterion: the step count and the stored gradient's norm.
        let iter_num = state.get("count")?.as_int()?;
        let err = norm(state.get("grad")?.as_tree()?, NormOrd::L2, false).into_scalar::<f32>();
        if iter_num % 5 == 0 {
            println!(
                "step {iter_num:3}: f = {:.3e}, |grad| = {err:.3e}",
                state.get("value")?.as_float()?
            );
        }
        if !(iter_num < max_iter && err >= tol) {
            println!(
                "stopped after {iter_num} steps: f = {:.3e}, |grad| = {err:.3e}, x = {:?}",
                state.get("value")?.as_float()?,
                params.to_vecs()?[0]
            );
            break;
        }
    }
    Ok(())
}
