"""`swiftmoons.activations`: the activation family, evaluated in Swift.

>>> from swiftmoons import activations
>>> activations.evaluate("gelu", [-1.0, 0.0, 1.0])
>>> activations.evaluate("sigmoid", 0.0, derivative=True)   # 0.25
>>> activations.NAMES
"""

from __future__ import annotations

import ctypes
import math
from typing import Any

import numpy as np

from . import _ffi
from ._types import ArrayLike
from ._convert import as_float_array, as_name, as_real


def _table() -> dict:
    out = {}
    for i in range(_ffi.lib.sm_activation_count()):
        name, alpha = ctypes.c_char_p(), ctypes.c_double()
        _ffi.call("sm_activation_info", i, ctypes.byref(name), ctypes.byref(alpha))
        out[(name.value or b"").decode("ascii")] = {} if math.isnan(alpha.value) else {"alpha": alpha.value}
    return out


#: Every activation and its parameters with their defaults, e.g.
#: ``{"relu": {}, "leaky_relu": {"alpha": 0.01}, ...}``. "silu" is another name for "swish".
PARAMETERS = _table()
#: The names accepted wherever an activation is named.
NAMES = tuple(PARAMETERS) + ("silu",)
#: The five activations of the lesson on derivatives (seed 002).
LESSON_FIVE = ("sigmoid", "tanh", "relu", "leaky_relu", "gelu")


def canonical(name: str) -> str:
    """The name's kind ("silu" is "swish"). Unknown names pass through, so that
    the library reports them with the list of valid ones."""
    name = as_name(name, "activation")
    return "swish" if name == "silu" else name


def parse(spec: object) -> tuple[str, float | None]:
    """``"relu"``, ``("leaky_relu", 0.1)`` or ``("elu", {"alpha": 2})`` as ``(name, alpha or None)``."""
    if isinstance(spec, str):
        return canonical(spec), None
    if isinstance(spec, (tuple, list)) and len(spec) == 2:
        name, param = spec
        name = canonical(name)
        if isinstance(param, dict):
            unknown = set(param) - set(PARAMETERS.get(name, {}))
            if unknown:
                raise ValueError(f"{name} takes parameters {sorted(PARAMETERS[name])}, got {sorted(unknown)}")
            param = param.get("alpha")
        if param is not None and name in PARAMETERS and not PARAMETERS[name]:
            raise ValueError(f"{name} takes no parameter, got {param!r}")
        if param is None:
            return name, None
        value = as_real(param, f"{name}'s parameter")
        if not math.isfinite(value):
            raise ValueError(f"{name}'s parameter must be finite, got {value}")
        return name, value
    raise ValueError(f"An activation is a name or a (name, alpha) pair, got {spec!r}")


def evaluate(name: str, x: ArrayLike, derivative: bool = False, **params: Any) -> Any:
    """The activation (or its derivative) of every element of ``x``, in one native call.

    Parameters
    ----------
    name : str
        One of :data:`NAMES`.
    x : array-like of any shape
    derivative : bool
        Return f'(x) instead of f(x).
    **params
        The activation's parameters (``alpha`` for leaky_relu, elu, prelu).

    Returns
    -------
    ndarray of x's shape, or a float for a scalar x
    """
    kind = canonical(name)
    unknown = set(params) - set(PARAMETERS.get(kind, {}))
    if unknown and kind in PARAMETERS:
        raise ValueError(f"{kind} takes parameters {sorted(PARAMETERS[kind]) or 'none'}, got {sorted(unknown)}")
    alpha = as_real(params.get("alpha", math.nan), "alpha")
    if "alpha" in params and not math.isfinite(alpha):
        raise ValueError(f"alpha must be finite, got {alpha}")
    arr = as_float_array(x, "x")
    out = np.empty_like(arr)
    _ffi.call("sm_activation_evaluate", kind.encode(), alpha, int(bool(derivative)), _ffi.ptr(arr), _ffi.ptr(out),
              arr.size)
    return float(out) if out.ndim == 0 else out
