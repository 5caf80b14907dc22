"""`swiftmoons.activations`: the activation family, evaluated in Swift.

The hidden-layer activations a network may use, by name (``alpha`` is the
parameter, with its default):

============  ==========================================================
identity      z
sigmoid       1 / (1 + exp(-z)), z clipped to [-500, 500] as in the article
tanh          tanh(z)
relu          max(0, z)
leaky_relu    z if z > 0 else alpha * z (alpha 0.01)
prelu         as leaky_relu, with one learned slope per unit that starts
              at alpha (0.25); here evaluated with alpha
elu           z if z > 0 else alpha * (exp(z) - 1) (alpha 1.0, >= 0)
gelu          z * Phi(z), Phi the standard normal CDF (exact; the tail
              1 - Phi in the left tail, so it keeps full precision there)
gelu_tanh     0.5 * z * (1 + tanh(sqrt(2 / pi) * (z + 0.044715 * z**3)))
swish         z * sigmoid(z); "silu" is another name for it
softplus      log(1 + exp(z))
============  ==========================================================

Examples
--------
>>> import numpy as np
>>> from swiftmoons import activations
>>> np.round(activations.evaluate("gelu", [-1.0, 0.0, 1.0]), 4)
array([-0.1587,  0.    ,  0.8413])
>>> activations.evaluate("sigmoid", [0.0], derivative=True)
array([0.25])
>>> activations.NAMES[:4]
('identity', 'sigmoid', 'tanh', 'relu')
"""

from __future__ import annotations

import ctypes
import math
import numbers
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
    """The canonical name of an activation: "silu" becomes "swish", any other name is kept.

    Unknown names pass through unchanged, so that the library, which checks
    them, reports them with the list of valid names.

    Parameters
    ----------
    name : str
        An activation name.

    Returns
    -------
    str
        ``"swish"`` for ``"silu"``, else ``name`` itself.

    Raises
    ------
    TypeError
        If ``name`` is not a string.
    ValueError
        If it contains a NUL character.

    Examples
    --------
    >>> canonical("silu"), canonical("relu")
    ('swish', 'relu')
    """
    name = as_name(name, "activation")
    return "swish" if name == "silu" else name


def parse(spec: object) -> tuple[str, float | None]:
    """Split an activation spec into its canonical name and its parameter.

    Parameters
    ----------
    spec : str or (str, float) or (str, dict)
        A name (``"relu"``), a name with its parameter
        (``("leaky_relu", 0.1)``), or a name with a dict of parameters
        (``("elu", {"alpha": 2})``, where only ``alpha`` exists). A list of
        two items is read as such a pair. None as the parameter, or an
        empty dict, means the default.

    Returns
    -------
    name : str
        The canonical name (see `canonical`); an unknown name is passed
        through for the library to refuse.
    alpha : float or None
        The parameter, or None for the activation's default (or for an
        activation without one).

    Raises
    ------
    TypeError
        If the name is not a string or the parameter is not a real number.
    ValueError
        If ``spec`` is neither a name nor a pair, if a parameter is given to
        an activation that takes none, if the dict names a parameter other
        than ``alpha``, or if the parameter is not finite. (Range checks, such
        as ELU's alpha >= 0, are the library's, when a network or
        `evaluate` uses the value.)

    Examples
    --------
    >>> parse("silu")
    ('swish', None)
    >>> parse(("leaky_relu", 0.1)), parse(("elu", {"alpha": 2}))
    (('leaky_relu', 0.1), ('elu', 2.0))
    """
    if isinstance(spec, str):
        return canonical(spec), None
    if isinstance(spec, (tuple, list)) and len(spec) == 2:
        name, param = spec
        name = canonical(name)
        if isinstance(param, dict):
            if name not in PARAMETERS:
                raise ValueError(f"Unknown activation {name!r}; supported activations are {list(NAMES)}")
            unknown = set(param) - set(PARAMETERS[name])
            if unknown:
                raise ValueError(f"{name} takes parameters {sorted(PARAMETERS[name]) or 'none'}, got {sorted(unknown)}")
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
    """The activation, or its derivative, of every element of ``x``, in one native call.

    These are the functions the networks' hidden layers apply (see this
    module's table), computed by the networks' own kernels: the result is
    what a hidden unit computes from the same pre-activation, bit for bit,
    and the derivative what the backward pass multiplies by. Each is within
    a few ulp of the exact function over the whole real line (the sigmoid's
    derivative is the article's a (1 - a), which cancels where it saturates). At a kink (z = 0 for relu, leaky_relu, prelu and elu)
    the derivative takes its left-hand value: 0 for relu, alpha for the
    others.

    Parameters
    ----------
    name : str
        One of :data:`NAMES`.
    x : array-like of real numbers, any shape
        Converted to float64.
    derivative : bool
        Return f'(x) instead of f(x).
    **params
        The activation's parameters: only ``alpha``, for leaky_relu, prelu
        (used as the slope) and elu; finite, and >= 0 for elu. Omitted, the
        default of :data:`PARAMETERS` applies.

    Returns
    -------
    ndarray of float64, or float
        f(x) or f'(x) elementwise, of x's shape; a float for a scalar ``x``.

    Raises
    ------
    TypeError
        If ``x`` is not numeric (complex values included), ``name`` is not a
        string, or ``alpha`` is not a real number.
    ValueError
        If a parameter other than the activation's own is given, or
        ``alpha`` is not finite.
    SwiftMoonsError
        (a ValueError) For an unknown name, or an ELU alpha below 0.

    Examples
    --------
    >>> evaluate("leaky_relu", [-2.0, 3.0], alpha=0.1)
    array([-0.2,  3. ])
    >>> evaluate("relu", [[-1.0, 2.0], [3.0, -4.0]], derivative=True)
    array([[0., 1.],
           [1., 0.]])
    >>> evaluate("sigmoid", 0.0, derivative=True)
    0.25
    """
    kind = canonical(name)
    unknown = set(params) - set(PARAMETERS.get(kind, {}))
    if unknown and kind in PARAMETERS:
        raise ValueError(f"{kind} takes parameters {sorted(PARAMETERS[kind]) or 'none'}, got {sorted(unknown)}")
    alpha = as_real(params.get("alpha", math.nan), "alpha")
    if "alpha" in params and not math.isfinite(alpha):
        raise ValueError(f"alpha must be finite, got {alpha}")
    scalar = isinstance(x, (numbers.Real, np.generic)) or (isinstance(x, np.ndarray) and x.ndim == 0)
    arr = as_float_array(x, "x")  # C-contiguous, at least 1-D
    out = np.empty_like(arr)
    _ffi.call("sm_activation_evaluate", kind.encode(), alpha, int(bool(derivative)), _ffi.ptr(arr), _ffi.ptr(out),
              arr.size)
    return float(out[0]) if scalar else out


def native_specs(activation):
    """C arrays of names and parameters (NaN = default) for the hidden layers."""
    specs = list(activation) if isinstance(activation, list) else [activation]
    # One for all or one per hidden layer: the library checks the count.
    parsed = [parse(s) for s in specs]
    names = (ctypes.c_char_p * len(parsed))(*[name.encode() for name, _ in parsed])
    alphas = np.array([math.nan if a is None else a for _, a in parsed], dtype=np.float64)
    return names, alphas


__all__ = ["LESSON_FIVE", "NAMES", "PARAMETERS", "canonical", "evaluate", "parse"]
