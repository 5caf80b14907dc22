"""The article's data, generated and split in Swift, equal to scikit-learn's, and image data sets.

The plane's generators and the split run in Swift. The image sets are NumPy:
:func:`load_cifar10` reads CIFAR-10's official files (nothing is downloaded),
:func:`make_shapes` draws a CIFAR-shaped set of shapes and textures, and
:func:`load_digit_images` gives scikit-learn's digits as images.
"""

from __future__ import annotations

import ctypes
import math
import numbers
import os
import pickle
from pathlib import Path
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


# MARK: - Image data sets

#: The ten CIFAR-10 classes, in label order (label i is ``CIFAR10_CLASSES[i]``).
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")

#: The files of the official "CIFAR-10 python version", and the folder its tar.gz extracts to.
_CIFAR10_TRAIN = tuple(f"data_batch_{i}" for i in range(1, 6))
_CIFAR10_TEST = "test_batch"
_CIFAR10_META = "batches.meta"
_CIFAR10_FOLDER = "cifar-10-batches-py"
_CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar.html"


def load_cifar10(directory: str | os.PathLike[str] | None = None, *, n_train: int | None = None,
                 n_test: int | None = None) -> tuple[FloatArray, FloatArray, IntArray, IntArray]:
    """CIFAR-10 from its official "python version" files, as NCHW float images in [0, 1].

    Nothing is downloaded: get "CIFAR-10 python version" from
    https://www.cs.toronto.edu/~kriz/cifar.html, extract the tar.gz, and pass
    its folder (or the folder holding it) as ``directory``, or set the
    environment variable ``SWIFTMOONS_CIFAR10`` to it. The files are pickles;
    they are read with an unpickler that builds only NumPy arrays, so a
    file that asks for anything else (a function to call) is refused.

    Parameters
    ----------
    directory : str, path or None
        The folder holding ``data_batch_1`` ... ``data_batch_5``,
        ``test_batch`` (and ``batches.meta``), or the folder holding
        ``cifar-10-batches-py/``. None reads ``SWIFTMOONS_CIFAR10``.
    n_train, n_test : int or None
        Keep only the first ``n_train`` training images (batches 1 to 5, in
        order; the batches past those needed are not read) and the first
        ``n_test`` test images; None keeps them all (50000 and 10000: 1.5
        GB as float64).

    Returns
    -------
    X_train : ndarray of shape (n_train, 3, 32, 32)
        float64 pixels (the uint8 values / 255), channels red, green, blue,
        then rows, then columns.
    X_test : ndarray of shape (n_test, 3, 32, 32)
    y_train : ndarray of shape (n_train,), int64 labels 0..9 (see ``CIFAR10_CLASSES``)
    y_test : ndarray of shape (n_test,), int64 labels 0..9

    Raises
    ------
    FileNotFoundError
        If no directory is given or a file is missing; the message says
        where it looked, what it expects and how to get it.
    TypeError, ValueError
        For ``n_train`` or ``n_test`` that is not a positive integer or is
        more than the files hold; ValueError for a malformed file (naming
        it and what is wrong), including a pickle that asks for anything
        but NumPy arrays.

    Examples
    --------
    A tiny stand-in written in the official format (two images per batch):

    >>> import pickle, tempfile
    >>> temporary = tempfile.TemporaryDirectory()
    >>> folder = temporary.name
    >>> for name in ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch"]:
    ...     batch = {b"data": np.full((2, 3072), 255, dtype=np.uint8), b"labels": [3, 8]}
    ...     with open(os.path.join(folder, name), "wb") as f:
    ...         pickle.dump(batch, f, protocol=2)
    >>> X_train, X_test, y_train, y_test = load_cifar10(folder, n_train=7)
    >>> X_train.shape, X_test.shape, float(X_train.max()), [CIFAR10_CLASSES[i] for i in y_test]
    ((7, 3, 32, 32), (2, 3, 32, 32), 1.0, ['cat', 'ship'])
    >>> temporary.cleanup()
    """
    n_train = None if n_train is None else as_int(n_train, "n_train", 1)
    n_test = None if n_test is None else as_int(n_test, "n_test", 1)
    folder = _cifar10_folder(directory)
    _check_cifar10_meta(folder / _CIFAR10_META)
    X_train, y_train = _cifar10_rows([folder / name for name in _CIFAR10_TRAIN], n_train, "n_train")
    X_test, y_test = _cifar10_rows([folder / _CIFAR10_TEST], n_test, "n_test")
    return X_train, X_test, y_train, y_test


def _cifar10_folder(directory) -> Path:
    """The folder holding CIFAR-10's batches: ``directory`` (else $SWIFTMOONS_CIFAR10) or its cifar-10-batches-py/."""
    expected = ", ".join([*_CIFAR10_TRAIN, _CIFAR10_TEST])
    how = (f"Nothing is downloaded: get the \"CIFAR-10 python version\" from {_CIFAR10_URL}, extract the tar.gz, and "
           f"pass its folder (or the folder holding {_CIFAR10_FOLDER}/) as load_cifar10(directory) or set the "
           "environment variable SWIFTMOONS_CIFAR10 to it.")
    given = directory if directory is not None else os.environ.get("SWIFTMOONS_CIFAR10") or None
    if given is None:
        raise FileNotFoundError(f"CIFAR-10: no directory given (no argument, SWIFTMOONS_CIFAR10 not set); expected "
                                f"the files {expected}. {how}")
    root = Path(given).expanduser()
    folder = root / _CIFAR10_FOLDER if (root / _CIFAR10_FOLDER).is_dir() else root
    missing = [name for name in [*_CIFAR10_TRAIN, _CIFAR10_TEST] if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(f"CIFAR-10 not found in {folder} (looked in {root} and {root / _CIFAR10_FOLDER}): "
                                f"missing {', '.join(missing)}; expected the files {expected}. {how}")
    return folder


def _check_cifar10_meta(path: Path) -> None:
    """batches.meta, when present, names the ten classes of ``CIFAR10_CLASSES`` in order."""
    if not path.is_file():
        return
    meta = _unpickle(path)
    names = meta.get(b"label_names")
    if not isinstance(names, list) or not all(isinstance(n, bytes) for n in names):
        raise ValueError(f"{path} is not CIFAR-10's batches.meta: b'label_names' must be a list of bytes")
    decoded = tuple(n.decode("ascii", "replace") for n in names)
    if decoded != CIFAR10_CLASSES:
        raise ValueError(f"{path} names the classes {list(decoded)}, not CIFAR-10's {list(CIFAR10_CLASSES)}")


def _cifar10_rows(paths: list[Path], wanted: int | None, name: str) -> tuple[FloatArray, IntArray]:
    """The first ``wanted`` rows (all when None) of the batches, in order, as (n, 3, 32, 32) floats and labels."""
    images, labels, held = [], [], 0
    for path in paths:
        data, batch_labels = _cifar10_batch(path)
        images.append(data)
        labels.append(batch_labels)
        held += len(batch_labels)
        if wanted is not None and held >= wanted:
            break
    if wanted is not None and wanted > held:
        raise ValueError(f"{name}={wanted} is more than the {held} images of {', '.join(p.name for p in paths)}")
    data = np.concatenate(images)[:wanted]
    # Each row is 1024 red, 1024 green, then 1024 blue values, each plane 32 rows of 32.
    X = data.reshape(len(data), 3, 32, 32) / 255.0
    return X, np.concatenate(labels)[:wanted]


def _cifar10_batch(path: Path) -> tuple[np.ndarray, IntArray]:
    """One batch's (rows, 3072) uint8 pixels and int64 labels, checked."""
    batch = _unpickle(path)
    for key in (b"data", b"labels"):
        if key not in batch:
            raise ValueError(f"{path} is not a CIFAR-10 batch: it has no {key!r} entry (keys: {sorted(batch)})")
    data, labels = batch[b"data"], batch[b"labels"]
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        what = (f"{data.dtype} array of shape {data.shape}" if isinstance(data, np.ndarray) else type(data).__name__)
        raise ValueError(f"{path}: b'data' must be a uint8 array of shape (rows, 3072), got a {what}")
    if not isinstance(labels, list) or not all(isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_))
                                               for v in labels):
        raise ValueError(f"{path}: b'labels' must be a list of ints")
    if len(labels) != len(data):
        raise ValueError(f"{path} has {len(labels)} labels for {len(data)} rows of b'data'")
    y = np.array(labels, dtype=np.int64)
    if y.size and not (0 <= y.min() and y.max() < len(CIFAR10_CLASSES)):
        bad = int(y[(y < 0) | (y >= len(CIFAR10_CLASSES))][0])
        raise ValueError(f"{path}: label {bad} is outside 0..{len(CIFAR10_CLASSES) - 1}")
    return data, y


class _RefusedPickle(ValueError):
    """A pickle asked for something the CIFAR-10 reader does not build."""


def _latin1_encode(text: str, encoding: str = "utf-8") -> bytes:
    """``_codecs.encode`` as Python 3 pickles bytes under protocol 2, for latin-1 only."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise _RefusedPickle(f"_codecs.encode is only allowed for latin-1 strings, got {encoding!r}")
    return text.encode("latin1")


#: What CIFAR-10's pickles may build: NumPy arrays (its reduce functions,
#: found through objects, not through numpy.core, deprecated in NumPy 2),
#: and the bytes of Python 3's protocol-2 pickles. Nothing else is callable.
_PICKLE_ALLOWED = {
    **{(module, "_reconstruct"): np.ndarray.__reduce__(np.zeros(1))[0]
       for module in ("numpy.core.multiarray", "numpy._core.multiarray")},
    **{(module, "scalar"): np.float64(0).__reduce__()[0]
       for module in ("numpy.core.multiarray", "numpy._core.multiarray")},
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): _latin1_encode,
}


class _ArrayUnpickler(pickle.Unpickler):
    """An unpickler that builds plain data and NumPy arrays, and refuses any other global."""

    def __init__(self, file, path: Path) -> None:
        super().__init__(file, encoding="bytes")
        self.path = path

    def find_class(self, module: str, name: str) -> Any:
        allowed = _PICKLE_ALLOWED.get((module, name))
        if allowed is None:
            raise _RefusedPickle(f"refusing to load {self.path}: it asks for {module}.{name}, and a CIFAR-10 file "
                                 "holds only NumPy arrays, lists and bytes (unpickling it could run code)")
        return allowed


def _unpickle(path: Path) -> dict:
    """A CIFAR-10 file's dict, read with `_ArrayUnpickler`; ValueError naming the file for anything else."""
    try:
        with open(path, "rb") as f:
            result = _ArrayUnpickler(f, path).load()
    except (_RefusedPickle, MemoryError):
        raise
    except Exception as exc:  # truncated or corrupt: the unpickler raises many kinds
        raise ValueError(f"{path} is truncated or not a pickle: {type(exc).__name__}: {exc}") from None
    if not isinstance(result, dict):
        raise ValueError(f"{path} holds a {type(result).__name__}, not the dict of a CIFAR-10 file")
    return result


#: make_shapes' ten classes, in label order: six shapes, then four textures.
SHAPE_CLASSES = ("disc", "ring", "square", "frame", "triangle", "cross",
                 "horizontal stripes", "vertical stripes", "diagonal stripes", "checkerboard")

#: The least difference in luma (0.299 R + 0.587 G + 0.114 B) between an image's two colours.
_SHAPE_CONTRAST = 0.25


def make_shapes(n_samples: int = 1000, *, image_size: int = 32, noise: float = 0.05,
                random_state: Seed = None) -> tuple[FloatArray, IntArray]:
    """Ten classes of coloured shapes and textures, shaped like CIFAR-10, made on the spot.

    A stand-in for CIFAR-10 that needs no download: each image is one shape
    (disc, ring, square, frame, triangle, cross) or texture (horizontal,
    vertical or diagonal stripes, checkerboard; see ``SHAPE_CLASSES``) in a
    foreground colour on a background colour. Both colours are uniform per
    image, for every class alike, redrawn until their lumas differ by at
    least 0.25, so the class is in the shape, not the colour. Shapes are
    placed and sized at random (centre within 20% of the middle, half-width
    45% to 75% of the image's), textures get a random period (3 to 5 across
    the image, at least 4 pixels) and phase. Below about 16 pixels the
    rings and frames get ragged.
    Gaussian noise is added to every pixel and the result clipped to [0, 1].
    The classes are balanced (``n_samples // 10`` images each, one more for
    the first ``n_samples % 10``) and shuffled.

    Parameters
    ----------
    n_samples : int
        Images, at least 10.
    image_size : int
        Their height and width in pixels, at least 8.
    noise : float
        Standard deviation of the Gaussian noise on each pixel value, >= 0.
    random_state : int, RandomState, numpy.random.RandomState or None
        As scikit-learn's ``random_state``; None draws a fresh seed. Every
        draw comes from this stream, so a seed gives the same images.

    Returns
    -------
    X : ndarray of shape (n_samples, 3, image_size, image_size)
        float64 pixels in [0, 1], channels red, green, blue.
    y : ndarray of shape (n_samples,), int64 labels 0..9 (see ``SHAPE_CLASSES``)

    Raises
    ------
    TypeError, ValueError
        For a size that is not an integer, fewer than 10 samples, images
        smaller than 8 pixels, or noise that is negative or not finite.

    Examples
    --------
    >>> X, y = make_shapes(200, random_state=0)
    >>> X.shape, np.bincount(y).tolist()
    ((200, 3, 32, 32), [20, 20, 20, 20, 20, 20, 20, 20, 20, 20])
    >>> bool(X.min() >= 0.0 and X.max() <= 1.0), SHAPE_CLASSES[y[0]]
    (True, 'disc')
    """
    n = as_int(n_samples, "n_samples", len(SHAPE_CLASSES))
    size = as_int(image_size, "image_size", 8)
    noise = as_real(noise, "noise")
    if not (noise >= 0 and math.isfinite(noise)):
        raise ValueError(f"noise must be >= 0 and finite, got {noise}")
    rng, done = resolve(random_state)
    try:
        k = len(SHAPE_CLASSES)
        y = np.repeat(np.arange(k, dtype=np.int64), [n // k + (1 if c < n % k else 0) for c in range(k)])
        y = y[rng.permutation(n)]
        params = np.asarray(rng.random_sample((n, 5)))
        foreground, background = _contrasting_colours(rng, n)
        X = np.empty((n, 3, size, size))
        # Pixel centres on [-1, 1]: x grows to the right, v downwards.
        grid = (np.arange(size) + 0.5) / size * 2 - 1
        u, v = grid[None, None, :], grid[None, :, None]
        for label in range(k):
            rows = np.flatnonzero(y == label)
            mask = _shape_mask(label, u, v, params[rows])
            X[rows] = background[rows, :, None, None] + mask[:, None] * (foreground - background)[rows, :, None, None]
        if noise > 0:
            X += noise * np.asarray(rng.standard_normal(X.shape))
            np.clip(X, 0.0, 1.0, out=X)
    finally:
        done()
    return X, y


def _contrasting_colours(rng, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Two (n, 3) uniform colours per image, pairs redrawn until their lumas differ by `_SHAPE_CONTRAST`."""
    luma = np.array([0.299, 0.587, 0.114])
    colours = np.asarray(rng.random_sample((n, 2, 3)))
    redraw = np.flatnonzero(np.abs((colours[:, 0] - colours[:, 1]) @ luma) < _SHAPE_CONTRAST)
    while redraw.size:  # about 40% of pairs each round, so a few dozen rounds at most
        colours[redraw] = np.asarray(rng.random_sample((redraw.size, 2, 3)))
        redraw = redraw[np.abs((colours[redraw, 0] - colours[redraw, 1]) @ luma) < _SHAPE_CONTRAST]
    return colours[:, 0], colours[:, 1]


def _shape_mask(label: int, u: np.ndarray, v: np.ndarray, params: np.ndarray) -> np.ndarray:
    """(m, size, size) floats, 1 where class ``label`` draws its foreground, from five uniforms per image.

    Shapes use them for the centre (within 0.2 of the middle) and half-width
    (0.45 to 0.75); textures for a period (a third to a fifth of the image,
    at least 4 pixels) and phases.
    """
    a, b, c, d, e = (params[:, i, None, None] for i in range(5))
    if label < 6:
        r = 0.45 + 0.3 * c
        p, q = (u - (0.4 * a - 0.2)) / r, (v - (0.4 * b - 0.2)) / r
        if label < 2:
            radius = np.hypot(p, q)
            mask = (radius <= 1) & (radius >= (0.55 if label == 1 else 0))
        elif label < 4:
            box = np.maximum(np.abs(p), np.abs(q))
            mask = (box <= 0.85) & (box >= (0.5 if label == 3 else 0))
        elif label == 4:  # upright: apex at q = -0.9, base at q = 0.8 from p = -0.95 to 0.95
            mask = (q <= 0.8) & (np.abs(p) <= 0.95 * (q + 0.9) / 1.7)
        else:
            mask = ((np.abs(p) <= 0.3) & (np.abs(q) <= 0.95)) | ((np.abs(q) <= 0.3) & (np.abs(p) <= 0.95))
        return mask.astype(np.float64)
    # 3 to 5 periods across the image, but none shorter than 4 pixels (small images would alias).
    period = 2 / np.minimum(3 + 2 * c, u.shape[-1] / 4)
    phase = 2 * np.pi * d
    if label == 6:
        wave = np.sin(np.pi * 2 * v / period + phase)
    elif label == 7:
        wave = np.sin(np.pi * 2 * u / period + phase)
    elif label == 8:  # either diagonal
        direction = np.where(e < 0.5, 1.0, -1.0)
        wave = np.sin(np.pi * 2 * (u + direction * v) / (np.sqrt(2) * period) + phase)
    else:
        wave = np.sin(np.pi * 2 * u / period + phase) * np.sin(np.pi * 2 * v / period + 2 * np.pi * e)
    return (wave > 0).astype(np.float64)


def load_digit_images(*, test_size: float = 0.25, random_state: Seed = 0
                      ) -> tuple[FloatArray, FloatArray, IntArray, IntArray]:
    """scikit-learn's 8x8 digits as one-channel images in [0, 1], split.

    The 1797 images ship with scikit-learn (no download); pixels are its
    0..16 gray levels divided by 16. The split is :func:`train_test_split`,
    equal to scikit-learn's.

    Parameters
    ----------
    test_size : float or int
        The test part: a fraction in (0, 1) or a number of images.
    random_state : int, RandomState, numpy.random.RandomState or None
        The split's ``random_state``.

    Returns
    -------
    X_train : ndarray of shape (n_train, 1, 8, 8), float64
    X_test : ndarray of shape (n_test, 1, 8, 8), float64
    y_train : ndarray of shape (n_train,), int64 digits 0..9
    y_test : ndarray of shape (n_test,), int64 digits 0..9

    Raises
    ------
    ImportError
        If scikit-learn is not installed.
    TypeError, ValueError
        For a test size or random state that train_test_split refuses.

    Examples
    --------
    >>> X_train, X_test, y_train, y_test = load_digit_images(random_state=0)
    >>> X_train.shape, X_test.shape, float(X_train.max()), y_test.dtype
    ((1347, 1, 8, 8), (450, 1, 8, 8), 1.0, dtype('int64'))
    """
    try:
        from sklearn.datasets import load_digits  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("the digits ship with scikit-learn, which is not installed: "
                          "pip install scikit-learn") from exc
    digits = load_digits()
    images = digits.images[:, None] / 16.0
    X_train, X_test, y_train, y_test = train_test_split(images, digits.target.astype(np.int64), test_size=test_size,
                                                        random_state=random_state)
    return X_train, X_test, y_train, y_test


__all__ = ["CIFAR10_CLASSES", "SHAPE_CLASSES", "load_cifar10", "load_digit_images", "make_blobs", "make_circles",
           "make_shapes", "make_spiral", "make_xor", "make_moons", "standardize", "train_test_split"]
