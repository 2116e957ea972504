//! `ema`: exponential moving average of the updates, optionally debiased.
//!
//! The bias correction is Adam's: Kingma & Ba, *Adam: A Method for Stochastic Optimization*,
//! ICLR 2015 (<https://arxiv.org/abs/1412.6980>), section 3.
//!
//! ```text
//! e_t = (1 - decay)·u_t + decay·e_{t-1}
//! u_t = e_t / (1 - decay^t)        (debias)
//! u_t = e_t                        (no debias)
//! ```
//!
//! The state keeps `e_t`, not debiased, stored in `accumulator_dtype` when one is given; the
//! arithmetic runs in the promoted dtype of the update and the stored average (as in Optax).

use burn::tensor::DType;

use crate::error::{OptaxError, Result};
use crate::hyper::Hyper;
use crate::setters::setters;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, Transform};
use crate::transforms::{cast_opt, promoted};
use crate::tree::{self, Tree};

/// Exponential moving average (`optax.ema`). State `EmaState(count, ema)`.
#[derive(Clone, Debug)]
pub struct Ema {
    pub(crate) decay: Hyper,
    pub(crate) debias: bool,
    pub(crate) accumulator_dtype: Option<DType>,
}

/// `optax.ema(decay, debias=True, accumulator_dtype=None)`.
pub fn ema(decay: impl Into<Hyper>) -> Ema {
    Ema {
        decay: decay.into(),
        debias: true,
        accumulator_dtype: None,
    }
}

impl Ema {
    setters! {
        /// Divide by `1 - decay^t` (the stored average is never debiased).
        debias: bool;

        /// Storage dtype of the average (`None`: the dtype of the parameters).
        accumulator_dtype: Option<DType>;
    }
}

fn ema_state(count: i64, ema: Tree) -> State {
    State::record(
        "EmaState",
        vec![("count", State::Int(count)), ("ema", State::Tree(ema))],
    )
}

impl Transform for Ema {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        let ema = cast_opt(tree::zeros_like(params), self.accumulator_dtype)?;
        Ok(ema_state(0, ema))
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        _params: Option<&Tree>,
        _extra: &Extra,
    ) -> Result<(Tree, State)> {
        state.expect_record("EmaState")?;
        let count = state.field("count")?.as_int()?;
        let ema = state.field("ema")?.tree_like(&updates)?;
        let decay = self.decay.scalar("decay")?;

        // The stored average in the dtype the arithmetic runs in (a no-op without
        // `accumulator_dtype`).
        let ema = ema.zip_map(&updates, |e, g| promoted(e, g).0)?;
        let updates = updates.zip_map(&ema, |g, e| promoted(g, e).0)?;
        let new_ema = tree::update_moment(&updates, &ema, &decay, 1)?;
        let count_inc = safe_increment(count);
        let updates = if self.debias {
            tree::bias_correction(&new_ema, &decay, count_inc)
        } else {
            new_ema.clone()
        };
        let new_ema = cast_opt(new_ema, self.accumulator_dtype)?;
        Ok((updates, ema_state(count_inc, new_ema)))
    }

    fn validate(&self) -> Result<()> {
        self.decay.scalar("decay")?;
        if self.debias {
            // decay = 1 makes the debiasing factor 1 - 1^t = 0.
            crate::transforms::check_decay(&self.decay, "decay")?;
        } else {
            self.decay
                .check("decay", |v| (0.0..=1.0).contains(&v), "must be in [0, 1]")?;
        }
        if let Some(d) = self.accumulator_dtype {
            if !d.is_float() {
                return Err(OptaxError::invalid(
                    "accumulator_dtype",
                    "must be a float dtype",
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, Tensor};

    fn grads(v: f32) -> Tree {
        let device = Device::flex();
        Tree::builder()
            .leaf("w", Tensor::<1>::from_floats([v, -v], &device))
            .build()
            .unwrap()
    }

    #[test]
    fn debiased_average_of_a_constant_is_the_constant() {
        let t = ema(0.5);
        let mut s = t.init(&grads(0.0)).unwrap();
        for _ in 0..3 {
            let (u, next) = t.update(grads(2.0), &s, None, &Extra::none()).unwrap();
            assert_eq!(u.to_vecs().unwrap()[0], vec![2.0, -2.0]);
            s = next;
        }
        // The stored average is not debiased: 2·(1 - 0.5³).
        let e = s
            .field("ema")
            .unwrap()
            .as_tree()
            .unwrap()
            .to_vecs()
            .unwrap();
        assert_eq!(e[0], vec![1.75, -1.75]);
        assert_eq!(s.field("count").unwrap().as_int().unwrap(), 3);
    }

    #[test]
    fn without_debias_the_average_is_returned() {
        let t = ema(0.5).debias(false);
        let s = t.init(&grads(0.0)).unwrap();
        let (u, _) = t.update(grads(2.0), &s, None, &Extra::none()).unwrap();
        assert_eq!(u.to_vecs().unwrap()[0], vec![1.0, -1.0]);
    }

    #[test]
    fn bad_decay_is_an_error() {
        let p = grads(1.0);
        assert!(matches!(
            ema(1.0).init(&p),
            Err(OptaxError::InvalidHyperparameter { .. })
        ));
        assert!(ema(1.0).debias(false).init(&p).is_ok());
        assert!(matches!(
            ema(-0.1).init(&p),
            Err(OptaxError::InvalidHyperparameter { .. })
        ));
        assert!(matches!(
            ema(f64::NAN).debias(false).init(&p),
            Err(OptaxError::InvalidHyperparameter { .. })
        ));
    }

    #[test]
    fn accumulator_dtype_is_the_stored_dtype() {
        let t = ema(0.9).accumulator_dtype(Some(DType::BF16));
        let s = t.init(&grads(1.0)).unwrap();
        let (u, s) = t.update(grads(1.0), &s, None, &Extra::none()).unwrap();
        assert_eq!(u.leaves()[0].dtype(), DType::F32);
        assert_eq!(
            s.field("ema").unwrap().as_tree().unwrap().leaves()[0].dtype(),
            DType::BF16
        );
        let (u, _) = t.update(grads(1.0), &s, None, &Extra::none()).unwrap();
        assert_eq!(u.leaves()[0].dtype(), DType::F32);
    }
}
