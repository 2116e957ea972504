//! Muon's orthogonalization by a quintic Newton–Schulz iteration, and the dimension numbers
//! that say which axes of a leaf form the matrix (`optax.contrib.MuonDimensionNumbers`).
//!
//! Jordan, *modded-nanogpt* (2024), <https://github.com/KellerJordan/modded-nanogpt>; the
//! AOL preconditioning is Boissin et al., *Turbo-Muon* (<https://arxiv.org/abs/2512.04632>),
//! the Schatten-4 one Grishina et al. (<https://arxiv.org/abs/2506.10935>).
//!
//! ```text
//! X ← X / (‖X‖_F + eps)               (frobenius; spectral: ‖X‖₂ + eps; aol, schatten: none)
//! repeat ns_steps times (or once per row of a (n, 3) coefficient table):
//!     A = X Xᵀ
//!     B = c₁·A + (c₂·A) A
//!     X = c₀·X + B X
//! ```
//!
//! A wide matrix is iterated as is, a tall one transposed (`f(X) = f(Xᵀ)ᵀ`). The first step of
//! `aol` rescales the rows: `s = 1/sqrt(max(Σ_j |A_ij|, eps))`, `X ← s⊙X`, `A ← sᵢ A_ij sⱼ`;
//! that of `schatten` the whole matrix by `s = 1/sqrt(max(‖A‖_F, eps))`, `X ← sX`, `A ← s²A`.
//!
//! A leaf of any rank is transposed to `(batch, reduction, output)` axes and reshaped to a
//! batch of `(Π reduction, Π output)` matrices, each orthogonalized on its own.

use burn::tensor::{Int, Tensor, TensorData};

use super::symmetric_eigen::largest_singular_value;
use crate::error::{OptaxError, Result};

/// Optax's default coefficients `(3.4445, -4.7750, 2.0315)` (preset `"standard"`).
pub const DEFAULT_NS_COEFFS: [f64; 3] = [3.4445, -4.7750, 2.0315];

/// The five-step table of Dion (Ahn et al., <https://arxiv.org/abs/2504.05295>), preset `"dion"`.
pub const DION_NS_COEFFS: [[f64; 3]; 5] = [
    [4.0848, -6.8946, 2.9270],
    [3.9505, -6.3029, 2.6377],
    [3.7418, -5.5913, 2.3037],
    [2.8769, -3.1427, 1.2046],
    [2.8366, -3.0525, 1.2012],
];

/// Which axes of a leaf are the matrix's rows (`reduction_axis`) and columns (`output_axis`);
/// every other axis is a batch axis (`optax.contrib.MuonDimensionNumbers`, default `(0, 1)`).
/// Negative axes count from the end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MuonDimensionNumbers {
    /// The reduction (input) axes.
    pub reduction_axis: Vec<i64>,
    /// The output axes.
    pub output_axis: Vec<i64>,
}

impl Default for MuonDimensionNumbers {
    fn default() -> Self {
        Self {
            reduction_axis: vec![0],
            output_axis: vec![1],
        }
    }
}

impl MuonDimensionNumbers {
    /// Dimension numbers from the two axis lists.
    pub fn new(reduction_axis: Vec<i64>, output_axis: Vec<i64>) -> Self {
        Self {
            reduction_axis,
            output_axis,
        }
    }

    /// The axes as non-negative indices into a leaf of rank `ndim`.
    pub(crate) fn normalized(&self, ndim: usize) -> (Vec<usize>, Vec<usize>) {
        let norm = |axes: &[i64]| -> Vec<usize> {
            axes.iter()
                .map(|&a| a.rem_euclid(ndim.max(1) as i64) as usize)
                .collect()
        };
        (norm(&self.reduction_axis), norm(&self.output_axis))
    }

    /// `(fan_in, fan_out)`: the products of the reduction and of the output axes.
    pub(crate) fn fans(&self, shape: &[usize]) -> (usize, usize) {
        let (r, o) = self.normalized(shape.len());
        (
            r.iter().map(|&a| shape[a]).product(),
            o.iter().map(|&a| shape[a]).product(),
        )
    }
}

/// Dimension numbers for the leaves of a tree (Optax's `weight_dimension_numbers`): one for
/// every leaf, or one per path (a path prefix covers the leaves below it), `None` for a leaf
/// that is not a Muon matrix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WeightDimensionNumbers {
    /// The same dimension numbers for every leaf.
    All(MuonDimensionNumbers),
    /// Per path or path prefix; `None`: not orthogonalized (optimized by Adam in `muon`).
    PerPath(Vec<(String, Option<MuonDimensionNumbers>)>),
}

impl WeightDimensionNumbers {
    /// The entry of the leaf at `path`: `Ok(None)` for an explicit `None`, an error when a
    /// per-path table does not cover `path`.
    pub(crate) fn lookup(&self, path: &str) -> Result<Option<&MuonDimensionNumbers>> {
        match self {
            WeightDimensionNumbers::All(d) => Ok(Some(d)),
            WeightDimensionNumbers::PerPath(entries) => entries
                .iter()
                .find(|(p, _)| {
                    p == path
                        || (path.starts_with(p.as_str()) && path[p.len()..].starts_with(['.', '/']))
                })
                .map(|(_, d)| d.as_ref())
                .ok_or_else(|| {
                    OptaxError::invalid(
                        "weight_dimension_numbers",
                        format!("no entry for the leaf `{path}`"),
                    )
                }),
        }
    }
}

/// The preconditioning applied before the iteration (Optax's `preconditioning`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Preconditioning {
    /// Divide by the Frobenius norm (default).
    #[default]
    Frobenius,
    /// Divide by the spectral norm (largest singular value, computed on the host in f64).
    Spectral,
    /// Almost-orthogonal-layer row rescaling in the first step.
    Aol,
    /// Schatten-4 rescaling in the first step.
    Schatten,
}

impl Preconditioning {
    /// From Optax's name (`"frobenius"`, `"spectral"`, `"aol"`, `"schatten"`).
    pub fn from_name(name: &str) -> Result<Self> {
        match name {
            "frobenius" => Ok(Self::Frobenius),
            "spectral" => Ok(Self::Spectral),
            "aol" => Ok(Self::Aol),
            "schatten" => Ok(Self::Schatten),
            other => Err(OptaxError::invalid(
                "preconditioning",
                format!("unknown preconditioning `{other}` (frobenius, spectral, aol, schatten)"),
            )),
        }
    }
}

/// Gather indices taking a row-major array of `shape` to its transpose by `perm`
/// (`out[j] = x[index[j]]`).
pub(crate) fn transpose_index(shape: &[usize], perm: &[usize]) -> Vec<i64> {
    let nd = shape.len();
    let mut strides = vec![1usize; nd];
    for i in (0..nd.saturating_sub(1)).rev() {
        strides[i] = strides[i + 1] * shape[i + 1];
    }
    let out_shape: Vec<usize> = perm.iter().map(|&p| shape[p]).collect();
    let n: usize = shape.iter().product();
    let mut index = Vec::with_capacity(n);
    let mut k = vec![0usize; nd];
    for _ in 0..n {
        index.push(
            k.iter()
                .zip(perm)
                .map(|(&ki, &p)| ki * strides[p])
                .sum::<usize>() as i64,
        );
        for d in (0..nd).rev() {
            k[d] += 1;
            if k[d] < out_shape[d] {
                break;
            }
            k[d] = 0;
        }
    }
    index
}

pub(crate) fn gather(x: Tensor<1>, index: Vec<i64>) -> Tensor<1> {
    let n = index.len();
    let device = x.device();
    x.select(
        0,
        Tensor::<1, Int>::from_data(TensorData::new(index, [n]), &device),
    )
}

/// The coefficients of every step: `ns_steps` copies of a `(3,)` row, or the rows of a table.
pub(crate) fn steps_of(coeffs: &[[f32; 3]], table: bool, ns_steps: usize) -> Vec<[f32; 3]> {
    if table {
        coeffs.to_vec()
    } else {
        vec![coeffs[0]; ns_steps]
    }
}

/// Orthogonalizes one leaf (flat, of `shape`) as Optax's `orthogonalize_via_newton_schulz`,
/// running one step per entry of `steps`.
pub(crate) fn orthogonalize(
    x: Tensor<1>,
    shape: &[usize],
    dims: Option<&MuonDimensionNumbers>,
    steps: &[[f32; 3]],
    preconditioning: Preconditioning,
    eps: f64,
) -> Result<Tensor<1>> {
    const F: &str = "orthogonalize_via_newton_schulz";
    let default = MuonDimensionNumbers::default();
    let dims = match (shape.len(), dims) {
        (2, _) => &default,
        (_, Some(d)) => d,
        (_, None) => {
            return Err(OptaxError::input(
                F,
                format!(
                    "Input must have shape (m, n) or weight dimension numbers must be \
                     provided. Got shape={shape:?}"
                ),
            ))
        }
    };
    if shape.len() < 2 {
        return Err(OptaxError::input(
            F,
            format!("Muon optimized parameters must have rank >= 2, got shape {shape:?}"),
        ));
    }
    let (red, out) = dims.normalized(shape.len());
    if red.iter().any(|a| out.contains(a)) {
        return Err(OptaxError::input(
            F,
            format!(
                "Normalized reduction axes and output axes must be disjoint, got {red:?} and \
                 {out:?} for shape {shape:?}"
            ),
        ));
    }
    let batch: Vec<usize> = (0..shape.len())
        .filter(|a| !red.contains(a) && !out.contains(a))
        .collect();
    let perm: Vec<usize> = batch.iter().chain(&red).chain(&out).copied().collect();
    let prod = |axes: &[usize]| axes.iter().map(|&a| shape[a]).product::<usize>();
    let (b, r, o) = (prod(&batch), prod(&red), prod(&out));
    if b * r * o != x.dims()[0] {
        return Err(OptaxError::input(
            F,
            format!("axes {red:?}, {out:?} repeat or miss axes of shape {shape:?}"),
        ));
    }
    let identity = perm.iter().enumerate().all(|(i, &p)| i == p);
    let flat = if identity {
        x
    } else {
        gather(x, transpose_index(shape, &perm))
    };
    let m = flat.reshape([b, r, o]);
    let m = newton_schulz_batch(m, steps, preconditioning, eps)?;
    let m = m.reshape([b * r * o]);
    if identity {
        return Ok(m);
    }
    // Back: the transposed array has shape `shape[perm]`; its inverse permutation restores it.
    let t_shape: Vec<usize> = perm.iter().map(|&p| shape[p]).collect();
    let mut inv = vec![0usize; perm.len()];
    for (i, &p) in perm.iter().enumerate() {
        inv[p] = i;
    }
    Ok(gather(m, transpose_index(&t_shape, &inv)))
}

/// The iteration on a batch of `(rows, cols)` matrices.
fn newton_schulz_batch(
    x: Tensor<3>,
    steps: &[[f32; 3]],
    preconditioning: Preconditioning,
    eps: f64,
) -> Result<Tensor<3>> {
    let [b, r, o] = x.dims();
    let transposed = r > o;
    let mut x = if transposed { x.swap_dims(1, 2) } else { x };
    let [_, rows, cols] = x.dims();
    let eps32 = eps as f32 as f64;
    match preconditioning {
        Preconditioning::Frobenius => {
            let norm = (x.clone() * x.clone()).sum_dim(2).sum_dim(1).sqrt();
            x = x / norm.add_scalar(eps32);
        }
        Preconditioning::Spectral => {
            let host = x
                .to_data()
                .convert::<f32>()
                .try_to_vec::<f32>()
                .map_err(|e| {
                    OptaxError::input("orthogonalize_via_newton_schulz", format!("{e:?}"))
                })?;
            let per = rows * cols;
            let norms: Vec<f32> = (0..b)
                .map(|i| {
                    let s = largest_singular_value(&host[i * per..(i + 1) * per], rows, cols);
                    // `norm + eps` in float32, as Optax's division operand.
                    (s as f32) + eps32 as f32
                })
                .collect();
            let device = x.device();
            let d = Tensor::<3>::from_data(TensorData::new(norms, [b, 1, 1]), &device);
            x = x / d;
        }
        Preconditioning::Aol | Preconditioning::Schatten => {}
    }
    for (i, c) in steps.iter().enumerate() {
        let (c0, c1, c2) = (c[0] as f64, c[1] as f64, c[2] as f64);
        let mut a = x.clone().matmul(x.clone().swap_dims(1, 2));
        if i == 0 && preconditioning == Preconditioning::Aol {
            let rescaling = a.clone().abs().sum_dim(2).clamp_min(eps32);
            let s = rescaling.sqrt().recip();
            x = x * s.clone();
            // `s` as a row: a reshape, not `swap_dims(1, 2)` (the same data, as one axis is 1;
            // a transposed broadcast operand gave wrong values in wgpu's fused kernels).
            let [nb, r, _] = s.dims();
            let s_row = s.clone().reshape([nb, 1, r]);
            a = a * s * s_row;
        } else if i == 0 && preconditioning == Preconditioning::Schatten {
            let rescaling = (a.clone() * a.clone())
                .sum_dim(2)
                .sum_dim(1)
                .sqrt()
                .clamp_min(eps32);
            let s = rescaling.sqrt().recip();
            x = x * s.clone();
            a = a * (s.clone() * s);
        }
        let bm = a.clone().mul_scalar(c1) + a.clone().mul_scalar(c2).matmul(a);
        x = x.clone().mul_scalar(c0) + bm.matmul(x);
    }
    Ok(if transposed { x.swap_dims(1, 2) } else { x })
}
