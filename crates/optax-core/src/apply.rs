//! Applying updates to parameters, and the parameter averages built on it.

use crate::error::Result;
use crate::hyper::Scalar;
use crate::tree::Tree;

/// `params + updates`, in the parameters' dtype (`optax.apply_updates`).
///
/// On the CPU devices (flex; ndarray with the `ndarray` feature), float32 trees are added in
/// one multi-threaded pass over all leaves (`optax_kernels::apply_updates`), with the same
/// float32 result as the tensor add; elsewhere each leaf is one tensor add.
pub fn apply_updates(params: &Tree, updates: &Tree) -> Result<Tree> {
    params.check_same_structure(updates)?;
    let mut leaves = params.leaves().to_vec();
    if optax_kernels::apply_updates(&mut leaves, updates.leaves()).is_ok() {
        return Ok(params.with_leaves(leaves));
    }
    params.zip_map(updates, |p, u| {
        let dtype = p.dtype();
        p + u.cast(dtype)
    })
}

/// `step_size·new + (1 - step_size)·old`, Polyak averaging (`optax.incremental_update`).
pub fn incremental_update(
    new_tensors: &Tree,
    old_tensors: &Tree,
    step_size: impl Into<Scalar>,
) -> Result<Tree> {
    let s = step_size.into();
    let keep = 1.0 - s.clone();
    new_tensors.zip_map(old_tensors, |n, o| s.mul_tensor(n) + keep.mul_tensor(o))
}

/// `new` when `steps % update_period == 0`, else `old` (`optax.periodic_update`).
pub fn periodic_update(
    new_tensors: &Tree,
    old_tensors: &Tree,
    steps: i64,
    update_period: i64,
) -> Result<Tree> {
    new_tensors.check_same_structure(old_tensors)?;
    if update_period != 0 && steps % update_period == 0 {
        Ok(new_tensors.clone())
    } else {
        Ok(old_tensors.clone())
    }
}

#[cfg(test)]
mod tests {
    use burn::tensor::{Device, Tensor};

    use super::*;

    fn tree(values: &[Vec<f32>], device: &Device) -> Tree {
        let mut b = Tree::builder();
        for (i, v) in values.iter().enumerate() {
            b = b.leaf(
                format!("l{i}"),
                Tensor::<1>::from_floats(v.as_slice(), device),
            );
        }
        b.build().unwrap()
    }

    #[test]
    fn the_cpu_kernel_adds_as_the_tensor_add_and_leaves_the_inputs() {
        let d = Device::flex();
        let n = 1000;
        let p: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin() * 1e3).collect();
        let mut u: Vec<f32> = (0..n).map(|i| (i as f32 * 0.91).cos() * 1e-4).collect();
        u[3] = f32::NAN;
        u[5] = f32::INFINITY;
        u[7] = f32::NEG_INFINITY;
        let params = tree(&[p.clone(), vec![1.5], p[..67].to_vec()], &d);
        let updates = tree(&[u.clone(), vec![-0.25], u[..67].to_vec()], &d);
        let before = params.to_vecs().unwrap();
        let fused = apply_updates(&params, &updates).unwrap();
        let tensor_add = params.zip_map(&updates, |p, u| p + u).unwrap();
        for (a, b) in fused
            .to_vecs()
            .unwrap()
            .iter()
            .zip(tensor_add.to_vecs().unwrap())
        {
            assert_eq!(a.len(), b.len());
            for (x, y) in a.iter().zip(&b) {
                assert!(x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()));
            }
        }
        // The caller's parameters are shared with the result's inputs: left as they were.
        assert_eq!(params.to_vecs().unwrap(), before);
        // A mismatch is an error, not a panic.
        let other = tree(&[vec![1.0, 2.0]], &d);
        assert!(apply_updates(&params, &other).is_err());
    }
}
