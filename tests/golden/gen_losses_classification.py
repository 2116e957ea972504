#!/usr/bin/env python3
"""Golden data for the classification, regression and smoothing losses.

Writes tests/golden/data/losses_classification.json from Optax 0.2.8 / JAX
0.10.2 on the CPU, float32. Run it from tests/golden:

    cd tests/golden && python3 gen_losses_classification.py

For every case: the function, its keyword arguments, its inputs, its output,
and the vector-Jacobian product of the loss with a fixed cotangent (numpy
default_rng seeded with crc32(case name), standard normal, the output's shape)
for each float input ("grads"). Masks (`where`) are written as 0/1 with dtype
"bool"; non-finite floats as "NaN", "Infinity", "-Infinity". Deterministic.
"""

import zlib

import generate as g  # sets JAX_PLATFORMS=cpu and float32 before JAX loads

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

FUNCTIONS = [
    "sigmoid_binary_cross_entropy",
    "sigmoid_focal_loss",
    "softmax_cross_entropy",
    "softmax_cross_entropy_with_integer_labels",
    "safe_softmax_cross_entropy",
    "poly_loss_cross_entropy",
    "squared_error",
    "l2_loss",
    "huber_loss",
    "log_cosh",
    "cosine_similarity",
    "cosine_distance",
    "smooth_labels",
]

_fmt_finite = g.fmt_f32


def _fmt_f32(x):
  """generate.fmt_f32, plus the infinities (the safe cross entropy meets them)."""
  x = np.float32(x)
  if np.isposinf(x):
    return '"Infinity"'
  if np.isneginf(x):
    return '"-Infinity"'
  return _fmt_finite(x)


g.fmt_f32 = _fmt_f32  # g.dumps looks it up at call time


def barr(x):
  x = np.asarray(x, dtype=bool)
  return {"dtype": "bool", "shape": list(x.shape),
          "data": [int(v) for v in x.reshape(-1)]}


def encode(v):
  v = np.asarray(v)
  if v.dtype == bool:
    return barr(v)
  if v.dtype.kind == "i":
    return g.arr(v, "int32")
  return g.arr(v)


CASES = []


def add(name, fn, inputs, **kwargs):
  """Records fn(**inputs, **kwargs) and its VJP w.r.t. the float inputs."""
  assert all(c["name"] != name for c in CASES), name
  inputs = {k: (np.asarray(v, dtype=np.int32) if np.asarray(v).dtype.kind == "i"
                else np.asarray(v) if np.asarray(v).dtype == bool
                else g.f32(v)) for k, v in inputs.items()}
  floats = [k for k, v in inputs.items()
            if v.dtype == np.float32 and k != "where"]

  def f(*xs):
    kw = {k: jnp.asarray(v) for k, v in inputs.items()}
    kw.update(dict(zip(floats, xs)))
    return getattr(optax.losses, fn)(**kw, **kwargs)

  out, vjp = jax.vjp(f, *[jnp.asarray(inputs[k]) for k in floats])
  out = np.asarray(out)
  rng = np.random.default_rng(zlib.crc32(name.encode("utf-8")))
  cot = g.f32(rng.standard_normal(out.shape))
  grads = vjp(jnp.asarray(cot))
  CASES.append({
      "name": name, "function": fn, "args": kwargs,
      "inputs": {k: encode(v) for k, v in inputs.items()},
      "output": g.arr(out.astype(np.float32)),
      "cotangent": g.arr(cot),
      "grads": {k: g.arr(np.asarray(gr)) for k, gr in zip(floats, grads)},
  })


def cases():
  rng = np.random.default_rng(20261201)

  def normal(shape, scale=1.0):
    return g.f32(rng.standard_normal(shape) * scale)

  def logits(shape):
    x = normal(shape, 2.0)
    flat = x.reshape(-1)
    flat[0], flat[1] = 30.0, -30.0
    return x

  def probs(shape, axis=-1):
    z = rng.standard_normal(shape)
    e = np.exp(z - z.max(axis, keepdims=True))
    return g.f32(e / e.sum(axis, keepdims=True))

  def onehot(labels, n):
    return g.f32(np.eye(n)[labels])

  # -- sigmoid_binary_cross_entropy ---------------------------------------
  hard = g.f32(rng.random([4, 3]) < 0.5)
  hard[0, 0], hard[0, 1] = 0.0, 1.0  # the large logits meet both labels
  add("sigmoid_binary_cross_entropy/hard_4x3", "sigmoid_binary_cross_entropy",
      {"logits": logits([4, 3]), "labels": hard})
  add("sigmoid_binary_cross_entropy/soft_7", "sigmoid_binary_cross_entropy",
      {"logits": logits([7]), "labels": rng.random([7])})
  add("sigmoid_binary_cross_entropy/zeros_2x3", "sigmoid_binary_cross_entropy",
      {"logits": np.zeros([2, 3]), "labels": rng.random([2, 3])})
  add("sigmoid_binary_cross_entropy/broadcast_labels_4x1",
      "sigmoid_binary_cross_entropy",
      {"logits": logits([4, 3]), "labels": rng.random([4, 1])})
  add("sigmoid_binary_cross_entropy/broadcast_both_1x3_4x1",
      "sigmoid_binary_cross_entropy",
      {"logits": logits([1, 3]), "labels": rng.random([4, 1])})

  # -- sigmoid_focal_loss -------------------------------------------------
  hard = g.f32(rng.random([4, 3]) < 0.5)
  hard[0, 0], hard[0, 1] = 1.0, 0.0
  add("sigmoid_focal_loss/hard_4x3", "sigmoid_focal_loss",
      {"logits": logits([4, 3]), "labels": hard})
  add("sigmoid_focal_loss/soft_alpha0.25_4x3", "sigmoid_focal_loss",
      {"logits": logits([4, 3]), "labels": rng.random([4, 3])}, alpha=0.25)
  add("sigmoid_focal_loss/gamma0_7", "sigmoid_focal_loss",
      {"logits": logits([7]), "labels": g.f32(rng.random([7]) < 0.5)},
      gamma=0.0)
  add("sigmoid_focal_loss/gamma0.5_extreme_2x4", "sigmoid_focal_loss",
      {"logits": [[40.0, -40.0, 0.0, 5.0], [-80.0, 80.0, 1e-3, -5.0]],
       "labels": [[1.0, 0.0, 1.0, 0.5], [1.0, 0.0, 0.0, 0.25]]},
      alpha=0.75, gamma=0.5)
  add("sigmoid_focal_loss/gamma1.5_broadcast_labels_4x1", "sigmoid_focal_loss",
      {"logits": logits([4, 3]), "labels": rng.random([4, 1])}, gamma=1.5)

  # -- softmax_cross_entropy ----------------------------------------------
  add("softmax_cross_entropy/4x3", "softmax_cross_entropy",
      {"logits": logits([4, 3]), "labels": probs([4, 3])})
  add("softmax_cross_entropy/axis0_4x3", "softmax_cross_entropy",
      {"logits": logits([4, 3]), "labels": probs([4, 3], 0)}, axis=0)
  add("softmax_cross_entropy/axis1_2x3x4", "softmax_cross_entropy",
      {"logits": logits([2, 3, 4]), "labels": probs([2, 3, 4], 1)}, axis=1)
  add("softmax_cross_entropy/extreme_3x3", "softmax_cross_entropy",
      {"logits": [[100.0, -100.0, 0.5], [30.0, 30.0, -30.0], [0.0, 0.0, 0.0]],
       "labels": [[0.0, 0.0, 1.0], [0.5, 0.25, 0.25], [1 / 3, 1 / 3, 1 / 3]]})
  w = np.array([[1, 0, 1], [0, 0, 0], [1, 1, 1], [0, 1, 1]], dtype=bool)
  add("softmax_cross_entropy/where_4x3", "softmax_cross_entropy",
      {"logits": logits([4, 3]), "labels": probs([4, 3]), "where": w})
  add("softmax_cross_entropy/where_rows_4x1", "softmax_cross_entropy",
      {"logits": logits([4, 3]), "labels": probs([4, 3]),
       "where": np.array([[1], [0], [1], [1]], dtype=bool)})
  w3 = rng.random([2, 3, 4]) < 0.7
  w3[1, :, 2] = False  # a fully masked slice along axis 1
  add("softmax_cross_entropy/where_axis1_2x3x4", "softmax_cross_entropy",
      {"logits": logits([2, 3, 4]), "labels": probs([2, 3, 4], 1),
       "where": w3}, axis=1)

  # -- softmax_cross_entropy_with_integer_labels --------------------------
  def ints(high, shape):
    return np.asarray(rng.integers(0, high, size=shape), dtype=np.int32)

  name = "softmax_cross_entropy_with_integer_labels"
  add(f"{name}/4x3", name, {"logits": logits([4, 3]), "labels": ints(3, [4])})
  add(f"{name}/axis0_4x3", name,
      {"logits": logits([4, 3]), "labels": ints(4, [3])}, axis=0)
  add(f"{name}/axis1_2x3x4", name,
      {"logits": logits([2, 3, 4]), "labels": ints(3, [2, 4])}, axis=1)
  add(f"{name}/extreme_3x3", name,
      {"logits": [[100.0, -100.0, 0.5], [30.0, 30.0, -30.0], [0.0, 0.0, 0.0]],
       "labels": [1, 2, 0]})
  # Row 0's label is masked out, row 1 is fully masked (loss 0).
  add(f"{name}/where_4x3", name,
      {"logits": logits([4, 3]), "labels": np.array([1, 2, 0, 2], np.int32),
       "where": w})
  add(f"{name}/where_rows_4x1", name,
      {"logits": logits([4, 3]), "labels": ints(3, [4]),
       "where": np.array([[1], [0], [1], [1]], dtype=bool)})
  add(f"{name}/where_axis1_2x3x4", name,
      {"logits": logits([2, 3, 4]), "labels": ints(3, [2, 4]), "where": w3},
      axis=1)
  # take_along_axis: a negative label counts from the end, an out-of-range
  # one gives NaN (and no gradient through the label logit).
  add(f"{name}/negative_and_out_of_range_4x3", name,
      {"logits": logits([4, 3]),
       "labels": np.array([-1, 3, -3, -4], np.int32)})

  # -- safe_softmax_cross_entropy -----------------------------------------
  ninf = -np.inf
  x = logits([4, 3])
  x[0, 1] = ninf
  x[2, 0] = x[2, 2] = ninf
  y = probs([4, 3])
  y[0] = [0.6, 0.0, 0.4]
  y[2] = [0.0, 1.0, 0.0]
  add("safe_softmax_cross_entropy/neg_inf_logits_4x3",
      "safe_softmax_cross_entropy", {"logits": x, "labels": y})
  add("safe_softmax_cross_entropy/onehot_2x3x5", "safe_softmax_cross_entropy",
      {"logits": logits([2, 3, 5]), "labels": onehot(ints(5, [2, 3]), 5)})
  # A positive label on a -inf logit: an infinite loss, as Optax.
  add("safe_softmax_cross_entropy/label_on_neg_inf_1x3",
      "safe_softmax_cross_entropy",
      {"logits": [[0.5, ninf, 1.0]], "labels": [[0.5, 0.25, 0.25]]})
  add("safe_softmax_cross_entropy/broadcast_labels_1x3",
      "safe_softmax_cross_entropy",
      {"logits": logits([4, 3]), "labels": probs([1, 3])})

  # -- poly_loss_cross_entropy --------------------------------------------
  name = "poly_loss_cross_entropy"
  add(f"{name}/4x3", name, {"logits": logits([4, 3]), "labels": probs([4, 3])})
  add(f"{name}/eps-1_axis1_2x3x4", name,
      {"logits": logits([2, 3, 4]), "labels": probs([2, 3, 4], 1)},
      epsilon=-1.0, axis=1)
  add(f"{name}/onehot_eps0.5_5", name,
      {"logits": logits([5]), "labels": onehot(2, 5)}, epsilon=0.5)
  add(f"{name}/where_4x3", name,
      {"logits": logits([4, 3]), "labels": probs([4, 3]), "where": w})

  # -- regression ---------------------------------------------------------
  p = normal([4, 3], 3.0)
  t = normal([4, 3])
  for fn in ("squared_error", "l2_loss", "log_cosh"):
    add(f"{fn}/targets_4x3", fn, {"predictions": p, "targets": t})
    add(f"{fn}/no_targets_7", fn, {"predictions": normal([7], 3.0)})
  add("huber_loss/targets_4x3", "huber_loss", {"predictions": p, "targets": t})
  add("huber_loss/delta0.5_no_targets_7", "huber_loss",
      {"predictions": normal([7], 2.0)}, delta=0.5)
  add("huber_loss/broadcast_targets_4x1", "huber_loss",
      {"predictions": p, "targets": normal([4, 1])}, delta=2.0)
  add("log_cosh/extreme_6", "log_cosh",
      {"predictions": [100.0, -100.0, 0.0, 1e-3, -20.0, 9.0],
       "targets": [0.0, 0.0, 0.0, 0.0, -21.0, 0.0]})
  add("log_cosh/broadcast_targets_4x1", "log_cosh",
      {"predictions": p, "targets": normal([4, 1])})

  for fn in ("cosine_similarity", "cosine_distance"):
    add(f"{fn}/4x3", fn, {"predictions": normal([4, 3]),
                          "targets": normal([4, 3])})
    add(f"{fn}/axis0_2x3x4", fn, {"predictions": normal([2, 3, 4]),
                                  "targets": normal([2, 3, 4])}, axis=0)
    zero = normal([3, 4])
    zero[1] = 0.0
    add(f"{fn}/epsilon0.1_zero_row_3x4", fn,
        {"predictions": zero, "targets": normal([3, 4])}, epsilon=0.1)
    add(f"{fn}/where_4x3", fn,
        {"predictions": normal([4, 3]), "targets": normal([4, 3]),
         "where": np.array([[1, 0, 1], [1, 1, 1], [0, 1, 1], [1, 1, 0]],
                           dtype=bool)})

  # -- smooth_labels ------------------------------------------------------
  add("smooth_labels/onehot_4x3", "smooth_labels",
      {"labels": onehot(ints(3, [4]), 3)}, alpha=0.1)
  add("smooth_labels/axis0_4x3", "smooth_labels",
      {"labels": probs([4, 3], 0)}, alpha=0.2, axis=0)
  add("smooth_labels/where_4x3", "smooth_labels",
      {"labels": probs([4, 3]),
       "where": np.array([[1, 0, 1], [0, 1, 1], [1, 1, 1], [1, 0, 0]],
                         dtype=bool)}, alpha=0.3)
  # Optax counts the categories over the mask's own shape: a [4, 1] mask
  # counts one category (or none: an infinite smoothing term).
  add("smooth_labels/where_rows_4x1", "smooth_labels",
      {"labels": probs([4, 3]),
       "where": np.array([[1], [0], [1], [1]], dtype=bool)}, alpha=0.1)
  add("smooth_labels/alpha0_7", "smooth_labels",
      {"labels": probs([7])}, alpha=0.0)


def main():
  cases()
  meta = {
      "optax_version": optax.__version__,
      "jax_version": jax.__version__,
      "numpy_version": np.__version__,
      "backend": jax.default_backend(),
      "generator": "tests/golden/gen_losses_classification.py",
      "description": (
          "optax.losses classification, regression and smoothing losses, "
          "float32. Per case: function, args (keyword arguments), inputs, "
          "output (Optax's shape: the reduced axis is dropped), cotangent "
          "(standard normal, numpy default_rng seeded with crc32(name), of "
          "the output's shape) and grads: for each float input, the VJP "
          "jax.vjp(f, *float_inputs)[1](cotangent). `where` masks are 0/1 "
          "with dtype bool; non-finite floats are \"NaN\", \"Infinity\", "
          "\"-Infinity\"."),
  }
  path, size = g.write("losses_classification.json", {
      "meta": meta,
      "signatures": g.signatures(FUNCTIONS),
      "cases": CASES,
  })
  print(f"{path}: {len(CASES)} cases, {size} bytes")


if __name__ == "__main__":
  main()
