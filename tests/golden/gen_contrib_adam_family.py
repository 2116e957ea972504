#!/usr/bin/env python3
"""Golden data for optax.contrib's Adam family, Schedule-Free and reduce_on_plateau.

Usage (from tests/golden):
    python3 gen_contrib_adam_family.py

Writes data/contrib_adam_family.json: 20-step trajectories (the format of
transforms.json's `cases`, from generate.py's inputs: params0, targets and
noises seeded with crc32(case name); leaves of rank 0, 1, 2) of adopt,
ademamix, simplified_ademamix, acprop, madgrad (building blocks and aliases),
schedule_free (with a nested `base_optimizer` spec), schedule_free_sgd,
schedule_free_adamw and reduce_on_plateau (with the loss `value`), each with
its defaults and with non-default settings. Each step also records:
  * `eval_params`: optax.contrib.schedule_free_eval_params(state, params) after
    the step (Schedule-Free cases);
  * `scale`: the state's float32 `scale` after the step (reduce_on_plateau
    cases; every plateau case is checked to reduce the scale within the run).
"""

import generate as g  # sets JAX_PLATFORMS=cpu and float32 before jax loads

import warnings  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402


def _schedule_free(args, paths):
  kwargs = {}
  for k, v in args.items():
    if k == "base_optimizer":
      kwargs[k] = g.build(v, paths)
    elif g.is_schedule_spec(v):
      kwargs[k] = g.build_schedule(v)
    else:
      kwargs[k] = v
  return optax.contrib.schedule_free(**kwargs)


g.EXTRA_BUILDERS["schedule_free"] = _schedule_free
g.EXTRA_BUILDERS["contrib.schedule_free"] = _schedule_free


def run_case(name, spec, steps=20, needs_value=False, record=None):
  """generate.run_case's trajectory (same inputs from the same seed), plus
  `record(state, params) -> {key: F32List | F32Scalar}` after every step."""
  paths, shapes = g.TREES["default"]
  rng = np.random.default_rng(g.seed_of(name))
  p0 = {p: g.f32(rng.standard_normal(s)) for p, s in zip(paths, shapes)}
  target = {p: g.f32(rng.standard_normal(s)) for p, s in zip(paths, shapes)}
  noises = [{p: g.f32(rng.standard_normal(s)) for p, s in zip(paths, shapes)}
            for _ in range(steps)]
  tx = g.build(spec, paths)
  params = {p: jnp.asarray(v) for p, v in p0.items()}
  state = tx.init(params)
  update = jax.jit(tx.update)
  out_steps = []
  for t in range(steps):
    pn = {p: np.asarray(params[p], dtype=np.float32) for p in paths}
    grads = {p: (np.float32(2.0) * (pn[p] - target[p])
                 + np.float32(0.1) * noises[t][p]).astype(np.float32)
             for p in paths}
    extra = {}
    value = None
    if needs_value:
      value = np.float32(0.0)
      for p in paths:
        d = (pn[p] - target[p]).astype(np.float32)
        value = np.float32(value + np.sum(d * d, dtype=np.float32))
      extra["value"] = jnp.asarray(value, dtype=jnp.float32)
    gj = {p: jnp.asarray(v) for p, v in grads.items()}
    updates, state = update(gj, state, params, **extra)
    params = optax.apply_updates(params, updates)
    for p in paths:
      if not (np.all(np.isfinite(np.asarray(updates[p])))
              and np.all(np.isfinite(np.asarray(params[p])))):
        raise FloatingPointError(f"{name}: non-finite at step {t}")
    step = {
        "grads": g.leaves(grads, paths),
        "value": None if value is None else g.F32Scalar(value),
        "updates": g.leaves(updates, paths),
        "params": g.leaves(params, paths),
    }
    if record is not None:
      step.update(record(state, params, paths))
    out_steps.append(step)
  return {
      "name": name,
      "spec": spec,
      "paths": paths,
      "shapes": shapes,
      "params0": g.leaves(p0, paths),
      "steps": out_steps,
  }


def eval_params(state, params, paths):
  x = optax.contrib.schedule_free_eval_params(state, params)
  return {"eval_params": g.leaves(x, paths)}


def scale_of(state):
  found = optax.tree.get(state, "scale")
  return np.float32(found)


def plateau_scale(state, params, paths):
  del params, paths
  return {"scale": g.F32Scalar(scale_of(state))}


descent = g.descent
WCOS = g.WCOS
LIN_B3 = {"linear_schedule": {"init_value": 0.9, "end_value": 0.999,
                              "transition_steps": 15}}
LIN_ALPHA = {"linear_schedule": {"init_value": 0.0, "end_value": 4.0,
                                 "transition_steps": 10}}
WARM = {"warmup_constant_schedule": {"init_value": 0.0, "peak_value": 0.05,
                                     "warmup_steps": 5}}
MASK = g.MASK_ABC


def cases():
  c = []

  def add(name, spec, **kw):
    c.append((name, spec, kw))

  # ADOPT
  add("scale_by_adopt/default", descent({"scale_by_adopt": {}}))
  add("scale_by_adopt/nesterov_no_clipping", descent({"scale_by_adopt": {
      "b1": 0.8, "b2": 0.99, "eps": 1e-4, "nesterov": True,
      "use_clipping": False}}))
  add("adopt/default", {"adopt": {"learning_rate": 0.05}})
  add("adopt/schedule_nesterov", {"contrib.adopt": {
      "learning_rate": WCOS, "b1": 0.5, "b2": 0.9, "nesterov": True}})
  # AdEMAMix
  add("scale_by_ademamix/default", descent({"scale_by_ademamix": {}}))
  add("scale_by_ademamix/schedules", descent({"scale_by_ademamix": {
      "b1": 0.8, "b2": 0.99, "b3": LIN_B3, "alpha": LIN_ALPHA, "eps": 1e-6,
      "eps_root": 1e-8}}))
  add("ademamix/default", {"ademamix": {"learning_rate": 0.01}})
  add("ademamix/nondefault", {"ademamix": {
      "learning_rate": WCOS, "b3": 0.99, "alpha": 2.0, "weight_decay": 0.1,
      "mask": MASK}})
  add("scale_by_simplified_ademamix/default",
      descent({"scale_by_simplified_ademamix": {}}, -0.01))
  add("scale_by_simplified_ademamix/alpha_schedule",
      descent({"scale_by_simplified_ademamix": {
          "b1": 0.9, "b2": 0.99, "alpha": LIN_ALPHA, "eps": 1e-6,
          "eps_root": 1e-8}}, -0.01))
  add("simplified_ademamix/default",
      {"simplified_ademamix": {"learning_rate": 0.005}})
  add("simplified_ademamix/nondefault", {"contrib.simplified_ademamix": {
      "learning_rate": 0.005, "b1": 0.9, "alpha": 3.0, "weight_decay": 0.1,
      "mask": MASK}})
  # ACProp
  add("scale_by_acprop/default", descent({"scale_by_acprop": {}}))
  add("scale_by_acprop/nondefault", descent({"scale_by_acprop": {
      "b1": 0.5, "b2": 0.9, "eps": 1e-6, "eps_root": 1e-8}}))
  add("acprop/default", {"acprop": {"learning_rate": 0.01}})
  add("acprop/nondefault", {"acprop": {
      "learning_rate": WCOS, "b2": 0.99, "weight_decay": 0.05,
      "mask": MASK}})
  # MADGRAD
  add("scale_by_madgrad/default",
      {"scale_by_madgrad": {"learning_rate": 0.01}})
  add("scale_by_madgrad/schedule", {"scale_by_madgrad": {
      "learning_rate": WCOS, "momentum": 0.5, "eps": 1e-4}})
  add("madgrad/default", {"madgrad": {"learning_rate": 0.01}})
  add("madgrad/nondefault", {"contrib.madgrad": {
      "learning_rate": 0.02, "momentum": 0.8, "weight_decay": 0.1,
      "eps": 1e-5}})
  # Schedule-Free
  sf = dict(record=eval_params)
  add("schedule_free/sgd", {"schedule_free": {
      "base_optimizer": {"sgd": {"learning_rate": 0.1}},
      "learning_rate": 0.1}}, **sf)
  add("schedule_free/adam_warmup", {"contrib.schedule_free": {
      "base_optimizer": {"adam": {"learning_rate": WARM, "b1": 0.0}},
      "learning_rate": WARM, "b1": 0.95, "weight_lr_power": 1.0}}, **sf)
  add("schedule_free_sgd/default", {"schedule_free_sgd": {}}, **sf)
  add("schedule_free_sgd/nondefault", {"schedule_free_sgd": {
      "learning_rate": 0.2, "warmup_steps": 5, "b1": 0.8,
      "weight_decay": 0.01, "weight_lr_power": 1.0}}, **sf)
  add("schedule_free_adamw/default", {"schedule_free_adamw": {}}, **sf)
  add("schedule_free_adamw/nondefault", {"contrib.schedule_free_adamw": {
      "learning_rate": 0.05, "warmup_steps": 3, "b1": 0.95, "b2": 0.99,
      "eps": 1e-6, "weight_decay": 0.01, "weight_lr_power": 1.5}}, **sf)
  # reduce_on_plateau (the loss `value` is an extra argument)
  rop = dict(needs_value=True, record=plateau_scale)
  add("reduce_on_plateau/default", {"chain": [
      {"sgd": {"learning_rate": 0.1}}, {"reduce_on_plateau": {}}]}, **rop)
  add("reduce_on_plateau/plateau", {"chain": [
      {"sgd": {"learning_rate": 0.3}}, {"reduce_on_plateau": {
          "factor": 0.5, "patience": 2, "rtol": 0.05}}]},
      plateau=True, **rop)
  add("reduce_on_plateau/cooldown_accumulation", {"chain": [
      {"sgd": {"learning_rate": 0.3}}, {"contrib.reduce_on_plateau": {
          "factor": 0.3, "patience": 1, "rtol": 0.0, "atol": 0.5,
          "cooldown": 1, "accumulation_size": 2, "min_scale": 0.05}}]},
      plateau=True, **rop)
  return c


def main():
  warnings.simplefilter("ignore", DeprecationWarning)
  out = []
  seen = set()
  for name, spec, kw in cases():
    assert name not in seen, name
    seen.add(name)
    plateau = kw.pop("plateau", False)
    case = run_case(name, spec, **kw)
    if plateau:
      scales = [float(s["scale"].value) for s in case["steps"]]
      assert min(scales) < 1.0, (name, scales)
      print(name, "scales", scales)
    out.append(case)
  meta = {
      "optax_version": optax.__version__,
      "jax_version": jax.__version__,
      "backend": jax.default_backend(),
      "generator": "tests/golden/gen_contrib_adam_family.py",
      "description": (
          "optax.contrib Adam family, Schedule-Free and reduce_on_plateau: "
          "20-step trajectories as transforms.json's cases (grads = "
          "2*(p - target) + 0.1*noise_t; value = sum((p - target)^2) where "
          "the case needs it); Schedule-Free steps also hold `eval_params` "
          "(schedule_free_eval_params after the step), reduce_on_plateau "
          "steps the state's `scale`."),
  }
  path, size = g.write("contrib_adam_family.json",
                       {"meta": meta, "cases": out})
  print(f"wrote {path} ({size} bytes, {len(out)} cases)")


if __name__ == "__main__":
  main()
