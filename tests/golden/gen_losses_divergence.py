#!/usr/bin/env python3
"""Golden data for the divergence and segmentation losses of Optax 0.2.8.

Writes tests/golden/data/losses_divergence.json: for each case the function,
its non-array arguments, the array inputs, the output and, for every float
input, the vector-Jacobian product of the loss with a fixed random cotangent
(numpy default_rng seeded with zlib.crc32 of the case name).

Usage (from tests/golden):
    python3 gen_losses_divergence.py

Deterministic: two runs write byte-identical files. Optax removes the summed
axes; the Rust functions keep them with size 1, so outputs are compared
flattened (the element order is the same).
"""

import os
import sys
import warnings
import zlib

import generate as g  # sets JAX_PLATFORMS=cpu before importing jax

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

FUNCTIONS = [
    "kl_divergence", "kl_divergence_with_log_targets",
    "generalized_kl_divergence", "convex_kl_divergence",
    "dice_loss", "multiclass_generalized_dice_loss", "binary_dice_loss",
]


def bool_arr(x):
  x = np.asarray(x, dtype=bool)
  return {"dtype": "bool", "shape": list(x.shape),
          "data": [bool(v) for v in x.reshape(-1)]}


def cases():
  rng = np.random.default_rng(20261201)
  out = []

  def f32(x):
    return g.f32(x)

  def log_softmax(shape, axis=-1, scale=2.0):
    x = rng.standard_normal(shape) * scale
    return np.array(jax.nn.log_softmax(jnp.asarray(f32(x)), axis=axis),
                    dtype=np.float32)

  def probs(shape, axis=-1, zeros=0.0):
    z = rng.standard_normal(shape)
    e = np.exp(z - z.max(axis, keepdims=True))
    if zeros:
      e = np.where(rng.random(shape) < zeros, 0.0, e)
      # Keep at least one positive entry per distribution.
      first = np.zeros(shape, dtype=bool)
      idx = [slice(None)] * len(shape)
      idx[axis] = 0
      first[tuple(idx)] = True
      e = np.where(first & (e.sum(axis, keepdims=True) == 0), 1.0, e)
    return f32(e / e.sum(axis, keepdims=True))

  def one_hot(labels, n):
    return f32(np.eye(n)[labels])

  def add(name, fn, args, inputs, where=None):
    """inputs: name -> float32 array (all differentiated). args: keywords."""
    names = list(inputs)
    call_args = dict(args)
    if "axis" in call_args and isinstance(call_args["axis"], list):
      call_args["axis"] = tuple(call_args["axis"])
    if where is not None:
      call_args["where"] = jnp.asarray(where)

    def f(*xs):
      with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return getattr(optax.losses, fn)(
            **dict(zip(names, xs)), **call_args)

    xs = [jnp.asarray(inputs[k]) for k in names]
    value, vjp = jax.vjp(f, *xs)
    value = np.asarray(value, dtype=np.float32)
    crng = np.random.default_rng(zlib.crc32(name.encode("utf-8")))
    cot = f32(crng.standard_normal(value.shape))
    grads = vjp(jnp.asarray(cot))
    case = {
        "name": name, "function": fn, "args": args,
        "inputs": {k: g.arr(inputs[k]) for k in names},
        "output": g.arr(value),
        "cotangent": g.arr(cot),
        "grads": {k: g.arr(np.asarray(v, dtype=np.float32))
                  for k, v in zip(names, grads)},
    }
    if where is not None:
      case["inputs"]["where"] = bool_arr(where)
    out.append(case)

  # -- Kullback-Leibler ------------------------------------------------------
  kl_fns = ("kl_divergence", "generalized_kl_divergence",
            "convex_kl_divergence")
  lp = log_softmax([4, 5])
  t = probs([4, 5], zeros=0.3)
  t[2] = 0.0  # A row of zero targets.
  t[3] = f32([0.0, 0.0, 1.0, 0.0, 0.0])
  for fn in kl_fns:
    add(f"{fn}/4x5_zero_targets", fn, {}, {"log_predictions": lp,
                                           "targets": t})
  add("kl_divergence_with_log_targets/4x5", "kl_divergence_with_log_targets",
      {}, {"log_predictions": lp, "log_targets": log_softmax([4, 5])})
  # Very negative log targets (exp underflows to 0): finite, as in Optax.
  lt = log_softmax([3, 4])
  lt[0, 1] = -120.0
  lt[1, :2] = -1e4
  add("kl_divergence_with_log_targets/underflow_3x4",
      "kl_divergence_with_log_targets", {},
      {"log_predictions": log_softmax([3, 4]), "log_targets": lt})
  # Other axes and ranks.
  lp0 = log_softmax([4, 3], axis=0)
  t0 = probs([4, 3], axis=0, zeros=0.2)
  for fn in kl_fns:
    add(f"{fn}/axis0_4x3", fn, {"axis": 0},
        {"log_predictions": lp0, "targets": t0})
  add("kl_divergence_with_log_targets/axis0_4x3",
      "kl_divergence_with_log_targets", {"axis": 0},
      {"log_predictions": lp0, "log_targets": log_softmax([4, 3], axis=0)})
  lp3 = log_softmax([2, 3, 4], axis=1)
  t3 = probs([2, 3, 4], axis=1, zeros=0.25)
  for fn in kl_fns:
    add(f"{fn}/axis1_2x3x4", fn, {"axis": 1},
        {"log_predictions": lp3, "targets": t3})
    add(f"{fn}/axis-2_2x3x4", fn, {"axis": -2},
        {"log_predictions": lp3, "targets": t3})
  add("kl_divergence_with_log_targets/axis-1_2x3x4",
      "kl_divergence_with_log_targets", {"axis": -1},
      {"log_predictions": log_softmax([2, 3, 4]),
       "log_targets": log_softmax([2, 3, 4])})
  add("kl_divergence/rank1_6", "kl_divergence", {},
      {"log_predictions": log_softmax([6]), "targets": probs([6], zeros=0.3)})
  # where masks: element-wise, and whole rows (size 1 along the axis).
  w = rng.random([4, 5]) < 0.6
  w[1] = False  # A fully masked row sums to 0.
  wrow = np.asarray([[True], [False], [True], [True]])
  for fn in kl_fns:
    add(f"{fn}/where_4x5", fn, {}, {"log_predictions": lp, "targets": t},
        where=w)
    add(f"{fn}/where_rows_4x5", fn, {},
        {"log_predictions": lp, "targets": t}, where=wrow)
  add("kl_divergence_with_log_targets/where_4x5",
      "kl_divergence_with_log_targets", {},
      {"log_predictions": lp, "log_targets": log_softmax([4, 5])}, where=w)
  add("kl_divergence_with_log_targets/where_rows_4x5",
      "kl_divergence_with_log_targets", {},
      {"log_predictions": lp, "log_targets": log_softmax([4, 5])},
      where=wrow)
  # Broadcasting: one target distribution for the whole batch.
  add("kl_divergence/broadcast_targets_4x5", "kl_divergence", {},
      {"log_predictions": lp, "targets": probs([1, 5], zeros=0.3)})
  add("generalized_kl_divergence/broadcast_targets_4x5",
      "generalized_kl_divergence", {},
      {"log_predictions": lp, "targets": probs([1, 5])})
  # Unnormalised distributions and large log predictions.
  ulp = f32(rng.standard_normal([3, 4]))
  ulp[0, 0] = 8.0
  ulp[1, 1] = -60.0
  ut = f32(rng.random([3, 4]) * 3.0)
  ut[2, 3] = 0.0
  for fn in ("generalized_kl_divergence", "kl_divergence"):
    add(f"{fn}/unnormalised_3x4", fn, {},
        {"log_predictions": ulp, "targets": ut})

  # -- Dice ------------------------------------------------------------------
  def logits(shape, scale=2.0):
    return f32(rng.standard_normal(shape) * scale)

  b, h, w_, c = 2, 4, 4, 3
  x = logits([b, h, w_, c])
  lab = rng.integers(0, c, size=[b, h, w_])
  lab[1][lab[1] == 2] = 1  # Class 2 absent from the second image.
  y = one_hot(lab, c)
  add("dice_loss/default_2x4x4x3", "dice_loss", {},
      {"predictions": x, "targets": y})
  add("dice_loss/tversky_2x4x4x3", "dice_loss", {"alpha": 0.3, "beta": 0.7},
      {"predictions": x, "targets": y})
  add("dice_loss/sum_2x4x4x3", "dice_loss", {"reduction": "sum"},
      {"predictions": x, "targets": y})
  add("dice_loss/none_2x4x4x3", "dice_loss", {"reduction": "none"},
      {"predictions": x, "targets": y})
  add("dice_loss/class_weights_2x4x4x3", "dice_loss", {},
      {"predictions": x, "targets": y,
       "class_weights": f32([0.2, 1.5, 3.0])})
  add("dice_loss/class_weights_one_none_2x4x4x3", "dice_loss",
      {"reduction": "none"},
      {"predictions": x, "targets": y, "class_weights": f32([2.5])})
  add("dice_loss/ignore_background_2x4x4x3", "dice_loss",
      {"ignore_background": True}, {"predictions": x, "targets": y})
  add("dice_loss/ignore_background_none_weights_2x4x4x3", "dice_loss",
      {"ignore_background": True, "reduction": "none"},
      {"predictions": x, "targets": y,
       "class_weights": f32([0.5, 1.0, 2.0])})
  add("dice_loss/smooth0.01_2x4x4x3", "dice_loss", {"smooth": 0.01},
      {"predictions": x, "targets": y})
  add("dice_loss/axis1_2x4x4x3", "dice_loss", {"axis": [1]},
      {"predictions": x, "targets": y})
  add("dice_loss/axis_batch_too_2x4x4x3", "dice_loss",
      {"axis": [0, 1, 2], "reduction": "none"},
      {"predictions": x, "targets": y})
  add("dice_loss/axis_negative_2x4x4x3", "dice_loss", {"axis": [-2, -3]},
      {"predictions": x, "targets": y})
  add("dice_loss/axis_empty_2x4x4x3", "dice_loss",
      {"axis": [], "reduction": "sum"}, {"predictions": x, "targets": y})
  # Probabilities given directly.
  p = np.array(jax.nn.softmax(jnp.asarray(x), axis=-1), dtype=np.float32)
  add("dice_loss/probabilities_2x4x4x3", "dice_loss",
      {"apply_softmax": False}, {"predictions": p, "targets": y})
  # All background: every pixel is class 0 (classes 1, 2 empty), and a
  # target that is all zeros (no class at all).
  yb = np.zeros([b, h, w_, c], dtype=np.float32)
  yb[..., 0] = 1.0
  add("dice_loss/all_background_2x4x4x3", "dice_loss", {"reduction": "none"},
      {"predictions": x, "targets": yb})
  add("dice_loss/all_background_ignore_2x4x4x3", "dice_loss",
      {"ignore_background": True}, {"predictions": x, "targets": yb})
  add("dice_loss/empty_targets_2x4x4x3", "dice_loss", {"reduction": "none"},
      {"predictions": x, "targets": np.zeros_like(yb)})
  # Large logits.
  xl = logits([2, 6, 3], scale=20.0)
  xl[0, 0] = [40.0, -40.0, 0.0]
  yl = one_hot(rng.integers(0, 3, size=[2, 6]), 3)
  add("dice_loss/large_logits_2x6x3", "dice_loss", {},
      {"predictions": xl, "targets": yl})
  # Binary (one class, sigmoid), as in Optax's docstring example.
  xb = f32([[1.0, -1.0], [0.5, 0.5]])[..., None]
  tb = f32([[1.0, 0.0], [1.0, 0.0]])[..., None]
  add("dice_loss/binary_2x2x1", "dice_loss", {},
      {"predictions": xb, "targets": tb})
  add("dice_loss/binary_2x5x3x1", "dice_loss", {"alpha": 0.7, "beta": 0.3},
      {"predictions": logits([2, 5, 3, 1]),
       "targets": f32(rng.random([2, 5, 3, 1]) < 0.4)})
  # Same rank without a class axis of size 1: the last axis is the class.
  add("dice_loss/same_rank_2x2", "dice_loss", {},
      {"predictions": f32([[1.0, -1.0], [0.5, 0.5]]),
       "targets": f32([[1.0, 0.0], [1.0, 0.0]])})
  # Rank 2 [N, C]: no spatial axis, one Dice score per element and class.
  add("dice_loss/rank2_5x4", "dice_loss", {"reduction": "none"},
      {"predictions": logits([5, 4]),
       "targets": one_hot(rng.integers(0, 4, size=[5]), 4)})
  add("dice_loss/rank1_4", "dice_loss", {},
      {"predictions": logits([4]), "targets": one_hot(2, 4)})

  # -- Generalised Dice ------------------------------------------------------
  mg = "multiclass_generalized_dice_loss"
  add(f"{mg}/default_2x4x4x3", mg, {}, {"predictions": x, "targets": y})
  add(f"{mg}/ignore_background_2x4x4x3", mg, {"ignore_background": True},
      {"predictions": x, "targets": y})
  add(f"{mg}/smooth0.5_2x4x4x3", mg, {"smooth": 0.5},
      {"predictions": x, "targets": y})
  add(f"{mg}/probabilities_2x4x4x3", mg, {"apply_softmax": False},
      {"predictions": p, "targets": y})
  # A class absent everywhere: weight 1/(0 + 1e-7) dominates.
  ya = one_hot(np.where(lab == 2, 0, lab), c)
  add(f"{mg}/absent_class_2x4x4x3", mg, {}, {"predictions": x, "targets": ya})
  add(f"{mg}/all_background_2x4x4x3", mg, {"ignore_background": True},
      {"predictions": x, "targets": yb})
  add(f"{mg}/rank2_6x3", mg, {},
      {"predictions": logits([6, 3]),
       "targets": one_hot(rng.integers(0, 3, size=[6]), 3)})

  # -- Binary Dice -----------------------------------------------------------
  bd = "binary_dice_loss"
  add(f"{bd}/no_channel_2x4x4", bd, {},
      {"predictions": logits([2, 4, 4]),
       "targets": f32(rng.random([2, 4, 4]) < 0.5)})
  add(f"{bd}/channel_2x4x4x1", bd, {"smooth": 0.1},
      {"predictions": logits([2, 4, 4, 1]),
       "targets": f32(rng.random([2, 4, 4, 1]) < 0.5)})
  add(f"{bd}/docstring_2x2", bd, {},
      {"predictions": f32([[1.0, -1.0], [0.5, 0.5]]),
       "targets": f32([[1.0, 0.0], [1.0, 0.0]])})
  add(f"{bd}/empty_targets_3x5", bd, {},
      {"predictions": logits([3, 5]), "targets": np.zeros([3, 5], np.float32)})
  add(f"{bd}/large_logits_2x6", bd, {},
      {"predictions": f32([[30.0, -30.0, 50.0, -50.0, 0.0, 1.0],
                           [-80.0, -80.0, -80.0, 80.0, 80.0, 80.0]]),
       "targets": f32([[1, 0, 1, 0, 1, 0], [0, 0, 0, 1, 1, 1]])})
  add(f"{bd}/rank1_5", bd, {},
      {"predictions": logits([5]), "targets": f32([1, 0, 0, 1, 1])})
  add(f"{bd}/rank1_1", bd, {},
      {"predictions": f32([0.3]), "targets": f32([1.0])})
  # apply_sigmoid=False: Optax 0.2.8 only accepts predictions that are all 1.
  add(f"{bd}/probabilities_all_one_2x3", bd, {"apply_sigmoid": False},
      {"predictions": np.ones([2, 3], np.float32),
       "targets": f32([[1, 0, 1], [0, 0, 0]])})
  return out


def errors():
  """Inputs Optax rejects (recorded so that the Rust tests reject them too)."""
  out = []

  def expect_error(name, thunk):
    try:
      thunk()
    except (ValueError, TypeError) as e:
      out.append({"name": name, "error": type(e).__name__,
                  "message": str(e).splitlines()[0]})
      return
    raise AssertionError(f"{name}: Optax accepted it")

  x = jnp.zeros([2, 3, 3])
  expect_error("dice_loss/shape_mismatch",
               lambda: optax.losses.dice_loss(x, jnp.zeros([2, 3, 2])))
  expect_error("dice_loss/unsupported_reduction",
               lambda: optax.losses.dice_loss(x, x, reduction="max"))
  expect_error("dice_loss/not_probabilities",
               lambda: optax.losses.dice_loss(x, x, apply_softmax=False))
  expect_error("binary_dice_loss/apply_sigmoid_false",
               lambda: optax.losses.binary_dice_loss(
                   jnp.full([2, 3], 0.5), jnp.zeros([2, 3]),
                   apply_sigmoid=False))
  expect_error("multiclass_generalized_dice_loss/shape_mismatch",
               lambda: optax.losses.multiclass_generalized_dice_loss(
                   x, jnp.zeros([2, 3, 2])))
  expect_error("kl_divergence/shapes_do_not_broadcast",
               lambda: optax.losses.kl_divergence(
                   jnp.zeros([2, 3]), jnp.zeros([2, 4])))
  expect_error("kl_divergence/where_does_not_broadcast",
               lambda: optax.losses.kl_divergence(
                   jnp.zeros([2, 3]), jnp.zeros([2, 3]),
                   where=jnp.ones([3, 3], bool)))
  return out


def main():
  meta = {
      "optax": optax.__version__, "jax": jax.__version__,
      "numpy": np.__version__,
      "description": (
          "Divergence and segmentation losses of optax.losses: output = "
          "optax.losses.<function>(**inputs, **args) (axis lists are tuples; "
          "'where' is a bool array). cotangent has the output's shape; "
          "grads[name] = VJP of the loss w.r.t. that float input with the "
          "cotangent (cotangent from numpy default_rng(zlib.crc32(name))). "
          "Arrays are {dtype, shape, data}, data flattened row-major. "
          "errors lists inputs Optax rejects; signatures is "
          "inspect.signature of each function, as in signatures.json."),
  }
  assert optax.__version__ == g.EXPECTED_OPTAX, optax.__version__
  assert jax.__version__ == g.EXPECTED_JAX, jax.__version__
  with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    sigs = g.signatures(FUNCTIONS)
  cs = cases()
  path, size = g.write("losses_divergence.json", {
      "meta": meta, "cases": cs, "errors": errors(), "signatures": sigs,
  })
  print(f"{os.path.relpath(path, g.HERE)}: {size} bytes, {len(cs)} cases",
        file=sys.stderr)


if __name__ == "__main__":
  main()
