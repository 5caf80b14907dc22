"""`swiftmoons.article`: the article's experiment as data.

>>> from swiftmoons import article
>>> result = article.run()              # the article's run, reproduced exactly
>>> result.test_accuracy
{'sigmoid': 0.79, 'relu': 0.96}
"""

from __future__ import annotations

import copy
import ctypes
import time
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np

from . import reference
from . import parallel
from ._convert import as_flag, as_int, as_name, as_real, as_sequence, empty
from ._types import Activations
from .data import make_moons, standardize, train_test_split
from .network import ACTIVATIONS, TwoLayerNet
from .random import RandomState, seed_value
from .training import train_together

#: What the article states, for the table of `python -m swiftmoons`.
ARTICLE_CLAIMS = {
    "sigmoid_loss_epoch_400": 0.28,
    "relu_loss_early": 0.15,
    "relu_loss_final": 0.03,
    "sigmoid_accuracy": 0.79,
    "relu_accuracy": 0.96,
    "z1_magnitude": 2.0,
    "sigmoid_a1": 0.3,
    "sigmoid_deeper": (0.5, 0.6),
    "relu_z3": (9.0, 20.0),
    "sigmoid_std": (0.26, 0.19),
    "relu_std": (1.15, 1.67),
}


@dataclass
class ArticleResult:
    """Everything the article's run produces.

    Attributes
    ----------
    config : dict
        The arguments of the run.
    X, y : ndarray
        The standardized data set and its labels.
    X_train, X_test, y_train, y_test : ndarray
        The split.
    nets : dict of str to TwoLayerNet
        The trained networks, by activation.
    loss_history : dict of str to ndarray of shape (epochs,)
    test_accuracy : dict of str to float
    far_samples : list of two ndarray of shape (2,)
        The training points deepest in class 0's and class 1's moon.
    traces : dict of str to ndarray of shape (2, 5)
        mean |z1|, |a1|, |z2|, |a2|, |z3| for each far sample.
    hidden_std : dict of str to list of float
        The std of each hidden layer's activations on the test set.
    seconds : float
        Wall time of the run.
    """

    config: dict
    X: np.ndarray
    y: np.ndarray
    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    nets: dict
    loss_history: dict
    test_accuracy: dict
    far_samples: list
    traces: dict
    hidden_std: dict
    seconds: float = field(default=0.0)

    def __copy__(self) -> ArticleResult:
        # The networks are native objects: a copy gets networks of its own
        # (closing one result never closes another's); arrays are shared.
        twin = type(self).__new__(type(self))
        twin.__dict__.update(self.__dict__)
        twin.nets = {name: copy.copy(net) for name, net in self.nets.items()}
        return twin

    def close(self) -> None:
        """Release the networks' native memory."""
        for net in self.nets.values():
            net.close()


def run(n_samples: int = 400, noise: float = 0.18, data_seed: int = 42, split_seed: int = 42, net_seed: int = 42,
        epochs: int = 800, lr: float = 0.05, batch_size: int = 64, activations: Sequence[str] = ("sigmoid", "relu"),
        progress: bool = False) -> ArticleResult:
    """Run the article's experiment: data, one network per activation, training, measurements.

    With the defaults this reproduces the article's run exactly: every
    network starts from ``net_seed`` as the article's constructor reseeds
    NumPy, and the epoch permutations continue the stream the last
    constructor leaves behind, shared by all networks (one native call).

    Parameters
    ----------
    n_samples, noise, data_seed : make_moons arguments
    split_seed : int
        train_test_split's random_state (test size 0.25).
    net_seed : int
        Every network's seed.
    epochs, lr, batch_size : training settings
    activations : sequence of str
        The hidden activations to compare, one network each.
    progress : bool
        Show a progress bar of the epochs.

    Returns
    -------
    ArticleResult
    """
    if isinstance(activations, str):
        activations = (activations,)
    if not hasattr(activations, "__iter__"):
        raise TypeError(f"activations must be a list of names, got {type(activations).__name__}")
    activations = tuple(as_name(a, "activations") for a in activations)
    unknown = [a for a in activations if a not in ACTIVATIONS]
    if unknown or not activations:
        raise ValueError(f"Unknown activation(s) {unknown}; supported activations are {list(ACTIVATIONS)}")
    if len(set(activations)) != len(activations):
        raise ValueError(f"Each activation may appear once, got {list(activations)}")
    n_samples = as_int(n_samples, "n_samples", 1)
    if n_samples < 8:
        # The split leaves a quarter for testing, and the far samples need
        # both classes in the training set.
        raise ValueError(f"n_samples must be >= 8 for the article's run, got {n_samples}")
    config = dict(n_samples=n_samples, noise=noise, data_seed=data_seed, split_seed=split_seed,
                  net_seed=net_seed, epochs=epochs, lr=lr, batch_size=batch_size, activations=activations)
    start = time.perf_counter()
    X, y = make_moons(n_samples, noise=noise, random_state=data_seed)
    X = standardize(X)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=split_seed)

    nets = {}
    for name in activations:
        stream = RandomState(net_seed)  # the article's constructor reseeds NumPy
        nets[name] = TwoLayerNet(name, seed=stream)
    # The permutations continue from where the last constructor left the stream.
    train_together(list(nets.values()), X_train, y_train, epochs=epochs, lr=lr, batch_size=batch_size, rng=stream,
                   progress=progress)
    summary = reference.summarize(nets, X_train, y_train, X_test, y_test)
    seconds = time.perf_counter() - start
    return ArticleResult(config=config, X=X, y=y, X_train=X_train, X_test=X_test, y_train=y_train, y_test=y_test,
                         nets=nets, loss_history={k: np.array(n.loss_history) for k, n in nets.items()},
                         test_accuracy=summary["test_accuracy"], far_samples=summary["far_samples"],
                         traces=summary["traces"], hidden_std=summary["hidden_std"], seconds=seconds)


def claims_table(result: ArticleResult) -> list[tuple[str, str, str]]:
    """Rows (what, the article says, reproduced) for the article's stated figures."""
    rows = []
    lh, acc, tr, std = result.loss_history, result.test_accuracy, result.traces, result.hidden_std
    epochs = len(next(iter(lh.values())))

    def loss_at(name, epoch):
        return f"{lh[name][min(epoch, epochs) - 1]:.4f} (epoch {min(epoch, epochs)})"

    if "sigmoid" in lh:
        rows.append(("sigmoid loss plateau by epoch 400", "~0.28", loss_at("sigmoid", 400)))
        rows.append(("sigmoid final loss", "~0.28", loss_at("sigmoid", epochs)))
    if "relu" in lh:
        rows.append(("relu loss early", "~0.15", loss_at("relu", 200)))
        rows.append(("relu final loss", "~0.03", loss_at("relu", epochs)))
    for name, claim in (("sigmoid", "~79%"), ("relu", "~96%")):
        if name in acc:
            rows.append((f"{name} test accuracy", claim, f"{acc[name]:.1%}"))
    # Traces: rows are the class-0 and class-1 far samples; columns z1 a1 z2 a2 z3.
    for name in tr:
        z1 = ", ".join(f"{v:.2f}" for v in tr[name][:, 0])
        rows.append((f"{name} first-layer |z1| (class 0, 1)", "~2.0", z1))
    if "sigmoid" in tr:
        s = tr["sigmoid"]
        rows.append(("sigmoid |a1| (compression)", "~0.3", ", ".join(f"{v:.3f}" for v in s[:, 1])))
        rows.append(("sigmoid deeper |z2|, |a2|", "0.5-0.6",
                     "; ".join(f"{a:.3f}, {b:.3f}" for a, b in s[:, 2:4])))
    if "relu" in tr:
        rows.append(("relu final-layer |z3|", "9-20", ", ".join(f"{v:.2f}" for v in tr["relu"][:, 4])))
    for name, claim in (("sigmoid", "0.26 -> 0.19"), ("relu", "1.15 -> 1.67")):
        if name in std:
            rows.append((f"{name} hidden std, layer 1 -> 2", claim, " -> ".join(f"{v:.4f}" for v in std[name])))
    return rows


def sweep(net_seeds: Iterable[int] = range(64), activations: Activations = ("sigmoid", "relu"), *,
          n_samples: int = 400, noise: float = 0.18, data_seed: int = 42, split_seed: int = 42, epochs: int = 800,
          lr: float = 0.05, batch_size: int = 64, threads: int | None = None, progress: bool = False,
          executor: Any = None) -> dict[str, Any]:
    """The article's run for many network seeds and activations, in parallel, in one native call.

    Data and split are made once (as :func:`run` makes them); each (seed,
    activation) pair then trains its own 2-8-8-1 network exactly as
    ``run(net_seed=seed, activations=(activation,))`` would. Results do not
    depend on the number of threads, nor on how the seeds are split up.

    With an ``executor`` (anything with ``submit(fn, *args)`` returning
    futures with ``result()``: a ``concurrent.futures`` pool, or a Dask
    ``distributed.Client`` for a cluster), the seeds are cut into chunks of
    roughly 0.1-1 s of work, each chunk is one task (one native sweep,
    ``threads`` threads each, default 1), and the results are put back in
    seed order: exactly what the one-process call returns::

        from dask.distributed import Client
        client = Client("tcp://scheduler:8786")       # or Client() for a local cluster
        result = sm.sweep(range(10_000), ["sigmoid", "relu", "tanh"], executor=client)

    Parameters
    ----------
    net_seeds : iterable of int
    activations : sequence of str or (str, float)
    threads : int or None
        Threads to use (None: one per processor, or what
        :func:`swiftmoons.set_threads` set; with an executor, per task, default 1).
    progress : bool
        Show a progress bar of the seeds done (tqdm's where installed).
    executor : Executor-like, optional
        Where to run chunks of seeds (see above).

    Ctrl-C stops the sweep within an epoch of each running network and
    raises KeyboardInterrupt; nothing is returned.

    Returns
    -------
    dict
        ``net_seeds``, ``activations``, ``loss_history`` (seeds x activations x
        epochs) and ``test_accuracy`` (seeds x activations).
    """
    from . import _ffi
    from .network import _activation_arrays
    from .parallel import threads as thread_count
    from .training import _positive_int, progress_bar

    if isinstance(net_seeds, (str, bytes)) or not hasattr(net_seeds, "__iter__"):
        raise TypeError(f"net_seeds must be a sequence of integers, got {type(net_seeds).__name__}")
    seeds = np.array([seed_value(s, "net_seeds") for s in net_seeds], dtype=np.int64)
    specs: list = [activations] if isinstance(activations, str) else as_sequence(activations, "activations")
    if isinstance(activations, tuple) and len(activations) == 2 and not isinstance(activations[1], (str, tuple)):
        specs = [activations]  # one (name, alpha) pair
    activations = specs
    if seeds.size == 0 or not activations:
        raise ValueError("A sweep needs at least one seed and one activation")
    names, alphas = _activation_arrays(activations, len(activations))
    epochs, batch_size, n_samples = (_positive_int(v, name) for v, name in
                                     ((epochs, "epochs"), (batch_size, "batch_size"), (n_samples, "n_samples")))
    noise, lr = as_real(noise, "noise"), as_real(lr, "lr")
    data_seed, split_seed = seed_value(data_seed, "data_seed"), seed_value(split_seed, "split_seed")
    if threads is not None:
        threads = as_int(threads, "threads", 0, 1024)
    if executor is not None:
        if not callable(getattr(executor, "submit", None)):
            raise TypeError(f"executor must have a submit(fn, *args) method, got {type(executor).__name__}")
        settings = dict(n_samples=n_samples, noise=noise, data_seed=data_seed, split_seed=split_seed,
                        epochs=epochs, lr=lr, batch_size=batch_size, threads=1 if threads is None else threads)
        return _sweep_on(executor, seeds, activations, settings, as_flag(progress, "progress"))
    losses = empty((seeds.size, len(activations), epochs), "The sweep's loss histories")
    accuracy = empty((seeds.size, len(activations)), "The sweep's accuracies")
    args = (_ffi.ptr(seeds), seeds.size, ctypes.addressof(names), _ffi.ptr(alphas), len(activations), n_samples,
            noise, data_seed, split_seed, epochs, lr, batch_size, _ffi.ptr(losses), losses.size, _ffi.ptr(accuracy),
            accuracy.size)
    bar = progress_bar(seeds.size, "seeds") if as_flag(progress, "progress") else None
    shown = [0]

    def watch(handle):
        done, _ = handle.counts()
        bar.update(done - shown[0])
        shown[0] = done

    try:
        with thread_count(threads):
            status, interruption = _ffi.run_long(lambda handle: _ffi.lib.sm_article_sweep(*args, handle),
                                                 watch=watch if bar is not None else None)
    finally:
        if bar is not None:
            bar.close()
    if interruption is not None:
        raise interruption
    if status == _ffi.SM_ERR_CANCELLED:
        raise KeyboardInterrupt
    _ffi.check_long(status)
    return {"net_seeds": seeds, "activations": activations, "loss_history": losses, "test_accuracy": accuracy}


#: Seconds one epoch of one 2-8-8-1 network takes per training sample, about
#: (sigmoid's, on one core of this project's machines): what chunks are cut by.
_SECONDS_PER_SAMPLE_EPOCH = 4e-8


def _sweep_chunk(seeds, activations, settings) -> tuple:
    """One task of an executor sweep: a native sweep of some seeds (runs where the executor puts it)."""
    result = sweep(seeds, activations, **settings)
    return result["loss_history"], result["test_accuracy"]


def _sweep_on(executor, seeds, activations, settings, progress) -> dict:
    """`sweep` cut into chunks for an executor; the chunks' results in seed order."""
    from .training import progress_bar
    per_seed = (_SECONDS_PER_SAMPLE_EPOCH * settings["epochs"] * settings["n_samples"] * 0.75 * len(activations))
    per_chunk = max(1, int(parallel.TASK_SECONDS / max(per_seed, 1e-12)))
    chunks = [seeds[i:i + per_chunk].tolist() for i in range(0, seeds.size, per_chunk)]
    futures = [executor.submit(_sweep_chunk, chunk, activations, settings) for chunk in chunks]
    bar = progress_bar(seeds.size, "seeds") if progress else None
    try:
        results = parallel.results_in_order(
            futures, None if bar is None else lambda i, _: bar.update(len(chunks[i])))
    finally:
        if bar is not None:
            bar.close()
    return {"net_seeds": seeds, "activations": activations,
            "loss_history": np.concatenate([losses for losses, _ in results]),
            "test_accuracy": np.concatenate([accuracy for _, accuracy in results])}
