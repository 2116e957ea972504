//! The `should_skip_update_fn`s of `MultiSteps` (Optax's `ShouldSkipUpdateFunction`):
//! `skip_not_finite` and `skip_large_updates`.
//!
//! Each takes `(updates, gradient_step, params)` and returns whether to skip this mini-step
//! and a state stored in `MultiStepsState.skip_state` for monitoring.

use std::fmt;
use std::sync::Arc;

use burn::tensor::Tensor;

use crate::error::{OptaxError, Result};
use crate::state::State;
use crate::tree::Tree;

use super::finite::count_not_finite;

type SkipFnDyn = dyn Fn(&Tree, i64, Option<&Tree>) -> Result<(bool, State)> + Send + Sync;

/// A `should_skip_update_fn`: `(updates, gradient_step, params) -> (skip, skip_state)`.
#[derive(Clone)]
pub struct ShouldSkipUpdateFn(Arc<SkipFnDyn>);

impl fmt::Debug for ShouldSkipUpdateFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ShouldSkipUpdateFn")
    }
}

impl ShouldSkipUpdateFn {
    /// A skip function from a closure.
    pub fn new(
        f: impl Fn(&Tree, i64, Option<&Tree>) -> Result<(bool, State)> + Send + Sync + 'static,
    ) -> Self {
        ShouldSkipUpdateFn(Arc::new(f))
    }

    /// [`skip_not_finite`] as a skip function.
    pub fn not_finite() -> Self {
        Self::new(skip_not_finite)
    }

    /// [`skip_large_updates`] with `max_squared_norm` as a skip function.
    pub fn large_updates(max_squared_norm: f64) -> Self {
        Self::new(move |u, step, p| skip_large_updates(u, step, p, max_squared_norm))
    }

    /// Calls the function.
    pub fn call(
        &self,
        updates: &Tree,
        gradient_step: i64,
        params: Option<&Tree>,
    ) -> Result<(bool, State)> {
        (self.0)(updates, gradient_step, params)
    }
}

/// `optax.skip_not_finite(updates, gradient_step, params)`: skip when any element of the
/// updates is NaN or infinite. The skip state is the map
/// `{should_skip: bool, num_not_finite: int}`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::wrappers::skip_not_finite;
/// use optax_core::Tree;
///
/// let device = Device::flex();
/// let u = Tree::builder()
///     .scalar("a", f32::NAN, &device)
///     .leaf("b", Tensor::<1>::ones([2], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()?;
/// let (skip, state) = skip_not_finite(&u, 0, None)?;
/// assert!(skip);
/// assert_eq!(state.get("num_not_finite")?.as_int()?, 1);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn skip_not_finite(
    updates: &Tree,
    _gradient_step: i64,
    _params: Option<&Tree>,
) -> Result<(bool, State)> {
    let n = count_not_finite(updates)?;
    let skip = n > 0;
    Ok((
        skip,
        State::Map(vec![
            ("should_skip".into(), State::Bool(skip)),
            ("num_not_finite".into(), State::Int(n)),
        ]),
    ))
}

/// `optax.skip_large_updates(updates, gradient_step, params, max_squared_norm)`: skip unless
/// `Σ_leaves Σ u² < max_squared_norm` (so a NaN norm skips too). The skip state is the map
/// `{should_skip: bool, norm_squared: float32}`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::wrappers::skip_large_updates;
/// use optax_core::Tree;
///
/// let device = Device::flex();
/// let u = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::ones([2], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()?;
/// assert!(skip_large_updates(&u, 0, None, 7.0)?.0);
/// assert!(!skip_large_updates(&u, 0, None, 7.5)?.0);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn skip_large_updates(
    updates: &Tree,
    _gradient_step: i64,
    _params: Option<&Tree>,
    max_squared_norm: f64,
) -> Result<(bool, State)> {
    let sums: Vec<Tensor<1>> = updates
        .leaves()
        .iter()
        .filter(|t| t.dims()[0] > 0)
        .map(|t| (t.clone() * t.clone()).sum())
        .collect();
    let norm_sq = if sums.is_empty() {
        0.0
    } else {
        let v = Tensor::cat(sums, 0)
            .sum()
            .into_data()
            .convert::<f32>()
            .try_to_vec::<f32>()
            .map_err(|e| OptaxError::Io(format!("{e:?}")))?;
        v[0]
    };
    // In float32, as `norm_sq < max_squared_norm` compares under jit.
    // A NaN norm skips, as `~(norm_sq < max_squared_norm)` does.
    let max_squared_norm = max_squared_norm as f32;
    let skip = norm_sq >= max_squared_norm || norm_sq.is_nan();
    Ok((
        skip,
        State::Map(vec![
            ("should_skip".into(), State::Bool(skip)),
            ("norm_squared".into(), State::Float(norm_sq as f64)),
        ]),
    ))
}
