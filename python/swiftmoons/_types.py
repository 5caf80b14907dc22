"""The types of swiftmoons' public signatures (for readers and type checkers)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, Sequence, Tuple, Union

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from .random import RandomState

#: Anything ``numpy.asarray`` turns into a real array (arrays of any dtype,
#: nested lists, scalars). Spelled Any: NumPy's own ArrayLike union would
#: make every function that converts its argument in place fail to check.
ArrayLike = Any
#: A float64 array returned by the library.
FloatArray = NDArray[np.float64]
#: An int64 array returned by the library.
IntArray = NDArray[np.int64]
#: Where draws come from: a stream (ours or NumPy's legacy one), an int seed in 0..2**32-1, or None (fresh).
Seed = Union["RandomState", np.random.RandomState, int, None]
#: An activation: a name, or a name with its parameter (``("leaky_relu", 0.1)``, ``("elu", {"alpha": 2})``).
ActivationSpec = Union[str, Tuple[str, float], Tuple[str, Dict[str, float]]]
#: One activation for every hidden layer, or a list with one per hidden layer.
Activations = Union[ActivationSpec, Sequence[ActivationSpec]]
#: A training callback: ``callback(epoch, loss)``; loss is a list when several networks train.
Callback = Callable[[int, Any], Any]

__all__ = ["ActivationSpec", "Activations", "ArrayLike", "Callback", "FloatArray", "IntArray", "Seed"]
