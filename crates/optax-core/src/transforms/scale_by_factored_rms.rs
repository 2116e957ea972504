//! `scale_by_factored_rms`: Adafactor's factored estimate of the gradients' root mean square.
//!
//! Shazeer & Stern, *Adafactor: Adaptive Learning Rates with Sublinear Memory Cost*, ICML 2018
//! (<https://arxiv.org/abs/1804.04235>); a bounded decay schedule as in Zhai et al., *Scaling
//! Vision Transformers*, CVPR 2022 (<https://arxiv.org/abs/2106.04560>).
//!
//! A leaf is factored when `factored` is set, its rank is at least 2 and its second-largest
//! dimension is at least `min_dim_size_to_factor`. Its two largest dimensions `d1` (second
//! largest) and `d0` (largest; ties go to the later axis, as numpy's `argsort`) are then
//! summarized by a "row" statistic (`d0` reduced) and a "column" statistic (`d1` reduced):
//!
//! ```text
//! β_t = decay_rate_fn(t - step_offset, decay_rate)     default: 1 - (t - step_offset + 1)^(-decay_rate)
//! G_t = g_t² + epsilon
//! factored:      R_t = β_t·R_{t-1} + (1 - β_t)·mean_{d0}(G_t)
//!                C_t = β_t·C_{t-1} + (1 - β_t)·mean_{d1}(G_t)
//!                u_t = g_t · (R_t / mean_{d1}(R_t))^(-1/2) · C_t^(-1/2)
//! not factored:  v_t = β_t·v_{t-1} + (1 - β_t)·G_t
//!                u_t = g_t · v_t^(-1/2)
//! ```
//!
//! (`t` is the step count before this update.) The state `FactoredState(count, v_row, v_col,
//! v)` holds, per leaf, the factored statistics in `v_row`/`v_col` (shapes: the leaf's with
//! `d0`, resp. `d1`, removed) and a one-element placeholder `[1]` in `v`; or, for a leaf that
//! is not factored, the full second moment in `v` and `[1]` placeholders in `v_row`/`v_col`,
//! exactly as Optax lays it out.

use std::fmt;
use std::sync::Arc;

use burn::tensor::Tensor;

use crate::error::{OptaxError, Result};
use crate::hyper::{Hyper, Scalar};
use crate::setters::setters;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, Transform};
use crate::tree::{Tree, TreeDef};

/// A function of the (offset) step and `decay_rate` that gives the decay.
type DecayFn = dyn Fn(i64, &Scalar) -> Scalar + Send + Sync;

/// The second-moment decay schedule: `f(step - step_offset, decay_rate) -> β`.
#[derive(Clone)]
pub struct DecayRateFn(Arc<DecayFn>);

impl fmt::Debug for DecayRateFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DecayRateFn")
    }
}

impl DecayRateFn {
    /// A schedule from a function of the (offset) step and `decay_rate`.
    pub fn new(f: impl Fn(i64, &Scalar) -> Scalar + Send + Sync + 'static) -> Self {
        DecayRateFn(Arc::new(f))
    }

    /// The decay at `step` (already offset) for `decay_rate`.
    pub fn at(&self, step: i64, decay_rate: &Scalar) -> Scalar {
        (self.0)(step, decay_rate)
    }
}

/// Adafactor's default decay schedule, `1 - (step + 1)^(-exponent)`, in float32 as Optax's
/// `_decay_rate_pow`.
pub fn decay_rate_pow(step: i64, exponent: &Scalar) -> Scalar {
    let t = (step + 1) as f32;
    match exponent {
        Scalar::Value(e) => Scalar::Value((1.0f32 - t.powf(-(*e as f32))) as f64),
        Scalar::Tensor(_) => 1.0 - Scalar::Value(t as f64).powf(-exponent.clone()),
    }
}

/// Adafactor's factored RMS scaling (`optax.scale_by_factored_rms`).
#[derive(Clone, Debug)]
pub struct ScaleByFactoredRms {
    pub(crate) factored: bool,
    pub(crate) decay_rate: Hyper,
    pub(crate) step_offset: i64,
    pub(crate) min_dim_size_to_factor: i64,
    pub(crate) epsilon: Hyper,
    pub(crate) decay_rate_fn: DecayRateFn,
}

/// `optax.scale_by_factored_rms(factored=True, decay_rate=0.8, step_offset=0,
/// min_dim_size_to_factor=128, epsilon=1e-30, decay_rate_fn=_decay_rate_pow)`.
pub fn scale_by_factored_rms() -> ScaleByFactoredRms {
    ScaleByFactoredRms {
        factored: true,
        decay_rate: 0.8.into(),
        step_offset: 0,
        min_dim_size_to_factor: 128,
        epsilon: 1e-30.into(),
        decay_rate_fn: DecayRateFn::new(decay_rate_pow),
    }
}

impl ScaleByFactoredRms {
    setters! {
        /// Whether to factor the second moment of leaves of rank >= 2.
        factored: bool;

        /// The parameter of the decay schedule (the exponent of the default one).
        decay_rate: impl Into<Hyper>;

        /// Subtracted from the step count before the decay schedule (for fine-tuning from a
        /// restored state).
        step_offset: i64;

        /// Factor a leaf only if its second-largest dimension is at least this size.
        min_dim_size_to_factor: i64;

        /// Added to the squared gradients.
        epsilon: impl Into<Hyper>;
    }

    /// The decay schedule `f(step - step_offset, decay_rate)` (default [`decay_rate_pow`]).
    pub fn decay_rate_fn(
        mut self,
        decay_rate_fn: impl Fn(i64, &Scalar) -> Scalar + Send + Sync + 'static,
    ) -> Self {
        self.decay_rate_fn = DecayRateFn::new(decay_rate_fn);
        self
    }
}

/// Optax's `_factored_dims`: `(d1, d0)`, the axes of the second-largest and the largest
/// dimension (a stable sort: among equal sizes the later axis counts as larger), or `None`
/// when the leaf is not factored.
pub(crate) fn factored_dims(
    shape: &[usize],
    factored: bool,
    min_dim_size_to_factor: i64,
) -> Option<(usize, usize)> {
    if !factored || shape.len() < 2 {
        return None;
    }
    let mut sorted: Vec<usize> = (0..shape.len()).collect();
    sorted.sort_by_key(|&i| shape[i]);
    let (d1, d0) = (sorted[sorted.len() - 2], sorted[sorted.len() - 1]);
    if (shape[d1] as i128) < min_dim_size_to_factor as i128 {
        return None;
    }
    Some((d1, d0))
}

/// How one leaf is handled: its factored axes and the 5-d view `[pre, n_a, mid, n_b, post]`
/// that isolates them (`a < b` are the two axes).
struct Layout {
    d1: usize,
    d0: usize,
    view: [usize; 5],
}

impl Layout {
    fn of(shape: &[usize], factored: bool, min_dim: i64) -> Option<Layout> {
        let (d1, d0) = factored_dims(shape, factored, min_dim)?;
        let (a, b) = (d1.min(d0), d1.max(d0));
        let prod = |s: &[usize]| s.iter().product::<usize>();
        let view = [
            prod(&shape[..a]),
            shape[a],
            prod(&shape[a + 1..b]),
            shape[b],
            prod(&shape[b + 1..]),
        ];
        Some(Layout { d1, d0, view })
    }

    /// The axis of the 5-d view that holds leaf axis `d`.
    fn axis(&self, d: usize) -> usize {
        if d == self.d1.min(self.d0) {
            1
        } else {
            3
        }
    }

    /// The 5-d view with leaf axis `d` reduced to 1.
    fn without(&self, d: usize) -> [usize; 5] {
        let mut v = self.view;
        v[self.axis(d)] = 1;
        v
    }
}

/// The shapes of `(v_row, v_col, v)` for one leaf.
fn state_shapes(shape: &[usize], layout: Option<&Layout>) -> [Vec<usize>; 3] {
    let drop = |d: usize| -> Vec<usize> {
        shape
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != d)
            .map(|(_, &n)| n)
            .collect()
    };
    match layout {
        Some(l) => [drop(l.d0), drop(l.d1), vec![1]],
        None => [vec![1], vec![1], shape.to_vec()],
    }
}

/// The structures of `v_row`, `v_col` and `v` for parameters of structure `like`.
fn state_defs(like: &Tree, factored: bool, min_dim: i64) -> Result<[TreeDef; 3]> {
    let mut shapes: [Vec<Vec<usize>>; 3] = Default::default();
    for shape in like.shapes() {
        let [r, c, v] = state_shapes(shape, Layout::of(shape, factored, min_dim).as_ref());
        shapes[0].push(r);
        shapes[1].push(c);
        shapes[2].push(v);
    }
    let paths = like.paths().to_vec();
    let [r, c, v] = shapes;
    Ok([
        TreeDef::new(paths.clone(), r)?,
        TreeDef::new(paths.clone(), c)?,
        TreeDef::new(paths, v)?,
    ])
}

fn factored_state(count: i64, v_row: Tree, v_col: Tree, v: Tree) -> State {
    State::record(
        "FactoredState",
        vec![
            ("count", State::Int(count)),
            ("v_row", State::Tree(v_row)),
            ("v_col", State::Tree(v_col)),
            ("v", State::Tree(v)),
        ],
    )
}

/// `x^(-1/2)`.
fn rsqrt<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    x.sqrt().recip()
}

impl Transform for ScaleByFactoredRms {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        let defs = state_defs(params, self.factored, self.min_dim_size_to_factor)?;
        let [row, col, v] = defs.map(|def| {
            let leaves = params
                .leaves()
                .iter()
                .zip(def.shapes())
                .map(|(p, s)| {
                    Tensor::<1>::zeros([s.iter().product::<usize>()], &p.device()).cast(p.dtype())
                })
                .collect();
            Tree::from_flat(Arc::new(def), leaves)
        });
        Ok(factored_state(0, row?, col?, v?))
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        params: Option<&Tree>,
        _extra: &Extra,
    ) -> Result<(Tree, State)> {
        state.expect_record("FactoredState")?;
        let params = params.ok_or_else(|| OptaxError::params_required("scale_by_factored_rms"))?;
        updates.check_same_structure(params)?;
        let count = state.field("count")?.as_int()?;
        let (v_row, v_col, v) = (
            state.field("v_row")?.as_tree()?,
            state.field("v_col")?.as_tree()?,
            state.field("v")?.as_tree()?,
        );
        let [row_def, col_def, v_def] =
            state_defs(&updates, self.factored, self.min_dim_size_to_factor)?;
        row_def.check_matches(v_row.def())?;
        col_def.check_matches(v_col.def())?;
        v_def.check_matches(v.def())?;
        let decay_rate = self.decay_rate.scalar("decay_rate")?;
        let epsilon = self.epsilon.scalar("epsilon")?;

        let decay = self.decay_rate_fn.at(count - self.step_offset, &decay_rate);
        let keep = 1.0 - decay.clone();
        let n_leaves = updates.len();
        let (mut new_row, mut new_col, mut new_v, mut out) = (
            Vec::with_capacity(n_leaves),
            Vec::with_capacity(n_leaves),
            Vec::with_capacity(n_leaves),
            Vec::with_capacity(n_leaves),
        );
        for (i, (_, shape, g)) in updates.iter().enumerate() {
            let dtype = params.leaves()[i].dtype();
            let cast = |t: Tensor<1>| if t.dtype() == dtype { t } else { t.cast(dtype) };
            let placeholder = || Tensor::<1>::zeros([1], &g.device()).cast(dtype);
            let grad_sqr = epsilon.add_tensor(g.clone() * g.clone());
            match Layout::of(shape, self.factored, self.min_dim_size_to_factor) {
                Some(l) => {
                    let (row5, col5) = (l.without(l.d0), l.without(l.d1));
                    let (n_row, n_col) = (
                        row5.iter().product::<usize>(),
                        col5.iter().product::<usize>(),
                    );
                    let grad_sqr = grad_sqr.reshape(l.view);
                    let row_mean = grad_sqr.clone().mean_dim(l.axis(l.d0)).reshape([n_row]);
                    let col_mean = grad_sqr.mean_dim(l.axis(l.d1)).reshape([n_col]);
                    let r = cast(
                        decay.mul_tensor(v_row.leaves()[i].clone()) + keep.mul_tensor(row_mean),
                    );
                    let c = cast(
                        decay.mul_tensor(v_col.leaves()[i].clone()) + keep.mul_tensor(col_mean),
                    );
                    let r5 = r.clone().reshape(row5);
                    let row_col_mean = r5.clone().mean_dim(l.axis(l.d1));
                    let row_factor = rsqrt(r5 / row_col_mean);
                    let col_factor = rsqrt(c.clone().reshape(col5));
                    let u = g.clone().reshape(l.view) * row_factor * col_factor;
                    out.push(u.reshape([g.dims()[0]]));
                    new_row.push(r);
                    new_col.push(c);
                    new_v.push(placeholder());
                }
                None => {
                    let nv =
                        cast(decay.mul_tensor(v.leaves()[i].clone()) + keep.mul_tensor(grad_sqr));
                    out.push(g.clone() * rsqrt(nv.clone()));
                    new_row.push(placeholder());
                    new_col.push(placeholder());
                    new_v.push(nv);
                }
            }
        }
        Ok((
            updates.with_leaves(out),
            factored_state(
                safe_increment(count),
                v_row.with_leaves(new_row),
                v_col.with_leaves(new_col),
                v.with_leaves(new_v),
            ),
        ))
    }

    fn validate(&self) -> Result<()> {
        self.decay_rate.scalar("decay_rate")?;
        self.decay_rate
            .check("decay_rate", f64::is_finite, "must be finite")?;
        crate::transforms::check_nonneg(&self.epsilon, "epsilon")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedules::Schedule;
    use burn::tensor::Device;

    fn params() -> Tree {
        let device = Device::flex();
        Tree::builder()
            .scalar("a", 1.0, &device)
            .leaf("b", Tensor::<1>::from_floats([1.0, -2.0, 3.0], &device))
            .leaf("c", Tensor::<3>::ones([2, 3, 4], &device))
            .build()
            .unwrap()
    }

    fn invalid(r: Result<State>) -> bool {
        matches!(r, Err(OptaxError::InvalidHyperparameter { .. }))
    }

    #[test]
    fn invalid_hyperparameters_are_errors() {
        let p = params();
        assert!(invalid(scale_by_factored_rms().epsilon(-1.0).init(&p)));
        assert!(invalid(scale_by_factored_rms().epsilon(f64::NAN).init(&p)));
        assert!(invalid(
            scale_by_factored_rms().decay_rate(f64::INFINITY).init(&p)
        ));
        assert!(invalid(
            scale_by_factored_rms()
                .decay_rate(Schedule::new(|_| 0.8))
                .init(&p)
        ));
    }

    #[test]
    fn factored_dims_follow_numpy_argsort() {
        assert_eq!(factored_dims(&[6, 8], true, 2), Some((0, 1)));
        assert_eq!(factored_dims(&[2, 3, 4], true, 2), Some((1, 2)));
        assert_eq!(factored_dims(&[8, 3, 6], true, 2), Some((2, 0)));
        assert_eq!(factored_dims(&[4, 4], true, 2), Some((0, 1)));
        assert_eq!(factored_dims(&[5, 5, 3], true, 2), Some((0, 1)));
        assert_eq!(factored_dims(&[2, 3, 4], true, 4), None);
        assert_eq!(factored_dims(&[2, 3, 4], false, 2), None);
        assert_eq!(factored_dims(&[7], true, 0), None);
    }

    #[test]
    fn state_layout_matches_optax() {
        let p = params();
        let t = scale_by_factored_rms().min_dim_size_to_factor(2);
        let s = t.init(&p).unwrap();
        let shapes = |f: &str| s.field(f).unwrap().as_tree().unwrap().shapes().to_vec();
        assert_eq!(shapes("v_row"), vec![vec![1], vec![1], vec![2, 3]]);
        assert_eq!(shapes("v_col"), vec![vec![1], vec![1], vec![2, 4]]);
        assert_eq!(shapes("v"), vec![vec![], vec![3], vec![1]]);
        assert!(matches!(
            t.update(p.clone(), &s, None, &Extra::none()),
            Err(OptaxError::ParamsRequired { .. })
        ));
        let (u, s2) = t.update(p.clone(), &s, Some(&p), &Extra::none()).unwrap();
        assert_eq!(s2.field("count").unwrap().as_int().unwrap(), 1);
        // Constant gradients of ones: every factor is 1/sqrt(1 + eps).
        for x in &u.to_vecs().unwrap()[2] {
            assert!((x - 1.0).abs() < 1e-6);
        }
        // A state built for other settings is a mismatch, not a panic.
        let other = scale_by_factored_rms().factored(false);
        assert!(other
            .update(p.clone(), &s, Some(&p), &Extra::none())
            .is_err());
    }
    /// A leaf whose largest axis comes first (`d0 = 0 < d1 = 2`), against Optax 0.2.8:
    /// `scale_by_factored_rms(min_dim_size_to_factor=2)`, params `cos(arange(40))` of shape
    /// `[5, 2, 4]`, gradients `sin(arange(40)·k)` at steps `k = 1, 2`.
    #[test]
    #[allow(clippy::excessive_precision, clippy::approx_constant)] // Optax's float32 values, as printed
    fn largest_axis_first_matches_optax() {
        let device = Device::flex();
        let leaf = |f: &dyn Fn(f32) -> f32| {
            let v: Vec<f32> = (0..40).map(|i| f(i as f32)).collect();
            Tree::builder()
                .flat(
                    "x",
                    vec![5, 2, 4],
                    Tensor::<1>::from_data(burn::tensor::TensorData::new(v, [40]), &device),
                )
                .build()
                .unwrap()
        };
        let p = leaf(&|i| i.cos());
        let t = scale_by_factored_rms().min_dim_size_to_factor(2);
        let mut s = t.init(&p).unwrap();
        let mut u = None;
        for k in 1..=2 {
            let g = leaf(&|i| (i * k as f32).sin());
            let (next_u, next_s) = t.update(g, &s, Some(&p), &Extra::none()).unwrap();
            u = Some(next_u);
            s = next_s;
        }
        let close = |got: &[f32], want: &[f32]| {
            assert_eq!(got.len(), want.len());
            for (a, b) in got.iter().zip(want) {
                assert!((a - b).abs() <= 1e-5 * b.abs() + 1e-6, "{a} vs {b}");
            }
        };
        close(
            &u.unwrap().to_vecs().unwrap()[0],
            &[
                0.0,
                1.5119787,
                -1.0005701,
                -0.55714214,
                1.278542,
                -0.6438911,
                -0.9839606,
                1.18124,
                -0.45123792,
                -1.1161057,
                1.0788045,
                -0.015774518,
                -1.1991549,
                0.9248208,
                0.50904363,
                -1.2072444,
                0.93109465,
                0.8471171,
                -1.2625831,
                0.56902045,
                0.9815725,
                -1.1058037,
                0.03309087,
                1.0961751,
                -1.1397678,
                -0.36910275,
                1.1035793,
                -0.9426464,
                -0.76550114,
                1.334682,
                -0.6348434,
                -1.0010937,
                1.3862807,
                -0.037935715,
                -1.0200735,
                1.3259292,
                0.3565399,
                -1.2673965,
                1.1284,
                0.6661877,
            ],
        );
        let field = |f: &str| s.field(f).unwrap().as_tree().unwrap().clone();
        assert_eq!(field("v_row").shapes(), &[vec![2, 4]]);
        assert_eq!(field("v_col").shapes(), &[vec![5, 2]]);
        close(
            &field("v_row").to_vecs().unwrap()[0],
            &[
                0.39556205, 0.43993336, 0.6958834, 0.30593932, 0.5432670, 0.64765376, 0.26979774,
                0.6380623,
            ],
        );
        close(
            &field("v_col").to_vecs().unwrap()[0],
            &[
                0.37762254, 0.5783236, 0.4727068, 0.5508018, 0.40728423, 0.55653626, 0.52757877,
                0.44832784, 0.51145524, 0.48948646,
            ],
        );
    }
}
