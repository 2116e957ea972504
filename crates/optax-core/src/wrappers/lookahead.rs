//! `lookahead`: k steps forward with a fast optimizer, then one step back towards slow weights.
//!
//! Zhang, Lucas, Hinton & Ba, *Lookahead Optimizer: k steps forward, 1 step back*, NeurIPS 2019
//! (<https://arxiv.org/abs/1907.08610>).
//!
//! The parameters are a pair (fast, slow), [`LookaheadParams`]; the gradients are taken at the
//! fast ones. With `sync = [steps_since_sync == sync_period - 1]` and `α = slow_step_size`:
//!
//! ```text
//! (u, s)      = fast_optimizer.update(g, s, fast)
//! d           = fast + u - slow
//! slow_update = α·sync·d
//! fast_update = u - sync·(1 - α)·d
//! s           = sync and reset_state ? fast_optimizer.init(fast) : s
//! steps_since_sync = (steps_since_sync + 1) mod sync_period
//! ```
//!
//! At a synchronization both become `slow + α·(fast + u - slow)`.

use std::sync::Arc;

use crate::error::{OptaxError, Result};
use crate::setters::setters;
use crate::state::State;
use crate::transform::{Extra, GradientTransformation, IntoTransformation, Transform};
use crate::tree::{Tree, TreeDef};

const FAST: &str = "fast.";
const SLOW: &str = "slow.";

/// The fast and slow parameters of [`lookahead`] (`optax.LookaheadParams(fast, slow)`).
///
/// As one [`Tree`] (what `init`, `update` and `apply_updates` take), the fast leaves come first
/// with their paths prefixed by `fast.`, then the slow leaves prefixed by `slow.` (the order in
/// which JAX flattens the NamedTuple).
#[derive(Clone, Debug)]
pub struct LookaheadParams {
    /// Fast parameters: take the gradients here.
    pub fast: Tree,
    /// Slow parameters: use these for evaluation.
    pub slow: Tree,
}

impl LookaheadParams {
    /// Both halves equal to `params` (`LookaheadParams.init_synced`).
    pub fn init_synced(params: &Tree) -> Self {
        LookaheadParams {
            fast: params.clone(),
            slow: params.clone(),
        }
    }

    /// The pair as one tree (`fast.*` leaves, then `slow.*`).
    pub fn to_tree(&self) -> Result<Tree> {
        self.fast.check_same_structure(&self.slow)?;
        let mut paths = Vec::with_capacity(2 * self.fast.len());
        let mut shapes = Vec::with_capacity(2 * self.fast.len());
        for (prefix, t) in [(FAST, &self.fast), (SLOW, &self.slow)] {
            for (p, s) in t.paths().iter().zip(t.shapes()) {
                paths.push(format!("{prefix}{p}"));
                shapes.push(s.clone());
            }
        }
        let def = TreeDef::new(paths, shapes)?;
        let leaves = self
            .fast
            .leaves()
            .iter()
            .chain(self.slow.leaves())
            .cloned()
            .collect();
        Tree::from_flat(Arc::new(def), leaves)
    }

    /// The pair from a tree made by [`LookaheadParams::to_tree`]; an error if `tree` is not
    /// one.
    pub fn from_tree(tree: &Tree) -> Result<Self> {
        let n = tree.len() / 2;
        let bad = || {
            OptaxError::input(
                "LookaheadParams",
                "expected the `fast.*` leaves, then the same `slow.*` leaves",
            )
        };
        if tree.len() != 2 * n {
            return Err(bad());
        }
        let half = |prefix: &str, range: std::ops::Range<usize>| -> Result<Tree> {
            let mut paths = Vec::with_capacity(n);
            for p in &tree.paths()[range.clone()] {
                paths.push(p.strip_prefix(prefix).ok_or_else(bad)?.to_string());
            }
            let def = TreeDef::new(paths, tree.shapes()[range.clone()].to_vec())?;
            Tree::from_flat(Arc::new(def), tree.leaves()[range].to_vec())
        };
        let fast = half(FAST, 0..n)?;
        let slow = half(SLOW, n..2 * n)?;
        if fast.def() != slow.def() {
            return Err(bad());
        }
        Ok(LookaheadParams { fast, slow })
    }
}

/// The lookahead wrapper (`optax.lookahead`). State
/// `LookaheadState(fast_state, steps_since_sync)`.
#[derive(Clone, Debug)]
pub struct Lookahead {
    pub(crate) fast_optimizer: GradientTransformation,
    pub(crate) sync_period: i64,
    pub(crate) slow_step_size: f64,
    pub(crate) reset_state: bool,
}

/// `optax.lookahead(fast_optimizer, sync_period, slow_step_size, reset_state=False)`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::prelude::*;
/// use optax_core::{sgd, wrappers::{lookahead, LookaheadParams}};
///
/// let device = Device::flex();
/// let fast = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::ones([2], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()?;
/// let opt = lookahead(sgd(0.1), 1, 0.5);
/// let mut params = LookaheadParams::init_synced(&fast).to_tree()?;
/// let state = opt.init(&params)?;
/// let grads = fast.clone(); // taken at the fast parameters
/// let (updates, _) = opt.update(grads, &state, Some(&params), &Extra::none())?;
/// params = apply_updates(&params, &updates)?;
/// let p = LookaheadParams::from_tree(&params)?;
/// // One fast step to 0.9, then halfway back: both at 0.95.
/// assert!(p.slow.to_vecs()?.iter().flatten().all(|&x| (x - 0.95).abs() < 1e-6));
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn lookahead(
    fast_optimizer: impl IntoTransformation,
    sync_period: i64,
    slow_step_size: f64,
) -> Lookahead {
    Lookahead {
        fast_optimizer: fast_optimizer.into_transformation(),
        sync_period,
        slow_step_size,
        reset_state: false,
    }
}

impl Lookahead {
    setters! {
        /// Reinitialize the fast optimizer's state at each synchronization.
        reset_state: bool;
    }
}

const KIND: &str = "LookaheadState";

fn lookahead_state(fast_state: State, steps: i64) -> State {
    State::record(
        KIND,
        vec![
            ("fast_state", fast_state),
            ("steps_since_sync", State::Int(steps)),
        ],
    )
}

impl Transform for Lookahead {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        // Plain fast parameters are accepted too (Optax logs a warning).
        let fast = match LookaheadParams::from_tree(params) {
            Ok(p) => p.fast,
            Err(_) => params.clone(),
        };
        Ok(lookahead_state(self.fast_optimizer.init(&fast)?, 0))
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        params: Option<&Tree>,
        _extra: &Extra,
    ) -> Result<(Tree, State)> {
        self.validate()?;
        state.expect_record(KIND)?;
        let fast_state = state.field("fast_state")?;
        let steps = state.field("steps_since_sync")?.as_int()?;
        let params = params.ok_or_else(|| OptaxError::params_required("lookahead"))?;
        let p = LookaheadParams::from_tree(params)?;
        // Optax's lookahead is a plain GradientTransformation: no extra arguments reach the
        // fast optimizer.
        let (u, fast_next) =
            self.fast_optimizer
                .update(updates, fast_state, Some(&p.fast), &Extra::none())?;
        let sync = steps == self.sync_period - 1;
        let s = if sync { 1.0 } else { 0.0 };
        let alpha = self.slow_step_size;
        let diff = p
            .fast
            .zip_map(&u, |f, u| f + u)?
            .zip_map(&p.slow, |fu, sl| fu - sl)?;
        let slow_updates = diff.map(|d| d.mul_scalar(alpha * s));
        let fast_updates = u.zip_map(&diff, |u, d| u - d.mul_scalar(s * (1.0 - alpha)))?;
        let fast_next = if self.reset_state && sync {
            self.fast_optimizer.init(&p.fast)?
        } else {
            fast_next
        };
        let out = LookaheadParams {
            fast: fast_updates,
            slow: slow_updates,
        }
        .to_tree()?;
        Ok((
            out,
            lookahead_state(fast_next, (steps + 1).rem_euclid(self.sync_period)),
        ))
    }

    fn validate(&self) -> Result<()> {
        if self.sync_period < 1 {
            return Err(OptaxError::invalid("sync_period", "must be >= 1"));
        }
        self.fast_optimizer.validate()
    }
}
