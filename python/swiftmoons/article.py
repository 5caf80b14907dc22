"""`swiftmoons.article`: the article's experiment as data.

- :func:`run`: the article's run (data, one 2-8-8-1 network per activation,
  training, measurements) as an :class:`ArticleResult`;
- :func:`claims_table`: the article's claims next to a run's measurements,
  each marked as agreeing or not;
- :func:`audit`: the claims over seeds and controls, with verdicts
  (:mod:`swiftmoons.audit`);
- :func:`sweep`: the run's losses and accuracies for many network seeds, in
  parallel (also ``swiftmoons.sweep``).

>>> from swiftmoons import article
>>> result = article.run()              # the article's run, reproduced exactly
>>> result.test_accuracy
{'sigmoid': 0.79, 'relu': 0.96}
>>> result.close()
"""

from __future__ import annotations

import copy
import ctypes
import time
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np

from . import parallel
from ._convert import as_flag, as_int, as_name, as_real, as_sequence, empty
from ._types import Activations
from .data import make_moons, standardize, train_test_split
from .network import ACTIVATIONS, TwoLayerNet
from .random import RandomState, seed_value
from .training import train_together

@dataclass
class ArticleResult:
    """Everything the article's run produces (what :func:`run` returns).

    Every parameter is kept as an attribute of the same name. The networks
    hold native memory: :meth:`close` releases it (a result that is simply
    dropped releases it too, when the networks are garbage-collected).

    Parameters
    ----------
    config : dict
        The run's arguments: ``n_samples``, ``noise``, ``data_seed``,
        ``split_seed``, ``net_seed``, ``epochs``, ``lr``, ``batch_size`` and
        ``activations`` (a tuple of names).
    X : ndarray of shape (n_samples, 2), float64
        The whole data set, standardized (zero mean, unit std per column).
    y : ndarray of shape (n_samples,), int64
        Its labels, 0 (outer moon) and 1 (inner moon).
    X_train, X_test : ndarray of shape (n_train, 2) and (n_test, 2), float64
        The split of ``X``: ``n_test = ceil(n_samples / 4)``, ``n_train`` the rest.
    y_train, y_test : ndarray of shape (n_train,) and (n_test,), int64
        The labels of the split.
    nets : dict of str to TwoLayerNet
        The trained networks, by activation name.
    loss_history : dict of str to ndarray of shape (epochs,), float64
        Each network's training loss per epoch (the mean of its batch losses).
    test_accuracy : dict of str to float
        Each network's accuracy on the test set: the fraction of test points
        whose output, thresholded at 0.5, equals the label.
    far_samples : list of two ndarray of shape (2,)
        The article's points "deep in their moon": the class-0 training point
        farthest from (-1.2, -0.3) and the class-1 training point farthest
        from (1.2, 0.3), in standardized coordinates.
    traces : dict of str to ndarray of shape (2, 5), float64
        For each network, one row per far sample (class 0, then class 1) and
        the columns mean |z1|, |a1|, |z2|, |a2|, |z3|: the mean absolute
        pre-activation (z) and activation (a) over each layer's units.
    hidden_std : dict of str to list of two float
        For each network, the standard deviation (over all test points and
        units, ddof=0) of hidden layer 1's and hidden layer 2's activations
        on the test set.
    seconds : float
        Wall-clock time of the run, from making the data to the last
        measurement.

    Examples
    --------
    >>> result = run(epochs=100)
    >>> sorted(result.nets), result.X_train.shape, result.X_test.shape
    (['relu', 'sigmoid'], (300, 2), (100, 2))
    >>> result.traces["relu"].shape, len(result.hidden_std["relu"])
    ((2, 5), 2)
    >>> result.close()
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
        """Release the networks' native memory.

        The networks are unusable afterwards (their methods raise
        ValueError); the arrays of the result stay valid. Closing twice is
        harmless. A copy (``copy.copy(result)``) has networks of its own,
        which closing the original leaves open.

        Examples
        --------
        >>> result = run(epochs=10)
        >>> result.close()
        >>> result.nets["relu"].forward([[0.0, 0.0]])
        Traceback (most recent call last):
            ...
        ValueError: This TwoLayerNet is closed
        """
        for net in self.nets.values():
            net.close()


def run(n_samples: int = 400, noise: float = 0.18, data_seed: int = 42, split_seed: int = 42, net_seed: int = 42,
        epochs: int = 800, lr: float = 0.05, batch_size: int = 64, activations: Sequence[str] = ("sigmoid", "relu"),
        progress: bool = False) -> ArticleResult:
    """Run the article's experiment: data, one network per activation, training, measurements.

    The steps, each computed in Swift: ``make_moons(n_samples, noise=noise,
    random_state=data_seed)``, standardized; ``train_test_split`` with
    ``test_size=0.25`` and ``random_state=split_seed``; for each activation
    a :class:`~swiftmoons.TwoLayerNet` (2-8-8-1, sigmoid output, Xavier
    initialization for sigmoid and tanh, He for the others, zero biases),
    each drawing its weights from a fresh stream seeded with ``net_seed``,
    as the article's constructor reseeds NumPy; then all networks train
    together (:func:`swiftmoons.train_together`, one native call) on
    mini-batches of the same epoch permutations, which continue the stream
    where the last constructor left it. The measurements follow
    (:class:`ArticleResult`). With the defaults this is the article's run,
    number for number.

    Parameters
    ----------
    n_samples : int
        Points in the data set, at least 8 (a quarter goes to the test set).
    noise : float
        Standard deviation of the Gaussian noise of ``make_moons``, finite and >= 0.
    data_seed : int
        ``make_moons``' ``random_state``.
    split_seed : int
        ``train_test_split``'s ``random_state``.
    net_seed : int
        The seed every network's weights are drawn with.
    epochs : int
        Training epochs, at least 1.
    lr : float
        SGD learning rate, finite and >= 0.
    batch_size : int
        Mini-batch size, at least 1 (the last batch of an epoch may be short).
    activations : sequence of str, or str
        The hidden activations to compare, one network each, each at most
        once (names of ``swiftmoons.ACTIVATIONS``; parameterized pairs such
        as ``("leaky_relu", 0.1)`` are not accepted here).
    progress : bool
        Show a progress bar of the epochs (tqdm's where installed, else a
        line on stderr).

    Returns
    -------
    ArticleResult
        The data and split, the trained networks by activation, their loss
        histories (shape (epochs,) each), test accuracies, far-sample
        traces, hidden-layer stds, the arguments and the wall time.

    Raises
    ------
    TypeError
        For an argument of the wrong type (``activations`` not a list of
        strings, a non-integer size or seed, ...).
    ValueError
        For an unknown, repeated or missing activation, ``n_samples < 8``,
        or another argument out of its range (negative noise, ``epochs < 1``,
        a negative learning rate, ...).
    KeyboardInterrupt
        On Ctrl-C during training; nothing is returned.

    Examples
    --------
    >>> result = run()
    >>> result.test_accuracy
    {'sigmoid': 0.79, 'relu': 0.96}
    >>> [round(float(result.loss_history[name][-1]), 4) for name in ("sigmoid", "relu")]
    [0.2822, 0.0353]
    >>> result.traces["relu"][:, 4].round(2).tolist()    # |z3| of the two far samples
    [9.09, 20.2]
    >>> result.close()

    A shorter run with one activation:

    >>> short = run(n_samples=100, epochs=50, activations=["tanh"])
    >>> list(short.nets), short.loss_history["tanh"].shape
    (['tanh'], (50,))
    >>> short.close()
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
    summary = summarize(nets, X_train, y_train, X_test, y_test)
    seconds = time.perf_counter() - start
    return ArticleResult(config=config, X=X, y=y, X_train=X_train, X_test=X_test, y_train=y_train, y_test=y_test,
                         nets=nets, loss_history={k: np.array(n.loss_history) for k, n in nets.items()},
                         test_accuracy=summary["test_accuracy"], far_samples=summary["far_samples"],
                         traces=summary["traces"], hidden_std=summary["hidden_std"], seconds=seconds)


#: The article's anchors for its two far samples: the training point of
#: each class farthest from its anchor.
FAR_ANCHORS = {0: (-1.2, -0.3), 1: (1.2, 0.3)}


def summarize(nets: dict, X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray,
              y_test: np.ndarray) -> dict[str, Any]:
    """The article's measurements of trained networks.

    Parameters
    ----------
    nets : dict of str to MLP
        Trained networks with one sigmoid output, by name.
    X_train, y_train : ndarray
        The training split: the far samples are picked from it.
    X_test, y_test : ndarray
        The test split (labels 0 and 1).

    Returns
    -------
    dict
        ``far_samples``: for each class, the training point farthest from
        the article's anchor (:data:`FAR_ANCHORS`); and, per name,
        ``test_accuracy`` (outputs >= 0.5 against the labels),
        ``traces`` (the signal trace of each far sample, shape (2,
        trace length)) and ``hidden_std`` (the std of every hidden
        layer's activations on the test set).

    Examples
    --------
    >>> import swiftmoons as sm
    >>> X, y = sm.make_moons(200, noise=0.2, random_state=0)
    >>> X_train, X_test, y_train, y_test = sm.train_test_split(sm.standardize(X), y, random_state=0)
    >>> net = sm.TwoLayerNet("relu", seed=0)
    >>> _ = net.fit(X_train, y_train, epochs=50, rng=0)
    >>> out = summarize({"relu": net}, X_train, y_train, X_test, y_test)
    >>> out["test_accuracy"]["relu"], out["traces"]["relu"].shape, len(out["hidden_std"]["relu"])
    (0.9, (2, 5), 2)
    """
    samples = []
    for label, anchor in FAR_ANCHORS.items():
        members = X_train[y_train == label]
        samples.append(members[np.argmax(np.linalg.norm(members - np.asarray(anchor), axis=1))])
    out: dict[str, Any] = {"far_samples": samples, "test_accuracy": {}, "traces": {}, "hidden_std": {}}
    for name, net in nets.items():
        out["test_accuracy"][name] = float(((net.forward(X_test) >= 0.5).ravel() == y_test).mean())
        out["traces"][name] = np.array([net.get_z_trace(s.reshape(1, -1)) for s in samples])
        out["hidden_std"][name] = [float(net.get_hidden(X_test, layer=k).std())
                                   for k in range(1, len(net.layer_sizes) - 1)]
    return out


def claims_table(result: ArticleResult) -> list[tuple[str, str, str, str]]:
    """The article's claims next to a run's measurements, each marked as agreeing or not.

    The claims and their tests are :data:`swiftmoons.audit.CLAIMS` (the
    audit checks the same ones over seeds and controls). A row appears only
    where the run can answer it: claims about sigmoid or ReLU need that
    network (no claim is attributed to another activation); a claim about
    the loss at an epoch needs a run at least that long, and a claim about
    the trained network (accuracy, traces, spreads, geometry) a run of the
    article's 800 epochs.

    Parameters
    ----------
    result : ArticleResult
        What :func:`run` returned.

    Returns
    -------
    list of tuple of (str, str, str, str)
        Each row: the claim, the article's figure (e.g. ``"~0.28"``), the
        run's measurement as text, and the verdict with the rule it used:
        "agrees (...)" or "differs (...)" for a figure, "holds (...)" or
        "does not hold (...)" for a statement.

    Examples
    --------
    >>> result = run()
    >>> rows = claims_table(result)
    >>> rows[0]
    ('sigmoid loss ~0.28 by epoch 400', '~0.28', '0.2875', "agrees (to the article's last digit)")
    >>> [row[3].split(" (")[0] for row in rows if row[0].startswith("sigmoid compresses")]
    ['differs']
    >>> short = run(epochs=300, activations=("relu", "tanh"))
    >>> [row[0] for row in claims_table(short)]
    ['relu loss ~0.15 early (epoch 200)']
    >>> result.close(); short.close()
    """
    from .audit import claims_of_run
    return claims_of_run(result)


def audit(seeds: int | Iterable[int] = 16, *, controls: bool = True, threads: int | None = None,
          progress: bool = False) -> Any:
    """The article's claims over seeds and controls, with verdicts: :func:`swiftmoons.audit.audit`.

    Parameters
    ----------
    seeds, controls, threads, progress
        As :func:`swiftmoons.audit.audit`.

    Returns
    -------
    swiftmoons.audit.AuditResult

    Examples
    --------
    >>> verdicts = audit(seeds=2, controls=False).verdicts()
    >>> verdicts["relu retains a higher |a1| than sigmoid"]
    'does not hold'
    """
    from .audit import audit as _audit
    return _audit(seeds, controls=controls, threads=threads, progress=progress)


def sweep(net_seeds: Iterable[int] = range(64), activations: Activations = ("sigmoid", "relu"), *,
          n_samples: int = 400, noise: float = 0.18, data_seed: int = 42, split_seed: int = 42, epochs: int = 800,
          lr: float = 0.05, batch_size: int = 64, threads: int | None = None, progress: bool = False,
          executor: Any = None) -> dict[str, Any]:
    """The article's run for many network seeds and activations, in parallel, in one native call.

    Data and split are made once, as :func:`run` makes them; each (seed,
    activation) pair then trains its own 2-8-8-1 network exactly as
    ``run(net_seed=seed, activations=(activation,))`` would, and gives the
    same loss history and test accuracy. Only losses and accuracies come
    back: no networks, traces or hidden stds. Seeds run in parallel, and
    results do not depend on the number of threads, nor on how the seeds
    are split up.

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
        The network seeds, each in 0..2**32 - 1 (at least one).
    activations : str, (str, float), or a sequence of those
        The hidden activations, one network per seed each; a pair gives the
        activation's parameter, e.g. ``("leaky_relu", 0.1)``.
    n_samples : int
        Points in the data set, at least 4.
    noise : float
        Standard deviation of the moons' Gaussian noise, finite and >= 0.
    data_seed, split_seed : int
        The ``random_state`` of ``make_moons`` and of ``train_test_split``
        (test size 0.25).
    epochs, batch_size : int
        Training epochs and mini-batch size, each at least 1.
    lr : float
        SGD learning rate, finite and >= 0.
    threads : int or None
        Threads to use, 0..1024 (None: one per processor, or what
        :func:`swiftmoons.set_threads` set; with an executor, per task,
        default 1).
    progress : bool
        Show a progress bar of the seeds done (tqdm's where installed, else
        a line on stderr).
    executor : Executor-like, optional
        Where to run chunks of seeds (see above).

    Returns
    -------
    dict
        ``net_seeds``: int64 array of shape (n_seeds,);
        ``activations``: the activations as given, as a list;
        ``loss_history``: float64 array of shape (n_seeds, n_activations,
        epochs), each network's loss per epoch;
        ``test_accuracy``: float64 array of shape (n_seeds, n_activations),
        each network's accuracy on the test set.

    Raises
    ------
    TypeError
        For ``net_seeds`` that is not an iterable of integers, an executor
        without ``submit``, or another argument of the wrong type.
    ValueError
        For no seeds or no activations, a seed out of range, an unknown
        activation, or a setting out of its range (``n_samples < 4``,
        negative noise or learning rate, ``epochs < 1``, ...); errors the
        native library finds are :class:`swiftmoons.SwiftMoonsError`, a
        ValueError.
    KeyboardInterrupt
        On Ctrl-C, which stops the sweep within an epoch of each running
        network; nothing is returned.

    Examples
    --------
    >>> result = sweep(range(3), ["sigmoid", "relu"], epochs=200)
    >>> result["loss_history"].shape, result["test_accuracy"].shape
    ((3, 2, 200), (3, 2))
    >>> result["test_accuracy"].tolist()
    [[0.8, 0.97], [0.79, 0.94], [0.79, 0.92]]

    Each entry is what :func:`run` gives for that seed and activation:

    >>> single = run(net_seed=2, epochs=200, activations=["relu"])
    >>> single.test_accuracy["relu"], float(result["test_accuracy"][2, 1])
    (0.92, 0.92)
    >>> bool((single.loss_history["relu"] == result["loss_history"][2, 1]).all())
    True
    >>> single.close()
    """
    from . import _ffi
    from ._convert import as_positive_int
    from .activations import native_specs
    from .parallel import threads as thread_count
    from .training import progress_bar, run_with_bar

    if isinstance(net_seeds, (str, bytes)) or not hasattr(net_seeds, "__iter__"):
        raise TypeError(f"net_seeds must be a sequence of integers, got {type(net_seeds).__name__}")
    seeds = np.array([seed_value(s, "net_seeds") for s in net_seeds], dtype=np.int64)
    specs: list = [activations] if isinstance(activations, str) else as_sequence(activations, "activations")
    if isinstance(activations, tuple) and len(activations) == 2 and not isinstance(activations[1], (str, tuple)):
        specs = [activations]  # one (name, alpha) pair
    activations = specs
    if seeds.size == 0 or not activations:
        raise ValueError("A sweep needs at least one seed and one activation")
    names, alphas = native_specs(activations)
    epochs, batch_size, n_samples = (as_positive_int(v, name) for v, name in
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
    with thread_count(threads):
        status, interruption = run_with_bar(lambda handle: _ffi.lib.sm_article_sweep(*args, handle), bar)
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


__all__ = ["ArticleResult", "FAR_ANCHORS", "audit", "claims_table", "run", "summarize", "sweep"]
