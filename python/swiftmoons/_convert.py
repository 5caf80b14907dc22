"""Turning user input into the C-contiguous float64 arrays the library reads."""

from __future__ import annotations

import numbers

import numpy as np


def as_float_array(values, name: str) -> np.ndarray:
    """Any real array-like (any dtype, order or nested list) as C-contiguous float64."""
    arr = np.asarray(values)
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


def as_int(value, name: str) -> int:
    """An integral Python int (bools are refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    return int(value)
