"""`RandomState`: NumPy's legacy random stream, computed in Swift."""

from __future__ import annotations

import ctypes
import numbers
import secrets

import numpy as np

from . import _ffi
from ._convert import as_int

STATE_LENGTH = 624


class RandomState(_ffi.Handle):
    """NumPy's legacy ``numpy.random.RandomState``, bit for bit, in Swift.

    Parameters
    ----------
    seed : int or None
        In ``0 .. 2**32 - 1``. None seeds from the operating system.

    Examples
    --------
    >>> rs = RandomState(42)
    >>> rs.randn(3)   # equal to np.random.RandomState(42).randn(3)
    """

    _free_name = "sm_rng_free"
    _kind = "RandomState"

    def __init__(self, seed=None):
        super().__init__(_ffi.create("sm_rng_create", _seed_value(seed)))

    def __repr__(self):
        return "RandomState(closed)" if self.closed else f"RandomState(MT19937 at {self._h:#x})"

    def seed(self, seed=None) -> None:
        """Reseed, dropping any cached Gaussian, as ``RandomState.seed``."""
        _ffi.call("sm_rng_seed", self._h, _seed_value(seed))

    def get_state(self):
        """The state as NumPy's legacy tuple ``('MT19937', key, pos, has_gauss, cached_gaussian)``."""
        key = np.empty(STATE_LENGTH, dtype=np.uint32)
        pos, has_gauss, cached = ctypes.c_int64(), ctypes.c_int32(), ctypes.c_double()
        _ffi.call("sm_rng_get_state", self._h, _ffi.ptr(key), STATE_LENGTH,
                  ctypes.byref(pos), ctypes.byref(has_gauss), ctypes.byref(cached))
        return ("MT19937", key, pos.value, has_gauss.value, cached.value)

    def set_state(self, state) -> None:
        """Restore a state from `get_state` here or from NumPy's ``RandomState.get_state()``."""
        if isinstance(state, dict):  # NumPy's get_state(legacy=False)
            inner = state.get("state", {})
            state = ("MT19937", inner.get("key"), inner.get("pos"),
                     state.get("has_gauss", 0), state.get("gauss", 0.0))
        if len(state) < 3 or state[0] != "MT19937":
            raise ValueError("state must be ('MT19937', key, pos[, has_gauss, cached_gaussian])")
        key = np.ascontiguousarray(state[1], dtype=np.uint32)
        if key.shape != (STATE_LENGTH,):
            raise ValueError(f"state key must have shape ({STATE_LENGTH},), got {key.shape}")
        has_gauss = int(state[3]) if len(state) > 3 else 0
        cached = float(state[4]) if len(state) > 4 else 0.0
        _ffi.call("sm_rng_set_state", self._h, _ffi.ptr(key), STATE_LENGTH,
                  as_int(state[2], "pos"), has_gauss, cached)

    @classmethod
    def from_numpy(cls, numpy_state: np.random.RandomState) -> "RandomState":
        """A stream at the same point as a NumPy ``RandomState``."""
        rs = cls(0)
        rs.set_state(numpy_state.get_state())
        return rs

    def _fill(self, name: str, size, *extra):
        shape = _shape(size)
        out = np.empty(shape, dtype=np.float64)
        _ffi.call(name, self._h, *extra, _ffi.ptr(out), out.size)
        return float(out[()]) if size is None else out

    def random_sample(self, size=None):
        """Doubles in [0, 1), as ``random_sample(size)``."""
        return self._fill("sm_rng_random_sample", size)

    def randn(self, *shape):
        """Standard normal values, as ``randn(*shape)``; a float with no arguments."""
        return self._fill("sm_rng_randn", shape if shape else None)

    def standard_normal(self, size=None):
        """Standard normal values, as ``standard_normal(size)``."""
        return self._fill("sm_rng_randn", size)

    def normal(self, loc=0.0, scale=1.0, size=None):
        """``loc + scale * standard_normal()``, as the legacy ``normal``; scalars only."""
        loc, scale = float(loc), float(scale)
        if scale < 0:
            raise ValueError("scale < 0")
        return self._fill("sm_rng_normal", size, loc, scale)

    def permutation(self, x):
        """A permutation of ``range(x)``, or a shuffled copy of array ``x`` (first axis)."""
        if isinstance(x, numbers.Integral) and not isinstance(x, bool):
            return self._permutation(int(x))
        arr = np.asarray(x)
        if arr.ndim < 1:
            raise TypeError("x must be an integer or at least 1-dimensional")
        return arr[self._permutation(len(arr))]

    def shuffle(self, x) -> None:
        """Shuffle a NumPy array (along its first axis) or a mutable sequence in place."""
        n = len(x)
        perm = self._permutation(n)
        if isinstance(x, np.ndarray):
            x[...] = x[perm]
        else:
            items = [x[int(i)] for i in perm]
            for i, item in enumerate(items):
                x[i] = item

    def _permutation(self, n: int) -> np.ndarray:
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        out = np.empty(n, dtype=np.int64)
        _ffi.call("sm_rng_permutation", self._h, _ffi.ptr(out), n)
        return out


def _seed_value(seed) -> int:
    if seed is None:
        return secrets.randbits(32)
    seed = as_int(seed, "seed")
    if not 0 <= seed <= 2**32 - 1:
        raise ValueError(f"Seed must be between 0 and 2**32 - 1, got {seed}")
    return seed


def _shape(size):
    if size is None:
        return ()
    if isinstance(size, numbers.Integral):
        size = (int(size),)
    shape = tuple(int(s) for s in size)
    if any(s < 0 for s in shape):
        raise ValueError(f"negative dimensions are not allowed: {shape}")
    return shape


def resolve(random_state) -> tuple[RandomState, callable]:
    """scikit-learn's ``check_random_state`` for our streams.

    Returns the stream to draw from and a function to call afterwards: for a
    NumPy ``RandomState`` we draw from a copy and hand its final state back,
    so the NumPy object advances exactly as scikit-learn would advance it.
    """
    if isinstance(random_state, RandomState):
        return random_state, lambda: None
    if isinstance(random_state, np.random.RandomState):
        ours = RandomState.from_numpy(random_state)

        def sync():
            random_state.set_state(ours.get_state())
            ours.close()

        return ours, sync
    ours = RandomState(random_state)
    return ours, ours.close
