//! `sam`: Sharpness-Aware Minimization as a wrapper of an outer and an adversarial optimizer.
//!
//! Foret et al., *Sharpness-Aware Minimization for Efficiently Improving Generalization*,
//! ICLR 2021 (<https://arxiv.org/abs/2010.01412>):
//!
//! ```text
//! ε̂   = ρ · ∇L(w) / ‖∇L(w)‖₂                (adversarial step: adv_optimizer, e.g.
//!                                             chain(normalize(), sgd(ρ)), sign flipped)
//! w  ← w − η · ∇L(w + ε̂)                    (outer step: optimizer, from the cached w)
//! ```
//!
//! Transparent mode (default): each `update` call is one step of a cycle of `sync_period`
//! calls. Calls `0 .. sync_period-2` return the adversarial updates `-adv(g)` (and the first
//! caches the parameters); the last returns `cache - params + opt(g)`, the outer update of the
//! cached parameters with the gradient at the perturbed point, and resets the adversarial
//! state when `reset_state`.
//!
//! Opaque mode: each call runs the `sync_period - 1` adversarial steps itself, asking the
//! gradient at each perturbed point from the extra argument `grad_fn` (a [`SamGradFn`]), and
//! returns the outer update.

use std::sync::Arc;

use crate::apply::apply_updates;
use crate::error::{OptaxError, Result};
use crate::state::State;
use crate::transform::{Extra, GradientTransformation, IntoTransformation, Transform};
use crate::tree::{self, Tree};

/// The `grad_fn` extra argument of opaque SAM: `grad_fn(params, i)` is the gradient of the
/// loss at `params` for the `i`-th adversarial step (Optax's `grad_fn(params, i)`). Pass it as
/// `Extra::none().with_fn("grad_fn", f)` with `f: SamGradFn`.
pub type SamGradFn = Arc<dyn Fn(&Tree, usize) -> Result<Tree> + Send + Sync>;

/// SAM (`optax.contrib.sam`). State `SAMState(steps_since_sync, opt_state, adv_state,
/// cache)`; `cache` is `Empty` (Optax's `None`) in opaque mode.
///
/// Optax's signature: `sam(optimizer, adv_optimizer, sync_period=2, reset_state=True,
/// opaque_mode=False, batch_axis_name=None)`. `batch_axis_name` names a `pmap` axis in Optax;
/// on one device there is nothing to average, so it is accepted and unused.
///
/// Optax picks between the two branches arithmetically (`c·a + (1 - c)·b`), so a NaN in the
/// branch not taken would also reach the result; here the branch taken is computed and
/// returned (the same values for finite updates).
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::contrib::{normalize, sam};
/// use optax_core::{chain, sgd, Extra, Transform, Tree};
///
/// let device = Device::flex();
/// let p = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::ones([2], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()
///     .unwrap();
/// let opt = sam(sgd(0.01), chain![normalize(), sgd(0.1)]);
/// let state = opt.init(&p).unwrap();
/// let (u, _) = opt.update(p.clone(), &state, Some(&p), &Extra::none()).unwrap();
/// assert_eq!(u.len(), 3);
/// ```
#[derive(Clone, Debug)]
pub struct Sam {
    pub(crate) optimizer: GradientTransformation,
    pub(crate) adv_optimizer: GradientTransformation,
    pub(crate) sync_period: i64,
    pub(crate) reset_state: bool,
    pub(crate) opaque_mode: bool,
    pub(crate) batch_axis_name: Option<String>,
}

/// `optax.contrib.sam(optimizer, adv_optimizer)` with Optax's defaults.
pub fn sam(optimizer: impl IntoTransformation, adv_optimizer: impl IntoTransformation) -> Sam {
    Sam {
        optimizer: optimizer.into_transformation(),
        adv_optimizer: adv_optimizer.into_transformation(),
        sync_period: 2,
        reset_state: true,
        opaque_mode: false,
        batch_axis_name: None,
    }
}

impl Sam {
    crate::setters::setters! {
        /// Steps per cycle (the last one is the outer step).
        sync_period: i64;
        /// Reset the adversarial state after each outer step.
        reset_state: bool;
        /// Run the adversarial steps inside `update` (needs the `grad_fn` extra argument).
        opaque_mode: bool;
        /// A `pmap` axis name in Optax; unused on one device.
        batch_axis_name: Option<String>;
    }

    fn record(steps: i64, opt_state: State, adv_state: State, cache: State) -> State {
        State::record(
            "SAMState",
            vec![
                ("steps_since_sync", State::Int(steps)),
                ("opt_state", opt_state),
                ("adv_state", adv_state),
                ("cache", cache),
            ],
        )
    }

    fn negate(t: Tree) -> Tree {
        t.into_map(|x| x.neg())
    }
}

impl Transform for Sam {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        let cache = if self.opaque_mode {
            State::Empty
        } else {
            State::Tree(params.clone())
        };
        Ok(Self::record(
            0,
            self.optimizer.init(params)?,
            self.adv_optimizer.init(params)?,
            cache,
        ))
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        params: Option<&Tree>,
        extra: &Extra,
    ) -> Result<(Tree, State)> {
        state.expect_record("SAMState")?;
        let params = params.ok_or_else(|| OptaxError::params_required("sam"))?;
        let steps = state.field("steps_since_sync")?.as_int()?;
        let opt_state = state.field("opt_state")?;
        let adv_state = state.field("adv_state")?;
        if self.opaque_mode {
            let grad_fn = extra.get_fn::<SamGradFn>("grad_fn").ok_or_else(|| {
                OptaxError::ExtraArgRequired {
                    transform: "sam".into(),
                    arg: "grad_fn".into(),
                }
            })?;
            let mut adv_params = params.clone();
            let mut adv_updates = updates;
            let mut adv_state = adv_state.clone();
            for i in 0..(self.sync_period - 1) as usize {
                let (u, s) =
                    self.adv_optimizer
                        .update(adv_updates, &adv_state, Some(&adv_params), extra)?;
                adv_state = s;
                adv_params = apply_updates(&adv_params, &Self::negate(u))?;
                adv_updates = grad_fn(&adv_params, i)?;
                params.check_same_structure(&adv_updates)?;
            }
            if self.reset_state {
                adv_state = self.adv_optimizer.init(params)?;
            }
            let (u, opt_state) =
                self.optimizer
                    .update(adv_updates, opt_state, Some(params), extra)?;
            return Ok((u, Self::record(0, opt_state, adv_state, State::Empty)));
        }
        let cache = state.field("cache")?.tree_like(params)?;
        let first = steps == 0;
        let last = steps == self.sync_period - 1;
        let next_cache = if first { params.clone() } else { cache.clone() };
        let next_steps = (steps + 1).rem_euclid(self.sync_period);
        if last {
            let (u, opt_state) = self
                .optimizer
                .update(updates, opt_state, Some(cache), extra)?;
            let diff = tree::sub(cache, params)?;
            let u = tree::add(&diff, &u)?;
            let adv_state = if self.reset_state {
                self.adv_optimizer.init(params)?
            } else {
                adv_state.clone()
            };
            Ok((
                u,
                Self::record(next_steps, opt_state, adv_state, State::Tree(next_cache)),
            ))
        } else {
            let (u, adv_state) =
                self.adv_optimizer
                    .update(updates, adv_state, Some(params), extra)?;
            Ok((
                Self::negate(u),
                Self::record(
                    next_steps,
                    opt_state.clone(),
                    adv_state,
                    State::Tree(next_cache),
                ),
            ))
        }
    }

    fn validate(&self) -> Result<()> {
        if self.sync_period < 1 {
            return Err(OptaxError::invalid(
                "sync_period",
                "Synchronization period must be >= 1.",
            ));
        }
        self.optimizer.validate()?;
        self.adv_optimizer.validate()
    }
}
