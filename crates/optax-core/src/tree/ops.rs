//! Tree utilities (`optax.tree`): arithmetic, reductions, constructors and the moment updates
//! that the optimizers are written with.
//!
//! Reductions return one-element tensors that stay on the device, so a step never waits on a
//! read-back; call [`crate::Scalar::to_f64`] or `into_scalar` to read one.

use burn::tensor::{DType, Tensor};

use crate::error::{OptaxError, Result};
use crate::hyper::Scalar;
use crate::tree::Tree;

/// `x + y`, leaf by leaf (`optax.tree.add`).
pub fn add(x: &Tree, y: &Tree) -> Result<Tree> {
    x.zip_map(y, |a, b| a + b)
}

/// `x - y`, leaf by leaf (`optax.tree.sub`).
pub fn sub(x: &Tree, y: &Tree) -> Result<Tree> {
    x.zip_map(y, |a, b| a - b)
}

/// `x * y`, leaf by leaf (`optax.tree.mul`).
pub fn mul(x: &Tree, y: &Tree) -> Result<Tree> {
    x.zip_map(y, |a, b| a * b)
}

/// `x / y`, leaf by leaf (`optax.tree.div`).
pub fn div(x: &Tree, y: &Tree) -> Result<Tree> {
    x.zip_map(y, |a, b| a / b)
}

/// `scalar * tree` (`optax.tree.scale`).
pub fn scale(scalar: impl Into<Scalar>, tree: &Tree) -> Tree {
    let s = scalar.into();
    tree.map(|t| s.mul_tensor(t))
}

/// `x + scalar * y` (`optax.tree.add_scale`).
pub fn add_scale(x: &Tree, scalar: impl Into<Scalar>, y: &Tree) -> Result<Tree> {
    let s = scalar.into();
    x.zip_map(y, |a, b| a + s.mul_tensor(b))
}

/// Sum over leaves of one-element tensors; zero for an empty list.
fn sum_scalars(parts: Vec<Tensor<1>>, tree: &Tree) -> Tensor<1> {
    let mut it = parts.into_iter();
    match it.next() {
        Some(first) => it.fold(first, |acc, t| acc + t),
        None => Tensor::zeros([1], &tree.device().unwrap_or_default()),
    }
}

/// The inner product `Σ x·y` over all leaves (`optax.tree.vdot`), as a one-element tensor.
pub fn vdot(x: &Tree, y: &Tree) -> Result<Tensor<1>> {
    x.check_same_structure(y)?;
    let parts = x
        .leaves()
        .iter()
        .zip(y.leaves())
        .map(|(a, b)| (a.clone() * b.clone()).sum())
        .collect();
    Ok(sum_scalars(parts, x))
}

/// The sum of all elements (`optax.tree.sum`).
pub fn sum(tree: &Tree) -> Tensor<1> {
    sum_scalars(
        tree.leaves().iter().map(|t| t.clone().sum()).collect(),
        tree,
    )
}

/// The order of a norm (`ord` of `optax.tree.norm`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NormOrd {
    /// Sum of absolute values.
    L1,
    /// Euclidean norm (Optax's default, `ord=None` or `2`).
    L2,
    /// Largest absolute value.
    Inf,
}

/// The norm of the whole tree as one vector (`optax.tree.norm(tree, ord, squared)`).
pub fn norm(tree: &Tree, ord: NormOrd, squared: bool) -> Tensor<1> {
    match ord {
        NormOrd::L2 => {
            let sq = sum_scalars(
                tree.leaves()
                    .iter()
                    .map(|t| (t.clone() * t.clone()).sum())
                    .collect(),
                tree,
            );
            if squared {
                sq
            } else {
                sq.sqrt()
            }
        }
        NormOrd::L1 => {
            let n = sum_scalars(
                tree.leaves()
                    .iter()
                    .map(|t| t.clone().abs().sum())
                    .collect(),
                tree,
            );
            if squared {
                n.clone() * n
            } else {
                n
            }
        }
        NormOrd::Inf => {
            let n = max(&tree.map(|t| t.abs()));
            if squared {
                n.clone() * n
            } else {
                n
            }
        }
    }
}

/// The largest element (`optax.tree.max`); `-inf` for an empty tree.
pub fn max(tree: &Tree) -> Tensor<1> {
    let parts: Vec<Tensor<1>> = tree.leaves().iter().map(|t| t.clone().max()).collect();
    let mut it = parts.into_iter();
    match it.next() {
        Some(first) => it.fold(first, |acc, t| acc.max_pair(t)),
        None => Tensor::full([1], f32::NEG_INFINITY, &tree.device().unwrap_or_default()),
    }
}

/// The smallest element (`optax.tree.min`); `inf` for an empty tree.
pub fn min(tree: &Tree) -> Tensor<1> {
    let parts: Vec<Tensor<1>> = tree.leaves().iter().map(|t| t.clone().min()).collect();
    let mut it = parts.into_iter();
    match it.next() {
        Some(first) => it.fold(first, |acc, t| acc.min_pair(t)),
        None => Tensor::full([1], f32::INFINITY, &tree.device().unwrap_or_default()),
    }
}

/// The number of elements (`optax.tree.size`).
pub fn size(tree: &Tree) -> usize {
    tree.numel()
}

/// Zeros shaped like `tree` (`optax.tree.zeros_like`).
pub fn zeros_like(tree: &Tree) -> Tree {
    tree.map(|t| t.zeros_like())
}

/// Ones shaped like `tree` (`optax.tree.ones_like`).
pub fn ones_like(tree: &Tree) -> Tree {
    tree.map(|t| t.ones_like())
}

/// `fill_value` everywhere, shaped like `tree` (`optax.tree.full_like`).
pub fn full_like(tree: &Tree, fill_value: f64) -> Tree {
    tree.map(|t| t.full_like(fill_value))
}

/// Clamps every element to `[min, max]` (`optax.tree.clip`); `None` leaves a side open.
pub fn clip(tree: &Tree, min: Option<f64>, max: Option<f64>) -> Tree {
    tree.map(|t| match (min, max) {
        (Some(lo), Some(hi)) => t.clamp(lo, hi),
        (Some(lo), None) => t.clamp_min(lo),
        (None, Some(hi)) => t.clamp_max(hi),
        (None, None) => t,
    })
}

/// The condition of [`where_`]: one flag for the whole tree, or a tree whose nonzero elements
/// select `x`.
// A `Tensor` is large (~256 bytes) next to a number; boxing it would add an allocation to
// every hyperparameter and state value, and these enums are cloned per step, not stored in bulk.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Condition {
    /// One flag for every element.
    Flag(bool),
    /// A one-element tensor, nonzero meaning true (kept on the device).
    Scalar(Tensor<1>),
    /// Element-wise: a tree of the same structure, nonzero meaning true.
    Tree(Tree),
}

/// `x` where the condition holds, else `y` (`optax.tree.where`).
pub fn where_(condition: &Condition, x: &Tree, y: &Tree) -> Result<Tree> {
    match condition {
        Condition::Flag(true) => {
            x.check_same_structure(y)?;
            Ok(x.clone())
        }
        Condition::Flag(false) => {
            x.check_same_structure(y)?;
            Ok(y.clone())
        }
        Condition::Scalar(c) => {
            let [numel] = c.dims();
            if numel != 1 {
                return Err(OptaxError::invalid(
                    "condition",
                    format!("must be a one-element tensor, found {numel} elements"),
                ));
            }
            let mask = c.clone().not_equal_elem(0.0);
            x.zip_map(y, |a, b| {
                let n = a.dims();
                b.mask_where(mask.clone().expand(n), a)
            })
        }
        Condition::Tree(c) => {
            x.check_same_structure(c)?;
            // `c` has the structure of `x` (checked above), so it has a flag leaf per leaf of `x`.
            let flags = c.leaves();
            let mut i = 0;
            x.zip_map(y, |a, b| {
                let m = flags[i].clone().not_equal_elem(0.0);
                i += 1;
                b.mask_where(m, a)
            })
        }
    }
}

/// Whether every element of `a` is within `atol + rtol·|b|` of `b` (`optax.tree.allclose`,
/// default `rtol=1e-5, atol=1e-8`). Reads both trees to the host.
pub fn allclose(a: &Tree, b: &Tree, rtol: f64, atol: f64) -> Result<bool> {
    a.check_same_structure(b)?;
    let (va, vb) = (a.to_vecs()?, b.to_vecs()?);
    Ok(va.iter().zip(&vb).all(|(x, y)| {
        x.iter().zip(y).all(|(&p, &q)| {
            let (p, q) = (p as f64, q as f64);
            (p.is_nan() && q.is_nan()) || p == q || (p - q).abs() <= atol + rtol * q.abs()
        })
    }))
}

/// Every leaf cast to `dtype` (`optax.tree.cast`); a float dtype is required.
pub fn cast(tree: &Tree, dtype: DType) -> Result<Tree> {
    if !dtype.is_float() {
        return Err(OptaxError::invalid(
            "dtype",
            format!("{dtype:?} is not a float type"),
        ));
    }
    Ok(tree.map(|t| t.cast(dtype)))
}

/// `moment / (1 - decay^count)` (`optax.tree.bias_correction`).
///
/// For a number `decay`, `1 - decay^count` is computed as Optax computes it under `jit`, in
/// float32: `decay` rounded to float32, the power correctly rounded, the difference in float32.
/// (In double precision it differs by up to ~1e-5 relative for `decay = 0.999`, visible in a
/// float32 trajectory.)
pub fn bias_correction(moment: &Tree, decay: &Scalar, count: i64) -> Tree {
    let count = count.clamp(0, i32::MAX as i64) as i32;
    let correction = match decay {
        Scalar::Value(d) => {
            Scalar::Value((1.0f32 - ((*d as f32) as f64).powi(count) as f32) as f64)
        }
        Scalar::Tensor(_) => 1.0 - decay.clone().powi(count),
    };
    moment.map(|t| correction.div_tensor(t))
}

/// `g^order` for the integer orders the optimizers use (exact products for 1 and 2).
fn pow_order(g: Tensor<1>, order: i32) -> Tensor<1> {
    match order {
        1 => g,
        2 => g.clone() * g,
        n => g.powi_scalar(n),
    }
}

/// `(1 - decay)·g^order + decay·m` (`optax.tree.update_moment`).
pub fn update_moment(updates: &Tree, moments: &Tree, decay: &Scalar, order: i32) -> Result<Tree> {
    let keep = 1.0 - decay.clone();
    updates.zip_map(moments, |g, m| {
        keep.mul_tensor(pow_order(g, order)) + decay.mul_tensor(m)
    })
}

/// `max(|g| + eps, decay·m)` (`optax.tree.update_infinity_moment`).
pub fn update_infinity_moment(
    updates: &Tree,
    moments: &Tree,
    decay: &Scalar,
    eps: &Scalar,
) -> Result<Tree> {
    updates.zip_map(moments, |g, m| {
        eps.add_tensor(g.abs()).max_pair(decay.mul_tensor(m))
    })
}

/// `(1 - decay)·|g|^order + decay·m` (`optax.tree.update_moment_per_elem_norm`; for real
/// values `|g|^order = g^order` at even orders).
pub fn update_moment_per_elem_norm(
    updates: &Tree,
    moments: &Tree,
    decay: &Scalar,
    order: i32,
) -> Result<Tree> {
    let keep = 1.0 - decay.clone();
    updates.zip_map(moments, |g, m| {
        keep.mul_tensor(pow_order(g, order)) + decay.mul_tensor(m)
    })
}

#[cfg(test)]
mod tests {
    use burn::tensor::{Device, Tensor};

    use super::*;

    #[test]
    fn where_takes_a_one_element_condition_or_errors() {
        let device = Device::flex();
        let tree = |v: [f32; 3]| {
            Tree::builder()
                .leaf("w", Tensor::<1>::from_floats(v, &device))
                .build()
                .unwrap()
        };
        let (x, y) = (tree([1.0, 2.0, 3.0]), tree([4.0, 5.0, 6.0]));
        let yes = Condition::Scalar(Tensor::from_floats([1.0], &device));
        assert_eq!(
            where_(&yes, &x, &y).unwrap().to_vecs().unwrap(),
            x.to_vecs().unwrap()
        );
        let two = Condition::Scalar(Tensor::from_floats([1.0, 0.0], &device));
        assert!(matches!(
            where_(&two, &x, &y),
            Err(OptaxError::InvalidHyperparameter { .. })
        ));
    }
}
