#!/usr/bin/env python3
"""Golden meta-losses and exact meta-gradients for crates/optax-learned.

Usage (from tests/golden):
    python3 gen_learned.py

Writes data/learned_quadratic.json. Each case unrolls `steps` steps of an
optimizer whose hyperparameters come from meta-parameters `theta`, on
learned_optimization's QuadraticTask (L(p) = sum(p^2), gradient 2p), from a
recorded p0, and records jax.value_and_grad(meta_loss)(theta): the meta-loss
(the loss after the last step, or the mean of the losses before each step) and
its exact gradient through the unroll. The optimizers follow
learned_optimization's learned_optimizers/base.py:
  LearnableSGD:  lr = exp(log_lr), optax.sgd(lr)
  LearnableAdam: optax.adam(exp(log_lr), 1 - exp(one_minus_beta1),
                 1 - exp(one_minus_beta2), exp(log_epsilon), eps_root=1e-8)
                 (learned_optimization's Adam sets eps_root=1e-8)
Recorded without XLA's FMA contraction (see README.md), as gen_lbfgs.py.
"""

import os
import zlib

os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false --xla_cpu_max_isa=AVX"

import generate as g  # sets JAX_PLATFORMS=cpu and float32 before jax loads

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402


def opt_of(lopt, theta):
  if lopt == "LearnableSGD":
    return optax.sgd(jnp.exp(theta["log_lr"]))
  return optax.adam(jnp.exp(theta["log_lr"]),
                    b1=1 - jnp.exp(theta["one_minus_beta1"]),
                    b2=1 - jnp.exp(theta["one_minus_beta2"]),
                    eps=jnp.exp(theta["log_epsilon"]), eps_root=1e-8)


def meta_loss(theta, p0, lopt, steps, kind):
  opt = opt_of(lopt, theta)
  loss = lambda p: jnp.sum(p * p)
  p, s = p0, opt.init(p0)
  total = 0.0
  for _ in range(steps):
    g_ = 2.0 * p
    total = total + loss(p)
    u, s = opt.update(g_, s, p)
    p = optax.apply_updates(p, u)
  return loss(p) if kind == "last_step" else total / steps


def case(name, lopt, theta, steps, kind, dim=10):
  rng = np.random.default_rng(zlib.crc32(name.encode()))
  p0 = jnp.asarray(rng.standard_normal(dim).astype(np.float32))
  theta = {k: jnp.float32(v) for k, v in theta.items()}
  value, grad = jax.value_and_grad(meta_loss)(theta, p0, lopt, steps, kind)
  return {
      "name": name, "learned_optimizer": lopt, "steps": steps, "meta_loss": kind,
      "p0": g.F32List(np.asarray(p0)),
      "theta": {k: g.F32List(np.asarray(v).reshape(1)) for k, v in theta.items()},
      "value": g.F32List(np.asarray(value).reshape(1)),
      "grad": {k: g.F32List(np.asarray(v).reshape(1)) for k, v in grad.items()},
  }


def main():
  sgd = lambda lr: {"log_lr": np.log(np.float32(lr))}
  # LearnableAdam's initial theta (learned_optimization's recorded values), and a
  # second point with larger steps.
  adam0 = {"log_lr": -6.9077554, "one_minus_beta1": -2.3025851,
           "one_minus_beta2": -6.9077554, "log_epsilon": -18.420681}
  adam1 = {"log_lr": np.log(0.05), "one_minus_beta1": np.log(0.2),
           "one_minus_beta2": np.log(0.05), "log_epsilon": np.log(1e-3)}
  cases = [
      case("sgd/last_step/T4", "LearnableSGD", sgd(0.1), 4, "last_step"),
      case("sgd/mean/T10", "LearnableSGD", sgd(0.05), 10, "mean"),
      case("adam/init/last_step/T4", "LearnableAdam", adam0, 4, "last_step"),
      case("adam/init/mean/T10", "LearnableAdam", adam0, 10, "mean"),
      case("adam/large/last_step/T8", "LearnableAdam", adam1, 8, "last_step"),
      case("adam/large/mean/T8", "LearnableAdam", adam1, 8, "mean"),
  ]
  meta = {
      "optax_version": optax.__version__,
      "jax_version": jax.__version__,
      "generator": "tests/golden/gen_learned.py",
      "description": __doc__.strip().splitlines()[0],
  }
  path, size = g.write("learned_quadratic.json", {"meta": meta, "cases": cases})
  print(f"wrote {path} ({size} bytes)")


if __name__ == "__main__":
  main()
