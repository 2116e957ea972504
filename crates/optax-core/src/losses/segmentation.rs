//! Segmentation losses (`optax.losses`): the soft Dice loss and its Tversky weighting, the
//! generalised Dice loss with inverse-square class-frequency weights, and the binary Dice
//! loss.
//!
//! ```text
//! p      = softmax(predictions) along the class axis (sigmoid when there is one class)
//! I_c    = Σ_axis p_c·t_c,   P_c = Σ_axis p_c,   T_c = Σ_axis t_c
//! dice_c = 1 - (I_c + smooth) / (I_c + α·(P_c - I_c) + β·(T_c - I_c) + smooth)
//! ```
//!
//! Inputs are `[batch, spatial..., classes]`, the class axis last. Where Optax removes the
//! summed axes, Burn cannot name the smaller rank of a generic `Tensor<D>`, so they are kept
//! with size 1: `[batch, H, W, C]` gives `[batch, 1, 1, C]` per class and `[batch, 1, 1, 1]`
//! after the reduction across classes (Optax: `[batch, C]` and `[batch]`).

use std::fmt;
use std::str::FromStr;

use burn::tensor::activation::{sigmoid, softmax};
use burn::tensor::Tensor;

use super::checks;
use crate::{OptaxError, Result};

/// Optax's `reduction` string of [`dice_loss`]: how the per-class losses are reduced across the
/// class axis (`"mean"`, `"sum"` or `"none"`; Optax's default is `"mean"`).
///
/// [`FromStr`] reads Optax's names; any other name is an
/// [`OptaxError::InvalidInput`], as Optax's `ValueError("Unsupported reduction: ...")`.
///
/// ```
/// use optax_core::losses::Reduction;
/// assert_eq!("sum".parse::<Reduction>()?, Reduction::Sum);
/// assert_eq!(Reduction::default(), Reduction::Mean);
/// assert_eq!(Reduction::None.to_string(), "none");
/// assert!("max".parse::<Reduction>().is_err());
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Reduction {
    /// `"mean"`: the mean over the classes (Optax's default).
    #[default]
    Mean,
    /// `"sum"`: the sum over the classes.
    Sum,
    /// `"none"`: the per-class losses.
    None,
}

impl Reduction {
    /// Optax's name of the reduction.
    pub fn as_str(self) -> &'static str {
        match self {
            Reduction::Mean => "mean",
            Reduction::Sum => "sum",
            Reduction::None => "none",
        }
    }
}

impl fmt::Display for Reduction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Reduction {
    type Err = OptaxError;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "mean" => Ok(Reduction::Mean),
            "sum" => Ok(Reduction::Sum),
            "none" => Ok(Reduction::None),
            other => Err(OptaxError::input(
                "dice_loss",
                format!(
                    "Unsupported reduction: {other:?} (Optax's names: \"mean\", \"sum\", \"none\")"
                ),
            )),
        }
    }
}

/// Optax's check for `apply_softmax=False`: the predictions must sum to 1 along the class axis
/// (`jnp.allclose(sums, 1.0, rtol=1e-5)`, atol 1e-8). It reads the sums back from the device.
fn check_distributions<const D: usize>(function: &str, sums: Tensor<D>) -> Result<()> {
    let sums: Vec<f64> = sums
        .try_into_data()
        .map_err(|e| {
            OptaxError::input(
                function,
                format!("could not read the predictions' sums back to check them: {e}"),
            )
        })?
        .iter::<f64>()
        .collect();
    if sums.iter().all(|s| (s - 1.0).abs() <= 1e-8 + 1e-5) {
        return Ok(());
    }
    let min = sums.iter().copied().fold(f64::INFINITY, f64::min);
    let max = sums.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Err(OptaxError::input(
        function,
        format!(
            "When apply_softmax=False, predictions must be valid probability distributions \
             that sum to 1 along the class axis. Found sum range: [{min:.6}, {max:.6}]"
        ),
    ))
}

/// The axes summed over, as indices: Optax's `axis = None` is every axis but the first and the
/// last (the spatial axes). The class axis cannot be summed here (see [`dice_loss`]).
fn spatial_axes(function: &str, axis: Option<&[isize]>, rank: usize) -> Result<Vec<usize>> {
    let Some(axis) = axis else {
        return Ok((1..rank.saturating_sub(1)).collect());
    };
    let mut out = Vec::with_capacity(axis.len());
    for &a in axis {
        let i = checks::axis(function, a, rank)?;
        if i == rank - 1 {
            return Err(OptaxError::input(
                function,
                format!("axis {a} is the class axis (the last); only other axes can be summed"),
            ));
        }
        if out.contains(&i) {
            return Err(OptaxError::input(
                function,
                format!("axis {axis:?} names axis {i} twice"),
            ));
        }
        out.push(i);
    }
    Ok(out)
}

fn sum_axes<const D: usize>(x: Tensor<D>, axes: &[usize]) -> Tensor<D> {
    axes.iter().fold(x, |x, &a| x.sum_dim(a))
}

/// `1 - (I + smooth) / (I + α·(P - I) + β·(T - I) + smooth)` with the sums over `axes` kept
/// with size 1.
fn dice_per_class<const D: usize>(
    probs: Tensor<D>,
    targets: Tensor<D>,
    axes: &[usize],
    smooth: f64,
    alpha: f64,
    beta: f64,
) -> Tensor<D> {
    let intersection = sum_axes(probs.clone().mul(targets.clone()), axes);
    let pred_sum = sum_axes(probs, axes);
    let target_sum = sum_axes(targets, axes);
    let numerator = intersection.clone().add_scalar(smooth);
    let denominator = intersection
        .clone()
        .add(pred_sum.sub(intersection.clone()).mul_scalar(alpha))
        .add(target_sum.sub(intersection).mul_scalar(beta))
        .add_scalar(smooth);
    numerator.div(denominator).neg().add_scalar(1.0)
}

fn rank_at_least_one<const D: usize>(function: &str) -> Result<()> {
    if D == 0 {
        return Err(OptaxError::input(
            function,
            "predictions must have at least one axis (the class axis)",
        ));
    }
    Ok(())
}

/// Optax's `dice_loss(predictions, targets, *, class_weights=None, smooth=1., alpha=0.5,
/// beta=0.5, apply_softmax=True, reduction="mean", ignore_background=False, axis=None)`: the
/// soft Dice loss for (multi-class) segmentation, with Tversky weights `alpha` on the false
/// positives and `beta` on the false negatives.
///
/// ```text
/// p      = softmax(predictions, axis=-1)      (sigmoid if classes = 1; p = predictions if !apply_softmax)
/// I_c    = Σ_axis p_c·t_c,   P_c = Σ_axis p_c,   T_c = Σ_axis t_c
/// dice_c = 1 - (I_c + smooth) / (I_c + alpha·(P_c - I_c) + beta·(T_c - I_c) + smooth)
/// dice_c ← dice_c·class_weights_c;  class 0 dropped if ignore_background (and classes > 1)
/// loss   = mean_c dice_c | Σ_c dice_c | dice_c        (reduction)
/// ```
///
/// With `alpha = beta = 0.5` this is the Dice coefficient loss of Milletari et al.; other
/// values give the Tversky loss.
///
/// Arguments, in Optax's order, with Optax's defaults:
/// - `predictions`: logits `[batch, spatial..., classes]` (probabilities if `apply_softmax` is
///   false); `targets`: one-hot targets of the same shape. For binary segmentation give a
///   class axis of size 1, `[batch, spatial..., 1]` (Optax also accepts one of the two without
///   it and adds it; here both have the same rank, and same-rank inputs behave as in Optax:
///   the last axis is the class axis).
/// - `class_weights`: `None`, or `[classes]` weights (length 1 broadcasts).
/// - `smooth = 1.0`, `alpha = 0.5`, `beta = 0.5`, `apply_softmax = true`,
///   `reduction = Reduction::Mean` (`"mean"`), `ignore_background = false`.
/// - `axis = None`: the axes summed over; `None` is every axis but the first and the last.
///   A list may name any axes but the class axis (in Optax, summing the class axis makes the
///   previous axis act as the class axis; that is not supported here).
///
/// The result has the rank of `predictions`, the summed axes kept with size 1, and the class
/// axis of size 1 for `Mean`/`Sum`, `classes` (or `classes - 1` with `ignore_background`) for
/// `None`.
///
/// With `apply_softmax = false`, Optax checks (eagerly) that the predictions sum to 1 along the
/// class axis, within `rtol = 1e-5`; so does this function, which reads the sums back from the
/// device.
///
/// Reference: Milletari et al., "V-Net: Fully Convolutional Neural Networks for Volumetric
/// Medical Image Segmentation", 2016.
///
/// # Errors
/// [`OptaxError::InvalidInput`] if `targets` has another shape than `predictions`, `D` is 0,
/// `class_weights` has another length than the class axis (or 1), `axis` names an axis out of
/// range, the class axis or an axis twice, or `apply_softmax` is false and the predictions do
/// not sum to 1 along the class axis.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::losses::{dice_loss, Reduction};
/// let device = Device::flex();
/// // [batch 2, 4 pixels, 3 classes]
/// let logits = Tensor::<3>::random([2, 4, 3], burn::tensor::Distribution::Default, &device);
/// let targets = Tensor::<3>::from_floats(
///     [
///         [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]],
///         [[0.0, 1.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 1.0]],
///     ],
///     &device,
/// );
/// // Optax's defaults: class_weights=None, smooth=1, alpha=beta=0.5, apply_softmax=True,
/// // reduction="mean", ignore_background=False, axis=None.
/// let loss = dice_loss(
///     logits.clone(), targets.clone(), None, 1.0, 0.5, 0.5, true, Reduction::Mean, false, None,
/// )?;
/// assert_eq!(loss.dims(), [2, 1, 1]);
/// // Tversky weights, per-class losses.
/// let per_class = dice_loss(
///     logits, targets, None, 1.0, 0.3, 0.7, true, Reduction::None, false, None,
/// )?;
/// assert_eq!(per_class.dims(), [2, 1, 3]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
#[allow(clippy::too_many_arguments)] // Optax's keyword arguments, in Optax's order.
pub fn dice_loss<const D: usize>(
    predictions: Tensor<D>,
    targets: Tensor<D>,
    class_weights: Option<Tensor<1>>,
    smooth: f64,
    alpha: f64,
    beta: f64,
    apply_softmax: bool,
    reduction: Reduction,
    ignore_background: bool,
    axis: Option<&[isize]>,
) -> Result<Tensor<D>> {
    const F: &str = "dice_loss";
    rank_at_least_one::<D>(F)?;
    checks::same_shape(
        F,
        ("predictions", &predictions.dims()),
        ("targets", &targets.dims()),
    )?;
    let classes = predictions.dims()[D - 1];
    let axes = spatial_axes(F, axis, D)?;
    if let Some(w) = &class_weights {
        let n = w.dims()[0];
        if n != classes && n != 1 {
            return Err(OptaxError::input(
                F,
                format!("class_weights has {n} entries, the class axis {classes}"),
            ));
        }
    }
    let probs = if apply_softmax {
        if classes == 1 {
            sigmoid(predictions)
        } else {
            softmax(predictions, D - 1)
        }
    } else {
        check_distributions(F, predictions.clone().sum_dim(D - 1))?;
        predictions
    };
    let mut dice = dice_per_class(probs, targets, &axes, smooth, alpha, beta);
    if let Some(w) = class_weights {
        let mut shape = [1usize; D];
        shape[D - 1] = w.dims()[0];
        dice = dice.mul(w.reshape(shape));
    }
    if ignore_background && classes > 1 {
        dice = dice.narrow(D - 1, 1, classes - 1);
    }
    Ok(match reduction {
        Reduction::Mean => dice.mean_dim(D - 1),
        Reduction::Sum => dice.sum_dim(D - 1),
        Reduction::None => dice,
    })
}

/// Optax's `multiclass_generalized_dice_loss(predictions, targets, *, smooth=1.,
/// apply_softmax=True, ignore_background=False)`: the generalised Dice loss of Sudre et al.,
/// [`dice_loss`] with class weights from the inverse squared class frequencies, averaged over
/// the batch and the classes.
///
/// ```text
/// f_c  = Σ_{all axes but the last} t_c
/// w_c  = 1 / (f_c² + 1e-7),   w ← w / Σ_c w_c · classes
/// loss = mean(dice_loss(predictions, targets, class_weights=w, smooth, apply_softmax,
///                       reduction="none", ignore_background))
/// ```
///
/// `predictions` are logits `[batch, spatial..., classes]` (probabilities if `apply_softmax`
/// is false) and `targets` one-hot of the same shape. The weights depend on `targets`, so
/// gradients with respect to `targets` flow through them too, as in JAX. The result is the
/// scalar loss as a `[1]` tensor. Optax's defaults: `smooth = 1.0`, `apply_softmax = true`,
/// `ignore_background = false`.
///
/// Reference: Sudre et al., "Generalised Dice overlap as a deep learning loss function for
/// highly unbalanced segmentations", 2017.
///
/// # Errors
/// [`OptaxError::InvalidInput`] if the shapes differ, `D` is 0, or `apply_softmax` is false and
/// the predictions do not sum to 1 along the class axis.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::losses::multiclass_generalized_dice_loss;
/// let device = Device::flex();
/// let logits = Tensor::<3>::from_floats([[[2.0, -1.0], [0.5, 1.0], [-1.0, 3.0]]], &device);
/// let targets = Tensor::<3>::from_floats([[[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]], &device);
/// let loss = multiclass_generalized_dice_loss(logits, targets, 1.0, true, false)?;
/// assert_eq!(loss.dims(), [1]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn multiclass_generalized_dice_loss<const D: usize>(
    predictions: Tensor<D>,
    targets: Tensor<D>,
    smooth: f64,
    apply_softmax: bool,
    ignore_background: bool,
) -> Result<Tensor<1>> {
    const F: &str = "multiclass_generalized_dice_loss";
    rank_at_least_one::<D>(F)?;
    checks::same_shape(
        F,
        ("predictions", &predictions.dims()),
        ("targets", &targets.dims()),
    )?;
    let classes = predictions.dims()[D - 1];
    let all_but_last: Vec<usize> = (0..D - 1).collect();
    let frequencies = sum_axes(targets.clone(), &all_but_last).reshape([classes]);
    let weights = frequencies
        .clone()
        .mul(frequencies)
        .add_scalar(1e-7)
        .recip();
    let weights = weights
        .clone()
        .div(weights.sum())
        .mul_scalar(classes as f64);
    let dice = dice_loss(
        predictions,
        targets,
        Some(weights),
        smooth,
        0.5,
        0.5,
        apply_softmax,
        Reduction::None,
        ignore_background,
        None,
    )
    .map_err(|e| match e {
        OptaxError::InvalidInput { reason, .. } => OptaxError::input(F, reason),
        other => other,
    })?;
    Ok(dice.mean())
}

/// Optax's `binary_dice_loss(predictions, targets, *, smooth=1., apply_sigmoid=True)`: the
/// Dice loss of binary segmentation, one Dice score per example.
///
/// ```text
/// p    = sigmoid(predictions)                  (p = predictions if !apply_sigmoid)
/// loss = 1 - (Σ p·t + smooth) / (Σ p·t + 0.5·(Σ p - Σ p·t) + 0.5·(Σ t - Σ p·t) + smooth)
///        sums over every axis but the first
/// ```
///
/// `predictions` (logits) and `targets` (0/1) have the same shape `[batch, spatial...]` or
/// `[batch, spatial..., 1]`; as in Optax, a last axis of size other than 1 is treated as
/// spatial (Optax adds a class axis of size 1). The result keeps the batch axis and has size 1
/// along every other axis (`[batch, 1, ..., 1]`; Optax: `[batch]`); a rank-1 `[n]` input gives
/// `n` per-element losses (Optax sums no axis there either). Optax's defaults: `smooth = 1.0`,
/// `apply_sigmoid = true`.
///
/// With `apply_sigmoid = false` Optax 0.2.8 runs [`dice_loss`]'s check that the probabilities
/// sum to 1 along the (size-1) class axis, so it accepts only predictions that are all 1 (within
/// `rtol = 1e-5`) and raises otherwise; this function does the same.
///
/// Reference: Milletari et al., "V-Net: Fully Convolutional Neural Networks for Volumetric
/// Medical Image Segmentation", 2016.
///
/// # Errors
/// [`OptaxError::InvalidInput`] if the shapes differ, `D` is 0, or `apply_sigmoid` is false and
/// a prediction is not 1 (Optax's check, above).
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::losses::binary_dice_loss;
/// let device = Device::flex();
/// let logits = Tensor::<2>::from_floats([[1.0, -1.0], [0.5, 0.5]], &device);
/// let targets = Tensor::<2>::from_floats([[1.0, 0.0], [1.0, 0.0]], &device);
/// let loss = binary_dice_loss(logits, targets, 1.0, true)?;
/// assert_eq!(loss.dims(), [2, 1]);
/// # Ok::<(), optax_core::OptaxError>(())
/// ```
pub fn binary_dice_loss<const D: usize>(
    predictions: Tensor<D>,
    targets: Tensor<D>,
    smooth: f64,
    apply_sigmoid: bool,
) -> Result<Tensor<D>> {
    const F: &str = "binary_dice_loss";
    rank_at_least_one::<D>(F)?;
    checks::same_shape(
        F,
        ("predictions", &predictions.dims()),
        ("targets", &targets.dims()),
    )?;
    let probs = if apply_sigmoid {
        sigmoid(predictions)
    } else {
        // Optax's check on the sums along the size-1 class axis: each prediction itself.
        check_distributions(F, predictions.clone())?;
        predictions
    };
    // With a class axis of size 1 it is the last one and Optax sums the axes between the
    // first and it; without one, Optax adds it, so every axis but the first is summed. Either
    // way the mean over the single class is the value itself.
    let has_class_axis = probs.dims()[D - 1] == 1;
    let last = if has_class_axis { D - 1 } else { D };
    let axes: Vec<usize> = (1..last.max(1)).collect();
    Ok(dice_per_class(probs, targets, &axes, smooth, 0.5, 0.5))
}
