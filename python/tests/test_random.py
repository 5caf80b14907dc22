"""swiftmoons.RandomState against numpy.random.RandomState: exact equality."""

import numpy as np
import pytest

import swiftmoons as sm
from conftest import SEEDS


@pytest.mark.parametrize("seed", SEEDS)
def test_streams_match_numpy_bit_for_bit(seed):
    ours, theirs = sm.RandomState(seed), np.random.RandomState(seed)
    assert np.array_equal(ours.random_sample(101), theirs.random_sample(101))
    assert np.array_equal(ours.randn(3, 7), theirs.randn(3, 7))  # odd count: one Gaussian cached
    assert ours.randn() == theirs.randn()
    assert np.array_equal(ours.normal(1.5, 0.25, size=(5,)), theirs.normal(1.5, 0.25, size=(5,)))
    assert ours.normal() == theirs.normal()
    assert np.array_equal(ours.permutation(1000), theirs.permutation(1000))
    assert np.array_equal(ours.standard_normal(9), theirs.standard_normal(9))
    for a, b in zip(ours.get_state()[1:], theirs.get_state()[1:]):
        assert np.array_equal(a, b)


def test_state_crosses_between_numpy_and_swiftmoons():
    theirs = np.random.RandomState(7)
    theirs.randn(3)  # leaves a cached Gaussian
    ours = sm.RandomState.from_numpy(theirs)
    assert np.array_equal(ours.randn(11), theirs.randn(11))
    back = np.random.RandomState(0)
    back.set_state(ours.get_state())
    assert np.array_equal(ours.random_sample(5), back.random_sample(5))


def test_reseeding_drops_the_cached_gaussian():
    ours, theirs = sm.RandomState(3), np.random.RandomState(3)
    ours.randn(1), theirs.randn(1)
    ours.seed(5), theirs.seed(5)
    assert ours.get_state()[3] == theirs.get_state()[3] == 0
    assert ours.randn() == theirs.randn()


def test_permutation_and_shuffle_of_arrays_match_numpy():
    data = np.arange(24.0).reshape(12, 2)
    ours, theirs = sm.RandomState(11), np.random.RandomState(11)
    assert np.array_equal(ours.permutation(data), theirs.permutation(data))
    a, b = data.copy(), data.copy()
    ours.shuffle(a), theirs.shuffle(b)
    assert np.array_equal(a, b)
    items_a, items_b = list("abcdefg"), list("abcdefg")
    ours.shuffle(items_a), theirs.shuffle(items_b)
    assert items_a == items_b


@pytest.mark.parametrize("seed", [-1, 2**32, 2**70])
def test_seeds_outside_32_bits_are_rejected(seed):
    with pytest.raises(ValueError, match="2\\*\\*32 - 1"):
        sm.RandomState(seed)


def test_bad_arguments_raise():
    rs = sm.RandomState(0)
    with pytest.raises(ValueError):
        rs.normal(0, -1, size=3)
    with pytest.raises(ValueError):
        rs.randn(-1)
    with pytest.raises(TypeError):
        sm.RandomState(1.5)


def test_use_after_close_raises():
    rs = sm.RandomState(0)
    rs.close()
    rs.close()  # twice is fine
    with pytest.raises(ValueError, match="closed"):
        rs.randn(2)
    with sm.RandomState(1) as r:
        r.randn()
    assert r.closed
