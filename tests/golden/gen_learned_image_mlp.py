#!/usr/bin/env python3
"""Golden losses, gradients and Part 1 meta-gradients of the image-MLP task for crates/optax-learned.

Usage (from tests/golden):
    python3 gen_learned_image_mlp.py

Writes data/learned_image_mlp.json. The task is learned_optimization's
ImageMLP_FashionMnist8_Relu32 model (64 -> 32 -> relu -> 10, mean softmax
cross-entropy with one-hot labels), written in jax.numpy as haiku computes it,
on a recorded batch of 128 synthetic 8x8 images in [0, 1] with labels, from
recorded parameters. Recorded for each case:
  * the loss and jax.grad of the loss at the parameters (the Rust task writes
    its gradient by hand in tensor ops);
  * the Part 1 meta-loss of learned_optimization's intro notebook: LearnableAdam
    (adam(exp(log_lr), 1 - exp(one_minus_beta1), 1 - exp(one_minus_beta2),
    exp(log_epsilon), eps_root=1e-8)) unrolled `steps` steps on the same batch
    with jax.grad of the loss, then the loss on that batch; and
    jax.value_and_grad of it with respect to theta. The inner gradients are
    differentiated too (second order), as the notebook's meta-gradient is.
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

BATCH, DIM, HIDDEN, CLASSES = 128, 64, 32, 10
PATHS = ["mlp/~/linear_0/w", "mlp/~/linear_0/b", "mlp/~/linear_1/w", "mlp/~/linear_1/b"]


def loss_fn(p, x, y):
  h = jax.nn.relu(x @ p["mlp/~/linear_0/w"] + p["mlp/~/linear_0/b"])
  logits = h @ p["mlp/~/linear_1/w"] + p["mlp/~/linear_1/b"]
  return jnp.mean(optax.softmax_cross_entropy(logits, y))


def meta_loss(theta, p0, x, y, steps):
  opt = optax.adam(jnp.exp(theta["log_lr"]),
                   b1=1 - jnp.exp(theta["one_minus_beta1"]),
                   b2=1 - jnp.exp(theta["one_minus_beta2"]),
                   eps=jnp.exp(theta["log_epsilon"]), eps_root=1e-8)
  p, s = p0, opt.init(p0)
  for _ in range(steps):
    grad = jax.grad(loss_fn)(p, x, y)
    u, s = opt.update(grad, s, p)
    p = optax.apply_updates(p, u)
  return loss_fn(p, x, y)



def case(name, theta, steps, bias_scale):
  rng = np.random.default_rng(zlib.crc32(name.encode()))
  # Synthetic images: a class-dependent pattern plus noise, clipped to [0, 1].
  labels = rng.integers(0, CLASSES, BATCH)
  means = rng.uniform(0, 1, (CLASSES, DIM))
  x = np.clip(means[labels] + 0.2 * rng.standard_normal((BATCH, DIM)), 0, 1).astype(np.float32)
  y = np.eye(CLASSES, dtype=np.float32)[labels]
  p0 = {
      "mlp/~/linear_0/w": g.truncated_normal(rng, (DIM, HIDDEN), 1 / np.sqrt(DIM)),
      "mlp/~/linear_0/b": (bias_scale * rng.standard_normal(HIDDEN)).astype(np.float32),
      "mlp/~/linear_1/w": g.truncated_normal(rng, (HIDDEN, CLASSES), 1 / np.sqrt(HIDDEN)),
      "mlp/~/linear_1/b": (bias_scale * rng.standard_normal(CLASSES)).astype(np.float32),
  }
  p0 = {k: jnp.asarray(v) for k, v in p0.items()}
  x, y = jnp.asarray(x), jnp.asarray(y)
  loss, grad = jax.value_and_grad(loss_fn)(p0, x, y)
  theta = {k: jnp.float32(v) for k, v in theta.items()}
  value, meta_grad = jax.value_and_grad(meta_loss)(theta, p0, x, y, steps)
  f = lambda v: g.F32List(np.asarray(v).reshape(-1))
  return {
      "name": name, "steps": steps,
      "inputs": f(x), "labels": [int(l) for l in labels],
      "params": {k: f(p0[k]) for k in PATHS},
      "loss": f(loss), "grad": {k: f(grad[k]) for k in PATHS},
      "theta": {k: f(v) for k, v in theta.items()},
      "meta_loss": f(value), "meta_grad": {k: f(v) for k, v in meta_grad.items()},
  }


def main():
  # LearnableAdam's initial theta (lr 1e-3), the plateau the notebook reaches (lr 0.058),
  # and a large step with strong momentum, where the second-order terms matter most.
  init = {"log_lr": np.log(1e-3), "one_minus_beta1": np.log(0.1),
          "one_minus_beta2": np.log(1e-3), "log_epsilon": np.log(1e-8)}
  plateau = dict(init, log_lr=np.log(0.058))
  large = {"log_lr": np.log(0.2), "one_minus_beta1": np.log(0.3),
           "one_minus_beta2": np.log(0.05), "log_epsilon": np.log(1e-4)}
  cases = [
      case("part1/init/T4", init, 4, 0.0),
      case("part1/plateau/T4", plateau, 4, 0.1),
      case("large/T6", large, 6, 0.1),
  ]
  meta = {
      "optax_version": optax.__version__,
      "jax_version": jax.__version__,
      "generator": "tests/golden/gen_learned_image_mlp.py",
      "description": __doc__.strip().splitlines()[0],
  }
  path, size = g.write("learned_image_mlp.json", {"meta": meta, "cases": cases})
  print(f"wrote {path} ({size} bytes)")


if __name__ == "__main__":
  main()
