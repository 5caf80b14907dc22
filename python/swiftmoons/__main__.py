"""`python -m swiftmoons`: the article's experiment, reproduced, with its five figures."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import swiftmoons as sm
from swiftmoons import article


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m swiftmoons",
        description="Reproduce 'Sigmoid vs ReLU on two moons': train one 2-8-8-1 network per activation "
        "on the same data, permutations and seed, print the article's figures next to the reproduced "
        "ones, and write the article's five plots as PNG.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--n-samples", type=int, default=400, help="points in make_moons")
    p.add_argument("--noise", type=float, default=0.18, help="std of make_moons' Gaussian noise")
    p.add_argument("--data-seed", type=int, default=42, help="make_moons random_state")
    p.add_argument("--split-seed", type=int, default=42, help="train_test_split random_state (test size 0.25)")
    p.add_argument("--net-seed", type=int, default=42, help="every network's seed, as the article's constructor")
    p.add_argument("--epochs", type=int, default=800, help="training epochs")
    p.add_argument("--lr", type=float, default=0.05, help="SGD learning rate")
    p.add_argument("--batch-size", type=int, default=64, help="mini-batch size")
    p.add_argument("--activations", nargs="+", default=["sigmoid", "relu"], metavar="NAME",
                   help=f"hidden activations to compare; supported: {', '.join(sm.ACTIVATIONS)}")
    p.add_argument("--out", default="swiftmoons-out", help="folder for the PNG figures")
    p.add_argument("--no-plots", action="store_true", help="print the table only")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="show a progress bar of the epochs (unset: when stderr is a terminal)")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if not args.no_plots:
        # Before the run: a folder that cannot be written should not cost a training.
        try:
            Path(args.out).mkdir(parents=True, exist_ok=True)
            probe = Path(args.out) / ".swiftmoons-write-test"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            print(f"error: cannot write figures to {args.out}: {exc.strerror or exc}", file=sys.stderr)
            return 2
    try:
        result = article.run(n_samples=args.n_samples, noise=args.noise, data_seed=args.data_seed,
                             split_seed=args.split_seed, net_seed=args.net_seed, epochs=args.epochs, lr=args.lr,
                             batch_size=args.batch_size, activations=args.activations,
                             progress=sys.stderr.isatty() if args.progress is None else args.progress)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (ValueError, TypeError, MemoryError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    names = list(result.nets)
    print(f"swiftmoons {sm.__version__}: {' vs '.join(names)} on make_moons({args.n_samples}, noise={args.noise}), "
          f"{args.epochs} epochs in {result.seconds:.3f} s\n")
    print(f"{'network':<10} {'final loss':>11} {'test accuracy':>14}")
    for name in names:
        print(f"{name:<10} {result.loss_history[name][-1]:>11.4f} {result.test_accuracy[name]:>14.1%}")

    rows = article.claims_table(result)
    width = max(len(r[0]) for r in rows)
    print(f"\n{'the article says':<{width}}   {'article':<13} reproduced")
    for what, claim, ours in rows:
        print(f"{what:<{width}}   {claim:<13} {ours}")

    if not args.no_plots:
        import matplotlib
        matplotlib.use("Agg")
        from swiftmoons import plot
        paths = plot.save_article_figures(result, args.out)
        print(f"\nwrote {len(paths)} figures to {Path(args.out).resolve()}:")
        for path in paths:
            print(f"  {path.name}")
    result.close()
    return 0


def run(argv=None) -> int:
    """`main` for console scripts: a closed pipe (``| head``) ends quietly."""
    try:
        return main(argv)
    except BrokenPipeError:
        # Python would complain again flushing stdout at exit: point it at /dev/null.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    raise SystemExit(run())
