"""The benchmark's JAX column: the article's workloads as jit-compiled JAX
programs, in float64, with the article's own backpropagation (not jax.grad,
whose BCE gradient would keep the 1e-9 the article drops), so that their
numbers can be checked against the NumPy reference.

bench.py runs this file in a process of its own (`python jax_columns.py
EPOCHS GRID_N SEEDS REPS CALLS`; it prints one JSON line), so that XLA's
threads never share a process with the other columns. Initial weights, data
and epoch permutations come from NumPy exactly as in the reference, and are
part of what is timed; compilation is not (each program is compiled once,
before timing, and its compile time reported apart).
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

ACTIVATIONS = ("sigmoid", "relu")


def _sigmoid(z):
    return 1.0 / (1.0 + jnp.exp(-jnp.clip(z, -500.0, 500.0)))


def _act(name, z):
    return _sigmoid(z) if name == "sigmoid" else jnp.maximum(z, 0.0)


def _act_grad(name, z, a):
    return a * (1.0 - a) if name == "sigmoid" else (z > 0).astype(z.dtype)


def forward(name, params, X):
    W1, b1, W2, b2, W3, b3 = params
    a1 = _act(name, X @ W1 + b1)
    a2 = _act(name, a1 @ W2 + b2)
    return _sigmoid(a2 @ W3 + b3)


def train_step(name, params, X, y, lr):
    """The article's train_step: forward, BCE, the hand-written backward pass, SGD."""
    W1, b1, W2, b2, W3, b3 = params
    z1 = X @ W1 + b1
    a1 = _act(name, z1)
    z2 = a1 @ W2 + b2
    a2 = _act(name, z2)
    out = _sigmoid(a2 @ W3 + b3)
    loss = -jnp.mean(y * jnp.log(out + 1e-9) + (1 - y) * jnp.log(1 - out + 1e-9))
    d3 = (out - y) / X.shape[0]
    d2 = (d3 @ W3.T) * _act_grad(name, z2, a2)
    d1 = (d2 @ W2.T) * _act_grad(name, z1, a1)
    grads = (X.T @ d1, d1.sum(0, keepdims=True), a1.T @ d2, d2.sum(0, keepdims=True),
             a2.T @ d3, d3.sum(0, keepdims=True))
    return tuple(p - lr * g for p, g in zip(params, grads)), loss


def _train(params_by_act, X, y, orders, lr, batch):
    """Every epoch's batches (static shapes: the last one may be short) for both
    networks, scanned over the epochs' permutations; returns final parameters
    and the epoch losses (mean of batch losses), as the article's loop."""
    n = X.shape[0]
    starts = list(range(0, n, batch))

    def epoch(carry, order):
        losses = []
        new = []
        for name, params in zip(ACTIVATIONS, carry):
            batch_losses = []
            for s in starts:
                idx = order[s:s + batch]
                params, loss = train_step(name, params, X[idx], y[idx], lr)
                batch_losses.append(loss)
            new.append(params)
            losses.append(jnp.mean(jnp.stack(batch_losses)))
        return tuple(new), jnp.stack(losses)

    return jax.lax.scan(epoch, params_by_act, orders)


def _initial(seed):
    return tuple(tuple(jnp.asarray(p) for p in ref.TwoLayerNet(name, seed=seed).parameters())
                 for name in ACTIVATIONS)


def _data():
    X, y = ref.make_moons(400, noise=0.18, random_state=42)
    X = ref.standardize(X)
    return ref.train_test_split(X, y, test_size=0.25, random_state=42)


def _orders(epochs, n):
    # The reference's stream: each constructor reseeded the global stream,
    # and the permutations continue from where the last one left it.
    return np.stack([np.random.permutation(n) for _ in range(epochs)])


class JaxColumn:
    """Compiled programs for one benchmark run, and their compile times."""

    def __init__(self, epochs, lr=0.05, batch=64):
        self.epochs, self.lr, self.batch = epochs, lr, batch
        self.compile_seconds = {}
        self._train = jax.jit(lambda p, X, y, o: _train(p, X, y, o, lr, batch))
        self._sweep = jax.jit(jax.vmap(lambda p, X, y, o: _train(p, X, y, o, lr, batch), in_axes=(0, None, None, 0)))
        self._step = jax.jit(lambda p, X, y: train_step("relu", p, X, y, lr))
        self._forward = {name: jax.jit(lambda p, X, name=name: forward(name, p, X)) for name in ACTIVATIONS}

    def _compiled(self, what, fn):
        start = time.perf_counter()
        out = fn()
        jax.block_until_ready(out)
        self.compile_seconds[what] = time.perf_counter() - start
        return out

    def article_run(self):
        """The article's run: data, both networks from seed 42, training, test accuracy."""
        X_train, X_test, y_train, y_test = _data()
        params = _initial(42)
        orders = _orders(self.epochs, len(X_train))
        final, losses = self._train(params, jnp.asarray(X_train), jnp.asarray(y_train, float).reshape(-1, 1),
                                    jnp.asarray(orders))
        accuracy = [float(((forward(name, p, X_test) >= 0.5).ravel() == y_test).mean())
                    for name, p in zip(ACTIVATIONS, final)]
        return np.asarray(losses).T, accuracy, final

    def prepare(self, grid, seeds):
        """Compiles every program once (timed apart) and checks the article
        run against the NumPy reference."""
        losses, _, final = self._compiled("article run", self.article_run)
        expected = ref.run_article(epochs=self.epochs)
        worst = max(float(np.max(np.abs(losses[k] - expected["loss_history"][name])))
                    for k, name in enumerate(ACTIVATIONS))
        self.final = final
        X_train, _, y_train, _ = _data()
        self.batch_xy = (jnp.asarray(X_train[:64]), jnp.asarray(y_train[:64], float).reshape(-1, 1))
        self._compiled("train_step", lambda: self._step(final[1], *self.batch_xy))
        self.grid = jnp.asarray(grid)
        for name, p in zip(ACTIVATIONS, final):
            self._compiled(f"forward {name}", lambda name=name, p=p: self._forward[name](p, self.grid))
        self._compiled("sweep", lambda: self.sweep(seeds))
        return worst

    def train_step(self, calls):
        params = self.final[1]
        for _ in range(calls):
            params, loss = self._step(params, *self.batch_xy)
        jax.block_until_ready(loss)

    def forward(self, name):
        p = self.final[ACTIVATIONS.index(name)]
        return jax.block_until_ready(self._forward[name](p, self.grid))

    def sweep(self, seeds):
        """The article's run for every seed, both activations, as one vmapped program."""
        X_train, _, y_train, _ = _data()
        inits, orders = [], []
        for seed in seeds:
            inits.append(_initial(seed))
            orders.append(_orders(self.epochs, len(X_train)))
        stacked = jax.tree_util.tree_map(lambda *leaves: jnp.stack(leaves), *inits)
        final, losses = self._sweep(stacked, jnp.asarray(X_train), jnp.asarray(y_train, float).reshape(-1, 1),
                                    jnp.asarray(np.stack(orders)))
        return jax.block_until_ready(losses)


def main(argv):
    epochs, grid_n, seeds, reps, calls = (int(a) for a in argv)
    line = np.linspace(-2.5, 2.5, grid_n)
    xx, yy = np.meshgrid(line, line)
    column = JaxColumn(epochs)
    worst = column.prepare(np.c_[xx.ravel(), yy.ravel()], range(seeds))
    times = {
        "article": median_time(column.article_run, reps),
        "train_step": median_time(lambda: column.train_step(calls), reps) / calls,
        "forward relu": median_time(lambda: column.forward("relu"), reps),
        "forward sigmoid": median_time(lambda: column.forward("sigmoid"), reps),
        "sweep": median_time(lambda: column.sweep(range(seeds)), 1 if reps == 1 else 2),
    }
    print(json.dumps({"version": jax.__version__, "platform": jax.devices()[0].platform, "worst": worst,
                      "compile": column.compile_seconds, "times": times}))


if __name__ == "__main__":
    main(sys.argv[1:])
