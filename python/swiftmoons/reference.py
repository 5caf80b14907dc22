"""The same interface in plain NumPy: the code our numbers are checked against.

Written for clarity, following the article's math and random calls step by
step: data as scikit-learn makes it, the network as the article builds and
trains it. Like the article, :class:`TwoLayerNet` reseeds NumPy's *global*
random stream (``np.random.seed``) when given an int seed.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

ACTIVATIONS = ("sigmoid", "relu")


# ---- activations and loss ---------------------------------------------------

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

    if shuffle:
        order = np.arange(n_out + n_in)
        rng.shuffle(order)
        X, y = X[order], y[order]
    if noise is not None:
        X += rng.normal(scale=noise, size=X.shape)
    return X, y


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

class TwoLayerNet:
    """The article's network with any layer sizes, in NumPy.

    ``seed`` as an int reseeds NumPy's global stream, as the article does;
    a ``np.random.RandomState`` is drawn from instead.
    """

    def __init__(self, activation="relu", seed=0, layer_sizes=(2, 8, 8, 1)):
        if activation not in ACTIVATIONS:
            raise ValueError(f"Unknown activation {activation!r}; valid activations are {ACTIVATIONS}")
        if isinstance(seed, np.random.RandomState):
            draw = seed.randn
        else:
            np.random.seed(seed)
            draw = np.random.randn
        self.act_name = self.activation = activation
        self.layer_sizes = tuple(int(s) for s in layer_sizes)
        self.act = relu if activation == "relu" else sigmoid
        self.dact = relu_derivative if activation == "relu" else sigmoid_derivative

        # He initialization for ReLU, Xavier for sigmoid.
        def scale(fan_in):
            return np.sqrt(2 / fan_in) if activation == "relu" else np.sqrt(1 / fan_in)

        self.weights, self.biases = [], []
        for fan_in, fan_out in zip(self.layer_sizes[:-1], self.layer_sizes[1:]):
            self.weights.append(draw(fan_in, fan_out) * scale(fan_in))
            self.biases.append(np.zeros((1, fan_out)))
        self.loss_history = []

    @classmethod
    def from_params(cls, weights, biases, activation="relu"):
        net = cls.__new__(cls)
        net.act_name = net.activation = activation
        net.act = relu if activation == "relu" else sigmoid
        net.dact = relu_derivative if activation == "relu" else sigmoid_derivative
        net.weights = [np.array(w, dtype=np.float64) for w in weights]
        net.biases = [np.array(b, dtype=np.float64).reshape(1, -1) for b in biases]
        net.layer_sizes = (net.weights[0].shape[0],) + tuple(w.shape[1] for w in net.weights)
        net.loss_history = []
        return net

    # The article's attribute names.
    def __getattr__(self, name):
        if len(name) >= 2 and name[0] in "Wb" and name[1:].isdigit():
            k = int(name[1:])
            group = self.__dict__["weights" if name[0] == "W" else "biases"]
            if 1 <= k <= len(group):
                return group[k - 1]
        raise AttributeError(name)

    def get_params(self):
        return [p for pair in zip(self.weights, self.biases) for p in pair]

    def _layers(self, X):
        """Every layer's (z, a); the last a is the sigmoid output."""
        zs, activations = [], []
        a = X
        last = len(self.weights) - 1
        for k, (W, b) in enumerate(zip(self.weights, self.biases)):
            z = a @ W + b
            a = sigmoid(z) if k == last else self.act(z)
            zs.append(z)
            activations.append(a)
        return zs, activations

    def forward(self, X, store=False):
        zs, activations = self._layers(X)
        if store:
            self._cache = (X, zs, activations)
        return activations[-1]

    def backward(self, lr=0.05):
        X, zs, activations = self._cache
        n = X.shape[0]
        # Sigmoid output with BCE: dLoss/dz of the output is (out - y) / n.
        dz = (activations[-1] - self.y_cache) / n
        grads = []
        for k in range(len(self.weights) - 1, -1, -1):
            a_below = X if k == 0 else activations[k - 1]
            dW = a_below.T @ dz
            db = dz.sum(axis=0, keepdims=True)
            grads.append((k, dW, db))
            if k > 0:
                da = dz @ self.weights[k].T
                # ReLU's derivative is a step in z; sigmoid's is a(1 - a).
                local = self.dact(zs[k - 1]) if self.act_name == "relu" else self.dact(activations[k - 1])
                dz = da * local
        for k, dW, db in grads:
            self.weights[k] -= lr * dW
            self.biases[k] -= lr * db

    def train_step(self, X, y, lr=0.05):
        self.y_cache = np.asarray(y, dtype=np.float64).reshape(-1, self.layer_sizes[-1])
        out = self.forward(X, store=True)
        loss = bce(self.y_cache, out)
        self.backward(lr)
        return loss

    def fit(self, X, y, epochs=800, lr=0.05, batch_size=64, rng=None):
        """The article's loop for this network alone; returns the new epoch losses."""
        return train_together([self], X, y, epochs=epochs, lr=lr, batch_size=batch_size, rng=rng)[0]

    def get_hidden(self, X, layer=1):
        zs, activations = self._layers(X)
        return activations[layer - 1]

    def get_z_trace(self, x, per_sample=False):
        """Mean |z1|, |a1|, ..., |zL| (over everything, or per sample)."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim == 1:
            x = x.reshape(1, -1)
        zs, activations = self._layers(x)
        stages = []
        for z, a in zip(zs[:-1], activations[:-1]):
            stages += [z, a]
        stages.append(zs[-1])
        if per_sample:
            return np.stack([np.abs(s).mean(axis=1) for s in stages], axis=1)
        return [float(np.abs(s).mean()) for s in stages]


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
