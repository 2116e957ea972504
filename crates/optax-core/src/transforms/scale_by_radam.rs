//! `scale_by_radam`: Rectified Adam.
//!
//! Liu, Jiang, He, Chen, Liu, Gao & Han, *On the Variance of the Adaptive Learning Rate and
//! Beyond*, ICLR 2020 (<https://arxiv.org/abs/1908.03265>). While the length `ρ_t` of the
//! approximated simple moving average is below `threshold`, the variance of the adaptive step
//! is intractable and the update is the bias-corrected momentum alone.
//!
//! ```text
//! m_t   = b1·m_{t-1} + (1 - b1)·g_t
//! v_t   = b2·v_{t-1} + (1 - b2)·g_t²
//! m̂_t   = m_t / (1 - b1^t)                                     (plain)
//! m̂_t   = b1·m_t / (1 - b1^{t+1}) + (1 - b1)·g_t / (1 - b1^t)   (nesterov)
//! v̂_t   = v_t / (1 - b2^t)
//! ρ_∞   = 2 / (1 - b2) - 1
//! ρ_t   = ρ_∞ - 2·t·b2^t / (1 - b2^t)
//! r_t   = sqrt((ρ_t - 4)(ρ_t - 2)·ρ_∞ / ((ρ_∞ - 4)(ρ_∞ - 2)·ρ_t))
//! u_t   = r_t·m̂_t / (sqrt(v̂_t + eps_root) + eps)    if ρ_t >= threshold
//! u_t   = m̂_t                                         otherwise
//! ```
//!
//! `ρ_t` is a difference of two numbers close to each other in the first steps, so its value
//! in float32 (Optax's) is far from its exact value, and the step where `ρ_t` first reaches the
//! threshold and `r_t` depend on it. With number hyperparameters the scalars are therefore
//! computed on the host in float32, operation by operation as Optax's jitted code does.

use burn::tensor::{Bool, Tensor};

use crate::error::Result;
use crate::hyper::{Hyper, Scalar};
use crate::setters::setters;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, Transform};
use crate::transforms::{check_decay, check_nonneg};
use crate::tree::{self, Tree};

/// Rectified Adam's scaling (`optax.scale_by_radam`). State `ScaleByAdamState(count, mu, nu)`.
#[derive(Clone, Debug)]
pub struct ScaleByRadam {
    pub(crate) b1: Hyper,
    pub(crate) b2: Hyper,
    pub(crate) eps: Hyper,
    pub(crate) eps_root: Hyper,
    pub(crate) threshold: Hyper,
    pub(crate) nesterov: bool,
}

/// `optax.scale_by_radam(b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, threshold=5.0, *,
/// nesterov=False)`.
pub fn scale_by_radam() -> ScaleByRadam {
    ScaleByRadam {
        b1: 0.9.into(),
        b2: 0.999.into(),
        eps: 1e-8.into(),
        eps_root: 0.0.into(),
        threshold: 5.0.into(),
        nesterov: false,
    }
}

impl ScaleByRadam {
    setters! {
        /// Decay of the first moment.
        b1: impl Into<Hyper>;

        /// Decay of the second moment.
        b2: impl Into<Hyper>;

        /// Added to the denominator outside the square root.
        eps: impl Into<Hyper>;

        /// Added to the second moment inside the square root.
        eps_root: impl Into<Hyper>;

        /// The value of `ρ_t` from which the adaptive (rectified) step is taken. Below 4, steps
        /// where `2 < ρ_t < 4` give NaN, as in Optax.
        threshold: impl Into<Hyper>;

        /// Nesterov momentum.
        nesterov: bool;
    }
}

/// Which step a RAdam update takes.
enum Rectify {
    /// `ρ_t < threshold`: the momentum alone.
    Never,
    /// `ρ_t >= threshold`: the rectified adaptive step with this `r_t`.
    Always(Scalar),
    /// Decided on the device (tensor hyperparameters): `r_t` and the flag `ρ_t >= threshold`.
    Where(Scalar, Box<Tensor<1, Bool>>),
}

/// `r_t` if `ρ_t >= threshold`, in float32 exactly as Optax computes it under `jit`: `b2` is
/// rounded to float32 and raised to the step count, the Python-float constants `ρ_∞` and
/// `(ρ_∞ - 4)(ρ_∞ - 2)` are computed in double precision and rounded, and everything else is
/// float32 arithmetic.
fn host_rectifier(b2: f64, threshold: f64, count: i64) -> Option<f32> {
    let ro_inf64 = 2.0 / (1.0 - b2) - 1.0;
    let ro_inf = ro_inf64 as f32;
    let k = count.clamp(0, i32::MAX as i64) as i32;
    let b2t = ((b2 as f32) as f64).powi(k) as f32;
    let two_k = k.wrapping_mul(2) as f32;
    let ro = ro_inf - two_k * b2t / (1.0 - b2t);
    if ro < threshold as f32 {
        return None;
    }
    let num = (ro - 4.0) * (ro - 2.0) * ro_inf;
    let den = ((ro_inf64 - 4.0) * (ro_inf64 - 2.0)) as f32 * ro;
    Some((num / den).sqrt())
}

fn rectifier(b2: &Scalar, threshold: &Scalar, count: i64, like: &Tree) -> Rectify {
    if let (Scalar::Value(b2), Scalar::Value(threshold)) = (b2, threshold) {
        return match host_rectifier(*b2, *threshold, count) {
            Some(r) => Rectify::Always(Scalar::Value(r as f64)),
            None => Rectify::Never,
        };
    }
    let Some(device) = like.device() else {
        return Rectify::Never;
    };
    let k = count.clamp(0, i32::MAX as i64) as i32;
    let ro_inf = 2.0 / (1.0 - b2.clone()) - 1.0;
    let b2t = b2.clone().powi(k);
    let ro = ro_inf.clone() - (2.0 * k as f64) * b2t.clone() / (1.0 - b2t);
    let r = ((ro.clone() - 4.0) * (ro.clone() - 2.0) * ro_inf.clone()
        / ((ro_inf.clone() - 4.0) * (ro_inf - 2.0) * ro.clone()))
    .sqrt();
    let on = ro
        .to_tensor(&device)
        .greater_equal(threshold.to_tensor(&device));
    Rectify::Where(r, Box::new(on))
}

impl Transform for ScaleByRadam {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        Ok(State::record(
            "ScaleByAdamState",
            vec![
                ("count", State::Int(0)),
                ("mu", State::Tree(tree::zeros_like(params))),
                ("nu", State::Tree(tree::zeros_like(params))),
            ],
        ))
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        _params: Option<&Tree>,
        _extra: &Extra,
    ) -> Result<(Tree, State)> {
        state.expect_record("ScaleByAdamState")?;
        let count = state.field("count")?.as_int()?;
        let mu = state.field("mu")?.tree_like(&updates)?;
        let nu = state.field("nu")?.tree_like(&updates)?;
        let (b1, b2) = (self.b1.scalar("b1")?, self.b2.scalar("b2")?);
        let (eps, eps_root) = (self.eps.scalar("eps")?, self.eps_root.scalar("eps_root")?);
        let threshold = self.threshold.scalar("threshold")?;

        let mu = tree::update_moment(&updates, mu, &b1, 1)?;
        let nu = tree::update_moment_per_elem_norm(&updates, nu, &b2, 2)?;
        let count_inc = safe_increment(count);
        let mu_hat = if self.nesterov {
            let m = tree::bias_correction(&mu, &b1, safe_increment(count_inc));
            let g = tree::bias_correction(&updates, &b1, count_inc);
            let keep = 1.0 - b1.clone();
            m.zip_map(&g, |m, g| b1.mul_tensor(m) + keep.mul_tensor(g))?
        } else {
            tree::bias_correction(&mu, &b1, count_inc)
        };
        let nu_hat = tree::bias_correction(&nu, &b2, count_inc);
        let adaptive = |r: &Scalar| {
            mu_hat.zip_map(&nu_hat, |m, v| {
                r.mul_tensor(m) / eps.add_tensor(eps_root.add_tensor(v).sqrt())
            })
        };
        let updates = match rectifier(&b2, &threshold, count_inc, &updates) {
            Rectify::Never => mu_hat.clone(),
            Rectify::Always(r) => adaptive(&r)?,
            Rectify::Where(r, on) => adaptive(&r)?.zip_map(&mu_hat, |t, f| {
                let n = t.dims()[0];
                f.mask_where((*on).clone().expand([n]), t)
            })?,
        };
        Ok((
            updates,
            State::record(
                "ScaleByAdamState",
                vec![
                    ("count", State::Int(count_inc)),
                    ("mu", State::Tree(mu)),
                    ("nu", State::Tree(nu)),
                ],
            ),
        ))
    }

    fn validate(&self) -> Result<()> {
        check_decay(&self.b1, "b1")?;
        check_decay(&self.b2, "b2")?;
        check_nonneg(&self.eps, "eps")?;
        check_nonneg(&self.eps_root, "eps_root")?;
        self.threshold.scalar("threshold")?;
        self.threshold
            .check("threshold", f64::is_finite, "must be finite")
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
        invalid(&scale_by_radam().b1(1.0), "b1");
        invalid(&scale_by_radam().b2(1.0), "b2");
        invalid(&scale_by_radam().eps(-1.0), "eps");
        invalid(&scale_by_radam().eps_root(-1.0), "eps_root");
        invalid(&scale_by_radam().threshold(f64::NAN), "threshold");
    }

    #[test]
    fn rectifier_matches_optax_float32() {
        // Values of Optax 0.2.8 under jax.jit (float32), b2 = 0.999: ρ_5 = 4.9606934 < 5.
        assert_eq!(host_rectifier(0.999, 5.0, 1), None);
        assert_eq!(host_rectifier(0.999, 5.0, 5), None);
        assert_eq!(host_rectifier(0.999, 4.5, 5), Some(0.016961483_f32));
        assert_eq!(host_rectifier(0.999, 5.0, 6), Some(0.025674064_f32));
        assert_eq!(host_rectifier(0.999, 5.0, 24), Some(0.095591135_f32));
    }

    #[test]
    fn tensor_hyperparameters_decide_on_the_device() {
        let device = Device::flex();
        let b2 = Tensor::<1>::from_data(TensorData::new(vec![0.999f32], [1]), &device);
        let threshold = Tensor::<1>::from_data(TensorData::new(vec![4.5f32], [1]), &device);
        let (a, b) = (
            scale_by_radam().threshold(4.5),
            scale_by_radam().b2(b2).threshold(threshold),
        );
        let (mut sa, mut sb) = (
            a.init(&tree(&[0.0])).unwrap(),
            b.init(&tree(&[0.0])).unwrap(),
        );
        for step in 1..=8 {
            let g = tree(&[1.0 + step as f32]);
            let (ua, next) = a.update(g.clone(), &sa, None, &Extra::none()).unwrap();
            sa = next;
            let (ub, next) = b.update(g, &sb, None, &Extra::none()).unwrap();
            sb = next;
            let (ua, ub) = (ua.to_vecs().unwrap()[0][0], ub.to_vecs().unwrap()[0][0]);
            // Momentum alone (about 2..6) before step 5, a rectified step (< 1) from step 5.
            assert_eq!(ua < 1.0, step >= 5, "step {step}: {ua}");
            assert!((ua - ub).abs() <= 0.05 * ua.abs(), "step {step}: {ua} {ub}");
        }
    }

    #[test]
    fn momentum_alone_below_threshold() {
        let t = scale_by_radam();
        let s = t.init(&tree(&[0.0])).unwrap();
        let (u, _) = t.update(tree(&[3.0]), &s, None, &Extra::none()).unwrap();
        assert!((u.to_vecs().unwrap()[0][0] - 3.0).abs() < 1e-5);
    }
}
