"""One rule for every entry point: bad values get a clear error that names
the parameter, and a failing call changes nothing (network, stream, records).
The cases are the issue's snippets and their neighbours."""

import numpy as np
import pytest

import swiftmoons as sm
from swiftmoons import article, reference as ref


def state_of(net):
    return [p.copy() for p in net.parameters()], list(net.loss_history), net.epochs_trained


def assert_unchanged(net, before):
    params, history, epochs = before
    assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(net.parameters(), params))
    assert net.loss_history == history and net.epochs_trained == epochs


X2 = np.array([[0.5, 0.0], [1.0, 2.0]])
BAD_STEPS = {
    "NaN in X": (np.array([[np.nan, 0.0], [1.0, 2.0]]), [0.0, 1.0], 0.05, "X must be finite"),
    "infinity in X": (np.array([[np.inf, 0.0], [1.0, 2.0]]), [0.0, 1.0], 0.05, "X must be finite"),
    "label 7": (X2, [0.0, 7.0], 0.05, r"values in \[0, 1\]"),
    "label -3": (X2, [-3.0, 1.0], 0.05, r"values in \[0, 1\]"),
    "NaN label": (X2, [np.nan, 1.0], 0.05, r"values in \[0, 1\]"),
    "negative lr": (X2, [0.0, 1.0], -1.0, "lr must be a finite number >= 0"),
    "NaN lr": (X2, [0.0, 1.0], np.nan, "lr must be a finite number >= 0"),
}


@pytest.mark.parametrize("case", sorted(BAD_STEPS))
def test_train_step_and_evaluate_refuse_what_fit_refuses(case):
    X, y, lr, message = BAD_STEPS[case]
    net = sm.TwoLayerNet("sigmoid", seed=0)
    before = state_of(net)
    with pytest.raises(ValueError, match=message):
        net.train_step(X, np.array(y), lr)
    with pytest.raises(ValueError, match=message):
        net.fit(X, np.array(y), epochs=2, lr=lr, batch_size=1, rng=0)
    if "lr" not in case:
        with pytest.raises(ValueError, match=message):
            net.evaluate(X, np.array(y))
        with pytest.raises(ValueError, match=message):
            net.gradients(X, np.array(y))
    assert_unchanged(net, before)
    # The next clean step is the reference's: nothing leaked in.
    expected = ref.TwoLayerNet("sigmoid", seed=0)
    assert net.train_step(X2, np.array([0.0, 1.0])) == pytest.approx(expected.train_step(X2, np.array([0.0, 1.0])),
                                                                     rel=1e-12)


def test_soft_labels_are_accepted_everywhere_and_match_the_reference():
    X = np.random.RandomState(0).randn(16, 2)
    y = np.linspace(0, 1, 16)
    net, expected = sm.TwoLayerNet("relu", seed=1), ref.TwoLayerNet("relu", seed=1)
    assert net.train_step(X, y, 0.1) == pytest.approx(expected.train_step(X, y, 0.1), rel=1e-12)
    assert net.evaluate(X, y)[0] > 0
    net.fit(X, y, epochs=2, batch_size=4, rng=0)


@pytest.mark.parametrize("lr", [50.0, 1e3, 1e6])
def test_a_diverging_run_reports_the_references_loss_never_a_finite_wrong_one(lr):
    # Large rates blow the weights up: the loss is then the reference's
    # formula evaluated on the same numbers, finite where it is finite and
    # NaN where it is NaN; a binary cross-entropy is never negative.
    X = np.random.RandomState(3).randn(32, 2) * 3
    y = (X[:, 0] > 0).astype(float)
    net, expected = sm.TwoLayerNet("relu", seed=2), ref.TwoLayerNet("relu", seed=2)
    for _ in range(30):
        ours, theirs = net.train_step(X, y, lr), expected.train_step(X, y, lr)
        assert not ours < 0
        assert np.isnan(ours) == np.isnan(theirs)
        if np.isfinite(theirs):
            assert ours == pytest.approx(theirs, rel=1e-6, abs=1e-9)


def test_cli_refuses_a_negative_learning_rate(capsys):
    from swiftmoons.__main__ import main
    assert main(["--lr", "-1", "--no-plots"]) == 2
    assert "lr must be a finite number >= 0, got -1.0" in capsys.readouterr().err


INTEGER_CASES = {
    "threads 2**32": (lambda: sm.set_threads(2**32), ValueError, "n must be in 0..1024"),
    "threads 1.7": (lambda: sm.set_threads(1.7), TypeError, "n must be an integer"),
    "threads string": (lambda: sm.set_threads("2"), TypeError, "n must be an integer"),
    "sweep seeds 0.9": (lambda: sm.sweep([0.9, 1.7], epochs=1), TypeError, "net_seeds must be an integer"),
    "sweep samples 2**64+40": (lambda: sm.sweep([0], n_samples=2**64 + 40, epochs=1), ValueError, "n_samples must be in"),
    "random_sample '12'": (lambda: sm.RandomState(0).random_sample("12"), TypeError, "size"),
    "randn 2.5": (lambda: sm.RandomState(0).randn(2.5), TypeError, "size must be an integer"),
    "permutation 2**64": (lambda: sm.RandomState(0).permutation(2**64), ValueError, "x must be in"),
    "hidden layer 2**64": (lambda: sm.TwoLayerNet("relu").get_hidden(X2, 2**64), ValueError, "layer must be in"),
    "moons 2**64": (lambda: sm.make_moons(2**64), ValueError, "n_samples must be in"),
}


@pytest.mark.parametrize("case", sorted(INTEGER_CASES))
def test_integers_are_checked_before_ctypes_could_wrap_them(case):
    call, kind, message = INTEGER_CASES[case]
    before = sm.get_threads()
    with pytest.raises(kind, match=message):
        call()
    assert sm.get_threads() == before


def test_fit_batch_of_2_64_plus_5_is_refused_not_wrapped_to_5():
    net = sm.TwoLayerNet("relu", seed=0)
    before = state_of(net)
    with pytest.raises(ValueError, match="batch_size must be in 1.."):
        net.fit(X2, np.array([0.0, 1.0]), epochs=1, batch_size=2**64 + 5)
    assert_unchanged(net, before)


def test_integral_floats_are_integers():
    X, y = sm.make_moons(40.0, noise=0.1, random_state=0)
    assert X.shape == (40, 2)
    net = sm.TwoLayerNet("relu", seed=0)
    assert len(net.fit(X, y, epochs=3.0, batch_size=8.0, rng=0)) == 3


@pytest.mark.parametrize("name", ["relu\x00junk", "relu\x00"])
def test_names_with_nul_are_refused(name):
    with pytest.raises(ValueError, match="NUL"):
        sm.TwoLayerNet(name)
    with pytest.raises(ValueError, match="NUL"):
        sm.MLP((2, 3, 1), activation="relu", output="sigmoid\x00x")
    with pytest.raises(ValueError, match="NUL"):
        sm.activations.evaluate(name, [0.0])


@pytest.mark.parametrize("target", [(1, 2, 3), "abc", "read-only"])
def test_a_failing_shuffle_does_not_move_the_stream(target):
    rs = sm.RandomState(4)
    state = rs.get_state()
    if target == "read-only":
        target = np.arange(5.0)
        target.flags.writeable = False
    with pytest.raises((TypeError, ValueError)):
        rs.shuffle(target)
    after = rs.get_state()
    assert np.array_equal(after[1], state[1]) and after[2:] == state[2:]


def test_an_all_zero_key_is_refused_instead_of_hanging():
    rs = sm.RandomState(4)
    with pytest.raises(ValueError, match="all zero"):
        rs.set_state(("MT19937", np.zeros(624, dtype=np.uint32), 624, 0, 0.0))
    assert np.array_equal(rs.randn(3), np.random.RandomState(4).randn(3))


def test_article_run_with_too_few_samples_says_so():
    with pytest.raises(ValueError, match="n_samples must be >= 8"):
        article.run(n_samples=3)


def test_wrong_object_types_get_type_errors_naming_the_parameter():
    with pytest.raises(TypeError, match="nets"):
        sm.train_together(["not a network"], X2, [0, 1])
    with pytest.raises(TypeError, match="layer_sizes"):
        sm.MLP(7)
    with pytest.raises(TypeError, match="lr"):
        sm.TwoLayerNet("relu").train_step(X2, [0, 1], lr="fast")
    with pytest.raises(TypeError, match="output"):
        sm.MLP((2, 3, 1), output=None)
