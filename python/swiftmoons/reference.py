"""The same interface in plain NumPy: the code our numbers are checked against.

Written for clarity, following the article's math and random calls step by
step: data as scikit-learn makes it, the network as the article builds and
trains it. Like the article, :class:`TwoLayerNet` reseeds NumPy's *global*
random stream (``np.random.seed``) when given an int seed.
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import layers as _layers

# ---- activations and losses -------------------------------------------------------

def sigmoid(z):
    """The logistic function, with z clipped to [-500, 500] so exp cannot overflow."""
    return 1 / (1 + np.exp(-np.clip(z, -500, 500)))


def sigmoid_derivative(a):
    """sigma'(z) written in terms of a = sigma(z)."""
    return a * (1 - a)


def relu(z):
    return np.maximum(0, z)


def relu_derivative(z):
    return (z > 0).astype(float)


def bce(y, yhat):
    """Binary cross-entropy with the article's 1e-9 inside the logs."""
    return -np.mean(y * np.log(yhat + 1e-9) + (1 - y) * np.log(1 - yhat + 1e-9))


def logistic(z):
    """The logistic function without a clip, in a form that never overflows."""
    z = np.asarray(z, dtype=np.float64)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1 / (1 + np.exp(-z[pos]))
    e = np.exp(z[~pos])
    out[~pos] = e / (1 + e)
    return out


# Phi(z) = erfc(-z / sqrt 2) / 2: the form 1 + erf(z / sqrt 2) cancels in the
# left tail (a 3% error in GELU at z = -8, and 0 instead of GELU's value
# below z ~ -8.3), while erfc keeps its full relative precision there.
_erfc = np.vectorize(math.erfc, otypes=[np.float64])
_SQRT_HALF = 0.7071067811865476
_SQRT_2_OVER_PI = 0.7978845608028654
_INV_SQRT_2PI = 0.3989422804014327

def _gelu_tanh(z):
    # 0.5 z (1 + tanh(u)) = z * logistic(2u): 1 + tanh(u) cancels for z < 0.
    # Beyond |z| = 1e6 the limits avoid z**3 overflowing.
    inner = z * logistic(2 * _SQRT_2_OVER_PI * (z + 0.044715 * z * z * z))
    return np.where(np.abs(z) > 1e6, np.where(z > 0, z, 0.0), inner)


def _gelu_tanh_derivative(z):
    # d/dz z s(v) = s(v) + z v' s(v) s(-v), s = logistic, v = 2u.
    v = 2 * _SQRT_2_OVER_PI * (z + 0.044715 * z * z * z)
    dv = 2 * _SQRT_2_OVER_PI * (1 + 0.134145 * z * z)
    inner = logistic(v) * (1 + z * dv * logistic(-v))
    return np.where(np.abs(z) > 1e6, (z > 0).astype(float), inner)


def _gelu_derivative(z):
    pdf = np.exp(-0.5 * z * z) * _INV_SQRT_2PI
    return 0.5 * _erfc(-z * _SQRT_HALF) + np.where(pdf == 0, 0.0, z * pdf)


#: Every activation, one entry each: (default parameter or None, f(z, alpha),
#: f'(z, a, alpha) given a = f(z)). The derivatives are written in z, in
#: forms that do not cancel where the activation saturates (1 - a**2 for
#: tanh and a + alpha for ELU lose all relative precision there, as
#: 1 - logistic(z) does for swish); only the sigmoid's uses a, as the
#: article writes it. PReLU's parameter is its initial slope.
TABLE = {
    "identity": (None, lambda z, al: z.copy(), lambda z, a, al: np.ones_like(z)),
    "sigmoid": (None, lambda z, al: sigmoid(z), lambda z, a, al: sigmoid_derivative(a)),
    "tanh": (None, lambda z, al: np.tanh(z), lambda z, a, al: 1 / np.cosh(z) ** 2),
    "relu": (None, lambda z, al: relu(z), lambda z, a, al: relu_derivative(z)),
    "leaky_relu": (0.01, lambda z, al: np.where(z > 0, z, al * z),
                   lambda z, a, al: np.where(z > 0, 1.0, al * np.ones_like(z))),
    "prelu": (0.25, lambda z, al: np.where(z > 0, z, al * z),
              lambda z, a, al: np.where(z > 0, 1.0, al * np.ones_like(z))),
    "elu": (1.0, lambda z, al: np.where(z > 0, z, al * np.expm1(z)),
            lambda z, a, al: np.where(z > 0, 1.0, al * np.exp(np.minimum(z, 0)))),
    "gelu": (None, lambda z, al: 0.5 * z * _erfc(-z * _SQRT_HALF), lambda z, a, al: _gelu_derivative(z)),
    "gelu_tanh": (None, lambda z, al: _gelu_tanh(z), lambda z, a, al: _gelu_tanh_derivative(z)),
    "swish": (None, lambda z, al: z * logistic(z), lambda z, a, al: logistic(z) * (1 + z * logistic(-z))),
    "softplus": (None, lambda z, al: np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z))),
                 lambda z, a, al: logistic(z)),
}
#: The kinds "auto" initialization gives Xavier's scale (He's for every other).
XAVIER_UNDER_AUTO = ("sigmoid", "tanh", "identity")
#: Other names: silu is swish.
ALIASES = {"silu": "swish"}
#: Default parameter of the kinds that have one.
DEFAULT_ALPHA = {name: entry[0] for name, entry in TABLE.items() if entry[0] is not None}
ACTIVATIONS = tuple(TABLE) + tuple(ALIASES)


def activation(name, z, alpha=None):
    """f(z) for the named activation; ``alpha`` is its parameter (PReLU: the slopes)."""
    name = ALIASES.get(name, name)
    if name not in TABLE:
        raise ValueError(f"Unknown activation {name!r}; valid activations are {ACTIVATIONS}")
    default, f, _ = TABLE[name]
    with np.errstate(over="ignore", invalid="ignore"):
        return f(np.asarray(z, dtype=np.float64), default if alpha is None else alpha)


def activation_derivative(name, z, a, alpha=None):
    """f'(z), given a = f(z) (see `TABLE`)."""
    name = ALIASES.get(name, name)
    if name not in TABLE:
        raise ValueError(f"Unknown activation {name!r}")
    default, _, df = TABLE[name]
    with np.errstate(over="ignore", invalid="ignore"):
        return df(np.asarray(z, dtype=np.float64), a, default if alpha is None else alpha)


# ---- random streams -----------------------------------------------------------

def check_random_state(random_state):
    """scikit-learn's rule: None -> NumPy's global stream, int -> a new one."""
    if random_state is None:
        return np.random.mtrand._rand
    if isinstance(random_state, numbers.Integral):
        return np.random.RandomState(int(random_state))
    if isinstance(random_state, np.random.RandomState):
        return random_state
    raise ValueError(f"{random_state!r} cannot be used to seed a RandomState")


# ---- data -----------------------------------------------------------------------

def make_moons(n_samples=100, *, noise=None, random_state=None, shuffle=True):
    """Two interleaving half circles, computed as scikit-learn computes them."""
    if isinstance(n_samples, numbers.Integral):
        n_out = n_samples // 2
        n_in = n_samples - n_out
    else:
        n_out, n_in = n_samples
    rng = check_random_state(random_state)

    t_out = np.linspace(0, np.pi, n_out)
    t_in = np.linspace(0, np.pi, n_in)
    x = np.append(np.cos(t_out), 1 - np.cos(t_in))
    y_coord = np.append(np.sin(t_out), 1 - np.sin(t_in) - 0.5)
    X = np.vstack([x, y_coord]).T
    y = np.hstack([np.zeros(n_out, dtype=np.intp), np.ones(n_in, dtype=np.intp)])

    return _shuffled_with_noise(X, y, rng, shuffle, noise)


def _shuffled_with_noise(X, y, rng, shuffle, noise):
    """The last two steps of scikit-learn's plane generators: one permutation of the rows, then Gaussian noise."""
    if shuffle:
        order = np.arange(len(y))
        rng.shuffle(order)
        X, y = X[order], y[order]
    if noise is not None:
        X += rng.normal(scale=noise, size=X.shape)
    return X, y


def make_circles(n_samples=100, *, shuffle=True, noise=None, random_state=None, factor=0.8):
    """A large circle around a smaller one, computed as scikit-learn computes it."""
    if isinstance(n_samples, numbers.Integral):
        n_out = n_samples // 2
        n_in = n_samples - n_out
    else:
        n_out, n_in = n_samples
    rng = check_random_state(random_state)
    t_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    X = np.vstack([np.append(np.cos(t_out), np.cos(t_in) * factor),
                   np.append(np.sin(t_out), np.sin(t_in) * factor)]).T
    y = np.hstack([np.zeros(n_out, dtype=np.intp), np.ones(n_in, dtype=np.intp)])
    return _shuffled_with_noise(X, y, rng, shuffle, noise)


def make_blobs(n_samples=100, n_features=2, *, centers=None, cluster_std=1.0, center_box=(-10.0, 10.0),
               shuffle=True, random_state=None, return_centers=False):
    """Gaussian blobs, computed as scikit-learn computes them."""
    rng = check_random_state(random_state)
    if isinstance(n_samples, numbers.Integral):
        if centers is None:
            centers = 3
        if isinstance(centers, numbers.Integral):
            centers = rng.uniform(center_box[0], center_box[1], size=(centers, n_features))
        counts = [n_samples // len(centers)] * len(centers)
        for i in range(n_samples % len(centers)):
            counts[i] += 1
    else:
        counts = list(n_samples)
        if centers is None:
            centers = rng.uniform(center_box[0], center_box[1], size=(len(counts), n_features))
    centers = np.asarray(centers, dtype=np.float64)
    stds = np.full(len(centers), cluster_std) if np.isscalar(cluster_std) else np.asarray(cluster_std)
    X = np.vstack([rng.normal(loc=c, scale=s, size=(n, centers.shape[1])) for c, s, n in zip(centers, stds, counts)])
    y = np.concatenate([np.full(n, i) for i, n in enumerate(counts)])
    if shuffle:
        order = np.arange(len(y))
        rng.shuffle(order)
        X, y = X[order], y[order]
    return (X, y, centers) if return_centers else (X, y)


def make_xor(n_samples=100, *, noise=None, margin=0.06, random_state=None):
    """swiftmoons' XOR pattern (TensorFlow Playground's), in NumPy."""
    rng = check_random_state(random_state)
    u = -1 + 2 * rng.random_sample((n_samples, 2))
    X = np.where(u > 0, u + margin, u - margin)
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    if noise is not None:
        X += rng.normal(scale=noise, size=X.shape)
    return X, y


def make_spiral(n_samples=100, *, noise=None, random_state=None, shuffle=True):
    """swiftmoons' two spirals (TensorFlow Playground's), in NumPy."""
    if isinstance(n_samples, numbers.Integral):
        counts = (n_samples // 2, n_samples - n_samples // 2)
    else:
        counts = tuple(n_samples)
    rng = check_random_state(random_state)
    parts, labels = [], []
    for arm, k in enumerate(counts):
        r = np.arange(k) / k if k else np.zeros(0)
        t = 1.75 * 2 * np.pi * r + (np.pi if arm else 0.0)
        parts.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
        labels.append(np.full(k, arm, dtype=np.int64))
    X, y = np.vstack(parts), np.concatenate(labels)
    return _shuffled_with_noise(X, y, rng, shuffle, noise)


def standardize(X, *, return_stats=False):
    """Zero mean, unit population std per column, as StandardScaler computes it.

    The variance is that of ``X - mean`` with the rounding error of the mean
    subtracted (scikit-learn's "correction" term); constant columns keep
    scale 1.
    """
    X = np.asarray(X, dtype=np.float64)
    n = X.shape[0]
    mean = np.zeros(X.shape[1])
    var = np.zeros(X.shape[1])
    for c in range(X.shape[1]):
        column = X[:, c]
        total = 0.0
        for v in column:  # row order, as NumPy reduces axis 0
            total += v
        m = total / n
        d = column - m
        correction = 0.0
        squares = 0.0
        for v in d:
            correction += v
            squares += v * v
        mean[c] = m
        var[c] = (squares - correction**2 / n) / n
    eps = np.finfo(np.float64).eps
    constant = var <= n * eps * var + (n * mean * eps) ** 2
    scale = np.where(constant, 1.0, np.sqrt(var))
    out = (X - mean) / scale
    return (out, mean, scale) if return_stats else out


def train_test_split(*arrays, test_size=0.25, random_state=None):
    """ShuffleSplit's single split: test = first ceil(test_size * n) of a permutation."""
    n = len(arrays[0])
    if isinstance(test_size, numbers.Integral):
        n_test = int(test_size)
    else:
        n_test = math.ceil(test_size * n)
    permutation = check_random_state(random_state).permutation(n)
    test, train = permutation[:n_test], permutation[n_test:]
    result = []
    for a in arrays:
        a = np.asarray(a)
        result += [a[train], a[test]]
    return result


# ---- the network ------------------------------------------------------------------

def _parse(spec):
    if isinstance(spec, str):
        return ALIASES.get(spec, spec), None
    name, alpha = spec
    if isinstance(alpha, dict):
        alpha = alpha.get("alpha")
    return ALIASES.get(name, name), (None if alpha is None else float(alpha))


class MLP:
    """A fully connected network in NumPy: the same interface and math as
    ``swiftmoons.MLP``. ``seed`` is an int (a fresh ``np.random.RandomState``)
    or a ``np.random.RandomState`` to draw from."""

    def __init__(self, layer_sizes, activation="relu", output="sigmoid", init="auto", bias_init=0.0, seed=0):
        rng = seed if isinstance(seed, np.random.RandomState) else np.random.RandomState(seed)
        self._build(layer_sizes, activation, output, init, bias_init, rng.randn, rng)

    def _build(self, layer_sizes, activation, output, init, bias_init, randn, rng):
        self.layer_sizes = tuple(int(s) for s in layer_sizes)
        hidden = len(self.layer_sizes) - 2
        specs = activation if isinstance(activation, list) else [activation] * max(hidden, 1)
        if len(specs) == 1 and hidden > 1:
            specs = specs * hidden
        self.activations = [_parse(s) for s in specs][:hidden]
        self.activations = [(n, DEFAULT_ALPHA.get(n) if a is None else a) for n, a in self.activations]
        for name, _ in self.activations:
            if name not in ACTIVATIONS:
                raise ValueError(f"Unknown activation {name!r}; valid activations are {ACTIVATIONS}")
        self.output = output
        self.act_name = self.activation = self.activations[0][0] if self.activations else "identity"
        self.weights, self.biases, self.slopes = [], [], []
        for k, (fan_in, fan_out) in enumerate(zip(self.layer_sizes[:-1], self.layer_sizes[1:])):
            if init == "glorot_uniform":
                limit = np.sqrt(6 / (fan_in + fan_out))
                self.weights.append(rng.uniform(-limit, limit, (fan_in, fan_out)))
                continue
            if init == "auto":
                feeds = self.activations[min(k, hidden - 1)][0] if hidden else "sigmoid"
                he = feeds not in XAVIER_UNDER_AUTO
            else:
                he = init == "he"
            # He initialization for ReLU-like activations, Xavier for the others.
            scale = np.sqrt(2 / fan_in) if he else np.sqrt(1 / fan_in)
            self.weights.append(randn(fan_in, fan_out) * scale)
        for fan_out in self.layer_sizes[1:]:
            if isinstance(bias_init, tuple):
                self.biases.append(rng.normal(bias_init[0], bias_init[1], (1, fan_out)))
            else:
                self.biases.append(np.full((1, fan_out), float(bias_init)))
        for (name, alpha), width in zip(self.activations, self.layer_sizes[1:-1]):
            self.slopes.append(np.full((1, width), alpha) if name == "prelu" else None)
        self.loss_history = []

    @classmethod
    def from_params(cls, params, activation="relu", output="sigmoid"):
        """A network from ``[W1, b1, (slopes1,) W2, ...]`` (see ``parameters``)."""
        net = cls.__new__(cls)
        params = [np.array(p, dtype=np.float64) for p in params]
        specs = activation if isinstance(activation, list) else None
        weights, biases, slopes, i = [], [], [], 0
        while i < len(params):
            weights.append(params[i])
            biases.append(params[i + 1].reshape(1, -1))
            i += 2
            if i < len(params):
                k = len(weights)
                spec = specs[min(k - 1, len(specs) - 1)] if specs else activation
                if _parse(spec)[0] == "prelu":
                    slopes.append(params[i].reshape(1, -1))
                    i += 1
                else:
                    slopes.append(None)
        sizes = (weights[0].shape[0],) + tuple(w.shape[1] for w in weights)
        net._build(sizes, activation, output, "auto", 0.0, lambda *shape: np.zeros(shape), None)
        net.weights, net.biases, net.slopes = weights, biases, slopes
        return net

    # The article's attribute names.
    def __getattr__(self, name):
        if len(name) >= 2 and name[0] in "Wb" and name[1:].isdigit():
            k = int(name[1:])
            group = self.__dict__["weights" if name[0] == "W" else "biases"]
            if 1 <= k <= len(group):
                return group[k - 1]
        raise AttributeError(name)

    def _live(self):
        """The parameter arrays themselves (not copies), in `param_names`' order: training updates them in place."""
        out = []
        for k, (W, b) in enumerate(zip(self.weights, self.biases)):
            out += [W, b]
            if k < len(self.slopes) and self.slopes[k] is not None:
                out.append(self.slopes[k])
        return out

    def param_names(self):
        """``["W1", "b1", ("slopes1",) "W2", ...]``: the names of `parameters`' arrays."""
        names = []
        for k in range(1, len(self.weights) + 1):
            names += [f"W{k}", f"b{k}"]
            if k - 1 < len(self.slopes) and self.slopes[k - 1] is not None:
                names.append(f"slopes{k}")
        return names

    def parameters(self):
        """Copies of ``[W1, b1, (slopes1,) W2, b2, ...]``: PReLU layers add their slopes."""
        return [np.array(p, dtype=np.float64) for p in self._live()]

    def set_parameters(self, params):
        """Replace every parameter (arrays as `parameters` gives); nothing changes on error."""
        live, names = self._live(), self.param_names()
        params = list(params)
        if len(params) != len(live):
            raise ValueError(f"Expected {len(live)} arrays ({', '.join(names)}), got {len(params)}")
        new = []
        for name, old, p in zip(names, live, params):
            arr = np.array(p, dtype=np.float64)
            if arr.shape != old.shape and not (old.shape[0] == 1 and arr.shape == (old.shape[1],)):
                raise ValueError(f"{name} must have shape {old.shape}, got {arr.shape}")
            new.append(arr.reshape(old.shape))
        it = iter(new)
        for k in range(len(self.weights)):
            self.weights[k], self.biases[k] = next(it), next(it)
            if k < len(self.slopes) and self.slopes[k] is not None:
                self.slopes[k] = next(it)

    def state_dict(self):
        """``{name: copy}`` for each name of `param_names`, in order."""
        return dict(zip(self.param_names(), self.parameters()))

    def load_state_dict(self, state):
        """`set_parameters` from a mapping whose keys are exactly `param_names` (else ValueError, nothing changed)."""
        names, keys = self.param_names(), list(state.keys())
        missing = [name for name in names if name not in keys]
        unexpected = [key for key in keys if key not in names]
        if missing or unexpected:
            problems = ([f"missing {missing}"] if missing else []) + ([f"unexpected {unexpected}"] if unexpected else [])
            raise ValueError(f"state's keys must be the network's param_names() {names}: {'; '.join(problems)}")
        self.set_parameters([state[name] for name in names])

    def get_params(self):
        """Deprecated (removed in swiftmoons 0.3): use `parameters` (or `state_dict`).

        Warns, then returns what it always did: the parameter arrays
        themselves, not copies.
        """
        warnings.warn(f"{type(self).__name__}.get_params() is deprecated and will be removed in swiftmoons 0.3; "
                      f"use parameters() (or state_dict())", DeprecationWarning, stacklevel=2)
        return self._live()

    def _hidden_activation(self, k, z):
        name, alpha = self.activations[k]
        return activation(name, z, self.slopes[k] if name == "prelu" else alpha)

    def _output(self, z):
        if self.output == "sigmoid":
            return sigmoid(z)
        if self.output == "softmax":
            e = np.exp(z - z.max(axis=1, keepdims=True))
            return e / e.sum(axis=1, keepdims=True)
        return z.copy()

    def _layers(self, X):
        """Every layer's (z, a); the last a is the output."""
        zs, outs = [], []
        a = X
        last = len(self.weights) - 1
        for k, (W, b) in enumerate(zip(self.weights, self.biases)):
            z = a @ W + b
            a = self._output(z) if k == last else self._hidden_activation(k, z)
            zs.append(z)
            outs.append(a)
        return zs, outs

    def forward(self, X, store=False):
        zs, outs = self._layers(X)
        if store:
            self._cache = (X, zs, outs)
        return outs[-1]

    def _loss_and_delta(self, y):
        X, zs, outs = self._cache
        n, out, z = X.shape[0], outs[-1], zs[-1]
        if self.output == "sigmoid":
            # Sigmoid output with BCE (the mean over rows and outputs): dLoss/dz is (out - y) / (n k).
            delta = (out - y) / n
            return bce(y, out), delta if out.shape[1] == 1 else delta * (1 / out.shape[1])
        if self.output == "softmax":
            labels = y.astype(np.int64).ravel()
            m = z.max(axis=1, keepdims=True)
            lse = np.log(np.exp(z - m).sum(axis=1))
            loss = np.mean(lse - (z[np.arange(n), labels] - m[:, 0]))
            onehot = np.zeros_like(out)
            onehot[np.arange(n), labels] = 1
            return loss, (out - onehot) / n
        return np.mean((out - y) ** 2), 2 * (out - y) / out.size

    def gradients(self, X, y):
        """The loss and its gradient for every parameter (as ``parameters``)."""
        self._targets(y, X)
        self.forward(X, store=True)
        return self._backward()

    def _targets(self, y, X):
        width = 1 if self.output == "softmax" else self.layer_sizes[-1]
        self.y_cache = np.asarray(y, dtype=np.float64).reshape(-1, width)

    def _backward(self):
        X, zs, outs = self._cache
        loss, dz = self._loss_and_delta(self.y_cache)
        per_layer, slope_grads = {}, {}
        for k in range(len(self.weights) - 1, -1, -1):
            a_below = X if k == 0 else outs[k - 1]
            per_layer[k] = [a_below.T @ dz, dz.sum(axis=0, keepdims=True)]
            if k > 0:
                da = dz @ self.weights[k].T
                name, alpha = self.activations[k - 1]
                z_below = zs[k - 1]
                if name == "prelu":
                    # The slope's gradient: da * z summed over samples where z <= 0.
                    slope_grads[k - 1] = (da * np.where(z_below > 0, 0.0, z_below)).sum(axis=0, keepdims=True)
                    alpha = self.slopes[k - 1]
                dz = da * activation_derivative(name, z_below, outs[k - 1], alpha)
        flat = []
        for k in range(len(self.weights)):
            flat += per_layer[k]
            if k in slope_grads:
                flat.append(slope_grads[k])
        return loss, flat

    def backward(self, lr=0.05):
        loss, grads = self._backward()
        params = self._live()
        for p, g in zip(params, grads):
            p -= lr * g
        return loss

    def train_step(self, X, y, lr=0.05):
        self._targets(y, X)
        self.forward(X, store=True)
        return self.backward(lr)

    def fit(self, X, y, epochs=800, lr=0.05, batch_size=64, rng=None):
        """The article's loop for this network alone; returns the new epoch losses."""
        return train_together([self], X, y, epochs=epochs, lr=lr, batch_size=batch_size, rng=rng)[0]

    def evaluate(self, X, y):
        """Mean loss and accuracy (NaN for identity outputs) on (X, y)."""
        out = self.forward(X, store=True)
        # The loss training computes (one definition per output kind).
        if self.output == "softmax":
            labels = np.asarray(y).astype(np.int64).ravel()
            loss, _ = self._loss_and_delta(labels.astype(np.float64))
            return float(loss), float((out.argmax(axis=1) == labels).mean())
        y = np.asarray(y, dtype=np.float64).reshape(out.shape)
        loss, _ = self._loss_and_delta(y)
        if self.output == "sigmoid":
            return float(loss), float(((out >= 0.5) == (y >= 0.5)).mean())
        return float(loss), float("nan")

    def get_hidden(self, X, layer=1):
        zs, outs = self._layers(X)
        return outs[layer - 1]

    def get_z_trace(self, x, per_sample=False):
        """Mean |z1|, |a1|, ..., |zL| (over everything, or per sample)."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim == 1:
            x = x.reshape(1, -1)
        zs, outs = self._layers(x)
        stages = []
        for z, a in zip(zs[:-1], outs[:-1]):
            stages += [z, a]
        stages.append(zs[-1])
        if per_sample:
            return np.stack([np.abs(s).mean(axis=1) for s in stages], axis=1)
        return [float(np.abs(s).mean()) for s in stages]

    def gradient_norms(self, X, y):
        """The Frobenius norm of each layer's weight gradient."""
        _, grads = self.gradients(X, y)
        dWs, i = [], 0
        for k in range(len(self.weights)):
            dWs.append(np.linalg.norm(grads[i]))
            i += 3 if k < len(self.slopes) and self.slopes[k] is not None else 2
        return np.array(dWs)

    def alive_units(self, X):
        """Per hidden layer: does the unit's pre-activation exceed 0 on some row of X?"""
        zs, _ = self._layers(X)
        return [(z > 0).any(axis=0) for z in zs[:-1]]

    def hidden_spread(self, X):
        return [float(self.get_hidden(X, k).std()) for k in range(1, len(self.layer_sizes) - 1)]


class TwoLayerNet(MLP):
    """The article's network with any layer sizes, in NumPy.

    ``seed`` as an int reseeds NumPy's global stream, as the article does;
    a ``np.random.RandomState`` is drawn from instead.
    """

    def __init__(self, activation="relu", seed=0, layer_sizes=(2, 8, 8, 1)):
        if isinstance(seed, np.random.RandomState):
            randn, rng = seed.randn, seed
        else:
            np.random.seed(seed)
            randn, rng = np.random.randn, np.random.mtrand._rand
        self._build(layer_sizes, activation, "sigmoid", "auto", 0.0, randn, rng)

    @classmethod
    def from_params(cls, weights, biases, activation="relu"):
        return super().from_params([p for pair in zip(weights, biases) for p in pair], activation=activation)


def train_together(nets, X, y, *, epochs=800, lr=0.05, batch_size=64, rng=None):
    """The article's loop: each epoch one permutation, shared by every network.

    ``rng`` draws the permutations (NumPy's global stream by default, as in
    the article); each network's epoch loss is the mean of its batch losses,
    appended to its ``loss_history``. Returns each network's new losses.
    """
    permutation = (rng or np.random.mtrand._rand).permutation
    new = [[] for _ in nets]
    for _ in range(epochs):
        idx = permutation(len(X))
        for net, history in zip(nets, new):
            losses = []
            for i in range(0, len(idx), batch_size):
                b = idx[i:i + batch_size]
                losses.append(net.train_step(X[b], y[b], lr))
            history.append(np.mean(losses))
            net.loss_history.append(history[-1])
    return new


# ---- the article's experiment ---------------------------------------------------------

#: Where the article looks for the point of each class deepest in its moon.
FAR_ANCHORS = {0: (-1.2, -0.3), 1: (1.2, 0.3)}


def far_samples(X_train, y_train):
    """The training point of each class farthest from the article's anchor
    (-1.2, -0.3) for class 0 and (1.2, 0.3) for class 1."""
    picks = []
    for label, anchor in FAR_ANCHORS.items():
        members = X_train[y_train == label]
        picks.append(members[np.argmax(np.linalg.norm(members - np.asarray(anchor), axis=1))])
    return picks


def accuracy(net, X, y):
    """The fraction of samples whose output, thresholded at 0.5, equals the label."""
    return float(((net.forward(X) >= 0.5).ravel() == y).mean())


def summarize(nets, X_train, y_train, X_test, y_test):
    """The article's measurements of trained networks (any object with the
    TwoLayerNet interface): test accuracy, the signal trace of the two far
    samples, and the std of every hidden layer on the test set."""
    samples = far_samples(X_train, y_train)
    out = {"far_samples": samples, "test_accuracy": {}, "traces": {}, "hidden_std": {}}
    for name, net in nets.items():
        out["test_accuracy"][name] = accuracy(net, X_test, y_test)
        out["traces"][name] = np.array([net.get_z_trace(s.reshape(1, -1)) for s in samples])
        hidden_layers = len(net.layer_sizes) - 2
        out["hidden_std"][name] = [float(net.get_hidden(X_test, layer=k).std()) for k in range(1, hidden_layers + 1)]
    return out


def run_article(n_samples=400, noise=0.18, data_seed=42, split_seed=42, net_seed=42, epochs=800,
                lr=0.05, batch_size=64, activations=("sigmoid", "relu")):
    """The article's whole run in NumPy, as the article's code does it: each
    constructor reseeds the global stream, and the epoch permutations come
    from where the last one leaves it."""
    X, y = make_moons(n_samples, noise=noise, random_state=data_seed)
    X = standardize(X)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=split_seed)
    nets = {name: TwoLayerNet(name, seed=net_seed) for name in activations}
    train_together(list(nets.values()), X_train, y_train, epochs=epochs, lr=lr, batch_size=batch_size)
    result = {"X": X, "y": y, "X_train": X_train, "X_test": X_test, "y_train": y_train, "y_test": y_test,
              "nets": nets, "loss_history": {k: np.array(n.loss_history) for k, n in nets.items()}}
    result.update(summarize(nets, X_train, y_train, X_test, y_test))
    return result


def sweep(net_seeds=range(64), activations=("sigmoid", "relu"), *, n_samples=400, noise=0.18, data_seed=42,
          split_seed=42, epochs=800, lr=0.05, batch_size=64):
    """``swiftmoons.sweep`` in NumPy, one run after another: for each seed,
    the article's run with every activation (``run_article``)."""
    activations = list(activations)
    losses = np.empty((len(list(net_seeds)), len(activations), epochs))
    accuracy = np.empty(losses.shape[:2])
    for i, seed in enumerate(net_seeds):
        result = run_article(n_samples=n_samples, noise=noise, data_seed=data_seed, split_seed=split_seed,
                             net_seed=seed, epochs=epochs, lr=lr, batch_size=batch_size, activations=activations)
        for j, name in enumerate(activations):
            losses[i, j] = result["loss_history"][name]
            accuracy[i, j] = result["test_accuracy"][name]
    return {"net_seeds": np.array(list(net_seeds)), "activations": activations, "loss_history": losses,
            "test_accuracy": accuracy}


# ---- geometry: what each layer keeps (swiftmoons.geometry, written plainly) ----------

def folds_of(y, folds=5, seed=0, stratify=True):
    """Each class's rows in a seeded random order, dealt to the folds in turn."""
    y = np.asarray(y).ravel()
    rng = np.random.RandomState(seed)
    fold = np.empty(y.size, dtype=np.int64)
    groups = [np.flatnonzero(y == c) for c in np.unique(y)] if stratify else [np.arange(y.size)]
    dealt = 0
    for rows in groups:
        rows = rows[rng.permutation(rows.size)]
        for position, row in enumerate(rows):
            fold[row] = (dealt + position) % folds
        dealt += rows.size
    return fold


def _standardize_by(train, test):
    mean, std = train.mean(axis=0), train.std(axis=0)
    std = np.where(std == 0, 1.0, std)
    return (train - mean) / std, (test - mean) / std


def logistic_fit(X, y, C=1.0, iterations=60):
    """min C * sum log-loss + |w|^2 / 2 by plain Newton steps (no line search)."""
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64).ravel()
    n, d = X.shape
    w, b = np.zeros(d), 0.0
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-(X @ w + b)))
        r = p * (1 - p)
        g = np.r_[C * X.T @ (p - y) + w, C * np.sum(p - y)]
        h = np.zeros((d + 1, d + 1))
        h[:d, :d] = C * (X.T * r) @ X + np.eye(d)
        h[:d, d] = h[d, :d] = C * (X.T @ r)
        h[d, d] = C * r.sum()
        step = np.linalg.solve(h, g)
        w, b = w - step[:d], b - step[d]
    return w, b


def ridge_fit(X, y, alpha=1e-3):
    """min |y - Xw - b|^2 + alpha n |w|^2 as one least-squares problem on stacked rows."""
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64).ravel()
    n, d = X.shape
    A = np.vstack([np.hstack([X, np.ones((n, 1))]), np.hstack([np.sqrt(alpha * n) * np.eye(d), np.zeros((d, 1))])])
    solution = np.linalg.lstsq(A, np.r_[y, np.zeros(d)], rcond=None)[0]
    return solution[:d], solution[d]


def layer_activations(net, X):
    """[X, a_1, ..., a_H] of a reference MLP."""
    _, outs = net._layers(np.asarray(X, dtype=np.float64))
    return [np.asarray(X, dtype=np.float64)] + outs[:-1]


def probe_accuracy(net, X, y, folds=5, C=1.0, seed=0):
    y = np.asarray(y, dtype=np.float64).ravel()
    fold = folds_of(y, folds, seed)
    out = []
    for A in layer_activations(net, X):
        correct = 0
        for f in range(folds):
            train, test = _standardize_by(A[fold != f], A[fold == f])
            w, b = logistic_fit(train, y[fold != f], C)
            correct += np.sum(((test @ w + b) >= 0) == (y[fold == f] == 1))
        out.append(correct / y.size)
    return np.array(out)


def ranks(values):
    """Ranks 1..n with ties given their average rank, by counting."""
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(values, kind="stable")
    out = np.empty(values.size)
    i = 0
    while i < values.size:
        j = i
        while j + 1 < values.size and values[order[j + 1]] == values[order[i]]:
            j += 1
        out[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return out


def spearman(a, b):
    return float(np.corrcoef(ranks(a), ranks(b))[0, 1])


def distance_carried(net, X, target, folds=5, alpha=1e-3, seed=0):
    t = np.asarray(target, dtype=np.float64).ravel()
    fold = folds_of(t, folds, seed, stratify=False)
    r2, rho = [], []
    for A in layer_activations(net, X):
        predicted = np.zeros_like(t)
        for f in range(folds):
            train, test = _standardize_by(A[fold != f], A[fold == f])
            w, b = ridge_fit(train, t[fold != f], alpha)
            predicted[fold == f] = test @ w + b
        r2.append(1 - np.sum((t - predicted) ** 2) / np.sum((t - t.mean()) ** 2))
        rho.append(spearman(predicted, t))
    return {"r2": np.array(r2), "rho": np.array(rho)}


def _logit(net, X):
    zs, _ = net._layers(np.asarray(X, dtype=np.float64))
    z = zs[-1]
    return z[:, 0] if z.shape[1] == 1 else z[:, 1] - z[:, 0]


def boundary_distance(net, X, directions=720, reach=4.0, step=0.004):
    """For each point, the nearest sign change of the logit along ``directions``
    evenly spread rays (stepping ``step`` up to ``reach``, then bisecting)."""
    X = np.asarray(X, dtype=np.float64)
    angles = np.arange(directions) * (2 * np.pi / directions)
    unit = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    radii = np.arange(1, int(reach / step) + 1) * step
    out = np.empty(len(X))
    for i, x in enumerate(X):
        side = _logit(net, x[None]) >= 0
        best = np.inf
        for u in unit:
            points = x + radii[:, None] * u
            flipped = np.flatnonzero((_logit(net, points) >= 0) != side)
            if flipped.size == 0:
                continue
            lo, hi = (radii[flipped[0] - 1] if flipped[0] > 0 else 0.0), radii[flipped[0]]
            for _ in range(40):
                mid = (lo + hi) / 2
                if (_logit(net, (x + mid * u)[None])[0] >= 0) == side:
                    lo = mid
                else:
                    hi = mid
            best = min(best, (lo + hi) / 2)
        out[i] = best if side else -best
    return out


def bayes_log_odds(X, noise, n_samples=None, nodes=200001):
    """log p(x|1) - log p(x|0) + log prior ratio, by the trapezoid rule over the angle."""
    X = np.asarray(X, dtype=np.float64)
    t = np.linspace(0, np.pi, nodes)
    outer = np.stack([np.cos(t), np.sin(t)], axis=1)
    inner = np.stack([1 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    weights = np.full(nodes, 1.0)
    weights[[0, -1]] = 0.5
    prior = 0.0 if n_samples is None else np.log((n_samples - n_samples // 2) / (n_samples // 2))
    out = np.empty(len(X))
    for i, x in enumerate(X):
        e0 = -np.sum((x - outer) ** 2, axis=1) / (2 * noise ** 2)
        e1 = -np.sum((x - inner) ** 2, axis=1) / (2 * noise ** 2)
        shift = max(e0.max(), e1.max())
        out[i] = np.log(np.sum(weights * np.exp(e1 - shift))) - np.log(np.sum(weights * np.exp(e0 - shift))) + prior
    return out


def _derivative_of_layer(net, k, z, a):
    name, alpha = net.activations[k]
    return activation_derivative(name, z, a, net.slopes[k] if name == "prelu" else alpha)


def saturation(net, X, level=0.01):
    """Per layer, the fraction of (sample, unit) pairs with f'(z) < level * max f' (max on a fine grid)."""
    zs, outs = net._layers(np.asarray(X, dtype=np.float64))
    grid = np.linspace(-30, 30, 120001)
    out = [0.0]
    for k in range(len(zs) - 1):
        name, alpha = net.activations[k]
        fprime = np.abs(_derivative_of_layer(net, k, zs[k], outs[k]))
        if name == "prelu":
            top = np.maximum(1.0, np.abs(net.slopes[k]))
        else:
            top = np.abs(activation_derivative(name, grid, activation(name, grid, alpha), alpha)).max()
        out.append(float(np.mean(fprime < level * top)))
    return np.array(out)


def dead_units(net, X):
    zs, outs = net._layers(np.asarray(X, dtype=np.float64))
    hidden = range(len(zs) - 1)
    return {"never_nonzero": [np.all(outs[k] == 0, axis=0) for k in hidden],
            "never_positive": [np.all(zs[k] <= 0, axis=0) for k in hidden],
            "no_gradient": [np.all(_derivative_of_layer(net, k, zs[k], outs[k]) == 0, axis=0) for k in hidden]}


def input_jacobians(net, X):
    """Per sample and layer, d a_k / d x by the chain rule, one sample at a time."""
    X = np.asarray(X, dtype=np.float64)
    zs, outs = net._layers(X)
    d = X.shape[1]
    result = [np.empty((len(X), d, d))] + [np.empty((len(X), z.shape[1], d)) for z in zs[:-1]]
    for i in range(len(X)):
        J = np.eye(d)
        result[0][i] = J
        for k in range(len(zs) - 1):
            J = _derivative_of_layer(net, k, zs[k][i:i + 1], outs[k][i:i + 1]).reshape(-1, 1) * (net.weights[k].T @ J)
            result[k + 1][i] = J
    return result


def linear_cka(A, B):
    """Linear CKA as the normalized HSIC of the linear kernels A A^T and B B^T."""
    A, B = np.asarray(A, dtype=np.float64), np.asarray(B, dtype=np.float64)
    n = len(A)
    H = np.eye(n) - 1.0 / n
    K, L = H @ A @ A.T @ H, H @ B @ B.T @ H
    return float(np.sum(K * L) / np.sqrt(np.sum(K * K) * np.sum(L * L)))


def distance_rank_correlation(A, B):
    """Spearman correlation of all pairwise distances, exactly."""
    A, B = np.asarray(A, dtype=np.float64), np.asarray(B, dtype=np.float64)
    i, j = np.triu_indices(len(A), k=1)
    return spearman(np.linalg.norm(A[i] - A[j], axis=1), np.linalg.norm(B[i] - B[j], axis=1))


# ---- Convolutional networks ------------------------------------------------------------
#
# swiftmoons.layers' networks in plain NumPy: batches are (N, C, H, W) float64
# (vectors (N, D)); each layer's forward rule sits next to its backward rule.


def _windows(x, size, stride):
    """(N, C, Ho, Wo, size, size): every size x size window of x, stepping by stride (a view)."""
    return sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]


def conv2d(x, w, b, stride=1, padding=0):
    """Cross-correlation of x (N, C, H, W) with w (O, C, k, k), plus b (O,): (N, O, Ho, Wo)."""
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    return np.einsum("nchwij,ocij->nohw", _windows(xp, w.shape[2], stride), w) + b[None, :, None, None]


def conv2d_backward(dout, x, w, stride=1, padding=0):
    """(dx, dw, db) of `conv2d` given dout = dLoss/d(output)."""
    k = w.shape[2]
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    ho, wo = dout.shape[2], dout.shape[3]
    dw = np.einsum("nohw,nchwij->ocij", dout, _windows(xp, k, stride))
    db = dout.sum(axis=(0, 2, 3))
    dxp = np.zeros_like(xp)
    # Kernel tap (i, j) saw the input pixels (i + stride * r, j + stride * c).
    for i in range(k):
        for j in range(k):
            dxp[:, :, i:i + stride * ho:stride, j:j + stride * wo:stride] += np.einsum("nohw,oc->nchw", dout, w[:, :, i, j])
    return dxp[:, :, padding:padding + x.shape[2], padding:padding + x.shape[3]], dw, db


def max_pool2d(x, size=2, stride=None):
    """The maximum of each size x size window (no padding)."""
    stride = size if stride is None else stride
    return _windows(x, size, stride).max(axis=(4, 5))


def max_pool2d_backward(dout, x, size=2, stride=None):
    """dx of `max_pool2d`: each window's gradient goes to its first maximum in
    row-major window order (as PyTorch's CPU kernel, which keeps a value only
    if it is strictly greater); overlapping windows add up."""
    stride = size if stride is None else stride
    n, c, ho, wo = dout.shape
    first = _windows(x, size, stride).reshape(n, c, ho, wo, size * size).argmax(axis=4)  # argmax: first maximum
    di, dj = np.divmod(first, size)
    rows = np.arange(ho)[:, None] * stride + di
    cols = np.arange(wo)[None, :] * stride + dj
    dx = np.zeros_like(x)
    ni, ci = np.arange(n)[:, None, None, None], np.arange(c)[None, :, None, None]
    np.add.at(dx, (ni, ci, rows, cols), dout)  # add.at: two windows can share a maximum
    return dx


def avg_pool2d(x, size=2, stride=None):
    """The sum of each size x size window over size * size (no padding)."""
    stride = size if stride is None else stride
    return _windows(x, size, stride).sum(axis=(4, 5)) / (size * size)


def avg_pool2d_backward(dout, x, size=2, stride=None):
    """dx of `avg_pool2d`: each window spreads dout / size**2 over its pixels."""
    stride = size if stride is None else stride
    ho, wo = dout.shape[2], dout.shape[3]
    dx = np.zeros_like(x)
    share = dout / (size * size)
    for i in range(size):
        for j in range(size):
            dx[:, :, i:i + stride * ho:stride, j:j + stride * wo:stride] += share
    return dx


def dense(x, w, b):
    """x (N, in) @ w (in, out) + b (out,)."""
    return x @ w + b


def dense_backward(dout, x, w):
    """(dx, dw, db) of `dense`."""
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)


def dropout_mask(rng, shape, rate):
    """Inverted dropout's mask over a whole batch: kept values scaled by 1 / (1 - rate), from one random_sample call."""
    return (rng.random_sample(shape) >= rate) / (1 - rate)


def softmax_cross_entropy(z, y):
    """(mean over rows of logsumexp(z) - z[y], its gradient (softmax(z) - onehot(y)) / N)."""
    n = z.shape[0]
    y = np.asarray(y).astype(np.int64).ravel()
    m = z.max(axis=1, keepdims=True)
    e = np.exp(z - m)
    lse = np.log(e.sum(axis=1, keepdims=True))
    loss = np.mean(lse[:, 0] - (z[np.arange(n), y] - m[:, 0]))
    dz = e / e.sum(axis=1, keepdims=True)
    dz[np.arange(n), y] -= 1
    return loss, dz / n


def _slope_shape(ndim):
    """PReLU's slopes broadcast over a batch: one per channel (N, C, H, W) or per unit (N, D)."""
    return (1, -1, 1, 1) if ndim == 4 else (1, -1)


class CNN:
    """A `swiftmoons.layers` network in NumPy: the spec's reference.

    ``params`` is the flat parameter vector (`swiftmoons.layers.parameter_layout`),
    drawn as `swiftmoons.layers.initial_parameters` draws it; ``rng``, the
    RandomState(seed) that drew it, goes on to draw each epoch's permutation.
    ``dropout_rng`` = RandomState(dropout_seed, default (seed + 1) mod 2**32) draws the
    dropout masks: in each training forward pass, one per Dropout layer, in
    order, over the whole batch.
    """

    def __init__(self, input_shape, layers, seed=0, init="glorot_uniform", dropout_seed=None):
        self.input_shape = tuple(input_shape)
        self.layers = _layers.check_network(input_shape, layers)
        self.shapes = _layers.output_shapes(input_shape, self.layers)
        self.layout = _layers.parameter_layout(input_shape, self.layers)
        self.rng = np.random.RandomState(seed)
        self.params = np.zeros(sum(block.size for block in self.layout))
        for block in self.layout:
            if block.name == "weight":
                fan_in, fan_out = _layers.fans(block)
                if init == "glorot_uniform":
                    limit = np.sqrt(6 / (fan_in + fan_out))
                    values = self.rng.uniform(-limit, limit, size=block.shape)
                elif init == "he":
                    values = self.rng.standard_normal(block.shape) * np.sqrt(2 / fan_in)
                elif init == "xavier":
                    values = self.rng.standard_normal(block.shape) * np.sqrt(1 / fan_in)
                else:
                    raise ValueError(f"Unknown init {init!r}")
                self.params[block.offset:block.stop] = values.ravel()
            elif block.name == "slope":
                self.params[block.offset:block.stop] = self.layers[block.layer].alpha
        self.dropout_rng = np.random.RandomState((seed + 1) % 2**32 if dropout_seed is None else dropout_seed)

    def __repr__(self):
        return f"CNN({self.input_shape}, {list(self.layers)})"

    def views(self, flat=None):
        """{(layer, name): array view of ``flat`` (default ``params``) in its block's shape}."""
        flat = self.params if flat is None else flat
        return {(b.layer, b.name): flat[b.offset:b.stop].reshape(b.shape) for b in self.layout}

    def forward(self, X, training=False, masks=None):
        """The logits (N, classes). Keeps each layer's input and output for `backward`;
        in training, Dropout layers use ``masks`` (one per Dropout layer) or draw them."""
        a = np.asarray(X, dtype=np.float64).reshape((-1,) + self.input_shape)
        p = self.views()
        masks = None if masks is None else list(masks)
        inputs, outputs, used = [], [], []
        for i, layer in enumerate(self.layers):
            inputs.append(a)
            if isinstance(layer, _layers.Conv2D):
                a = conv2d(a, p[i, "weight"], p[i, "bias"], layer.stride, layer.padding)
            elif isinstance(layer, _layers.MaxPool2D):
                a = max_pool2d(a, layer.size, layer.stride)
            elif isinstance(layer, _layers.AvgPool2D):
                a = avg_pool2d(a, layer.size, layer.stride)
            elif isinstance(layer, _layers.Flatten):
                a = a.reshape(len(a), -1)
            elif isinstance(layer, _layers.Dense):
                a = dense(a, p[i, "weight"], p[i, "bias"])
            elif isinstance(layer, _layers.Dropout):
                if training:
                    mask = masks.pop(0) if masks is not None else dropout_mask(self.dropout_rng, a.shape, layer.rate)
                    used.append(mask)
                    a = a * mask
            else:  # Activation
                alpha = p[i, "slope"].reshape(_slope_shape(a.ndim)) if layer.name == "prelu" else layer.alpha
                a = activation(layer.name, a, alpha)
            outputs.append(a)
        self.cache = (inputs, outputs, used if training else [])
        return a

    def predict_proba(self, X):
        """Softmax of the logits, evaluation mode (no dropout)."""
        z = self.forward(X)
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def loss(self, X, y):
        """The mean cross-entropy, evaluation mode."""
        return softmax_cross_entropy(self.forward(X), y)[0]

    def evaluate(self, X, y):
        """(mean cross-entropy, accuracy: the fraction whose logits' argmax is their class), evaluation mode."""
        z = self.forward(X)
        y = np.asarray(y).astype(np.int64).ravel()
        return softmax_cross_entropy(z, y)[0], float(np.mean(np.argmax(z, axis=1) == y))

    def backward(self, dz):
        """The flat gradient of the parameters given dLoss/d(logits), from the last `forward`."""
        inputs, outputs, masks = self.cache
        p = self.views()
        grad = np.zeros_like(self.params)
        g = self.views(grad)
        mask_index = len(masks)
        d = dz
        for i in range(len(self.layers) - 1, -1, -1):
            layer, x, out = self.layers[i], inputs[i], outputs[i]
            if isinstance(layer, _layers.Conv2D):
                d, g[i, "weight"][...], g[i, "bias"][...] = conv2d_backward(d, x, p[i, "weight"], layer.stride,
                                                                            layer.padding)
            elif isinstance(layer, _layers.MaxPool2D):
                d = max_pool2d_backward(d, x, layer.size, layer.stride)
            elif isinstance(layer, _layers.AvgPool2D):
                d = avg_pool2d_backward(d, x, layer.size, layer.stride)
            elif isinstance(layer, _layers.Flatten):
                d = d.reshape(x.shape)
            elif isinstance(layer, _layers.Dense):
                d, g[i, "weight"][...], g[i, "bias"][...] = dense_backward(d, x, p[i, "weight"])
            elif isinstance(layer, _layers.Dropout):
                if masks:
                    mask_index -= 1
                    d = d * masks[mask_index]
            else:  # Activation
                alpha = layer.alpha
                if layer.name == "prelu":
                    alpha = p[i, "slope"].reshape(_slope_shape(x.ndim))
                    # d out / d slope = z where z <= 0: summed over the batch and positions, per channel.
                    axes = (0, 2, 3) if x.ndim == 4 else (0,)
                    g[i, "slope"][...] = (d * np.where(x > 0, 0.0, x)).sum(axis=axes)
                d = d * activation_derivative(layer.name, x, out, alpha)
        return grad

    def gradients(self, X, y, masks=None):
        """(loss, flat gradient) of a training pass; ``masks`` fixes the dropout masks."""
        loss, dz = softmax_cross_entropy(self.forward(X, training=True, masks=masks), y)
        return loss, self.backward(dz)

    def fit(self, X, y, epochs, lr=0.01, batch_size=32, optimizer="sgd", momentum=0.9, nesterov=False,
            beta1=0.9, beta2=0.999, epsilon=1e-8, shuffle=True, validation_data=None):
        """Minibatch training with scikit-learn's optimizers (as Optimizers.swift, operation for
        operation; fresh optimizer state per call, no L2 term). Each epoch draws perm = rng.permutation(n)
        (or keeps 0..n-1 without shuffle); batches are perm[i:i + batch_size] in order.
        Returns per-epoch lists: "loss" (mean training loss, batch loss times rows, over n) and
        "accuracy" (the fraction of samples whose logits' argmax was their class as their batch was
        trained) and, with validation_data = (X_val, y_val), "val_loss" and "val_accuracy" after
        each epoch (evaluation mode)."""
        X = np.asarray(X, dtype=np.float64).reshape((-1,) + self.input_shape)
        y = np.asarray(y).astype(np.int64).ravel()
        n = len(X)
        first = np.zeros_like(self.params)   # SGD's velocities or Adam's first moments
        second = np.zeros_like(self.params)  # Adam's second moments
        t = 0
        history = {"loss": [], "accuracy": []}
        if validation_data is not None:
            history.update(val_loss=[], val_accuracy=[])
        for _ in range(epochs):
            perm = self.rng.permutation(n) if shuffle else np.arange(n)
            total, correct = 0.0, 0
            for start in range(0, n, batch_size):
                batch = perm[start:start + batch_size]
                z = self.forward(X[batch], training=True)
                correct += int(np.sum(np.argmax(z, axis=1) == y[batch]))
                loss, dz = softmax_cross_entropy(z, y[batch])
                grad = self.backward(dz)
                total += loss * len(batch)
                p = self.params
                if optimizer == "sgd":
                    u = momentum * first - lr * grad
                    first = u
                    if nesterov:
                        u = momentum * first - lr * grad
                    p += u
                elif optimizer == "adam":
                    t += 1
                    first = beta1 * first + (1 - beta1) * grad
                    second = beta2 * second + (1 - beta2) * (grad * grad)
                    lr_t = lr * np.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
                    p += -lr_t * first / (np.sqrt(second) + epsilon)
                else:
                    raise ValueError(f"Unknown optimizer {optimizer!r}")
            history["loss"].append(total / n)
            history["accuracy"].append(correct / n)
            if validation_data is not None:
                val_loss, val_accuracy = self.evaluate(*validation_data)
                history["val_loss"].append(val_loss)
                history["val_accuracy"].append(val_accuracy)
        return history
