//! Host-side hyperparameters of the fused kernels, and the float32 constants a step derives
//! from them.
//!
//! Every constant is rounded to float32 exactly where the reference transforms of optax-core
//! round it (a host `f64` reaches a CPU tensor op as `value as f32`), so that a fused step
//! computes the same float32 operations, in the same order, as the unfused chain:
//!
//! ```text
//! (1 - b)        computed in f64, then rounded       (tree::update_moment's `keep`)
//! 1 - b^t        (1f32 - (b as f32 as f64)^t as f32)  (tree::bias_correction)
//! -lr            computed in f64, then rounded       (scale_by_learning_rate)
//! ```

/// Optax's `safe_increment`: the int32 step count, saturating at `i32::MAX`.
pub fn safe_increment(count: i64) -> i64 {
    if count < i32::MAX as i64 {
        count + 1
    } else {
        count
    }
}

/// `1 - decay^count` as `optax_core::tree::bias_correction` computes it: `decay` rounded to
/// float32, the power correctly rounded (in f64, then to f32), the difference in float32 (as
/// Optax under `jit`).
pub fn bias_correction(decay: f64, count: i64) -> f32 {
    let count = count.clamp(0, i32::MAX as i64) as i32;
    1.0f32 - ((decay as f32) as f64).powi(count) as f32
}

/// Hyperparameters of one fused Adam / AdamW / NAdam(W) step: `optax.adamw` (or `adam` with
/// `weight_decay: None`), all host numbers. A schedule is evaluated by the caller at its own
/// step count and passed as `learning_rate`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamHyper {
    /// The learning rate of this step (the update is scaled by `-learning_rate`).
    pub learning_rate: f64,
    /// Decay of the first moment.
    pub b1: f64,
    /// Decay of the second moment.
    pub b2: f64,
    /// Added to the denominator outside the square root.
    pub eps: f64,
    /// Added to the second moment inside the square root.
    pub eps_root: f64,
    /// Decoupled weight decay (`add_decayed_weights`): `None` adds no term at all (Optax's
    /// `adam`, and `adamw` with a constant `weight_decay=0`), `Some(wd)` adds `wd·p` to the
    /// leaves the decay mask selects (even for `wd = 0`, as a schedule at zero does).
    pub weight_decay: Option<f64>,
    /// Nesterov momentum (NAdam).
    pub nesterov: bool,
    /// `ScaleByAdamState.count` before this step.
    pub count: i64,
}

impl AdamHyper {
    /// Optax's defaults (`b1=0.9, b2=0.999, eps=1e-8, eps_root=0`), no weight decay, count 0.
    pub fn new(learning_rate: f64) -> Self {
        Self {
            learning_rate,
            b1: 0.9,
            b2: 0.999,
            eps: 1e-8,
            eps_root: 0.0,
            weight_decay: None,
            nesterov: false,
            count: 0,
        }
    }

    /// The float32 constants of this step.
    pub(crate) fn consts(&self) -> AdamConsts {
        let count_inc = safe_increment(self.count);
        AdamConsts {
            b1: self.b1 as f32,
            k1: (1.0 - self.b1) as f32,
            b2: self.b2 as f32,
            k2: (1.0 - self.b2) as f32,
            c1: bias_correction(self.b1, count_inc),
            c1_next: bias_correction(self.b1, safe_increment(count_inc)),
            c2: bias_correction(self.b2, count_inc),
            eps: self.eps as f32,
            eps_root: self.eps_root as f32,
            wd: self.weight_decay.unwrap_or(0.0) as f32,
            neg_lr: (-self.learning_rate) as f32,
            nesterov: self.nesterov,
        }
    }
}

/// The float32 constants of an Adam step.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AdamConsts {
    pub b1: f32,
    pub k1: f32,
    pub b2: f32,
    pub k2: f32,
    pub c1: f32,
    pub c1_next: f32,
    pub c2: f32,
    pub eps: f32,
    pub eps_root: f32,
    pub wd: f32,
    pub neg_lr: f32,
    pub nesterov: bool,
}

/// Hyperparameters of one fused RMSProp step (`optax.rmsprop`), all host numbers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RmsPropHyper {
    /// The learning rate of this step.
    pub learning_rate: f64,
    /// Decay of the moving averages.
    pub decay: f64,
    /// Added to the denominator (see `eps_in_sqrt`).
    pub eps: f64,
    /// `1/sqrt(v + eps)` (true, Optax's default) or `1/(sqrt(v) + eps)`.
    pub eps_in_sqrt: bool,
    /// Centered RMSProp (`scale_by_stddev`): needs the first-moment state `mu`.
    pub centered: bool,
    /// Divide the moving averages by `1 - decay^t` (uses `count`).
    pub bias_correction: bool,
    /// Heavy-ball momentum (`trace`) after the learning rate: needs the `trace` state.
    pub momentum: Option<f64>,
    /// Nesterov form of the momentum.
    pub nesterov: bool,
    /// The count of the scaling state before this step (read only with `bias_correction`).
    pub count: i64,
}

impl RmsPropHyper {
    /// Optax's defaults (`decay=0.9, eps=1e-8, eps_in_sqrt=True`), plain, no momentum.
    pub fn new(learning_rate: f64) -> Self {
        Self {
            learning_rate,
            decay: 0.9,
            eps: 1e-8,
            eps_in_sqrt: true,
            centered: false,
            bias_correction: false,
            momentum: None,
            nesterov: false,
            count: 0,
        }
    }

    pub(crate) fn consts(&self) -> RmsPropConsts {
        let count_inc = safe_increment(self.count);
        RmsPropConsts {
            decay: self.decay as f32,
            keep: (1.0 - self.decay) as f32,
            c: if self.bias_correction {
                Some(bias_correction(self.decay, count_inc))
            } else {
                None
            },
            eps: self.eps as f32,
            eps_in_sqrt: self.eps_in_sqrt,
            centered: self.centered,
            neg_lr: (-self.learning_rate) as f32,
            momentum: self.momentum.map(|m| m as f32),
            nesterov: self.nesterov,
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct RmsPropConsts {
    pub decay: f32,
    pub keep: f32,
    pub c: Option<f32>,
    pub eps: f32,
    pub eps_in_sqrt: bool,
    pub centered: bool,
    pub neg_lr: f32,
    pub momentum: Option<f32>,
    pub nesterov: bool,
}

/// Hyperparameters of one fused SGD-with-momentum step (`optax.sgd(lr, momentum, nesterov)`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SgdHyper {
    /// The learning rate of this step.
    pub learning_rate: f64,
    /// The momentum (`trace`'s `decay`).
    pub momentum: f64,
    /// Nesterov form.
    pub nesterov: bool,
}

impl SgdHyper {
    pub(crate) fn consts(&self) -> SgdConsts {
        SgdConsts {
            momentum: self.momentum as f32,
            neg_lr: (-self.learning_rate) as f32,
            nesterov: self.nesterov,
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct SgdConsts {
    pub momentum: f32,
    pub neg_lr: f32,
    pub nesterov: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bias_correction_is_float32_as_optax() {
        // 1 - 0.9 = 0.1 (in f32 arithmetic from the f32-rounded decay).
        assert_eq!(bias_correction(0.9, 1), 1.0f32 - (0.9f32 as f64) as f32);
        assert_eq!(bias_correction(0.999, 0), 0.0);
        assert_eq!(safe_increment(i32::MAX as i64), i32::MAX as i64);
    }
}
