#!/usr/bin/env python3
"""Golden data for the CTC losses: tests/golden/data/losses_ctc.json.

Run from tests/golden (it imports generate.py's helpers):
    cd tests/golden && python3 gen_losses_ctc.py

For each case it records optax.losses.ctc_loss_with_forward_probs's three
outputs (the per-sequence loss and the blank / non-blank log forward
probabilities) and the VJP of the loss w.r.t. every float input with a fixed
random cotangent (numpy default_rng seeded with crc32(case name)).
Deterministic: two runs give byte-identical files.
"""

import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import generate as g  # noqa: E402  (sets JAX_PLATFORMS=cpu before jax loads)

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

FUNCTIONS = ["ctc_loss", "ctc_loss_with_forward_probs"]


def paddings(lengths, size):
  """Right padding: 0.0 for the first `length` positions of a row, then 1.0."""
  return g.f32([[0.0 if i < n else 1.0 for i in range(size)] for n in lengths])


def cases():
  out = []

  def add(name, logits, logit_paddings, labels, label_paddings, **args):
    labels = np.asarray(labels, dtype=np.int32)
    floats = {
        "logits": g.f32(logits),
        "logit_paddings": g.f32(logit_paddings),
        "label_paddings": g.f32(label_paddings),
    }

    def fn(lg, lp, lbp):
      return optax.losses.ctc_loss_with_forward_probs(
          lg, lp, jnp.asarray(labels), lbp, **args)

    primals = [jnp.asarray(floats[k]) for k in
               ("logits", "logit_paddings", "label_paddings")]
    (loss, blank, nonblank), vjp = jax.vjp(fn, *primals, has_aux=False)
    rng = np.random.default_rng(g.seed_of(name))
    cot = g.f32(rng.standard_normal(np.shape(loss)))
    grads = vjp((jnp.asarray(cot), jnp.zeros_like(blank),
                 jnp.zeros_like(nonblank)))
    loss_only = optax.losses.ctc_loss(*primals[:2], jnp.asarray(labels),
                                      primals[2], **args)
    assert np.array_equal(np.asarray(loss_only), np.asarray(loss)), name
    for a in (loss, blank, nonblank, *grads):
      assert np.all(np.isfinite(np.asarray(a))), name
    out.append({
        "name": name,
        "function": "ctc_loss_with_forward_probs",
        "args": args,
        "inputs": {
            "logits": g.arr(floats["logits"]),
            "logit_paddings": g.arr(floats["logit_paddings"]),
            "labels": g.arr(labels, "int32"),
            "label_paddings": g.arr(floats["label_paddings"]),
        },
        "output": g.arr(np.asarray(loss)),
        "logalpha_blank": g.arr(np.asarray(blank)),
        "logalpha_nonblank": g.arr(np.asarray(nonblank)),
        "cotangent": g.arr(cot),
        "grads": {k: g.arr(np.asarray(v)) for k, v in
                  zip(("logits", "logit_paddings", "label_paddings"), grads)},
    })

  def logits(name, shape, scale=1.0):
    rng = np.random.default_rng(g.seed_of("logits/" + name))
    return g.f32(rng.standard_normal(shape) * scale)

  # Plain: no padding, distinct neighbouring labels.
  add("basic", logits("basic", [2, 6, 4]), paddings([6, 6], 6),
      [[1, 2, 3], [3, 1, 2]], paddings([3, 3], 3))
  # Repeated labels need a blank between the repeats.
  add("repeated_labels", logits("repeated_labels", [2, 7, 3]),
      paddings([7, 7], 7), [[1, 1, 2], [2, 2, 2]], paddings([3, 3], 3))
  # Padded inputs (right padding of the frames), full labels.
  add("padded_inputs", logits("padded_inputs", [3, 6, 4]),
      paddings([6, 4, 3], 6), [[1, 2], [3, 3], [2, 1]],
      paddings([2, 2, 2], 2))
  # Empty label sequences: every label is padding (loss = -log P(all blank)).
  add("empty_labels", logits("empty_labels", [2, 5, 3]), paddings([5, 3], 5),
      [[1, 2, 1], [0, 0, 0]], paddings([0, 0], 3))
  # Labels too long for the input: the loss is of the order of -log_epsilon.
  add("labels_too_long", logits("labels_too_long", [2, 3, 4]),
      paddings([3, 2], 3), [[1, 2, 3, 1], [1, 1, 2, 3]],
      paddings([4, 3], 4))
  # Too long only because of the blank between repeats.
  add("repeats_too_long", logits("repeats_too_long", [1, 3, 3]),
      paddings([3], 3), [[1, 1, 1]], paddings([3], 3))
  # Exactly long enough (T = 2N - 1 with all labels repeated).
  add("repeats_just_fit", logits("repeats_just_fit", [1, 5, 3]),
      paddings([5], 5), [[2, 2, 2]], paddings([3], 3))
  # A batch of mixed input and label lengths, one input fully padded.
  add("mixed_batch", logits("mixed_batch", [4, 8, 5]),
      paddings([8, 5, 0, 6], 8),
      [[1, 2, 2, 4], [3, 0, 0, 0], [1, 2, 0, 0], [4, 4, 1, 0]],
      paddings([4, 1, 2, 3], 4))
  # Another blank id, and a label sequence that uses class 0 (not blank here).
  add("blank_id_last", logits("blank_id_last", [2, 6, 4]),
      paddings([6, 5], 6), [[0, 1, 2], [2, 0, 0]], paddings([3, 3], 3),
      blank_id=3)
  add("blank_id_middle", logits("blank_id_middle", [2, 5, 4]),
      paddings([5, 5], 5), [[0, 3, 3], [1, 0, 0]], paddings([3, 2], 3),
      blank_id=1)
  # A smaller log_epsilon: the impossible paths now add visibly.
  add("log_epsilon_small", logits("log_epsilon_small", [2, 4, 3]),
      paddings([4, 4], 4), [[1, 2, 1], [1, 1, 2]], paddings([3, 3], 3),
      log_epsilon=-5.0)
  add("log_epsilon_too_long", logits("log_epsilon_too_long", [1, 2, 3]),
      paddings([2], 2), [[1, 2, 1]], paddings([3], 3), log_epsilon=-20.0)
  # Large logits (peaked distributions), and all-zero logits (uniform).
  big = logits("large_logits", [2, 5, 4], scale=20.0)
  big[0, 0, 1] = 100.0
  big[1, 2, 0] = -100.0
  add("large_logits", big, paddings([5, 4], 5), [[1, 2], [3, 3]],
      paddings([2, 1], 2))
  add("zero_logits", np.zeros([2, 4, 3]), paddings([4, 3], 4),
      [[1, 2], [2, 2]], paddings([2, 2], 2))
  # One label, one frame.
  add("single_label", logits("single_label", [2, 1, 3]), paddings([1, 1], 1),
      [[1], [2]], paddings([0, 1], 1))
  # Labels outside [0, K) read a log-probability of 0 (jax.nn.one_hot gives a
  # zero row), as in Optax.
  add("labels_out_of_range", logits("labels_out_of_range", [2, 4, 3]),
      paddings([4, 4], 4), [[1, 3], [-1, 2]], paddings([2, 2], 2))
  return out


def main():
  warnings.simplefilter("ignore", DeprecationWarning)
  c = cases()
  names = [x["name"] for x in c]
  assert len(names) == len(set(names))
  path, size = g.write("losses_ctc.json", {
      "meta": {
          "optax_version": optax.__version__,
          "jax_version": jax.__version__,
          "jaxlib_version": __import__("jaxlib").__version__,
          "numpy_version": np.__version__,
          "backend": jax.default_backend(),
          "generator": "tests/golden/gen_losses_ctc.py",
          "description": (
              "(output, logalpha_blank, logalpha_nonblank) = optax.losses."
              "ctc_loss_with_forward_probs(**inputs, **args): output is the "
              "[B] loss (ctc_loss's value, checked equal), logalpha_* are "
              "[T, B, N+1] and [T, B, N]. grads[x] = VJP of output w.r.t. the "
              "float input x with cotangent `cotangent` (numpy default_rng "
              "seeded with crc32(case name), standard normal); "
              "label_paddings's is zero (Optax casts it to int). Arrays are "
              "{dtype, shape, data} with data flattened row-major; logits "
              "come from default_rng(crc32('logits/' + name))."),
      },
      "signatures": g.signatures(FUNCTIONS),
      "cases": c,
  })
  print(f"{os.path.relpath(path, g.HERE)}: {size} bytes, {len(c)} cases")


if __name__ == "__main__":
  main()
