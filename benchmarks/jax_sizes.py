"""sizes.py's JAX column: one epoch of `fit` (SGD, batch 64) and one forward
pass of a ReLU MLP at each of sizes.py's shapes, as jit-compiled float64 JAX
programs.

sizes.py runs this file in a process of its own (`python jax_sizes.py`), so
that XLA's threads never share a process with the other columns, and talks
to it line by line, so that JAX's timings are taken in turn with the others'
rather than minutes apart: on stdin, "prepare SHAPE" compiles the shape's two
programs (answer: the compile seconds) and "time SHAPE KIND REPS" answers the
median of REPS timed calls after one untimed one; every answer is one JSON
line on stdout. The first line it prints is its version and platform.
Weights and data
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


def prepare(sizes, n):
    """The shape's jit-compiled epoch and forward (compiled here, not in their timings)."""
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

    return {"fit": fit, "forward": run_forward}


def main(argv):
    programs = {}
    print(json.dumps({"version": jax.__version__, "platform": jax.devices()[0].platform}), flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "prepare":
            name = words[1]
            shape = next((s, n) for s, n in SHAPES if "-".join(map(str, s)) == name)
            start = time.perf_counter()
            programs[name] = prepare(*shape)
            for program in programs[name].values():
                program()
            answer = time.perf_counter() - start
        elif words[0] == "time":
            answer = median_time(programs[words[1]][words[2]], int(words[3]))
        else:
            raise SystemExit(f"jax_sizes.py: unknown request {line!r}")
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    from sizes import SHAPES, data

    main(sys.argv[1:])
