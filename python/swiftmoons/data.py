"""The article's data, generated and split in Swift, equal to scikit-learn's."""

from __future__ import annotations

import ctypes
import numbers
from typing import Any

import numpy as np

from . import _ffi
from ._convert import as_flag, as_float_array, as_int, as_real, empty
from ._types import ArrayLike, FloatArray, IntArray, Seed
from .random import resolve


def make_moons(n_samples: int | tuple[int, int] = 100, *, noise: float | None = None, random_state: Seed = None,
               shuffle: bool = True) -> tuple[FloatArray, IntArray]:
    """Two interleaving half circles, exactly as ``sklearn.datasets.make_moons``.

    Parameters
    ----------
    n_samples : int or (int, int)
        Total points (the outer moon gets ``n_samples // 2``), or the two
        moons' sizes.
    noise : float or None
        Standard deviation of Gaussian noise added to every coordinate.
    random_state : int, RandomState, numpy.random.RandomState or None
        As scikit-learn's ``random_state``; None draws a fresh seed.
    shuffle : bool
        Shuffle the samples (one permutation) before adding noise.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,), int64 labels 0 (outer) and 1 (inner)

    Raises
    ------
    TypeError, ValueError
        For a size that is not a non-negative integer (or pair), or noise
        that is negative or not finite.

    Examples
    --------
    >>> X, y = make_moons(400, noise=0.18, random_state=42)
    >>> X.shape, y.shape, int(y.sum())
    ((400, 2), (400,), 200)
    """
    n_out, n_in = _pair(n_samples, "outer, inner")
    return _plane("sm_make_moons", n_out, n_in, shuffle, noise, random_state)


def _plane(function: str, first: int, second: int, shuffle, noise, random_state, *extra):
    """X (n, 2) and y from one of the library's two-class generators of the plane, which checks the sizes and noise."""
    shuffle = as_flag(shuffle, "shuffle")
    noise = None if noise is None else as_real(noise, "noise")
    X = empty((first + second, 2), "X")
    y = empty(first + second, "y", np.int64)
    rng, done = resolve(random_state)
    try:
        _ffi.call(function, rng, first, second, int(shuffle), int(noise is not None), 0.0 if noise is None else noise,
                  *extra, _ffi.ptr(X), _ffi.ptr(y))
    finally:
        done()
    return X, y


def _pair(n_samples, what: str) -> tuple[int, int]:
    """(first, second) sizes from an int (split as scikit-learn splits it) or a pair."""
    if isinstance(n_samples, (str, bytes)):
        raise TypeError(f"n_samples must be an int or a pair of ints ({what}), got {n_samples!r}")
    if isinstance(n_samples, (numbers.Real, np.bool_)) or not hasattr(n_samples, "__iter__"):
        n = as_int(n_samples, "n_samples", 0)
        return n // 2, n - n // 2
    pair = list(n_samples) if not isinstance(n_samples, (str, bytes)) else []
    if len(pair) != 2:
        raise ValueError(f"n_samples must be an int or a pair of ints ({what}), got {n_samples!r}")
    first, second = (as_int(v, "n_samples", 0) for v in pair)
    return first, second


def make_circles(n_samples: int | tuple[int, int] = 100, *, shuffle: bool = True, noise: float | None = None,
                 random_state: Seed = None, factor: float = 0.8) -> tuple[FloatArray, IntArray]:
    """A large circle around a smaller one, exactly as ``sklearn.datasets.make_circles``.

    Parameters
    ----------
    n_samples : int or (int, int)
        Total points (the outer circle gets ``n_samples // 2``), or the two
        circles' sizes (outer, inner).
    shuffle : bool
        Shuffle the samples (one permutation) before adding noise.
    noise : float or None
        Standard deviation of Gaussian noise added to every coordinate.
    random_state : int, RandomState, numpy.random.RandomState or None
        As scikit-learn's ``random_state``; None draws a fresh seed.
    factor : float in [0, 1)
        The inner circle's radius (the outer one's is 1).

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,), int64 labels 0 (outer) and 1 (inner)

    Raises
    ------
    TypeError
        For a size that is not an integer (or pair).
    ValueError
        For no samples, noise that is negative or not finite, or a factor
        outside [0, 1) (the library's checks: SwiftMoonsError).

    Examples
    --------
    >>> X, y = make_circles(200, noise=0.05, factor=0.5, random_state=0)
    >>> X.shape, int(y.sum())
    ((200, 2), 100)
    >>> radius = np.hypot(*X.T)
    >>> bool(radius[y == 0].mean() > 0.9 and radius[y == 1].mean() < 0.6)
    True
    """
    n_out, n_in = _pair(n_samples, "outer, inner")
    return _plane("sm_make_circles", n_out, n_in, shuffle, noise, random_state, as_real(factor, "factor"))


def make_xor(n_samples: int = 100, *, noise: float | None = None, margin: float = 0.06,
             random_state: Seed = None) -> tuple[FloatArray, IntArray]:
    """The XOR pattern, as TensorFlow Playground draws it: the quadrants of one sign share a class.

    Each point's two coordinates are uniform in [-1, 1), pushed ``margin``
    away from the axes (u + margin for u > 0, u - margin otherwise); its
    label is 1 where x y > 0, else 0. Gaussian noise is added after the
    labels, so noisy points can cross the axes.

    Parameters
    ----------
    n_samples : int
    noise : float or None
        Standard deviation of Gaussian noise added to every coordinate.
    margin : float
        The gap kept on each side of the axes (TensorFlow Playground's 0.3
        on its [-5, 5] square is 0.06 here).
    random_state : int, RandomState, numpy.random.RandomState or None
        As scikit-learn's ``random_state``; None draws a fresh seed.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,), int64 labels 0 and 1

    Raises
    ------
    TypeError
        For a size that is not an integer.
    ValueError
        For no samples, or a noise or margin that is negative or not finite
        (the library's checks: SwiftMoonsError).

    Examples
    --------
    >>> X, y = make_xor(200, random_state=0)
    >>> bool(((X[:, 0] * X[:, 1] > 0) == (y == 1)).all()), bool((np.abs(X) >= 0.06).all())
    (True, True)
    """
    n = as_int(n_samples, "n_samples", 0)
    noise = None if noise is None else as_real(noise, "noise")
    margin = as_real(margin, "margin")
    X = empty((n, 2), "make_xor's X")
    y = empty(n, "make_xor's y", np.int64)
    rng, done = resolve(random_state)
    try:
        _ffi.call("sm_make_xor", rng, n, int(noise is not None), 0.0 if noise is None else noise, margin,
                  _ffi.ptr(X), _ffi.ptr(y))
    finally:
        done()
    return X, y


def make_spiral(n_samples: int | tuple[int, int] = 100, *, noise: float | None = None, random_state: Seed = None,
                shuffle: bool = True) -> tuple[FloatArray, IntArray]:
    """Two interleaved spirals, as TensorFlow Playground draws them.

    Point i of an arm of k points lies at radius r = i / k and angle
    t = 3.5 pi i / k (plus pi on the second arm), at (r sin t, r cos t).

    Parameters
    ----------
    n_samples : int or (int, int)
        Total points (the first arm gets ``n_samples // 2``), or the two
        arms' sizes.
    noise : float or None
        Standard deviation of Gaussian noise added to every coordinate.
    random_state : int, RandomState, numpy.random.RandomState or None
        As scikit-learn's ``random_state``; None draws a fresh seed.
    shuffle : bool
        Shuffle the samples (one permutation) before adding noise.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,), int64 labels 0 (first arm) and 1

    Raises
    ------
    TypeError
        For a size that is not an integer (or pair).
    ValueError
        For no samples, or noise that is negative or not finite (the
        library's checks: SwiftMoonsError).

    Examples
    --------
    >>> X, y = make_spiral(200, noise=0.02, random_state=0)
    >>> X.shape, int(y.sum()), bool(np.hypot(*X.T).max() < 1.1)
    ((200, 2), 100, True)
    """
    n_first, n_second = _pair(n_samples, "first arm, second arm")
    return _plane("sm_make_spiral", n_first, n_second, shuffle, noise, random_state)


def make_blobs(n_samples: int | ArrayLike = 100, n_features: int = 2, *, centers: int | ArrayLike | None = None,
               cluster_std: float | ArrayLike = 1.0, center_box: tuple[float, float] = (-10.0, 10.0),
               shuffle: bool = True, random_state: Seed = None, return_centers: bool = False) -> Any:
    """Gaussian blobs, exactly as ``sklearn.datasets.make_blobs``.

    Parameters
    ----------
    n_samples : int or array-like of int
        Total points, divided as evenly as possible between the centers (the
        first ones get one more), or the number for each center.
    n_features : int
        Coordinates per point (ignored when ``centers`` is an array).
    centers : int, array-like of shape (n_centers, n_features), or None
        The number of centers to draw (3 when None and ``n_samples`` is an
        int; one per entry of an array ``n_samples``), uniform in
        ``center_box``, or the centers themselves.
    cluster_std : float or array-like of float
        The standard deviation of every blob, or one per center.
    center_box : (float, float)
        The box centers are drawn from.
    shuffle : bool
        Shuffle the samples (one permutation) after drawing them.
    random_state : int, RandomState, numpy.random.RandomState or None
        As scikit-learn's ``random_state``; None draws a fresh seed.
    return_centers : bool
        Also return the centers.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,), int64 labels: the center of each point
    centers : ndarray of shape (n_centers, n_features)
        Only with ``return_centers``.

    Raises
    ------
    TypeError
        For arguments of the wrong type.
    ValueError
        For lengths that disagree (``n_samples``, ``centers`` and
        ``cluster_std``), negative sizes or stds, or values that are not
        finite.

    Examples
    --------
    >>> X, y, centers = make_blobs(300, centers=4, cluster_std=0.5, random_state=0, return_centers=True)
    >>> X.shape, np.bincount(y).tolist(), centers.shape
    ((300, 2), [75, 75, 75, 75], (4, 2))
    """
    if isinstance(n_samples, (numbers.Real, np.bool_)) or not hasattr(n_samples, "__iter__"):
        total = as_int(n_samples, "n_samples", 0)
        counts = None
    else:
        counts = [as_int(v, "n_samples", 0) for v in n_samples]
    given = None
    if centers is None or (isinstance(centers, numbers.Integral) and not isinstance(centers, (bool, np.bool_))):
        k = len(counts) if counts is not None and centers is None else as_int(3 if centers is None else centers,
                                                                            "centers", 1)
        if counts is not None and k != len(counts):
            raise ValueError(f"n_samples gives {len(counts)} centers, centers={k}")
        n_features = as_int(n_features, "n_features", 1)
    else:
        given = np.ascontiguousarray(as_float_array(centers, "centers"))
        if given.ndim != 2 or given.shape[0] < 1 or given.shape[1] < 1:
            raise ValueError(f"centers must have shape (n_centers, n_features), got {given.shape}")
        k, n_features = given.shape
        if counts is not None and k != len(counts):
            raise ValueError(f"n_samples gives {len(counts)} counts for {k} centers")
    if counts is None:
        counts = [total // k + (1 if i < total % k else 0) for i in range(k)]
    if isinstance(cluster_std, numbers.Real) and not isinstance(cluster_std, (bool, np.bool_)):
        stds = np.full(k, float(cluster_std))
    else:
        stds = np.ascontiguousarray(as_float_array(cluster_std, "cluster_std")).ravel()
        if stds.size != k:
            raise ValueError(f"cluster_std must hold one std per center ({k}), got {stds.size}")
    low, high = (as_real(v, "center_box") for v in center_box)
    shuffle = as_flag(shuffle, "shuffle")
    return_centers = as_flag(return_centers, "return_centers")
    n = sum(counts)
    count_array = np.array(counts, dtype=np.int64)
    out_centers = given.copy() if given is not None else empty((k, n_features), "make_blobs' centers")
    X = empty((n, n_features), "make_blobs' X")
    y = empty(n, "make_blobs' y", np.int64)
    rng, done = resolve(random_state)
    try:
        _ffi.call("sm_make_blobs", rng, _ffi.ptr(count_array), k, n_features, _ffi.ptr(out_centers),
                  int(given is not None), _ffi.ptr(stds), low, high, int(shuffle), _ffi.ptr(X), X.size,
                  _ffi.ptr(y), y.size)
    finally:
        done()
    return (X, y, out_centers) if return_centers else (X, y)


def standardize(X: ArrayLike, *, return_stats: bool = False) -> Any:
    """Zero mean, unit population std per column, as ``StandardScaler().fit_transform``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    return_stats : bool
        Also return the per-column mean and scale.

    Returns
    -------
    ndarray of shape (n_samples, n_features), and (mean, scale) if asked.
    Constant columns are only centred.

    Raises
    ------
    ValueError
        If X is not a finite 2-D array with at least one row and column.

    Examples
    --------
    >>> Z, mean, scale = standardize([[1.0, 10.0], [3.0, 10.0]], return_stats=True)
    >>> Z.tolist(), mean.tolist(), scale.tolist()
    ([[-1.0, 0.0], [1.0, 0.0]], [2.0, 10.0], [1.0, 1.0])
    """
    arr = as_float_array(X, "X")
    if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(f"X must have shape (n_samples, n_features) with both >= 1, got {arr.shape}")
    out = np.empty_like(arr)
    mean = np.empty(arr.shape[1])
    scale = np.empty(arr.shape[1])
    _ffi.call("sm_standardize", _ffi.ptr(arr), arr.shape[0], arr.shape[1],
              _ffi.ptr(out), _ffi.ptr(mean), _ffi.ptr(scale))
    return (out, mean, scale) if return_stats else out


def train_test_split(*arrays: ArrayLike, test_size: float = 0.25, random_state: Seed = None) -> list[np.ndarray]:
    """Split arrays into train and test parts, as ``sklearn.model_selection.train_test_split``.

    The test part is the first ``ceil(test_size * n)`` entries of one
    permutation (``test_size`` may also be a whole number of samples); the
    train part is the rest, in permutation order.

    Parameters
    ----------
    *arrays : array-like
        Arrays with the same first dimension n (at least 2).
    test_size : float or int
        A fraction in (0, 1), or a whole number of test samples.
    random_state : int, RandomState, numpy.random.RandomState or None
        As scikit-learn's ``random_state``.

    Returns
    -------
    list
        ``[a_train, a_test, b_train, b_test, ...]`` for arrays ``a, b, ...``.

    Raises
    ------
    TypeError, ValueError
        For no arrays, arrays of different lengths, or a test size that
        leaves either part empty.

    Examples
    --------
    >>> X, y = make_moons(400, noise=0.18, random_state=42)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=42)
    >>> X_train.shape, X_test.shape
    ((300, 2), (100, 2))
    """
    if not arrays:
        raise ValueError("At least one array required as input")
    converted: list[np.ndarray] = []
    for i, a in enumerate(arrays):
        try:
            converted.append(np.asarray(a))
        except ValueError as exc:  # ragged nested lists
            raise ValueError(f"train_test_split's array {i} is not an array: {exc}") from None
    lengths = {len(a) if a.ndim else -1 for a in converted}
    if len(lengths) != 1 or -1 in lengths:
        raise ValueError(f"Found input arrays with inconsistent numbers of samples: {sorted(lengths)}")
    n = lengths.pop()
    if n < 2:
        raise ValueError(f"Need at least 2 samples to split, got {n}")
    if isinstance(test_size, bool) or not isinstance(test_size, numbers.Real):
        raise TypeError(f"test_size must be a number, got {test_size!r}")
    if not isinstance(test_size, numbers.Integral) and not 0 < test_size < 1:
        raise ValueError(f"test_size={test_size} should be a float in the (0, 1) range or a whole number of samples")
    n_test = ctypes.c_int64()
    _ffi.call("sm_split_test_count", n, float(test_size), ctypes.byref(n_test))
    test = np.empty(n_test.value, dtype=np.int64)
    train = np.empty(n - n_test.value, dtype=np.int64)
    rng, done = resolve(random_state)
    try:
        _ffi.call("sm_split_indices", rng, n, n_test.value, _ffi.ptr(test), _ffi.ptr(train))
    finally:
        done()
    result = []
    for a in converted:
        result += [a[train], a[test]]
    return result


__all__ = ["make_blobs", "make_circles", "make_spiral", "make_xor", "make_moons", "standardize", "train_test_split"]
