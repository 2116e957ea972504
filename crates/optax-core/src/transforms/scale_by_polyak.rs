//! `scale_by_polyak`: scale the update by Polyak's step size, computed from the loss `value`
//! passed as an extra argument.
//!
//! Loizou, Vaswani, Laradji & Lacoste-Julien, *Stochastic Polyak Step-size for SGD: An
//! Adaptive Learning Rate for Fast Convergence*, AISTATS 2021
//! (<https://arxiv.org/abs/2002.10542>); the `sps+` variant: Garrigos, Gower & Schaipp,
//! *Function Value Learning: Adaptive Learning Rates Based on the Polyak Stepsize and Function
//! Splitting in ERM*, 2023 (<https://arxiv.org/abs/2307.14528>).
//!
//! ```text
//! gap_t = value_t - f_min                 ('sps')
//! gap_t = max(value_t - f_min, 0)         ('sps+')
//! s_t   = 0                                            if ‖g_t‖² + eps <= ε_f64
//! s_t   = min(gap_t / (‖g_t‖² + eps), max_learning_rate)  otherwise
//! u_t   = s_t · g_t
//! ```
//!
//! `‖g_t‖²` is the squared norm of the whole tree and `ε_f64` the machine epsilon of float64
//! (Optax's `jnp.finfo(float).eps`). The step stays on the device.

use crate::error::{OptaxError, Result};
use crate::hyper::{Hyper, Scalar};
use crate::setters::setters;
use crate::state::State;
use crate::transform::{Extra, Transform};
use crate::transforms::check_nonneg;
use crate::tree::{self, NormOrd, Tree};

/// Polyak's step size (`optax.scale_by_polyak`). Stateless (`EmptyState`); needs the extra
/// argument `value` (the loss at the current parameters).
#[derive(Clone, Debug)]
pub struct ScaleByPolyak {
    pub(crate) f_min: Hyper,
    pub(crate) max_learning_rate: Hyper,
    pub(crate) eps: Hyper,
    pub(crate) variant: String,
}

/// `optax.scale_by_polyak(f_min=0.0, max_learning_rate=1.0, eps=0.0, variant='sps')`.
pub fn scale_by_polyak() -> ScaleByPolyak {
    ScaleByPolyak {
        f_min: 0.0.into(),
        max_learning_rate: 1.0.into(),
        eps: 0.0.into(),
        variant: "sps".to_string(),
    }
}

impl ScaleByPolyak {
    setters! {
        /// Lower bound of the objective (`f*`).
        f_min: impl Into<Hyper>;

        /// Largest step size.
        max_learning_rate: impl Into<Hyper>;

        /// Added to the squared gradient norm in the denominator.
        eps: impl Into<Hyper>;

        /// `"sps"` or `"sps+"` (the gap clipped at zero).
        variant: impl Into<String>;
    }
}

/// Checks Polyak's `variant` argument.
pub(crate) fn check_polyak_variant(variant: &str) -> Result<()> {
    match variant {
        "sps" | "sps+" => Ok(()),
        other => Err(OptaxError::invalid(
            "variant",
            format!("must be 'sps' or 'sps+', found '{other}'"),
        )),
    }
}

impl Transform for ScaleByPolyak {
    fn init(&self, _params: &Tree) -> Result<State> {
        self.validate()?;
        Ok(State::Empty)
    }

    fn update(
        &self,
        updates: Tree,
        _state: &State,
        _params: Option<&Tree>,
        extra: &Extra,
    ) -> Result<(Tree, State)> {
        let value = extra
            .get("value")
            .ok_or_else(|| OptaxError::ExtraArgRequired {
                transform: "scale_by_polyak".to_string(),
                arg: "value".to_string(),
            })?;
        check_polyak_variant(&self.variant)?;
        let f_min = self.f_min.scalar("f_min")?;
        let max_learning_rate = self.max_learning_rate.scalar("max_learning_rate")?;
        let eps = self.eps.scalar("eps")?;

        let grad_sq_norm = tree::norm(&updates, NormOrd::L2, true);
        let mut gap = f_min.sub_from_tensor(value.to_tensor(&grad_sq_norm.device()));
        if self.variant == "sps+" {
            gap = gap.clamp_min(0.0);
        }
        let denom = eps.add_tensor(grad_sq_norm);
        let ratio = gap / denom.clone();
        let capped = match &max_learning_rate {
            Scalar::Value(v) => {
                let cap = ratio.full_like(*v);
                ratio.min_pair(cap)
            }
            Scalar::Tensor(t) => ratio.min_pair(t.clone()),
        };
        let tiny = denom.lower_equal_elem(f64::EPSILON);
        let step = capped.mask_fill(tiny, 0.0);
        Ok((updates.into_map(|u| u * step.clone()), State::Empty))
    }

    fn validate(&self) -> Result<()> {
        self.f_min.scalar("f_min")?;
        self.f_min
            .check("f_min", f64::is_finite, "must be finite")?;
        check_nonneg(&self.max_learning_rate, "max_learning_rate")?;
        check_nonneg(&self.eps, "eps")?;
        check_polyak_variant(&self.variant)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, Tensor, TensorData};

    fn tree(values: &[f32]) -> Tree {
        let device = Device::flex();
        let t = Tensor::<1>::from_data(TensorData::new(values.to_vec(), [values.len()]), &device);
        Tree::builder().leaf("w", t).build().unwrap()
    }

    #[test]
    fn value_is_required() {
        let p = tree(&[1.0, 2.0]);
        let t = scale_by_polyak();
        let s = t.init(&p).unwrap();
        let err = t
            .update(p.clone(), &s, Some(&p), &Extra::none())
            .unwrap_err();
        assert_eq!(
            err,
            OptaxError::ExtraArgRequired {
                transform: "scale_by_polyak".into(),
                arg: "value".into()
            }
        );
    }

    #[test]
    fn invalid_hyperparameters_are_errors() {
        let p = tree(&[1.0]);
        for (t, name) in [
            (scale_by_polyak().variant("sgd"), "variant"),
            (
                scale_by_polyak().max_learning_rate(-1.0),
                "max_learning_rate",
            ),
            (scale_by_polyak().eps(-1.0), "eps"),
            (scale_by_polyak().f_min(f64::NAN), "f_min"),
        ] {
            let err = t.init(&p).unwrap_err();
            assert!(
                matches!(err, OptaxError::InvalidHyperparameter { name: ref n, .. } if n == name),
                "{err}"
            );
        }
    }

    #[test]
    fn polyak_step() {
        // ‖g‖² = 4; gap = 3 - 1 = 2; step = min(2 / 4, 1) = 0.5.
        let g = tree(&[2.0, 0.0]);
        let t = scale_by_polyak().f_min(1.0);
        let (u, _) = t
            .update(g.clone(), &State::Empty, None, &Extra::value(3.0))
            .unwrap();
        assert_eq!(u.to_vecs().unwrap(), vec![vec![1.0, 0.0]]);
        // A negative gap: 'sps' keeps it, 'sps+' clips it to 0.
        let (u, _) = t
            .update(g.clone(), &State::Empty, None, &Extra::value(-1.0))
            .unwrap();
        assert_eq!(u.to_vecs().unwrap(), vec![vec![-1.0, 0.0]]);
        let t = t.variant("sps+");
        let (u, _) = t
            .update(g, &State::Empty, None, &Extra::value(-1.0))
            .unwrap();
        assert_eq!(u.to_vecs().unwrap()[0][0], 0.0);
        // A zero gradient gives a zero step, not NaN.
        let (u, _) = scale_by_polyak()
            .update(tree(&[0.0]), &State::Empty, None, &Extra::value(1.0))
            .unwrap();
        assert_eq!(u.to_vecs().unwrap(), vec![vec![0.0]]);
    }
}
