//! # optax-core
//!
//! Optax's gradient transformations for Burn: composable building blocks (`scale_by_adam`,
//! `clip_by_global_norm`, `add_decayed_weights`, ...) combined with `chain`, `partition` and
//! `masked` into optimizers (`adam`, `adamw`, `sgd`, ...), with schedules, losses, tree
//! utilities and specs. Names, arguments, defaults, sign conventions and numerics follow
//! Optax 0.2.8, so Optax code ports line by line:
//!
//! ```
//! use optax_core::prelude::*;
//! use optax_core::adam;
//! use burn::tensor::{Device, Tensor};
//!
//! let device = Device::flex();
//! let mut params = Tree::builder()
//!     .leaf("w", Tensor::<2>::zeros([3, 2], &device))
//!     .build()?;
//! let optimizer = adam(1e-2);
//! let mut state = optimizer.init(&params)?;
//! let grads = params.map(|t| t.ones_like());
//! // Optax's two calls: the updates, then the parameters.
//! let (updates, next) = optimizer.update(grads.clone(), &state, Some(&params), &Extra::none())?;
//! let stepped = apply_updates(&params, &updates)?;
//! // The same step in one call, in place (one fused kernel pass for adam on this device).
//! optimizer.step(&mut params, grads, &mut state)?;
//! # assert_eq!(params.to_vecs()?, stepped.to_vecs()?);
//! # let _ = next;
//! # Ok::<(), optax_core::OptaxError>(())
//! ```
//!
//! The sign convention is Optax's: updates are added to the parameters, and
//! `scale_by_learning_rate` negates the step.

pub mod alias;
mod apply;
pub mod checkpoint;
pub mod combine;
pub mod contrib;
pub mod device;
mod error;
pub mod fusion;
mod hyper;
pub mod lbfgs;
pub mod losses;
pub mod monte_carlo;
pub mod numerics;
pub mod projections;
pub mod schedules;
pub mod second_order;
mod setters;
pub mod spec;
mod state;
mod state_set;
mod step;
mod transform;
pub mod transforms;
pub mod tree;
pub mod wrappers;

/// The traits and types most programs need: `use optax_core::prelude::*;`.
pub mod prelude {
    pub use crate::{
        apply_updates, losses, Extra, GradientTransformation, Hyper, IntoTransformation,
        OptaxError, State, Transform, TransformExt, Tree,
    };
}

pub use alias::*;
pub use apply::{apply_updates, incremental_update, periodic_update};
pub use combine::*;
pub use error::{OptaxError, Result};
pub use fusion::FusionReport;
pub use hyper::{Hyper, Scalar};
pub use lbfgs::*;
/// The losses Optax also exports at its root (`optax.l2_loss`, ...).
#[allow(deprecated)]
pub use losses::{
    convex_kl_divergence, cosine_distance, cosine_similarity, ctc_loss,
    ctc_loss_with_forward_probs, generalized_kl_divergence, hinge_loss, huber_loss, kl_divergence,
    l2_loss, log_cosh, ntxent, safe_softmax_cross_entropy, sigmoid_binary_cross_entropy,
    sigmoid_focal_loss, smooth_labels, softmax_cross_entropy,
    softmax_cross_entropy_with_integer_labels, squared_error,
};
pub use numerics::{
    matrix_inverse_pth_root, nnls, power_iteration, safe_norm, safe_root_mean_squares,
};
pub use schedules::*;
pub use spec::{from_spec, from_spec_str, schedule_from_spec};
pub use state::{safe_increment, State, StateRecord};
pub use step::TransformExt;
pub use transform::{Extra, GradientTransformation, IntoTransformation, Transform};
pub use transforms::*;
pub use tree::{apply_updates_to_module, Tree, TreeBuilder, TreeDef};
pub use wrappers::{
    apply_if_finite, conditionally_mask, conditionally_transform, flatten, lookahead,
    measure_with_ema, monitor, skip_large_updates, skip_not_finite, snapshot,
    with_extra_args_support, ApplyIfFinite, Condition, ConditionallyMask, ConditionallyTransform,
    Flatten, Lookahead, LookaheadParams, Measure, MeasureWithEma, Monitor, MultiSteps,
    ShouldSkipUpdateFn, Snapshot,
};
