"""swiftmoons against its NumPy reference, workload by workload, in one process.

    python benchmarks/bench.py            # the full benchmark (about a minute)
    python benchmarks/bench.py --quick    # a smoke run: small sizes, one repetition

Each workload runs several times for each implementation; the table gives the
medians and the ratio reference / swiftmoons next to the target the project
set for it. Where JAX is installed, a JAX column follows: the same workloads
as jit-compiled float64 programs (jax_columns.py), checked against the
reference, compile time reported apart. Where PyTorch is installed, a torch
column too: the same workloads in float64 eager torch (torch_columns.py),
also checked against the reference. This is a benchmark, not a test:
nothing here fails on a slow machine.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import swiftmoons as sm
from swiftmoons import article, reference as ref
from timing import median_time


def paired_times(ours, theirs, repeats):
    """Medians of `ours` and of `theirs`, each timed in a block of its own.

    OpenBLAS's worker threads keep spinning for a while after NumPy's last
    matrix product and would take a core from swiftmoons' threads, so ours
    run first, after a pause that lets them go to sleep.
    """
    time.sleep(0.5)
    return median_time(ours, repeats), median_time(theirs, repeats)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def grid(n):
    xx, yy = np.meshgrid(np.linspace(-2.5, 2.5, n), np.linspace(-2.5, 2.5, n))
    return np.c_[xx.ravel(), yy.ravel()]


MEMORY_PROBE = r"""
import sys, numpy as np, swiftmoons as sm

def peak_rss():
    # VmHWM belongs to this process's memory map, new at exec; getrusage's
    # ru_maxrss would carry the launching process's peak across the exec.
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM"))

n = int(sys.argv[1]); impl = sys.argv[2]
net = sm.TwoLayerNet("sigmoid", seed=42) if impl == "swiftmoons" else None
if impl == "reference":
    from swiftmoons import reference as ref
    net = ref.TwoLayerNet("sigmoid", seed=42)
before = peak_rss()
# The grid, written in place: no temporaries beside the input itself.
line = np.linspace(-2.5, 2.5, n)
X = np.empty((n * n, 2))
X.reshape(n, n, 2)[:, :, 0] = line[None, :]
X.reshape(n, n, 2)[:, :, 1] = line[:, None]
out = net.forward(X)
after = peak_rss()
print((after - before) * 1024, X.nbytes + out.nbytes)
"""


def jax_column(epochs, grid_n, seeds, reps, calls):
    """The JAX column's results (see jax_columns.py), or None without JAX."""
    if importlib.util.find_spec("jax") is None:  # (not imported here: it runs in a process of its own)
        return None
    out = subprocess.run([sys.executable, str(Path(__file__).with_name("jax_columns.py")),
                          *(str(v) for v in (epochs, grid_n, seeds, reps, calls))],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def torch_column(epochs, grid_n, seeds, reps, calls):
    """The PyTorch column's results (see torch_columns.py), or None without torch."""
    if importlib.util.find_spec("torch") is None:  # (not imported here: it runs in a process of its own)
        return None
    out = subprocess.run([sys.executable, str(Path(__file__).with_name("torch_columns.py")),
                          *(str(v) for v in (epochs, grid_n, seeds, reps, calls))],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def memory_growth(n, impl):
    """Peak RSS growth (bytes) of one forward pass on an n x n grid, with the
    bytes of its input and output, measured in a fresh interpreter."""
    out = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(n), impl], capture_output=True, text=True,
                         check=True).stdout.split()
    return int(out[0]), int(out[1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, one repetition: checks that it runs")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args(argv)
    quick = args.quick
    reps = 1 if quick else 7
    epochs = 20 if quick else 800
    grid_n = 100 if quick else 1000
    seeds = 2 if quick else 64

    print(f"swiftmoons benchmark, {datetime.date.today().isoformat()}{' (quick mode)' if quick else ''}")
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores; Python {platform.python_version()}, "
          f"NumPy {np.__version__}, swiftmoons {sm.__version__} ({sm.native_variant} build, {sm.get_threads()} threads)")
    calls = 200 if quick else 5000
    jaxed = jax_column(epochs, grid_n, seeds, reps, calls)
    if jaxed:
        print(f"jax: {jaxed['version']} on {jaxed['platform']}, float64, in a process of its own; its article "
              f"run's loss histories within {jaxed['worst']:.1e} of the reference's; compile times "
              + ", ".join(f"{k} {fmt(v)}" for k, v in jaxed["compile"].items()))
    else:
        print("jax: not installed, its column is skipped")
    torched = torch_column(epochs, grid_n, seeds, reps, calls)
    if torched:
        print(f"torch: {torched['version']}, float64, eager, {torched['threads']} threads, in a process of its own; "
              f"its article run's loss histories within {torched['worst']:.1e} of the reference's")
    else:
        print("torch: not installed, its column is skipped")
    G = grid(grid_n)
    rows = []
    # The JAX and torch times of each workload (None without them), in the order of rows.
    workloads = ("article", "train_step", "forward relu", "forward sigmoid", "sweep")
    times = jaxed["times"] if jaxed else {}
    jax_times = [times.get(k) for k in workloads]
    torch_times = [(torched["times"] if torched else {}).get(k) for k in workloads]

    # 1. The article's full run: data, both networks, training, evaluation.
    ours, theirs = paired_times(lambda: article.run(epochs=epochs).close(), lambda: ref.run_article(epochs=epochs), reps)
    rows.append((f"1. article run ({epochs} epochs, both networks)", ours, theirs, 100))

    # 2. One train_step of the article network, batch of 64, through the Python API.
    X, y = sm.make_moons(400, noise=0.18, random_state=42)
    X = sm.standardize(X)
    batch, labels = X[:64].copy(), y[:64].astype(np.float64)
    net, ref_net = sm.TwoLayerNet("relu", seed=42), ref.TwoLayerNet("relu", seed=42)
    ours, theirs = paired_times(lambda: [net.train_step(batch, labels, 0.05) for _ in range(calls)],
                                lambda: [ref_net.train_step(batch, labels, 0.05) for _ in range(calls // 10)], reps)
    ours, theirs = ours / calls, theirs / (calls // 10)
    rows.append(("2. train_step, batch 64 (per call)", ours, theirs, 15))

    # 3. Forward pass of the trained networks on a grid (both cores).
    result = article.run(epochs=epochs)
    expected = ref.run_article(epochs=epochs)
    for name, target in (("relu", 20), ("sigmoid", 50)):
        ours, theirs = paired_times(lambda: result.nets[name].forward(G), lambda: expected["nets"][name].forward(G), reps)
        rows.append((f"3. forward, {grid_n}x{grid_n} grid, {name}", ours, theirs, target))
    result.close()

    # 4. A sweep: the article's run for many seeds x 2 activations.
    sweep_epochs = epochs
    one = median_time(lambda: sm.sweep(range(seeds), epochs=sweep_epochs, threads=1), 1 if quick else 2, False)
    two = median_time(lambda: sm.sweep(range(seeds), epochs=sweep_epochs, threads=2), 1 if quick else 2, False)
    theirs = median_time(lambda: ref.sweep(range(seeds), epochs=sweep_epochs), 1, False)
    rows.append((f"4. sweep, {seeds} seeds x 2 activations (2 threads)", two, theirs, 150))

    # 5. Memory of the grid forward pass: peak RSS growth over input + output.
    growth, io_bytes = memory_growth(grid_n, "swiftmoons")
    ref_growth, _ = memory_growth(grid_n, "reference")

    width = max(len(r[0]) for r in rows)
    peers = [(name, t) for name, t in (("jax", jax_times), ("torch", torch_times)) if t[0] is not None]
    if args.markdown:
        print("\n| workload | swiftmoons | reference | ratio | target |"
              + "".join(f" {name} | {name} / swiftmoons |" for name, _ in peers)
              + "\n|---|---:|---:|---:|---:|" + "---:|---:|" * len(peers))
    else:
        print(f"\n{'workload':<{width}}  {'swiftmoons':>11}  {'reference':>11}  {'ratio':>8}  {'target':>7}  {'':5}"
              + "".join(f"  {name:>11}  {name + '/ours':>10}" for name, _ in peers))
    for k, (what, ours, theirs, target) in enumerate(rows):
        ratio = theirs / ours
        mark = "ok" if ratio >= target else "below"
        if args.markdown:
            print(f"| {what} | {fmt(ours)} | {fmt(theirs)} | {ratio:.1f}x | {target}x ({mark}) |"
                  + "".join(f" {fmt(t[k])} | {t[k] / ours:.1f}x |" for _, t in peers))
        else:
            print(f"{what:<{width}}  {fmt(ours):>11}  {fmt(theirs):>11}  {ratio:>7.1f}x  {target:>6}x  {mark:5}"
                  + "".join(f"  {fmt(t[k]):>11}  {t[k] / ours:>9.1f}x" for _, t in peers))
    scaling = one / two
    same = np.array_equal(sm.sweep(range(seeds), epochs=sweep_epochs, threads=1)["loss_history"],
                          sm.sweep(range(seeds), epochs=sweep_epochs, threads=2)["loss_history"])
    print(f"\n4. sweep scaling: {fmt(one)} on 1 thread, {fmt(two)} on 2 threads: {scaling:.2f}x "
          f"(target 1.8x: {'ok' if scaling >= 1.8 else 'below'}); loss histories "
          f"{'identical' if same else 'DIFFER'} across thread counts")
    limit = 1.5 * io_bytes
    print(f"5. memory, {grid_n}x{grid_n} forward: peak RSS grew {growth / 1e6:.1f} MB for "
          f"{io_bytes / 1e6:.1f} MB of input + output (target < 1.5x = {limit / 1e6:.1f} MB: "
          f"{'ok' if growth < limit else 'below'}); the NumPy reference grew {ref_growth / 1e6:.1f} MB")

    # 6. The geometry measures and the audit (the thesis issue's targets).
    from swiftmoons import audit, geometry
    rows_n = 1000 if quick else 5000
    Xg, _ = sm.make_moons(rows_n, noise=0.18, random_state=0)
    with sm.TwoLayerNet("sigmoid", seed=42) as gnet:
        kept = median_time(lambda: geometry.distance_order_kept(gnet, Xg), reps, False)
    print(f"6. geometry: distance_order_kept of a 2-8-8-1 net on {rows_n:,} rows (input and both layers) in "
          f"{fmt(kept)} (target < 1 s: {'ok' if kept < 1 else 'below'})")
    audit_seeds = 1 if quick else 16
    audited = median_time(lambda: audit.audit(seeds=audit_seeds), 1, False)
    print(f"7. audit: {audit_seeds} seeds beyond the article's, with every control, in {fmt(audited)} on "
          f"{sm.get_threads()} threads (target < 60 s for 16 seeds: {'ok' if audited < 60 else 'below'})")

    # 8. scikit-learn's MLPClassifier against swiftmoons.sklearn's on 8x8 digits (issue 13's row).
    try:
        import sklearn_digits
    except ImportError as missing:
        print(f"8. scikit-learn digits: {missing.name} is not installed, skipped")
    else:
        digits_iter = 20 if quick else 200
        for r in sklearn_digits.measure(1, max_iter=digits_iter):
            ratio = r["sklearn"] / r["swiftmoons"]
            print(f"8. scikit-learn digits, (100,), {r['solver']}, {digits_iter} epochs: scikit-learn "
                  f"{fmt(r['sklearn'])}, swiftmoons {fmt(r['swiftmoons'])}: {ratio:.1f}x (target 20x: "
                  f"{'ok' if ratio >= 20 else 'below'}); n_iter {r['n_iter'][0]}/{r['n_iter'][1]}, "
                  f"coefficients within {r['coef']:.1e} (relative), loss curves within {r['curve']:.1e}")

    # 9. The playground's frame: a chunk of native training and both figures drawn (issue 14).
    try:
        from swiftmoons import widgets
    except ImportError as missing:
        print(f"9. playground: {missing.name} is not installed, skipped")
    else:
        pg = widgets.playground()

        def frame():
            pg._frame()
            pg.figure.canvas.draw()
            pg.maps.canvas.draw()
        per_frame = median_time(frame, reps, True)
        print(f"9. playground frame (10 epochs of the article's net, boundary, loss, trace and 16 unit maps drawn): "
              f"{fmt(per_frame)}, {1 / per_frame:.1f} frames/s (target: several a second)")
    return 0


def fmt(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


if __name__ == "__main__":
    raise SystemExit(main())
