"""Wide layers take the tiled, blocked and threaded layer products: their
forward passes, gradients and training equal the NumPy reference, and do not
depend on the thread count or on how the work is cut."""

import numpy as np
import pytest

import swiftmoons as sm
from swiftmoons import reference

#: NumPy's matrix products sum in another order (OpenBLAS's blocks): a few
#: ulps of the largest partial sum, relative to outputs of size ~1.
PRODUCT_ORDER = 1e-11

#: Shapes that cross every path: narrow (<= 16), tiles of 3 or 4 with
#: leftovers, reductions longer than one block of 64, and products large
#: enough to be split between threads.
SHAPES = [(37, 130, 5), (70, 67, 2), (130, 17, 64, 3), (300, 256, 256, 10), (16, 200, 1)]


def problem(sizes, n=150, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, sizes[0])
    y = rng.randint(0, sizes[-1], n) if sizes[-1] > 1 else (rng.rand(n) > 0.5).astype(float)
    return X, y, ("softmax" if sizes[-1] > 1 else "sigmoid")


@pytest.mark.parametrize("sizes", SHAPES, ids=str)
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "gelu", "softplus", ("leaky_relu", 0.1), "prelu"])
def test_wide_forward_and_gradients_are_the_references(sizes, activation):
    X, y, output = problem(sizes)
    with sm.MLP(sizes, activation=activation, output=output, seed=3) as net:
        twin = reference.MLP.from_params(net.parameters(), activation=activation, output=output)
        np.testing.assert_allclose(net.forward(X), twin.forward(X), rtol=PRODUCT_ORDER, atol=PRODUCT_ORDER)
        loss, grads = net.gradients(X[:70], y[:70])
        ref_loss, ref_grads = twin.gradients(X[:70], y[:70])
        assert abs(loss - ref_loss) < PRODUCT_ORDER
        for g, r in zip(grads, ref_grads):
            np.testing.assert_allclose(g, r.reshape(g.shape), rtol=1e-9, atol=PRODUCT_ORDER)


@pytest.mark.parametrize("sizes", [(300, 256, 256, 10), (130, 17, 64, 3)], ids=str)
def test_wide_training_does_not_depend_on_threads(sizes):
    X, y, output = problem(sizes, n=300)
    results = []
    for threads in (1, 2):
        with sm.parallel.threads(threads), sm.MLP(sizes, activation="relu", output=output, seed=1) as net:
            history = net.fit(X, y, epochs=2, lr=0.01, batch_size=64, rng=0)
            results.append((history, net.parameters(), net.forward(X)))
    (h1, p1, f1), (h2, p2, f2) = results
    assert h1 == h2
    assert all(np.array_equal(a, b) for a, b in zip(p1, p2)) and np.array_equal(f1, f2)


def test_wide_training_follows_the_reference():
    X, y, output = problem((130, 17, 64, 3), n=200)
    with sm.MLP((130, 17, 64, 3), activation="tanh", output=output, seed=2) as net:
        twin = reference.MLP.from_params(net.parameters(), activation="tanh", output=output)
        ours = net.fit(X, y, epochs=5, lr=0.05, batch_size=64, rng=7)
        theirs = reference.train_together([twin], X, y, epochs=5, lr=0.05, batch_size=64,
                                          rng=np.random.RandomState(7))[0]
        np.testing.assert_allclose(ours, theirs, rtol=1e-10)
