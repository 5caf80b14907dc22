"""`swiftmoons.experiments`: the lessons' claims, measured.

Each function runs one experiment in Swift and returns plain data (dicts of
NumPy arrays) that `swiftmoons.plot` draws:

- :func:`activation_curves`: five activations and their derivatives (seed 002);
- :func:`vanishing_gradients`: per-layer gradient norms of deep sigmoid and
  ReLU networks next to the 0.25-per-layer bound (seed 002);
- :func:`dead_relu`: ReLU vs Leaky ReLU units alive under a cold bias, step by
  step, by three definitions of "dead" (seed 002's exercise), and
  :func:`dead_relu_recovery`: how many come back, against the learning rate;
- :func:`depth_sweep`: accuracy and loss against depth per activation (seed 001);
- :func:`loss_bands`: the median and a quantile band of the loss curves of
  :func:`swiftmoons.sweep` over many network seeds;
- :func:`training_snapshots`: the article's run with every network's
  parameters recorded along training, for the decision boundary over epochs;
- :func:`digits_comparison`: training time and accuracy of sigmoid vs ReLU on
  scikit-learn's 8x8 digits (seed 004's comparison, on data that ships locally),
  with :func:`load_digits_data` for the data.

Results are keyed by activation label: the name, or ``"name(alpha)"`` for a
(name, alpha) pair such as ``("leaky_relu", 0.1)``.

>>> from swiftmoons import experiments
>>> experiments.activation_curves(["sigmoid"], x=[0.0])["sigmoid"]["derivative"].tolist()
[0.25]
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from . import activations as _activations
from .data import load_digit_images, make_moons, standardize, train_test_split
from .network import MLP
from ._convert import INT32, as_float_array, as_int, as_real, as_sequence
from .random import RandomState, seed_value
from .training import progress_bar, train_together


def _label(spec) -> str:
    name, alpha = _activations.parse(spec)
    return name if alpha is None else f"{name}({alpha:g})"


def activation_curves(names=_activations.LESSON_FIVE, x=None) -> dict:
    """Values and derivatives of activations on a grid, computed in Swift.

    Parameters
    ----------
    names : sequence of str or (str, float)
        The activations, as names or (name, alpha) pairs; default the
        lesson's five: sigmoid, tanh, relu, leaky_relu (alpha 0.01) and gelu.
    x : array-like of any shape, optional
        Where to evaluate them; default 801 points evenly spaced on [-5, 5].

    Returns
    -------
    dict
        ``x``: the grid as a float64 array; and for each activation, under
        its label, a dict with ``value`` (f(x)) and ``derivative`` (f'(x)),
        float64 arrays of x's shape. At 0, relu's derivative is taken as 0
        and leaky_relu's as alpha.

    Raises
    ------
    TypeError
        If ``names`` is a single string or not a sequence, or ``x`` is not numeric.
    ValueError
        For an unknown activation or a bad parameter.

    Examples
    --------
    >>> curves = activation_curves(["sigmoid", "relu", ("leaky_relu", 0.1)], x=[-2.0, 0.0, 2.0])
    >>> list(curves)
    ['x', 'sigmoid', 'relu', 'leaky_relu(0.1)']
    >>> curves["sigmoid"]["derivative"].round(4).tolist()
    [0.105, 0.25, 0.105]
    >>> curves["leaky_relu(0.1)"]["value"].tolist(), curves["leaky_relu(0.1)"]["derivative"].tolist()
    ([-0.2, 0.0, 2.0], [0.1, 0.1, 1.0])
    >>> activation_curves()["x"].shape
    (801,)
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

    For each activation, a network 2 -> ``depth`` hidden layers of ``width``
    units -> 1 (sigmoid output, "auto" init: Xavier for sigmoid and tanh, He
    for the others, zero biases, weights from ``seed``) computes the
    gradient of its binary cross-entropy on one batch: the first
    ``batch_size`` points of the article's training split (make_moons(400,
    noise=0.18, random_state=42), standardized, split with random_state=42:
    300 points, so ``batch_size`` is at most 300). Nothing is trained. Each
    layer's number is the Frobenius norm of dLoss/dW for that layer's
    weight matrix.

    Parameters
    ----------
    depth : int
        Hidden layers, 0..1022.
    width : int
        Units per hidden layer, at least 1.
    activations : sequence of str or (str, float)
        The hidden activations, one network each.
    batch_size : int
        Rows of the batch, 1..300 (the training split's size).
    seed : int
        Seed of every network's weights, 0..2**32 - 1.

    Returns
    -------
    dict
        ``depth``, ``width``, ``batch_size``, ``seed``: the settings;
        ``layers``: int array 1 .. depth + 1 (1 is the input side, depth + 1
        the output layer's weights); ``bound``: float64 array
        ``0.25 ** (depth + 1 - layer)``: sigmoid's derivative is at most
        0.25, so between a layer's weights and the output the derivative
        factors alone (weights aside) scale the gradient by at most this,
        relative to the output layer's; ``norms``: a dict from activation
        label to a float64 array of shape (depth + 1,), the gradient norm
        per layer.

    Raises
    ------
    TypeError, ValueError
        For a size or seed that is not an integer in range (``batch_size``
        above 300 included: the batch is never silently smaller than asked),
        a single string as ``activations``, or an unknown activation.

    Examples
    --------
    >>> result = vanishing_gradients(depth=10)
    >>> result["layers"].tolist()
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    >>> {name: f"{norms[0]:.1e} .. {norms[-1]:.1e}" for name, norms in result["norms"].items()}
    {'sigmoid': '2.1e-07 .. 6.6e-02', 'relu': '2.1e-02 .. 6.0e-02'}
    >>> float(result["bound"][0])       # 0.25 ** 10
    9.5367431640625e-07
    >>> vanishing_gradients(batch_size=500)
    Traceback (most recent call last):
    ...
    ValueError: batch_size must be in 1..300, got 500
    """
    depth, width = as_int(depth, "depth", 0, 1022), as_int(width, "width", 1, INT32[1])
    X_train, _, y_train, _ = _moons()
    batch_size, seed = as_int(batch_size, "batch_size", 1, len(X_train)), seed_value(seed)
    activations = as_sequence(activations, "activations")
    X, y = X_train[:batch_size], y_train[:batch_size]
    sizes = (2,) + (width,) * depth + (1,)
    layers = np.arange(1, depth + 2)
    out = {"depth": depth, "width": width, "batch_size": batch_size, "seed": seed, "layers": layers,
           "bound": 0.25 ** (depth + 1 - layers), "norms": {}}
    for spec in activations:
        with MLP(sizes, activation=spec, seed=seed) as net:
            out["norms"][_label(spec)] = net.gradient_norms(X, y)
    return out


#: The three definitions of a dead unit that :func:`dead_relu` and
#: :func:`dead_relu_recovery` count, as :func:`swiftmoons.geometry.dead_units` names them.
DEAD_DEFINITIONS = ("never_nonzero", "never_positive", "no_gradient")


def _cold_bias_setup(units, bias, input_std, batch_size, features, lr, seed, activations):
    """Checked settings and the one batch of the cold-bias experiments."""
    units, features = as_int(units, "units", 1, INT32[1]), as_int(features, "features", 1, INT32[1])
    batch_size = as_int(batch_size, "batch_size", 1, INT32[1])
    bias, input_std, lr = as_real(bias, "bias"), as_real(input_std, "input_std"), as_real(lr, "lr")
    if not (np.isfinite(input_std) and input_std >= 0):
        raise ValueError(f"input_std must be finite and >= 0, got {input_std}")
    seed = seed_value(seed)
    activations = as_sequence(activations, "activations")
    rng = RandomState(seed)
    X = rng.randn(batch_size, features) * input_std
    y = (X[:, 0] > 0).astype(float)
    settings = {"units": units, "bias": bias, "input_std": input_std, "batch_size": batch_size,
                "features": features, "seed": seed}
    return settings, activations, X, y


def _dead_counts(net, X, units: bool = False):
    """How many hidden units are dead on X by each of DEAD_DEFINITIONS (and, if asked, which get gradient)."""
    from .geometry import dead_units
    dead = dead_units(net, X)
    counts = {name: int(dead[name][0].sum()) for name in DEAD_DEFINITIONS}
    return (counts, ~dead["no_gradient"][0]) if units else counts


def dead_relu(units=128, bias=-3.0, input_std=0.1, batch_size=64, steps=200, features=8,
              activations=("relu", ("leaky_relu", 0.1)), lr=5.0, seed=0) -> dict:
    """Seed 002's exercise: a cold bias kills ReLU units; do Leaky ReLU units come back?

    One hidden layer of ``units`` units whose biases all start at ``bias``
    (as does the output's), one batch of ``batch_size`` inputs of std
    ``input_std`` (``features`` wide), labels ``x_0 > 0``, and ``steps`` SGD
    steps on that batch (binary cross-entropy, sigmoid output). Before each
    step and after the last, the units are counted dead on the batch by
    three definitions (:data:`DEAD_DEFINITIONS`, computed by
    :func:`swiftmoons.geometry.dead_units`):

    - ``never_nonzero``, the lesson's: the unit's output is exactly 0 on
      every example (alive: "a non-zero output on any example");
    - ``never_positive``: its pre-activation is <= 0 on every example
      (``alive`` below, and :meth:`MLP.alive_units`, count the others);
    - ``no_gradient``: its derivative is 0 on every example, so no gradient
      reaches its weights from the batch.

    For ReLU the three agree (output, pre-activation sign and derivative are
    zero together). A Leaky ReLU unit's output is ``alpha * z``, not 0, and
    its derivative is ``alpha``, so it is never dead by the lesson's
    definition nor without gradient: the lesson's "every neuron will have
    at least a small gradient". Whether its pre-activation becomes positive
    again ("the Leaky ReLU neurons recover") depends on the learning rate:
    with these defaults (bias -3, inputs of std 0.1, 200 steps) none does at
    lr 3.5 or below, 8 of 128 at lr 4 and 58 at lr 5, the default here (see
    :func:`dead_relu_recovery`). Inputs this small give small weight
    gradients; the output bias quickly absorbs the class balance, after
    which the hidden biases' gradient fades.

    The inputs are drawn from a :class:`~swiftmoons.RandomState` seeded with
    ``seed``; each network's weights ("auto" init: He for ReLU-like
    activations) from another stream seeded with ``seed``.

    Parameters
    ----------
    units : int
        Width of the hidden layer, at least 1.
    bias : float
        The initial value of every bias (hidden and output), finite.
    input_std : float
        Standard deviation of the Gaussian inputs, finite and >= 0.
    batch_size : int
        Examples in the one batch, at least 1.
    steps : int
        SGD steps, at least 0.
    features : int
        Input width, at least 1.
    activations : sequence of str or (str, float)
        The hidden activations, one network each.
    lr : float
        SGD learning rate, finite and >= 0.
    seed : int
        Seed of the inputs and of the weights, 0..2**32 - 1.

    Returns
    -------
    dict
        The settings: ``units``, ``bias``, ``input_std``, ``batch_size``,
        ``features``, ``lr``, ``seed``; ``steps``: int array 0 .. steps;
        ``dead``: for each name of :data:`DEAD_DEFINITIONS`, a dict from
        activation label to an int array of shape (steps + 1,), the units
        dead by that definition before each step and after the last;
        ``alive``: by activation label, ``units - dead["never_positive"]``
        (the units whose pre-activation is positive on some example, as
        before); ``loss``: by label, float64 array of shape (steps,), the
        batch's loss before each step; ``accuracy``: by label, the fraction
        of the batch classified right after training (output >= 0.5 against
        the label); ``firing``: by label, int array of shape (2, units),
        on how many of the batch's examples each unit fires (pre-activation
        > 0) before the first step and after the last; ``gradient``: by
        label, bool array of shape (2, units), whether each unit gets
        gradient from the batch (not dead by ``no_gradient``), likewise.

    Raises
    ------
    TypeError, ValueError
        For a size, number or seed of the wrong type or out of range, a
        single string as ``activations``, or an unknown activation.

    Examples
    --------
    >>> result = dead_relu()
    >>> {name: alive[[0, -1]].tolist() for name, alive in result["alive"].items()}   # first and last
    {'relu': [0, 0], 'leaky_relu(0.1)': [0, 58]}
    >>> for definition, by_name in result["dead"].items():     # dead before the first step and after the last
    ...     print(definition, {name: dead[[0, -1]].tolist() for name, dead in by_name.items()})
    never_nonzero {'relu': [128, 128], 'leaky_relu(0.1)': [0, 0]}
    never_positive {'relu': [128, 128], 'leaky_relu(0.1)': [128, 70]}
    no_gradient {'relu': [128, 128], 'leaky_relu(0.1)': [0, 0]}
    >>> {name: round(acc, 3) for name, acc in result["accuracy"].items()}
    {'relu': 0.609, 'leaky_relu(0.1)': 0.922}
    >>> result["steps"].shape, result["loss"]["relu"].shape, result["bias"], result["input_std"]
    ((201,), (200,), -3.0, 0.1)
    """
    settings, activations, X, y = _cold_bias_setup(units, bias, input_std, batch_size, features, lr, seed,
                                                   activations)
    steps = as_int(steps, "steps", 0)
    out: dict[str, Any] = {**settings, "lr": float(lr), "steps": np.arange(steps + 1),
                           "dead": {name: {} for name in DEAD_DEFINITIONS}, "alive": {}, "loss": {},
                           "accuracy": {}, "firing": {}, "gradient": {}}
    for spec in activations:
        key = _label(spec)
        with MLP((settings["features"], settings["units"], 1), activation=spec, bias_init=settings["bias"],
                 seed=settings["seed"]) as net:
            first, gradient_first = _dead_counts(net, X, units=True)
            firing_first = net.firing_counts(X)[0]
            counts, losses = [first], []
            for _ in range(steps):
                losses.append(net.train_step(X, y, lr))
                counts.append(_dead_counts(net, X))
            out["accuracy"][key] = net.evaluate(X, y)[1]
            out["firing"][key] = np.stack([firing_first, net.firing_counts(X)[0]])
            out["gradient"][key] = np.stack([gradient_first, _dead_counts(net, X, units=True)[1]])
        for name in DEAD_DEFINITIONS:
            out["dead"][name][key] = np.array([c[name] for c in counts])
        out["alive"][key] = settings["units"] - out["dead"]["never_positive"][key]
        out["loss"][key] = np.array(losses)
    return out


def dead_relu_recovery(lrs=(0.05, 0.1, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 10.0), activations=("relu", ("leaky_relu", 0.1)),
                       units=128, bias=-3.0, input_std=0.1, batch_size=64, steps=200, features=8, seed=0) -> dict:
    """How many cold-bias units are alive after training, against the learning rate, by each definition.

    :func:`dead_relu`'s experiment (same batch, networks and steps), run once
    per learning rate; the units are counted after the last step. It shows
    the conditions of the lesson's claim that "the Leaky ReLU neurons
    recover": with the defaults (bias -3, inputs of std 0.1, 200 steps of
    SGD on one batch of 64), Leaky ReLU(0.1) units are never dead by the
    lesson's definition (their output ``0.1 * z`` is not 0) and always carry
    a gradient, at every learning rate; but their pre-activations become
    positive again only from lr 4 on (8, 58 and 53 of 128 units at lr 4, 5
    and 10); at lr 3 and below none does, and training longer barely helps
    (after 5000 steps: none at lr 2, 11 at lr 2.5). ReLU units stay dead by
    all three definitions at every learning rate: no gradient reaches them.
    (In 200 steps ELU, also tried, brings 127-128 units back at lr 2-3 and
    fewer on either side; Leaky ReLU with the default slope 0.01 brings
    none back at lr <= 10.)

    Parameters
    ----------
    lrs : sequence of float
        The SGD learning rates, each finite and >= 0, at least one.
    activations : sequence of str or (str, float)
        The hidden activations, one network per learning rate each.
    units, features, batch_size : int
        Width of the hidden layer, input width and batch size, each at least 1.
    bias : float
        The initial value of every bias, finite.
    input_std : float
        Standard deviation of the Gaussian inputs, finite and >= 0.
    steps : int
        SGD steps per run, at least 0.
    seed : int
        Seed of the inputs and the weights, 0..2**32 - 1.

    Returns
    -------
    dict
        The settings: ``units``, ``bias``, ``input_std``, ``batch_size``,
        ``features``, ``seed``, ``steps`` (an int); ``lrs``: float64 array
        of the learning rates; ``initial``: for each name of
        :data:`DEAD_DEFINITIONS`, a dict from activation label to the units
        dead before training (the same at every rate); ``dead``: for each
        definition, a dict from activation label to an int array of shape
        (len(lrs),), the units dead after the last step; ``accuracy``: by
        label, a float64 array of shape (len(lrs),), the fraction of the
        batch classified right after training.

    Raises
    ------
    TypeError, ValueError
        For a setting of the wrong type or out of range, no learning rate,
        a single string as ``lrs`` or ``activations``, or an unknown
        activation.

    Examples
    --------
    >>> result = dead_relu_recovery(lrs=(0.5, 2.0, 5.0))
    >>> {name: (result["units"] - dead).tolist() for name, dead in result["dead"]["never_positive"].items()}
    {'relu': [0, 0, 0], 'leaky_relu(0.1)': [0, 0, 58]}
    >>> {name: (result["units"] - dead).tolist() for name, dead in result["dead"]["never_nonzero"].items()}
    {'relu': [0, 0, 0], 'leaky_relu(0.1)': [128, 128, 128]}
    >>> {name: (result["units"] - dead).tolist() for name, dead in result["dead"]["no_gradient"].items()}
    {'relu': [0, 0, 0], 'leaky_relu(0.1)': [128, 128, 128]}
    """
    settings, activations, X, y = _cold_bias_setup(units, bias, input_std, batch_size, features, 0.0, seed,
                                                   activations)
    steps = as_int(steps, "steps", 0)
    lr_values = np.array([as_real(lr, "lrs") for lr in as_sequence(lrs, "lrs")], dtype=np.float64)
    if lr_values.size == 0:
        raise ValueError("lrs must hold at least one learning rate")
    if not (np.isfinite(lr_values).all() and (lr_values >= 0).all()):
        raise ValueError(f"every learning rate must be finite and >= 0, got {lr_values.tolist()}")
    out: dict[str, Any] = {**settings, "steps": steps, "lrs": lr_values,
                           "initial": {name: {} for name in DEAD_DEFINITIONS},
                           "dead": {name: {} for name in DEAD_DEFINITIONS}, "accuracy": {}}
    for spec in activations:
        key = _label(spec)
        after, accuracy = [], []
        for lr in lr_values:
            with MLP((settings["features"], settings["units"], 1), activation=spec, bias_init=settings["bias"],
                     seed=settings["seed"]) as net:
                before = _dead_counts(net, X)
                for _ in range(steps):
                    net.train_step(X, y, float(lr))
                after.append(_dead_counts(net, X))
                accuracy.append(net.evaluate(X, y)[1])
        for name in DEAD_DEFINITIONS:
            out["initial"][name][key] = before[name]
            out["dead"][name][key] = np.array([a[name] for a in after])
        out["accuracy"][key] = np.array(accuracy)
    return out


def depth_sweep(depths=(1, 2, 3, 4, 6, 8), activations=("sigmoid", "tanh", "relu", "gelu"), width=8,
                epochs=400, lr=0.05, batch_size=64, seed=42, progress=False) -> dict:
    """Test accuracy and final training loss on the article's moons, by depth and activation.

    The data is the article's: make_moons(400, noise=0.18,
    random_state=42), standardized, split 300/100 with random_state=42.
    For each activation and depth, a network 2 -> ``depth`` hidden layers
    of ``width`` units -> 1 (sigmoid output, "auto" init, weights from
    ``seed``) trains with ``fit`` for ``epochs`` epochs, its permutations
    drawn from a fresh stream seeded with ``seed`` (so every network sees
    the same batches). ``progress=True`` shows a bar of the networks
    trained; Ctrl-C stops the sweep within a mini-batch.

    Parameters
    ----------
    depths : sequence of int
        Numbers of hidden layers, each 0..1022 (0 is logistic regression).
    activations : sequence of str or (str, float)
        The hidden activations.
    width : int
        Units per hidden layer, at least 1.
    epochs, batch_size : int
        Training epochs and mini-batch size, each at least 1.
    lr : float
        SGD learning rate, finite and >= 0.
    seed : int
        Seed of the weights and of the permutations, 0..2**32 - 1.
    progress : bool
        Show a progress bar of the networks trained.

    Returns
    -------
    dict
        The settings ``width``, ``epochs``, ``lr``, ``batch_size``,
        ``seed``; ``depths``: int64 array of the depths (shape (0,) for no
        depths); ``accuracy`` and ``loss``: dicts
        from activation label to float64 arrays of shape (len(depths),),
        the accuracy on the 100 test points after training and the last
        epoch's training loss (the mean of its batch losses).

    Raises
    ------
    TypeError, ValueError
        For a setting of the wrong type or out of range, a single string as
        ``depths`` or ``activations``, or an unknown activation.
    KeyboardInterrupt
        On Ctrl-C; nothing is returned.

    Examples
    --------
    >>> result = depth_sweep(depths=(1, 3), activations=("sigmoid", "relu"), epochs=100)
    >>> result["depths"].tolist()
    [1, 3]
    >>> {name: acc.tolist() for name, acc in result["accuracy"].items()}
    {'sigmoid': [0.81, 0.78], 'relu': [0.83, 0.94]}
    >>> {name: loss.round(3).tolist() for name, loss in result["loss"].items()}
    {'sigmoid': [0.353, 0.69], 'relu': [0.275, 0.134]}
    >>> depth_sweep(depths=())["depths"].dtype
    dtype('int64')
    """
    depths = [as_int(d, "depths", 0, 1022) for d in as_sequence(depths, "depths")]
    activations = as_sequence(activations, "activations")
    width = as_int(width, "width", 1, INT32[1])
    epochs, batch_size = as_int(epochs, "epochs", 1), as_int(batch_size, "batch_size", 1)
    lr, seed = as_real(lr, "lr"), seed_value(seed)
    X_train, X_test, y_train, y_test = _moons()
    out: dict = {"width": width, "epochs": epochs, "lr": lr, "batch_size": batch_size, "seed": seed,
                 "depths": np.array(depths, dtype=np.int64), "accuracy": {}, "loss": {}}
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
    """scikit-learn's 8x8 digits (pixels scaled to [0, 1]) split 75/25 with ``seed``.

    :func:`swiftmoons.data.load_digit_images` with ``test_size=0.25``, each
    8x8 image flattened to 64 columns: the 1797 images come with scikit-learn
    (no download), the split is :func:`swiftmoons.train_test_split`, equal to
    scikit-learn's.

    Parameters
    ----------
    seed : int
        The split's ``random_state``, 0..2**32 - 1.

    Returns
    -------
    list of ndarray
        ``[X_train, X_test, y_train, y_test]``: float64 pixel arrays of
        shape (1347, 64) and (450, 64), values in [0, 1] (the 0..16 gray
        levels divided by 16), and int64 digit labels 0..9 of shape (1347,)
        and (450,).

    Raises
    ------
    ImportError
        If scikit-learn is not installed.
    ValueError
        For a seed out of range.

    Examples
    --------
    >>> X_train, X_test, y_train, y_test = load_digits_data(seed=0)
    >>> X_train.shape, X_test.shape, y_train.shape, y_test.shape
    ((1347, 64), (450, 64), (1347,), (450,))
    >>> float(X_train.min()), float(X_train.max()), sorted(set(y_test.tolist()))
    (0.0, 1.0, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    """
    X_train, X_test, y_train, y_test = load_digit_images(test_size=0.25, random_state=seed)
    return [X_train.reshape(len(X_train), 64), X_test.reshape(len(X_test), 64), y_train, y_test]


def digits_comparison(activations=("sigmoid", "relu"), hidden=(64, 64), epochs=30, lr=0.1, batch_size=32,
                      seed=0, progress=False) -> dict:
    """Seed 004's comparison on a real image data set: the 8x8 digits, softmax over 10 classes.

    Every network has the same shape, seed and batches; only the activation
    differs. Each run is one native call, timed. The networks are 64 ->
    ``hidden`` -> 10 with a softmax output and cross-entropy loss ("auto"
    init), trained with ``fit`` (permutations from a stream seeded with
    ``seed``) on :func:`load_digits_data`'s split with the same ``seed``.

    Parameters
    ----------
    activations : sequence of str or (str, float)
        The hidden activations, one network each.
    hidden : sequence of int
        The hidden layers' widths, each at least 1 (empty: softmax regression).
    epochs, batch_size : int
        Training epochs and mini-batch size, each at least 1.
    lr : float
        SGD learning rate, finite and >= 0.
    seed : int
        Seed of the split, the weights and the permutations, 0..2**32 - 1.
    progress : bool
        Show a progress bar of the epochs of each network.

    Returns
    -------
    dict
        The settings ``epochs``, ``hidden`` (a tuple), ``lr``,
        ``batch_size``, ``seed``; and three dicts keyed by
        activation label: ``seconds``, the wall-clock training time (float);
        ``accuracy``, the accuracy on the 450 test images (argmax of the
        output against the label, float); ``loss_history``, a float64 array
        of shape (epochs,), the mean cross-entropy of each epoch's batches.

    Raises
    ------
    ImportError
        If scikit-learn is not installed.
    TypeError, ValueError
        For a setting of the wrong type or out of range, a single string as
        ``activations`` or an unknown activation.
    KeyboardInterrupt
        On Ctrl-C during training; nothing is returned.

    Examples
    --------
    >>> result = digits_comparison(hidden=(32,), epochs=5)
    >>> {name: round(acc, 3) for name, acc in result["accuracy"].items()}
    {'sigmoid': 0.469, 'relu': 0.909}
    >>> result["loss_history"]["relu"].round(3).tolist()
    [1.715, 0.943, 0.627, 0.471, 0.372]
    >>> sorted(result["seconds"])
    ['relu', 'sigmoid']
    """
    hidden = tuple(as_int(h, "hidden", 1, INT32[1]) for h in as_sequence(hidden, "hidden"))
    activations = as_sequence(activations, "activations")
    epochs, batch_size = as_int(epochs, "epochs", 1), as_int(batch_size, "batch_size", 1)
    lr, seed = as_real(lr, "lr"), seed_value(seed)
    X_train, X_test, y_train, y_test = load_digits_data(seed)
    out = {"epochs": epochs, "hidden": hidden, "lr": lr, "batch_size": batch_size, "seed": seed,
           "seconds": {}, "accuracy": {}, "loss_history": {}}
    for spec in activations:
        with MLP((64,) + tuple(hidden) + (10,), activation=spec, output="softmax", seed=seed) as net:
            start = time.perf_counter()
            history = net.fit(X_train, y_train, epochs=epochs, lr=lr, batch_size=batch_size, rng=seed,
                              progress=progress)
            out["seconds"][_label(spec)] = time.perf_counter() - start
            out["accuracy"][_label(spec)] = net.evaluate(X_test, y_test)[1]
            out["loss_history"][_label(spec)] = np.array(history)
    return out


def loss_bands(sweep_result: dict, band: float = 0.9) -> dict:
    """The median loss curve and a quantile band over seeds, per activation, from a seed sweep.

    Parameters
    ----------
    sweep_result : dict
        What :func:`swiftmoons.sweep` returns: ``loss_history`` of shape
        (seeds, activations, epochs) and ``activations``, in the same order.
    band : float
        The share of seeds inside the band, in (0, 1): the band runs from the
        ``(1 - band) / 2`` to the ``(1 + band) / 2`` quantile over seeds,
        epoch by epoch (NumPy's linear interpolation).

    Returns
    -------
    dict
        ``epochs``: int64 array 1 .. epochs; ``seeds``: the number of
        seeds; ``band``: ``band``; ``median``, ``low``, ``high``: dicts from
        activation label to float64 arrays of shape (epochs,);
        ``final``: dict from activation label to the float64 array of every
        seed's last-epoch loss, shape (seeds,).

    Raises
    ------
    TypeError
        If ``sweep_result`` is not a mapping or ``band`` not a number.
    ValueError
        If ``band`` is not in (0, 1), or ``loss_history`` does not have one
        row of curves per activation.

    Examples
    --------
    >>> import swiftmoons as sm
    >>> sweep = sm.sweep(range(5), ["sigmoid", "relu"], epochs=100)
    >>> bands = loss_bands(sweep, band=0.8)
    >>> bands["seeds"], bands["epochs"][[0, -1]].tolist()
    (5, [1, 100])
    >>> {name: [round(float(b[name][-1]), 3) for b in (bands["low"], bands["median"], bands["high"])]
    ...  for name in bands["median"]}
    {'sigmoid': [0.583, 0.601, 0.633], 'relu': [0.143, 0.184, 0.224]}
    """
    if not hasattr(sweep_result, "__getitem__"):
        raise TypeError(f"sweep_result must be swiftmoons.sweep's dict, got {type(sweep_result).__name__}")
    band = as_real(band, "band")
    if not 0 < band < 1:
        raise ValueError(f"band must be in (0, 1), got {band}")
    losses = np.asarray(sweep_result["loss_history"], dtype=np.float64)
    specs = list(sweep_result["activations"])
    if losses.ndim != 3 or losses.shape[1] != len(specs) or losses.shape[0] < 1:
        raise ValueError(f"loss_history must have shape (seeds, {len(specs)}, epochs), got {losses.shape}")
    quantiles = np.quantile(losses, [(1 - band) / 2, 0.5, (1 + band) / 2], axis=0)
    out: dict[str, Any] = {"epochs": np.arange(1, losses.shape[2] + 1), "seeds": losses.shape[0], "band": band,
                           "median": {}, "low": {}, "high": {}, "final": {}}
    for i, spec in enumerate(specs):
        key = _label(spec)
        out["low"][key], out["median"][key], out["high"][key] = quantiles[:, i, :]
        out["final"][key] = losses[:, i, -1].copy()
    return out


def training_snapshots(activations=("sigmoid", "relu"), every=100, *, epochs=800, n_samples=400, noise=0.18,
                       data_seed=42, split_seed=42, net_seed=42, lr=0.05, batch_size=64) -> dict:
    """The article's run with every network's parameters recorded along training.

    Data, networks and training are :func:`swiftmoons.article.run`'s (the
    same arguments give the same networks, bit for bit), with
    ``record_every=every`` and ``record_params=True``: the parameters are
    kept before training (epoch 0), every ``every`` epochs and after the
    last, with the test accuracy at each. :func:`swiftmoons.plot.boundary_over_epochs`
    draws the decision boundary at these epochs.

    Parameters
    ----------
    activations : sequence of str or (str, float)
        The hidden activations, one 2-8-8-1 network each.
    every : int
        Epochs between records, at least 1.
    epochs, batch_size : int
        Training epochs and mini-batch size, each at least 1.
    n_samples : int
        Points in the data set, at least 8.
    noise : float
        Standard deviation of the moons' noise, finite and >= 0.
    data_seed, split_seed, net_seed : int
        The seeds of the data, the split and every network's weights (the
        permutations continue the last network's stream, as in ``run``).
    lr : float
        SGD learning rate, finite and >= 0.

    Returns
    -------
    dict
        The settings (``every``, ``epochs``, ``n_samples``, ``noise``,
        ``data_seed``, ``split_seed``, ``net_seed``, ``lr``, ``batch_size``);
        ``output``: ``"sigmoid"``; ``X_train``, ``y_train``, ``X_test``,
        ``y_test``: the data, as ``run`` makes it; ``specs``: by activation
        label, the (name, alpha) pair; ``epochs_recorded``: int64 array of
        shape (k,), 0 and then the record epochs; and by activation label:
        ``params``, a list of k parameter lists as ``MLP.parameters()``
        gives them; ``test_accuracy``, float64 array of shape (k,);
        ``loss_history``, float64 array of shape (epochs,).

    Raises
    ------
    TypeError, ValueError
        For a setting of the wrong type or out of range, a single string as
        ``activations``, no activation or one named twice, or an unknown
        activation.
    KeyboardInterrupt
        On Ctrl-C during training; nothing is returned.

    Examples
    --------
    >>> snaps = training_snapshots(every=200)
    >>> snaps["epochs_recorded"].tolist()
    [0, 200, 400, 600, 800]
    >>> {name: acc.tolist() for name, acc in snaps["test_accuracy"].items()}
    {'sigmoid': [0.5, 0.81, 0.8, 0.79, 0.79], 'relu': [0.31, 0.93, 0.95, 0.96, 0.96]}
    >>> len(snaps["params"]["relu"]), [p.shape for p in snaps["params"]["relu"][-1]][:2]
    (5, [(2, 8), (1, 8)])
    """
    from .network import TwoLayerNet

    every = as_int(every, "every", 1)
    epochs, batch_size = as_int(epochs, "epochs", 1), as_int(batch_size, "batch_size", 1)
    n_samples = as_int(n_samples, "n_samples", 8)
    noise, lr = as_real(noise, "noise"), as_real(lr, "lr")
    data_seed, split_seed, net_seed = seed_value(data_seed), seed_value(split_seed), seed_value(net_seed)
    specs = as_sequence(activations, "activations")
    labels = [_label(spec) for spec in specs]
    if not specs or len(set(labels)) != len(labels):
        raise ValueError(f"activations must name at least one activation, each once, got {labels}")
    X, y = make_moons(n_samples, noise=noise, random_state=data_seed)
    X_train, X_test, y_train, y_test = train_test_split(standardize(X), y, test_size=0.25, random_state=split_seed)
    nets = {}
    stream = RandomState(net_seed)
    try:
        for spec in specs:
            stream = RandomState(net_seed)  # as run(): each constructor reseeds
            nets[_label(spec)] = TwoLayerNet(spec, seed=stream)
        first = {key: (net.parameters(), net.evaluate(X_test, y_test)[1]) for key, net in nets.items()}
        train_together(list(nets.values()), X_train, y_train, epochs=epochs, lr=lr, batch_size=batch_size,
                       rng=stream, record_every=every, record_params=True, X_eval=X_test, y_eval=y_test)
        out: dict[str, Any] = {"every": every, "epochs": epochs, "n_samples": n_samples, "noise": noise,
                               "data_seed": data_seed, "split_seed": split_seed, "net_seed": net_seed, "lr": lr,
                               "batch_size": batch_size, "output": "sigmoid", "X_train": X_train,
                               "y_train": y_train, "X_test": X_test, "y_test": y_test, "specs": {},
                               "params": {}, "test_accuracy": {}, "loss_history": {}}
        for spec, (key, net) in zip(specs, nets.items()):
            records = net.records
            out["epochs_recorded"] = np.concatenate([[0], records.epochs]).astype(np.int64)
            out["specs"][key] = _activations.parse(spec)
            out["params"][key] = [first[key][0]] + list(records.params or [])
            out["test_accuracy"][key] = np.concatenate([[first[key][1]], records.eval_accuracy])
            out["loss_history"][key] = np.array(net.loss_history)
    finally:
        for net in nets.values():
            net.close()
    return out


#: The data sets `cnn_activation_comparison` knows: name -> (input shape, what it is).
CNN_DATA = {
    "shapes": ((3, 32, 32), "swiftmoons.data.make_shapes: ten classes of coloured shapes in 32x32x3, made on the spot"),
    "digits": ((1, 8, 8), "scikit-learn's 8x8 digits as 1-channel images (ships with scikit-learn)"),
    "cifar10": ((3, 32, 32), "CIFAR-10's python batches from a folder you give (nothing is downloaded)"),
}


def cnn_layers(activation, data: str = "shapes", channels=(16, 32), dense: int = 64) -> list:
    """Seed 004's "vanilla" CNN: conv-activation-maxpool blocks, then a dense layer and the classes.

    Parameters
    ----------
    activation : str or (str, float)
        The activation after every convolution and after the hidden dense layer.
    data : {"shapes", "digits", "cifar10"}
        Picks the input (see `CNN_DATA`). A block pools only while its side is at least 4
        (on the 8x8 digits a third block does not pool).
    channels : sequence of int
        Each block's 3x3 convolution channels (padding 1), one block each (1 to 3).
    dense : int
        Units of the hidden dense layer.

    Returns
    -------
    list of swiftmoons.layers layers

    Examples
    --------
    >>> [type(layer).__name__ for layer in cnn_layers("relu", channels=(8, 16))]
    ['Conv2D', 'Activation', 'MaxPool2D', 'Conv2D', 'Activation', 'MaxPool2D', 'Flatten', 'Dense', 'Activation', 'Dense']
    >>> cnn_layers(("leaky_relu", 0.1), channels=(8,))[1]
    Activation(name='leaky_relu', alpha=0.1)
    """
    from .layers import Conv2D, Dense, Flatten, MaxPool2D, parse_layers
    channels = tuple(as_int(c, "channels", 1, INT32[1]) for c in as_sequence(channels, "channels"))
    if not 1 <= len(channels) <= 3:
        raise ValueError(f"channels must give 1 to 3 blocks, got {len(channels)}")
    if data not in CNN_DATA:
        raise ValueError(f"data must be one of {list(CNN_DATA)}, got {data!r}")
    layers: list = []
    side = CNN_DATA[data][0][1]
    for c in channels:
        layers += [Conv2D(c, 3, padding=1), activation]
        if side >= 4:
            layers.append(MaxPool2D(2))
            side //= 2
    return list(parse_layers(layers + [Flatten(), Dense(as_int(dense, "dense", 1, INT32[1])), activation, Dense(10)]))


def _cnn_data(data: str, n_train: int | None, n_val: int | None, seed: int, cifar_dir):
    """(X_train, y_train, X_val, y_val) for `cnn_activation_comparison`."""
    from .data import load_cifar10, make_shapes
    if data == "shapes":
        n_train = 2000 if n_train is None else n_train
        n_val = 500 if n_val is None else n_val
        X, y = make_shapes(n_train + n_val, random_state=seed)
        return X[:n_train], y[:n_train], X[n_train:], y[n_train:]
    if data == "digits":
        X_train, X_val, y_train, y_val = load_digit_images(test_size=0.25, random_state=seed)
        n_train = len(X_train) if n_train is None else min(n_train, len(X_train))
        n_val = len(X_val) if n_val is None else min(n_val, len(X_val))
        return X_train[:n_train], y_train[:n_train], X_val[:n_val], y_val[:n_val]
    if data == "cifar10":
        X_train, X_val, y_train, y_val = load_cifar10(cifar_dir, n_train=n_train, n_test=n_val)
        return X_train, y_train, X_val, y_val
    raise ValueError(f"data must be one of {list(CNN_DATA)}, got {data!r}")


#: `cnn_activation_comparison` calls it overfitting when the last validation loss lies this far (a
#: fraction) above its lowest while the training loss kept falling: epoch-to-epoch noise on 500
#: validation images moves it by a few percent.
OVERFITTING_RISE = 0.10


def _reached(values, target: float):
    """The first epoch (1-based) whose value is >= target, or None."""
    hits = np.flatnonzero(np.asarray(values) >= target)
    return int(hits[0]) + 1 if hits.size else None


def cnn_activation_comparison(activations=("sigmoid", "relu"), data: str = "shapes", *, n_train: int | None = None,
                              n_val: int | None = None, epochs: int = 25, lr: float = 0.003,
                              optimizer: str = "adam", batch_size: int = 32, channels=(16, 32), dense: int = 64,
                              target: float | None = None, timing_rounds: int = 3, seed: int = 0, cifar_dir=None,
                              progress: bool = False) -> dict:
    """Seed 004's experiment: one CNN trained with each activation, timed and scored every epoch.

    Every network has the same layers (`cnn_layers`), seed, data, batches
    and optimizer; only the activation differs. Each training is one native
    call on both cores that scores the validation set after every epoch and
    times each epoch's training by the monotonic clock. The claim under test
    ("sigmoid took more than double the training time") is split in two:
    the cost of an epoch, and the epochs needed to reach a target
    validation accuracy; their product is the time to the target.

    Parameters
    ----------
    activations : sequence of str or (str, float)
        One network each (at least one).
    data : {"shapes", "digits", "cifar10"}
        The images (see `CNN_DATA`). "shapes" (the default) and "digits" need
        no download; "cifar10" reads the official python batches from
        ``cifar_dir`` or $SWIFTMOONS_CIFAR10.
    n_train, n_val : int or None
        Training and validation images (None: 2000 and 500 shapes; the
        whole digits split; all of CIFAR-10's 50000 and 10000).
    epochs : int
        Training epochs, >= 1.
    lr : float
        Learning rate (Adam's initial rate). At Adam's usual 0.001 the
        sigmoid network stays at chance through the default 25 epochs on
        shapes (it leaves its plateau later); at 0.003 both reach 90%.
    optimizer : {"adam", "sgd"}
        scikit-learn's Adam, or SGD with momentum 0.9.
    batch_size : int
        Images per batch.
    channels, dense :
        The network's shape (see `cnn_layers`).
    target : float or None
        The validation accuracy to reach. None: 90% of the best validation
        accuracy any activation reached (an activation that stays near
        chance then never reaches it, and the report says so).
    timing_rounds : int
        After the trainings, this many rounds of one more timed epoch per
        activation (a fresh network of each, taking turns), whose median is
        ``epoch_seconds``: on a shared machine a slow spell during one
        training would otherwise fall on one activation only. 0: the
        median of the trainings' own epoch times.
    seed : int
        Seeds the weights, the permutations, the dropout stream and the data
        drawn (shapes; the digits' split).
    cifar_dir : str, path or None
        CIFAR-10's folder (data="cifar10").
    progress : bool
        Show a progress bar of each training's batches.

    Returns
    -------
    dict
        The settings (``data``, ``input_shape``, ``layers``: the layers of
        the first network, ``n_train``, ``n_val``, ``epochs``, ``lr``,
        ``optimizer``, ``batch_size``, ``timing_rounds``, ``seed``), then
        ``target`` (the accuracy used), ``baseline`` (the label ratios are
        taken against: "relu" if trained, else the last) and, keyed by
        activation label:

        - ``history``: dict of per-epoch float64 arrays ``loss``,
          ``accuracy`` (training, as the batches were trained), ``val_loss``,
          ``val_accuracy`` and ``seconds`` (each epoch's training time);
        - ``epoch_seconds``: the median of the timing rounds' epochs (or
          of ``seconds``);
        - ``epochs_to_target``: the first epoch whose validation accuracy
          reached ``target`` (None if none did);
        - ``seconds_to_target``: the training time of those epochs (their
          median time each; None if not reached);
        - ``best_val_accuracy``, ``best_val_loss_epoch`` (the epoch of the
          lowest validation loss), ``val_loss_rise`` (how far the last
          epoch's validation loss lies above that lowest, as a fraction of
          it), ``overfitting`` (True when that rise exceeds
          `OVERFITTING_RISE` while the training loss went on falling) and
          ``generalization_gap`` (the last epoch's training minus
          validation accuracy);
        - ``ratios``: this activation's ``epoch_seconds``,
          ``epochs_to_target`` and ``seconds_to_target`` over the
          baseline's (None where either is None).

    Raises
    ------
    TypeError, ValueError
        For a bad setting or activation.
    FileNotFoundError
        For data="cifar10" without its files (the message says where to get
        them and where to put them).
    ImportError
        For data="digits" without scikit-learn.
    KeyboardInterrupt
        On Ctrl-C; nothing is returned.

    Examples
    --------
    >>> r = cnn_activation_comparison(data="digits", n_train=300, n_val=100, epochs=3, channels=(4,), dense=8)
    >>> r["baseline"], sorted(r["history"]["relu"])
    ('relu', ['accuracy', 'loss', 'seconds', 'val_accuracy', 'val_loss'])
    >>> [len(r["history"][name]["val_loss"]) for name in ("sigmoid", "relu")]
    [3, 3]
    """
    from .cnn import CNN, OPTIMIZERS
    activations = as_sequence(activations, "activations")
    if not activations:
        raise ValueError("activations must name at least one activation")
    epochs = as_int(epochs, "epochs", 1)
    timing_rounds = as_int(timing_rounds, "timing_rounds", 0, 1000)
    seed = seed_value(seed)
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {list(OPTIMIZERS)}, got {optimizer!r}")
    if target is not None:
        target = as_real(target, "target")
        if not 0 < target <= 1:
            raise ValueError(f"target must be in (0, 1], got {target}")
    layer_lists = {_label(spec): cnn_layers(spec, data, channels, dense) for spec in activations}
    X_train, y_train, X_val, y_val = _cnn_data(data, n_train, n_val, seed, cifar_dir)
    shape = CNN_DATA[data][0]
    out: dict[str, Any] = {
        "data": data, "input_shape": shape, "layers": next(iter(layer_lists.values())), "n_train": len(X_train),
        "n_val": len(X_val), "epochs": epochs, "lr": lr, "optimizer": optimizer, "batch_size": batch_size,
        "timing_rounds": timing_rounds, "seed": seed, "history": {}, "epoch_seconds": {}}
    settings = dict(lr=lr, batch_size=batch_size, optimizer=optimizer)
    for label, layers in layer_lists.items():
        with CNN(shape, layers, seed=seed) as net:
            h = net.fit(X_train, y_train, epochs=epochs, validation_data=(X_val, y_val), progress=progress, **settings)
        out["history"][label] = {k: np.array(v) for k, v in h.items()}
    timed: dict[str, list] = {label: [] for label in layer_lists}
    for _ in range(timing_rounds):  # the activations take turns, epoch by epoch
        for label, layers in layer_lists.items():
            with CNN(shape, layers, seed=seed) as net:
                timed[label] += net.fit(X_train, y_train, epochs=1, **settings)["seconds"]
    for label in layer_lists:
        out["epoch_seconds"][label] = float(np.median(timed[label] or out["history"][label]["seconds"]))
    return _cnn_summary(out, target)


def _cnn_summary(out: dict, target: float | None) -> dict:
    """Adds the target, baseline, epochs and seconds to the target, overfitting and ratios to a
    `cnn_activation_comparison` result that has ``history`` and ``epoch_seconds``."""
    labels = list(out["history"])
    if target is None:
        target = 0.9 * max(float(np.max(out["history"][k]["val_accuracy"])) for k in labels)
    out["target"] = target
    out["baseline"] = "relu" if "relu" in labels else labels[-1]
    for key in ("epochs_to_target", "seconds_to_target", "best_val_accuracy", "best_val_loss_epoch",
                "val_loss_rise", "overfitting", "generalization_gap", "ratios"):
        out[key] = {}
    for label in labels:
        h = out["history"][label]
        reached = _reached(h["val_accuracy"], target)
        out["epochs_to_target"][label] = reached
        out["seconds_to_target"][label] = None if reached is None else reached * out["epoch_seconds"][label]
        out["best_val_accuracy"][label] = float(np.max(h["val_accuracy"]))
        out["best_val_loss_epoch"][label] = int(np.argmin(h["val_loss"])) + 1
        lowest = float(np.min(h["val_loss"]))
        rise = float(h["val_loss"][-1] - lowest) / lowest if lowest > 0 else 0.0
        out["val_loss_rise"][label] = rise
        still_falling = h["loss"][-1] < h["loss"][out["best_val_loss_epoch"][label] - 1]
        out["overfitting"][label] = bool(rise > OVERFITTING_RISE and still_falling)
        out["generalization_gap"][label] = float(h["accuracy"][-1] - h["val_accuracy"][-1])
    base = out["baseline"]
    for label in labels:
        out["ratios"][label] = {key: (None if out[key][label] is None or not out[key][base] else
                                      out[key][label] / out[key][base])
                                for key in ("epoch_seconds", "epochs_to_target", "seconds_to_target")}
    return out


def cnn_comparison_report(result: dict) -> str:
    """`cnn_activation_comparison`'s result as a table and the claim's verdict, in words.

    Parameters
    ----------
    result : dict
        What `cnn_activation_comparison` returned.

    Returns
    -------
    str

    Examples
    --------
    >>> r = cnn_activation_comparison(data="digits", n_train=300, n_val=100, epochs=2, channels=(4,), dense=8)
    >>> print(cnn_comparison_report(r).splitlines()[0])  # doctest: +ELLIPSIS
    CNN on digits (300 training and 100 validation images), 2 epochs of adam, lr 0.003, batch 32, seed 0
    """
    labels = list(result["history"])
    lines = [f"CNN on {result['data']} ({result['n_train']} training and {result['n_val']} validation images), "
             f"{result['epochs']} epochs of {result['optimizer']}, lr {result['lr']:g}, batch {result['batch_size']}, "
             f"seed {result['seed']}",
             f"target: validation accuracy {result['target']:.3f}", ""]
    head = (f"{'activation':<16} {'s/epoch':>8} {'epochs to target':>17} {'s to target':>12} {'best val acc':>13} "
            f"{'final train/val acc':>20} {'val loss lowest at':>19}")
    lines.append(head)
    for label in labels:
        h = result["history"][label]
        reached = result["epochs_to_target"][label]
        seconds = result["seconds_to_target"][label]
        lines.append(f"{label:<16} {result['epoch_seconds'][label]:>8.3f} "
                     f"{'never' if reached is None else reached:>17} "
                     f"{'-' if seconds is None else f'{seconds:.2f}':>12} {result['best_val_accuracy'][label]:>13.3f} "
                     f"{h['accuracy'][-1]:>9.3f} / {h['val_accuracy'][-1]:.3f} "
                     f"{'epoch ' + str(result['best_val_loss_epoch'][label]):>19}")
    base = result["baseline"]
    if "sigmoid" in labels and base != "sigmoid":
        r = result["ratios"]["sigmoid"]
        lines += ["", f"The claim \"sigmoid took more than double the training time\", measured against {base}:",
                  f"  cost of an epoch: sigmoid / {base} = {r['epoch_seconds']:.2f}x"]
        sig_epochs, base_epochs = result["epochs_to_target"]["sigmoid"], result["epochs_to_target"][base]
        if sig_epochs is None or base_epochs is None:
            missed = [name for name, e in (("sigmoid", sig_epochs), (base, base_epochs)) if e is None]
            lines.append(f"  epochs to the target: {' and '.join(missed)} never reached {result['target']:.3f} "
                         f"in {result['epochs']} epochs")
            verdict = (f"holds here, by convergence alone: sigmoid did not reach the target at all, while an "
                       f"epoch of it costs {r['epoch_seconds']:.2f}x {base}'s" if missed == ["sigmoid"] else
                       f"does not hold: {base} did not reach the target" if missed == [base] else
                       "cannot be decided: neither reached the target")
        else:
            lines.append(f"  epochs to the target: {sig_epochs} vs {base_epochs} = {r['epochs_to_target']:.2f}x")
            lines.append(f"  time to the target: {r['seconds_to_target']:.2f}x")
            verdict = "holds" if r["seconds_to_target"] > 2 else "does not hold"
            verdict += (f" for the time to reach the target ({r['seconds_to_target']:.2f}x), of which "
                        f"{r['epoch_seconds']:.2f}x is the cost of an epoch and {r['epochs_to_target']:.2f}x the "
                        f"epochs needed")
        lines.append(f"  verdict: {verdict}.")
        overfit = [label for label in labels if result["overfitting"][label]]
        if overfit:
            lines.append("  overfitting (validation loss rose again while the training loss fell): " + ", ".join(
                f"{label} (+{result['val_loss_rise'][label]:.0%} from its lowest at epoch "
                f"{result['best_val_loss_epoch'][label]})" for label in overfit))
        else:
            lines.append(f"  no overfitting seen: no validation loss ended more than {OVERFITTING_RISE:.0%} above its "
                         f"lowest while the training loss fell")
    return "\n".join(lines)


__all__ = ["CNN_DATA", "DEAD_DEFINITIONS", "OVERFITTING_RISE", "activation_curves", "cnn_activation_comparison", "cnn_comparison_report",
           "cnn_layers", "dead_relu", "dead_relu_recovery", "depth_sweep",
           "digits_comparison", "load_digits_data", "loss_bands", "training_snapshots", "vanishing_gradients"]
