"""Fit and forward at every size: swiftmoons beside NumPy (swiftmoons.reference), JAX and PyTorch.

For each layer shape of the speed issue's table: the time of one epoch of
`fit` at batch 64 (ms) and of one `forward` over N rows, for swiftmoons, the
NumPy reference (OpenBLAS), and PyTorch (float64, CPU) where it is installed,
with the ratios to swiftmoons, measured in one run on this machine. Every
side uses all of the machine's cores (the library's threads, OpenBLAS's,
torch's intra-op pool).

    .venv/bin/python benchmarks/sizes.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

import swiftmoons as sm
from swiftmoons import reference as ref

sys.path.insert(0, os.path.dirname(__file__))
from timing import median_time  # noqa: E402

SHAPES = [((2, 8, 8, 1), 4096), ((2, 64, 64, 1), 4096), ((2,) + (32,) * 5 + (1,), 4096),
          ((64, 256, 256, 10), 2048), ((784, 512, 512, 10), 2048)]


def data(sizes, n, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, sizes[0])
    y = rng.randint(0, sizes[-1], n) if sizes[-1] > 1 else (rng.rand(n) > 0.5).astype(float)
    return X, y


def torch_model(torch, net):
    """A float64 torch copy of a swiftmoons ReLU MLP, with its loss."""
    layers = []
    params = net.get_params()
    for k in range(0, len(params), 2):
        lin = torch.nn.Linear(params[k].shape[0], params[k].shape[1]).double()
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(params[k].T.copy()))
            lin.bias.copy_(torch.from_numpy(params[k + 1].ravel().copy()))
        layers += [lin, torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    loss = torch.nn.CrossEntropyLoss() if net.layer_sizes[-1] > 1 else torch.nn.BCEWithLogitsLoss()
    return model, loss


def torch_epoch(torch, model, loss_fn, X, y, batch=64, lr=0.01):
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    perm = torch.randperm(X.shape[0])
    for start in range(0, X.shape[0], batch):
        idx = perm[start:start + batch]
        opt.zero_grad()
        out = model(X[idx])
        target = y[idx] if out.shape[1] > 1 else y[idx].reshape(-1, 1)
        loss_fn(out, target).backward()
        opt.step()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one repetition, to check that it runs")
    args = parser.parse_args(argv)
    reps = 1 if args.quick else 5
    try:
        import torch
        torch.set_num_threads(os.cpu_count() or 1)
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    except ImportError:
        torch = None
        print("torch: not installed (benchmarks/README.md says how to add its column)")
    print(f"swiftmoons {sm.__version__} ({sm.native_variant}, {sm.get_threads()} threads), NumPy {np.__version__}")
    print(f"\n{'layer sizes':<22} {'N':>5}  {'fit ms/epoch: ours':>18} {'numpy':>8} {'torch':>8}  "
          f"{'forward ms: ours':>16} {'numpy':>8} {'torch':>8}  {'fit x np':>8} {'fit x torch':>11} "
          f"{'fwd x np':>8} {'fwd x torch':>11}")
    for sizes, n in SHAPES:
        X, y = data(sizes, n)
        output = "softmax" if sizes[-1] > 1 else "sigmoid"
        net = sm.MLP(sizes, activation="relu", output=output, seed=0)
        twin = ref.MLP(sizes, activation="relu", output=output, seed=0)
        ours_fit = median_time(lambda: net.fit(X, y, epochs=1, lr=0.01, batch_size=64, rng=0), reps)
        np_fit = median_time(lambda: ref.train_together([twin], X, y, epochs=1, lr=0.01, batch_size=64,
                                                        rng=np.random.RandomState(0)), reps)
        ours_fwd = median_time(lambda: net.forward(X), reps)
        np_fwd = median_time(lambda: twin.forward(X), reps)
        t_fit = t_fwd = float("nan")
        if torch is not None:
            model, loss_fn = torch_model(torch, net)
            tX = torch.from_numpy(X)
            ty = torch.from_numpy(y.astype(np.int64) if sizes[-1] > 1 else y)
            t_fit = median_time(lambda: torch_epoch(torch, model, loss_fn, tX, ty), reps)
            with torch.no_grad():
                t_fwd = median_time(lambda: model(tX), reps)
        name = "-".join(str(s) for s in sizes) if len(sizes) < 6 else f"2-{sizes[1]}x{len(sizes) - 2}-1"
        print(f"{name:<22} {n:>5}  {ours_fit * 1e3:>18.2f} {np_fit * 1e3:>8.2f} {t_fit * 1e3:>8.2f}  "
              f"{ours_fwd * 1e3:>16.2f} {np_fwd * 1e3:>8.2f} {t_fwd * 1e3:>8.2f}  {np_fit / ours_fit:>7.1f}x "
              f"{t_fit / ours_fit:>10.1f}x {np_fwd / ours_fwd:>7.1f}x {t_fwd / ours_fwd:>10.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
