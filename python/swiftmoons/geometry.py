"""`swiftmoons.geometry`: what each layer of a network keeps of its input's geometry.

The article explains sigmoid's stall on the moons by a loss of "geometric
context": the distance of a point from the decision boundary would fade as
the signal passes sigmoid layers and survive ReLU layers. The functions here
measure that, layer by layer, so that the explanation can be tested rather
than repeated (:func:`swiftmoons.article.audit` does so).

Every per-layer result is an array indexed by layer number: index 0 is the
input itself, index k the activations of hidden layer k (k = 1 .. H). The
forward passes run natively; the small solvers on top of them (logistic and
ridge regression on a few columns) are NumPy. Each measure has a plain
reference implementation in :mod:`swiftmoons.reference` that the tests
compare it with.

>>> import swiftmoons as sm
>>> from swiftmoons import geometry
>>> X, y = sm.make_moons(200, noise=0.2, random_state=0)
>>> net = sm.MLP((2, 8, 8, 1), activation="relu", seed=0)
>>> _ = net.fit(X, y, epochs=50, rng=0)
>>> np.round(geometry.probe_accuracy(net, X, y), 2)
array([0.84, 0.86, 0.89])
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import _ffi
from . import activations as _activations
from ._convert import INT32, as_float_array, as_int, as_matrix, as_real, empty
from ._types import ArrayLike, FloatArray
from .diagnostics import spearman
from .network import MLP
from .random import RandomState, seed_value

#: Folds of every cross-validated measure (probes and ridge regressions).
FOLDS = 5
#: The logistic probe's inverse L2 strength, as scikit-learn's ``C``: it
#: minimizes ``C * sum(log-loss) + |w|^2 / 2`` (intercept not penalized) on
#: features standardized with the training fold's mean and std.
PROBE_C = 1.0
#: The ridge regressions' L2 strength per training row, on standardized
#: features: ``|y - Xw - b|^2 + RIDGE_ALPHA * n_train * |w|^2``.
RIDGE_ALPHA = 1e-3
#: A unit is saturated on a sample when its local derivative is below this
#: fraction of the largest derivative its activation reaches.
SATURATION_LEVEL = 0.01
#: Pairs of rows ranked by :func:`distance_rank_correlation` before it samples.
MAX_PAIRS = 200_000
#: Points per axis of the grid :func:`boundary_distance` finds the contour on,
#: and the margin around the data (a fraction of its span on each side).
GRID_POINTS = 768
GRID_MARGIN = 0.5
#: The largest coordinate :func:`boundary_distance` measures (squares of distances stay finite).
LARGEST_COORDINATE = 1e150
#: Nodes of the integral over the half circles' angle in :func:`bayes_log_odds`.
ANGLE_NODES = 4097


# ---- the layers ------------------------------------------------------------

def _finite(X: np.ndarray, name: str = "X") -> np.ndarray:
    """X itself, or a ValueError naming the first row with a NaN or an infinity."""
    if not np.isfinite(X).all():
        bad = np.argwhere(~np.isfinite(X))[0]
        where = f"row {bad[0]}" if X.ndim == 2 else f"index {bad[0]}"
        raise ValueError(f"{name} must be finite; it holds {X[tuple(bad)]} at {where}")
    return X


def _rows(X: ArrayLike, columns: int, name: str = "X") -> np.ndarray:
    """A finite (n, columns) float64 array."""
    return _finite(as_matrix(X, columns, name), name)


def _hidden_count(net: MLP) -> int:
    if not isinstance(net, MLP):
        raise TypeError(f"net must be a swiftmoons.MLP, got {type(net).__name__}")
    return net.n_layers - 1


def pre_activations(net: MLP, X: ArrayLike) -> list[FloatArray]:
    """Every layer's pre-activations ``z_k = a_{k-1} @ W_k + b_k``, computed natively.

    Parameters
    ----------
    net : MLP
    X : array-like of shape (n, layer_sizes[0])

    Returns
    -------
    list of ndarray
        ``[z_1, ..., z_L]``, ``z_k`` of shape (n, layer_sizes[k]); ``z_L`` is
        the output layer's logits.

    Raises
    ------
    TypeError, ValueError
        For a net that is not an MLP, or X of the wrong shape.

    Examples
    --------
    >>> import swiftmoons as sm
    >>> net = sm.MLP((2, 3, 1), activation="relu", seed=0)
    >>> [z.shape for z in pre_activations(net, [[0.5, -1.0]])]
    [(1, 3), (1, 1)]
    """
    _hidden_count(net)
    X = _rows(X, net.layer_sizes[0])
    out = []
    for k in range(1, net.n_layers + 1):
        z = empty((X.shape[0], net.layer_sizes[k]), "The pre-activations")
        _ffi.call("sm_net_pre_activation", net, k, _ffi.ptr(X), X.shape[0], X.shape[1], _ffi.ptr(z), z.size)
        out.append(z)
    return out


def layer_activations(net: MLP, X: ArrayLike) -> list[FloatArray]:
    """The input and every hidden layer's activations.

    Parameters
    ----------
    net : MLP
    X : array-like of shape (n, layer_sizes[0])

    Returns
    -------
    list of ndarray
        ``[X, a_1, ..., a_H]``: index k is layer k, ``a_k`` of shape (n, layer_sizes[k]).

    Examples
    --------
    >>> import swiftmoons as sm
    >>> net = sm.MLP((2, 8, 4, 1), activation="tanh", seed=0)
    >>> [a.shape for a in layer_activations(net, np.zeros((5, 2)))]
    [(5, 2), (5, 8), (5, 4)]
    """
    H = _hidden_count(net)
    X = _rows(X, net.layer_sizes[0])
    return [X] + [net.get_hidden(X, k) for k in range(1, H + 1)]


def _derivatives(net: MLP, zs: list) -> list:
    """f'(z_k) of every hidden layer, unit by unit (PReLU with its learned slopes)."""
    out = []
    for k, ((name, alpha), z) in enumerate(zip(net.activations, zs), start=1):
        if name == "prelu":
            out.append(np.where(z > 0, 1.0, net.get_slopes(k)))
        else:
            params = {} if alpha is None or not _activations.PARAMETERS.get(name) else {"alpha": alpha}
            out.append(_activations.evaluate(name, z, derivative=True, **params))
    return out


# ---- cross-validation --------------------------------------------------------

def folds_of(y: ArrayLike, folds: int = FOLDS, seed: int = 0, stratify: bool = True) -> np.ndarray:
    """The fold (0 .. folds-1) of every row, as every cross-validated measure here cuts them.

    With ``stratify``, each class's rows are put in a seeded random order
    (``RandomState(seed).permutation``, class by class in sorted order) and
    dealt to the folds in turn; without it, all rows are.

    Parameters
    ----------
    y : array-like of shape (n,)
        Class labels (or any values when ``stratify`` is False).
    folds : int
        At least 2 and at most n.
    seed : int
    stratify : bool

    Returns
    -------
    ndarray of shape (n,), int64

    Raises
    ------
    ValueError
        For fewer than 2 folds or more folds than rows.

    Examples
    --------
    >>> np.bincount(folds_of([0, 0, 0, 1, 1, 1, 1, 0, 1, 0], folds=2))
    array([5, 5])
    """
    y = np.asarray(y).ravel()
    folds = as_int(folds, "folds", 2, max(2, y.size))
    if y.size < folds:
        raise ValueError(f"{folds} folds need at least {folds} rows, got {y.size}")
    rng = RandomState(seed_value(seed))
    fold = np.empty(y.size, dtype=np.int64)
    groups = [np.flatnonzero(y == c) for c in np.unique(y)] if stratify else [np.arange(y.size)]
    dealt = 0
    for rows in groups:
        rows = rows[rng.permutation(rows.size)]
        fold[rows] = (dealt + np.arange(rows.size)) % folds
        dealt += rows.size
    return fold


def _standardized(train: np.ndarray, test: np.ndarray) -> tuple:
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    std[std == 0] = 1.0
    return (train - mean) / std, (test - mean) / std


def _design(X: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """A finite (n, d) X and a finite y of n values, or a ValueError saying which is wrong."""
    X = _finite(as_float_array(X, "X"))
    y = _finite(as_float_array(y, "y").ravel(), "y")
    if X.ndim != 2 or X.shape[0] != y.size or X.shape[0] < 1:
        raise ValueError(f"X must have shape (n, d) with n = len(y) = {y.size} >= 1, got {X.shape}")
    return X, y


def logistic_fit(X: ArrayLike, y: ArrayLike, C: float = PROBE_C) -> tuple[FloatArray, float]:
    """L2-regularized logistic regression by Newton's method, as scikit-learn's ``LogisticRegression(C=C)``.

    Minimizes ``C * sum_i log(1 + exp(-s_i (x_i . w + b))) + |w|^2 / 2`` with
    ``s_i = 2 y_i - 1``; the intercept is not penalized. Newton steps (with
    step halving) run until the step is below 1e-12 relative.

    Parameters
    ----------
    X : array-like of shape (n, d)
    y : array-like of shape (n,), labels 0 and 1
    C : float
        Inverse regularization strength, > 0.

    Returns
    -------
    w : ndarray of shape (d,)
    b : float

    Raises
    ------
    ValueError
        For labels other than 0 and 1, or C that is not positive.

    Examples
    --------
    >>> w, b = logistic_fit([[-2.0], [-1.0], [1.0], [2.0]], [0, 0, 1, 1])
    >>> round(float(w[0]), 4), abs(round(b, 4))
    (1.0066, 0.0)
    """
    X, y = _design(X, y)
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("logistic_fit takes labels 0 and 1")
    C = as_real(C, "C")
    if not (math.isfinite(C) and C > 0):
        raise ValueError(f"C must be a finite number > 0, got {C}")
    n, d = X.shape
    A = np.hstack([X, np.ones((n, 1))])
    penalty = np.r_[np.ones(d), 0.0]
    theta = np.zeros(d + 1)

    def objective(t):
        m = A @ t
        return C * np.sum(np.logaddexp(0.0, m) - y * m) + 0.5 * np.sum(penalty * t * t)

    value = objective(theta)
    for _ in range(100):
        p = 0.5 * (1.0 + np.tanh(0.5 * (A @ theta)))  # sigmoid without overflow
        gradient = C * (A.T @ (p - y)) + penalty * theta
        hessian = C * (A.T * (p * (1 - p))) @ A + np.diag(penalty)
        hessian[-1, -1] += 1e-12 * n  # keeps the intercept's row invertible on one-class folds
        step = np.linalg.solve(hessian, gradient)
        t = 1.0
        while t > 1e-10:
            candidate = theta - t * step
            new = objective(candidate)
            if new <= value:
                break
            t *= 0.5
        theta, value = candidate, new
        if np.linalg.norm(t * step) <= 1e-12 * (1.0 + np.linalg.norm(theta)):
            break
    return theta[:d], float(theta[d])


def ridge_fit(X: ArrayLike, y: ArrayLike, alpha: float = RIDGE_ALPHA) -> tuple[FloatArray, float]:
    """Ridge regression ``min |y - Xw - b|^2 + alpha * n * |w|^2`` (intercept not penalized).

    Parameters
    ----------
    X : array-like of shape (n, d)
    y : array-like of shape (n,)
    alpha : float
        L2 strength per row, >= 0.

    Returns
    -------
    w : ndarray of shape (d,)
    b : float

    Examples
    --------
    >>> w, b = ridge_fit([[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0], alpha=0.0)
    >>> round(float(w[0]), 6), round(b, 6)
    (2.0, 1.0)
    """
    X, y = _design(X, y)
    alpha = as_real(alpha, "alpha")
    if not (math.isfinite(alpha) and alpha >= 0):
        raise ValueError(f"alpha must be a finite number >= 0, got {alpha}")
    mean_x, mean_y = X.mean(axis=0), y.mean()
    Xc = X - mean_x
    gram = Xc.T @ Xc + alpha * X.shape[0] * np.eye(X.shape[1])
    w = np.linalg.lstsq(gram, Xc.T @ (y - mean_y), rcond=None)[0]
    return w, float(mean_y - mean_x @ w)


def _check_rows(X: np.ndarray, y: np.ndarray, what: str) -> None:
    if y.size != X.shape[0]:
        raise ValueError(f"{what} must have one value per row of X ({X.shape[0]}), got {y.size}")


def _binary_labels(y, n: int) -> np.ndarray:
    y = as_float_array(y, "y").ravel()
    if y.size != n:
        raise ValueError(f"y must have one label per row of X ({n}), got {y.size}")
    if not np.isin(y, (0.0, 1.0)).all() or np.unique(y).size != 2:
        raise ValueError("The probes take labels 0 and 1, both present")
    return y


# ---- the measures ------------------------------------------------------------

def probe_accuracy(net: MLP, X: ArrayLike, y: ArrayLike, *, folds: int = FOLDS, C: float = PROBE_C,
                   seed: int = 0) -> FloatArray:
    """How well a straight line separates the classes in each layer: a linear probe's accuracy.

    For each layer (the input, then every hidden layer), a logistic
    regression (:func:`logistic_fit` with ``C``, features standardized per
    training fold) is trained on ``folds - 1`` folds (:func:`folds_of`,
    stratified, ``seed``) and predicts the held-out fold; the result is the
    accuracy over all held-out predictions.

    Parameters
    ----------
    net : MLP
    X : array-like of shape (n, layer_sizes[0])
    y : array-like of shape (n,), labels 0 and 1
    folds : int
    C : float
    seed : int

    Returns
    -------
    ndarray of shape (H + 1,)
        Index 0: the input; index k: hidden layer k.

    Raises
    ------
    ValueError
        For labels other than 0/1 (both present) or a shape mismatch.

    Examples
    --------
    >>> import swiftmoons as sm
    >>> X, y = sm.make_moons(200, noise=0.2, random_state=0)
    >>> net = sm.MLP((2, 8, 1), activation="tanh", seed=0)
    >>> probe_accuracy(net, X, y).shape
    (2,)
    """
    layers = layer_activations(net, X)
    y = _binary_labels(y, layers[0].shape[0])
    fold = folds_of(y, folds, seed)
    out = np.empty(len(layers))
    for k, A in enumerate(layers):
        right = 0
        for f in range(int(fold.max()) + 1):
            train, test = fold != f, fold == f
            A_train, A_test = _standardized(A[train], A[test])
            w, b = logistic_fit(A_train, y[train], C)
            right += int(((A_test @ w + b >= 0) == (y[test] == 1)).sum())
        out[k] = right / y.size
    return out


def distance_carried(net: MLP, X: ArrayLike, target: ArrayLike, *, folds: int = FOLDS, alpha: float = RIDGE_ALPHA,
                     seed: int = 0) -> dict[str, FloatArray]:
    """How much of a distance-like ``target`` each layer carries, linearly and by rank.

    For each layer, a ridge regression (:func:`ridge_fit` with ``alpha``,
    features standardized per training fold) predicts ``target`` for each
    held-out fold (:func:`folds_of`, unstratified, ``seed``). ``r2`` is the
    cross-validated coefficient of determination ``1 - sum (t - t_hat)^2 /
    sum (t - mean t)^2`` (it can be negative); ``rho`` is Spearman's rank
    correlation of the held-out predictions with the target.

    Targets: :func:`boundary_distance` (the network's own signed distance to
    its 0.5 contour) or :func:`bayes_log_odds` (a network-independent one).

    Parameters
    ----------
    net : MLP
    X : array-like of shape (n, layer_sizes[0])
    target : array-like of shape (n,), finite
    folds, alpha, seed
        As above.

    Returns
    -------
    dict
        ``r2`` and ``rho``, each an ndarray of shape (H + 1,) (index 0: the input).

    Raises
    ------
    ValueError
        For a target with non-finite values or of the wrong length.

    Examples
    --------
    >>> import swiftmoons as sm
    >>> X, y = sm.make_moons(200, noise=0.2, random_state=0)
    >>> net = sm.MLP((2, 8, 1), activation="relu", seed=0)
    >>> carried = distance_carried(net, X, X[:, 0] ** 2)
    >>> carried["r2"].shape, bool(carried["r2"][1] > carried["r2"][0])
    ((2,), True)
    """
    layers = layer_activations(net, X)
    t = as_float_array(target, "target").ravel()
    _check_rows(layers[0], t, "target")
    if not np.isfinite(t).all():
        raise ValueError("target must be finite (boundary_distance gives inf where the grid shows no boundary)")
    fold = folds_of(t, folds, seed, stratify=False)
    total = np.sum((t - t.mean()) ** 2)
    r2, rho = np.empty(len(layers)), np.empty(len(layers))
    for k, A in enumerate(layers):
        predicted = np.empty_like(t)
        for f in range(int(fold.max()) + 1):
            train, test = fold != f, fold == f
            A_train, A_test = _standardized(A[train], A[test])
            w, b = ridge_fit(A_train, t[train], alpha)
            predicted[test] = A_test @ w + b
        r2[k] = 1.0 - np.sum((t - predicted) ** 2) / total if total > 0 else math.nan
        rho[k] = spearman(predicted, t)
    return {"r2": r2, "rho": rho}


def _score(net: MLP, X: np.ndarray) -> np.ndarray:
    """The quantity whose zero is the decision boundary: the logit (or a two-class softmax's logit gap)."""
    z = pre_activations(net, X)[-1]
    if net.output == "sigmoid" and z.shape[1] == 1:
        return z[:, 0]
    if net.output == "softmax" and z.shape[1] == 2:
        return z[:, 1] - z[:, 0]
    raise ValueError("A decision boundary needs a sigmoid output of width 1 or a two-class softmax, "
                     f"got {net.output} of width {z.shape[1]}")


def contour_segments(net: MLP, lo: ArrayLike, hi: ArrayLike, points: int = GRID_POINTS) -> FloatArray:
    """The network's decision boundary in a 2-D box, as line segments (marching squares).

    The score (the output logit, whose zero is the 0.5 contour) is evaluated
    natively on a ``points x points`` grid; every grid edge whose ends have
    opposite signs (a score >= 0 counts as positive) is cut where the linear
    interpolation vanishes, and the cuts of each cell are joined (saddle cells
    by the sign of the cell's mean).

    Parameters
    ----------
    net : MLP with 2 inputs and a sigmoid output (or a two-class softmax)
    lo, hi : array-like of shape (2,)
        The box's corners.
    points : int
        Grid points per axis, >= 2.

    Returns
    -------
    ndarray of shape (m, 2, 2)
        Segment i runs from ``[i, 0]`` to ``[i, 1]``; m = 0 when the box
        holds no boundary.

    Examples
    --------
    >>> import swiftmoons as sm
    >>> net = sm.MLP.from_params([[[1.0], [0.0]], [[0.0]]], activation=[], output="sigmoid")
    >>> seg = contour_segments(net, [-1, -1], [1, 1], points=5)
    >>> float(np.abs(seg[..., 0]).max())   # every end on the line x = 0
    0.0
    """
    _hidden_count(net)
    if net.layer_sizes[0] != 2:
        raise ValueError(f"The boundary is traced in 2-D inputs, this network takes {net.layer_sizes[0]}")
    lo, hi = as_float_array(lo, "lo").ravel(), as_float_array(hi, "hi").ravel()
    if lo.size != 2 or hi.size != 2 or not (np.isfinite(lo).all() and np.isfinite(hi).all() and (hi > lo).all()):
        raise ValueError(f"lo and hi must be finite 2-D corners with lo < hi, got {lo} and {hi}")
    points = as_int(points, "points", 2, 8192)
    xs, ys = np.linspace(lo[0], hi[0], points), np.linspace(lo[1], hi[1], points)
    gx, gy = np.meshgrid(xs, ys)  # [row = y index, column = x index]
    s = _score(net, np.column_stack([gx.ravel(), gy.ravel()])).reshape(points, points)
    if not np.isfinite(s).all():
        raise ValueError(f"The network's output is not finite everywhere in the box {list(lo)}-{list(hi)}: "
                         "its boundary cannot be traced there")
    positive = s >= 0

    def cut(s0, s1, p0, p1, crossing):
        t = np.where(crossing, s0 / np.where(crossing, s0 - s1, 1.0), 0.0)
        return p0 + t[..., None] * (p1 - p0)

    P = np.stack([gx, gy], axis=-1)
    a, b, c, d = (slice(None, -1), slice(None, -1)), (slice(None, -1), slice(1, None)), \
        (slice(1, None), slice(1, None)), (slice(1, None), slice(None, -1))
    corners = [(s[i], positive[i], P[i]) for i in (a, b, c, d)]
    # Edges of each cell: bottom a-b, right b-c, top d-c, left a-d.
    edges = [(0, 1), (1, 2), (3, 2), (0, 3)]
    crossing = [corners[i][1] != corners[j][1] for i, j in edges]
    where = [cut(corners[i][0], corners[j][0], corners[i][2], corners[j][2], x) for (i, j), x in zip(edges, crossing)]
    count = sum(x.astype(int) for x in crossing)
    segments = []
    two = count == 2
    if two.any():
        ends = np.stack([np.where(x[..., None], w, np.nan) for x, w in zip(crossing, where)], axis=-2)[two]
        ends = ends[~np.isnan(ends[..., 0])].reshape(-1, 2, 2)
        segments.append(ends)
    four = count == 4
    if four.any():
        centre_positive = (corners[0][0] + corners[1][0] + corners[2][0] + corners[3][0])[four] >= 0
        same_as_a = centre_positive == corners[0][1][four]
        bottom, right, top, left = (w[four] for w in where)
        # The centre joins a and c: cut off b (bottom-right) and d (top-left); else a and c.
        first = np.where(same_as_a[:, None, None], np.stack([bottom, right], 1), np.stack([bottom, left], 1))
        second = np.where(same_as_a[:, None, None], np.stack([top, left], 1), np.stack([right, top], 1))
        segments += [first, second]
    return np.concatenate(segments) if segments else np.empty((0, 2, 2))


def boundary_distance(net: MLP, X: ArrayLike, *, box: tuple[ArrayLike, ArrayLike] | None = None,
                      points: int = GRID_POINTS, margin: float = GRID_MARGIN, chunk: int = 256) -> FloatArray:
    """Each point's signed Euclidean distance to the network's decision boundary (its 0.5 contour).

    The boundary is traced by :func:`contour_segments` in a box: ``box`` if
    given, else the data's bounding box widened by ``margin`` times its span
    (at least 1) on every side. The distance is to the nearest segment,
    positive where the network says class 1. The grid's linear interpolation
    makes it exact to second order in the grid step for points nearer the
    boundary than the box's edge; a point with no boundary between it and
    the box's edge gets +-inf (so does every point when the box holds no
    boundary). Measuring one point, give the box: its own span is zero.

    Parameters
    ----------
    net : MLP with 2 inputs and a sigmoid output (or a two-class softmax)
    X : array-like of shape (n, 2), finite
    box : (lo, hi), optional
        The corners of the box to look for the boundary in.
    points : int
        Grid points per axis.
    margin : float
        Without ``box``: the box's margin as a fraction of the data's span, >= 0.
    chunk : int
        Points measured at a time (bounds the memory used).

    Returns
    -------
    ndarray of shape (n,)

    Raises
    ------
    ValueError
        For a network without 2 inputs or a binary output, X that is not
        finite, or a network whose output is not finite in the box.

    Examples
    --------
    >>> import swiftmoons as sm
    >>> net = sm.MLP.from_params([[[1.0], [0.0]], [[0.0]]], activation=[], output="sigmoid")
    >>> np.round(boundary_distance(net, [[0.5, 0.0], [-0.25, 1.0]]), 6)
    array([ 0.5 , -0.25])
    >>> float(boundary_distance(net, [[0.3, 0.0]], box=([-1, -1], [1, 1]))[0])
    0.3
    """
    _hidden_count(net)
    if net.layer_sizes[0] != 2:
        raise ValueError(f"The boundary is traced in 2-D inputs, this network takes {net.layer_sizes[0]}")
    X = _rows(X, 2)
    if np.abs(X).max() > LARGEST_COORDINATE:
        raise ValueError(f"X's coordinates must be within +-{LARGEST_COORDINATE:g} (squared distances overflow "
                         f"beyond), got {np.abs(X).max():g}")
    chunk = as_int(chunk, "chunk", 1, INT32[1])
    if box is None:
        margin = as_real(margin, "margin")
        if not (math.isfinite(margin) and margin >= 0):
            raise ValueError(f"margin must be a finite number >= 0, got {margin}")
        lo, hi = X.min(axis=0), X.max(axis=0)
        widen = margin * np.maximum(hi - lo, 1.0)
        lo, hi = lo - widen, hi + widen
    else:
        if not isinstance(box, (tuple, list)) or len(box) != 2:
            raise ValueError(f"box must be a pair (lo, hi) of 2-D corners, got {box!r}")
        lo, hi = box
    segments = contour_segments(net, lo, hi, points)
    side = np.where(_score(net, X) >= 0, 1.0, -1.0)
    if segments.shape[0] == 0:
        return side * np.inf
    p0, d = segments[:, 0], segments[:, 1] - segments[:, 0]
    length2 = np.maximum((d * d).sum(axis=1), 1e-300)
    out = np.empty(X.shape[0])
    for start in range(0, X.shape[0], chunk):
        x = X[start:start + chunk, None, :]
        t = np.clip(((x - p0) * d).sum(axis=2) / length2, 0.0, 1.0)
        nearest = p0 + t[..., None] * d
        out[start:start + chunk] = np.sqrt(((x - nearest) ** 2).sum(axis=2).min(axis=1))
    return side * out


def _moon_centres(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    outer = np.stack([np.cos(t), np.sin(t)], axis=1)
    inner = np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    return outer, inner


def bayes_log_odds(X: ArrayLike, noise: float, *, n_samples: int | tuple[int, int] | None = None,
                   nodes: int = ANGLE_NODES) -> FloatArray:
    """The log-odds of class 1 at each point under make_moons' generative process.

    make_moons puts class 0 at ``(cos t, sin t)`` and class 1 at
    ``(1 - cos t, 1/2 - sin t)`` for angles t spread evenly over [0, pi] and
    adds Gaussian noise of std ``noise`` to each coordinate. Taking t uniform
    on [0, pi], the class densities are ``p(x | c) = (1/pi) int_0^pi N(x;
    m_c(t), noise^2 I) dt``, computed here by Simpson's rule on ``nodes``
    angles (in log space, so that far points do not underflow), and the
    result is ``log p(x|1) - log p(x|0) + log(n_1 / n_0)``. This is the best
    any classifier can know about a point, whatever network looks at it.

    ``X`` is in make_moons' own coordinates: undo a standardization first
    (``X_raw = X_std * scale + mean`` with the stats of
    :func:`swiftmoons.standardize`).

    Parameters
    ----------
    X : array-like of shape (n, 2)
    noise : float
        make_moons' noise, > 0.
    n_samples : int, (int, int) or None
        make_moons' ``n_samples``, for the class priors (None: equal priors).
    nodes : int
        Simpson nodes (odd, >= 3).

    Returns
    -------
    ndarray of shape (n,)

    Raises
    ------
    ValueError
        For noise that is not positive and finite, or an even or too small ``nodes``.

    Examples
    --------
    >>> np.round(bayes_log_odds([[0.0, 1.0], [1.0, -0.5], [0.5, 0.25]], noise=0.2), 2)
    array([-5.08,  5.08,  0.  ])
    """
    X = _rows(X, 2)
    noise = as_real(noise, "noise")
    if not (math.isfinite(noise) and noise > 0):
        raise ValueError(f"noise must be a finite number > 0, got {noise}")
    nodes = as_int(nodes, "nodes", 3, 10**7)
    if nodes % 2 == 0:
        raise ValueError(f"nodes must be odd (Simpson's rule), got {nodes}")
    if n_samples is None:
        prior = 0.0
    else:
        if isinstance(n_samples, (tuple, list)):
            n0, n1 = (as_int(v, "n_samples", 1) for v in n_samples)
        else:
            total = as_int(n_samples, "n_samples", 2)
            n0, n1 = total // 2, total - total // 2
        prior = math.log(n1 / n0)
    t = np.linspace(0.0, math.pi, nodes)
    weights = np.ones(nodes)
    weights[1:-1:2], weights[2:-1:2] = 4.0, 2.0
    log_w = np.log(weights)
    outer, inner = _moon_centres(t)
    out = np.empty(X.shape[0])
    for start in range(0, X.shape[0], 256):
        x = X[start:start + 256, None, :]
        log_p = []
        for centres in (outer, inner):
            e = -((x - centres) ** 2).sum(axis=2) / (2 * noise * noise) + log_w
            top = e.max(axis=1, keepdims=True)
            log_p.append(top[:, 0] + np.log(np.exp(e - top).sum(axis=1)))
        out[start:start + 256] = log_p[1] - log_p[0] + prior
    return out


def saturation(net: MLP, X: ArrayLike, *, level: float = SATURATION_LEVEL) -> FloatArray:
    """The fraction of (sample, unit) pairs in each layer whose local derivative is nearly zero.

    A unit is saturated on a sample when ``f'(z) < level * max f'``, the
    maximum over all z of its activation's derivative (0.25 for sigmoid, 1 for
    tanh and ReLU, about 1.13 for GELU; for PReLU the larger of 1 and the
    unit's slope). For ReLU this counts the samples on which a unit is off.

    Parameters
    ----------
    net : MLP
    X : array-like of shape (n, layer_sizes[0])
    level : float
        In (0, 1).

    Returns
    -------
    ndarray of shape (H + 1,)
        Index 0 (the input, which no activation touches) is 0.

    Examples
    --------
    >>> import swiftmoons as sm
    >>> net = sm.MLP((2, 8, 1), activation="sigmoid", seed=0)
    >>> float(saturation(net, np.zeros((3, 2)))[1])     # z = 0: sigmoid's steepest point
    0.0
    """
    level = as_real(level, "level")
    if not (0 < level < 1):
        raise ValueError(f"level must be in (0, 1), got {level}")
    zs = pre_activations(net, X)[:-1]
    out = [0.0]
    for (name, alpha), z, fprime, k in zip(net.activations, zs, _derivatives(net, zs), range(1, len(zs) + 1)):
        top: Any = (np.maximum(1.0, np.abs(net.get_slopes(k))) if name == "prelu"
                    else _largest_derivative(name, alpha))
        out.append(float((np.abs(fprime) < level * top).mean()))
    return np.array(out)


def _largest_derivative(name: str, alpha: float | None) -> float:
    grid = np.linspace(-30.0, 30.0, 120001)
    params = {} if alpha is None or not _activations.PARAMETERS.get(name) else {"alpha": alpha}
    return float(np.abs(_activations.evaluate(name, grid, derivative=True, **params)).max())


def dead_units(net: MLP, X: ArrayLike) -> dict[str, list[np.ndarray]]:
    """Which hidden units are dead on X, by three definitions.

    - ``never_nonzero``: the unit's output is exactly 0 on every row (the
      lesson's definition, seed 002: alive if it gives a non-zero output on
      any example). Leaky ReLU, ELU, GELU units are never dead by it.
    - ``never_positive``: the pre-activation is <= 0 on every row (what
      :meth:`MLP.alive_units` negates).
    - ``no_gradient``: the local derivative is 0 on every row, so no gradient
      reaches the unit's weights from X.

    Parameters
    ----------
    net : MLP
    X : array-like of shape (n, layer_sizes[0])

    Returns
    -------
    dict of str to list of bool ndarray
        One array per hidden layer, of shape (layer_sizes[k],).

    Examples
    --------
    >>> import swiftmoons as sm
    >>> net = sm.MLP((2, 4, 1), activation="relu", bias_init=-5.0, seed=0)
    >>> dead = dead_units(net, np.zeros((3, 2)))
    >>> [int(dead[k][0].sum()) for k in ("never_nonzero", "never_positive", "no_gradient")]
    [4, 4, 4]
    """
    zs = pre_activations(net, X)[:-1]
    H = len(zs)
    X = as_matrix(X, net.layer_sizes[0])
    outputs = [net.get_hidden(X, k) for k in range(1, H + 1)]
    return {"never_nonzero": [(a == 0).all(axis=0) for a in outputs],
            "never_positive": [(z <= 0).all(axis=0) for z in zs],
            "no_gradient": [(d == 0).all(axis=0) for d in _derivatives(net, zs)]}


def input_jacobians(net: MLP, X: ArrayLike) -> list[FloatArray]:
    """The Jacobian of every hidden layer's activations with respect to the input, per sample.

    ``J_k = diag(f'(z_k)) W_k^T J_{k-1}`` with ``J_0 = I``.

    Parameters
    ----------
    net : MLP
    X : array-like of shape (n, d)

    Returns
    -------
    list of ndarray
        ``[J_0, J_1, ..., J_H]``, ``J_k`` of shape (n, layer_sizes[k], d).

    Examples
    --------
    >>> import swiftmoons as sm
    >>> net = sm.MLP.from_params([[[2.0], [0.0]], [[0.0]], [[1.0]], [[0.0]]], activation="tanh")
    >>> float(input_jacobians(net, [[0.0, 0.0]])[1][0, 0, 0])     # tanh'(0) * 2
    2.0
    """
    zs = pre_activations(net, X)[:-1]
    n, d = zs[0].shape[0] if zs else as_matrix(X, net.layer_sizes[0]).shape[0], net.layer_sizes[0]
    J = np.broadcast_to(np.eye(d), (n, d, d)).copy()
    out = [J]
    for k, fprime in enumerate(_derivatives(net, zs), start=1):
        W = net.get_weights(k)
        J = fprime[:, :, None] * np.einsum("ij,nid->njd", W, J)
        out.append(J)
    return out


def jacobian_spectrum(net: MLP, X: ArrayLike) -> dict[str, Any]:
    """The singular values of each layer's input Jacobian, and their log summaries.

    The singular values say how much a small step in the input is stretched
    (or flattened) on its way to the layer: a layer that keeps distances has
    them near 1, one that squashes has them near 0.

    Parameters
    ----------
    net : MLP
    X : array-like of shape (n, d)

    Returns
    -------
    dict
        ``singular_values``: list (index k = layer k) of ndarray of shape
        (n, min(layer_sizes[k], d)), largest first; ``log10_largest``,
        ``log10_smallest``: ndarray of shape (H + 1,), the median over samples
        of log10 of the largest and smallest singular value (-inf where it is 0).

    Examples
    --------
    >>> import swiftmoons as sm
    >>> net = sm.MLP((2, 8, 8, 1), activation="sigmoid", seed=0)
    >>> spectrum = jacobian_spectrum(net, np.zeros((4, 2)))
    >>> [s.shape for s in spectrum["singular_values"]], float(spectrum["log10_largest"][0])
    ([(4, 2), (4, 2), (4, 2)], 0.0)
    """
    values = [np.linalg.svd(J, compute_uv=False) for J in input_jacobians(net, X)]
    with np.errstate(divide="ignore"):
        largest = np.array([np.median(np.log10(s[:, 0])) for s in values])
        smallest = np.array([np.median(np.log10(s[:, -1])) for s in values])
    return {"singular_values": values, "log10_largest": largest, "log10_smallest": smallest}


def linear_cka(A: ArrayLike, B: ArrayLike) -> float:
    """Linear centred kernel alignment of two representations of the same rows.

    ``|B_c^T A_c|_F^2 / (|A_c^T A_c|_F |B_c^T B_c|_F)`` with columns centred:
    1 when one is a rotation and uniform scaling of the other, 0 when they are
    linearly unrelated (Kornblith et al., 2019). NaN when one is constant.

    Parameters
    ----------
    A : array-like of shape (n, p)
    B : array-like of shape (n, q)

    Returns
    -------
    float

    Examples
    --------
    >>> A = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0], [3.0, 1.0]])
    >>> round(linear_cka(A, 3 * A + 1), 12)
    1.0
    """
    A, B = _finite(as_float_array(A, "A"), "A"), _finite(as_float_array(B, "B"), "B")
    if A.ndim != 2 or B.ndim != 2 or A.shape[0] != B.shape[0]:
        raise ValueError(f"A and B must be 2-D with the same rows, got {A.shape} and {B.shape}")
    A, B = A - A.mean(axis=0), B - B.mean(axis=0)
    cross = np.linalg.norm(B.T @ A) ** 2
    scale = np.linalg.norm(A.T @ A) * np.linalg.norm(B.T @ B)
    return float(cross / scale) if scale > 0 else math.nan


def cka_profile(net: MLP, X: ArrayLike) -> dict[str, FloatArray]:
    """Linear CKA of each layer with the layer below and with the input.

    Parameters
    ----------
    net : MLP
    X : array-like of shape (n, d)

    Returns
    -------
    dict
        ``to_previous`` and ``to_input``: ndarray of shape (H + 1,); index k
        compares layer k with layer k - 1 (NaN at 0) and with the input (1 at 0).

    Examples
    --------
    >>> import swiftmoons as sm
    >>> X, _ = sm.make_moons(100, noise=0.1, random_state=0)
    >>> profile = cka_profile(sm.MLP((2, 8, 8, 1), activation="relu", seed=0), X)
    >>> float(profile["to_input"][0]), profile["to_previous"].shape
    (1.0, (3,))
    """
    layers = layer_activations(net, X)
    to_previous = np.array([math.nan] + [linear_cka(layers[k - 1], layers[k]) for k in range(1, len(layers))])
    to_input = np.array([linear_cka(layers[0], layer) for layer in layers])
    return {"to_previous": to_previous, "to_input": to_input}


def _pairs(n: int, max_pairs: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    total = n * (n - 1) // 2
    if total <= max_pairs:
        return np.triu_indices(n, k=1)
    rng = RandomState(seed)
    i = (np.asarray(rng.random_sample(max_pairs)) * n).astype(np.int64)
    j = (np.asarray(rng.random_sample(max_pairs)) * (n - 1)).astype(np.int64)
    j += j >= i  # a uniform j != i
    return i, j


def distance_rank_correlation(A: ArrayLike, B: ArrayLike, *, max_pairs: int = MAX_PAIRS, seed: int = 0) -> float:
    """Spearman's correlation of the pairwise Euclidean distances of the rows of A and of B.

    1 means B orders every pair of rows by distance as A does. This says how
    much of the overall shape of the data a representation keeps; it is not
    a measure of distance to a decision boundary (a layer can keep it while
    forgetting the boundary, and the reverse). With more than ``max_pairs``
    pairs, ``max_pairs`` pairs (i != j) are drawn uniformly (``seed``) and the
    result is an estimate (its standard error is about 1/sqrt(max_pairs)).

    Parameters
    ----------
    A : array-like of shape (n, p)
    B : array-like of shape (n, q)
    max_pairs : int
    seed : int

    Returns
    -------
    float

    Examples
    --------
    >>> A = np.array([[0.0], [1.0], [3.0], [7.0]])
    >>> distance_rank_correlation(A, A ** 3), distance_rank_correlation(A, -A)
    (1.0, 1.0)
    """
    A, B = _finite(as_float_array(A, "A"), "A"), _finite(as_float_array(B, "B"), "B")
    if A.ndim != 2 or B.ndim != 2 or A.shape[0] != B.shape[0] or A.shape[0] < 3:
        raise ValueError(f"A and B must be 2-D with the same rows (at least 3), got {A.shape} and {B.shape}")
    max_pairs = as_int(max_pairs, "max_pairs", 3)
    i, j = _pairs(A.shape[0], max_pairs, seed_value(seed))
    da = np.sqrt(((A[i] - A[j]) ** 2).sum(axis=1))
    db = np.sqrt(((B[i] - B[j]) ** 2).sum(axis=1))
    return spearman(da, db)


def distance_order_kept(net: MLP, X: ArrayLike, *, max_pairs: int = MAX_PAIRS, seed: int = 0) -> FloatArray:
    """:func:`distance_rank_correlation` of the input with each layer.

    Parameters
    ----------
    net : MLP
    X : array-like of shape (n, d), n >= 3
    max_pairs, seed
        As :func:`distance_rank_correlation`.

    Returns
    -------
    ndarray of shape (H + 1,)
        Index 0 (the input with itself) is 1.

    Examples
    --------
    >>> import swiftmoons as sm
    >>> X, _ = sm.make_moons(50, noise=0.1, random_state=0)
    >>> distance_order_kept(sm.MLP((2, 8, 1), activation="relu", seed=0), X).shape
    (2,)
    """
    layers = layer_activations(net, X)
    return np.array([distance_rank_correlation(layers[0], layer, max_pairs=max_pairs, seed=seed)
                     for layer in layers])


__all__ = ["ANGLE_NODES", "FOLDS", "GRID_MARGIN", "GRID_POINTS", "LARGEST_COORDINATE", "MAX_PAIRS", "PROBE_C", "RIDGE_ALPHA",
           "SATURATION_LEVEL", "bayes_log_odds", "boundary_distance", "cka_profile", "contour_segments",
           "dead_units", "distance_carried", "distance_order_kept", "distance_rank_correlation", "folds_of",
           "input_jacobians", "jacobian_spectrum", "layer_activations", "linear_cka", "logistic_fit",
           "pre_activations", "probe_accuracy", "ridge_fit", "saturation"]
