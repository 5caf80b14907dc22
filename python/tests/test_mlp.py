"""The general MLP and the activation family against swiftmoons.reference."""

import math

import numpy as np
import pytest

import swiftmoons as sm
from swiftmoons import activations, reference as ref
from conftest import max_relative_error, normwise_error

KINDS = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "prelu", "elu", "gelu", "gelu_tanh", "swish",
         "softplus"]
OUTPUTS = ["sigmoid", "softmax", "identity"]
FORWARD_RTOL = 1e-13    # a few ulps of rounding in sums of <= 8 products
STEP_RTOL = 1e-12       # one SGD step: gradients summed in another order than BLAS
FIT_RTOL = 1e-10        # 200 epochs let ulp-level differences grow; the bar


def data(output, n=60, features=3, classes=3, seed=0):
    rs = np.random.RandomState(seed)
    X = rs.randn(n, features)
    if output == "sigmoid":
        return X, (X[:, 0] + X[:, 1] ** 2 > 0.5).astype(float), 1
    if output == "softmax":
        return X, (np.abs(X[:, 0] * 2).astype(int) % classes).astype(float), classes
    return X, np.c_[np.sin(X[:, 0]), X[:, 1] * X[:, 2]], 2


def pair(sizes, **kwargs):
    return sm.MLP(sizes, **kwargs), ref.MLP(sizes, **kwargs)


@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("kind", KINDS + ["silu"])
def test_every_activation_and_output_matches_reference(kind, output):
    X, y, k = data(output)
    net, expected = pair((3, 7, 5, k), activation=kind, output=output, seed=4)
    with net:
        for a, b in zip(net.parameters(), expected.parameters()):
            assert np.array_equal(a, b)
        # Identity outputs can cancel to near zero: compare against the output's scale.
        assert normwise_error(net.forward(X), expected.forward(X)) <= FORWARD_RTOL
        loss, grads = net.gradients(X, y)
        expected_loss, expected_grads = expected.gradients(X, y)
        assert abs(loss - expected_loss) <= 1e-14 * max(1.0, abs(expected_loss))
        for a, b in zip(grads, expected_grads):
            assert normwise_error(a, b) <= STEP_RTOL
        assert abs(net.train_step(X, y, 0.05) - expected.train_step(X, y, 0.05)) <= 1e-14 * max(1, abs(loss))
        for a, b in zip(net.parameters(), expected.parameters()):
            assert normwise_error(a, b) <= STEP_RTOL
        history = net.fit(X, y, epochs=200, lr=0.05, batch_size=16, rng=sm.RandomState(3))
        expected_history = expected.fit(X, y, epochs=200, lr=0.05, batch_size=16, rng=np.random.RandomState(3))
        assert max_relative_error(history, expected_history) <= FIT_RTOL
        for a, b in zip(net.parameters(), expected.parameters()):
            assert normwise_error(a, b) <= FIT_RTOL
        assert net.evaluate(X, y)[1] == pytest.approx(expected.evaluate(X, y)[1], nan_ok=True)


@pytest.mark.parametrize("init", ["auto", "he", "xavier", "glorot_uniform"])
@pytest.mark.parametrize("bias_init", [0.0, -3.0, (0.5, 0.2)])
def test_inits_are_bit_identical_to_numpy(init, bias_init):
    net, expected = pair((4, 6, 6, 2), activation=["tanh", ("prelu", 0.3)], output="identity", init=init,
                         bias_init=bias_init, seed=2**32 - 1)
    with net:
        assert net.param_names() == ["W1", "b1", "W2", "b2", "slopes2", "W3", "b3"]
        for a, b in zip(net.parameters(), expected.parameters()):
            assert a.shape == b.shape and np.array_equal(a, b)
        assert np.array_equal(net.get_slopes(2), np.full((1, 6), 0.3))


def test_two_layer_net_is_the_2_8_8_1_case_of_mlp():
    X = np.random.RandomState(0).randn(20, 2)
    with sm.TwoLayerNet("relu", seed=42) as a, sm.MLP((2, 8, 8, 1), activation="relu", seed=42) as b:
        assert all(np.array_equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
        assert np.array_equal(a.forward(X), b.forward(X))
        assert isinstance(a, sm.MLP)


def test_hybrid_network_with_learned_prelu_slopes_matches_reference():
    X, y, k = data("sigmoid")
    acts = [("prelu", 0.1), "gelu", ("leaky_relu", 0.2), "elu"]
    net, expected = pair((3, 6, 6, 5, 4, 1), activation=acts, seed=8)
    with net:
        before = net.get_slopes(1).copy()
        net.fit(X, y, epochs=100, lr=0.1, batch_size=8, rng=1)
        expected.fit(X, y, epochs=100, lr=0.1, batch_size=8, rng=np.random.RandomState(1))
        assert not np.array_equal(net.get_slopes(1), before)  # the slopes learn
        for a, b in zip(net.parameters(), expected.parameters()):
            assert normwise_error(a, b) <= FIT_RTOL
        assert [n for n, _ in net.activations] == ["prelu", "gelu", "leaky_relu", "elu"]


def test_params_round_trip_through_from_params():
    X, y, k = data("softmax")
    with sm.MLP((3, 5, 4, k), activation=["prelu", "swish"], output="softmax", seed=1) as net:
        net.fit(X, y, epochs=5, rng=0)
        clone = sm.MLP.from_params(net.parameters(), activation=["prelu", "swish"], output="softmax")
        assert clone.layer_sizes == net.layer_sizes
        assert np.array_equal(clone.forward(X), net.forward(X))
        expected = ref.MLP.from_params(net.parameters(), activation=["prelu", "swish"], output="softmax")
        assert max_relative_error(clone.forward(X), expected.forward(X)) <= FORWARD_RTOL
        clone.close()


# ---- the activation family --------------------------------------------------------------

GRID = np.linspace(-6, 6, 1201)
EXTREMES = np.array([-1e308, -1e200, -1e6 - 1, -1000.0, -710.0, -40.0, -1e-300, -0.0, 0.0, 5e-324, 1e-300,
                     40.0, 710.0, 1000.0, 1e6 + 1, 1e200, 1e308, np.finfo(float).max, -np.finfo(float).max])


@pytest.mark.parametrize("kind", KINDS)
def test_activation_values_and_derivatives_match_reference(kind):
    for derivative in (False, True):
        ours = activations.evaluate(kind, GRID, derivative=derivative)
        z = GRID
        a = ref.activation(kind, z)
        theirs = ref.activation_derivative(kind, z, a) if derivative else a
        assert normwise_error(ours, theirs) <= 1e-15 * 4


@pytest.mark.parametrize("kind", KINDS)
def test_derivatives_match_central_differences(kind):
    # Away from the kinks at 0 (ReLU family), with h = 1e-5: truncation h^2
    # f''' and rounding 1e-16/h stay below 1e-7 absolute.
    x = GRID[np.abs(GRID) > 1e-3]
    h = 1e-5
    numeric = (activations.evaluate(kind, x + h) - activations.evaluate(kind, x - h)) / (2 * h)
    assert np.max(np.abs(activations.evaluate(kind, x, derivative=True) - numeric)) <= 1e-7


@pytest.mark.parametrize("kind", KINDS)
def test_activations_stay_finite_at_extremes(kind):
    for derivative in (False, True):
        out = activations.evaluate(kind, EXTREMES, derivative=derivative)
        assert np.isfinite(out).all(), (kind, derivative, EXTREMES[~np.isfinite(out)])
    assert np.isfinite(activations.evaluate(kind, [-1000.0, 1000.0])).all()


def test_sigmoid_derivative_values_from_the_lesson():
    # sigma'(0) = 0.25 exactly; the tails as sigma(1 - sigma) computes them.
    value = activations.evaluate("sigmoid", 0.0, derivative=True)
    assert isinstance(value, float) and value == 0.25  # a scalar in, a float out
    for x in (5.0, -5.0, 10.0, -10.0):
        s = 1 / (1 + math.exp(-x))
        assert activations.evaluate("sigmoid", x, derivative=True) == pytest.approx(s * (1 - s), rel=1e-14)
    assert activations.evaluate("sigmoid", 5.0, derivative=True) == pytest.approx(0.0066, abs=5e-5)
    assert activations.evaluate("sigmoid", 10.0, derivative=True) == pytest.approx(4.5e-5, abs=5e-7)


def test_activation_evaluate_shapes_params_and_names():
    x = np.arange(-3.0, 3.0).reshape(2, 3)
    assert activations.evaluate("relu", x).shape == (2, 3)
    assert np.array_equal(activations.evaluate("silu", x), activations.evaluate("swish", x))
    assert activations.evaluate("leaky_relu", -2.0, alpha=0.3) == pytest.approx(-0.6)
    assert activations.evaluate("elu", -1.0, alpha=2.0) == pytest.approx(2 * math.expm1(-1))
    assert activations.PARAMETERS["leaky_relu"] == {"alpha": 0.01} and activations.PARAMETERS["relu"] == {}
    # The library's list is the reference's, kind for kind, with the same default parameters.
    assert "silu" in activations.NAMES and set(activations.PARAMETERS) == set(ref.TABLE)
    assert {k: v.get("alpha") for k, v in activations.PARAMETERS.items() if v} == ref.DEFAULT_ALPHA
    with pytest.raises(sm.SwiftMoonsError, match="valid activations are"):
        activations.evaluate("softsign", x)
    with pytest.raises(ValueError, match="takes parameters"):
        activations.evaluate("relu", x, alpha=0.1)


# ---- diagnostics ---------------------------------------------------------------------------

def test_diagnostics_match_reference():
    X, y, _ = data("sigmoid", n=80, features=2)
    net, expected = pair((2, 16, 16, 16, 1), activation="relu", bias_init=-0.5, seed=5)
    with net:
        for a, b in zip(net.alive_units(X), expected.alive_units(X)):
            assert np.array_equal(a, b)
        assert max_relative_error(net.gradient_norms(X, y), expected.gradient_norms(X, y)) <= STEP_RTOL
        assert max_relative_error(net.hidden_spread(X), expected.hidden_spread(X)) <= FORWARD_RTOL
        counts = net.firing_counts(X)
        assert [c.shape for c in counts] == [(16,)] * 3 and all((c >= 0).all() and (c <= 80).all() for c in counts)


def test_distance_order_kept_is_spearman_of_pairwise_distances():
    from swiftmoons.geometry import distance_order_kept
    scipy_stats = pytest.importorskip("scipy.stats")
    from scipy.spatial.distance import pdist
    X, _, _ = data("sigmoid", n=50, features=2)
    with sm.MLP((2, 8, 8, 1), activation="relu", seed=0) as net:
        kept = distance_order_kept(net, X)
        for k, value in enumerate(kept):
            expected = scipy_stats.spearmanr(pdist(X), pdist(X if k == 0 else net.get_hidden(X, k))).statistic
            assert value == pytest.approx(expected, abs=1e-12)
        with pytest.warns(DeprecationWarning):
            assert net.geometry_kept(X) == list(kept[1:])
    with sm.MLP((2, 2, 1), activation="identity", seed=0) as scaled:
        scaled.W1 = 3 * np.eye(2)  # a layer that only scales keeps every distance's rank
        assert distance_order_kept(scaled, X)[1] == pytest.approx(1.0, abs=1e-12)


# ---- bad input ----------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, error, message", [
    (dict(activation="softsign"), sm.SwiftMoonsError, "valid activations are"),
    (dict(init="lecun"), sm.SwiftMoonsError, 'valid inits are "auto", "he", "xavier", "glorot_uniform"'),
    (dict(output="tanh"), sm.SwiftMoonsError, 'valid outputs are "sigmoid", "softmax", "identity"'),
    (dict(activation=["relu", "tanh", "gelu"]), ValueError, "one per hidden layer \\(2\\)"),
    (dict(layer_sizes=(2, 0, 1)), sm.SwiftMoonsError, "Layer sizes must be in 1..."),
    (dict(bias_init=(0.0, -1.0)), ValueError, "std >= 0"),
    (dict(bias_init=float("nan")), ValueError, "finite"),
    (dict(activation=("relu", 0.1)), ValueError, "takes no parameter"),
    (dict(output="softmax", layer_sizes=(2, 4, 4, 1)), sm.SwiftMoonsError, "at least 2 units"),
])
def test_bad_construction_raises_clearly(kwargs, error, message):
    args = dict(layer_sizes=(2, 4, 4, 1))
    args.update(kwargs)
    with pytest.raises(error, match=message):
        sm.MLP(args.pop("layer_sizes"), **args)


def test_bad_targets_and_params_change_nothing():
    X, y, k = data("softmax")
    rng = sm.RandomState(0)
    with sm.MLP((3, 5, k), activation="relu", output="softmax", seed=rng) as net:
        before = net.parameters()
        state = rng.get_state()[1].copy()
        with pytest.raises(ValueError, match="class indices"):
            net.fit(X, np.full(len(X), 3.0), epochs=2, rng=rng)
        with pytest.raises(ValueError, match="class indices"):
            net.train_step(X, y + 0.5)
        with pytest.raises(ValueError, match="shape"):
            net.train_step(X, np.zeros((len(X), k)))
        with pytest.raises(ValueError, match="W1 must have shape"):
            net.set_parameters([np.zeros((2, 5))] + before[1:])
        with pytest.raises(ValueError, match="Expected 4 arrays"):
            net.set_parameters(before[:-1])
        for a, b in zip(net.parameters(), before):
            assert np.array_equal(a, b)
        assert np.array_equal(rng.get_state()[1], state)


def test_from_params_checks_every_array_and_the_sizes():
    W1, b1, W2, b2 = np.zeros((2, 3)), np.zeros(3), np.zeros((3, 1)), np.zeros(1)
    with pytest.raises(ValueError, match=r"b1 must hold 3 values"):
        sm.MLP.from_params([W1, np.zeros(4), W2, np.zeros(0)], activation="relu")  # 13 values, wrongly split
    with pytest.raises(ValueError, match=r"b2 must hold 1 values"):
        sm.MLP.from_params([W1, b1, W2], activation="relu")
    with pytest.raises(ValueError, match=r"slopes must hold 3 values"):
        sm.MLP.from_params([W1, b1, np.zeros(2), W2, b2], activation="prelu")
    with pytest.raises(ValueError, match=r"disagree with the weights' shapes"):
        sm.MLP.from_params([W1, b1, W2, b2], activation="relu", layer_sizes=[4, 2, 1])
    with sm.MLP.from_params([W1, b1.reshape(1, 3), W2, b2], activation="relu", layer_sizes=(2, 3, 1)) as net:
        assert net.layer_sizes == (2, 3, 1)


@pytest.mark.parametrize("output, width", [("sigmoid", 1), ("sigmoid", 3), ("softmax", 3), ("identity", 2)])
def test_gradients_are_the_derivative_of_the_reported_loss(output, width):
    # The loss evaluate() reports and the gradient training follows are one function:
    # central differences of the one give the other (for every output kind and width).
    rng = np.random.RandomState(4)
    X = rng.randn(16, 3)
    y = {"sigmoid": (rng.rand(16, width) > 0.5).astype(float), "softmax": rng.randint(0, width, 16),
         "identity": rng.randn(16, width)}[output]
    with sm.MLP((3, 5, width), activation="tanh", output=output, seed=2) as net:
        _, grads = net.gradients(X, y)
        params, h = net.parameters(), 1e-6

        def loss_with(p, i, step):
            moved = [a.copy() for a in params]
            moved[p].flat[i] += step
            net.set_parameters(moved)
            return net.evaluate(X, y)[0]

        for p, g in enumerate(grads):
            numeric = [(loss_with(p, i, h) - loss_with(p, i, -h)) / (2 * h) for i in range(params[p].size)]
            np.testing.assert_allclose(g.ravel(), numeric, atol=1e-7)
        net.set_parameters(params)
