#!/usr/bin/env python3
"""Golden data for `optax_core::monte_carlo` from Optax 0.2.6's `optax.monte_carlo`.

Optax removed `optax.monte_carlo` in 0.2.7, so this generator runs against
Optax 0.2.6 in its own virtual environment (the global Optax 0.2.8 stays):

    # requirements: optax==0.2.6 jax==0.10.2 jaxlib==0.10.2 numpy
    python3 -m venv /tmp/venv-optax026
    /tmp/venv-optax026/bin/pip install optax==0.2.6 jax==0.10.2 jaxlib==0.10.2 numpy
    cd tests/golden && /tmp/venv-optax026/bin/python gen_monte_carlo.py

Every case calls Optax with a JAX PRNG key, and records the random draws Optax
made from that key (re-drawn here with the same `jax.random` calls, and checked
to be the ones Optax used), so that the Rust forms that take explicit draws
can be compared with Optax's jacobians on the same samples.

The functions f(x) of a sample x in R^D used by the cases (the Rust test
writes the same ones with Burn ops):
  linear:    f(x) = sum(w * x)
  quadratic: f(x) = 0.5 * x^T A x + b . x      (A symmetric)
  cubic:     f(x) = sum(w * x^3)
Output: data/monte_carlo.json. Deterministic.
"""

import inspect
import math
import warnings
import zlib

import generate as g  # sets JAX_PLATFORMS=cpu before jax is imported

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402
from optax import monte_carlo as mc  # noqa: E402
from optax._src import utils  # noqa: E402

EXPECTED_OPTAX = "0.2.6"

FUNCTIONS = [
    "multi_normal", "score_function_jacobians", "pathwise_jacobians",
    "measure_valued_jacobians", "control_variates_jacobians",
    "control_delta_method", "moving_avg_baseline",
    "estimate_control_variate_coefficients",
]


def signatures():
  out = {}
  for name in FUNCTIONS:
    fn = (getattr(mc, name, None) or getattr(mc.control_variates, name, None)
          or getattr(utils, name))
    fn = inspect.unwrap(fn)
    out[name] = [[p.name, g._default_json(p.default), p.kind.name,
                  p.default is not inspect.Parameter.empty]
                 for p in inspect.signature(fn).parameters.values()]
  return out


def make_function(spec):
  kind = spec["kind"]
  if kind == "linear":
    w = jnp.asarray(spec["w"])
    return lambda x: jnp.sum(w * x)
  if kind == "quadratic":
    a, b = jnp.asarray(spec["a"]), jnp.asarray(spec["b"])
    return lambda x: 0.5 * jnp.dot(x, jnp.dot(a, x)) + jnp.dot(b, x)
  if kind == "cubic":
    w = jnp.asarray(spec["w"])
    return lambda x: jnp.sum(w * x ** 3)
  raise ValueError(kind)


def spec_json(spec):
  return {k: (v if isinstance(v, str) else g.arr(v)) for k, v in spec.items()}


def draws(key, n, d, estimator, coupling=True):
  """The draws Optax makes from `key` for `num_samples = n` in R^d."""
  out = {"normal": jax.random.normal(key, (n, d))}
  if estimator == "measure_valued":
    pos_key, neg_key = jax.random.split(key)
    wpos = jax.random.weibull_min(pos_key, scale=math.sqrt(2.0),
                                  concentration=2.0, shape=(n, d))
    wneg = wpos if coupling else jax.random.weibull_min(
        neg_key, scale=math.sqrt(2.0), concentration=2.0, shape=(n, d))
    mpos = jax.random.double_sided_maxwell(pos_key, loc=0.0, scale=1.0,
                                           shape=(n, d))
    if coupling:
      mneg = jax.random.uniform(neg_key, (n, d)) * mpos
    else:
      mneg = jax.random.normal(neg_key, (n, d))
    out.update(mean_positive=wpos, mean_negative=wneg, std_positive=mpos,
               std_negative=mneg)
  return {k: g.arr(np.asarray(v)) for k, v in out.items()}


ESTIMATORS = {
    "score_function": mc.score_function_jacobians,
    "pathwise": mc.pathwise_jacobians,
    "measure_valued": mc.measure_valued_jacobians,
}


def main():
  warnings.simplefilter("ignore")
  if optax.__version__ != EXPECTED_OPTAX:
    raise SystemExit(f"needs optax {EXPECTED_OPTAX}, got {optax.__version__}")
  rng = np.random.default_rng(20261201)
  d, n = 3, 6

  def params():
    return (g.f32(rng.standard_normal(d)),
            g.f32(rng.uniform(-0.7, 0.4, d)))

  def quad():
    m = rng.standard_normal((d, d))
    return {"kind": "quadratic", "a": g.f32(0.5 * (m + m.T)),
            "b": g.f32(rng.standard_normal(d))}

  specs = [
      ("linear", {"kind": "linear", "w": g.f32(rng.standard_normal(d))}),
      ("quadratic", quad()),
      ("cubic", {"kind": "cubic", "w": g.f32(rng.standard_normal(d))}),
  ]
  cases = []

  def key_of(name):
    return jax.random.PRNGKey(zlib.crc32(name.encode()))

  # The distribution: samples and log-densities.
  for tag, (loc, log_scale) in (("random", params()),
                                ("unit", (g.f32(np.zeros(d)),
                                          g.f32(np.zeros(d))))):
    name = f"multi_normal/{tag}"
    key = key_of(name)
    dist = utils.multi_normal(jnp.asarray(loc), jnp.asarray(log_scale))
    x = dist.sample((n,), key=key)
    normal = jax.random.normal(key, (n, d))
    assert np.array_equal(np.asarray(x), np.asarray(normal * jnp.exp(
        jnp.asarray(log_scale)) + jnp.asarray(loc)))
    cases.append({
        "name": name, "function": "multi_normal", "args": {},
        "inputs": {"loc": g.arr(loc), "log_scale": g.arr(log_scale)},
        "draws": {"normal": g.arr(np.asarray(normal))},
        "output": {"samples": g.arr(np.asarray(x)),
                   "log_prob": g.arr(np.asarray(dist.log_prob(x)))},
    })

  # The three estimators.
  for fname, spec in specs:
    for est, fn in ESTIMATORS.items():
      for coupling in ((True, False) if est == "measure_valued" else (None,)):
        name = f"{est}_jacobians/{fname}"
        args = {"num_samples": n}
        if coupling is not None:
          name += f"/coupling_{str(coupling).lower()}"
          args["coupling"] = coupling
        key = key_of(name)
        p = params()
        kw = {} if coupling is None else {"coupling": coupling}
        jac = fn(make_function(spec), tuple(map(jnp.asarray, p)),
                 utils.multi_normal, key, n, **kw)
        cases.append({
            "name": name, "function": f"{est}_jacobians", "args": args,
            "f": spec_json(spec),
            "inputs": {"mean": g.arr(p[0]), "log_scale": g.arr(p[1])},
            "draws": draws(key, n, d, est, coupling if coupling is not None
                           else True),
            "output": [g.arr(np.asarray(j)) for j in jac],
        })

  # Control variates.
  cv_cases = [
      ("delta", "pathwise", "quadratic", False),
      ("delta", "score_function", "quadratic", False),
      ("delta", "measure_valued", "quadratic", False),
      ("delta", "score_function", "cubic", False),
      ("delta", "pathwise", "cubic", False),
      ("delta", "score_function", "cubic", True),
      ("moving_avg_baseline", "score_function", "quadratic", False),
      ("moving_avg_baseline", "score_function", "linear", True),
      ("moving_avg_baseline", "pathwise", "cubic", False),
  ]
  spec_of = dict(specs)
  for cv, est, fname, coeffs in cv_cases:
    name = f"control_variates_jacobians/{cv}/{est}/{fname}"
    if coeffs:
      name += "/estimate_cv_coeffs"
    key = key_of(name)
    p = params()
    if cv == "delta":
      cvff, state, cv_args = mc.control_delta_method, None, {}
    else:
      cv_args = {"decay": 0.9, "zero_debias": True,
                 "use_decay_early_training_heuristic": True}
      cvff = lambda f: mc.moving_avg_baseline(f, **cv_args)  # noqa: E731
      state = (jnp.asarray(0.25, jnp.float32), 3)
    coeff_n = 20
    jac, new_state = mc.control_variates_jacobians(
        make_function(spec_of[fname]), cvff, ESTIMATORS[est],
        tuple(map(jnp.asarray, p)), utils.multi_normal, key, n,
        control_variate_state=state, estimate_cv_coeffs=coeffs,
        estimate_cv_coeffs_num_samples=coeff_n)
    case = {
        "name": name, "function": "control_variates_jacobians",
        "args": {"control_variate": cv, "cv_args": cv_args,
                 "grad_estimator": est, "num_samples": n,
                 "estimate_cv_coeffs": coeffs,
                 "estimate_cv_coeffs_num_samples": coeff_n},
        "f": spec_json(spec_of[fname]),
        "inputs": {"mean": g.arr(p[0]), "log_scale": g.arr(p[1])},
        "draws": draws(key, n, d, est),
        "output": [g.arr(np.asarray(j)) for j in jac],
    }
    if state is not None:
      case["inputs"]["state"] = {"value": g.F32Scalar(state[0]),
                                 "i": int(state[1])}
      case["new_state"] = {"value": g.F32Scalar(new_state[0]),
                           "i": int(new_state[1])}
    if coeffs:
      cv_key, _ = jax.random.split(key)
      case["coeff_draws"] = draws(cv_key, coeff_n, d, est)
      case["coeffs"] = g.F32List(mc.control_variates.estimate_control_variate_coefficients(
          make_function(spec_of[fname]), cvff, ESTIMATORS[est],
          tuple(map(jnp.asarray, p)), utils.multi_normal, key, coeff_n,
          state))
    cases.append(case)

  meta = {
      "optax_version": optax.__version__,
      "jax_version": jax.__version__,
      "jaxlib_version": __import__("jaxlib").__version__,
      "numpy_version": np.__version__,
      "backend": jax.default_backend(),
      "generator": "tests/golden/gen_monte_carlo.py",
      "description": (
          "optax.monte_carlo (Optax 0.2.6; removed in 0.2.7): jacobians of "
          "the three Gaussian gradient estimators and of the control "
          "variates, each with the random draws Optax made from its key."),
  }
  path, size = g.write("monte_carlo.json", {
      "meta": meta, "signatures": signatures(), "cases": cases})
  print(f"wrote {path} ({size} bytes, {len(cases)} cases)")


if __name__ == "__main__":
  main()
