"""Fit and forward at every size: swiftmoons beside NumPy (swiftmoons.reference), JAX and PyTorch;
then the layer products alone, against the machine's float64 peak.

1. For each layer shape of the speed issue's table: the time of one epoch of
   `fit` at batch 64 (ms) and of one `forward` over N rows, for swiftmoons,
   the NumPy reference (OpenBLAS), JAX (jit, float64; in a process of its
   own, see jax_sizes.py) and PyTorch (float64, CPU) where they are
   installed, and the ratio "fastest peer / swiftmoons" (above 1: swiftmoons
   is the fastest). Every side uses all of the machine's cores (the
   library's threads, OpenBLAS's, XLA's, torch's intra-op pool).

2. GEMM efficiency: single layer products (forward a W + b, the data
   gradient dz W^T, the weight gradient a^T dz) of 784->512 and 512->512
   over 2048 rows (one large product) and 64 rows (one training batch), on
   1 and 2 threads, in GFMA/s (fused multiply-adds per second, one per term)
   and as a share of the float64 FMA peak measured on this machine with a
   register-only loop (Sources/SwiftMoonsBench, the swiftmoons-bench
   executable: built here, again whenever the sources change, with the
   flags of the loaded library's variant). PyTorch's time for the same
   product (float64, torch.set_num_threads) is printed beside it.

    .venv/bin/python benchmarks/sizes.py [--quick] [--no-gemm | --gemm-only]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import swiftmoons as sm
from swiftmoons import reference as ref

sys.path.insert(0, os.path.dirname(__file__))
from timing import median_time  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

SHAPES = [((2, 8, 8, 1), 4096), ((2, 64, 64, 1), 4096), ((2,) + (32,) * 5 + (1,), 4096),
          ((64, 256, 256, 10), 2048), ((784, 512, 512, 10), 2048)]

GEMM_SHAPES = "784x512,512x512"
GEMM_ROWS = "2048,64"


def data(sizes, n, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, sizes[0])
    y = rng.randint(0, sizes[-1], n) if sizes[-1] > 1 else (rng.rand(n) > 0.5).astype(float)
    return X, y


def shape_name(sizes):
    return "-".join(str(s) for s in sizes) if len(sizes) < 6 else f"2-{sizes[1]}x{len(sizes) - 2}-1"


def torch_model(torch, net):
    """A float64 torch copy of a swiftmoons ReLU MLP, with its loss."""
    layers = []
    params = net.parameters()
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


class JaxPeer:
    """JAX's column: jax_sizes.py in a process of its own, timing on request."""

    def __init__(self):
        self.process = subprocess.Popen([sys.executable, str(Path(__file__).with_name("jax_sizes.py"))],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.about = self._answer()
        self.compile = {}

    def _answer(self):
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"jax_sizes.py ended (exit {self.process.wait()})")
        return json.loads(line)

    def ask(self, request):
        self.process.stdin.write(request + "\n")
        self.process.stdin.flush()
        return self._answer()

    def prepare(self, name):
        self.compile[name] = self.ask(f"prepare {name}")

    def time(self, name, kind, reps):
        return self.ask(f"time {name} {kind} {reps}")

    def close(self):
        self.process.stdin.close()
        self.process.wait()


def jax_peer():
    """JAX's column, or None without JAX."""
    if importlib.util.find_spec("jax") is None:  # (not imported here: it runs in a process of its own)
        return None
    return JaxPeer()


def fmt_ms(seconds):
    return f"{seconds * 1e3:.2f}" if seconds == seconds else "-"


def fastest_peer_ratio(ours, peers):
    """Fastest peer's time / ours (nan without peers)."""
    known = [t for t in peers if t == t]
    return min(known) / ours if known else float("nan")


#: Pause between two sides' turns, so that no side's helper threads are
#: still spinning (ours, OpenMP's, OpenBLAS's, XLA's) when the next starts.
SETTLE_SECONDS = 0.01


def sizes_table(reps, rounds, torch):
    """Each shape's sides timed in turn, `rounds` times: each turn is the
    median of `reps` calls after one untimed call; a side's time is the
    median of its turns. Taking turns puts every side through the same
    moments of this shared machine's load."""
    jax = jax_peer()
    if jax is None:
        print("jax: not installed, its column is skipped")
    print(f"{rounds} rounds, the sides taking turns; each turn the median of {reps} calls after one untimed call")
    print(f"\n{'layer sizes':<16} {'N':>5} | {'fit ms/epoch: ours':>18} {'numpy':>8} {'jax':>8} {'torch':>8} "
          f"| {'forward ms: ours':>16} {'numpy':>8} {'jax':>8} {'torch':>8} "
          f"| {'fastest peer / ours: fit':>24} {'forward':>8}")
    rows = []
    try:
        for sizes, n in SHAPES:
            X, y = data(sizes, n)
            output = "softmax" if sizes[-1] > 1 else "sigmoid"
            name = "-".join(str(s) for s in sizes)
            net = sm.MLP(sizes, activation="relu", output=output, seed=0)
            twin = ref.MLP(sizes, activation="relu", output=output, seed=0)
            sides = {
                "ours": {"fit": lambda: median_time(lambda: net.fit(X, y, epochs=1, lr=0.01, batch_size=64, rng=0),
                                                    reps),
                         "forward": lambda: median_time(lambda: net.forward(X), reps)},
                "numpy": {"fit": lambda: median_time(lambda: ref.train_together(
                              [twin], X, y, epochs=1, lr=0.01, batch_size=64, rng=np.random.RandomState(0)), reps),
                          "forward": lambda: median_time(lambda: twin.forward(X), reps)},
            }
            if jax is not None:
                jax.prepare(name)
                sides["jax"] = {kind: (lambda kind=kind: jax.time(name, kind, reps)) for kind in ("fit", "forward")}
            if torch is not None:
                model, loss_fn = torch_model(torch, net)
                tX = torch.from_numpy(X)
                ty = torch.from_numpy(y.astype(np.int64) if sizes[-1] > 1 else y)

                def torch_forward():
                    with torch.no_grad():
                        return median_time(lambda: model(tX), reps)

                sides["torch"] = {"fit": lambda: median_time(lambda: torch_epoch(torch, model, loss_fn, tX, ty),
                                                             reps),
                                  "forward": torch_forward}
            turns = {(side, kind): [] for side in sides for kind in ("fit", "forward")}
            for _ in range(rounds):
                for kind in ("fit", "forward"):
                    for side, timers in sides.items():
                        time.sleep(SETTLE_SECONDS)
                        turns[side, kind].append(timers[kind]())
            t = {key: float(np.median(v)) for key, v in turns.items()}
            nan = float("nan")
            ours_fit, np_fit, ours_fwd, np_fwd = t["ours", "fit"], t["numpy", "fit"], t["ours", "forward"], \
                t["numpy", "forward"]
            j_fit, j_fwd = t.get(("jax", "fit"), nan), t.get(("jax", "forward"), nan)
            t_fit, t_fwd = t.get(("torch", "fit"), nan), t.get(("torch", "forward"), nan)
            fit_ratio = fastest_peer_ratio(ours_fit, [np_fit, j_fit, t_fit])
            fwd_ratio = fastest_peer_ratio(ours_fwd, [np_fwd, j_fwd, t_fwd])
            rows.append((shape_name(sizes), n, ours_fit, np_fit, j_fit, t_fit, ours_fwd, np_fwd, j_fwd, t_fwd,
                         fit_ratio, fwd_ratio))
            print(f"{shape_name(sizes):<16} {n:>5} | {fmt_ms(ours_fit):>18} {fmt_ms(np_fit):>8} {fmt_ms(j_fit):>8} "
                  f"{fmt_ms(t_fit):>8} | {fmt_ms(ours_fwd):>16} {fmt_ms(np_fwd):>8} {fmt_ms(j_fwd):>8} "
                  f"{fmt_ms(t_fwd):>8} | {fit_ratio:>23.2f}x {fwd_ratio:>7.2f}x", flush=True)
    finally:
        if jax is not None:
            jax.close()
    if jax is not None:
        print(f"jax {jax.about['version']} on {jax.about['platform']}, float64, jit, in a process of its own "
              f"(compile times, not in the table: {', '.join(f'{k} {v:.1f} s' for k, v in jax.compile.items())})")
    return rows


def bench_executable():
    """The swiftmoons-bench executable built from the current sources with the loaded library's variant flags."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import build_native

    variant = sm.native_variant
    scratch = ROOT / f".build-bench-{variant}"
    exe = scratch / "release" / "swiftmoons-bench"
    # Built every time (SwiftPM rebuilds only what changed): an executable
    # left from older sources would time the old kernels.
    flags = []
    if build_native.is_x86_64():
        for flag in build_native.X86_VARIANTS[variant]:
            flags += ["-Xswiftc", flag]
    flags += ["-Xswiftc", f"-DSWIFTMOONS_{variant.upper()}"]
    command = [build_native.find_swift(), "build", "-c", "release", "--product", "swiftmoons-bench",
               "--scratch-path", str(scratch)] + flags
    print(f"building the product benchmark: {' '.join(command)}", flush=True)
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)
    return exe


def torch_product_time(torch, fan_in, fan_out, rows, kind, threads, reps):
    torch.set_num_threads(threads)
    g = torch.Generator().manual_seed(0)
    a = torch.rand(rows, fan_in, dtype=torch.float64, generator=g)
    dz = torch.rand(rows, fan_out, dtype=torch.float64, generator=g)
    w = torch.rand(fan_in, fan_out, dtype=torch.float64, generator=g)
    b = torch.rand(fan_out, dtype=torch.float64, generator=g)
    fn = {"forward": lambda: torch.addmm(b, a, w), "data gradient": lambda: dz @ w.T,
          "weight gradient": lambda: (a.T @ dz, dz.sum(0))}[kind]
    calls = max(1, int(0.05 / max(median_time(fn, 1), 1e-6)))
    return median_time(lambda: [fn() for _ in range(calls)], reps) / calls


def gemm_table(quick, torch):
    exe = bench_executable()
    command = [str(exe), "--json", "--shapes", GEMM_SHAPES, "--rows", GEMM_ROWS, "--threads", "1,2"]
    if quick:
        command.append("--quick")
    result = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
    peak = {int(k): v for k, v in result["peak_gfma"].items()}
    one = peak[1]
    print(f"\nGEMM efficiency ({exe.name}, {sm.native_variant} build). Float64 FMA peak measured with a "
          f"register-only loop: {one:.2f} GFMA/s on 1 thread"
          + "".join(f", {v:.2f} on {t} threads" for t, v in sorted(peak.items()) if t > 1)
          + f" ({os.cpu_count()} processors)")
    print("GFMA/s from the median time; '% core peak' is against the 1-thread peak x threads, '% peak' against "
          "the peak measured on that many threads")
    print(f"\n{'product':<16} {'rows':>5} {'kind':<16} {'thr':>3} | {'ms':>8} {'GFMA/s':>7} {'% core peak':>11} "
          f"{'% peak':>7} | {'torch ms':>9} {'torch / ours':>12}")
    table = []
    for r in result["results"]:
        fmas = r["fan_in"] * r["fan_out"] * r["rows"]
        t = r["median_s"]
        g = fmas / t / 1e9
        core_share = g / (one * r["threads"])
        share = g / peak[r["threads"]]
        t_torch = float("nan")
        if torch is not None:
            t_torch = torch_product_time(torch, r["fan_in"], r["fan_out"], r["rows"], r["kind"], r["threads"],
                                         3 if quick else 7)
        table.append((r, g, core_share, share, t_torch))
        print(f"{str(r['fan_in']) + '->' + str(r['fan_out']):<16} {r['rows']:>5} {r['kind']:<16} {r['threads']:>3} | "
              f"{t * 1e3:>8.3f} {g:>7.2f} {100 * core_share:>10.1f}% {100 * share:>6.1f}% | "
              f"{fmt_ms(t_torch):>9} {t_torch / t:>11.2f}x")
    if torch is not None:
        torch.set_num_threads(os.cpu_count() or 1)
    print(f"results {'identical' if result['identical_across_threads'] else 'DIFFER'} across thread counts")
    return table


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one repetition, to check that it runs")
    parser.add_argument("--no-gemm", action="store_true", help="skip the single-product section")
    parser.add_argument("--gemm-only", action="store_true", help="only the single-product section")
    parser.add_argument("--rounds", type=int, default=5, help="turns each side takes per shape (default 5)")
    args = parser.parse_args(argv)
    reps = 1 if args.quick else 5
    rounds = 1 if args.quick else args.rounds
    try:
        import torch
        torch.set_num_threads(os.cpu_count() or 1)
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    except ImportError:
        torch = None
        print("torch: not installed (benchmarks/README.md says how to add its column)")
    print(f"swiftmoons {sm.__version__} ({sm.native_variant}, {sm.get_threads()} threads), NumPy {np.__version__}")
    if not args.gemm_only:
        sizes_table(reps, rounds, torch)
    if not args.no_gemm:
        gemm_table(args.quick, torch)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
