#!/usr/bin/env python3
"""Golden data for the ranking and self-supervised losses (Optax 0.2.8).

Writes tests/golden/data/losses_ranking.json: `ranking_softmax_loss`, `ntxent`
and `triplet_margin_loss`, their values and their gradients (the VJP of the
loss with a fixed random cotangent, for every float input).

Usage (from tests/golden):
    python3 gen_losses_ranking.py

Deterministic: every random input comes from numpy's default_rng seeded with
crc32(case name) (generate.seed_of); JAX runs on the CPU backend.
"""

import generate as g  # noqa: I001  (sets JAX_PLATFORMS before jax is imported)

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import optax

FUNCTIONS = ["ranking_softmax_loss", "ntxent", "triplet_margin_loss"]
REDUCE_FNS = {"mean": jnp.mean, "sum": jnp.sum, None: None}


def barr(x):
  x = np.asarray(x, dtype=bool)
  return {"dtype": "bool", "shape": list(x.shape),
          "data": [bool(v) for v in x.reshape(-1)]}


def encode(v):
  v = np.asarray(v)
  if v.dtype == bool:
    return barr(v)
  if v.dtype.kind in "iu":
    return g.arr(v, "int32")
  return g.arr(v)


CASES = []


def add(name, function, args, inputs, call):
  """Records `call(**float_inputs)` and its VJP w.r.t. every float input.

  `inputs` maps Optax argument names to numpy arrays (float32, int32 or
  bool); `call` takes the float inputs as keyword arguments and closes over
  the others and over `args`.
  """
  assert all(c["name"] != name for c in CASES), name
  floats = [k for k, v in inputs.items() if np.asarray(v).dtype == np.float32]
  xs = [jnp.asarray(inputs[k]) for k in floats]

  def f(*xs):
    return call(**dict(zip(floats, xs)))

  out, vjp = jax.vjp(f, *xs)
  out = np.asarray(out, dtype=np.float32)
  rng = np.random.default_rng(g.seed_of(name))
  cot = g.f32(rng.standard_normal(out.shape))
  grads = vjp(jnp.asarray(cot))
  CASES.append({
      "name": name,
      "function": function,
      "args": args,
      "inputs": {k: encode(v) for k, v in inputs.items()},
      "output": g.arr(out),
      "cotangent": g.arr(cot),
      "grads": {k: g.arr(np.asarray(gr, dtype=np.float32))
                for k, gr in zip(floats, grads)},
  })


# ---------------------------------------------------------------------------
# ranking_softmax_loss
# ---------------------------------------------------------------------------


def ranking(name, logits, labels, where=None, weights=None,
            reduce_fn="mean"):
  inputs = {"logits": g.f32(logits), "labels": g.f32(labels)}
  if where is not None:
    inputs["where"] = np.asarray(where, dtype=bool)
  if weights is not None:
    inputs["weights"] = g.f32(weights)
  w = None if where is None else jnp.asarray(inputs["where"])

  def call(logits, labels, weights=None):
    return optax.losses.ranking_softmax_loss(
        logits, labels, where=w, weights=weights,
        reduce_fn=REDUCE_FNS[reduce_fn])

  add(f"ranking_softmax_loss/{name}", "ranking_softmax_loss",
      {"reduce_fn": reduce_fn}, inputs, call)


def ranking_cases():
  # Optax's docstring examples.
  ranking("doc_3", [2.0, 1.0, 3.0], [1.0, 0.0, 0.0])
  ranking("doc_where_2x3", [[2.0, 1.0, 0.0], [1.0, 0.5, 1.5]],
          [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]],
          where=[[True, True, False], [True, True, True]])
  for reduce_fn in ("mean", "sum", None):
    tag = reduce_fn or "none"
    rng = np.random.default_rng(g.seed_of(f"ranking/{tag}"))
    logits = rng.standard_normal([4, 5]) * 2.0
    labels = rng.integers(0, 4, size=[4, 5]).astype(np.float32)
    ranking(f"graded_4x5_{tag}", logits, labels, reduce_fn=reduce_fn)
    # Masked items, a list without relevant items (row 1), a fully masked
    # list (row 3), weights.
    where = rng.random([4, 5]) < 0.7
    where[0, :] = [True, False, True, True, False]
    where[3, :] = False
    labels = rng.integers(0, 3, size=[4, 5]).astype(np.float32)
    labels[1, :] = 0.0
    labels[0, 1] = 2.0  # a relevant item that is masked
    weights = rng.random([4, 5]) * 2.0
    ranking(f"where_weights_4x5_{tag}", rng.standard_normal([4, 5]), labels,
            where=where, weights=weights, reduce_fn=reduce_fn)
    # Every list masked: jnp.mean gives 0, not NaN.
    ranking(f"all_masked_3x4_{tag}", rng.standard_normal([3, 4]),
            rng.random([3, 4]), where=np.zeros([3, 4], bool),
            reduce_fn=reduce_fn)
  rng = np.random.default_rng(g.seed_of("ranking/misc"))
  ranking("no_relevant_3x4", rng.standard_normal([3, 4]), np.zeros([3, 4]))
  ranking("no_relevant_where_3x4", rng.standard_normal([3, 4]),
          np.zeros([3, 4]), where=rng.random([3, 4]) < 0.6)
  ranking("large_logits_3x4",
          [[30.0, -30.0, 0.0, 100.0], [-100.0, 50.0, 50.0, 0.0],
           [0.0, 0.0, 0.0, 0.0]],
          [[1.0, 0.0, 2.0, 0.0], [1.0, 1.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]])
  ranking("soft_labels_3x6", rng.standard_normal([3, 6]) * 3.0,
          rng.random([3, 6]))
  # Rank 3, a mask broadcast along the list axis (whole lists masked),
  # per-list weights broadcast along the list axis.
  list_mask = np.array([[[True], [False], [True]], [[True], [True], [False]]])
  for reduce_fn in ("mean", None):
    tag = reduce_fn or "none"
    ranking(f"rank3_list_mask_2x3x4_{tag}", rng.standard_normal([2, 3, 4]),
            rng.integers(0, 3, size=[2, 3, 4]), where=list_mask,
            weights=rng.random([2, 3, 1]) + 0.5, reduce_fn=reduce_fn)
  ranking("rank3_item_mask_2x3x4_sum", rng.standard_normal([2, 3, 4]),
          rng.integers(0, 3, size=[2, 3, 4]),
          where=rng.random([2, 3, 4]) < 0.7, reduce_fn="sum")


# ---------------------------------------------------------------------------
# ntxent
# ---------------------------------------------------------------------------


def ntxent(name, embeddings, labels, temperature=None):
  inputs = {"embeddings": g.f32(embeddings),
            "labels": np.asarray(labels, dtype=np.int32)}
  args = {} if temperature is None else {"temperature": temperature}
  lab = jnp.asarray(inputs["labels"])

  def call(embeddings):
    return optax.losses.ntxent(embeddings, lab, **args)

  add(f"ntxent/{name}", "ntxent", args, inputs, call)


def ntxent_cases():
  rng = np.random.default_rng(g.seed_of("ntxent"))
  ntxent("pairs_6x4", rng.standard_normal([6, 4]), [0, 0, 1, 1, 2, 2])
  ntxent("groups_8x3_t0.5", rng.standard_normal([8, 3]),
         [0, 1, 0, 1, 2, 2, 0, 1], temperature=0.5)
  ntxent("unsorted_labels_7x5_t1", rng.standard_normal([7, 5]),
         [3, -1, 3, 7, -1, 7, 3], temperature=1.0)
  ntxent("one_feature_4x1", rng.standard_normal([4, 1]), [0, 0, 1, 1])
  # A zero embedding (cosine similarity 0 through epsilon = finfo.eps).
  e = rng.standard_normal([4, 2])
  e[1] = 0.0
  ntxent("zero_vector_4x2", e, [0, 0, 1, 1])
  # An item with no positive pair (row 3): it only enters denominators.
  ntxent("unpaired_item_4x3", rng.standard_normal([4, 3]), [0, 0, 0, 1])
  # One label for all: no negatives.
  ntxent("no_negatives_4x3", rng.standard_normal([4, 3]), [5, 5, 5, 5])
  # All labels distinct: no positive pair, 0/0 = NaN in Optax.
  ntxent("no_positives_3x3", rng.standard_normal([3, 3]), [0, 1, 2])
  # Large embeddings (cosine similarity is scale-free).
  ntxent("large_6x4", rng.standard_normal([6, 4]) * 1e3, [0, 1, 2, 0, 1, 2])


# ---------------------------------------------------------------------------
# triplet_margin_loss
# ---------------------------------------------------------------------------


def triplet(name, anchors, positives, negatives, **args):
  inputs = {"anchors": g.f32(anchors), "positives": g.f32(positives),
            "negatives": g.f32(negatives)}

  def call(anchors, positives, negatives):
    return optax.losses.triplet_margin_loss(anchors, positives, negatives,
                                            **args)

  add(f"triplet_margin_loss/{name}", "triplet_margin_loss", args, inputs,
      call)


def triplet_cases():
  # Optax's docstring example.
  triplet("doc_2x2", [[0.0, 0.0], [1.0, 1.0]], [[0.1, 0.1], [1.1, 1.1]],
          [[1.0, 0.0], [0.0, 1.0]], margin=1.0)
  rng = np.random.default_rng(g.seed_of("triplet"))

  def rand(*shape):
    return rng.standard_normal(shape)

  triplet("default_6x4", rand(6, 4), rand(6, 4), rand(6, 4))
  triplet("margin0.2_eps1e-3_6x4", rand(6, 4), rand(6, 4), rand(6, 4),
          margin=0.2, eps=1e-3)
  triplet("axis0_4x3", rand(4, 3), rand(4, 3), rand(4, 3), axis=0)
  triplet("rank3_axis1_2x3x4", rand(2, 3, 4), rand(2, 3, 4), rand(2, 3, 4),
          axis=1)
  # Optax raises the signed difference to the power: norm_degree=1 sums
  # signed differences, odd degrees can give a negative base for 1/degree.
  triplet("norm_degree1_5x3", rand(5, 3), rand(5, 3), rand(5, 3),
          norm_degree=1)
  triplet("norm_degree4_5x3", rand(5, 3), rand(5, 3), rand(5, 3),
          norm_degree=4)
  a = rand(5, 3)
  # Positive differences, so that the odd degree's sums stay positive.
  triplet("norm_degree3_5x3", a, a - np.abs(rand(5, 3)),
          a - 2.0 * np.abs(rand(5, 3)), norm_degree=3)
  # A negative sum under the odd root: NaN in Optax (row 0).
  p = a - np.abs(rand(5, 3))
  p[0] = a[0] + 1.0
  triplet("norm_degree3_nan_5x3", a, p, a - np.abs(rand(5, 3)),
          norm_degree=3)
  # Zero differences: anchor == positive (distance sqrt(eps)), and an
  # anchor == negative row.
  a = rand(3, 4)
  n = rand(3, 4)
  n[1] = a[1]
  triplet("zero_distance_3x4", a, a.copy(), n)
  # Everything zero: loss = margin.
  z = np.zeros([2, 3])
  triplet("all_zero_2x3", z, z, z, margin=0.5)
  # One anchor against several positives/negatives (broadcast).
  triplet("broadcast_anchor_1x4_vs_5x4", rand(1, 4), rand(5, 4), rand(5, 4))


def main():
  warnings.simplefilter("ignore", DeprecationWarning)
  ranking_cases()
  ntxent_cases()
  triplet_cases()
  meta = {
      "optax_version": optax.__version__,
      "jax_version": jax.__version__,
      "numpy_version": np.__version__,
      "backend": jax.default_backend(),
      "generator": "tests/golden/gen_losses_ranking.py",
      "description": (
          "Ranking and self-supervised losses: output = optax.losses."
          "<function>(**inputs, **args). Arrays are {dtype, shape, data}, "
          "data flattened row-major; float32 data may hold \"NaN\" (strings), "
          "bool arrays hold true/false. The input `where` is Optax's `where` "
          "keyword. args.reduce_fn is \"mean\" (jnp.mean), \"sum\" (jnp.sum) "
          "or null (None). grads[x] = vjp(cotangent)[x] for every float "
          "input x, with cotangent ~ N(0,1) of the output's shape (numpy "
          "default_rng seeded with crc32(case name)). Gradients are NaN "
          "where JAX's are (e.g. weights of masked items)."),
  }
  path, size = g.write("losses_ranking.json", {
      "meta": meta,
      "signatures": g.signatures(FUNCTIONS),
      "cases": CASES,
  })
  print(f"{path}: {size} bytes, {len(CASES)} cases")


if __name__ == "__main__":
  main()
