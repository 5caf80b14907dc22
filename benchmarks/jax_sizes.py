"""sizes.py's JAX column: one epoch of `fit` (SGD, batch 64) and one forward
pass of a ReLU MLP at each of sizes.py's shapes, as jit-compiled float64 JAX
programs.

sizes.py runs this file in a process of its own (`python jax_sizes.py REPS`;
it prints one JSON line), so that XLA's threads never share a process with
the other columns, as bench.py does with jax_columns.py. Weights and data
come from NumPy as in sizes.py (the same seeds); the epoch's permutation is
drawn with NumPy and is part of what is timed; compilation is not (each
program is compiled once, before timing, and its compile time reported apart).
The loss is the one swiftmoons uses for the shape: softmax cross-entropy
with several outputs, sigmoid with binary cross-entropy with one. Gradients
come from jax.grad.
"""

from __future__ import annotations

import json
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np

from swiftmoons import reference as ref
from timing import median_time

jax.config.update("jax_enable_x64", True)

BATCH = 64
LR = 0.01


def forward(params, X):
    a = X
    for W, b in params[:-1]:
        a = jnp.maximum(a @ W + b, 0.0)
    W, b = params[-1]
    return a @ W + b


def loss(params, X, y, classes):
    z = forward(params, X)
    if classes > 1:
        logp = jax.nn.log_softmax(z, axis=1)
        return -jnp.mean(jnp.take_along_axis(logp, y[:, None], axis=1))
    z = z[:, 0]
    return jnp.mean(jnp.maximum(z, 0) - z * y + jnp.log1p(jnp.exp(-jnp.abs(z))))


def make_epoch(classes):
    grad = jax.grad(loss)

    def epoch(params, X, y, order):
        batches = order.reshape(-1, BATCH)

        def step(p, idx):
            g = grad(p, X[idx], y[idx], classes)
            return jax.tree_util.tree_map(lambda w, d: w - LR * d, p, g), None

        params, _ = jax.lax.scan(step, params, batches)
        return params

    return jax.jit(epoch)


def main(argv):
    reps = int(argv[0])
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    from sizes import SHAPES, data

    times, compile_seconds = {}, {}
    for sizes, n in SHAPES:
        X, y = data(sizes, n)
        classes = sizes[-1]
        output = "softmax" if classes > 1 else "sigmoid"
        twin = ref.MLP(sizes, activation="relu", output=output, seed=0)
        params = [(jnp.asarray(W), jnp.asarray(b.ravel())) for W, b in zip(twin.weights, twin.biases)]
        jX = jnp.asarray(X)
        jy = jnp.asarray(y.astype(np.int64) if classes > 1 else y)
        epoch = make_epoch(classes)
        fwd = jax.jit(forward)
        rng = np.random.RandomState(0)
        usable = n // BATCH * BATCH

        def fit():
            order = jnp.asarray(rng.permutation(n)[:usable])
            return jax.block_until_ready(epoch(params, jX, jy, order))

        def run_forward():
            return jax.block_until_ready(fwd(params, jX))

        name = "-".join(str(s) for s in sizes)
        start = time.perf_counter()
        fit()
        run_forward()
        compile_seconds[name] = time.perf_counter() - start
        times[name] = {"fit": median_time(fit, reps), "forward": median_time(run_forward, reps)}
    print(json.dumps({"version": jax.__version__, "platform": jax.devices()[0].platform,
                      "compile": compile_seconds, "times": times}))


if __name__ == "__main__":
    main(sys.argv[1:])
