"""TwoLayerNet against swiftmoons.reference (plain NumPy, the article's math)."""

import numpy as np
import pytest

import swiftmoons as sm
from swiftmoons import reference as ref
from conftest import SEEDS, max_relative_error, normwise_error

ACTIVATIONS = ["sigmoid", "relu"]

# A forward pass is a few dot products of length <= 8 and one exp: its
# rounding differs from BLAS's by a few ulps, far below 1e-13.
FORWARD_RTOL = 1e-13
# One step: the gradients' sums run in another order than BLAS's.
STEP_RTOL = 1e-12
# 800 epochs (8000 steps) let ulp-level differences grow; the bar.
TRAINED_PARAMS_RTOL = 1e-10
LOSS_HISTORY_ATOL = 1e-12


def params_of(net):
    return [np.asarray(p) for p in net.parameters()]


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("seed", SEEDS)
def test_init_matches_numpy_for_seed(activation, seed):
    expected = ref.TwoLayerNet(activation, seed=seed)
    with sm.TwoLayerNet(activation, seed=seed) as net:
        for name in ("W1", "b1", "W2", "b2", "W3", "b3"):
            ours, theirs = getattr(net, name), getattr(expected, name)
            assert ours.shape == theirs.shape and np.array_equal(ours, theirs), name


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("seed", SEEDS)
def test_forward_matches_reference(activation, seed):
    X = np.random.RandomState(seed).randn(257, 2) * 2
    expected = ref.TwoLayerNet(activation, seed=seed)
    with sm.TwoLayerNet(activation, seed=seed) as net:
        assert max_relative_error(net.forward(X), expected.forward(X)) <= FORWARD_RTOL
        for layer in (1, 2):
            # Hidden units can cancel to near zero; compare against the layer's scale.
            assert normwise_error(net.get_hidden(X, layer), expected.get_hidden(X, layer)) <= FORWARD_RTOL
        assert max_relative_error(net.get_z_trace(X[:1]), expected.get_z_trace(X[:1])) <= FORWARD_RTOL
        assert max_relative_error(net.get_z_trace(X), expected.get_z_trace(X)) <= FORWARD_RTOL
        assert normwise_error(net.get_z_trace(X, per_sample=True), expected.get_z_trace(X, per_sample=True)) <= FORWARD_RTOL


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("seed", SEEDS)
def test_one_train_step_matches_reference(activation, seed):
    rs = np.random.RandomState(seed)
    X, y = rs.randn(64, 2), (rs.rand(64) > 0.5).astype(int)
    expected = ref.TwoLayerNet(activation, seed=seed)
    with sm.TwoLayerNet(activation, seed=seed) as net:
        loss, expected_loss = net.train_step(X, y, lr=0.05), expected.train_step(X, y, lr=0.05)
        assert abs(loss - expected_loss) <= 1e-15 * max(1, abs(expected_loss)) * 10
        for ours, theirs in zip(params_of(net), expected.parameters()):
            assert max_relative_error(ours, theirs) <= STEP_RTOL


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("rows", [64, 61, 8, 5, 1])
@pytest.mark.parametrize("labels", ["binary", "soft", "mixed"])
def test_train_step_matches_reference_for_any_batch_and_labels(activation, rows, labels):
    # Batches that are not a multiple of four or eight samples, and BCE with
    # labels other than 0 and 1 (whole groups of them, or one in a group of
    # four), take other paths through the kernels than the article's.
    rs = np.random.RandomState(rows)
    X = rs.randn(rows, 2)
    y = {"binary": (rs.rand(rows) > 0.5).astype(float), "soft": rs.rand(rows),
         "mixed": np.where(np.arange(rows) % 4 == 1, 0.3, (rs.rand(rows) > 0.5).astype(float))}[labels]
    expected = ref.TwoLayerNet(activation, seed=3)
    with sm.TwoLayerNet(activation, seed=3) as net:
        for _ in range(3):
            loss, expected_loss = net.train_step(X, y, lr=0.5), expected.train_step(X, y, lr=0.5)
            assert abs(loss - expected_loss) <= 1e-14 * max(1, abs(expected_loss))
        for ours, theirs in zip(params_of(net), expected.parameters()):
            assert max_relative_error(ours, theirs) <= STEP_RTOL


def test_train_step_takes_batches_of_any_layout():
    # The fast path takes C-contiguous float64 X (n, 2) and y (n,); anything
    # else is converted first. Both must give the same step.
    rs = np.random.RandomState(5)
    X, y = rs.randn(16, 2), (rs.rand(16) > 0.5).astype(float)
    wide = np.zeros((16, 4))
    wide[:, ::2] = X  # X as a strided view
    layouts = [(X, y), (np.asfortranarray(X), y), (wide[:, ::2], y), (X.tolist(), y.tolist()),
               (X, y.reshape(-1, 1)), (X, np.repeat(y, 2)[::2]), (X, y.astype(int)), (X, y.astype(bool))]
    losses, params = [], []
    for bx, by in layouts:
        with sm.TwoLayerNet("relu", seed=9) as net:
            losses.append(net.train_step(bx, by, lr=0.1))
            params.append(np.concatenate([p.ravel() for p in params_of(net)]))
    assert all(loss == losses[0] for loss in losses), losses
    assert all(np.array_equal(p, params[0]) for p in params)
    with sm.TwoLayerNet("relu", seed=9) as net:
        with pytest.raises(ValueError):
            net.train_step(wide, y)  # four features for a two-input network
        with pytest.raises(ValueError):
            net.train_step(X, y[:-1])


def train_swiftmoons_article(X_train, y_train, seed=42, epochs=800, lr=0.05, batch=64):
    """The article's loop through the public API: shared permutations per epoch,
    drawn from the stream the ReLU constructor leaves behind."""
    rng = sm.RandomState(seed)
    nets = [sm.TwoLayerNet("sigmoid", seed=seed), sm.TwoLayerNet("relu", seed=rng)]
    for _ in range(epochs):
        idx = rng.permutation(len(X_train))
        for net in nets:
            losses = [net.train_step(X_train[idx[i:i + batch]], y_train[idx[i:i + batch]], lr)
                      for i in range(0, len(idx), batch)]
            net.loss_history.append(np.mean(losses))
    return nets


def test_article_training_matches_reference(article_data):
    X_train, X_test, y_train, y_test = article_data
    expected = [ref.TwoLayerNet("sigmoid", seed=42), ref.TwoLayerNet("relu", seed=42)]
    ref.train_together(expected, X_train, y_train, epochs=800, lr=0.05, batch_size=64)
    nets = train_swiftmoons_article(X_train, y_train)
    for net, exp in zip(nets, expected):
        assert len(net.loss_history) == 800
        assert np.max(np.abs(np.array(net.loss_history) - exp.loss_history)) <= LOSS_HISTORY_ATOL
        for ours, theirs in zip(params_of(net), exp.parameters()):
            assert max_relative_error(ours, theirs) <= TRAINED_PARAMS_RTOL
        accuracy = ((net.forward(X_test) >= 0.5).ravel() == y_test).mean()
        assert accuracy == ((exp.forward(X_test) >= 0.5).ravel() == y_test).mean()
    # The article's headline numbers, as the reference computes them.
    assert abs(expected[0].loss_history[-1] - 0.28) < 0.01
    assert expected[1].loss_history[-1] < 0.04


def test_reference_follows_the_global_stream_like_the_article():
    ref.TwoLayerNet("relu", seed=42)
    after_reference = np.random.permutation(300)
    rng = sm.RandomState(42)
    sm.TwoLayerNet("relu", seed=rng).close()
    assert np.array_equal(rng.permutation(300), after_reference)


def test_general_layer_sizes_match_reference():
    sizes = (3, 16, 5, 7, 2)
    X = np.random.RandomState(0).randn(40, 3)
    Y = (np.random.RandomState(1).rand(40, 2) > 0.5).astype(float)
    for activation in ACTIVATIONS:
        expected = ref.TwoLayerNet(activation, seed=9, layer_sizes=sizes)
        with sm.TwoLayerNet(activation, seed=9, layer_sizes=sizes) as net:
            assert net.layer_sizes == sizes and net.W4.shape == (7, 2)
            for _ in range(20):
                assert abs(net.train_step(X, Y, 0.1) - expected.train_step(X, Y, 0.1)) < 1e-13
            for ours, theirs in zip(params_of(net), expected.parameters()):
                assert max_relative_error(ours, theirs) <= STEP_RTOL * 100
            assert len(net.get_z_trace(X[0])) == 7


def test_parameters_are_read_only_copies_and_assignable():
    with sm.TwoLayerNet("relu", seed=0) as net:
        W1 = net.W1
        with pytest.raises(ValueError):
            W1[0, 0] = 5.0
        new = np.arange(16, dtype=np.float32).reshape(2, 8)  # any real dtype
        net.W1 = new
        assert np.array_equal(net.W1, new.astype(np.float64))
        net.b3 = [[0.5]]
        assert net.b3.shape == (1, 1) and net.b3[0, 0] == 0.5
        clone = sm.TwoLayerNet.from_params([net.W1, net.W2, net.W3], [net.b1, net.b2, net.b3], activation="relu")
        X = np.random.RandomState(0).randn(10, 2)
        assert np.array_equal(clone.forward(X), net.forward(X))
        clone.set_parameters(net.parameters())


@pytest.mark.parametrize("make_input", [
    lambda X: X.tolist(),
    lambda X: np.asfortranarray(X),
    lambda X: X.astype(np.float32).astype(np.float64),
    lambda X: X[::1],
    lambda X: np.ascontiguousarray(np.hstack([X, X])[:, :2]),
])
def test_inputs_of_any_layout_give_the_same_output(make_input):
    X = np.random.RandomState(0).randn(9, 2).astype(np.float32).astype(np.float64)
    with sm.TwoLayerNet("sigmoid", seed=1) as net:
        assert np.array_equal(net.forward(make_input(X)), net.forward(X))
    ints = np.array([[1, 2], [3, -4]], dtype=np.int32)
    with sm.TwoLayerNet("relu", seed=1) as net:
        assert np.array_equal(net.forward(ints), net.forward(ints.astype(float)))


@pytest.mark.parametrize("bad, message", [
    (np.zeros((4, 3)), r"\(n, 2\)"),
    (np.zeros(4), r"\(n, 2\)"),
    (np.zeros((0, 2)), r"\(n, 2\)"),
])
def test_forward_rejects_wrong_shape(bad, message):
    with sm.TwoLayerNet("relu", seed=0) as net:
        with pytest.raises(ValueError, match=message):
            net.forward(bad)


def test_wrong_parameters_change_nothing():
    with sm.TwoLayerNet("relu", seed=0) as net:
        before = params_of(net)
        with pytest.raises(ValueError, match=r"\(2, 8\)"):
            net.W1 = np.zeros((8, 2))
        with pytest.raises(ValueError):
            net.set_parameters(before[:-1] + [np.zeros((1, 2))])
        with pytest.raises(ValueError, match="lr must be a finite number >= 0"):
            net.train_step(np.zeros((4, 2)), np.zeros(4), lr=float("nan"))
        with pytest.raises(ValueError, match="y must have shape"):
            net.train_step(np.zeros((4, 2)), np.zeros(3))
        with pytest.raises(ValueError, match="layer"):
            net.get_hidden(np.zeros((4, 2)), layer=3)
        with pytest.raises(AttributeError):
            net.W4
        for a, b in zip(params_of(net), before):
            assert np.array_equal(a, b)


def test_unknown_activation_is_a_library_error_listing_valid_ones():
    with pytest.raises(sm.SwiftMoonsError, match='valid activations are "identity", "sigmoid", "tanh", "relu"') as info:
        sm.TwoLayerNet("softsign")
    assert info.value.status_name == "SM_ERR_BAD_ARGUMENT"


def test_closed_network_raises_instead_of_crashing():
    net = sm.TwoLayerNet("relu", seed=0)
    net.close()
    with pytest.raises(ValueError, match="closed"):
        net.forward(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="closed"):
        net.W1
    assert "closed" in repr(net)


def test_two_layer_net_repr_keeps_the_activation_parameter():
    net = sm.TwoLayerNet(("leaky_relu", 0.2), seed=0)
    assert repr(net) == "TwoLayerNet(activation=('leaky_relu', 0.2), layer_sizes=(2, 8, 8, 1))"
    twin = eval(repr(net), {"TwoLayerNet": sm.TwoLayerNet})
    assert twin.activations == net.activations
    assert repr(sm.TwoLayerNet("relu")) == "TwoLayerNet(activation='relu', layer_sizes=(2, 8, 8, 1))"
