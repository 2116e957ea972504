"""Golden data for the margin losses (hinge, perceptron), the sparsemax losses and
make_fenchel_young_loss: values and VJPs from Optax 0.2.8 / JAX, float32.

Run from tests/golden: `python3 gen_losses_margin.py` writes data/losses_margin.json.
Deterministic: every random input comes from numpy's default_rng with a fixed seed, every
cotangent from default_rng(crc32(case name)).
"""

import warnings
import zlib

import generate as g  # sets JAX_PLATFORMS=cpu before jax is imported

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402
from jax.scipy.special import logsumexp  # noqa: E402

FUNCTIONS = [
    "hinge_loss", "perceptron_loss", "multiclass_hinge_loss",
    "multiclass_perceptron_loss", "sparsemax_loss", "multiclass_sparsemax_loss",
    "make_fenchel_young_loss",
]

# The max functions the Fenchel-Young cases are built from (the Rust test
# writes the same ones as closures).
MAX_FUNS = {
    "logsumexp": logsumexp,
    "max": jnp.max,
}


def cases():
  rng = np.random.default_rng(20260512)
  out = []

  def add(name, fn, args, inputs, extra=None):
    """Records fn(**inputs) and, for each float input, its VJP with a random cotangent."""
    if fn == "make_fenchel_young_loss":
      loss = optax.losses.make_fenchel_young_loss(MAX_FUNS[args["max_fun"]])
    else:
      loss = getattr(optax.losses, fn)
    names = list(inputs)
    floats = [k for k in names if np.asarray(inputs[k]).dtype.kind == "f"]

    def f(*xs):
      kw = {k: jnp.asarray(v) for k, v in inputs.items()}
      kw.update(zip(floats, xs))
      return loss(*[kw[k] for k in names])

    value, vjp = jax.vjp(f, *[jnp.asarray(inputs[k]) for k in floats])
    value = np.asarray(value)
    assert np.all(np.isfinite(value)), name
    crng = np.random.default_rng(zlib.crc32(name.encode()))
    cot = g.f32(crng.standard_normal(value.shape))
    grads = vjp(jnp.asarray(cot))
    case = {
        "name": name, "function": fn, "args": args,
        "inputs": {k: g.arr(v, "int32" if np.asarray(v).dtype.kind == "i"
                            else "float32") for k, v in inputs.items()},
        "output": g.arr(value.astype(np.float32)),
        "cotangent": g.arr(cot),
        "grads": {k: g.arr(np.asarray(d)) for k, d in zip(floats, grads)},
    }
    if extra:
      case.update(extra)
    out.append(case)

  def normal(shape, scale=2.0):
    return g.f32(rng.standard_normal(shape) * scale)

  def signs(shape):
    return g.f32(np.where(rng.random(shape) < 0.5, -1.0, 1.0))

  def ints(high, shape):
    return np.asarray(rng.integers(0, high, size=shape), dtype=np.int32)

  # -- hinge_loss / perceptron_loss: element-wise, targets in {-1, 1} ----------
  for fn in ("hinge_loss", "perceptron_loss"):
    add(f"{fn}/3x4", fn, {},
        {"predictor_outputs": normal([3, 4]), "targets": signs([3, 4])})
    add(f"{fn}/7", fn, {},
        {"predictor_outputs": normal([7]), "targets": signs([7])})
    # The kink: 1 - y*t = 0 (hinge) and y*t = 0 (perceptron), where JAX's
    # maximum splits the gradient in halves; and large magnitudes.
    add(f"{fn}/kinks_and_large_2x5", fn, {},
        {"predictor_outputs": g.f32([[1.0, -1.0, 0.0, 0.0, 1e4],
                                     [-1e4, 0.5, -0.5, 1e30, -1e30]]),
         "targets": g.f32([[1.0, -1.0, 1.0, -1.0, 1.0],
                           [1.0, -1.0, 1.0, -1.0, 1.0]])})
  # hinge_loss broadcasts its inputs (perceptron_loss requires equal shapes).
  add("hinge_loss/broadcast_3x4_3x1", "hinge_loss", {},
      {"predictor_outputs": normal([3, 4]), "targets": signs([3, 1])})

  # -- multiclass hinge / perceptron: integer labels, last axis ----------------
  for fn in ("multiclass_hinge_loss", "multiclass_perceptron_loss"):
    add(f"{fn}/4x5", fn, {},
        {"scores": normal([4, 5]), "labels": ints(5, [4])})
    add(f"{fn}/2x3x4", fn, {},
        {"scores": normal([2, 3, 4]), "labels": ints(4, [2, 3])})
    add(f"{fn}/single_6", fn, {},
        {"scores": normal([6]), "labels": np.asarray(4, dtype=np.int32)})
    # Ties for the maximum (JAX splits the gradient evenly among them).
    add(f"{fn}/ties_4x3", fn, {},
        {"scores": g.f32([[0.0, 0.0, 0.0], [1.0, 2.0, 2.0], [2.0, 1.0, 2.0],
                          [-1e4, 1e4, 0.0]]),
         "labels": np.asarray([0, 0, 1, 2], dtype=np.int32)})
    # Labels outside [0, classes): jax.nn.one_hot gives an all-zero row.
    add(f"{fn}/labels_out_of_range_3x4", fn, {},
        {"scores": normal([3, 4]),
         "labels": np.asarray([-1, 4, 100], dtype=np.int32)})

  # -- sparsemax_loss (binary): integer labels 0/1 ----------------------------
  add("sparsemax_loss/3x4", "sparsemax_loss", {},
      {"logits": normal([3, 4]), "labels": ints(2, [3, 4])})
  # Both ends of sparse_plus's quadratic piece (|x| = 1), zeros, large.
  add("sparsemax_loss/pieces_2x6", "sparsemax_loss", {},
      {"logits": g.f32([[1.0, -1.0, 1.0, -1.0, 0.0, 0.0],
                        [1e4, -1e4, 0.999, -0.999, 1e4, -1e4]]),
       "labels": np.asarray([[0, 0, 1, 1, 0, 1], [0, 0, 0, 1, 1, 1]],
                            dtype=np.int32)})
  add("sparsemax_loss/broadcast_3x4_1x4", "sparsemax_loss", {},
      {"logits": normal([3, 4]), "labels": ints(2, [1, 4])})

  # -- multiclass_sparsemax_loss: [batch, classes] scores, [batch] labels ------
  add("multiclass_sparsemax_loss/4x5", "multiclass_sparsemax_loss", {},
      {"scores": normal([4, 5]), "labels": ints(5, [4])})
  add("multiclass_sparsemax_loss/small_scores_3x6", "multiclass_sparsemax_loss",
      {}, {"scores": normal([3, 6], 0.05), "labels": ints(6, [3])})
  add("multiclass_sparsemax_loss/edges_5x4", "multiclass_sparsemax_loss", {},
      {"scores": g.f32([[0.0, 0.0, 0.0, 0.0],      # uniform projection
                        [30.0, -30.0, 0.0, 29.5],  # two-point support
                        [1e4, 0.0, -1e4, 0.0],     # one-hot projection
                        [1.0, 1.0, -5.0, 0.25],    # ties in the support
                        [0.5, 0.5, 0.5, -0.5]]),
       "labels": np.asarray([3, 1, 0, 2, 3], dtype=np.int32)})
  add("multiclass_sparsemax_loss/1x1", "multiclass_sparsemax_loss", {},
      {"scores": g.f32([[3.0]]), "labels": np.asarray([0], dtype=np.int32)})

  # -- make_fenchel_young_loss --------------------------------------------------
  def probs(shape):
    z = rng.standard_normal(shape)
    e = np.exp(z - z.max(-1, keepdims=True))
    return g.f32(e / e.sum(-1, keepdims=True))

  for shape in ([4, 5], [2, 3, 4], [6]):
    tag = "x".join(map(str, shape))
    scores, targets = normal(shape), probs(shape)
    # With max_fun = logsumexp the loss is the softmax cross entropy: record
    # Optax's, which the Rust test compares with too.
    sce = np.asarray(optax.losses.softmax_cross_entropy(scores, targets))
    add(f"make_fenchel_young_loss/logsumexp_{tag}", "make_fenchel_young_loss",
        {"max_fun": "logsumexp"}, {"scores": scores, "targets": targets},
        extra={"softmax_cross_entropy": g.arr(sce.astype(np.float32))})
  big = g.f32([[30.0, -30.0, 0.0, 29.5], [100.0, -100.0, 0.5, 0.0]])
  big_targets = probs([2, 4])
  sce = np.asarray(optax.losses.softmax_cross_entropy(big, big_targets))
  add("make_fenchel_young_loss/logsumexp_large_2x4", "make_fenchel_young_loss",
      {"max_fun": "logsumexp"}, {"scores": big, "targets": big_targets},
      extra={"softmax_cross_entropy": g.arr(sce.astype(np.float32))})
  # The perceptron-like max (random scores: no ties).
  add("make_fenchel_young_loss/max_3x4", "make_fenchel_young_loss",
      {"max_fun": "max"}, {"scores": normal([3, 4]), "targets": probs([3, 4])})
  return out


def main():
  warnings.simplefilter("ignore", DeprecationWarning)
  meta = {
      "optax_version": optax.__version__,
      "jax_version": jax.__version__,
      "jaxlib_version": __import__("jaxlib").__version__,
      "numpy_version": np.__version__,
      "backend": jax.default_backend(),
      "generator": "tests/golden/gen_losses_margin.py",
      "description": (
          "optax.losses hinge_loss, perceptron_loss, multiclass_hinge_loss, "
          "multiclass_perceptron_loss, sparsemax_loss, multiclass_sparsemax_loss "
          "and make_fenchel_young_loss(max_fun) (max_fun named in args: "
          "'logsumexp' = jax.scipy.special.logsumexp, 'max' = jnp.max). For "
          "each case: output = fn(*inputs) with the inputs in Optax's argument "
          "order, eager on CPU; for each float input, grads[input] = the VJP "
          "of fn at the inputs with the cotangent `cotangent` (float32, of the "
          "output's shape, numpy default_rng(crc32(case name)) standard "
          "normal). Integer inputs are int32. Arrays are flattened row-major; "
          "a rank-0 array is a one-element list. Fenchel-Young logsumexp "
          "cases also record optax.losses.softmax_cross_entropy(scores, "
          "targets), which they must equal."),
  }
  data = {"meta": meta, "signatures": g.signatures(FUNCTIONS), "cases": cases()}
  path, size = g.write("losses_margin.json", data)
  print(f"wrote {path} ({size} bytes, {len(data['cases'])} cases)")


if __name__ == "__main__":
  main()
