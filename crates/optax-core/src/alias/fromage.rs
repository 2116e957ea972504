//! `fromage`: Frobenius matched gradient descent, a trust-ratio step followed by a shrinkage
//! of the parameters.
//!
//! Bernstein, Vahdat, Yue & Liu, *On the Distance between Two Neural Networks and the Stability
//! of Learning*, NeurIPS 2020 (<https://arxiv.org/abs/2002.03432>).
//!
//! ```text
//! mult_t = 1 / sqrt(1 + lr_t²)
//! a_t    = (max(‖p_t‖, min_norm) / max(‖g_t‖, min_norm)) · g_t          (per leaf)
//! u_t    = -lr_t·mult_t · a_t + (mult_t - 1)·p_t
//! ```
//!
//! so that `p_{t+1} = mult_t · (p_t - lr_t · a_t)`.

use super::built::{alias_setters, alias_transform, Built};
use crate::chain;
use crate::error::Result;
use crate::hyper::{Hyper, Scalar};
use crate::schedules::Schedule;
use crate::transform::GradientTransformation;
use crate::transforms::{add_decayed_weights, scale_by_learning_rate, scale_by_trust_ratio};

/// `chain(scale_by_trust_ratio(min_norm), scale_by_learning_rate(lr·mult),
/// add_decayed_weights(mult - 1))` with `mult = 1/sqrt(1 + lr²)` (`optax.fromage`). With a
/// schedule, `lr·mult` and `mult - 1` are schedules of the step count.
#[derive(Clone, Debug)]
pub struct Fromage {
    pub(crate) learning_rate: Hyper,
    pub(crate) min_norm: Hyper,
    built: Built,
}

/// `optax.fromage(learning_rate, min_norm=1e-6)`.
pub fn fromage(learning_rate: impl Into<Hyper>) -> Fromage {
    Fromage {
        learning_rate: learning_rate.into(),
        min_norm: 1e-6.into(),
        built: Built::default(),
    }
}

/// `1 / (1 + lr²)^0.5`.
fn mult(lr: Scalar) -> Scalar {
    1.0 / (1.0 + lr.powi(2)).sqrt()
}

impl Fromage {
    alias_setters! {
        /// Lower bound of the parameter and update norms in the trust ratio.
        min_norm: impl Into<Hyper>;
    }

    /// The chain this alias stands for.
    pub fn build(&self) -> GradientTransformation {
        let (step, decay): (Hyper, Hyper) = match &self.learning_rate {
            Hyper::Schedule(s) => {
                let (s1, s2) = (s.clone(), s.clone());
                let step = Schedule::new(move |c| {
                    let lr = s1.at(c);
                    mult(Scalar::Value(lr)).to_f64() * lr
                });
                let decay = Schedule::new(move |c| mult(Scalar::Value(s2.at(c))).to_f64() - 1.0);
                (step.into(), decay.into())
            }
            other => {
                let lr = other.at(0);
                let m = mult(lr.clone());
                ((lr * m.clone()).into(), (m - 1.0).into())
            }
        };
        GradientTransformation::new(chain![
            scale_by_trust_ratio().min_norm(self.min_norm.clone()),
            scale_by_learning_rate(step),
            add_decayed_weights(decay)
        ])
    }

    fn check(&self) -> Result<()> {
        self.learning_rate
            .check("learning_rate", f64::is_finite, "must be finite")
    }
}

alias_transform!(Fromage);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::OptaxError;
    use crate::transform::{Extra, Transform};
    use crate::tree::Tree;
    use burn::tensor::{Device, Tensor};

    #[test]
    fn invalid_hyperparameters_and_params_required() {
        let p = Tree::builder()
            .leaf("w", Tensor::<1>::ones([3], &Device::flex()))
            .build()
            .unwrap();
        let err = fromage(f64::NAN).init(&p).unwrap_err();
        assert!(
            matches!(err, OptaxError::InvalidHyperparameter { ref name, .. } if name == "learning_rate")
        );
        let err = fromage(0.1).min_norm(-1.0).init(&p).unwrap_err();
        assert!(
            matches!(err, OptaxError::InvalidHyperparameter { ref name, .. } if name == "min_norm")
        );
        let t = fromage(0.1);
        let s = t.init(&p).unwrap();
        let err = t.update(p.clone(), &s, None, &Extra::none()).unwrap_err();
        assert!(matches!(err, OptaxError::ParamsRequired { .. }), "{err}");
    }

    #[test]
    fn schedule_matches_constant() {
        let p = Tree::builder()
            .leaf("w", Tensor::<1>::ones([3], &Device::flex()))
            .build()
            .unwrap();
        let g = p.map(|t| t.mul_scalar(0.5));
        let constant = fromage(0.3);
        let scheduled = fromage(Schedule::new(|_| 0.3));
        let (a, _) = constant
            .update(
                g.clone(),
                &constant.init(&p).unwrap(),
                Some(&p),
                &Extra::none(),
            )
            .unwrap();
        let (b, _) = scheduled
            .update(g, &scheduled.init(&p).unwrap(), Some(&p), &Extra::none())
            .unwrap();
        let (a, b) = (a.to_vecs().unwrap(), b.to_vecs().unwrap());
        assert!(
            a[0].iter().zip(&b[0]).all(|(x, y)| (x - y).abs() < 1e-6),
            "{a:?} {b:?}"
        );
    }
}
