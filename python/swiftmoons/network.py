"""`MLP` and `TwoLayerNet`: fully connected networks computed in Swift."""

from __future__ import annotations

import copy
import ctypes
import math
import numbers
import os
import re
import sys
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from . import _ffi
from . import activations as _activations
from ._convert import INT32, as_float_array, as_int, as_matrix, as_name, as_real, as_sequence, as_targets, empty
from ._types import ActivationSpec, Activations, ArrayLike, Callback, FloatArray, IntArray, Seed
from .random import resolve

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
#: The output kinds (`MLP`'s ``output``).
OUTPUTS = _ffi.names("output")
#: The weight initialisations (`MLP`'s ``init``).
INITS = _ffi.names("initializer")


class MLP(_ffi.Handle):
    """A fully connected network: ``z = a @ W + b`` per layer, computed in Swift.

    Each hidden layer applies its activation to ``z``; the output layer
    applies the output function, and training minimises that output's loss
    by plain SGD. The parameters live in the native library: ``W1``,
    ``b1``, ... read copies of them, and assigning a whole array to one
    replaces it.

    Parameters
    ----------
    layer_sizes : sequence of int
        Widths from input to output, at least two, each >= 1, e.g.
        ``(2, 8, 8, 1)``.
    activation : str, (str, float), or a list of those
        One activation for every hidden layer, or a list with one per
        hidden layer. A pair gives the parameter, e.g.
        ``("leaky_relu", 0.1)`` (see :func:`swiftmoons.activations.parse`).
        Names: ``swiftmoons.activations.NAMES``.
    output : {"sigmoid", "softmax", "identity"}
        Sigmoid with binary cross-entropy (the article's; targets in
        [0, 1]), softmax with cross-entropy (targets are class indices; at
        least 2 output units), or identity with mean squared error.
    init : {"auto", "he", "xavier", "glorot_uniform"}
        How the weights are drawn: "he" is ``randn * sqrt(2 / fan_in)``,
        "xavier" ``randn * sqrt(1 / fan_in)``, "glorot_uniform"
        ``uniform(-l, l)`` with ``l = sqrt(6 / (fan_in + fan_out))``. "auto"
        is the article's rule: Xavier for weights that feed a sigmoid, tanh
        or identity layer, He for every other activation (the output
        weights follow the last hidden layer's activation).
    bias_init : float or (mean, std)
        A constant, or biases drawn from N(mean, std^2), from the same
        stream, after all the weights.
    seed : int, RandomState, numpy.random.RandomState or None
        An int in 0..2**32 - 1 starts a fresh stream (as the article's
        constructor reseeds NumPy); a stream object is drawn from and left
        after the draws; None seeds a fresh stream from the operating system.

    Attributes
    ----------
    layer_sizes : tuple of int
        The widths from input to output.
    activations : tuple of (str, float or None)
        Each hidden layer's activation and its parameter (None for an
        activation without one).
    output : str
        The output kind.
    loss_history : list of float
        The epoch losses appended by `fit` and :func:`swiftmoons.train_together`.
    W1, b1, W2, b2, ... : ndarray
        Read-only copies of the weights, shape (fan_in, fan_out), and
        biases, shape (1, fan_out).

    Raises
    ------
    TypeError
        For an argument of the wrong type: layer sizes that are not a
        sequence of integers, an output or init that is not a string, a seed
        that is not an int, a stream or None.
    ValueError
        For fewer than two sizes or a size below 1, an unknown output or
        init, a list of activations of the wrong length, a parameter for an
        activation that takes none, a bias that is not finite (or a
        negative std), a seed outside 0..2**32 - 1. The library refuses an
        unknown activation name, an ELU alpha below 0 and a softmax output
        of one unit with a SwiftMoonsError (a ValueError).

    Examples
    --------
    >>> net = MLP((2, 16, 16, 3), activation=["tanh", ("leaky_relu", 0.1)], output="softmax", seed=0)
    >>> net
    MLP([2, 16, 16, 3], activation=['tanh', 'leaky_relu(0.1)'], output='softmax')
    >>> net.activations
    (('tanh', None), ('leaky_relu', 0.1))
    >>> np.round(net.forward([[0.5, -1.0]]), 3)  # class probabilities
    array([[0.534, 0.221, 0.244]])
    """

    _free_name = "sm_net_free"
    _kind = "network"

    def __init__(self, layer_sizes: Sequence[int], activation: Activations = "relu", output: str = "sigmoid",
                 init: str = "auto", bias_init: float | tuple[float, float] = 0.0, seed: Seed = 0) -> None:
        sizes = _sizes(layer_sizes)
        names, alphas = _activations.native_specs(activation)
        # Names and values are the library's to check (it lists the valid ones).
        output = as_name(output, "output")
        init = as_name(init, "init")
        mode, bias_a, bias_b = _bias(bias_init)
        stream, done = resolve(seed, "seed")
        try:
            handle = _ffi.create("sm_mlp_create", _ffi.ptr(sizes), len(sizes), ctypes.addressof(names),
                                 _ffi.ptr(alphas), len(alphas), output.encode(), init.encode(), mode, bias_a, bias_b,
                                 stream)
        finally:
            done()
        self._init_from_handle(handle)

    @classmethod
    def from_params(cls, params: Sequence[ArrayLike], activation: Activations, output: str = "sigmoid",
                    layer_sizes: Sequence[int] | None = None) -> Self:
        """A new network with the given parameters ``[W1, b1, (slopes1,) W2, b2, ...]``.

        The layer sizes are read from the weights' shapes. ``activation`` is
        required: the parameters alone do not say which activation they were
        trained with. The new network has not trained: ``epochs_trained`` is
        0, it has no records and an empty ``loss_history``.

        Parameters
        ----------
        params : sequence of array-like
            The arrays in `parameters`' order: W_k of shape
            (layer_sizes[k-1], layer_sizes[k]), b_k of (1, layer_sizes[k]) or
            (layer_sizes[k],), and after the biases of a PReLU hidden layer
            its slopes, of the biases' shape.
        activation : str, (str, float), or a list of those
            As for `MLP`.
        output : {"sigmoid", "softmax", "identity"}
            As for `MLP`.
        layer_sizes : sequence of int, optional
            The widths; by default read from the weights. Only the total
            number of values is checked against them.

        Returns
        -------
        MLP
            A new network of the class this is called on.

        Raises
        ------
        TypeError
            If ``params`` is not a sequence of real arrays, or ``output`` is
            not a string.
        ValueError
            If a weight is not 2-D or does not chain with the one before, or
            the number of values does not fit the layer sizes (a
            SwiftMoonsError), or an activation or output is refused as for
            `MLP`.

        Examples
        --------
        >>> net = MLP((2, 3, 1), activation="tanh", seed=0)
        >>> twin = MLP.from_params(net.parameters(), activation="tanh")
        >>> twin.layer_sizes, bool((twin.forward([[1.0, 2.0]]) == net.forward([[1.0, 2.0]])).all())
        ((2, 3, 1), True)
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
            k = len(sizes) - 1  # the layer W_k feeds (1-based)
            if i + 1 >= len(arrays) or arrays[i + 1].size != w.shape[1] or arrays[i + 1].ndim > 2:
                got = arrays[i + 1].shape if i + 1 < len(arrays) else "nothing"
                raise ValueError(f"b{k} must hold {w.shape[1]} values (shape ({w.shape[1]},) or (1, {w.shape[1]})), "
                                 f"got {got}")
            i += 2
            if i < len(arrays):  # W_k fed a hidden layer: PReLU adds its slopes
                spec = specs[min(k - 1, len(specs) - 1)] if specs else activation
                if _activations.parse(spec)[0] == "prelu":
                    if arrays[i].size != w.shape[1] or arrays[i].ndim > 2:
                        raise ValueError(f"PReLU layer {k}'s slopes must hold {w.shape[1]} values, got {arrays[i].shape}")
                    i += 1
        if not sizes:
            raise ValueError("params must start with a 2-D weight matrix W1")
        if layer_sizes is not None and [int(v) for v in _sizes(layer_sizes)] != sizes:
            raise ValueError(f"layer_sizes {list(layer_sizes)} disagree with the weights' shapes, which give {sizes}")
        size_array = _sizes(sizes)
        names, alphas = _activations.native_specs(activation)
        flat = np.ascontiguousarray(np.concatenate([p.ravel() for p in arrays]))
        self = cls.__new__(cls)
        self._init_from_handle(_ffi.create(
            "sm_mlp_create_from_params", _ffi.ptr(size_array), len(size_array), ctypes.addressof(names),
            _ffi.ptr(alphas),
            len(alphas), as_name(output, "output").encode(), _ffi.ptr(flat), flat.size))
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
        set_(self, "target_width", target_width.value)
        set_(self, "_trace_length", trace.value)
        set_(self, "parameter_count", pcount.value)
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
        """Write the network to ``path`` as an ``.npz`` file; :func:`swiftmoons.load` reads it back.

        The file holds the layer sizes, activations and their parameters, the
        output kind, all parameters, the epochs trained, the loss history and
        the records, with a format version; NumPy alone can read it
        (``numpy.load(path)``). See :mod:`swiftmoons.storage`.

        Parameters
        ----------
        path : str or path-like
            Written as given (no ``.npz`` is appended).

        Raises
        ------
        TypeError
            If ``path`` is not a path.
        OSError
            If the file cannot be written.
        ValueError
            If the network is closed.

        Examples
        --------
        >>> import os, tempfile, swiftmoons as sm
        >>> net = MLP((2, 3, 1), activation="relu", seed=0)
        >>> path = os.path.join(tempfile.mkdtemp(), "net.npz")
        >>> net.save(path)
        >>> bool((sm.load(path).W1 == net.W1).all())
        True
        """
        from .storage import save
        save(self, path)

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
        out = np.empty(self.parameter_count)
        _ffi.call("sm_net_get_params", self._h, _ffi.ptr(out), out.size)
        return out

    def _split(self, flat) -> list:
        arrays, at = [], 0
        for _, shape in self._layout():
            size = shape[0] * shape[1]
            arrays.append(flat[at:at + size].reshape(shape).copy())
            at += size
        return arrays

    def parameters(self) -> list[FloatArray]:
        """Copies of all parameters: ``[W1, b1, (slopes1,) W2, b2, ...]``.

        The arrays are copies: writing into them changes nothing; give them
        back with `set_parameters` (or use `state_dict` and
        `load_state_dict` for arrays keyed by name).

        Returns
        -------
        list of ndarray
            float64 arrays: W_k of shape (layer_sizes[k-1], layer_sizes[k])
            and b_k of shape (1, layer_sizes[k]), layer by layer; after the
            biases of a PReLU hidden layer come its learned slopes, shape
            (1, layer_sizes[k]). `param_names` names them.

        Raises
        ------
        ValueError
            If the network is closed.

        Examples
        --------
        >>> net = MLP((2, 4, 1), activation="prelu", seed=0)
        >>> [p.shape for p in net.parameters()]
        [(2, 4), (1, 4), (1, 4), (4, 1), (1, 1)]
        """
        return self._split(self._flat())

    def param_names(self) -> list[str]:
        """The names of `parameters`' arrays, in order (the keys of `state_dict`).

        Returns
        -------
        list of str
            ``"W1", "b1", ...``, with ``"slopes<k>"`` after the biases of a
            PReLU hidden layer k.

        Examples
        --------
        >>> MLP((2, 4, 1), activation="prelu", seed=0).param_names()
        ['W1', 'b1', 'slopes1', 'W2', 'b2']
        """
        return [name for name, _ in self._layout()]

    def set_parameters(self, params: Sequence[ArrayLike]) -> None:
        """Replace every parameter at once; nothing changes on error.

        Parameters
        ----------
        params : sequence of array-like
            One array per name of `param_names`, in that order, each of the
            shape `parameters` gives (a bias or slope vector may also be 1-D).

        Raises
        ------
        TypeError
            If ``params`` is not a sequence or holds a non-numeric array.
        ValueError
            For the wrong number of arrays or a wrong shape.

        Examples
        --------
        >>> net = MLP((2, 3, 1), activation="relu", seed=0)
        >>> net.set_parameters([np.zeros((2, 3)), np.zeros(3), np.ones((3, 1)), [0.5]])
        >>> net.b2
        array([[0.5]])
        """
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

    def state_dict(self) -> dict[str, FloatArray]:
        """Copies of all parameters keyed by name, as PyTorch's ``state_dict``.

        Returns
        -------
        dict of str to ndarray
            ``{name: array}`` for each name of `param_names`, in that order;
            the arrays are the copies `parameters` gives.

        Raises
        ------
        ValueError
            If the network is closed.

        Examples
        --------
        >>> net = MLP((2, 4, 1), activation="prelu", seed=0)
        >>> {name: p.shape for name, p in net.state_dict().items()}
        {'W1': (2, 4), 'b1': (1, 4), 'slopes1': (1, 4), 'W2': (4, 1), 'b2': (1, 1)}
        """
        return dict(zip(self.param_names(), self.parameters()))

    def load_state_dict(self, state: Mapping[str, ArrayLike]) -> None:
        """Replace every parameter from a mapping of name to array; nothing changes on error.

        The keys must be exactly the names of `param_names` (in any order);
        the arrays are then checked and set as `set_parameters` does.

        Parameters
        ----------
        state : mapping of str to array-like
            One array per name of `param_names`, e.g. what `state_dict`
            gave, each of that array's shape (a bias or slope vector may
            also be 1-D).

        Raises
        ------
        TypeError
            If ``state`` is not a mapping, or holds a non-numeric array.
        ValueError
            If a name is missing or a key is not a name of `param_names`
            (the message lists them), or for a wrong shape. Nothing is
            changed first.

        Examples
        --------
        >>> net = MLP((2, 3, 1), activation="tanh", seed=0)
        >>> twin = MLP((2, 3, 1), activation="tanh", seed=1)
        >>> twin.load_state_dict(net.state_dict())
        >>> bool((twin.forward([[1.0, 2.0]]) == net.forward([[1.0, 2.0]])).all())
        True
        >>> twin.load_state_dict({"W1": np.zeros((2, 3))})
        Traceback (most recent call last):
        ...
        ValueError: state's keys must be the network's param_names() ['W1', 'b1', 'W2', 'b2']: missing ['b1', 'W2', 'b2']
        """
        if not isinstance(state, Mapping):
            raise TypeError(f"state must be a mapping of parameter name to array (as state_dict() gives), "
                            f"got {type(state).__name__}")
        names = self.param_names()
        keys = list(state.keys())
        missing = [name for name in names if name not in keys]
        unexpected = [key for key in keys if key not in names]
        if missing or unexpected:
            problems = ([f"missing {missing}"] if missing else []) + ([f"unexpected {unexpected}"] if unexpected else [])
            raise ValueError(f"state's keys must be the network's param_names() {names}: {'; '.join(problems)}")
        self.set_parameters([state[name] for name in names])

    def get_params(self) -> list[FloatArray]:
        """Deprecated: use `parameters` (or `state_dict`).

        .. deprecated:: 0.2
            ``get_params`` shadowed scikit-learn's meaning of the name (an
            estimator's hyper-parameters) and will be removed in swiftmoons
            0.3. It warns, then returns what `parameters` returns.

        Returns
        -------
        list of ndarray
            As `parameters`.

        Examples
        --------
        >>> import warnings
        >>> net = MLP((2, 3, 1), activation="relu", seed=0)
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     params = net.get_params()
        >>> caught[0].category.__name__, all((a == b).all() for a, b in zip(params, net.parameters()))
        ('DeprecationWarning', True)
        """
        warnings.warn(f"{type(self).__name__}.get_params() is deprecated and will be removed in swiftmoons 0.3; "
                      f"use parameters() (or state_dict())", DeprecationWarning, stacklevel=2)
        return self.parameters()

    def set_params(self, params: Sequence[ArrayLike]) -> None:
        """Deprecated: use `set_parameters` (or `load_state_dict`).

        .. deprecated:: 0.2
            ``set_params`` shadowed scikit-learn's meaning of the name (an
            estimator's hyper-parameters) and will be removed in swiftmoons
            0.3. It warns, then does what `set_parameters` does.

        Parameters
        ----------
        params : sequence of array-like
            As for `set_parameters`.

        Raises
        ------
        TypeError, ValueError
            As `set_parameters`.

        Examples
        --------
        >>> import warnings
        >>> net = MLP((2, 3, 1), activation="relu", seed=0)
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     net.set_params([np.zeros((2, 3)), np.zeros(3), np.ones((3, 1)), [0.5]])
        >>> caught[0].category.__name__, net.b2
        ('DeprecationWarning', array([[0.5]]))
        """
        warnings.warn(f"{type(self).__name__}.set_params() is deprecated and will be removed in swiftmoons 0.3; "
                      f"use set_parameters() (or load_state_dict())", DeprecationWarning, stacklevel=2)
        self.set_parameters(params)

    def _layer(self, k: int) -> int:
        k = as_int(k, "layer", INT32[0], INT32[1])
        if not 1 <= k <= self.n_layers:
            raise ValueError(f"This network has layers 1..{self.n_layers}, not {k}")
        return k

    def get_weights(self, k: int) -> FloatArray:
        """A copy of the weights of layer ``k``.

        Parameters
        ----------
        k : int
            The layer, 1..n_layers (``net.W1`` is ``net.get_weights(1)``).

        Returns
        -------
        ndarray of shape (layer_sizes[k-1], layer_sizes[k])

        Raises
        ------
        TypeError
            If ``k`` is not an integer.
        ValueError
            If it is outside 1..n_layers.

        Examples
        --------
        >>> MLP((2, 5, 3, 1), seed=0).get_weights(2).shape
        (5, 3)
        """
        k = self._layer(k)
        out = np.empty((self.layer_sizes[k - 1], self.layer_sizes[k]))
        _ffi.call("sm_net_get_weights", self._h, k, _ffi.ptr(out), out.size)
        return out

    def get_biases(self, k: int) -> FloatArray:
        """A copy of the biases of layer ``k``.

        Parameters
        ----------
        k : int
            The layer, 1..n_layers.

        Returns
        -------
        ndarray of shape (1, layer_sizes[k])

        Raises
        ------
        TypeError
            If ``k`` is not an integer.
        ValueError
            If it is outside 1..n_layers.

        Examples
        --------
        >>> MLP((2, 5, 1), bias_init=0.1, seed=0).get_biases(1)
        array([[0.1, 0.1, 0.1, 0.1, 0.1]])
        """
        k = self._layer(k)
        out = np.empty((1, self.layer_sizes[k]))
        _ffi.call("sm_net_get_biases", self._h, k, _ffi.ptr(out), out.size)
        return out

    def get_slopes(self, k: int) -> FloatArray:
        """A copy of the learned negative-side slopes of PReLU hidden layer ``k``.

        Parameters
        ----------
        k : int
            A hidden layer, 1..n_layers - 1, whose activation is "prelu".

        Returns
        -------
        ndarray of shape (1, layer_sizes[k])
            One slope per unit; they start at the activation's parameter
            (0.25 by default) and train with the weights.

        Raises
        ------
        TypeError
            If ``k`` is not an integer.
        SwiftMoonsError
            (a ValueError) If ``k`` is not a hidden layer, or its activation
            is not PReLU.

        Examples
        --------
        >>> MLP((2, 4, 1), activation=("prelu", 0.1), seed=0).get_slopes(1)
        array([[0.1, 0.1, 0.1, 0.1]])
        """
        k = as_int(k, "layer", INT32[0], INT32[1])
        out = np.empty((1, self.layer_sizes[k] if 1 <= k < self.n_layers else 0))
        _ffi.call("sm_net_get_slopes", self._h, k, _ffi.ptr(out), out.size)
        return out

    def set_weights(self, k: int, value: ArrayLike) -> None:
        """Replace the weights of layer ``k`` (as assigning to ``net.W<k>`` does).

        Parameters
        ----------
        k : int
            The layer, 1..n_layers.
        value : array-like of shape (layer_sizes[k-1], layer_sizes[k])

        Raises
        ------
        TypeError
            If ``k`` is not an integer or ``value`` is not numeric.
        ValueError
            If ``k`` is outside 1..n_layers or ``value`` has another shape;
            the weights are then unchanged.

        Examples
        --------
        >>> net = MLP((2, 3, 1), seed=0)
        >>> net.set_weights(2, [[1.0], [2.0], [3.0]])
        >>> net.W2.ravel()
        array([1., 2., 3.])
        """
        k = self._layer(k)
        shape = (self.layer_sizes[k - 1], self.layer_sizes[k])
        arr = as_float_array(value, f"W{k}")
        if arr.shape != shape:
            raise ValueError(f"W{k} must have shape {shape}, got {arr.shape}")
        _ffi.call("sm_net_set_weights", self._h, k, _ffi.ptr(arr), arr.size)

    def set_biases(self, k: int, value: ArrayLike) -> None:
        """Replace the biases of layer ``k`` (as assigning to ``net.b<k>`` does).

        Parameters
        ----------
        k : int
            The layer, 1..n_layers.
        value : array-like of shape (1, layer_sizes[k]) or (layer_sizes[k],)

        Raises
        ------
        TypeError
            If ``k`` is not an integer or ``value`` is not numeric.
        ValueError
            If ``k`` is outside 1..n_layers or ``value`` has another shape;
            the biases are then unchanged.

        Examples
        --------
        >>> net = MLP((2, 3, 1), seed=0)
        >>> net.set_biases(1, [0.1, 0.2, 0.3])
        >>> net.b1
        array([[0.1, 0.2, 0.3]])
        """
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

    def forward(self, X: ArrayLike) -> FloatArray:
        """The network's output for each row of ``X``.

        Large passes run where Ctrl-C can stop them.

        Parameters
        ----------
        X : array-like of shape (n, layer_sizes[0]), n >= 1

        Returns
        -------
        ndarray of float64, shape (n, layer_sizes[-1])
            Sigmoid outputs (each in [0, 1]), softmax rows of class
            probabilities (summing to 1), or the identity output's values.

        Raises
        ------
        TypeError
            If ``X`` is not numeric.
        ValueError
            If ``X`` does not have that shape.
        MemoryError
            If the output, or the library's scratch (a SwiftMoonsMemoryError),
            cannot be allocated.
        KeyboardInterrupt
            On Ctrl-C during a long pass (from the main thread); nothing is
            returned.

        Examples
        --------
        >>> net = TwoLayerNet("relu", seed=42)
        >>> np.round(net.forward([[0.0, 0.0], [1.0, -0.5]]), 4)  # biases start at 0: input 0 gives sigmoid(0)
        array([[0.5   ],
               [0.5625]])
        """
        X = as_matrix(X, self.layer_sizes[0])
        out = empty((X.shape[0], self.layer_sizes[-1]), "The output")
        args = (self._h, _ffi.ptr(X), X.shape[0], X.shape[1], _ffi.ptr(out), out.size)
        if X.shape[0] * self.parameter_count < _ffi.LONG_FORWARD:
            _ffi.call("sm_net_forward", *args, None)
            return out
        # A pass long enough to want stopping: Ctrl-C cancels it.
        status, interruption = _ffi.run_long(lambda progress: _ffi.lib.sm_net_forward(*args, progress))
        if interruption is not None:
            raise interruption
        _ffi.check_long(status)
        return out

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Class predictions for each row of ``X``.

        Parameters
        ----------
        X : array-like of shape (n, layer_sizes[0]), n >= 1

        Returns
        -------
        ndarray
            For a sigmoid output, int64 labels ``output >= 0.5``: shape (n,)
            for one output unit, (n, k) for k units. For softmax, the int64
            class with the highest probability (the first on ties), shape
            (n,). For identity, the output itself, as `forward`.

        Raises
        ------
        TypeError, ValueError, MemoryError, KeyboardInterrupt
            As `forward`.

        Examples
        --------
        >>> import swiftmoons as sm
        >>> X, y = sm.make_moons(200, noise=0.2, random_state=0)
        >>> X = sm.standardize(X)
        >>> net = TwoLayerNet("relu", seed=0)
        >>> _ = net.fit(X, y, epochs=30, rng=0)
        >>> net.predict(X[:8]), y[:8]
        (array([0, 1, 0, 0, 1, 1, 0, 1]), array([0, 1, 1, 0, 1, 1, 0, 1]))
        """
        out = self.forward(X)
        if self.output == "softmax":
            return out.argmax(axis=1)
        if self.output == "sigmoid":
            labels = (out >= 0.5).astype(np.int64)
            return labels[:, 0] if labels.shape[1] == 1 else labels
        return out

    def train_step(self, X: ArrayLike, y: ArrayLike, lr: float = 0.05) -> float:
        """One SGD step on the batch (X, y), as the article's ``train_step``.

        Computes the loss and the gradient of every parameter from the
        current parameters, then subtracts ``lr`` times the gradient from
        each. It neither counts an epoch nor touches ``loss_history``.

        Parameters
        ----------
        X : array-like of shape (n, layer_sizes[0]), n >= 1, finite
        y : array-like
            The targets. For sigmoid and identity outputs, n x k values (k =
            layer_sizes[-1]) of shape (n, k) or flat, e.g. (n,) for one
            unit: in [0, 1] for sigmoid (labels 0 and 1, or soft labels),
            finite for identity. For softmax, n class indices in 0..k - 1,
            shape (n,) or (n, 1).
        lr : float, finite and >= 0
            The learning rate (0 only measures the loss).

        Returns
        -------
        float
            The batch's loss before the update (as `evaluate` defines it).

        Raises
        ------
        TypeError
            If X or y is not numeric, or lr is not a real number.
        ValueError
            If X, y or lr break those rules (the library's checks raise
            SwiftMoonsError, a ValueError); the network is then unchanged.

        Examples
        --------
        >>> import swiftmoons as sm
        >>> X, y = sm.make_moons(200, noise=0.2, random_state=0)
        >>> net = TwoLayerNet("relu", seed=42)
        >>> first = net.train_step(X, y, lr=0.5)
        >>> second = net.train_step(X, y, lr=0.5)
        >>> round(first, 4), round(second, 4)
        (0.6613, 0.6017)
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
                and y.shape[0] == rows * self.target_width):
            y = as_targets(y, rows, self.target_width)
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

        Each epoch draws a permutation of the rows from ``rng``, takes an SGD
        step (`train_step`) on each mini-batch of ``batch_size`` rows in that
        order (the last may be shorter), and appends the epoch's loss, the
        mean of its batch losses, to ``loss_history``. This is
        :func:`swiftmoons.train_together` with one network: see it for the
        details of records, progress, callbacks, executors and Ctrl-C.

        Parameters
        ----------
        X : array-like of shape (n, layer_sizes[0]), finite
        y : array-like
            The targets, as for `train_step`.
        epochs : int >= 1
        lr : float, finite and >= 0
        batch_size : int >= 1
        rng : RandomState, numpy.random.RandomState, int or None
            Where the permutations come from: a stream is advanced, an int
            seeds a fresh one, None seeds one from the operating system (so
            the run is not reproducible).
        record_every : int >= 0
            If > 0, record every this many epochs and after the last (read
            them from `records`).
        record_params : bool
            Also record all parameters (needs ``record_every > 0``).
        X_eval, y_eval : array-like, optional
            An evaluation set whose loss and accuracy each record holds.
        progress : bool
            Show a progress bar of the epochs.
        callback : callable, optional
            ``callback(epoch, loss)`` every ``callback_every`` epochs and
            after the last.
        callback_every : int >= 1
        executor : Executor-like, optional
            Run the training as a task on an executor (anything with
            ``submit``); not with ``progress`` or ``callback``.

        Returns
        -------
        list of float
            The epoch losses of this call (also appended to ``loss_history``).

        Raises
        ------
        TypeError, ValueError
            For a bad argument, before anything changes.
        KeyboardInterrupt
            On Ctrl-C; the network is left as after its last whole epoch.

        Examples
        --------
        >>> import swiftmoons as sm
        >>> X, y = sm.make_moons(200, noise=0.2, random_state=0)
        >>> net = TwoLayerNet("relu", seed=42)
        >>> losses = net.fit(sm.standardize(X), y, epochs=20, rng=0)
        >>> len(losses), round(losses[0], 4), round(losses[-1], 4), net.epochs_trained
        (20, 0.6786, 0.4482, 20)
        """
        from .training import train_together
        return train_together([self], X, y, epochs=epochs, lr=lr, batch_size=batch_size, rng=rng,
                              record_every=record_every, record_params=record_params,
                              X_eval=X_eval, y_eval=y_eval, progress=progress, callback=callback,
                              callback_every=callback_every, executor=executor)[0]

    @property
    def records(self) -> TrainingRecords:
        """What training recorded (see ``fit``'s ``record_every``), as :class:`TrainingRecords`."""
        from .training import TrainingRecords
        count, has_params = ctypes.c_int64(), ctypes.c_int32()
        _ffi.call("sm_net_record_count", self._h, ctypes.byref(count), ctypes.byref(has_params))
        k = count.value
        epochs = np.empty(k, dtype=np.int64)
        loss, accuracy = np.empty(k), np.empty(k)
        _ffi.call("sm_net_records", self._h, _ffi.ptr(epochs), _ffi.ptr(loss), _ffi.ptr(accuracy), k)
        params = None
        if has_params.value:
            flat = np.empty(k * self.parameter_count)
            _ffi.call("sm_net_recorded_params", self._h, _ffi.ptr(flat), flat.size)
            params = [self._split(block) for block in flat.reshape(k, self.parameter_count)]
        return TrainingRecords(epochs, loss, accuracy, params)

    def clear_records(self) -> None:
        """Forget the training records (see `records`); nothing else changes.

        Raises
        ------
        ValueError
            If the network is closed.

        Examples
        --------
        >>> import swiftmoons as sm
        >>> X, y = sm.make_moons(200, noise=0.2, random_state=0)
        >>> net = TwoLayerNet("relu", seed=0)
        >>> _ = net.fit(X, y, epochs=4, rng=0, record_every=2)
        >>> net.records.epochs
        array([2, 4])
        >>> net.clear_records()
        >>> net.records.epochs.size, net.epochs_trained
        (0, 4)
        """
        _ffi.call("sm_net_clear_records", self._h)

    def evaluate(self, X: ArrayLike, y: ArrayLike) -> tuple[float, float]:
        """The mean loss and the accuracy on (X, y), without training.

        The loss is the one training minimises, averaged: binary
        cross-entropy ``-(y log(p + 1e-9) + (1 - y) log(1 - p + 1e-9))`` over
        every row and output unit for sigmoid (the article's); ``-log`` of the
        probability of the true class per row for softmax; the squared error
        over every row and output unit for identity. The accuracy is the
        fraction of outputs on the right side of 0.5 (``p >= 0.5`` against
        ``y >= 0.5``) for sigmoid, of rows whose most probable class is the
        true one for softmax, and NaN for identity.

        Parameters
        ----------
        X : array-like of shape (n, layer_sizes[0]), n >= 1, finite
        y : array-like
            The targets, as for `train_step`.

        Returns
        -------
        loss : float
        accuracy : float
            In [0, 1], or NaN for an identity output.

        Raises
        ------
        TypeError
            If X or y is not numeric.
        ValueError
            For shapes that do not fit, or values the output does not accept
            (SwiftMoonsError, a ValueError).

        Examples
        --------
        >>> import swiftmoons as sm
        >>> X, y = sm.make_moons(200, noise=0.2, random_state=0)
        >>> X = sm.standardize(X)
        >>> net = TwoLayerNet("relu", seed=0)
        >>> _ = net.fit(X, y, epochs=50, rng=0)
        >>> loss, accuracy = net.evaluate(X, y)
        >>> round(loss, 4), accuracy
        (0.2894, 0.895)
        """
        X = as_matrix(X, self.layer_sizes[0])
        y = as_targets(y, X.shape[0], self.target_width)
        loss, accuracy = ctypes.c_double(), ctypes.c_double()
        _ffi.call("sm_net_evaluate", self._h, _ffi.ptr(X), X.shape[0], X.shape[1], _ffi.ptr(y), y.size,
                  ctypes.byref(loss), ctypes.byref(accuracy))
        return loss.value, accuracy.value

    def get_hidden(self, X: ArrayLike, layer: int = 1) -> FloatArray:
        """The activations (after the activation function) of one hidden layer for each row of ``X``.

        Parameters
        ----------
        X : array-like of shape (n, layer_sizes[0]), n >= 1
        layer : int
            The hidden layer, 1..n_layers - 1.

        Returns
        -------
        ndarray of float64, shape (n, layer_sizes[layer])

        Raises
        ------
        TypeError
            If ``X`` is not numeric or ``layer`` is not an integer.
        ValueError
            If ``X`` has the wrong shape or ``layer`` is not a hidden layer.
        MemoryError
            If the result cannot be allocated.

        Examples
        --------
        >>> net = TwoLayerNet("relu", seed=42)
        >>> h = net.get_hidden([[1.0, -0.5]], layer=2)
        >>> h.shape, bool((h >= 0).all())
        ((1, 8), True)
        """
        X = as_matrix(X, self.layer_sizes[0])
        layer = as_int(layer, "layer", INT32[0], INT32[1])
        if not 1 <= layer <= self.n_layers - 1:
            raise ValueError(f"layer must be in 1..{self.n_layers - 1}, got {layer}")
        out = empty((X.shape[0], self.layer_sizes[layer]), "The hidden activations")
        _ffi.call("sm_net_hidden", self._h, layer, _ffi.ptr(X), X.shape[0], X.shape[1], _ffi.ptr(out), out.size)
        return out

    def get_z_trace(self, x: ArrayLike, per_sample: bool = False) -> list[float] | FloatArray:
        """The signal's size layer by layer: mean |z1|, |a1|, |z2|, |a2|, ..., |zL|.

        z_k is layer k's pre-activation, a_k its activation; the output
        layer contributes only |zL|, its pre-activation (before the sigmoid
        or softmax).

        Parameters
        ----------
        x : array-like of shape (n, layer_sizes[0]) or (layer_sizes[0],)
            The samples, or one sample.
        per_sample : bool
            False: one trace, each value the mean over all samples and that
            layer's units (for one sample, the article's ``get_z_trace``).
            True: one trace per sample.

        Returns
        -------
        list of float or ndarray
            A list of 2 * n_layers - 1 floats; with ``per_sample``, an array
            of shape (n, 2 * n_layers - 1).

        Raises
        ------
        TypeError
            If ``x`` is not numeric.
        ValueError
            If ``x`` has the wrong shape.
        MemoryError
            If the result cannot be allocated.

        Examples
        --------
        >>> net = TwoLayerNet("sigmoid", seed=0)
        >>> [round(v, 4) for v in net.get_z_trace([1.0, -0.5])]
        [0.7073, 0.6066, 0.5247, 0.4225, 0.255]
        >>> net.get_z_trace([[1.0, -0.5], [0.0, 2.0]], per_sample=True).shape
        (2, 5)
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
        """The loss on the batch and the gradient of every parameter, without changing anything.

        These are what `train_step` would compute before its update.

        Parameters
        ----------
        X : array-like of shape (n, layer_sizes[0]), n >= 1, finite
        y : array-like
            The targets, as for `train_step`.

        Returns
        -------
        loss : float
            The batch's loss, as `evaluate` defines it.
        gradients : list of ndarray
            One per parameter, in `parameters`' order and shapes.

        Raises
        ------
        TypeError, ValueError
            As `train_step`.

        Notes
        -----
        The gradient is that of ``loss`` itself: for a sigmoid output of
        k > 1 units, of the cross-entropy averaged over rows and units.

        Examples
        --------
        >>> net = MLP((2, 3, 1), activation="tanh", seed=0)
        >>> loss, grads = net.gradients([[1.0, -0.5], [0.0, 2.0]], [1, 0])
        >>> round(loss, 4), [g.shape for g in grads]
        (0.7858, [(2, 3), (1, 3), (3, 1), (1, 1)])
        """
        X = as_matrix(X, self.layer_sizes[0])
        y = as_targets(y, X.shape[0], self.target_width)
        loss, out = ctypes.c_double(), np.empty(self.parameter_count)
        _ffi.call("sm_net_gradients", self._h, _ffi.ptr(X), X.shape[0], X.shape[1], _ffi.ptr(y), y.size,
                  ctypes.byref(loss), _ffi.ptr(out), out.size)
        return loss.value, self._split(out)

    def gradient_norms(self, X: ArrayLike, y: ArrayLike) -> FloatArray:
        """The size of the loss gradient at each layer's weights, on one batch.

        Small norms at the first layers and larger ones near the output are
        the signature of vanishing gradients.

        Parameters
        ----------
        X : array-like of shape (n, layer_sizes[0]), n >= 1, finite
        y : array-like
            The targets, as for `train_step`.

        Returns
        -------
        ndarray of float64, shape (n_layers,)
            The Frobenius norm of the gradient of W1, W2, ..., WL (biases and
            slopes not included).

        Raises
        ------
        TypeError, ValueError
            As `gradients`.

        Examples
        --------
        >>> import swiftmoons as sm
        >>> X, y = sm.make_moons(200, noise=0.2, random_state=0)
        >>> net = MLP((2, 8, 8, 8, 1), activation="sigmoid", seed=0)
        >>> np.round(net.gradient_norms(X, y), 4)
        array([0.0036, 0.0175, 0.0579, 0.2629])
        """
        _, grads = self.gradients(X, y)
        names = self.param_names()
        return np.array([np.linalg.norm(g) for name, g in zip(names, grads) if name.startswith("W")])

    def firing_counts(self, X: ArrayLike) -> list[IntArray]:
        """How often each hidden unit fires on ``X``.

        A unit fires on a row when its pre-activation ``z = a @ W + b`` is
        strictly positive, whatever the layer's activation (for ReLU, when
        its output is not 0).

        Parameters
        ----------
        X : array-like of shape (n, layer_sizes[0]), n >= 1

        Returns
        -------
        list of ndarray of int64
            One per hidden layer, of shape (layer_sizes[k],): for each unit
            the number of rows (0..n) on which it fires. Empty for a network
            without hidden layers.

        Raises
        ------
        TypeError
            If ``X`` is not numeric.
        ValueError
            If ``X`` has the wrong shape.

        Examples
        --------
        >>> import swiftmoons as sm
        >>> X, _ = sm.make_moons(200, noise=0.2, random_state=0)
        >>> net = MLP((2, 4, 4, 1), activation="relu", seed=2)
        >>> net.firing_counts(X)  # of 200 rows
        [array([ 49,  62,  67, 116]), array([  0,  67, 116,  75])]
        """
        X = as_matrix(X, self.layer_sizes[0])
        widths = self.layer_sizes[1:-1]
        out = np.empty(sum(widths), dtype=np.int64)
        _ffi.call("sm_net_firing_counts", self._h, _ffi.ptr(X), X.shape[0], X.shape[1], _ffi.ptr(out), out.size)
        return np.split(out, np.cumsum(widths)[:-1]) if widths else []

    def alive_units(self, X: ArrayLike) -> list[np.ndarray]:
        """Which hidden units are alive on ``X``: they fire on at least one row.

        A unit fires on a row when its pre-activation is strictly positive
        (see `firing_counts`). A ReLU unit that is not alive outputs 0 on
        every row of ``X`` and gets no gradient from them: it is dead there.

        Parameters
        ----------
        X : array-like of shape (n, layer_sizes[0]), n >= 1

        Returns
        -------
        list of ndarray of bool
            One per hidden layer, of shape (layer_sizes[k],): True where the
            unit is alive. Empty for a network without hidden layers.

        Raises
        ------
        TypeError
            If ``X`` is not numeric.
        ValueError
            If ``X`` has the wrong shape.

        Examples
        --------
        >>> import swiftmoons as sm
        >>> X, _ = sm.make_moons(200, noise=0.2, random_state=0)
        >>> net = MLP((2, 4, 4, 1), activation="relu", seed=2)
        >>> net.alive_units(X)
        [array([ True,  True,  True,  True]), array([False,  True,  True,  True])]
        """
        return [counts > 0 for counts in self.firing_counts(X)]

    def hidden_spread(self, X: ArrayLike) -> list[float]:
        """The spread of each hidden layer's activations on ``X`` (the article's "std" per layer).

        Parameters
        ----------
        X : array-like of shape (n, layer_sizes[0]), n >= 1

        Returns
        -------
        list of float
            For each hidden layer, the standard deviation (population, ddof
            0) of all its activations, over every row and unit together.
            Empty for a network without hidden layers.

        Raises
        ------
        TypeError
            If ``X`` is not numeric.
        ValueError
            If ``X`` has the wrong shape, or the network is closed.

        Examples
        --------
        >>> import swiftmoons as sm
        >>> X, _ = sm.make_moons(200, noise=0.2, random_state=0)
        >>> [round(s, 4) for s in TwoLayerNet("sigmoid", seed=0).hidden_spread(X)]
        [0.178, 0.1339]
        """
        self._h  # a closed network raises even without hidden layers
        return [float(self.get_hidden(X, k).std()) for k in range(1, self.n_layers)]

    def geometry_kept(self, X: ArrayLike) -> list[float]:
        """Deprecated: :func:`swiftmoons.geometry.distance_order_kept`, without the input's entry.

        The measure is the Spearman correlation between the pairwise distances
        of the rows of ``X`` and of each hidden layer's activations. Its old
        name promised more than it measures: it says how much of the data's
        overall shape a layer keeps, not how much of the distance to a
        decision boundary (an untrained sigmoid network scores higher than a
        trained ReLU one). :mod:`swiftmoons.geometry` has the measures of that.

        Parameters
        ----------
        X : array-like of shape (n, layer_sizes[0]), n >= 3

        Returns
        -------
        list of float
            One correlation per hidden layer (exact up to 200,000 pairs of
            rows, estimated from that many pairs beyond).

        Raises
        ------
        ValueError
            If ``X`` has the wrong shape or fewer than 3 rows, or the network
            is closed.

        Examples
        --------
        >>> import warnings, swiftmoons as sm
        >>> X, _ = sm.make_moons(200, noise=0.2, random_state=0)
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", DeprecationWarning)
        ...     [round(r, 4) for r in TwoLayerNet("relu", seed=0).geometry_kept(X)]
        [0.7724, 0.5781]
        """
        import warnings
        from .geometry import distance_order_kept
        warnings.warn("MLP.geometry_kept is deprecated: it measures how the order of pairwise distances is kept, "
                      "not geometric context; use swiftmoons.geometry.distance_order_kept (and the other measures "
                      "of swiftmoons.geometry)", DeprecationWarning, stacklevel=2)
        self._h
        X = as_matrix(X, self.layer_sizes[0])
        if X.shape[0] < 3:
            raise ValueError(f"geometry_kept needs at least 3 rows of X (pairs of distances to rank), got {X.shape[0]}")
        return [float(v) for v in distance_order_kept(self, X)[1:]]


class TwoLayerNet(MLP):
    """The article's network: 2-8-8-1 by default, one hidden activation, a sigmoid output.

    An `MLP` with one activation for every hidden layer, a sigmoid output
    with binary cross-entropy, the "auto" initialisation (Xavier for
    sigmoid, tanh and identity, He for every other activation) and zero
    biases.

    Parameters
    ----------
    activation : str or (str, float)
        The hidden layers' activation ("sigmoid" and "relu" in the article;
        any name of ``swiftmoons.activations.NAMES``), or a name with its
        parameter, e.g. ``("leaky_relu", 0.1)``.
    seed : int, RandomState, numpy.random.RandomState or None
        An int reseeds a fresh stream, as the article's constructor reseeds
        NumPy (``np.random.seed(seed)``); a stream is drawn from without
        reseeding and is left where the weights end; None seeds from the
        operating system.
    layer_sizes : sequence of int
        Widths from input to output; the article's is ``(2, 8, 8, 1)``.

    Attributes
    ----------
    W1, b1, W2, b2, ... : ndarray
        Weights of shape (fan_in, fan_out) and biases of shape (1, fan_out),
        returned as read-only copies; assign a whole array to change them.
    loss_history : list of float
        Per-epoch losses, appended by training loops.

    Raises
    ------
    TypeError
        If ``activation`` is neither a string nor a tuple, or as for `MLP`.
    ValueError
        As for `MLP`.

    Examples
    --------
    >>> net = TwoLayerNet("relu", seed=42)
    >>> net
    TwoLayerNet(activation='relu', layer_sizes=(2, 8, 8, 1))
    >>> net.W1.shape, net.b3.shape
    ((2, 8), (1, 1))
    """

    _kind = "TwoLayerNet"

    def __init__(self, activation: ActivationSpec = "relu", seed: Seed = 0,
                 layer_sizes: Sequence[int] = (2, 8, 8, 1)) -> None:
        if not isinstance(activation, (str, tuple)):
            raise TypeError(f"activation must be a string, got {activation!r}")
        super().__init__(layer_sizes, activation=activation, output="sigmoid", init="auto", bias_init=0.0,
                         seed=seed)

    @classmethod
    def from_params(cls, weights: Sequence[ArrayLike], biases: Sequence[ArrayLike],  # type: ignore[override]
                    activation: Activations) -> Self:
        """A new network with the given weights ``[W1, W2, ...]`` and biases ``[b1, b2, ...]``.

        The layer sizes are read from the weights' shapes; the output is a
        sigmoid. ``activation`` is required: the weights do not say which
        one they were trained with.

        Parameters
        ----------
        weights : sequence of array-like
            W_k of shape (layer_sizes[k-1], layer_sizes[k]).
        biases : sequence of array-like
            b_k of shape (1, layer_sizes[k]) or (layer_sizes[k],), as many
            as the weights.
        activation : str, (str, float), or a list of those
            As for `MLP`.

        Returns
        -------
        TwoLayerNet
            A new network that has not trained.

        Raises
        ------
        TypeError
            If ``weights`` or ``biases`` is not a sequence of arrays.
        ValueError
            If there are no weights, or not as many biases as weights, or as
            for `MLP.from_params`.

        Examples
        --------
        >>> net = TwoLayerNet("relu", seed=42)
        >>> twin = TwoLayerNet.from_params([net.W1, net.W2, net.W3], [net.b1, net.b2, net.b3], activation="relu")
        >>> twin, bool((twin.forward([[1.0, 2.0]]) == net.forward([[1.0, 2.0]])).all())
        (TwoLayerNet(activation='relu', layer_sizes=(2, 8, 8, 1)), True)
        """
        if any(isinstance(v, (str, bytes)) or not hasattr(v, "__iter__") for v in (weights, biases)):
            raise TypeError("weights and biases must be lists of arrays")
        weights, biases = list(weights), list(biases)
        if not weights or len(weights) != len(biases):
            raise ValueError(f"Need as many biases as weights (at least one), got {len(weights)} and {len(biases)}")
        return super().from_params([p for pair in zip(weights, biases) for p in pair], activation=activation)

    def __repr__(self) -> str:
        state = ", closed" if self.closed else ""
        name, alpha = self.activations[0] if self.activations else ("identity", None)
        spec = name if alpha is None else (name, alpha)
        return f"TwoLayerNet(activation={spec!r}, layer_sizes={self.layer_sizes}{state})"


def _restore_network(state, cls=None):
    """A network (of class `cls`, a subclass of MLP) from the state a pickle carries (see `swiftmoons.storage`)."""
    from .storage import network_from_state
    return network_from_state(state, source="the pickled network", cls=cls)


#: What `_init_from_handle` sets: everything else in a network's __dict__ is the user's.
_OWN_ATTRIBUTES = frozenset({"_handle", "layer_sizes", "activations", "output", "target_width", "_trace_length",
                             "parameter_count", "loss_history", "_restored", "_loss_out", "_loss_ref", "_x_strides",
                             "_y_strides"})


def _sizes(layer_sizes) -> np.ndarray:
    """Layer sizes as int64 for the library (which checks their number and range)."""
    if isinstance(layer_sizes, (str, bytes)) or not hasattr(layer_sizes, "__iter__"):
        raise TypeError(f"layer_sizes must be a sequence of ints, got {layer_sizes!r}")
    try:
        sizes = [as_int(s, "layer_sizes") for s in layer_sizes]
    except TypeError:
        raise TypeError(f"layer_sizes must be a sequence of ints, got {layer_sizes!r}") from None
    return np.array(sizes, dtype=np.int64)


def _bias(bias_init):
    """(mode, a, b) for the library: 0 and a constant, or 1 and (mean, std); it checks the values."""
    if isinstance(bias_init, numbers.Real) and not isinstance(bias_init, (bool, np.bool_)):
        return 0, float(bias_init), 0.0
    try:
        mean, std = (as_real(v, "bias_init") for v in bias_init)
    except (TypeError, ValueError):
        raise ValueError(f"bias_init must be a number or a (mean, std) pair, got {bias_init!r}") from None
    return 1, mean, std


__all__ = ["ACTIVATIONS", "INITS", "MLP", "OUTPUTS", "TwoLayerNet"]
