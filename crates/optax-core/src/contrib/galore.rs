//! `galore` and `scale_by_galore`: GaLore, a base optimizer run on low-rank projections of
//! the gradient matrices.
//!
//! Zhao et al., *GaLore: Memory-Efficient LLM Training by Gradient Low-Rank Projection*,
//! ICML 2024 (<https://arxiv.org/abs/2403.03507>). For a gradient matrix `G` (`m × n`) and
//! `r = min(rank, m, n)`:
//!
//! ```text
//! every update_proj_gap steps:  G = U S Vᵀ,  P = U[:, :r] (m ≥ n)  or  P = V[:, :r] (m < n)
//! R = Pᵀ G  (m ≥ n)      or  R = G P  (m < n)       (low-rank gradient, r × n or m × r)
//! N = base_optimizer(R)                              (its state has the low-rank shapes)
//! u = scale · P N  (m ≥ n)   or  u = scale · N Pᵀ  (m < n)
//! galore: u ← -lr·(u + weight_decay·p)
//! ```
//!
//! Leaves that are not matrices (by default every leaf not of rank 2) go to `base_optimizer`
//! unprojected. Burn has no SVD: `P` is computed on the host in f64 from the eigenvectors of
//! the smaller Gram matrix (cyclic Jacobi, `symmetric_eigen.rs`) and rounded to float32.
//! Singular vectors are defined up to sign; ours need not have LAPACK's signs, which changes
//! nothing within one projection period for a sign-equivariant base optimizer (Adam, SGD,
//! sign, ...), but a base optimizer whose state crosses a recomputation of `P` sees the signs.

use burn::tensor::{Tensor, TensorData};

use super::newton_schulz::{gather, transpose_index, MuonDimensionNumbers, WeightDimensionNumbers};
use super::symmetric_eigen::leading_singular_vectors;
use crate::alias::built::{alias_setters, alias_transform, Built};
use crate::chain;
use crate::combine::Mask;
use crate::error::{OptaxError, Result};
use crate::hyper::Hyper;
use crate::setters::setters;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, GradientTransformation, IntoTransformation, Transform};
use crate::transforms::{add_decayed_weights, scale_by_adam, scale_by_learning_rate};
use crate::tree::{Tree, TreeDef};

/// GaLore's dimension numbers (`optax.contrib.GaLoreDimensionNumbers`): the same two axis
/// lists as Muon's, with no batch axes allowed.
pub type GaLoreDimensionNumbers = MuonDimensionNumbers;

/// GaLore's scaling (`optax.contrib.scale_by_galore`). State `GaLoreState(count,
/// base_optimizer_state, projector)`; `projector` maps each leaf path to its `P` (a flat
/// tensor) or `Empty` for a leaf that is not projected.
///
/// Optax's signature: `scale_by_galore(rank=128, update_proj_gap=200, scale=1.0,
/// base_optimizer=None, weight_dimension_numbers=None)`; `base_optimizer=None` is
/// `scale_by_adam()`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::contrib::scale_by_galore;
/// use optax_core::{Extra, Transform, Tree};
///
/// let device = Device::flex();
/// let g = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::ones([2], &device))
///     .leaf("w", Tensor::<2>::from_floats([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]], &device))
///     .build()
///     .unwrap();
/// let t = scale_by_galore().rank(1);
/// let state = t.init(&g).unwrap();
/// let (u, _) = t.update(g, &state, None, &Extra::none()).unwrap();
/// assert_eq!(u.shapes()[2], vec![3, 2]);
/// ```
#[derive(Clone, Debug)]
pub struct ScaleByGalore {
    pub(crate) rank: i64,
    pub(crate) update_proj_gap: i64,
    pub(crate) scale: f64,
    pub(crate) base_optimizer: Option<GradientTransformation>,
    pub(crate) weight_dimension_numbers: Option<WeightDimensionNumbers>,
}

/// `optax.contrib.scale_by_galore()` with Optax's defaults.
pub fn scale_by_galore() -> ScaleByGalore {
    ScaleByGalore {
        rank: 128,
        update_proj_gap: 200,
        scale: 1.0,
        base_optimizer: None,
        weight_dimension_numbers: None,
    }
}

/// How one leaf is projected.
struct Layout {
    /// Transpose-gather to `(reduction, output)` order, `None` when the identity.
    forward: Option<Vec<i64>>,
    /// The inverse gather.
    inverse: Option<Vec<i64>>,
    m: usize,
    n: usize,
    r: usize,
    left: bool,
}

impl ScaleByGalore {
    setters! {
        /// Target rank of the projection.
        rank: i64;
        /// Steps between recomputations of the projectors.
        update_proj_gap: i64;
        /// Factor of the final updates.
        scale: f64;
        /// The optimizer run in the low-rank space (default `scale_by_adam()`).
        base_optimizer: Option<GradientTransformation>;
        /// Which axes of each leaf form the matrix.
        weight_dimension_numbers: Option<WeightDimensionNumbers>;
    }

    fn base(&self) -> GradientTransformation {
        self.base_optimizer
            .clone()
            .unwrap_or_else(|| scale_by_adam().into_transformation())
    }

    fn dims_of(&self, path: &str, shape: &[usize]) -> Result<Option<MuonDimensionNumbers>> {
        Ok(match &self.weight_dimension_numbers {
            None => (shape.len() == 2).then(MuonDimensionNumbers::default),
            Some(WeightDimensionNumbers::All(d)) => (shape.len() >= 2).then(|| d.clone()),
            Some(w) => w.lookup(path)?.cloned(),
        })
    }

    fn layout(&self, shape: &[usize], d: &MuonDimensionNumbers) -> Result<Layout> {
        const F: &str = "scale_by_galore";
        if shape.len() < 2 {
            return Err(OptaxError::input(
                F,
                format!("GaLore requires tensors with rank >= 2, got shape {shape:?}"),
            ));
        }
        let (red, out) = d.normalized(shape.len());
        if red.iter().any(|a| out.contains(a)) {
            return Err(OptaxError::input(
                F,
                format!("Reduction axes {red:?} and output axes {out:?} must be disjoint"),
            ));
        }
        let mut all: Vec<usize> = red.iter().chain(&out).copied().collect();
        all.sort_unstable();
        all.dedup();
        if all.len() != shape.len() || red.len() + out.len() != shape.len() {
            return Err(OptaxError::input(
                F,
                format!(
                    "All axes must be specified. Got reduction={red:?}, output={out:?} for \
                     shape {shape:?}"
                ),
            ));
        }
        let perm: Vec<usize> = red.iter().chain(&out).copied().collect();
        let identity = perm.iter().enumerate().all(|(i, &p)| i == p);
        let m: usize = red.iter().map(|&a| shape[a]).product();
        let n: usize = out.iter().map(|&a| shape[a]).product();
        let (forward, inverse) = if identity {
            (None, None)
        } else {
            let t_shape: Vec<usize> = perm.iter().map(|&p| shape[p]).collect();
            let mut inv = vec![0usize; perm.len()];
            for (i, &p) in perm.iter().enumerate() {
                inv[p] = i;
            }
            (
                Some(transpose_index(shape, &perm)),
                Some(transpose_index(&t_shape, &inv)),
            )
        };
        let r = (self.rank.max(1) as usize).min(m).min(n);
        Ok(Layout {
            forward,
            inverse,
            m,
            n,
            r,
            left: m >= n,
        })
    }

    fn check(&self) -> Result<()> {
        if self.rank <= 0 {
            return Err(OptaxError::invalid(
                "rank",
                format!("`rank` must be positive, got {}", self.rank),
            ));
        }
        if self.update_proj_gap < 1 {
            return Err(OptaxError::invalid("update_proj_gap", "must be >= 1"));
        }
        if !self.scale.is_finite() {
            return Err(OptaxError::invalid("scale", "must be finite"));
        }
        Ok(())
    }

    /// The low-rank ("proxy") shapes of every leaf.
    fn proxy_def(&self, like: &Tree) -> Result<(TreeDef, Vec<Option<Layout>>)> {
        let mut shapes = Vec::with_capacity(like.len());
        let mut layouts = Vec::with_capacity(like.len());
        for (path, shape, _) in like.iter() {
            match self.dims_of(path, shape)? {
                None => {
                    shapes.push(shape.to_vec());
                    layouts.push(None);
                }
                Some(d) => {
                    let l = self.layout(shape, &d)?;
                    shapes.push(if l.left {
                        vec![l.r, l.n]
                    } else {
                        vec![l.m, l.r]
                    });
                    layouts.push(Some(l));
                }
            }
        }
        Ok((TreeDef::new(like.paths().to_vec(), shapes)?, layouts))
    }
}

impl Transform for ScaleByGalore {
    fn init(&self, params: &Tree) -> Result<State> {
        self.check()?;
        let (def, layouts) = self.proxy_def(params)?;
        let device = params.device().unwrap_or_default();
        let proxies: Vec<Tensor<1>> = def
            .shapes()
            .iter()
            .map(|s| Tensor::<1>::zeros([s.iter().product::<usize>()], &device))
            .collect();
        let proxy = Tree::from_flat(std::sync::Arc::new(def), proxies)?;
        let projector = params
            .paths()
            .iter()
            .zip(&layouts)
            .map(|(p, l)| {
                let s = match l {
                    None => State::Empty,
                    Some(l) => {
                        let rows = if l.left { l.m } else { l.n };
                        State::Tensor(Tensor::<1>::zeros([rows * l.r], &device))
                    }
                };
                (p.clone(), s)
            })
            .collect();
        Ok(State::record(
            "GaLoreState",
            vec![
                ("count", State::Int(0)),
                ("base_optimizer_state", self.base().init(&proxy)?),
                ("projector", State::Map(projector)),
            ],
        ))
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        _params: Option<&Tree>,
        extra: &Extra,
    ) -> Result<(Tree, State)> {
        state.expect_record("GaLoreState")?;
        let count = state.field("count")?.as_int()?;
        let base_state = state.field("base_optimizer_state")?;
        let projectors = state.field("projector")?.as_map()?;
        if projectors.len() != updates.len() {
            return Err(OptaxError::state(
                "GaLoreState.projector",
                "one projector per leaf expected",
            ));
        }
        let refresh = count.rem_euclid(self.update_proj_gap) == 0;
        let (def, layouts) = self.proxy_def(&updates)?;
        let device = updates.device().unwrap_or_default();
        let mut low = Vec::with_capacity(updates.len());
        let mut new_proj = Vec::with_capacity(updates.len());
        let mut mats = Vec::with_capacity(updates.len());
        for (((path, _, g), layout), (key, p_state)) in updates.iter().zip(&layouts).zip(projectors)
        {
            if key != path {
                return Err(OptaxError::state(
                    "GaLoreState.projector",
                    format!("projector `{key}` where `{path}` was expected"),
                ));
            }
            let Some(l) = layout else {
                low.push(g.clone());
                new_proj.push((key.clone(), State::Empty));
                mats.push(None);
                continue;
            };
            let g2 = match &l.forward {
                Some(idx) => gather(g.clone(), idx.clone()),
                None => g.clone(),
            }
            .reshape([l.m, l.n]);
            let rows = if l.left { l.m } else { l.n };
            let proj: Tensor<2> = if refresh {
                let host = g2
                    .to_data()
                    .convert::<f32>()
                    .try_to_vec::<f32>()
                    .map_err(|e| OptaxError::input("scale_by_galore", format!("{e:?}")))?;
                let vecs = leading_singular_vectors(&host, l.m, l.n, l.r, l.left);
                // P is rows × r with the k-th singular vector as column k.
                let mut flat = vec![0.0f32; rows * l.r];
                for (k, v) in vecs.iter().enumerate() {
                    for (i, x) in v.iter().enumerate() {
                        flat[i * l.r + k] = *x as f32;
                    }
                }
                Tensor::<2>::from_data(TensorData::new(flat, [rows, l.r]), &device)
            } else {
                let t = p_state.as_tensor()?.clone();
                if t.dims()[0] != rows * l.r {
                    return Err(OptaxError::state(
                        "GaLoreState.projector",
                        format!("projector `{key}` has the wrong size"),
                    ));
                }
                t.reshape([rows, l.r])
            };
            let r = if l.left {
                proj.clone().transpose().matmul(g2)
            } else {
                g2.matmul(proj.clone())
            };
            let numel = r.dims()[0] * r.dims()[1];
            low.push(r.reshape([numel]));
            new_proj.push((
                key.clone(),
                State::Tensor(proj.clone().reshape([rows * l.r])),
            ));
            mats.push(Some(proj));
        }
        let low = Tree::from_flat(std::sync::Arc::new(def), low)?;
        let (low_u, base_next) = self.base().update(low, base_state, None, extra)?;
        let mut out = Vec::with_capacity(updates.len());
        for ((u, layout), proj) in low_u.leaves().iter().zip(&layouts).zip(mats) {
            let (Some(l), Some(p)) = (layout, proj) else {
                out.push(u.clone());
                continue;
            };
            let u2 = if l.left {
                p.matmul(u.clone().reshape([l.r, l.n]))
            } else {
                u.clone().reshape([l.m, l.r]).matmul(p.transpose())
            };
            let flat = u2.reshape([l.m * l.n]);
            let flat = match &l.inverse {
                Some(idx) => gather(flat, idx.clone()),
                None => flat,
            };
            out.push(flat.mul_scalar(self.scale as f32 as f64));
        }
        let updates = Tree::from_flat(updates.def().clone(), out)?;
        Ok((
            updates,
            State::record(
                "GaLoreState",
                vec![
                    ("count", State::Int(safe_increment(count))),
                    ("base_optimizer_state", base_next),
                    ("projector", State::Map(new_proj)),
                ],
            ),
        ))
    }

    fn validate(&self) -> Result<()> {
        self.check()?;
        self.base().validate()
    }
}

/// GaLore (`optax.contrib.galore`): `chain(scale_by_galore, add_decayed_weights(weight_decay,
/// mask), scale_by_learning_rate)`.
///
/// Optax's signature: `galore(learning_rate, rank=128, update_proj_gap=200, scale=1.0,
/// base_optimizer=None, weight_decay=0.0, mask=None, weight_dimension_numbers=None)`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::contrib::galore;
/// use optax_core::{Extra, Transform, Tree};
///
/// let device = Device::flex();
/// let p = Tree::builder()
///     .scalar("a", 1.0, &device)
///     .leaf("b", Tensor::<1>::ones([2], &device))
///     .leaf("w", Tensor::<2>::from_floats([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]], &device))
///     .build()
///     .unwrap();
/// let opt = galore(0.01).rank(1);
/// let state = opt.init(&p).unwrap();
/// let (u, _) = opt.update(p.clone(), &state, Some(&p), &Extra::none()).unwrap();
/// assert_eq!(u.len(), 3);
/// ```
#[derive(Clone, Debug)]
pub struct Galore {
    pub(crate) learning_rate: Hyper,
    pub(crate) rank: i64,
    pub(crate) update_proj_gap: i64,
    pub(crate) scale: f64,
    pub(crate) base_optimizer: Option<GradientTransformation>,
    pub(crate) weight_decay: Hyper,
    pub(crate) mask: Option<Mask>,
    pub(crate) weight_dimension_numbers: Option<WeightDimensionNumbers>,
    built: Built,
}

/// `optax.contrib.galore(learning_rate)` with Optax's defaults.
pub fn galore(learning_rate: impl Into<Hyper>) -> Galore {
    Galore {
        learning_rate: learning_rate.into(),
        rank: 128,
        update_proj_gap: 200,
        scale: 1.0,
        base_optimizer: None,
        weight_decay: 0.0.into(),
        mask: None,
        weight_dimension_numbers: None,
        built: Built::default(),
    }
}

impl Galore {
    alias_setters! {
        /// Target rank of the projection.
        rank: i64;
        /// Steps between recomputations of the projectors.
        update_proj_gap: i64;
        /// Factor of the updates.
        scale: f64;
        /// The optimizer run in the low-rank space.
        base_optimizer: Option<GradientTransformation>;
        /// Decoupled weight decay (in the full space).
        weight_decay: impl Into<Hyper>;
        /// Which leaves are decayed.
        mask: Some(impl Into<Mask>);
        /// Sets or clears the mask.
        mask_opt(mask: Option<Mask>);
        /// Which axes of each leaf form the matrix.
        weight_dimension_numbers: Option<WeightDimensionNumbers>;
    }

    fn scaling(&self) -> ScaleByGalore {
        scale_by_galore()
            .rank(self.rank)
            .update_proj_gap(self.update_proj_gap)
            .scale(self.scale)
            .base_optimizer(self.base_optimizer.clone())
            .weight_dimension_numbers(self.weight_dimension_numbers.clone())
    }

    /// The transformation GaLore stands for.
    pub fn build(&self) -> GradientTransformation {
        GradientTransformation::new(chain![
            self.scaling(),
            add_decayed_weights(self.weight_decay.clone()).mask_opt(self.mask.clone()),
            scale_by_learning_rate(self.learning_rate.clone()),
        ])
    }

    fn check(&self) -> Result<()> {
        self.scaling().check()
    }
}

alias_transform!(Galore);
