"""Every activation and its derivative against its closed form in 128-bit arithmetic.

`activations.evaluate` runs the networks' own eight-lane kernels (Swift,
ActivationKernels.swift); here each result is compared with the closed form
evaluated by mpmath at 128 bits and measured in units in the last place:

    error = |ours - exact| / ulp(scale),

ulp(v) the spacing of doubles at |v| (2^-1074 for subnormals and 0), and
scale = |exact|, except for the derivatives that cross zero inside the real
line (GELU's, GELU-tanh's and swish's, near z = -0.75, -0.75 and -1.28):
there the closed form is a sum of two terms that cancel, and scale is the
sum of the terms' magnitudes (the error is then relative to the terms, as
for any floating-point evaluation of that sum; away from the root the two
scales agree). Inputs: a dense grid of [-50, 50], the tails where results
become subnormal or saturate, +-1e3, +-1e6, +-1e300, the largest double,
subnormals and +-0; infinities and NaN by their limits.

Measured (every build gives the same bits), the worst over these inputs and
over 1.2 million more drawn at random from each function's hard ranges
(GELU's left side, the tails, the subnormal range), f then f':
gelu 5.1 / 2.9 (the left side, z in [-6, 0]: a degree-8/9 rational for
the normal tail's Mills ratio evaluated by Horner, divided, and multiplied
by e^(-z^2/2) and z), gelu_tanh 3.0 / 4.1, tanh 2.5 / 3.8, swish 2.4 / 3.3,
softplus 1.9 / 1.9 (gelu and softplus measured again after their rational
and derivative changed, over 1.2 million inputs of their own; swish after
its direct path for z >= -700, over 750,000 of its own, the worst
derivative at z = -36.9), elu 1.1 / 1.0, sigmoid 2.1 / - (its derivative is the
article's a (1 - a), which cancels where the sigmoid saturates and is left
as the article writes it), leaky_relu and prelu 0.5 / 0, relu and identity
0 / 0.
"""

import math

import mpmath as mp  # a test dependency (pyproject.toml's "test" extra)
import numpy as np
import pytest

import swiftmoons as sm
from swiftmoons import activations, reference as ref

mp.mp.prec = 128

#: The most ulps any activation or derivative may be from its closed form
#: (the worst measured is GELU's 5.1, in its left side: see above).
MAX_ULPS = 6.0

#: (name, alpha) pairs tested: every kind, the parameterized ones also off their defaults.
CASES = [("identity", None), ("sigmoid", None), ("tanh", None), ("relu", None), ("leaky_relu", None),
         ("leaky_relu", 0.2), ("prelu", None), ("elu", None), ("elu", 0.5), ("gelu", None), ("gelu_tanh", None),
         ("swish", None), ("softplus", None)]
DEFAULT_ALPHA = {"leaky_relu": 0.01, "prelu": 0.25, "elu": 1.0}


def _inputs():
    special = [1e3, 1e6, 1e300, np.finfo(float).max, 5e-324, 1e-310, 2.2250738585072014e-308, 1e-20, 0.0,
               0.66291, 0.7518, 1.2785, 5.656854249492381, 18.7, 21.7, 37.5, 38.5, 354.5, 709.5, 710.5, 745.5,
               752.0]
    return np.concatenate([
        np.linspace(-50, 50, 5001),                          # step 0.02
        np.array(special + [-v for v in special]),
        np.linspace(-760, -700, 121),                        # exp's subnormal range
        np.linspace(-40, -18, 221),                          # GELU's and GELU-tanh's underflow
        np.random.RandomState(0).standard_normal(500) * 2,   # where networks' values lie
    ])


INPUTS = _inputs()


def _sigma(v):
    return 1 / (1 + mp.exp(-v))


def closed_form(name, x, alpha):
    """(f(x), f'(x), the scale of f'(x)) as mpmath numbers, for a finite double x."""
    X = mp.mpf(x)
    one, zero = mp.mpf(1), mp.mpf(0)
    if name == "identity":
        return X, one, one
    if name == "sigmoid":
        return _sigma(min(max(X, -500), 500)), None, None
    if name == "tanh":
        d = mp.sech(X) ** 2
        return mp.tanh(X), d, d
    if name == "relu":
        return (X if X > 0 else zero), (one if X > 0 else zero), one
    if name in ("leaky_relu", "prelu"):
        a = mp.mpf(alpha)
        return (X, one, one) if X > 0 else (a * X, a, a)
    if name == "elu":
        a = mp.mpf(alpha)
        return (X, one, one) if X > 0 else (a * mp.expm1(X), a * mp.exp(X), a * mp.exp(X))
    if name in ("gelu", "gelu_tanh") and abs(X) > 100:
        # x, or 0 to far below the smallest subnormal (mpmath's erfc refuses such x).
        return (X, one, one) if X > 0 else (zero, zero, zero)
    if name == "gelu":
        cdf, pdf = mp.ncdf(X), mp.npdf(X)
        return X * cdf, cdf + X * pdf, abs(cdf) + abs(X * pdf)
    if name == "gelu_tanh":
        # 0.5 x (1 + tanh(u)) = x sigma(2u), u = sqrt(2/pi) (x + 0.044715 x^3), exactly.
        k, c = mp.sqrt(2 / mp.pi), mp.mpf("0.044715")
        v = 2 * k * (X + c * X ** 3)
        s, sc = _sigma(v), _sigma(-v)
        term = X * 2 * k * (1 + 3 * c * X ** 2) * s * sc
        return X * s, s + term, abs(s) + abs(term)
    if name == "swish":
        s, sc = _sigma(X), _sigma(-X)
        return X * s, s + X * s * sc, abs(s) + abs(X * s * sc)
    if name == "softplus":
        s = _sigma(X)
        return mp.log1p(mp.exp(X)), s, s
    raise ValueError(name)


def ulps(ours, exact, scale):
    """|ours - exact| in units in the last place of `scale` (see the module's docstring)."""
    if not math.isfinite(ours):
        return math.inf
    magnitude = abs(mp.mpf(scale))
    exponent = -1022 if magnitude == 0 else max(int(mp.floor(mp.log(magnitude, 2))), -1022)
    return float(abs(mp.mpf(ours) - exact) / mp.mpf(2) ** (exponent - 52))


def worst(name, alpha):
    kwargs = {} if alpha is None else {"alpha": alpha}
    f = activations.evaluate(name, INPUTS, **kwargs)
    d = activations.evaluate(name, INPUTS, derivative=True, **kwargs)
    a = DEFAULT_ALPHA.get(name) if alpha is None else alpha
    worst_f, worst_d = (0.0, None), (0.0, None)
    for x, fx, dx in zip(INPUTS.tolist(), f.tolist(), d.tolist()):
        F, D, S = closed_form(name, x, a)
        e = ulps(fx, F, F)
        if e > worst_f[0]:
            worst_f = (e, x)
        if D is not None:
            e = ulps(dx, D, S)
            if e > worst_d[0]:
                worst_d = (e, x)
    return worst_f, worst_d


@pytest.mark.parametrize("name, alpha", CASES)
def test_activation_and_derivative_are_within_max_ulps_of_the_closed_form(name, alpha):
    (ef, xf), (ed, xd) = worst(name, alpha)
    assert ef <= MAX_ULPS, f"{name}({xf!r}) is {ef:.3g} ulp from its closed form"
    assert ed <= MAX_ULPS, f"{name}'({xd!r}) is {ed:.3g} ulp from its closed form"


def test_the_ulp_measure_can_fail():
    # One ulp off where the function is 1, and a 3% error in GELU's left tail
    # (the old 1 + erf form at z = -8), are seen as such.
    assert ulps(1.0 + 2.0 ** -52, mp.mpf(1), mp.mpf(1)) == pytest.approx(1.0)
    exact = closed_form("gelu", -8.0, None)[0]
    assert ulps(float(exact) * 1.03, exact, exact) > 1e13
    assert ulps(math.nan, exact, exact) == math.inf


INF = math.inf
_CLIPPED = 1 / (1 + math.exp(500))  # the sigmoid at the clip, and its a (1 - a)
#: f(+inf), f(-inf), f'(+inf), f'(-inf) with default parameters (the limits).
LIMITS = {
    "identity": (INF, -INF, 1.0, 1.0),
    "sigmoid": (1.0, _CLIPPED, 0.0, _CLIPPED),  # the article's clip of z to [-500, 500]
    "tanh": (1.0, -1.0, 0.0, 0.0),
    "relu": (INF, 0.0, 1.0, 0.0),
    "leaky_relu": (INF, -INF, 1.0, 0.01),
    "prelu": (INF, -INF, 1.0, 0.25),
    "elu": (INF, -1.0, 1.0, 0.0),
    "gelu": (INF, 0.0, 1.0, 0.0),
    "gelu_tanh": (INF, 0.0, 1.0, 0.0),
    "swish": (INF, 0.0, 1.0, 0.0),
    "softplus": (INF, 0.0, 1.0, 0.0),
}


@pytest.mark.parametrize("name", list(LIMITS))
def test_infinities_give_the_limits_and_nan_stays_nan(name):
    f = activations.evaluate(name, [INF, -INF, math.nan])
    d = activations.evaluate(name, [INF, -INF, math.nan], derivative=True)
    assert f[:2].tolist() == list(LIMITS[name][:2]) and math.isnan(f[2])
    assert d[:2].tolist() == list(LIMITS[name][2:])
    if name not in ("identity", "relu", "leaky_relu", "prelu"):  # piecewise ones take a branch at NaN
        assert math.isnan(d[2])


# ---- evaluate() is what the networks compute ---------------------------------------------

NAMES = list(LIMITS) + ["silu"]


def _one_unit_net(name):
    """x -> f(1 * x + 0) -> 1 * a + 0: the network's output is f(x) exactly."""
    params = [np.ones((1, 1)), np.zeros(1)] + ([np.full(1, 0.25)] if name == "prelu" else []) + \
             [np.ones((1, 1)), np.zeros(1)]
    return sm.MLP.from_params(params, activation=name, output="identity")


def _diagonal_net(name, width):
    """x_j -> f(x_j) for `width` units (W1 the identity: each sum is one exact
    product), summed into one identity output."""
    params = [np.eye(width), np.zeros(width)] + ([np.full(width, 0.25)] if name == "prelu" else []) + \
             [np.ones((width, 1)), np.zeros(1)]
    return sm.MLP.from_params(params, activation=name, output="identity")


@pytest.mark.parametrize("name", NAMES)
def test_evaluate_equals_the_networks_forward_pass(name):
    # Many rows (several blocks, every thread), the tails and subnormals among them.
    x = np.concatenate([INPUTS[np.abs(INPUTS) < 1e300], np.linspace(-8, 8, 20_011)])
    with _one_unit_net(name) as net:
        assert np.array_equal(net.forward(x[:, None])[:, 0], activations.evaluate(name, x))
        # Sixteen hidden units: the fused path's blocks of sixteen, not only its tail.
        with _diagonal_net(name, 16) as wide:
            hidden = wide.get_hidden(x[: len(x) // 16 * 16].reshape(-1, 16), layer=1)
            assert np.array_equal(hidden.ravel(), activations.evaluate(name, x[: len(x) // 16 * 16]))


@pytest.mark.parametrize("name", NAMES)
def test_evaluate_derivative_equals_the_networks_backward_pass(name):
    # One row of 64 units per call: the gradient of b1 is delta * f'(x_j)
    # exactly (delta, the output's gradient, is the gradient of b2), so the
    # backward pass's f' is read off unit by unit.
    x = np.concatenate([np.linspace(-12, 12, 64 * 12), INPUTS[(np.abs(INPUTS) < 1e6)][:64 * 60]])
    x = x[: len(x) // 64 * 64].reshape(-1, 64)
    with _diagonal_net(name, 64) as net:
        for row in x:
            _, grads = net.gradients(row[None, :], np.array([[0.3]]))
            delta = grads[-1].ravel()[0]
            assert delta != 0 and np.isfinite(delta)
            expected = delta * activations.evaluate(name, row, derivative=True)
            ours = grads[1].ravel()
            assert np.array_equal(ours, expected), (name, row[ours != expected])


def test_every_activation_of_the_library_is_checked_here():
    # A kind added to the library needs its closed form and limits above
    # (and its entry in reference.TABLE), or this fails.
    assert set(LIMITS) == set(sm.activations.PARAMETERS) == set(ref.TABLE)
