"""`MLP` and `TwoLayerNet`: fully connected networks computed in Swift."""

from __future__ import annotations

import copy
import ctypes
import math
import numbers
import os
import re
import sys
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from . import _ffi
from . import activations as _activations
from ._convert import INT32, as_float_array, as_int, as_matrix, as_name, as_real, as_sequence, empty
from ._types import Activations, ArrayLike, Callback, FloatArray, IntArray, Seed
from .random import RandomState, resolve

if sys.version_info >= (3, 11):
    from typing import Self
elif TYPE_CHECKING:
    from typing_extensions import Self
else:
    Self = "MLP"
if TYPE_CHECKING:
    from .training import TrainingRecords

_PARAM_NAME = re.compile(r"^([Wb])([1-9][0-9]*)$")
_F64 = np.dtype(np.float64)
_train_step = _ffi.lib.sm_net_train_step
_ptr = _ffi.ptr

#: Activation names accepted by the networks (see `swiftmoons.activations`).
ACTIVATIONS = _activations.NAMES
OUTPUTS = ("sigmoid", "softmax", "identity")
INITS = ("auto", "he", "xavier", "glorot_uniform")


class MLP(_ffi.Handle):
    """A fully connected network: ``z = a @ W + b`` per layer, computed in Swift.

    Parameters
    ----------
    layer_sizes : sequence of int
        Widths from input to output, e.g. ``(2, 8, 8, 1)``.
    activation : str, (str, float), or a list of those
        One activation for every hidden layer, or one per hidden layer (a
        "hybrid" network). A pair gives the parameter, e.g. ``("leaky_relu", 0.1)``.
        Names: see ``swiftmoons.activations.NAMES``.
    output : {"sigmoid", "softmax", "identity"}
        Sigmoid with binary cross-entropy (the article's, labels 0/1),
        softmax with cross-entropy (integer class labels), or identity with
        mean squared error.
    init : {"auto", "he", "xavier", "glorot_uniform"}
        "auto" is the article's rule: He for ReLU-like activations, Xavier
        (sqrt(1/fan_in)) for sigmoid, tanh and identity.
    bias_init : float or (mean, std)
        A constant, or biases drawn from N(mean, std^2) after all weights.
    seed : int, RandomState, numpy.random.RandomState or None
        An int starts a fresh stream (as the article's constructor reseeds
        NumPy); a stream object is drawn from and left after the draws;
        None seeds a fresh stream from the operating system.
    """

    _free_name = "sm_net_free"
    _kind = "network"

    def __init__(self, layer_sizes: Sequence[int], activation: Activations = "relu", output: str = "sigmoid",
                 init: str = "auto", bias_init: float | tuple[float, float] = 0.0, seed: Seed = 0) -> None:
        sizes = _sizes(layer_sizes)
        names, alphas = _activation_arrays(activation, len(sizes) - 2)
        output = _choice(output, OUTPUTS, "output")
        init = _choice(init, INITS, "init")
        mode, bias_a, bias_b = _bias(bias_init)
        stream, done = resolve(seed, "seed")
        try:
            handle = _ffi.create("sm_mlp_create", _ffi.ptr(sizes), len(sizes), ctypes.addressof(names),
                                 _ffi.ptr(alphas), len(alphas), output.encode(), init.encode(), mode, bias_a, bias_b,
                                 stream._h)
        finally:
            done()
        self._init_from_handle(handle)

    @classmethod
    def from_params(cls, params: Sequence[ArrayLike], activation: Activations, output: str = "sigmoid",
                    layer_sizes: Sequence[int] | None = None) -> Self:
        """A network with given parameters ``[W1, b1, (slopes1,) W2, b2, ...]``.

        PReLU layers take their slopes after their biases. ``layer_sizes`` is
        read from the weights' shapes. ``activation`` is required: the
        parameters alone do not say which activation they were trained with.
        """
        if isinstance(params, (str, bytes)) or not hasattr(params, "__iter__"):
            raise TypeError(f"params must be a list of arrays [W1, b1, W2, b2, ...], got {type(params).__name__}")
        arrays = [as_float_array(p, f"params[{i}]") for i, p in enumerate(params)]
        specs = list(activation) if isinstance(activation, list) else None
        sizes: list[int] = []
        i = 0
        while i < len(arrays):
            w = arrays[i]
            if w.ndim != 2 or (sizes and w.shape[0] != sizes[-1]):
                expected = f"({sizes[-1]}, fan_out)" if sizes else "(fan_in, fan_out)"
                raise ValueError(f"W{len(sizes) or 1} must have shape {expected}, got {w.shape}")
            sizes = sizes or [w.shape[0]]
            sizes.append(w.shape[1])
            i += 2  # W_k and b_k (b_k's shape is checked by the library's count)
            if i < len(arrays):  # W_k fed a hidden layer: PReLU adds its slopes
                k = len(sizes) - 1  # the hidden layer W_k feeds (1-based)
                spec = specs[min(k - 1, len(specs) - 1)] if specs else activation
                if _activations.parse(spec)[0] == "prelu":
                    i += 1
        if not sizes:
            raise ValueError("params must start with a 2-D weight matrix W1")
        size_array = _sizes(layer_sizes if layer_sizes is not None else sizes)
        names, alphas = _activation_arrays(activation, len(size_array) - 2)
        flat = np.ascontiguousarray(np.concatenate([p.ravel() for p in arrays]))
        self = cls.__new__(cls)
        self._init_from_handle(_ffi.create(
            "sm_mlp_create_from_params", _ffi.ptr(size_array), len(size_array), ctypes.addressof(names),
            _ffi.ptr(alphas),
            len(alphas), _choice(output, OUTPUTS, "output").encode(), _ffi.ptr(flat), flat.size))
        return self

    def _init_from_handle(self, handle):
        _ffi.Handle.__init__(self, handle)
        count = ctypes.c_int64()
        _ffi.call("sm_net_layer_count", handle, ctypes.byref(count))
        sizes = np.empty(count.value, dtype=np.int64)
        _ffi.call("sm_net_layer_sizes", handle, _ffi.ptr(sizes), sizes.size)
        acts = []
        for k in range(1, count.value - 1):
            name, alpha = ctypes.c_char_p(), ctypes.c_double()
            _ffi.call("sm_net_hidden_activation", handle, k, ctypes.byref(name), ctypes.byref(alpha))
            acts.append((name.value.decode("ascii"), None if math.isnan(alpha.value) else alpha.value))
        out_name, target_width = ctypes.c_char_p(), ctypes.c_int64()
        _ffi.call("sm_net_output", handle, ctypes.byref(out_name), ctypes.byref(target_width))
        trace = ctypes.c_int64()
        _ffi.call("sm_net_trace_length", handle, ctypes.byref(trace))
        pcount = ctypes.c_int64()
        _ffi.call("sm_net_param_count", handle, ctypes.byref(pcount))
        set_ = object.__setattr__
        set_(self, "layer_sizes", tuple(int(s) for s in sizes))
        set_(self, "activations", tuple(acts))
        set_(self, "output", out_name.value.decode("ascii"))
        set_(self, "_target_width", target_width.value)
        set_(self, "_trace_length", trace.value)
        set_(self, "_param_count", pcount.value)
        set_(self, "loss_history", [])
        set_(self, "_restored", None)
        loss = ctypes.c_double()
        set_(self, "_loss_out", loss)
        set_(self, "_loss_ref", ctypes.byref(loss))
        # What train_step's fast path compares a batch against.
        set_(self, "_x_strides", (8 * self.layer_sizes[0], 8))
        set_(self, "_y_strides", (8,))

    # ---- description -------------------------------------------------------

    @property
    def activation(self) -> str:
        """The first hidden layer's activation name (the article's single activation)."""
        return self.activations[0][0] if self.activations else "identity"

    @property
    def act_name(self) -> str:
        """The article's attribute: the hidden activation's name."""
        return self.activation

    @property
    def n_layers(self) -> int:
        """The number of weight layers."""
        return len(self.layer_sizes) - 1

    @property
    def epochs_trained(self) -> int:
        """The epochs this network has trained by `fit` / `train_together` (kept by copies and files)."""
        out = ctypes.c_int64()
        _ffi.call("sm_net_epochs_trained", self._h, ctypes.byref(out))
        return out.value

    # ---- copies, pickles, files ----------------------------------------------
    # Each copy owns its own native network: the same parameters, epochs
    # trained, records and loss history, bit for bit; training one never
    # touches another. Pickles and files carry the same state (see
    # `swiftmoons.storage`), so joblib, multiprocessing and Dask work too.

    def _extras(self) -> dict:
        """Attributes a user set on this object (a subclass's, a tag): copies and pickles keep them."""
        return {k: v for k, v in self.__dict__.items() if k not in _OWN_ATTRIBUTES}

    def __copy__(self) -> Self:
        twin = type(self).__new__(type(self))
        twin._init_from_handle(_ffi.create("sm_net_clone", self._h))
        twin.loss_history.extend(self.loss_history)
        twin.__dict__.update(self._extras())
        return twin

    def __deepcopy__(self, memo: dict) -> Self:
        twin = self.__copy__()
        memo[id(self)] = twin
        twin.__dict__.update(copy.deepcopy(self._extras(), memo))
        return twin

    def __reduce__(self):
        from .storage import state_of
        return _restore_network, (state_of(self), type(self)), self._extras() or None

    def save(self, path: str | os.PathLike) -> None:
        """Write the network to ``path`` (``.npz``; read it back with :func:`swiftmoons.load`).

        The file holds the layer sizes, activations and their parameters, the
        output kind, all parameters, the epochs trained, the loss history and
        the records, with a format version; NumPy alone can read it
        (``numpy.load(path)``). See :mod:`swiftmoons.storage`.
        """
        from .storage import save
        save(self, path)

    def _adopt(self, twin: MLP) -> None:
        """Take on another network's state (parameters, epochs, records, loss history): a twin trained elsewhere."""
        records = twin.records
        flat = None if records.params is None else np.array(
            [np.concatenate([p.ravel() for p in block]) for block in records.params])
        self.set_params(twin.get_params())
        self._restore_training(twin.epochs_trained, records.epochs, records.eval_loss, records.eval_accuracy, flat)
        self.loss_history[:] = twin.loss_history

    def _restore_training(self, epochs_trained, epochs, loss, accuracy, params):
        flat = np.zeros(0) if params is None else np.ascontiguousarray(params, dtype=np.float64).ravel()
        _ffi.call("sm_net_restore_training", self._h, epochs_trained, _ffi.ptr(epochs), _ffi.ptr(loss),
                  _ffi.ptr(accuracy), epochs.size, _ffi.ptr(flat), flat.size)

    def __repr__(self) -> str:
        names = [n if a is None else f"{n}({a:g})" for n, a in self.activations]
        acts = names[0] if len(set(names)) == 1 else (names or None)
        state = ", closed" if self.closed else ""
        return f"{type(self).__name__}({list(self.layer_sizes)}, activation={acts!r}, output={self.output!r}{state})"

    # ---- parameters --------------------------------------------------------

    def _layout(self):
        """(name, shape) of every flat parameter block, in order."""
        blocks = []
        for k in range(1, self.n_layers + 1):
            a, b = self.layer_sizes[k - 1], self.layer_sizes[k]
            blocks += [(f"W{k}", (a, b)), (f"b{k}", (1, b))]
            if k < self.n_layers and self.activations[k - 1][0] == "prelu":
                blocks.append((f"slopes{k}", (1, b)))
        return blocks

    def _flat(self) -> np.ndarray:
        out = np.empty(self._param_count)
        _ffi.call("sm_net_get_params", self._h, _ffi.ptr(out), out.size)
        return out

    def _split(self, flat) -> list:
        arrays, at = [], 0
        for _, shape in self._layout():
            size = shape[0] * shape[1]
            arrays.append(flat[at:at + size].reshape(shape).copy())
            at += size
        return arrays

    def get_params(self) -> list[FloatArray]:
        """Copies of ``[W1, b1, (slopes1,) W2, b2, ...]``; PReLU layers add their slopes."""
        return self._split(self._flat())

    def param_names(self) -> list[str]:
        """The names of `get_params`' arrays: ``["W1", "b1", ...]``."""
        return [name for name, _ in self._layout()]

    def set_params(self, params: Sequence[ArrayLike]) -> None:
        """Replace every parameter from ``[W1, b1, ...]``; nothing changes on error."""
        params = as_sequence(params, "params")
        layout = self._layout()
        if len(params) != len(layout):
            raise ValueError(f"Expected {len(layout)} arrays ({', '.join(n for n, _ in layout)}), got {len(params)}")
        flat = []
        for (name, shape), p in zip(layout, params):
            arr = as_float_array(p, name)
            if arr.shape != shape and not (shape[0] == 1 and arr.shape == (shape[1],)):
                raise ValueError(f"{name} must have shape {shape}, got {arr.shape}")
            flat.append(arr.ravel())
        arr = np.ascontiguousarray(np.concatenate(flat))
        _ffi.call("sm_net_set_params", self._h, _ffi.ptr(arr), arr.size)

    def _layer(self, k: int) -> int:
        k = as_int(k, "layer", INT32[0], INT32[1])
        if not 1 <= k <= self.n_layers:
            raise ValueError(f"This network has layers 1..{self.n_layers}, not {k}")
        return k

    def get_weights(self, k: int) -> FloatArray:
        """A copy of W_k, shape (layer_sizes[k-1], layer_sizes[k])."""
        k = self._layer(k)
        out = np.empty((self.layer_sizes[k - 1], self.layer_sizes[k]))
        _ffi.call("sm_net_get_weights", self._h, k, _ffi.ptr(out), out.size)
        return out

    def get_biases(self, k: int) -> FloatArray:
        """A copy of b_k, shape (1, layer_sizes[k])."""
        k = self._layer(k)
        out = np.empty((1, self.layer_sizes[k]))
        _ffi.call("sm_net_get_biases", self._h, k, _ffi.ptr(out), out.size)
        return out

    def get_slopes(self, k: int) -> FloatArray:
        """A copy of PReLU hidden layer k's learned slopes, shape (1, layer_sizes[k])."""
        k = as_int(k, "layer", INT32[0], INT32[1])
        out = np.empty((1, self.layer_sizes[k] if 1 <= k < self.n_layers else 0))
        _ffi.call("sm_net_get_slopes", self._h, k, _ffi.ptr(out), out.size)
        return out

    def set_weights(self, k: int, value: ArrayLike) -> None:
        """Replace W_k; the shape must be (layer_sizes[k-1], layer_sizes[k])."""
        k = self._layer(k)
        shape = (self.layer_sizes[k - 1], self.layer_sizes[k])
        arr = as_float_array(value, f"W{k}")
        if arr.shape != shape:
            raise ValueError(f"W{k} must have shape {shape}, got {arr.shape}")
        _ffi.call("sm_net_set_weights", self._h, k, _ffi.ptr(arr), arr.size)

    def set_biases(self, k: int, value: ArrayLike) -> None:
        """Replace b_k; the shape must be (1, layer_sizes[k]) or (layer_sizes[k],)."""
        k = self._layer(k)
        width = self.layer_sizes[k]
        arr = as_float_array(value, f"b{k}")
        if arr.shape not in ((1, width), (width,)):
            raise ValueError(f"b{k} must have shape (1, {width}), got {arr.shape}")
        _ffi.call("sm_net_set_biases", self._h, k, _ffi.ptr(arr), arr.size)

    def __getattr__(self, name):
        m = _PARAM_NAME.match(name)
        if m is None or "layer_sizes" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        k = int(m.group(2))
        if not 1 <= k <= self.n_layers:
            raise AttributeError(f"This network has {name[0]}1..{name[0]}{self.n_layers}, not {name}")
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

    def _targets(self, y, rows: int) -> np.ndarray:
        y = as_float_array(y, "y")
        width = self._target_width
        if y.size != rows * width or y.ndim > 2 or (y.ndim == 2 and y.shape != (rows, width)):
            expected = f"({rows},)" if width == 1 else f"({rows}, {width})"
            raise ValueError(f"y must have shape {expected} to match X, got {y.shape}")
        return y

    def forward(self, X: ArrayLike) -> FloatArray:
        """The output for each row of X: shape (n, layer_sizes[-1]).

        Parameters
        ----------
        X : array-like of shape (n, layer_sizes[0])
        """
        X = as_matrix(X, self.layer_sizes[0])
        out = empty((X.shape[0], self.layer_sizes[-1]), "The output")
        args = (self._h, _ffi.ptr(X), X.shape[0], X.shape[1], _ffi.ptr(out), out.size)
        if X.shape[0] * self._param_count < _ffi.LONG_WORK:
            _ffi.call("sm_net_forward", *args, None)
            return out
        # A pass long enough to want stopping: Ctrl-C cancels it.
        status, interruption = _ffi.run_long(lambda progress: _ffi.lib.sm_net_forward(*args, progress))
        if interruption is not None:
            raise interruption
        _ffi.check_long(status)
        return out

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Class predictions: output >= 0.5 (sigmoid) or the argmax (softmax); the output for identity."""
        out = self.forward(X)
        if self.output == "softmax":
            return out.argmax(axis=1)
        if self.output == "sigmoid":
            labels = (out >= 0.5).astype(np.int64)
            return labels[:, 0] if labels.shape[1] == 1 else labels
        return out

    def train_step(self, X: ArrayLike, y: ArrayLike, lr: float = 0.05) -> float:
        """One SGD step on the batch (X, y), as the article's ``train_step``.

        Parameters
        ----------
        X : array-like of shape (n, layer_sizes[0]), finite
        y : targets: n * layer_sizes[-1] values, in [0, 1] for a sigmoid
            output, finite for identity; or n class indices for softmax
        lr : float, finite and >= 0

        Returns
        -------
        float
            The batch's loss before the update.

        Raises
        ------
        ValueError
            If X, y or lr break those rules; the network is then unchanged.
        """
        # The common case skips the conversions: float64 arrays with C strides
        # (which, with the shapes checked, makes them contiguous), X 2-D and y
        # 1-D. A step of the article's network then costs a few microseconds.
        shape = X.shape if type(X) is np.ndarray else None
        if not (shape and X.dtype is _F64 and X.strides == self._x_strides and shape[1] == self.layer_sizes[0]
                and shape[0] >= 1):
            X = as_matrix(X, self.layer_sizes[0])
            shape = X.shape
        rows = shape[0]
        if not (type(y) is np.ndarray and y.dtype is _F64 and y.strides == self._y_strides
                and y.shape[0] == rows * self._target_width):
            y = self._targets(y, rows)
        if type(lr) is not float:
            lr = as_real(lr, "lr")
        # X must be finite, y within the output's targets, lr finite and >= 0:
        # the library checks all three before it changes anything.
        status = _train_step(self._h, _ptr(X), rows, shape[1], _ptr(y), y.size, lr, self._loss_ref)
        if status:
            _ffi.check(status)
        return self._loss_out.value

    def fit(self, X: ArrayLike, y: ArrayLike, epochs: int = 800, lr: float = 0.05, batch_size: int = 64,
            rng: Seed = None, *, record_every: int = 0, record_params: bool = False, X_eval: ArrayLike | None = None,
            y_eval: ArrayLike | None = None, progress: bool = False, callback: Callback | None = None,
            callback_every: int = 1, executor: Any = None) -> list[float]:
        """Train for ``epochs`` epochs in one native call, as the article's loop.

        Each epoch shuffles with ``rng`` (a :class:`RandomState`, a NumPy
        ``RandomState``, an int seed or None), takes SGD steps on mini-batches
        in that order, and appends the mean batch loss to ``loss_history``.
        See :func:`swiftmoons.train_together` for the parameters, progress
        bars, callbacks and what Ctrl-C leaves behind.

        Returns
        -------
        list of float
            The new epoch losses.
        """
        from .training import train_together
        return train_together([self], X, y, epochs=epochs, lr=lr, batch_size=batch_size, rng=rng,
                              record_every=record_every, record_params=record_params,
                              X_eval=X_eval, y_eval=y_eval, progress=progress, callback=callback,
                              callback_every=callback_every, executor=executor)[0]

    @property
    def records(self) -> TrainingRecords:
        """What training recorded (see ``fit``'s ``record_every``), as :class:`TrainingRecords`."""
        from .training import records_of
        return records_of(self)

    def clear_records(self) -> None:
        """Forget the training records."""
        _ffi.call("sm_net_clear_records", self._h)

    def evaluate(self, X: ArrayLike, y: ArrayLike) -> tuple[float, float]:
        """The mean loss and the accuracy on (X, y); accuracy is NaN for identity outputs."""
        X = as_matrix(X, self.layer_sizes[0])
        y = self._targets(y, X.shape[0])
        loss, accuracy = ctypes.c_double(), ctypes.c_double()
        _ffi.call("sm_net_evaluate", self._h, _ffi.ptr(X), X.shape[0], X.shape[1], _ffi.ptr(y), y.size,
                  ctypes.byref(loss), ctypes.byref(accuracy))
        return loss.value, accuracy.value

    def get_hidden(self, X: ArrayLike, layer: int = 1) -> FloatArray:
        """Post-activation values of hidden ``layer`` (1-based), shape (n, layer_sizes[layer])."""
        X = as_matrix(X, self.layer_sizes[0])
        layer = as_int(layer, "layer", INT32[0], INT32[1])
        if not 1 <= layer <= self.n_layers - 1:
            raise ValueError(f"layer must be in 1..{self.n_layers - 1}, got {layer}")
        out = empty((X.shape[0], self.layer_sizes[layer]), "The hidden activations")
        _ffi.call("sm_net_hidden", self._h, layer, _ffi.ptr(X), X.shape[0], X.shape[1], _ffi.ptr(out), out.size)
        return out

    def get_z_trace(self, x: ArrayLike, per_sample: bool = False) -> list[float] | FloatArray:
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
        out = empty((rows, self._trace_length), "The trace")
        _ffi.call("sm_net_trace", self._h, _ffi.ptr(X), X.shape[0], X.shape[1], int(bool(per_sample)),
                  _ffi.ptr(out), out.size)
        return out if per_sample else [float(v) for v in out[0]]

    # ---- diagnostics -------------------------------------------------------

    def gradients(self, X: ArrayLike, y: ArrayLike) -> tuple[float, list[FloatArray]]:
        """The loss on the batch and its gradient for every parameter (as `get_params`), without updating."""
        X = as_matrix(X, self.layer_sizes[0])
        y = self._targets(y, X.shape[0])
        loss, out = ctypes.c_double(), np.empty(self._param_count)
        _ffi.call("sm_net_gradients", self._h, _ffi.ptr(X), X.shape[0], X.shape[1], _ffi.ptr(y), y.size,
                  ctypes.byref(loss), _ffi.ptr(out), out.size)
        return loss.value, self._split(out)

    def gradient_norms(self, X: ArrayLike, y: ArrayLike) -> FloatArray:
        """The Frobenius norm of the loss gradient for each layer's weights W1..WL, for one batch."""
        _, grads = self.gradients(X, y)
        names = self.param_names()
        return np.array([np.linalg.norm(g) for name, g in zip(names, grads) if name.startswith("W")])

    def firing_counts(self, X: ArrayLike) -> list[IntArray]:
        """Per hidden layer, for each unit the number of rows of X on which its pre-activation is positive."""
        X = as_matrix(X, self.layer_sizes[0])
        widths = self.layer_sizes[1:-1]
        out = np.empty(sum(widths), dtype=np.int64)
        _ffi.call("sm_net_firing_counts", self._h, _ffi.ptr(X), X.shape[0], X.shape[1], _ffi.ptr(out), out.size)
        return np.split(out, np.cumsum(widths)[:-1]) if widths else []

    def alive_units(self, X: ArrayLike) -> list[np.ndarray]:
        """Per hidden layer, a boolean array: does the unit fire (pre-activation > 0) on at least one row of X?"""
        return [counts > 0 for counts in self.firing_counts(X)]

    def hidden_spread(self, X: ArrayLike) -> list[float]:
        """The std of each hidden layer's activations over X (the article's 'std' per layer)."""
        self._h  # a closed network raises even without hidden layers
        return [float(self.get_hidden(X, k).std()) for k in range(1, self.n_layers)]

    def geometry_kept(self, X: ArrayLike) -> list[float]:
        """Per hidden layer, the rank (Spearman) correlation between pairwise
        distances of the rows of X and of that layer's activations: 1 means the
        layer keeps the inputs' distance order, 0 means it forgets it."""
        from .diagnostics import distance_rank_correlation
        self._h
        X = as_matrix(X, self.layer_sizes[0])
        if X.shape[0] < 3:
            raise ValueError(f"geometry_kept needs at least 3 rows of X (pairs of distances to rank), got {X.shape[0]}")
        return [distance_rank_correlation(X, self.get_hidden(X, k)) for k in range(1, self.n_layers)]


class TwoLayerNet(MLP):
    """The article's network: 2-8-8-1 by default, one hidden activation, a sigmoid output.

    Parameters
    ----------
    activation : str
        The hidden layers' activation ("sigmoid" and "relu" in the article;
        any name of ``swiftmoons.activations.NAMES``).
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

    _kind = "TwoLayerNet"

    def __init__(self, activation: str = "relu", seed: Seed = 0, layer_sizes: Sequence[int] = (2, 8, 8, 1)) -> None:
        if not isinstance(activation, (str, tuple)):
            raise TypeError(f"activation must be a string, got {activation!r}")
        super().__init__(layer_sizes, activation=activation, output="sigmoid", init="auto", bias_init=0.0,
                         seed=seed)

    @classmethod
    def from_params(cls, weights: Sequence[ArrayLike], biases: Sequence[ArrayLike],  # type: ignore[override]
                    activation: Activations) -> Self:
        """A network with the given weights ``[W1, W2, ...]`` and biases ``[b1, b2, ...]``.

        ``activation`` is required: the weights do not say which one they were trained with.
        """
        if any(isinstance(v, (str, bytes)) or not hasattr(v, "__iter__") for v in (weights, biases)):
            raise TypeError("weights and biases must be lists of arrays")
        weights, biases = list(weights), list(biases)
        if not weights or len(weights) != len(biases):
            raise ValueError(f"Need as many biases as weights (at least one), got {len(weights)} and {len(biases)}")
        return super().from_params([p for pair in zip(weights, biases) for p in pair], activation=activation)

    def __repr__(self) -> str:
        state = ", closed" if self.closed else ""
        return f"TwoLayerNet(activation={self.activation!r}, layer_sizes={self.layer_sizes}{state})"


def _restore_network(state, cls=None):
    """A network (of class `cls`, a subclass of MLP) from the state a pickle carries (see `swiftmoons.storage`)."""
    from .storage import network_from_state
    return network_from_state(state, source="the pickled network", cls=cls)


#: What `_init_from_handle` sets: everything else in a network's __dict__ is the user's.
_OWN_ATTRIBUTES = frozenset({"_handle", "layer_sizes", "activations", "output", "_target_width", "_trace_length",
                             "_param_count", "loss_history", "_restored", "_loss_out", "_loss_ref", "_x_strides",
                             "_y_strides"})


def _sizes(layer_sizes) -> np.ndarray:
    if isinstance(layer_sizes, (str, bytes)) or not hasattr(layer_sizes, "__iter__"):
        raise TypeError(f"layer_sizes must be a sequence of ints, got {layer_sizes!r}")
    try:
        sizes = [as_int(s, "layer_sizes", 1, INT32[1]) for s in layer_sizes]
    except TypeError:
        raise TypeError(f"layer_sizes must be a sequence of ints, got {layer_sizes!r}") from None
    if len(sizes) < 2 or any(s < 1 for s in sizes):
        raise ValueError(f"layer_sizes needs at least 2 sizes, each >= 1, got {sizes}")
    return np.array(sizes, dtype=np.int64)


def _activation_arrays(activation, hidden: int):
    """C arrays of names and parameters (NaN = default) for the hidden layers."""
    specs = list(activation) if isinstance(activation, list) else [activation]
    if len(specs) not in (1, hidden) and not (hidden == 0 and len(specs) <= 1):
        raise ValueError(f"Give one activation for all hidden layers or one per hidden layer ({hidden}), "
                         f"got {len(specs)}")
    parsed = [_activations.parse(s) for s in specs]
    names = (ctypes.c_char_p * len(parsed))(*[name.encode() for name, _ in parsed])
    alphas = np.array([math.nan if a is None else a for _, a in parsed], dtype=np.float64)
    return names, alphas


def _choice(value, options, what: str) -> str:
    value = as_name(value, what)
    if value not in options:
        raise ValueError(f"Unknown {what} {value!r}; valid values are {', '.join(options)}")
    return value


def _bias(bias_init):
    if isinstance(bias_init, numbers.Real) and not isinstance(bias_init, (bool, np.bool_)):
        value = float(bias_init)
        if not math.isfinite(value):
            raise ValueError(f"bias_init must be finite, got {value}")
        return 0, value, 0.0
    try:
        mean, std = (as_real(v, "bias_init") for v in bias_init)
    except (TypeError, ValueError):
        raise ValueError(f"bias_init must be a number or a (mean, std) pair, got {bias_init!r}") from None
    if not (math.isfinite(mean) and math.isfinite(std) and std >= 0):
        raise ValueError(f"bias_init needs a finite mean and std >= 0, got ({mean}, {std})")
    return 1, mean, std

