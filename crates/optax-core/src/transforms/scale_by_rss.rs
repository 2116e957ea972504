//! `scale_by_rss`: rescale updates by the root of the sum of all squared gradients to date
//! (Adagrad's denominator).
//!
//! Duchi, Hazan & Singer, *Adaptive Subgradient Methods for Online Learning and Stochastic
//! Optimization*, JMLR 12, 2011 (<https://jmlr.org/papers/v12/duchi11a.html>).
//!
//! ```text
//! s_0 = initial_accumulator_value
//! s_t = g_t² + s_{t-1}
//! u_t = g_t / sqrt(s_t + eps)    where s_t > 0, else 0
//! ```

use crate::error::Result;
use crate::hyper::Hyper;
use crate::setters::setters;
use crate::state::State;
use crate::transform::{Extra, Transform};
use crate::transforms::check_nonneg;
use crate::tree::Tree;

/// Adagrad's scaling (`optax.scale_by_rss`). State `ScaleByRssState(sum_of_squares)`.
#[derive(Clone, Debug)]
pub struct ScaleByRss {
    pub(crate) initial_accumulator_value: Hyper,
    pub(crate) eps: Hyper,
}

/// `optax.scale_by_rss(initial_accumulator_value=0.1, eps=1e-7)`.
pub fn scale_by_rss() -> ScaleByRss {
    ScaleByRss {
        initial_accumulator_value: 0.1.into(),
        eps: 1e-7.into(),
    }
}

impl ScaleByRss {
    setters! {
        /// Starting value of the accumulators (must be >= 0).
        initial_accumulator_value: impl Into<Hyper>;

        /// Added inside the square root of the denominator.
        eps: impl Into<Hyper>;
    }
}

impl Transform for ScaleByRss {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        let initial = self
            .initial_accumulator_value
            .scalar("initial_accumulator_value")?;
        let sum_of_squares = params.map(|p| initial.add_tensor(p.zeros_like()));
        Ok(State::record(
            "ScaleByRssState",
            vec![("sum_of_squares", State::Tree(sum_of_squares))],
        ))
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        _params: Option<&Tree>,
        _extra: &Extra,
    ) -> Result<(Tree, State)> {
        state.expect_record("ScaleByRssState")?;
        let sum_of_squares = state.field("sum_of_squares")?.tree_like(&updates)?;
        let eps = self.eps.scalar("eps")?;

        let sum_of_squares = updates.zip_map(sum_of_squares, |g, s| g.clone() * g + s)?;
        let inv_sqrt = sum_of_squares.map(|s| {
            let positive = s.clone().greater_elem(0.0);
            let r = eps.add_tensor(s).sqrt().recip();
            r.zeros_like().mask_where(positive, r)
        });
        let updates = inv_sqrt.zip_map(&updates, |r, g| r * g)?;
        Ok((
            updates,
            State::record(
                "ScaleByRssState",
                vec![("sum_of_squares", State::Tree(sum_of_squares))],
            ),
        ))
    }

    fn validate(&self) -> Result<()> {
        check_nonneg(&self.initial_accumulator_value, "initial_accumulator_value")?;
        check_nonneg(&self.eps, "eps")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::OptaxError;
    use crate::schedules::Schedule;
    use burn::tensor::{Device, Tensor};

    fn params() -> Tree {
        let device = Device::flex();
        Tree::builder()
            .leaf("w", Tensor::<1>::from_floats([1.0, 0.0, -2.0], &device))
            .build()
            .unwrap()
    }

    fn invalid(r: Result<State>) -> bool {
        matches!(r, Err(OptaxError::InvalidHyperparameter { .. }))
    }

    #[test]
    fn invalid_hyperparameters_are_errors() {
        let p = params();
        assert!(invalid(
            scale_by_rss().initial_accumulator_value(-0.1).init(&p)
        ));
        assert!(invalid(
            scale_by_rss().initial_accumulator_value(f64::NAN).init(&p)
        ));
        assert!(invalid(scale_by_rss().eps(-1.0).init(&p)));
        assert!(invalid(
            scale_by_rss().eps(Schedule::new(|_| 1e-7)).init(&p)
        ));
    }

    #[test]
    fn zero_accumulator_gives_zero_update() {
        let p = params();
        let t = scale_by_rss().initial_accumulator_value(0.0).eps(0.0);
        let s = t.init(&p).unwrap();
        let (u, _) = t.update(p.clone(), &s, None, &Extra::none()).unwrap();
        assert_eq!(u.to_vecs().unwrap()[0], vec![1.0, 0.0, -1.0]);
    }
}
