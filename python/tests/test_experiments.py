"""The lessons' claims, asserted on the experiments' outputs (fixed seeds)."""

import numpy as np
import pytest

from swiftmoons import experiments, reference as ref

matplotlib = pytest.importorskip("matplotlib", reason="the plot extra (make test installs it)")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from swiftmoons import plot  # noqa: E402


def test_activation_curves_are_the_five_of_the_lesson():
    curves = experiments.activation_curves()
    assert [k for k in curves if k != "x"] == ["sigmoid", "tanh", "relu", "leaky_relu", "gelu"]
    x = curves["x"]
    for name, c in ((k, v) for k, v in curves.items() if k != "x"):
        expected = ref.activation(name, x)
        assert np.max(np.abs(c["value"] - expected)) <= 1e-15 * 8
        assert np.max(np.abs(c["derivative"] - ref.activation_derivative(name, x, expected))) <= 1e-15 * 8
    # The derivative caps: sigmoid 0.25, tanh 1, ReLU 1.
    assert curves["sigmoid"]["derivative"].max() == 0.25
    assert curves["tanh"]["derivative"].max() == 1.0
    fig = plot.activation_curves(curves)
    assert len(fig.axes) == 2
    plt.close(fig)


def test_sigmoid_gradients_vanish_with_depth_and_relu_gradients_do_not():
    result = experiments.vanishing_gradients(depth=20)
    sigmoid, relu = result["norms"]["sigmoid"], result["norms"]["relu"]
    assert len(sigmoid) == len(relu) == 21
    # Sigmoid: from the output layer to the first, the gradient shrinks by
    # more than 1e10, about the 0.25 per layer that sigmoid's derivative
    # allows (weights can add or take a little on each layer).
    assert sigmoid[0] / sigmoid[-1] < 1e-10
    per_layer = (sigmoid[0] / sigmoid[-1]) ** (1 / 20)
    assert per_layer < 0.3
    # ReLU (He init): within two orders of magnitude across all 21 layers.
    assert 1e-2 < relu[0] / relu[-1] < 1e2
    fig = plot.vanishing_gradients(result)
    plt.close(fig)


def test_dead_relus_stay_dead_and_leaky_relus_come_back():
    result = experiments.dead_relu()
    relu, leaky = result["alive"]["relu"], result["alive"]["leaky_relu(0.1)"]
    assert len(relu) == 201
    # Bias -3 and inputs of std 0.1: every unit starts dead for both.
    assert relu[0] <= 0.02 * 128 and leaky[0] <= 0.02 * 128
    # A dead ReLU gets no gradient: none ever fires on the batch again.
    assert relu.max() == relu[0]
    # Leaky ReLU units still get a gradient and a good share return.
    assert leaky[-1] >= 0.25 * 128
    assert result["accuracy"]["leaky_relu(0.1)"] > result["accuracy"]["relu"]
    fig = plot.dead_relu(result)
    plt.close(fig)


def test_depth_helps_relu_and_hurts_sigmoid():
    result = experiments.depth_sweep(depths=(1, 2, 4, 8), activations=("sigmoid", "relu"), epochs=300)
    sigmoid, relu = result["accuracy"]["sigmoid"], result["accuracy"]["relu"]
    assert relu[1:].min() >= 0.9              # ReLU learns the moons at every depth >= 2
    assert sigmoid[-1] <= relu[-1] - 0.2       # deep sigmoid networks fall far behind
    assert result["loss"]["sigmoid"][-1] > result["loss"]["relu"][-1]
    fig = plot.depth_sweep(result)
    plt.close(fig)


def test_relu_beats_sigmoid_on_digits():
    pytest.importorskip("sklearn")
    result = experiments.digits_comparison(epochs=20)
    assert result["accuracy"]["relu"] > 0.9
    assert result["accuracy"]["relu"] > result["accuracy"]["sigmoid"]
    assert result["loss_history"]["relu"][-1] < result["loss_history"]["sigmoid"][-1]
    assert all(s > 0 for s in result["seconds"].values())
    fig = plot.digits_comparison(result)
    plt.close(fig)
