"""The benchmark's PyTorch column: the article's workloads in float64 torch
(CPU, eager), with the article's own backpropagation (as jax_columns.py), so
that their numbers can be checked against the NumPy reference.

bench.py runs this file in a process of its own (`python torch_columns.py
EPOCHS GRID_N SEEDS REPS CALLS`; it prints one JSON line), so that torch's
intra-op threads never share a process with the other columns. Initial
weights, data and epoch permutations come from NumPy exactly as in the
reference, and are part of what is timed. The sweep runs every seed's
network at once per activation, as batched matrix products (torch.bmm):
torch's counterpart of the JAX column's vmap.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import torch

from swiftmoons import reference as ref
from timing import median_time

ACTIVATIONS = ("sigmoid", "relu")


def _sigmoid(z):
    return 1.0 / (1.0 + torch.exp(-torch.clamp(z, -500.0, 500.0)))


def _act(name, z):
    return _sigmoid(z) if name == "sigmoid" else torch.clamp_min(z, 0.0)


def _act_grad(name, z, a):
    return a * (1.0 - a) if name == "sigmoid" else (z > 0).to(z.dtype)


def forward(name, params, X):
    W1, b1, W2, b2, W3, b3 = params
    a1 = _act(name, X @ W1 + b1)
    a2 = _act(name, a1 @ W2 + b2)
    return _sigmoid(a2 @ W3 + b3)


def train_step(name, params, X, y, lr):
    """The article's train_step: forward, BCE, the hand-written backward pass, SGD.
    Works on one network (2-d X) or a stack of them (3-d, matmul batches)."""
    W1, b1, W2, b2, W3, b3 = params
    z1 = X @ W1 + b1
    a1 = _act(name, z1)
    z2 = a1 @ W2 + b2
    a2 = _act(name, z2)
    out = _sigmoid(a2 @ W3 + b3)
    loss = -torch.mean(y * torch.log(out + 1e-9) + (1 - y) * torch.log(1 - out + 1e-9), dim=(-2, -1))
    d3 = (out - y) / X.shape[-2]
    d2 = (d3 @ W3.transpose(-1, -2)) * _act_grad(name, z2, a2)
    d1 = (d2 @ W2.transpose(-1, -2)) * _act_grad(name, z1, a1)
    T = lambda m: m.transpose(-1, -2)  # noqa: E731
    grads = (T(X) @ d1, d1.sum(-2, keepdim=True), T(a1) @ d2, d2.sum(-2, keepdim=True),
             T(a2) @ d3, d3.sum(-2, keepdim=True))
    return tuple(p - lr * g for p, g in zip(params, grads)), loss


def _data():
    X, y = ref.make_moons(400, noise=0.18, random_state=42)
    X = ref.standardize(X)
    return ref.train_test_split(X, y, test_size=0.25, random_state=42)


def _initial(seed):
    return {name: tuple(torch.from_numpy(np.array(p, dtype=np.float64))
                        for p in ref.TwoLayerNet(name, seed=seed).parameters())
            for name in ACTIVATIONS}


def _orders(epochs, n):
    # The reference's stream (see jax_columns.py).
    return np.stack([np.random.permutation(n) for _ in range(epochs)])


class TorchColumn:
    def __init__(self, epochs, lr=0.05, batch=64):
        self.epochs, self.lr, self.batch = epochs, lr, batch

    def article_run(self):
        X_train, X_test, y_train, y_test = _data()
        params = _initial(42)
        orders = _orders(self.epochs, len(X_train))
        X = torch.from_numpy(X_train)
        y = torch.from_numpy(np.asarray(y_train, float).reshape(-1, 1))
        losses = {name: [] for name in ACTIVATIONS}
        for order in orders:
            idx_all = torch.from_numpy(order)
            for name in ACTIVATIONS:
                batch_losses = []
                for s in range(0, len(order), self.batch):
                    idx = idx_all[s:s + self.batch]
                    params[name], loss = train_step(name, params[name], X[idx], y[idx], self.lr)
                    batch_losses.append(loss)
                losses[name].append(torch.stack(batch_losses).mean())
        Xt = torch.from_numpy(X_test)
        accuracy = [float(((forward(name, params[name], Xt) >= 0.5).ravel().numpy() == y_test).mean())
                    for name in ACTIVATIONS]
        return {name: torch.stack(v).numpy() for name, v in losses.items()}, accuracy, params

    def prepare(self, grid):
        losses, _, final = self.article_run()
        expected = ref.run_article(epochs=self.epochs)
        self.final = final
        X_train, _, y_train, _ = _data()
        self.batch_xy = (torch.from_numpy(X_train[:64].copy()),
                         torch.from_numpy(np.asarray(y_train[:64], float).reshape(-1, 1)))
        self.grid = torch.from_numpy(grid)
        return max(float(np.max(np.abs(losses[name] - expected["loss_history"][name]))) for name in ACTIVATIONS)

    def train_step(self, calls):
        params = self.final["relu"]
        for _ in range(calls):
            params, loss = train_step("relu", params, *self.batch_xy, self.lr)

    def forward(self, name):
        return forward(name, self.final[name], self.grid)

    def sweep(self, seeds):
        """The article's run for every seed, both activations: each activation's
        networks stacked and trained together with batched products."""
        X_train, _, y_train, _ = _data()
        X = torch.from_numpy(X_train)
        y = torch.from_numpy(np.asarray(y_train, float).reshape(-1, 1))
        inits, orders = [], []
        for seed in seeds:
            inits.append(_initial(seed))
            orders.append(_orders(self.epochs, len(X_train)))
        orders = torch.from_numpy(np.stack(orders))  # seeds x epochs x n
        out = {}
        for name in ACTIVATIONS:
            params = tuple(torch.stack([init[name][k] for init in inits]) for k in range(6))
            history = []
            for e in range(self.epochs):
                batch_losses = []
                for s in range(0, orders.shape[2], self.batch):
                    idx = orders[:, e, s:s + self.batch]
                    params, loss = train_step(name, params, X[idx], y[idx], self.lr)
                    batch_losses.append(loss)
                history.append(torch.stack(batch_losses).mean(0))
            out[name] = torch.stack(history, 1)
        return out


def main(argv):
    epochs, grid_n, seeds, reps, calls = (int(a) for a in argv)
    torch.set_num_threads(os.cpu_count() or 1)
    line = np.linspace(-2.5, 2.5, grid_n)
    xx, yy = np.meshgrid(line, line)
    column = TorchColumn(epochs)
    worst = column.prepare(np.c_[xx.ravel(), yy.ravel()])
    # Eager torch takes ~0.1-1 ms a step: the article run at most 3 times and a
    # tenth of the train_step calls, as bench.py does for the NumPy reference.
    steps = max(1, calls // 10)
    with torch.no_grad():
        times = {
            "article": median_time(column.article_run, min(reps, 3)),
            "train_step": median_time(lambda: column.train_step(steps), reps) / steps,
            "forward relu": median_time(lambda: column.forward("relu"), reps),
            "forward sigmoid": median_time(lambda: column.forward("sigmoid"), reps),
            "sweep": median_time(lambda: column.sweep(range(seeds)), 1, False),
        }
    print(json.dumps({"version": torch.__version__, "threads": torch.get_num_threads(), "worst": worst,
                      "times": times}))


if __name__ == "__main__":
    main(sys.argv[1:])
