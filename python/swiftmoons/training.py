"""Whole-run training: every epoch of one or several networks in one native call."""

from __future__ import annotations

import ctypes
import math
import numbers
from dataclasses import dataclass

import numpy as np

from . import _ffi
from ._convert import as_matrix
from .random import resolve


@dataclass(frozen=True)
class TrainingRecords:
    """What a network recorded during training (``record_every > 0``).

    Attributes
    ----------
    epochs : ndarray of int64, shape (k,)
        The epoch of each record, counting every epoch the network trained.
    eval_loss, eval_accuracy : ndarray of shape (k,)
        BCE and accuracy on the evaluation set (NaN without one).
    params : list of lists of ndarray, or None
        ``[W1, b1, W2, b2, ...]`` at each record, if parameters were recorded.
    """

    epochs: np.ndarray
    eval_loss: np.ndarray
    eval_accuracy: np.ndarray
    params: list | None


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)


def train_together(nets, X, y, *, epochs=800, lr=0.05, batch_size=64, rng=None,
                   record_every=0, record_params=False, X_eval=None, y_eval=None):
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
    X : array-like of shape (n, input width)
    y : array-like of targets: shape (n,) or (n, output width), values 0 and 1
        for sigmoid outputs; (n,) class indices for softmax; any numbers for identity
    epochs, batch_size : int >= 1
    lr : float, finite
    rng : RandomState, numpy.random.RandomState, int or None
        Where the permutations come from; a stream object is advanced.
    record_every : int
        If > 0, record every this many epochs (and after the last): the
        evaluation set's loss and accuracy and, with ``record_params``, all
        parameters. Read them from ``net.records``.
    X_eval, y_eval : array-like, optional
        The evaluation set for the records.

    Returns
    -------
    list of lists of float
        Each network's new epoch losses.

    Raises
    ------
    ValueError
        For any bad argument, before any network or stream changes.
    """
    nets = list(nets)
    if not nets:
        raise ValueError("Need at least one network to train")
    if len({id(n) for n in nets}) != len(nets):
        raise ValueError("Each network may appear only once")
    first = nets[0]
    sizes = first.layer_sizes
    for net in nets:
        if net.layer_sizes[0] != sizes[0] or net.layer_sizes[-1] != sizes[-1] or net.output != first.output:
            raise ValueError("All networks need the same input and output widths and output kind; got "
                             f"{sizes} ({first.output}) and {net.layer_sizes} ({net.output})")
    epochs = _positive_int(epochs, "epochs")
    batch_size = _positive_int(batch_size, "batch_size")
    lr = float(lr)
    if not math.isfinite(lr):
        raise ValueError(f"lr must be finite, got {lr}")
    X = as_matrix(X, sizes[0])
    if not np.isfinite(X).all():
        raise ValueError("X must be finite (it holds NaN or infinity)")
    y = first._targets(y, X.shape[0])  # values are checked by the library, before any work
    if isinstance(record_every, bool) or not isinstance(record_every, numbers.Integral) or record_every < 0:
        raise ValueError(f"record_every must be an integer >= 0, got {record_every!r}")
    if (X_eval is None) != (y_eval is None):
        raise ValueError("Give both X_eval and y_eval, or neither")
    if X_eval is not None:
        X_eval = as_matrix(X_eval, sizes[0], "X_eval")
        if not np.isfinite(X_eval).all():
            raise ValueError("X_eval must be finite")
        y_eval = first._targets(y_eval, X_eval.shape[0])
        eval_n = X_eval.shape[0]
    else:
        X_eval = y_eval = np.zeros(0)
        eval_n = 0
    handles = (ctypes.c_void_p * len(nets))(*[net._h for net in nets])
    losses = np.empty((len(nets), epochs))
    stream, done = resolve(rng)
    try:
        _ffi.call("sm_train_together", ctypes.addressof(handles), len(nets), _ffi.ptr(X), X.shape[0], X.shape[1],
                  _ffi.ptr(y), y.size, epochs, lr, batch_size, stream._h, int(record_every), int(bool(record_params)),
                  _ffi.ptr(X_eval), eval_n, _ffi.ptr(y_eval), _ffi.ptr(losses), losses.size)
    finally:
        done()
    histories = [row.tolist() for row in losses]
    for net, history in zip(nets, histories):
        net.loss_history.extend(history)
    return histories


def records_of(net) -> TrainingRecords:
    """Read the records kept in the native network."""
    count, has_params = ctypes.c_int64(), ctypes.c_int32()
    _ffi.call("sm_net_record_count", net._h, ctypes.byref(count), ctypes.byref(has_params))
    k = count.value
    epochs = np.empty(k, dtype=np.int64)
    loss, accuracy = np.empty(k), np.empty(k)
    _ffi.call("sm_net_records", net._h, _ffi.ptr(epochs), _ffi.ptr(loss), _ffi.ptr(accuracy), k)
    params = None
    if has_params.value:
        flat = np.empty(k * net._param_count)
        _ffi.call("sm_net_recorded_params", net._h, _ffi.ptr(flat), flat.size)
        params = [net._split(block) for block in flat.reshape(k, net._param_count)]
    return TrainingRecords(epochs, loss, accuracy, params)
