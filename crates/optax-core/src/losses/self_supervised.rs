//! Self-supervised losses (`optax.losses`, `optax/losses/_self_supervised.py`): the NT-Xent
//! contrastive loss and the triplet margin loss.
//!
//! ```text
//! cos(a, b)  = a/‖a‖ · b/‖b‖,   ‖x‖ = sqrt(max(Σ x², ε))          (ε = the dtype's machine epsilon)
//! ntxent     = −1/|P| Σ_{(i,j)∈P} log( e^{c_ij} / (e^{c_ij} + Σ_{k∈N(i)} e^{c_ik}) ),  c = cos / τ
//!              P: pairs i ≠ j with equal labels; N(i): the items whose label differs from i's
//! triplet    = max( d(a, p) − d(a, n) + margin, 0 ),  d(x, y) = (Σ_axis (x − y)^q + eps)^(1/q)
//! ```

use burn::tensor::{Bool, DType, Int, Tensor};

use super::checks;
use crate::{OptaxError, Result};

/// Machine epsilon of a float dtype (`jnp.finfo(dtype).eps`).
fn machine_epsilon(dtype: DType) -> f64 {
    match dtype {
        DType::F64 => f64::EPSILON,
        DType::F16 => 9.765_625e-4,
        DType::BF16 => 7.812_5e-3,
        _ => f32::EPSILON as f64,
    }
}

/// `optax.losses.ntxent(embeddings, labels, temperature=0.07)`: the normalized
/// temperature-scaled cross entropy (NT-Xent) of a batch of embeddings, averaged over all
/// positive pairs.
///
/// Items with equal labels are positive pairs, items with different labels negatives. With
/// `c_ij = cos(e_i, e_j) / temperature` (Optax's `cosine_similarity` with `epsilon` the
/// dtype's machine epsilon, so a zero embedding has similarity 0 to everything):
///
/// ```text
/// ℓ_ij    = −log( exp(c_ij) / (exp(c_ij) + Σ_{k: label_k ≠ label_i} exp(c_ik)) )
/// ntxent  = Σ_{i ≠ j, label_i = label_j} ℓ_ij / #{i ≠ j : label_i = label_j}
/// ```
///
/// (computed after subtracting each row's largest similarity, which is not differentiated,
/// as Optax does). A batch without positive pairs gives NaN (0/0), as in Optax; a batch
/// without negatives gives ~0.
///
/// * `embeddings`: `[batch, feature_length]`.
/// * `labels`: `[batch]` group ids; e.g. `[0, 0, 1, 1]` when items 0, 1 and items 2, 3 are
///   the positive pairs.
/// * `temperature`: Optax's default: `temperature = 0.07`.
///
/// Returns Optax's scalar as a `[1]` tensor.
///
/// Reference: T. Chen, S. Kornblith, M. Norouzi, G. Hinton, *A Simple Framework for
/// Contrastive Learning of Visual Representations* (SimCLR), ICML 2020,
/// <http://arxiv.org/abs/2002.05709>.
///
/// # Errors
/// [`OptaxError::InvalidInput`] if `labels` and `embeddings` have different leading
/// dimensions (Optax raises `ValueError`), if `embeddings` has an axis of size 0, or if
/// `temperature` is 0 or not finite (Optax would return NaN or ±inf).
///
/// ```
/// use burn::tensor::{Device, Int, Tensor};
/// use optax_core::losses::ntxent;
/// let device = Device::flex();
/// let embeddings = Tensor::<2>::from_floats(
///     [[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]],
///     &device,
/// );
/// let labels = Tensor::<1, Int>::from_ints([0, 0, 1, 1], &device);
/// let loss = ntxent(embeddings, labels, 0.07).unwrap();
/// assert_eq!(loss.dims(), [1]);
/// let loss: f32 = loss.into_scalar();
/// assert!(loss >= 0.0 && loss < 1e-3); // positives agree, negatives are orthogonal
/// ```
pub fn ntxent(
    embeddings: Tensor<2>,
    labels: Tensor<1, Int>,
    temperature: f64,
) -> Result<Tensor<1>> {
    const NAME: &str = "ntxent";
    let [batch, features] = embeddings.dims();
    let [n_labels] = labels.dims();
    if n_labels != batch {
        return Err(OptaxError::input(
            NAME,
            format!(
                "labels and embeddings must have the same leading dimension, found \
                 {n_labels} for labels and {batch} for embeddings"
            ),
        ));
    }
    if batch == 0 || features == 0 {
        return Err(OptaxError::input(
            NAME,
            format!("embeddings has shape [{batch}, {features}]; both axes must be non-empty"),
        ));
    }
    if temperature == 0.0 || !temperature.is_finite() {
        return Err(OptaxError::input(
            NAME,
            format!("temperature must be finite and non-zero, got {temperature}"),
        ));
    }
    let device = embeddings.device();
    let square = [batch, batch];

    // Cosine similarities (Optax's cosine_similarity with epsilon = finfo(dtype).eps).
    let eps = machine_epsilon(embeddings.dtype());
    let norm = embeddings
        .clone()
        .mul(embeddings.clone())
        .sum_dim(1)
        .clamp_min(eps)
        .sqrt();
    let unit = embeddings.div(norm);
    let xcs = unit
        .clone()
        .matmul(unit.transpose())
        .div_scalar(temperature);

    // Positive pairs (equal labels, off the diagonal) and negatives (different labels).
    let same: Tensor<2, Bool> = labels
        .clone()
        .unsqueeze_dim::<2>(1)
        .expand(square)
        .equal(labels.unsqueeze_dim::<2>(0).expand(square));
    let off_diagonal = Tensor::<2, Bool>::diag_mask(square, 0, &device);
    let matches = same.clone().bool_and(off_diagonal);
    let not_matches = matches.clone().bool_not();

    let xcs_diffs = xcs.clone().mask_fill(same, f32::NEG_INFINITY);
    let xcs_matches = xcs.mask_fill(not_matches.clone(), f32::NEG_INFINITY);

    // Shift each row by its largest similarity (not differentiated) for stability.
    let row_max = Tensor::cat(vec![xcs_diffs.clone(), xcs_matches.clone()], 1)
        .max_dim(1)
        .detach();
    let shift_diffs = xcs_diffs.sub(row_max.clone());
    let shift_matches = xcs_matches.sub(row_max);

    let denom = shift_diffs
        .exp()
        .sum_dim(1)
        .add(shift_matches.clone().exp());
    let log_softmax = shift_matches.sub(denom.log());
    let total = log_softmax.mask_fill(not_matches, 0.0).sum();
    let pairs = matches.float().sum();
    Ok(total.div(pairs).neg())
}

/// `optax.losses.triplet_margin_loss(anchors, positives, negatives, axis=-1, norm_degree=2,
/// margin=1.0, eps=1e-6)`: the triplet loss of each (anchor, positive, negative) triple,
/// not reduced over the batch.
///
/// ```text
/// d(x, y) = ( Σ_axis (x − y)^norm_degree + eps )^(1 / norm_degree)
/// loss    = max( d(anchors, positives) − d(anchors, negatives) + margin, 0 )
/// ```
///
/// As in Optax, the signed difference is raised to `norm_degree` (no absolute value): an
/// even degree is a norm, `norm_degree = 1` sums signed differences, and a negative sum
/// under a fractional root is NaN.
///
/// * `anchors`, `positives`, `negatives`: `[batch, feature_dim]` in Optax; here any rank,
///   with `positives` and `negatives` broadcastable against `anchors` (Burn broadcasting:
///   same rank, sizes equal or 1).
/// * `axis`: the axis of the distances (negative counts from the end). Optax's default:
///   `axis = -1`. Tuple axes are not supported.
/// * Optax's defaults: `norm_degree = 2`, `margin = 1.0`, `eps = 1e-6`.
///
/// Burn cannot name the rank `D - 1` of a generic `Tensor<D>`, so `axis` is kept with size
/// 1: `[batch, feature_dim]` gives `[batch, 1]`.
///
/// Reference: V. Balntas, E. Riba, D. Ponsa, K. Mikolajczyk, *Learning local feature
/// descriptors with triplets and shallow convolutional neural networks*, BMVC 2016.
///
/// # Errors
/// [`OptaxError::InvalidInput`] if `D` is 0, `axis` is out of range, an input has an axis
/// of size 0, the shapes do not broadcast, or `norm_degree` is 0 or not finite.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::losses::triplet_margin_loss;
/// let device = Device::flex();
/// let anchors = Tensor::<2>::from_floats([[0.0, 0.0], [1.0, 1.0]], &device);
/// let positives = Tensor::<2>::from_floats([[0.1, 0.1], [1.1, 1.1]], &device);
/// let negatives = Tensor::<2>::from_floats([[1.0, 0.0], [0.0, 1.0]], &device);
/// let loss = triplet_margin_loss(anchors, positives, negatives, -1, 2.0, 1.0, 1e-6).unwrap();
/// assert_eq!(loss.dims(), [2, 1]);
/// let loss: Vec<f32> = loss.into_data().try_into_vec_as().unwrap();
/// assert!(loss.iter().all(|l| (l - 0.1414).abs() < 1e-4)); // Optax's docstring example
/// ```
pub fn triplet_margin_loss<const D: usize>(
    anchors: Tensor<D>,
    positives: Tensor<D>,
    negatives: Tensor<D>,
    axis: isize,
    norm_degree: f64,
    margin: f64,
    eps: f64,
) -> Result<Tensor<D>> {
    const NAME: &str = "triplet_margin_loss";
    if D == 0 {
        return Err(OptaxError::input(
            NAME,
            "the inputs must have at least one axis",
        ));
    }
    let axis = checks::axis(NAME, axis, D)?;
    for (name, dims) in [
        ("anchors", anchors.dims()),
        ("positives", positives.dims()),
        ("negatives", negatives.dims()),
    ] {
        if dims.contains(&0) {
            return Err(OptaxError::input(
                NAME,
                format!("{name} has shape {dims:?}; every axis must have a size of at least 1"),
            ));
        }
    }
    if norm_degree == 0.0 || !norm_degree.is_finite() {
        return Err(OptaxError::input(
            NAME,
            format!("norm_degree must be finite and non-zero, got {norm_degree}"),
        ));
    }
    let a = anchors.dims();
    let pos_shape = checks::broadcast(NAME, ("anchors", &a), ("positives", &positives.dims()))?;
    let neg_shape = checks::broadcast(NAME, ("anchors", &a), ("negatives", &negatives.dims()))?;
    let reduced = |mut s: Vec<usize>| {
        s[axis] = 1;
        s
    };
    checks::broadcast(
        NAME,
        ("the anchor-positive distances", &reduced(pos_shape.clone())),
        ("the anchor-negative distances", &reduced(neg_shape.clone())),
    )?;

    let distance = |diff: Tensor<D>| {
        diff.powf_scalar(norm_degree)
            .sum_dim(axis)
            .add_scalar(eps)
            .powf_scalar(1.0 / norm_degree)
    };
    let to = |t: Tensor<D>, shape: &[usize]| {
        let shape: [usize; D] = shape.try_into().expect("rank D");
        if t.dims() == shape {
            t
        } else {
            t.expand(shape)
        }
    };
    let positive_distance =
        distance(to(anchors.clone(), &pos_shape).sub(to(positives, &pos_shape)));
    let negative_distance = distance(to(anchors, &neg_shape).sub(to(negatives, &neg_shape)));
    let hinge = positive_distance.sub(negative_distance).add_scalar(margin);
    // jnp.maximum(x, 0): NaN stays NaN, and the gradient flows only where x > 0 (none
    // through a NaN, as in JAX).
    let not_positive = hinge.clone().greater_elem(0.0).bool_not();
    let nan = hinge.clone().is_nan();
    Ok(hinge.mask_fill(not_positive, 0.0).mask_fill(nan, f32::NAN))
}
