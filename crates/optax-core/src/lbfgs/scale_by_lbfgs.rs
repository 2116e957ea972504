//! `scale_by_lbfgs`: precondition the updates by L-BFGS's approximation of the inverse
//! Hessian, built from the last `memory_size` differences of parameters and updates.
//!
//! Nocedal & Wright, *Numerical Optimization*, Algorithms 7.4 and 7.5 (1999); Liu & Nocedal,
//! *On the limited memory BFGS method for large scale optimization*, Mathematical Programming
//! 45, 1989.
//!
//! ```text
//! δw_k = w_{k+1} - w_k,   δu_k = u_{k+1} - u_k,   ρ_k = 1 / ⟨δu_k, δw_k⟩   (0 if the product is 0)
//! P_{k,k-m} = γ_k·I
//! P_{k,j+1} = V_jᵀ P_{k,j} V_j + ρ_j·δw_j δw_jᵀ,   V_j = I - ρ_j·δu_j δw_jᵀ
//! γ_k = ⟨δw_{k-1}, δu_{k-1}⟩ / ⟨δu_{k-1}, δu_{k-1}⟩   (scale_init_precond; 1 otherwise)
//! γ_0 = min(1, 1/‖u_0‖)                                 (scale_init_precond)
//! output P_k·u_k   (two-loop recursion)
//! ```

use std::sync::Arc;

use burn::tensor::Tensor;

use crate::error::{OptaxError, Result};
use crate::hyper::Scalar;
use crate::setters::setters;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, Transform};
use crate::tree::{self, NormOrd, Tree, TreeDef};

const NAME: &str = "scale_by_lbfgs";

/// L-BFGS's preconditioning (`optax.scale_by_lbfgs`). State `ScaleByLBFGSState(count, params,
/// updates, diff_params_memory, diff_updates_memory, weights_memory)`: the memories are trees
/// whose leaves are stacked `memory_size` times (shape `[memory_size, ..leaf shape]`) and
/// `weights_memory` a tensor of `memory_size` elements.
///
/// Outputs the direction `P_k·u_k` only: chain it with a (negative) learning rate and a line
/// search, as [`lbfgs`](crate::lbfgs()) does.
///
/// ```
/// # use burn::tensor::{Device, Tensor};
/// # use optax_core::prelude::*;
/// # use optax_core::{chain, scale, scale_by_lbfgs};
/// let device = Device::flex();
/// let params = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::from_floats([1.0, -2.0], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()?;
/// let opt = chain![scale_by_lbfgs().memory_size(5), scale(-0.5)];
/// let mut state = opt.init(&params)?;
/// let mut p = params.clone();
/// for _ in 0..3 {
///     let grad = optax_core::tree::scale(2.0, &p); // f(w) = Σ w²
///     let u = opt.update_in_place(grad, &mut state, Some(&p), &Extra::none())?;
///     p = apply_updates(&p, &u)?;
/// }
/// # Ok::<(), OptaxError>(())
/// ```
#[derive(Clone, Debug)]
pub struct ScaleByLbfgs {
    pub(crate) memory_size: i64,
    pub(crate) scale_init_precond: bool,
}

/// `optax.scale_by_lbfgs(memory_size=10, scale_init_precond=True)`.
pub fn scale_by_lbfgs() -> ScaleByLbfgs {
    ScaleByLbfgs {
        memory_size: 10,
        scale_init_precond: true,
    }
}

impl ScaleByLbfgs {
    setters! {
        /// Number of past differences of parameters and updates kept.
        memory_size: i64;

        /// Whether the initial preconditioner is the scaled identity `γ_k·I`.
        scale_init_precond: bool;
    }
}

/// The layout of `ScaleByLBFGSState`.
struct LbfgsState;

impl LbfgsState {
    const KIND: &'static str = "ScaleByLBFGSState";

    fn record(
        count: i64,
        params: Tree,
        updates: Tree,
        diff_params_memory: Tree,
        diff_updates_memory: Tree,
        weights_memory: Tensor<1>,
    ) -> State {
        State::record(
            Self::KIND,
            vec![
                ("count", State::Int(count)),
                ("params", State::Tree(params)),
                ("updates", State::Tree(updates)),
                ("diff_params_memory", State::Tree(diff_params_memory)),
                ("diff_updates_memory", State::Tree(diff_updates_memory)),
                ("weights_memory", State::Tensor(weights_memory)),
            ],
        )
    }
}

/// The structure of `like` with every leaf stacked `m` times.
fn stacked_def(like: &Tree, m: usize) -> Result<Arc<TreeDef>> {
    let shapes = like
        .shapes()
        .iter()
        .map(|s| std::iter::once(m).chain(s.iter().copied()).collect())
        .collect();
    Ok(Arc::new(TreeDef::new(like.paths().to_vec(), shapes)?))
}

/// Entry `i` of a stacked memory, with the structure of `like`.
fn memory_get(memory: &Tree, i: usize, like: &Tree) -> Result<Tree> {
    let leaves = memory
        .leaves()
        .iter()
        .zip(like.leaves())
        .map(|(mem, l)| {
            let n = l.dims()[0];
            mem.clone().narrow(0, i * n, n)
        })
        .collect();
    Tree::from_flat(like.def().clone(), leaves)
}

/// `memory.at[i].set(value)`.
fn memory_set(memory: &Tree, i: usize, value: &Tree) -> Result<Tree> {
    let leaves = memory
        .leaves()
        .iter()
        .zip(value.leaves())
        .map(|(mem, v)| {
            let n = v.dims()[0];
            mem.clone().slice_assign(i * n..(i + 1) * n, v.clone())
        })
        .collect();
    Tree::from_flat(memory.def().clone(), leaves)
}

/// The memory checked to be `like` stacked `m` times.
fn memory_like<'a>(state: &'a State, name: &str, like: &Tree, m: usize) -> Result<&'a Tree> {
    let mem = state.field(name)?.as_tree()?;
    let want = stacked_def(like, m)?;
    mem.def()
        .check_matches(&want)
        .map_err(|e| OptaxError::state(format!("{}.{name}", LbfgsState::KIND), e.to_string()))?;
    Ok(mem)
}

/// Multiplies `updates` by the inverse-Hessian approximation (Optax's
/// `_precondition_by_lbfgs`): the two loops of Nocedal & Wright's Algorithm 7.4 over the
/// memory, newest entry first in the first loop.
fn precondition(
    updates: &Tree,
    diff_params_memory: &Tree,
    diff_updates_memory: &Tree,
    rhos: &Tensor<1>,
    identity_scale: Scalar,
    memory_idx: usize,
    m: usize,
) -> Result<Tree> {
    let indices: Vec<usize> = (0..m).map(|k| (memory_idx + k) % m).collect();
    let rho = |i: usize| rhos.clone().narrow(0, i, 1);
    let mut vec = updates.clone();
    let mut alphas = vec![None; m];
    for (k, &i) in indices.iter().enumerate().rev() {
        let dwi = memory_get(diff_params_memory, i, updates)?;
        let dui = memory_get(diff_updates_memory, i, updates)?;
        let alpha = rho(i) * tree::vdot(&dwi, &vec)?;
        vec = tree::add_scale(&vec, Scalar::Tensor(-alpha.clone()), &dui)?;
        alphas[k] = Some(alpha);
    }
    vec = tree::scale(identity_scale, &vec);
    for (k, &i) in indices.iter().enumerate() {
        let dwi = memory_get(diff_params_memory, i, updates)?;
        let dui = memory_get(diff_updates_memory, i, updates)?;
        let beta = rho(i) * tree::vdot(&dui, &vec)?;
        let alpha = alphas[k].take().expect("alpha of every index");
        vec = tree::add_scale(&vec, Scalar::Tensor(alpha - beta), &dwi)?;
    }
    Ok(vec)
}

impl Transform for ScaleByLbfgs {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        let m = self.memory_size as usize;
        let device = params.device().unwrap_or_default();
        let def = stacked_def(params, m)?;
        let zeros = || {
            let leaves = params
                .leaves()
                .iter()
                .map(|l| Tensor::<1>::zeros([m * l.dims()[0]], &device))
                .collect();
            Tree::from_flat(def.clone(), leaves)
        };
        Ok(LbfgsState::record(
            0,
            tree::zeros_like(params),
            tree::zeros_like(params),
            zeros()?,
            zeros()?,
            Tensor::zeros([m], &device),
        ))
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        params: Option<&Tree>,
        _extra: &Extra,
    ) -> Result<(Tree, State)> {
        state.expect_record(LbfgsState::KIND)?;
        let m = self.memory_size as usize;
        let count = state.field("count")?.as_int()?;
        let prev_params = state.field("params")?.tree_like(&updates)?;
        let prev_updates = state.field("updates")?.tree_like(&updates)?;
        let dpm = memory_like(state, "diff_params_memory", &updates, m)?;
        let dum = memory_like(state, "diff_updates_memory", &updates, m)?;
        let weights = state.field("weights_memory")?.as_tensor()?;
        if weights.dims() != [m] {
            return Err(OptaxError::state(
                format!("{}.weights_memory", LbfgsState::KIND),
                format!("{} weights for memory_size {m}", weights.dims()[0]),
            ));
        }
        let params = params.ok_or_else(|| OptaxError::params_required(NAME))?;
        params.check_same_structure(&updates)?;

        let memory_idx = count.rem_euclid(m as i64) as usize;
        let prev_memory_idx = (count - 1).rem_euclid(m as i64) as usize;
        let device = updates.device().unwrap_or_default();

        let (diff_params, diff_updates, weight) = if count > 0 {
            let dp = tree::sub(params, prev_params)?;
            let du = tree::sub(&updates, prev_updates)?;
            let v = tree::vdot(&du, &dp)?;
            let w = v.clone().recip().mask_fill(v.equal_elem(0.0), 0.0);
            (dp, du, w)
        } else {
            (
                tree::zeros_like(params),
                tree::zeros_like(&updates),
                Tensor::<1>::zeros([1], &device),
            )
        };
        let dpm = memory_set(dpm, prev_memory_idx, &diff_params)?;
        let dum = memory_set(dum, prev_memory_idx, &diff_updates)?;
        let weights = weights
            .clone()
            .slice_assign(prev_memory_idx..prev_memory_idx + 1, weight);

        let identity_scale = if !self.scale_init_precond {
            Scalar::Value(1.0)
        } else if count > 0 {
            let numerator = tree::vdot(&diff_updates, &diff_params)?;
            let denominator = tree::norm(&diff_updates, NormOrd::L2, true);
            let ratio = numerator / denominator.clone();
            let one = Tensor::<1>::ones([1], &device);
            Scalar::Tensor(one.mask_where(denominator.greater_elem(0.0), ratio))
        } else {
            let update_norm = tree::norm(&updates, NormOrd::L2, false);
            Scalar::Tensor(update_norm.recip().clamp_max(1.0))
        };

        let precond = precondition(
            &updates,
            &dpm,
            &dum,
            &weights,
            identity_scale,
            memory_idx,
            m,
        )?;
        Ok((
            precond,
            LbfgsState::record(
                safe_increment(count),
                params.clone(),
                updates,
                dpm,
                dum,
                weights,
            ),
        ))
    }

    fn validate(&self) -> Result<()> {
        if self.memory_size < 1 {
            return Err(OptaxError::invalid(
                "memory_size",
                "memory_size must be >= 1",
            ));
        }
        Ok(())
    }
}
