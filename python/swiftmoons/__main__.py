"""`python -m swiftmoons`: the article's experiment, reproduced in Swift."""

from __future__ import annotations

import argparse
import time

import numpy as np

import swiftmoons as sm


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m swiftmoons",
        description="Train the article's sigmoid and ReLU 2-8-8-1 networks on two moons "
        "and print their final losses and test accuracies.",
    )
    parser.add_argument("--n-samples", type=int, default=400, help="points in the data set (default 400)")
    parser.add_argument("--noise", type=float, default=0.18, help="std of the Gaussian noise (default 0.18)")
    parser.add_argument("--data-seed", type=int, default=42, help="make_moons random_state (default 42)")
    parser.add_argument("--split-seed", type=int, default=42, help="train_test_split random_state (default 42)")
    parser.add_argument("--net-seed", type=int, default=42, help="network seed, as in the article (default 42)")
    parser.add_argument("--epochs", type=int, default=800, help="training epochs (default 800)")
    parser.add_argument("--lr", type=float, default=0.05, help="learning rate (default 0.05)")
    parser.add_argument("--batch-size", type=int, default=64, help="mini-batch size (default 64)")
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.batch_size < 1:
        parser.error("--epochs and --batch-size must be >= 1")

    start = time.perf_counter()
    X, y = sm.make_moons(args.n_samples, noise=args.noise, random_state=args.data_seed)
    X = sm.standardize(X)
    X_train, X_test, y_train, y_test = sm.train_test_split(X, y, test_size=0.25, random_state=args.split_seed)

    # As in the article: both constructors reseed, and the epoch permutations
    # continue the stream the last constructor (ReLU's) leaves behind.
    rng = sm.RandomState(args.net_seed)
    nets = [sm.TwoLayerNet("sigmoid", seed=args.net_seed), sm.TwoLayerNet("relu", seed=rng)]
    for epoch in range(args.epochs):
        idx = rng.permutation(len(X_train))
        for net in nets:
            losses = [net.train_step(X_train[b], y_train[b], args.lr)
                      for b in (idx[i:i + args.batch_size] for i in range(0, len(idx), args.batch_size))]
            net.loss_history.append(float(np.mean(losses)))
        if (epoch + 1) % 200 == 0:
            print(f"  epoch {epoch + 1:4d} | sigmoid loss {nets[0].loss_history[-1]:.4f}"
                  f" | relu loss {nets[1].loss_history[-1]:.4f}")
    elapsed = time.perf_counter() - start

    print()
    print(f"{'network':<10} {'final loss':>11} {'test accuracy':>14}   article")
    expected = {"sigmoid": "~0.28, ~79%", "relu": "~0.03, ~96%"}
    for net in nets:
        accuracy = float(((net.forward(X_test) >= 0.5).ravel() == y_test).mean())
        print(f"{net.activation:<10} {net.loss_history[-1]:>11.4f} {accuracy:>14.1%}   {expected[net.activation]}")
    print(f"\n{args.epochs} epochs of both networks in {elapsed:.2f} s (swiftmoons {sm.__version__})")
    for net in nets:
        net.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
