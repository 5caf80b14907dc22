"""Data functions: swiftmoons and the reference, each against scikit-learn, exactly."""

import numpy as np
import pytest

import swiftmoons as sm
from swiftmoons import reference as ref

sklearn = pytest.importorskip("sklearn", reason="scikit-learn is a test dependency (make test installs it)")
from sklearn.datasets import make_moons as sk_make_moons  # noqa: E402
from sklearn.model_selection import train_test_split as sk_split  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

SIZES = [2, 3, 7, 100, 101, 400, 1001]
NOISES = [None, 0.0, 0.05, 0.18, 0.3]
DATA_SEEDS = [0, 1, 42, 2**32 - 1]


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("noise", NOISES)
@pytest.mark.parametrize("seed", DATA_SEEDS)
def test_make_moons_equals_sklearn(n, noise, seed):
    X_sk, y_sk = sk_make_moons(n, noise=noise, random_state=seed)
    for impl in (sm.make_moons, ref.make_moons):
        X, y = impl(n, noise=noise, random_state=seed)
        assert np.array_equal(X, X_sk) and np.array_equal(y, y_sk), impl.__module__
        assert X.dtype == np.float64 and y.dtype == y_sk.dtype


@pytest.mark.parametrize("shuffle", [True, False])
def test_make_moons_options_equal_sklearn(shuffle):
    X_sk, y_sk = sk_make_moons((13, 8), noise=0.1, random_state=5, shuffle=shuffle)
    X, y = sm.make_moons((13, 8), noise=0.1, random_state=5, shuffle=shuffle)
    assert np.array_equal(X, X_sk) and np.array_equal(y, y_sk)


def test_numpy_random_state_advances_as_in_sklearn():
    a, b = np.random.RandomState(9), np.random.RandomState(9)
    X, _ = sm.make_moons(50, noise=0.2, random_state=a)
    X_sk, _ = sk_make_moons(50, noise=0.2, random_state=b)
    assert np.array_equal(X, X_sk)
    assert np.array_equal(a.randn(4), b.randn(4))


def test_swiftmoons_random_state_is_advanced():
    ours, theirs = sm.RandomState(3), np.random.RandomState(3)
    sm.make_moons(20, noise=0.1, random_state=ours)
    sk_make_moons(20, noise=0.1, random_state=theirs)
    assert np.array_equal(ours.randn(3), theirs.randn(3))


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", [0, 42])
def test_standardize_equals_standard_scaler(n, seed):
    X, _ = sk_make_moons(n, noise=0.18, random_state=seed)
    expected = StandardScaler().fit_transform(X)
    assert np.array_equal(sm.standardize(X), expected)
    assert np.array_equal(ref.standardize(X), expected)


def test_standardize_wide_and_constant_columns():
    X = np.random.RandomState(0).randn(57, 5) * [1, 10, 1e-3, 0, 1e6] + [0, 3, -2, 7, 1e3]
    expected = StandardScaler().fit_transform(X)
    assert np.array_equal(sm.standardize(X), expected)
    assert np.array_equal(ref.standardize(X), expected)


@pytest.mark.parametrize("n", [4, 5, 10, 99, 100, 400])
@pytest.mark.parametrize("test_size", [0.25, 0.1, 0.5, 3])
@pytest.mark.parametrize("seed", [0, 42])
def test_train_test_split_equals_sklearn(n, test_size, seed):
    X = np.arange(2 * n, dtype=float).reshape(n, 2)
    y = np.arange(n) % 2
    expected = sk_split(X, y, test_size=test_size, random_state=seed)
    for impl in (sm.train_test_split, ref.train_test_split):
        got = impl(X, y, test_size=test_size, random_state=seed)
        assert len(got) == 4
        for a, b in zip(got, expected):
            assert np.array_equal(a, b) and a.dtype == b.dtype


@pytest.mark.parametrize("test_size", [0.0, 1.0, 1.5, -0.1, 10, float("nan")])
def test_train_test_split_rejects_bad_sizes(test_size):
    with pytest.raises(ValueError):
        sm.train_test_split(np.zeros((10, 2)), np.zeros(10), test_size=test_size, random_state=0)


def test_data_functions_reject_bad_input():
    with pytest.raises(ValueError):
        sm.make_moons(0)
    with pytest.raises(ValueError):
        sm.make_moons(10, noise=-1.0)
    with pytest.raises(ValueError, match="inconsistent"):
        sm.train_test_split(np.zeros((10, 2)), np.zeros(9))
    with pytest.raises(ValueError, match="finite"):
        sm.standardize([[1.0, np.nan], [2.0, 3.0]])
    with pytest.raises(ValueError, match="shape"):
        sm.standardize(np.zeros(5))


# ---- make_circles and make_blobs: scikit-learn's, bit for bit ---------------------------

CIRCLES = [dict(n_samples=100, random_state=0), dict(n_samples=101, noise=0.1, random_state=3),
           dict(n_samples=(30, 7), factor=0.3, noise=0.05, random_state=5),
           dict(n_samples=50, shuffle=False, noise=0.2, random_state=1), dict(n_samples=1, random_state=0),
           dict(n_samples=(0, 9), factor=0.0, random_state=2)]
BLOBS = [dict(n_samples=100, random_state=0), dict(n_samples=101, centers=5, n_features=3, cluster_std=2.5, random_state=3),
         dict(n_samples=[10, 20, 5], random_state=4),
         dict(n_samples=[10, 20], centers=[[0.0, 0.0], [5.0, 5.0]], cluster_std=[1.0, 0.5], random_state=2),
         dict(n_samples=60, centers=[[1.0, 2.0, 3.0]], random_state=1, shuffle=False),
         dict(n_samples=50, center_box=(0.0, 1.0), random_state=9), dict(n_samples=7, centers=2, cluster_std=0.0, random_state=1)]


@pytest.mark.parametrize("kwargs", CIRCLES, ids=str)
def test_make_circles_is_scikit_learns_and_the_references(kwargs):
    from sklearn.datasets import make_circles as sk_circles
    ours = sm.make_circles(**kwargs)
    for expected in (sk_circles(**kwargs), ref.make_circles(**kwargs)):
        assert np.array_equal(ours[0], expected[0]) and np.array_equal(ours[1], expected[1])
    assert ours[1].dtype == np.int64


@pytest.mark.parametrize("kwargs", BLOBS, ids=str)
def test_make_blobs_is_scikit_learns_and_the_references(kwargs):
    from sklearn.datasets import make_blobs as sk_blobs
    ours = sm.make_blobs(return_centers=True, **kwargs)
    for expected in (sk_blobs(return_centers=True, **kwargs), ref.make_blobs(return_centers=True, **kwargs)):
        for a, b in zip(ours, expected):
            assert np.array_equal(a, b)


def test_new_data_sets_draw_from_a_given_stream_as_scikit_learn_does():
    from sklearn.datasets import make_blobs as sk_blobs, make_circles as sk_circles
    ours, theirs = np.random.RandomState(7), np.random.RandomState(7)
    sm.make_circles(40, noise=0.1, random_state=ours)
    sk_circles(40, noise=0.1, random_state=theirs)
    sm.make_blobs(33, centers=3, random_state=ours)
    sk_blobs(33, centers=3, random_state=theirs)
    assert ours.random_sample() == theirs.random_sample()


@pytest.mark.parametrize("call, error, message", [
    (lambda: sm.make_circles(10, factor=1.0), sm.SwiftMoonsError, "factor must be in"),
    (lambda: sm.make_circles(10, factor=-0.1), sm.SwiftMoonsError, "factor must be in"),
    (lambda: sm.make_circles(10, noise=-1.0), sm.SwiftMoonsError, "noise"),
    (lambda: sm.make_circles(0), sm.SwiftMoonsError, "n_samples must be >= 1"),
    (lambda: sm.make_circles((1, 2, 3)), ValueError, "pair"),
    (lambda: sm.make_circles("10"), TypeError, "n_samples"),
    (lambda: sm.make_blobs(10, cluster_std=[1.0, 2.0]), ValueError, "one std per center"),
    (lambda: sm.make_blobs(10, cluster_std=-1.0), sm.SwiftMoonsError, "cluster_std must be finite and >= 0"),
    (lambda: sm.make_blobs([5, 5], centers=3), ValueError, "centers"),
    (lambda: sm.make_blobs(10, centers=[[0.0, np.nan]]), sm.SwiftMoonsError, "centers must be finite"),
    (lambda: sm.make_blobs(10, center_box=(1.0, -1.0)), sm.SwiftMoonsError, "center_box"),
    (lambda: sm.make_blobs(10, centers=0), ValueError, "centers"),
])
def test_new_data_sets_refuse_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_a_refused_make_blobs_leaves_the_stream_where_it_was():
    stream = sm.RandomState(3)
    before = stream.get_state()
    with pytest.raises(sm.SwiftMoonsError):
        sm.make_blobs(10, cluster_std=[1.0, 1.0, -1.0], random_state=stream)
    after = stream.get_state()
    assert all(np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b for a, b in zip(before, after))


# ---- make_xor and make_spiral: swiftmoons' own, against the NumPy reference ---------------

#: Coordinates within [-1.1, 1.1]: a couple of ulps of sin/cos times the radius.
SIN_COS_ULPS = 4.5e-16

@pytest.mark.parametrize("kwargs", [dict(n_samples=100, random_state=0), dict(n_samples=57, noise=0.1, random_state=3),
                                    dict(n_samples=1, margin=0.0, random_state=1),
                                    dict(n_samples=40, margin=0.2, noise=0.0, random_state=2)], ids=str)
def test_make_xor_is_the_references(kwargs):
    ours, expected = sm.make_xor(**kwargs), ref.make_xor(**kwargs)
    assert np.array_equal(ours[0], expected[0]) and np.array_equal(ours[1], expected[1])


@pytest.mark.parametrize("kwargs", [dict(n_samples=100, random_state=0), dict(n_samples=(13, 0), noise=0.05, random_state=3),
                                    dict(n_samples=99, shuffle=False, random_state=1),
                                    dict(n_samples=(5, 8), noise=0.3, random_state=4)], ids=str)
def test_make_spiral_is_the_references(kwargs):
    ours, expected = sm.make_spiral(**kwargs), ref.make_spiral(**kwargs)
    # Bit for bit where NumPy's sin and cos are the C library's (as here; with
    # SIMD versions of its own they may differ in the last bit).
    assert np.allclose(ours[0], expected[0], rtol=0, atol=SIN_COS_ULPS) and np.array_equal(ours[1], expected[1])


def test_xor_and_spiral_shapes_and_labels():
    X, y = sm.make_xor(500, random_state=0)
    assert set(np.unique(y)) == {0, 1} and np.all((X[:, 0] * X[:, 1] > 0) == (y == 1))
    assert np.all(np.abs(X) >= 0.06) and np.all(np.abs(X) <= 1.06)
    X, y = sm.make_spiral(200, shuffle=False, random_state=0)
    assert y[:100].sum() == 0 and y[100:].sum() == 100
    assert np.allclose(X[100:], -X[:100], atol=1e-12)  # the second arm is the first turned by pi
    with pytest.raises(sm.SwiftMoonsError, match="margin"):
        sm.make_xor(10, margin=-0.1)
    with pytest.raises(sm.SwiftMoonsError, match="noise"):
        sm.make_spiral(10, noise=float("nan"))
