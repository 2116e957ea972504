//! Per-example gradient clipping for differentially private training: each example's
//! gradient is clipped to a norm bound, then the clipped gradients are **summed** (not
//! averaged) over the batch, as in Optax.
//!
//! Abadi et al., *Deep Learning with Differential Privacy*, CCS 2016
//! (<https://arxiv.org/abs/1607.00133>); McMahan et al., *Learning Differentially Private
//! Recurrent Language Models*, ICLR 2018 (<https://arxiv.org/abs/1710.06963>).
//!
//! ```text
//! per_example_global_norm_clip:  n_b = ‖(g_b of every leaf)‖₂,  m_b = nan_to_num(min(C / n_b, 1), nan=1)
//!                                 out = Σ_b m_b g_b,  num_clipped = #{b : m_b < 1}
//! per_example_layer_norm_clip:   the same per leaf i with C_i = C / sqrt(K) (uniform)
//!                                 or C_i = C · sqrt(D_i / D) (K leaves, D_i elements of leaf i
//!                                 per example, D = Σ D_i)
//! ```
//!
//! Every leaf carries the batch on its first axis (`[B, ...]`); the results drop it.

use std::sync::Arc;

use burn::tensor::{Int, Tensor};

use crate::error::{OptaxError, Result};
use crate::tree::{Tree, TreeDef};

/// The batch size, checked to be the first axis of every leaf; and each leaf as `[B, n]`.
fn batched(grads: &Tree, function: &str) -> Result<(usize, Vec<Tensor<2>>)> {
    let batch = match grads.shapes().first() {
        Some(s) if !s.is_empty() => s[0],
        Some(_) | None => {
            return Err(OptaxError::input(
                function,
                "expects gradients with a batch dimension in the 0th axis",
            ))
        }
    };
    let mut out = Vec::with_capacity(grads.len());
    for (path, shape, leaf) in grads.iter() {
        if shape.is_empty() || shape[0] != batch {
            return Err(OptaxError::input(
                function,
                format!(
                    "expects every leaf to have the batch dimension {batch} in the 0th axis; \
                     leaf `{path}` has shape {shape:?}"
                ),
            ));
        }
        let n: usize = shape[1..].iter().product();
        out.push(leaf.clone().reshape([batch, n]));
    }
    Ok((batch, out))
}

/// The structure of `grads` without the batch axis.
fn unbatched_def(grads: &Tree) -> Result<Arc<TreeDef>> {
    Ok(Arc::new(TreeDef::new(
        grads.paths().to_vec(),
        grads.shapes().iter().map(|s| s[1..].to_vec()).collect(),
    )?))
}

/// Multipliers `nan_to_num(min(clip / norms, 1), nan=1)` (`[B, 1]`) from per-example norms.
fn multipliers(norms: Tensor<2>, clip: f32) -> Tensor<2> {
    let m = norms.ones_like().mul_scalar(clip).div(norms).clamp_max(1.0);
    let nan = m.clone().is_nan();
    m.mask_fill(nan, 1.0)
}

/// `Σ_b m_b g_b` (`[n]`) and the number of `m_b < 1`.
fn clipped_sum(m: &Tensor<2>, g: Tensor<2>) -> Tensor<1> {
    let n = g.dims()[1];
    m.clone().transpose().matmul(g).reshape([n])
}

fn count_clipped(m: &Tensor<2>) -> Tensor<1, Int> {
    let b = m.dims()[0];
    m.clone().lower_elem(1.0).int().reshape([b]).sum()
}

/// `optax.per_example_global_norm_clip(grads, l2_norm_clip)`: clips each example's gradient
/// (over all leaves together) to L2 norm `l2_norm_clip` and sums over the batch. Returns the
/// summed tree (the leaves without their batch axis) and the number of examples clipped (a
/// one-element integer tensor).
///
/// # Errors
/// [`OptaxError::InvalidInput`] if a leaf lacks the batch axis shared by all leaves.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::per_example_global_norm_clip;
/// use optax_core::Tree;
/// let device = Device::flex();
/// let g = Tensor::<2>::from_floats([[0., 0., 0.], [0., 3., 4.], [4., 0., 3.], [3., 4., 0.]], &device);
/// let grads = Tree::builder().leaf("w", g).build()?;
/// let (sum, clipped) = per_example_global_norm_clip(&grads, 1.25)?;
/// assert_eq!(sum.to_vecs()?, vec![vec![1.75, 1.75, 1.75]]);
/// assert_eq!(clipped.into_scalar::<i64>(), 3);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn per_example_global_norm_clip(
    grads: &Tree,
    l2_norm_clip: f64,
) -> Result<(Tree, Tensor<1, Int>)> {
    let (_, leaves) = batched(grads, "per_example_global_norm_clip")?;
    let def = unbatched_def(grads)?;
    let norms = leaves
        .iter()
        .map(|g| (g.clone() * g.clone()).sum_dim(1))
        .reduce(|acc, s| acc + s)
        .ok_or_else(|| OptaxError::input("per_example_global_norm_clip", "no leaves"))?
        .sqrt();
    let m = multipliers(norms, l2_norm_clip as f32);
    let num_clipped = count_clipped(&m);
    let summed = leaves.into_iter().map(|g| clipped_sum(&m, g)).collect();
    Ok((Tree::from_flat(def, summed)?, num_clipped))
}

/// `optax.per_example_layer_norm_clip(grads, global_l2_norm_clip, uniform=True)`: clips
/// each example's gradient leaf by leaf, leaf `i` to norm `C / sqrt(K)` (`uniform`) or
/// `C · sqrt(D_i / D)`, and sums over the batch. Returns the summed tree and, per leaf, the
/// number of examples clipped.
///
/// # Errors
/// [`OptaxError::InvalidInput`] if a leaf lacks the batch axis shared by all leaves.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::per_example_layer_norm_clip;
/// use optax_core::Tree;
/// let device = Device::flex();
/// let g = Tensor::<2>::from_floats([[0., 0., 0.], [0., 3., 4.], [4., 0., 3.], [3., 4., 0.]], &device);
/// let grads = Tree::builder().leaf("w", g).build()?;
/// let (sum, clipped) = per_example_layer_norm_clip(&grads, 1.25, true)?;
/// assert_eq!(sum.to_vecs()?, vec![vec![1.75, 1.75, 1.75]]);
/// assert_eq!(clipped[0].clone().into_scalar::<i64>(), 3);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn per_example_layer_norm_clip(
    grads: &Tree,
    global_l2_norm_clip: f64,
    uniform: bool,
) -> Result<(Tree, Vec<Tensor<1, Int>>)> {
    let (_, leaves) = batched(grads, "per_example_layer_norm_clip")?;
    let def = unbatched_def(grads)?;
    let num_layers = leaves.len() as f64;
    let total_params: usize = leaves.iter().map(|g| g.dims()[1]).sum();
    let mut summed = Vec::with_capacity(leaves.len());
    let mut counts = Vec::with_capacity(leaves.len());
    for g in leaves {
        // The bound in double precision (Python floats), then float32, as in Optax.
        let clip = if uniform {
            global_l2_norm_clip * (1.0 / num_layers).powf(0.5)
        } else {
            global_l2_norm_clip * (g.dims()[1] as f64 / total_params as f64).powf(0.5)
        };
        let norms = (g.clone() * g.clone()).sum_dim(1).sqrt();
        let m = multipliers(norms, clip as f32);
        counts.push(count_clipped(&m));
        summed.push(clipped_sum(&m, g));
    }
    Ok((Tree::from_flat(def, summed)?, counts))
}
