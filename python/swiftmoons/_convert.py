"""Turning user input into the C-contiguous float64 arrays the library reads."""

from __future__ import annotations

import numbers
import os

import numpy as np


def as_float_array(values, name: str) -> np.ndarray:
    """Any real array-like (any dtype, order or nested list) as C-contiguous float64."""
    try:
        arr = np.asarray(values)
    except ValueError as exc:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular array: {exc}") from None
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must be real, got complex values")
    if arr.dtype == object or arr.dtype.kind in "USV":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} must be numeric: {exc}") from None
    return np.ascontiguousarray(arr, dtype=np.float64)


def as_matrix(values, columns: int, name: str = "X") -> np.ndarray:
    """A 2-D (n, columns) float64 array with n >= 1, or ValueError naming the shape."""
    arr = as_float_array(values, name)
    if arr.ndim != 2 or arr.shape[1] != columns or arr.shape[0] < 1:
        raise ValueError(f"{name} must have shape (n, {columns}) with n >= 1, got {arr.shape}")
    return arr


def as_targets(values, rows: int, width: int, name: str = "y") -> np.ndarray:
    """Targets for ``rows`` samples of ``width`` values each, as float64:
    shape (rows, width), or flat (rows * width values, e.g. (rows,) for one).
    Their values are the library's to check (against the output kind)."""
    arr = as_float_array(values, name)
    if arr.size != rows * width or arr.ndim > 2 or (arr.ndim == 2 and arr.shape != (rows, width)):
        expected = f"({rows},)" if width == 1 else f"({rows}, {width})"
        raise ValueError(f"{name} must have shape {expected} to match X, got {arr.shape}")
    return arr


def as_positive_int(value, name: str) -> int:
    """An integer argument >= 1 (see `as_int`)."""
    return as_int(value, name, 1)


#: The range of the C int64_t arguments, and of C int.
INT64 = (-(2**63), 2**63 - 1)
INT32 = (-(2**31), 2**31 - 1)


def as_int(value, name: str, low=None, high=None) -> int:
    """An integer argument, checked before ctypes could wrap it.

    Integers (Python's, NumPy's) and floats with an integral value (``2.0``,
    ``1e3``) are accepted; bools, strings, other floats and objects are
    refused with a TypeError, values outside ``[low, high]`` (default: the
    range of int64_t) with a ValueError; both name the parameter.
    """
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if isinstance(value, numbers.Integral):
        result = int(value)
    elif isinstance(value, numbers.Real):
        as_float = float(value)
        if not as_float.is_integer():
            raise TypeError(f"{name} must be an integer, got {value!r}")
        result = int(as_float)
    else:
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    low = INT64[0] if low is None else low
    high = INT64[1] if high is None else high
    if not low <= result <= high:
        raise ValueError(f"{name} must be in {low}..{high}, got {result}")
    return result


def as_real(value, name: str) -> float:
    """A real number argument as a float (bools, strings and objects refused, naming the parameter)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    return float(value)


def as_flag(value, name: str) -> bool:
    """A yes/no argument: a bool (Python's or NumPy's) or the integers 0 and 1."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral) and value in (0, 1):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")


def as_sequence(value, name: str) -> list:
    """A list from a sequence argument (a string or a scalar is refused, naming the parameter)."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise TypeError(f"{name} must be a sequence, got {type(value).__name__} {value!r}")
    return list(value)


def as_name(value, name: str) -> str:
    """A name argument: a str without NUL characters (C would cut it there)."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {type(value).__name__} {value!r}")
    if "\x00" in value:
        raise ValueError(f"{name} must not contain a NUL character, got {value!r}")
    return value


def empty(shape, name: str, dtype=np.float64) -> np.ndarray:
    """``np.empty`` whose MemoryError says what it was for and how big."""
    try:
        return np.empty(shape, dtype=dtype)
    except MemoryError:
        size = int(np.prod(shape, dtype=object)) * np.dtype(dtype).itemsize
        raise MemoryError(f"{name} needs {size} bytes ({size / 2**30:.1f} GiB), which could not be allocated") from None
    except ValueError as exc:  # "array is too big"
        raise MemoryError(f"{name} of shape {tuple(shape)} is too large to allocate: {exc}") from None


def as_path(path: object) -> str:
    """A file path argument as a str (TypeError naming `path` otherwise)."""
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError(f"path must be a str or a path-like object, got {type(path).__name__} {path!r}")
    return os.fsdecode(os.fspath(path))
