#!/usr/bin/env python3
"""Golden data for optax's numerics, projections and differential privacy.

Usage (from tests/golden):
    python3 gen_numerics.py

Writes
  data/numerics.json: inputs and outputs of safe_norm, safe_root_mean_squares,
    power_iteration (with an explicit v0), matrix_inverse_pth_root, nnls and the
    twelve optax.projections, edge cases included (zeros for safe_norm,
    degenerate sets for the projections);
  data/privacy.json: per_example_global_norm_clip / per_example_layer_norm_clip
    outputs, and 20-step trajectories of differentially_private_aggregate and
    dpsgd from specs, with noise_multiplier=0 (JAX's PRNG cannot be matched, so
    only noiseless trajectories are exact; the noise is tested statistically).

Every random input comes from numpy's default_rng seeded with crc32(case name).
"""

import warnings
import zlib

import generate as g  # sets JAX_PLATFORMS=cpu and float32 before jax loads

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

PATHS = ["a_scalar", "b_vector", "c_matrix"]
SHAPES = [[], [5], [3, 4]]


def rng_of(name):
  return np.random.default_rng(zlib.crc32(name.encode("utf-8")))


def tree_of(rng, scale=1.0):
  return {p: g.f32(rng.standard_normal(s) * scale) for p, s in zip(PATHS, SHAPES)}


def tree_json(t):
  return [g.F32List(np.asarray(t[p], np.float32)) for p in PATHS]


# --------------------------------------------------------------------------
# safe_norm / safe_root_mean_squares
# --------------------------------------------------------------------------

def safe_norm_cases():
  out = []

  def add(name, x, min_norm, ord=None, axis=None):
    x = g.f32(x)
    y = optax.safe_norm(jnp.asarray(x), min_norm, ord=ord, axis=axis,
                        keepdims=True)
    out.append({"name": name, "x": g.arr(x), "min_norm": min_norm,
                "ord": ord if ord != jnp.inf else "inf",
                "axis": None if axis is None else list(np.atleast_1d(axis)),
                "out": g.arr(np.asarray(y, np.float32))})

  r = rng_of("safe_norm")
  add("vector", r.standard_normal(7), 0.1)
  add("vector/below_min", r.standard_normal(7) * 1e-3, 0.5)
  add("zeros", np.zeros(6), 1e-6)
  add("zeros/min0", np.zeros(6), 0.0)
  add("matrix/all", r.standard_normal((3, 4)), 0.1)
  add("matrix/axis1", np.concatenate([r.standard_normal((2, 4)),
                                      np.zeros((1, 4))]), 1e-3, axis=1)
  add("matrix/axis0", r.standard_normal((3, 4)), 1.0, axis=0)
  add("matrix/axis01", r.standard_normal((3, 4)), 0.1, axis=(0, 1))
  add("vector/l1", r.standard_normal(7), 0.1, ord=1)
  add("matrix/l1_axis1", r.standard_normal((3, 4)), 2.0, ord=1, axis=1)
  add("matrix/inf_axis0", r.standard_normal((3, 4)), 0.5, ord=jnp.inf, axis=0)
  add("tensor3/axis2", r.standard_normal((2, 3, 4)), 0.1, axis=2)
  return out


def rms_cases():
  out = []

  def add(name, x, min_rms):
    x = g.f32(x)
    y = optax.safe_root_mean_squares(jnp.asarray(x), min_rms)
    out.append({"name": name, "x": g.arr(x), "min_rms": min_rms,
                "out": g.arr(np.asarray(y, np.float32))})

  r = rng_of("safe_root_mean_squares")
  add("vector", r.standard_normal(9), 0.01)
  add("matrix", r.standard_normal((3, 4)), 0.01)
  add("below_min", r.standard_normal(5) * 1e-4, 0.1)
  add("zeros", np.zeros((2, 3)), 1e-6)
  add("zeros/min0", np.zeros(4), 0.0)
  return out


# --------------------------------------------------------------------------
# Linear algebra
# --------------------------------------------------------------------------

def spd(r, n, cond=10.0):
  q, _ = np.linalg.qr(r.standard_normal((n, n)))
  ev = np.linspace(1.0, cond, n)
  return g.f32((q * ev) @ q.T)


def power_iteration_cases():
  out = []

  def add(name, m, v0, num_iters=100, error_tolerance=1e-6):
    m, v0 = g.f32(m), g.f32(v0)
    eig, vec = optax.power_iteration(jnp.asarray(m), v0=jnp.asarray(v0),
                                     num_iters=num_iters,
                                     error_tolerance=error_tolerance)
    out.append({"name": name, "matrix": g.arr(m), "v0": g.arr(v0),
                "num_iters": num_iters, "error_tolerance": error_tolerance,
                "eig": g.arr(np.asarray(eig, np.float32)),
                "vec": g.arr(np.asarray(vec, np.float32))})

  r = rng_of("power_iteration")
  add("spd5", spd(r, 5, 20.0), r.standard_normal(5))
  add("spd8/few_iters", spd(r, 8, 3.0), r.standard_normal(8), num_iters=3)
  add("diag", np.diag([1.0, 5.0, 2.0]), np.ones(3))
  add("spd6/loose", spd(r, 6, 50.0), r.standard_normal(6),
      error_tolerance=1e-2)
  return out


def matrix_inverse_pth_root_cases():
  out = []

  def add(name, m, p, **kw):
    m = g.f32(m)
    root, err = optax.matrix_inverse_pth_root(jnp.asarray(m), p, **kw)
    out.append({"name": name, "matrix": g.arr(m), "p": p, "kwargs": kw,
                "out": g.arr(np.asarray(root, np.float32)),
                "error": float(np.float32(err))})

  r = rng_of("matrix_inverse_pth_root")
  add("spd4/p2", spd(r, 4, 5.0), 2)
  add("spd4/p4", spd(r, 4, 5.0), 4)
  add("spd6/p8", spd(r, 6, 3.0), 8)
  add("spd5/p1", spd(r, 5, 2.0), 1)
  add("spd4/p2/few_iters", spd(r, 4, 30.0), 2, num_iters=3)
  add("one_by_one/p4", np.array([[3.0]]), 4)
  return out


def nnls_cases():
  out = []

  def add(name, a, b, iters, L=None):
    a, b = g.f32(a), g.f32(b)
    x = optax.nnls(jnp.asarray(a), jnp.asarray(b), iters, L=L)
    out.append({"name": name, "A": g.arr(a), "b": g.arr(b), "iters": iters,
                "L": L, "out": g.arr(np.asarray(x, np.float32))})

  r = rng_of("nnls")
  add("tall/vector", r.standard_normal((6, 4)), r.standard_normal(6), 50)
  add("tall/matrix_b", r.standard_normal((6, 4)), r.standard_normal((6, 2)),
      30)
  add("given_L", r.standard_normal((5, 3)), r.standard_normal(5), 40, L=20.0)
  add("zero_A", np.zeros((3, 2)), r.standard_normal(3), 5)
  add("wide", r.standard_normal((3, 5)), r.standard_normal(3), 25)
  return out


# --------------------------------------------------------------------------
# Projections
# --------------------------------------------------------------------------

P = optax.projections


def projection_cases():
  out = []

  def add(name, fn, x, single=False, **args):
    # `single`: the tree is one array (Optax's projection_hypercube and
    # projection_box with scalar bounds accept nothing else).
    wrap = (lambda t: t["c_matrix"]) if single else (lambda t: t)
    unwrap = (lambda y: {"c_matrix": y}) if single else (lambda y: y)
    paths = ["c_matrix"] if single else PATHS
    jx = wrap({k: jnp.asarray(v) for k, v in x.items()})
    jargs = {}
    rec = {}
    for k, v in args.items():
      if isinstance(v, dict):
        jargs[k] = {kk: jnp.asarray(vv) for kk, vv in v.items()}
        rec[k] = tree_json(v)
      else:
        jargs[k] = v
        rec[k] = v
    y = unwrap(getattr(P, fn)(jx, **jargs))
    out.append({"name": name, "fn": fn, "paths": paths,
                "shapes": [SHAPES[PATHS.index(q)] for q in paths],
                "x": [g.F32List(np.asarray(x[q], np.float32)) for q in paths],
                "args": rec,
                "out": [g.F32List(np.asarray(y[q], np.float32)) for q in paths]})

  def t(name, scale=1.0):
    return tree_of(rng_of(name), scale)

  zeros = {p: np.zeros(s, np.float32) for p, s in zip(PATHS, SHAPES)}
  add("non_negative", "projection_non_negative", t("nn"))
  # Optax 0.2.8's projection_box maps over (tree, lower, upper): scalar bounds
  # work only for a single array, so a tree's scalar bounds are full trees.
  add("box/scalars", "projection_box", t("box"),
      lower={p: np.full(s, -0.5, np.float32) for p, s in zip(PATHS, SHAPES)},
      upper={p: np.full(s, 0.3, np.float32) for p, s in zip(PATHS, SHAPES)})
  add("box/trees", "projection_box", t("box2"),
      lower={p: -np.abs(v) * 0.5 for p, v in t("box2l").items()},
      upper={p: np.abs(v) * 0.5 for p, v in t("box2u").items()})
  add("box/single_array", "projection_box", t("box3"), single=True,
      lower=-0.5, upper=0.3)
  add("hypercube/default", "projection_hypercube", t("hc"), single=True)
  add("hypercube/scale", "projection_hypercube", t("hc2"), single=True,
      scale=0.25)
  add("simplex/default", "projection_simplex", t("sx"))
  add("simplex/scale", "projection_simplex", t("sx2", 3.0), scale=2.5)
  add("simplex/zeros", "projection_simplex", zeros)
  add("simplex/inside", "projection_simplex",
      {p: np.full(s, 1.0 / 18, np.float32) for p, s in zip(PATHS, SHAPES)})
  add("l1_sphere/default", "projection_l1_sphere", t("l1s"))
  add("l1_sphere/scale", "projection_l1_sphere", t("l1s2"), scale=0.5)
  add("l1_ball/outside", "projection_l1_ball", t("l1b"), scale=2.0)
  add("l1_ball/inside", "projection_l1_ball", t("l1b2", 0.01), scale=2.0)
  add("l2_sphere/default", "projection_l2_sphere", t("l2s"))
  add("l2_sphere/scale", "projection_l2_sphere", t("l2s2"), scale=3.0)
  add("l2_ball/outside", "projection_l2_ball", t("l2b"), scale=0.5)
  add("l2_ball/inside", "projection_l2_ball", t("l2b2", 0.01))
  add("l2_ball/zeros", "projection_l2_ball", zeros)
  add("linf_ball/default", "projection_linf_ball", t("li"))
  add("linf_ball/scale", "projection_linf_ball", t("li2"), scale=0.2)
  add("vector", "projection_vector", t("v"), a=t("va"))
  add("hyperplane", "projection_hyperplane", t("h"), a=t("ha"), b=0.7)
  add("hyperplane/on", "projection_hyperplane", zeros, a=t("ha2"), b=0.0)
  add("halfspace/outside", "projection_halfspace", t("hs"), a=t("hs"), b=-1.0)
  add("halfspace/inside", "projection_halfspace", t("hs2"), a=t("hs2a"),
      b=100.0)
  return out


# --------------------------------------------------------------------------
# Per-example clipping and DP trajectories
# --------------------------------------------------------------------------

BATCH = 4


def per_example(rng, scale=1.0):
  return {p: g.f32(rng.standard_normal([BATCH] + s) * scale)
          for p, s in zip(PATHS, SHAPES)}


def batched_json(t):
  return [g.F32List(np.asarray(t[p], np.float32)) for p in PATHS]


def clip_cases():
  out = []
  for name, clip, scale in [("global/clip_some", 2.0, 1.0),
                            ("global/clip_none", 1e6, 1.0),
                            ("global/clip_zero", 0.0, 1.0),
                            ("global/inf", float("inf"), 1.0)]:
    gr = per_example(rng_of(name), scale)
    leaves = [jnp.asarray(gr[p]) for p in PATHS]
    s, n = optax.per_example_global_norm_clip(leaves, clip)
    out.append({"name": name, "fn": "per_example_global_norm_clip",
                "grads": batched_json(gr), "clip": clip if clip != float("inf") else "inf",
                "out": [g.F32List(np.asarray(v)) for v in s],
                "num_clipped": [int(n)]})
  for name, clip, uniform in [("layer/uniform", 1.5, True),
                              ("layer/non_uniform", 1.5, False),
                              ("layer/zero", 0.0, True)]:
    gr = per_example(rng_of(name))
    leaves = [jnp.asarray(gr[p]) for p in PATHS]
    s, n = optax.per_example_layer_norm_clip(leaves, clip, uniform)
    out.append({"name": name, "fn": "per_example_layer_norm_clip",
                "grads": batched_json(gr), "clip": clip, "uniform": uniform,
                "out": [g.F32List(np.asarray(v)) for v in s],
                "num_clipped": [int(v) for v in n]})
  # Zero per-example gradients: 0/0 multipliers become 1.
  gr = {p: np.zeros([BATCH] + s, np.float32) for p, s in zip(PATHS, SHAPES)}
  gr["b_vector"][1] = 3.0
  leaves = [jnp.asarray(gr[p]) for p in PATHS]
  s, n = optax.per_example_global_norm_clip(leaves, 1.0)
  out.append({"name": "global/zero_examples",
              "fn": "per_example_global_norm_clip", "grads": batched_json(gr),
              "clip": 1.0, "out": [g.F32List(np.asarray(v)) for v in s],
              "num_clipped": [int(n)]})
  return out


def dp_trajectory(name, spec, steps=20):
  rng = rng_of(name)
  p0 = tree_of(rng)
  target = tree_of(rng)
  noises = [per_example(rng, 0.5) for _ in range(steps)]
  tx = g.build(spec, PATHS)
  params = {p: jnp.asarray(v) for p, v in p0.items()}
  state = tx.init(params)
  update = jax.jit(tx.update)
  out_steps = []
  for t in range(steps):
    pn = {p: np.asarray(params[p], np.float32) for p in PATHS}
    # Per-example gradients 2 (p - target) + noise_b: some examples are large
    # enough to be clipped.
    gr = {p: (np.float32(2.0) * (pn[p] - target[p])[None]
              + noises[t][p]).astype(np.float32) for p in PATHS}
    updates, state = update({p: jnp.asarray(v) for p, v in gr.items()}, state,
                            params)
    params = optax.apply_updates(params, updates)
    out_steps.append({"grads": batched_json(gr), "updates": tree_json(updates),
                      "params": tree_json(params)})
  return {"name": name, "spec": spec, "paths": PATHS, "shapes": SHAPES,
          "batch": BATCH, "params0": tree_json(p0), "steps": out_steps}


def dp_cases():
  return [
      dp_trajectory("dpa/clip1", {"chain": [
          {"differentially_private_aggregate": {
              "l2_norm_clip": 1.0, "noise_multiplier": 0.0, "key": 0}},
          {"scale": {"step_size": -0.1}}]}),
      dp_trajectory("dpa/clip_large", {"chain": [
          {"contrib.differentially_private_aggregate": {
              "l2_norm_clip": 100.0, "noise_multiplier": 0.0, "seed": 3}},
          {"scale": {"step_size": -0.05}}]}),
      dp_trajectory("dpsgd/plain", {"dpsgd": {
          "learning_rate": 0.1, "l2_norm_clip": 2.0, "noise_multiplier": 0.0,
          "seed": 0}}),
      dp_trajectory("dpsgd/momentum", {"dpsgd": {
          "learning_rate": 0.05, "l2_norm_clip": 1.5, "noise_multiplier": 0.0,
          "seed": 1, "momentum": 0.9}}),
      dp_trajectory("dpsgd/nesterov_schedule", {"contrib.dpsgd": {
          "learning_rate": {"exponential_decay": {
              "init_value": 0.1, "transition_steps": 5, "decay_rate": 0.5}},
          "l2_norm_clip": 0.8, "noise_multiplier": 0.0, "seed": 2,
          "momentum": 0.8, "nesterov": True}}),
  ]


def main():
  warnings.simplefilter("ignore", DeprecationWarning)
  warnings.simplefilter("ignore", UserWarning)
  numerics = {
      "safe_norm": safe_norm_cases(),
      "safe_root_mean_squares": rms_cases(),
      "power_iteration": power_iteration_cases(),
      "matrix_inverse_pth_root": matrix_inverse_pth_root_cases(),
      "nnls": nnls_cases(),
      "projections": projection_cases(),
  }
  print(*g.write("numerics.json", numerics))
  privacy = {"clip": clip_cases(), "trajectories": dp_cases()}
  print(*g.write("privacy.json", privacy))


if __name__ == "__main__":
  main()
