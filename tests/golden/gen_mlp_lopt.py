#!/usr/bin/env python3
"""Golden features, steps and meta-gradients of MLPLOpt for crates/optax-learned.

Usage (from tests/golden):
    python3 gen_mlp_lopt.py

Writes data/learned_mlp_lopt.json. MLPLOpt follows learned_optimization's
learned_optimizers/mlp_lopt.py formula by formula (written here without haiku:
the same MLP([32, 32, 2]) as matmuls, ReLU between layers): six momentum
accumulators m_d <- d m_d + (1 - d) g updated before the step, the features
[g, p, m] normalised per tensor by x * rsqrt(1e-5 + mean(x^2)), eleven
tanh(t / s - 1) time features, step = d * exp(m * exp_mult) * step_mult.
Each case records theta (haiku's truncated-normal init, drawn here with numpy),
a tree of parameters with a matrix, a vector and a scalar leaf, the 19 features
of the first step for every leaf, the parameters after each of `steps` steps on
the quadratic sum(p^2) (gradient 2p), and jax.value_and_grad with respect to
theta of the loss after the last step (second order through the unroll).
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

DECAYS = jnp.asarray([0.1, 0.5, 0.9, 0.99, 0.999, 0.9999])
TIMESCALES = jnp.asarray([1, 3, 10, 30, 100, 300, 1000, 3000, 10000, 30000, 100000],
                         dtype=jnp.float32)
WIDTHS = [19, 32, 32, 2]
PARAM_SHAPES = {"a": (3, 4), "b": (5,), "c": ()}


def theta_paths():
  return [f"mlp/~/linear_{l}/{k}" for l in range(3) for k in ("w", "b")]


def mlp(theta, x):
  for l in range(3):
    x = x @ theta[f"mlp/~/linear_{l}/w"] + theta[f"mlp/~/linear_{l}/b"]
    if l < 2:
      x = jax.nn.relu(x)
  return x


def features(p, g_, m, iteration):
  inp = jnp.concatenate([g_[..., None], p[..., None], m], axis=-1)
  axis = list(range(p.ndim))
  inp = inp * jax.lax.rsqrt(1e-5 + jnp.mean(jnp.square(inp), axis=axis, keepdims=True))
  tau = jnp.tanh(iteration / TIMESCALES - 1.0)
  tau = jnp.tile(tau.reshape([1] * p.ndim + [11]), list(p.shape) + [1])
  return jnp.concatenate([inp, tau], axis=-1)


def step(theta, params, mom, grad, iteration, exp_mult, step_mult):
  mom = {k: DECAYS * mom[k] + (1 - DECAYS) * grad[k][..., None] for k in params}
  new, feats = {}, {}
  for k, p in params.items():
    g_, m = grad[k], mom[k]
    shape = p.shape
    if not shape:
      p, g_, m = p[None], g_[None], m[None]
    f = features(p, g_, m, iteration)
    out = mlp(theta, f)
    s = out[..., 0] * jnp.exp(out[..., 1] * exp_mult) * step_mult
    new[k] = (p - s).reshape(shape)
    feats[k] = f.reshape(-1, 19)
  return new, mom, feats


def unroll(theta, p0, steps, exp_mult, step_mult):
  p = p0
  mom = {k: jnp.zeros(v.shape + (6,)) for k, v in p0.items()}
  trajectory, first_features = [], None
  for t in range(steps):
    grad = {k: 2.0 * v for k, v in p.items()}
    p, mom, feats = step(theta, p, mom, grad, jnp.int32(t), exp_mult, step_mult)
    if first_features is None:
      first_features = feats
    trajectory.append(p)
  return p, trajectory, first_features


def meta_loss(theta, p0, steps, exp_mult, step_mult):
  p, _, _ = unroll(theta, p0, steps, exp_mult, step_mult)
  return sum(jnp.sum(v * v) for v in p.values())



def case(name, steps, exp_mult, step_mult, out_scale):
  rng = np.random.default_rng(zlib.crc32(name.encode()))
  theta = {}
  for l in range(3):
    w = g.truncated_normal(rng, (WIDTHS[l], WIDTHS[l + 1]), 1 / np.sqrt(WIDTHS[l]))
    if l == 2:
      w = w * out_scale
    theta[f"mlp/~/linear_{l}/w"] = jnp.asarray(w)
    theta[f"mlp/~/linear_{l}/b"] = jnp.asarray(
        (0.05 * rng.standard_normal(WIDTHS[l + 1])).astype(np.float32))
  p0 = {k: jnp.asarray(rng.standard_normal(s).astype(np.float32)) for k, s in PARAM_SHAPES.items()}
  _, trajectory, feats = unroll(theta, p0, steps, exp_mult, step_mult)
  value, grad = jax.value_and_grad(meta_loss)(theta, p0, steps, exp_mult, step_mult)
  f = lambda v: g.F32List(np.asarray(v).reshape(-1))
  return {
      "name": name, "steps": steps, "exp_mult": exp_mult, "step_mult": step_mult,
      "theta": {k: f(theta[k]) for k in theta_paths()},
      "params": {k: f(p0[k]) for k in PARAM_SHAPES},
      "shapes": {k: list(s) for k, s in PARAM_SHAPES.items()},
      "features": {k: f(feats[k]) for k in PARAM_SHAPES},
      "trajectory": [{k: f(p[k]) for k in PARAM_SHAPES} for p in trajectory],
      "meta_loss": f(value),
      "meta_grad": {k: f(grad[k]) for k in theta_paths()},
  }


def main():
  cases = [
      # learned_optimization's defaults: steps of about 1e-3.
      case("default/T5", 5, 0.001, 0.001, 1.0),
      # Larger steps, so that the parameters move and the features change a lot.
      case("large/T8", 8, 0.1, 0.05, 3.0),
  ]
  meta = {
      "optax_version": optax.__version__,
      "jax_version": jax.__version__,
      "generator": "tests/golden/gen_mlp_lopt.py",
      "description": __doc__.strip().splitlines()[0],
  }
  path, size = g.write("learned_mlp_lopt.json", {"meta": meta, "cases": cases})
  print(f"wrote {path} ({size} bytes)")


if __name__ == "__main__":
  main()
