#!/usr/bin/env python3
"""Property-based fuzzing of swiftmoons' public Python API, with Hypothesis.

    python fuzz_api.py --examples 200 --seed 0

Every generated argument is Python source, so that each failure comes with a
one-line snippet that reproduces it (run it after the prelude printed just
before the summary). Hypothesis draws calls that mix valid and invalid
arguments: usually one parameter is broken and the others are valid. Every
call is judged by the oracle:

(a) it returns, or raises TypeError, ValueError (SwiftMoonsError is one) or
    MemoryError; a SwiftMoonsError with status SM_ERR_INTERNAL is a failure;
(b) an exception comes from a `raise` statement of the swiftmoons package
    (not from NumPy, ctypes or a builtin such as float(), whose message names
    no parameter);
(c) a call that raises leaves what it was given unchanged: a network's
    parameters and len(loss_history), a CNN's parameters and both its
    streams (swiftmoons.cnn.cnn_state's arrays), a stream's get_state(), the
    sequence being shuffled; and no call changes the thread count (but
    set_threads);
(d) losses (train_step, fit, train_together, evaluate, gradients, sweep,
    article.run, experiments; a CNN's evaluate, loss, gradients and fit,
    validation losses included) are never finite and negative, and are finite
    for a sigmoid or softmax output (every CNN) when X is within [-3, 3], the
    labels are valid, the parameters finite and 0 <= lr <= MAX_STABLE_LR
    (0.1: at lr = 0.62 a PReLU network trained with batches of 1 diverges to
    NaN in NumPy's reference too);
(e) integers are never silently wrapped or truncated: a value outside int64
    (or int32 for thread counts), a non-integral float or an out-of-range
    seed must raise (an integral float such as 2.0 may be accepted);
    set_threads/get_threads and set_state/get_state must echo what was set;
    a batch_size of 2**31..2**32+2 must train as batch_size = n;
(f) what the documentation calls invalid is refused: names with an embedded
    NUL, labels outside the output's domain, non-finite X or X_eval in
    training (a CNN's X and validation X too), a non-finite or negative lr
    (and a non-finite or negative momentum, beta1, beta2 or epsilon for the
    CNN optimizer that uses it), a Dropout rate outside [0, 1), non-finite
    or negative noise,
    calls on a closed network, shuffling an immutable sequence, a callback
    that is not callable, a callback_every below 1;
(g) a copy (copy.copy, copy.deepcopy, a pickle round trip) of a network, a
    CNN, a stream, TrainingRecords or an article result is bit-identical to the
    original (parameters, loss_history, epochs_trained, records, get_state(),
    with NaN equal to NaN), owns another native handle, and training or
    drawing from it leaves the original unchanged (after which the original,
    trained or drawn alike, gives the same numbers); deleting a copy leaves
    the original usable;
(h) sm.load returns a network equal to what the file holds (as NumPy and
    json read it) and usable (forward works), or raises ValueError; only a
    missing path raises FileNotFoundError; a file that save wrote, or one
    with extra header fields or arrays, loads; a CNN that save wrote loads
    back equal to it (parameters and both streams) and trains on as it does
    (as a copy, (g)); an edited CNN file loads as what it holds, or raises
    ValueError;
(i) an exception raised by a training callback propagates unchanged, and
    leaves each network consistent (len(loss_history) == epochs_trained,
    at least the epochs the callback saw); fitting the remaining epochs with
    the same stream then gives an uninterrupted run's loss_history and
    parameters exactly; a callback that returns is called from the calling
    thread with (epoch, loss) at every callback_every-th epoch and the last.

CNN scenarios (groups cnn_constructors, cnn, cnn_copies) build small
networks (input (C, H, W) with C <= 3 and H, W <= 8, or (D,)) of Conv2D,
pooling, Flatten, Dense, Dropout and activation layers, valid or with one
part broken (a kernel larger than the input, a missing Flatten, a bad
activation, huge ints, floats for ints, NaN rates), and call them.

Questionable acceptances (a bool or a str for a number) and valid-looking
calls that raised are printed as `note:` lines before the summary; they are
not failures. The last lines are

    fuzz: CALLS calls, FAILURES failures
    <one line per distinct failure: check api | exception or property | message | snippet>

and the exit status is 1 if any call failed. A crash (a signal) is for the
caller to see; --log FILE writes each snippet before it runs, so the last
line of FILE is the call that crashed or hung.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import contextlib
import copy
import gc
import io
import json
import math
import operator
import os
import pathlib
import pickle
import re
import shutil
import sys
import tempfile
import threading
import time
import traceback
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from hypothesis import HealthCheck, Phase, given, seed as hypothesis_seed, settings, strategies as st

import swiftmoons as sm
import swiftmoons.article  # noqa: F401  (snippets call sm.article.run)
import swiftmoons.cnn  # noqa: F401  (cnn_state: what check (c) compares of a CNN)
import swiftmoons.experiments  # noqa: F401
from swiftmoons import layers as cnn_layers_module

PACKAGE_DIR = Path(sm.__file__).resolve().parent
PRELUDE = ("import numpy as np, swiftmoons as sm, swiftmoons.article, swiftmoons.experiments; "
           "import copy, io, json, pathlib, pickle, tempfile, threading, zipfile; from math import nan, inf; "
           "from swiftmoons import CNN; "
           "from swiftmoons.layers import Conv2D, MaxPool2D, AvgPool2D, Flatten, Dense, Dropout, Activation")
ALLOWED = (TypeError, ValueError, MemoryError)

OUTPUTS = ("sigmoid", "softmax", "identity")
INITS = ("auto", "he", "xavier", "glorot_uniform")
NAMES = tuple(sm.activations.NAMES)
PARAMETRIC = tuple(name for name, params in sm.activations.PARAMETERS.items() if params)

# ---- arguments as source -----------------------------------------------------


class Arg(str):
    """Python source for one argument, and what the oracle expects of a call given it.

    reject: why a call given this value must raise ("(e) ..." or "(f) ..."), or None.
    note: why accepting it is questionable (reported as a note), or None.
    value: the number it stands for, when it is a valid number (for check (d)).
    flags: facts about the value: "moderate" (a finite array within [-3, 3]),
        "nonfinite", "valid" (labels in the output's domain), "deterministic" (a seeded stream).
    setup, watch: statements that must run first (binding a stream, say) and the names they bind.
    """

    def __new__(cls, code, *, reject=None, note=None, value=None, flags=(), setup=(), watch=()):
        self = super().__new__(cls, code)
        self.reject, self.note, self.value = reject, note, value
        self.flags, self.setup, self.watch = frozenset(flags), tuple(setup), tuple(watch)
        return self

    def but(self, **changes) -> "Arg":
        """A copy with some tags changed."""
        tags = dict(reject=self.reject, note=self.note, value=self.value, flags=self.flags,
                    setup=self.setup, watch=self.watch)
        tags.update(changes)
        return Arg(str(self), **tags)


#: A keyword argument left out of the call.
OMIT = Arg("<omitted>")


def codes(*sources, **tags) -> st.SearchStrategy:
    """One of the given source strings, all with the same tags."""
    return st.sampled_from(sources).map(lambda code: Arg(code, **tags))


JUNK = ("None", "'abc'", "''", "b'relu'", "[]", "[1, 2]", "{}", "{'a': 1}", "1j", "object()", "(1, 2)",
        "np.array([1.0, 2.0])", "...")


def junk() -> st.SearchStrategy:
    """Values of the wrong type for almost any parameter."""
    return codes(*JUNK)


HUGE_INTS = ("2**63", "2**64 + 5", "-2**63 - 1", "np.uint64(2**64 - 1)")
WIDE_INTS = ("2**31", "2**32", "2**32 + 2")
FRACTIONS = ("1.7", "nan", "inf", "-inf", "np.float64(2.5)")
WRAP = "(e) outside int64: must raise, not wrap"
TRUNCATE = "(e) not an integer: must raise, not truncate"
INT32 = "(e) outside int32: must raise, not wrap"
SEED_RANGE = "(e) a seed outside 0..2**32-1 must raise"
NUL = "(f) a name with an embedded NUL must raise, not be cut at the NUL"
LABELS = "(f) labels outside the output's domain must raise"
NONFINITE_X = "(f) non-finite X must raise in training"
NONFINITE_LR = "(f) a non-finite lr must raise"
NEGATIVE_LR = "(f) a negative lr must raise (documented: finite and >= 0)"
CLOSED = "(f) a call on a closed network must raise"
IMMUTABLE = "(f) an immutable sequence cannot be shuffled in place: must raise"


def int_values(lo: int, hi: int) -> st.SearchStrategy:
    """Valid integers in lo..hi, as Python or NumPy ints."""
    forms = st.sampled_from(("{}", "{}", "{}", "np.int64({})"))
    return st.tuples(st.integers(lo, hi), forms).map(lambda t: Arg(t[1].format(t[0]), value=t[0]))


def ints(lo: int, hi: int, *, wide: str | None = None) -> st.SearchStrategy:
    """An integer parameter: valid values in lo..hi, and values that must not be wrapped or truncated.

    wide: None leaves out 2**31..2**32+2 (where they could allocate gigabytes
    or run for hours); "" includes them as acceptable; else the reason they must raise.
    """
    options = [int_values(lo, hi), int_values(lo, hi), codes(*HUGE_INTS, reject=WRAP),
               codes(*FRACTIONS, reject=TRUNCATE), codes("2.0", "np.float32(3.0)"),
               codes("True", note="a bool accepted as an integer"), codes("'3'", note="a str accepted as an integer"),
               codes("-1", "0"), junk()]
    if wide is not None:
        options.append(codes(*WIDE_INTS, reject=wide or None))
    return st.one_of(options)


def reals(lo: float, hi: float, *, nonfinite: dict | None = None, negative: dict | None = None) -> st.SearchStrategy:
    """A float parameter: valid values in [lo, hi], and non-finite, negative, extreme and mistyped ones.

    nonfinite, negative: the tags (reject or note) of those values.
    """
    valid = st.floats(lo, hi).map(lambda v: Arg(repr(v), value=v))
    return st.one_of(valid, valid, codes("nan", "inf", "-inf", **(nonfinite or {})),
                     codes("-1.0", "-1e-3", **(negative or {})), codes("0", "1", "np.float32(0.25)", "np.int64(1)"),
                     codes("1e308", "5e-324"), codes("'0.1'", note="a str accepted as a number"),
                     codes("True", note="a bool accepted as a number"),
                     codes("np.array(0.1)", "np.array([0.1, 0.2])", "[0.1]", "1j"), junk())


def floats_in(lo: float, hi: float) -> st.SearchStrategy:
    """Valid floats in [lo, hi]."""
    return st.floats(lo, hi).map(lambda v: Arg(repr(v), value=v))


def seeds() -> st.SearchStrategy:
    """A seed: 0..2**32-1 (both ends included), None, and seeds that must be refused."""
    valid = st.one_of(int_values(0, 2**32 - 1), codes("0", "2**32 - 1"))
    return st.one_of(valid, valid, codes("None"), codes("2**32", "2**32 + 2", "-1", reject=SEED_RANGE),
                     codes(*HUGE_INTS, reject=WRAP), codes(*FRACTIONS, reject=TRUNCATE),
                     codes("True", note="a bool accepted as a seed"), junk())


@st.composite
def streams(draw, name: str, *, valid_only=False):
    """A random_state/rng argument: a seed, or a named sm/NumPy RandomState (watched by check (c))."""
    s = draw(st.integers(0, 99))
    kind = draw(st.sampled_from(["seed", "seed", "sm", "numpy"]))
    if kind == "sm":
        return Arg(name, setup=(f"{name} = sm.RandomState({s})",), watch=(name,), flags={"deterministic"})
    if kind == "numpy":
        return Arg(name, setup=(f"{name} = np.random.RandomState({s})",), watch=(name,), flags={"deterministic"})
    arg = draw(int_values(0, 2**32 - 1) if valid_only else seeds())
    return arg.but(flags={"deterministic"}) if arg.value is not None else arg


def activation_names() -> st.SearchStrategy:
    """A name argument: every valid name, near misses, embedded NULs, non-strings."""
    valid = st.sampled_from(NAMES).map(lambda n: Arg(repr(n)))
    return st.one_of(valid, valid, codes("'softsign'", "'RELU'", "''", "' relu'"),
                     codes("'relu\\x00junk'", "'relu\\x00'", reject=NUL), junk())


@st.composite
def activation_specs(draw, hidden: int):
    """A valid `activation` for `hidden` hidden layers: a name, a (name, alpha) pair, or a list, one per layer."""
    def one():
        pair = st.tuples(st.sampled_from(PARAMETRIC), st.sampled_from((0.01, 0.1, 0.5)))
        return draw(st.one_of(st.sampled_from(NAMES).map(repr), pair.map(lambda t: f"({t[0]!r}, {t[1]!r})")))
    if hidden >= 2 and draw(st.integers(0, 3)) == 0:
        return Arg("[" + ", ".join(one() for _ in range(hidden)) + "]")
    return Arg(one())


def bad_activation_specs(hidden: int) -> st.SearchStrategy:
    """`activation` values that must be refused (or are questionable)."""
    return st.one_of(activation_names(), codes(
        "('leaky_relu', nan)", "('leaky_relu', inf)", "('leaky_relu', 'a')", "('leaky_relu', None)", "('relu', 0.1)",
        "('elu', {'alpha': 2.0})", "('elu', {'beta': 2})", "('relu', 'tanh')", "('leaky_relu',)",
        "('leaky_relu', 0.1, 2)", "[]", f"['relu'] * {hidden + 1}", "['relu', None]", "{'relu'}",
        "('leaky_relu', 2**64 + 5)", "[('prelu', 0.1)]"), codes("['relu\\x00junk']", reject=NUL))


# ---- networks ----------------------------------------------------------------


@dataclass(frozen=True)
class Net:
    """A valid network as source, and the shapes of its inputs and targets."""

    src: str
    n_in: int
    n_out: int
    output: str
    hidden: tuple
    activation: str

    @property
    def target_width(self) -> int:
        return 1 if self.output == "softmax" else self.n_out

    @property
    def n_layers(self) -> int:
        return len(self.hidden) + 1

    @property
    def sizes(self) -> tuple:
        return (self.n_in,) + self.hidden + (self.n_out,)

    @property
    def has_prelu(self) -> bool:
        return "prelu" in self.activation


@st.composite
def networks(draw, output=None, n_in=None, n_out=None):
    """A valid MLP (sometimes a TwoLayerNet) with layers of at most 64 units."""
    output = output or draw(st.sampled_from(OUTPUTS))
    n_in = n_in or draw(st.integers(1, 4))
    n_out = n_out or draw(st.integers(2, 4) if output == "softmax" else st.integers(1, 2))
    hidden = tuple(draw(st.lists(st.one_of(st.integers(1, 16), st.just(64)), max_size=3)))
    act = draw(activation_specs(len(hidden)))
    seed = draw(st.integers(0, 2**32 - 1))
    if output == "sigmoid" and n_out == 1 and hidden and act.startswith("'") and draw(st.integers(0, 4)) == 0:
        sizes = (n_in,) + hidden + (1,)
        return Net(f"sm.TwoLayerNet({act}, seed={seed}, layer_sizes={sizes})", n_in, 1, output, hidden, act)
    extra = ""
    if output != "sigmoid":
        extra += f", output={output!r}"
    init = draw(st.sampled_from(INITS))
    if init != "auto":
        extra += f", init={init!r}"
    bias = draw(st.sampled_from(("0.0", "0.0", "0.1", "(0.0, 0.1)")))
    if bias != "0.0":
        extra += f", bias_init={bias}"
    sizes = (n_in,) + hidden + (n_out,)
    return Net(f"sm.MLP({sizes}, activation={act}{extra}, seed={seed})", n_in, n_out, output, hidden, act)


def valid_label_source(net: Net, rows: int) -> str:
    """Labels every output accepts, for `rows` samples."""
    if net.output == "softmax":
        return f"np.arange({rows}) % {net.n_out}"
    if net.output == "identity":
        return f"np.zeros(({rows}, {net.n_out}))"
    return f"np.arange({rows}) % 2" if net.n_out == 1 else f"np.arange({rows * net.n_out}).reshape({rows}, {net.n_out}) % 2"


@st.composite
def network_setup(draw, net: Net, name: str = "net", *, may_close=True):
    """Statements that build `net` (sometimes trained for an epoch, with records), and whether it was closed."""
    lines = [f"{name} = {net.src}"]
    if draw(st.integers(0, 3)) == 0:
        lines.append(f"{name}.fit(np.random.RandomState(1).uniform(-3, 3, (8, {net.n_in})), "
                     f"{valid_label_source(net, 8)}, epochs=1, rng=0, record_every=1, record_params=True)")
    closed = may_close and draw(st.integers(0, 15)) == 0
    if closed:
        lines.append(f"{name}.close()")
    return tuple(lines), closed


# ---- arrays ------------------------------------------------------------------


def row_counts() -> st.SearchStrategy:
    """Sample counts: mostly tiny, up to 200."""
    return st.one_of(st.integers(1, 4), st.integers(1, 200))


@st.composite
def valid_matrices(draw, rows: int, cols: int):
    """A (rows, cols) array with values in [-3, 3], in some valid form: dtype, order, strides, read-only, list."""
    bases = [f"np.random.RandomState({draw(st.integers(0, 99))}).uniform(-3, 3, ({rows}, {cols}))",
             f"np.zeros(({rows}, {cols}))"]
    if rows * cols <= 6:
        values = draw(st.lists(st.sampled_from((-2.5, -1.0, 0.0, 0.5, 1.0, 3.0)), min_size=rows * cols,
                               max_size=rows * cols))
        bases.append(f"np.array({np.array(values).reshape(rows, cols).tolist()})")
    base = draw(st.sampled_from(bases))
    form = draw(st.sampled_from(("{}", "{}", "{}", "{}.astype(np.float32)", "{}.astype(int)", "np.asfortranarray({})",
                                 "{}[::-1]", f"np.broadcast_to({{}}, ({rows}, {cols}))", "{}.tolist()",
                                 "np.repeat({}, 2, axis=0)[::2]", "{}.astype('>f8')", "{}.astype(object)")))
    return Arg(form.format(base), flags={"moderate"})


@st.composite
def matrices(draw, rows: int, cols: int):
    """X for (rows, cols): valid forms (flagged "moderate") and broken ones (shape, values, dtype, type)."""
    kind = draw(st.sampled_from(("valid", "valid", "valid", "shape", "values", "dtype", "junk")))
    if kind == "valid":
        return draw(valid_matrices(rows, cols))
    if kind == "shape":
        return draw(codes(f"np.zeros(({rows}, {cols + 1}))", f"np.zeros(({rows}, {cols - 1}))", f"np.zeros({cols})",
                          f"np.zeros(({rows}, {cols}, 1))", f"np.zeros((0, {cols}))", "1.0", "np.zeros(())",
                          f"np.zeros(({cols}, {rows})).T"))
    if kind == "values":
        at = draw(st.integers(0, rows * cols - 1))
        nonfinite = codes(f"np.full(({rows}, {cols}), nan)", f"np.full(({rows}, {cols}), inf)",
                          f"np.full(({rows}, {cols}), -inf)",
                          f"np.where(np.arange({rows * cols}).reshape({rows}, {cols}) == {at}, nan, 0.0)",
                          flags={"nonfinite"})
        return draw(st.one_of(nonfinite, codes(f"np.full(({rows}, {cols}), 1e300)", f"np.full(({rows}, {cols}), 5e-324)")))
    if kind == "dtype":
        return draw(codes(f"np.zeros(({rows}, {cols}), complex)", f"np.full(({rows}, {cols}), 'a')",
                          f"np.full(({rows}, {cols}), None)", f"np.zeros(({rows}, {cols}), 'datetime64[s]')",
                          f"np.zeros({rows}, dtype=[('a', 'f8'), ('b', 'f8')])", f"np.zeros(({rows}, {cols}), np.float16)",
                          f"np.zeros(({rows}, {cols}), bool)", f"np.zeros(({rows}, {cols}), np.longdouble)"))
    return draw(st.one_of(codes(f"[[1.0] * {cols}, [1.0] * {cols + 1}]", f"[[1.0, 'a']] * {rows}"), junk()))


@st.composite
def valid_labels(draw, rows: int, net: Net):
    """Targets in the output's domain (flagged "valid"), as ints, floats, bools or lists."""
    s, k = draw(st.integers(0, 99)), net.n_out
    shape = f"{rows}" if net.target_width == 1 else f"({rows}, {k})"
    if net.output == "softmax":
        base = draw(st.sampled_from((f"(np.arange({rows}) % {k})", f"np.random.RandomState({s}).randint(0, {k}, {rows})")))
    elif net.output == "identity":
        base = f"np.random.RandomState({s}).uniform(-3, 3, {shape})"
    else:
        base = draw(st.sampled_from((f"np.random.RandomState({s}).randint(0, 2, {shape})", f"np.full({shape}, 0.5)",
                                     f"np.ones({shape})")))
    forms = ["{}", "{}", "{}.astype(float)", "{}.astype(np.float32)", "{}.tolist()", "{}.ravel()"]
    if net.output == "sigmoid":
        forms.append("{}.astype(bool)")
    if net.target_width == 1:
        forms.append("{}.reshape(-1, 1)")
    return Arg(draw(st.sampled_from(forms)).format(base), flags={"valid"})


@st.composite
def labels(draw, rows: int, net: Net):
    """Targets for `rows` samples of `net`: valid ones, ones outside the output's domain, wrong shapes and types."""
    kind = draw(st.sampled_from(("valid", "valid", "valid", "domain", "shape", "junk")))
    if kind == "valid":
        return draw(valid_labels(rows, net))
    k = net.n_out
    shape = f"{rows}" if net.target_width == 1 else f"({rows}, {k})"
    if kind == "domain":
        bad = {"sigmoid": ("7", "-3", "1.5", "nan", "inf"), "softmax": ("0.5", str(k), "-1", "nan"),
               "identity": ("nan", "inf")}[net.output]
        value = draw(st.sampled_from(bad))
        return draw(codes(f"np.full({shape}, {value})",
                          f"np.where(np.arange({rows * net.target_width}).reshape({shape}) == {rows * net.target_width - 1}, {value}, 0)",
                          reject=LABELS))
    if kind == "shape":
        return draw(codes(f"np.zeros({rows + 1})", f"np.zeros(({rows}, {k + 1}))", f"np.zeros(({rows}, {k}, 1))",
                          "np.zeros(0)", "0", f"np.zeros({rows}, complex)"))
    return draw(st.one_of(codes("[[0], [1, 0]]", f"['a'] * {rows}"), junk()))


# ---- the oracle --------------------------------------------------------------


@dataclass
class Scenario:
    """One call under test, the valid statements before it, and how to judge it."""

    api: str
    call: str
    setup: tuple = ()
    watch: tuple = ()
    args: tuple = ()  # (parameter, Arg): their reject and note tags apply
    check: Callable | None = None  # check(ns, result) -> (letter, problem) or None, for a call that returned
    same_as: str | None = None  # a call that must return the same, after the same setup
    valid: bool = False  # every argument was drawn from the valid values
    allowed: tuple = ALLOWED  # the exception types the call may raise (check (a))
    foreign: tuple = ()  # those of them that may come from outside swiftmoons (not judged by (b))
    must_return: str | None = None  # why raising is a failure here ("(h) a file save wrote must load")
    propagates: str | None = None  # an exception class (a name in the snippet) that must come out of the call
    on_raise: Callable | None = None  # on_raise(ns, exc) -> (letter, problem) or None, when `propagates` came out

    def snippet(self) -> str:
        return "; ".join(self.setup + (self.call,))


def invoke(api, target, positional=(), keywords=(), *, setup=(), watch=(), check=None, valid=False, extra_args=()):
    """A Scenario calling `target(positional..., key=value...)`; each argument is a (parameter, Arg) pair."""
    keywords = [(k, a) for k, a in keywords if a is not OMIT]
    pairs = list(positional) + keywords + list(extra_args)
    arg_setup = tuple(line for _, a in pairs for line in getattr(a, "setup", ()))
    arg_watch = tuple(name for _, a in pairs for name in getattr(a, "watch", ()))
    return Scenario(api, source(target, positional, keywords), tuple(setup) + arg_setup, tuple(watch) + arg_watch,
                    tuple(pairs), check, None, valid)


def source(target, positional=(), keywords=()) -> str:
    """The source of a call."""
    parts = [str(a) for _, a in positional] + [f"{k}={a}" for k, a in keywords if a is not OMIT]
    return f"{target}({', '.join(parts)})"


def choose(draw, params: dict) -> tuple[dict, bool]:
    """Draw each parameter from its valid strategy, except (usually) one drawn from everything.

    params maps a name to (valid strategy, any strategy). Returns the Args and
    whether all of them were drawn valid.
    """
    broken = draw(st.sampled_from([None] + list(params)))
    return {name: draw(any_ if name == broken else valid) for name, (valid, any_) in params.items()}, broken is None


_COMPILED: dict = {}


def run_source(code: str, ns: dict):
    """Run one statement (an expression's value is returned) in `ns`; exceptions pass through."""
    compiled = _COMPILED.get(code)
    if compiled is None:
        try:
            compiled = compile(code, "<snippet>", "eval")
        except SyntaxError:
            compiled = compile(code, "<snippet>", "exec")
        _COMPILED[code] = compiled
    return eval(compiled, ns)  # noqa: S307 - the harness's own generated source


def release(ns: dict) -> None:
    """Close the native objects a namespace holds and remove the scenario's temporary directory."""
    for value in list(ns.values()):
        if isinstance(value, (sm.MLP, sm.RandomState, sm.CNN)) or type(value).__name__ == "ArticleResult":
            try:
                value.close()
            except Exception:  # noqa: BLE001
                pass
    tmp = ns.get("d")
    if isinstance(tmp, str) and os.path.basename(tmp).startswith(TMP_PREFIX):
        shutil.rmtree(tmp, ignore_errors=True)


def namespace() -> dict:
    """What a snippet sees: the names of PRELUDE."""
    return {"np": np, "sm": sm, "nan": math.nan, "inf": math.inf, "copy": copy, "io": io, "json": json,
            "pathlib": pathlib, "pickle": pickle, "tempfile": tempfile, "threading": threading, "zipfile": zipfile,
            "CNN": sm.CNN, **{cls.__name__: cls for cls in cnn_layers_module.LAYER_TYPES}}


_RAISE_LINES: dict = {}


def raise_lines(filename: str) -> set:
    """The lines that `raise` statements span in a file."""
    if filename not in _RAISE_LINES:
        lines = set()
        for node in ast.walk(ast.parse(Path(filename).read_text())):
            if isinstance(node, ast.Raise):
                lines.update(range(node.lineno, node.end_lineno + 1))
        _RAISE_LINES[filename] = lines
    return _RAISE_LINES[filename]


def short_path(filename: str) -> str:
    """swiftmoons' files by name, NumPy's by their path under the package, others as given."""
    path = Path(filename)
    if PACKAGE_DIR in path.resolve().parents:
        return path.name
    parts = path.parts
    for anchor in ("site-packages", "lib"):
        if anchor in parts:
            return "/".join(parts[len(parts) - parts[::-1].index(anchor):])
    return filename


def origin(exc: BaseException) -> tuple[str, bool]:
    """Where an exception was raised ("file.py:line `code`"), and whether by a raise statement of swiftmoons."""
    frames = traceback.extract_tb(exc.__traceback__)
    last = frames[-1]
    ours = PACKAGE_DIR in Path(last.filename).resolve().parents
    own = ours and last.lineno in raise_lines(last.filename)
    site = f"{short_path(last.filename)}:{last.lineno} `{(last.line or '').strip()[:60]}`"
    if not ours:
        inner = [f for f in frames if PACKAGE_DIR in Path(f.filename).resolve().parents]
        if inner:
            site += f" via {short_path(inner[-1].filename)}:{inner[-1].lineno}"
    return site, own


def snapshot(obj):
    """What check (c) compares: a network's parameters and len(loss_history), a stream's state, items."""
    try:
        if isinstance(obj, sm.MLP):
            return ("closed",) if obj.closed else (obj.parameters(), len(obj.loss_history))
        if isinstance(obj, sm.RandomState):
            return ("closed",) if obj.closed else obj.get_state()
        if isinstance(obj, sm.CNN):
            return cnn_snapshot(obj)
        if isinstance(obj, np.random.RandomState):
            return obj.get_state()
        if isinstance(obj, np.ndarray):
            return obj.copy()
        return copy.copy(obj)
    except Exception as exc:  # noqa: BLE001 - an unreadable object is a state too
        return ("unreadable", type(exc).__name__)


def same(a, b) -> bool:
    """Equality that looks into arrays, tuples and lists, with NaN equal to NaN."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001
        return False


def normalized(message: str, length: int = 70) -> str:
    """A message with numbers and addresses blanked, to group failures by cause."""
    message = re.sub(r"0x[0-9a-fA-F]+", "0x?", message)
    return re.sub(r"-?\d+(\.\d+)?(e[-+]?\d+)?", "N", message)[:length]


@dataclass
class Finding:
    """One distinct failure (or note), with its shortest reproducer."""

    check: str
    api: str
    what: str
    message: str
    snippet: str
    count: int = 1

    def line(self) -> str:
        message = self.message.replace("\n", " ")
        if len(message) > 200:
            message = message[:197] + "..."
        return f"{self.check} {self.api} | {self.what} | {message} [x{self.count}] | {self.snippet}"


class Oracle:
    """Runs scenarios, judges each call by checks (a)-(f), and keeps the distinct failures."""

    def __init__(self, log=None):
        self.calls = 0
        self.failed_calls = 0
        self.failures: dict = {}
        self.notes: dict = {}
        self.log = log
        self.threads = sm.get_threads()
        sm.set_threads(0)
        self.threads_for_zero = sm.get_threads()
        sm.set_threads(self.threads)

    def execute(self, code: str, ns: dict):
        """Run one statement; return (result, exception)."""
        self.calls += 1
        try:
            return run_source(code, ns), None
        except Exception as exc:  # noqa: BLE001 - judged by the oracle
            return None, exc

    def run(self, sc: Scenario) -> None:
        """Run a scenario's setup and call, and record what the oracle finds."""
        if self.log:
            self.log.write(sc.snippet() + "\n")
            self.log.flush()
        ns = namespace()
        try:
            for statement in sc.setup:
                _, exc = self.execute(statement, ns)
                if exc is not None:
                    site, _ = origin(exc)
                    self.record(self.failures, ("(setup)", sc.api, type(exc).__name__, site), "(setup)", sc.api,
                                type(exc).__name__, f"valid setup `{statement[:80]}` raised at {site}: {exc}", sc)
                    self.failed_calls += 1
                    return
            before = {name: snapshot(ns[name]) for name in sc.watch}
            threads = sm.get_threads()
            result, exc = self.execute(sc.call, ns)
            problems = list(self.judge(sc, ns, result, exc, before, threads))
            for key, check, what, message in problems:
                self.record(self.failures, key, check, sc.api, what, message, sc)
            if problems:
                self.failed_calls += 1
            elif exc is None:
                for param, arg in sc.args:
                    if getattr(arg, "note", None):
                        self.record(self.notes, (sc.api, param, arg.note), "note:", sc.api, "returned",
                                    f"{param}={arg}: {arg.note}", sc)
            elif sc.valid and not any(getattr(arg, "reject", None) for _, arg in sc.args):
                site, _ = origin(exc)
                self.record(self.notes, (sc.api, type(exc).__name__, site, normalized(str(exc), 40)), "note:", sc.api,
                            type(exc).__name__, f"a call with valid-looking arguments raised at {site}: {exc}", sc)
        finally:
            self.cleanup(ns)

    def judge(self, sc: Scenario, ns: dict, result, exc, before: dict, threads: int):
        """Yield (key, check, what, message) for each failed check."""
        if sm.get_threads() != threads and sc.api != "sm.set_threads":
            yield (("(c)", sc.api, "threads"), "(c)", "thread count changed",
                   f"the thread count went from {threads} to {sm.get_threads()}")
        rejects = [(param, arg) for param, arg in sc.args if getattr(arg, "reject", None)]
        if sc.propagates:
            yield from self.judge_propagation(sc, ns, result, exc, before)
            return
        if exc is None:
            for param, arg in rejects:
                letter = arg.reject[:3]
                yield ((letter, sc.api, param, arg.reject), letter, "returned normally", f"accepted {param}={arg}: {arg.reject}")
            if rejects:
                return
            problem = sc.check(ns, result) if sc.check else None
            if problem:
                letter, message = problem
                yield ((letter, sc.api, normalized(message, 40)), letter, "returned normally", message)
            if sc.same_as:
                twin = namespace()
                for statement in sc.setup:
                    self.execute(statement, twin)
                other, other_exc = self.execute(sc.same_as, twin)
                self.cleanup(twin)
                if other_exc is None and not same(result, other):
                    yield (("(e)", sc.api, "same_as"), "(e)", "returned normally",
                           f"differs from `{sc.same_as}` (a huge value was wrapped?)")
            return
        kind = type(exc).__name__
        site, own = origin(exc)
        message = f"{exc}".strip() or repr(exc)
        if sc.must_return:
            letter = sc.must_return[:3]
            yield ((letter, sc.api, "must return", kind, site), letter, kind,
                   f"raised at {site}: {message} ({sc.must_return[4:]})")
        elif not isinstance(exc, sc.allowed):
            letters = "(a)" if own else "(a)(b)"
            expected = "/".join(t.__name__ for t in sc.allowed)
            yield ((letters, sc.api, kind, site), letters, kind, f"raised at {site} (only {expected} may): {message}")
        elif not own and not isinstance(exc, sc.foreign):
            yield (("(b)", sc.api, kind, site), "(b)", kind, f"raised at {site}, not by swiftmoons: {message}")
        if isinstance(exc, sm.SwiftMoonsError) and getattr(exc, "status_name", "") == "SM_ERR_INTERNAL":
            yield (("(a)", sc.api, "internal", normalized(message, 40)), "(a)", "SwiftMoonsError SM_ERR_INTERNAL", message)
        for name, old in before.items():
            if not same(old, snapshot(ns[name])):
                what = type(ns[name]).__name__
                yield (("(c)", sc.api, name, kind, normalized(message, 50)), "(c)", kind,
                       f"raised but changed `{name}` ({what}): {message}")

    def judge_propagation(self, sc: Scenario, ns: dict, result, exc, before: dict):
        """Check (i) for a call whose callback raises: that exception comes out, and on_raise holds."""
        expected = ns.get(sc.propagates) or getattr(builtins, sc.propagates)
        if exc is None:
            yield (("(i)", sc.api, "returned"), "(i)", "returned normally",
                   f"the callback raised {sc.propagates}, but the call returned")
            return
        if not isinstance(exc, expected):
            site, _ = origin(exc)
            yield (("(i)", sc.api, type(exc).__name__, site), "(i)", type(exc).__name__,
                   f"raised {type(exc).__name__} at {site} instead of the callback's {sc.propagates}: {exc}")
            return
        problem = sc.on_raise(ns, exc) if sc.on_raise else None
        if problem:
            letter, message = problem
            yield ((letter, sc.api, normalized(message, 40)), letter, type(exc).__name__, message)
        for name, old in before.items():
            if not same(old, snapshot(ns[name])):
                yield (("(c)", sc.api, name, "propagated"), "(c)", type(exc).__name__,
                       f"the callback's exception changed `{name}` ({type(ns[name]).__name__})")

    @staticmethod
    def record(table: dict, key, check, api, what, message, sc: Scenario) -> None:
        """Count a finding; keep the shortest snippet that shows it."""
        snippet = sc.snippet()
        found = table.get(key)
        if found is None:
            table[key] = Finding(check, api, what, message, snippet)
            return
        found.count += 1
        if len(snippet) < len(found.snippet):
            found.snippet, found.message = snippet, message

    def cleanup(self, ns: dict) -> None:
        """Release the native objects a scenario made and restore the thread count."""
        release(ns)
        if sm.get_threads() != self.threads:
            sm.set_threads(self.threads)


# ---- checks on results -------------------------------------------------------


#: The smallest value the article's BCE formula takes: -log(1 + 1e-9).
BCE_FLOOR = -1.0000001e-9


def loss_check(losses_of: Callable, finite: bool) -> Callable:
    """Check (d): no finite negative loss; and, when `finite`, no non-finite one."""
    def check(ns, result):
        values = np.asarray(losses_of(result), dtype=np.float64).ravel()
        # The article's BCE keeps 1e-9 inside its logs, so a perfect fit
        # scores -log(1 + 1e-9) = -1e-9, in the reference too: that floor,
        # and nothing below it, is allowed.
        negative = values[np.isfinite(values) & (values < BCE_FLOOR)]
        if negative.size:
            return "(d)", f"returned a negative loss {negative.min()!r}"
        if finite and not np.isfinite(values).all():
            return "(d)", (f"returned a non-finite loss {values[~np.isfinite(values)][0]!r} with X in [-3, 3], "
                           f"valid labels and 0 <= lr <= {MAX_STABLE_LR}")
        return None
    return check


#: The largest lr at which check (d) expects finite losses (see the module's docstring).
MAX_STABLE_LR = 0.1


def small_lr(lr: Arg) -> bool:
    """Whether lr is the default or a known value in [0, MAX_STABLE_LR]."""
    return lr is OMIT or (lr.value is not None and 0 <= lr.value <= MAX_STABLE_LR)


def expects_finite(net: Net, X: Arg, y: Arg, lr: Arg) -> bool:
    """When check (d) asks for finite losses: bounded-loss outputs, moderate X, valid labels, small lr."""
    return net.output != "identity" and "moderate" in X.flags and "valid" in y.flags and small_lr(lr)


def training_tags(X: Arg, lr: Arg) -> tuple[Arg, Arg]:
    """Training must refuse non-finite X (f)."""
    if "nonfinite" in X.flags:
        X = X.but(reject=NONFINITE_X)
    return X, lr


def learning_rates():
    """An lr: valid in [0, 1]; non-finite and negative ones must be refused (f)."""
    return reals(0.0, 1.0, nonfinite={"reject": NONFINITE_LR}, negative={"reject": NEGATIVE_LR})


def threads_echo(n: Arg, zero: int) -> Callable:
    """Check (e): after set_threads(n) returned, get_threads() is n (or one per processor for 0)."""
    def check(ns, result):
        value = eval(str(n), namespace())  # noqa: S307
        try:
            expected = operator.index(value)
        except TypeError:
            return None
        expected = zero if expected == 0 else expected
        if sm.get_threads() != expected:
            return "(e)", f"set_threads({n}) returned but get_threads() is {sm.get_threads()}"
        return None
    return check


def state_echo(state: str) -> Callable:
    """Check (e): after set_state(state) returned, get_state() gives back its key, pos and gauss."""
    def check(ns, result):
        given = eval(state, namespace())  # noqa: S307
        if isinstance(given, dict):
            inner = given.get("state", {})
            given = ("MT19937", inner.get("key"), inner.get("pos"), given.get("has_gauss", 0), given.get("gauss", 0.0))
        got = ns["rs"].get_state()
        key = np.asarray(given[1]).ravel()
        if key.shape != (624,) or not np.array_equal(key.astype(object), got[1].astype(object)):
            return "(e)", "set_state returned but get_state() has another key (wrapped or truncated words?)"
        if given[2] != got[2]:
            return "(e)", f"set_state(pos={given[2]!r}) returned but get_state() has pos {got[2]!r}"
        has_gauss = bool(given[3]) if len(given) > 3 else False
        if has_gauss != bool(got[3]):
            return "(e)", f"set_state(has_gauss={given[3]!r}) returned but get_state() has has_gauss {got[3]!r}"
        if has_gauss and not same(float(given[4]), got[4]):
            return "(e)", f"set_state(cached_gaussian={given[4]!r}) returned but get_state() has {got[4]!r}"
        return None
    return check


# ---- scenarios: RandomState --------------------------------------------------


def sizes() -> st.SearchStrategy:
    """A `size`: None, small ints and shapes, zero-size huge shapes, and bad ones (none allocates much)."""
    return st.one_of(codes("None"), int_values(0, 50), int_values(0, 50),
                     codes("(2, 3)", "[2, 3]", "()", "(0, 2**32)", "(2**32, 0)", "np.array([2, 3])", "(np.int64(2),)"),
                     codes("(2**32, 2**32)", "(2, None)", "((2,),)", "(-1,)", "-1", "(2, 'a')"),
                     codes(*HUGE_INTS, "(2**63, 1)", reject=WRAP), codes("1.7", "(2, 1.5)", reject=TRUNCATE),
                     codes("2.0"), codes("True", note="a bool accepted as a size"),
                     junk())


def states() -> st.SearchStrategy:
    """A `set_state` argument: states from here and NumPy, and broken ones."""
    key = "np.arange(624, dtype=np.uint32)"
    return st.one_of(
        codes("sm.RandomState(3).get_state()", "np.random.RandomState(3).get_state()",
              "np.random.RandomState(3).get_state(legacy=False)", f"('MT19937', {key}, 5, 1, 0.25)",
              f"('MT19937', {key}, 624)", f"('MT19937', {key}, 0)", f"('MT19937', {key}.astype(np.int64), 3)",
              f"('MT19937', {key}.tolist(), 3)"),
        codes(f"('MT19937', {key}[:10], 5)", f"('PCG64', {key}, 5)", f"('MT19937', {key})", "('MT19937',)", "()",
              f"('MT19937', {key}, -1)", f"('MT19937', {key}, 625)", f"('MT19937', {key}, 'a')",
              f"('MT19937', {key}, 5, 'x')", f"('MT19937', {key}, 5, None)", f"('MT19937', {key}, 5, 1, 'x')",
              f"('MT19937', {key}, 5, 1, None)", f"('MT19937', {key}, 5, 1, nan)", f"('MT19937', {key}, 5, 1, inf)",
              "{'state': {}}", "{}", "None", "5", "'MT19937'", f"('MT19937', {key}.reshape(24, 26), 5)",
              f"('MT19937', np.full(624, 'a'), 5)", f"('MT19937', {key}.astype(complex), 5)"),
        codes(f"('MT19937', {key}, 2**64 + 5)", f"('MT19937', {key}, 5, 2**32)", f"('MT19937', {key}, 5, 2**64)",
              f"('MT19937', np.arange(624) - 5, 5)", f"('MT19937', np.arange(624) + 2**32, 5)",
              f"('MT19937', {key} * 1.5, 5)", f"('MT19937', {key}, 5.5)"))


def sequences() -> st.SearchStrategy:
    """What `shuffle` may be given: mutable sequences, and immutable ones it must refuse."""
    return st.one_of(codes("np.arange(6)", "np.arange(6).reshape(3, 2)", "[1, 2, 3]", "[]", "np.zeros(0)",
                           "bytearray(b'abc')", "{0: 'a', 1: 'b'}", "np.array(5)", "5", "None", "np.arange(6)[::2]"),
                     codes("np.broadcast_to(np.arange(4), (4,))", "(1, 2, 3)", "()", "'abc'", "''", "range(5)",
                           "b'ab'", reject=IMMUTABLE))


@st.composite
def random_state_calls(draw):
    """RandomState: constructor, seed, get/set_state and every draw."""
    setup = [f"rs = sm.RandomState({draw(st.integers(0, 2**32 - 1))})"]
    if draw(st.booleans()):
        setup.append("rs.randn()")  # leaves a cached Gaussian
    method = draw(st.sampled_from(("RandomState", "seed", "get_state", "set_state", "random_sample", "randn",
                                   "standard_normal", "normal", "permutation", "shuffle")))
    api = f"RandomState.{method}" if method != "RandomState" else "sm.RandomState"
    common = dict(setup=setup, watch=("rs",))
    if method == "RandomState":
        return invoke(api, "sm.RandomState", [("seed", draw(seeds()))])
    if method == "seed":
        return invoke(api, "rs.seed", [("seed", draw(seeds()))], **common)
    if method == "get_state":
        return invoke(api, "rs.get_state", **common)
    if method == "set_state":
        state = draw(states())
        sc = invoke(api, "rs.set_state", [("state", state)], **common)
        sc.check = state_echo(str(state))
        return sc
    if method in ("random_sample", "standard_normal"):
        return invoke(api, f"rs.{method}", [("size", draw(sizes()))], **common)
    if method == "randn":
        shape = draw(st.lists(st.one_of(int_values(0, 6), codes(*HUGE_INTS, reject=WRAP),
                                        codes("1.7", "nan", reject=TRUNCATE), codes("-1", "None", "'a'", "(2, 3)")),
                              max_size=3))
        return invoke(api, "rs.randn", [(f"d{i}", d) for i, d in enumerate(shape)], **common)
    if method == "normal":
        p, valid = choose(draw, {"loc": (floats_in(-5, 5), reals(-5, 5)),
                                 "scale": (floats_in(0, 5), reals(0, 5, negative={"reject": "(f) scale must be >= 0"})),
                                 "size": (st.one_of(codes("None", "3", "(2, 2)")), sizes())})
        return invoke(api, "rs.normal", [("loc", p["loc"]), ("scale", p["scale"]), ("size", p["size"])], **common)
    if method == "permutation":
        x = draw(st.one_of(int_values(0, 50), codes(*HUGE_INTS, reject=WRAP), codes("1.7", reject=TRUNCATE),
                           codes("-1", "True", "np.arange(5)", "np.zeros((3, 2))", "[1, 2, 3]", "'abc'", "np.array(5)",
                                 "np.zeros(0)", "range(4)", "{}", "None", "(1, 2)", "np.broadcast_to(np.arange(3), (3,))")))
        return invoke(api, "rs.permutation", [("x", x)], **common)
    x = draw(sequences())
    return invoke(api, "rs.shuffle", [("x", Arg("x", reject=x.reject))], setup=setup + [f"x = {x}"], watch=("rs", "x"))


# ---- scenarios: data ---------------------------------------------------------


@st.composite
def data_calls(draw):
    """make_moons, standardize and train_test_split."""
    which = draw(st.sampled_from(("make_moons", "standardize", "train_test_split")))
    if which == "make_moons":
        n_valid = st.one_of(int_values(1, 200), codes("(3, 4)", "(0, 5)", "[2, 2]", "(np.int64(2), 3)"))
        n_any = st.one_of(ints(0, 200), codes("(0, 0)", "(3,)", "(1, 2, 3)", "'ab'", "(-1, 5)", "(None, 2)"),
                          codes("(2**63, 1)", "(2**64 + 5, 1)", reject=WRAP), codes("(1.7, 2)", reject=TRUNCATE))
        noise = reals(0, 0.5, nonfinite={"reject": "(f) noise must be finite"},
                      negative={"reject": "(f) noise must be >= 0"})
        p, valid = choose(draw, {
            "n_samples": (n_valid, n_any),
            "noise": (st.one_of(st.just(OMIT), codes("None"), floats_in(0, 0.5)), noise),
            "random_state": (streams("rs", valid_only=True), st.one_of(streams("rs"), junk())),
            "shuffle": (st.one_of(st.just(OMIT), codes("True", "False")), st.one_of(codes("0", "1", "'no'", "None"), junk())),
        })
        return invoke("sm.make_moons", "sm.make_moons", [("n_samples", p["n_samples"])],
                      [(k, p[k]) for k in ("noise", "random_state", "shuffle")], valid=valid)
    if which == "standardize":
        rows, cols = draw(row_counts()), draw(st.integers(1, 4))
        X = draw(st.one_of(matrices(rows, cols), codes("np.zeros((3, 0))", "np.zeros((2, 2, 2))", "np.zeros(3)")))
        stats = draw(st.one_of(st.just(OMIT), codes("True", "False"), codes("'yes'", "None")))
        return invoke("sm.standardize", "sm.standardize", [("X", X)], [("return_stats", stats)],
                      valid="moderate" in X.flags)
    n = draw(st.integers(2, 50))
    array = st.one_of(codes(f"np.arange({n})", f"np.zeros(({n}, 2))", f"list(range({n}))", f"np.zeros(({n}, 1, 2))"),
                      codes(f"np.arange({n + 1})", "np.array(5)", "'abcd'", "None", "{}", "np.zeros(1)"))
    arrays = draw(st.lists(array, min_size=0, max_size=3))
    test_valid = st.one_of(st.just(OMIT), st.floats(0.01, 0.99).map(lambda v: Arg(repr(v))), int_values(1, n - 1))
    test_any = st.one_of(test_valid, codes("0", "0.0", "1.0", str(n), "-1", "nan", "inf", "'0.5'", "None", "True",
                                           "2**31", "2**32", "np.float32(0.5)"),
                         codes(*HUGE_INTS, reject=WRAP), junk())
    p, valid = choose(draw, {"test_size": (test_valid, test_any),
                             "random_state": (streams("rs", valid_only=True), st.one_of(streams("rs"), junk()))})
    return invoke("sm.train_test_split", "sm.train_test_split", [(f"array{i}", a) for i, a in enumerate(arrays)],
                  [("test_size", p["test_size"]), ("random_state", p["random_state"])])


# ---- scenarios: constructors -------------------------------------------------


def layer_size_lists(net: Net) -> st.SearchStrategy:
    """`layer_sizes` values: the net's in several forms, and broken ones (none allocates: any size >= 2**32 is refused)."""
    sizes = net.sizes
    return st.one_of(
        codes(str(sizes), str(list(sizes)), f"np.array({list(sizes)})", f"range(1, {len(sizes) + 1})"),
        codes(f"({sizes[0]},)", "()", f"({sizes[0]}, 0, 1)", f"({sizes[0]}, -1, 1)", "'abc'", "None", "5",
              f"({sizes[0]}, None, 1)", f"({sizes[0]}, '8', 1)", f"[{list(sizes)}]", "(2,) * 1026", "(1,) * 1024",
              f"({sizes[0]}, 2**32, 1)", f"({sizes[0]}, 2**32 + 2, 1)"),
        codes(f"({sizes[0]}, 2.0, 1)"),
        codes(f"({sizes[0]}, 1.7, 1)", reject=TRUNCATE),
        codes(f"({sizes[0]}, 2**63, 1)", f"({sizes[0]}, 2**64 + 5, 1)", f"({sizes[0]}, -2**63 - 1, 1)", reject=WRAP))


@st.composite
def constructor_calls(draw):
    """MLP and TwoLayerNet: constructors and from_params."""
    net = draw(networks())
    which = draw(st.sampled_from(("MLP", "MLP", "TwoLayerNet", "MLP.from_params", "TwoLayerNet.from_params")))
    hidden = len(net.hidden)
    if which == "MLP":
        stream = Arg("stream", setup=(f"stream = sm.RandomState({draw(st.integers(0, 99))})",), watch=("stream",))
        p, valid = choose(draw, {
            "layer_sizes": (st.just(Arg(str(net.sizes))), layer_size_lists(net)),
            "activation": (st.just(net.activation), bad_activation_specs(hidden)),
            "output": (st.just(Arg(repr(net.output))),
                       st.one_of(codes(*map(repr, OUTPUTS)), codes("'SIGMOID'", "'relu'", "''", "None", "5",
                                                                    "['sigmoid']", "np.array(['sigmoid', 'relu'])"),
                                 codes("'sigmoid\\x00x'", reject=NUL))),
            "init": (st.sampled_from(INITS).map(lambda i: Arg(repr(i))),
                     st.one_of(codes("'HE'", "'kaiming'", "None", "3", "('he',)"), codes("'he\\x00x'", reject=NUL))),
            "bias_init": (codes("0.0", "0.5", "(0.0, 0.1)", "[0.0, 0.1]", "np.float64(0.5)", "np.array([0.0, 0.1])"),
                          st.one_of(codes("nan", "inf", "(nan, 1.0)", "(0.0, inf)", reject="(f) bias_init must be finite"),
                                    codes("(0.0, -1.0)", "(0.0,)", "(0.0, 1.0, 2.0)", "'a'", "None", "1j", "True",
                                          "(0.0, 'a')", "1e308", "(0.0, 1e308)"))),
            "seed": (st.one_of(int_values(0, 2**32 - 1), st.just(stream)),
                     st.one_of(seeds(), st.just(stream), codes("np.random.RandomState(3)"))),
        })
        return invoke("sm.MLP", "sm.MLP", [("layer_sizes", p["layer_sizes"])],
                      [(k, p[k]) for k in ("activation", "output", "init", "bias_init", "seed")], valid=valid)
    if which == "TwoLayerNet":
        act = Arg(draw(st.sampled_from(NAMES)).__repr__())
        p, valid = choose(draw, {
            "activation": (st.just(act), bad_activation_specs(2)),
            "seed": (int_values(0, 2**32 - 1), seeds()),
            "layer_sizes": (st.just(OMIT), layer_size_lists(net)),
        })
        return invoke("sm.TwoLayerNet", "sm.TwoLayerNet", [("activation", p["activation"])],
                      [("seed", p["seed"]), ("layer_sizes", p["layer_sizes"])], valid=valid)
    if which == "MLP.from_params":
        setup = (f"src = {net.src}",)
        params = draw(st.one_of(codes("src.parameters()", "[p.tolist() for p in src.parameters()]",
                                      "tuple(src.parameters())", "[p.astype(np.float32) for p in src.parameters()]"),
                                param_mutations("src")))
        p, valid = choose(draw, {
            "params": (codes("src.parameters()"), st.just(params)),
            "activation": (st.just(net.activation), st.one_of(bad_activation_specs(hidden), codes("'prelu'"))),
            "output": (st.just(Arg(repr(net.output))), codes("'softmax'", "'bogus'", "None", "'identity'")),
            "layer_sizes": (st.just(OMIT), st.one_of(codes("None"), layer_size_lists(net))),
        })
        return invoke("MLP.from_params", "sm.MLP.from_params", [("params", p["params"])],
                      [(k, p[k]) for k in ("activation", "output", "layer_sizes")], setup=setup, valid=valid)
    plain = Net(net.src.replace("'prelu'", "'leaky_relu'"), net.n_in, net.n_out, net.output, net.hidden,
                net.activation.replace("'prelu'", "'leaky_relu'"))
    setup = (f"src = {plain.src}",)
    p, valid = choose(draw, {
        "weights": (codes("src.parameters()[0::2]"),
                    codes("src.parameters()[0::2][:-1]", "[]", "None", "[np.zeros((3, 3))] * 2", "'abc'",
                          "[w.T for w in src.parameters()[0::2]]", "[nan * w for w in src.parameters()[0::2]]")),
        "biases": (codes("src.parameters()[1::2]"),
                   codes("src.parameters()[1::2][:-1]", "[]", "None", "[b.ravel()[:-1] for b in src.parameters()[1::2]]",
                         "[None] * 9")),
        "activation": (codes("'relu'"), bad_activation_specs(hidden)),
    })
    return invoke("TwoLayerNet.from_params", "sm.TwoLayerNet.from_params",
                  [("weights", p["weights"]), ("biases", p["biases"])], [("activation", p["activation"])],
                  setup=setup, valid=valid)


def param_mutations(name: str) -> st.SearchStrategy:
    """Broken `params` lists made from network `name`'s own (the last array wrong, extras, wrong types)."""
    g = f"{name}.parameters()"
    return codes(f"{g}[:-1]", f"{g} + [np.zeros(1)]", f"[p.T for p in {g}]", f"[p.ravel() for p in {g}]",
                 f"[np.full_like(p, nan) for p in {g}]", f"[p.astype(complex) for p in {g}]", f"[None for p in {g}]",
                 f"{g}[:-1] + [np.zeros((1, 99))]", f"{g}[:-1] + [np.zeros((1, 1, 1))]", f"[str(p) for p in {g}]",
                 "None", "'abc'", "5", "{}", "[]", "[np.zeros(3)]", f"(p for p in {g})",
                 f"[p.tolist() for p in {g}][:-1] + [[[1.0], [2.0, 3.0]]]")


# ---- scenarios: inference, parameters, training ------------------------------


def closed_arg(closed: bool) -> tuple:
    """The pseudo-argument that makes check (f) expect a closed network to raise."""
    return (("net", Arg("net", reject=CLOSED)),) if closed else ()


@st.composite
def inference_calls(draw):
    """Methods that read a network: forward, predict, evaluate, gradients, hidden values, traces, firing."""
    net = draw(networks())
    setup, closed = draw(network_setup(net))
    rows = draw(row_counts())
    X, y = draw(matrices(rows, net.n_in)), draw(labels(rows, net))
    method = draw(st.sampled_from(("forward", "predict", "evaluate", "gradients", "gradient_norms", "get_hidden",
                                   "get_z_trace", "firing_counts", "alive_units", "hidden_spread", "geometry_kept",
                                   "records", "clear_records")))
    common = dict(setup=setup, watch=("net",), extra_args=closed_arg(closed))
    api = f"MLP.{method}"
    valid = "moderate" in X.flags
    if method in ("evaluate", "gradients", "gradient_norms"):
        check = loss_check(lambda r: r[0], False) if method != "gradient_norms" else None
        return invoke(api, f"net.{method}", [("X", X), ("y", y)], check=check,
                      valid=valid and "valid" in y.flags, **common)
    if method == "get_hidden":
        layer = draw(st.one_of(int_values(1, max(1, net.n_layers - 1)), ints(1, net.n_layers, wide="")))
        return invoke(api, "net.get_hidden", [("X", X)], [("layer", layer)], **common)
    if method == "get_z_trace":
        x = draw(st.one_of(st.just(X), codes(f"np.zeros({net.n_in})", flags={"moderate"}),
                           codes(f"np.ones({net.n_in + 1})")))
        per_sample = draw(st.one_of(st.just(OMIT), codes("True", "False"), codes("1", "'yes'", "None")))
        return invoke(api, "net.get_z_trace", [("x", x)], [("per_sample", per_sample)],
                      valid="moderate" in x.flags and per_sample in (OMIT, "True", "False"), **common)
    if method == "records":
        return Scenario(api, "net.records", setup, ("net",), closed_arg(closed))
    if method == "clear_records":
        return invoke(api, "net.clear_records", **common)
    return invoke(api, f"net.{method}", [("X", X)], valid=valid, **common)


@st.composite
def parameter_calls(draw):
    """parameters/set_parameters, state_dict/load_state_dict, the deprecated get/set_params,
    get/set_weights, get/set_biases, get_slopes, and the W1/b1 attributes."""
    net = draw(networks())
    setup, closed = draw(network_setup(net))
    common = dict(setup=setup, watch=("net",), extra_args=closed_arg(closed))
    method = draw(st.sampled_from(("parameters", "set_parameters", "state_dict", "load_state_dict", "get_params",
                                   "set_params", "get_weights", "get_biases", "get_slopes", "set_weights",
                                   "set_biases", "attribute")))
    k = draw(st.integers(1, net.n_layers))
    layer = draw(st.one_of(st.just(Arg(str(k), value=k)), ints(1, net.n_layers, wide="")))
    if method in ("parameters", "state_dict", "get_params"):
        return invoke(f"MLP.{method}", f"net.{method}", **common)
    if method in ("set_parameters", "set_params"):
        params = draw(st.one_of(codes("net.parameters()", "[p * 0.5 for p in net.parameters()]",
                                      "[p.tolist() for p in net.parameters()]", "tuple(net.parameters())",
                                      "[p.ravel() if p.shape[0] == 1 else p for p in net.parameters()]"),
                                param_mutations("net")))
        return invoke(f"MLP.{method}", f"net.{method}", [("params", params)], **common)
    if method == "load_state_dict":
        sd = "net.state_dict()"
        state = draw(st.one_of(
            codes(sd, f"{{k: v * 0.5 for k, v in {sd}.items()}}", f"dict(reversed(list({sd}.items())))",
                  f"{{k: v.tolist() for k, v in {sd}.items()}}",
                  f"{{k: v.ravel() if v.shape[0] == 1 else v for k, v in {sd}.items()}}"),
            codes(f"dict(list({sd}.items())[:-1])", f"{{**{sd}, 'W9': np.zeros(1)}}", f"{{**{sd}, 0: np.zeros(1)}}",
                  f"{{k: v.T for k, v in {sd}.items()}}", f"{{k: None for k in {sd}}}",
                  f"{{k: np.full_like(v, nan) for k, v in {sd}.items()}}", f"{{k: str(v) for k, v in {sd}.items()}}",
                  f"{{k: v.astype(complex) for k, v in {sd}.items()}}", f"{{k.lower(): v for k, v in {sd}.items()}}",
                  "net.parameters()", "None", "'abc'", "5", "{}", "[]", "{1: 2}")))
        return invoke("MLP.load_state_dict", "net.load_state_dict", [("state", state)], **common)
    if method in ("get_weights", "get_biases", "get_slopes"):
        return invoke(f"MLP.{method}", f"net.{method}", [("k", layer)], **common)
    shape = (net.sizes[k - 1], net.sizes[k]) if method != "set_biases" else (1, net.sizes[k])
    value = draw(st.one_of(
        codes(f"np.zeros({shape})", f"np.ones({shape}).tolist()", f"np.zeros({shape[1]})" if shape[0] == 1 else f"np.zeros({shape})"),
        codes(f"np.zeros({(shape[0], shape[1] + 1)})", f"np.zeros({shape[0] * shape[1] + 1})", f"np.full({shape}, nan)",
              f"np.zeros({shape}, complex)", f"np.full({shape}, 'a')", "[[1.0], [1.0, 2.0]]"), junk()))
    if method == "attribute":
        letter = draw(st.sampled_from("Wb"))
        return Scenario(f"MLP.{letter}k = value", f"net.{letter}{k} = {value}", setup, ("net",),
                        (("value", value),) + closed_arg(closed))
    return invoke(f"MLP.{method}", f"net.{method}", [("k", layer), ("value", value)], **common)


@st.composite
def eval_sets(draw, net: Net):
    """(X_eval, y_eval): both left out or both valid, or one missing or broken."""
    rows = draw(st.integers(1, 20))
    valid = st.tuples(valid_matrices(rows, net.n_in), valid_labels(rows, net))
    if draw(st.booleans()):
        return draw(st.one_of(st.just((OMIT, OMIT)), valid)), True
    Xe, ye = draw(valid)
    broken = draw(st.one_of(
        st.just((Xe, OMIT)), st.just((OMIT, ye)), st.tuples(matrices(rows, net.n_in), st.just(ye)),
        st.tuples(st.just(Xe), labels(rows, net)), st.just((Xe, Arg(valid_label_source(net, rows + 1))))))
    Xe, ye = broken
    if "nonfinite" in getattr(Xe, "flags", ()):
        Xe = Xe.but(reject=NONFINITE_X)
    return (Xe, ye), False


@st.composite
def training_calls(draw):
    """train_step and fit."""
    net = draw(networks())
    setup, closed = draw(network_setup(net))
    rows = draw(row_counts())
    X_valid, y_valid = valid_matrices(rows, net.n_in), valid_labels(rows, net)
    X_any, y_any = matrices(rows, net.n_in), labels(rows, net)
    lr = (st.one_of(floats_in(0, 1), st.just(OMIT)), learning_rates())
    extra = closed_arg(closed)
    if draw(st.booleans()):
        p, valid = choose(draw, {"X": (X_valid, X_any), "y": (y_valid, y_any), "lr": lr})
        X, lr_arg = training_tags(p["X"], p["lr"])
        return invoke("MLP.train_step", "net.train_step", [("X", X), ("y", p["y"])], [("lr", lr_arg)], setup=setup,
                      watch=("net",), check=loss_check(lambda r: [r], expects_finite(net, X, p["y"], lr_arg)),
                      valid=valid, extra_args=extra)
    p, valid = choose(draw, {
        "X": (X_valid, X_any), "y": (y_valid, y_any), "lr": lr,
        "epochs": (int_values(1, 5), ints(1, 5)),  # 2**31 epochs would run for hours: left out
        "batch_size": (st.one_of(st.just(OMIT), int_values(1, 64)), ints(1, 64, wide="")),
        "rng": (streams("rng", valid_only=True), st.one_of(streams("rng"), junk())),
        "record_every": (st.one_of(st.just(OMIT), int_values(0, 3)), ints(0, 3, wide="")),
        "record_params": (st.one_of(st.just(OMIT), codes("True", "False")), codes("1", "'yes'", "None")),
    })
    (X_eval, y_eval), eval_valid = draw(eval_sets(net))
    # record_params asks for records that only record_every > 0 makes: alone it is refused.
    if p["record_params"] == "True" and getattr(p["record_every"], "value", None) in (0, None):
        valid = False
    X, lr_arg = training_tags(p["X"], p["lr"])
    keywords = [("epochs", p["epochs"]), ("lr", lr_arg), ("batch_size", p["batch_size"]), ("rng", p["rng"]),
                ("record_every", p["record_every"]), ("record_params", p["record_params"]), ("X_eval", X_eval),
                ("y_eval", y_eval)]
    finite = expects_finite(net, X, p["y"], lr_arg)
    sc = invoke("MLP.fit", "net.fit", [("X", X), ("y", p["y"])], keywords, setup=setup, watch=("net",),
                check=loss_check(lambda r: r, finite), valid=valid and eval_valid, extra_args=extra)
    if p["batch_size"] in WIDE_INTS and "moderate" in X.flags and "deterministic" in p["rng"].flags:
        same_kw = [(k, Arg(str(rows)) if k == "batch_size" else a) for k, a in keywords]
        sc.same_as = source("net.fit", [("X", X), ("y", p["y"])], same_kw)
    return sc


@st.composite
def train_together_calls(draw):
    """train_together with one or two matching networks, and broken lists of networks."""
    net = draw(networks())
    twin = draw(networks(output=net.output, n_in=net.n_in, n_out=net.n_out))
    other = draw(networks(n_in=net.n_in + 1))
    rows = draw(row_counts())
    p, valid = choose(draw, {
        "nets": (codes("[net]", "[net, net2]", "(net, net2)"),
                 st.one_of(codes("[net, net]", "[]", "[net, None]", "[net, 'a']", "[net, other]", "net", "None",
                                 "iter([net, net2])", "{net: 1}"),
                           codes("[net, closed]", reject=CLOSED))),
        "X": (valid_matrices(rows, net.n_in), matrices(rows, net.n_in)),
        "y": (valid_labels(rows, net), labels(rows, net)),
        "epochs": (int_values(1, 5), ints(1, 5)),
        "lr": (floats_in(0, 1), learning_rates()),
        "batch_size": (int_values(1, 64), ints(1, 64, wide="")),
        "rng": (streams("rng", valid_only=True), st.one_of(streams("rng"), junk())),
    })
    X, lr = training_tags(p["X"], p["lr"])
    finite = expects_finite(net, X, p["y"], lr)
    named = {"net2": (f"net2 = {twin.src}",), "other": (f"other = {other.src}",),
             "closed": (f"closed = {net.src}", "closed.close()")}
    used = [name for name in named if re.search(rf"\b{name}\b", p["nets"])]
    setup = (f"net = {net.src}",) + tuple(line for name in used for line in named[name])
    watch = ("net",) + tuple(name for name in used if name != "closed")
    return invoke("sm.train_together", "sm.train_together", [("nets", p["nets"]), ("X", X), ("y", p["y"])],
                  [("epochs", p["epochs"]), ("lr", lr), ("batch_size", p["batch_size"]), ("rng", p["rng"])],
                  setup=setup, watch=watch, check=loss_check(lambda r: r, finite), valid=valid)


# ---- scenarios: threads, activations, sweep, article, experiments --------------


@st.composite
def thread_calls(draw, zero: int):
    """set_threads (echoed by get_threads) and get_threads."""
    if draw(st.integers(0, 4)) == 0:
        return Scenario("sm.get_threads", "sm.get_threads()")
    n = draw(st.one_of(ints(0, 8, wide=INT32), codes("-2**31 - 1", reject=INT32), codes("None")))
    sc = invoke("sm.set_threads", "sm.set_threads", [("n", n)])
    sc.check = threads_echo(n, zero)
    return sc


def activation_lists() -> st.SearchStrategy:
    """`activations` arguments: valid tuples, and broken ones."""
    return st.one_of(codes("('sigmoid', 'relu')", "('relu',)", "['tanh']", "[('leaky_relu', 0.1)]"),
                     codes("()", "('relu', 'relu')", "('softsign',)", "'relu'", "None", "[None]", "('RELU',)"),
                     codes("('relu\\x00junk',)", reject=NUL))


@st.composite
def activation_calls(draw):
    """activations.evaluate on names, inputs of any shape and type, derivative flags and parameters."""
    x_valid = codes("0.0", "1", "[-1.0, 0.0, 1.0]", "np.linspace(-5, 5, 11)", "np.zeros((2, 3, 4))", "np.zeros(0)",
                    "np.array(nan)", "[nan, inf, -inf]", "np.zeros(3, np.float32)", "np.arange(6).reshape(2, 3)[:, ::2]",
                    "np.array([1e308, -1e308])")
    x_any = st.one_of(x_valid, codes("True", "np.zeros(3, complex)", "['a']", "[[1.0], [1.0, 2.0]]", "None", "'abc'", "{}"))
    p, valid = choose(draw, {
        "x": (x_valid, x_any),
        "name": (st.sampled_from(NAMES).map(lambda n: Arg(repr(n))), activation_names()),
        "derivative": (st.one_of(st.just(OMIT), codes("True", "False")), codes("0", "1", "'yes'", "None", "[1]")),
        "alpha": (st.just(OMIT), st.one_of(reals(0, 1), codes("None"))),
    })
    keywords = [("derivative", p["derivative"]), ("alpha", p["alpha"])]
    if draw(st.integers(0, 9)) == 0:
        keywords.append(("beta", Arg("1.0")))
        valid = False
    return invoke("activations.evaluate", "sm.activations.evaluate", [("name", p["name"]), ("x", p["x"])], keywords,
                  valid=valid)


@st.composite
def sweep_calls(draw):
    """sweep with at most 2 seeds, 3 epochs and 64 samples."""
    p, valid = choose(draw, {
        "net_seeds": (codes("[0]", "[0, 1]", "range(2)", "np.arange(2)"),
                      st.one_of(codes("[]", "[-1]", "[2**32]", "['a']", "None", "5", "[None]"),
                                codes("[2**63]", "[2**64 + 5]", reject=WRAP), codes("[1.7]", reject=TRUNCATE))),
        "activations": (codes("('relu',)", "['sigmoid', 'relu']", "[('leaky_relu', 0.1)]"), activation_lists()),
        "n_samples": (int_values(8, 64), ints(1, 64)),
        "noise": (floats_in(0, 0.3),
                  reals(0, 0.3, nonfinite={"reject": "(f) noise must be finite"},
                        negative={"reject": "(f) noise must be >= 0"})),
        "data_seed": (int_values(0, 100), seeds()),
        "split_seed": (int_values(0, 100), seeds()),
        "epochs": (int_values(1, 3), ints(1, 3)),
        "lr": (floats_in(0, 1),
               learning_rates()),
        "batch_size": (int_values(1, 64), ints(1, 64, wide="")),
        "threads": (st.one_of(st.just(OMIT), codes("None", "1", "2")), st.one_of(ints(0, 4, wide=INT32))),
    })
    finite = small_lr(p["lr"])
    return invoke("sm.sweep", "sm.sweep", [("net_seeds", p["net_seeds"]), ("activations", p["activations"])],
                  [(k, p[k]) for k in ("n_samples", "noise", "data_seed", "split_seed", "epochs", "lr", "batch_size",
                                       "threads")],
                  check=loss_check(lambda r: r["loss_history"], finite), valid=valid)


@st.composite
def article_calls(draw):
    """article.run with tiny sizes."""
    p, valid = choose(draw, {
        "n_samples": (int_values(16, 64), ints(1, 64)),
        "noise": (floats_in(0, 0.3),
                  reals(0, 0.3, nonfinite={"reject": "(f) noise must be finite"},
                        negative={"reject": "(f) noise must be >= 0"})),
        "data_seed": (int_values(0, 100), seeds()),
        "split_seed": (int_values(0, 100), seeds()),
        "net_seed": (int_values(0, 100), seeds()),
        "epochs": (int_values(1, 3), ints(1, 3)),
        "lr": (floats_in(0, 1),
               learning_rates()),
        "batch_size": (int_values(1, 64), ints(1, 64, wide="")),
        "activations": (codes("('sigmoid', 'relu')", "('relu',)", "['tanh']"), activation_lists()),
    })
    finite = small_lr(p["lr"])
    return invoke("article.run", "sm.article.run", (), list(p.items()),
                  check=loss_check(lambda r: list(r.loss_history.values()), finite), valid=valid)


@st.composite
def experiment_calls(draw):
    """The functions of swiftmoons.experiments, with tiny sizes."""
    which = draw(st.sampled_from(("activation_curves", "vanishing_gradients", "dead_relu", "depth_sweep",
                                  "digits_comparison", "load_digits_data")))
    acts = (codes("('sigmoid', 'relu')", "('relu',)", "[('leaky_relu', 0.1)]"), activation_lists())
    lr = (floats_in(0, 1),
          learning_rates())
    seed = (int_values(0, 100), seeds())
    if which == "activation_curves":
        params = {"names": (codes("('sigmoid', 'relu')", "sm.activations.NAMES", "[('leaky_relu', 0.2)]"),
                            activation_lists()),
                  "x": (codes("None", "np.linspace(-1, 1, 5)", "[0.0]"),
                        codes("np.zeros((2, 2))", "[nan]", "'abc'", "np.zeros(0)", "1.0", "[1j]"))}
        check = None
    elif which == "vanishing_gradients":
        params = {"depth": (int_values(0, 5), ints(0, 5)), "width": (int_values(1, 16), ints(1, 16)),
                  "activations": acts, "batch_size": (int_values(1, 64), ints(1, 64, wide="")), "seed": seed}
        check = None
    elif which == "dead_relu":
        params = {"units": (int_values(1, 16), ints(1, 16)),
                  "bias": (floats_in(-5, 5), reals(-5, 5)),
                  "input_std": (floats_in(0, 1), reals(0, 1)),
                  "batch_size": (int_values(1, 16), ints(1, 16)), "steps": (int_values(0, 4), ints(0, 4)),
                  "features": (int_values(1, 4), ints(1, 4)), "activations": acts, "lr": lr, "seed": seed}
        check = loss_check(lambda r: [v for a in r["loss"].values() for v in a], False)
    elif which == "depth_sweep":
        params = {"depths": (codes("(1,)", "(0, 2)", "[1, 3]"),
                             st.one_of(codes("()", "(-1,)", "('a',)", "None", "(1.5,)"),
                                       codes("(2**63,)", "(2**64 + 5,)", reject=WRAP))),
                  "activations": acts, "width": (int_values(1, 8), ints(1, 8)), "epochs": (int_values(1, 2), ints(1, 2)),
                  "lr": lr, "batch_size": (int_values(1, 64), ints(1, 64, wide="")), "seed": seed}
        check = loss_check(lambda r: [v for a in r["loss"].values() for v in a], False)
    elif which == "digits_comparison":
        params = {"activations": acts, "hidden": (codes("(4,)", "(8, 8)", "()"), codes("(0,)", "('a',)", "None", "4",
                                                                                        "(2**64 + 5,)")),
                  "epochs": (int_values(1, 2), ints(1, 2)), "lr": lr, "batch_size": (int_values(8, 64), ints(8, 64, wide="")),
                  "seed": seed}
        check = loss_check(lambda r: [v for a in r["loss_history"].values() for v in a], False)
    else:
        params = {"seed": seed}
        check = None
    p, valid = choose(draw, params)
    return invoke(f"experiments.{which}", f"sm.experiments.{which}", (), list(p.items()), check=check, valid=valid)


# ---- checks: copies (g), files (h), stopped runs (i) ----------------------------

#: The prefix of a files scenario's temporary directory `d` (removed after the scenario).
TMP_PREFIX = "smfuzz"
#: What an activation's parameter is when a file gives none (null).
DEFAULT_ALPHA = {name: params.get("alpha") for name, params in sm.activations.PARAMETERS.items()}


def guarded(letter: str) -> Callable:
    """A check(ns, value, stage) whose exceptions become failures of `letter`, naming the stage it was in."""
    def wrap(check):
        def run(ns, value):
            stage = ["checking the result"]
            try:
                return check(ns, value, stage)
            except Exception as exc:  # noqa: BLE001 - a check that cannot finish found something
                site, _ = origin(exc)
                return letter, f"{stage[-1]} raised {type(exc).__name__} at {site}: {exc}"
        return run
    return wrap


def short(value, length: int = 70) -> str:
    """A repr cut to `length` characters."""
    text = re.sub(r"\s+", " ", repr(value))
    return text if len(text) <= length else text[:length - 3] + "..."


def network_state(net) -> dict:
    """What checks (g) and (h) compare of a network, as plain data."""
    records = net.records
    return {"class": type(net).__name__, "layer_sizes": tuple(net.layer_sizes), "activations": tuple(net.activations),
            "output": net.output, "parameters": net.param_names(), "params": [p.ravel() for p in net.parameters()],
            "epochs_trained": net.epochs_trained, "loss_history": [float(v) for v in net.loss_history],
            "records": records.epochs.tolist(), "records_eval_loss": records.eval_loss,
            "records_eval_accuracy": records.eval_accuracy,
            "records_params": [np.concatenate([p.ravel() for p in block]) for block in records.params or []]}


def difference(expected: dict, got: dict) -> str | None:
    """The first field in which two states differ, with both values, or None."""
    for key, value in expected.items():
        if not same(value, got.get(key)):
            return f"{key} ({short(value)} expected, got {short(got.get(key))})"
    return None


def described(path) -> tuple[dict | None, str]:
    """The network state a file holds, read with NumPy and json alone (as `network_state` gives it), or None and why."""
    try:
        with np.load(path, allow_pickle=False) as data:
            header = json.loads(str(data["header"]))
            arrays = {name: data[name] for name in data.files}
        names, count = header["parameters"], header.get("records", 0)
        acts = tuple((sm.activations.canonical(name), DEFAULT_ALPHA.get(sm.activations.canonical(name))
                      if alpha is None else float(alpha)) for name, alpha in header["activations"])
        recorded = arrays["records_params"] if header.get("recorded_params") and count else []
        return {"class": header["class"], "layer_sizes": tuple(header["layer_sizes"]), "activations": acts,
                "output": header["output"], "parameters": list(names),
                "params": [np.asarray(arrays[name]).ravel() for name in names],
                "epochs_trained": header["epochs_trained"],
                "loss_history": [float(v) for v in np.asarray(arrays.get("loss_history", np.zeros(0))).ravel()],
                "records": np.asarray(arrays.get("records_epochs", np.zeros(0, np.int64))).tolist(),
                "records_eval_loss": np.asarray(arrays.get("records_eval_loss", np.zeros(0))),
                "records_eval_accuracy": np.asarray(arrays.get("records_eval_accuracy", np.zeros(0))),
                "records_params": [np.asarray(row) for row in recorded]}, ""
    except Exception as exc:  # noqa: BLE001 - any reason the file says nothing
        return None, f"{type(exc).__name__}: {exc}"


def copied_network_problem(net, twin, X, y, stage):
    """Check (g) for a network and its copy: equal, another handle, trained apart and then alike."""
    if type(twin) is not type(net):
        return "(g)", f"the copy is a {type(twin).__name__}, the original a {type(net).__name__}"
    stage.append("reading the copy")
    diff = difference(network_state(net), network_state(twin))
    if diff:
        return "(g)", f"the copy differs from the original in {diff}"
    if twin._h == net._h:
        return "(g)", "the copy shares the original's native handle"
    before = network_state(net)
    stage.append("training the copy")
    twin.fit(X, y, epochs=2, lr=0.05, batch_size=3, rng=7)
    twin.train_step(X, y, lr=0.05)
    diff = difference(before, network_state(net))
    if diff:
        return "(g)", f"training the copy changed the original's {diff}"
    stage.append("training the original alike")
    net.fit(X, y, epochs=2, lr=0.05, batch_size=3, rng=7)
    net.train_step(X, y, lr=0.05)
    diff = difference(network_state(net), network_state(twin))
    if diff:
        return "(g)", f"the original and its copy, trained alike, differ in {diff}"
    return None


def deletion_problem(ns, copier: str, probe: Callable, stage):
    """Check (g): making and deleting another copy leaves the original giving what `probe()` gave."""
    stage.append("probing the original")
    expected = probe()
    stage.append("making another copy")
    again = run_source(copier, ns)
    del again
    gc.collect(0)  # a copy just made is in the youngest generation, if in a cycle at all
    stage.append("probing the original after deleting a copy")
    if not same(expected, probe()):
        return "(g)", "deleting a copy changed what the original gives"
    return None


def draws(rs) -> list:
    """A few draws of every kind from a stream."""
    return [rs.randn(3), rs.random_sample(2), rs.permutation(5), rs.randn()]


def copy_check(kind: str, copier: str) -> Callable:
    """Check (g) on what `copier` returned, for a copy of `net`, `[net, net]`, `rs`, `rec` or `res`."""
    @guarded("(g)")
    def check(ns, twin, stage):
        if kind in ("net", "container"):
            net, X, y = ns["net"], ns["X"], ns["y"]
            if kind == "container":
                if not (isinstance(twin, list) and len(twin) == 2 and twin[0] is twin[1]):
                    return "(g)", "a copied [net, net] does not hold one copy twice"
                twin = twin[0]
            return (copied_network_problem(net, twin, X, y, stage)
                    or deletion_problem(ns, copier, lambda: net.forward(X), stage))
        if kind == "stream":
            rs = ns["rs"]
            if type(twin) is not sm.RandomState:
                return "(g)", f"the copy is a {type(twin).__name__}"
            if not same(rs.get_state(), twin.get_state()):
                return "(g)", (f"the copy's get_state() differs: {short(twin.get_state()[2:])} "
                               f"for {short(rs.get_state()[2:])}")
            if twin._h == rs._h:
                return "(g)", "the copy shares the original's native handle"
            before = rs.get_state()
            stage.append("drawing from the copy")
            drawn = draws(twin)
            if not same(before, rs.get_state()):
                return "(g)", "drawing from the copy moved the original"
            stage.append("drawing from the original")
            if not same(drawn, draws(rs)):
                return "(g)", "the original drew other numbers than its copy"
            return deletion_problem(ns, copier, rs.get_state, stage)
        if kind == "records":
            rec = ns["rec"]
            if type(twin) is not type(rec):
                return "(g)", f"the copy is a {type(twin).__name__}"
            for field in ("epochs", "eval_loss", "eval_accuracy", "params"):
                if not same(getattr(rec, field), getattr(twin, field)):
                    return "(g)", (f"the copy's {field} differs: {short(getattr(twin, field))} "
                                   f"for {short(getattr(rec, field))}")
            if not copier.startswith("copy.copy") and np.shares_memory(rec.eval_loss, twin.eval_loss):
                return "(g)", "a deep copy shares eval_loss's memory with the original"
            return None
        res = ns["res"]
        if type(twin) is not type(res):
            return "(g)", f"the copy is a {type(twin).__name__}"
        for field in ("config", "X", "y", "X_train", "X_test", "y_train", "y_test", "loss_history", "test_accuracy",
                      "far_samples", "traces", "hidden_std", "seconds"):
            if not same(getattr(res, field), getattr(twin, field)):
                return "(g)", f"the copy's {field} differs: {short(getattr(twin, field))} for {short(getattr(res, field))}"
        if list(twin.nets) != list(res.nets):
            return "(g)", f"the copy's nets are {list(twin.nets)}, the original's {list(res.nets)}"
        for name, net in res.nets.items():
            problem = copied_network_problem(net, twin.nets[name], res.X_train, res.y_train, stage)
            if problem:
                return problem[0], f"nets[{name!r}]: {problem[1]}"
        return deletion_problem(ns, copier, lambda: [n.forward(res.X_test) for n in res.nets.values()], stage)
    return check


def load_check(original: str | None) -> Callable:
    """Check (h) on a network sm.load returned: what the file holds (and what was saved, if unchanged); forward works."""
    @guarded("(h)")
    def check(ns, loaded, stage):
        if not isinstance(loaded, sm.MLP):
            return "(h)", f"returned a {type(loaded).__name__}, not a network"
        expected, why = described(ns["p"])
        if expected is None:
            return "(h)", f"returned a network from a file NumPy and json cannot read ({why})"
        stage.append("reading the loaded network")
        diff = difference(expected, network_state(loaded))
        if diff:
            return "(h)", f"the network loaded is not what the file holds: {diff}"
        if original:
            diff = difference(network_state(ns[original]), network_state(loaded))
            if diff:
                return "(h)", f"the network loaded is not the one saved: {diff}"
        stage.append("forward on the loaded network")
        out = loaded.forward(np.zeros((2, loaded.layer_sizes[0])))
        if out.shape != (2, loaded.layer_sizes[-1]):
            return "(h)", f"forward on the loaded network gave shape {out.shape}"
        return None
    return check


def save_check(path: str) -> Callable:
    """Check (h) after net.save(path) returned: NumPy reads back the network, and sm.load gives it."""
    @guarded("(h)")
    def check(ns, result, stage):
        where = run_source(path, ns)
        expected, why = described(where)
        if expected is None:
            return "(h)", f"save wrote a file NumPy and json cannot read ({why})"
        diff = difference(network_state(ns["net"]), expected)
        if diff:
            return "(h)", f"the file saved does not hold the network: {diff}"
        stage.append("loading the file saved")
        diff = difference(expected, network_state(sm.load(where)))
        return ("(h)", f"the network loaded is not the one saved: {diff}") if diff else None
    return check


#: Where a stopped run's continuation call takes the epochs left.
EPOCHS_LEFT = "EPOCHS_LEFT"


def callback_epochs(epochs: int, every: int) -> list:
    """The epochs at which a callback is called: every `every`-th and the last."""
    return [e for e in range(1, epochs + 1) if e % every == 0 or e == epochs]


def seen_losses(nets: list, epochs: list, starts: list) -> list:
    """What a callback must have been given at `epochs` of a call that began at loss_history[start] of each net:
    (epoch, loss) for one network, (epoch, [loss per network]) for several."""
    losses = [[net.loss_history[start + e - 1] for net, start in zip(nets, starts)] for e in epochs]
    return [(e, loss[0] if len(nets) == 1 else loss) for e, loss in zip(epochs, losses)]


def callback_check(names: tuple, every: Arg, epochs: int, finite: bool) -> Callable:
    """Checks (d) and (i) after a training call with a recording callback returned."""
    losses = loss_check(lambda r: r, finite)

    @guarded("(i)")
    def check(ns, result, stage):
        problem = losses(ns, result)
        if problem or "calls" not in ns:
            return problem
        value = 1 if every is OMIT else run_source(str(every), namespace())
        if not (isinstance(value, (int, float, np.integer, np.floating)) and float(value).is_integer()):
            return None  # a questionable callback_every that was accepted: a note, not checked here
        calls = ns["calls"]
        if any(ident != threading.main_thread().ident for _, _, ident in calls):
            return "(i)", "the callback was called from another thread than the caller's"
        got = [(e, loss) for e, loss, _ in calls]
        nets = [ns[name] for name in names]
        wanted = seen_losses(nets, callback_epochs(epochs, int(value)), [len(n.loss_history) - epochs for n in nets])
        if not same(got, wanted):
            return "(i)", (f"the callback's calls are not (epoch, loss) at every callback_every-th epoch and the last: "
                           f"got {short(got, 120)}, expected {short(wanted, 120)}")
        return None
    return check


def stop_check(names: tuple, first: int, epochs: int, every: int, setup: tuple, reference: str, continuation: str,
               stream: bool) -> Callable:
    """Check (i) after the callback's exception came out of a training call that started at epoch 0.

    first: the epoch whose callback raised; stream: whether rng is a stream
    object the run can be continued from.
    """
    @guarded("(i)")
    def check(ns, exc, stage):
        nets = [ns[name] for name in names]
        done = []
        for name, net in zip(names, nets):
            if len(net.loss_history) != net.epochs_trained:
                return "(i)", (f"after the stop `{name}` has {len(net.loss_history)} losses for "
                               f"{net.epochs_trained} epochs trained")
            done.append(net.epochs_trained)
        if not (first <= min(done) and max(done) <= epochs):
            return "(i)", f"stopped after {done} of {epochs} epochs, but the callback raised after epoch {first}"
        # Networks may stop at different epochs, and a seed cannot be continued from: those are not compared.
        if len(set(done)) == 1 and (done[0] == epochs or stream):
            problem = continued_problem(ns, names, done[0], epochs, setup, reference, continuation, stage)
            if problem:
                return problem
        wanted = seen_losses(nets, [e for e in callback_epochs(epochs, every) if e < first], [0] * len(nets))
        if "calls" in ns and not same(ns["calls"], wanted):
            return "(i)", (f"before the stop the callback was given other losses than loss_history holds: "
                           f"got {short(ns['calls'], 120)}, expected {short(wanted, 120)}")
        return None
    return check


def continued_problem(ns, names, done: int, epochs: int, setup, reference: str, continuation: str, stage):
    """Check (i): networks stopped after `done` epochs, then trained for the rest, match an uninterrupted run."""
    if done < epochs:
        stage.append(f"continuing for the {epochs - done} epochs left")
        run_source(continuation.replace(EPOCHS_LEFT, str(epochs - done)), ns)
    stage.append("an uninterrupted run")
    twin = namespace()
    try:
        for statement in setup:
            run_source(statement, twin)
        run_source(reference, twin)
        how = f"stopped after {done} of {epochs} epochs" + (" and continued" if done < epochs else "")
        for name in names:
            if not same(ns[name].loss_history, twin[name].loss_history):
                return "(i)", f"{how}, `{name}`'s loss_history differs from an uninterrupted run's"
            if not same(ns[name].parameters(), twin[name].parameters()):
                return "(i)", f"{how}, `{name}`'s parameters differ from an uninterrupted run's"
    finally:
        release(twin)
    return None


# ---- scenarios: copies ---------------------------------------------------------


@st.composite
def copiers(draw, target: str, deep_only: bool = False):
    """A call copying `target`: copy.copy, copy.deepcopy, or a pickle round trip (any protocol)."""
    how = draw(st.sampled_from(("copy.deepcopy", "pickle") if deep_only else ("copy.copy", "copy.deepcopy", "pickle")))
    if how != "pickle":
        return how, f"{how}({target})"
    protocol = draw(st.sampled_from((None,) + tuple(range(pickle.HIGHEST_PROTOCOL + 1))))
    return how, f"pickle.loads(pickle.dumps({target}{'' if protocol is None else f', protocol={protocol}'}))"


@st.composite
def trained_network_setup(draw, net: Net, *, records=False):
    """Statements making data X, y and `net`, then training it (fit with records, a step, NaN parameters) or not."""
    rows, s = draw(st.integers(1, 12)), draw(st.integers(0, 99))
    lines = [f"X = np.random.RandomState({s}).uniform(-3, 3, ({rows}, {net.n_in}))",
             f"y = {valid_label_source(net, rows)}", f"net = {net.src}"]
    how = "fit" if records else draw(st.sampled_from(("none", "fit", "fit", "fit", "step", "nan")))
    if how == "fit":
        every = draw(st.integers(1 if records else 0, 3))
        evals = draw(st.sampled_from(("", ", X_eval=X[:2], y_eval=y[:2]")))
        lines.append(f"net.fit(X, y, epochs={draw(st.integers(1, 4))}, batch_size={draw(st.integers(1, 8))}, rng={s}, "
                     f"record_every={every}, record_params={draw(st.booleans()) and every > 0}{evals})")
    elif how == "step":
        lines.append("net.train_step(X, y)")
    elif how == "nan":  # NaN parameters, records and losses, and a loss appended by hand
        lines += ["net.set_parameters([np.full_like(p, nan) for p in net.parameters()])",
                  f"net.fit(X, y, epochs=2, rng={s}, record_every=1, record_params=True)", "net.loss_history.append(inf)"]
    return lines


@st.composite
def copy_calls(draw):
    """copy.copy, copy.deepcopy and pickle round trips of networks, streams, TrainingRecords and article results."""
    kind = draw(st.sampled_from(("net", "net", "net", "container", "stream", "stream", "records", "article")))
    if kind in ("net", "container", "records"):
        net = draw(networks())
        setup = draw(trained_network_setup(net, records=kind == "records"))
        cls = net.src.split("(")[0].replace("sm.", "")
        if kind == "records":
            setup.append("rec = net.records")
            how, call = draw(copiers("rec"))
            return Scenario(f"{how}(TrainingRecords)", call, tuple(setup), check=copy_check(kind, call))
        closed = draw(st.integers(0, 15)) == 0
        if closed:
            setup.append("net.close()")
        how, call = draw(copiers("[net, net]" if kind == "container" else "net", deep_only=kind == "container"))
        api = f"{how}([{cls}, {cls}])" if kind == "container" else f"{how}({cls})"
        return Scenario(api, call, tuple(setup), ("net",), closed_arg(closed), copy_check(kind, call))
    if kind == "stream":
        setup = [f"rs = sm.RandomState({draw(st.integers(0, 2**32 - 1))})"]
        setup += draw(st.sampled_from(([], ["rs.randn()"], ["rs.randn(3)"], ["rs.random_sample(5)"],
                                       ["rs.set_state(np.random.RandomState(7).get_state())"],
                                       ["rs.set_state(('MT19937', np.arange(624, dtype=np.uint32), 624, 1, -0.5))"])))
        closed = draw(st.integers(0, 15)) == 0
        if closed:
            setup.append("rs.close()")
        how, call = draw(copiers("rs"))
        extra = (("rs", Arg("rs", reject="(f) a call on a closed RandomState must raise")),) if closed else ()
        return Scenario(f"{how}(RandomState)", call, tuple(setup), ("rs",), extra, copy_check(kind, call))
    acts = draw(st.sampled_from(("('relu',)", "('sigmoid', 'relu')", "('tanh', 'prelu', 'gelu')")))
    setup = (f"res = sm.article.run(n_samples={draw(st.integers(16, 48))}, epochs={draw(st.integers(1, 3))}, "
             f"data_seed={draw(st.integers(0, 99))}, net_seed={draw(st.integers(0, 99))}, activations={acts})",)
    how, call = draw(copiers("res"))
    return Scenario(f"{how}(ArticleResult)", call, setup, check=copy_check(kind, call))


# ---- scenarios: files ----------------------------------------------------------

#: Header edits that leave a valid file (load must return what the file holds).
BENIGN_EDITS = ("h['extra'] = [1, {'a': None}]", "h['library_version'] = '99.0'", "h['library_version'] = None",
                "del h['library_version']", "h['comment'] = 'x' * 1000")
#: Values of the wrong type (or range) for any header field.
WRONG_VALUES = ("None", "'abc'", "''", "[]", "{}", "1.5", "True", "nan", "inf", "-1", "2**70", "[1, 2]")
#: Values (as source, from `h`) for each header field: some valid, most not.
FIELD_VALUES = {
    "format": ("'something.else'", "'swiftmoons.Network'", "5"),
    "format_version": ("0", "2", "'1'", "1.0", "-1", "2**64", "99"),
    "class": ("'TwoLayerNet'", "'MLP'", "'Transformer'", "'mlp'"),
    "layer_sizes": ("h['layer_sizes'][:-1]", "h['layer_sizes'] + [1]", "[h['layer_sizes'][0] + 1] + h['layer_sizes'][1:]",
                    "h['layer_sizes'][:-1] + [h['layer_sizes'][-1] + 1]",
                    "[float(h['layer_sizes'][0])] + h['layer_sizes'][1:]",
                    "[nan] + h['layer_sizes'][1:]", "[inf] + h['layer_sizes'][1:]", "[-1] + h['layer_sizes'][1:]",
                    "[2**31] + h['layer_sizes'][1:]", "[2**64] + h['layer_sizes'][1:]", "[True] + h['layer_sizes'][1:]",
                    "[str(s) for s in h['layer_sizes']]"),
    "activations": ("[['softsign', None] for a in h['activations']]", "[[a[0], nan] for a in h['activations']]",
                    "[[a[0], inf] for a in h['activations']]", "[[a[0], -inf] for a in h['activations']]",
                    "[[a[0], '0.1'] for a in h['activations']]", "[[a[0], 0.1] for a in h['activations']]",
                    "[[a[0].upper(), a[1]] for a in h['activations']]",
                    "[[a[0] + '\\x00', a[1]] for a in h['activations']]",
                    "[[a[0]] for a in h['activations']]", "[a + [0] for a in h['activations']]",
                    "[[5, None] for a in h['activations']]", "[a[0] for a in h['activations']]",
                    "h['activations'] + [['relu', None]]", "h['activations'][:-1]",
                    "[['prelu', None] for a in h['activations']]", "[['tanh', None] for a in h['activations']]",
                    "[['silu', None] for a in h['activations']]", "[['leaky_relu', 0.3] for a in h['activations']]",
                    "[['elu', 2] for a in h['activations']]", "[['leaky_relu', 1e308] for a in h['activations']]",
                    "[['leaky_relu', True] for a in h['activations']]", "[[a[0], {}] for a in h['activations']]"),
    "output": ("'sigmoid'", "'softmax'", "'identity'", "'SIGMOID'", "'relu'", "'sigmoid\\x00'", "5"),
    "epochs_trained": ("h['epochs_trained'] + 1", "2**31", "2**62", "2**63 - 1", "2**63", "2**64 + 5", "-2**63", "3.0",
                       "'3'"),
    "parameters": ("h['parameters'][::-1]", "h['parameters'][:-1]", "h['parameters'] + ['W9']",
                   "h['parameters'] + h['parameters'][:1]", "h['parameters'][0]", "[p.lower() for p in h['parameters']]"),
    "records": ("h['records'] + 1", "h['records'] - 1", "'0'", "2**63", "2**64 + 5"),
    "recorded_params": ("not h['recorded_params']", "'no'", "1", "0", "'yes'"),
}
#: Replacements of the arrays (after the header is written back into `arrays`).
ARRAY_EDITS = (
    "arrays['W1'] = arrays['W1'].astype(np.float32)", "arrays['W1'] = arrays['W1'].astype(int)",
    "arrays['W1'] = arrays['W1'].astype(complex)", "arrays['W1'] = arrays['W1'].T", "arrays['W1'] = arrays['W1'][None]",
    "arrays['W1'] = arrays['W1'].ravel()", "arrays['W1'] = arrays['W1'][:, :0]",
    "arrays['W1'] = np.full_like(arrays['W1'], nan)",
    "arrays['W1'] = arrays['W1'].astype('>f8')", "arrays['W1'] = np.array('abc')", "arrays['b1'] = arrays['b1'].ravel()",
    "arrays['b1'] = arrays['b1'][:, :-1]", "del arrays['W1']", "del arrays['b1']",
    "del arrays['loss_history']", "arrays['loss_history'] = arrays['loss_history'].astype(np.float32)",
    "arrays['loss_history'] = np.array([nan, inf, -1.0])", "arrays['loss_history'] = np.zeros((2, 3))",
    "arrays['loss_history'] = np.array(5.0)", "arrays['loss_history'] = np.arange(3)",
    "arrays['records_epochs'] = arrays['records_epochs'].astype(float)",
    "arrays['records_epochs'] = arrays['records_epochs'][::-1].copy()",
    "arrays['records_epochs'] = arrays['records_epochs'] * 0 - 1",
    "arrays['records_epochs'] = arrays['records_epochs'] + 10**6",
    "arrays['records_epochs'] = arrays['records_epochs'].astype(np.uint64) + np.uint64(2**63)",
    "arrays['records_epochs'] = arrays['records_epochs'].astype(np.int8)", "del arrays['records_epochs']",
    "arrays['records_eval_loss'] = arrays['records_eval_loss'][:-1]",
    "arrays['records_eval_accuracy'] = arrays['records_eval_accuracy'].astype(int)",
    "arrays['records_params'] = np.zeros((h['records'], 1))", "arrays.pop('records_params', None)",
    "arrays['records_params'] = np.zeros((h['records'] + 1, sum(arrays[n].size for n in h['parameters'])))",
    "arrays['header'] = np.array(json.dumps(h).encode())", "arrays['header'] = np.array([json.dumps(h)] * 2)",
    "arrays['header'] = np.array(json.dumps(h)[:-1])", "arrays['header'] = np.array('[1, 2]')",
    "arrays['header'] = np.array('NaN')", "arrays['header'] = np.array(5)", "del arrays['header']",
)
#: Array edits that leave a valid file.
BENIGN_ARRAYS = ("arrays['extra'] = np.zeros(3)", "arrays['W1'] = np.asfortranarray(arrays['W1'])")
WRITE_BACK = ("buf = io.BytesIO()", "np.savez(buf, **arrays)", "pathlib.Path(p).write_bytes(buf.getvalue())")
#: Files that are not network files at all (each a tuple of statements writing `p`).
FOREIGN_FILES = (
    ("pathlib.Path(p).write_bytes(b'')",), ("pathlib.Path(p).write_bytes(b'hello, not a network')",),
    ("pathlib.Path(p).write_bytes(b'PK\\x03\\x04' + bytes(60))",),
    ("pathlib.Path(p).write_bytes(b'PK\\x05\\x06' + bytes(18))",),
    ("pathlib.Path(p).write_bytes(b'\\x93NUMPY')",), ("pathlib.Path(p).write_bytes(pickle.dumps(net))",),
    ("pathlib.Path(p).write_text(json.dumps({'format': 'swiftmoons.network'}))",),
    ("buf = io.BytesIO()", "np.save(buf, np.zeros(3))", "pathlib.Path(p).write_bytes(buf.getvalue())"),
    ("buf = io.BytesIO()", "np.savez(buf, W1=np.zeros((2, 2)))", "pathlib.Path(p).write_bytes(buf.getvalue())"),
    ("buf = io.BytesIO()", "np.savez(buf, header=np.array([{'a': 1}], dtype=object))",
     "pathlib.Path(p).write_bytes(buf.getvalue())"),
    ("buf = io.BytesIO()",
     "np.savez(buf, header=np.array(json.dumps({'format': 'swiftmoons.network', 'format_version': 1})))",
     "pathlib.Path(p).write_bytes(buf.getvalue())"),
    ("buf = io.BytesIO()", "z = zipfile.ZipFile(buf, 'w')", "z.writestr('header.npy', b'junk')", "z.close()",
     "pathlib.Path(p).write_bytes(buf.getvalue())"),
)
MISSING = "(h) a missing file must raise FileNotFoundError"


def all_header_edits() -> list:
    """Every header edit: (field, Arg of a statement on the header dict `h`): a field set to a valid or a wrong
    value, or deleted; or `h` replaced."""
    edits = []
    for field, values in sorted(FIELD_VALUES.items()):
        edits += [(field, Arg(f"h[{field!r}] = {value}")) for value in values]
        edits += [(field, Arg(f"h[{field!r}] = {value}", note="a header field of the wrong type or range was accepted"))
                  for value in WRONG_VALUES]
        edits.append((field, Arg(f"del h[{field!r}]", note="a file without a header field was accepted")))
    return edits + [("header", Arg(code)) for code in ("h = [1]", "h = None", "h = 'abc'", "h = {}",
                                                        "h = {'format': 'swiftmoons.network'}")]


#: Every header edit, drawn from one flat list (nested draws repeat far more often).
HEADER_EDITS = all_header_edits()


@st.composite
def file_changes(draw):
    """How a saved file is changed before it is loaded: (kind, statements, the header edit's Arg or None, benign)."""
    kind = draw(st.sampled_from(("unchanged", "truncated", "flipped", "header", "header", "header", "header", "arrays",
                                 "arrays", "foreign")))
    if kind == "truncated":
        return kind, ["data = pathlib.Path(p).read_bytes()",
                      f"pathlib.Path(p).write_bytes(data[:len(data) * {draw(st.integers(0, 999))} // 1000])"], None, False
    if kind == "flipped":
        flips = [f"data[len(data) * {draw(st.integers(0, 999))} // 1000] ^= {draw(st.integers(1, 255))}"
                 for _ in range(draw(st.integers(1, 3)))]
        lines = ["data = bytearray(pathlib.Path(p).read_bytes())"] + flips + ["pathlib.Path(p).write_bytes(data)"]
        return kind, lines, None, False
    if kind == "foreign":
        return kind, list(draw(st.sampled_from(FOREIGN_FILES))), None, False
    if kind == "unchanged":
        return kind, [], None, True
    lines = ["arrays = dict(np.load(p))", "h = json.loads(str(arrays['header']))"]
    benign = draw(st.integers(0, 5)) == 3
    edit = None
    if kind == "header" and benign:
        lines.append(draw(st.sampled_from(BENIGN_EDITS)))
    elif kind == "header":
        field, edit = draw(st.sampled_from(HEADER_EDITS))
        kind = f"header.{field}"
        lines.append(str(edit))
    lines.append("arrays['header'] = np.array(json.dumps(h))")
    if kind == "arrays":
        lines.append(draw(st.sampled_from(BENIGN_ARRAYS if benign else ARRAY_EDITS)))
    return kind, lines + list(WRITE_BACK), edit, benign


@st.composite
def file_calls(draw):
    """sm.load of saved files, unchanged or truncated, flipped, edited, replaced; and net.save to any path."""
    which = draw(st.sampled_from(("load", "load", "load", "load", "load", "load", "save", "missing", "directory",
                                  "path type")))
    kind, changes, edit, benign = draw(file_changes())
    net = draw(networks())
    name = draw(st.sampled_from(("/net.npz", "/net.npz", "/model")))
    setup = ["d = tempfile.mkdtemp(prefix=" + repr(TMP_PREFIX) + ")", f"p = d + {name!r}"]
    setup += draw(trained_network_setup(net)) + ["net.save(p)"]
    if which == "save":
        closed = draw(st.integers(0, 15)) == 0
        if closed:
            setup.append("net.close()")
        target = draw(st.one_of(codes("p", "pathlib.Path(p)", "p.encode()", "d + '/other.npz'", "d + '/other'"),
                                codes("d + '/no/such/dir/net.npz'", "d"), codes("None", "5", "[]", "object()")))
        return Scenario("MLP.save", f"net.save({target})", tuple(setup), ("net",), closed_arg(closed),
                        save_check(str(target)), allowed=ALLOWED + (OSError,), foreign=(OSError,))
    if which == "missing":
        path = draw(st.sampled_from(("d + '/missing.npz'", "(d + '/missing.npz').encode()",
                                     "pathlib.Path(d) / 'no' / 'x'")))
        return Scenario("sm.load [missing]", f"sm.load({path})", tuple(setup), (),
                        (("path", Arg(path, reject=MISSING)),), allowed=(FileNotFoundError,), foreign=(FileNotFoundError,))
    setup += changes
    if which == "directory":
        return Scenario("sm.load [directory]", "sm.load(d)", tuple(setup), allowed=(ValueError, IsADirectoryError),
                        foreign=(IsADirectoryError,))
    if which == "path type":  # a file that is not a path, or a path that is not a string
        path = draw(st.sampled_from(("None", "5", "[]", "object()", "open(p, 'rb')", "[p]")))
        return Scenario("sm.load [path type]", f"sm.load({path})", tuple(setup))
    path = draw(st.sampled_from(("p", "p", "pathlib.Path(p)", "p.encode()")))
    must_return = None
    if benign:
        extra = "an extra array" if kind == "arrays" else "an extra or informational header field"
        must_return = "(h) a file save wrote must load" if kind == "unchanged" else f"(h) a file with {extra} must load"
    args = (("header", edit),) if edit is not None else ()
    return Scenario(f"sm.load [{kind}]", f"sm.load({path})", tuple(setup), (), args, load_check("net" if benign else None),
                    allowed=(ValueError,), must_return=must_return, valid=benign)


# ---- scenarios: progress and callbacks -------------------------------------------

EVERY = "(f) callback_every below 1 must raise"
NOT_CALLABLE = "(f) a callback that is not callable must raise"


def callback_everies() -> st.SearchStrategy:
    """A `callback_every`: 1..4, and values that must be refused or are questionable."""
    return st.one_of(int_values(1, 4), int_values(1, 4), codes("0", "-1", reject=EVERY),
                     codes("2**64", "2**63", reject=WRAP),
                     codes("1.5", "nan", "inf", reject=TRUNCATE), codes("2.0"),
                     codes("'2'", note="a str accepted as callback_every"),
                     codes("True", note="a bool accepted as callback_every"), junk())


def progress_flags() -> st.SearchStrategy:
    """A `progress`: flags, and values that are not."""
    return st.one_of(codes("True", "False", "np.bool_(True)"), codes("1", "0", "None", "[]"),
                     codes("'no'", note="a str accepted as progress"), codes("np.array([1.0, 2.0])"))


#: A callback that records (epoch, loss, thread) for every call.
RECORDER = Arg("cb", setup=("calls = []", "cb = lambda e, l: calls.append((e, l, threading.get_ident()))"),
               watch=("calls",))


def callbacks() -> st.SearchStrategy:
    """A `callback`: a recorder, None, or values that are not callable."""
    return st.one_of(st.just(RECORDER), codes("None"),
                     codes("5", "'abc'", "[]", "{}", "1j", "(print,)", reject=NOT_CALLABLE))


@st.composite
def progress_calls(draw):
    """fit and train_together with progress bars, recording callbacks and callback_every; and runs stopped by callbacks."""
    if draw(st.integers(0, 3)) == 0:
        return draw(stop_calls())
    net = draw(networks())
    rows, epochs, s = draw(st.integers(1, 40)), draw(st.integers(1, 12)), draw(st.integers(0, 99))
    setup = [f"X = np.random.RandomState({s}).uniform(-3, 3, ({rows}, {net.n_in}))",
             f"y = {valid_label_source(net, rows)}", f"net = {net.src}"]
    names = ("net",)
    together = draw(st.booleans())
    if together and draw(st.booleans()):
        setup.append(f"net2 = {draw(networks(output=net.output, n_in=net.n_in, n_out=net.n_out)).src}")
        names = ("net", "net2")
    if draw(st.integers(0, 3)) == 0:  # trained before: callbacks count this call's epochs
        setup.append(f"net.fit(X, y, epochs=2, rng={s})")
    p, valid = choose(draw, {
        "callback": (st.sampled_from((RECORDER, RECORDER, Arg("None"))), callbacks()),
        "callback_every": (st.one_of(st.just(OMIT), int_values(1, 4)), callback_everies()),
        "progress": (st.one_of(st.just(OMIT), codes("True", "False")), progress_flags()),
    })
    rng = draw(streams("rng", valid_only=True))
    keywords = [("epochs", Arg(str(epochs))), ("lr", Arg("0.05")), ("batch_size", Arg(str(draw(st.integers(1, 16))))),
                ("rng", rng), ("callback", p["callback"]), ("callback_every", p["callback_every"]),
                ("progress", p["progress"])]
    check = callback_check(names, p["callback_every"], epochs, net.output != "identity")
    if not together:
        return invoke("MLP.fit", "net.fit", [("X", Arg("X")), ("y", Arg("y"))], keywords, setup=setup, watch=names,
                      check=check, valid=valid)
    nets = Arg("[" + ", ".join(names) + "]")
    return invoke("sm.train_together", "sm.train_together", [("nets", nets), ("X", Arg("X")), ("y", Arg("y"))],
                  keywords, setup=setup, watch=names, check=check, valid=valid)


@st.composite
def small_networks(draw, output=None, n_in=None, n_out=None):
    """A network with one or two hidden layers of 4..12 units: an epoch of 2000 rows takes about 0.1 ms."""
    output = output or draw(st.sampled_from(OUTPUTS))
    n_in = n_in or draw(st.integers(1, 3))
    n_out = n_out or draw(st.integers(2, 3) if output == "softmax" else st.integers(1, 2))
    hidden = tuple(draw(st.lists(st.integers(4, 12), min_size=1, max_size=2)))
    act = draw(activation_specs(len(hidden)))
    sizes = (n_in,) + hidden + (n_out,)
    src = f"sm.MLP({sizes}, activation={act}, output={output!r}, seed={draw(st.integers(0, 2**32 - 1))})"
    return Net(src, n_in, n_out, output, hidden, act)


@st.composite
def stop_calls(draw):
    """fit / train_together on 2000 rows for hundreds of epochs, stopped by a callback that raises or cannot be called."""
    net = draw(small_networks())
    s, epochs = draw(st.integers(0, 99)), draw(st.integers(400, 1000))
    setup = ["Stop = type('Stop', (Exception,), {})", f"X = np.random.RandomState({s}).uniform(-3, 3, (2000, {net.n_in}))",
             f"y = {valid_label_source(net, 2000)}", f"net = {net.src}"]
    names = ("net",)
    together = draw(st.booleans())
    if together and draw(st.booleans()):
        setup.append(f"net2 = {draw(small_networks(net.output, net.n_in, net.n_out)).src}")
        names = ("net", "net2")
    rng = draw(st.sampled_from(("sm", "numpy", "seed")))
    if rng == "seed":
        rng_arg = str(draw(st.integers(0, 2**32 - 1)))
    else:
        rng_arg = "rng"
        setup.append(f"rng = {'sm' if rng == 'sm' else 'np.random'}.RandomState({draw(st.integers(0, 2**32 - 1))})")
    every = draw(st.sampled_from((1, 1, 2, 7, 50)))
    if draw(st.integers(0, 5)) == 0:
        setup.append(draw(st.sampled_from(("cb = lambda e: None", "cb = lambda: None", "cb = lambda e, l, x: None"))))
        propagates, first = "TypeError", min(every, epochs)
    else:
        stop = draw(st.one_of(st.integers(1, epochs // 4), st.integers(1, epochs)))
        setup += ["calls = []", f"cb = lambda e, l: calls.append((e, l)) if e < {stop} else (_ for _ in ()).throw(Stop(e))"]
        propagates, first = "Stop", min(-(-stop // every) * every, epochs)
    common = (f"lr={draw(st.sampled_from((0.01, 0.05, 0.1)))}, batch_size={draw(st.sampled_from((16, 32, 64, 128)))}, "
              f"rng={rng_arg}")
    progress = draw(st.sampled_from(("", "", ", progress=True")))
    if together:
        target = f"sm.train_together([{', '.join(names)}], X, y, epochs="
        api = "sm.train_together"
    else:
        target, api = "net.fit(X, y, epochs=", "MLP.fit"
    call = f"{target}{epochs}, {common}, callback=cb, callback_every={every}{progress})"
    reference = f"{target}{epochs}, {common})"
    continuation = f"{target}{EPOCHS_LEFT}, {common})"
    check = stop_check(names, first, epochs, every, tuple(setup), reference, continuation, rng != "seed")
    return Scenario(f"{api} stopped by its callback", call, tuple(setup), propagates=propagates, on_raise=check)


# ---- scenarios: convolutional networks -------------------------------------------

#: What sm.CNN's init accepts (it refuses "auto").
CNN_INITS = ("glorot_uniform", "he", "xavier")
DROPOUT_RATE = "(f) a Dropout rate outside [0, 1) must raise"
NONFINITE_MASK = "a non-finite dropout mask was accepted"


@dataclass(frozen=True)
class ConvNet:
    """A valid CNN as source (`CNN(input_shape, layers, ...)`), and what calls on it need to know.

    layers: the layers' sources; dropouts: per Dropout layer, (its input shape per sample, its rate).
    """

    src: str
    input_shape: tuple
    layers: tuple
    classes: int
    dropouts: tuple

    @property
    def sample(self) -> int:
        return math.prod(self.input_shape)

    @property
    def is_image(self) -> bool:
        return len(self.input_shape) == 3


@st.composite
def cnn_layers(draw, shape: tuple):
    """Valid layers (as source) for samples of `shape`: (sources, dropouts, classes)."""
    out, drops = [], []
    for _ in range(draw(st.integers(0, 4))):
        kinds = ("conv", "conv", "max", "avg", "act", "drop", "flatten") if len(shape) == 3 else ("dense", "act", "drop")
        kind = draw(st.sampled_from(kinds))
        if kind == "conv":
            c, h, w = shape
            pad = draw(st.integers(0, 1))
            k = draw(st.integers(1, min(3, h + 2 * pad, w + 2 * pad)))
            stride, channels = draw(st.integers(1, 2)), draw(st.integers(1, 4))
            extra = (f", stride={stride}" if stride != 1 else "") + (f", padding={pad}" if pad else "")
            out.append(f"Conv2D({channels}, {k}{extra})")
            shape = (channels, (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1)
        elif kind in ("max", "avg"):
            c, h, w = shape
            size = draw(st.integers(1, min(2, h, w)))
            stride = draw(st.sampled_from((None, 1, 2)))
            out.append(f"{'MaxPool2D' if kind == 'max' else 'AvgPool2D'}({size}"
                       + (f", stride={stride})" if stride else ")"))
            s = stride or size
            shape = (c, (h - size) // s + 1, (w - size) // s + 1)
        elif kind == "flatten":
            out.append("Flatten()")
            shape = (math.prod(shape),)
        elif kind == "dense":
            units = draw(st.integers(1, 8))
            out.append(f"Dense({units})")
            shape = (units,)
        elif kind == "act":
            spec = draw(activation_specs(1))
            out.append(spec if draw(st.integers(0, 3)) else f"Activation({spec})" if spec.startswith("'")
                       else f"Activation{spec}")
        else:
            rate = draw(st.sampled_from((0.0, 0.25, 0.5, 0.5)))
            out.append(f"Dropout({rate})")
            drops.append((shape, rate))
    if len(shape) == 3:
        out.append("Flatten()")
    classes = draw(st.sampled_from((1, 2, 2, 3, 3, 4)))
    out.append(f"Dense({classes})")
    return tuple(out), tuple(drops), classes


@st.composite
def cnn_networks(draw):
    """A valid small CNN: input (C, H, W) with C <= 3 and H, W <= 8, or (D,) with D <= 8."""
    if draw(st.integers(0, 2)):
        shape = (draw(st.integers(1, 3)), draw(st.integers(1, 8)), draw(st.integers(1, 8)))
    else:
        shape = (draw(st.integers(1, 8)),)
    layers, drops, classes = draw(cnn_layers(shape))
    extra = f", seed={draw(st.integers(0, 2**32 - 1))}"
    init = draw(st.sampled_from((None,) + CNN_INITS))
    if init:
        extra += f", init={init!r}"
    drop_seed = draw(st.sampled_from((None, None, 0, 2**32 - 1, 7)))
    if drop_seed is not None:
        extra += f", dropout_seed={drop_seed}"
    return ConvNet(f"CNN({shape}, [{', '.join(layers)}]{extra})", shape, layers, classes, drops)


def cnn_label_source(net: ConvNet, rows: int) -> str:
    """Labels of `rows` samples, every class in turn."""
    return f"np.arange({rows}) % {net.classes}"


@st.composite
def cnn_setup(draw, net: ConvNet, name: str = "net", *, may_close=True):
    """Statements that build `net` (sometimes trained, sometimes with NaN parameters), whether it was closed,
    and whether its parameters are finite."""
    lines = [f"{name} = {net.src}"]
    how = draw(st.sampled_from(("none", "none", "fit", "adam", "nan")))
    rows = draw(st.integers(1, 6))
    data = f"np.random.RandomState({rows}).uniform(-3, 3, ({rows}, {net.sample})), {cnn_label_source(net, rows)}"
    if how == "fit":
        lines.append(f"{name}.fit({data}, epochs=1, lr=0.05, batch_size=2)")
    elif how == "adam":
        lines.append(f"{name}.fit({data}, epochs=2, lr=0.01, batch_size=3, optimizer='adam')")
    elif how == "nan":
        lines.append(f"{name}.set_parameters(np.full({name}.parameter_count, nan))")
    closed = may_close and draw(st.integers(0, 15)) == 0
    if closed:
        lines.append(f"{name}.close()")
    return tuple(lines), closed, how != "nan"


@st.composite
def cnn_valid_inputs(draw, rows: int, net: ConvNet):
    """X for `rows` samples in [-3, 3]: (rows, prod(input_shape)) or (rows,) + input_shape, in any valid form."""
    X = draw(valid_matrices(rows, net.sample))
    if net.is_image and draw(st.booleans()):
        return Arg(f"np.reshape({X}, {(rows,) + net.input_shape})", flags=X.flags)
    return X


@st.composite
def cnn_inputs(draw, rows: int, net: ConvNet):
    """X for `rows` samples: valid forms (flagged "moderate"), and broken ones (shape, values, dtype, type)."""
    kind = draw(st.sampled_from(("valid", "valid", "valid", "image", "flat")))
    if kind == "valid":
        return draw(cnn_valid_inputs(rows, net))
    if kind == "flat" or not net.is_image:
        return draw(matrices(rows, net.sample))
    c, h, w = net.input_shape
    at = draw(st.integers(0, rows * net.sample - 1))
    shape = (rows,) + net.input_shape
    return draw(st.one_of(
        codes(f"np.zeros({(rows, c, h + 1, w)})", f"np.zeros({(rows, c + 1, h, w)})", f"np.zeros({net.input_shape})",
              f"np.zeros({(rows, c, w, h)})" if h != w else f"np.zeros({(rows, c, h, w, 1)})",
              f"np.zeros({(0, c, h, w)})", f"np.zeros({(rows, 1, c * h * w)})"),
        codes(f"np.full({shape}, nan)", f"np.where(np.arange({rows * net.sample}).reshape({shape}) == {at}, inf, 0.0)",
              flags={"nonfinite"}),
        codes(f"np.zeros({shape}, complex)", f"np.full({shape}, 'a')", f"np.zeros({shape}, bool)")))


@st.composite
def cnn_valid_labels(draw, rows: int, net: ConvNet):
    """Class indices in 0..classes-1 (flagged "valid"), as ints, integral floats or lists."""
    base = draw(st.sampled_from((f"(np.arange({rows}) % {net.classes})",
                                 f"np.random.RandomState({draw(st.integers(0, 99))}).randint(0, {net.classes}, {rows})")))
    form = draw(st.sampled_from(("{}", "{}", "{}.astype(float)", "{}.astype(np.int32)", "{}.tolist()",
                                 "{}.astype(np.uint8)", "{}.astype(np.float32)")))
    return Arg(form.format(base), flags={"valid"})


@st.composite
def cnn_labels(draw, rows: int, net: ConvNet):
    """Labels for `rows` samples: valid, outside 0..classes-1, non-integral, of the wrong shape or type."""
    kind = draw(st.sampled_from(("valid", "valid", "valid", "domain", "shape", "junk")))
    if kind == "valid":
        return draw(cnn_valid_labels(rows, net))
    k = net.classes
    if kind == "domain":
        value = draw(st.sampled_from((str(k), "-1", "nan", "inf", "0.5", "2**40", "np.uint64(2**63)")))
        return draw(codes(f"np.full({rows}, {value})", f"np.where(np.arange({rows}) == {rows - 1}, {value}, 0)",
                          reject=LABELS))
    if kind == "shape":
        return draw(codes(f"np.zeros({rows + 1})", f"np.zeros(({rows}, 1))", f"np.zeros(({rows}, {k}))", "np.zeros(0)",
                          "0", f"np.zeros({rows}, complex)", f"np.zeros({rows}, bool)"))
    return draw(st.one_of(codes(f"['a'] * {rows}", f"[[0]] * {rows}"), junk()))


def cnn_snapshot(net) -> object:
    """What check (c) compares of a CNN: its parameters and both streams' states (cnn_state's arrays)."""
    return ("closed",) if net.closed else sm.cnn.cnn_state(net)["arrays"]


@st.composite
def cnn_constructor_calls(draw):
    """sm.CNN(input_shape, layers, seed=, init=, dropout_seed=): mostly valid small networks, one part broken."""
    net = draw(cnn_networks())
    layers, shape = list(net.layers), net.input_shape
    joined = "[" + ", ".join(layers) + "]"
    broken_layers = ["[]", "None", "'relu'", "Dense(2)", f"{joined[:-1]}, 'relu']", f"{joined[:-1]}, object()]",
                     f"[{', '.join(layers[:-1])}]" if len(layers) > 1 else "[Flatten()]"]
    if net.is_image:
        c, h, w = shape
        if "Flatten()" in layers:  # a missing Flatten
            broken_layers.append("[" + ", ".join(l for l in layers if l != "Flatten()") + "]")
        broken_layers += [f"[Conv2D(2, {max(h, w) + 1})] + {joined}",  # a kernel larger than the input
                          f"[MaxPool2D({max(h, w) + 1})] + {joined}", f"[AvgPool2D({min(h, w)}, 9)] + {joined}",
                          f"[Conv2D(1, 1, padding=2**31)] + {joined}", f"[Dense(2)] + {joined}"]
    else:
        broken_layers += [f"[Conv2D(1, 1)] + {joined}", f"[MaxPool2D(1)] + {joined}"]
    bad_items = st.one_of(
        codes("'softsign'", "'RELU'", "('relu', 0.1)", "('leaky_relu', 'a')", "('elu', -1.0)", "('prelu', -inf)",
              "('leaky_relu', nan)", "('leaky_relu',)", "None", "5", "Dense(0)", "Conv2D(0, 1)", "Dense(-1)",
              "Dense(2**31)", "Dense(2**40)", "Conv2D(2**31, 1)", "Conv2D(1, 2**31)", "MaxPool2D(1, 0)",
              "Dropout('0.5')", "Dropout(None)", "Dense(2.0)", "Conv2D(1, 1, 2.0)", "Dense(True)",
              "Dropout(0.999999)", "Dropout(0)", "Activation('tanh', 0.1)", "Activation('relu\\x00')"),
        codes("'relu\\x00junk'", "('leaky_relu\\x00', 0.1)", reject=NUL),
        codes("Dropout(nan)", "Dropout(1.0)", "Dropout(-0.1)", "Dropout(inf)", "Dropout(2)", reject=DROPOUT_RATE),
        codes("Dense(2**63)", "Dense(2**64 + 5)", "Conv2D(2**63, 1)", "Conv2D(1, 2**64)", "Conv2D(1, 1, 2**63)",
              "Conv2D(1, 1, 1, 2**63)", "MaxPool2D(1, 2**64 + 5)", "AvgPool2D(2**63)", "Dense(-2**63 - 1)",
              "Dense(np.uint64(2**64 - 1))", reject=WRAP),
        codes("Dense(1.5)", "Conv2D(1.7, 1)", "MaxPool2D(1, nan)", "Dense(inf)", reject=TRUNCATE))
    where = draw(st.integers(0, len(layers) - 1))
    item = draw(bad_items)
    inserted = Arg("[" + ", ".join(layers[:where] + [str(item)] + layers[where:]) + "]", reject=item.reject)
    layer_any = st.one_of(st.sampled_from(broken_layers).map(Arg), st.just(inserted), st.just(inserted))
    image = shape if net.is_image else (1, 2, 2)
    shape_any = st.one_of(
        codes(str(shape), str(list(shape)), f"np.array({list(shape)})", "(0, 4, 4)", "(1, 4)", "()", "(1, 2, 2, 2)",
              "None", "'abc'", "4", "(-1,)", f"({shape[0]}.0,) + {shape[1:]}", "(2**31,)", "(1, 2**31, 1)"),
        codes("(np.uint64(2**64 - 1),)", "(2**63,)", f"(2**64 + 5, {image[1]}, {image[2]})", reject=WRAP),
        codes("(1.5,)", f"({image[0]}, 2.5, {image[2]})", reject=TRUNCATE),
        codes("(True, 2, 2)", note="a bool accepted as a size"))
    p, valid = choose(draw, {
        "input_shape": (codes(str(shape), str(list(shape)), f"np.array({list(shape)})"), shape_any),
        "layers": (codes(joined, f"tuple({joined})"), layer_any),
        "seed": (st.one_of(st.just(OMIT), int_values(0, 2**32 - 1)), seeds()),
        "init": (st.one_of(st.just(OMIT), st.sampled_from(CNN_INITS).map(lambda i: Arg(repr(i)))),
                 st.one_of(codes("'auto'", "'HE'", "'kaiming'", "None", "3", "('he',)"),
                           codes("'he\\x00x'", reject=NUL))),
        "dropout_seed": (st.one_of(st.just(OMIT), codes("None"), int_values(0, 2**32 - 1)), seeds()),
    })
    return invoke("sm.CNN", "CNN", [("input_shape", p["input_shape"]), ("layers", p["layers"])],
                  [(k, p[k]) for k in ("seed", "init", "dropout_seed")], valid=valid)


@st.composite
def cnn_masks(draw, rows: int, net: ConvNet):
    """A `masks` argument: None, valid masks (one per Dropout layer: 0 or 1 / (1 - rate)), and broken ones."""
    valid = []
    for shape, rate in net.dropouts:
        size = math.prod(shape)
        form = draw(st.sampled_from(("flat", "sample", "ones")))
        if form == "ones":
            valid.append(f"np.ones(({rows}, {size}))")
            continue
        mask = f"np.where(np.arange({rows * size}) % 3 == 0, 0.0, {1 / (1 - rate)!r})"
        valid.append(f"{mask}.reshape({(rows, size) if form == 'flat' else (rows,) + shape})")
    ok = "[" + ", ".join(valid) + "]"
    good = codes("None", ok, f"tuple({ok})")
    if not net.dropouts:
        good = codes("None", "[]", "()")
    count = sum(math.prod(s) for s, _ in net.dropouts) * rows
    bad = [codes("[np.ones(1)]", f"[np.ones({count + 1})]", f"{ok} + [np.ones(({rows}, 1))]", f"[np.ones({count})]",
                 "[None]", "5", "'ab'", "{}", f"iter({ok})", f"[np.ones({count}, complex)]")]
    if count:
        bad += [codes(f"[np.full({count}, 7.0)]", f"[np.full({count}, -1.0)]",
                      note="a dropout mask that is neither 0 nor 1 / (1 - rate) was accepted"),
                codes(f"[np.full({count}, nan)]", f"[np.full({count}, inf)]", note=NONFINITE_MASK)]
    if draw(st.integers(0, 2)):
        return draw(good), True
    return draw(st.one_of(bad)), False


def cnn_wide_batch_check(setup: tuple, call: str, rows: int, finite_losses: Callable) -> Callable:
    """Checks (d) and (e) after fit with batch_size in 2**31..2**32+2 returned: it trained as batch_size = rows."""
    @guarded("(e)")
    def check(ns, result, stage):
        problem = finite_losses(ns, result)
        if problem:
            return problem
        stage.append("fitting a twin with batch_size = n")
        twin = namespace()
        try:
            for statement in setup:
                run_source(statement, twin)
            other = run_source(re.sub(r"batch_size=[^,)]+", f"batch_size={rows}", call), twin)
            for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
                if not same(result.get(key), other.get(key)):
                    return "(e)", f"a wide batch_size did not train as batch_size = n: {key} differs"
            if not same(cnn_snapshot(ns["net"]), cnn_snapshot(twin["net"])):
                return "(e)", "a wide batch_size did not train as batch_size = n: the networks differ"
        finally:
            release(twin)
        return None
    return check


@st.composite
def cnn_calls(draw):
    """Calls on a CNN: forward, predict, predict_proba, evaluate, loss, score, gradients, parameters,
    set_parameters and fit."""
    net = draw(cnn_networks())
    setup, closed, finite_params = draw(cnn_setup(net))
    rows = draw(row_counts())
    common = dict(setup=setup, watch=("net",), extra_args=closed_arg(closed))
    method = draw(st.sampled_from(("forward", "predict", "predict_proba", "evaluate", "loss", "score", "gradients",
                                   "gradients", "parameters", "set_parameters", "fit", "fit", "fit", "fit")))
    api = f"CNN.{method}"
    if method in ("forward", "predict", "predict_proba"):
        X = draw(cnn_inputs(rows, net))
        return invoke(api, f"net.{method}", [("X", X)], valid="moderate" in X.flags, **common)
    if method == "parameters":
        return invoke(api, "net.parameters", **common)
    if method == "set_parameters":
        params = draw(st.one_of(
            codes("net.parameters()", "net.parameters() * 0.5", "net.parameters().tolist()",
                  "net.parameters().reshape(1, -1)", "net.parameters().astype(np.float32)",
                  "np.full(net.parameter_count, nan)", "np.zeros(net.parameter_count)"),
            codes("net.parameters()[:-1]", "np.zeros(net.parameter_count + 1)", "np.zeros(0)", "None", "'abc'", "5",
                  "net.parameters().astype(complex)", "[None] * net.parameter_count", "[[1.0], [1.0, 2.0]]",
                  "net.parameters()[::2]", "{}"), junk()))
        return invoke(api, "net.set_parameters", [("params", params)], **common)
    if method in ("evaluate", "loss", "score", "gradients"):
        p, valid = choose(draw, {"X": (cnn_valid_inputs(rows, net), cnn_inputs(rows, net)),
                                 "y": (cnn_valid_labels(rows, net), cnn_labels(rows, net))})
        X, y = p["X"], p["y"]
        finite = finite_params and "moderate" in X.flags and "valid" in y.flags
        keywords = []
        if method == "gradients":
            masks, masks_valid = draw(st.one_of(st.just((OMIT, True)), cnn_masks(rows, net)))
            finite, valid = finite and masks_valid, valid and masks_valid
            keywords.append(("masks", masks))
        losses = {"evaluate": lambda r: [r[0]], "loss": lambda r: [r], "gradients": lambda r: [r[0]]}.get(method)
        check = loss_check(losses, finite) if losses else None
        return invoke(api, f"net.{method}", [("X", X), ("y", y)], keywords, check=check, valid=valid, **common)
    # fit
    X_valid, y_valid = cnn_valid_inputs(rows, net), cnn_valid_labels(rows, net)
    optimizer = draw(st.sampled_from(("sgd", "adam")))
    def hyper(lo, hi, name, used):  # an optimizer's own parameters must be valid; a bad unused one is a note
        tags = ({"reject": f"(f) a non-finite or negative {name} must raise for {optimizer}"} if used else
                {"note": f"a non-finite or negative {name} was accepted (unused by {optimizer})"})
        return st.one_of(st.just(OMIT), floats_in(lo, hi)), reals(lo, hi, nonfinite=tags, negative=tags)
    vrows = draw(st.integers(1, 6))
    Xv, yv = draw(cnn_valid_inputs(vrows, net)), draw(cnn_valid_labels(vrows, net))
    val_valid = st.one_of(st.just(OMIT), codes("None"), st.just(Arg(f"({Xv}, {yv})", flags={"moderate", "valid"})),
                          st.just(Arg(f"[{Xv}, {yv}]", flags={"moderate", "valid"})))
    bad_Xv, bad_yv = draw(cnn_inputs(vrows, net)), draw(cnn_labels(vrows, net))
    val_any = st.one_of(
        st.just(Arg(f"({bad_Xv}, {yv})", reject=NONFINITE_X if "nonfinite" in bad_Xv.flags else None)),
        st.just(Arg(f"({Xv}, {bad_yv})", reject=bad_yv.reject, note=bad_yv.note)),
        codes(f"({Xv},)", f"({Xv}, {yv}, {yv})", f"{Xv}", f"({Xv}, {cnn_label_source(net, vrows + 1)})", "(None, None)",
              "'ab'", "5", f"iter(({Xv}, {yv}))"))
    p, valid = choose(draw, {
        "X": (X_valid, cnn_inputs(rows, net)), "y": (y_valid, cnn_labels(rows, net)),
        "epochs": (int_values(0, 3), ints(0, 3)),  # 2**31 epochs would run for hours: left out
        "lr": (st.one_of(st.just(OMIT), floats_in(1e-4, 0.5)), learning_rates()),
        "batch_size": (st.one_of(st.just(OMIT), int_values(1, 16), int_values(1, 16), codes(*WIDE_INTS)),
                       ints(1, 16, wide="")),
        "optimizer": (st.just(Arg(repr(optimizer))),
                      st.one_of(codes("'SGD'", "'rmsprop'", "''", "None", "1"), codes("'adam\\x00'", reject=NUL))),
        "momentum": hyper(0, 1, "momentum", optimizer == "sgd"),
        "nesterov": (st.one_of(st.just(OMIT), codes("True", "False")), codes("2", "'yes'", "None", "[]")),
        "beta1": hyper(0, 0.99, "beta1", optimizer == "adam"),
        "beta2": hyper(0, 0.999, "beta2", optimizer == "adam"),
        "epsilon": hyper(1e-10, 1e-3, "epsilon", optimizer == "adam"),
        "shuffle": (st.one_of(st.just(OMIT), codes("True", "False")), codes("2", "'no'", "None")),
        "validation_data": (val_valid, val_any),
        "progress": (st.one_of(st.just(OMIT), codes("False")), codes("'no'", "None", "2", "[]")),
    })
    X, lr = training_tags(p["X"], p["lr"])
    keywords = [("epochs", p["epochs"])] + [(k, lr if k == "lr" else p[k]) for k in
                                            ("lr", "batch_size", "optimizer", "momentum", "nesterov", "beta1", "beta2",
                                             "epsilon", "shuffle", "validation_data", "progress")]
    val = p["validation_data"]
    finite = (finite_params and valid and "moderate" in X.flags and "valid" in p["y"].flags and small_lr(lr)
              and (val in (OMIT, "None") or {"moderate", "valid"} <= val.flags))
    losses = loss_check(lambda r: list(r["loss"]) + list(r.get("val_loss", [])), finite)
    sc = invoke(api, "net.fit", [("X", X), ("y", p["y"])], keywords, check=losses, valid=valid, **common)
    if p["batch_size"] in WIDE_INTS and not closed:
        sc.check = cnn_wide_batch_check(sc.setup, sc.call, rows, losses)
    return sc


def cnn_state_problem(net, twin, X, y, stage):
    """Check (g) for a CNN and its copy (or the network loaded from its file): equal, another handle,
    trained apart and then alike."""
    if type(twin) is not type(net):
        return "(g)", f"the copy is a {type(twin).__name__}, the original a {type(net).__name__}"
    stage.append("reading the copy")
    if repr(twin) != repr(net) or twin.input_shape != net.input_shape:
        return "(g)", f"the copy is {twin!r}, the original {net!r}"
    if not same(cnn_snapshot(net), cnn_snapshot(twin)):
        return "(g)", "the copy differs from the original in its parameters or streams"
    if twin._h == net._h:
        return "(g)", "the copy shares the original's native handle"
    before = cnn_snapshot(net)
    stage.append("training the copy")
    history = twin.fit(X, y, epochs=2, lr=0.05, batch_size=3)
    grads = twin.gradients(X, y)
    if not same(before, cnn_snapshot(net)):
        return "(g)", "training the copy changed the original's parameters or streams"
    stage.append("training the original alike")
    again = net.fit(X, y, epochs=2, lr=0.05, batch_size=3)
    if not same(history["loss"], again["loss"]) or not same(grads, net.gradients(X, y)):
        return "(g)", "the copy and the original, trained alike, gave different losses or gradients"
    if not same(cnn_snapshot(net), cnn_snapshot(twin)):
        return "(g)", "the copy and the original, trained alike, differ in their parameters or streams"
    return None


def cnn_copy_check(target: str) -> Callable:
    """Check (g) (or (h), for a loaded file) after a copy of `net` returned."""
    @guarded("(g)")
    def check(ns, twin, stage):
        problem = cnn_state_problem(ns["net"], twin, ns["X"], ns["y"], stage)
        stage.append("deleting the copy")
        if hasattr(twin, "close"):
            twin.close()
        del twin
        gc.collect()
        stage.append("using the original after the copy was deleted")
        ns["net"].forward(ns["X"])
        if problem and target == "load":
            return "(h)", problem[1].replace("copy", "network loaded")
        return problem
    return check


#: Changes to a saved CNN file before it is loaded (each refused with ValueError, or loaded intact).
CNN_FILE_EDITS = (
    "h['layers'] = h['layers'][:-1]", "h['layers'] = h['layers'][::-1]", "h['input_shape'] = [99]",
    "h['input_shape'] = [2**64]", "h['input_shape'] = 'abc'", "h['layers'][-1]['units'] = 2**63",
    "h['layers'][-1]['units'] = 1.5", "h['layers'][0]['kind'] = 'Conv3D'", "h['layers'][0]['extra'] = 1",
    "h['layers'] = None", "h['format_version'] = 2", "h['class'] = 'MLP'", "h['format'] = 'swiftmoons.network'",
    "arrays['parameters'] = arrays['parameters'][:-1]", "arrays['parameters'] = arrays['parameters'].astype(np.float32)",
    "arrays['parameters'] = np.full_like(arrays['parameters'], nan)",
    "arrays['shuffle_position'] = np.array([625, 0])", "arrays['dropout_position'] = np.array([-1, 0])",
    "arrays['dropout_key'] = arrays['dropout_key'][:-1]", "arrays['shuffle_key'] = np.zeros(624)",
    "arrays['shuffle_gaussian'] = np.array([0.5])", "del arrays['dropout_key']", "del arrays['parameters']",
    "arrays['shuffle_position'] = np.array([3, 2**40])", "arrays['dropout_gaussian'] = np.array(nan)",
)


@st.composite
def cnn_copy_calls(draw):
    """copy.copy, copy.deepcopy and pickle round trips of CNNs, and save + sm.load (checks (g) and (h))."""
    net = draw(cnn_networks())
    setup, closed, _ = draw(cnn_setup(net))
    rows, s = draw(st.integers(1, 6)), draw(st.integers(0, 99))
    setup = (f"X = np.random.RandomState({s}).uniform(-3, 3, ({rows}, {net.sample}))",
             f"y = {cnn_label_source(net, rows)}") + setup
    extra = closed_arg(closed)
    which = draw(st.sampled_from(("copy", "copy", "save", "save", "edited")))
    if which == "copy":
        how, call = draw(copiers("net"))
        return Scenario(f"{how}(CNN)", call, setup, ("net",), extra, cnn_copy_check(how))
    setup += ("d = tempfile.mkdtemp(prefix=" + repr(TMP_PREFIX) + ")", "p = d + '/cnn.npz'")
    if which == "save" or closed:
        target = draw(st.one_of(codes("p", "pathlib.Path(p)", "p.encode()"), codes("d + '/no/such/dir/net.npz'", "d"),
                                codes("None", "5", "[]")))
        call = f"(net.save({target}), sm.load(p))[1]"
        return Scenario("CNN.save + sm.load", call, setup, ("net",), extra, cnn_copy_check("load"),
                        allowed=ALLOWED + (OSError,), foreign=(OSError,),
                        must_return="(h) a file save wrote must load" if target in ("p", "pathlib.Path(p)") and not
                        closed else None)
    edit = draw(st.sampled_from(CNN_FILE_EDITS))
    setup += ("net.save(p)", "arrays = dict(np.load(p))", "h = json.loads(str(arrays['header']))", edit,
              "arrays['header'] = np.array(json.dumps(h))") + WRITE_BACK
    return Scenario("sm.load [CNN edited]", "sm.load(p)", setup, ("net",), (), cnn_loaded_check(), allowed=(ValueError,))


def cnn_loaded_check() -> Callable:
    """Check (h) after sm.load of an edited CNN file returned: the network is what the file holds, and usable."""
    @guarded("(h)")
    def check(ns, loaded, stage):
        with np.load(ns["p"], allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        stage.append("reading the loaded network")
        got = cnn_snapshot(loaded)
        for name, value in got.items():
            stream = name.rsplit("_", 1)[0]
            if name.endswith("_gaussian") and not got[f"{stream}_position"][1]:
                continue  # a stream without a cached Gaussian keeps none (get_state gives 0.0)
            if not same(np.asarray(arrays.get(name)).astype(value.dtype) if name in arrays else None, value):
                return "(h)", f"the network loaded differs from the file in {name}"
        stage.append("forward on the loaded network")
        out = loaded.forward(np.zeros((2, math.prod(loaded.input_shape))))
        if out.shape != (2, loaded.shapes[-1][0]):
            return "(h)", f"forward on the loaded network gave shape {out.shape}"
        return None
    return check


# ---- running -----------------------------------------------------------------

#: name -> (strategy factory, share of --examples): the slow groups run fewer examples.
GROUPS = {
    "random_state": (lambda o: random_state_calls(), 1.0),
    "data": (lambda o: data_calls(), 1.0),
    "constructors": (lambda o: constructor_calls(), 1.0),
    "inference": (lambda o: inference_calls(), 1.0),
    "parameters": (lambda o: parameter_calls(), 1.0),
    "training": (lambda o: training_calls(), 1.0),
    "train_together": (lambda o: train_together_calls(), 0.5),
    "threads": (lambda o: thread_calls(o.threads_for_zero), 0.5),
    "activations": (lambda o: activation_calls(), 0.5),
    "sweep": (lambda o: sweep_calls(), 0.25),
    "article": (lambda o: article_calls(), 0.25),
    "experiments": (lambda o: experiment_calls(), 0.25),
    "copies": (lambda o: copy_calls(), 0.5),
    "files": (lambda o: file_calls(), 0.75),
    "progress": (lambda o: progress_calls(), 0.2),
    "cnn_constructors": (lambda o: cnn_constructor_calls(), 0.5),
    "cnn": (lambda o: cnn_calls(), 1.0),
    "cnn_copies": (lambda o: cnn_copy_calls(), 0.25),
}
#: Groups whose calls write to stderr (progress bars): it is discarded while they run.
QUIET = ("progress",)


def run_group(oracle: Oracle, strategy: st.SearchStrategy, examples: int, seed: int) -> None:
    """Run `examples` scenarios drawn from `strategy` through the oracle, deterministically for `seed`."""
    @settings(max_examples=examples, database=None, deadline=None, derandomize=False, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), print_blob=False)
    @given(strategy)
    def fuzz(scenario):
        oracle.run(scenario)

    hypothesis_seed(seed)(fuzz)()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=200, help="scenarios per group (slow groups run fewer)")
    parser.add_argument("--seed", type=int, default=0, help="Hypothesis seed: the same seed draws the same calls")
    parser.add_argument("--only", action="append", choices=sorted(GROUPS), help="run only these groups")
    parser.add_argument("--log", help="append each snippet to this file before running it")
    parser.add_argument("--no-notes", action="store_true", help="do not print the notes")
    args = parser.parse_args(argv)

    warnings.simplefilter("ignore")  # NumPy's RuntimeWarnings on degenerate inputs are not what is judged
    log = open(args.log, "a", encoding="utf-8") if args.log else None  # noqa: SIM115
    oracle = Oracle(log)
    for name, (factory, share) in GROUPS.items():
        if args.only and name not in args.only:
            continue
        start, calls, failed = time.perf_counter(), oracle.calls, oracle.failed_calls
        quiet = contextlib.redirect_stderr(io.StringIO()) if name in QUIET else contextlib.nullcontext()
        with quiet:
            run_group(oracle, factory(oracle), max(5, int(args.examples * share)), args.seed)
        print(f"group {name}: {oracle.calls - calls} calls, {oracle.failed_calls - failed} failures, "
              f"{time.perf_counter() - start:.1f} s", flush=True)
    if log:
        log.close()

    if not args.no_notes:
        for note in sorted(oracle.notes.values(), key=lambda f: (f.api, f.message)):
            print(note.line())
    print(f"snippets assume: {PRELUDE}")
    print(f"fuzz: {oracle.calls} calls, {oracle.failed_calls} failures")
    for failure in sorted(oracle.failures.values(), key=lambda f: (f.check, f.api, f.what, f.message)):
        print(failure.line())
    return 1 if oracle.failures else 0


if __name__ == "__main__":
    sys.exit(main())
