"""`RandomState`: NumPy's legacy random stream, computed in Swift."""

from __future__ import annotations

import ctypes
import math
from typing import Callable

from ._types import ArrayLike
import numbers
import secrets

import numpy as np

from . import _ffi
from ._convert import INT64, as_int, as_real, empty

STATE_LENGTH = 624


class RandomState(_ffi.Handle):
    """NumPy's legacy ``numpy.random.RandomState``, bit for bit, in Swift.

    Parameters
    ----------
    seed : int or None
        In ``0 .. 2**32 - 1``. None seeds from the operating system.

    Raises
    ------
    TypeError
        If ``seed`` is not an integer (or None).
    ValueError
        If it lies outside ``0 .. 2**32 - 1``.

    Notes
    -----
    Copies, deep copies and pickles are new streams at the same point.

    Examples
    --------
    >>> import numpy as np
    >>> rs = RandomState(42)
    >>> bool((rs.randn(3) == np.random.RandomState(42).randn(3)).all())
    True
    """

    _free_name = "sm_rng_free"
    _kind = "RandomState"

    def __init__(self, seed: int | None = None) -> None:
        super().__init__(_ffi.create("sm_rng_create", seed_value(seed)))

    def __repr__(self) -> str:
        if self.closed:
            return "RandomState(closed)"
        _, _, pos, has_gauss, _ = self.get_state()
        return f"RandomState(MT19937, pos={pos}{', gauss cached' if has_gauss else ''})"

    # Copies and pickles are new streams at the same point, each with its
    # own native object; the state travels as NumPy's legacy tuple.
    def __reduce__(self) -> tuple:
        return _restore_random_state, (self.get_state(),)

    def __copy__(self) -> RandomState:
        return _restore_random_state(self.get_state())

    def __deepcopy__(self, memo: dict) -> RandomState:
        return self.__copy__()

    def seed(self, seed: int | None = None) -> None:
        """Reseed, dropping any cached Gaussian, as ``RandomState.seed``.

        Parameters
        ----------
        seed : int or None
            In ``0 .. 2**32 - 1``; None seeds from the operating system.

        Examples
        --------
        >>> rs = RandomState(1)
        >>> first = rs.random_sample()
        >>> rs.seed(1)
        >>> rs.random_sample() == first
        True
        """
        _ffi.call("sm_rng_seed", self._h, seed_value(seed))

    def get_state(self) -> tuple[str, np.ndarray, int, int, float]:
        """The state as NumPy's legacy tuple.

        Returns
        -------
        tuple
            ``('MT19937', key, pos, has_gauss, cached_gaussian)``: key is a
            uint32 array of shape (624,), the rest Python numbers, as
            ``numpy.random.RandomState.get_state()`` returns them.

        Examples
        --------
        >>> import numpy as np
        >>> name, key, pos, has_gauss, gauss = RandomState(7).get_state()
        >>> name, key.shape, pos
        ('MT19937', (624,), 624)
        >>> bool((key == np.random.RandomState(7).get_state()[1]).all())
        True
        """
        key = np.empty(STATE_LENGTH, dtype=np.uint32)
        pos, has_gauss, cached = ctypes.c_int64(), ctypes.c_int32(), ctypes.c_double()
        _ffi.call("sm_rng_get_state", self._h, _ffi.ptr(key), STATE_LENGTH,
                  ctypes.byref(pos), ctypes.byref(has_gauss), ctypes.byref(cached))
        return ("MT19937", key, pos.value, has_gauss.value, cached.value)

    def set_state(self, state: tuple | dict) -> None:
        """Restore a state from `get_state` here or from NumPy's ``RandomState.get_state()``.

        Parameters
        ----------
        state : tuple or dict
            ``('MT19937', key, pos[, has_gauss, cached_gaussian])`` with a key
            of 624 unsigned 32-bit words and pos in 0..624, or NumPy's
            ``get_state(legacy=False)`` dict.

        Raises
        ------
        TypeError, ValueError
            For a malformed state; the stream is then unchanged. A key that
            is all zero (in the bits MT19937 uses) is refused: such a stream
            would draw only zeros (NumPy accepts it, and then ``randn`` never
            returns).

        Examples
        --------
        >>> import numpy as np
        >>> numpy_stream = np.random.RandomState(3)
        >>> ours = RandomState(0)
        >>> ours.set_state(numpy_stream.get_state())
        >>> ours.random_sample() == numpy_stream.random_sample()
        True
        """
        if isinstance(state, dict):  # NumPy's get_state(legacy=False)
            inner = state.get("state", {})
            if not isinstance(inner, dict):
                raise ValueError("state['state'] must be a dict with 'key' and 'pos'")
            state = ("MT19937", inner.get("key"), inner.get("pos"),
                     state.get("has_gauss", 0), state.get("gauss", 0.0))
        if not isinstance(state, (tuple, list)) or len(state) < 3 or state[0] != "MT19937":
            raise ValueError("state must be ('MT19937', key, pos[, has_gauss, cached_gaussian])")
        raw = np.asarray(state[1])
        if raw.shape != (STATE_LENGTH,) or raw.dtype.kind not in "ui":
            raise ValueError(f"state key must be {STATE_LENGTH} unsigned 32-bit integers, got shape {raw.shape} "
                             f"of {raw.dtype}")
        if raw.dtype.kind == "i" and (raw.min() < 0 or raw.max() > 2**32 - 1):
            raise ValueError("state key words must be in 0..2**32 - 1")
        key = np.ascontiguousarray(raw, dtype=np.uint32)
        pos = as_int(state[2], "state pos", 0, STATE_LENGTH)
        has_gauss = as_int(state[3], "state has_gauss", 0, 1) if len(state) > 3 else 0
        cached = as_real(state[4], "state cached_gaussian") if len(state) > 4 else 0.0
        _ffi.call("sm_rng_set_state", self._h, _ffi.ptr(key), STATE_LENGTH, pos, has_gauss, cached)

    @classmethod
    def from_numpy(cls, numpy_state: np.random.RandomState) -> "RandomState":
        """A stream at the same point as a NumPy ``RandomState``.

        Parameters
        ----------
        numpy_state : numpy.random.RandomState

        Returns
        -------
        RandomState
            A new stream that draws what ``numpy_state`` would draw next
            (``numpy_state`` itself does not move).

        Examples
        --------
        >>> import numpy as np
        >>> RandomState.from_numpy(np.random.RandomState(5)).randn() == np.random.RandomState(5).randn()
        True
        """
        rs = cls(0)
        rs.set_state(numpy_state.get_state())
        return rs

    def _fill(self, name: str, size, *extra):
        shape = _shape(size)
        out = empty(shape, "The draws")
        _ffi.call(name, self._h, *extra, _ffi.ptr(out), out.size)
        return float(out[()]) if size is None else out

    def random_sample(self, size: int | tuple[int, ...] | None = None) -> float | np.ndarray:
        """Doubles in [0, 1), as ``random_sample(size)``.

        Parameters
        ----------
        size : int, tuple of int or None
            The output's shape; None for a single float.

        Returns
        -------
        float or ndarray of shape ``size``

        Examples
        --------
        >>> RandomState(0).random_sample(3).shape
        (3,)
        """
        return self._fill("sm_rng_random_sample", size)

    def randn(self, *shape: int) -> float | np.ndarray:
        """Standard normal values, as ``randn(*shape)``; a float with no arguments.

        Parameters
        ----------
        *shape : int
            The output's dimensions.

        Returns
        -------
        float or ndarray of shape ``shape``

        Examples
        --------
        >>> RandomState(0).randn(2, 3).shape
        (2, 3)
        """
        return self._fill("sm_rng_randn", shape if shape else None)

    def standard_normal(self, size: int | tuple[int, ...] | None = None) -> float | np.ndarray:
        """Standard normal values, as ``standard_normal(size)``.

        Parameters
        ----------
        size : int, tuple of int or None
            The output's shape; None for a single float.

        Returns
        -------
        float or ndarray of shape ``size``

        Examples
        --------
        >>> RandomState(0).standard_normal((2,)).shape
        (2,)
        """
        return self._fill("sm_rng_randn", size)

    def normal(self, loc: float = 0.0, scale: float = 1.0,
               size: int | tuple[int, ...] | None = None) -> float | np.ndarray:
        """``loc + scale * standard_normal()``, as the legacy ``normal``; scalars only.

        Parameters
        ----------
        loc, scale : float
            The mean and the standard deviation (>= 0).
        size : int, tuple of int or None
            The output's shape; None for a single float.

        Returns
        -------
        float or ndarray of shape ``size``

        Raises
        ------
        ValueError
            If ``scale`` is negative or NaN.

        Examples
        --------
        >>> RandomState(0).normal(10.0, 0.0, size=2).tolist()
        [10.0, 10.0]
        """
        loc, scale = as_real(loc, "loc"), as_real(scale, "scale")
        if not scale >= 0:
            raise ValueError(f"scale must be >= 0, got {scale}")
        return self._fill("sm_rng_normal", size, loc, scale)

    def permutation(self, x: int | ArrayLike) -> np.ndarray:
        """A permutation of ``range(x)``, or a shuffled copy of array ``x`` (first axis).

        Parameters
        ----------
        x : int or array-like
            A count, or an array to shuffle a copy of.

        Returns
        -------
        ndarray
            Shape ``(x,)`` of int64 for a count; ``x``'s shape otherwise.

        Examples
        --------
        >>> sorted(RandomState(0).permutation(5).tolist())
        [0, 1, 2, 3, 4]
        """
        if isinstance(x, numbers.Integral) and not isinstance(x, (bool, np.bool_)):
            return self._permutation(as_int(x, "x", 0))
        if isinstance(x, (str, bytes)) or not hasattr(x, "__len__"):
            raise TypeError(f"x must be an integer or an array, got {type(x).__name__} {x!r}")
        arr = np.asarray(x)
        if arr.ndim < 1:
            raise TypeError("x must be an integer or at least 1-dimensional")
        return arr[self._permutation(len(arr))]

    def shuffle(self, x: np.ndarray | list) -> None:
        """Shuffle a NumPy array (along its first axis) or a mutable sequence in place.

        Parameters
        ----------
        x : ndarray or list
            Shuffled in place.

        Raises
        ------
        TypeError, ValueError
            For what cannot be shuffled in place (a tuple, a string, a
            read-only array), before any number is drawn: the stream does
            not move.

        Examples
        --------
        >>> items = [1, 2, 3, 4]
        >>> RandomState(0).shuffle(items)
        >>> sorted(items)
        [1, 2, 3, 4]
        """
        if isinstance(x, np.ndarray):
            if x.ndim < 1:
                raise TypeError("x must be at least 1-dimensional")
            if not x.flags.writeable:
                raise ValueError("x is read-only: shuffle needs an array it can write")
        elif isinstance(x, (str, bytes, tuple)) or not (hasattr(x, "__len__") and hasattr(x, "__setitem__")):
            raise TypeError(f"shuffle needs a mutable sequence or an array, got {type(x).__name__}")
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
        out = empty(n, "The permutation", np.int64)
        _ffi.call("sm_rng_permutation", self._h, _ffi.ptr(out), n)
        return out


def seed_value(seed: object, name: str = "seed") -> int:
    """An int seed in 0..2**32 - 1 (None: a fresh one from the operating system)."""
    if seed is None:
        return secrets.randbits(32)
    seed = as_int(seed, name, -math.inf, math.inf)
    if not 0 <= seed <= 2**32 - 1:
        raise ValueError(f"{'Seed' if name == 'seed' else name} must be between 0 and 2**32 - 1, got {seed}")
    return seed


def _shape(size):
    if size is None:
        return ()
    if isinstance(size, (str, bytes)) or not (isinstance(size, numbers.Integral) or hasattr(size, "__iter__")):
        raise TypeError(f"size must be an integer or a tuple of integers, got {type(size).__name__} {size!r}")
    dims = (size,) if isinstance(size, numbers.Integral) else tuple(size)
    shape = tuple(as_int(s, "size", 0) for s in dims)
    total = 1
    for s in shape:
        total *= s
    if total > INT64[1] // 8:
        raise ValueError(f"size {shape} is too large")
    return shape


def _restore_random_state(state) -> RandomState:
    """A new stream at `state` (what pickles and copies call)."""
    rs = RandomState(0)
    rs.set_state(state)
    return rs


def resolve(random_state: object, name: str = "random_state") -> tuple[RandomState, Callable[[], None]]:
    """scikit-learn's ``check_random_state`` for our streams.

    Returns the stream to draw from and a function to call afterwards: for a
    NumPy ``RandomState`` we draw from a copy and hand its final state back,
    so the NumPy object advances exactly as scikit-learn would advance it.
    Anything but a stream, an int seed or None is a TypeError naming `name`.
    """
    if isinstance(random_state, RandomState):
        return random_state, lambda: None
    if isinstance(random_state, np.random.RandomState):
        ours = RandomState.from_numpy(random_state)

        def sync():
            random_state.set_state(ours.get_state())
            ours.close()

        return ours, sync
    if random_state is not None and (isinstance(random_state, (bool, np.bool_))
                                     or not isinstance(random_state, numbers.Real)):
        raise TypeError(f"{name} must be a swiftmoons.RandomState, a numpy.random.RandomState, an int seed or None; "
                        f"got {type(random_state).__name__}" + (" (NumPy's Generator draws another stream)"
                                                                if isinstance(random_state, np.random.Generator) else ""))
    ours = RandomState(seed_value(random_state, name))
    return ours, ours.close


__all__ = ["RandomState"]
