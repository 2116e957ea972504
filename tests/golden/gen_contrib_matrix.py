#!/usr/bin/env python3
"""Golden data for optax.contrib's matrix and curvature optimizers.

Usage (from tests/golden):
    python3 gen_contrib_matrix.py

Writes data/contrib_matrix.json from Optax 0.2.8 (JAX CPU, float32):

- `cases`: 20-step spec trajectories (generate.run_case: gradients
  2 (p - target) + 0.1 noise) of muon, scale_by_muon, sam (transparent mode)
  and normalize, on trees of ranks 0..3 (and a tree of matrices for
  scale_by_muon, which Optax applies to rank >= 2 leaves only).
- `extra_cases`: trajectories whose update takes a function: sophia and
  hutchinson_estimator_diag_hessian (`obj_fn`, the loss
  sum((p - target)^2) + 0.1 sum(noise_t p)), and sam in opaque mode
  (`grad_fn`, its gradient). `target` and each step's `noise` are recorded so
  that the Rust test can rebuild the same function. The loss is a quadratic
  with Hessian 2 I, so Hutchinson's estimate z (H z) is exactly 2 whatever the
  random signs z: JAX's PRNG does not have to be reproduced.
"""

import zlib

import generate as g  # sets JAX_PLATFORMS=cpu and float32 before jax loads

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402
from optax import contrib  # noqa: E402

g.TREES["matrices"] = (["c_matrix", "d_tensor", "e_wide"],
                       [[6, 4], [2, 3, 4], [3, 5]])


def _axes(v):
  return tuple(v) if isinstance(v, list) else v


def _dim_nums(v):
  if v is None:
    return None
  return contrib.MuonDimensionNumbers(
      reduction_axis=_axes(v.get("reduction_axis", 0)),
      output_axis=_axes(v.get("output_axis", 1)))


def _weight_dims(v, paths):
  if v is None:
    return None
  if set(v) <= {"reduction_axis", "output_axis"} and v:
    return _dim_nums(v)
  return {p: _dim_nums(v[p]) for p in paths}


def _coeffs(v):
  if isinstance(v, list) and v and isinstance(v[0], list):
    return tuple(tuple(r) for r in v)
  return tuple(v) if isinstance(v, list) else v


def _plain(args, paths, skip=()):
  kw = {}
  for k, v in args.items():
    if k in skip:
      continue
    if k in g.MASK_ARGS:
      kw[k] = g.build_mask(v, paths)
    elif g.is_schedule_spec(v):
      kw[k] = g.build_schedule(v)
    else:
      kw[k] = v
  return kw


def build_muon(args, paths):
  kw = _plain(args, paths, skip=("muon_weight_dimension_numbers", "ns_coeffs"))
  if "ns_coeffs" in args:
    kw["ns_coeffs"] = _coeffs(args["ns_coeffs"])
  if "muon_weight_dimension_numbers" in args:
    kw["muon_weight_dimension_numbers"] = _weight_dims(
        args["muon_weight_dimension_numbers"], paths)
  return contrib.muon(**kw)


def build_scale_by_muon(args, paths):
  kw = _plain(args, paths, skip=("weight_dimension_numbers", "ns_coeffs"))
  if "ns_coeffs" in args:
    kw["ns_coeffs"] = _coeffs(args["ns_coeffs"])
  if "weight_dimension_numbers" in args:
    kw["weight_dimension_numbers"] = _weight_dims(
        args["weight_dimension_numbers"], paths)
  return contrib.scale_by_muon(**kw)


def build_sam(args, paths):
  kw = _plain(args, paths, skip=("optimizer", "adv_optimizer"))
  return contrib.sam(g.build(args["optimizer"], paths),
                     g.build(args["adv_optimizer"], paths), **kw)


def build_hutchinson(args, paths):
  seed = args.get("random_seed")
  key = None if seed is None else jax.random.PRNGKey(seed)
  return contrib.hutchinson_estimator_diag_hessian(random_seed=key)


def build_sophia(args, paths):
  kw = _plain(args, paths, skip=("hessian_diagonal_fn",))
  if args.get("hessian_diagonal_fn") is not None:
    kw["hessian_diagonal_fn"] = g.build(args["hessian_diagonal_fn"], paths)
  return contrib.sophia(**kw)


def _galore_dims(v, paths):
  if v is None:
    return None
  conv = lambda d: None if d is None else contrib.GaLoreDimensionNumbers(  # noqa: E731
      reduction_axis=_axes(d.get("reduction_axis", 0)),
      output_axis=_axes(d.get("output_axis", 1)))
  if set(v) <= {"reduction_axis", "output_axis"} and v:
    return conv(v)
  return {p: conv(v[p]) for p in paths}


def build_galore(fn):
  def builder(args, paths):
    kw = _plain(args, paths, skip=("base_optimizer", "weight_dimension_numbers"))
    if args.get("base_optimizer") is not None:
      kw["base_optimizer"] = g.build(args["base_optimizer"], paths)
    if "weight_dimension_numbers" in args:
      kw["weight_dimension_numbers"] = _galore_dims(
          args["weight_dimension_numbers"], paths)
    return fn(**kw)
  return builder


for _name, _fn in [("galore", build_galore(contrib.galore)),
                   ("scale_by_galore", build_galore(contrib.scale_by_galore)),
                   ("muon", build_muon), ("scale_by_muon", build_scale_by_muon),
                   ("sam", build_sam),
                   ("hutchinson_estimator_diag_hessian", build_hutchinson),
                   ("sophia", build_sophia)]:
  g.EXTRA_BUILDERS[_name] = _fn
  g.EXTRA_BUILDERS["contrib." + _name] = _fn


def run_extra_case(name, spec, kind, tree="default", steps=20):
  """A trajectory whose update takes `obj_fn` (kind "obj_fn") or `grad_fn`."""
  paths, shapes = g.TREES[tree]
  rng = np.random.default_rng(g.seed_of(name))
  p0 = {p: g.f32(rng.standard_normal(s)) for p, s in zip(paths, shapes)}
  target = {p: g.f32(rng.standard_normal(s)) for p, s in zip(paths, shapes)}
  noises = [{p: g.f32(rng.standard_normal(s)) for p, s in zip(paths, shapes)}
            for _ in range(steps)]
  tx = g.build(spec, paths)
  params = {p: jnp.asarray(v) for p, v in p0.items()}
  state = tx.init(params)
  tj = {p: jnp.asarray(v) for p, v in target.items()}
  out_steps = []
  for t in range(steps):
    noise = {p: jnp.asarray(v) for p, v in noises[t].items()}

    def obj_fn(q, noise=noise):
      return sum(jnp.sum((q[p] - tj[p]) ** 2) + jnp.float32(0.1)
                 * jnp.sum(noise[p] * q[p]) for p in paths)

    def grad_fn(q, i, noise=noise):
      del i
      return {p: jnp.float32(2.0) * (q[p] - tj[p]) + jnp.float32(0.1) * noise[p]
              for p in paths}

    pn = {p: np.asarray(params[p], dtype=np.float32) for p in paths}
    gr = {p: (np.float32(2.0) * (pn[p] - target[p])
              + np.float32(0.1) * noises[t][p]).astype(np.float32)
          for p in paths}
    gj = {p: jnp.asarray(v) for p, v in gr.items()}
    if kind == "obj_fn":
      updates, state = tx.update(gj, state, params, obj_fn=obj_fn)
    else:
      updates, state = tx.update(gj, state, params, grad_fn=grad_fn)
    params = optax.apply_updates(params, updates)
    for p in paths:
      if not np.all(np.isfinite(np.asarray(params[p]))):
        raise FloatingPointError(f"{name}: non-finite at step {t}")
    out_steps.append({
        "grads": g.leaves(gr, paths),
        "noise": g.leaves(noises[t], paths),
        "updates": g.leaves(updates, paths),
        "params": g.leaves(params, paths),
    })
  return {
      "name": name,
      "spec": spec,
      "kind": kind,
      "paths": paths,
      "shapes": shapes,
      "params0": g.leaves(p0, paths),
      "target": g.leaves(target, paths),
      "steps": out_steps,
  }


BIG_DIMS = {"a_scalar": None, "b_vector": None,
            "c_matrix": {"reduction_axis": 1, "output_axis": 0},
            "d_tensor": {"reduction_axis": 1, "output_axis": 2}}
MAT_DIMS = {"c_matrix": {"reduction_axis": 0, "output_axis": 1},
            "d_tensor": {"reduction_axis": [1], "output_axis": [2]},
            "e_wide": {"reduction_axis": -2, "output_axis": -1}}
SGD = lambda lr: {"sgd": {"learning_rate": lr}}  # noqa: E731
ADV = {"chain": [{"normalize": {}}, SGD(0.05)]}


def cases():
  out = []
  add = lambda name, spec, tree="default": out.append(  # noqa: E731
      g.run_case(name, spec, tree=tree))
  add("muon_default", {"muon": {"learning_rate": 0.02}}, "big")
  add("muon_default_small", {"contrib.muon": {"learning_rate": 0.05}})
  add("muon_plain_rms_decay", {"muon": {
      "learning_rate": 0.02, "beta": 0.9, "nesterov": False,
      "weight_decay": 0.1, "consistent_rms": 0.2, "adam_b1": 0.8,
      "adam_b2": 0.99, "adam_weight_decay": 0.01,
      "adam_learning_rate": 0.01}}, "big")
  add("muon_aol", {"muon": {"learning_rate": 0.02,
                            "preconditioning": "aol"}}, "big")
  add("muon_schatten", {"muon": {"learning_rate": 0.02,
                                 "preconditioning": "schatten",
                                 "ns_steps": 3}}, "big")
  add("muon_spectral", {"muon": {"learning_rate": 0.02,
                                 "preconditioning": "spectral"}}, "big")
  add("muon_dion", {"muon": {"learning_rate": 0.02, "ns_coeffs": "dion"}},
      "big")
  add("muon_adaptive", {"muon": {"learning_rate": 0.02, "adaptive": True,
                                 "eps": 1e-6}}, "big")
  add("muon_dims", {"muon": {"learning_rate": 0.02,
                             "muon_weight_dimension_numbers": BIG_DIMS}},
      "big")
  add("muon_schedule_mask", {"muon": {
      "learning_rate": g.WCOS, "weight_decay": 0.05,
      "weight_decay_mask": {"a_scalar": True, "b_vector": True,
                            "c_matrix": False}}})
  add("scale_by_muon_dims", g.descent({"scale_by_muon": {
      "weight_dimension_numbers": MAT_DIMS}}, -0.05), "matrices")
  add("scale_by_muon_table", g.descent({"scale_by_muon": {
      "ns_coeffs": [[4.0848, -6.8946, 2.9270], [3.4445, -4.7750, 2.0315]],
      "ns_steps": 4, "beta": 0.8, "nesterov": False,
      "preconditioning": "schatten",
      "weight_dimension_numbers": MAT_DIMS}}, -0.05), "matrices")
  add("scale_by_muon_row_aol", g.descent({"scale_by_muon": {
      "ns_coeffs": [3.0, -3.2, 1.2], "ns_steps": 2, "adaptive": True,
      "preconditioning": "aol",
      "weight_dimension_numbers": MAT_DIMS}}, -0.05), "matrices")
  add("normalize", g.descent({"normalize": {}}, -0.05))
  add("contrib.normalize", g.descent({"contrib.normalize": {}}, -0.05), "big")
  add("sam_default", {"sam": {"optimizer": SGD(0.05), "adv_optimizer": ADV}})
  add("sam_adam_sync3_noreset", {"sam": {
      "optimizer": {"adam": {"learning_rate": 0.05}},
      "adv_optimizer": {"chain": [{"normalize": {}},
                                  {"adam": {"learning_rate": 0.02}}]},
      "sync_period": 3, "reset_state": False}}, "big")
  add("sam_sync1", {"contrib.sam": {"optimizer": SGD(0.1),
                                    "adv_optimizer": ADV, "sync_period": 1}})
  add("galore_default", {"galore": {"learning_rate": 0.05, "rank": 2}}, "big")
  add("galore_dims_decay", {"galore": {
      "learning_rate": 0.05, "rank": 2, "weight_decay": 0.01,
      "weight_dimension_numbers": {
          "a_scalar": None, "b_vector": None,
          "c_matrix": {"reduction_axis": 0, "output_axis": 1},
          "d_tensor": {"reduction_axis": 0, "output_axis": [1, 2]}}}}, "big")
  add("galore_tall_adam", {"contrib.galore": {
      "learning_rate": 0.05, "rank": 3, "scale": 0.5,
      "base_optimizer": {"scale_by_adam": {"b1": 0.8, "b2": 0.99}}}},
      "matrices")
  add("scale_by_galore_gap5", g.descent({"scale_by_galore": {
      "rank": 2, "update_proj_gap": 5,
      "base_optimizer": {"scale": {"step_size": 1.0}}}}, -0.1))
  return out


def extra_cases():
  return [
      run_extra_case("sophia_default", {"sophia": {"learning_rate": 0.05}},
                     "obj_fn"),
      run_extra_case("sophia_args", {"sophia": {
          "learning_rate": 0.05, "b1": 0.9, "b2": 0.95, "gamma": 0.05,
          "weight_decay": 0.01, "clip_threshold": 0.5, "update_interval": 3,
          "hessian_diagonal_fn": {"hutchinson_estimator_diag_hessian": {
              "random_seed": 5}}}}, "obj_fn", tree="big"),
      run_extra_case("hutchinson", g.descent(
          {"hutchinson_estimator_diag_hessian": {}}, -0.01), "obj_fn"),
      run_extra_case("sam_opaque", {"sam": {
          "optimizer": SGD(0.05), "adv_optimizer": ADV,
          "opaque_mode": True}}, "grad_fn"),
      run_extra_case("sam_opaque_sync3", {"sam": {
          "optimizer": {"adam": {"learning_rate": 0.05}},
          "adv_optimizer": ADV, "sync_period": 3, "opaque_mode": True,
          "reset_state": False}}, "grad_fn", tree="big"),
  ]


def main():
  assert optax.__version__ == g.EXPECTED_OPTAX, optax.__version__
  meta = {
      "optax_version": optax.__version__,
      "jax_version": jax.__version__,
      "numpy_version": np.__version__,
      "backend": jax.default_backend(),
      "generator": "tests/golden/gen_contrib_matrix.py",
      "trees": {k: {"paths": v[0], "shapes": v[1]} for k, v in g.TREES.items()},
      "description": (
          "optax.contrib muon, scale_by_muon, sam, normalize, galore, "
          "scale_by_galore (cases: generate.run_case trajectories, 20 steps, "
          "gradients 2 (p - target) + 0.1 noise), and sophia, "
          "hutchinson_estimator_diag_hessian, sam opaque mode (extra_cases: "
          "the update takes obj_fn = sum((p - target)^2) + 0.1 sum(noise p) "
          "or grad_fn = its gradient; target and each step's noise are "
          "recorded)."),
  }
  data = {"meta": meta, "cases": cases(), "extra_cases": extra_cases()}
  path, size = g.write("contrib_matrix.json", data)
  print(f"wrote {path} ({size} bytes)")


if __name__ == "__main__":
  main()
