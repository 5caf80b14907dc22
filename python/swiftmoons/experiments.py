"""`swiftmoons.experiments`: the lessons' claims, measured.

Each function runs one experiment in Swift and returns plain data (dicts of
NumPy arrays) that `swiftmoons.plot` draws:

- :func:`activation_curves`: five activations and their derivatives (seed 002);
- :func:`vanishing_gradients`: per-layer gradient norms of deep sigmoid and
  ReLU networks next to the 0.25-per-layer bound (seed 002);
- :func:`dead_relu`: ReLU vs Leaky ReLU units alive under a cold bias (seed 002's exercise);
- :func:`depth_sweep`: accuracy and loss against depth per activation (seed 001);
- :func:`digits_comparison`: training time and accuracy of sigmoid vs ReLU on
  scikit-learn's 8x8 digits (seed 004's comparison, on data that ships locally).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from . import activations as _activations
from .data import make_moons, standardize, train_test_split
from .network import MLP
from ._convert import INT32, as_float_array, as_int, as_real, as_sequence
from .random import RandomState, seed_value
from .training import progress_bar, train_together


def _label(spec) -> str:
    name, alpha = _activations.parse(spec)
    return name if alpha is None else f"{name}({alpha:g})"


def activation_curves(names=_activations.LESSON_FIVE, x=None) -> dict:
    """Values and derivatives of activations on a grid.

    Returns
    -------
    dict
        ``x`` (the grid, default 801 points on [-5, 5]) and, per name, a dict
        with ``value`` and ``derivative`` arrays.
    """
    x = np.linspace(-5, 5, 801) if x is None else as_float_array(x, "x")
    curves = {"x": x}
    for spec in as_sequence(names, "names"):
        name, alpha = _activations.parse(spec)
        params: dict[str, Any] = {} if alpha is None else {"alpha": alpha}
        curves[_label(spec)] = {
            "value": _activations.evaluate(name, x, **params),
            "derivative": _activations.evaluate(name, x, derivative=True, **params),
        }
    return curves


def _moons(n_samples=400, noise=0.18, data_seed=42, split_seed=42):
    X, y = make_moons(n_samples, noise=noise, random_state=data_seed)
    return train_test_split(standardize(X), y, test_size=0.25, random_state=split_seed)


def vanishing_gradients(depth=20, width=16, activations=("sigmoid", "relu"), batch_size=64, seed=0) -> dict:
    """The norm of the loss gradient for each layer's weights in deep networks.

    Networks of ``depth`` hidden layers of ``width`` units ("auto" init) see one
    batch of the article's moons; nothing is trained.

    Returns
    -------
    dict
        ``layers`` (1 .. depth + 1), ``bound`` (0.25 ** (depth + 1 - layer):
        sigmoid's derivative is at most 0.25 per layer between a weight and
        the output) and, per activation, the measured ``norms``.
    """
    depth, width = as_int(depth, "depth", 0, 1022), as_int(width, "width", 1, INT32[1])
    batch_size, seed = as_int(batch_size, "batch_size", 1), seed_value(seed)
    activations = as_sequence(activations, "activations")
    X_train, _, y_train, _ = _moons()
    X, y = X_train[:batch_size], y_train[:batch_size]
    sizes = (2,) + (width,) * depth + (1,)
    layers = np.arange(1, depth + 2)
    out = {"layers": layers, "bound": 0.25 ** (depth + 1 - layers), "depth": depth, "norms": {}}
    for spec in activations:
        with MLP(sizes, activation=spec, seed=seed) as net:
            out["norms"][_label(spec)] = net.gradient_norms(X, y)
    return out


def dead_relu(units=128, bias=-3.0, input_std=0.1, batch_size=64, steps=200, features=8,
              activations=("relu", ("leaky_relu", 0.1)), lr=5.0, seed=0) -> dict:
    """Seed 002's exercise: a cold bias kills ReLU units; Leaky ReLU brings them back.

    One hidden layer of ``units`` units whose biases all start at ``bias``
    (as does the output's), one batch of ``batch_size`` inputs of std
    ``input_std`` (``features`` wide), labels ``x_0 > 0``, and ``steps`` SGD
    steps on that batch. A unit is alive when its pre-activation is positive
    on at least one example. Inputs this small give small gradients, hence
    the large default learning rate.

    Returns
    -------
    dict
        ``steps`` (0 .. steps) and, per activation, ``alive`` (the count
        before each step and after the last), ``loss`` (per step) and
        ``accuracy`` (on the batch, after training).
    """
    units, features = as_int(units, "units", 1, INT32[1]), as_int(features, "features", 1, INT32[1])
    batch_size, steps = as_int(batch_size, "batch_size", 1, INT32[1]), as_int(steps, "steps", 0)
    bias, input_std, lr = as_real(bias, "bias"), as_real(input_std, "input_std"), as_real(lr, "lr")
    activations = as_sequence(activations, "activations")
    rng = RandomState(seed)
    X = rng.randn(batch_size, features) * input_std
    y = (X[:, 0] > 0).astype(float)
    out = {"steps": np.arange(steps + 1), "units": units, "alive": {}, "loss": {}, "accuracy": {}}
    for spec in activations:
        with MLP((features, units, 1), activation=spec, bias_init=bias, seed=seed) as net:
            alive, losses = [int(net.alive_units(X)[0].sum())], []
            for _ in range(steps):
                losses.append(net.train_step(X, y, lr))
                alive.append(int(net.alive_units(X)[0].sum()))
            out["accuracy"][_label(spec)] = net.evaluate(X, y)[1]
        out["alive"][_label(spec)] = np.array(alive)
        out["loss"][_label(spec)] = np.array(losses)
    return out


def depth_sweep(depths=(1, 2, 3, 4, 6, 8), activations=("sigmoid", "tanh", "relu", "gelu"), width=8,
                epochs=400, lr=0.05, batch_size=64, seed=42, progress=False) -> dict:
    """Test accuracy and final training loss on the article's moons, by depth and activation.

    ``progress=True`` shows a bar of the networks trained; Ctrl-C stops the
    sweep within a mini-batch.

    Returns
    -------
    dict
        ``depths`` and, per activation, arrays ``accuracy`` and ``loss``.
    """
    depths = [as_int(d, "depths", 0, 1022) for d in as_sequence(depths, "depths")]
    activations = as_sequence(activations, "activations")
    width = as_int(width, "width", 1, INT32[1])
    X_train, X_test, y_train, y_test = _moons()
    out: dict = {"depths": np.array(depths), "accuracy": {}, "loss": {}}
    bar = progress_bar(len(depths) * len(activations), "networks") if progress else None
    try:
        for spec in activations:
            accuracy, loss = [], []
            for depth in depths:
                with MLP((2,) + (width,) * depth + (1,), activation=spec, seed=seed) as net:
                    history = net.fit(X_train, y_train, epochs=epochs, lr=lr, batch_size=batch_size, rng=seed)
                    loss.append(history[-1])
                    accuracy.append(net.evaluate(X_test, y_test)[1])
                if bar is not None:
                    bar.update(1)
            out["accuracy"][_label(spec)] = np.array(accuracy)
            out["loss"][_label(spec)] = np.array(loss)
    finally:
        if bar is not None:
            bar.close()
    return out


def load_digits_data(seed=0):
    """scikit-learn's 8x8 digits (pixels scaled to [0, 1]) split 75/25 with ``seed``."""
    try:
        from sklearn.datasets import load_digits  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("digits_comparison needs scikit-learn, whose digits ship with it: "
                          "pip install scikit-learn") from exc
    digits = load_digits()
    return train_test_split(digits.data / 16.0, digits.target, test_size=0.25, random_state=seed)


def digits_comparison(activations=("sigmoid", "relu"), hidden=(64, 64), epochs=30, lr=0.1, batch_size=32,
                      seed=0, progress=False) -> dict:
    """Seed 004's comparison on a real image data set: the 8x8 digits, softmax over 10 classes.

    Every network has the same shape, seed and batches; only the activation
    differs. Each run is one native call, timed.

    Returns
    -------
    dict
        Per activation: ``seconds`` (training time), ``accuracy`` (test),
        ``loss_history``.
    """
    hidden = tuple(as_int(h, "hidden", 1, INT32[1]) for h in as_sequence(hidden, "hidden"))
    activations = as_sequence(activations, "activations")
    X_train, X_test, y_train, y_test = load_digits_data(seed_value(seed))
    out = {"seconds": {}, "accuracy": {}, "loss_history": {}, "epochs": epochs}
    for spec in activations:
        with MLP((64,) + tuple(hidden) + (10,), activation=spec, output="softmax", seed=seed) as net:
            start = time.perf_counter()
            history = net.fit(X_train, y_train, epochs=epochs, lr=lr, batch_size=batch_size, rng=seed,
                              progress=progress)
            out["seconds"][_label(spec)] = time.perf_counter() - start
            out["accuracy"][_label(spec)] = net.evaluate(X_test, y_test)[1]
            out["loss_history"][_label(spec)] = np.array(history)
    return out


__all__ = ["activation_curves", "dead_relu", "depth_sweep", "digits_comparison", "load_digits_data",
           "train_together", "vanishing_gradients"]
