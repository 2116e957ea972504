#!/usr/bin/env python3
"""The Optax quickstart (docs/optax-101.ipynb, "Quick Start" and "Weight Decay, Schedules and
Clipping") in Python Optax, printing the same lines as `optax-train`, for comparing wall times.

    python3 scripts/quickstart_optax.py [--steps 1000] [--batch-size 5] [--seed 42]

Needs jax and optax (pip install jax optax). Not run by CI. The random numbers are JAX's, so the
losses differ from the Rust run's; the task, model, loss and optimizers are the same. Wall time
is from the start of the script (imports and JIT compilation included) to the end.
"""

import time

START = time.perf_counter()

import argparse  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import optax  # noqa: E402

IMPORTED = time.perf_counter()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=5)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    steps, batch_size = args.steps, args.batch_size

    # Data: batches of random 8-bit numbers as bits (most significant first), one-hot parity.
    raw = jax.random.randint(jax.random.PRNGKey(args.seed), (steps, batch_size, 1), 0, 255)
    training_data = jnp.unpackbits(raw.astype(jnp.uint8), axis=-1).astype(jnp.float32)
    labels = jax.nn.one_hot(raw % 2, 2).astype(jnp.float32).reshape(steps, batch_size, 2)

    # Model: hidden 8x32 and output 32x2 from N(0, 1), no biases.
    initial_params = {
        "hidden": jax.random.normal(shape=[8, 32], key=jax.random.PRNGKey(0)),
        "output": jax.random.normal(shape=[32, 2], key=jax.random.PRNGKey(1)),
    }

    def net(x, params):
        x = jnp.dot(x, params["hidden"])
        x = jax.nn.relu(x)
        return jnp.dot(x, params["output"])

    def loss(params, batch, labels):
        y_hat = net(batch, params)
        return optax.sigmoid_binary_cross_entropy(y_hat, labels).sum(axis=-1).mean()

    # All 256 numbers, for the accuracy.
    eval_x = jnp.unpackbits(jnp.arange(256, dtype=jnp.uint8)[:, None], axis=-1).astype(jnp.float32)
    eval_y = jnp.arange(256) % 2

    def fit(name, params, optimizer):
        opt_state = optimizer.init(params)

        @jax.jit
        def step(params, opt_state, batch, labels):
            loss_value, grads = jax.value_and_grad(loss)(params, batch, labels)
            updates, opt_state = optimizer.update(grads, opt_state, params)
            params = optax.apply_updates(params, updates)
            return params, opt_state, loss_value

        start = time.perf_counter()
        for i, (batch, labels_i) in enumerate(zip(training_data, labels)):
            params, opt_state, loss_value = step(params, opt_state, batch, labels_i)
            if i % 100 == 0:
                print(f"step {i}, loss: {loss_value}")
        jax.block_until_ready(params)
        seconds = time.perf_counter() - start
        correct = int((jnp.argmax(net(eval_x, params), axis=-1) == eval_y).sum())
        device = jax.devices()[0].platform
        print(
            f"{name}: accuracy {correct}/256 ({100 * correct / 256:.1f}%), {steps} steps in "
            f"{seconds:.2f} s ({steps / seconds:.0f} steps/s) on {device}"
        )
        return params

    print(f"Optax quickstart on jax-{jax.devices()[0].platform}: {steps} steps of {batch_size} "
          f"numbers per run, seed {args.seed}")
    print("run 1: adam(learning_rate=0.01)")
    fit("run 1", initial_params, optax.adam(learning_rate=1e-2))

    schedule = optax.warmup_cosine_decay_schedule(
        init_value=0.0, peak_value=1.0, warmup_steps=50, decay_steps=1_000, end_value=0.0
    )
    optimizer = optax.chain(optax.clip(1.0), optax.adamw(learning_rate=schedule))
    print("run 2: chain(clip(1.0), adamw(learning_rate=warmup_cosine_decay_schedule(0.0, 1.0, 50, 1000, "
          "end_value=0.0)))")
    fit("run 2", initial_params, optimizer)

    end = time.perf_counter()
    print(f"wall time: {end - START:.2f} s (imports {IMPORTED - START:.2f} s; jax {jax.__version__}, "
          f"optax {optax.__version__})")


if __name__ == "__main__":
    main()
