//! `scale_by_stddev`: rescale updates by the root of the centered moving average of their
//! squares (the denominator of centered RMSProp).
//!
//! Graves, *Generating Sequences With Recurrent Neural Networks*, 2013
//! (<https://arxiv.org/abs/1308.0850>), eq. 38–41.
//!
//! ```text
//! m_t = decay·m_{t-1} + (1 - decay)·g_t
//! v_t = decay·v_{t-1} + (1 - decay)·g_t²          (v_0 = initial_scale)
//! m̂_t, v̂_t = m_t, v_t / (1 - decay^t)            (bias_correction, else m̂ = m, v̂ = v)
//! u_t = g_t / sqrt(v̂_t - m̂_t² + eps)             (eps_in_sqrt)
//! u_t = g_t / (sqrt(v̂_t - m̂_t²) + eps)           (otherwise)
//! ```

use burn::tensor::Tensor;

use crate::error::Result;
use crate::hyper::Hyper;
use crate::setters::setters;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, Transform};
use crate::transforms::{check_decay, check_nonneg};
use crate::tree::{self, Tree};

use super::scale_by_rms::rms_scaling;

/// Centered RMS scaling (`optax.scale_by_stddev`). State `ScaleByRStdDevState(mu, nu)`, or
/// `ScaleByRStdDevWithCountState(count, mu, nu)` with `bias_correction`.
#[derive(Clone, Debug)]
pub struct ScaleByStddev {
    pub(crate) decay: Hyper,
    pub(crate) eps: Hyper,
    pub(crate) initial_scale: Hyper,
    pub(crate) eps_in_sqrt: bool,
    pub(crate) bias_correction: bool,
}

/// `optax.scale_by_stddev(decay=0.9, eps=1e-8, initial_scale=0.0, eps_in_sqrt=True,
/// bias_correction=False)`.
pub fn scale_by_stddev() -> ScaleByStddev {
    ScaleByStddev {
        decay: 0.9.into(),
        eps: 1e-8.into(),
        initial_scale: 0.0.into(),
        eps_in_sqrt: true,
        bias_correction: false,
    }
}

impl ScaleByStddev {
    setters! {
        /// Decay of both moving averages.
        decay: impl Into<Hyper>;

        /// Added to the denominator (inside or outside the square root, see `eps_in_sqrt`).
        eps: impl Into<Hyper>;

        /// Initial value of the second moment.
        initial_scale: impl Into<Hyper>;

        /// Whether `eps` is added inside the square root or outside it.
        eps_in_sqrt: bool;

        /// Divide both moving averages by `1 - decay^t` (keeps a step count in the state).
        bias_correction: bool;
    }
}

/// The layout of `ScaleByRStdDevState(mu, nu)` and, with `bias_correction`,
/// `ScaleByRStdDevWithCountState(count, mu, nu)`: named here only (the fused adapter of
/// centered `rmsprop` reads the same constants).
pub(crate) struct ScaleByRStdDevState;

impl ScaleByRStdDevState {
    pub(crate) const KIND: &'static str = "ScaleByRStdDevState";
    pub(crate) const WITH_COUNT: &'static str = "ScaleByRStdDevWithCountState";
    pub(crate) const COUNT: &'static str = "count";
    pub(crate) const MU: &'static str = "mu";
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
    pub(crate) fn record(count: Option<State>, mu: State, nu: State) -> State {
        let kind = Self::kind(count.is_some());
        let mut fields = Vec::with_capacity(3);
        fields.extend(count.map(|c| (Self::COUNT, c)));
        fields.push((Self::MU, mu));
        fields.push((Self::NU, nu));
        State::record(kind, fields)
    }
}

/// The state record, with or without the count.
fn stddev_state(count: Option<i64>, mu: Tree, nu: Tree) -> State {
    ScaleByRStdDevState::record(count.map(State::Int), State::Tree(mu), State::Tree(nu))
}

/// `n - m²` rounded once, as XLA computes Optax's `n - abs_sq(m)` (it contracts the multiply
/// and the subtraction into a fused multiply-add). This matters where the variance cancels to
/// rounding noise, e.g. the first bias-corrected step, where `n̂ = m̂²` exactly: a product
/// rounded before the subtraction leaves a different noise, and `1/sqrt(noise + eps)` shows it.
///
/// Burn has no FMA, so the rounding error of `m·m` is recovered exactly (Veltkamp's split and
/// Dekker's product: every partial product below is exact in float32) and subtracted after
/// the difference `n - m·m`, which is exact when it cancels (Sterbenz).
fn sub_square(n: Tensor<1>, m: Tensor<1>) -> Tensor<1> {
    let p = m.clone() * m.clone();
    let c = m.clone().mul_scalar(4097.0);
    let hi = c.clone() - (c - m.clone());
    let lo = m - hi.clone();
    let err = ((hi.clone() * hi.clone() - p.clone()) + (hi * lo.clone()).mul_scalar(2.0))
        + lo.clone() * lo;
    (n - p) - err
}

impl Transform for ScaleByStddev {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        let initial_scale = self.initial_scale.scalar("initial_scale")?;
        let nu = params.map(|p| initial_scale.add_tensor(p.zeros_like()));
        Ok(stddev_state(
            self.bias_correction.then_some(0),
            tree::zeros_like(params),
            nu,
        ))
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        _params: Option<&Tree>,
        _extra: &Extra,
    ) -> Result<(Tree, State)> {
        let count = if self.bias_correction {
            state.expect_record(ScaleByRStdDevState::WITH_COUNT)?;
            Some(state.field(ScaleByRStdDevState::COUNT)?.as_int()?)
        } else {
            state.expect_record(ScaleByRStdDevState::KIND)?;
            None
        };
        let mu = state.field(ScaleByRStdDevState::MU)?.tree_like(&updates)?;
        let nu = state.field(ScaleByRStdDevState::NU)?.tree_like(&updates)?;
        let (decay, eps) = (self.decay.scalar("decay")?, self.eps.scalar("eps")?);

        let mu = tree::update_moment(&updates, mu, &decay, 1)?;
        let nu = tree::update_moment_per_elem_norm(&updates, nu, &decay, 2)?;
        let count_inc = count.map(safe_increment);
        let (mu_hat, nu_hat) = match count_inc {
            Some(c) => (
                tree::bias_correction(&mu, &decay, c),
                tree::bias_correction(&nu, &decay, c),
            ),
            None => (mu.clone(), nu.clone()),
        };
        let variance = nu_hat.zip_map(&mu_hat, sub_square)?;
        let updates = variance.zip_map(&updates, |var, g| {
            rms_scaling(var, &eps, self.eps_in_sqrt) * g
        })?;
        Ok((updates, stddev_state(count_inc, mu, nu)))
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
            .build()
            .unwrap()
    }

    fn invalid(r: Result<State>) -> bool {
        matches!(r, Err(OptaxError::InvalidHyperparameter { .. }))
    }

    #[test]
    fn invalid_hyperparameters_are_errors() {
        let p = params();
        assert!(invalid(scale_by_stddev().decay(1.5).init(&p)));
        assert!(invalid(
            scale_by_stddev().decay(Schedule::new(|_| 0.9)).init(&p)
        ));
        assert!(invalid(scale_by_stddev().eps(-1.0).init(&p)));
        assert!(invalid(
            scale_by_stddev().initial_scale(f64::INFINITY).init(&p)
        ));
    }

    #[test]
    fn variance_is_rounded_once() {
        let device = Device::flex();
        // m² = 1 + 2^-11 + 2^-24 is not a float32; n = fl(m²) = 1 + 2^-11: n - m² = -2^-24.
        let m = Tensor::<1>::from_floats([1.0 + 2f32.powi(-12)], &device);
        let n = Tensor::<1>::from_floats([1.0 + 2f32.powi(-11)], &device);
        let v = Tree::builder()
            .leaf("v", sub_square(n, m))
            .build()
            .unwrap()
            .to_vecs()
            .unwrap();
        assert_eq!(v[0], vec![-(2f32.powi(-24))]);
    }

    #[test]
    fn state_variants_follow_bias_correction() {
        let p = params();
        let s = scale_by_stddev().init(&p).unwrap();
        assert!(s.expect_record("ScaleByRStdDevState").is_ok());
        let t = scale_by_stddev().bias_correction(true);
        let s = t.init(&p).unwrap();
        assert!(s.expect_record("ScaleByRStdDevWithCountState").is_ok());
        assert!(scale_by_stddev()
            .update(p.clone(), &s, None, &Extra::none())
            .is_err());
        let (_, s) = t.update(p.clone(), &s, None, &Extra::none()).unwrap();
        assert_eq!(s.field("count").unwrap().as_int().unwrap(), 1);
    }
}
