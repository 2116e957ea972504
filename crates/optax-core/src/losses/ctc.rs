//! Connectionist temporal classification (`optax.losses.ctc_loss`,
//! `optax.losses.ctc_loss_with_forward_probs`): the negative log-likelihood of a label
//! sequence summed over all its blank-inserted alignments to the input frames, computed with
//! the forward (alpha) recursion of Graves et al. (2006) in log space.
//!
//! The recursion is Optax's, step for step: a loop over the frames `t` with batched tensor
//! operations over the batch and the label states, so that Burn's autodiff differentiates it
//! as JAX differentiates Optax's `lax.scan`. `logaddexp` here is `jnp.logaddexp` with JAX's
//! own gradient (`∂/∂a = exp(a - logaddexp(a, b))`), so the gradients match JAX's even where
//! the log-probabilities are of the order of `log_epsilon`.
//!
//! Backward cost: every frame is sliced out of the `[B, T, ·]` inputs, and Burn's gradient of
//! a slice is a full-size tensor, so the backward pass takes `O(T² · B · (N + K))` time.

use burn::tensor::{Int, Tensor};

use super::checks;
use super::math::log_softmax;
use crate::{OptaxError, Result};

/// `optax.losses.ctc_loss(logits, logit_paddings, labels, label_paddings, *, blank_id=0,
/// log_epsilon=-1e5)`: the CTC loss of each sequence in the batch, `[B]`.
///
/// The same as the first output of [`ctc_loss_with_forward_probs`] (which documents the
/// equations and the arguments).
///
/// Optax's defaults: `blank_id = 0`, `log_epsilon = -1e5`.
///
/// # Errors
/// [`OptaxError::InvalidInput`] as [`ctc_loss_with_forward_probs`].
///
/// ```
/// use burn::tensor::{Device, Int, Tensor};
/// use optax_core::losses::ctc_loss;
/// let device = Device::flex();
/// // One sequence of 3 frames over 3 classes (class 0 is the blank), uniform predictions.
/// let logits = Tensor::<3>::zeros([1, 3, 3], &device);
/// let logit_paddings = Tensor::<2>::zeros([1, 3], &device);
/// let labels = Tensor::<2, Int>::from_ints([[1, 2]], &device);
/// let label_paddings = Tensor::<2>::zeros([1, 2], &device);
/// let loss = ctc_loss(logits, logit_paddings, labels, label_paddings, 0, -1e5).unwrap();
/// // 5 alignments of "1 2" to 3 frames (112, 122, 012, 102, 120), each of probability
/// // 1/27: the loss is -log(5/27).
/// let value: f32 = loss.into_scalar();
/// assert!((value - (27.0f32 / 5.0).ln()).abs() < 1e-5);
/// ```
pub fn ctc_loss(
    logits: Tensor<3>,
    logit_paddings: Tensor<2>,
    labels: Tensor<2, Int>,
    label_paddings: Tensor<2>,
    blank_id: usize,
    log_epsilon: f64,
) -> Result<Tensor<1>> {
    let (loss, _, _) = forward(
        "ctc_loss",
        logits,
        logit_paddings,
        labels,
        label_paddings,
        blank_id,
        log_epsilon,
    )?;
    Ok(loss)
}

/// `optax.losses.ctc_loss_with_forward_probs(logits, logit_paddings, labels, label_paddings, *,
/// blank_id=0, log_epsilon=-1e5)`: the CTC loss and the forward log-probabilities,
/// `(loss_value [B], logalpha_blank [T, B, N+1], logalpha_nonblank [T, B, N])`.
///
/// Arguments, in Optax's order:
/// - `logits` `[B, T, K]`: the class logits of every frame; `K` counts the blank.
/// - `logit_paddings` `[B, T]`: 1.0 where a frame is padding, 0.0 where it is real.
/// - `labels` `[B, N]`: the label sequences (class indices), right-padded.
/// - `label_paddings` `[B, N]`: 1.0 where a label is padding, 0.0 where it is real; each row
///   must be zeros then ones (not checked, as in Optax: the label length is
///   `N - Σ_n label_paddings[b, n]`, truncated to an integer).
/// - `blank_id`: the class of the blank symbol, in `[0, K)`.
/// - `log_epsilon`: the stand-in for `log(0)`, finite (with `-inf` Optax's result is NaN).
///
/// With `lp = log_softmax(logits)`, `φ_t = lp[b, t, blank_id]`, `e_t[n] = lp[b, t, labels[b, n]]`,
/// `r[n] = 1` where `labels[b, n] == labels[b, n + 1]` (0 for the last `n`), `ε = log_epsilon`,
/// `⊕` = `logaddexp` and `up(x, y) = [x[0], x[1:] ⊕ y]`, the recursion over the frames is
///
/// ```text
/// α_φ(0) = [0, ε, …, ε]  (N + 1)        α_e(0) = [ε, …, ε]  (N)
/// p      = up(α_φ(t-1), α_e(t-1) + ε·r)                 (label n to blank, except repeats)
/// α_e(t) = (p[:-1] + e_t) ⊕ (α_e(t-1) + e_t)            (blank to label n, label n again)
/// α_φ(t) = up(p + φ_t, α_e(t-1) + φ_t + ε·(1 - r))      (blank again, repeat to blank)
/// padded frame t: α_φ(t) = α_φ(t-1), α_e(t) = α_e(t-1)  (as pad·old + (1 - pad)·new)
/// α_φ(T) ← up(α_φ(T), α_e(T))                           (the last label may end the sequence)
/// loss   = -α_φ(T)[label length]
/// ```
///
/// `logalpha_blank[t - 1] = α_φ(t)` and `logalpha_nonblank[t - 1] = α_e(t)` for `t = 1..=T`,
/// time-major as in Optax. A label sequence that cannot fit in its frames (it needs
/// `N + #repeats` frames) gets a loss of the order of `-log_epsilon` instead of infinity.
/// Labels outside `[0, K)` are not checked: as in Optax (`jax.nn.one_hot`), their
/// log-probability reads as 0.
///
/// Reference: Graves et al., *Connectionist temporal classification: labelling unsegmented
/// sequence data with recurrent neural networks*, ICML 2006.
///
/// Optax's defaults: `blank_id = 0`, `log_epsilon = -1e5`.
///
/// # Errors
/// [`OptaxError::InvalidInput`] if `logit_paddings` is not `[B, T]`, `labels` is not `[B, N]`,
/// `label_paddings` is not the shape of `labels`, there is no frame (`T = 0`, Optax raises an
/// `IndexError`), the batch or the label axis is empty (`B = 0` or `N = 0`, which Burn's
/// tensor operations do not take), or `blank_id >= K`.
///
/// ```
/// use burn::tensor::{Device, Int, Tensor};
/// use optax_core::losses::ctc_loss_with_forward_probs;
/// let device = Device::flex();
/// let logits = Tensor::<3>::zeros([2, 4, 3], &device);
/// let logit_paddings = Tensor::<2>::from_floats([[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]], &device);
/// let labels = Tensor::<2, Int>::from_ints([[1, 1], [2, 0]], &device);
/// let label_paddings = Tensor::<2>::from_floats([[0.0, 0.0], [0.0, 1.0]], &device);
/// let (loss, blank, nonblank) =
///     ctc_loss_with_forward_probs(logits, logit_paddings, labels, label_paddings, 0, -1e5)
///         .unwrap();
/// assert_eq!((loss.dims(), blank.dims(), nonblank.dims()), ([2], [4, 2, 3], [4, 2, 2]));
/// ```
pub fn ctc_loss_with_forward_probs(
    logits: Tensor<3>,
    logit_paddings: Tensor<2>,
    labels: Tensor<2, Int>,
    label_paddings: Tensor<2>,
    blank_id: usize,
    log_epsilon: f64,
) -> Result<(Tensor<1>, Tensor<3>, Tensor<3>)> {
    forward(
        "ctc_loss_with_forward_probs",
        logits,
        logit_paddings,
        labels,
        label_paddings,
        blank_id,
        log_epsilon,
    )
}

/// Optax's shape checks (`check_rank`, `check_shapes_equal`, the batch sizes), plus the sizes
/// our tensor operations need.
fn check(
    function: &str,
    logits: [usize; 3],
    logit_paddings: [usize; 2],
    labels: [usize; 2],
    label_paddings: [usize; 2],
    blank_id: usize,
) -> Result<()> {
    let [batch, frames, classes] = logits;
    checks::same_shape(
        function,
        ("logits[..., 0]", &[batch, frames]),
        ("logit_paddings", &logit_paddings),
    )?;
    checks::same_shape(
        function,
        ("labels", &labels),
        ("label_paddings", &label_paddings),
    )?;
    if labels[0] != batch {
        return Err(OptaxError::input(
            function,
            format!(
                "labels has batch size {}, logits has {batch}; they must be equal",
                labels[0]
            ),
        ));
    }
    let empty = [("batch", batch), ("time", frames), ("label", labels[1])]
        .into_iter()
        .find(|&(_, size)| size == 0);
    if let Some((axis, _)) = empty {
        return Err(OptaxError::input(
            function,
            format!("the {axis} axis is empty (logits {logits:?}, labels {labels:?})"),
        ));
    }
    if blank_id >= classes {
        return Err(OptaxError::input(
            function,
            format!("blank_id {blank_id} is out of range for {classes} classes"),
        ));
    }
    Ok(())
}

/// `jnp.logaddexp(a, b) = max(a, b) + log1p(exp(-|a - b|))` (`a + b` where `a - b` is NaN),
/// with JAX's custom gradient `∂/∂a = exp(a - out)`, `∂/∂b = exp(b - out)`: the value is
/// computed on detached inputs, and the gradient enters through `w·(a - detach(a))`, which is
/// 0 in value. Finite inputs only (an infinite input gives NaN; Optax's CTC is NaN there too).
fn logaddexp(a: Tensor<2>, b: Tensor<2>) -> Tensor<2> {
    let (a0, b0) = (a.clone().detach(), b.clone().detach());
    let delta = a0.clone().sub(b0.clone());
    let out = a0
        .clone()
        .max_pair(b0.clone())
        .add(delta.clone().abs().neg().exp().log1p())
        .mask_where(delta.is_nan(), a0.clone().add(b0.clone()));
    let w_a = a0.clone().sub(out.clone()).exp();
    let w_b = b0.clone().sub(out.clone()).exp();
    out.add(w_a.mul(a.sub(a0))).add(w_b.mul(b.sub(b0)))
}

/// Optax's `update_phi_score`: `phi[:, 1:]` log-added with `added`, `phi[:, 0]` kept.
fn update_phi_score(phi: Tensor<2>, added: Tensor<2>) -> Tensor<2> {
    let [_, states] = phi.dims();
    let first = phi.clone().narrow(1, 0, 1);
    let rest = phi.narrow(1, 1, states - 1);
    Tensor::cat(vec![first, logaddexp(rest, added)], 1)
}

/// `pad·old + (1 - pad)·new`, Optax's masking of padded frames (`pad` is `[B, 1]`).
fn keep_if_padded(pad: Tensor<2>, old: Tensor<2>, new: Tensor<2>) -> Tensor<2> {
    pad.clone().mul(old).add(pad.neg().add_scalar(1.0).mul(new))
}

fn forward(
    function: &str,
    logits: Tensor<3>,
    logit_paddings: Tensor<2>,
    labels: Tensor<2, Int>,
    label_paddings: Tensor<2>,
    blank_id: usize,
    log_epsilon: f64,
) -> Result<(Tensor<1>, Tensor<3>, Tensor<3>)> {
    check(
        function,
        logits.dims(),
        logit_paddings.dims(),
        labels.dims(),
        label_paddings.dims(),
        blank_id,
    )?;
    let [batch, frames, classes] = logits.dims();
    let max_label_len = labels.dims()[1];
    let device = logits.device();
    let float = (&device, logits.dtype());

    let logprobs = log_softmax(logits, 2, None);
    // labellens = N - Σ label_paddings, cast to int (truncation) as Optax's astype(int32).
    let label_lens = label_paddings
        .sum_dim(1)
        .int()
        .neg()
        .add_scalar(max_label_len as i64);

    // repeat[b, n] = 1 where labels[b, n] == labels[b, n + 1]; 0 for the last n.
    let repeat = if max_label_len > 1 {
        let same = labels
            .clone()
            .narrow(1, 0, max_label_len - 1)
            .equal(labels.clone().narrow(1, 1, max_label_len - 1))
            .float()
            .cast(logprobs.dtype());
        Tensor::cat(vec![same, Tensor::zeros([batch, 1], float)], 1)
    } else {
        Tensor::zeros([batch, 1], float)
    };
    let eps_if_repeat = repeat.clone().mul_scalar(log_epsilon);
    let eps_unless_repeat = repeat.neg().add_scalar(1.0).mul_scalar(log_epsilon);

    // logprobs_emit[b, t, n] = logprobs[b, t, labels[b, n]], as Optax's one-hot einsum (a label
    // outside [0, K) has an all-zero one-hot row, so its log-probability reads as 0).
    let shape = [batch, max_label_len, classes];
    let one_hot = labels
        .unsqueeze_dim::<3>(2)
        .expand(shape)
        .equal(
            Tensor::<1, Int>::arange(0..classes as i64, &device)
                .reshape([1, 1, classes])
                .expand(shape),
        )
        .float()
        .cast(logprobs.dtype());
    let logprobs_emit = logprobs.clone().matmul(one_hot.swap_dims(1, 2)); // [B, T, N]
    let logprobs_phi = logprobs.narrow(2, blank_id, 1); // [B, T, 1]

    let mut phi = Tensor::<2>::full([batch, max_label_len + 1], log_epsilon, float)
        .slice_fill([0..batch, 0..1], 0.0);
    let mut emit = Tensor::<2>::full([batch, max_label_len], log_epsilon, float);
    let mut phis = Vec::with_capacity(frames);
    let mut emits = Vec::with_capacity(frames);
    for t in 0..frames {
        let logprob_emit = logprobs_emit
            .clone()
            .narrow(1, t, 1)
            .reshape([batch, max_label_len]);
        let logprob_phi = logprobs_phi.clone().narrow(1, t, 1).reshape([batch, 1]);
        let pad = logit_paddings.clone().narrow(1, t, 1);

        // Label-to-blank transition, except into a repeat.
        let prev_phi = update_phi_score(phi.clone(), emit.clone().add(eps_if_repeat.clone()));
        // Blank-to-label and label-to-itself transitions.
        let next_emit = logaddexp(
            prev_phi
                .clone()
                .narrow(1, 0, max_label_len)
                .add(logprob_emit.clone()),
            emit.clone().add(logprob_emit),
        );
        // Blank self-loop, and label-to-blank where the next label repeats.
        let next_phi = update_phi_score(
            prev_phi.add(logprob_phi.clone()),
            emit.clone().add(logprob_phi).add(eps_unless_repeat.clone()),
        );

        emit = keep_if_padded(pad.clone(), emit, next_emit);
        phi = keep_if_padded(pad, phi, next_phi);
        phis.push(phi.clone());
        emits.push(emit.clone());
    }

    // The last frame may also end on the last label: one more label-to-blank transition.
    let phi_last = update_phi_score(phi, emit);
    phis[frames - 1] = phi_last.clone();

    let states = [batch, max_label_len + 1];
    let at_label_len = label_lens
        .expand(states)
        .equal(
            Tensor::<1, Int>::arange(0..max_label_len as i64 + 1, &device)
                .reshape([1, max_label_len + 1])
                .expand(states),
        )
        .float()
        .cast(phi_last.dtype());
    let per_seq_loss = phi_last.mul(at_label_len).sum_dim(1).neg().reshape([batch]);
    Ok((
        per_seq_loss,
        Tensor::stack(phis, 0),
        Tensor::stack(emits, 0),
    ))
}
