//! `adam` / `adamw` (and `nadam`, `nadamw`) run by the fused multi-tensor kernels of
//! `optax-kernels` when the device allows it: one pass over memory for all leaves instead of
//! the ~10 tensor-op passes per leaf of the chain.
//!
//! The equations are those of the chain it replaces, `chain(scale_by_adam(..),
//! add_decayed_weights(wd, mask), scale_by_learning_rate(lr))` (see `scale_by_adam.rs`):
//!
//! ```text
//! m_t = b1·m_{t-1} + (1 - b1)·g_t
//! v_t = b2·v_{t-1} + (1 - b2)·g_t²
//! m̂_t = m_t / (1 - b1^t)   (nesterov: b1·m_t / (1 - b1^{t+1}) + (1 - b1)·g_t / (1 - b1^t))
//! u_t = -lr_t · (m̂_t / (sqrt(v_t / (1 - b2^t) + eps_root) + eps) + wd_t·mask·p_t)
//! ```
//!
//! The kernel repeats the chain's float32 operations in the same order, so on the flex device
//! the result is the reference's bit for bit. The state is the chain's state, field for field
//! (`(ScaleByAdamState(count, mu, nu), <decay state>, <lr state>)`), so `init`, save/load and
//! `State::get` are unchanged and a state moves freely between the two paths.
//!
//! When the fused path is taken: the alias was built with host numbers (`b1`, `b2`, `eps`,
//! `eps_root`; the learning rate and weight decay may be schedules, evaluated on the host),
//! `mu_dtype` is `None`, the alias was not built with `.fused(false)`, and at each update the
//! leaves are float32 tensors of the flex device without autodiff. Otherwise (another
//! device, tensor hyperparameters of a learned optimizer, autodiff) the chain runs.
//!
//! `update` writes the updates over the gradients' buffers when the caller gave them away
//! and the moments into fresh tensors (the caller still holds the old state);
//! `update_in_place` also updates the moments in place when the state holds the only
//! reference to them.

use burn::tensor::{DType, Tensor};

use crate::combine::Mask;
use crate::error::Result;
use crate::hyper::Hyper;
use crate::schedules::Schedule;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, GradientTransformation, Transform};
use crate::tree::Tree;

/// A hyperparameter known on the host: a number or a schedule.
#[derive(Clone, Debug)]
enum HostHyper {
    Value(f64),
    Schedule(Schedule),
}

impl HostHyper {
    fn of(h: &Hyper) -> Option<Self> {
        match h {
            Hyper::Value(v) => Some(HostHyper::Value(*v)),
            Hyper::Schedule(s) => Some(HostHyper::Schedule(s.clone())),
            Hyper::Tensor(_) => None,
        }
    }
}

/// `add_decayed_weights(weight_decay, mask)` of `adamw`.
#[derive(Clone, Debug)]
struct Decay {
    weight_decay: HostHyper,
    mask: Option<Mask>,
}

/// Adam / AdamW through the fused kernels, with the chain as the reference path.
#[derive(Clone, Debug)]
pub struct FusedAdam {
    reference: GradientTransformation,
    learning_rate: HostHyper,
    b1: f64,
    b2: f64,
    eps: f64,
    eps_root: f64,
    nesterov: bool,
    decay: Option<Decay>,
}

/// The arguments of `adam`/`adamw` that decide whether the fused path applies.
pub(crate) struct AdamArgs<'a> {
    pub learning_rate: &'a Hyper,
    pub b1: &'a Hyper,
    pub b2: &'a Hyper,
    pub eps: &'a Hyper,
    pub eps_root: &'a Hyper,
    pub mu_dtype: Option<DType>,
    pub nesterov: bool,
    /// `Some((weight_decay, mask))` for `adamw`.
    pub decay: Option<(&'a Hyper, Option<&'a Mask>)>,
}

impl FusedAdam {
    /// The fused transformation for these arguments, or `None` when only the reference
    /// `chain` can run them (tensor hyperparameters, `mu_dtype`).
    pub(crate) fn try_new(reference: GradientTransformation, a: AdamArgs<'_>) -> Option<Self> {
        if a.mu_dtype.is_some() {
            return None;
        }
        let decay = match a.decay {
            None => None,
            Some((wd, mask)) => Some(Decay {
                weight_decay: HostHyper::of(wd)?,
                mask: mask.cloned(),
            }),
        };
        Some(FusedAdam {
            reference,
            learning_rate: HostHyper::of(a.learning_rate)?,
            b1: a.b1.constant()?,
            b2: a.b2.constant()?,
            eps: a.eps.constant()?,
            eps_root: a.eps_root.constant()?,
            nesterov: a.nesterov,
            decay,
        })
    }
}

/// What a fused step needs from the state, and the state's other members after the step.
struct Plan {
    count: i64,
    hyper: optax_kernels::AdamHyper,
    mask: Option<Vec<bool>>,
    /// The next states of the decay (adamw) and learning-rate members.
    decay_next: Option<State>,
    lr_next: State,
}

/// A schedule's count record, e.g. `ScaleByScheduleState(count)`.
fn schedule_count(state: &State, kind: &str) -> Result<i64> {
    state.expect_record(kind)?;
    state.field("count")?.as_int()
}

fn count_record(kind: &str, count: i64) -> State {
    State::record(kind, vec![("count", State::Int(safe_increment(count)))])
}

impl FusedAdam {
    fn members(&self) -> usize {
        if self.decay.is_some() {
            3
        } else {
            2
        }
    }

    /// Reads the chain's state; any mismatch is an error (the caller then runs the reference,
    /// which reports it as the chain does).
    fn plan(&self, updates: &Tree, state: &State) -> Result<Plan> {
        let members = state.as_tuple(self.members())?;
        let adam = &members[0];
        adam.expect_record("ScaleByAdamState")?;
        let count = adam.field("count")?.as_int()?;
        adam.field("mu")?.tree_like(updates)?;
        adam.field("nu")?.tree_like(updates)?;

        let lr_state = &members[members.len() - 1];
        let (learning_rate, lr_next) = match &self.learning_rate {
            HostHyper::Value(v) => {
                if !matches!(lr_state, State::Empty) {
                    return Err(crate::error::OptaxError::state(
                        "scale",
                        "expected an empty state",
                    ));
                }
                (*v, State::Empty)
            }
            HostHyper::Schedule(s) => {
                let c = schedule_count(lr_state, "ScaleByScheduleState")?;
                (s.at(c), count_record("ScaleByScheduleState", c))
            }
        };

        let (weight_decay, mask, decay_next) = match &self.decay {
            None => (None, None, None),
            Some(d) => {
                let outer = &members[1];
                let inner = match &d.mask {
                    Some(_) => {
                        outer.expect_record("MaskedState")?;
                        outer.field("inner_state")?
                    }
                    None => outer,
                };
                let (wd, inner_next) = match &d.weight_decay {
                    HostHyper::Value(v) => {
                        if !matches!(inner, State::Empty) {
                            return Err(crate::error::OptaxError::state(
                                "add_decayed_weights",
                                "expected an empty state",
                            ));
                        }
                        // add_decayed_weights skips a constant zero decay entirely.
                        ((*v != 0.0).then_some(*v), State::Empty)
                    }
                    HostHyper::Schedule(s) => {
                        let c = schedule_count(inner, "WeightDecaySchedule")?;
                        (Some(s.at(c)), count_record("WeightDecaySchedule", c))
                    }
                };
                let next = match &d.mask {
                    Some(_) => State::record("MaskedState", vec![("inner_state", inner_next)]),
                    None => inner_next,
                };
                let mask = match &d.mask {
                    Some(m) => Some(m.values(updates.def())?),
                    None => None,
                };
                (wd, mask, Some(next))
            }
        };

        let hyper = optax_kernels::AdamHyper {
            learning_rate,
            b1: self.b1,
            b2: self.b2,
            eps: self.eps,
            eps_root: self.eps_root,
            weight_decay,
            nesterov: self.nesterov,
            count,
        };
        Ok(Plan {
            count,
            hyper,
            mask,
            decay_next,
            lr_next,
        })
    }

    /// The chain's state after a fused step.
    fn next_state(&self, plan: Plan, mu: Tree, nu: Tree) -> State {
        let adam = State::record(
            "ScaleByAdamState",
            vec![
                ("count", State::Int(safe_increment(plan.count))),
                ("mu", State::Tree(mu)),
                ("nu", State::Tree(nu)),
            ],
        );
        let mut members = vec![adam];
        members.extend(plan.decay_next);
        members.push(plan.lr_next);
        State::Tuple(members)
    }

    /// Whether the updates live where the kernels run (checked again, leaf by leaf, by the
    /// kernel before it touches anything).
    fn device_allows(updates: &Tree) -> bool {
        updates.leaves().first().is_some_and(|t| {
            let d = t.device();
            t.dtype() == DType::F32 && (optax_kernels::is_flex(&d) || optax_kernels::is_wgpu(&d))
        })
    }

    /// Runs the kernel; on `Err` the leaves are as they were.
    fn kernel(
        plan: &Plan,
        grads: &mut [Tensor<1>],
        params: Option<&Tree>,
        mu: &mut [Tensor<1>],
        nu: &mut [Tensor<1>],
    ) -> std::result::Result<(), optax_kernels::FusedError> {
        let target = optax_kernels::Target::Updates {
            grads,
            params: params.map(Tree::leaves),
        };
        optax_kernels::adam(target, mu, nu, &plan.hyper, plan.mask.as_deref(), None).map(|_| ())
    }
}

/// The tree of the `name` field of the Adam record of a chain state (mutable).
fn adam_field<'s>(state: &'s mut State, name: &str) -> Option<&'s mut State> {
    let State::Tuple(members) = state else {
        return None;
    };
    let State::Record { fields, .. } = members.first_mut()? else {
        return None;
    };
    fields.iter_mut().find(|(k, _)| k == name).map(|(_, v)| v)
}

impl Transform for FusedAdam {
    fn init(&self, params: &Tree) -> Result<State> {
        self.reference.init(params)
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        params: Option<&Tree>,
        extra: &Extra,
    ) -> Result<(Tree, State)> {
        if !Self::device_allows(&updates) {
            return self.reference.update(updates, state, params, extra);
        }
        let plan = match self.plan(&updates, state) {
            Ok(p) => p,
            Err(_) => return self.reference.update(updates, state, params, extra),
        };
        let adam = &state.as_tuple(self.members())?[0];
        let (mu_tree, nu_tree) = (adam.field("mu")?.as_tree()?, adam.field("nu")?.as_tree()?);
        // The caller keeps `state`: the moments are shared, the kernel writes fresh ones.
        let mut mu = mu_tree.leaves().to_vec();
        let mut nu = nu_tree.leaves().to_vec();
        let def = updates.def().clone();
        let mut grads = updates.into_leaves();
        match Self::kernel(&plan, &mut grads, params, &mut mu, &mut nu) {
            Ok(()) => {
                let next = self.next_state(plan, mu_tree.with_leaves(mu), nu_tree.with_leaves(nu));
                Ok((Tree::from_flat(def, grads)?, next))
            }
            Err(_) => self
                .reference
                .update(Tree::from_flat(def, grads)?, state, params, extra),
        }
    }

    fn update_in_place(
        &self,
        updates: Tree,
        state: &mut State,
        params: Option<&Tree>,
        extra: &Extra,
    ) -> Result<Tree> {
        let plan = if Self::device_allows(&updates) {
            self.plan(&updates, state).ok()
        } else {
            None
        };
        let Some(plan) = plan else {
            let (updates, next) = self.reference.update(updates, state, params, extra)?;
            *state = next;
            return Ok(updates);
        };
        // Take the moments out of the state, so that the kernel owns their buffers (in place
        // unless the caller holds another reference, e.g. a saved copy of the state).
        let take = |state: &mut State, name: &str| -> Tree {
            let slot = adam_field(state, name).expect("checked by plan");
            match std::mem::replace(slot, State::Empty) {
                State::Tree(t) => t,
                _ => unreachable!("checked by plan"),
            }
        };
        let (mu_tree, nu_tree) = (take(state, "mu"), take(state, "nu"));
        let (mu_def, nu_def) = (mu_tree.def().clone(), nu_tree.def().clone());
        let mut mu = mu_tree.into_leaves();
        let mut nu = nu_tree.into_leaves();
        let def = updates.def().clone();
        let mut grads = updates.into_leaves();
        let result = Self::kernel(&plan, &mut grads, params, &mut mu, &mut nu);
        // The kernel keeps every leaf's length, on success and on error.
        let mu = Tree::from_flat(mu_def, mu).expect("lengths kept");
        let nu = Tree::from_flat(nu_def, nu).expect("lengths kept");
        match result {
            Ok(()) => {
                *state = self.next_state(plan, mu, nu);
                Ok(Tree::from_flat(def, grads)?)
            }
            Err(_) => {
                // Untouched: put the moments back and run the chain.
                *adam_field(state, "mu").expect("checked") = State::Tree(mu);
                *adam_field(state, "nu").expect("checked") = State::Tree(nu);
                let (updates, next) =
                    self.reference
                        .update(Tree::from_flat(def, grads)?, state, params, extra)?;
                *state = next;
                Ok(updates)
            }
        }
    }

    fn validate(&self) -> Result<()> {
        self.reference.validate()
    }
}
