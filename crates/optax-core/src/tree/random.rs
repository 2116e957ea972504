//! Random trees: `optax.tree.split_key_like` and `optax.tree.random_like`.
//!
//! JAX's keys and threefry generator have no Burn counterpart and cannot be reproduced bit for
//! bit, so a key here is a `u64` and the generator is `rand`'s `StdRng`, as in
//! [`add_noise`](crate::transforms::add_noise): `split_key_like(key, tree)` seeds `StdRng`
//! with `key` and draws one `u64` per leaf, in order; `random_like` seeds a `StdRng` per leaf
//! with that leaf's key and fills the leaf in row-major order. The same key gives the same
//! tree on every device; the values differ from JAX's sample for sample, not in distribution.

use burn::tensor::{DType, Device, Tensor, TensorData};
use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};
use rand_distr::StandardNormal;

use crate::error::Result;
use crate::tree::Tree;

/// `optax.tree.split_key_like(rng_key, target_tree)`: one key per leaf of `target_tree`, in
/// the order of its leaves.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::{tree, Tree};
/// let device = Device::flex();
/// let x = Tree::builder().leaf("a", Tensor::<1>::zeros([2], &device)).scalar("b", 0.0, &device).build()?;
/// let keys = tree::split_key_like(0, &x);
/// assert_eq!(keys.len(), 2);
/// assert_ne!(keys[0], keys[1]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn split_key_like(rng_key: u64, target_tree: &Tree) -> Vec<u64> {
    let mut rng = StdRng::seed_from_u64(rng_key);
    (0..target_tree.len()).map(|_| rng.next_u64()).collect()
}

/// A sampler of [`random_like_with`]: `(leaf key, number of elements)` to the values of a leaf.
pub type Sampler<'a> = &'a mut dyn FnMut(&mut StdRng, usize) -> Vec<f32>;

/// `optax.tree.random_like(rng_key, target_tree, sampler=jax.random.normal, dtype=None)`:
/// a tree shaped like `target_tree` of standard normal draws, each leaf of `target_tree`'s
/// dtype or `dtype`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::{tree, Tree};
/// let device = Device::flex();
/// let x = Tree::builder().leaf("a", Tensor::<1>::zeros([3], &device)).scalar("b", 0.0, &device).build()?;
/// let r = tree::random_like(1, &x, None)?;
/// assert_eq!(r.shapes(), x.shapes());
/// assert_eq!(r.to_vecs()?, tree::random_like(1, &x, None)?.to_vecs()?);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn random_like(rng_key: u64, target_tree: &Tree, dtype: Option<DType>) -> Result<Tree> {
    random_like_with(
        rng_key,
        target_tree,
        &mut |rng: &mut StdRng, n: usize| (0..n).map(|_| rng.sample(StandardNormal)).collect(),
        dtype,
    )
}

/// [`random_like`] with another sampler (Optax's `sampler`): it receives the leaf's generator
/// and number of elements and returns that many values.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::{tree, Tree};
/// use rand::Rng;
/// let device = Device::flex();
/// let x = Tree::builder().leaf("a", Tensor::<1>::zeros([3], &device)).build()?;
/// let u = tree::random_like_with(0, &x, &mut |rng, n| (0..n).map(|_| rng.random::<f32>()).collect(), None)?;
/// assert!(u.to_vecs()?[0].iter().all(|v| (0.0..1.0).contains(v)));
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn random_like_with(
    rng_key: u64,
    target_tree: &Tree,
    sampler: Sampler<'_>,
    dtype: Option<DType>,
) -> Result<Tree> {
    let keys = split_key_like(rng_key, target_tree);
    let mut leaves = Vec::with_capacity(keys.len());
    for (leaf, key) in target_tree.leaves().iter().zip(keys) {
        let n = leaf.dims()[0];
        let mut rng = StdRng::seed_from_u64(key);
        let mut values = sampler(&mut rng, n);
        values.resize(n, 0.0);
        let device: Device = leaf.device();
        let t = Tensor::<1>::from_data(TensorData::new(values, [n]), &device);
        let want = dtype.unwrap_or(leaf.dtype());
        leaves.push(if t.dtype() == want { t } else { t.cast(want) });
    }
    Tree::from_flat(target_tree.def().clone(), leaves)
}
