"""`swiftmoons.layers`: the layers of a convolutional network, as a spec.

A network is a list of layers applied in order to one sample of shape
(C, H, W) (an image, channels first) or (D,) (a vector). The last layer is
a `Dense` whose units are the classes: the network's output is a softmax
over them, trained with cross-entropy.

===========  ===============================================================
Conv2D       square kernels, zero padding, ``channels`` output channels
MaxPool2D    the largest value of each window (no padding)
AvgPool2D    the mean of each window, divided by size * size
Flatten      (C, H, W) -> (C * H * W,), row-major
Dense        x @ weight + bias on a vector
Dropout      inverted dropout: kept values are divided by 1 - rate
Activation   any swiftmoons activation, elementwise (PReLU: one slope per
             channel, or per unit on a vector)
===========  ===============================================================

Where a list of layers is asked for, an activation spec (``"relu"``,
``("leaky_relu", 0.1)``) stands for an `Activation`. The parameters of a
network are one flat vector, laid out as `parameter_layout` says.

Examples
--------
>>> from swiftmoons.layers import Conv2D, MaxPool2D, Flatten, Dense, output_shapes, parameter_count
>>> cifar = [Conv2D(16, 3, padding=1), "relu", MaxPool2D(2), Conv2D(32, 3, padding=1), "relu",
...          MaxPool2D(2), Flatten(), Dense(64), "relu", Dense(10)]
>>> output_shapes((3, 32, 32), cifar)[-1]
(10,)
>>> parameter_count((3, 32, 32), cifar)
136874
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Sequence, Union

import numpy as np

from . import activations
from ._convert import as_real
from ._types import FloatArray


# ---- checks ----------------------------------------------------------------------

def _positive_int(value: object, name: str, low: int = 1) -> int:
    """An int >= low: bools and floats (even 3.0) are refused with a TypeError."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    if value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    return int(value)


def _set(layer: object, field: str, value: object) -> None:
    object.__setattr__(layer, field, value)  # the dataclasses are frozen


# ---- the layers -----------------------------------------------------------------

@dataclass(frozen=True)
class Conv2D:
    """A 2-D convolution (cross-correlation, as PyTorch's) with square kernels.

    Its output has ``channels`` channels of height (H + 2 padding - kernel_size)
    // stride + 1 (the width likewise). Its parameters are a weight of shape
    (channels, in_channels, kernel_size, kernel_size) and a bias of shape
    (channels,).

    Parameters
    ----------
    channels : int
        Output channels, >= 1.
    kernel_size : int
        The side of the square kernel, >= 1.
    stride : int
        The step between windows, >= 1.
    padding : int
        Zeros added on each side of the height and width, >= 0.

    Raises
    ------
    TypeError
        If an argument is not an integer (bools and floats are refused).
    ValueError
        If an argument is out of range.

    Examples
    --------
    >>> Conv2D(16, 3, padding=1)
    Conv2D(channels=16, kernel_size=3, stride=1, padding=1)
    """

    channels: int
    kernel_size: int
    stride: int = 1
    padding: int = 0

    def __post_init__(self) -> None:
        _set(self, "channels", _positive_int(self.channels, "Conv2D channels"))
        _set(self, "kernel_size", _positive_int(self.kernel_size, "Conv2D kernel_size"))
        _set(self, "stride", _positive_int(self.stride, "Conv2D stride"))
        _set(self, "padding", _positive_int(self.padding, "Conv2D padding", low=0))


@dataclass(frozen=True)
class _Pool:
    size: int = 2
    stride: int | None = None

    def __post_init__(self) -> None:
        _set(self, "size", _positive_int(self.size, f"{type(self).__name__} size"))
        stride = self.size if self.stride is None else self.stride
        _set(self, "stride", _positive_int(stride, f"{type(self).__name__} stride"))


@dataclass(frozen=True)
class MaxPool2D(_Pool):
    """Max pooling over square windows, without padding.

    Its output has height (H - size) // stride + 1 (the width likewise).

    Parameters
    ----------
    size : int
        The side of the window, >= 1.
    stride : int or None
        The step between windows, >= 1; None means ``size`` (windows that
        tile the image).

    Raises
    ------
    TypeError, ValueError
        As `Conv2D`.

    Examples
    --------
    >>> MaxPool2D(2)
    MaxPool2D(size=2, stride=2)
    >>> MaxPool2D(3, stride=2)
    MaxPool2D(size=3, stride=2)
    """


@dataclass(frozen=True)
class AvgPool2D(_Pool):
    """Average pooling over square windows, without padding: each window's sum over size * size.

    Parameters
    ----------
    size : int
        The side of the window, >= 1.
    stride : int or None
        The step between windows, >= 1; None means ``size``.

    Raises
    ------
    TypeError, ValueError
        As `Conv2D`.

    Examples
    --------
    >>> AvgPool2D(2)
    AvgPool2D(size=2, stride=2)
    """


@dataclass(frozen=True)
class Flatten:
    """(C, H, W) -> (C * H * W,), row-major (channel, then row, then column).

    Examples
    --------
    >>> Flatten()
    Flatten()
    """


@dataclass(frozen=True)
class Dense:
    """A fully connected layer, ``x @ weight + bias`` on a vector.

    Its weight has shape (inputs, units) (fan_in x fan_out, as the MLPs
    store it), its bias (units,).

    Parameters
    ----------
    units : int
        Outputs, >= 1. The last layer's units are the classes.

    Raises
    ------
    TypeError, ValueError
        As `Conv2D`.

    Examples
    --------
    >>> Dense(10)
    Dense(units=10)
    """

    units: int

    def __post_init__(self) -> None:
        _set(self, "units", _positive_int(self.units, "Dense units"))


@dataclass(frozen=True)
class Dropout:
    """Inverted dropout: while training, each value is kept with probability
    1 - rate and divided by 1 - rate; at evaluation the layer does nothing.

    Parameters
    ----------
    rate : float
        The probability of dropping a value, in [0, 1).

    Raises
    ------
    TypeError
        If ``rate`` is not a real number (bools are refused).
    ValueError
        If it is outside [0, 1).

    Examples
    --------
    >>> Dropout(0.5)
    Dropout(rate=0.5)
    """

    rate: float

    def __post_init__(self) -> None:
        rate = as_real(self.rate, "Dropout rate")
        if not 0 <= rate < 1:
            raise ValueError(f"Dropout rate must be in [0, 1), got {rate}")
        _set(self, "rate", rate)


@dataclass(frozen=True)
class Activation:
    """An activation applied to every value (see `swiftmoons.activations`).

    The name is made canonical ("silu" becomes "swish") and a missing
    parameter takes the activation's default, so that equal layers compare
    equal. A PReLU layer learns one slope per channel (after a convolution
    or pooling) or per unit (on a vector), each starting at ``alpha``.

    Parameters
    ----------
    name : str
        One of ``swiftmoons.activations.NAMES``.
    alpha : float or None
        The parameter of leaky_relu, prelu and elu (finite; >= 0 for elu);
        None for the default. Activations without one take only None.

    Raises
    ------
    TypeError
        If ``name`` is not a string or ``alpha`` not a real number.
    ValueError
        For an unknown name, a parameter given to an activation without one,
        or an alpha out of range.

    Examples
    --------
    >>> Activation("silu"), Activation("leaky_relu")
    (Activation(name='swish', alpha=None), Activation(name='leaky_relu', alpha=0.01))
    """

    name: str
    alpha: float | None = None

    def __post_init__(self) -> None:
        name, alpha = activations.parse((self.name, self.alpha))
        if name not in activations.PARAMETERS:
            raise ValueError(f"Unknown activation {name!r}; supported activations are {list(activations.NAMES)}")
        if alpha is None:
            alpha = activations.PARAMETERS[name].get("alpha")
        if name == "elu" and alpha is not None and alpha < 0:
            raise ValueError(f"elu's alpha must be >= 0, got {alpha}")
        _set(self, "name", name)
        _set(self, "alpha", alpha)


#: Any layer.
Layer = Union[Conv2D, MaxPool2D, AvgPool2D, Flatten, Dense, Dropout, Activation]
LAYER_TYPES = (Conv2D, MaxPool2D, AvgPool2D, Flatten, Dense, Dropout, Activation)


@dataclass(frozen=True)
class ParameterBlock:
    """Where one parameter array of a layer lies in the network's flat parameter vector.

    Parameters
    ----------
    layer : int
        The layer's position in the list of layers.
    name : str
        "weight", "bias" or "slope" (a PReLU layer's slopes).
    offset : int
        The index of its first value in the flat vector.
    shape : tuple of int
        Its shape; its values are stored row-major.

    Examples
    --------
    >>> block = ParameterBlock(0, "weight", 0, (16, 3, 3, 3))
    >>> block.size, block.stop
    (432, 432)
    """

    layer: int
    name: str
    offset: int
    shape: tuple[int, ...]

    @property
    def size(self) -> int:
        """The number of values: the product of ``shape``."""
        return math.prod(self.shape)

    @property
    def stop(self) -> int:
        """One past the index of its last value: ``params[block.offset:block.stop]``."""
        return self.offset + self.size


# ---- networks ------------------------------------------------------------------------

def parse_layers(specs: Sequence[object]) -> tuple[Layer, ...]:
    """Layers from layer objects and activation specs.

    Parameters
    ----------
    specs : sequence
        Each item a layer object (`Conv2D`, `MaxPool2D`, `AvgPool2D`,
        `Flatten`, `Dense`, `Dropout`, `Activation`) or an activation spec as
        ``swiftmoons.activations.parse`` reads it (``"relu"``,
        ``("leaky_relu", 0.1)``), which becomes an `Activation`.

    Returns
    -------
    tuple of layers

    Raises
    ------
    TypeError, ValueError
        For anything else, or a bad activation spec; the message starts with
        the item's position, e.g. ``"layers[3]: "``.

    Examples
    --------
    >>> parse_layers([Dense(8), ("elu", 0.5), Dense(2)])
    (Dense(units=8), Activation(name='elu', alpha=0.5), Dense(units=2))
    """
    if isinstance(specs, (str, bytes)) or not hasattr(specs, "__iter__"):
        raise TypeError(f"layers must be a sequence of layers, got {type(specs).__name__} {specs!r}")
    out: list[Layer] = []
    for i, spec in enumerate(specs):
        if isinstance(spec, LAYER_TYPES):
            out.append(spec)
            continue
        if not isinstance(spec, (str, tuple, list)):
            raise TypeError(f"layers[{i}]: expected a layer ({', '.join(t.__name__ for t in LAYER_TYPES)}) "
                            f"or an activation spec, got {type(spec).__name__} {spec!r}")
        try:
            name, alpha = activations.parse(spec)
            out.append(Activation(name, alpha))
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"layers[{i}]: {exc}") from None
    return tuple(out)


def _input_shape(input_shape: Sequence[int]) -> tuple[int, ...]:
    if isinstance(input_shape, (str, bytes)) or not hasattr(input_shape, "__iter__"):
        raise TypeError(f"input_shape must be (C, H, W) or (D,), got {input_shape!r}")
    shape = tuple(input_shape)
    if len(shape) not in (1, 3):
        raise ValueError(f"input_shape must be (C, H, W) or (D,), got {shape}")
    return tuple(_positive_int(s, "input_shape's sizes") for s in shape)


def _output_shape(layer: Layer, shape: tuple[int, ...]) -> tuple[int, ...]:
    """One layer's output shape per sample, or ValueError saying why it cannot apply."""
    if isinstance(layer, (Conv2D, MaxPool2D, AvgPool2D)):
        if len(shape) != 3:
            raise ValueError(f"needs a (C, H, W) input, got {shape}")
        c, h, w = shape
        if isinstance(layer, Conv2D):
            k, s, p = layer.kernel_size, layer.stride, layer.padding
            if k > h + 2 * p or k > w + 2 * p:
                raise ValueError(f"kernel_size {k} exceeds the padded input {h + 2 * p}x{w + 2 * p}")
            return layer.channels, (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
        size, stride = layer.size, layer.stride
        assert stride is not None  # set by __post_init__
        if size > h or size > w:
            raise ValueError(f"size {size} exceeds the input {h}x{w}")
        return c, (h - size) // stride + 1, (w - size) // stride + 1
    if isinstance(layer, Flatten):
        return (math.prod(shape),)
    if isinstance(layer, Dense):
        if len(shape) != 1:
            raise ValueError(f"needs a vector input, got {shape}; add Flatten() before it")
        return (layer.units,)
    return shape  # Dropout, Activation


def output_shapes(input_shape: Sequence[int], layers: Sequence[object]) -> list[tuple[int, ...]]:
    """The shape of one sample after each layer.

    Any stack of layers is accepted (a part of a network too); `check_network`
    also checks that it ends as a classifier.

    Parameters
    ----------
    input_shape : (C, H, W) or (D,)
        One sample's shape: an image (channels first) or a vector.
    layers : sequence
        As `parse_layers` accepts.

    Returns
    -------
    list of tuple of int
        One shape per layer.

    Raises
    ------
    ValueError
        If a layer cannot apply to its input (a convolution or pooling on a
        vector, a Dense layer on an image, a window larger than the image),
        naming the layer's position.

    Examples
    --------
    >>> output_shapes((3, 32, 32), [Conv2D(16, 3, stride=2), MaxPool2D(3, stride=2), Flatten(), Dense(10)])
    [(16, 15, 15), (16, 7, 7), (784,), (10,)]
    """
    shape = _input_shape(input_shape)
    out = []
    for i, layer in enumerate(parse_layers(layers)):
        try:
            shape = _output_shape(layer, shape)
        except ValueError as exc:
            raise ValueError(f"layers[{i}] ({layer}): {exc}") from None
        out.append(shape)
    return out


def check_network(input_shape: Sequence[int], layers: Sequence[object]) -> tuple[Layer, ...]:
    """Check that the layers make a classifier for inputs of this shape, and return them parsed.

    A classifier's layers apply one after another (see `output_shapes`) and
    the last is a `Dense` layer (its units are the classes).

    Parameters
    ----------
    input_shape : (C, H, W) or (D,)
        One sample's shape.
    layers : sequence
        As `parse_layers` accepts.

    Returns
    -------
    tuple of layers
        As `parse_layers` returns them.

    Raises
    ------
    ValueError
        As `output_shapes`, or if there are no layers or the last is not a
        Dense layer.

    Examples
    --------
    >>> check_network((4,), [Dense(8), "tanh", Dense(3)])
    (Dense(units=8), Activation(name='tanh', alpha=None), Dense(units=3))
    >>> check_network((4,), [Dense(8), "tanh"])
    Traceback (most recent call last):
    ...
    ValueError: The last layer must be a Dense layer (its units are the classes), got layers[1] = Activation(name='tanh', alpha=None)
    """
    parsed = parse_layers(layers)
    output_shapes(input_shape, parsed)
    if not parsed:
        raise ValueError("A network needs at least one layer, the last a Dense layer")
    if not isinstance(parsed[-1], Dense):
        raise ValueError(f"The last layer must be a Dense layer (its units are the classes), "
                         f"got layers[{len(parsed) - 1}] = {parsed[-1]}")
    return parsed


def parameter_layout(input_shape: Sequence[int], layers: Sequence[object]) -> list[ParameterBlock]:
    """Where each parameter array lies in the network's flat parameter vector.

    Layers in order; a Conv2D's weight (out, in, k, k) then its bias (out,);
    a Dense layer's weight (in, out) then its bias (out,); a PReLU
    activation's slopes: (C,) after a convolution or pooling, (D,) on a
    vector. Every array is stored row-major.

    Parameters
    ----------
    input_shape : (C, H, W) or (D,)
        One sample's shape.
    layers : sequence
        A network, as `check_network` accepts.

    Returns
    -------
    list of ParameterBlock
        In the order of the flat vector, without gaps.

    Raises
    ------
    ValueError
        As `check_network`.

    Examples
    --------
    >>> for block in parameter_layout((1, 8, 8), [Conv2D(4, 3), "prelu", Flatten(), Dense(2)]):
    ...     print(block)
    ParameterBlock(layer=0, name='weight', offset=0, shape=(4, 1, 3, 3))
    ParameterBlock(layer=0, name='bias', offset=36, shape=(4,))
    ParameterBlock(layer=1, name='slope', offset=40, shape=(4,))
    ParameterBlock(layer=3, name='weight', offset=44, shape=(144, 2))
    ParameterBlock(layer=3, name='bias', offset=332, shape=(2,))
    """
    parsed = check_network(input_shape, layers)
    shape = _input_shape(input_shape)
    blocks: list[ParameterBlock] = []
    offset = 0

    def add(i: int, name: str, block_shape: tuple[int, ...]) -> None:
        nonlocal offset
        blocks.append(ParameterBlock(i, name, offset, block_shape))
        offset += math.prod(block_shape)

    for i, (layer, out) in enumerate(zip(parsed, output_shapes(shape, parsed))):
        if isinstance(layer, Conv2D):
            add(i, "weight", (layer.channels, shape[0], layer.kernel_size, layer.kernel_size))
            add(i, "bias", (layer.channels,))
        elif isinstance(layer, Dense):
            add(i, "weight", (shape[0], layer.units))
            add(i, "bias", (layer.units,))
        elif isinstance(layer, Activation) and layer.name == "prelu":
            add(i, "slope", (shape[0],))
        shape = out
    return blocks


def parameter_count(input_shape: Sequence[int], layers: Sequence[object]) -> int:
    """The length of the network's flat parameter vector.

    Parameters
    ----------
    input_shape : (C, H, W) or (D,)
        One sample's shape.
    layers : sequence
        A network, as `check_network` accepts.

    Returns
    -------
    int

    Examples
    --------
    >>> parameter_count((3, 32, 32), [Conv2D(16, 3, padding=1), Flatten(), Dense(10)])
    164298
    """
    return sum(block.size for block in parameter_layout(input_shape, layers))


#: The weight initializations: (fan_in, fan_out) of each weight decide their scale.
INITS = ("glorot_uniform", "he", "xavier")


def fans(block: ParameterBlock) -> tuple[int, int]:
    """A weight block's (fan_in, fan_out): (in k k, out k k) for a Conv2D, (in, out) for a Dense layer.

    Parameters
    ----------
    block : ParameterBlock
        A "weight" block of `parameter_layout`.

    Returns
    -------
    (int, int)

    Examples
    --------
    >>> fans(ParameterBlock(0, "weight", 0, (16, 3, 3, 3)))
    (27, 144)
    """
    if block.name != "weight":
        raise ValueError(f"Only weights have fans, got a {block.name} block")
    if len(block.shape) == 4:
        out, inp, k, _ = block.shape
        return inp * k * k, out * k * k
    return block.shape[0], block.shape[1]


def initial_parameters(input_shape: Sequence[int], layers: Sequence[object], seed: int = 0,
                       init: str = "glorot_uniform") -> FloatArray:
    """The network's initial flat parameter vector.

    One ``numpy.random.RandomState(seed)`` draws every weight block in layout
    order (and nothing else): glorot_uniform ``rng.uniform(-limit, limit,
    shape)`` with limit = sqrt(6 / (fan_in + fan_out)); he
    ``rng.standard_normal(shape) * sqrt(2 / fan_in)``; xavier
    ``rng.standard_normal(shape) * sqrt(1 / fan_in)`` (fans as `fans`
    gives them). Biases are 0; PReLU slopes start at the layer's alpha.

    Parameters
    ----------
    input_shape : (C, H, W) or (D,)
        One sample's shape.
    layers : sequence
        A network, as `check_network` accepts.
    seed : int
        In 0 .. 2**32 - 1.
    init : str
        One of `INITS`.

    Returns
    -------
    ndarray of float64, shape (parameter_count(input_shape, layers),)

    Raises
    ------
    TypeError, ValueError
        For a bad seed or init name, or as `check_network`.

    Examples
    --------
    >>> import numpy as np
    >>> p = initial_parameters((2,), [Dense(3), "prelu", Dense(2)], seed=0)
    >>> np.round(p[:6], 3)  # the first weight, (2, 3) row-major
    array([ 0.107,  0.471,  0.225,  0.098, -0.167,  0.32 ])
    >>> p[6:12]  # its bias, then the PReLU slopes
    array([0.  , 0.  , 0.  , 0.25, 0.25, 0.25])
    """
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__} {seed!r}")
    if not 0 <= seed <= 2**32 - 1:
        raise ValueError(f"seed must be in 0..2**32 - 1, got {seed}")
    if init not in INITS:
        raise ValueError(f"init must be one of {list(INITS)}, got {init!r}")
    parsed = check_network(input_shape, layers)
    layout = parameter_layout(input_shape, parsed)
    rng = np.random.RandomState(int(seed))
    params = np.zeros(sum(block.size for block in layout))
    for block in layout:
        if block.name == "weight":
            fan_in, fan_out = fans(block)
            if init == "glorot_uniform":
                limit = math.sqrt(6 / (fan_in + fan_out))
                values = rng.uniform(-limit, limit, size=block.shape)
            else:
                values = rng.standard_normal(block.shape) * math.sqrt((2 if init == "he" else 1) / fan_in)
            params[block.offset:block.stop] = values.ravel()
        elif block.name == "slope":
            layer = parsed[block.layer]
            assert isinstance(layer, Activation) and layer.alpha is not None
            params[block.offset:block.stop] = layer.alpha
    return params


__all__ = ["Activation", "AvgPool2D", "Conv2D", "Dense", "Dropout", "Flatten", "INITS", "Layer", "MaxPool2D",
           "ParameterBlock", "check_network", "fans", "initial_parameters", "output_shapes", "parameter_count",
           "parameter_layout", "parse_layers"]
