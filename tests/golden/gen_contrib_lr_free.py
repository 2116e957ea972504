#!/usr/bin/env python3
"""Golden trajectories for optax.contrib's learning-rate-free optimizers.

Usage (from tests/golden):
    python3 gen_contrib_lr_free.py

Writes data/contrib_lr_free.json: 20-step trajectories (generate.run_case, the
format of transforms.json: leaves of rank 0, 1 and 2, seeds from crc32(case
name)) of prodigy, dadapt_adamw, cocob, scale_by_cocob, dog, dowg, mechanize,
momo and momo_adam, each with its defaults and with non-default arguments,
schedules where the argument takes one. momo and momo_adam record the loss
`value` of every step (needs_value). mechanize's `base_optimizer` is a nested
spec.
"""

import warnings

import generate as g  # sets JAX_PLATFORMS=cpu and float32 before jax loads

import jax  # noqa: E402
import optax  # noqa: E402

# mechanize's nested optimizer is a transformation spec.
g.TX_ARGS.add("base_optimizer")

LIN1 = {"linear_schedule": {"init_value": 1.0, "end_value": 0.1,
                            "transition_steps": 15, "transition_begin": 2}}
WCOS1 = {"warmup_cosine_decay_schedule": {
    "init_value": 0.1, "peak_value": 1.0, "warmup_steps": 4,
    "decay_steps": 20, "end_value": 0.05}}
MASK = g.MASK_ABC


def cases():
  c = []

  def add(name, spec, **kw):
    c.append((name, spec, kw))

  # prodigy
  add("prodigy/default", {"prodigy": {}})
  add("prodigy/nondefault", {"prodigy": {
      "learning_rate": 0.5, "betas": [0.8, 0.99], "beta3": 0.95, "eps": 1e-6,
      "estim_lr0": 1e-3, "estim_lr_coef": 2.0, "weight_decay": 0.01}})
  add("prodigy/safeguard_warmup", {"prodigy": {
      "estim_lr0": 1e-4, "safeguard_warmup": True, "weight_decay": 0.1}})
  add("prodigy/schedule", {"prodigy": {"learning_rate": WCOS1,
                                       "estim_lr0": 1e-3}})
  add("contrib.prodigy/prefixed", {"contrib.prodigy": {"estim_lr0": 1e-2}})
  # dadapt_adamw
  add("dadapt_adamw/default", {"dadapt_adamw": {}})
  add("dadapt_adamw/nondefault", {"dadapt_adamw": {
      "learning_rate": 0.5, "betas": [0.8, 0.99], "eps": 1e-6,
      "estim_lr0": 1e-3, "weight_decay": 0.01}})
  add("dadapt_adamw/schedule", {"dadapt_adamw": {"learning_rate": LIN1,
                                                 "estim_lr0": 1e-2}})
  # scale_by_cocob, cocob
  add("scale_by_cocob/default", {"scale_by_cocob": {}})
  add("scale_by_cocob/nondefault", {"scale_by_cocob": {"alpha": 10.0,
                                                       "eps": 1e-4}})
  add("cocob/default", {"cocob": {}})
  add("cocob/nondefault", {"cocob": {
      "learning_rate": 0.5, "alpha": 50.0, "eps": 1e-6, "weight_decay": 0.01,
      "mask": MASK}})
  add("cocob/schedule", {"cocob": {"learning_rate": LIN1,
                                   "weight_decay": 0.001}})
  # dog
  add("dog/default", {"dog": {}})
  add("dog/distance", {"dog": {"init_step": ["distance", 0.1]}})
  add("dog/learning_rate", {"dog": {"init_step": ["learning_rate", 0.05],
                                    "eps": 1e-6}})
  add("dog/heuristic_weight_decay", {"dog": {
      "init_step": ["heuristic", 1e-3], "weight_decay": 0.01, "mask": MASK}})
  add("dog/schedule", {"dog": {"learning_rate": LIN1,
                               "init_step": ["distance", 0.05],
                               "weight_decay": 0.001}})
  # dowg
  add("dowg/default", {"dowg": {}})
  add("dowg/nondefault", {"dowg": {"init_estim_sq_dist": 0.01, "eps": 1e-6,
                                   "weight_decay": 0.01, "mask": MASK}})
  add("dowg/schedule", {"dowg": {"learning_rate": LIN1,
                                 "init_estim_sq_dist": 0.001}})
  # mechanize
  add("mechanize/sgd", {"mechanize": {
      "base_optimizer": {"sgd": {"learning_rate": 0.1}}}})
  add("mechanize/adam_nondefault", {"mechanize": {
      "base_optimizer": {"adam": {"learning_rate": 0.01}},
      "weight_decay": 0.1, "eps": 1e-6, "s_init": 1e-4, "num_betas": 3}})
  add("mechanize/adam_schedule", {"mechanize": {
      "base_optimizer": {"adam": {"learning_rate": WCOS1}},
      "num_betas": 8}})
  add("mechanize/momo_value", {"mechanize": {
      "base_optimizer": {"momo": {"learning_rate": 0.1}}}},
      needs_value=True)
  # momo
  add("momo/default", {"momo": {}}, needs_value=True)
  add("momo/nondefault", {"momo": {
      "learning_rate": 0.5, "beta": 0.8, "lower_bound": 0.5,
      "weight_decay": 0.01}}, needs_value=True)
  add("momo/adapt_lower_bound", {"momo": {
      "lower_bound": -1.0, "weight_decay": 0.01, "adapt_lower_bound": True}},
      needs_value=True)
  add("momo/schedule", {"momo": {"learning_rate": LIN1, "beta": 0.5}},
      needs_value=True)
  # momo_adam
  add("momo_adam/default", {"momo_adam": {}}, needs_value=True)
  add("momo_adam/nondefault", {"momo_adam": {
      "learning_rate": 0.5, "b1": 0.8, "b2": 0.99, "eps": 1e-6,
      "lower_bound": 0.5, "weight_decay": 0.01}}, needs_value=True)
  add("momo_adam/adapt_lower_bound", {"momo_adam": {
      "learning_rate": 1.0, "lower_bound": -1.0, "weight_decay": 0.01,
      "adapt_lower_bound": True}}, needs_value=True)
  add("momo_adam/schedule", {"momo_adam": {"learning_rate": LIN1}},
      needs_value=True)
  return c


def main():
  warnings.simplefilter("ignore", DeprecationWarning)
  out = []
  for name, spec, kw in cases():
    out.append(g.run_case(name, spec, **kw))
  meta = {
      "optax_version": optax.__version__,
      "jax_version": jax.__version__,
      "backend": jax.default_backend(),
      "generator": "tests/golden/gen_contrib_lr_free.py",
      "description": (
          "optax.contrib learning-rate-free optimizers; the case format of "
          "transforms.json (see generate.run_case): 20 steps on leaves of "
          "rank 0, 1, 2; `value` is recorded for momo, momo_adam (and a "
          "mechanize wrapping momo)."),
  }
  path, size = g.write("contrib_lr_free.json", {"meta": meta, "cases": out})
  print(f"{path}: {size} bytes, {len(out)} cases")


if __name__ == "__main__":
  main()
