#!/usr/bin/env python3
"""Golden data for optax.second_order (hvp, hessian_diag, fisher_diag).

Usage (from tests/golden):
    python3 gen_second_order.py

Writes data/second_order.json. Every value is computed by Optax 0.2.8's own
functions on JAX (exact forward-over-reverse products, float32, CPU), so the
Rust finite-difference products are compared with the exact ones. For each
case the loss value and its exact gradient are stored too: they check that the
Rust loss is the same function before the second-order products are compared.

The outputs are derivatives already; a VJP of them would be a third
derivative, so no "cotangent"/"grads" are recorded (unlike losses.json).
"""

import warnings
import zlib

import generate as g  # sets JAX_PLATFORMS=cpu and float32 before jax loads

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402
from jax import flatten_util  # noqa: E402

FUNCTIONS = ["hvp", "hessian_diag", "fisher_diag"]


def rng_of(name):
  return np.random.default_rng(zlib.crc32(name.encode("utf-8")))


def quadratic(params, inputs, targets):
  """0.5 x^T A x + b^T x with x = ravel(params), A = inputs, b = targets."""
  x = flatten_util.ravel_pytree(params)[0]
  return 0.5 * x @ (inputs @ x) + targets @ x


def mlp(params, inputs, targets):
  """Mean softmax cross-entropy of a tanh MLP; targets are one-hot rows."""
  h = jnp.tanh(inputs @ params["w1"] + params["b1"])
  logits = h @ params["w2"] + params["b2"]
  return jnp.mean(-jnp.sum(targets * jax.nn.log_softmax(logits), axis=-1))


LOSSES = {"quadratic": quadratic, "mlp": mlp}


def tree_arrays(tree, paths):
  return {p: g.arr(np.asarray(tree[p], np.float32)) for p in paths}


def case(name, loss, params, inputs, targets, vs):
  paths = sorted(params)
  fn = LOSSES[loss]
  params = {k: jnp.asarray(v, jnp.float32) for k, v in params.items()}
  inputs = jnp.asarray(inputs, jnp.float32)
  targets = jnp.asarray(targets, jnp.float32)
  value = fn(params, inputs, targets)
  grad = jax.grad(fn)(params, inputs, targets)
  hvps = []
  for v in vs:
    v = jnp.asarray(v, jnp.float32)
    out = optax.second_order.hvp(fn, v, params, inputs, targets)
    hvps.append({"v": g.arr(v), "output": tree_arrays(out, paths)})
  hdiag = optax.second_order.hessian_diag(fn, params, inputs, targets)
  fdiag = optax.second_order.fisher_diag(fn, params, inputs, targets)
  # Optax's hessian_diag against the diagonal of the full Hessian.
  flat, unravel = flatten_util.ravel_pytree(params)
  hess = jax.hessian(lambda x: fn(unravel(x), inputs, targets))(flat)
  assert np.allclose(np.diag(hess), hdiag, rtol=1e-5, atol=1e-6), name
  for out in (value, hdiag, fdiag, hess):
    assert np.all(np.isfinite(np.asarray(out))), name
  return {
      "name": name,
      "loss": loss,
      "paths": paths,
      "shapes": [list(params[p].shape) for p in paths],
      "params": tree_arrays(params, paths),
      "inputs": g.arr(inputs),
      "targets": g.arr(targets),
      "value": g.arr(np.asarray(value, np.float32)),
      "grad": tree_arrays(grad, paths),
      "hvp": hvps,
      "hessian_diag": g.arr(np.asarray(hdiag, np.float32)),
      "fisher_diag": g.arr(np.asarray(fdiag, np.float32)),
  }


def quadratic_case(name, scale=1.0, v_scale=1.0, zero_params=False):
  rng = rng_of(name)
  shapes = {"u": (3,), "w": (2, 2)}
  n = 7
  a = rng.standard_normal((n, n))
  a = g.f32((a + a.T) / 2)  # symmetric, indefinite: H = A exactly
  b = g.f32(rng.standard_normal(n))
  params = {k: g.f32(rng.standard_normal(s) * scale) for k, s in shapes.items()}
  if zero_params:
    params = {k: np.zeros(s, np.float32) for k, s in shapes.items()}
  vs = [g.f32(rng.standard_normal(n) * v_scale) for _ in range(2)]
  e = np.zeros(n, np.float32)
  e[4] = 1.0  # a basis vector: one column of A
  vs.append(e)
  return case(name, "quadratic", params, a, b, vs)


def mlp_case(name, batch=5, big=False):
  rng = rng_of(name)
  params = {
      "b1": g.f32(rng.standard_normal(8) * 0.5),
      "b2": g.f32(rng.standard_normal(3) * 0.5),
      "w1": g.f32(rng.standard_normal((4, 8)) * 0.7),
      "w2": g.f32(rng.standard_normal((8, 3)) * 0.7),
  }
  x = g.f32(rng.standard_normal((batch, 4)) * (3.0 if big else 1.0))
  y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, batch)]
  n = sum(v.size for v in params.values())
  vs = [g.f32(rng.standard_normal(n)) for _ in range(2)]
  return case(name, "mlp", params, x, y, vs)


def main():
  warnings.simplefilter("ignore", DeprecationWarning)
  cases = [
      quadratic_case("quadratic/unit"),
      quadratic_case("quadratic/large_params", scale=100.0),
      quadratic_case("quadratic/small_v", v_scale=1e-3),
      quadratic_case("quadratic/zero_params", zero_params=True),
      mlp_case("mlp/4-8-3_batch5"),
      mlp_case("mlp/4-8-3_batch1", batch=1),
      mlp_case("mlp/4-8-3_large_inputs", batch=6, big=True),
  ]
  meta = {
      "optax_version": optax.__version__,
      "jax_version": jax.__version__,
      "numpy_version": np.__version__,
      "backend": jax.default_backend(),
      "generator": "tests/golden/gen_second_order.py",
      "description": (
          "optax.second_order on a loss(params, inputs, targets). params is "
          "a dict of float32 arrays listed in `paths` order (jax's sorted "
          "key order, which is also the order of ravel_pytree); arrays are "
          "{dtype, shape, data} with data flattened row-major. loss "
          "'quadratic': 0.5 x^T A x + b^T x with x = ravel(params), A = "
          "inputs (symmetric), b = targets. loss 'mlp': mean over rows of "
          "-sum(targets * log_softmax(tanh(inputs @ w1 + b1) @ w2 + b2)). "
          "value/grad: the loss and jax.grad. hvp[i]: "
          "optax.second_order.hvp(loss, v, params, inputs, targets) (a "
          "tree). hessian_diag, fisher_diag: Optax's (flat, ravel order). "
          "No VJPs: the outputs are derivatives already."),
  }
  path, size = g.write("second_order.json", {
      "meta": meta,
      "signatures": signatures(),
      "cases": cases,
  })
  print(f"{path}: {size} bytes, {len(cases)} cases")


def signatures():
  """Like generate.signatures, for the optax.second_order namespace."""
  import inspect
  out = {}
  for name in FUNCTIONS:
    sig = inspect.signature(getattr(optax.second_order, name))
    out[name] = [[p.name, g._default_json(p.default), p.kind.name,
                  p.default is not inspect.Parameter.empty]
                 for p in sig.parameters.values()]
  return out


if __name__ == "__main__":
  main()
