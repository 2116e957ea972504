//! `scale_by_rms`: rescale updates by the root of an exponential moving average of their
//! squares (RMSProp's denominator).
//!
//! Hinton, *Neural Networks for Machine Learning*, Coursera lecture 6e, 2012
//! (<http://www.cs.toronto.edu/~tijmen/csc321/slides/lecture_slides_lec6.pdf>); Graves,
//! *Generating Sequences With Recurrent Neural Networks*, 2013
//! (<https://arxiv.org/abs/1308.0850>).
//!
//! ```text
//! v_0 = initial_scale
//! v_t = decay·v_{t-1} + (1 - decay)·g_t²
//! v̂_t = v_t / (1 - decay^t)          (bias_correction, else v̂_t = v_t)
//! u_t = g_t / sqrt(v̂_t + eps)         (eps_in_sqrt)
//! u_t = g_t / (sqrt(v̂_t) + eps)       (otherwise)
//! ```
//!
//! `scale_by_rms(decay=b2, eps_in_sqrt=false, bias_correction=true)` is `scale_by_adam(b1=0,
//! b2=b2)` without the first moment.

use burn::tensor::Tensor;

use crate::error::Result;
use crate::hyper::{Hyper, Scalar};
use crate::setters::setters;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, Transform};
use crate::transforms::{check_decay, check_nonneg};
use crate::tree::{self, Tree};

/// RMS scaling (`optax.scale_by_rms`). State `ScaleByRmsState(nu)`, or
/// `ScaleByRmsWithCountState(count, nu)` with `bias_correction`.
#[derive(Clone, Debug)]
pub struct ScaleByRms {
    pub(crate) decay: Hyper,
    pub(crate) eps: Hyper,
    pub(crate) initial_scale: Hyper,
    pub(crate) eps_in_sqrt: bool,
    pub(crate) bias_correction: bool,
}

/// `optax.scale_by_rms(decay=0.9, eps=1e-8, initial_scale=0.0, eps_in_sqrt=True,
/// bias_correction=False)`.
pub fn scale_by_rms() -> ScaleByRms {
    ScaleByRms {
        decay: 0.9.into(),
        eps: 1e-8.into(),
        initial_scale: 0.0.into(),
        eps_in_sqrt: true,
        bias_correction: false,
    }
}

impl ScaleByRms {
    setters! {
        /// Decay of the moving average of squared updates.
        decay: impl Into<Hyper>;

        /// Added to the denominator (inside or outside the square root, see `eps_in_sqrt`).
        eps: impl Into<Hyper>;

        /// Initial value of the second moment.
        initial_scale: impl Into<Hyper>;

        /// Whether `eps` is added inside the square root (`1/sqrt(v + eps)`) or outside it
        /// (`1/(sqrt(v) + eps)`).
        eps_in_sqrt: bool;

        /// Divide the moving average by `1 - decay^t` (keeps a step count in the state).
        bias_correction: bool;
    }
}

/// `1/sqrt(n + eps)` (`eps_in_sqrt`) or `1/(sqrt(n) + eps)`: the scaling RMSProp and its
/// centered form multiply the updates by.
pub(crate) fn rms_scaling(n: Tensor<1>, eps: &Scalar, eps_in_sqrt: bool) -> Tensor<1> {
    if eps_in_sqrt {
        eps.add_tensor(n).sqrt().recip()
    } else {
        eps.add_tensor(n.sqrt()).recip()
    }
}

/// The layout of `ScaleByRmsState(nu)` and, with `bias_correction`,
/// `ScaleByRmsWithCountState(count, nu)`: named here only (the fused adapter of `rmsprop`
/// reads the same constants).
pub(crate) struct ScaleByRmsState;

impl ScaleByRmsState {
    pub(crate) const KIND: &'static str = "ScaleByRmsState";
    pub(crate) const WITH_COUNT: &'static str = "ScaleByRmsWithCountState";
    pub(crate) const COUNT: &'static str = "count";
    pub(crate) const NU: &'static str = "nu";

    /// Optax's name of the record, with or without the count.
    pub(crate) fn kind(with_count: bool) -> &'static str {
        if with_count {
            Self::WITH_COUNT
        } else {
            Self::KIND
        }
    }

    /// The record, with the count when there is one.
    pub(crate) fn record(count: Option<State>, nu: State) -> State {
        let kind = Self::kind(count.is_some());
        let mut fields = Vec::with_capacity(2);
        fields.extend(count.map(|c| (Self::COUNT, c)));
        fields.push((Self::NU, nu));
        State::record(kind, fields)
    }
}

/// The state record, with or without the count.
fn rms_state(count: Option<i64>, nu: Tree) -> State {
    ScaleByRmsState::record(count.map(State::Int), State::Tree(nu))
}

impl Transform for ScaleByRms {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        let initial_scale = self.initial_scale.scalar("initial_scale")?;
        let nu = params.map(|p| initial_scale.add_tensor(p.zeros_like()));
        Ok(rms_state(self.bias_correction.then_some(0), nu))
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        _params: Option<&Tree>,
        _extra: &Extra,
    ) -> Result<(Tree, State)> {
        let count = if self.bias_correction {
            state.expect_record(ScaleByRmsState::WITH_COUNT)?;
            Some(state.field(ScaleByRmsState::COUNT)?.as_int()?)
        } else {
            state.expect_record(ScaleByRmsState::KIND)?;
            None
        };
        let nu = state.field(ScaleByRmsState::NU)?.tree_like(&updates)?;
        let (decay, eps) = (self.decay.scalar("decay")?, self.eps.scalar("eps")?);

        let nu = tree::update_moment_per_elem_norm(&updates, nu, &decay, 2)?;
        let count_inc = count.map(safe_increment);
        let nu_hat = match count_inc {
            Some(c) => tree::bias_correction(&nu, &decay, c),
            None => nu.clone(),
        };
        let updates =
            nu_hat.zip_map(&updates, |n, g| rms_scaling(n, &eps, self.eps_in_sqrt) * g)?;
        Ok((updates, rms_state(count_inc, nu)))
    }

    fn validate(&self) -> Result<()> {
        check_decay(&self.decay, "decay")?;
        check_nonneg(&self.eps, "eps")?;
        check_nonneg(&self.initial_scale, "initial_scale")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::OptaxError;
    use crate::schedules::Schedule;
    use burn::tensor::Device;

    fn params() -> Tree {
        let device = Device::flex();
        Tree::builder()
            .leaf("w", Tensor::<1>::from_floats([1.0, -2.0, 3.0], &device))
            .scalar("s", 0.5, &device)
            .build()
            .unwrap()
    }

    fn invalid(r: Result<State>) -> bool {
        matches!(r, Err(OptaxError::InvalidHyperparameter { .. }))
    }

    #[test]
    fn invalid_hyperparameters_are_errors() {
        let p = params();
        assert!(invalid(scale_by_rms().decay(1.0).init(&p)));
        assert!(invalid(scale_by_rms().decay(-0.1).init(&p)));
        assert!(invalid(
            scale_by_rms().decay(Schedule::new(|_| 0.9)).init(&p)
        ));
        assert!(invalid(scale_by_rms().eps(-1e-8).init(&p)));
        assert!(invalid(scale_by_rms().eps(f64::NAN).init(&p)));
        assert!(invalid(scale_by_rms().initial_scale(-1.0).init(&p)));
    }

    #[test]
    fn state_variants_follow_bias_correction() {
        let p = params();
        let s = scale_by_rms().init(&p).unwrap();
        assert!(s.expect_record("ScaleByRmsState").is_ok());
        let t = scale_by_rms().bias_correction(true);
        let s = t.init(&p).unwrap();
        assert!(s.expect_record("ScaleByRmsWithCountState").is_ok());
        // A state of the other variant is a mismatch, not a panic.
        assert!(scale_by_rms()
            .update(p.clone(), &s, None, &Extra::none())
            .is_err());
        let (_, s) = t.update(p.clone(), &s, None, &Extra::none()).unwrap();
        assert_eq!(s.field("count").unwrap().as_int().unwrap(), 1);
    }

    #[test]
    fn first_step_matches_hand_computation() {
        let p = params();
        let t = scale_by_rms().decay(0.5).eps(0.0);
        let s = t.init(&p).unwrap();
        let (u, _) = t.update(p.clone(), &s, None, &Extra::none()).unwrap();
        // v = 0.5·g², u = g / sqrt(v) = sign(g)·sqrt(2).
        let r = std::f32::consts::SQRT_2;
        let got = u.to_vecs().unwrap();
        for (a, b) in got[0].iter().zip([r, -r, r]) {
            assert!((a - b).abs() < 1e-6);
        }
    }
}
