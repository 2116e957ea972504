//! `trace`: heavy-ball momentum, with an optional Nesterov look-ahead.
//!
//! Polyak, *Some methods of speeding up the convergence of iteration methods*, USSR
//! Computational Mathematics and Mathematical Physics 4(5), 1964; the Nesterov form as in
//! Sutskever et al., *On the importance of initialization and momentum in deep learning*,
//! ICML 2013 (<http://proceedings.mlr.press/v28/sutskever13.pdf>). No dampening: the gradient
//! enters the trace with weight 1.
//!
//! ```text
//! t_t = g_t + decay·t_{t-1}
//! u_t = t_t                    (plain)
//! u_t = g_t + decay·t_t        (nesterov)
//! ```
//!
//! With `accumulator_dtype` the trace is stored in that dtype; the arithmetic runs in the
//! promoted dtype of the gradient and the stored trace (JAX's promotion), as in Optax.

use burn::tensor::{DType, Tensor};

use crate::error::Result;
use crate::hyper::{Hyper, Scalar};
use crate::setters::setters;
use crate::state::State;
use crate::transform::{Extra, Transform};
use crate::tree::{self, Tree};

/// Momentum (`optax.trace`). State `TraceState(trace)`.
#[derive(Clone, Debug)]
pub struct Trace {
    pub(crate) decay: Hyper,
    pub(crate) nesterov: bool,
    pub(crate) accumulator_dtype: Option<DType>,
}

/// `optax.trace(decay, nesterov=False, accumulator_dtype=None)`.
pub fn trace(decay: impl Into<Hyper>) -> Trace {
    Trace {
        decay: decay.into(),
        nesterov: false,
        accumulator_dtype: None,
    }
}

impl Trace {
    setters! {
        /// Nesterov momentum: the update is `g + decay·t` with the new trace `t`.
        nesterov: bool;

        /// Storage dtype of the trace (`None`: the dtype of the parameters).
        accumulator_dtype: Option<DType>;
    }
}

/// JAX's type promotion between two float dtypes: the same dtype stays, `float64` wins,
/// any other mix (`float16` with `bfloat16`, or either with `float32`) is `float32`.
pub(crate) fn promote_float(a: DType, b: DType) -> DType {
    if a == b {
        a
    } else if a == DType::F64 || b == DType::F64 {
        DType::F64
    } else {
        DType::F32
    }
}

/// `a` and `b` cast to their promoted dtype (no-op when they already agree).
pub(crate) fn promoted(a: Tensor<1>, b: Tensor<1>) -> (Tensor<1>, Tensor<1>) {
    let (da, db) = (a.dtype(), b.dtype());
    if da == db {
        return (a, b);
    }
    let d = promote_float(da, db);
    (
        if da == d { a } else { a.cast(d) },
        if db == d { b } else { b.cast(d) },
    )
}

/// `g + decay·t`, in the promoted dtype of `g` and `t`.
fn momentum_step(decay: &Scalar, g: Tensor<1>, t: Tensor<1>) -> Tensor<1> {
    let (g, t) = promoted(g, t);
    g + decay.mul_tensor(t)
}

/// The tree cast to `dtype` when one is given (`optax.tree.cast(tree, None)` is a no-op).
pub(crate) fn cast_opt(tree: Tree, dtype: Option<DType>) -> Result<Tree> {
    match dtype {
        Some(d) => tree::cast(&tree, d),
        None => Ok(tree),
    }
}

/// The layout of `TraceState(trace)`: named here only (the fused adapters of `sgd` and
/// `rmsprop` read the same constants).
pub(crate) struct TraceState;

impl TraceState {
    pub(crate) const KIND: &'static str = "TraceState";
    pub(crate) const TRACE: &'static str = "trace";

    /// The record of the trace.
    pub(crate) fn record(trace: State) -> State {
        State::record(Self::KIND, vec![(Self::TRACE, trace)])
    }
}

impl Transform for Trace {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        let trace = cast_opt(tree::zeros_like(params), self.accumulator_dtype)?;
        Ok(TraceState::record(State::Tree(trace)))
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        _params: Option<&Tree>,
        _extra: &Extra,
    ) -> Result<(Tree, State)> {
        state.expect_record(TraceState::KIND)?;
        let trace = state.field(TraceState::TRACE)?.tree_like(&updates)?;
        let decay = self.decay.scalar("decay")?;

        let new_trace = updates.zip_map(trace, |g, t| momentum_step(&decay, g, t))?;
        let updates = if self.nesterov {
            updates.zip_map(&new_trace, |g, t| momentum_step(&decay, g, t))?
        } else {
            new_trace.clone()
        };
        let new_trace = cast_opt(new_trace, self.accumulator_dtype)?;
        Ok((updates, TraceState::record(State::Tree(new_trace))))
    }

    fn validate(&self) -> Result<()> {
        self.decay.scalar("decay")?;
        // Optax puts no range on `decay` (negative momentum has its uses); only a value that
        // poisons every step is rejected.
        self.decay
            .check("decay", f64::is_finite, "must be finite")?;
        if let Some(d) = self.accumulator_dtype {
            if !d.is_float() {
                return Err(crate::error::OptaxError::invalid(
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

    #[test]
    fn momentum_matches_hand_computation() {
        let p = params();
        let t = trace(0.5);
        let s = t.init(&p).unwrap();
        let g = p.clone();
        let (u1, s) = t.update(g.clone(), &s, None, &Extra::none()).unwrap();
        assert_eq!(u1.to_vecs().unwrap()[0], vec![1.0, -2.0, 3.0]);
        let (u2, _) = t.update(g, &s, None, &Extra::none()).unwrap();
        assert_eq!(u2.to_vecs().unwrap()[0], vec![1.5, -3.0, 4.5]);
    }

    #[test]
    fn nesterov_looks_ahead() {
        let p = params();
        let t = trace(0.5).nesterov(true);
        let s = t.init(&p).unwrap();
        let (u1, s) = t.update(p.clone(), &s, None, &Extra::none()).unwrap();
        // t = g; u = g + 0.5·g
        assert_eq!(u1.to_vecs().unwrap()[0], vec![1.5, -3.0, 4.5]);
        assert_eq!(
            s.field("trace")
                .unwrap()
                .as_tree()
                .unwrap()
                .to_vecs()
                .unwrap()[0],
            vec![1.0, -2.0, 3.0]
        );
    }

    #[test]
    fn invalid_decay_is_an_error() {
        let p = params();
        assert!(matches!(
            trace(f64::NAN).init(&p),
            Err(OptaxError::InvalidHyperparameter { .. })
        ));
        assert!(matches!(
            trace(Schedule::new(|_| 0.9)).init(&p),
            Err(OptaxError::InvalidHyperparameter { .. })
        ));
        assert!(trace(0.9)
            .accumulator_dtype(Some(DType::I32))
            .init(&p)
            .is_err());
    }

    #[test]
    fn accumulator_dtype_is_the_stored_dtype() {
        let p = params();
        let t = trace(0.9).accumulator_dtype(Some(DType::BF16));
        let s = t.init(&p).unwrap();
        let (u, s) = t.update(p.clone(), &s, None, &Extra::none()).unwrap();
        assert_eq!(u.leaves()[0].dtype(), DType::F32);
        assert_eq!(
            s.field("trace").unwrap().as_tree().unwrap().leaves()[0].dtype(),
            DType::BF16
        );
        let (u, _) = t.update(p, &s, None, &Extra::none()).unwrap();
        assert_eq!(u.leaves()[0].dtype(), DType::F32);
    }
}
