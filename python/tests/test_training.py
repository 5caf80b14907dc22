"""Whole-run training (fit, train_together, records) and swiftmoons.article
against the NumPy reference."""

import numpy as np
import pytest

import swiftmoons as sm
from swiftmoons import article
from swiftmoons import reference as ref
from conftest import max_relative_error

TRAINED_PARAMS_RTOL = 1e-10  # the bar after 800 epochs
LOSS_ATOL = 1e-12


def assert_same_training(net, expected):
    assert np.max(np.abs(np.array(net.loss_history) - np.array(expected.loss_history))) <= LOSS_ATOL
    for ours, theirs in zip(net.parameters(), expected.parameters()):
        assert max_relative_error(ours, theirs) <= TRAINED_PARAMS_RTOL


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
@pytest.mark.parametrize("batch_size", [64, 7, 500])
def test_fit_matches_reference(article_data, activation, batch_size):
    X_train, _, y_train, _ = article_data
    expected = ref.TwoLayerNet(activation, seed=3)
    history = expected.fit(X_train, y_train, epochs=120, lr=0.05, batch_size=batch_size, rng=np.random.RandomState(5))
    with sm.TwoLayerNet(activation, seed=3) as net:
        ours = net.fit(X_train, y_train, epochs=120, lr=0.05, batch_size=batch_size, rng=sm.RandomState(5))
        assert len(ours) == 120 and ours == net.loss_history
        assert max(abs(a - b) for a, b in zip(ours, history)) <= LOSS_ATOL
        assert_same_training(net, expected)


def test_fit_continues_and_advances_the_stream(article_data):
    X_train, _, y_train, _ = article_data
    ours, theirs = sm.RandomState(8), np.random.RandomState(8)
    expected = ref.TwoLayerNet("relu", seed=1)
    with sm.TwoLayerNet("relu", seed=1) as net:
        for epochs in (3, 10):
            net.fit(X_train, y_train, epochs=epochs, rng=ours)
            expected.fit(X_train, y_train, epochs=epochs, rng=theirs)
        assert len(net.loss_history) == 13
        assert_same_training(net, expected)
        assert np.array_equal(ours.permutation(50), theirs.permutation(50))


def test_fit_accepts_a_numpy_random_state_and_advances_it(article_data):
    X_train, _, y_train, _ = article_data
    a, b = np.random.RandomState(2), np.random.RandomState(2)
    with sm.TwoLayerNet("sigmoid", seed=0) as net:
        net.fit(X_train, y_train, epochs=4, rng=a)
    ref.TwoLayerNet("sigmoid", seed=0).fit(X_train, y_train, epochs=4, rng=b)
    assert np.array_equal(a.randn(3), b.randn(3))


def test_article_run_reproduces_the_reference_exactly():
    expected = ref.run_article()
    result = article.run()
    try:
        for key in ("X", "y", "X_train", "X_test", "y_train", "y_test"):
            assert np.array_equal(getattr(result, key), expected[key]), key
        for a, b in zip(result.far_samples, expected["far_samples"]):
            assert np.array_equal(a, b)
        for name in ("sigmoid", "relu"):
            assert_same_training(result.nets[name], expected["nets"][name])
            assert result.test_accuracy[name] == expected["test_accuracy"][name]
            assert max_relative_error(result.traces[name], expected["traces"][name]) <= 1e-11
            assert max_relative_error(result.hidden_std[name], expected["hidden_std"][name]) <= 1e-11
        # The article's statements, as the reference computes them.
        assert expected["test_accuracy"] == {"sigmoid": 0.79, "relu": 0.96}
        assert abs(expected["loss_history"]["sigmoid"][399] - 0.28) < 0.01
        assert abs(expected["loss_history"]["relu"][-1] - 0.035) < 0.001
        # The article prints these to two digits, truncated (0.1950 reads as 0.19).
        assert np.allclose(expected["hidden_std"]["sigmoid"], [0.26, 0.19], atol=0.006)
        assert np.allclose(expected["hidden_std"]["relu"], [1.15, 1.67], atol=0.006)
    finally:
        result.close()


def test_article_run_with_other_settings_matches_reference():
    kwargs = dict(n_samples=301, noise=0.25, data_seed=7, split_seed=3, net_seed=11, epochs=60, lr=0.1,
                  batch_size=50, activations=("relu", "sigmoid"))
    expected = ref.run_article(**kwargs)
    result = article.run(**kwargs)
    for name in kwargs["activations"]:
        assert_same_training(result.nets[name], expected["nets"][name])
        assert result.test_accuracy[name] == expected["test_accuracy"][name]
    assert list(result.nets) == ["relu", "sigmoid"]
    result.close()


def test_article_run_rejects_unknown_activation_listing_supported():
    with pytest.raises(ValueError, match="supported activations are \\['identity', 'sigmoid', 'tanh', 'relu'"):
        article.run(activations=("sigmoid", "softsign"))


def test_records_match_reference_at_each_recorded_epoch(article_data):
    X_train, X_test, y_train, y_test = article_data
    with sm.TwoLayerNet("relu", seed=4) as net:
        net.fit(X_train, y_train, epochs=45, rng=sm.RandomState(6), record_every=20, record_params=True,
                X_eval=X_test, y_eval=y_test)
        rec = net.records
    assert rec.epochs.tolist() == [20, 40, 45]
    expected = ref.TwoLayerNet("relu", seed=4)
    rng = np.random.RandomState(6)
    for k, epochs in enumerate((20, 20, 5)):
        expected.fit(X_train, y_train, epochs=epochs, rng=rng)
        for ours, theirs in zip(rec.params[k], expected.parameters()):
            assert max_relative_error(ours, theirs) <= TRAINED_PARAMS_RTOL
        loss = ref.bce(y_test.reshape(-1, 1), expected.forward(X_test))
        assert abs(rec.eval_loss[k] - loss) <= 1e-12
        assert rec.eval_accuracy[k] == ref.accuracy(expected, X_test, y_test)


def test_train_together_records_each_network_and_clears(article_data):
    X_train, _, y_train, _ = article_data
    nets = [sm.TwoLayerNet("sigmoid", seed=0), sm.TwoLayerNet("relu", seed=0)]
    sm.train_together(nets, X_train, y_train, epochs=10, rng=1, record_every=5)
    for net in nets:
        rec = net.records
        assert rec.epochs.tolist() == [5, 10] and rec.params is None and np.isnan(rec.eval_loss).all()
        net.clear_records()
        assert net.records.epochs.size == 0
    with sm.TwoLayerNet("relu", seed=0) as fresh:
        fresh.fit(X_train, y_train, epochs=3, rng=1)
        assert fresh.records.epochs.size == 0  # nothing recorded unless asked


BAD_FIT_ARGS = [
    (dict(epochs=0), "epochs"),
    (dict(epochs=2.5), "epochs"),
    (dict(batch_size=0), "batch_size"),
    (dict(lr=float("nan")), "lr"),
    (dict(lr=float("inf")), "lr"),
    (dict(y=np.zeros(10)), "shape"),
    (dict(y=np.full(300, 2.0)), r"values in \[0, 1\]"),
    (dict(y=np.full(300, -3.0)), r"values in \[0, 1\]"),
    (dict(lr=-0.1), ">= 0"),
    (dict(epochs=2**64 + 5), "epochs must be in 1.."),
    (dict(batch_size=2**64 + 5), "batch_size must be in 1.."),
    (dict(X=np.full((300, 2), np.nan)), "finite"),
    (dict(X=np.zeros((300, 3))), r"\(n, 2\)"),
    (dict(record_every=-1), "record_every"),
    (dict(X_eval=np.zeros((3, 2))), "both"),
]


@pytest.mark.parametrize("override, message", BAD_FIT_ARGS)
def test_bad_fit_arguments_raise_and_change_nothing(article_data, override, message):
    X_train, _, y_train, _ = article_data
    args = dict(X=X_train, y=y_train, epochs=5, lr=0.05, batch_size=64)
    args.update(override)
    rng = sm.RandomState(1)
    state = rng.get_state()
    with sm.TwoLayerNet("relu", seed=0) as net:
        before = net.parameters()
        with pytest.raises((TypeError, ValueError), match=message):
            net.fit(args.pop("X"), args.pop("y"), rng=rng, **args)
        for a, b in zip(net.parameters(), before):
            assert np.array_equal(a, b)
        assert net.loss_history == []
    assert all(np.array_equal(a, b) for a, b in zip(rng.get_state()[1:], state[1:]))


def test_train_together_rejects_duplicates_and_mismatched_widths(article_data):
    X_train, _, y_train, _ = article_data
    net = sm.TwoLayerNet("relu", seed=0)
    with pytest.raises(ValueError, match="once"):
        sm.train_together([net, net], X_train, y_train, epochs=1)
    with pytest.raises(ValueError, match="widths"):
        sm.train_together([net, sm.TwoLayerNet("relu", layer_sizes=(3, 4, 1))], X_train, y_train, epochs=1)
    with pytest.raises(ValueError, match="at least one"):
        sm.train_together([], X_train, y_train, epochs=1)


def test_training_records_compare_by_value(article_data):
    X, y = article_data[0], article_data[2]
    net = sm.TwoLayerNet("relu", seed=0)
    net.fit(X, y, epochs=6, rng=0, record_every=2, record_params=True)  # no eval set: NaN metrics
    twin = net.__copy__()
    assert twin.records == net.records
    twin.fit(X, y, epochs=2, rng=1, record_every=2, record_params=True)
    assert twin.records != net.records
    other = sm.TwoLayerNet("relu", seed=0)
    other.fit(X, y, epochs=6, rng=0, record_every=2)  # the same, without the parameters
    assert other.records != net.records
    assert net.records != "records"
