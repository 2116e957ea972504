//! `scale_by_lion`: the sign of an interpolation of momentum and gradient.
//!
//! Chen, Liang, Huang, Real, Wang, Pham, Dong, Luong, Hsieh, Lu & Le, *Symbolic Discovery of
//! Optimization Algorithms*, NeurIPS 2023 (<https://arxiv.org/abs/2302.06675>). Besides the
//! paper's sign (`hard`), Optax offers a `smooth` variant (`tanh`) and a `refined` one
//! (linear below 1 in magnitude, the sign above).
//!
//! ```text
//! c_t = (1 - b1)·g_t + b1·m_{t-1}
//! u_t = sign(c_t)                          (hard)
//! u_t = tanh(smooth_beta·c_t)              (smooth)
//! u_t = c_t if |c_t| < 1 else sign(c_t)    (refined)
//! m_t = b2·m_{t-1} + (1 - b2)·g_t
//! ```

use std::fmt;
use std::str::FromStr;

use burn::tensor::{DType, Tensor};

use crate::error::{OptaxError, Result};
use crate::hyper::Hyper;
use crate::setters::setters;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, Transform};
use crate::transforms::check_decay;
use crate::transforms::scale_by_amsgrad::promote_like;
use crate::tree::{self, Tree};

/// The sign variant of [`scale_by_lion`] (Optax's `mode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LionMode {
    /// `sign(c)`, the paper's rule (`"hard"`).
    #[default]
    Hard,
    /// `tanh(smooth_beta · c)` (`"smooth"`).
    Smooth,
    /// `c` where `|c| < 1`, else `sign(c)` (`"refined"`).
    Refined,
}

impl LionMode {
    /// Optax's name of the mode.
    pub fn name(self) -> &'static str {
        match self {
            LionMode::Hard => "hard",
            LionMode::Smooth => "smooth",
            LionMode::Refined => "refined",
        }
    }
}

impl fmt::Display for LionMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for LionMode {
    type Err = OptaxError;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "hard" => Ok(LionMode::Hard),
            "smooth" => Ok(LionMode::Smooth),
            "refined" => Ok(LionMode::Refined),
            other => Err(OptaxError::invalid(
                "mode",
                format!(
                    "unknown lion mode `{other}`: must be one of \"hard\", \"smooth\", \"refined\""
                ),
            )),
        }
    }
}

/// Lion's scaling (`optax.scale_by_lion`). State `ScaleByLionState(count, mu)`.
#[derive(Clone, Debug)]
pub struct ScaleByLion {
    pub(crate) b1: Hyper,
    pub(crate) b2: Hyper,
    pub(crate) mu_dtype: Option<DType>,
    pub(crate) mode: LionMode,
    pub(crate) smooth_beta: Hyper,
}

/// `optax.scale_by_lion(b1=0.9, b2=0.99, mu_dtype=None, *, mode='hard', smooth_beta=1.0)`.
pub fn scale_by_lion() -> ScaleByLion {
    ScaleByLion {
        b1: 0.9.into(),
        b2: 0.99.into(),
        mu_dtype: None,
        mode: LionMode::Hard,
        smooth_beta: 1.0.into(),
    }
}

impl ScaleByLion {
    setters! {
        /// Weight of the momentum against the current gradient in the step direction.
        b1: impl Into<Hyper>;

        /// Decay of the momentum.
        b2: impl Into<Hyper>;

        /// Storage dtype of the momentum.
        mu_dtype: Option<DType>;

        /// The sign variant: `hard` (default), `smooth` or `refined`.
        mode: LionMode;

        /// The factor inside `tanh` in `smooth` mode.
        smooth_beta: impl Into<Hyper>;
    }
}

/// `sign(x)` with NaN kept NaN, as `jnp.sign` (Burn's `sign` maps NaN to 0).
fn sign_nan(x: Tensor<1>) -> Tensor<1> {
    let nan = x.clone().is_nan();
    x.clone().sign().mask_where(nan, x)
}

impl Transform for ScaleByLion {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        let mu = match self.mu_dtype {
            Some(d) => tree::cast(&tree::zeros_like(params), d)?,
            None => tree::zeros_like(params),
        };
        Ok(State::record(
            "ScaleByLionState",
            vec![("count", State::Int(0)), ("mu", State::Tree(mu))],
        ))
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        _params: Option<&Tree>,
        _extra: &Extra,
    ) -> Result<(Tree, State)> {
        state.expect_record("ScaleByLionState")?;
        let count = state.field("count")?.as_int()?;
        let mu = promote_like(
            state.field("mu")?.tree_like(&updates)?,
            &updates,
            self.mu_dtype,
        )?;
        let (b1, b2) = (self.b1.scalar("b1")?, self.b2.scalar("b2")?);
        let smooth_beta = self.smooth_beta.scalar("smooth_beta")?;

        let keep = 1.0 - b1.clone();
        let updates_new = updates.zip_map(&mu, |g, m| {
            let c = keep.mul_tensor(g) + b1.mul_tensor(m);
            match self.mode {
                LionMode::Hard => sign_nan(c),
                LionMode::Smooth => smooth_beta.mul_tensor(c).tanh(),
                LionMode::Refined => {
                    let small = c.clone().abs().lower_elem(1.0);
                    sign_nan(c.clone()).mask_where(small, c)
                }
            }
        })?;
        let mu = tree::update_moment(&updates, &mu, &b2, 1)?;
        let mu = match self.mu_dtype {
            Some(d) => tree::cast(&mu, d)?,
            None => mu,
        };
        let count_inc = safe_increment(count);
        Ok((
            updates_new,
            State::record(
                "ScaleByLionState",
                vec![("count", State::Int(count_inc)), ("mu", State::Tree(mu))],
            ),
        ))
    }

    fn validate(&self) -> Result<()> {
        self.b1.scalar("b1")?;
        self.b1
            .check("b1", |v| (0.0..=1.0).contains(&v), "must be in [0, 1]")?;
        check_decay(&self.b2, "b2")?;
        self.smooth_beta.scalar("smooth_beta")?;
        if self.mode == LionMode::Smooth {
            self.smooth_beta.check(
                "smooth_beta",
                |v| v > 0.0 && v.is_finite(),
                "must be finite and > 0",
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::OptaxError;
    use burn::tensor::{Device, Tensor, TensorData};

    fn tree(values: &[f32]) -> Tree {
        let t = Tensor::<1>::from_data(
            TensorData::new(values.to_vec(), [values.len()]),
            &Device::flex(),
        );
        Tree::builder().leaf("w", t).build().unwrap()
    }

    fn invalid(t: &impl Transform, name: &str) {
        let err = t.init(&tree(&[1.0])).unwrap_err();
        assert!(
            matches!(err, OptaxError::InvalidHyperparameter { name: ref n, .. } if n == name),
            "{err}"
        );
    }

    #[test]
    fn invalid_hyperparameters_are_errors() {
        invalid(&scale_by_lion().b1(1.5), "b1");
        invalid(&scale_by_lion().b2(1.0), "b2");
        invalid(
            &scale_by_lion().mode(LionMode::Smooth).smooth_beta(0.0),
            "smooth_beta",
        );
        // smooth_beta is unused (and unchecked) in the other modes.
        scale_by_lion()
            .smooth_beta(0.0)
            .init(&tree(&[1.0]))
            .unwrap();
        let err = "soft".parse::<LionMode>().unwrap_err();
        assert!(
            matches!(err, OptaxError::InvalidHyperparameter { ref name, .. } if name == "mode"),
            "{err}"
        );
        assert_eq!("refined".parse::<LionMode>().unwrap(), LionMode::Refined);
    }

    #[test]
    fn modes() {
        // m = 0, so c = (1 - b1)·g = 0.1·g.
        let g = tree(&[30.0, -2.0, 0.0, f32::NAN]);
        let run = |t: ScaleByLion| {
            let s = t.init(&g).unwrap();
            t.update(g.clone(), &s, None, &Extra::none())
                .unwrap()
                .0
                .to_vecs()
                .unwrap()[0]
                .clone()
        };
        let hard = run(scale_by_lion());
        assert_eq!(&hard[..3], &[1.0, -1.0, 0.0]);
        assert!(hard[3].is_nan());
        let refined = run(scale_by_lion().mode(LionMode::Refined));
        assert!(
            (refined[0] - 1.0).abs() < 1e-6 && (refined[1] + 0.2).abs() < 1e-6 && refined[2] == 0.0
        );
        assert!(refined[3].is_nan());
        let smooth = run(scale_by_lion().mode(LionMode::Smooth).smooth_beta(2.0));
        assert!(
            (smooth[1] as f64 - (-0.4f64).tanh()).abs() < 1e-6,
            "{smooth:?}"
        );
    }
}
