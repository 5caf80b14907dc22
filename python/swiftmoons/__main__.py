"""`python -m swiftmoons`: the article's experiment, reproduced, with its five figures;
`python -m swiftmoons audit`: its claims, measured and decided;
`python -m swiftmoons cnn`: seed 004's sigmoid-vs-ReLU CNN, timed and scored per epoch."""

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
        "ones, and write the article's five plots as PNG. 'python -m swiftmoons audit' tests the "
        "article's claims over seeds and controls; 'python -m swiftmoons cnn' runs seed 004's CNN experiment.",
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


def parse_audit_args(argv) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m swiftmoons audit",
        description="Measure every claim of the article at its settings, over initialization seeds and under "
        "controls (tanh; sigmoid at lr 0.5, for 5000 epochs, with He init; another data seed), with the geometry "
        "of every layer, and print a verdict per claim: holds, holds only at these settings, or does not hold.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--seeds", type=int, default=16, help="initialization seeds beyond the article's 42")
    p.add_argument("--no-controls", action="store_true", help="check over seeds only")
    p.add_argument("--out", default="swiftmoons-out", help="folder for the audit's figure")
    p.add_argument("--no-plots", action="store_true", help="print the tables only")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="show a progress bar of the seeds (unset: when stderr is a terminal)")
    return p.parse_args(argv)


def parse_cnn_args(argv) -> argparse.Namespace:
    from swiftmoons.experiments import CNN_DATA
    p = argparse.ArgumentParser(
        prog="python -m swiftmoons cnn",
        description="Seed 004's experiment: one small CNN (conv-activation-maxpool blocks and a dense head) trained "
        "with each activation from the same seed, scored on a validation set after every epoch and timed per epoch; "
        "the claim that sigmoid takes more than double ReLU's training time is split into the cost of an epoch and "
        "the epochs needed to reach a target accuracy. The default data (coloured shapes made on the spot) needs no "
        "download.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--data", choices=list(CNN_DATA), default="shapes",
                   help="; ".join(f"{name}: {what}" for name, (_, what) in CNN_DATA.items()))
    p.add_argument("--cifar-dir", default=None,
                   help="CIFAR-10's folder of python batches (default: $SWIFTMOONS_CIFAR10); nothing is downloaded")
    p.add_argument("--activations", nargs="+", default=["sigmoid", "relu"], metavar="NAME",
                   help=f"activations to compare; supported: {', '.join(sm.ACTIVATIONS)}")
    p.add_argument("--n-train", type=int, default=None, help="training images (default: 2000 shapes, all digits "
                   "or CIFAR-10)")
    p.add_argument("--n-val", type=int, default=None, help="validation images (default: 500 shapes, all others)")
    p.add_argument("--epochs", type=int, default=25, help="training epochs")
    p.add_argument("--lr", type=float, default=0.003, help="learning rate")
    p.add_argument("--optimizer", choices=["adam", "sgd"], default="adam", help="Adam, or SGD with momentum 0.9")
    p.add_argument("--batch-size", type=int, default=32, help="images per batch")
    p.add_argument("--channels", type=int, nargs="+", default=[16, 32], help="each conv block's channels (1 to 3)")
    p.add_argument("--dense", type=int, default=64, help="units of the hidden dense layer")
    p.add_argument("--target", type=float, default=None,
                   help="validation accuracy to reach (default: 90%% of the best any activation reached)")
    p.add_argument("--timing-rounds", type=int, default=3,
                   help="extra epochs per activation, timed taking turns, whose median is the cost of an epoch")
    p.add_argument("--seed", type=int, default=0, help="seed of the weights, batches and data")
    p.add_argument("--out", default="swiftmoons-out", help="folder for the figure")
    p.add_argument("--no-plots", action="store_true", help="print the table only")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="show a progress bar of the batches (unset: when stderr is a terminal)")
    return p.parse_args(argv)


def cnn_main(argv) -> int:
    from swiftmoons import experiments
    args = parse_cnn_args(argv)
    if not args.no_plots and not writable(args.out):
        return 2
    result, code = attempt(lambda: experiments.cnn_activation_comparison(
        args.activations, args.data, n_train=args.n_train, n_val=args.n_val, epochs=args.epochs, lr=args.lr,
        optimizer=args.optimizer, batch_size=args.batch_size, channels=args.channels, dense=args.dense,
        target=args.target, timing_rounds=args.timing_rounds, seed=args.seed, cifar_dir=args.cifar_dir,
        progress=show_progress(args)))
    if result is None:
        return code
    print(f"swiftmoons {sm.__version__} on {sm.get_threads()} threads\n")
    print(experiments.cnn_comparison_report(result))
    if not args.no_plots:
        save_figure(lambda plot: plot.cnn_comparison(result), args.out, "cnn.png")
    return 0


def attempt(run):
    """(run(), 0), or (None, exit code) after saying why: 130 for Ctrl-C, 2 for bad settings or missing data."""
    try:
        return run(), 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return None, 130
    except (ValueError, TypeError, MemoryError, FileNotFoundError, ImportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None, 2


def show_progress(args) -> bool:
    """--progress / --no-progress, or a bar when stderr is a terminal."""
    return sys.stderr.isatty() if args.progress is None else args.progress


def audit_settings() -> dict:
    from swiftmoons.audit import ARTICLE
    return ARTICLE


def writable(folder: str) -> bool:
    """Can figures be written to ``folder``? Checked before a run, so that a bad folder costs no training."""
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        probe = Path(folder) / ".swiftmoons-write-test"
        probe.write_bytes(b"")
        probe.unlink()
        return True
    except OSError as exc:
        print(f"error: cannot write figures to {folder}: {exc.strerror or exc}", file=sys.stderr)
        return False


def save_figure(draw, folder: str, name: str) -> None:
    """Write ``draw(swiftmoons.plot)``'s figure to folder/name (no display needed) and say where."""
    import matplotlib
    matplotlib.use("Agg")
    from swiftmoons import plot
    path = Path(folder) / name
    draw(plot).savefig(path, dpi=110, bbox_inches="tight")
    print(f"\nwrote {path.resolve()}")


def audit_main(argv) -> int:
    from swiftmoons import audit
    args = parse_audit_args(argv)
    if not args.no_plots and not writable(args.out):
        return 2
    result, code = attempt(lambda: audit.audit(seeds=args.seeds, controls=not args.no_controls,
                                               progress=show_progress(args)))
    if result is None:
        return code
    controls = len(result.conditions) - 2
    print(f"swiftmoons {sm.__version__}: the article's claims, measured at its settings (seed 42) and over "
          f"{len(result.seeds)} more seeds" + (f", under {controls} controls" if controls else "")
          + f", in {result.seconds:.1f} s\n")
    print(result.table())
    print(f"\nper-layer measures (mean over all {len(result.runs)} runs; layer 0 is the input):\n")
    print(result.measures_table())
    if not args.no_plots:
        save_figure(lambda plot: plot.audit_summary(result), args.out, "audit.png")
    return 0


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["audit"]:
        return audit_main(argv[1:])
    if argv[:1] == ["cnn"]:
        return cnn_main(argv[1:])
    args = parse_args(argv)
    # Before the run: a folder that cannot be written should not cost a training.
    if not args.no_plots and not writable(args.out):
        return 2
    result, code = attempt(lambda: article.run(
        n_samples=args.n_samples, noise=args.noise, data_seed=args.data_seed, split_seed=args.split_seed,
        net_seed=args.net_seed, epochs=args.epochs, lr=args.lr, batch_size=args.batch_size,
        activations=args.activations, progress=show_progress(args)))
    if result is None:
        return code

    names = list(result.nets)
    print(f"swiftmoons {sm.__version__}: {' vs '.join(names)} on make_moons({args.n_samples}, noise={args.noise}), "
          f"{args.epochs} epochs in {result.seconds:.3f} s\n")
    print(f"{'network':<10} {'final loss':>11} {'test accuracy':>14}")
    for name in names:
        print(f"{name:<10} {result.loss_history[name][-1]:>11.4f} {result.test_accuracy[name]:>14.1%}")

    rows = article.claims_table(result)
    changed = [f"{k} {result.config[k]}" for k in ("n_samples", "noise", "data_seed", "split_seed", "net_seed",
                                                    "lr", "batch_size") if result.config[k] != audit_settings()[k]]
    if changed:
        print(f"\nthese settings differ from the article's ({', '.join(changed)}): its figures are for its own")
    if rows:
        widths = [max(len(r[i]) for r in rows + [("the article says", "article", "this run", "")]) for i in range(3)]
        print(f"\n{'the article says':<{widths[0]}}  {'article':<{widths[1]}}  {'this run':<{widths[2]}}  verdict")
        for what, claim, ours, verdict in rows:
            print(f"{what:<{widths[0]}}  {claim:<{widths[1]}}  {ours:<{widths[2]}}  {verdict}")
    else:
        print("\nno claim of the article applies to this run (it makes claims about sigmoid and relu "
              "at 200, 400 and 800 epochs)")
    print("\n`python -m swiftmoons audit` tests these claims over seeds and controls.")

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
