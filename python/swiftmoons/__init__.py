"""swiftmoons: what activation functions do inside a network, computed in Swift.

The article's experiment (sigmoid vs ReLU on two moons) as a library: NumPy's
legacy random stream, scikit-learn's moons data and split, and the article's
2-8-8-1 network, all in a Swift core behind a C ABI, equal to NumPy.

>>> import swiftmoons as sm
>>> X, y = sm.make_moons(400, noise=0.18, random_state=42)
>>> net = sm.TwoLayerNet("relu", seed=42)
>>> loss = net.train_step(sm.standardize(X), y, lr=0.05)

`swiftmoons.reference` is the same interface in plain NumPy, for checking.
"""

from ._ffi import SwiftMoonsError, SwiftMoonsMemoryError, build_variant as _build_variant, version as _native_version
from .data import make_blobs, make_circles, make_moons, make_spiral, make_xor, standardize, train_test_split
from . import activations
from .network import ACTIVATIONS, MLP, TwoLayerNet
from .cnn import CNN
from .parallel import get_threads, set_threads
from .random import RandomState
from .training import TrainingRecords, train_together
from .article import sweep
from .storage import load

__version__ = "0.1.0"
#: The version of the loaded native library.
native_version = _native_version()
#: The loaded native build: the best of "avx512", "avx2" and "baseline" (any
#: x86-64, or any other architecture) that the processor runs; all give the
#: same numbers bit for bit. Set SWIFTMOONS_VARIANT (baseline, avx2, avx512)
#: before importing to choose one.
native_variant = _build_variant()

__all__ = [
    "ACTIVATIONS",
    "CNN",
    "MLP",
    "RandomState",
    "SwiftMoonsError",
    "SwiftMoonsMemoryError",
    "TrainingRecords",
    "TwoLayerNet",
    "activations",
    "get_threads",
    "load",
    "make_blobs",
    "make_circles",
    "make_moons",
    "make_spiral",
    "make_xor",
    "native_variant",
    "native_version",
    "set_threads",
    "standardize",
    "sweep",
    "train_test_split",
    "train_together",
]

#: Submodules loaded on first use (``swiftmoons.geometry`` after a plain
#: ``import swiftmoons``); plot needs matplotlib and sklearn scikit-learn, so
#: they are not imported eagerly.
_LAZY = ("audit", "experiments", "geometry", "plot", "reference", "storage", "diagnostics", "sklearn")


def __getattr__(name: str):
    if name in _LAZY:
        import importlib
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
