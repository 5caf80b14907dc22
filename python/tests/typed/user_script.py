"""A user's script, type-checked against swiftmoons (test_typing.py runs mypy on it)."""

import numpy as np

import swiftmoons as sm
from swiftmoons import article

X, y = sm.make_moons(400, noise=0.18, random_state=42)
Xs: np.ndarray = sm.standardize(X)
net: sm.TwoLayerNet = sm.TwoLayerNet("relu", seed=42)
history: list[float] = net.fit(Xs, y, epochs=20, lr=0.05, batch_size=64, rng=0)
loss: float = net.train_step(Xs[:64], y[:64], lr=0.05)
out: np.ndarray = net.forward(Xs)
evaluated: tuple[float, float] = net.evaluate(Xs, y)
mlp = sm.MLP((2, 16, 16, 1), activation=["gelu", ("leaky_relu", 0.1)], seed=sm.RandomState(3))
result: article.ArticleResult = article.run(epochs=10)
swept: dict[str, object] = sm.sweep(range(2), ["relu"], epochs=5)
net.save("/tmp/swiftmoons-typed-check.npz")
again: sm.MLP = sm.load("/tmp/swiftmoons-typed-check.npz")
