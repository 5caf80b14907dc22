"""Saving and loading networks: one versioned file format that NumPy alone can read.

A saved network is an ``.npz`` archive (``numpy.load(path)`` opens it, with
no pickle inside) holding:

- ``header``: a JSON string::

      {"format": "swiftmoons.network", "format_version": 1,
       "library_version": "0.1.0", "class": "TwoLayerNet",
       "layer_sizes": [2, 8, 8, 1],
       "activations": [["relu", null], ["relu", null]],   # name and parameter per hidden layer
       "output": "sigmoid", "epochs_trained": 800,
       "parameters": ["W1", "b1", "W2", "b2", "W3", "b3"],
       "records": 0, "recorded_params": false}

- the parameters by those names: ``W1`` (fan_in x fan_out), ``b1`` (1 x
  fan_out), ``slopes1`` (1 x width) for a PReLU layer, ...;
- ``loss_history``: the per-epoch training losses;
- ``records_epochs``, ``records_eval_loss``, ``records_eval_accuracy`` and,
  when parameters were recorded, ``records_params`` (records x parameters,
  flat in the order above).

Pickles, copies and files all go through the same state (`state_of`,
`network_from_state`), so they hold the same things. Anything that is not
such a file, is cut short or corrupted, or comes from a newer format version
raises ValueError naming the path and what is wrong.
"""

from __future__ import annotations

import json
import math
import os
import zipfile
from typing import TYPE_CHECKING

import numpy as np

from . import _ffi
from ._convert import as_path


class _NotANetwork(ValueError):
    """A readable file that is not a saved network."""


if TYPE_CHECKING:
    from .network import MLP

FORMAT = "swiftmoons.network"
FORMAT_VERSION = 1
#: The most epochs a network counts (the library's bound, exact in JSON).
MAX_EPOCHS_TRAINED = 2**53
_CLASSES = ("MLP", "TwoLayerNet")


def state_of(net: MLP) -> dict:
    """Everything that makes `net` what it is, as plain data: a header dict and arrays."""
    from . import __version__
    records = net.records
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "library_version": __version__,
        "class": type(net).__name__ if type(net).__name__ in _CLASSES else "MLP",
        "layer_sizes": list(net.layer_sizes),
        "activations": [[name, alpha] for name, alpha in net.activations],
        "output": net.output,
        "epochs_trained": net.epochs_trained,
        "parameters": net.param_names(),
        "records": int(records.epochs.size),
        "recorded_params": records.params is not None,
    }
    arrays = net.state_dict()
    arrays["loss_history"] = np.array(net.loss_history, dtype=np.float64)
    arrays["records_epochs"] = records.epochs
    arrays["records_eval_loss"] = records.eval_loss
    arrays["records_eval_accuracy"] = records.eval_accuracy
    if records.params is not None:
        arrays["records_params"] = np.array([np.concatenate([p.ravel() for p in block]) for block in records.params])
    return {"header": header, "arrays": arrays}


def opened_state(state: object, fmt: str, newest: int, source: str, bad) -> tuple[dict, dict]:
    """(header, arrays) of a saved state of format `fmt` in versions 1 .. `newest`; otherwise the
    ValueError ``bad(why)`` makes (a newer version: one that says to upgrade)."""
    if not isinstance(state, dict) or not isinstance(state.get("header"), dict) or not isinstance(state.get("arrays"), dict):
        raise bad("it needs a header and arrays")
    header, arrays = state["header"], state["arrays"]
    if header.get("format") != fmt:
        raise bad(f"its format is {header.get('format')!r}, not {fmt!r}")
    version = header.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise bad(f"format_version must be an integer, got {version!r}")
    if version > newest:
        raise ValueError(f"{source} has format version {version}, newer than this swiftmoons reads "
                         f"({newest}); upgrade swiftmoons to load it")
    if version < 1:
        raise bad(f"format_version {version} does not exist")
    return header, arrays


def network_from_state(state: dict, source: str = "the saved state", cls: type | None = None) -> MLP:
    """A new network from `state_of`'s data; ValueError says what does not fit.

    `cls` (a subclass of MLP) overrides the class the header names (pickles
    of user subclasses carry their own class).
    """
    from .network import MLP, TwoLayerNet

    def bad(why):
        return ValueError(f"{source} is not a valid swiftmoons network: {why}")

    header, arrays = opened_state(state, FORMAT, FORMAT_VERSION, source, bad)
    name = header.get("class")
    saved_class = {"MLP": MLP, "TwoLayerNet": TwoLayerNet}.get(name) if isinstance(name, str) else None
    if saved_class is None:
        raise bad(f"class must be one of {_CLASSES}, got {header.get('class')!r}")
    if not (isinstance(cls, type) and issubclass(cls, saved_class)):
        cls = saved_class
    sizes = header.get("layer_sizes")
    if not (isinstance(sizes, list) and len(sizes) >= 2
            and all(isinstance(s, int) and not isinstance(s, bool) and s >= 1 for s in sizes)):
        raise bad(f"layer_sizes must be a list of at least 2 positive integers, got {sizes!r}")
    acts = header.get("activations")
    if not (isinstance(acts, list) and len(acts) == len(sizes) - 2
            and all(isinstance(a, list) and len(a) == 2 and isinstance(a[0], str)
                    and (a[1] is None or (isinstance(a[1], (int, float)) and not isinstance(a[1], bool)))
                    for a in acts)):
        raise bad(f"activations must list [name, parameter] for each of the {len(sizes) - 2} hidden layers, "
                  f"got {acts!r}")
    output = header.get("output")
    if not isinstance(output, str):
        raise bad(f"output must be a name, got {output!r}")
    epochs_trained = header.get("epochs_trained")
    if (not isinstance(epochs_trained, int) or isinstance(epochs_trained, bool)
            or not 0 <= epochs_trained <= MAX_EPOCHS_TRAINED):
        raise bad(f"epochs_trained must be an integer in 0..{MAX_EPOCHS_TRAINED}, got {epochs_trained!r}")
    for _, alpha in acts:
        if alpha is not None and not math.isfinite(alpha):
            raise bad(f"an activation's parameter must be finite, got {alpha!r}")
    names = header.get("parameters")
    if not (isinstance(names, list) and all(isinstance(n, str) for n in names)):
        raise bad(f"parameters must be a list of names, got {names!r}")
    missing = [n for n in names if n not in arrays]
    if missing:
        raise bad(f"the arrays {missing} are missing")
    params = [_float_array(arrays[n], n, bad) for n in names]
    specs: list = [name if alpha is None else (name, float(alpha)) for name, alpha in acts]
    # (No hidden layer: the activation is never used.)
    activation = specs if specs else "relu"
    # MLP's from_params, building an instance of the saved class.
    try:
        net = MLP.from_params.__func__(cls, params, activation=activation,  # type: ignore[attr-defined]
                                       output=output, layer_sizes=sizes)
    except (TypeError, ValueError) as exc:
        raise bad(str(exc)) from None
    if net.param_names() != names:
        net.close()
        raise bad(f"the parameters {names} do not match the layers (expected {net.param_names()})")
    try:
        history = _float_array(arrays.get("loss_history", np.zeros(0)), "loss_history", bad).ravel()
        count = header.get("records", 0)
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise bad(f"records must be an integer >= 0, got {count!r}")
        epochs = np.asarray(arrays.get("records_epochs", np.zeros(0, dtype=np.int64)))
        if epochs.dtype.kind not in "iu" or epochs.shape != (count,):
            raise bad(f"records_epochs must hold {count} integers, got {epochs.dtype} of shape {epochs.shape}")
        loss = _float_array(arrays.get("records_eval_loss", np.zeros(0)), "records_eval_loss", bad)
        accuracy = _float_array(arrays.get("records_eval_accuracy", np.zeros(0)), "records_eval_accuracy", bad)
        if loss.shape != (count,) or accuracy.shape != (count,):
            raise bad(f"records_eval_loss and records_eval_accuracy must hold {count} values each")
        recorded = None
        recorded_flag = header.get("recorded_params", False)
        if not isinstance(recorded_flag, bool):
            raise bad(f"recorded_params must be true or false, got {recorded_flag!r}")
        if recorded_flag:
            recorded = _float_array(arrays.get("records_params"), "records_params", bad)
            if recorded.shape != (count, net.parameter_count):
                raise bad(f"records_params must have shape ({count}, {net.parameter_count}), got {recorded.shape}")
        restore_training(net, epochs_trained, epochs.astype(np.int64), loss, accuracy, recorded)
        net.loss_history.extend(history.tolist())
    except BaseException:
        net.close()
        raise
    return net


def _float_array(value, name, bad) -> np.ndarray:
    if value is None:
        raise bad(f"the array {name} is missing")
    arr = np.asarray(value)
    if arr.dtype != np.float64:
        raise bad(f"{name} must be float64, got {arr.dtype}")
    return np.ascontiguousarray(arr)


def save(net: MLP, path: str | os.PathLike) -> None:
    """Write `net` to `path` (an ``.npz`` file; see this module for the format).

    Parameters
    ----------
    net : MLP or TwoLayerNet
    path : str or path-like
        Written as given (no ``.npz`` is appended).

    Raises
    ------
    TypeError
        If ``path`` is not a path.
    OSError
        If the file cannot be written.

    Examples
    --------
    >>> import os, tempfile, swiftmoons as sm
    >>> path = os.path.join(tempfile.mkdtemp(), "net.npz")
    >>> save(sm.TwoLayerNet("relu", seed=42), path)
    >>> load(path)
    TwoLayerNet(activation='relu', layer_sizes=(2, 8, 8, 1))
    """
    path = as_path(path)
    state = state_of(net)
    arrays = dict(state["arrays"])
    arrays["header"] = np.array(json.dumps(state["header"]))
    with open(path, "wb") as f:  # np.savez would add ".npz" to a name without it
        np.savez(f, **arrays)


def load(path: str | os.PathLike) -> MLP:
    """The network saved at `path`, bit-identical: it trains on exactly as the saved one would.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    MLP, TwoLayerNet or swiftmoons.cnn.CNN
        The saved class, with its parameters, epochs trained, loss history
        and records (a CNN: its layers, parameters and both streams).

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ValueError
        If the file is not a swiftmoons network (truncated, corrupted, another
        kind of file, a newer format version); the message says why.

    Examples
    --------
    >>> import os, tempfile, swiftmoons as sm
    >>> net = sm.MLP((2, 4, 1), activation="gelu", seed=0)
    >>> path = os.path.join(tempfile.mkdtemp(), "mlp.npz")
    >>> net.save(path)
    >>> again = load(path)
    >>> bool((again.W1 == net.W1).all()), again.activations
    (True, (('gelu', None),))
    """
    path = as_path(path)

    def not_a_network(why):
        return _NotANetwork(f"{path} is not a swiftmoons network file: {why}")

    try:
        try:
            data = np.load(path, allow_pickle=False)
        except ValueError:  # NumPy's guess for a file it cannot read: "pickled data"
            raise not_a_network("it is neither an .npz archive nor a NumPy array file") from None
        if not isinstance(data, np.lib.npyio.NpzFile):
            raise not_a_network(f"it holds a single {type(data).__name__}, not an .npz archive")
        with data:
            if "header" not in data.files:
                raise not_a_network("it has no header")
            raw = data["header"]
            if not isinstance(raw, np.ndarray) or raw.dtype.kind != "U" or raw.shape != ():
                raise not_a_network("its header is not a string")
            header = json.loads(str(raw))
            if not isinstance(header, dict):
                raise not_a_network("its header is not a JSON object")
            arrays = {name: data[name] for name in data.files if name != "header"}
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        raise
    except _NotANetwork:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError, UnicodeDecodeError, RuntimeError,
            AttributeError, TypeError) as exc:
        raise ValueError(f"{path} is not a readable swiftmoons network file ({type(exc).__name__}: {exc})") from None
    if header.get("format") == "swiftmoons.cnn":
        from .cnn import cnn_from_state
        return cnn_from_state({"header": header, "arrays": arrays}, source=path)  # type: ignore[return-value]
    return network_from_state({"header": header, "arrays": arrays}, source=path)


def restore_training(net, epochs_trained: int, epochs: np.ndarray, loss: np.ndarray, accuracy: np.ndarray,
                     params: np.ndarray | None) -> None:
    """Put back what training left on a network: the epochs it trained and
    its records (``params``: one row of all parameters per record, or None).
    The library checks that they fit the network; nothing changes if not."""
    flat = np.zeros(0) if params is None else np.ascontiguousarray(params, dtype=np.float64).ravel()
    _ffi.call("sm_net_restore_training", net, epochs_trained, _ffi.ptr(epochs), _ffi.ptr(loss),
              _ffi.ptr(accuracy), epochs.size, _ffi.ptr(flat), flat.size)


def take_over(net, twin) -> None:
    """Give ``net`` the whole state of ``twin``, a network of the same layers
    (one trained elsewhere and sent back): parameters, epochs trained,
    records and loss history."""
    records = twin.records
    flat = None if records.params is None else np.array(
        [np.concatenate([p.ravel() for p in block]) for block in records.params])
    net.set_parameters(twin.parameters())
    restore_training(net, twin.epochs_trained, records.epochs, records.eval_loss, records.eval_accuracy, flat)
    net.loss_history[:] = twin.loss_history


__all__ = ["FORMAT", "FORMAT_VERSION", "load", "save"]
