"""Whole-run training: every epoch of one or several networks in one native call."""

from __future__ import annotations

import ctypes
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from . import _ffi, parallel
from .storage import take_over
from ._convert import as_flag, as_int, as_matrix, as_positive_int, as_real, as_targets, empty
from ._types import ArrayLike, Callback, Seed
from .random import resolve

if TYPE_CHECKING:
    from .network import MLP


@dataclass(frozen=True)
class TrainingRecords:
    """What a network recorded while training with ``record_every > 0``, as ``net.records`` gives it.

    Training appends a record every ``record_every`` epochs of a call and
    after its last epoch; records accumulate over calls until
    ``net.clear_records()``. The fields are also the attributes; the object
    is read-only.

    Parameters
    ----------
    epochs : ndarray of int64, shape (k,)
        The epoch of each of the k records, counting every epoch the network
        trained (its ``epochs_trained`` when the record was made).
    eval_loss : ndarray of float64, shape (k,)
        The loss on the evaluation set (``X_eval``, ``y_eval``) at each
        record, as ``MLP.evaluate`` defines it; NaN for a record made without
        an evaluation set.
    eval_accuracy : ndarray of float64, shape (k,)
        The accuracy on the evaluation set, likewise (NaN too for an
        identity output).
    params : list of lists of ndarray, or None
        For each record, all parameters as ``net.parameters()`` gives them,
        if any training call recorded them (``record_params=True``); the
        records made without them then hold arrays of NaN. None if no
        parameters were recorded.

    Examples
    --------
    >>> import swiftmoons as sm
    >>> X, y = sm.make_moons(200, noise=0.2, random_state=0)
    >>> X = sm.standardize(X)
    >>> net = sm.TwoLayerNet("relu", seed=0)
    >>> _ = net.fit(X, y, epochs=30, rng=0, record_every=10, record_params=True, X_eval=X, y_eval=y)
    >>> records = net.records
    >>> records.epochs, np.round(records.eval_loss, 4)
    (array([10, 20, 30]), array([0.4532, 0.3939, 0.3492]))
    >>> len(records.params), records.params[-1][0].shape  # W1 at epoch 30
    (3, (2, 8))

    Records compare equal when every value is the same, bit for bit (NaN
    equal to NaN), e.g. a copy's against the original's:

    >>> import copy
    >>> copy.deepcopy(net).records == records
    True
    """

    epochs: np.ndarray
    eval_loss: np.ndarray
    eval_accuracy: np.ndarray
    params: list | None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TrainingRecords):
            return NotImplemented
        same = (np.array_equal(self.epochs, other.epochs) and np.array_equal(self.eval_loss, other.eval_loss, equal_nan=True)
                and np.array_equal(self.eval_accuracy, other.eval_accuracy, equal_nan=True))
        if not same or (self.params is None) != (other.params is None):
            return False
        if self.params is None or other.params is None:
            return True
        return len(self.params) == len(other.params) and all(
            len(a) == len(b) and all(np.array_equal(x, y, equal_nan=True) for x, y in zip(a, b))
            for a, b in zip(self.params, other.params))

    __hash__ = None  # type: ignore[assignment]  # arrays inside: not hashable


def train_together(nets: Sequence[MLP], X: ArrayLike, y: ArrayLike, *, epochs: int = 800, lr: float = 0.05,
                   batch_size: int = 64, rng: Seed = None, record_every: int = 0, record_params: bool = False,
                   X_eval: ArrayLike | None = None, y_eval: ArrayLike | None = None, progress: bool = False,
                   callback: Callback | None = None, callback_every: int = 1,
                   executor: Any = None) -> list[list[float]]:
    """Train several networks as the article does: one shared permutation per epoch.

    All epochs run in one native call. Each epoch draws a permutation of the
    samples from ``rng``; every network then takes SGD steps on mini-batches
    of ``batch_size`` in that order (the last batch may be short), and its
    epoch loss (the mean of its batch losses) is appended to its
    ``loss_history``.

    Parameters
    ----------
    nets : sequence of MLP or TwoLayerNet
        Networks with the same input and output widths and output kind, each at most once.
    X : array-like of shape (n, input width), finite
    y : array-like
        The targets. For sigmoid and identity outputs, n x k values (k the
        output width) of shape (n, k) or flat, e.g. (n,) for one unit: in
        [0, 1] for sigmoid (labels 0 and 1, or soft labels), finite for
        identity. For softmax, n class indices in 0..k - 1.
    epochs : int >= 1
    lr : float, finite and >= 0
        The learning rate. A negative rate would climb the loss: it is
        refused as a typo.
    batch_size : int >= 1
        Rows per mini-batch; larger than n means one batch of all rows.
    rng : RandomState, numpy.random.RandomState, int or None
        Where the permutations come from: a stream object is advanced, an
        int seeds a fresh stream, None seeds one from the operating system
        (so the run is not reproducible).
    record_every : int >= 0
        If > 0, record every this many epochs of this call (and after the
        last): the evaluation set's loss and accuracy and, with
        ``record_params``, all parameters. Read them from ``net.records``
        (see :class:`TrainingRecords`).
    record_params : bool
        Also record every parameter; needs ``record_every > 0``.
    X_eval, y_eval : array-like, optional
        The evaluation set for the records, shaped as X and y; both or
        neither.
    progress : bool
        Show a progress bar of the epochs (tqdm's, where tqdm is installed;
        a line on stderr otherwise).
    callback : callable, optional
        ``callback(epoch, loss)`` for every ``callback_every``-th epoch of
        this call (and the last), in order, on the thread that called;
        ``loss`` is that epoch's loss (a list, one per network, when training
        several). Training runs on meanwhile: the calls come a poll (about
        50 ms) after their epochs. An exception the callback raises stops
        training within a mini-batch of being raised, as Ctrl-C does (so a
        few more epochs may have run), then propagates.
    callback_every : int >= 1
        Call ``callback`` every this many epochs.
    executor : Executor-like, optional
        Train the networks in groups of roughly 0.1-1 s of work, one task
        each, on an executor (anything with ``submit(fn, *args)`` returning
        futures: a ``concurrent.futures`` pool, a Dask ``distributed.Client``).
        Every group draws the same permutations from a copy of the stream,
        so each network ends exactly as one call would leave it, and the
        stream is left where that call would leave it. Networks travel as
        pickles. Not with ``progress`` or ``callback``; on Ctrl-C or a failed
        task nothing changes.

    Returns
    -------
    list of lists of float
        Each network's new epoch losses.

    Raises
    ------
    TypeError, ValueError
        For any bad argument (a wrong type, a wrong value), before any
        network or stream changes. The library's checks (values of X and y,
        the learning rate) raise SwiftMoonsError, a ValueError.
    MemoryError
        If the loss histories, or what the library needs (a
        SwiftMoonsMemoryError), cannot be allocated.
    KeyboardInterrupt
        On Ctrl-C (or Jupyter's "Interrupt kernel"), within a mini-batch,
        when called from the main thread (where Python delivers signals; a
        call on another thread runs to its end).
        Each network is then as after its last whole epoch: its
        ``loss_history`` holds the epochs it completed, its weights are
        those after exactly those epochs, and the stream is left after
        their permutations, so that fitting the remaining epochs gives what
        an uninterrupted run gives (for several networks, which may have
        stopped at different epochs, the stream follows the one that did
        fewest).

    Examples
    --------
    >>> import swiftmoons as sm
    >>> X, y = sm.make_moons(200, noise=0.2, random_state=0)
    >>> X = sm.standardize(X)
    >>> nets = [sm.TwoLayerNet("sigmoid", seed=0), sm.TwoLayerNet("relu", seed=0)]
    >>> losses = train_together(nets, X, y, epochs=20, rng=0)
    >>> [round(history[-1], 4) for history in losses]  # the last epoch's loss: sigmoid, relu
    [0.6886, 0.4363]

    Each network ends as if it had trained alone on the same permutations:

    >>> alone = sm.TwoLayerNet("relu", seed=0)
    >>> alone.fit(X, y, epochs=20, rng=0) == losses[1]
    True
    """
    if isinstance(nets, (str, bytes)) or not hasattr(nets, "__iter__"):
        raise TypeError(f"nets must be a list of networks, got {type(nets).__name__}")
    nets = list(nets)
    from .network import MLP
    for net in nets:
        if not isinstance(net, MLP):
            raise TypeError(f"nets must hold MLP or TwoLayerNet networks, got {type(net).__name__}")
    if not nets:
        raise ValueError("Need at least one network to train")
    # The rest of the rules (each network once, shared widths and output
    # kind, epochs, lr, the data's values) are the library's to check.
    first = nets[0]
    sizes = first.layer_sizes
    epochs = as_positive_int(epochs, "epochs")
    batch_size = as_positive_int(batch_size, "batch_size")
    lr = as_real(lr, "lr")
    record_every = as_int(record_every, "record_every", 0)
    callback_every = as_positive_int(callback_every, "callback_every")
    progress = as_flag(progress, "progress")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable, got {type(callback).__name__}")
    X = as_matrix(X, sizes[0])
    y = as_targets(y, X.shape[0], first.target_width)  # values (and X's) are checked by the library, before any work
    if (X_eval is None) != (y_eval is None):
        raise ValueError("Give both X_eval and y_eval, or neither")
    if X_eval is not None:
        X_eval = as_matrix(X_eval, sizes[0], "X_eval")
        y_eval = as_targets(y_eval, X_eval.shape[0], first.target_width, "y_eval")
        eval_n = X_eval.shape[0]
    else:
        X_eval = y_eval = np.zeros(0)
        eval_n = 0
    handles = (ctypes.c_void_p * len(nets))(*[net._as_parameter_ for net in nets])
    losses = empty((len(nets), epochs), "The loss histories")
    before = [net.epochs_trained for net in nets]
    if record_params and not record_every:
        raise ValueError("record_params needs record_every > 0 (it says which epochs to record)")
    if executor is not None:
        if not callable(getattr(executor, "submit", None)):
            raise TypeError(f"executor must have a submit(fn, *args) method, got {type(executor).__name__}")
        if progress or callback is not None:
            raise ValueError("progress and callback need the networks in this process: not with an executor")
        if len({id(n) for n in nets}) != len(nets):
            # (Groups train apart on the executor: no one call would see the repeat.)
            raise ValueError("Each network may appear only once in nets")
        settings = dict(epochs=epochs, lr=lr, batch_size=batch_size, record_every=record_every,
                        record_params=bool(record_params), X_eval=X_eval if eval_n else None,
                        y_eval=y_eval if eval_n else None)
        return _train_on(executor, nets, X, y, rng, settings)
    stream, done = resolve(rng, "rng")
    args = (ctypes.addressof(handles), len(nets), _ffi.ptr(X), X.shape[0], X.shape[1], _ffi.ptr(y), y.size,
            epochs, lr, batch_size, stream, record_every, int(bool(record_params)), _ffi.ptr(X_eval), eval_n,
            _ffi.ptr(y_eval), _ffi.ptr(losses), losses.size)
    watch = _Watcher(losses, epochs, progress, callback, callback_every, single=len(nets) == 1)
    work = epochs * X.shape[0] * sum(net.parameter_count for net in nets)
    try:
        if not watch.active and work < _ffi.LONG_WORK:
            status, interruption = _ffi.lib.sm_train_together(*args, None), None
            message = _ffi.last_error() if status else ""
        else:
            status, interruption = _ffi.run_long(lambda handle: _ffi.lib.sm_train_together(*args, handle),
                                                 watch=watch if watch.active else None)
            message = None
    finally:
        done()
        watch.close()
    # Whatever happened, each network's history gets the epochs it completed.
    histories = []
    for k, net in enumerate(nets):
        completed = net.epochs_trained - before[k]
        histories.append(losses[k, :completed].tolist())
        net.loss_history.extend(histories[-1])
    if interruption is not None:
        raise interruption
    if status == _ffi.SM_ERR_CANCELLED:
        raise KeyboardInterrupt
    if message is None:
        _ffi.check_long(status)
    _ffi.check(status, message)
    return histories


def run_with_bar(invoke, bar) -> tuple:
    """`_ffi.run_long(invoke)`, with ``bar`` (a `progress_bar`, or None)
    advanced to the call's progress count as it works and closed after."""
    shown = [0]

    def watch(progress) -> None:
        done, _ = progress.counts()
        if done > shown[0]:
            bar.update(done - shown[0])
            shown[0] = done

    try:
        return _ffi.run_long(invoke, watch=watch if bar is not None else None)
    finally:
        if bar is not None:
            bar.close()


class _Watcher:
    """Reports a training call's progress: a bar and the user's callback."""

    def __init__(self, losses, epochs, progress, callback, every, single):
        self.losses, self.epochs, self.callback, self.every, self.single = losses, epochs, callback, every, single
        self.bar = progress_bar(epochs, "epochs") if progress else None
        self.reported = 0
        self.active = self.bar is not None or callback is not None

    def __call__(self, progress):
        done, _ = progress.counts()
        if self.callback is not None:
            for epoch in range(self.reported + 1, done + 1):
                if epoch % self.every == 0 or epoch == self.epochs:
                    column = self.losses[:, epoch - 1]
                    self.callback(epoch, float(column[0]) if self.single else column.tolist())
        if self.bar is not None:
            self.bar.update(done - self.reported)
        self.reported = done

    def close(self):
        if self.bar is not None:
            self.bar.close()


def progress_bar(total: int, unit: str) -> Any:
    """A progress bar: tqdm's where tqdm is installed, else a plain one on stderr.

    The tqdm bar is cleared when closed; the plain one rewrites a line on
    stderr whenever the whole percent changes, and ends that line when closed.

    Parameters
    ----------
    total : int
        The count at which the work is done.
    unit : str
        What is counted, e.g. ``"epochs"``.

    Returns
    -------
    tqdm.tqdm or a plain bar
        An object with ``update(n=1)``, ``close()`` and the count so far,
        ``n``.

    Examples
    --------
    >>> bar = progress_bar(3, "epochs")
    >>> _ = bar.update(3)
    >>> bar.n
    3
    >>> bar.close()
    """
    try:
        from tqdm.auto import tqdm  # type: ignore[import-untyped]
    except ImportError:
        return _PlainBar(total, unit)
    return tqdm(total=total, unit=unit, leave=False)


class _PlainBar:
    """tqdm's update/close on stderr, for machines without tqdm."""

    def __init__(self, total, unit):
        self.total, self.unit, self.n, self.last = total, unit, 0, -1

    def update(self, n=1):
        self.n += n
        percent = 100 * self.n // max(self.total, 1)
        if percent != self.last:
            self.last = percent
            sys.stderr.write(f"\r{self.n}/{self.total} {self.unit} ({percent}%)")
            sys.stderr.flush()

    def close(self):
        if self.last >= 0:
            sys.stderr.write("\n")
            sys.stderr.flush()


#: Seconds of one multiply-add of training (forward and backward) on one core,
#: about: what groups of networks are cut by for an executor.
_SECONDS_PER_PARAMETER_SAMPLE_EPOCH = 2e-9


def _train_group(nets, X, y, state, settings) -> tuple:
    """One task of `train_together(executor=...)`: the group trained from the stream's state."""
    from .random import RandomState
    stream = RandomState(0)
    stream.set_state(state)
    train_together(nets, X, y, rng=stream, **settings)
    return nets, stream.get_state()


def _train_on(executor, nets, X, y, rng, settings) -> list:
    """`train_together` in groups on an executor; the networks take on their trained twins' state."""
    stream, done = resolve(rng, "rng")
    try:
        state = stream.get_state()
        per_net = [_SECONDS_PER_PARAMETER_SAMPLE_EPOCH * settings["epochs"] * X.shape[0] * net.parameter_count
                   for net in nets]
        before = {id(net): len(net.loss_history) for net in nets}
        groups: list[list[MLP]] = []
        current: list[MLP] = []
        work = 0.0
        for net, cost in zip(nets, per_net):
            if current and work + cost > parallel.TASK_SECONDS:
                groups.append(current)
                current, work = [], 0.0
            current.append(net)
            work += cost
        groups.append(current)
        futures = [executor.submit(_train_group, group, X, y, state, settings) for group in groups]
        results = parallel.results_in_order(futures)
        histories = []
        for group, (trained, final_state) in zip(groups, results):
            for net, twin in zip(group, trained):
                histories.append(twin.loss_history[before[id(net)]:])
                if twin is not net:  # it came back as a copy (a process, a cluster)
                    take_over(net, twin)
        stream.set_state(final_state)  # every group ends at the same place
    finally:
        done()
    return histories


__all__ = ["TrainingRecords", "progress_bar", "train_together"]
