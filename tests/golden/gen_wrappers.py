#!/usr/bin/env python3
"""Golden data for Optax's wrappers and monitors.

Usage (from tests/golden):
    python3 gen_wrappers.py

Writes data/wrappers.json: 20-step trajectories (leaves of rank 0, 1, 2) of
flatten, MultiSteps (with skip_not_finite / skip_large_updates),
apply_if_finite, conditionally_transform, conditionally_mask,
with_extra_args_support, snapshot, monitor and measure_with_ema, recorded by
generate.py's run_case from the same JSON specs the Rust side builds; and of
lookahead, whose parameters are LookaheadParams(fast, slow) (own loop below).

Arguments that are functions in Optax are written in the spec as follows (the
Rust spec reader accepts exactly these forms):
  * should_skip_update_fn: "skip_not_finite", or
    {"skip_large_updates": {"max_squared_norm": x}};
  * should_transform_fn (a function of the int32 step count):
    {"every_k": k}  -> step % k == 0,
    {"after": n}    -> step >= n,
    {"before": n}   -> step < n,
    a schedule spec or a number -> schedule(step) > 0;
  * measure (snapshot, measure_with_ema, monitor): "norm" (optax.tree.norm),
    "sum" (optax.tree.sum), "max" (optax.tree.max), "min" (optax.tree.min),
    "identity" (the updates themselves).
  * monitor's measures: {name: measure or a transformation spec}.
"""

import functools
import warnings
import zlib

import generate as g  # sets JAX_PLATFORMS=cpu and float32 before jax loads

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

MEASURES = {
    "norm": optax.tree.norm,
    "sum": optax.tree.sum,
    "max": optax.tree.max,
    "min": optax.tree.min,
    "identity": lambda u: u,
}


def measure(v):
  return MEASURES[v]


def skip_fn(v):
  if v is None:
    return None
  if v == "skip_not_finite":
    return optax.skip_not_finite
  name, args = g._single(v, "should_skip_update_fn")
  assert name == "skip_large_updates", name
  return functools.partial(optax.skip_large_updates,
                           max_squared_norm=args["max_squared_norm"])


def condition_fn(v):
  if isinstance(v, (int, float)):
    return lambda step, **kw: jnp.asarray(v) > 0
  name, args = g._single(v, "should_transform_fn")
  if name == "every_k":
    return lambda step, **kw: step % args == 0
  if name == "after":
    return lambda step, **kw: step >= args
  if name == "before":
    return lambda step, **kw: step < args
  sched = g.build_schedule(v)
  return lambda step, **kw: sched(step) > 0


def every_k(v):
  if isinstance(v, int):
    return v
  sched = g.build_schedule(v)
  return lambda step: jnp.asarray(sched(step)).astype(jnp.int32)


def b_flatten(args, paths):
  return optax.flatten(g.build(args["inner"], paths))


def b_multisteps(args, paths):
  kw = {}
  if "use_grad_mean" in args:
    kw["use_grad_mean"] = args["use_grad_mean"]
  if args.get("should_skip_update_fn") is not None:
    kw["should_skip_update_fn"] = skip_fn(args["should_skip_update_fn"])
  return optax.MultiSteps(g.build(args["opt"], paths),
                          every_k(args["every_k_schedule"]), **kw)


def b_apply_if_finite(args, paths):
  return optax.apply_if_finite(g.build(args["inner"], paths),
                               args["max_consecutive_errors"])


def b_conditionally(fn):
  def b(args, paths):
    kw = {}
    if "forward_extra_args" in args:
      kw["forward_extra_args"] = args["forward_extra_args"]
    return fn(g.build(args["inner"], paths),
              condition_fn(args["should_transform_fn"]), **kw)
  return b


def b_lookahead(args, paths):
  kw = {k: v for k, v in args.items() if k != "fast_optimizer"}
  return optax.lookahead(g.build(args["fast_optimizer"], paths), **kw)


def b_with_extra_args_support(args, paths):
  return optax.with_extra_args_support(g.build(args["tx"], paths))


def b_snapshot(args, paths):
  return optax.snapshot(args["measure_name"], measure(args["measure"]))


def b_measure_with_ema(args, paths):
  kw = {k: v for k, v in args.items() if k != "measure"}
  return optax.measure_with_ema(measure(args["measure"]), **kw)


def b_monitor(args, paths):
  ms = {}
  for name, v in args["measures"].items():
    ms[name] = measure(v) if isinstance(v, str) else g.build(v, paths)
  return optax.monitor(ms)


g.EXTRA_BUILDERS.update({
    "flatten": b_flatten,
    "MultiSteps": b_multisteps,
    "apply_if_finite": b_apply_if_finite,
    "conditionally_transform": b_conditionally(optax.conditionally_transform),
    "conditionally_mask": b_conditionally(optax.conditionally_mask),
    "lookahead": b_lookahead,
    "with_extra_args_support": b_with_extra_args_support,
    "snapshot": b_snapshot,
    "measure_with_ema": b_measure_with_ema,
    "monitor": b_monitor,
})

ADAM = {"adam": {"learning_rate": 0.05}}
SGDM = {"sgd": {"learning_rate": 0.05, "momentum": 0.9}}
NAN_STEPS = {2, 5, 6, 11, 17}


def cases():
  c = []

  def add(name, spec, **kw):
    c.append((name, spec, kw))

  # flatten
  add("flatten_adam", {"flatten": {"inner": ADAM}})
  add("flatten_sgd_momentum", {"flatten": {"inner": SGDM}})
  add("flatten_clip_adamw", {"flatten": {"inner": {"chain": [
      {"clip_by_global_norm": {"max_norm": 1.0}},
      {"adamw": {"learning_rate": 0.03, "weight_decay": 0.1}}]}}})
  add("flatten_polyak_sgd", {"flatten": {"inner": {"polyak_sgd": {
      "max_learning_rate": 0.5}}}}, needs_value=True)
  # MultiSteps
  add("multisteps_k1_adam", {"MultiSteps": {"opt": ADAM,
                                            "every_k_schedule": 1}})
  add("multisteps_k4_adam", {"MultiSteps": {"opt": ADAM,
                                            "every_k_schedule": 4}})
  add("multisteps_k3_sum_sgd", {"MultiSteps": {
      "opt": SGDM, "every_k_schedule": 3, "use_grad_mean": False}})
  add("multisteps_schedule_k", {"MultiSteps": {
      "opt": {"adamw": {"learning_rate": 0.05}},
      "every_k_schedule": {"piecewise_constant_schedule": {
          "init_value": 1.0, "boundaries_and_scales": {"2": 3.0, "4": 2.0}}}}})
  add("multisteps_skip_large", {"MultiSteps": {
      "opt": ADAM, "every_k_schedule": 2,
      "should_skip_update_fn": {"skip_large_updates": {
          "max_squared_norm": 40.0}}}})
  add("multisteps_skip_not_finite", {"MultiSteps": {
      "opt": ADAM, "every_k_schedule": 2,
      "should_skip_update_fn": "skip_not_finite"}}, nan_steps=NAN_STEPS)
  add("multisteps_polyak_value", {"MultiSteps": {
      "opt": {"polyak_sgd": {"max_learning_rate": 0.5}},
      "every_k_schedule": 2}}, needs_value=True)
  # apply_if_finite
  add("apply_if_finite_adam", {"apply_if_finite": {
      "inner": ADAM, "max_consecutive_errors": 3}}, nan_steps=NAN_STEPS)
  add("apply_if_finite_sgd_momentum", {"apply_if_finite": {
      "inner": SGDM, "max_consecutive_errors": 2}}, nan_steps=NAN_STEPS)
  add("apply_if_finite_finite", {"apply_if_finite": {
      "inner": {"rmsprop": {"learning_rate": 0.01}},
      "max_consecutive_errors": 0}})
  # conditionally_transform / conditionally_mask
  for fn in ("conditionally_transform", "conditionally_mask"):
    add(f"{fn}_every_2_adam", {fn: {
        "inner": ADAM, "should_transform_fn": {"every_k": 2}}})
    add(f"{fn}_after_5_sgd", {fn: {
        "inner": {"chain": [{"scale_by_adam": {}}, {"scale": {
            "step_size": -0.05}}]},
        "should_transform_fn": {"after": 5}}})
    add(f"{fn}_before_7_sgd", {fn: {
        "inner": SGDM, "should_transform_fn": {"before": 7},
        "forward_extra_args": True}})
    add(f"{fn}_schedule", {fn: {
        "inner": {"chain": [{"clip_by_global_norm": {"max_norm": 0.5}},
                            {"scale": {"step_size": -0.2}}]},
        "should_transform_fn": {"linear_schedule": {
            "init_value": 1.0, "end_value": -1.0, "transition_steps": 10,
            "transition_begin": 2}}}})
  # conditionally_transform with an outer descent: pass-through of raw
  # gradients on the off steps would ascend, so scale them down.
  # with_extra_args_support
  add("with_extra_args_support_sgd", {"with_extra_args_support": {
      "tx": SGDM}})
  add("with_extra_args_support_polyak", {"with_extra_args_support": {
      "tx": {"polyak_sgd": {"max_learning_rate": 0.5}}}}, needs_value=True)
  # monitors in a chain (updates pass through them)
  add("snapshot_norm", {"chain": [
      SGDM, {"snapshot": {"measure_name": "n", "measure": "norm"}},
      {"clip_by_global_norm": {"max_norm": 0.3}}]})
  add("monitor_norm_ema", {"chain": [
      SGDM, {"monitor": {"measures": {
          "norm_before_clip": "norm",
          "norm_ema": {"measure_with_ema": {"measure": "norm",
                                            "decay": 0.9}},
          "sum_ema_nodebias": {"measure_with_ema": {
              "measure": "sum", "decay": 0.5, "debias": False}},
          "mom": {"trace": {"decay": 0.5}}}}},
      {"clip_by_global_norm": {"max_norm": 0.3}}]})
  return c


# The measurements recorded in the state, per case: compared step by step.
MEASURED = {
    "snapshot_norm": ["n"],
    "monitor_norm_ema": ["norm_before_clip", "norm_ema", "sum_ema_nodebias",
                         "mom"],
}


def state_measurements(state, names, paths):
  """The measurements named `names` in `state`, each as a list of leaves."""
  out = {}
  for n in names:
    m = optax.tree.get(state, n)
    if isinstance(m, dict):
      out[n] = [g.F32List(np.asarray(m[p]).reshape(-1)) for p in paths]
    else:
      out[n] = [g.F32List(np.asarray(m).reshape(-1))]
  return out


def add_measurements(case, names):
  """Replays `case`'s recorded gradients and stores the state's measurements
  after each step in `case["measurements"]`."""
  paths = case["paths"]
  shapes = case["shapes"]
  tx = g.build(case["spec"], paths)

  def tree(leaves):
    return {p: jnp.asarray(np.asarray(l.values, np.float32).reshape(s))
            for p, l, s in zip(paths, leaves, shapes)}

  params = tree(case["params0"])
  state = tx.init(params)
  update = jax.jit(tx.update)
  out = []
  for step in case["steps"]:
    updates, state = update(tree(step["grads"]), state, params)
    params = optax.apply_updates(params, updates)
    out.append(state_measurements(state, names, paths))
  case["measurements"] = out


def run_lookahead(name, spec, steps=20):
  paths, shapes = g.TREES["default"]
  rng = np.random.default_rng(g.seed_of(name))
  p0 = {p: g.f32(rng.standard_normal(s)) for p, s in zip(paths, shapes)}
  target = {p: g.f32(rng.standard_normal(s)) for p, s in zip(paths, shapes)}
  noises = [{p: g.f32(rng.standard_normal(s)) for p, s in zip(paths, shapes)}
            for _ in range(steps)]
  tx = g.build(spec, paths)
  params = optax.LookaheadParams.init_synced(
      {p: jnp.asarray(v) for p, v in p0.items()})
  state = tx.init(params)
  update = jax.jit(tx.update)
  out = []
  for t in range(steps):
    fast = {p: np.asarray(params.fast[p], np.float32) for p in paths}
    gr = {p: (np.float32(2.0) * (fast[p] - target[p])
              + np.float32(0.1) * noises[t][p]).astype(np.float32)
          for p in paths}
    updates, state = update({p: jnp.asarray(v) for p, v in gr.items()},
                            state, params)
    params = optax.apply_updates(params, updates)
    out.append({
        "grads": g.leaves(gr, paths),
        "updates": g.leaves(updates.fast, paths)
                   + g.leaves(updates.slow, paths),
        "params": g.leaves(params.fast, paths) + g.leaves(params.slow, paths),
    })
  return {
      "name": name,
      "spec": spec,
      "paths": ["fast." + p for p in paths] + ["slow." + p for p in paths],
      "shapes": shapes + shapes,
      "params0": g.leaves(p0, paths) + g.leaves(p0, paths),
      "steps": out,
  }


def lookahead_cases():
  return [
      ("lookahead_sgd_5", {"lookahead": {
          "fast_optimizer": {"sgd": {"learning_rate": 0.05}},
          "sync_period": 5, "slow_step_size": 0.5}}),
      ("lookahead_adam_3_reset", {"lookahead": {
          "fast_optimizer": ADAM, "sync_period": 3, "slow_step_size": 0.3,
          "reset_state": True}}),
      ("lookahead_sgdm_1", {"lookahead": {
          "fast_optimizer": SGDM, "sync_period": 1,
          "slow_step_size": 0.8}}),
      ("lookahead_adam_4", {"lookahead": {
          "fast_optimizer": ADAM, "sync_period": 4,
          "slow_step_size": 0.6}}),
  ]


def main():
  warnings.simplefilter("ignore", DeprecationWarning)
  out = []
  for name, spec, kw in cases():
    case = g.run_case(name, spec, **kw)
    if name in MEASURED:
      add_measurements(case, MEASURED[name])
    out.append(case)
  look = [run_lookahead(n, s) for n, s in lookahead_cases()]
  path, size = g.write("wrappers.json", {
      "meta": {
          "optax_version": optax.__version__,
          "jax_version": jax.__version__,
          "generator": "tests/golden/gen_wrappers.py",
          "description": (
              "cases: generate.py's run_case trajectories (see "
              "transforms.json's meta); the function arguments are "
              "written as gen_wrappers.py's docstring says. lookahead: "
              "params = LookaheadParams.init_synced(params0 restricted to "
              "the first half of `paths`); grads are taken at the fast "
              "params (only the fast leaves are stored); updates and params "
              "list the fast leaves, then the slow ones (paths `fast.*`, "
              "`slow.*`). measurements (snapshot/monitor cases): after "
              "each step, optax.tree.get(state, name) for each name, as a "
              "list of leaves (a scalar as one 1-element leaf)."),
      },
      "cases": out,
      "lookahead": look,
  })
  print(f"wrote {path} ({size} bytes)")


if __name__ == "__main__":
  main()
