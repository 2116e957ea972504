"""Diagnostic for inject_sgd_set_lr_and_momentum (issue 11).

Replays the golden case's SGD-with-momentum recursion in NumPy float32 from the
recorded gradients and compares each step's updates with Optax's, for two ways
of evaluating the trace update `g + momentum * trace`:
  * plain: two float32 roundings (multiply, then add), what Burn does;
  * fused: one rounding (computed in float64, rounded once), i.e. an FMA, which
    XLA's CPU backend emits for this elementwise mul+add.
Measured (Optax 0.2.8, jax 0.10.2 CPU): fused matches Optax's updates exactly
(max abs diff 0.0 at all 20 steps); plain differs by up to 2.4e-7 per step,
which accumulates in the parameters. Run from the repository root.
"""
import json

import numpy as np

f32 = np.float32
data = json.load(open("tests/golden/data/inject.json"))
cases = data["cases"] if isinstance(data, dict) else data
case = next(c for c in cases if c["name"] == "inject_sgd_set_lr_and_momentum")
sets = {int(k): v for k, v in case["set_at"].items()}

for mode in ("plain", "fused"):
  lr, mom = f32(case["init_hyperparams"]["learning_rate"]), f32(
      case["init_hyperparams"]["momentum"])
  trace = None
  worst = []
  for t, step in enumerate(case["steps"]):
    lr = f32(sets.get(t, {}).get("learning_rate", lr))
    mom = f32(sets.get(t, {}).get("momentum", mom))
    grads = [np.asarray(g, dtype=f32) for g in step["grads"]]
    if trace is None:
      trace = [np.zeros_like(g) for g in grads]
    diff = 0.0
    for i, g in enumerate(grads):
      if mode == "plain":
        trace[i] = g + mom * trace[i]
      else:
        trace[i] = (g.astype(np.float64)
                    + np.float64(mom) * trace[i].astype(np.float64)).astype(f32)
      upd = (-lr) * trace[i]
      diff = max(diff, float(np.max(np.abs(
          upd - np.asarray(step["updates"][i], dtype=f32)))))
    worst.append(diff)
  print(mode, " ".join(f"{w:.1e}" for w in worst))
