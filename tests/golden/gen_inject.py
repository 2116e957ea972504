#!/usr/bin/env python3
"""Golden data for optax.inject_hyperparams / inject_stateful_hyperparams.

Usage (from tests/golden):
    python3 gen_inject.py

Writes two files, both from Optax 0.2.8 itself:

* data/inject.json: 20-step trajectories of inject_hyperparams over several
  aliases and building blocks (constants and schedules), in the format of
  transforms.json (`run_case` of generate.py: same parameters, targets and
  gradients from crc32(case name)), plus, per step, the `hyperparams` the state
  holds after the update (Optax's dict, in its order). A case may have
  `set_at`: {step: {name: value}}: before that step's update the generator
  writes `state.hyperparams[name] = value` (Optax's documented way to change a
  hyperparameter while training); the Rust test does the same through the
  state.
* crates/optax-core/src/wrappers/inject_defaults.rs: for every function of
  optax and optax.contrib that returns a GradientTransformation, its parameter
  names in signature order and its numeric (int or float, not bool) defaults:
  the hyperparameters inject_hyperparams puts in its state when a spec omits
  them (Optax binds the defaults with `apply_defaults`).

Spec format: {"inject_hyperparams": {"<inner name>": {<inner args>},
"static_args": [...], "hyperparam_dtype": "float32"}} (the last two optional);
{"inject_hyperparams": {"inner_factory": {"<inner name>": {...}}}} also works.
Numbers and schedule specs among the inner arguments are the hyperparameters,
as in Optax (bools, strings, masks and static_args are passed through).
"""

import os
import warnings
import zlib

# XLA's CPU backend contracts a float32 multiply followed by an add into one fused
# multiply-add (one rounding) where the program says two; Burn rounds every op. Capping the
# instruction set at AVX (which has no FMA) makes the jitted run equal Optax's op-by-op run
# (jax.disable_jit) bit for bit: diag_lbfgs_jit.py / diag_inject_fma.py show the difference,
# which these trajectories amplify beyond float32 tolerance.
os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false --xla_cpu_max_isa=AVX"

import generate as g  # sets JAX_PLATFORMS=cpu and float32 before jax loads

import inspect  # noqa: E402
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402
import optax.contrib  # noqa: E402

INJECT_NAMES = ("inject_hyperparams", "inject_stateful_hyperparams")
WRAPPER_KEYS = {"inner_factory", "static_args", "hyperparam_dtype"}


def split_inject_args(args):
  """(inner name, inner args, static_args, hyperparam_dtype) of a spec body."""
  static = args.get("static_args", [])
  if isinstance(static, str):
    static = [static]
  dtype = args.get("hyperparam_dtype")
  if "inner_factory" in args:
    inner = args["inner_factory"]
  else:
    inner = {k: v for k, v in args.items() if k not in WRAPPER_KEYS}
  name, inner_args = g._single(inner, "inner_factory")
  return name, inner_args or {}, static, dtype


def inner_kwargs(args, paths):
  """The keyword arguments of a spec entry, built as generate.build builds them."""
  kwargs = {}
  for k, v in args.items():
    if k in g.TX_ARGS:
      kwargs[k] = g.build(v, paths)
    elif k in g.MASK_ARGS:
      kwargs[k] = g.build_mask(v, paths)
    elif g.is_schedule_spec(v):
      kwargs[k] = g.build_schedule(v)
    else:
      kwargs[k] = v
  return kwargs


def build_inject(which):
  def builder(args, paths):
    name, inner_args, static, dtype = split_inject_args(args)
    factory = g.optax_function(name)
    wrapper = getattr(optax, which)
    with warnings.catch_warnings():
      warnings.simplefilter("ignore", DeprecationWarning)
      made = wrapper(factory, static_args=static,
                     hyperparam_dtype=None if dtype is None else jnp.dtype(dtype))
    return made(**inner_kwargs(inner_args, paths))
  return builder


for _n in INJECT_NAMES:
  g.EXTRA_BUILDERS[_n] = build_inject(_n)


def inject_states(state, out=None):
  """Every InjectStatefulHyperparamsState in a (possibly chained) state, in order."""
  out = [] if out is None else out
  if isinstance(state, optax.InjectStatefulHyperparamsState):
    out.append(state)
  elif isinstance(state, tuple):
    for s in state:
      inject_states(s, out)
  return out


def all_hyperparams(state):
  """The hyperparams dicts of every wrapper in the state, merged (names are distinct)."""
  merged = {}
  for s in inject_states(state):
    for k, v in s.hyperparams.items():
      assert k not in merged, k
      merged[k] = v
  return merged


def hp_json(hps):
  out = {}
  for k, v in hps.items():
    a = np.asarray(v)
    if np.issubdtype(a.dtype, np.integer):
      out[k] = int(a)
    else:
      assert a.dtype == np.float32, (k, a.dtype)
      out[k] = g.F32Scalar(a)
  return out


def run_inject_case(name, spec, steps=20, set_at=None, tree="default"):
  """generate.run_case's trajectory, with the hyperparameters after each step
  and the writes of `set_at` before the given steps."""
  set_at = set_at or {}
  paths, shapes = g.TREES[tree]
  rng = np.random.default_rng(g.seed_of(name))
  p0 = {p: g.f32(rng.standard_normal(s)) for p, s in zip(paths, shapes)}
  target = {p: g.f32(rng.standard_normal(s)) for p, s in zip(paths, shapes)}
  noises = [{p: g.f32(rng.standard_normal(s)) for p, s in zip(paths, shapes)}
            for _ in range(steps)]
  tx = g.build(spec, paths)
  params = {p: jnp.asarray(v) for p, v in p0.items()}
  state = tx.init(params)
  init_hps = hp_json(all_hyperparams(state))
  update = jax.jit(tx.update)
  out_steps = []
  for t in range(steps):
    if t in set_at:
      for k, v in set_at[t].items():
        holders = [s.hyperparams for s in inject_states(state)
                   if k in s.hyperparams]
        assert holders, (name, k)
        for hps in holders:
          hps[k] = v  # Optax's documented way: a plain Python number
    pn = {p: np.asarray(params[p], dtype=np.float32) for p in paths}
    gr = {p: (np.float32(2.0) * (pn[p] - target[p])
              + np.float32(0.1) * noises[t][p]).astype(np.float32)
          for p in paths}
    updates, state = update({p: jnp.asarray(v) for p, v in gr.items()},
                            state, params)
    params = optax.apply_updates(params, updates)
    for p in paths:
      if not np.all(np.isfinite(np.asarray(params[p]))):
        raise FloatingPointError(f"{name}: non-finite at step {t}")
    out_steps.append({
        "grads": g.leaves(gr, paths),
        "value": None,
        "updates": g.leaves(updates, paths),
        "params": g.leaves(params, paths),
        "hyperparams": hp_json(all_hyperparams(state)),
    })
  case = {
      "name": name,
      "spec": spec,
      "paths": paths,
      "shapes": shapes,
      "params0": g.leaves(p0, paths),
      "init_hyperparams": init_hps,
      "steps": out_steps,
  }
  if set_at:
    case["set_at"] = {str(k): v for k, v in set_at.items()}
  return case


def inj(inner, **wrapper):
  return {"inject_hyperparams": dict(inner, **wrapper)}


LIN_B1 = {"linear_schedule": {"init_value": 0.5, "end_value": 0.9,
                              "transition_steps": 15}}


def cases():
  out = []

  def add(name, spec, **kw):
    out.append((name, spec, kw))

  add("inject_adam", inj({"adam": {"learning_rate": 0.01}}))
  add("inject_adam_all_args", inj({"adam": {
      "learning_rate": 0.02, "b1": 0.8, "b2": 0.99, "eps": 1e-6,
      "eps_root": 1e-8, "nesterov": True}}))
  add("inject_adamw_schedule", inj({"adamw": {
      "learning_rate": g.WCOS, "weight_decay": 0.01}}))
  add("inject_adamw_schedules_mask", inj({"adamw": {
      "learning_rate": g.EXPD, "weight_decay": g.LIN, "mask": g.MASK_ABC}}))
  add("inject_sgd_momentum", inj({"sgd": {"learning_rate": 0.05,
                                          "momentum": 0.9, "nesterov": True}}))
  add("inject_sgd_static_momentum", inj({"sgd": {"learning_rate": 0.05,
                                                 "momentum": 0.9}},
                                        static_args=["momentum"]))
  add("inject_sgd_plain", inj({"sgd": {"learning_rate": g.PWC}}))
  add("inject_rmsprop", inj({"rmsprop": {"learning_rate": 0.01, "decay": 0.8,
                                         "momentum": 0.5, "centered": True}}))
  add("inject_lion", inj({"lion": {"learning_rate": 0.003, "b1": LIN_B1,
                                   "weight_decay": 0.001}}))
  add("inject_adabelief", inj({"adabelief": {"learning_rate": g.COSD}}))
  add("inject_scale_by_adam_b1_schedule",
      g.descent(inj({"scale_by_adam": {"b1": LIN_B1, "b2": 0.99}})))
  add("inject_clip_by_global_norm_chain", {"chain": [
      inj({"clip_by_global_norm": {"max_norm": 0.5}}),
      inj({"sgd": {"learning_rate": 0.1}})]})
  add("inject_stateful_adam",
      {"inject_stateful_hyperparams": {"adam": {"learning_rate": 0.01}}})
  add("inject_adam_inner_factory_f32", {"inject_hyperparams": {
      "inner_factory": {"adam": {"learning_rate": 0.01}},
      "hyperparam_dtype": "float32"}})
  # Writing the state: a constant learning rate changes from the next step on.
  add("inject_adam_set_lr", inj({"adam": {"learning_rate": 0.01}}),
      set_at={10: {"learning_rate": 0.003}})
  add("inject_sgd_set_lr_and_momentum",
      inj({"sgd": {"learning_rate": 0.05, "momentum": 0.9}}),
      set_at={5: {"learning_rate": 0.2}, 12: {"momentum": 0.5}})
  add("inject_adam_set_default_b2", inj({"adam": {"learning_rate": 0.01}}),
      set_at={10: {"b2": 0.9}})
  # A scheduled hyperparameter is recomputed each step: a write has no effect.
  add("inject_adamw_set_scheduled_lr", inj({"adamw": {
      "learning_rate": g.WCOS}}), set_at={10: {"learning_rate": 5.0}})
  return out


def default_tables():
  """Per Optax transformation: (name, [params in order], [(numeric, default)])."""
  rows = []
  with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    for mod, prefix in ((optax, ""), (optax.contrib, "contrib.")):
      for name in sorted(dir(mod)):
        if name.startswith("_"):
          continue
        fn = getattr(mod, name)
        if not inspect.isfunction(fn):
          continue
        try:
          sig = inspect.signature(fn)
        except (TypeError, ValueError):
          continue
        if "GradientTransformation" not in str(sig.return_annotation):
          continue
        params = [p.name for p in sig.parameters.values()
                  if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        nums = [(p.name, p.default) for p in sig.parameters.values()
                if p.default is not inspect.Parameter.empty
                and isinstance(p.default, (int, float))
                and not isinstance(p.default, bool)]
        rows.append((prefix + name, params, nums))
  return rows


def write_defaults_rs(rows):
  here = os.path.dirname(os.path.abspath(__file__))
  path = os.path.join(here, "..", "..", "crates", "optax-core", "src",
                      "wrappers", "inject_defaults.rs")
  lines = [
      "//! Generated by tests/golden/gen_inject.py from Optax "
      f"{optax.__version__}: do not edit.",
      "//!",
      "//! For every function of `optax` and `optax.contrib` that returns a",
      "//! `GradientTransformation`: its parameter names in signature order, and its",
      "//! numeric (int or float, not bool) defaults, which `inject_hyperparams`",
      "//! binds as hyperparameters when a spec omits them.",
      "",
      "use super::inject_hyperparams::HyperNumber::{self, Float as F, Int as I};",
      "",
      "/// `(name, parameters in order, numeric defaults)` of one Optax function.",
      "pub(crate) type OptaxSignature = (",
      "    &'static str,",
      "    &'static [&'static str],",
      "    &'static [(&'static str, HyperNumber)],",
      ");",
      "",
      "/// Every signature; `contrib.` names are `optax.contrib`'s.",
      "#[rustfmt::skip]",
      "pub(crate) const OPTAX_SIGNATURES: &[OptaxSignature] = &[",
  ]
  for name, params, nums in rows:
    ps = ", ".join(f'"{p}"' for p in params)
    ns = []
    for k, v in nums:
      if isinstance(v, int):
        ns.append(f'("{k}", I({v}))')
      else:
        r = repr(float(v))
        if "e" not in r and "." not in r and "inf" not in r:
          r += ".0"
        if r in ("inf", "-inf"):
          r = "f64::INFINITY" if r == "inf" else "f64::NEG_INFINITY"
        ns.append(f'("{k}", F({r}))')
    lines.append(f'    ("{name}", &[{ps}], &[{", ".join(ns)}]),')
  lines.append("];")
  with open(path, "w") as f:
    f.write("\n".join(lines) + "\n")
  return path


def main():
  warnings.simplefilter("ignore", DeprecationWarning)
  meta = {
      "optax_version": optax.__version__,
      "jax_version": jax.__version__,
      "backend": jax.default_backend(),
      "generator": "tests/golden/gen_inject.py",
      "description": (
          "inject_hyperparams trajectories, generated as transforms.json's "
          "cases (generate.py run_case: params0, target and noise from "
          "crc32(name); grads = 2*(p - target) + 0.1*noise_t; "
          "jit(tx.update)). `init_hyperparams`: state.hyperparams after init; "
          "steps[t].hyperparams: after update t (ints are int32 "
          "hyperparameters, floats float32). `set_at` {step: {name: value}}: "
          "state.hyperparams[name] = value (a Python number) before that "
          "step's update."),
  }
  out = []
  for name, spec, kw in cases():
    out.append(run_inject_case(name, spec, **kw))
  path, size = g.write("inject.json", {"meta": meta, "cases": out})
  print(f"{os.path.relpath(path)}: {size} bytes, {len(out)} cases")
  rs = write_defaults_rs(default_tables())
  print(f"{os.path.relpath(rs)} written")


if __name__ == "__main__":
  main()
