//! `adaptive_grad_clip`: clip each unit of the updates to a multiple of the norm of the
//! corresponding unit of the parameters (AGC).
//!
//! Brock et al., *High-Performance Large-Scale Image Recognition Without Normalization*,
//! ICML 2021 (<https://arxiv.org/abs/2102.06171>).
//!
//! ```text
//! ‖x‖ᵤ = sqrt(Σ_{axes} x²), broadcast back to x's shape            (unitwise_norm)
//! m   = clipping · max(‖p‖ᵤ, eps)
//! u_t = u_t                                   if ‖u‖ᵤ < m
//! u_t = u_t · (m / max(‖u‖ᵤ, 1e-6))           otherwise            (unitwise_clip)
//! ```
//!
//! With `axis = None` the axes follow Optax's `unitwise_norm`: a leaf whose squeezed rank is
//! at most 1 is one unit; rank 2 and 3 sum over axis 0; rank 4 over `(0, 1, 2)`; rank 5 over
//! `(0, 1, 2, 3)`; any other rank needs `axis`.

use burn::tensor::Tensor;

use crate::error::{OptaxError, Result};
use crate::hyper::{Hyper, Scalar};
use crate::setters::setters;
use crate::state::State;
use crate::transform::{Extra, Transform};
use crate::transforms::maximum_nan;
use crate::tree::Tree;

/// Adaptive gradient clipping (`optax.adaptive_grad_clip`). State `EmptyState`
/// (`AdaptiveGradClipState`). Needs the parameters.
#[derive(Clone, Debug)]
pub struct AdaptiveGradClip {
    pub(crate) clipping: Hyper,
    pub(crate) eps: Hyper,
    pub(crate) axis: Option<Vec<i64>>,
}

/// `optax.adaptive_grad_clip(clipping, eps=1e-3, axis=None)`.
pub fn adaptive_grad_clip(clipping: impl Into<Hyper>) -> AdaptiveGradClip {
    AdaptiveGradClip {
        clipping: clipping.into(),
        eps: 1e-3.into(),
        axis: None,
    }
}

impl AdaptiveGradClip {
    setters! {
        /// Floor of the parameter norm, so that zero-initialized parameters can move.
        eps: impl Into<Hyper>;

        /// The axes of a unit's norm (negative counts from the end); `None`: by rank, as Optax.
        axis: Option<Vec<i64>>;
    }
}

/// The reduction axes of `unitwise_norm` for a leaf of `shape`.
fn unit_axes(shape: &[usize], axis: Option<&[i64]>, path: &str) -> Result<Vec<usize>> {
    let rank = shape.len();
    match axis {
        Some(axes) => {
            let mut out = Vec::with_capacity(axes.len());
            for &a in axes {
                let r = rank as i64;
                let i = if a < 0 { a + r } else { a };
                if i < 0 || i >= r {
                    return Err(OptaxError::invalid(
                        "axis",
                        format!("axis {a} is out of bounds for leaf `{path}` of shape {shape:?}"),
                    ));
                }
                if out.contains(&(i as usize)) {
                    return Err(OptaxError::invalid("axis", format!("repeated axis {a}")));
                }
                out.push(i as usize);
            }
            out.sort_unstable();
            Ok(out)
        }
        None => {
            let squeezed = shape.iter().filter(|&&d| d != 1).count();
            match rank {
                _ if squeezed <= 1 => Ok((0..rank).collect()),
                2 | 3 => Ok(vec![0]),
                4 => Ok(vec![0, 1, 2]),
                5 => Ok(vec![0, 1, 2, 3]),
                _ => Err(OptaxError::invalid(
                    "axis",
                    format!(
                        "leaf `{path}` has shape {shape:?}: the default unit-wise norm covers ranks 1 to 5; \
                         give `axis` for other shapes"
                    ),
                )),
            }
        }
    }
}

/// `(pre, d, post)` of axis `a` in `shape`.
fn split_at_axis(shape: &[usize], a: usize) -> [usize; 3] {
    let pre = shape[..a].iter().product();
    let post = shape[a + 1..].iter().product();
    [pre, shape[a], post]
}

/// Optax's `unitwise_norm(x, axis)` of a flat leaf of `shape`: the L2 norm of each unit,
/// broadcast back to the leaf's shape (flat).
pub(crate) fn unitwise_norm(x: Tensor<1>, shape: &[usize], axes: &[usize]) -> Tensor<1> {
    let n = x.dims()[0];
    if n == 0 {
        return x;
    }
    let sq = x.clone() * x;
    if axes.len() == shape.len() {
        // Every axis (or a rank-0 leaf): one unit.
        return sq.sum().sqrt().expand([n]);
    }
    let mut cur = shape.to_vec();
    let mut t = sq;
    for &a in axes {
        let [pre, d, post] = split_at_axis(&cur, a);
        t = t.reshape([pre, d, post]).sum_dim(1).reshape([pre * post]);
        cur[a] = 1;
    }
    let mut t = t.sqrt();
    for &a in axes {
        let [pre, _, post] = split_at_axis(&cur, a);
        let d = shape[a];
        t = t
            .reshape([pre, 1, post])
            .expand([pre, d, post])
            .reshape([pre * d * post]);
        cur[a] = d;
    }
    t
}

impl Transform for AdaptiveGradClip {
    fn init(&self, _params: &Tree) -> Result<State> {
        self.validate()?;
        Ok(State::Empty)
    }

    fn update(
        &self,
        updates: Tree,
        _state: &State,
        params: Option<&Tree>,
        _extra: &Extra,
    ) -> Result<(Tree, State)> {
        let params = params.ok_or_else(|| OptaxError::params_required("adaptive_grad_clip"))?;
        updates.check_same_structure(params)?;
        let clipping = self.clipping.scalar("clipping")?;
        let eps = self.eps.scalar("eps")?;
        let div_eps = Scalar::Value(1e-6);
        let axes = updates
            .iter()
            .map(|(path, shape, _)| unit_axes(shape, self.axis.as_deref(), path))
            .collect::<Result<Vec<_>>>()?;
        let shapes = updates.shapes().to_vec();
        let mut i = 0;
        let updates = updates.zip_map(params, |g, p| {
            let (shape, ax) = (&shapes[i], &axes[i]);
            i += 1;
            let g_norm = unitwise_norm(g.clone(), shape, ax);
            let p_norm = unitwise_norm(p, shape, ax);
            let max_norm = clipping.mul_tensor(maximum_nan(p_norm, &eps));
            let clipped = g.clone() * (max_norm.clone() / maximum_nan(g_norm.clone(), &div_eps));
            clipped.mask_where(g_norm.lower(max_norm), g)
        })?;
        Ok((updates, State::Empty))
    }

    fn validate(&self) -> Result<()> {
        self.clipping.scalar("clipping")?;
        self.clipping.check(
            "clipping",
            |v| v >= 0.0 && v.is_finite(),
            "must be finite and >= 0",
        )?;
        crate::transforms::check_nonneg(&self.eps, "eps")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Device;

    fn norms(shape: &[usize], axis: Option<&[i64]>) -> Vec<f32> {
        let device = Device::flex();
        let n: usize = shape.iter().product();
        let x = Tensor::<1>::from_floats(
            (1..=n).map(|v| v as f32).collect::<Vec<_>>().as_slice(),
            &device,
        );
        let axes = unit_axes(shape, axis, "x").unwrap();
        unitwise_norm(x, shape, &axes)
            .to_data()
            .try_to_vec::<f32>()
            .unwrap()
    }

    #[test]
    fn unitwise_norm_default_axes() {
        // Rank 2: over axis 0, i.e. per column of [[1, 2], [3, 4]].
        let v = norms(&[2, 2], None);
        let (c0, c1) = ((1.0f32 + 9.0).sqrt(), (4.0f32 + 16.0).sqrt());
        assert_eq!(v, vec![c0, c1, c0, c1]);
        // A [1, 3] leaf squeezes to a vector: one unit.
        let all = (1.0f32 + 4.0 + 9.0).sqrt();
        assert_eq!(norms(&[1, 3], None), vec![all; 3]);
        // Explicit last axis of [2, 2]: per row.
        let (r0, r1) = ((1.0f32 + 4.0).sqrt(), (9.0f32 + 16.0).sqrt());
        assert_eq!(norms(&[2, 2], Some(&[-1])), vec![r0, r0, r1, r1]);
    }

    #[test]
    fn unitwise_norm_rank_4_and_bad_ranks() {
        // [1, 1, 2, 2] squeezes to rank 2 but has rank 4: axes (0, 1, 2), per last index.
        let v = norms(&[1, 1, 2, 2], None);
        let (c0, c1) = ((1.0f32 + 9.0).sqrt(), (4.0f32 + 16.0).sqrt());
        assert_eq!(v, vec![c0, c1, c0, c1]);
        assert!(unit_axes(&[2, 2, 2, 2, 2, 2], None, "x").is_err());
        assert!(unit_axes(&[2, 2], Some(&[2]), "x").is_err());
        assert!(unit_axes(&[], Some(&[0]), "x").is_err());
    }

    #[test]
    fn params_are_required_and_hyperparameters_checked() {
        let device = Device::flex();
        let g = Tree::builder()
            .leaf("w", Tensor::<1>::from_floats([1.0, 2.0], &device))
            .build()
            .unwrap();
        let t = adaptive_grad_clip(0.1);
        let s = t.init(&g).unwrap();
        assert!(matches!(
            t.update(g.clone(), &s, None, &Extra::none()),
            Err(OptaxError::ParamsRequired { .. })
        ));
        assert!(matches!(
            adaptive_grad_clip(-0.1).init(&g),
            Err(OptaxError::InvalidHyperparameter { .. })
        ));
        assert!(matches!(
            adaptive_grad_clip(0.1).eps(-1.0).init(&g),
            Err(OptaxError::InvalidHyperparameter { .. })
        ));
    }

    #[test]
    fn clips_units_above_the_bound() {
        let device = Device::flex();
        let p = Tree::builder()
            .leaf("w", Tensor::<1>::from_floats([3.0, 4.0], &device))
            .build()
            .unwrap();
        let g = Tree::builder()
            .leaf("w", Tensor::<1>::from_floats([6.0, 8.0], &device))
            .build()
            .unwrap();
        let t = adaptive_grad_clip(0.5);
        let s = t.init(&p).unwrap();
        // ‖p‖ = 5, bound 2.5, ‖g‖ = 10: scaled by 0.25.
        let (u, _) = t.update(g, &s, Some(&p), &Extra::none()).unwrap();
        assert_eq!(u.to_vecs().unwrap()[0], vec![1.5, 2.0]);
    }
}
