"""The convolutional networks' spec (swiftmoons.layers) and its NumPy
reference (swiftmoons.reference, "Convolutional networks"): the spec refuses
what it should with messages that say why; shapes, layouts and initial
draws are what a hand computation gives; the reference's layers and whole
networks equal PyTorch's autograd in float64 and central differences; its
training is deterministic and learns."""

import math
import os

import numpy as np
import pytest

from swiftmoons import activations, reference as R
from swiftmoons.layers import (Activation, AvgPool2D, Conv2D, Dense, Dropout, Flatten, MaxPool2D, ParameterBlock,
                               check_network, initial_parameters, output_shapes, parameter_count, parameter_layout,
                               parse_layers)

#: Forward values against PyTorch: both sum the same C*k*k (or fan_in)
#: products in float64, in different orders: a few ulp of the output's
#: scale (measured <= 5e-16).
TORCH_FORWARD = 1e-14
#: Gradients against PyTorch's autograd: sums over the batch and the output
#: positions too (hundreds of terms), in different orders (measured <= 5e-15).
TORCH_GRADIENT = 1e-13
#: Three optimizer steps: the gradients' rounding differences carried through
#: the updates (Adam's m / sqrt(v) can enlarge them where v is tiny; measured
#: <= 3e-15).
TORCH_TRAINING = 1e-12
#: Central differences with step FD_STEP: truncation ~ h^2 f'''(x) plus
#: rounding ~ eps |loss| / h, about 1e-10 of the gradient's scale here
#: (measured); a wrong rule is off by far more.
FD_STEP = 1e-5
FD_TOLERANCE = 1e-8

CIFAR = [Conv2D(16, 3, padding=1), "relu", MaxPool2D(2), Conv2D(32, 3, padding=1), "relu", MaxPool2D(2), Flatten(),
         Dense(64), "relu", Dense(10)]


def normwise(observed, expected):
    """max |observed - expected| / max |expected|: entries of sums can cancel to near zero."""
    observed, expected = np.asarray(observed, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    assert observed.shape == expected.shape, (observed.shape, expected.shape)
    return float(np.max(np.abs(observed - expected)) / max(np.max(np.abs(expected)), 1e-300))


# ---- the spec refuses bad layers -----------------------------------------------------

@pytest.mark.parametrize("make, error, message", [
    (lambda: Conv2D(True, 3), TypeError, "channels must be an integer, got bool"),
    (lambda: Conv2D(0, 3), ValueError, "channels must be >= 1, got 0"),
    (lambda: Conv2D(4, -1), ValueError, "kernel_size must be >= 1, got -1"),
    (lambda: Conv2D(4, 3.0), TypeError, "kernel_size must be an integer, got float 3.0"),
    (lambda: Conv2D(4, 3, stride=0), ValueError, "stride must be >= 1, got 0"),
    (lambda: Conv2D(4, 3, padding=-1), ValueError, "padding must be >= 0, got -1"),
    (lambda: Conv2D(4, 3, padding=False), TypeError, "padding must be an integer, got bool"),
    (lambda: Conv2D(4, "3"), TypeError, "kernel_size must be an integer, got str"),
    (lambda: MaxPool2D(0), ValueError, "MaxPool2D size must be >= 1, got 0"),
    (lambda: AvgPool2D(2, stride=1.5), TypeError, "AvgPool2D stride must be an integer, got float 1.5"),
    (lambda: Dense(0), ValueError, "Dense units must be >= 1, got 0"),
    (lambda: Dense(True), TypeError, "Dense units must be an integer, got bool"),
    (lambda: Dropout(1.0), ValueError, r"Dropout rate must be in \[0, 1\), got 1.0"),
    (lambda: Dropout(-0.1), ValueError, r"Dropout rate must be in \[0, 1\), got -0.1"),
    (lambda: Dropout(True), TypeError, "Dropout rate must be a real number, got bool"),
    (lambda: Activation("relux"), ValueError, "Unknown activation 'relux'; supported activations are"),
    (lambda: Activation("relu", 0.1), ValueError, "relu takes no parameter"),
    (lambda: Activation("elu", -1.0), ValueError, "elu's alpha must be >= 0, got -1.0"),
    (lambda: Activation("leaky_relu", math.inf), ValueError, "must be finite"),
    (lambda: Activation("leaky_relu", "0.1"), TypeError, "must be a real number"),
    (lambda: Activation(3), TypeError, "must be a string"),
])
def test_layers_refuse_bad_arguments_saying_why(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_layers_are_frozen_canonical_and_take_numpy_ints():
    assert Activation("silu") == Activation("swish") and Activation("prelu").alpha == 0.25
    assert Activation("elu") == Activation("elu", 1.0) and Activation("tanh").alpha is None
    assert Conv2D(np.int64(4), 3) == Conv2D(4, 3) and type(Conv2D(np.int64(4), 3).channels) is int
    assert MaxPool2D(3).stride == 3 and AvgPool2D(3, 1).stride == 1 and MaxPool2D(2) != AvgPool2D(2)
    with pytest.raises(AttributeError):
        Dense(3).units = 4  # type: ignore[misc]


def test_parse_layers_reads_activation_specs_and_names_the_position():
    assert parse_layers([Dense(4), "silu", ("leaky_relu", 0.1), ["elu", {"alpha": 2}], Dense(2)]) == (
        Dense(4), Activation("swish"), Activation("leaky_relu", 0.1), Activation("elu", 2.0), Dense(2))
    with pytest.raises(ValueError, match=r"^layers\[3\]: Unknown activation 'nope'"):
        parse_layers([Dense(4), "relu", Dense(4), "nope", Dense(2)])
    with pytest.raises(TypeError, match=r"^layers\[1\]: expected a layer .* or an activation spec, got int 3"):
        parse_layers([Dense(4), 3])
    with pytest.raises(ValueError, match=r"^layers\[0\]: tanh takes no parameter"):
        parse_layers([("tanh", 1.0)])
    with pytest.raises(TypeError, match="layers must be a sequence"):
        parse_layers("relu")


@pytest.mark.parametrize("shape, layers, message", [
    ((3, 8, 8), [Dense(4)], r"layers\[0\] \(Dense\(units=4\)\): needs a vector input, got \(3, 8, 8\); add Flatten\(\)"),
    ((3, 8, 8), [Conv2D(4, 3), "relu", Dense(2)], r"layers\[2\] .*add Flatten\(\) before it"),
    ((3, 4, 4), [Conv2D(4, 5), Flatten(), Dense(2)], r"layers\[0\] .*kernel_size 5 exceeds the padded input 4x4"),
    ((3, 4, 4), [Conv2D(4, 7, padding=1), Flatten(), Dense(2)], r"kernel_size 7 exceeds the padded input 6x6"),
    ((3, 4, 4), [Conv2D(4, 3), MaxPool2D(3), Flatten(), Dense(2)], r"layers\[1\] .*size 3 exceeds the input 2x2"),
    ((12,), [Conv2D(4, 3), Flatten(), Dense(2)], r"layers\[0\] .*needs a \(C, H, W\) input, got \(12,\)"),
    ((12,), [Dense(4), AvgPool2D(2), Dense(2)], r"layers\[1\] .*needs a \(C, H, W\) input, got \(4,\)"),
    ((12,), [Dense(4), "relu"], r"The last layer must be a Dense layer .*layers\[1\] = Activation"),
    ((12,), [Dense(4), Dropout(0.5)], r"The last layer must be a Dense layer"),
    ((12,), [], r"at least one layer"),
    ((3, 8), [Flatten(), Dense(2)], r"input_shape must be \(C, H, W\) or \(D,\), got \(3, 8\)"),
    ((3, 0, 8), [Flatten(), Dense(2)], r"input_shape's sizes must be >= 1, got 0"),
])
def test_check_network_refuses_stacks_that_cannot_apply(shape, layers, message):
    with pytest.raises(ValueError, match=message):
        check_network(shape, layers)


# ---- shapes and layout, computed by hand --------------------------------------------------

def test_cifar_like_stack_shapes_layout_and_count():
    assert output_shapes((3, 32, 32), CIFAR) == [(16, 32, 32), (16, 32, 32), (16, 16, 16), (32, 16, 16), (32, 16, 16),
                                                 (32, 8, 8), (2048,), (64,), (64,), (10,)]
    # conv 3->16 k3: 16*3*9 + 16 = 448; conv 16->32: 32*16*9 + 32 = 4640;
    # dense 2048->64: 131072 + 64; dense 64->10: 640 + 10.
    sizes = [448, 4640, 2048 * 64 + 64, 64 * 10 + 10]
    assert parameter_count((3, 32, 32), CIFAR) == sum(sizes) == 136874
    layout = parameter_layout((3, 32, 32), CIFAR)
    assert [(b.layer, b.name, b.shape) for b in layout] == [
        (0, "weight", (16, 3, 3, 3)), (0, "bias", (16,)), (3, "weight", (32, 16, 3, 3)), (3, "bias", (32,)),
        (7, "weight", (2048, 64)), (7, "bias", (64,)), (9, "weight", (64, 10)), (9, "bias", (10,))]
    assert [b.offset for b in layout] == [0, 432, 448, 448 + 4608, 5088, 5088 + 131072, 136224, 136224 + 640]


def test_strides_padding_pools_and_prelu_slopes():
    stack = [Conv2D(6, 5, stride=2, padding=2), ("prelu", 0.1), AvgPool2D(3, stride=2), Conv2D(4, 1), "tanh",
             Flatten(), Dense(7), "prelu", Dropout(0.25), Dense(3)]
    # (13 + 4 - 5)//2 + 1 = 7; (7 - 3)//2 + 1 = 3; a 1x1 conv keeps 3x3.
    assert output_shapes((2, 13, 13), stack) == [(6, 7, 7), (6, 7, 7), (6, 3, 3), (4, 3, 3), (4, 3, 3), (36,), (7,),
                                                 (7,), (7,), (3,)]
    layout = parameter_layout((2, 13, 13), stack)
    assert layout == [ParameterBlock(0, "weight", 0, (6, 2, 5, 5)), ParameterBlock(0, "bias", 300, (6,)),
                      ParameterBlock(1, "slope", 306, (6,)), ParameterBlock(3, "weight", 312, (4, 6, 1, 1)),
                      ParameterBlock(3, "bias", 336, (4,)), ParameterBlock(6, "weight", 340, (36, 7)),
                      ParameterBlock(6, "bias", 592, (7,)), ParameterBlock(7, "slope", 599, (7,)),
                      ParameterBlock(9, "weight", 606, (7, 3)), ParameterBlock(9, "bias", 627, (3,))]
    assert parameter_count((2, 13, 13), stack) == 630
    # A pool whose windows do not reach the edge drops the rest: (10 - 3)//3 + 1 = 3.
    assert output_shapes((1, 10, 10), [MaxPool2D(3), Flatten(), Dense(1)])[0] == (1, 3, 3)
    assert output_shapes((5,), [Dense(3), "relu", Dense(2)]) == [(3,), (3,), (2,)]


# ---- initial parameters ------------------------------------------------------------------

STACK = [Conv2D(3, 2, padding=1), ("prelu", 0.3), MaxPool2D(2), Flatten(), Dense(5), "relu", Dense(2)]
STACK_SHAPE = (2, 5, 5)  # conv -> (3, 6, 6), pool -> (3, 3, 3), flatten -> 27


@pytest.mark.parametrize("seed", [0, 7, 2**32 - 1])
@pytest.mark.parametrize("init", ["glorot_uniform", "he", "xavier"])
def test_init_matches_numpy_for_seed(init, seed):
    rng = np.random.RandomState(seed)
    if init == "glorot_uniform":
        w1 = rng.uniform(-math.sqrt(6 / (2 * 4 + 3 * 4)), math.sqrt(6 / (2 * 4 + 3 * 4)), size=(3, 2, 2, 2))
        w2 = rng.uniform(-math.sqrt(6 / (27 + 5)), math.sqrt(6 / (27 + 5)), size=(27, 5))
        w3 = rng.uniform(-math.sqrt(6 / 7), math.sqrt(6 / 7), size=(5, 2))
    else:
        gain = 2 if init == "he" else 1
        w1 = rng.standard_normal((3, 2, 2, 2)) * math.sqrt(gain / 8)
        w2 = rng.standard_normal((27, 5)) * math.sqrt(gain / 27)
        w3 = rng.standard_normal((5, 2)) * math.sqrt(gain / 5)
    expected = np.concatenate([w1.ravel(), np.zeros(3), np.full(3, 0.3), w2.ravel(), np.zeros(5), w3.ravel(),
                               np.zeros(2)])
    got = initial_parameters(STACK_SHAPE, STACK, seed=seed, init=init)
    assert got.dtype == np.float64 and np.array_equal(got, expected)
    assert np.array_equal(R.CNN(STACK_SHAPE, STACK, seed=seed, init=init).params, expected)
    assert np.array_equal(initial_parameters(STACK_SHAPE, STACK, seed=seed, init=init), got)


def test_init_refuses_bad_seed_and_init():
    with pytest.raises(ValueError, match="init must be one of"):
        initial_parameters(STACK_SHAPE, STACK, init="glorot")
    with pytest.raises(TypeError, match="seed must be an integer, got bool"):
        initial_parameters(STACK_SHAPE, STACK, seed=True)
    with pytest.raises(ValueError, match="seed must be in"):
        initial_parameters(STACK_SHAPE, STACK, seed=-1)
    assert not np.array_equal(initial_parameters(STACK_SHAPE, STACK, seed=1), initial_parameters(STACK_SHAPE, STACK))


# ---- layers against PyTorch --------------------------------------------------------------

@pytest.fixture(scope="module")
def torch():
    # `make test` installs PyTorch's CPU wheel where one lies on the machine
    # and then sets SWIFTMOONS_REQUIRE_TORCH=1: these checks must run there.
    if os.environ.get("SWIFTMOONS_REQUIRE_TORCH") == "1":
        try:
            import torch as module
        except ImportError as exc:
            pytest.fail(f"PyTorch is required here (SWIFTMOONS_REQUIRE_TORCH=1) but cannot be imported: {exc}")
        return module
    return pytest.importorskip("torch")


def _t(torch, a, grad=True):
    return torch.tensor(a, dtype=torch.float64, requires_grad=grad)


#: (N, C, H, W, out, k, stride, padding)
CONV_CASES = [(2, 3, 7, 7, 4, 3, 1, 0), (3, 2, 8, 9, 5, 3, 2, 1), (2, 1, 6, 6, 2, 5, 2, 2), (4, 3, 5, 5, 6, 1, 1, 0),
              (2, 2, 1, 1, 3, 1, 1, 0), (1, 2, 1, 1, 2, 3, 1, 1), (2, 4, 10, 10, 3, 4, 3, 2), (3, 2, 6, 6, 2, 2, 2, 0)]
MEASURED = {}  # largest differences, printed with -s


def _record(name, value):
    MEASURED[name] = max(MEASURED.get(name, 0.0), value)


@pytest.mark.parametrize("case", CONV_CASES, ids=str)
def test_conv2d_forward_and_backward_equal_torch(torch, case):
    n, c, h, w, out, k, stride, padding = case
    rng = np.random.RandomState(sum(case))
    x, wt, b = rng.randn(n, c, h, w), rng.randn(out, c, k, k), rng.randn(out)
    y = R.conv2d(x, wt, b, stride, padding)
    dout = rng.randn(*y.shape)
    dx, dw, db = R.conv2d_backward(dout, x, wt, stride, padding)

    tx, tw, tb = _t(torch, x), _t(torch, wt), _t(torch, b)
    ty = torch.nn.functional.conv2d(tx, tw, tb, stride=stride, padding=padding)
    ty.backward(torch.tensor(dout))
    errors = [normwise(y, ty.detach().numpy())] + [normwise(a, t.grad.numpy()) for a, t in ((dx, tx), (dw, tw), (db, tb))]
    _record("conv2d forward", errors[0])
    _record("conv2d backward", max(errors[1:]))
    assert errors[0] <= TORCH_FORWARD and max(errors[1:]) <= TORCH_GRADIENT, errors


#: (N, C, H, W, size, stride)
POOL_CASES = [(2, 3, 8, 8, 2, 2), (2, 2, 7, 9, 3, 2), (1, 2, 6, 6, 3, 1), (2, 1, 5, 5, 5, 1), (3, 2, 7, 7, 2, 3),
              (1, 1, 1, 1, 1, 1)]


@pytest.mark.parametrize("ties", [False, True], ids=["distinct", "ties"])
@pytest.mark.parametrize("case", POOL_CASES, ids=str)
def test_pools_forward_and_backward_equal_torch(torch, case, ties):
    n, c, h, w, size, stride = case
    rng = np.random.RandomState(sum(case))
    # Integers in 0..2 make most windows hold their maximum several times.
    x = rng.randint(0, 3, (n, c, h, w)).astype(float) if ties else rng.randn(n, c, h, w)
    for forward, backward, torch_pool in ((R.max_pool2d, R.max_pool2d_backward, torch.nn.functional.max_pool2d),
                                          (R.avg_pool2d, R.avg_pool2d_backward, torch.nn.functional.avg_pool2d)):
        y = forward(x, size, stride)
        dout = rng.randn(*y.shape)
        dx = backward(dout, x, size, stride)
        tx = _t(torch, x)
        ty = torch_pool(tx, size, stride)
        ty.backward(torch.tensor(dout))
        errors = normwise(y, ty.detach().numpy()), normwise(dx, tx.grad.numpy())
        _record(f"{forward.__name__} forward", errors[0])
        _record(f"{forward.__name__} backward", errors[1])
        assert errors[0] <= TORCH_FORWARD and errors[1] <= TORCH_GRADIENT, (forward.__name__, errors)


def test_max_pool_sends_each_window_to_its_first_maximum():
    x = np.array([[[[1.0, 3.0, 3.0], [3.0, 0.0, 3.0], [2.0, 3.0, 1.0]]]])
    # 2x2 windows, stride 1: each window's first 3 in row-major order.
    dx = R.max_pool2d_backward(np.array([[[[1.0, 10.0], [100.0, 1000.0]]]]), x, 2, 1)
    assert np.array_equal(dx, [[[[0.0, 11.0, 0.0], [100.0, 0.0, 1000.0], [0.0, 0.0, 0.0]]]])


def _torch_activation(torch, name, z, alpha):
    F = torch.nn.functional
    if name == "prelu":
        return torch.where(z > 0, z, alpha * z)
    return {"identity": lambda: z, "sigmoid": lambda: torch.sigmoid(z), "tanh": lambda: torch.tanh(z),
            "relu": lambda: torch.relu(z), "leaky_relu": lambda: F.leaky_relu(z, alpha),
            "elu": lambda: F.elu(z, alpha), "gelu": lambda: F.gelu(z), "gelu_tanh": lambda: F.gelu(z, approximate="tanh"),
            "swish": lambda: F.silu(z), "softplus": lambda: F.softplus(z)}[name]()


def _torch_network(torch, net, X, y, masks=()):
    """net's loss in torch, from leaf tensors holding each parameter block (Dense weights transposed for F.linear)."""
    F = torch.nn.functional
    leaves = {(b.layer, b.name): _t(torch, net.params[b.offset:b.stop].reshape(b.shape)) for b in net.layout}
    a = torch.tensor(X.reshape((-1,) + net.input_shape))
    masks = list(masks)
    for i, layer in enumerate(net.layers):
        if isinstance(layer, Conv2D):
            a = F.conv2d(a, leaves[i, "weight"], leaves[i, "bias"], stride=layer.stride, padding=layer.padding)
        elif isinstance(layer, MaxPool2D):
            a = F.max_pool2d(a, layer.size, layer.stride)
        elif isinstance(layer, AvgPool2D):
            a = F.avg_pool2d(a, layer.size, layer.stride)
        elif isinstance(layer, Flatten):
            a = a.reshape(len(a), -1)
        elif isinstance(layer, Dense):
            a = F.linear(a, leaves[i, "weight"].T, leaves[i, "bias"])
        elif isinstance(layer, Dropout):
            a = a * torch.tensor(masks.pop(0))
        else:
            alpha = layer.alpha
            if layer.name == "prelu":
                alpha = leaves[i, "slope"].reshape((1, -1, 1, 1) if a.dim() == 4 else (1, -1))
            a = _torch_activation(torch, layer.name, a, alpha)
    loss = F.cross_entropy(a, torch.tensor(y, dtype=torch.int64))
    loss.backward()
    grad = np.zeros_like(net.params)
    for b in net.layout:
        grad[b.offset:b.stop] = leaves[b.layer, b.name].grad.numpy().ravel()
    return loss.item(), grad


def _grad_error(net, grad, expected):
    """The worst normwise error over the parameter blocks (each block on its own scale)."""
    return max(normwise(grad[b.offset:b.stop], expected[b.offset:b.stop]) for b in net.layout)


@pytest.mark.parametrize("acts", [("relu", "tanh"), ("prelu", "elu"), ("gelu", "swish"), (("leaky_relu", 0.2), "sigmoid"),
                                  ("softplus", "gelu_tanh")], ids=str)
def test_whole_network_loss_and_gradients_equal_torch(torch, acts):
    layers = [Conv2D(4, 3, padding=1), acts[0], MaxPool2D(2), Conv2D(3, 2, stride=2, padding=1), acts[0],
              AvgPool2D(2, 1), Flatten(), Dense(6), acts[1], Dropout(0.3), Dense(3)]
    net = R.CNN((2, 8, 8), layers, seed=3, init="he")
    rng = np.random.RandomState(5)
    X, y = rng.randn(5, 2, 8, 8), rng.randint(0, 3, 5)
    mask = R.dropout_mask(rng, (5, 6), 0.3)
    loss, grad = net.gradients(X, y, masks=[mask])
    torch_loss, torch_grad = _torch_network(torch, net, X, y, [mask])
    errors = abs(loss - torch_loss) / abs(torch_loss), _grad_error(net, grad, torch_grad)
    _record("whole network loss", errors[0])
    _record("whole network gradients", errors[1])
    assert errors[0] <= TORCH_FORWARD and errors[1] <= TORCH_GRADIENT, errors


@pytest.mark.parametrize("optimizer", ["sgd", "nesterov", "adam"])
def test_three_optimizer_steps_equal_torch(torch, optimizer):
    layers = [Conv2D(3, 3), "tanh", MaxPool2D(2), Flatten(), Dense(5), "prelu", Dense(2)]
    rng = np.random.RandomState(11)
    X, y = rng.randn(12, 1, 6, 6), rng.randint(0, 2, 12)
    net = R.CNN((1, 6, 6), layers, seed=4)
    start = net.params.copy()
    kwargs = dict(lr=0.05, momentum=0.8, nesterov=optimizer == "nesterov")
    history = net.fit(X, y, epochs=1, batch_size=4, optimizer="adam" if optimizer == "adam" else "sgd",
                      shuffle=False, **kwargs)

    # The same three steps in torch: autograd's gradients, the update written out.
    twin = R.CNN((1, 6, 6), layers, seed=4)
    assert np.array_equal(twin.params, start)
    p = torch.tensor(start)
    first, second = torch.zeros_like(p), torch.zeros_like(p)
    losses = []
    for t, rows in enumerate((slice(0, 4), slice(4, 8), slice(8, 12)), start=1):
        twin.params = p.numpy().copy()
        loss, g = _torch_network(torch, twin, X[rows], y[rows])
        g = torch.tensor(g)
        losses.append(loss)
        if optimizer == "adam":
            first = 0.9 * first + (1 - 0.9) * g
            second = 0.999 * second + (1 - 0.999) * (g * g)
            lr_t = 0.05 * math.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
            p = p + -lr_t * first / (torch.sqrt(second) + 1e-8)
        else:
            u = 0.8 * first - 0.05 * g
            first = u
            if optimizer == "nesterov":
                u = 0.8 * first - 0.05 * g
            p = p + u
    errors = abs(history["loss"][0] - np.mean(losses)) / np.mean(losses), normwise(net.params - start, p.numpy() - start)
    _record(f"{optimizer} 3 steps", max(errors))
    assert errors[0] <= TORCH_TRAINING and errors[1] <= TORCH_TRAINING, errors


# ---- central differences (no torch needed) ------------------------------------------------

@pytest.mark.parametrize("name", [n for n in activations.NAMES if n != "silu"])
def test_gradients_match_central_differences_for_every_activation(name):
    # (1, 3, 3) -> conv (2, 4, 4) -> max pool (2, 3, 3) -> avg pool (2, 2, 2) -> 8 -> 4 -> 3.
    layers = [Conv2D(2, 2, padding=1), name, MaxPool2D(2, stride=1), AvgPool2D(2, stride=1), Flatten(), Dense(4), name,
              Dropout(0.5), Dense(3)]
    net = R.CNN((1, 3, 3), layers, seed=1, init="he")
    rng = np.random.RandomState(2)
    X, y = rng.randn(4, 1, 3, 3), rng.randint(0, 3, 4)
    net.params += rng.uniform(-0.3, 0.3, net.params.shape)  # nonzero biases; slopes away from their start
    mask = R.dropout_mask(rng, (4, 4), 0.5)
    _, grad = net.gradients(X, y, masks=[mask])
    numeric = np.empty_like(grad)
    start = net.params.copy()
    for i in range(len(start)):
        losses = []
        for step in (FD_STEP, -FD_STEP):
            net.params = start.copy()
            net.params[i] += step
            losses.append(net.gradients(X, y, masks=[mask])[0])
        numeric[i] = (losses[0] - losses[1]) / (2 * FD_STEP)
    net.params = start
    assert normwise(grad, numeric) <= FD_TOLERANCE, (name, normwise(grad, numeric))
    if name == "prelu":  # the slopes get a gradient
        slopes = [b for b in net.layout if b.name == "slope"]
        assert all(np.any(grad[b.offset:b.stop] != 0) for b in slopes)


def test_predict_proba_and_loss_agree():
    net = R.CNN((2, 5, 5), [Conv2D(3, 3), "elu", Flatten(), Dense(4)], seed=6)
    rng = np.random.RandomState(0)
    X, y = rng.randn(7, 2, 5, 5) * 3, rng.randint(0, 4, 7)
    proba = net.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(net.loss(X, y), -np.mean(np.log(proba[np.arange(7), y])), rtol=1e-13)
    # Flat (N, C*H*W) input is read as (N, C, H, W).
    assert np.array_equal(net.predict_proba(X.reshape(7, -1)), proba)


def test_output_shapes_accepts_a_partial_stack():
    assert output_shapes((1, 4, 4), [Conv2D(2, 3), "relu"]) == [(2, 2, 2), (2, 2, 2)]
    with pytest.raises(ValueError, match="last layer must be a Dense"):
        parameter_layout((1, 4, 4), [Conv2D(2, 3), "relu"])


def test_dropout_is_inverted_and_only_in_training():
    net = R.CNN((6,), [Dense(50), Dropout(0.4), Dense(2)], seed=0)
    X = np.ones((3, 6))
    assert np.array_equal(net.forward(X), net.forward(X))  # evaluation: no masks drawn
    state = net.dropout_rng.get_state()[2]
    net.forward(X, training=True)
    kept = net.cache[1][1] != 0
    assert net.dropout_rng.get_state()[2] != state
    np.testing.assert_array_equal(net.cache[1][1][kept], net.cache[1][0][kept] / 0.6)
    expected = R.dropout_mask(np.random.RandomState(1), (3, 50), 0.4)  # seed + 1, one draw over the batch
    assert np.array_equal(net.cache[2][0], expected)


# ---- training ---------------------------------------------------------------------------

def _bars(n, seed):
    """6x6 images with a vertical (class 0) or horizontal (class 1) bar, plus noise."""
    rng = np.random.RandomState(seed)
    y = rng.randint(0, 2, n)
    X = rng.randn(n, 1, 6, 6) * 0.1
    where = rng.randint(0, 6, n)
    for i in range(n):
        if y[i]:
            X[i, 0, where[i], :] += 1
        else:
            X[i, 0, :, where[i]] += 1
    return X, y


TINY = [Conv2D(4, 3, padding=1), "relu", MaxPool2D(2), Flatten(), Dense(8), "relu", Dropout(0.2), Dense(2)]


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_fit_learns_bars(optimizer):
    X, y = _bars(64, 0)
    net = R.CNN((1, 6, 6), TINY, seed=0)
    history = net.fit(X, y, epochs=15, lr=0.05 if optimizer == "sgd" else 0.01, batch_size=16, optimizer=optimizer)
    assert history["loss"][-1] < 0.5 * history["loss"][0], history
    assert (net.predict_proba(X).argmax(axis=1) == y).mean() >= 0.9


def test_fit_is_deterministic_and_dropout_seed_changes_only_the_masks():
    X, y = _bars(40, 1)
    runs = [R.CNN((1, 6, 6), TINY, seed=2) for _ in range(2)]
    histories = [net.fit(X, y, epochs=3, batch_size=16) for net in runs]
    assert histories[0] == histories[1] and np.array_equal(runs[0].params, runs[1].params)
    other = R.CNN((1, 6, 6), TINY, seed=2, dropout_seed=99)
    assert np.array_equal(other.params, R.CNN((1, 6, 6), TINY, seed=2).params)
    assert other.fit(X, y, epochs=3, batch_size=16) != histories[0]
    # Without dropout the dropout stream is never read: the histories agree.
    plain = [layer for layer in TINY if not isinstance(layer, Dropout)]
    a, b = R.CNN((1, 6, 6), plain, seed=2), R.CNN((1, 6, 6), plain, seed=2, dropout_seed=99)
    assert a.fit(X, y, epochs=2, batch_size=16) == b.fit(X, y, epochs=2, batch_size=16)


def test_fit_shuffles_with_the_stream_that_drew_the_weights():
    X, y = _bars(10, 2)
    layers = [Flatten(), Dense(2)]
    net = R.CNN((1, 6, 6), layers, seed=5)
    start = net.params.copy()
    stream = np.random.RandomState(5)
    stream.uniform(-1, 1, size=(36, 2))  # the weights' draw
    perm = stream.permutation(10)
    net.fit(X, y, epochs=1, lr=0.1, batch_size=4, momentum=0.0)
    # By hand: plain SGD over the batches perm[0:4], perm[4:8], perm[8:10].
    by_hand = R.CNN((1, 6, 6), layers, seed=5)
    assert np.array_equal(by_hand.params, start)
    for rows in (perm[0:4], perm[4:8], perm[8:10]):
        by_hand.params = by_hand.params - 0.1 * by_hand.gradients(X[rows], y[rows])[1]
    assert np.array_equal(net.params, by_hand.params)


def test_report_measured_differences():
    """Prints the largest differences from torch measured above (pytest -s)."""
    for name, value in sorted(MEASURED.items()):
        print(f"{name}: {value:.3g}")
