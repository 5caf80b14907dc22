"""`swiftmoons.widgets`: the lessons, interactive, in Jupyter and Voila.

Four widgets, each a function that returns an ipywidgets box to display
(the last expression of a cell, or ``IPython.display.display``):

- :func:`activation_explorer`: drag x, read off f(x) and f'(x) of any of
  the eleven activations (seed 002's first exercise);
- :func:`depth_explorer`: the bound 0.25**depth beside the gradient ratio
  measured in a real network of that depth, with the float32 and float64
  precision floors (seed 002's depth slider);
- :func:`dead_unit_explorer`: a cold bias and small inputs kill ReLU units;
  which come back under Leaky ReLU or GELU (seed 002's grid of 128 units);
- :func:`playground`: data, network and training as TensorFlow Playground
  lays them out, trained natively in chunks, with the boundary, the loss
  curves, every hidden unit's map over the plane and the signal trace of a
  clicked point; its settings round-trip through a short string.

Every number a widget shows is computed by the library (the activations'
kernels, :mod:`swiftmoons.experiments`, the networks), and each widget
exposes what it drew (``values``, ``result``, ``figure``) so that a test,
or a curious user, can read it back.

The widgets need ipywidgets, matplotlib and ipympl (its canvas draws the
figures and takes the playground's clicks): ``pip install
"swiftmoons[widgets]"``.

Examples
--------
>>> from swiftmoons import widgets
>>> explorer = widgets.activation_explorer(x=0.5)
>>> explorer.values["sigmoid"]              # (f(x), f'(x)) at x = 0.5
(0.6224593312018546, 0.2350037122015945)
>>> pg = widgets.playground("data=xor&layers=4:tanh,4:tanh&epochs=50")
>>> pg.run()                                # train to the epochs set, natively
>>> pg.epoch, pg.state == widgets.playground(pg.state).state
(50, True)
"""

from __future__ import annotations

import asyncio
import math
import time
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

try:
    import ipywidgets as W  # type: ignore[import-untyped]
    from ipympl.backend_nbagg import Canvas as _Canvas, FigureManager as _FigureManager  # type: ignore[import-untyped]
    from matplotlib.colors import LinearSegmentedColormap
    from matplotlib.figure import Figure
except ImportError as _missing:  # pragma: no cover - exercised by the import test with the extra absent
    raise ImportError(
        f"swiftmoons.widgets needs ipywidgets, matplotlib and ipympl ({_missing.name} is missing): "
        'pip install "swiftmoons[widgets]"') from _missing

from . import activations as _activations
from . import experiments as _experiments
from . import plot as _plot
from ._convert import as_int, as_real, as_sequence
from .data import make_blobs, make_circles, make_moons, make_spiral, make_xor, standardize, train_test_split
from .network import MLP
from .random import RandomState

#: The activations the widgets offer: the eleven, in the library's order.
ACTIVATIONS = tuple(_activations.PARAMETERS)

#: Relative precision of float32 and float64 (their machine epsilons,
#: 2**-23 and 2**-52): a gradient ratio below one of them is lost when it is
#: added to a weight of order 1 in that precision.
PRECISION_FLOORS = {"float32": float(np.finfo(np.float32).eps), "float64": float(np.finfo(np.float64).eps)}


def _figure(width: float, height: float, layout: Any = "constrained") -> Figure:
    """A figure drawn on an ipympl canvas (a widget), without header, footer or toolbar, not resizable."""
    fig = Figure(figsize=(width, height), layout=layout)
    fig.patch.set_facecolor(_plot.PALETTE["bg"])
    with warnings.catch_warnings():
        # ipympl's toolbar passes traitlets an argument it deprecates; nothing for a user to act on.
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="traitlets")
        canvas = _Canvas(fig)
        _FigureManager(canvas, 0)
    canvas.header_visible = False
    canvas.footer_visible = False
    canvas.toolbar_visible = False
    canvas.resizable = False
    return fig


#: The boundary panel's background: the predicted probability of class 1,
#: from class 0's colour (lightened) through white at 0.5 to class 1's.
_BOUNDARY_CMAP = LinearSegmentedColormap.from_list(
    "swiftmoons_boundary", ["#f9c99b", "#ffffff", "#8fd0c6"])


def _redraw(fig: Figure) -> None:
    """Render now (the canvas then sends the new image to the page)."""
    fig.canvas.draw_idle()


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _activation(name) -> str:
    """The canonical name of one of the eleven activations, or a ValueError naming them."""
    canonical = _activations.canonical(name)
    if canonical not in _activations.PARAMETERS:
        raise ValueError(f"unknown activation {name!r} (the activations: {', '.join(ACTIVATIONS)})")
    return canonical


def _spec(name: str, alpha: float | None):
    return name if alpha is None or name not in _activations.PARAMETERS or not _activations.PARAMETERS[name] \
        else (name, float(alpha))


def _key(name: str, alpha: float | None) -> str:
    spec = _spec(name, alpha)
    return spec if isinstance(spec, str) else f"{spec[0]}({spec[1]:g})"


# ---- 1. activation explorer --------------------------------------------------


class ActivationExplorer(W.VBox):
    """Drag x, read off f(x) and f'(x): what :func:`activation_explorer` returns.

    Parameters
    ----------
    x, activations, x_range
        As :func:`activation_explorer`.

    Examples
    --------
    >>> ActivationExplorer(x=0.0).values["tanh"]
    (0.0, 1.0)
    """

    def __init__(self, x: float = 0.5, activations=_activations.LESSON_FIVE, x_range: float = 6.0):
        x, x_range = as_real(x, "x"), as_real(x_range, "x_range")
        if not (math.isfinite(x_range) and x_range > 0):
            raise ValueError(f"x_range must be finite and > 0, got {x_range}")
        if not -x_range <= x <= x_range:
            raise ValueError(f"x must be in [-{x_range:g}, {x_range:g}], got {x}")
        chosen = [_activation(a) for a in as_sequence(activations, "activations")]
        self.grid = np.linspace(-x_range, x_range, 601)
        self.x = W.FloatSlider(value=x, min=-x_range, max=x_range, step=0.01, description="x",
                               continuous_update=True, readout_format=".2f", layout=W.Layout(width="420px"))
        self.checks = {name: W.Checkbox(value=name in chosen, description=_plot.label(name), indent=False,
                                        layout=W.Layout(width="130px")) for name in ACTIVATIONS}
        self.alphas = {name: W.FloatSlider(value=params["alpha"], min=0.0 if name == "elu" else -1.0, max=2.0,
                                           step=0.01, description=f"{_plot.label(name)} α",
                                           continuous_update=False, style={"description_width": "110px"},
                                           layout=W.Layout(width="330px"))
                       for name, params in _activations.PARAMETERS.items() if params}
        self.readout = W.HTML()
        self.figure = _figure(9.0, 3.6)
        self._value_ax, self._slope_ax = self.figure.subplots(1, 2)
        #: Per shown activation: (f(x), f'(x)) at the slider's x, from the library.
        self.values: dict[str, tuple[float, float]] = {}
        #: Per shown activation: the curves (f, f') over ``grid``, from the library.
        self.curves: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for widget in (*self.checks.values(), *self.alphas.values()):
            widget.observe(lambda _: self._curves(), names="value")
        self.x.observe(lambda _: self._marker(), names="value")
        boxes = W.GridBox(list(self.checks.values()), layout=W.Layout(grid_template_columns="repeat(6, 135px)"))
        super().__init__([self.x, boxes, W.HBox(list(self.alphas.values())), self.figure.canvas, self.readout])
        self._curves()

    def _alpha(self, name):
        return self.alphas[name].value if name in self.alphas else None

    def shown(self) -> list[str]:
        """The activations whose boxes are ticked, in the library's order.

        Returns
        -------
        list of str

        Examples
        --------
        >>> explorer = activation_explorer(activations=["relu", "sigmoid"])
        >>> explorer.shown()
        ['sigmoid', 'relu']
        """
        return [name for name, box in self.checks.items() if box.value]

    def _curves(self):
        self.curves = {}
        for ax, title in ((self._value_ax, "f(x)"), (self._slope_ax, "f'(x)")):
            ax.clear()
            ax.set_title(title, fontsize=11)
            ax.axhline(0, color="#999999", lw=0.8)
            ax.set_xlim(self.grid[0], self.grid[-1])
        shown = self.shown()
        for i, name in enumerate(shown):
            params = {} if name not in self.alphas else {"alpha": self._alpha(name)}
            f = _activations.evaluate(name, self.grid, **params)
            d = _activations.evaluate(name, self.grid, derivative=True, **params)
            self.curves[name] = (f, d)
            label = _plot.label(_key(name, self._alpha(name)))
            # Each curve a little thinner than the one before, so that curves
            # that coincide (ReLU and Leaky ReLU for x > 0) both stay visible.
            lw = 4.0 - 2.5 * i / max(1, len(shown) - 1)
            self._value_ax.plot(self.grid, f, color=_plot.colour(name), lw=lw, label=label)
            self._slope_ax.plot(self.grid, d, color=_plot.colour(name), lw=lw, label=label)
        self._value_ax.set_ylim(-2.0, 3.0)
        self._slope_ax.set_ylim(-0.3, 1.4)
        if self.curves:
            self._value_ax.legend(fontsize=8, loc="upper left")
        self._markers = [ax.plot([], [], "o", color="#1a1a1a", ms=5, zorder=5)[0]
                         for ax in (self._value_ax, self._slope_ax)]
        self._lines = [ax.axvline(0, color="#1a1a1a", lw=0.8, ls=":") for ax in (self._value_ax, self._slope_ax)]
        self._marker()

    def _marker(self):
        x = float(self.x.value)
        self.values = {}
        for name in self.shown():
            params = {} if name not in self.alphas else {"alpha": self._alpha(name)}
            self.values[name] = (_activations.evaluate(name, x, **params),
                                 _activations.evaluate(name, x, derivative=True, **params))
        names = list(self.values)
        self._markers[0].set_data([x] * len(names), [self.values[n][0] for n in names])
        self._markers[1].set_data([x] * len(names), [self.values[n][1] for n in names])
        for line in self._lines:
            line.set_xdata([x, x])
        rows = "".join(
            f"<tr><td style='color:{_plot.colour(n)};padding-right:12px'><b>{_plot.label(_key(n, self._alpha(n)))}</b>"
            f"</td><td style='padding-right:12px'>{f:.4f}</td><td>{d:.4f}</td></tr>"
            for n, (f, d) in self.values.items())
        self.readout.value = (f"<table style='font-family:monospace'><tr><th align='left'>x = {x:.2f}</th>"
                              f"<th align='left'>f(x)</th><th align='left'>f'(x)</th></tr>{rows}</table>")
        _redraw(self.figure)


def activation_explorer(x: float = 0.5, activations=_activations.LESSON_FIVE, x_range: float = 6.0) -> ActivationExplorer:
    """Seed 002's explorer: drag x, read off the output and the derivative of each activation.

    A slider for x, a box per activation (all eleven; the lesson's five
    ticked), a slope slider for each activation with a parameter (Leaky
    ReLU, PReLU, ELU), the curves of f and f' with a marker at x, and a
    table of f(x) and f'(x) to four places, all computed by the library's
    kernels (:func:`swiftmoons.activations.evaluate`), so they are what a
    hidden unit computes.

    Parameters
    ----------
    x : float
        Where the slider starts, within ``[-x_range, x_range]``.
    activations : sequence of str
        The activations ticked at first.
    x_range : float > 0
        The curves and the slider span ``[-x_range, x_range]``.

    Returns
    -------
    ActivationExplorer
        An ipywidgets VBox. Its ``x`` slider, ``checks`` and ``alphas`` are
        the controls; ``values`` holds (f(x), f'(x)) of each shown
        activation, ``curves`` the plotted arrays, ``figure`` the figure.

    Raises
    ------
    TypeError, ValueError
        For an x outside the range, a bad range, or an unknown activation.

    Examples
    --------
    >>> explorer = activation_explorer()
    >>> explorer.x.value = 0.5
    >>> [round(v, 4) for v in explorer.values["sigmoid"]]
    [0.6225, 0.235]
    >>> explorer.x.value = -1.2
    >>> explorer.values["relu"]
    (0.0, 0.0)
    """
    return ActivationExplorer(x, activations, x_range)


# ---- 2. depth explorer -------------------------------------------------------


class DepthExplorer(W.VBox):
    """The depth slider: what :func:`depth_explorer` returns.

    Parameters
    ----------
    depth, activation, width, seed
        As :func:`depth_explorer`.

    Examples
    --------
    >>> DepthExplorer(depth=3).depth.value
    3
    """

    MAX_DEPTH = 30

    def __init__(self, depth: int = 15, activation: str = "sigmoid", width: int = 16, seed: int = 0):
        depth = as_int(depth, "depth", 1, self.MAX_DEPTH)
        activation = _activation(activation)
        # Thirty networks of each activation are computed: wider ones take seconds.
        self.width, self.seed = as_int(width, "width", 1, 64), as_int(seed, "seed", 0, 2**32 - 1)
        self.depth = W.IntSlider(value=depth, min=1, max=self.MAX_DEPTH, description="depth",
                                 continuous_update=True, layout=W.Layout(width="420px"))
        self.activation = W.Dropdown(options=[(_plot.label(a), a) for a in ACTIVATIONS], value=activation,
                                     description="activation")
        self.readout = W.HTML()
        self.figure = _figure(7.5, 4.2)
        self._ax = self.figure.subplots()
        self.depths = np.arange(1, self.MAX_DEPTH + 1)
        #: The bound 0.25**depth for each depth 1..30.
        self.bound = 0.25 ** self.depths.astype(float)
        #: Per activation computed so far: the measured ratio for each depth 1..30.
        self.measured: dict[str, np.ndarray] = {}
        self.depth.observe(lambda _: self._marker(), names="value")
        self.activation.observe(lambda _: self._curves(), names="value")
        super().__init__([W.HBox([self.depth, self.activation]), self.figure.canvas, self.readout])
        self._curves()

    def ratios(self, activation: str) -> np.ndarray:
        """The first layer's gradient norm over the output layer's, for networks of depth 1..30.

        Each from :func:`swiftmoons.experiments.vanishing_gradients` (width
        ``width``, weights from ``seed``, one batch of 64 of the article's
        training points): ``norms[0] / norms[-1]``.

        Parameters
        ----------
        activation : str
            One of the eleven activations.

        Returns
        -------
        ndarray of float64, shape (30,)
            The ratio at depth 1, 2, ..., 30 (NaN where the output layer's
            gradient is 0).

        Examples
        --------
        >>> explorer = depth_explorer()
        >>> [f"{r:.1e}" for r in explorer.ratios("sigmoid")[[0, 14, 24]]]
        ['2.4e-01', '1.2e-10', '6.5e-16']
        """
        name = _activation(activation)
        if name not in self.measured:
            values = []
            for d in self.depths:
                norms = next(iter(_experiments.vanishing_gradients(
                    depth=int(d), width=self.width, activations=(name,), seed=self.seed)["norms"].values()))
                values.append(norms[0] / norms[-1] if norms[-1] > 0 else math.nan)
            self.measured[name] = np.array(values)
        return self.measured[name]

    def _curves(self):
        ax, name = self._ax, self.activation.value
        ax.clear()
        ratio = self.ratios(name)
        ax.semilogy(self.depths, self.bound, color=_plot.colour("sigmoid"), lw=2, ls="--",
                    label="bound 0.25^depth (sigmoid's f' ≤ 0.25)")
        shown = np.where(ratio > 0, ratio, np.nan)
        ax.semilogy(self.depths, shown, color=_plot.colour(name), lw=2, marker="o", ms=3,
                    label=f"measured: {_plot.label(name)}, first layer / output layer")
        for (precision, eps), style in zip(PRECISION_FLOORS.items(), (":", "-.")):
            ax.axhline(eps, color="#666666", lw=1, ls=style)
            ax.text(1, eps * 2.5, f"{precision} epsilon {eps:.1e}", ha="left", fontsize=8, color="#444444")
        ax.set_xlabel("depth (hidden layers)")
        ax.set_ylabel("gradient ratio")
        ax.set_xlim(0.5, self.MAX_DEPTH + 0.5)
        finite = shown[np.isfinite(shown)]
        low = min(self.bound.min(), finite.min() if finite.size else 1.0, PRECISION_FLOORS["float64"]) / 10
        high = max(10.0, finite.max() * 10 if finite.size else 10.0)
        ax.set_ylim(low, high)
        ax.legend(fontsize=8, loc="lower left")
        ax.set_title(f"{_plot.label(name)}: 2 inputs, depth x {self.width} units, 1 output (weights seed {self.seed})",
                     fontsize=10)
        self._dots = ax.plot([], [], "o", color="#1a1a1a", ms=8, mfc="none", mew=2, zorder=6)[0]
        self._line = ax.axvline(self.depth.value, color="#1a1a1a", lw=0.8, ls=":")
        self._marker()

    def _marker(self):
        d = int(self.depth.value)
        name = self.activation.value
        ratio = float(self.ratios(name)[d - 1])
        bound = float(self.bound[d - 1])
        self._dots.set_data([d, d], [bound, ratio if ratio > 0 else math.nan])
        self._line.set_xdata([d, d])
        below = [p for p, eps in PRECISION_FLOORS.items() if ratio < eps]
        floor = f"below the {' and '.join(below)} epsilon" if below else "above both precision floors"
        self.readout.value = (
            f"<span style='font-family:monospace'>depth {d}: bound 0.25<sup>{d}</sup> = {bound:.2e}; "
            f"measured ({_plot.label(name)}) = {ratio:.2e}, {floor}</span>")
        _redraw(self.figure)


def depth_explorer(depth: int = 15, activation: str = "sigmoid", width: int = 16, seed: int = 0) -> DepthExplorer:
    """Seed 002's depth slider: the bound 0.25**depth beside a real network's gradient ratio.

    For every depth 1..30 a network 2 -> depth x ``width`` -> 1 of the chosen
    activation computes the gradient of its loss on one batch
    (:func:`swiftmoons.experiments.vanishing_gradients`); the curve is its
    first layer's gradient norm divided by its output layer's, on a log
    axis, beside sigmoid's bound 0.25**depth (the derivative factors alone)
    and the relative precision of float32 and float64. The slider marks
    one depth and the readout gives both numbers.

    Parameters
    ----------
    depth : int
        The slider's first depth, 1..30.
    activation : str
        The first activation shown.
    width : int
        Units per hidden layer.
    seed : int
        Seed of the networks' weights.

    Returns
    -------
    DepthExplorer
        An ipywidgets VBox; ``depth`` and ``activation`` are the controls,
        ``bound`` the bound per depth, ``ratios(name)`` the measured ratio
        per depth, ``figure`` the figure.

    Examples
    --------
    >>> explorer = depth_explorer(depth=15)
    >>> float(explorer.bound[14]) < 1e-9, float(explorer.bound[24]) < 1e-14
    (True, True)
    >>> explorer.activation.value = "relu"
    >>> bool(explorer.ratios("relu")[24] > 1e-3)
    True
    """
    return DepthExplorer(depth, activation, width, seed)


# ---- 3. dead-unit explorer ---------------------------------------------------


class DeadUnitExplorer(W.VBox):
    """The cold-bias grid: what :func:`dead_unit_explorer` returns.

    Parameters
    ----------
    bias, input_std, activation, slope, lr, seed
        As :func:`dead_unit_explorer`.

    Examples
    --------
    >>> int(DeadUnitExplorer(bias=-3.0).result["alive"]["relu"][-1])
    0
    """

    UNITS, BATCH, STEPS = 128, 64, 200
    CHOICES = (("ReLU", "relu"), ("Leaky ReLU", "leaky_relu"), ("GELU", "gelu"))

    def __init__(self, bias: float = 0.0, input_std: float = 0.1, activation: str = "relu", slope: float = 0.1,
                 lr: float = 5.0, seed: int = 0):
        given = activation
        activation = _activation(activation)
        if activation not in {value for _, value in self.CHOICES}:
            raise ValueError(f"activation must be one of relu, leaky_relu, gelu, got {given!r}")
        # The sliders' ranges: a value outside one is refused, not moved to its end.
        for name, value, low, high in (("bias", bias, -5.0, 2.0), ("input_std", input_std, 0.01, 10.0),
                                       ("slope", slope, 0.0, 0.5), ("lr", lr, 0.01, 10 ** 1.5)):
            value = as_real(value, name)
            if not low <= value <= high:
                raise ValueError(f"{name} must be in [{low:g}, {high:.3g}] (its slider's range), got {value}")
        self.bias = W.FloatSlider(value=as_real(bias, "bias"), min=-5.0, max=2.0, step=0.1, description="bias μ",
                                  continuous_update=False)
        self.input_std = W.FloatLogSlider(value=as_real(input_std, "input_std"), base=10, min=-2, max=1, step=0.05,
                                          description="input std", continuous_update=False)
        self.activation = W.ToggleButtons(options=self.CHOICES, value=activation)
        self.slope = W.FloatSlider(value=as_real(slope, "slope"), min=0.0, max=0.5, step=0.01, description="slope",
                                   continuous_update=False)
        self.lr = W.FloatLogSlider(value=as_real(lr, "lr"), base=10, min=-2, max=1.5, step=0.05,
                                   description="learning rate", continuous_update=False,
                                   style={"description_width": "90px"})
        self.seed = as_int(seed, "seed", 0, 2**32 - 1)
        self.readout = W.HTML()
        self.figure = _figure(10.0, 3.4)
        grid = self.figure.add_gridspec(1, 3, width_ratios=[1, 1, 1.3])
        self._axes = [self.figure.add_subplot(grid[0, i]) for i in range(3)]
        #: The last :func:`swiftmoons.experiments.dead_relu` result the widget drew.
        self.result: dict = {}
        for widget in (self.bias, self.input_std, self.activation, self.slope, self.lr):
            widget.observe(lambda _: self._update(), names="value")
        controls = W.VBox([W.HBox([self.bias, self.input_std, self.lr]), W.HBox([self.activation, self.slope])])
        super().__init__([controls, self.figure.canvas, self.readout])
        self._update()

    def spec(self):
        """The activation as the experiment takes it (Leaky ReLU with its slope).

        Returns
        -------
        str or (str, float)

        Examples
        --------
        >>> explorer = dead_unit_explorer(activation="leaky_relu", slope=0.05)
        >>> explorer.spec()
        ('leaky_relu', 0.05)
        """
        name = self.activation.value
        return (name, float(self.slope.value)) if name == "leaky_relu" else name

    def _update(self):
        self.slope.disabled = self.activation.value != "leaky_relu"
        spec = self.spec()
        self.result = _experiments.dead_relu(units=self.UNITS, bias=self.bias.value, input_std=self.input_std.value,
                                             batch_size=self.BATCH, steps=self.STEPS, activations=(spec,),
                                             lr=self.lr.value, seed=self.seed)
        key = next(iter(self.result["alive"]))
        firing, gradient = self.result["firing"][key], self.result["gradient"][key]
        lesson = self.UNITS - self.result["dead"]["never_nonzero"][key]
        positive = self.result["alive"][key]
        for ax, when, title in ((self._axes[0], 0, "at the start"), (self._axes[1], 1, f"after {self.STEPS} steps")):
            ax.clear()
            ax.imshow(self._cells(firing[when], gradient[when]), interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            ax.set_title(f"{title}: {int((firing[when] > 0).sum())} fire", fontsize=10)
        ax = self._axes[2]
        ax.clear()
        steps = self.result["steps"]
        colour = _plot.colour(key)
        ax.plot(steps, lesson, color=colour, lw=2, label="alive: a non-zero output (the lesson's)")
        ax.plot(steps, positive, color=colour, lw=2, ls="--", label="fires: z > 0 on some example")
        ax.set_ylim(-4, self.UNITS + 4)
        ax.set_xlabel("training step")
        ax.set_ylabel(f"units of {self.UNITS}")
        ax.legend(fontsize=8, loc="center left")
        label = _plot.label(key)
        self.readout.value = (
            f"<span style='font-family:monospace'>{label}, μ = {self.bias.value:.1f}, input std "
            f"{self.input_std.value:.3g}, lr {self.lr.value:.3g}: alive by the lesson's definition "
            f"{lesson[0]} → {lesson[-1]}; firing {positive[0]} → {positive[-1]}; with gradient "
            f"{int(gradient[0].sum())} → {int(gradient[1].sum())} of {self.UNITS}. "
            "Cells: brighter = fires on more of the batch; black = no output and no gradient (dead); "
            "slate = never fires but still gets gradient.</span>")
        _redraw(self.figure)

    @staticmethod
    def _cells(firing_count, gradient):
        """An 8 x 16 RGB image: firing share from black to yellow; slate for silent units that get gradient."""
        share = firing_count / DeadUnitExplorer.BATCH
        low, high = np.array([0.12, 0.12, 0.14]), np.array([1.0, 0.85, 0.2])
        rgb = low + share[:, None] * (high - low)
        rgb[(firing_count == 0) & gradient] = (0.36, 0.45, 0.58)
        rgb[(firing_count == 0) & ~gradient] = (0.0, 0.0, 0.0)
        return rgb.reshape(8, DeadUnitExplorer.UNITS // 8, 3)


def dead_unit_explorer(bias: float = 0.0, input_std: float = 0.1, activation: str = "relu", slope: float = 0.1,
                       lr: float = 5.0, seed: int = 0) -> DeadUnitExplorer:
    """Seed 002's exercise: drag the bias μ toward -3 and watch ReLU units die; then try Leaky ReLU or GELU.

    128 hidden units, one batch of 64 Gaussian inputs of the chosen std,
    every bias starting at μ, and 200 SGD steps on the batch
    (:func:`swiftmoons.experiments.dead_relu`, which computes every number
    shown). Two grids of 128 cells show how often each unit fires (its
    pre-activation is positive) on the batch at the start and after
    training; the curves count the units alive by the lesson's definition
    (a non-zero output on some example) and those that fire, step by step.

    Parameters
    ----------
    bias, input_std, lr : float
        The sliders' first values.
    activation : {"relu", "leaky_relu", "gelu"}
    slope : float
        Leaky ReLU's slope.
    seed : int
        Seed of the inputs and the weights.

    Returns
    -------
    DeadUnitExplorer
        An ipywidgets VBox; ``bias``, ``input_std``, ``lr``, ``activation``
        and ``slope`` are the controls, ``result`` the experiment's result
        drawn, ``figure`` the figure.

    Examples
    --------
    >>> explorer = dead_unit_explorer()
    >>> explorer.bias.value = -3.0
    >>> explorer.result["alive"]["relu"][[0, -1]].tolist()
    [0, 0]
    >>> explorer.activation.value = "leaky_relu"
    >>> int(explorer.result["dead"]["never_nonzero"]["leaky_relu(0.1)"][-1])
    0
    """
    return DeadUnitExplorer(bias, input_std, activation, slope, lr, seed)


# ---- 4. playground -----------------------------------------------------------


#: The playground's data sets: each makes (X, y) from (points, noise, seed).
DATASETS = {
    "moons": lambda n, noise, seed: make_moons(n, noise=noise, random_state=seed),
    "circles": lambda n, noise, seed: make_circles(n, noise=noise, factor=0.5, random_state=seed),
    "xor": lambda n, noise, seed: make_xor(n, noise=noise, random_state=seed),
    "spiral": lambda n, noise, seed: make_spiral(n, noise=noise, random_state=seed),
    # Two Gaussians as TensorFlow Playground's, their spread growing with the noise.
    "blobs": lambda n, noise, seed: make_blobs(n, centers=[[1.5, 1.5], [-1.5, -1.5]],
                                               cluster_std=0.5 + 2.0 * noise, random_state=seed),
}

#: The playground's settings and their defaults (the article's run on the moons).
DEFAULTS: dict[str, Any] = {"data": "moons", "noise": 0.18, "points": 400, "test": 0.25, "data_seed": 42,
            "layers": "8:sigmoid,8:sigmoid", "output": "sigmoid", "lr": 0.05, "batch": 64, "epochs": 800,
            "seed": 42, "at": 0}

#: The limits of the playground's network: hidden layers and units per layer (TensorFlow Playground's are 6 and 8).
MAX_HIDDEN, MAX_WIDTH = 6, 16


def _layers(text: str) -> list[tuple[int, str, float | None]]:
    """'8:relu,4:leaky_relu(0.1)' -> [(8, 'relu', None), (4, 'leaky_relu', 0.1)]."""
    text = str(text).strip()
    if not text:
        return []
    out = []
    for i, part in enumerate(text.split(",")):
        digits, sep, act = part.strip().partition(":")
        if not sep:
            raise ValueError(f"layer {i + 1} of {text!r} is not width:activation, got {part!r}")
        digits = digits.strip()
        if not (digits.isascii() and digits.isdigit()):
            raise ValueError(f"layer {i + 1} of {text!r} has a width that is not an integer: {digits!r}")
        width = int(digits)
        if not 1 <= width <= MAX_WIDTH:
            raise ValueError(f"layer {i + 1} of {text!r}: width must be 1..{MAX_WIDTH}, got {width}")
        raw, _, alpha = act.strip().partition("(")
        name = _activation(raw.strip())
        value: float | None = None
        if alpha:
            if not alpha.endswith(")"):
                raise ValueError(f"layer {i + 1} of {text!r}: {act.strip()!r} lacks its closing ')'")
            alpha = alpha[:-1].strip()
            number = _number(alpha, f"layer {i + 1} of {text!r}: the α")
            try:
                name, value = _activations.parse((name, number))
            except ValueError as error:
                raise ValueError(f"layer {i + 1} of {text!r}: {error}") from None
            if name == "elu" and number < 0:
                raise ValueError(f"layer {i + 1} of {text!r}: ELU's α must be >= 0, got {number:g}")
        out.append((width, name, value))
    if len(out) > MAX_HIDDEN:
        raise ValueError(f"the playground takes at most {MAX_HIDDEN} hidden layers, got {len(out)}")
    return out


def _layers_text(layers) -> str:
    return ",".join(f"{w}:{n}" + ("" if a is None else f"({_format(a)})") for w, n, a in layers)


def _format(value) -> str:
    """A setting as the state string writes it: floats with every digit they need to round-trip."""
    return repr(float(value)) if isinstance(value, float) else str(value)


def _number(text: str, what: str) -> float:
    """A float written in plain ASCII (no underscores), or a ValueError naming ``what``."""
    try:
        if not text.isascii() or "_" in text:
            raise ValueError
        return float(text)
    except ValueError:
        raise ValueError(f"{what} is not a number: {text!r}") from None


def parse_state(state: str) -> dict:
    """The settings a playground's state string holds, checked, with defaults for the keys it omits.

    Parameters
    ----------
    state : str
        ``key=value`` pairs joined by ``&`` (the form :attr:`Playground.state`
        writes), keys from :data:`DEFAULTS`.

    Returns
    -------
    dict
        Every key of :data:`DEFAULTS` with its value.

    Raises
    ------
    ValueError
        For an unknown key, a pair without ``=``, or a value out of range,
        naming it.

    Examples
    --------
    >>> parse_state("data=xor&layers=4:tanh&lr=0.1")["layers"]
    '4:tanh'
    >>> parse_state("data=xor&depth=3")
    Traceback (most recent call last):
    ...
    ValueError: unknown playground setting 'depth' (the settings: data, noise, points, test, data_seed, layers, output, lr, batch, epochs, seed, at)
    """
    if not isinstance(state, str):
        raise TypeError(f"a playground state is a string, got {type(state).__name__}")
    settings, seen = dict(DEFAULTS), set()
    for pair in filter(None, (p.strip() for p in state.strip().split("&"))):
        key, sep, value = pair.partition("=")
        key, value = key.strip(), value.strip()
        if not sep:
            raise ValueError(f"playground setting {pair!r} has no '=' (write key=value)")
        if key not in DEFAULTS:
            raise ValueError(f"unknown playground setting {key!r} (the settings: {', '.join(DEFAULTS)})")
        if key in seen:
            raise ValueError(f"playground setting {key!r} is given twice")
        seen.add(key)
        default = DEFAULTS[key]
        if isinstance(default, int):
            if not (value.isascii() and value.isdigit()):
                raise ValueError(f"playground setting {key}={value!r} is not an integer >= 0")
            settings[key] = int(value)
        elif isinstance(default, float):
            settings[key] = _number(value, f"playground setting {key}")
        else:
            settings[key] = value
    return _checked(settings)


def _checked(s: dict) -> dict:
    if s["data"] not in DATASETS:
        raise ValueError(f"data must be one of {', '.join(DATASETS)}, got {s['data']!r}")
    for key, low, high in (("noise", 0.0, 0.5), ("test", 0.1, 0.5), ("lr", 0.0, 100.0)):
        if not (math.isfinite(s[key]) and low <= s[key] <= high):
            raise ValueError(f"{key} must be in [{low:g}, {high:g}], got {s[key]}")
        if key != "lr" and abs(s[key] * 100 - round(s[key] * 100)) > 1e-9:
            raise ValueError(f"{key} must be a multiple of 0.01 (its slider's step), got {s[key]}")
    for key, low, high in (("points", 20, 2000), ("data_seed", 0, 2**32 - 1), ("batch", 1, 5000),
                           ("epochs", 1, 100_000), ("seed", 0, 2**32 - 1), ("at", 0, 100_000)):
        if not low <= s[key] <= high:
            raise ValueError(f"{key} must be in {low}..{high}, got {s[key]}")
    if s["output"] not in ("sigmoid", "softmax"):
        raise ValueError(f"output must be sigmoid or softmax, got {s['output']!r}")
    if s["at"] > s["epochs"]:
        raise ValueError(f"at (the epoch reached, {s['at']}) must not pass epochs ({s['epochs']})")
    s["layers"] = _layers_text(_layers(s["layers"]))
    return s


class Playground(W.HBox):
    """TensorFlow Playground, natively: what :func:`playground` returns.

    Parameters
    ----------
    state : str, optional
        As :func:`playground`.

    Examples
    --------
    >>> Playground("layers=3:gelu").net.layer_sizes
    (2, 3, 1)
    """

    SPEEDS = (1, 2, 5, 10, 25, 100, 500)
    #: The network being trained (a fresh one after every reset).
    net: MLP
    RESOLUTION, MAP_RESOLUTION, MAP_GAP = 60, 28, 3
    MAP_BORDER = (0.75, 0.75, 0.75, 1.0)

    def __init__(self, state: str | None = None):
        settings = parse_state(state or "")
        S = W.Layout
        self.data = W.Dropdown(options=list(DATASETS), value=settings["data"], description="data")
        # The sliders' grids are the settings' (parse_state refuses values
        # off them): a page snaps a value to its slider's grid, and the
        # state would no longer be the one asked for.
        self.noise = W.FloatSlider(value=settings["noise"], min=0.0, max=0.5, step=0.01, description="noise",
                                   continuous_update=False)
        self.points = W.IntSlider(value=settings["points"], min=20, max=2000, step=1, description="points",
                                  continuous_update=False)
        self.test = W.FloatSlider(value=settings["test"], min=0.1, max=0.5, step=0.01, description="test share",
                                  continuous_update=False)
        self.data_seed = W.BoundedIntText(value=settings["data_seed"], min=0, max=2**32 - 1, description="data seed")
        layers = _layers(settings["layers"])
        self.depth = W.IntSlider(value=len(layers), min=0, max=MAX_HIDDEN, description="hidden layers",
                                 style={"description_width": "90px"})
        self.layer_rows: list[tuple[W.BoundedIntText, W.Dropdown, W.FloatText]] = []
        self.layer_box = W.VBox()
        self.output = W.Dropdown(options=["sigmoid", "softmax"], value=settings["output"], description="output")
        self.lr = W.BoundedFloatText(value=settings["lr"], min=0.0, max=100.0, step=0.01, description="learning rate",
                                     style={"description_width": "90px"})
        self.batch = W.BoundedIntText(value=settings["batch"], min=1, max=5000, description="batch size")
        self.epochs = W.BoundedIntText(value=settings["epochs"], min=1, max=100_000, description="epochs")
        self.seed = W.BoundedIntText(value=settings["seed"], min=0, max=2**32 - 1, description="seed")
        self.speed = W.Dropdown(options=self.SPEEDS, value=10, description="epochs/frame",
                                style={"description_width": "90px"})
        self.play = W.ToggleButton(value=False, description="play", icon="play", layout=S(width="90px"))
        self.step_button = W.Button(description="step", icon="step-forward", layout=S(width="90px"))
        self.reset_button = W.Button(description="reset", icon="undo", layout=S(width="90px"))
        self.status = W.HTML()
        # Read when the user presses Enter or leaves the box, not on every keystroke.
        self.state_text = W.Text(description="state", layout=S(width="100%"), style={"description_width": "40px"},
                                 continuous_update=False)
        self.state_error = W.HTML()
        self.figure = _figure(9.5, 3.4, layout=None)
        self.maps = _figure(9.5, 2.6, layout=None)
        self.figure.canvas.mpl_connect("button_press_event", self._click)
        #: The point whose signal trace is drawn (inputs after standardizing), set by a click.
        self.point: tuple[float, float] | None = None
        self.train_loss: list[float] = []
        self.test_loss: list[float] = []
        self.test_accuracy: list[float] = []
        self.frames = 0
        self._building = False
        self._task = None
        self._set_layers(layers)

        for widget in (self.data, self.noise, self.points, self.test, self.data_seed):
            widget.observe(self._data_changed, names="value")
        for widget in (self.output, self.seed):
            widget.observe(lambda change: self._guarded(change, self._rebuild), names="value")
        self.depth.observe(self._depth_changed, names="value")
        for widget in (self.lr, self.batch, self.epochs):
            widget.observe(self._training_changed, names="value")
        self.play.observe(self._play_changed, names="value")
        self.step_button.on_click(lambda _: self.step())
        self.reset_button.on_click(lambda _: self.reset())
        self.state_text.observe(self._state_typed, names="value")

        box = dict(layout=S(border="1px solid #dddddd", padding="4px", margin="2px"))
        controls = W.VBox([
            W.HTML("<b>Data</b>"), W.VBox([self.data, self.noise, self.points, self.test, self.data_seed], **box),
            W.HTML("<b>Network</b>"), W.VBox([self.depth, self.layer_box, self.output], **box),
            W.HTML("<b>Training</b>"), W.VBox([self.lr, self.batch, self.epochs, self.seed, self.speed], **box),
            W.HBox([self.play, self.step_button, self.reset_button]), self.status,
        ], layout=S(width="330px"))
        view = W.VBox([self.figure.canvas, self.maps.canvas, self.state_text, self.state_error])
        super().__init__([controls, view])
        self._rebuild(data=True)
        if settings["at"]:
            self.run(settings["at"])

    # -- settings ---------------------------------------------------------

    def _set_layers(self, layers):
        self._building = True
        try:
            rows = []
            for i, (width, name, alpha) in enumerate(layers):
                old = self.layer_rows[i] if i < len(self.layer_rows) else None
                w = old[0] if old else W.BoundedIntText(min=1, max=MAX_WIDTH, description=f"layer {i + 1}",
                                                        layout=W.Layout(width="150px"))
                a = old[1] if old else W.Dropdown(options=[(_plot.label(n), n) for n in ACTIVATIONS],
                                                  layout=W.Layout(width="105px"))
                p = old[2] if old else W.FloatText(layout=W.Layout(width="55px"), tooltip="the activation's α")
                w.value, a.value = width, name
                default = _activations.PARAMETERS[name].get("alpha")
                p.value = alpha if alpha is not None else (default if default is not None else 0.0)
                p.layout.visibility = "hidden" if default is None else "visible"
                if not old:
                    for widget in (w, a, p):
                        widget.observe(self._layer_changed, names="value")
                rows.append((w, a, p))
            self.layer_rows = rows
            self.layer_box.children = [W.HBox(list(r)) for r in rows]
        finally:
            self._building = False

    def _guarded(self, change, action) -> None:
        """Run what a control's change asks; if it fails, put the control back and show why (in the page)."""
        if self._building:
            return
        try:
            action()
            self.state_error.value = ""
        except (TypeError, ValueError) as error:
            self._building = True
            try:
                change.owner.value = change.old
            finally:
                self._building = False
            self.state_error.value = f"<span style='color:#b00020'>{_html(str(error))}</span>"

    def _data_changed(self, change):
        # A slider's grid holds in Python as in the page: an off-grid value snaps (then rebuilds once).
        if change.owner in (self.noise, self.test) and not self._building:
            snapped = round(float(change.new), 2)
            if snapped != change.new:
                change.owner.value = snapped
                return
        self._guarded(change, lambda: self._rebuild(data=True))

    def _training_changed(self, change):
        def check():
            if change.owner is self.lr and not (math.isfinite(change.new) and change.new >= 0):
                raise ValueError(f"the learning rate must be finite and >= 0, got {change.new}")
            self._status()
            self._show_state()
        self._guarded(change, check)

    def _layer_changed(self, change):
        if self._building:
            return
        alpha_box = None
        for _, a, p in self.layer_rows:
            if change.owner is a:
                alpha_box = p
                default = _activations.PARAMETERS[a.value].get("alpha")
                p.layout.visibility = "hidden" if default is None else "visible"
        if alpha_box is not None and _activations.PARAMETERS[change.new].get("alpha") is not None:
            old_alpha = alpha_box.value
            self._building = True
            alpha_box.value = _activations.PARAMETERS[change.new]["alpha"]   # a new activation starts at its default α
            self._building = False

            def restore_alpha_too(change=change):
                try:
                    self._rebuild()
                except (TypeError, ValueError):
                    self._building = True
                    alpha_box.value = old_alpha
                    self._building = False
                    raise
            self._guarded(change, restore_alpha_too)
            return
        self._guarded(change, self._rebuild)

    def _depth_changed(self, change):
        if self._building:
            return
        new = self.layers()[:change.new]
        while len(new) < change.new:      # a new layer copies the last (the first: 8 ReLU units)
            new.append(new[-1] if new else (8, "relu", None))
        self._set_layers(new)
        self._rebuild()

    def layers(self) -> list[tuple[int, str, float | None]]:
        """The hidden layers as the controls set them.

        Returns
        -------
        list of (int, str, float or None)
            Per hidden layer: width, activation, its α (None for one without).

        Examples
        --------
        >>> playground("layers=4:tanh,3:leaky_relu(0.1)").layers()
        [(4, 'tanh', None), (3, 'leaky_relu', 0.1)]
        """
        out = []
        for w, a, p in self.layer_rows:
            has = _activations.PARAMETERS[a.value].get("alpha") is not None
            out.append((int(w.value), a.value, float(p.value) if has else None))
        return out

    def settings(self) -> dict:
        """The current settings and epoch, as :func:`parse_state` returns them.

        Returns
        -------
        dict

        Examples
        --------
        >>> playground("data=circles&lr=0.1").settings()["lr"]
        0.1
        """
        return {"data": self.data.value, "noise": float(self.noise.value), "points": int(self.points.value),
                "test": float(self.test.value), "data_seed": int(self.data_seed.value),
                "layers": _layers_text(self.layers()), "output": self.output.value,
                "lr": float(self.lr.value), "batch": int(self.batch.value), "epochs": int(self.epochs.value),
                "seed": int(self.seed.value), "at": self.epoch}

    @property
    def state(self) -> str:
        """The settings and the epoch reached, as a string: ``playground(state)`` rebuilds this state."""
        return "&".join(f"{k}={_format(v)}" for k, v in self.settings().items())

    def _show_state(self):
        self._building = True
        self.state_text.value = self.state
        self._building = False

    def _state_typed(self, change):
        if self._building:
            return
        try:
            self.load(change.new)
        except (TypeError, ValueError) as error:
            self.state_error.value = f"<span style='color:#b00020'>{_html(str(error))}</span>"
            return
        self.state_error.value = ""

    def load(self, state: str | dict) -> None:
        """Take the settings (and train to the epoch) of a state string, as if typed into the controls.

        Parameters
        ----------
        state : str or dict
            A state string, or settings as :meth:`settings` gives them.

        Raises
        ------
        ValueError, TypeError
            For a bad state, before anything changes.

        Examples
        --------
        >>> pg = playground()
        >>> pg.load("data=xor&layers=4:relu&epochs=20&at=20")
        >>> pg.epoch, pg.net.layer_sizes
        (20, (2, 4, 1))
        """
        if isinstance(state, Mapping):
            unknown = sorted(set(map(str, state)) - set(DEFAULTS))
            if unknown:
                raise ValueError(f"unknown playground settings {unknown} (the settings: {', '.join(DEFAULTS)})")
            state = "&".join(f"{k}={_format(v)}" for k, v in state.items())
        if not isinstance(state, str):
            raise TypeError(f"a playground state is a string or a dict of settings, got {type(state).__name__}")
        settings = parse_state(state)
        previous = self.settings()
        try:
            self._apply(settings)
        except BaseException:
            self._apply(previous)       # what was there before, as it was (the epoch included)
            raise

    def _apply(self, settings: dict) -> None:
        self.play.value = False
        self._building = True
        try:
            for key in ("data", "noise", "points", "test", "data_seed", "output", "lr", "batch", "epochs", "seed"):
                getattr(self, key).value = settings[key]
            layers = _layers(settings["layers"])
            self.depth.value = len(layers)
            self._set_layers(layers)
        finally:
            self._building = False
        self._rebuild(data=True)
        if settings["at"]:
            self.run(settings["at"])

    # -- the model ----------------------------------------------------------

    def _rebuild(self, data: bool = False):
        """New data (if asked) and a fresh network; draw."""
        if self._building:
            return
        self.play.value = False
        previous: tuple[Any, ...] = (getattr(self, "X_train", None), getattr(self, "X_test", None),
                                     getattr(self, "y_train", None), getattr(self, "y_test", None))
        if data or previous[0] is None:
            X, y = DATASETS[self.data.value](int(self.points.value), float(self.noise.value), int(self.data_seed.value))
            X = standardize(X)
            self.X_train, self.X_test, self.y_train, self.y_test = train_test_split(
                X, y, test_size=float(self.test.value), random_state=int(self.data_seed.value))
        try:
            self.reset()
        except BaseException:
            if previous[0] is not None:
                self.X_train, self.X_test, self.y_train, self.y_test = previous
            raise

    def reset(self) -> None:
        """A fresh network from the seed, at epoch 0 (the data stay), as the reset button does.

        Examples
        --------
        >>> pg = playground("epochs=10")
        >>> pg.run(); pg.reset(); pg.epoch
        0
        """
        self.play.value = False
        sizes = (2,) + tuple(w for w, _, _ in self.layers()) + (2 if self.output.value == "softmax" else 1,)
        specs = [_spec(n, a) for _, n, a in self.layers()] or "relu"
        # One stream for the weights and then the shuffles, as the article's
        # constructor reseeds NumPy and its training draws on: the default
        # settings train the article's sigmoid network, bit for bit. The new
        # network is made before the old one goes: a refused one changes nothing.
        rng = RandomState(int(self.seed.value))
        net = MLP(sizes, activation=specs, output=self.output.value, seed=rng)
        old = getattr(self, "net", None)
        self.net, self._rng = net, rng
        if old is not None:
            old.close()
        self.train_loss, self.test_loss, self.test_accuracy = [], [], []
        self._layout_figures()
        self._draw()

    @property
    def epoch(self) -> int:
        """Epochs trained since the last reset."""
        return self.net.epochs_trained if hasattr(self, "net") else 0

    def train(self, epochs: int) -> None:
        """Train ``epochs`` more epochs in one native call, recording the train and test loss of each.

        It does not draw (:meth:`run` and :meth:`step` do).

        Parameters
        ----------
        epochs : int >= 1

        Examples
        --------
        >>> pg = playground()
        >>> pg.train(5); pg.epoch, len(pg.test_loss)
        (5, 5)
        """
        epochs = as_int(epochs, "epochs", 1)
        batch = min(int(self.batch.value), len(self.X_train))
        losses = self.net.fit(self.X_train, self.y_train, epochs=epochs, lr=float(self.lr.value), batch_size=batch,
                              rng=self._rng, record_every=1, X_eval=self.X_test, y_eval=self.y_test)
        records = self.net.records
        self.net.clear_records()
        self.train_loss.extend(losses)
        self.test_loss.extend(records.eval_loss.tolist())
        self.test_accuracy.extend(records.eval_accuracy.tolist())

    def step(self) -> None:
        """One epoch, then draw, as the step button does.

        Examples
        --------
        >>> pg = playground()
        >>> pg.step(); pg.epoch
        1
        """
        self.train(1)
        self._draw()

    def run(self, epochs: int | None = None) -> None:
        """Train to ``epochs`` (default: the epochs set) in one native call, then draw once.

        Parameters
        ----------
        epochs : int, optional
            The epoch to reach; nothing is trained if the network is there
            already.

        Examples
        --------
        >>> pg = playground("epochs=30")
        >>> pg.run(); pg.epoch
        30
        """
        target = int(self.epochs.value) if epochs is None else as_int(epochs, "epochs", 0)
        if target > self.epoch:
            self.train(target - self.epoch)
        self._draw()

    def _play_changed(self, change):
        self.play.description, self.play.icon = ("pause", "pause") if change.new else ("play", "play")
        if not change.new:
            return
        if self._task is not None and not self._task.done():
            return                    # paused and played again between frames: the loop carries on
        if self.epoch >= int(self.epochs.value):
            self.reset()
            self.play.value = True
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:          # no event loop (a script): train to the end now, drawing every chunk
            while self.play.value and self.epoch < int(self.epochs.value):
                self._frame()
            self.play.value = False
            return
        self._task = loop.create_task(self._playing())

    def _frame(self) -> None:
        chunk = min(int(self.speed.value), int(self.epochs.value) - self.epoch)
        if chunk > 0:
            self.train(chunk)
        self._draw()
        self.frames += 1

    async def _playing(self):
        """Train a chunk, draw, and yield to the kernel, until paused or done.

        Between frames the kernel handles other messages (the pause button,
        a slider), so it never freezes.
        """
        try:
            while self.play.value and self.epoch < int(self.epochs.value):
                started = time.perf_counter()
                self._frame()
                # Leave the page time to show the frame: at most ~10 frames a second.
                await asyncio.sleep(max(0.02, 0.1 - (time.perf_counter() - started)))
        finally:
            self.play.value = False

    # -- drawing ------------------------------------------------------------

    def _click(self, event):
        if event.inaxes is self._boundary_ax and event.xdata is not None:
            self.trace_point(event.xdata, event.ydata)

    def trace_point(self, x: float, y: float) -> None:
        """Draw the signal trace of the input (x, y) (as a click on the boundary panel does).

        Parameters
        ----------
        x, y : float
            The point, in the plane of the (standardized) data.

        Examples
        --------
        >>> pg = playground()
        >>> pg.trace_point(0.5, -0.5)
        >>> pg.trace.round(3).tolist() == [round(v, 3) for v in pg.net.get_z_trace([0.5, -0.5])]
        True
        """
        x, y = as_real(x, "x"), as_real(y, "y")
        if not (math.isfinite(x) and math.isfinite(y)):
            raise ValueError(f"the point must be finite, got ({x}, {y})")
        if not np.all(np.isfinite(self.net.get_z_trace([x, y]))):
            raise ValueError(f"the signal of ({x:g}, {y:g}) overflows in this network: choose a point nearer the data")
        self.point = (x, y)
        self._draw()

    def _layout_figures(self):
        fig = self.figure
        fig.clear()
        # Fixed margins rather than a layout engine: laying out costs more
        # than drawing, and nothing here changes size from frame to frame.
        grid = fig.add_gridspec(1, 3, width_ratios=[1.15, 1, 1], left=0.045, right=0.99, bottom=0.14, top=0.91,
                                wspace=0.22)
        self._boundary_ax = fig.add_subplot(grid[0, 0])
        self._loss_ax = fig.add_subplot(grid[0, 1])
        self._trace_ax = fig.add_subplot(grid[0, 2])
        X = np.vstack([self.X_train, self.X_test])
        (x0, y0), (x1, y1) = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
        self._extent = (x0, x1, y0, y1)
        xx, yy = np.meshgrid(np.linspace(x0, x1, self.RESOLUTION), np.linspace(y0, y1, self.RESOLUTION))
        self._plane = np.c_[xx.ravel(), yy.ravel()]
        mx, my = np.meshgrid(np.linspace(x0, x1, self.MAP_RESOLUTION), np.linspace(y0, y1, self.MAP_RESOLUTION))
        self._map_plane = np.c_[mx.ravel(), my.ravel()]
        ax = self._boundary_ax
        self._image = ax.imshow(np.zeros((self.RESOLUTION, self.RESOLUTION)), origin="lower", extent=self._extent,
                                cmap=_BOUNDARY_CMAP, vmin=0, vmax=1, aspect="auto",
                                interpolation="bilinear")
        self._contour = None
        for Xs, ys, edge, marker in ((self.X_train, self.y_train, "white", "o"), (self.X_test, self.y_test, "#1a1a1a", "o")):
            colours = [_plot.PALETTE[f"class{int(c)}"] for c in ys]
            ax.scatter(Xs[:, 0], Xs[:, 1], c=colours, s=14, edgecolors=edge, linewidths=0.6, marker=marker, zorder=3)
        self._point_mark = ax.plot([], [], "X", color="#1a1a1a", ms=10, mec="white", zorder=5)[0]
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_title("boundary (test points: dark edge)", fontsize=9)
        ax.grid(False)
        ax.set_xticks([])      # standardized inputs: the ticks say little, and text is most of a frame's cost
        ax.set_yticks([])
        ax = self._loss_ax
        self._loss_lines = [ax.plot([], [], color=c, lw=1.5, label=n)[0]
                            for n, c in (("train", "#3a7bd5"), ("test", "#e05c5c"))]
        ax.legend(fontsize=8, loc="lower left")
        ax.set_xlim(0, max(10, int(self.epochs.value)))
        ax.set_ylim(0, 1)
        ax.set_xlabel("epoch", fontsize=8)
        ax.set_title("loss", fontsize=9)
        ax.tick_params(labelsize=7)
        ax = self._trace_ax
        n = 2 * (len(self.layers()) + 1) - 1
        self._bars = ax.bar(range(n), np.zeros(n), color=["#8e8e8e" if i % 2 == 0 else "#3a7bd5" for i in range(n)])
        ax.set_xticks(range(n), [f"{'z' if i % 2 == 0 else 'a'}{i // 2 + 1}" for i in range(n)], fontsize=7)
        ax.tick_params(labelsize=7)
        self._trace_hint = ax.text(0.5, 0.5, "click the boundary panel\nfor a point's signal trace", ha="center",
                                   va="center", transform=ax.transAxes, fontsize=8, color="#666666")
        self._layout_maps()

    def _layout_maps(self):
        """One image for all the unit maps (a tile per unit, a row per layer): one artist draws fast."""
        fig = self.maps
        fig.clear()
        layers = self.layers()
        #: Per hidden layer: its units' activations over the plane, shape (R, R, width) (R = MAP_RESOLUTION).
        self.unit_maps: list[np.ndarray] = []
        if not layers:
            fig.text(0.5, 0.5, "no hidden layers: the network is a logistic regression", ha="center", va="center")
            self._mosaic = None
            return
        R, gap = self.MAP_RESOLUTION, self.MAP_GAP
        cols = max(8, max(w for w, _, _ in layers))
        shape = (len(layers) * (R + gap) - gap + 2, cols * (R + gap) - gap + 2, 4)
        ax = fig.add_axes((0.13, 0.02, 0.865, 0.96))
        ax.set_axis_off()
        self._mosaic = ax.imshow(np.ones(shape), interpolation="bilinear", aspect="auto")
        for k, (w, name, alpha) in enumerate(layers):
            y = 0.98 - 0.96 * (1 + k * (R + gap) + R / 2) / shape[0]
            fig.text(0.125, y, f"layer {k + 1}\n{_plot.label(_key(name, alpha))}", fontsize=7, ha="right", va="center")

    def _draw_maps(self):
        if self._mosaic is None:
            return
        R, gap = self.MAP_RESOLUTION, self.MAP_GAP
        image = np.ones(self._mosaic.get_array().shape)
        self.unit_maps = []
        for k in range(len(self.layers())):
            A = self.net.get_hidden(self._map_plane, layer=k + 1).reshape(R, R, -1)
            self.unit_maps.append(A)
            scale = float(np.abs(A).max()) or 1.0            # one colour scale per layer, symmetric about 0
            colours = _plot.PLAYGROUND_CMAP((A / scale + 1) / 2)          # (R, R, width, 4)
            for u in range(A.shape[2]):
                rows, cols = self._tile(k, u)
                image[rows.start - 1:rows.stop + 1, cols.start - 1:cols.stop + 1] = self.MAP_BORDER
                # Row 0 of a tile is the plane's top (the image's rows run downward).
                image[rows, cols] = colours[::-1, :, u]
        self._mosaic.set_data(image)

    def _tile(self, layer: int, unit: int) -> tuple[slice, slice]:
        """Where a unit's map lies in the mosaic (layer and unit 0-based), inside a 1-pixel border."""
        R, gap = self.MAP_RESOLUTION, self.MAP_GAP
        return slice(1 + layer * (R + gap), 1 + layer * (R + gap) + R), slice(1 + unit * (R + gap), 1 + unit * (R + gap) + R)

    def _status(self):
        loss = f"{self.train_loss[-1]:.4f}" if self.train_loss else "-"
        test = f"{self.test_loss[-1]:.4f}, accuracy {self.test_accuracy[-1]:.1%}" if self.test_loss else "-"
        self.status.value = (f"<span style='font-family:monospace'>epoch {self.epoch} of {int(self.epochs.value)}"
                             f"<br>train loss {loss}<br>test loss {test}</span>")

    def _draw(self):
        net = self.net
        p = net.forward(self._plane)
        p = p[:, 1] if p.shape[1] == 2 else p[:, 0]
        grid = p.reshape(self.RESOLUTION, self.RESOLUTION)
        self._image.set_data(grid)
        if self._contour is not None:
            self._contour.remove()
        self._contour = None
        if grid.min() < 0.5 < grid.max():
            xs = np.linspace(self._extent[0], self._extent[1], self.RESOLUTION)
            ys = np.linspace(self._extent[2], self._extent[3], self.RESOLUTION)
            self._contour = self._boundary_ax.contour(xs, ys, grid, levels=[0.5], colors="#1a1a1a", linewidths=1.2)
        # The loss curves.
        epochs = np.arange(1, len(self.train_loss) + 1)
        for line, values in zip(self._loss_lines, (self.train_loss, self.test_loss)):
            line.set_data(epochs, values)
        if self.train_loss:
            top = max(max(self.train_loss), max(self.test_loss))
            self._loss_ax.set_xlim(0, max(10, len(epochs), int(self.epochs.value)))
            self._loss_ax.set_ylim(0, top * 1.05 if math.isfinite(top) and top > 0 else 1.0)
        # The signal trace: mean |z| and |a| per layer for the chosen point.
        ax = self._trace_ax
        #: The trace drawn (None before a point is chosen).
        self.trace = None if self.point is None else np.array(net.get_z_trace(np.array(self.point)))
        for i, bar in enumerate(self._bars):
            bar.set_height(0.0 if self.trace is None else self.trace[i])
        self._trace_hint.set_visible(self.trace is None)
        if self.trace is None:
            ax.set_title("signal trace", fontsize=9)
            self._point_mark.set_data([], [])
        else:
            top = float(np.max(self.trace, initial=0.0, where=np.isfinite(self.trace)))
            ax.set_ylim(0, max(1e-12, top) * 1.1)
            ax.set_title(f"mean |signal| at ({self.point[0]:.2f}, {self.point[1]:.2f})", fontsize=9)
            self._point_mark.set_data([self.point[0]], [self.point[1]])
        self._draw_maps()
        self._status()
        self._show_state()
        _redraw(self.figure)
        _redraw(self.maps)


def playground(state: str | None = None) -> Playground:
    """TensorFlow Playground in a notebook: pick data, network and training, press play.

    **Data**: moons, circles, XOR, spiral or two Gaussian blobs
    (:data:`DATASETS`), with noise, number of points, the test share and a
    seed; standardized, then split. **Network**: up to 6 hidden layers of
    up to 16 units, each with its own activation (any of the eleven, with
    its α), a sigmoid or softmax output. **Training**: SGD with the
    learning rate, batch size, epochs and seed (of the weights and the
    shuffles). Play trains natively a few epochs per frame (``epochs/frame``)
    and redraws up to ten times a second, yielding to the kernel between
    frames so the page stays live; step trains one epoch; reset starts
    again from the seed.

    Shown: the decision boundary with train and test points, the train and
    test loss per epoch, every hidden unit's activation over the plane
    (orange below 0, blue above, one scale per layer), and the signal trace
    (mean |z| and |a| per layer) of the point last clicked on the boundary.

    The state string (shown under the figures, and :attr:`Playground.state`)
    holds every setting and the epoch reached: paste it into
    ``playground("...")`` or into the state box to rebuild the same network
    at the same epoch, bit for bit.

    Parameters
    ----------
    state : str, optional
        A state string (see :func:`parse_state`); the defaults are the
        article's run (moons, 2-8-8-1 sigmoid, lr 0.05, batch 64, 800 epochs).

    Returns
    -------
    Playground
        An ipywidgets HBox; its controls are attributes, ``net`` the
        network, ``train_loss``/``test_loss`` the curves, ``figure`` and
        ``maps`` the figures.

    Raises
    ------
    ValueError, TypeError
        For a bad state string, naming the setting.

    Examples
    --------
    >>> pg = playground("data=spiral&noise=0.05&layers=8:relu,8:relu,8:relu&lr=0.03&epochs=100")
    >>> pg.run()
    >>> pg.epoch, len(pg.train_loss), len(pg.test_loss)
    (100, 100, 100)
    >>> playground(pg.state).net.W1.tolist() == pg.net.W1.tolist()
    True
    """
    return Playground(state)


__all__ = ["ACTIVATIONS", "DATASETS", "DEFAULTS", "PRECISION_FLOORS", "ActivationExplorer", "DeadUnitExplorer",
           "DepthExplorer", "Playground", "activation_explorer", "dead_unit_explorer", "depth_explorer",
           "parse_state", "playground"]
