//! `add_decayed_weights`: add `weight_decay · params` to the updates.
//!
//! Decoupled weight decay: Loshchilov & Hutter, *Decoupled Weight Decay Regularization*,
//! ICLR 2019 (<https://arxiv.org/abs/1711.05101>). Placed before the learning-rate step, the
//! decay is scaled by the learning rate, as in Optax and PyTorch.
//!
//! ```text
//! u_t = u_t + weight_decay(t) · p_t
//! ```

use crate::combine::{masked, Mask};
use crate::error::{OptaxError, Result};
use crate::hyper::Hyper;
use crate::setters::setters;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, Transform};
use crate::tree::Tree;

/// `optax.add_decayed_weights`. With a schedule the state is `WeightDecaySchedule(count)`;
/// with a mask the transformation is wrapped in `masked`.
#[derive(Clone, Debug)]
pub struct AddDecayedWeights {
    weight_decay: Hyper,
    mask: Option<Mask>,
}

/// `optax.add_decayed_weights(weight_decay=0.0, mask=None)`.
pub fn add_decayed_weights(weight_decay: impl Into<Hyper>) -> AddDecayedWeights {
    AddDecayedWeights {
        weight_decay: weight_decay.into(),
        mask: None,
    }
}

impl AddDecayedWeights {
    setters! {
        /// Decay only the leaves where `mask` is true.
        mask: Some(impl Into<Mask>);

        /// Sets or clears the mask.
        mask_opt(mask: Option<Mask>);
    }

    fn unmasked(&self) -> AddDecayedWeights {
        AddDecayedWeights {
            weight_decay: self.weight_decay.clone(),
            mask: None,
        }
    }
}

crate::state::count_state!(
    /// The layout of `WeightDecaySchedule(count)`, the state with a schedule.
    WeightDecaySchedule
);

impl Transform for AddDecayedWeights {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        if let Some(mask) = &self.mask {
            return masked(self.unmasked(), mask.clone()).init(params);
        }
        Ok(match self.weight_decay {
            Hyper::Schedule(_) => WeightDecaySchedule::record(0),
            _ => State::Empty,
        })
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        params: Option<&Tree>,
        extra: &Extra,
    ) -> Result<(Tree, State)> {
        if let Some(mask) = &self.mask {
            return masked(self.unmasked(), mask.clone()).update(updates, state, params, extra);
        }
        let params = params.ok_or_else(|| OptaxError::params_required("add_decayed_weights"))?;
        let (decay, next) = match &self.weight_decay {
            Hyper::Schedule(s) => {
                let count = WeightDecaySchedule::count(state)?;
                (
                    crate::hyper::Scalar::Value(s.at(count)),
                    WeightDecaySchedule::record(safe_increment(count)),
                )
            }
            other => (other.at(0), State::Empty),
        };
        if decay.value() == Some(0.0) && !self.weight_decay.is_schedule() {
            updates.check_same_structure(params)?;
            return Ok((updates, next));
        }
        let updates = updates.zip_map(params, |u, p| u + decay.mul_tensor(p))?;
        Ok((updates, next))
    }

    fn validate(&self) -> Result<()> {
        self.weight_decay
            .check("weight_decay", f64::is_finite, "must be finite")
    }
}
