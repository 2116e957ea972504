"""Diagnostic for the drifting L-BFGS golden cases (issue 11).

Runs a gen_lbfgs.py case twice with Optax itself: jitted (as the golden data
is generated; XLA fuses and contracts mul+add into FMA) and op by op under
jax.disable_jit(), and prints the max abs parameter difference per step. This
is Optax's own float32 sensitivity to evaluation order. Measured (Optax 0.2.8,
jax 0.10.2 CPU): lbfgs/fixed_lr/quadratic up to 3.6e-7 (step 11);
lbfgs/zoom/rosen2d 7.2e-7 at step 5, 1.5e-5 at step 7, 2.8e-4 at step 12,
2.3e-2 at step 19. Usage (from tests/golden): python diag_lbfgs_jit.py [case]
"""
import sys

import jax
import numpy as np

import gen_lbfgs as G

CASES = {
    "lbfgs/fixed_lr/quadratic": (
        {"lbfgs": {"learning_rate": 0.3, "linesearch": None}},
        "quadratic", "default", {}),
    "lbfgs/zoom/rosen2d": (
        {"lbfgs": {}}, "rosenbrock", "rosen2d", {"p0": G.ROSEN_START}),
}

name = sys.argv[1] if len(sys.argv) > 1 else "lbfgs/zoom/rosen2d"
spec, objective, tree, kw = CASES[name]
jitted = G.run(name, spec, objective, tree, **kw)
with jax.disable_jit():
  eager = G.run(name, spec, objective, tree, **kw)
for t, (x, y) in enumerate(zip(jitted["steps"], eager["steps"])):
  d = max(float(np.max(np.abs(np.float64(p.values) - np.float64(q.values))))
          for p, q in zip(x["params"], y["params"]))
  print(t, f"{d:.1e}")
