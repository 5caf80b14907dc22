"""Convolutions in swiftmoons against PyTorch (float64, CPU) and the NumPy reference, in one table.

Rows (each side with the same parameters, copied from the swiftmoons network
through its `layout`; the forward outputs, the gradients and the parameters
after an epoch are compared, and the largest difference is printed beside
the times: a benchmark of two different computations would be worthless):

1. conv forward: N images through `CNN(shape, [Conv2D(c, 3, padding=1),
   Flatten(), Dense(2)]).forward(X)`, against torch's `nn.Sequential(Conv2d,
   Flatten, Linear)` under `torch.no_grad()` and `reference.CNN.forward`.
   The tiny dense head (the conv output flattened, to 2 logits) is part of
   every side's time; the "head only" row times `[Flatten(), Dense(2)]`
   alone on the conv's output shape, so that its share can be read off,
   and "conv alone" is the difference of the two medians (an estimate, which
   on a noisy machine can even come out below 0).
2. conv forward + backward: `net.gradients(X, y)` against torch's forward,
   cross-entropy and backward (gradients zeroed first) and
   `reference.CNN.gradients(X, y)`; the head alone and the difference again.
3. one training epoch of a CIFAR-like CNN (3x32x32: conv16-relu-pool-
   conv32-relu-pool-dense64-relu-dense10), SGD with momentum 0.9, lr 0.01,
   batch 32, samples in order (shuffle off, so that the three sides run the
   same computation: the epoch's parameters are compared too).

Times are medians of --repeats calls after one untimed call, the sides'
calls taken in turn (ours, torch, reference, ours, ...) so that they meet
the same moments of a shared machine's load; ratios are
"peer / swiftmoons" (above 1: swiftmoons is faster). Torch runs on 2 threads
(torch.set_num_threads(2); --torch-threads to change it), swiftmoons on its default threads, the reference
on NumPy's BLAS. The reference is slow: it is timed on --ref-n images per
row (fewer repeats for the epoch) and its time scaled to the row's N (the
table says so).

    .venv/bin/python benchmarks/cnn.py [--quick] [--n 256] [--epoch-n 1000] [--ref-n 64]
                                       [--epoch-ref-n 256] [--repeats 7] [--skip-reference] [--skip-torch]
                                       [--torch-threads 2] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

import swiftmoons as sm
from swiftmoons import reference as R
from swiftmoons.cnn import CNN
from swiftmoons.layers import Activation, Conv2D, Dense, Flatten, MaxPool2D

sys.path.insert(0, os.path.dirname(__file__))
from timing import median_time  # noqa: E402

TORCH_THREADS = 2
CONVS = [((3, 32, 32), 16), ((16, 16, 16), 32)]  # (input shape, output channels): Conv2D(c, 3, padding=1)
EPOCH_SHAPE = (3, 32, 32)
EPOCH_LAYERS = [Conv2D(16, 3, padding=1), "relu", MaxPool2D(2), Conv2D(32, 3, padding=1), "relu", MaxPool2D(2),
                Flatten(), Dense(64), "relu", Dense(10)]
LR, MOMENTUM, BATCH = 0.01, 0.9, 32
NAN = float("nan")


def torch_copy(torch, net):
    """A float64 torch nn.Sequential computing what the swiftmoons CNN `net` computes, with its parameters."""
    from torch import nn

    modules, shape = [], net.input_shape
    for layer, out_shape in zip(net.layers, net.shapes):
        if isinstance(layer, Conv2D):
            modules.append(nn.Conv2d(shape[0], layer.channels, layer.kernel_size, stride=layer.stride,
                                     padding=layer.padding))
        elif isinstance(layer, MaxPool2D):
            modules.append(nn.MaxPool2d(layer.size, layer.stride or layer.size))
        elif isinstance(layer, Flatten):
            modules.append(nn.Flatten())
        elif isinstance(layer, Dense):
            modules.append(nn.Linear(shape[0], layer.units))
        elif isinstance(layer, Activation) and layer.name == "relu":
            modules.append(nn.ReLU())
        else:
            raise ValueError(f"no torch twin for {layer!r}")
        shape = out_shape
    model = nn.Sequential(*modules).double()
    load_params(torch, model, net, net.parameters())
    return model


def load_params(torch, model, net, flat):
    """Copy a flat swiftmoons parameter vector into the torch twin (Dense weights are (in, out): transposed)."""
    with torch.no_grad():
        for block in net.layout:
            value = flat[block.offset:block.offset + int(np.prod(block.shape))].reshape(block.shape)
            if isinstance(net.layers[block.layer], Dense) and block.name == "weight":
                value = value.T
            getattr(model[block.layer], block.name).copy_(torch.from_numpy(np.ascontiguousarray(value)))


def torch_flat(model, net, grads=False):
    """The torch twin's parameters (or their gradients) as a flat vector in the swiftmoons layout."""
    out = np.empty(net.parameter_count)
    for block in net.layout:
        p = getattr(model[block.layer], block.name)
        value = (p.grad if grads else p).detach().numpy()
        if isinstance(net.layers[block.layer], Dense) and block.name == "weight":
            value = value.T
        out[block.offset:block.offset + value.size] = value.ravel()
    return out


def rel_diff(a, b):
    """max |a - b| / max |b|: the largest difference relative to the values' scale."""
    a, b = np.asarray(a), np.asarray(b)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def reference_twin(net):
    ref = R.CNN(net.input_shape, list(net.layers), seed=0)
    ref.params[...] = net.parameters()
    return ref


def data(shape, n, classes, seed=0):
    rng = np.random.RandomState(seed)
    return rng.standard_normal((n,) + tuple(shape)), rng.randint(0, classes, n)


class Row:
    def __init__(self, name, n, ours, torch_t=NAN, ref_t=NAN, ref_n=None, diff_torch=NAN, diff_ref=NAN):
        self.name, self.n, self.ours, self.torch, self.ref = name, n, ours, torch_t, ref_t
        self.ref_n, self.diff_torch, self.diff_ref = ref_n, diff_torch, diff_ref

    def as_dict(self):
        def clean(value):  # JSON has no NaN
            return None if value != value else value

        return {"row": self.name, "n": self.n, "swiftmoons_s": self.ours, "torch_s": clean(self.torch),
                "reference_s": clean(self.ref), "reference_timed_on": self.ref_n,
                "max_rel_diff_torch": clean(self.diff_torch), "max_rel_diff_reference": clean(self.diff_ref)}


def interleaved_medians(calls, reps):
    """The median time of each call (a dict of name: function), after one untimed call of each, the repeats
    taken in turn (ours, torch, reference, ours, ...): on a shared machine whose load comes and goes, every
    side then meets the same moments, and the ratios stay fairer than the times."""
    for fn in calls.values():
        fn()
    times = {name: [] for name in calls}
    for _ in range(reps):
        for name, fn in calls.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def fill(row, medians, ref_scale=1.0):
    row.ours = medians["ours"]
    row.torch = medians.get("torch", NAN)
    row.ref = medians.get("ref", NAN) * ref_scale
    return row


def forward_row(torch, label, net, X, ref_n, reps):
    """`net.forward(X)` against torch under no_grad and the reference (on ref_n images, scaled)."""
    n = len(X)
    out = net.forward(X)
    row = Row(label, n, NAN)
    calls = {"ours": lambda: net.forward(X)}
    if torch is not None:
        model = torch_copy(torch, net)
        tX = torch.from_numpy(X)

        def torch_forward():
            with torch.no_grad():
                return model(tX)

        calls["torch"] = torch_forward
        row.diff_torch = rel_diff(out, torch_forward().numpy())
    if ref_n:
        ref = reference_twin(net)
        sub = X[:ref_n]
        calls["ref"] = lambda: ref.forward(sub)
        row.ref_n = len(sub)
        row.diff_ref = rel_diff(out[:ref_n], ref.forward(sub))
    return fill(row, interleaved_medians(calls, reps), n / ref_n if ref_n else 1.0)


def gradients_row(torch, label, net, X, y, ref_n, reps):
    """`net.gradients(X, y)` against torch's forward, cross-entropy and backward, and the reference's."""
    n = len(X)
    _, grad = net.gradients(X, y)
    row = Row(label, n, NAN)
    calls = {"ours": lambda: net.gradients(X, y)}
    if torch is not None:
        model = torch_copy(torch, net)
        tX, ty = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
        loss_fn = torch.nn.CrossEntropyLoss()

        def step():
            model.zero_grad()
            loss_fn(model(tX), ty).backward()

        calls["torch"] = step
        step()
        row.diff_torch = rel_diff(grad, torch_flat(model, net, grads=True))
    if ref_n:
        ref = reference_twin(net)
        sub_X, sub_y = X[:ref_n], y[:ref_n]
        calls["ref"] = lambda: ref.gradients(sub_X, sub_y)
        row.ref_n = len(sub_X)
        row.diff_ref = rel_diff(net.gradients(sub_X, sub_y)[1], ref.gradients(sub_X, sub_y)[1])
    return fill(row, interleaved_medians(calls, reps), n / ref_n if ref_n else 1.0)


def difference_row(label, whole, part):
    """An estimate: the whole row's medians minus the part's (no check of its own)."""
    return Row(label, whole.n, whole.ours - part.ours, whole.torch - part.torch, whole.ref - part.ref, whole.ref_n)


def conv_rows(torch, shape, channels, n, ref_n, reps):
    """Forward and forward + backward of one convolution layer with a 2-logit dense head; the head alone (on
    inputs of the conv's output shape); and the conv's share estimated as the difference."""
    name = f"{'x'.join(map(str, shape))} -> Conv2D({channels}, 3, padding=1)"
    X, y = data(shape, n, 2)
    net = CNN(shape, [Conv2D(channels, 3, padding=1), Flatten(), Dense(2)], seed=0)
    conv_out = net.shapes[0]
    head = CNN(conv_out, [Flatten(), Dense(2)], seed=0)
    Xh, yh = data(conv_out, n, 2, seed=1)
    head_name = f"{'x'.join(map(str, conv_out))} -> Flatten, Dense(2)"
    rows = []
    for kind, timer, args in (("forward", forward_row, ()), ("forward + backward", gradients_row, (y,))):
        whole = timer(torch, f"{kind}: {name} + head", net, X, *args, ref_n, reps)
        part = timer(torch, f"  {kind}, head only: {head_name}", head, Xh, *((yh,) if args else ()), ref_n, reps)
        alone = f"  {kind}, conv alone (\"+ head\" minus \"head only\", estimate)"
        rows += [whole, part, difference_row(alone, whole, part)]
    return rows


def torch_epoch(torch, model, tX, ty):
    """One epoch in order (no shuffle), SGD with momentum, fresh optimizer state (as `CNN.fit` per call)."""
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    loss_fn = torch.nn.CrossEntropyLoss()
    for start in range(0, len(tX), BATCH):
        opt.zero_grad()
        loss_fn(model(tX[start:start + BATCH]), ty[start:start + BATCH]).backward()
        opt.step()


def epoch_row(torch, n, ref_n, reps, skip_ref):
    X, y = data(EPOCH_SHAPE, n, 10)
    net = CNN(EPOCH_SHAPE, EPOCH_LAYERS, seed=0)
    start = net.parameters()

    def ours_epoch(samples, labels):
        net.fit(samples, labels, epochs=1, lr=LR, batch_size=BATCH, momentum=MOMENTUM, shuffle=False)

    # The checks first: one epoch from the same start on every side.
    ours_epoch(X, y)
    after = net.parameters()
    row = Row("epoch: conv16-relu-pool-conv32-relu-pool-dense64-relu-dense10, SGD momentum, batch 32", n, NAN)
    calls = {"ours": lambda: ours_epoch(X, y)}
    if torch is not None:
        net.set_parameters(start)
        model = torch_copy(torch, net)
        tX, ty = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
        torch_epoch(torch, model, tX, ty)
        row.diff_torch = rel_diff(after, torch_flat(model, net))
        calls["torch"] = lambda: torch_epoch(torch, model, tX, ty)
    if not skip_ref:
        sub_X, sub_y = X[:ref_n], y[:ref_n]
        net.set_parameters(start)
        ref = reference_twin(net)
        ours_epoch(sub_X, sub_y)
        ref.fit(sub_X, sub_y, epochs=1, lr=LR, batch_size=BATCH, momentum=MOMENTUM, shuffle=False)
        row.diff_ref = rel_diff(net.parameters(), ref.params)
    # Timed from there on (the parameters keep training: the cost of an epoch does not depend on them).
    fill(row, interleaved_medians(calls, reps))
    if not skip_ref:
        # The reference's epochs are long: fewer repeats, after the check above as its warm-up.
        row.ref = median_time(lambda: ref.fit(sub_X, sub_y, epochs=1, lr=LR, batch_size=BATCH, momentum=MOMENTUM,
                                              shuffle=False), max(1, reps // 3), warm_up=False) * n / len(sub_X)
        row.ref_n = len(sub_X)
    return row


def fmt_ms(seconds):
    return "-" if seconds != seconds else f"{seconds * 1e3:.2f}" if seconds < 10 else f"{seconds * 1e3:.0f}"


def fmt_ratio(peer, ours):
    return "-" if not (peer > 0 and ours > 0) else f"{peer / ours:.2f}x"  # (an estimate below 0 is noise)


def fmt_diff(d):
    return "-" if d != d else f"{d:.1e}"


def print_table(rows, torch_note, ref_note):
    print("\n| row | N | swiftmoons ms | torch ms | reference ms | torch / ours | reference / ours "
          "| max rel. diff torch | max rel. diff reference |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        ref = fmt_ms(r.ref) if r.ref == r.ref else ref_note
        ref += f" ({r.ref_n} imgs, scaled)" if r.ref_n is not None and r.ref_n != r.n else ""
        print(f"| {r.name} | {r.n} | {fmt_ms(r.ours)} | {fmt_ms(r.torch) if r.torch == r.torch else torch_note} "
              f"| {ref} | {fmt_ratio(r.torch, r.ours)} | {fmt_ratio(r.ref, r.ours)} | {fmt_diff(r.diff_torch)} "
              f"| {fmt_diff(r.diff_ref)} |")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a few images, one repetition: checks that it runs")
    parser.add_argument("--n", type=int, default=256, help="images per conv row")
    parser.add_argument("--epoch-n", type=int, default=1000, help="images in the epoch")
    parser.add_argument("--ref-n", type=int, default=64, help="images the reference is timed on (scaled to N)")
    parser.add_argument("--epoch-ref-n", type=int, default=256, help="images in the reference's epoch (scaled)")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--skip-reference", action="store_true")
    parser.add_argument("--skip-torch", action="store_true")
    parser.add_argument("--torch-threads", type=int, default=TORCH_THREADS,
                        help="torch.set_num_threads (default 2: the machine's cores, as swiftmoons uses)")
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args(argv)
    if args.quick:
        args.n, args.epoch_n, args.ref_n, args.epoch_ref_n, args.repeats = 16, 64, 8, 32, 1
    torch, torch_note = None, "skipped"
    if not args.skip_torch:
        try:
            import torch
            torch.set_num_threads(args.torch_threads)
        except ImportError:
            torch, torch_note = None, "not installed"
    print(f"swiftmoons {sm.__version__} ({sm.native_variant}, {sm.get_threads()} threads), NumPy {np.__version__}, "
          + (f"torch {torch.__version__} (float64, {torch.get_num_threads()} threads)" if torch
             else f"torch {torch_note}")
          + f"; {platform.processor() or platform.machine()}, {os.cpu_count()} processors")
    load = os.getloadavg()
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; median of {args.repeats} after a warm-up")
    began = time.perf_counter()
    rows = []
    for shape, channels in CONVS:
        rows += conv_rows(torch, shape, channels, args.n, 0 if args.skip_reference else args.ref_n, args.repeats)
    rows.append(epoch_row(torch, args.epoch_n, min(args.epoch_ref_n, args.epoch_n), args.repeats,
                          args.skip_reference))
    print_table(rows, torch_note, "skipped")
    load = os.getloadavg()
    print(f"\nload average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {time.perf_counter() - began:.0f} s")
    print("ratios: peer / swiftmoons (above 1: swiftmoons is faster); max rel. diff: max |ours - peer| / max |peer| "
          "of the forward outputs, the gradients, or the parameters after the epoch")
    worst = max((d for r in rows for d in (r.diff_torch, r.diff_ref) if d == d), default=NAN)
    print(f"worst difference: {fmt_diff(worst)}")
    if args.json:
        Path(args.json).write_text(json.dumps({"variant": sm.native_variant, "threads": sm.get_threads(),
                                               "torch": torch.__version__ if torch else None,
                                               "torch_threads": torch.get_num_threads() if torch else None,
                                               "rows": [r.as_dict() for r in rows]}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
