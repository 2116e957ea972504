#!/usr/bin/env python3
"""learned_optimization's Part 1 in JAX + Optax, timed: the baseline of `optax-train meta`.

Usage (CPU; needs jax, optax, numpy as tests/golden/requirements.txt pins, and the Debian
package dataset-fashion-mnist):
    JAX_PLATFORMS=cpu python3 scripts/part1_jax.py [--iterations 2000]

The computation of the intro notebook (learned_optimization's
docs/notebooks/Part1_Introduction.ipynb), written with jax.numpy instead of haiku and
tfds so that it runs offline: the ImageMLP_FashionMnist8_Relu32 task (64 -> 32 -> relu -> 10,
truncated-normal weights with stddev 1/sqrt(fan_in), zero biases, mean softmax cross-entropy;
Fashion-MNIST resized to 8x8 by bilinear interpolation with half-pixel centres, /255, the first
48,000 training images, batches of 128 reshuffled each epoch), LearnableAdam (adam with
eps_root=1e-8 on exp(log_lr), 1 - exp(one_minus_beta1), ...), the meta-loss after a 4-step
unroll on one batch, jax.jit(jax.value_and_grad(meta_loss)), and learned_optimization's
Adam(1e-2) (eps_root=1e-8) on theta in a Python loop, as the notebook has them. Prints the
meta-loss and the learning rate every 100 iterations and the wall time, compilation included,
as the notebook's loop would take it. Not run by CI.
"""

import argparse
import gzip
import os
import resource
import time

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

DATA = os.environ.get("OPTAX_FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")


def read_idx(name, dims):
  with gzip.open(os.path.join(DATA, name)) as f:
    raw = f.read()
  shape = [int.from_bytes(raw[4 + 4 * d:8 + 4 * d], "big") for d in range(dims)]
  return np.frombuffer(raw, np.uint8, offset=4 + 4 * dims).reshape(shape)


def resize_8x8(images):
  """tf.image.resize(..., (8, 8), 'bilinear', antialias=False) with half-pixel centres."""
  n, h, w = images.shape
  x = (np.arange(8) + 0.5) * (h / 8) - 0.5
  lo = np.maximum(np.floor(x), 0).astype(int)
  hi = np.minimum(np.ceil(x), h - 1).astype(int)
  lam = (x - np.floor(x)).astype(np.float32)
  img = images.astype(np.float32)
  rows = img[:, lo, :] + (img[:, hi, :] - img[:, lo, :]) * lam[None, :, None]
  out = rows[:, :, lo] + (rows[:, :, hi] - rows[:, :, lo]) * lam[None, None, :]
  return out


def train_batches(seed, batch_size=128):
  images = resize_8x8(read_idx("train-images-idx3-ubyte.gz", 3)[:48000]) / 255.0
  labels = read_idx("train-labels-idx1-ubyte.gz", 1)[:48000].astype(np.int32)
  images = images.reshape(-1, 64).astype(np.float32)
  rng = np.random.default_rng(seed)
  while True:
    order = rng.permutation(len(labels))
    for i in range(len(labels) // batch_size):
      idx = order[i * batch_size:(i + 1) * batch_size]
      yield images[idx], labels[idx]


def init(key):
  k0, k1 = jax.random.split(key)
  w0 = jax.random.truncated_normal(k0, -2.0, 2.0, (64, 32)) / np.sqrt(64)
  w1 = jax.random.truncated_normal(k1, -2.0, 2.0, (32, 10)) / np.sqrt(32)
  return {"w0": w0, "b0": jnp.zeros(32), "w1": w1, "b1": jnp.zeros(10)}


def loss(p, batch):
  x, y = batch
  h = jax.nn.relu(x @ p["w0"] + p["b0"])
  logits = h @ p["w1"] + p["b1"]
  return jnp.mean(optax.softmax_cross_entropy(logits, jax.nn.one_hot(y, 10)))


def meta_loss(theta, key, batch):
  opt = optax.adam(jnp.exp(theta["log_lr"]), b1=1 - jnp.exp(theta["one_minus_beta1"]),
                   b2=1 - jnp.exp(theta["one_minus_beta2"]),
                   eps=jnp.exp(theta["log_epsilon"]), eps_root=1e-8)
  p = init(key)
  s = opt.init(p)
  for _ in range(4):
    g = jax.grad(loss)(p, batch)
    u, s = opt.update(g, s, p)
    p = optax.apply_updates(p, u)
  return loss(p, batch)


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--iterations", type=int, default=2000)
  parser.add_argument("--seed", type=int, default=0)
  args = parser.parse_args()

  batches = train_batches(args.seed)
  theta = {"log_lr": jnp.log(1e-3), "one_minus_beta1": jnp.log(0.1),
           "one_minus_beta2": jnp.log(1e-3), "log_epsilon": jnp.log(1e-8)}
  # The notebook's theta_opt is learned_optimization's Adam(1e-2): optax.adam with eps_root=1e-8.
  theta_opt = optax.adam(1e-2, eps_root=1e-8)
  theta_state = theta_opt.init(theta)
  meta_value_and_grad = jax.jit(jax.value_and_grad(meta_loss))
  key = jax.random.PRNGKey(args.seed)
  start = time.perf_counter()
  for i in range(args.iterations):
    key, k = jax.random.split(key)
    value, grad = meta_value_and_grad(theta, k, next(batches))
    if i % 100 == 0:
      print(f"meta-iteration {i}, meta-loss: {float(value):.4f}, "
            f"lr: {float(jnp.exp(theta['log_lr'])):.4e}, theta: "
            + ", ".join(f"{k} {float(v):.3f}" for k, v in sorted(theta.items())))
    updates, theta_state = theta_opt.update(grad, theta_state)
    theta = optax.apply_updates(theta, updates)
  lr = float(jnp.exp(theta["log_lr"]))
  seconds = time.perf_counter() - start
  peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
  print(f"lr after {args.iterations} meta-iterations: {lr:.4e}; {seconds:.2f} s "
        f"({1e3 * seconds / args.iterations:.2f} ms per meta-iteration, compilation included; "
        f"data loaded before), peak memory {peak:.0f} MiB; jax {jax.__version__}, "
        f"optax {optax.__version__}")


if __name__ == "__main__":
  main()
