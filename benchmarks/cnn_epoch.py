"""One epoch of a small CIFAR-like CNN (3x32x32: conv16-relu-pool-conv32-relu-pool-dense64-relu-dense10,
SGD with momentum, batch 32) in swiftmoons, the NumPy reference and PyTorch (float64, CPU).

    python benchmarks/cnn_epoch.py [--n 1000] [--skip-reference] [--skip-torch]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from swiftmoons import reference as R
from swiftmoons.cnn import CNN
from swiftmoons.layers import Conv2D, Dense, Flatten, MaxPool2D

SHAPE = (3, 32, 32)
LAYERS = [Conv2D(16, 3, padding=1), "relu", MaxPool2D(2), Conv2D(32, 3, padding=1), "relu", MaxPool2D(2), Flatten(),
          Dense(64), "relu", Dense(10)]


def timed(run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def torch_epoch(X: np.ndarray, y: np.ndarray, params: np.ndarray, batch: int) -> float:
    import torch
    from torch import nn

    torch.set_default_dtype(torch.float64)
    model = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3, padding=1),
                          nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(2048, 64), nn.ReLU(), nn.Linear(64, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    Xt, yt = torch.tensor(X), torch.tensor(y)
    loss_fn = nn.CrossEntropyLoss()

    def run() -> None:
        perm = torch.randperm(len(Xt))
        for start in range(0, len(Xt), batch):
            idx = perm[start:start + batch]
            opt.zero_grad()
            loss = loss_fn(model(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()

    return timed(run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--skip-reference", action="store_true")
    parser.add_argument("--skip-torch", action="store_true")
    args = parser.parse_args()
    rng = np.random.RandomState(0)
    X, y = rng.standard_normal((args.n,) + SHAPE), rng.randint(0, 10, args.n)
    net = CNN(SHAPE, LAYERS, seed=0)
    print(f"swiftmoons: {timed(lambda: net.fit(X, y, epochs=1, lr=0.01, batch_size=args.batch)):.2f} s per epoch")
    if not args.skip_reference:
        ref = R.CNN(SHAPE, LAYERS, seed=0)
        print(f"reference:  {timed(lambda: ref.fit(X, y, epochs=1, lr=0.01, batch_size=args.batch)):.2f} s per epoch")
    if not args.skip_torch:
        print(f"torch f64:  {torch_epoch(X, y, net.parameters(), args.batch):.2f} s per epoch")


if __name__ == "__main__":
    main()
