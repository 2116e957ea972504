//! The one-pass step: `update` and `apply_updates` as one call that updates the parameters
//! and the state in place, and the fusion report. Methods of every transformation
//! ([`TransformExt`], in the prelude).
//!
//! ```text
//! u_t, s_t = update(g_t, s_{t-1}, p_{t-1})
//! p_t      = p_{t-1} + u_t
//! ```
//!
//! Where the transformation is a fused optimizer (see [`explain_fusion`]) on a device with a
//! kernel, the kernel computes `p_t` in one pass over memory, reading `p, g` and the moments
//! and writing `p` and the moments, with no updates tree in between: bit for bit what the two
//! calls give. Elsewhere it is the two calls.
//!
//! [`explain_fusion`]: TransformExt::explain_fusion

use burn::module::Module;
use burn::tensor::Gradients;

use crate::apply::apply_updates;
use crate::error::Result;
use crate::fusion::{self, FusionReport, Stepper};
use crate::state::State;
use crate::transform::{Extra, Transform};
use crate::tree::{load_module_params, Tree};

/// The one-pass step and the fusion report, for every [`Transform`].
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::prelude::*;
/// use optax_core::{adamw, chain, clip_by_global_norm};
///
/// let device = Device::flex();
/// let mut params = Tree::builder()
///     .leaf("w", Tensor::<2>::ones([3, 2], &device))
///     .build()?;
/// let optimizer = chain![clip_by_global_norm(1.0), adamw(1e-2)];
/// assert!(optimizer.explain_fusion(&params).is_fused());
/// let mut state = optimizer.init(&params)?;
/// for _ in 0..3 {
///     let grads = params.map(|p| p.clone() * 2.0); // the gradient of sum(p²)
///     optimizer.step(&mut params, grads, &mut state)?;
/// }
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub trait TransformExt: Transform + Sized {
    /// One optimizer step on `params`: `update(grads, state, params)` then
    /// `apply_updates(params, updates)`, with `params` and `state` updated in place. Runs in
    /// one fused kernel pass where [`explain_fusion`](TransformExt::explain_fusion) says so,
    /// with the same results bit for bit. On error `params` and `state` are unchanged.
    fn step(&self, params: &mut Tree, grads: Tree, state: &mut State) -> Result<()> {
        self.step_with_extra(params, grads, state, &Extra::none())
    }

    /// [`step`](TransformExt::step) with extra arguments (e.g. the loss `value`).
    fn step_with_extra(
        &self,
        params: &mut Tree,
        grads: Tree,
        state: &mut State,
        extra: &Extra,
    ) -> Result<()> {
        match fusion::stepper(self) {
            Ok(Stepper::Fused(f)) => return f.step(params, grads, state, extra),
            Ok(Stepper::ChainTail(chain, f)) => {
                return chain.step_with_fused_tail(f, params, grads, state, extra)
            }
            Err(_) => {}
        }
        params.check_same_structure(&grads)?;
        let (updates, next) = self.update(grads, state, Some(params), extra)?;
        let stepped = apply_updates(params, &updates)?;
        *state = next;
        *params = stepped;
        Ok(())
    }

    /// [`step`](TransformExt::step) on a Burn module with the gradients of a backward pass
    /// (parameters without a gradient get zeros, as in [`Tree::from_module_grads`]). Each
    /// parameter keeps its id, its `require_grad` flag and its dtype. On error `state` is
    /// unchanged and the error is returned (the module is consumed; keep a clone to retry).
    fn step_module<M: Module>(&self, module: M, grads: &Gradients, state: &mut State) -> Result<M> {
        let mut params = Tree::from_module(&module)?.inner();
        let grads = Tree::from_module_grads(&module, grads)?;
        self.step(&mut params, grads, state)?;
        load_module_params(module, &params)
    }

    /// Whether the steps of this transformation run in a fused kernel on `params` (their
    /// device, dtype, autodiff), and if not, why: e.g. an unsupported device, autodiff
    /// tensors, a tensor hyperparameter, `mu_dtype`, `.fused(false)`, or a transformation
    /// without a kernel. A step that falls back to the reference chain at run time (a state
    /// that does not match) also logs the reason once (`log::warn!`).
    fn explain_fusion(&self, params: &Tree) -> FusionReport {
        fusion::explain(self, params)
    }
}

impl<T: Transform> TransformExt for T {}
