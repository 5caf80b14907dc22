"""`swiftmoons.cnn`: convolutional networks, computed in Swift.

A `CNN` is a list of `swiftmoons.layers` layers (convolutions, pooling,
dense layers, dropout, activations) over samples of shape (C, H, W) or
(D,), ending in a Dense layer whose units are the classes. Its parameters
are one flat vector laid out as `swiftmoons.layers.parameter_layout` says
and drawn as `swiftmoons.layers.initial_parameters` draws them, bit for
bit; its training (``fit``) runs whole in the native library, minibatch SGD
or Adam as scikit-learn's.

Examples
--------
>>> import numpy as np
>>> from swiftmoons.cnn import CNN
>>> from swiftmoons.layers import Conv2D, MaxPool2D, Flatten, Dense
>>> net = CNN((1, 8, 8), [Conv2D(4, 3, padding=1), "relu", MaxPool2D(2), Flatten(), Dense(3)], seed=0)
>>> X = np.random.RandomState(0).random_sample((6, 1, 8, 8))
>>> net.predict_proba(X).shape
(6, 3)
>>> history = net.fit(X, [0, 1, 2, 0, 1, 2], epochs=3, lr=0.1, batch_size=2)
>>> len(history["loss"])
3
"""

from __future__ import annotations

import copy
import ctypes
import dataclasses
import json
import math
import os
from typing import Sequence

import numpy as np

from . import _ffi, activations, layers as _spec
from ._convert import as_flag, as_float_array, as_int, as_name, as_path, as_positive_int, as_real, as_sequence
from ._types import ArrayLike, FloatArray, IntArray
from .random import RandomState
from .storage import opened_state
from .training import progress_bar, run_with_bar

#: The layer kinds' codes in sm_cnn_create's description (include/swiftmoons.h).
_CODES = {_spec.Conv2D: 0, _spec.MaxPool2D: 1, _spec.AvgPool2D: 2, _spec.Flatten: 3, _spec.Dense: 4,
          _spec.Dropout: 5, _spec.Activation: 6}
#: Numbers per layer in the codes array (SM_CNN_CODES_PER_LAYER).
_PER_LAYER = 5
#: The optimizers' codes in sm_cnn_fit.
OPTIMIZERS = ("sgd", "adam")
#: Numbers per epoch in sm_cnn_fit's history (SM_CNN_HISTORY_FIELDS): loss, accuracy, val_loss,
#: val_accuracy, seconds.
_HISTORY_FIELDS = 5


#: The largest size, stride or padding the library takes (it checks this range itself; only values
#: beyond int64, which the codes array cannot hold, are refused here).
_MAX_SIZE = 2**31 - 1


def _fits(values: Sequence[int], what: str) -> None:
    """ValueError if a layer's or the input's integer cannot be passed as int64 (NumPy would raise OverflowError)."""
    for value in values:
        if not -(2**63) <= value < 2**63:
            raise ValueError(f"{what} must be at most {_MAX_SIZE}, got {value}")


def _describe(parsed: Sequence[_spec.Layer]) -> tuple[np.ndarray, np.ndarray]:
    """The layers as sm_cnn_create's codes (five int64 per layer) and reals (one per layer)."""
    for i, layer in enumerate(parsed):
        _fits([v for v in dataclasses.astuple(layer) if isinstance(v, int)], f"layers[{i}] ({layer}): each size")
    codes = np.zeros((len(parsed), _PER_LAYER), dtype=np.int64)
    reals = np.full(len(parsed), math.nan)
    names = list(activations.PARAMETERS)  # the library's order of activations
    for i, layer in enumerate(parsed):
        codes[i, 0] = _CODES[type(layer)]
        if isinstance(layer, _spec.Conv2D):
            codes[i, 1:] = (layer.channels, layer.kernel_size, layer.stride, layer.padding)
        elif isinstance(layer, (_spec.MaxPool2D, _spec.AvgPool2D)):
            codes[i, 1:3] = (layer.size, layer.size if layer.stride is None else layer.stride)
        elif isinstance(layer, _spec.Dense):
            codes[i, 1] = layer.units
        elif isinstance(layer, _spec.Dropout):
            reals[i] = layer.rate
        elif isinstance(layer, _spec.Activation):
            codes[i, 1] = names.index(layer.name)
            reals[i] = math.nan if layer.alpha is None else layer.alpha
    return codes, reals


class CNN(_ffi.Handle):
    """A convolutional classifier in Swift: `swiftmoons.layers` layers, softmax cross-entropy.

    Parameters
    ----------
    input_shape : (C, H, W) or (D,)
        One sample's shape: an image, channels first, or a vector.
    layers : sequence
        Layers as `swiftmoons.layers.parse_layers` accepts them (layer
        objects, or activation specs such as ``"relu"``); the last a
        `swiftmoons.layers.Dense` whose units are the classes.
    seed : int
        In 0 .. 2**32 - 1: RandomState(seed) draws the weights, then each
        epoch's permutation.
    init : {"glorot_uniform", "he", "xavier"}
        How the weights are drawn (see `swiftmoons.layers.initial_parameters`).
    dropout_seed : int or None
        Seeds the stream of the dropout masks; None means (seed + 1) mod 2**32.

    Attributes
    ----------
    input_shape : tuple of int
    layers : tuple of layers
        As parsed.
    shapes : list of tuple of int
        Each layer's output shape per sample.
    layout : list of swiftmoons.layers.ParameterBlock
        Where each parameter array lies in the flat vector.

    Raises
    ------
    TypeError, ValueError
        For bad layers or shapes (as `swiftmoons.layers.check_network`), a
        bad seed or init.

    Examples
    --------
    >>> from swiftmoons.layers import Dense
    >>> net = CNN((4,), [Dense(8), "tanh", Dense(3)], seed=1)
    >>> net
    CNN((4,), [Dense(units=8), Activation(name='tanh', alpha=None), Dense(units=3)])
    >>> net.parameters().shape
    (67,)
    """

    _free_name = "sm_cnn_free"
    _kind = "CNN"

    def __init__(self, input_shape: Sequence[int], layers: Sequence[object], *, seed: int = 0,
                 init: str = "glorot_uniform", dropout_seed: int | None = None):
        self._handle = None
        parsed = _spec.check_network(input_shape, layers)
        shape = tuple(int(s) for s in input_shape)
        _fits(shape, "input_shape's sizes")
        seed = as_int(seed, "seed", 0, 2**32 - 1)
        drop = -1 if dropout_seed is None else as_int(dropout_seed, "dropout_seed", 0, 2**32 - 1)
        init = as_name(init, "init")
        codes, reals = _describe(parsed)
        dims = np.array(shape, dtype=np.int64)
        handle = _ffi.create("sm_cnn_create", _ffi.ptr(dims), len(shape), _ffi.ptr(codes), _ffi.ptr(reals),
                             len(parsed), seed, init.encode(), drop)
        super().__init__(handle)
        self.input_shape = shape
        self.layers = parsed
        self.shapes = _spec.output_shapes(shape, parsed)
        self.layout = _spec.parameter_layout(shape, parsed)
        self._sample = math.prod(shape)
        self._classes = self.shapes[-1][0]
        count = ctypes.c_int64()
        _ffi.call("sm_cnn_param_count", self._h, ctypes.byref(count))
        self._count = count.value

    def __repr__(self) -> str:
        return f"CNN({self.input_shape}, {list(self.layers)})"

    @property
    def parameter_count(self) -> int:
        """The length of the flat parameter vector."""
        return self._count

    # ---- conversions -----------------------------------------------------------------

    def _samples(self, X: ArrayLike) -> np.ndarray:
        """X as a C-contiguous (n, sample values) float64 array."""
        arr = as_float_array(X, "X")
        if arr.ndim < 1 or arr.shape[1:] not in (self.input_shape, (self._sample,)):
            raise ValueError(f"X must have shape (n,) + {self.input_shape} or (n, {self._sample}), got {arr.shape}")
        return arr.reshape(len(arr), self._sample)

    @staticmethod
    def _labels(y: ArrayLike, n: int) -> np.ndarray:
        """y as n int64 class indices (integral floats are accepted; the library checks the range)."""
        arr = np.asarray(y)
        if arr.shape != (n,):
            raise ValueError(f"y must have shape ({n},), got {arr.shape}")
        if arr.dtype.kind not in "iuf" or arr.dtype == np.bool_:
            raise TypeError(f"y must hold class indices (integers), got dtype {arr.dtype}")
        if arr.size and arr.dtype.kind == "f" and not np.isfinite(arr).all():
            raise ValueError(f"y must hold class indices (integers), got {arr[~np.isfinite(arr)][0]}")
        if arr.size and arr.dtype.kind in "uf" and arr.max() > np.iinfo(np.int64).max:
            raise ValueError(f"y must hold class indices (integers), got {arr.max()}")
        labels = arr.astype(np.int64)
        if arr.dtype.kind == "f" and not np.array_equal(labels, arr):
            raise ValueError("y must hold class indices (integers), got non-integral values")
        return np.ascontiguousarray(labels)

    def _long(self, name: str, *args: object) -> None:
        """A call that takes a progress handle last, stoppable with Ctrl-C."""
        status, interruption = _ffi.run_long(lambda progress: getattr(_ffi.lib, name)(*args, progress))
        if interruption is not None:
            raise interruption
        _ffi.check_long(status)

    # ---- parameters ------------------------------------------------------------------

    def parameters(self) -> FloatArray:
        """A copy of the flat parameter vector.

        Returns
        -------
        ndarray of float64, shape (parameter_count,)
            Laid out as ``layout`` says.

        Examples
        --------
        >>> from swiftmoons.layers import Dense
        >>> CNN((2,), [Dense(2)]).parameters()[-2:]  # the bias starts at 0
        array([0., 0.])
        """
        out = np.empty(self._count)
        _ffi.call("sm_cnn_get_params", self._h, _ffi.ptr(out), out.size)
        return out

    def set_parameters(self, params: ArrayLike) -> None:
        """Replace every parameter.

        Parameters
        ----------
        params : array-like of shape (parameter_count,)

        Raises
        ------
        SwiftMoonsError
            If the length is wrong (the network is unchanged).

        Examples
        --------
        >>> from swiftmoons.layers import Dense
        >>> net = CNN((2,), [Dense(2)])
        >>> net.set_parameters([1, 2, 3, 4, 0, 0])
        >>> net.forward([[1.0, 1.0]])
        array([[4., 6.]])
        """
        values = as_float_array(params, "params").ravel()
        _ffi.call("sm_cnn_set_params", self._h, _ffi.ptr(values), values.size)

    # ---- passes ----------------------------------------------------------------------

    def _forward(self, X: ArrayLike, probabilities: bool) -> FloatArray:
        x = self._samples(X)
        out = np.empty((len(x), self._classes))
        args = (self._h, _ffi.ptr(x), len(x), self._sample, int(probabilities), _ffi.ptr(out), out.size)
        if len(x) * self._count < _ffi.LONG_WORK:
            _ffi.call("sm_cnn_forward", *args, None)
        else:
            self._long("sm_cnn_forward", *args)
        return out

    def forward(self, X: ArrayLike) -> FloatArray:
        """The logits of each sample, in evaluation mode (dropout off).

        Parameters
        ----------
        X : array-like of shape (n,) + input_shape, or (n, prod(input_shape))

        Returns
        -------
        ndarray of float64, shape (n, classes)

        Examples
        --------
        >>> from swiftmoons.layers import Dense
        >>> CNN((3,), [Dense(2)]).forward([[0.0, 0.0, 0.0]])  # the biases: 0
        array([[0., 0.]])
        """
        return self._forward(X, False)

    def predict_proba(self, X: ArrayLike) -> FloatArray:
        """The softmax of the logits, in evaluation mode.

        Parameters
        ----------
        X : array-like of shape (n,) + input_shape, or (n, prod(input_shape))

        Returns
        -------
        ndarray of float64, shape (n, classes)
            Rows sum to 1.

        Examples
        --------
        >>> from swiftmoons.layers import Dense
        >>> CNN((3,), [Dense(2)]).predict_proba([[0.0, 0.0, 0.0]])
        array([[0.5, 0.5]])
        """
        return self._forward(X, True)

    def predict(self, X: ArrayLike) -> IntArray:
        """The most probable class of each sample.

        Parameters
        ----------
        X : array-like of shape (n,) + input_shape, or (n, prod(input_shape))

        Returns
        -------
        ndarray of int64, shape (n,)

        Examples
        --------
        >>> from swiftmoons.layers import Dense
        >>> net = CNN((2,), [Dense(2)])
        >>> net.set_parameters([1, 0, 0, 1, 0, 0])
        >>> net.predict([[2.0, 1.0], [0.0, 3.0]])
        array([0, 1])
        """
        return np.asarray(np.argmax(self._forward(X, False), axis=1), dtype=np.int64)

    def evaluate(self, X: ArrayLike, y: ArrayLike) -> tuple[float, float]:
        """The mean cross-entropy and the accuracy of the samples, in evaluation mode.

        Parameters
        ----------
        X : array-like of shape (n,) + input_shape, or (n, prod(input_shape))
            At least one sample.
        y : array-like of shape (n,)
            Class indices in 0 .. classes - 1.

        Returns
        -------
        (float, float)
            The loss, and the fraction of samples whose logits' argmax (the
            first largest, as ``predict``) is their class.

        Examples
        --------
        >>> from swiftmoons.layers import Dense
        >>> net = CNN((2,), [Dense(2)])
        >>> net.set_parameters([1, 0, 0, 1, 0, 0])  # logits = x
        >>> loss, accuracy = net.evaluate([[2.0, 0.0], [0.0, 2.0], [2.0, 0.0]], [0, 1, 1])
        >>> round(loss, 6), round(accuracy, 6)
        (0.793595, 0.666667)
        """
        x = self._samples(X)
        labels = self._labels(y, len(x))
        if not len(x):
            raise ValueError("X must hold at least one sample (the loss is a mean over samples)")
        loss, accuracy = ctypes.c_double(), ctypes.c_double()
        self._long("sm_cnn_evaluate", self._h, _ffi.ptr(x), len(x), self._sample, _ffi.ptr(labels),
                   ctypes.byref(loss), ctypes.byref(accuracy))
        return loss.value, accuracy.value

    def loss(self, X: ArrayLike, y: ArrayLike) -> float:
        """The mean cross-entropy of the samples against their classes, in evaluation mode.

        Parameters
        ----------
        X : array-like of shape (n,) + input_shape, or (n, prod(input_shape))
        y : array-like of shape (n,)
            Class indices in 0 .. classes - 1.

        Returns
        -------
        float

        Examples
        --------
        >>> from swiftmoons.layers import Dense
        >>> round(CNN((3,), [Dense(2)]).loss([[0.0, 0.0, 0.0]], [1]), 6)  # log 2
        0.693147
        """
        return self.evaluate(X, y)[0]

    def score(self, X: ArrayLike, y: ArrayLike) -> float:
        """The accuracy: the fraction of samples that ``predict`` puts in their class.

        Parameters
        ----------
        X : array-like of shape (n,) + input_shape, or (n, prod(input_shape))
        y : array-like of shape (n,)

        Returns
        -------
        float

        Examples
        --------
        >>> from swiftmoons.layers import Dense
        >>> net = CNN((2,), [Dense(2)])
        >>> net.set_parameters([1, 0, 0, 1, 0, 0])
        >>> net.score([[2.0, 0.0], [0.0, 2.0]], [0, 0])
        0.5
        """
        return self.evaluate(X, y)[1]

    def gradients(self, X: ArrayLike, y: ArrayLike,
                  masks: Sequence[ArrayLike] | None = None) -> tuple[float, FloatArray]:
        """The loss and flat gradient of one training pass over a batch.

        Parameters
        ----------
        X : array-like of shape (n,) + input_shape, or (n, prod(input_shape))
        y : array-like of shape (n,)
            Class indices.
        masks : sequence of array-like, or None
            One mask per Dropout layer, in order, each of the shape of that
            layer's input over the batch (values 0 or 1 / (1 - rate)); None
            draws them from the network's dropout stream (as training does).

        Returns
        -------
        (float, ndarray of float64 of shape (parameter_count,))
            The mean cross-entropy and its gradient, laid out as ``layout``.

        Examples
        --------
        >>> from swiftmoons.layers import Dense
        >>> net = CNN((3,), [Dense(2)])
        >>> net.set_parameters(np.zeros(8))
        >>> loss, grad = net.gradients([[1.0, 2.0, 3.0]], [0])
        >>> grad[-2:]  # the biases': softmax - onehot
        array([-0.5,  0.5])
        """
        x = self._samples(X)
        labels = self._labels(y, len(x))
        grad = np.empty(self._count)
        loss = ctypes.c_double()
        if masks is None:
            mask_ptr, mask_len = None, 0
        else:
            items = as_sequence(masks, "masks")
            flat = np.ascontiguousarray(np.concatenate([as_float_array(m, "masks").ravel() for m in items])
                                        if items else np.zeros(0))
            mask_ptr, mask_len = _ffi.ptr(flat), flat.size
        _ffi.call("sm_cnn_gradients", self._h, _ffi.ptr(x), len(x), self._sample, _ffi.ptr(labels), mask_ptr, mask_len,
                  ctypes.byref(loss), _ffi.ptr(grad), grad.size)
        return loss.value, grad

    def fit(self, X: ArrayLike, y: ArrayLike, epochs: int, lr: float = 0.01, batch_size: int = 32,
            optimizer: str = "sgd", momentum: float = 0.9, nesterov: bool = False, beta1: float = 0.9,
            beta2: float = 0.999, epsilon: float = 1e-8, shuffle: bool = True,
            validation_data: tuple[ArrayLike, ArrayLike] | None = None,
            progress: bool = False) -> dict[str, list[float]]:
        """Train with minibatches, the whole run in the native library.

        Each epoch draws a permutation of the samples from the stream that
        drew the weights (or keeps their order without ``shuffle``); each
        batch draws its dropout masks, then one step of scikit-learn's SGD
        (momentum, Nesterov's if asked) or Adam. The optimizer's state starts
        fresh in each call: a run split into two calls differs from one call
        (SGD's velocities and Adam's moments restart). After each epoch the
        validation samples, if given, are scored in evaluation mode.
        Ctrl-C stops it; a stopped or failed call leaves the network as it was.

        Parameters
        ----------
        X : array-like of shape (n,) + input_shape, or (n, prod(input_shape)), finite
        y : array-like of shape (n,)
            Class indices.
        epochs : int
            >= 0.
        lr : float
            The learning rate (Adam's initial rate), > 0.
        batch_size : int
            Rows per batch (the last batch of an epoch may be shorter), >= 1.
        optimizer : {"sgd", "adam"}
        momentum : float
            SGD's momentum, in [0, 1].
        nesterov : bool
            Nesterov's momentum (SGD).
        beta1, beta2, epsilon : float
            Adam's.
        shuffle : bool
            Shuffle the samples each epoch.
        validation_data : (X_val, y_val) or None
            Samples scored after every epoch (at least one; X_val finite).
        progress : bool
            Show a progress bar of the batches (tqdm's where installed).

        Returns
        -------
        dict of lists, one value per epoch
            ``loss`` and ``accuracy``: the training set's, each sample's
            measured as its batch was trained (dropout on, the parameters
            moving through the epoch); ``seconds``: the epoch's training
            time (not the validation's), by the library's monotonic clock;
            with ``validation_data``, ``val_loss`` and ``val_accuracy``
            after each epoch in evaluation mode.

        Examples
        --------
        >>> from swiftmoons.layers import Dense
        >>> net = CNN((2,), [Dense(4), "relu", Dense(2)], seed=3)
        >>> X, y = [[0, 0], [0, 1], [1, 0], [1, 1]], [0, 1, 1, 0]
        >>> h = net.fit(X, y, epochs=5, lr=0.05, batch_size=2, optimizer="adam", validation_data=(X, y))
        >>> sorted(h), len(h["loss"])
        (['accuracy', 'loss', 'seconds', 'val_accuracy', 'val_loss'], 5)
        >>> h["val_loss"][-1] == net.loss(X, y)
        True
        """
        x = self._samples(X)
        labels = self._labels(y, len(x))
        epochs = as_int(epochs, "epochs", 0)
        batch_size = as_positive_int(batch_size, "batch_size")
        optimizer = as_name(optimizer, "optimizer")
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {list(OPTIMIZERS)}, got {optimizer!r}")
        if validation_data is None:
            x_val, y_val = None, None
        else:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise TypeError("validation_data must be a pair (X_val, y_val)")
            x_val = self._samples(validation_data[0])
            y_val = self._labels(validation_data[1], len(x_val))
            if not len(x_val):
                raise ValueError("validation_data must hold at least one sample")
        show = as_flag(progress, "progress")
        history = np.full((epochs, _HISTORY_FIELDS), math.nan)
        args = (self._h, _ffi.ptr(x), len(x), self._sample, _ffi.ptr(labels),
                None if x_val is None else _ffi.ptr(x_val), 0 if x_val is None else len(x_val),
                None if y_val is None else _ffi.ptr(y_val), epochs, as_real(lr, "lr"), batch_size,
                OPTIMIZERS.index(optimizer), as_real(momentum, "momentum"), int(as_flag(nesterov, "nesterov")),
                as_real(beta1, "beta1"), as_real(beta2, "beta2"), as_real(epsilon, "epsilon"),
                int(as_flag(shuffle, "shuffle")), _ffi.ptr(history), history.size)
        batches = epochs * -(-len(x) // min(batch_size, max(len(x), 1))) if len(x) else 0
        bar = progress_bar(batches, "batch") if show and batches else None
        status, interruption = run_with_bar(lambda handle: _ffi.lib.sm_cnn_fit(*args, handle), bar)
        if interruption is not None:
            raise interruption
        _ffi.check_long(status)
        out = {"loss": history[:, 0].tolist(), "accuracy": history[:, 1].tolist()}
        if x_val is not None:
            out["val_loss"] = history[:, 2].tolist()
            out["val_accuracy"] = history[:, 3].tolist()
        out["seconds"] = history[:, 4].tolist()
        return out


    # ---- copies, pickles and files -----------------------------------------------------
    # A copy, a pickle and a file hold the same state (`cnn_state`): the
    # layers, the parameters and both streams, so that each trains on
    # exactly as the original would, and nothing is shared between them.

    def _extras(self) -> dict:
        """Attributes a user set on this object: copies and pickles keep them."""
        return {k: v for k, v in self.__dict__.items() if k not in _OWN_ATTRIBUTES}

    def __copy__(self) -> CNN:
        twin = cnn_from_state(cnn_state(self), cls=type(self))
        twin.__dict__.update(self._extras())
        return twin

    def __deepcopy__(self, memo: dict) -> CNN:
        twin = cnn_from_state(cnn_state(self), cls=type(self))
        memo[id(self)] = twin
        twin.__dict__.update(copy.deepcopy(self._extras(), memo))
        return twin

    def __reduce__(self):
        return _restore_cnn, (cnn_state(self), type(self)), self._extras() or None

    def save(self, path: str | os.PathLike) -> None:
        """Write the network to ``path`` as an ``.npz`` file; `swiftmoons.load` reads it back.

        The file (no pickle inside: ``numpy.load`` opens it) holds a JSON
        header with the format version, input shape and layers, the flat
        parameters and the states of both streams.

        Parameters
        ----------
        path : str or path-like
            Written as given (no ``.npz`` is appended).

        Examples
        --------
        >>> import os, tempfile, swiftmoons as sm
        >>> from swiftmoons.layers import Dense
        >>> net = CNN((3,), [Dense(4), "relu", Dense(2)], seed=5)
        >>> path = os.path.join(tempfile.mkdtemp(), "cnn.npz")
        >>> net.save(path)
        >>> again = sm.load(path)
        >>> again, bool((again.parameters() == net.parameters()).all())
        (CNN((3,), [Dense(units=4), Activation(name='relu', alpha=None), Dense(units=2)]), True)
        """
        state = cnn_state(self)
        arrays = dict(state["arrays"])
        arrays["header"] = np.array(json.dumps(state["header"]))
        with open(as_path(path), "wb") as f:  # np.savez would add ".npz" to a name without it
            np.savez(f, **arrays)


#: What __init__ sets: everything else in a CNN's __dict__ is the user's.
_OWN_ATTRIBUTES = frozenset({"_handle", "input_shape", "layers", "shapes", "layout", "_sample", "_classes", "_count"})
#: The format of a saved CNN (`swiftmoons.load` tells it from a saved MLP by this).
FORMAT = "swiftmoons.cnn"
FORMAT_VERSION = 1
_STREAMS = ("shuffle", "dropout")
_LAYER_CLASSES = {cls.__name__: cls for cls in _spec.LAYER_TYPES}


def cnn_state(net: CNN) -> dict:
    """Everything that makes `net` what it is, as plain data: a JSON-able header and arrays."""
    from . import __version__
    header = {"format": FORMAT, "format_version": FORMAT_VERSION, "library_version": __version__,
              "class": "CNN", "input_shape": list(net.input_shape),
              "layers": [{"kind": type(layer).__name__, **dataclasses.asdict(layer)} for layer in net.layers]}
    arrays = {"parameters": net.parameters()}
    streams = (RandomState(0), RandomState(0))
    try:
        _ffi.call("sm_cnn_get_streams", net, *streams)
        for name, stream in zip(_STREAMS, streams):
            _, key, pos, has_gauss, gauss = stream.get_state()
            arrays[f"{name}_key"] = key
            arrays[f"{name}_position"] = np.array([pos, has_gauss], dtype=np.int64)
            arrays[f"{name}_gaussian"] = np.array(gauss)
    finally:
        for stream in streams:
            stream.close()
    return {"header": header, "arrays": arrays}


def cnn_from_state(state: dict, source: str = "the saved state", cls: type | None = None) -> CNN:
    """A new CNN from `cnn_state`'s data; ValueError says what does not fit.

    `cls` (a subclass of CNN) is the class to build (pickles of user
    subclasses carry their own).
    """
    def bad(why: str) -> ValueError:
        return ValueError(f"{source} is not a valid swiftmoons CNN: {why}")

    header, arrays = opened_state(state, FORMAT, FORMAT_VERSION, source, bad)
    specs = header.get("layers")
    if not isinstance(specs, list) or not all(isinstance(spec, dict) for spec in specs):
        raise bad("layers must be a list of objects")
    built = []
    for i, spec in enumerate(specs):
        fields = dict(spec)
        kind = _LAYER_CLASSES.get(fields.pop("kind", None))  # type: ignore[arg-type]
        if kind is None:
            raise bad(f"layer {i} has kind {spec.get('kind')!r}, not one of {sorted(_LAYER_CLASSES)}")
        try:
            built.append(kind(**fields))
        except (TypeError, ValueError) as exc:
            raise bad(f"layer {i}: {exc}") from None
    shape = header.get("input_shape")
    if not isinstance(shape, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in shape):
        raise bad(f"input_shape must be a list of integers, got {shape!r}")
    target = cls if isinstance(cls, type) and issubclass(cls, CNN) else CNN
    try:
        net = target.__new__(target)
        CNN.__init__(net, tuple(shape), built)
        params = arrays.get("parameters")
        if not isinstance(params, np.ndarray) or params.dtype != np.float64 or params.shape != (net.parameter_count,):
            raise bad(f"parameters must be {net.parameter_count} float64 values")
        streams = []
        try:
            for name in _STREAMS:
                key, position, gauss = (arrays.get(f"{name}_{part}") for part in ("key", "position", "gaussian"))
                if not (isinstance(position, np.ndarray) and position.shape == (2,) and position.dtype.kind == "i"
                        and isinstance(gauss, np.ndarray) and gauss.shape == () and gauss.dtype == np.float64):
                    raise bad(f"the {name} stream's state is missing or malformed")
                stream = RandomState(0)
                streams.append(stream)
                stream.set_state(("MT19937", key, int(position[0]), int(position[1]), float(gauss)))
            net.set_parameters(params)
            _ffi.call("sm_cnn_set_streams", net, *streams)
        finally:
            for stream in streams:
                stream.close()
    except ValueError as exc:
        if str(exc).startswith(source):
            raise
        raise bad(str(exc)) from None
    except TypeError as exc:
        raise bad(str(exc)) from None
    return net


def _restore_cnn(state: dict, cls: type | None = None) -> CNN:
    """A CNN (of class `cls`) from the state a pickle carries."""
    return cnn_from_state(state, source="the pickled CNN", cls=cls)


__all__ = ["CNN", "OPTIMIZERS"]
