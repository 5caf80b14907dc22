"""`TwoLayerNet`: the article's network, computed in Swift."""

from __future__ import annotations

import ctypes
import math
import re

import numpy as np

from . import _ffi
from ._convert import as_float_array, as_int, as_matrix
from .random import RandomState

_PARAM_NAME = re.compile(r"^([Wb])([1-9][0-9]*)$")

ACTIVATIONS = ("sigmoid", "relu")


class TwoLayerNet(_ffi.Handle):
    """The article's network: ``z = a @ W + b``, a hidden activation, a sigmoid output.

    Trained with binary cross-entropy and plain SGD, with the same numbers
    as the article's NumPy code.

    Parameters
    ----------
    activation : {"sigmoid", "relu"}
        The hidden layers' activation.
    seed : int or RandomState
        An int reseeds a fresh stream, as the article's constructor reseeds
        NumPy (``np.random.seed(seed)``); a :class:`RandomState` is drawn from
        without reseeding and is left where the weights end.
    layer_sizes : sequence of int
        Widths from input to output; the article's is ``(2, 8, 8, 1)``.

    Attributes
    ----------
    W1, b1, W2, b2, ... : ndarray
        Weights of shape (fan_in, fan_out) and biases of shape (1, fan_out),
        returned as read-only copies; assign a whole array to change them.
    loss_history : list of float
        Per-epoch losses, appended by training loops.
    """

    _free_name = "sm_net_free"
    _kind = "TwoLayerNet"

    def __init__(self, activation="relu", seed=0, layer_sizes=(2, 8, 8, 1)):
        sizes = _sizes(layer_sizes)
        name = _activation(activation)
        if isinstance(seed, RandomState):
            handle = _ffi.create("sm_net_create_with_rng", _ffi.ptr(sizes), len(sizes), name, seed._h)
        else:
            seed = as_int(seed, "seed")
            if not 0 <= seed <= 2**32 - 1:
                raise ValueError(f"Seed must be between 0 and 2**32 - 1, got {seed}")
            handle = _ffi.create("sm_net_create", _ffi.ptr(sizes), len(sizes), name, seed)
        self._init_from_handle(handle)

    @classmethod
    def from_params(cls, weights, biases, activation="relu"):
        """A network with the given weights ``[W1, W2, ...]`` and biases ``[b1, b2, ...]``."""
        weights = [as_float_array(w, f"W{k + 1}") for k, w in enumerate(weights)]
        biases = [as_float_array(b, f"b{k + 1}") for k, b in enumerate(biases)]
        if not weights or len(weights) != len(biases):
            raise ValueError(f"Need as many biases as weights (at least one), got {len(weights)} and {len(biases)}")
        sizes = [weights[0].shape[0] if weights[0].ndim == 2 else -1]
        for k, (w, b) in enumerate(zip(weights, biases), start=1):
            if w.ndim != 2 or w.shape[0] != sizes[-1]:
                raise ValueError(f"W{k} must have shape ({sizes[-1]}, fan_out), got {w.shape}")
            if b.size != w.shape[1] or b.ndim > 2 or (b.ndim == 2 and b.shape[0] != 1):
                raise ValueError(f"b{k} must have shape (1, {w.shape[1]}), got {b.shape}")
            sizes.append(w.shape[1])
        sizes = _sizes(sizes)
        flat = np.ascontiguousarray(np.concatenate([p.ravel() for pair in zip(weights, biases) for p in pair]))
        self = cls.__new__(cls)
        self._init_from_handle(_ffi.create(
            "sm_net_create_from_params", _ffi.ptr(sizes), len(sizes), _activation(activation),
            _ffi.ptr(flat), flat.size))
        return self

    def _init_from_handle(self, handle):
        super().__init__(handle)
        count = ctypes.c_int64()
        _ffi.call("sm_net_layer_count", handle, ctypes.byref(count))
        sizes = np.empty(count.value, dtype=np.int64)
        _ffi.call("sm_net_layer_sizes", handle, _ffi.ptr(sizes), sizes.size)
        name = ctypes.c_char_p()
        _ffi.call("sm_net_activation", handle, ctypes.byref(name))
        trace = ctypes.c_int64()
        _ffi.call("sm_net_trace_length", handle, ctypes.byref(trace))
        object.__setattr__(self, "layer_sizes", tuple(int(s) for s in sizes))
        object.__setattr__(self, "activation", name.value.decode("ascii"))
        object.__setattr__(self, "_trace_length", trace.value)
        object.__setattr__(self, "loss_history", [])

    # ---- description -------------------------------------------------------

    @property
    def act_name(self) -> str:
        """The hidden activation's name (the article's attribute)."""
        return self.activation

    @property
    def n_layers(self) -> int:
        """The number of weight layers."""
        return len(self.layer_sizes) - 1

    def __repr__(self):
        state = ", closed" if self.closed else ""
        return f"TwoLayerNet(activation={self.activation!r}, layer_sizes={self.layer_sizes}{state})"

    # ---- parameters --------------------------------------------------------

    def _layer(self, k: int) -> int:
        if not 1 <= k <= self.n_layers:
            raise AttributeError(f"This network has layers 1..{self.n_layers}, not {k}")
        return k

    def get_weights(self, k: int) -> np.ndarray:
        """A copy of W_k, shape (layer_sizes[k-1], layer_sizes[k])."""
        k = self._layer(k)
        out = np.empty((self.layer_sizes[k - 1], self.layer_sizes[k]))
        _ffi.call("sm_net_get_weights", self._h, k, _ffi.ptr(out), out.size)
        return out

    def get_biases(self, k: int) -> np.ndarray:
        """A copy of b_k, shape (1, layer_sizes[k])."""
        k = self._layer(k)
        out = np.empty((1, self.layer_sizes[k]))
        _ffi.call("sm_net_get_biases", self._h, k, _ffi.ptr(out), out.size)
        return out

    def set_weights(self, k: int, value) -> None:
        """Replace W_k; the shape must be (layer_sizes[k-1], layer_sizes[k])."""
        k = self._layer(k)
        shape = (self.layer_sizes[k - 1], self.layer_sizes[k])
        arr = as_float_array(value, f"W{k}")
        if arr.shape != shape:
            raise ValueError(f"W{k} must have shape {shape}, got {arr.shape}")
        _ffi.call("sm_net_set_weights", self._h, k, _ffi.ptr(arr), arr.size)

    def set_biases(self, k: int, value) -> None:
        """Replace b_k; the shape must be (1, layer_sizes[k]) or (layer_sizes[k],)."""
        k = self._layer(k)
        width = self.layer_sizes[k]
        arr = as_float_array(value, f"b{k}")
        if arr.shape not in ((1, width), (width,)):
            raise ValueError(f"b{k} must have shape (1, {width}), got {arr.shape}")
        _ffi.call("sm_net_set_biases", self._h, k, _ffi.ptr(arr), arr.size)

    def get_params(self) -> list:
        """``[W1, b1, W2, b2, ...]`` as copies."""
        return [p for k in range(1, self.n_layers + 1) for p in (self.get_weights(k), self.get_biases(k))]

    def set_params(self, params) -> None:
        """Replace all parameters from ``[W1, b1, W2, b2, ...]``; nothing changes on error."""
        params = list(params)
        if len(params) != 2 * self.n_layers:
            raise ValueError(f"Expected {2 * self.n_layers} arrays (W1, b1, ...), got {len(params)}")
        flat = []
        for k in range(1, self.n_layers + 1):
            w = as_float_array(params[2 * k - 2], f"W{k}")
            b = as_float_array(params[2 * k - 1], f"b{k}")
            shape = (self.layer_sizes[k - 1], self.layer_sizes[k])
            if w.shape != shape:
                raise ValueError(f"W{k} must have shape {shape}, got {w.shape}")
            if b.shape not in ((1, shape[1]), (shape[1],)):
                raise ValueError(f"b{k} must have shape (1, {shape[1]}), got {b.shape}")
            flat += [w.ravel(), b.ravel()]
        arr = np.ascontiguousarray(np.concatenate(flat))
        _ffi.call("sm_net_set_params", self._h, _ffi.ptr(arr), arr.size)

    def __getattr__(self, name):
        m = _PARAM_NAME.match(name)
        if m is None or "layer_sizes" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        k = int(m.group(2))
        arr = self.get_weights(k) if m.group(1) == "W" else self.get_biases(k)
        arr.flags.writeable = False  # a copy: writing into it would change nothing
        return arr

    def __setattr__(self, name, value):
        m = _PARAM_NAME.match(name)
        if m is not None and "layer_sizes" in self.__dict__:
            k = int(m.group(2))
            (self.set_weights if m.group(1) == "W" else self.set_biases)(k, value)
        else:
            object.__setattr__(self, name, value)

    # ---- computation -------------------------------------------------------

    def forward(self, X) -> np.ndarray:
        """The output for each row of X.

        Parameters
        ----------
        X : array-like of shape (n, layer_sizes[0])

        Returns
        -------
        ndarray of shape (n, layer_sizes[-1])
        """
        X = as_matrix(X, self.layer_sizes[0])
        out = np.empty((X.shape[0], self.layer_sizes[-1]))
        _ffi.call("sm_net_forward", self._h, _ffi.ptr(X), X.shape[0], X.shape[1], _ffi.ptr(out), out.size)
        return out

    def train_step(self, X, y, lr=0.05) -> float:
        """One SGD step on the batch (X, y), as the article's ``train_step``.

        Parameters
        ----------
        X : array-like of shape (n, layer_sizes[0])
        y : array-like of n * layer_sizes[-1] targets in [0, 1]
        lr : float
            Learning rate; must be finite.

        Returns
        -------
        float
            The batch's binary cross-entropy before the update.
        """
        X = as_matrix(X, self.layer_sizes[0])
        y = as_float_array(y, "y")
        expected = X.shape[0] * self.layer_sizes[-1]
        if y.size != expected:
            raise ValueError(f"y must have shape ({X.shape[0]},) or ({X.shape[0]}, {self.layer_sizes[-1]}), got {y.shape}")
        lr = float(lr)
        if not math.isfinite(lr):
            raise ValueError(f"lr must be finite, got {lr}")
        loss = ctypes.c_double()
        _ffi.call("sm_net_train_step", self._h, _ffi.ptr(X), X.shape[0], X.shape[1],
                  _ffi.ptr(y), y.size, lr, ctypes.byref(loss))
        return loss.value

    def fit(self, X, y, epochs=800, lr=0.05, batch_size=64, rng=None, *,
            record_every=0, record_params=False, X_eval=None, y_eval=None):
        """Train for ``epochs`` epochs in one native call, as the article's loop.

        Each epoch shuffles with ``rng`` (a :class:`RandomState`, a NumPy
        ``RandomState``, an int seed or None), takes SGD steps on mini-batches
        in that order, and appends the mean batch loss to ``loss_history``.
        See :func:`swiftmoons.train_together` for the parameters.

        Returns
        -------
        list of float
            The new epoch losses.
        """
        from .training import train_together
        return train_together([self], X, y, epochs=epochs, lr=lr, batch_size=batch_size, rng=rng,
                              record_every=record_every, record_params=record_params,
                              X_eval=X_eval, y_eval=y_eval)[0]

    @property
    def records(self):
        """What training recorded (see ``fit``'s ``record_every``), as :class:`TrainingRecords`."""
        from .training import records_of
        return records_of(self)

    def clear_records(self) -> None:
        """Forget the training records."""
        _ffi.call("sm_net_clear_records", self._h)

    def get_hidden(self, X, layer=1) -> np.ndarray:
        """Post-activation values of hidden ``layer`` (1-based), shape (n, layer_sizes[layer])."""
        X = as_matrix(X, self.layer_sizes[0])
        layer = as_int(layer, "layer")
        if not 1 <= layer <= self.n_layers - 1:
            raise ValueError(f"layer must be in 1..{self.n_layers - 1}, got {layer}")
        out = np.empty((X.shape[0], self.layer_sizes[layer]))
        _ffi.call("sm_net_hidden", self._h, layer, _ffi.ptr(X), X.shape[0], X.shape[1], _ffi.ptr(out), out.size)
        return out

    def get_z_trace(self, x, per_sample=False):
        """Mean |z1|, |a1|, |z2|, |a2|, ..., |zL|: how the signal's size changes by layer.

        Parameters
        ----------
        x : array-like of shape (n, layer_sizes[0]) or (layer_sizes[0],)
        per_sample : bool
            False: a list of floats, the means over all samples and units (for
            one sample, the article's trace). True: an array of shape
            (n, 2 * n_layers - 1), one trace per sample.
        """
        X = as_float_array(x, "x")
        if X.ndim == 1:
            X = X.reshape(1, -1)
        X = as_matrix(X, self.layer_sizes[0], "x")
        rows = X.shape[0] if per_sample else 1
        out = np.empty((rows, self._trace_length))
        _ffi.call("sm_net_trace", self._h, _ffi.ptr(X), X.shape[0], X.shape[1], int(bool(per_sample)),
                  _ffi.ptr(out), out.size)
        return out if per_sample else [float(v) for v in out[0]]


def _sizes(layer_sizes) -> np.ndarray:
    try:
        sizes = [as_int(s, "layer_sizes") for s in layer_sizes]
    except TypeError:
        raise TypeError(f"layer_sizes must be a sequence of ints, got {layer_sizes!r}") from None
    if len(sizes) < 2 or any(s < 1 for s in sizes):
        raise ValueError(f"layer_sizes needs at least 2 sizes, each >= 1, got {sizes}")
    return np.array(sizes, dtype=np.int64)


def _activation(name) -> bytes:
    if not isinstance(name, str):
        raise TypeError(f"activation must be a string, got {name!r}")
    return name.encode("utf-8")
