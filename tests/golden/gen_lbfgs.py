#!/usr/bin/env python3
"""Golden data for L-BFGS and the line searches (optax.lbfgs, scale_by_lbfgs,
scale_by_backtracking_linesearch, scale_by_zoom_linesearch,
value_and_grad_from_state).

Usage (from tests/golden):
    python3 gen_lbfgs.py

Writes data/lbfgs.json. Each case runs Optax 0.2.8's documented loop

    value, grad = value_and_grad(params, state=opt_state)
    updates, opt_state = opt.update(grad, opt_state, params, value=value,
                                    grad=grad, value_fn=f)
    params = optax.apply_updates(params, updates)

for `steps` steps on an objective f (Rosenbrock on the concatenated leaves, or
a diagonal quadratic per leaf), where value_and_grad is
optax.value_and_grad_from_state(f) when the optimizer keeps `value` and `grad`
in its state, else jax.value_and_grad(f). Every step records the value and
gradient fed in, the updates, the new parameters and the line search's state
(learning_rate, value, info.num_linesearch_steps, info.decrease_error).
Parameters and objective data are seeded from crc32(case name).
"""

import zlib

import os

# XLA's CPU backend contracts a float32 multiply followed by an add into one fused
# multiply-add (one rounding) where the program says two; Burn rounds every op. Capping the
# instruction set at AVX (which has no FMA) makes the jitted run equal Optax's op-by-op run
# (jax.disable_jit) bit for bit: diag_lbfgs_jit.py / diag_inject_fma.py show the difference,
# which these trajectories amplify beyond float32 tolerance.
os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false --xla_cpu_max_isa=AVX"

import generate as g  # sets JAX_PLATFORMS=cpu and float32 before jax loads

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402


def _build_lbfgs(args, paths):
  kwargs = dict(args)
  if "linesearch" in kwargs:
    ls = kwargs["linesearch"]
    kwargs["linesearch"] = None if ls is None else g.build(ls, paths)
  if g.is_schedule_spec(kwargs.get("learning_rate")):
    kwargs["learning_rate"] = g.build_schedule(kwargs["learning_rate"])
  return optax.lbfgs(**kwargs)


g.EXTRA_BUILDERS["lbfgs"] = _build_lbfgs

TREES = {
    "rosen2d": (["x"], [[2]]),
    "default": g.TREES["default"],
}


def rosenbrock(params, paths):
  x = jnp.concatenate([params[p].reshape(-1) for p in paths])
  return jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def quadratic(params, paths, scale, target):
  total = jnp.asarray(0.0, jnp.float32)
  for p in paths:
    d = params[p] - target[p]
    total = total + jnp.sum(0.5 * scale[p] * d * d)
  return total


def scalar(x):
  x = np.float32(x)
  if np.isnan(x):
    return "NaN"
  if np.isinf(x):
    return "Infinity" if x > 0 else "-Infinity"
  return g.F32Scalar(x)


def linesearch_state(state):
  """The line search's state in (a chain of) states, or None."""
  kinds = (optax.ScaleByZoomLinesearchState,
           optax.ScaleByBacktrackingLinesearchState)
  if isinstance(state, kinds):
    return state
  if isinstance(state, tuple) and not hasattr(state, "_fields"):
    for s in state:
      found = linesearch_state(s)
      if found is not None:
        return found
  return None


def run(name, spec, objective, tree, steps=20, p0=None):
  paths, shapes = TREES[tree]
  rng = np.random.default_rng(zlib.crc32(name.encode("utf-8")))
  if p0 is None:
    p0 = {p: g.f32(0.5 * rng.standard_normal(s)) for p, s in zip(paths, shapes)}
  else:
    p0 = {p: g.f32(v) for p, v in p0.items()}
  obj = {"kind": objective}
  if objective == "rosenbrock":
    f = lambda params: rosenbrock(params, paths)  # noqa: E731
  else:
    scale = {p: g.f32(rng.uniform(0.5, 5.0, s)) for p, s in zip(paths, shapes)}
    target = {p: g.f32(rng.standard_normal(s)) for p, s in zip(paths, shapes)}
    f = lambda params: quadratic(params, paths, scale, target)  # noqa: E731
    obj["scale"] = g.leaves(scale, paths)
    obj["target"] = g.leaves(target, paths)

  tx = g.build(spec, paths)
  params = {p: jnp.asarray(v) for p, v in p0.items()}
  state = tx.init(params)
  from_state = False
  ls = linesearch_state(state)
  if ls is not None and ls.grad is not None:
    from_state = True
  vg_state = optax.value_and_grad_from_state(f)
  vg = jax.jit(jax.value_and_grad(f))

  @jax.jit
  def update(grad, state, params, value):
    return tx.update(grad, state, params, value=value, grad=grad, value_fn=f)

  out = []
  for t in range(steps):
    if from_state:
      value, grad = vg_state(params, state=state)
    else:
      value, grad = vg(params)
    updates, state = update(grad, state, params, value)
    params = optax.apply_updates(params, updates)
    for p in paths:
      assert np.all(np.isfinite(np.asarray(params[p]))), (name, t)
    rec = {
        "value": scalar(value),
        "grad": g.leaves(grad, paths),
        "updates": g.leaves(updates, paths),
        "params": g.leaves(params, paths),
    }
    ls = linesearch_state(state)
    if ls is not None:
      rec["linesearch"] = {
          "learning_rate": scalar(ls.learning_rate),
          "value": scalar(ls.value),
          "num_linesearch_steps": int(ls.info.num_linesearch_steps),
          "decrease_error": scalar(ls.info.decrease_error),
      }
    out.append(rec)
  return {
      "name": name,
      "spec": spec,
      "objective": obj,
      "paths": paths,
      "shapes": shapes,
      "params0": g.leaves(p0, paths),
      "steps": out,
  }


ROSEN_START = {"x": [-1.2, 1.0]}
BT = {"scale_by_backtracking_linesearch": {"max_backtracking_steps": 15}}
BT_GRAD = {"scale_by_backtracking_linesearch": {
    "max_backtracking_steps": 30, "decrease_factor": 0.5, "store_grad": True}}
BT_ROSEN = {"scale_by_backtracking_linesearch": {
    "max_backtracking_steps": 40, "decrease_factor": 0.5}}
ZOOM = {"scale_by_zoom_linesearch": {"max_linesearch_steps": 15}}
SGD = {"sgd": {"learning_rate": 1.0}}


def cases():
  c = []

  def add(name, spec, objective, tree, **kw):
    c.append(run(name, spec, objective, tree, **kw))

  add("lbfgs/zoom/rosen2d", {"lbfgs": {}}, "rosenbrock", "rosen2d",
      p0=ROSEN_START)
  add("lbfgs/zoom/rosen_tree", {"lbfgs": {}}, "rosenbrock", "default")
  add("lbfgs/zoom/quadratic", {"lbfgs": {"memory_size": 5}}, "quadratic",
      "default")
  add("lbfgs/zoom_keep/quadratic", {"lbfgs": {
      "memory_size": 3, "scale_init_precond": False,
      "linesearch": {"scale_by_zoom_linesearch": {
          "max_linesearch_steps": 10, "initial_guess_strategy": "keep"}}}},
      "quadratic", "default")
  add("lbfgs/backtracking/rosen2d", {"lbfgs": {"linesearch": BT_GRAD}},
      "rosenbrock", "rosen2d", p0=ROSEN_START)
  add("lbfgs/backtracking/quadratic", {"lbfgs": {"linesearch": BT}},
      "quadratic", "default")
  add("scale_by_lbfgs/fixed_lr/quadratic",
      {"chain": [{"scale_by_lbfgs": {"memory_size": 4}},
                 {"scale": {"step_size": -0.5}}]}, "quadratic", "default")
  add("lbfgs/fixed_lr/quadratic",
      {"lbfgs": {"learning_rate": 0.3, "linesearch": None}},
      "quadratic", "default")
  add("sgd_zoom/rosen2d", {"chain": [SGD, ZOOM]}, "rosenbrock", "rosen2d",
      p0=ROSEN_START)
  add("sgd_zoom/quadratic", {"chain": [SGD, {"scale_by_zoom_linesearch": {
      "max_linesearch_steps": 15, "initial_guess_strategy": "one",
      "max_learning_rate": 0.5}}]}, "quadratic", "default")
  add("sgd_backtracking/rosen2d", {"chain": [SGD, BT_ROSEN]}, "rosenbrock",
      "rosen2d", p0=ROSEN_START)
  add("sgd_backtracking/quadratic", {"chain": [SGD, {
      "scale_by_backtracking_linesearch": {
          "max_backtracking_steps": 20, "decrease_factor": 0.5,
          "increase_factor": 2.0, "max_learning_rate": 0.8,
          "slope_rtol": 0.3, "store_grad": True}}]}, "quadratic", "default")
  add("sgd_backtracking/rosen_tree", {"chain": [SGD, BT_GRAD]},
      "rosenbrock", "default")
  return c


def main():
  meta = {
      "optax_version": optax.__version__,
      "jax_version": jax.__version__,
      "numpy_version": np.__version__,
      "backend": jax.default_backend(),
      "generator": "tests/golden/gen_lbfgs.py",
      "description": (
          "Optax's documented L-BFGS loop (value_and_grad_from_state when the "
          "line search stores value and grad, else jax.value_and_grad; then "
          "update(grad, state, params, value=, grad=, value_fn=f)) for "
          "`steps` steps. objective 'rosenbrock': sum(100 (x[1:] - "
          "x[:-1]^2)^2 + (1 - x[:-1])^2) over the leaves concatenated in "
          "`paths` order; 'quadratic': sum over leaves of sum(0.5 * scale * "
          "(p - target)^2). Per step: the value and grad fed in, updates, "
          "new params, and the line search state (learning_rate, value, "
          "info.num_linesearch_steps, info.decrease_error)."),
  }
  path, size = g.write("lbfgs.json", {
      "meta": meta,
      "cases": cases(),
  })
  print(f"wrote {path} ({size} bytes)")


if __name__ == "__main__":
  main()
