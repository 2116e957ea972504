//! `hutchinson_estimator_diag_hessian`: Sophia's Hessian-diagonal estimate, as a
//! transformation.
//!
//! Hutchinson (1990); for the diagonal Bekas, Kokiopoulou & Saad, *An estimator for the
//! diagonal of a matrix* (2007); used by Sophia-H (Liu et al., <https://arxiv.org/abs/2305.14342>):
//!
//! ```text
//! z ∈ {-1, +1}^n  (Rademacher),   diag(H) ≈ z ⊙ (H z)
//! H z ≈ (∇f(p + δz) − ∇f(p − δz)) / (2δ),   δ = ε^(1/3) · max(1, ‖p‖₂/√n),  ε = 2^-23
//! ```
//!
//! Burn's autodiff is first order, so `H z` is not Optax's exact forward-over-reverse product
//! but a central difference of two gradients, each from the extra argument `obj_fn`, which
//! here is the **gradient** of the objective (an [`ObjGradFn`]), not the objective itself. On
//! a quadratic the difference has no truncation error, only float32 rounding (about `1e-4` of
//! the largest component; see [`hvp`](crate::second_order::hvp)). The Rademacher vectors come
//! from a seeded `StdRng` whose seed is the state's `key`, not from JAX's PRNG.

use std::sync::Arc;

use burn::tensor::{Tensor, TensorData};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::error::{OptaxError, Result};
use crate::state::State;
use crate::transform::{Extra, Transform};
use crate::tree::{self, NormOrd, Tree};

/// The `obj_fn` extra argument of [`hutchinson_estimator_diag_hessian`] (and so of `sophia`):
/// the gradient of the objective at the given parameters. Pass it as
/// `Extra::none().with_fn("obj_fn", f)` with `f: ObjGradFn`.
pub type ObjGradFn = Arc<dyn Fn(&Tree) -> Result<Tree> + Send + Sync>;

/// Hutchinson's estimator (`optax.contrib.hutchinson_estimator_diag_hessian`). State
/// `HutchinsonState(key)`, the key an integer seed.
///
/// Optax's signature: `hutchinson_estimator_diag_hessian(random_seed=None)` (a JAX key;
/// here an integer, default 0).
///
/// ```
/// use std::sync::Arc;
/// use burn::tensor::{Device, Tensor};
/// use optax_core::contrib::{hutchinson_estimator_diag_hessian, ObjGradFn};
/// use optax_core::{Extra, Transform, Tree};
///
/// let device = Device::flex();
/// let p = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::ones([2], &device))
///     .leaf("c", Tensor::<2>::ones([2, 2], &device))
///     .build()
///     .unwrap();
/// // f(p) = Σ 3·p², so ∇f = 6·p and diag(H) = 6.
/// let grad: ObjGradFn = Arc::new(|p: &Tree| Ok(p.map(|x| x.mul_scalar(6.0))));
/// let h = hutchinson_estimator_diag_hessian();
/// let state = h.init(&p).unwrap();
/// let extra = Extra::none().with_fn("obj_fn", grad);
/// let (d, _) = h.update(p.clone(), &state, Some(&p), &extra).unwrap();
/// for x in d.to_vecs().unwrap().iter().flatten() {
///     assert!((x - 6.0).abs() < 1e-3);
/// }
/// ```
#[derive(Clone, Debug)]
pub struct HutchinsonEstimatorDiagHessian {
    pub(crate) random_seed: Option<i64>,
}

/// `optax.contrib.hutchinson_estimator_diag_hessian(random_seed=None)`.
pub fn hutchinson_estimator_diag_hessian() -> HutchinsonEstimatorDiagHessian {
    HutchinsonEstimatorDiagHessian { random_seed: None }
}

impl HutchinsonEstimatorDiagHessian {
    crate::setters::setters! {
        /// The seed of the Rademacher vectors (default 0).
        random_seed: Option<i64>;
    }
}

impl Transform for HutchinsonEstimatorDiagHessian {
    fn init(&self, _params: &Tree) -> Result<State> {
        Ok(State::record(
            "HutchinsonState",
            vec![("key", State::Int(self.random_seed.unwrap_or(0)))],
        ))
    }

    fn update(
        &self,
        _updates: Tree,
        state: &State,
        params: Option<&Tree>,
        extra: &Extra,
    ) -> Result<(Tree, State)> {
        const NAME: &str = "hutchinson_estimator_diag_hessian";
        state.expect_record("HutchinsonState")?;
        let key = state.field("key")?.as_int()?;
        let params = params.ok_or_else(|| OptaxError::params_required(NAME))?;
        let grad =
            extra
                .get_fn::<ObjGradFn>("obj_fn")
                .ok_or_else(|| OptaxError::ExtraArgRequired {
                    transform: NAME.into(),
                    arg: "obj_fn".into(),
                })?;
        let mut rng = StdRng::seed_from_u64(key as u64);
        let next_key = (rng.random::<u64>() >> 1) as i64;
        let device = params.device().unwrap_or_default();
        let signs = params.map_with_shape(|_, _, leaf| {
            let n = leaf.dims()[0];
            let s: Vec<f32> = (0..n)
                .map(|_| if rng.random::<bool>() { 1.0 } else { -1.0 })
                .collect();
            Tensor::<1>::from_data(TensorData::new(s, [n]), &device)
        });
        let n = params.numel().max(1) as f64;
        let norm = tree::norm(params, NormOrd::L2, false).into_scalar::<f32>() as f64;
        if !norm.is_finite() {
            return Err(OptaxError::input(
                NAME,
                "params are not finite: the finite-difference step needs finite parameters",
            ));
        }
        let delta = f64::from(f32::EPSILON).cbrt() * (norm / n.sqrt()).max(1.0);
        let plus = tree::add_scale(params, delta, &signs)?;
        let minus = tree::add_scale(params, -delta, &signs)?;
        let g_plus = grad(&plus)?;
        let g_minus = grad(&minus)?;
        params.check_same_structure(&g_plus)?;
        params.check_same_structure(&g_minus)?;
        let hz = tree::sub(&g_plus, &g_minus)?.into_map(|d| d.div_scalar(2.0 * delta));
        let product = tree::mul(&hz, &signs)?;
        Ok((
            product,
            State::record("HutchinsonState", vec![("key", State::Int(next_key))]),
        ))
    }
}
