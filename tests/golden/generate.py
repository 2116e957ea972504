#!/usr/bin/env python3
"""Generates the golden JSON files in tests/golden/data/ from Optax 0.2.8.

Usage (from anywhere):
    pip install -r tests/golden/requirements.txt
    python3 tests/golden/generate.py

The output is deterministic: running the script twice gives byte-identical
files. JAX is forced onto the CPU backend so that results do not depend on an
accelerator being present. See tests/golden/README.md for the file formats.
"""

import os

os.environ["JAX_PLATFORMS"] = "cpu"
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false")

import inspect  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402
import zlib  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

jax.config.update("jax_enable_x64", False)

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")

EXPECTED_OPTAX = "0.2.8"
EXPECTED_JAX = "0.10.2"

# ---------------------------------------------------------------------------
# Float formatting
# ---------------------------------------------------------------------------


def fmt_f32(x):
  """Shortest decimal string that round-trips exactly to the float32 `x`.

  The string is verified to give back the same float32 both when it is parsed
  directly as f32 (correct rounding) and when it is parsed as f64 and then
  cast to f32 (what serde_json + `as f32` does). If the shortest float32
  representation does not survive the f64 path, the exact f64 repr of the
  float32 value is written instead (always exact on both paths).
  """
  x = np.float32(x)
  if not np.isfinite(x):
    raise ValueError(f"non-finite value {x!r} cannot be written as JSON")
  s = np.format_float_scientific(x, unique=True, trim="-")
  # Prefer positional notation for "ordinary" magnitudes (more readable).
  ax = abs(float(x))
  if ax == 0.0 or 1e-4 <= ax < 1e7:
    s = np.format_float_positional(x, unique=True, trim="-")
  # Normalise: JSON requires a digit after '.' and forbids leading '+'.
  if s.endswith("."):
    s = s[:-1]
  s = s.replace("e+", "e")
  if "." not in s and "e" not in s:
    s += ".0"  # keep floats visibly distinct from JSON integers
  ok = (np.float32(float(s)).tobytes() == x.tobytes())
  if not ok:
    s = repr(float(x))
    assert np.float32(float(s)).tobytes() == x.tobytes()
  return s


class F32List:
  """Marker: a list of float32 values (NaN allowed, written as "NaN")."""

  def __init__(self, values):
    self.values = np.asarray(values, dtype=np.float32).reshape(-1)


class F32Scalar:
  """Marker: a single float32 value."""

  def __init__(self, value):
    self.value = np.float32(value)


def dumps(obj, indent=0, level=0):
  """Compact, deterministic JSON writer that knows about F32List.

  Lists of numbers are written on a single line; objects get one key per line
  at the top two levels only, to keep the files small yet diffable.
  """
  if isinstance(obj, F32Scalar):
    return fmt_f32(obj.value)
  if isinstance(obj, F32List):
    parts = []
    for v in obj.values:
      parts.append('"NaN"' if np.isnan(v) else fmt_f32(v))
    return "[" + ",".join(parts) + "]"
  if isinstance(obj, dict):
    if level < 2:
      pad = "\n" + " " * (level + 1)
      items = [json.dumps(str(k)) + ":" + dumps(v, indent, level + 1)
               for k, v in obj.items()]
      if not items:
        return "{}"
      return "{" + pad + ("," + pad).join(items) + "\n" + " " * level + "}"
    return "{" + ",".join(json.dumps(str(k)) + ":" + dumps(v, indent, level + 1)
                         for k, v in obj.items()) + "}"
  if isinstance(obj, (list, tuple)):
    if level < 2 and any(isinstance(v, dict) for v in obj):
      pad = "\n" + " " * (level + 1)
      return ("[" + pad + ("," + pad).join(dumps(v, indent, level + 1)
                                           for v in obj)
              + "\n" + " " * level + "]")
    return "[" + ",".join(dumps(v, indent, level + 1) for v in obj) + "]"
  if isinstance(obj, (bool, np.bool_)):
    return "true" if obj else "false"
  if obj is None:
    return "null"
  if isinstance(obj, (int, np.integer)):
    return str(int(obj))
  if isinstance(obj, (float, np.floating)):
    # Plain Python floats (hyper-parameters in specs): shortest f64 repr.
    if not math.isfinite(float(obj)):
      raise ValueError("non-finite float in JSON")
    return json.dumps(float(obj))
  if isinstance(obj, str):
    return json.dumps(obj)
  raise TypeError(f"cannot serialise {type(obj)}")


def write(name, obj):
  path = os.path.join(DATA, name)
  text = dumps(obj) + "\n"
  # Sanity check: valid JSON.
  json.loads(text)
  with open(path, "w", encoding="utf-8", newline="\n") as f:
    f.write(text)
  return path, len(text.encode("utf-8"))


# ---------------------------------------------------------------------------
# Spec -> optax object
# ---------------------------------------------------------------------------

SCHEDULE_NAMES = {
    "constant_schedule", "polynomial_schedule", "linear_schedule",
    "piecewise_constant_schedule", "piecewise_interpolate_schedule",
    "exponential_decay", "cosine_decay_schedule", "warmup_constant_schedule",
    "warmup_cosine_decay_schedule", "warmup_exponential_decay_schedule",
    "linear_onecycle_schedule", "cosine_onecycle_schedule", "sgdr_schedule",
    "join_schedules",
}

# Arguments whose value is a transformation spec.
TX_ARGS = {"inner", "optimizer"}
# Arguments whose value is a path -> bool object (or a bare bool).
MASK_ARGS = {"mask", "freeze_mask", "weight_decay_mask", "trust_ratio_mask"}


def _single(spec, what):
  if not (isinstance(spec, dict) and len(spec) == 1):
    raise ValueError(f"{what} spec must be a one-key object, got {spec!r}")
  (name, args), = spec.items()
  return name, args


def is_schedule_spec(v):
  return (isinstance(v, dict) and len(v) == 1
          and next(iter(v)) in SCHEDULE_NAMES)


def build_schedule(spec):
  name, args = _single(spec, "schedule")
  if name not in SCHEDULE_NAMES:
    raise ValueError(f"unknown schedule {name}")
  kwargs = {}
  for k, v in args.items():
    if k == "boundaries_and_scales":
      kwargs[k] = {int(b): s for b, s in v.items()}
    elif k == "schedules":
      kwargs[k] = [build_schedule(s) for s in v]
    elif k == "cosine_kwargs":
      kwargs[k] = [dict(kw) for kw in v]
    else:
      kwargs[k] = v
  return getattr(optax, name)(**kwargs)


def build_mask(v, paths):
  if isinstance(v, bool):
    return v
  if not isinstance(v, dict) or set(v) != set(paths):
    raise ValueError(f"mask {v!r} must name exactly the paths {paths}")
  return {p: bool(v[p]) for p in paths}


# Builders for spec names that are not a plain `optax.<name>(**kwargs)` call
# (wrappers whose arguments are not JSON, e.g. a skip function given by name).
# The per-family generators (gen_*.py) import this module and register theirs:
# EXTRA_BUILDERS[name] = lambda args, paths: <optax object>.
EXTRA_BUILDERS = {}


def optax_function(name):
  """optax.<name>, else optax.contrib.<name>; a `contrib.` prefix is accepted."""
  if name.startswith("contrib."):
    return getattr(optax.contrib, name[len("contrib."):])
  fn = getattr(optax, name, None)
  if fn is None:
    fn = getattr(optax.contrib, name)
  return fn


def build(spec, paths):
  """Builds an optax GradientTransformation from a JSON spec."""
  name, args = _single(spec, "transformation")
  if name in EXTRA_BUILDERS:
    return EXTRA_BUILDERS[name](args, paths)
  if name == "chain":
    return optax.chain(*[build(s, paths) for s in args])
  if name == "named_chain":
    return optax.named_chain(*[(n, build(s, paths)) for n, s in args])
  kwargs = {}
  for k, v in args.items():
    if k in TX_ARGS:
      kwargs[k] = build(v, paths)
    elif k == "transforms":
      kwargs[k] = {label: build(s, paths) for label, s in v.items()}
    elif k in MASK_ARGS:
      kwargs[k] = build_mask(v, paths)
    elif k == "param_labels":
      if set(v) != set(paths):
        raise ValueError("param_labels must name exactly the paths")
      kwargs[k] = {p: v[p] for p in paths}
    elif is_schedule_spec(v):
      kwargs[k] = build_schedule(v)
    else:
      kwargs[k] = v
  return optax_function(name)(**kwargs)


# ---------------------------------------------------------------------------
# Trees
# ---------------------------------------------------------------------------

TREES = {
    # The default tree: ranks 0, 1, 2.
    "default": (["a_scalar", "b_vector", "c_matrix"], [[], [5], [3, 4]]),
    # Ranks 0..3 with a [6, 8] matrix and a [2, 3, 4] tensor: used where
    # factoring (adafactor / scale_by_factored_rms), SM3 or centralize need
    # higher-rank leaves.
    "big": (["a_scalar", "b_vector", "c_matrix", "d_tensor"],
            [[], [5], [6, 8], [2, 3, 4]]),
    # DoG (scale_by_distance_over_gradients) turns a rank-0 leaf into shape
    # [1] (its per-leaf state has shape [1]), so it is run on a tree without
    # a scalar leaf.
    "noscalar": (["b_vector", "c_matrix"], [[5], [3, 4]]),
    # SM3 (scale_by_sm3 / sm3) raises IndexError on rank-0 leaves.
    "big_noscalar": (["b_vector", "c_matrix", "d_tensor"],
                     [[5], [6, 8], [2, 3, 4]]),
}
for _paths in (t[0] for t in TREES.values()):
  assert _paths == sorted(_paths), "paths must be listed in jax's sorted order"


def truncated_normal(rng, shape, scale):
  """haiku's default Linear init as numpy draws it: N(0, 1) redrawn outside +-2, times scale."""
  out = rng.standard_normal(shape)
  while True:
    bad = np.abs(out) > 2
    if not bad.any():
      return (out * scale).astype(np.float32)
    out[bad] = rng.standard_normal(bad.sum())


def seed_of(name):
  return zlib.crc32(name.encode("utf-8"))


def f32(x):
  return np.asarray(x, dtype=np.float32)


def leaves(tree, paths):
  return [F32List(np.asarray(tree[p])) for p in paths]


# ---------------------------------------------------------------------------
# Trajectories
# ---------------------------------------------------------------------------

W = {"scale": {"step_size": -0.1}}  # descent wrapper for building blocks


def descent(block, step_size=-0.1):
  """chain(block, scale(step_size)): turns a building block into a descent."""
  return {"chain": [block, {"scale": {"step_size": step_size}}]}


def run_case(name, spec, tree="default", steps=20, needs_value=False,
             nan_steps=None, p0_abs=False):
  paths, shapes = TREES[tree]
  rng = np.random.default_rng(seed_of(name))
  p0 = {p: f32(rng.standard_normal(s)) for p, s in zip(paths, shapes)}
  if p0_abs:
    p0 = {p: np.abs(v) for p, v in p0.items()}
  target = {p: f32(rng.standard_normal(s)) for p, s in zip(paths, shapes)}
  noises = [{p: f32(rng.standard_normal(s)) for p, s in zip(paths, shapes)}
            for _ in range(steps)]
  nan_masks = []
  for t in range(steps):
    if nan_steps and t in nan_steps:
      m = {p: rng.random(s) < 0.3 for p, s in zip(paths, shapes)}
      # Make sure at least one NaN is present at that step.
      m[paths[-1]].reshape(-1)[0] = True
      nan_masks.append(m)
    else:
      nan_masks.append(None)

  tx = build(spec, paths)
  params = {p: jnp.asarray(v) for p, v in p0.items()}
  state = tx.init(params)
  update = jax.jit(tx.update)

  out_steps = []
  for t in range(steps):
    pn = {p: np.asarray(params[p], dtype=np.float32) for p in paths}
    for p in paths:
      assert pn[p].shape == tuple(TREES[tree][1][paths.index(p)]), (
          name, p, pn[p].shape)
    g = {p: (np.float32(2.0) * (pn[p] - target[p])
             + np.float32(0.1) * noises[t][p]).astype(np.float32)
         for p in paths}
    if nan_masks[t] is not None:
      for p in paths:
        g[p] = np.where(nan_masks[t][p], np.float32(np.nan), g[p]).astype(
            np.float32)
    extra = {}
    value = None
    if needs_value:
      value = np.float32(0.0)
      for p in paths:
        d = (pn[p] - target[p]).astype(np.float32)
        value = np.float32(value + np.sum(d * d, dtype=np.float32))
      extra["value"] = jnp.asarray(value, dtype=jnp.float32)
    gj = {p: jnp.asarray(v) for p, v in g.items()}
    updates, state = update(gj, state, params, **extra)
    params = optax.apply_updates(params, updates)
    for p in paths:
      u = np.asarray(updates[p])
      want = tuple(TREES[tree][1][paths.index(p)])
      assert u.shape == want and np.asarray(params[p]).shape == want, (
          name, p, u.shape)
      if not np.all(np.isfinite(u)) or not np.all(
          np.isfinite(np.asarray(params[p]))):
        raise FloatingPointError(f"{name}: non-finite at step {t}")
      assert np.asarray(params[p]).dtype == np.float32
    out_steps.append({
        "grads": leaves(g, paths),
        "value": None if value is None else F32Scalar(value),
        "updates": leaves(updates, paths),
        "params": leaves(params, paths),
    })
  return {
      "name": name,
      "spec": spec,
      "paths": paths,
      "shapes": shapes,
      "params0": leaves(p0, paths),
      "steps": out_steps,
  }


# ---------------------------------------------------------------------------
# Case lists
# ---------------------------------------------------------------------------

MASK_ABC = {"a_scalar": False, "b_vector": True, "c_matrix": True}
MASK_ACB = {"a_scalar": True, "b_vector": False, "c_matrix": True}
MASK_BIG = {"a_scalar": True, "b_vector": False, "c_matrix": True,
            "d_tensor": False}

WCOS = {"warmup_cosine_decay_schedule": {
    "init_value": 0.0, "peak_value": 0.2, "warmup_steps": 5,
    "decay_steps": 20, "end_value": 0.01}}
EXPD = {"exponential_decay": {
    "init_value": 0.2, "transition_steps": 5, "decay_rate": 0.5,
    "transition_begin": 2}}
PWC = {"piecewise_constant_schedule": {
    "init_value": 0.1, "boundaries_and_scales": {"5": 0.5, "12": 0.2}}}
LIN = {"linear_schedule": {
    "init_value": 0.1, "end_value": 0.01, "transition_steps": 15,
    "transition_begin": 2}}
JOIN = {"join_schedules": {
    "schedules": [
        {"linear_schedule": {"init_value": 0.0, "end_value": 0.02,
                             "transition_steps": 5}},
        {"cosine_decay_schedule": {"init_value": 0.02, "decay_steps": 15,
                                   "alpha": 0.1}},
    ],
    "boundaries": [5]}}
COSD = {"cosine_decay_schedule": {"init_value": 0.1, "decay_steps": 20,
                                  "alpha": 0.05, "exponent": 2.0}}
WEXP = {"warmup_exponential_decay_schedule": {
    "init_value": 0.01, "peak_value": 0.2, "warmup_steps": 4,
    "transition_steps": 3, "decay_rate": 0.7, "staircase": True,
    "end_value": 0.02}}
SGDR = {"sgdr_schedule": {"cosine_kwargs": [
    {"init_value": 0.0, "peak_value": 0.1, "warmup_steps": 2,
     "decay_steps": 8},
    {"init_value": 0.0, "peak_value": 0.05, "warmup_steps": 2,
     "decay_steps": 12, "end_value": 0.001}]}}


def block_cases():
  """(name, spec, options) for building blocks (transform-level API)."""
  c = []

  def add(name, spec, **kw):
    c.append((name, spec, kw))

  add("identity/default", descent({"identity": {}}))
  add("set_to_zero/default", {"set_to_zero": {}})
  add("scale/default", {"scale": {"step_size": -0.1}})
  add("scale_by_learning_rate/number",
      {"scale_by_learning_rate": {"learning_rate": 0.1}})
  add("scale_by_learning_rate/schedule",
      {"scale_by_learning_rate": {"learning_rate": WCOS}})
  add("scale_by_learning_rate/flip_sign_false",
      descent({"scale_by_learning_rate": {"learning_rate": 0.1,
                                          "flip_sign": False}}, -1.0))
  add("scale_by_learning_rate/flip_sign_false_schedule",
      descent({"scale_by_learning_rate": {"learning_rate": EXPD,
                                          "flip_sign": False}}, -1.0))
  add("scale_by_learning_rate/none", descent({"scale_by_learning_rate": {}}))
  add("scale_by_schedule/linear",
      {"scale_by_schedule": {"step_size_fn": {"linear_schedule": {
          "init_value": -0.2, "end_value": -0.02, "transition_steps": 15}}}})
  add("scale_by_schedule/piecewise_constant",
      descent({"scale_by_schedule": {"step_size_fn": PWC}}, -1.0))

  add("scale_by_adam/default", descent({"scale_by_adam": {}}))
  add("scale_by_adam/nesterov", descent({"scale_by_adam": {"nesterov": True}}))
  add("scale_by_adam/eps_root", descent({"scale_by_adam": {"eps_root": 1e-8}}))
  add("scale_by_adam/b1_b2_eps", descent({"scale_by_adam": {
      "b1": 0.5, "b2": 0.9, "eps": 1e-3}}))
  add("scale_by_amsgrad/default", descent({"scale_by_amsgrad": {}}))
  add("scale_by_amsgrad/no_bias_correction", descent({"scale_by_amsgrad": {
      "bias_correction_mu": False, "bias_correction_nu": False}}))
  add("scale_by_adamax/default", descent({"scale_by_adamax": {}}))
  add("scale_by_adadelta/default", descent({"scale_by_adadelta": {}}, -1.0))
  add("scale_by_adadelta/rho_eps", descent({"scale_by_adadelta": {
      "rho": 0.5, "eps": 1e-3}}, -1.0))
  add("scale_by_adan/default", descent({"scale_by_adan": {}}))
  add("scale_by_adan/nondefault", descent({"scale_by_adan": {
      "b1": 0.9, "b2": 0.8, "b3": 0.95, "eps": 1e-6, "eps_root": 1e-8}}))
  add("scale_by_belief/default", descent({"scale_by_belief": {}}))
  add("scale_by_belief/nesterov",
      descent({"scale_by_belief": {"nesterov": True}}))
  add("scale_by_factored_rms/default", descent({"scale_by_factored_rms": {}}))
  add("scale_by_factored_rms/min_dim_2", descent({"scale_by_factored_rms": {
      "min_dim_size_to_factor": 2}}), tree="big")
  add("scale_by_factored_rms/factored_false", descent({
      "scale_by_factored_rms": {"factored": False}}), tree="big")
  add("scale_by_factored_rms/decay_rate_step_offset", descent({
      "scale_by_factored_rms": {"decay_rate": 0.5, "step_offset": -5,
                                "min_dim_size_to_factor": 2,
                                "epsilon": 1e-20}}), tree="big")
  add("scale_by_lion/hard", descent({"scale_by_lion": {}}))
  add("scale_by_lion/smooth", descent({"scale_by_lion": {
      "mode": "smooth", "smooth_beta": 2.0}}))
  add("scale_by_lion/refined", descent({"scale_by_lion": {
      "mode": "refined", "b1": 0.8, "b2": 0.9}}))
  add("scale_by_novograd/default", descent({"scale_by_novograd": {}}))
  add("scale_by_novograd/weight_decay", descent({"scale_by_novograd": {
      "weight_decay": 0.1}}))
  add("scale_by_radam/default", descent({"scale_by_radam": {}}))
  add("scale_by_radam/threshold_4.5", descent({"scale_by_radam": {
      "threshold": 4.5}}))
  add("scale_by_radam/nesterov", descent({"scale_by_radam": {
      "nesterov": True}}))
  for fn in ("scale_by_rms", "scale_by_stddev"):
    add(f"{fn}/default", descent({fn: {}}))
    add(f"{fn}/eps_in_sqrt_false", descent({fn: {"eps_in_sqrt": False}}))
    # With bias correction the first centred variance nu_hat - mu_hat^2 is
    # exactly 0 up to rounding, so a tiny eps makes the first step
    # ill-conditioned (1/sqrt(eps)); use a larger eps for a stable golden.
    add(f"{fn}/bias_correction", descent({fn: {"bias_correction": True,
                                               "eps": 0.1}}))
    add(f"{fn}/initial_scale", descent({fn: {"initial_scale": 1.0,
                                             "decay": 0.8, "eps": 1e-6}}))
  add("scale_by_rss/default", descent({"scale_by_rss": {}}))
  add("scale_by_rss/nondefault", descent({"scale_by_rss": {
      "initial_accumulator_value": 0.0, "eps": 1e-5}}))
  add("scale_by_sm3/default", descent({"scale_by_sm3": {}}), tree="noscalar")
  add("scale_by_sm3/big", descent({"scale_by_sm3": {}}), tree="big_noscalar")
  add("scale_by_sm3/b2", descent({"scale_by_sm3": {"b1": 0.5, "b2": 0.9}}),
      tree="big_noscalar")
  add("scale_by_yogi/default", descent({"scale_by_yogi": {}}))
  add("scale_by_yogi/nondefault", descent({"scale_by_yogi": {
      "b1": 0.8, "b2": 0.99, "eps": 1e-4, "eps_root": 1e-8,
      "initial_accumulator_value": 0.1}}))
  add("scale_by_trust_ratio/default", descent({"scale_by_trust_ratio": {}}))
  add("scale_by_trust_ratio/nondefault", descent({"scale_by_trust_ratio": {
      "trust_coefficient": 0.5, "min_norm": 1.0, "eps": 1e-3}}))
  add("scale_by_param_block_norm/default",
      descent({"scale_by_param_block_norm": {}}))
  add("scale_by_param_block_norm/min_scale",
      descent({"scale_by_param_block_norm": {"min_scale": 2.0}}))
  add("scale_by_param_block_rms/default",
      descent({"scale_by_param_block_rms": {}}))
  add("scale_by_param_block_rms/min_scale",
      descent({"scale_by_param_block_rms": {"min_scale": 1.5}}))
  add("scale_by_polyak/sps", descent({"scale_by_polyak": {}}, -1.0),
      needs_value=True)
  add("scale_by_polyak/sps_max_lr", descent({"scale_by_polyak": {
      "max_learning_rate": 0.1, "eps": 1e-4}}, -1.0), needs_value=True)
  add("scale_by_polyak/sps_f_min", descent({"scale_by_polyak": {
      "f_min": 1.0}}, -1.0), needs_value=True)
  add("scale_by_polyak/sps_plus_f_min", descent({"scale_by_polyak": {
      "f_min": 1.0, "variant": "sps+"}}, -1.0), needs_value=True)
  add("scale_by_rprop/default", descent({"scale_by_rprop": {
      "learning_rate": 0.1}}, -1.0))
  add("scale_by_rprop/nondefault", descent({"scale_by_rprop": {
      "learning_rate": 0.1, "eta_minus": 0.3, "eta_plus": 1.5,
      "min_step_size": 0.01, "max_step_size": 0.5}}, -1.0))
  add("scale_by_sign/default", descent({"scale_by_sign": {}}))
  add("scale_by_optimistic_gradient/default",
      descent({"scale_by_optimistic_gradient": {}}))
  add("scale_by_optimistic_gradient/alpha_beta",
      descent({"scale_by_optimistic_gradient": {"alpha": 0.5, "beta": 0.3}}))
  add("scale_by_distance_over_gradients/default",
      descent({"scale_by_distance_over_gradients": {}}, -1.0), tree="noscalar")
  add("scale_by_distance_over_gradients/global_scale",
      descent({"scale_by_distance_over_gradients": {
          "global_scale": 0.5, "reps_rel": 0.1, "eps": 1e-6}}, -1.0),
      tree="noscalar")
  add("trace/default", descent({"trace": {"decay": 0.9}}))
  add("trace/nesterov", descent({"trace": {"decay": 0.9, "nesterov": True}}))
  add("ema/debias_true", descent({"ema": {"decay": 0.9}}))
  add("ema/debias_false", descent({"ema": {"decay": 0.9, "debias": False}}))
  add("add_decayed_weights/default", descent({"add_decayed_weights": {}}))
  add("add_decayed_weights/number", descent({"add_decayed_weights": {
      "weight_decay": 0.1}}))
  add("add_decayed_weights/schedule", descent({"add_decayed_weights": {
      "weight_decay": {"linear_schedule": {
          "init_value": 0.0, "end_value": 0.5, "transition_steps": 10}}}}))
  add("add_decayed_weights/mask", descent({"add_decayed_weights": {
      "weight_decay": 0.3, "mask": MASK_ACB}}))
  add("clip/default", descent({"clip": {"max_delta": 0.5}}))
  add("clip_by_block_rms/triggers", descent({"clip_by_block_rms": {
      "threshold": 4.5}}))
  add("clip_by_block_rms/never", descent({"clip_by_block_rms": {
      "threshold": 1000.0}}))
  add("clip_by_global_norm/always", descent({"clip_by_global_norm": {
      "max_norm": 0.5}}))
  add("clip_by_global_norm/never", descent({"clip_by_global_norm": {
      "max_norm": 1000.0}}))
  add("adaptive_grad_clip/default", descent({"adaptive_grad_clip": {
      "clipping": 0.5}}))
  add("adaptive_grad_clip/big", descent({"adaptive_grad_clip": {
      "clipping": 0.5, "eps": 0.01}}), tree="big")
  add("centralize/default", descent({"centralize": {}}))
  add("centralize/big", descent({"centralize": {}}), tree="big")
  add("normalize_by_update_norm/default",
      descent({"normalize_by_update_norm": {}}))
  add("normalize_by_update_norm/nondefault",
      descent({"normalize_by_update_norm": {"scale_factor": 2.0,
                                            "eps": 1e-3}}))
  add("keep_params_nonnegative/default", {"chain": [
      {"scale": {"step_size": -0.3}}, {"keep_params_nonnegative": {}}]})
  add("zero_nans/no_nan", descent({"zero_nans": {}}))
  add("apply_every/default", descent({"apply_every": {}}))
  add("apply_every/k3", descent({"apply_every": {"k": 3}}), steps=21)
  add("chain/clip_adam_lr", {"chain": [
      {"clip_by_global_norm": {"max_norm": 1.0}},
      {"scale_by_adam": {}},
      {"scale_by_learning_rate": {"learning_rate": 0.1}}]})
  add("named_chain/clip_adam_lr", {"named_chain": [
      ["clip", {"clip_by_global_norm": {"max_norm": 1.0}}],
      ["adam", {"scale_by_adam": {"b1": 0.8}}],
      ["lr", {"scale_by_learning_rate": {"learning_rate": 0.1}}]]})
  add("masked/adam", {"chain": [
      {"masked": {"inner": {"scale_by_adam": {}}, "mask": MASK_ACB}}, W]})
  add("masked/stateful_schedule", {"chain": [
      {"masked": {"inner": {"chain": [
          {"trace": {"decay": 0.5}},
          {"scale_by_learning_rate": {"learning_rate": LIN,
                                      "flip_sign": False}}]},
                  "mask": MASK_ABC}}, W]})
  add("partition/default", {"partition": {
      "transforms": {"adam": {"adam": {"learning_rate": 0.1}},
                     "sgd": {"sgd": {"learning_rate": 0.05,
                                     "momentum": 0.9}}},
      "param_labels": {"a_scalar": "sgd", "b_vector": "adam",
                       "c_matrix": "adam"}}})
  add("partition/unused_label", {"partition": {
      "transforms": {"adam": {"adam": {"learning_rate": 0.1}},
                     "frozen": {"set_to_zero": {}},
                     "sgd": {"sgd": {"learning_rate": 0.05}}},
      "param_labels": {"a_scalar": "adam", "b_vector": "sgd",
                       "c_matrix": "adam"}}})
  add("freeze/default", {"chain": [{"freeze": {"mask": MASK_ACB}}, W]})
  add("selective_transform/default", {"selective_transform": {
      "optimizer": {"adam": {"learning_rate": 0.1}},
      "freeze_mask": MASK_ABC}})
  add("chain/nested", {"chain": [
      {"chain": [{"clip": {"max_delta": 2.0}}, {"trace": {"decay": 0.5}}]},
      {"scale_by_learning_rate": {"learning_rate": 0.05}}]})
  return c


def alias_cases():
  c = []

  def add(name, spec, **kw):
    c.append((name, spec, kw))

  add("adam/default", {"adam": {"learning_rate": 0.1}})
  add("adam/nondefault", {"adam": {"learning_rate": 0.1, "b1": 0.5,
                                   "b2": 0.9, "eps": 1e-3, "eps_root": 1e-6}})
  add("adam/schedule_warmup_cosine", {"adam": {"learning_rate": WCOS}})
  add("adamw/default", {"adamw": {"learning_rate": 0.1}})
  add("adamw/wd_mask", {"adamw": {"learning_rate": 0.1, "weight_decay": 0.1,
                                  "mask": MASK_ACB}})
  add("adamw/schedule_piecewise_constant", {"adamw": {
      "learning_rate": PWC, "weight_decay": 0.05}})
  add("nadam/default", {"nadam": {"learning_rate": 0.1}})
  add("nadamw/default", {"nadamw": {"learning_rate": 0.1}})
  add("nadamw/wd_mask", {"nadamw": {"learning_rate": 0.1, "weight_decay": 0.1,
                                    "mask": MASK_ABC}})
  add("adamax/default", {"adamax": {"learning_rate": 0.1}})
  add("adamaxw/default", {"adamaxw": {"learning_rate": 0.1}})
  add("adamaxw/wd_mask", {"adamaxw": {"learning_rate": 0.1,
                                      "weight_decay": 0.1, "mask": MASK_ACB}})
  add("amsgrad/default", {"amsgrad": {"learning_rate": 0.1}})
  add("amsgrad/nondefault", {"amsgrad": {"learning_rate": 0.1, "b2": 0.9,
                                         "bias_correction_nu": False}})
  add("adabelief/default", {"adabelief": {"learning_rate": 0.1}})
  add("adabelief/nondefault", {"adabelief": {
      "learning_rate": 0.1, "b1": 0.8, "b2": 0.99, "eps": 1e-8,
      "eps_root": 1e-10}})
  add("adabelief/nesterov", {"adabelief": {"learning_rate": 0.1,
                                           "nesterov": True}})
  # optax 0.2.8's adabelief has no weight_decay argument; this is the
  # equivalent chain (scale_by_belief -> add_decayed_weights -> lr).
  add("chain/belief_wd_lr", {"chain": [
      {"scale_by_belief": {}},
      {"add_decayed_weights": {"weight_decay": 0.1, "mask": MASK_ABC}},
      {"scale_by_learning_rate": {"learning_rate": 0.1}}]})
  add("adadelta/default", {"adadelta": {}})
  add("adadelta/lr", {"adadelta": {"learning_rate": 0.5}})
  add("adadelta/lr_wd", {"adadelta": {"learning_rate": 0.5, "rho": 0.8,
                                      "weight_decay": 0.1,
                                      "weight_decay_mask": MASK_ACB}})
  add("adafactor/default", {"adafactor": {}})
  add("adafactor/min_dim_2", {"adafactor": {"min_dim_size_to_factor": 2}},
      tree="big")
  add("adafactor/lr_momentum_wd", {"adafactor": {
      "learning_rate": 0.01, "momentum": 0.9, "weight_decay_rate": 0.001,
      "min_dim_size_to_factor": 2}}, tree="big")
  add("adafactor/lr_momentum_wd_default_tree", {"adafactor": {
      "learning_rate": 0.01, "momentum": 0.9, "weight_decay_rate": 0.001}})
  add("adafactor/no_clip_no_scale", {"adafactor": {
      "learning_rate": 0.05, "clipping_threshold": None,
      "multiply_by_parameter_scale": False, "factored": False,
      "decay_rate": 0.9, "decay_offset": -3, "eps": 1e-20}}, tree="big")
  add("adafactor/wd_mask_schedule", {"adafactor": {
      "learning_rate": LIN, "weight_decay_rate": 0.01,
      "weight_decay_mask": MASK_BIG, "min_dim_size_to_factor": 4,
      "clipping_threshold": 2.0}}, tree="big")
  add("adagrad/default", {"adagrad": {"learning_rate": 0.1}})
  add("adagrad/nondefault", {"adagrad": {"learning_rate": 0.1,
                                         "initial_accumulator_value": 0.5,
                                         "eps": 1e-5}})
  add("adagrad/schedule_warmup_exponential", {"adagrad": {
      "learning_rate": WEXP}})
  add("adan/default", {"adan": {"learning_rate": 0.1}})
  add("adan/wd_mask", {"adan": {"learning_rate": 0.1, "weight_decay": 0.1,
                                "mask": MASK_ACB, "eps_root": 0.0}})
  add("lion/default", {"lion": {"learning_rate": 0.01}})
  add("lion/schedule_join", {"lion": {"learning_rate": JOIN,
                                      "weight_decay": 0.1, "b1": 0.95,
                                      "mask": MASK_ABC}})
  add("lamb/default", {"lamb": {"learning_rate": 0.1}})
  add("lamb/wd_mask", {"lamb": {"learning_rate": 0.1, "weight_decay": 0.1,
                                "mask": MASK_ACB}})
  add("lars/default", {"lars": {"learning_rate": 1.0}})
  add("lars/masks", {"lars": {
      "learning_rate": 0.1, "weight_decay": 0.1,
      "weight_decay_mask": MASK_ACB, "trust_coefficient": 0.01,
      "eps": 1e-6, "trust_ratio_mask": MASK_ABC, "momentum": 0.8,
      "nesterov": True}})
  add("lars/mask_false", {"lars": {
      "learning_rate": 0.1, "weight_decay": 0.1,
      "weight_decay_mask": False, "trust_ratio_mask": False}})
  add("fromage/default", {"fromage": {"learning_rate": 0.1}})
  add("fromage/min_norm", {"fromage": {"learning_rate": 0.1,
                                       "min_norm": 1.0}})
  add("novograd/default", {"novograd": {"learning_rate": 0.1}})
  add("novograd/weight_decay", {"novograd": {"learning_rate": 0.1,
                                             "weight_decay": 0.1}})
  add("radam/default", {"radam": {"learning_rate": 0.1}})
  add("radam/threshold_4.5", {"radam": {"learning_rate": 0.1,
                                      "threshold": 4.5}})
  add("radam/nesterov", {"radam": {"learning_rate": 0.1, "nesterov": True}})
  add("rmsprop/default", {"rmsprop": {"learning_rate": 0.05}})
  add("rmsprop/centered", {"rmsprop": {"learning_rate": 0.05,
                                       "centered": True}})
  add("rmsprop/momentum_nesterov", {"rmsprop": {
      "learning_rate": 0.05, "momentum": 0.9, "nesterov": True}})
  add("rmsprop/bias_correction", {"rmsprop": {
      "learning_rate": 0.05, "bias_correction": True, "eps_in_sqrt": False}})
  add("rmsprop/centered_momentum_schedule_linear", {"rmsprop": {
      "learning_rate": LIN, "centered": True, "momentum": 0.5,
      "initial_scale": 1.0, "decay": 0.8}})
  add("rprop/default", {"rprop": {"learning_rate": 0.1}})
  add("rprop/nondefault", {"rprop": {"learning_rate": 0.1, "eta_minus": 0.3,
                                     "eta_plus": 1.5, "min_step_size": 0.01,
                                     "max_step_size": 0.5}})
  add("sgd/plain", {"sgd": {"learning_rate": 0.1}})
  add("sgd/momentum", {"sgd": {"learning_rate": 0.1, "momentum": 0.9}})
  add("sgd/nesterov", {"sgd": {"learning_rate": 0.1, "momentum": 0.9,
                               "nesterov": True}})
  add("sgd/schedule_exponential_decay", {"sgd": {"learning_rate": EXPD,
                                                 "momentum": 0.5}})
  add("sgd/schedule_sgdr", {"sgd": {"learning_rate": SGDR}})
  add("sign_sgd/default", {"sign_sgd": {"learning_rate": 0.05}})
  add("signum/default", {"signum": {"learning_rate": 0.05}})
  add("signum/beta", {"signum": {"learning_rate": 0.05, "beta": 0.5}})
  add("polyak_sgd/default", {"polyak_sgd": {}}, needs_value=True)
  add("polyak_sgd/nondefault", {"polyak_sgd": {
      "max_learning_rate": 0.3, "scaling": 0.5, "f_min": 0.5, "eps": 1e-3,
      "variant": "sps+"}}, needs_value=True)
  add("polyak_sgd/schedule_scaling", {"polyak_sgd": {
      "scaling": {"linear_schedule": {"init_value": 1.0, "end_value": 0.2,
                                      "transition_steps": 10}}}},
      needs_value=True)
  add("sm3/default", {"sm3": {"learning_rate": 0.1}}, tree="noscalar")
  add("sm3/big", {"sm3": {"learning_rate": 0.1, "momentum": 0.5}},
      tree="big_noscalar")
  add("yogi/default", {"yogi": {"learning_rate": 0.1}})
  add("yogi/schedule_cosine", {"yogi": {"learning_rate": COSD, "b1": 0.8,
                                        "eps": 1e-2}})
  add("optimistic_gradient_descent/default",
      {"optimistic_gradient_descent": {"learning_rate": 0.05}})
  add("optimistic_gradient_descent/alpha_beta",
      {"optimistic_gradient_descent": {"learning_rate": 0.05, "alpha": 0.5,
                                       "beta": 0.2}})
  add("optimistic_adam_v2/default",
      {"optimistic_adam_v2": {"learning_rate": 0.05}})
  add("optimistic_adam_v2/nondefault",
      {"optimistic_adam_v2": {"learning_rate": 0.05, "alpha": 0.5,
                              "beta": 0.3, "b1": 0.8, "eps": 1e-6,
                              "nesterov": False}})
  return c


NAN_CASES = [
    ("zero_nans/with_nan", descent({"zero_nans": {}})),
    ("chain/zero_nans_adam", {"chain": [
        {"zero_nans": {}}, {"adam": {"learning_rate": 0.1}}]}),
]
NAN_STEPS = {2, 5, 6, 11, 17}

SKIPPED = [
    {"name": "noisy_sgd", "reason": "random (adds Gaussian noise from a JAX "
     "PRNG key); not reproducible without JAX's threefry PRNG"},
    {"name": "add_noise", "reason": "random (Gaussian noise from a JAX PRNG "
     "key)"},
    {"name": "lbfgs", "reason": "out of scope (needs value_fn/line search)"},
    {"name": "scale_by_lbfgs", "reason": "out of scope (part of lbfgs)"},
    {"name": "scale_by_backtracking_linesearch",
     "reason": "out of scope (line search; needs value_fn)"},
    {"name": "scale_by_zoom_linesearch",
     "reason": "out of scope (line search; needs value_fn)"},
    {"name": "optimistic_adam", "reason": "deprecated in favour of "
     "optimistic_adam_v2 (DeprecationWarning); out of scope"},
]

# ---------------------------------------------------------------------------
# Schedules
# ---------------------------------------------------------------------------

SCHEDULE_STEPS = list(range(0, 121)) + [150, 200, 500, 1000, 5000]


def schedule_cases():
  c = []

  def add(name, spec):
    c.append((name, spec))

  add("constant_schedule/default", {"constant_schedule": {"value": 0.3}})
  add("polynomial_schedule/power2", {"polynomial_schedule": {
      "init_value": 1.0, "end_value": 0.01, "power": 2.0,
      "transition_steps": 100}})
  add("polynomial_schedule/power0.5_begin", {"polynomial_schedule": {
      "init_value": 0.1, "end_value": 1.0, "power": 0.5,
      "transition_steps": 50, "transition_begin": 20}})
  add("linear_schedule/default", {"linear_schedule": {
      "init_value": 1.0, "end_value": 0.0, "transition_steps": 100}})
  add("linear_schedule/begin", {"linear_schedule": {
      "init_value": 0.001, "end_value": 0.1, "transition_steps": 30,
      "transition_begin": 10}})
  add("piecewise_constant_schedule/default", {"piecewise_constant_schedule": {
      "init_value": 0.1, "boundaries_and_scales": {
          "10": 0.5, "50": 0.1, "100": 2.0}}})
  add("piecewise_constant_schedule/no_boundaries",
      {"piecewise_constant_schedule": {"init_value": 0.7}})
  add("piecewise_interpolate_schedule/linear",
      {"piecewise_interpolate_schedule": {
          "interpolate_type": "linear", "init_value": 1.0,
          "boundaries_and_scales": {"10": 0.5, "50": 0.1, "100": 4.0}}})
  add("piecewise_interpolate_schedule/cosine",
      {"piecewise_interpolate_schedule": {
          "interpolate_type": "cosine", "init_value": 1.0,
          "boundaries_and_scales": {"10": 0.5, "50": 0.1, "100": 4.0}}})
  add("piecewise_interpolate_schedule/no_boundaries",
      {"piecewise_interpolate_schedule": {
          "interpolate_type": "linear", "init_value": 0.25}})
  add("exponential_decay/plain", {"exponential_decay": {
      "init_value": 1.0, "transition_steps": 10, "decay_rate": 0.9}})
  add("exponential_decay/staircase", {"exponential_decay": {
      "init_value": 1.0, "transition_steps": 10, "decay_rate": 0.5,
      "staircase": True}})
  add("exponential_decay/end_value_decaying", {"exponential_decay": {
      "init_value": 1.0, "transition_steps": 5, "decay_rate": 0.8,
      "end_value": 0.05}})
  add("exponential_decay/end_value_growing", {"exponential_decay": {
      "init_value": 0.01, "transition_steps": 10, "decay_rate": 1.5,
      "end_value": 0.5}})
  add("exponential_decay/transition_begin", {"exponential_decay": {
      "init_value": 0.5, "transition_steps": 7, "decay_rate": 0.7,
      "transition_begin": 25, "staircase": True, "end_value": 0.01}})
  add("cosine_decay_schedule/default", {"cosine_decay_schedule": {
      "init_value": 1.0, "decay_steps": 100}})
  add("cosine_decay_schedule/alpha", {"cosine_decay_schedule": {
      "init_value": 0.5, "decay_steps": 80, "alpha": 0.1}})
  add("cosine_decay_schedule/exponent2", {"cosine_decay_schedule": {
      "init_value": 0.5, "decay_steps": 80, "alpha": 0.1, "exponent": 2.0}})
  add("warmup_constant_schedule/default", {"warmup_constant_schedule": {
      "init_value": 0.0, "peak_value": 0.5, "warmup_steps": 15}})
  add("warmup_cosine_decay_schedule/default",
      {"warmup_cosine_decay_schedule": {
          "init_value": 0.0, "peak_value": 1.0, "warmup_steps": 10,
          "decay_steps": 100}})
  add("warmup_cosine_decay_schedule/end_value_exponent",
      {"warmup_cosine_decay_schedule": {
          "init_value": 0.01, "peak_value": 0.3, "warmup_steps": 20,
          "decay_steps": 90, "end_value": 0.05, "exponent": 1.5}})
  add("warmup_cosine_decay_schedule/no_warmup",
      {"warmup_cosine_decay_schedule": {
          "init_value": 0.0, "peak_value": 1.0, "warmup_steps": 0,
          "decay_steps": 60}})
  add("warmup_exponential_decay_schedule/default",
      {"warmup_exponential_decay_schedule": {
          "init_value": 0.0, "peak_value": 1.0, "warmup_steps": 10,
          "transition_steps": 10, "decay_rate": 0.8}})
  add("warmup_exponential_decay_schedule/staircase_end",
      {"warmup_exponential_decay_schedule": {
          "init_value": 0.1, "peak_value": 1.0, "warmup_steps": 5,
          "transition_steps": 8, "decay_rate": 0.6, "transition_begin": 10,
          "staircase": True, "end_value": 0.2}})
  add("linear_onecycle_schedule/default", {"linear_onecycle_schedule": {
      "transition_steps": 100, "peak_value": 1.0}})
  add("linear_onecycle_schedule/nondefault", {"linear_onecycle_schedule": {
      "transition_steps": 80, "peak_value": 0.5, "pct_start": 0.2,
      "pct_final": 0.7, "div_factor": 10.0, "final_div_factor": 100.0}})
  add("cosine_onecycle_schedule/default", {"cosine_onecycle_schedule": {
      "transition_steps": 100, "peak_value": 1.0}})
  add("cosine_onecycle_schedule/nondefault", {"cosine_onecycle_schedule": {
      "transition_steps": 80, "peak_value": 0.5, "pct_start": 0.4,
      "div_factor": 5.0, "final_div_factor": 50.0}})
  add("sgdr_schedule/default", {"sgdr_schedule": {"cosine_kwargs": [
      {"init_value": 0.0, "peak_value": 1.0, "warmup_steps": 5,
       "decay_steps": 30},
      {"init_value": 0.0, "peak_value": 0.5, "warmup_steps": 5,
       "decay_steps": 40, "end_value": 0.01},
      {"init_value": 0.1, "peak_value": 0.25, "warmup_steps": 0,
       "decay_steps": 50, "exponent": 2.0}]}})
  add("join_schedules/default", {"join_schedules": {
      "schedules": [
          {"linear_schedule": {"init_value": 0.0, "end_value": 1.0,
                               "transition_steps": 20}},
          {"constant_schedule": {"value": 1.0}},
          {"cosine_decay_schedule": {"init_value": 1.0, "decay_steps": 50,
                                     "alpha": 0.05}}],
      "boundaries": [20, 40]}})
  add("join_schedules/nested", {"join_schedules": {
      "schedules": [
          {"exponential_decay": {"init_value": 1.0, "transition_steps": 5,
                                 "decay_rate": 0.5}},
          {"join_schedules": {"schedules": [
              {"constant_schedule": {"value": 0.2}},
              {"linear_schedule": {"init_value": 0.2, "end_value": 0.0,
                                   "transition_steps": 30}}],
              "boundaries": [15]}}],
      "boundaries": [30]}})
  return c


def run_schedule(name, spec):
  """Evaluates a schedule eagerly (op by op, no jit) at int32 steps.

  Eager evaluation is used on purpose: under jax.jit, XLA rewrites divisions
  by constants (e.g. `count / transition_steps`) into multiplications by the
  rounded reciprocal, which is not IEEE division and can be amplified (e.g.
  polynomial_schedule with power 0.5 at the end of the transition gives
  0.99987 instead of 1.0). Also returns the max |jit - eager| difference.
  """
  fn = build_schedule(spec)
  jfn = jax.jit(fn)
  vals, diffs = [], []
  for s in SCHEDULE_STEPS:
    step = jnp.asarray(s, dtype=jnp.int32)
    # Some schedules (constant_schedule, piecewise_constant_schedule without
    # boundaries) return the raw Python number; cast to float32 as Optax
    # does when the value is used.
    v = np.float32(np.asarray(fn(step)))
    assert np.isfinite(v), (name, s)
    vals.append(v)
    diffs.append(abs(float(np.float32(np.asarray(jfn(step)))) - float(v)))
  return {"name": name, "spec": spec, "steps": SCHEDULE_STEPS,
          "values": F32List(vals)}, max(diffs)


# ---------------------------------------------------------------------------
# Losses
# ---------------------------------------------------------------------------


def arr(x, dtype="float32"):
  x = np.asarray(x)
  if dtype == "int32":
    return {"dtype": "int32", "shape": list(x.shape),
            "data": [int(v) for v in x.reshape(-1)]}
  return {"dtype": "float32", "shape": list(x.shape),
          "data": F32List(x)}


def loss_cases():
  rng = np.random.default_rng(1234)

  def logits(shape, big=True):
    x = f32(rng.standard_normal(shape) * 2.0)
    if big:
      flat = x.reshape(-1)
      flat[0] = 30.0
      flat[1] = -30.0
      if flat.size > 5:
        flat[4] = 29.5
        flat[-1] = -31.0
    return x

  def probs(shape):
    z = rng.standard_normal(shape)
    e = np.exp(z - z.max(-1, keepdims=True))
    return f32(e / e.sum(-1, keepdims=True))

  c = []

  def add(name, fn, args, inputs):
    kw = {k: jnp.asarray(v) for k, v in inputs.items()}
    out = np.asarray(getattr(optax.losses, fn)(**kw, **args))
    assert np.all(np.isfinite(out)), name
    c.append({
        "name": name, "function": fn, "args": args,
        "inputs": {k: arr(v, "int32" if np.asarray(v).dtype.kind == "i"
                          else "float32") for k, v in inputs.items()},
        "output": arr(out.astype(np.float32)),
    })

  for shape in ([4, 3], [7]):
    tag = "x".join(map(str, shape))
    lg = logits(shape)
    hard = f32(rng.random(shape) < 0.5)
    # Make the large logits meet both label values.
    hard.reshape(-1)[0] = 0.0
    hard.reshape(-1)[1] = 1.0
    add(f"sigmoid_binary_cross_entropy/hard_{tag}",
        "sigmoid_binary_cross_entropy", {},
        {"logits": lg, "labels": hard})
    add(f"sigmoid_binary_cross_entropy/soft_{tag}",
        "sigmoid_binary_cross_entropy", {},
        {"logits": logits(shape), "labels": f32(rng.random(shape))})
    add(f"softmax_cross_entropy/{tag}", "softmax_cross_entropy", {},
        {"logits": logits(shape), "labels": probs(shape)})
    n_cls = shape[-1]
    lab = np.asarray(rng.integers(0, n_cls, size=shape[:-1]), dtype=np.int32)
    add(f"softmax_cross_entropy_with_integer_labels/{tag}",
        "softmax_cross_entropy_with_integer_labels", {},
        {"logits": logits(shape), "labels": lab})
    p = f32(rng.standard_normal(shape) * 3.0)
    t = f32(rng.standard_normal(shape))
    for fn in ("l2_loss", "squared_error"):
      add(f"{fn}/targets_{tag}", fn, {}, {"predictions": p, "targets": t})
      add(f"{fn}/no_targets_{tag}", fn, {}, {"predictions": p})
    add(f"huber_loss/targets_{tag}", "huber_loss", {},
        {"predictions": p, "targets": t})
    add(f"huber_loss/no_targets_{tag}", "huber_loss", {},
        {"predictions": p})
    add(f"huber_loss/delta0.5_{tag}", "huber_loss", {"delta": 0.5},
        {"predictions": p, "targets": t})
    add(f"huber_loss/delta0.5_no_targets_{tag}", "huber_loss",
        {"delta": 0.5}, {"predictions": p})
  # axis != -1 on a rank-2 input.
  add("softmax_cross_entropy/axis0_4x3", "softmax_cross_entropy",
      {"axis": 0},
      {"logits": logits([4, 3]), "labels": probs([3, 4]).T.copy()})
  add("softmax_cross_entropy_with_integer_labels/axis0_4x3",
      "softmax_cross_entropy_with_integer_labels", {"axis": 0},
      {"logits": logits([4, 3]),
       "labels": np.asarray(rng.integers(0, 4, size=[3]), dtype=np.int32)})
  # Extreme logits only.
  ext = f32([[30.0, -30.0, 0.0], [-30.0, 30.0, 30.0], [100.0, -100.0, 0.5],
             [0.0, 0.0, 0.0]])
  add("softmax_cross_entropy/extreme_4x3", "softmax_cross_entropy", {},
      {"logits": ext, "labels": f32([[0.0, 1.0, 0.0], [0.5, 0.25, 0.25],
                                     [0.0, 0.0, 1.0], [1 / 3, 1 / 3, 1 / 3]])})
  add("softmax_cross_entropy_with_integer_labels/extreme_4x3",
      "softmax_cross_entropy_with_integer_labels", {},
      {"logits": ext, "labels": np.asarray([1, 0, 1, 2], dtype=np.int32)})
  add("sigmoid_binary_cross_entropy/extreme_4x3",
      "sigmoid_binary_cross_entropy", {},
      {"logits": ext, "labels": f32([[0, 1, 0], [1, 0, 1], [0, 1, 1],
                                     [1, 0, 0.5]])})
  return c


# ---------------------------------------------------------------------------
# Signatures
# ---------------------------------------------------------------------------


def _default_json(d):
  if d is inspect.Parameter.empty:
    return None
  if d is None or isinstance(d, (bool, int, float, str)):
    return d
  if isinstance(d, type):
    return getattr(d, "__name__", repr(d))
  if callable(d):
    return f"<callable {getattr(d, '__name__', type(d).__name__)}>"
  try:
    return str(np.dtype(d))
  except TypeError:
    return repr(d)


def signatures(names):
  out = {}
  for name in names:
    fn = getattr(optax, name, None)
    if fn is None:
      fn = getattr(optax.losses, name)
    sig = inspect.signature(fn)
    rows = []
    for p in sig.parameters.values():
      d = p.default
      rows.append([p.name, _default_json(d), p.kind.name,
                   d is not inspect.Parameter.empty])
    out[name] = rows
  return out


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------


def spec_functions(spec, acc):
  """Collects every function name used in a spec (transforms + schedules)."""
  if isinstance(spec, dict):
    if len(spec) == 1:
      (k, v), = spec.items()
      if hasattr(optax, k):
        acc.add(k)
    for v in spec.values():
      spec_functions(v, acc)
  elif isinstance(spec, list):
    for v in spec:
      spec_functions(v, acc)
  return acc


def main():
  if optax.__version__ != EXPECTED_OPTAX or jax.__version__ != EXPECTED_JAX:
    print(f"WARNING: expected optax {EXPECTED_OPTAX} / jax {EXPECTED_JAX}, "
          f"got optax {optax.__version__} / jax {jax.__version__}",
          file=sys.stderr)
  os.makedirs(DATA, exist_ok=True)
  warnings.simplefilter("ignore", DeprecationWarning)

  meta = {
      "optax_version": optax.__version__,
      "jax_version": jax.__version__,
      "jaxlib_version": __import__("jaxlib").__version__,
      "numpy_version": np.__version__,
      "backend": jax.default_backend(),
      "generator": "tests/golden/generate.py",
  }
  trees = {k: {"paths": v[0], "shapes": v[1]} for k, v in TREES.items()}

  # -- transforms ----------------------------------------------------------
  cases, nan_cases = [], []
  names_seen = set()
  used = set()
  for name, spec, kw in block_cases() + alias_cases():
    assert name not in names_seen, name
    names_seen.add(name)
    tree = kw.pop("tree", "default")
    cases.append(run_case(name, spec, tree=tree, **kw))
    spec_functions(spec, used)
  for name, spec in NAN_CASES:
    nan_cases.append(run_case(name, spec, nan_steps=NAN_STEPS))
    spec_functions(spec, used)
  transforms = {
      "meta": dict(meta, trees=trees, description=(
          "Optimiser trajectories. For each case: params0 ~ N(0,1) and "
          "target ~ N(0,1) (numpy default_rng seeded with crc32(name)); at "
          "step t: grads = 2*(p - target) + 0.1*noise_t (float32, stored), "
          "updates, state = jit(tx.update)(grads, state, params, **extra), "
          "params = optax.apply_updates(params, updates). extra = "
          "{value: <step value>} iff the step's `value` is not null "
          "(scale_by_polyak / polyak_sgd; value = sum over leaves of "
          "sum((p - target)^2) in float32, before the step). Params are a "
          "flat dict {path: float32 array}; leaves are listed in `paths` "
          "order (= jax's sorted dict-key order); every array is stored "
          "flattened in row-major (C) order, a rank-0 leaf as a 1-element "
          "list. Building blocks that are not descent directions are "
          "wrapped as chain(block, scale(step_size)) so that every "
          "trajectory is a descent; the spec says so explicitly."),
          float_format=(
              "Floats are float32 values written as the shortest decimal "
              "that round-trips exactly (verified both for direct f32 "
              "parsing and for f64 parsing followed by a cast to f32)."),
          nan_format=(
              "In nan_cases, grads entries that are NaN are written as the "
              "JSON string \"NaN\" (JSON has no NaN). No other field ever "
              "holds NaN."),
          spec_format=(
              "spec = {optax_function_name: {optax_arg_name: value}}; "
              "omitted args take Optax defaults; see tests/golden/README.md")),
      "skipped": SKIPPED,
      "cases": cases,
      "nan_cases": nan_cases,
  }
  results = [write("transforms.json", transforms)]

  # -- schedules -----------------------------------------------------------
  sched = []
  max_eager_diff = 0.0
  for name, spec in schedule_cases():
    case, d = run_schedule(name, spec)
    max_eager_diff = max(max_eager_diff, d)
    sched.append(case)
    spec_functions(spec, used)
  results.append(write("schedules.json", {
      "meta": dict(meta, description=(
          "Schedule values: values[i] = float32(schedule(jnp.asarray("
          "steps[i], jnp.int32))) evaluated eagerly (no jit: under jit XLA "
          "turns x / const into x * (1/const), which is not IEEE division "
          "and differs by a few ulp, more for power < 1). spec format as "
          "in transforms.json; boundaries_and_scales keys are steps as "
          "strings.")),
      "cases": sched,
  }))
  print(f"note: schedules, max |jit - eager| = {max_eager_diff:.3g} "
        "(eager values are stored)", file=sys.stderr)

  # -- losses --------------------------------------------------------------
  losses = loss_cases()
  results.append(write("losses.json", {
      "meta": dict(meta, description=(
          "Loss values: output = optax.losses.<function>(**inputs, **args). "
          "Arrays are {dtype, shape, data} with data flattened row-major; "
          "int32 arrays hold integers.")),
      "cases": losses,
  }))

  # -- signatures ----------------------------------------------------------
  sig_names = sorted(used | {
      "identity", "set_to_zero", "scale", "scale_by_learning_rate",
      "scale_by_schedule", "noisy_sgd", "add_noise", "chain", "named_chain",
      "masked", "partition", "freeze", "selective_transform",
  } | SCHEDULE_NAMES)
  loss_names = sorted({c["function"] for c in losses})
  sigs = signatures(sig_names + loss_names)
  results.append(write("signatures.json", {
      "meta": dict(meta, description=(
          "inspect.signature of every function used: {name: [[arg_name, "
          "default_or_null, kind, has_default], ...]}. default is null both "
          "for a None default and for no default; has_default tells them "
          "apart. kind is inspect.Parameter.kind "
          "(POSITIONAL_OR_KEYWORD, KEYWORD_ONLY, VAR_POSITIONAL, ...). "
          "Non-JSON defaults (dtypes, callables) are written as strings.")),
      "signatures": sigs,
  }))

  for path, size in results:
    print(f"{os.path.relpath(path, HERE)}: {size} bytes")
  print(f"{len(cases)} transform cases, {len(nan_cases)} nan cases, "
        f"{len(sched)} schedules, {len(losses)} losses, "
        f"{len(sigs)} signatures")


if __name__ == "__main__":
  main()
