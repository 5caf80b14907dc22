"""`swiftmoons.plot`: the article's figures and the experiments' (needs matplotlib: pip install swiftmoons[plot]).

Each function draws on the Axes it is given, or makes its own figure, and
returns the figure. A figure a function makes itself is a
:class:`matplotlib.figure.Figure` that pyplot does not manage: Jupyter
shows it once, as the cell's value (or with ``display(fig)``), and never a
second time when the cell ends; ``plt.show()`` does not know it, and
``fig.savefig(...)`` writes it. Figures grow with the number of series
but wrap into rows: at most four networks side by side.

Colours follow the article, red for sigmoid and blue for ReLU, orange and
teal for the two classes; every activation has one colour of its own
(:data:`ACTIVATION_COLOURS`), the same in every figure. The article's
matplotlib settings (:data:`STYLE`) apply only while a function builds its
figure; the previous settings are restored afterwards.

- the article's figures, from :func:`swiftmoons.article.run`'s result:
  :func:`dataset`, :func:`loss_curves`, :func:`decision_boundaries` (one
  :func:`decision_boundary` per network), :func:`signal_trace`,
  :func:`hidden_space`; all five at once with :func:`article_figures` and
  :func:`save_article_figures`;
- more of the run: :func:`loss_bands` (loss curves over many seeds, from
  :func:`swiftmoons.experiments.loss_bands`), :func:`boundary_over_epochs`
  (from :func:`swiftmoons.experiments.training_snapshots`) and
  :func:`unit_maps` (every hidden unit over the input plane, as the
  TensorFlow Playground draws them);
- the lessons' experiments, from :mod:`swiftmoons.experiments`' results:
  :func:`activation_curves`, :func:`vanishing_gradients`, :func:`dead_relu`,
  :func:`dead_relu_recovery`, :func:`depth_sweep`, :func:`digits_comparison`.

The examples draw off screen, as scripts and tests do:

>>> import matplotlib
>>> matplotlib.use("Agg")
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from contextlib import contextmanager
from pathlib import Path

import numpy as np

try:
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes
    from matplotlib.colors import LinearSegmentedColormap, ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator, NullLocator
except ImportError as exc:  # pragma: no cover - exercised only without matplotlib
    raise ImportError("swiftmoons.plot needs matplotlib: pip install 'swiftmoons[plot]'") from exc

from ._convert import as_float_array, as_int, as_matrix, as_real
from .activations import canonical as _canonical

#: The article's palette.
PALETTE = {
    "bg": "white",
    "panel": "#f7f7f7",
    "sigmoid": "#e05c5c",
    "relu": "#3a7bd5",
    "class0": "#f4a261",
    "class1": "#2a9d8f",
    "text": "#1a1a1a",
    "muted": "#666666",
}

#: One colour per activation, the same in every figure: the article's red
#: for sigmoid and blue for ReLU, and nine more, all distinct from each
#: other and from the two class colours ("silu" is swish and draws as it).
ACTIVATION_COLOURS = {
    "identity": "#4d4d4d",
    "sigmoid": PALETTE["sigmoid"],
    "tanh": "#8e44ad",
    "relu": PALETTE["relu"],
    "leaky_relu": "#27ae60",
    "prelu": "#0f5e3a",
    "elu": "#d6338a",
    "gelu": "#d35400",
    "gelu_tanh": "#b08800",
    "swish": "#3fc1e8",
    "softplus": "#8b5a2b",
}
#: Colours for series that are not activations (cycled by position).
_SPARE_COLOURS = ["#7f7f7f", "#6a5acd", "#2f4f4f", "#9acd32", "#ff69b4", "#a0522d"]
#: Classes beyond the article's two, in order: chosen to stay apart from the two and
#: from each other (CIE76 distance), also in the light shades of the class regions.
_MORE_CLASSES = ["#8f5bbf", "#5d4037", "#7fb04a", "#c2185b", "#3f5f9e", "#c9b037", "#5fa8d3", "#d37bb0"]
_LABELS = {"identity": "Identity", "sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU", "leaky_relu": "Leaky ReLU",
           "prelu": "PReLU", "elu": "ELU", "gelu": "GELU", "gelu_tanh": "GELU (tanh)", "swish": "Swish",
           "silu": "SiLU", "softplus": "Softplus"}
#: The loss each output kind trains with, as the y axes name it.
LOSS_NAMES = {"sigmoid": "Binary cross-entropy", "softmax": "Cross-entropy", "identity": "Mean squared error"}
_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*", "h", "<", ">"]
_DASHES = ["-", "--", ":", "-."]
#: Beyond this many series, values are not written next to the points.
MAX_VALUE_LABELS = 3
#: The most points a plane's grid may have (:func:`decision_boundary`'s ``step``,
#: :func:`unit_maps`' ``resolution``): 2000 x 2000, about 32 MB per column computed.
MAX_GRID_POINTS = 4_000_000

#: The article's matplotlib settings, applied only while a figure is drawn.
STYLE = {
    "font.family": "monospace",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.facecolor": "white",
    "axes.facecolor": "#f7f7f7",
    "axes.grid": True,
    "grid.color": "#e0e0e0",
    "grid.linewidth": 0.6,
}

#: The x tick labels of :func:`signal_trace` for the article's five stages.
STAGE_LABELS = ["z₁ (pre)", "a₁ (post)", "z₂ (pre)", "a₂ (post)", "z₃ (out)"]


def colour(name: str, index: int = 0) -> str:
    """The colour of an activation, the same in every figure.

    Parameters
    ----------
    name : str
        An activation name, with or without parameter ("relu",
        "leaky_relu(0.1)"; "silu" is swish), or a key of :data:`PALETTE`.
    index : int
        The series' position: it picks a spare colour (cycling through six)
        for a name that is neither an activation nor in the palette.

    Returns
    -------
    str
        A hex colour: :data:`ACTIVATION_COLOURS`' for an activation (all
        eleven differ), the palette's for a palette key, a spare one
        otherwise.

    Examples
    --------
    >>> colour("sigmoid"), colour("relu"), colour("tanh"), colour("elu")
    ('#e05c5c', '#3a7bd5', '#8e44ad', '#d6338a')
    >>> colour("leaky_relu(0.1)") == colour("leaky_relu"), colour("silu") == colour("swish")
    (True, True)
    >>> colour("sigmoid, lr 0.5", index=1)
    '#6a5acd'
    """
    base = _canonical(str(name).partition("(")[0].strip())
    if base in ACTIVATION_COLOURS:
        return ACTIVATION_COLOURS[base]
    if name in PALETTE:
        return PALETTE[name]
    return _SPARE_COLOURS[index % len(_SPARE_COLOURS)]


def label(name: str) -> str:
    """The display name of an activation label, as in the legends.

    Parameters
    ----------
    name : str
        A label as :mod:`swiftmoons.experiments` writes them: a name, or
        ``"name(alpha)"``.

    Returns
    -------
    str
        The name's display form (names that are not activations pass
        unchanged), with the parameter kept.

    Examples
    --------
    >>> label("relu"), label("leaky_relu(0.1)"), label("elu"), label("gelu_tanh"), label("other")
    ('ReLU', 'Leaky ReLU(0.1)', 'ELU', 'GELU (tanh)', 'other')
    """
    base, _, rest = name.partition("(")
    return _LABELS.get(base, base) + (f"({rest}" if rest else "")


@contextmanager
def _style():
    # Restore only the keys we set: plt.rc_context would also restore
    # "interactive", which IPython turns on when pyplot first loads inside
    # the context, and figures would then stop showing in notebooks.
    saved = {key: plt.rcParams[key] for key in STYLE}
    plt.rcParams.update(STYLE)
    try:
        yield
    finally:
        plt.rcParams.update(saved)


class _Figure(Figure):
    """A figure pyplot does not manage, which IPython and Jupyter show as a PNG image.

    Jupyter shows a returned figure through matplotlib's inline formatter
    when pyplot's inline backend is set up, and through ``_repr_png_`` when
    it is not (this module never touches pyplot's figures, so nothing else
    sets it up).
    """

    def _repr_png_(self) -> bytes:
        from io import BytesIO

        buffer = BytesIO()
        self.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()


def _figure(figsize) -> Figure:
    """A new figure that pyplot does not manage (so Jupyter shows it once), laid out by matplotlib."""
    fig = _Figure(figsize=figsize, layout="constrained")
    fig.patch.set_facecolor(PALETTE["bg"])
    return fig


def _panels(axes, shape, figsize, need=None, **subplot_kw):
    """(figure, flat list of Axes, whether the figure is new): the given Axes, or a new
    figure with a ``shape`` grid; every panel gets the palette's panel colour."""
    if axes is None:
        fig = _figure(figsize)
        flat = list(fig.subplots(*shape, squeeze=False, **subplot_kw).ravel())
        created = True
    else:
        flat = list(np.ravel(np.asarray(axes, dtype=object)))
        wrong = next((panel for panel in flat if not isinstance(panel, Axes)), None)
        if wrong is not None:
            raise TypeError(f"axes must be matplotlib Axes (one, or an array of them), got {type(wrong).__name__}")
        fig = flat[0].figure if flat else None
        created = False
    need = shape[0] * shape[1] if need is None else need
    if len(flat) < need:
        raise ValueError(f"This figure needs {need} Axes, got {len(flat)}")
    for panel in flat:
        panel.set_facecolor(PALETTE["panel"])
    return fig, flat, created


def _wrap(n: int, max_cols: int) -> tuple[int, int]:
    """Rows and columns for n panels, at most max_cols wide, rows as even as possible."""
    rows = max(1, math.ceil(n / max(1, max_cols)))
    return rows, max(1, math.ceil(n / rows))


def _drop_unused(panels, used: int) -> None:
    for panel in panels[used:]:
        panel.remove()


def _outer_labels(panels, cols: int, used: int, xlabel: str, ylabel: str) -> None:
    """Axis labels on the outer panels of a wrapped grid of shared axes: x on the lowest
    panel of each column (with its tick labels), y on the first column."""
    for i, ax in enumerate(panels[:used]):
        bottom = i + cols >= used
        ax.set_xlabel(xlabel if bottom else "", color=PALETTE["muted"])
        ax.set_ylabel(ylabel if i % cols == 0 else "", color=PALETTE["muted"])
        if bottom:
            ax.tick_params(labelbottom=True)


def _lines(ax, x, values: dict, series, markers=False, lw=2.5, markersize=6, log=False):
    """One line per series, and where two or more lines run together (within 0.6% of
    the data's range, log range for ``log``), an overlay of interleaved dashes of all
    their colours, so that no line hides another. Returns the legend handles."""
    from matplotlib.lines import Line2D

    arrays = [np.asarray(values[name], dtype=float) for name, *_ in series]
    handles = []
    for i, ((name, c, lab, dash), y) in enumerate(zip(series, arrays)):
        marker = _MARKERS[i % len(_MARKERS)] if markers else None
        ax.plot(x, y, color=c, ls=dash, lw=lw, marker=marker, markersize=markersize, label=lab)
        handles.append(Line2D([], [], color=c, ls=dash, lw=lw, marker=marker, markersize=markersize, label=lab))
    if len({a.shape for a in arrays}) == 1:
        _interleave(ax, np.asarray(x, dtype=float), np.array(arrays), [c for _, c, _, _ in series], lw, log)
    return handles


def _interleave(ax, x, Y, colours, lw, log):
    """Overlay interleaved dashes where lines of Y (series x points) run together."""
    from matplotlib.collections import LineCollection

    with np.errstate(divide="ignore", invalid="ignore"):
        T = np.where(Y > 0, np.log10(Y), np.nan) if log else Y.copy()
    if Y.shape[0] < 2 or Y.shape[1] < 2 or not np.isfinite(T).any():
        return
    tol = 0.006 * ((np.nanmax(T) - np.nanmin(T)) or 1.0)
    runs: dict = {}                  # group -> list of (first segment, last segment)
    for k in range(Y.shape[1] - 1):
        left = list(range(Y.shape[0]))
        while left:
            i = left.pop(0)
            group = (i,) + tuple(j for j in left if abs(T[j, k] - T[i, k]) <= tol
                                 and abs(T[j, k + 1] - T[i, k + 1]) <= tol)
            left = [j for j in left if j not in group]
            if len(group) > 1:
                spans = runs.setdefault(group, [])
                if spans and spans[-1][1] == k - 1:
                    spans[-1][1] = k
                else:
                    spans.append([k, k])
    lines, cols, styles = [], [], []
    for group, spans in runs.items():
        for first, last in spans:
            points = np.c_[x[first:last + 2], Y[group[0], first:last + 2]]
            for pos, j in enumerate(group):
                lines.append(points)
                cols.append(colours[j])
                styles.append((pos * 2.0, (2.0, 2.0 * (len(group) - 1))))
    if lines:
        ax.add_collection(LineCollection(lines, colors=cols, linestyles=styles, linewidths=lw, zorder=2.5),
                          autolim=False)


def _series(names):
    """(name, colour, label, line style) for each series in order; a second series
    of the same activation (another parameter) keeps the colour and changes the style."""
    seen: dict = {}
    out = []
    for i, n in enumerate(names):
        base = _canonical(n.split("(")[0])
        count = seen.get(base, 0)
        seen[base] = count + 1
        out.append((n, colour(n, i), label(n), _DASHES[count % len(_DASHES)]))
    return out


# ---- checking what the user passed --------------------------------------------------

def _points(X, name: str = "X") -> np.ndarray:
    """X as a finite (n, 2) float array: one row (x₁, x₂) per point of the plane."""
    X = as_matrix(X, 2, name)
    bad = np.flatnonzero(~np.isfinite(X).all(axis=1))
    if bad.size:
        more = f" ({bad.size} rows hold NaN or inf)" if bad.size > 1 else ""
        raise ValueError(f"{name} must be finite: row {bad[0]} is {X[bad[0]].tolist()}{more}")
    return X


def _describe(net) -> str:
    """'the sigmoid network 2-8-8-1', as messages name a network."""
    sizes = getattr(net, "layer_sizes", None)
    shape = f" {'-'.join(str(int(s)) for s in sizes)}" if sizes is not None else ""
    output = getattr(net, "output", None)
    return f"the {output} network{shape}" if isinstance(output, str) else f"the network{shape}"


def _network(net, what: str, name: str = "net", hidden: bool = False):
    """``net`` if it is a network with 2 inputs (anything with ``forward``, and ``get_hidden``
    when ``hidden``; its ``layer_sizes`` are checked when it has them), else a TypeError or
    ValueError saying ``what`` needs one."""
    needs = ("forward", "get_hidden", "layer_sizes") if hidden else ("forward",)
    if not all(hasattr(net, attr) for attr in needs):
        raise TypeError(f"{name} must be a network (swiftmoons.MLP or TwoLayerNet), got {type(net).__name__}")
    sizes = getattr(net, "layer_sizes", None)
    if sizes is not None and int(sizes[0]) != 2:
        raise ValueError(f"{what} draws the input plane (x₁, x₂), so it needs a network with 2 inputs; {name} is "
                         f"{_describe(net)}, which has {int(sizes[0])} inputs")
    return net


def _networks(nets, what: str, name: str = "nets", hidden: bool = False) -> dict:
    """A dict of name -> network with 2 inputs, from one network or a dict of them."""
    if not isinstance(nets, Mapping):
        if not hasattr(nets, "forward"):
            raise TypeError(f"{name} must be a network or a dict of name -> network, got {type(nets).__name__}")
        return {str(getattr(nets, "activation", "") or "network"): _network(nets, what, name, hidden)}
    if not nets:
        raise ValueError(f"{name} is empty: {what} needs at least one network")
    return {str(key): _network(net, what, f"{name}[{key!r}]", hidden) for key, net in nets.items()}


def _class_count(net, X) -> int:
    """How many classes the network predicts: 2 for one output unit (>= 0.5), else one per output."""
    sizes = getattr(net, "layer_sizes", None)
    width = int(sizes[-1]) if sizes is not None else np.asarray(net.forward(X[:1])).reshape(1, -1).shape[1]
    return 2 if width == 1 else width


def _labels(y, n: int, name: str = "y", classes: int | None = None, net=None, points: str = "X") -> np.ndarray:
    """y as n integer class labels 0, 1, ..., one per row of ``points`` (below ``classes``, what
    ``net`` predicts, when given)."""
    arr = as_float_array(y, name)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{name} must have shape (n,), one class label per point; got shape {arr.shape}")
    if len(arr) != n:
        raise ValueError(f"{name} has {len(arr)} labels but {points} has {n} points: one label per row of {points}")
    bad = np.flatnonzero(~(np.isfinite(arr) & (arr >= 0) & (arr == np.round(arr))))
    if bad.size:
        raise ValueError(f"{name} must hold class labels 0, 1, 2, ...; {name}[{bad[0]}] is {float(arr[bad[0]]):g}")
    labels = arr.astype(np.int64)
    if classes is not None and labels.size and labels.max() >= classes:
        extra = np.unique(labels[labels >= classes]).tolist()
        predicts = "0 and 1 (output >= 0.5 is class 1)" if classes == 2 else f"0 to {classes - 1}"
        raise ValueError(f"{name} holds label {', '.join(map(str, extra[:5]))}, but {_describe(net)} predicts the "
                         f"classes {predicts}: its accuracy on these labels would mean nothing")
    return labels


def _extent(X) -> tuple:
    """(x0, x1, y0, y1): the data's extent with a margin of 0.5."""
    return (float(X[:, 0].min()) - 0.5, float(X[:, 0].max()) + 0.5,
            float(X[:, 1].min()) - 0.5, float(X[:, 1].max()) + 0.5)


def _grid_step(step, extent) -> float:
    """``step`` if it is a finite spacing > 0 whose grid over ``extent`` has at most
    :data:`MAX_GRID_POINTS` points; else a ValueError saying which step would fit."""
    step = as_real(step, "step")
    if not (math.isfinite(step) and step > 0):
        raise ValueError(f"step must be a finite number > 0 (the grid's spacing), got {step!r}")
    width, height = extent[1] - extent[0], extent[3] - extent[2]

    def points(s):
        return math.ceil(width / s) * math.ceil(height / s)

    nx, ny = width / step, height / step
    if nx * ny > MAX_GRID_POINTS:
        size = (f"{math.ceil(nx):,} x {math.ceil(ny):,}" if max(nx, ny) < 1e15 else f"{nx:.3g} x {ny:.3g}")
        fits = ""
        if math.isfinite(width * height):
            unit = 10.0 ** (math.floor(math.log10(math.sqrt(width * height / MAX_GRID_POINTS))) - 1)
            mantissa = math.ceil(math.sqrt(width * height / MAX_GRID_POINTS) / unit)
            while points(float(f"{mantissa * unit:.2g}")) > MAX_GRID_POINTS:
                mantissa += 1
            fits = f"; step={float(f'{mantissa * unit:.2g}'):g} or larger fits"
        raise ValueError(f"step={step:g} would make a grid of {size} points over the data's extent "
                         f"({width:g} x {height:g}), more than MAX_GRID_POINTS ({MAX_GRID_POINTS:,}){fits}")
    return step


def _class_colour(cls: int) -> str:
    return PALETTE[f"class{cls}"] if cls in (0, 1) else _MORE_CLASSES[(cls - 2) % len(_MORE_CLASSES)]


def _classes(ax, X, y, size=40, alpha=0.9, linewidths=0.5):
    for cls in np.unique(y).astype(int):
        ax.scatter(X[y == cls, 0], X[y == cls, 1], c=_class_colour(cls), s=size, edgecolors="white",
                   linewidths=linewidths, alpha=alpha, label=f"Class {cls}", zorder=2)


def _muted(ax, xlabel=None, ylabel=None):
    if xlabel:
        ax.set_xlabel(xlabel, color=PALETTE["muted"])
    if ylabel:
        ax.set_ylabel(ylabel, color=PALETTE["muted"])
    ax.tick_params(colors=PALETTE["muted"])


def _legend(ax, count, fontsize=10, **kwargs):
    """A legend inside the panel for a few series, outside on its right for more."""
    if count <= 4:
        return ax.legend(fontsize=fontsize, **kwargs)
    return ax.legend(fontsize=fontsize - 1, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0,
                     frameon=False, **kwargs)


def _integer_ticks(ax, values, most=12):
    """Ticks on the integers given (all of them when few), never between integers."""
    values = np.asarray(values)
    if 0 < values.size <= most:
        ax.set_xticks(values.astype(int))
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_minor_locator(NullLocator())


def _spread(wanted, gap, low, high):
    """Positions near ``wanted``, at least ``gap`` apart (order kept), inside [low, high] when they fit.

    Overlapping neighbours merge into a cluster centred on their wanted
    positions; then the whole is pushed inside the bounds, keeping the gaps.
    """
    wanted = np.asarray(wanted, dtype=float)
    order = np.argsort(wanted, kind="stable")
    target = wanted[order]
    clusters = [[i] for i in range(len(target))]

    def start(members):
        return float(np.mean([target[m] - gap * k for k, m in enumerate(members)]))

    starts = [start(c) for c in clusters]
    merged = True
    while merged:
        merged = False
        for j in range(len(clusters) - 1):
            if starts[j] + gap * len(clusters[j]) > starts[j + 1]:
                clusters[j:j + 2] = [clusters[j] + clusters[j + 1]]
                starts[j:j + 2] = [start(clusters[j])]
                merged = True
                break
    pos = np.concatenate([s + gap * np.arange(len(c)) for s, c in zip(starts, clusters)]) if clusters else target
    if pos.size:
        pos[0] = max(pos[0], low)
        for i in range(1, pos.size):
            pos[i] = max(pos[i], pos[i - 1] + gap)
        pos[-1] = min(pos[-1], high)
        for i in range(pos.size - 2, -1, -1):
            pos[i] = min(pos[i], pos[i + 1] - gap)
    out = np.empty_like(pos)
    out[order] = pos
    return out


def _value_labels(ax, points, fontsize=8, dx=6, lift=0.0, ha="left", draw=True):
    """Write each (x, y, text, colour) of ``points`` next to its point so that no two
    labels at the same x overlap: they are spread apart vertically (in points, on the
    figure as laid out now: ``draw`` lays it out first) and kept inside the panel."""
    fig = ax.figure
    if draw:
        fig.draw_without_rendering()
    scale = 72.0 / fig.dpi
    bottom, top = ax.bbox.y0 * scale, ax.bbox.y1 * scale
    gap = fontsize * 1.3
    groups: dict = {}
    for x, y, text, c in points:
        groups.setdefault(x, []).append((y, text, c))
    for x, items in groups.items():
        ys = np.array([ax.transData.transform((x, y))[1] * scale for y, _, _ in items])
        placed = _spread(ys + lift, gap, bottom + gap / 2, top - gap / 2)
        for (y, text, c), y_at, y_new in zip(items, ys, placed):
            note = ax.annotate(text, (x, y), xytext=(dx, y_new - y_at), textcoords="offset points", ha=ha,
                               va="center", fontsize=fontsize, color=c,
                               bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.75))
            note.set_in_layout(False)


# ---- the article's figures ------------------------------------------------------------

def dataset(X, y, ax=None, title=None):
    """Figure 1: the data, coloured by class.

    Parameters
    ----------
    X : array-like of shape (n, 2)
        The points.
    y : array-like of shape (n,)
        Their labels, 0, 1, ... (the article's two classes are orange and teal).
    ax : matplotlib Axes, optional
        Where to draw; default a new 7 x 5 inch figure.
    title : str, optional
        The title; default "<n> points, <k> classes" (:func:`article_figures`
        names the run's ``make_moons`` settings).

    Returns
    -------
    matplotlib.figure.Figure
        The figure of ``ax`` (or the new one): a scatter per class with a legend.

    Raises
    ------
    ValueError
        For an X that is not of shape (n, 2) or holds NaN or inf (the
        message names the first such row), or a y that is not one class
        label 0, 1, ... per row of X.
    TypeError
        For non-numeric X or y, or an ``ax`` that is not matplotlib Axes.

    Examples
    --------
    >>> import swiftmoons as sm
    >>> X, y = sm.make_moons(100, noise=0.1, random_state=0)
    >>> fig = dataset(X, y)
    >>> [c.get_label() for c in fig.axes[0].collections], fig.axes[0].get_title()
    (['Class 0', 'Class 1'], '100 points, 2 classes')
    >>> dataset(X[:, [0, 1, 1]], y)
    Traceback (most recent call last):
    ...
    ValueError: X must have shape (n, 2) with n >= 1, got (100, 3)
    """
    X = _points(X)
    y = _labels(y, len(X))
    with _style():
        fig, (ax, *_), _ = _panels(ax, (1, 1), (7, 5))
        _classes(ax, X, y)
        ax.set_title(title or f"{len(X)} points, {len(np.unique(y))} classes", color=PALETTE["text"], fontsize=13)
        _muted(ax, "x₁", "x₂")
        ax.legend(fontsize=10)
    return fig


def _loss_name(output: str) -> str:
    if output not in LOSS_NAMES:
        raise ValueError(f"output must be one of {list(LOSS_NAMES)}, got {output!r}")
    return LOSS_NAMES[output]


def _histories(loss_history) -> tuple[dict, bool]:
    """({name: 1-D float array}, whether it is one unnamed series) from a dict or one sequence."""
    if isinstance(loss_history, Mapping):
        if not loss_history:
            raise ValueError("loss_history is empty: give a dict of name -> loss per epoch")
        items, unnamed = {str(k): (f"loss_history[{k!r}]", v) for k, v in loss_history.items()}, False
    elif isinstance(loss_history, (str, bytes)) or not hasattr(loss_history, "__iter__"):
        raise TypeError("loss_history must be a dict of name -> loss per epoch (as ArticleResult.loss_history), "
                        f"or one sequence of losses, got {type(loss_history).__name__}")
    else:
        items, unnamed = {"loss": ("loss_history", loss_history)}, True
    out = {}
    for key, (where, values) in items.items():
        arr = as_float_array(values, where)
        if arr.ndim == 2 and 1 in arr.shape:
            arr = arr.ravel()
        if arr.ndim != 1:
            more = "; for several series give a dict of name -> history" if unnamed and arr.ndim == 2 else ""
            raise ValueError(f"{where} must be a sequence of losses, one per epoch (shape (epochs,)), got shape "
                             f"{arr.shape}{more}")
        if arr.size == 0:
            raise ValueError(f"{where} is empty: it needs the loss of at least one epoch")
        out[key] = arr
    return out, unnamed


def loss_curves(loss_history, ax=None, *, output="sigmoid", title=None):
    """Figure 2: training loss per epoch for each activation, with the final values.

    With up to :data:`MAX_VALUE_LABELS` curves, each final value is written
    by the curve's end (moved apart so that no two overlap); with more, the
    final values go into the legend instead.

    Parameters
    ----------
    loss_history : dict of str to array-like of shape (epochs,), or array-like of shape (epochs,)
        Loss per epoch by activation label, as ``ArticleResult.loss_history``;
        or one network's losses (``net.loss_history``), drawn as one
        unnamed curve without a legend.
    ax : matplotlib Axes, optional
        Where to draw; default a new 10 x 5 inch figure.
    output : {"sigmoid", "softmax", "identity"}
        The networks' output, which names the loss on the y axis (binary
        cross-entropy, cross-entropy, mean squared error).
    title : str, optional
        The title; default "Training loss per epoch" (:func:`article_figures`
        gives the run's settings).

    Returns
    -------
    matplotlib.figure.Figure
        One line per activation in its colour and a legend.

    Raises
    ------
    ValueError
        For an unknown ``output``, or a history that is empty or not one
        loss per epoch (shape (epochs,)).
    TypeError
        For a ``loss_history`` that is neither a dict nor a sequence of
        numbers.

    Examples
    --------
    >>> from swiftmoons import article
    >>> result = article.run()
    >>> fig = loss_curves(result.loss_history)
    >>> [line.get_label() for line in fig.axes[0].get_lines()], fig.axes[0].get_ylabel()
    (['Sigmoid', 'ReLU'], 'Binary cross-entropy loss')
    >>> [text.get_text() for text in fig.axes[0].texts]
    ['final: 0.2822', 'final: 0.0353']
    >>> one = loss_curves(result.loss_history["relu"])      # one network's losses
    >>> len(one.axes[0].get_lines()), one.axes[0].get_legend(), one.axes[0].texts[0].get_text()
    (1, None, 'final: 0.0353')
    >>> result.close()
    """
    loss = _loss_name(output)
    by_name, unnamed = _histories(loss_history)
    names = list(by_name)
    histories = list(by_name.values())
    few = len(names) <= MAX_VALUE_LABELS
    with _style():
        fig, (ax, *_), _ = _panels(ax, (1, 1), (10 if len(names) <= 4 else 12.5, 5))
        ends = []
        for (name, c, lab, dash), history in zip(_series(names), histories):
            shown = lab if few else f"{lab}: final {history[-1]:.4f}"
            ax.plot(np.arange(1, len(history) + 1), history, color=c, ls=dash, lw=2.5 if few else 1.8, label=shown)
            ends.append((len(history), history[-1], f"final: {history[-1]:.4f}", c))
        ax.set_title(title or "Training loss per epoch", color=PALETTE["text"], fontsize=12)
        _muted(ax, "Epoch", f"{loss} loss")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if not unnamed:
            _legend(ax, len(names), fontsize=11 if few else 10)
        if few:
            _value_labels(ax, ends, fontsize=9, dx=-6, lift=9, ha="right")
    return fig


def _scores(net, P):
    """(score of class 1 or None, predicted class) of the network on the rows of P."""
    out = np.asarray(net.forward(P))
    out = out.reshape(len(P), -1)
    if out.shape[1] == 1:
        return out[:, 0], (out[:, 0] >= 0.5).astype(int)
    if getattr(net, "output", None) == "softmax" and out.shape[1] == 2:
        return out[:, 1], out.argmax(axis=1)
    return None, out.argmax(axis=1)


def _boundary_inputs(net, X, y, step, what="decision_boundary", names=("net", "X", "y")):
    """(X, y, step) checked for drawing ``net``'s boundary: a network of 2 inputs, finite
    (n, 2) points, one label per point that the network can predict, a grid that fits."""
    _network(net, what, names[0])
    X = _points(X, names[1])
    y = _labels(y, len(X), names[2], _class_count(net, X), net, names[1])
    return X, y, _grid_step(step, _extent(X))


def _boundary(ax, net, X, y, c, step, size=35, linewidths=0.4):
    """Shade the plane by the network's output, draw its decision boundary in ``c`` and
    the points; return the accuracy on (X, y) (checked by :func:`_boundary_inputs`)."""
    x0, x1, y0, y1 = _extent(X)
    xx, yy = np.meshgrid(np.arange(x0, x1, step), np.arange(y0, y1, step))
    score, predicted = _scores(net, np.c_[xx.ravel(), yy.ravel()])
    if score is not None:
        Z = score.reshape(xx.shape)
        # The two shades meet at 0.5 (the decision), not at the middle of the output's range.
        low = min(0.0, float(Z.min()), 1.0 - float(Z.max()))
        ax.contourf(xx, yy, Z, levels=np.linspace(low, 1.0 - low, 51), cmap=ListedColormap(["#fde8c8", "#c8ece9"]),
                    alpha=0.85, extend="both")
        if Z.min() < 0.5 < Z.max():
            ax.contour(xx, yy, Z, levels=[0.5], colors=[c], linewidths=2)
    else:
        k = int(max(predicted.max(), y.max())) + 1
        Z = predicted.reshape(xx.shape)
        light = [_lighter(_class_colour(i)) for i in range(k)]
        ax.contourf(xx, yy, Z, levels=np.arange(k + 1) - 0.5, colors=light, alpha=0.85)
        ax.contour(xx, yy, Z, levels=np.arange(k - 1) + 0.5, colors=[c], linewidths=1.6)
    _classes(ax, X, y, size=size, linewidths=linewidths)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    return float((_scores(net, X)[1] == y.astype(int)).mean())


def _lighter(hex_colour, amount=0.7):
    from matplotlib.colors import to_rgb
    rgb = np.array(to_rgb(hex_colour))
    return tuple(rgb + (1 - rgb) * amount)


def _check_data(data) -> None:
    if data is not None and not isinstance(data, str):
        raise TypeError(f"data must be a string (such as 'test') or None, got {type(data).__name__}")


def _accuracy_text(data, accuracy):
    return f"{data.capitalize()} acc: {accuracy:.1%}" if data else f"Accuracy: {accuracy:.1%}"


def decision_boundary(net, X, y, ax=None, title=None, step=0.025, name=None, index=0, data="test"):
    """One network's decision boundary over the plane, with the points and the accuracy on them.

    The network's output is computed (in Swift) on a grid with spacing
    ``step`` that covers X with a margin of 0.5. For one output unit
    (sigmoid, or identity) and for a two-class softmax, the plane is shaded
    by the score of class 1 in the two classes' light colours and the 0.5
    contour is drawn in the activation's colour; for a softmax of more
    classes, each region of the predicted class is shaded in its class's
    light colour, with the borders in the activation's colour. The points go
    on top. The title is ``title`` (default the activation's display name)
    and the accuracy on (X, y): the fraction of points whose predicted class
    (output >= 0.5 for one unit, argmax for softmax) equals the label, named
    after ``data``.

    Parameters
    ----------
    net : MLP or TwoLayerNet
        A network with 2 inputs (anything with ``forward(X)``).
    X : array-like of shape (n, 2)
        The points to draw and score.
    y : array-like of shape (n,)
        Their labels, 0, 1, ...
    ax : matplotlib Axes, optional
        Where to draw; default a new 7 x 5 inch figure.
    title : str, optional
        The title's first line.
    step : float
        The grid's spacing (smaller: finer and slower).
    name : str, optional
        The activation that picks the colour; default ``net.activation``.
    index : int
        The series' position, for the colour of a name that is not an activation.
    data : str or None
        What (X, y) is, for the title: "test" gives "Test acc: ...",
        "train" "Train acc: ..."; None gives "Accuracy: ...".

    Returns
    -------
    matplotlib.figure.Figure
        The figure of ``ax`` (or the new one).

    Raises
    ------
    ValueError
        For a network whose inputs are not 2; an X that is not of shape
        (n, 2) or holds NaN or inf (the message names the first such row);
        a y that is not one label per row of X, or holds labels the network
        cannot predict (0 and 1 for one output unit, 0 .. k-1 for k
        outputs); a ``step`` that is not finite and > 0, or so small that
        the grid would have more than :data:`MAX_GRID_POINTS` points (the
        message gives a step that fits).
    TypeError
        For a ``net`` without ``forward``, non-numeric X, y or ``step``, a
        ``data`` that is not a string or None, or an ``ax`` that is not
        matplotlib Axes.

    Examples
    --------
    >>> from swiftmoons import article
    >>> result = article.run()
    >>> fig = decision_boundary(result.nets["relu"], result.X_test, result.y_test)
    >>> fig.axes[0].get_title()
    'ReLU\\nTest acc: 96.0%'
    >>> decision_boundary(result.nets["relu"], result.X_train, result.y_train, data="train").axes[0].get_title()
    'ReLU\\nTrain acc: 99.0%'
    >>> result.close()

    A softmax network of three classes:

    >>> import numpy as np, swiftmoons as sm
    >>> y = np.repeat([0, 1, 2], 20)
    >>> X = np.random.default_rng(0).normal(size=(60, 2)) * 0.4 + np.array([[2, 0], [0, 2], [-2, 0]])[y]
    >>> net = sm.MLP((2, 8, 3), activation="tanh", output="softmax", seed=0)
    >>> _ = net.fit(X, y, epochs=100, lr=0.1, rng=0)
    >>> decision_boundary(net, X, y, data=None).axes[0].get_title()
    'Tanh\\nAccuracy: 100.0%'
    >>> decision_boundary(net, X, y + 1)     # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: y holds label 3, but the softmax network 2-8-3 predicts the classes 0 to 2: ...
    """
    X, y, step = _boundary_inputs(net, X, y, step)
    _check_data(data)
    name = str(name or getattr(net, "activation", ""))
    c = colour(name, index)
    with _style():
        fig, (ax, *_), _ = _panels(ax, (1, 1), (7, 5))
        accuracy = _boundary(ax, net, X, y, c, step)
        ax.set_title(f"{title or label(name)}\n{_accuracy_text(data, accuracy)}", color=c, fontsize=12)
        _muted(ax, "x₁", "x₂")
    return fig


def decision_boundaries(nets, X_test, y_test, axes=None, *, data="test", title=None, max_cols=4, step=0.025):
    """Figure 3: one decision-boundary panel per network, wrapped into rows.

    Parameters
    ----------
    nets : MLP, TwoLayerNet, or dict of str to those
        Networks by activation name, as ``ArticleResult.nets``, or one
        network (named by its activation); each panel is
        :func:`decision_boundary` of one.
    X_test : array-like of shape (n, 2)
        The points to draw and score.
    y_test : array-like of shape (n,)
        Their labels.
    axes : array of matplotlib Axes, optional
        At least ``len(nets)`` Axes of one figure, in order; default a new
        figure with at most ``max_cols`` panels a row.
    data : str or None
        What the points are, for the panels' titles (see :func:`decision_boundary`).
    title : str, optional
        The overall title; default "Decision boundaries, <data> set (<n> points)".
    max_cols : int
        Panels per row at most, in a new figure.
    step : float
        The grids' spacing (see :func:`decision_boundary`).

    Returns
    -------
    matplotlib.figure.Figure
        The panels, titled with each activation and its accuracy.

    Raises
    ------
    ValueError
        For no networks, and as :func:`decision_boundary` for a network,
        X_test or y_test it cannot draw.
    TypeError
        For ``nets`` that are neither a network nor a dict of them, and as
        :func:`decision_boundary`.

    Examples
    --------
    >>> from swiftmoons import article
    >>> result = article.run()
    >>> fig = decision_boundaries(result.nets, result.X_test, result.y_test)
    >>> [ax.get_title() for ax in fig.axes], fig.get_suptitle()
    (['Sigmoid\\nTest acc: 79.0%', 'ReLU\\nTest acc: 96.0%'], 'Decision boundaries, test set (100 points)')
    >>> [ax.get_title() for ax in decision_boundaries(result.nets["relu"], result.X_test, result.y_test).axes]
    ['ReLU\\nTest acc: 96.0%']
    >>> result.close()
    """
    nets = _networks(nets, "decision_boundaries")
    for key, net in nets.items():
        X_test, y_test, step = _boundary_inputs(net, X_test, y_test, step, "decision_boundaries",
                                                (f"nets[{key!r}]", "X_test", "y_test"))
    _check_data(data)
    n = len(nets)
    rows, cols = _wrap(n, as_int(max_cols, "max_cols", low=1))
    w, h = (6.5, 5.5) if cols <= 2 else (4.4, 4.0)
    with _style():
        fig, panels, created = _panels(axes, (rows, cols), (cols * w, rows * h + 0.5), need=n,
                                       **({"sharex": True, "sharey": True} if axes is None else {}))
        for i, (ax, (name, net)) in enumerate(zip(panels, nets.items())):
            decision_boundary(net, X_test, y_test, ax=ax, name=name, index=i, data=data, step=step)
        if created:
            _drop_unused(panels, n)
            _outer_labels(panels, cols, n, "x₁", "x₂")
        where = f", {data} set" if data else ""
        fig.suptitle(title or f"Decision boundaries{where} ({len(X_test)} points)", fontsize=13,
                     color=PALETTE["text"])
    return fig


#: The panels' titles of :func:`signal_trace` for the article's two samples.
_SAMPLE_TITLES = ("Class 0 sample (deep in its moon)", "Class 1 sample (deep in its moon)")


def _traces(traces) -> dict:
    """{name: float array of shape (samples, stages)}, every one of the same shape."""
    if not isinstance(traces, Mapping):
        raise TypeError("traces must be a dict of name -> array of shape (samples, stages), as "
                        f"ArticleResult.traces, got {type(traces).__name__}")
    if not traces:
        raise ValueError("traces is empty: give a dict of name -> array of shape (samples, stages)")
    out = {}
    for key, values in traces.items():
        where = f"traces[{key!r}]"
        arr = as_float_array(values, where)
        if arr.ndim == 1:
            arr = arr[None, :]
        if arr.ndim != 2 or arr.size == 0:
            raise ValueError(f"{where} must have shape (samples, stages), or (stages,) for one sample: one mean "
                             f"|z1|, |a1|, |z2|, ... per stage; got shape {np.shape(values)}")
        out[str(key)] = arr
    shapes = {arr.shape for arr in out.values()}
    if len(shapes) > 1:
        raise ValueError("every trace must have the same shape (samples, stages), got "
                         + ", ".join(f"{name!r}: {arr.shape}" for name, arr in out.items()))
    return out


def signal_trace(traces: dict, axes=None, titles=None, *, title=None, values=None):
    """Figure 4: mean |z| and |a| layer by layer for the two far samples.

    Parameters
    ----------
    traces : dict of str to array-like of shape (samples, stages) or (stages,)
        By activation, one row per sample of mean |z1|, |a1|, |z2|, ...,
        as ``ArticleResult.traces`` (shape (2, 5)); a 1-D array is one
        sample. Every array has the same shape.
    axes : array of matplotlib Axes, optional
        One Axes per sample (row) to draw; default a new figure with one
        row of ``samples`` panels.
    titles : str or sequence of str, optional
        The panels' titles, in row order; "Sample i" beyond them. Default:
        the article's, "Class 0 sample (deep in its moon)" and "Class 1
        sample (deep in its moon)", for two samples; "Sample i" otherwise.
    title : str, optional
        The overall title; default the article's, "Layer-by-layer signal
        magnitude -- a point far from the boundary".
    values : bool, optional
        Write every value by its point; default only for up to
        :data:`MAX_VALUE_LABELS` activations. The values at one stage are
        moved apart so that no two overlap.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per sample, one line per activation over the stages
        (ticks "z₁ (pre)" ... "z₃ (out)" for five stages, else "z1", "a1",
        ...).

    Raises
    ------
    ValueError
        For no traces, a trace that is not of shape (samples, stages) or
        (stages,), or traces of different shapes.
    TypeError
        For ``traces`` that are not a dict, non-numeric values, or
        ``axes`` that are not matplotlib Axes.

    Examples
    --------
    >>> from swiftmoons import article
    >>> result = article.run()
    >>> fig = signal_trace(result.traces)
    >>> len(fig.axes), [line.get_label() for line in fig.axes[0].get_lines()]
    (2, ['Sigmoid', 'ReLU'])
    >>> [text.get_text() for text in fig.axes[1].texts if text.get_color() == colour("relu")]  # class 1
    ['2.054', '1.523', '2.154', '1.570', '20.199']
    >>> one = signal_trace({"relu": result.traces["relu"][1]})   # one sample: one panel
    >>> len(one.axes), one.axes[0].get_title()
    (1, 'Sample 0')
    >>> result.close()
    """
    traces = _traces(traces)
    names = list(traces)
    write = len(names) <= MAX_VALUE_LABELS if values is None else bool(values)
    samples, stages = traces[names[0]].shape
    if titles is None:
        titles = _SAMPLE_TITLES if samples == len(_SAMPLE_TITLES) else ()
    elif isinstance(titles, str):
        titles = (titles,)
    with _style():
        fig, panels, _ = _panels(axes, (1, samples), (6.5 * samples + (2 if len(names) > 4 else 0), 5.5))
        labels = STAGE_LABELS if stages == len(STAGE_LABELS) else [
            f"{'z' if s % 2 == 0 else 'a'}{s // 2 + 1}" for s in range(stages)]
        x = np.arange(stages)
        labelled = []
        for row, ax in enumerate(panels[:samples]):
            points = []
            for i, (name, c, lab, dash) in enumerate(_series(names)):
                trace = traces[name][row]
                ax.plot(x, trace, marker=_MARKERS[i % len(_MARKERS)], ls=dash, color=c, lw=2.5, markersize=8,
                        label=lab)
                points += [(xi, v, f"{v:.3f}", c) for xi, v in zip(x, trace)]
            ax.set_xticks(x)
            ax.set_xticklabels(labels, color=PALETTE["muted"], fontsize=9)
            ax.set_xlim(-0.3, stages - 1 + 0.7)
            _muted(ax, None, "Mean |activation|")
            ax.set_title(titles[row] if row < len(titles) else f"Sample {row}", color=PALETTE["text"], fontsize=11)
            if len(names) <= 4 or row == samples - 1:
                _legend(ax, len(names))
            labelled.append((ax, points))
        fig.suptitle(title or "Layer-by-layer signal magnitude -- a point far from the boundary",
                     fontsize=12, color=PALETTE["text"])
        if write:
            fig.draw_without_rendering()        # the layout, once; the labels do not change it
            for ax, points in labelled:
                _value_labels(ax, points, draw=False)
    return fig


def hidden_space(nets: dict, X_test, y_test, axes=None, layers=(1, 2), *, data="test", title=None, max_cols=4):
    """Figure 5: every unit of each hidden layer, per network, on one shared scale.

    Each panel (one network, one layer) is a strip plot: for each unit, the
    activations of all points, one dot per point, coloured by class (class
    0 left of the unit's tick, class 1 right, jittered sideways). Every
    panel has the same y axis, so a layer squeezed into a narrow band (as
    sigmoid's into (0, 1)) shows as one, next to wider ones. The std of the
    whole layer (all units and points, as ``ArticleResult.hidden_std``) is
    written in a corner. Panels are laid out with one row per layer and one
    column per network, wrapping after ``max_cols`` networks.

    Parameters
    ----------
    nets : dict of str to MLP or TwoLayerNet
        Networks by activation name, as ``ArticleResult.nets``.
    X_test : array-like of shape (n, 2)
        The points, usually the test set.
    y_test : array-like of shape (n,)
        Their labels.
    axes : array of matplotlib Axes, optional
        ``len(layers) * len(nets)`` Axes of one figure: layer by layer,
        network by network within a layer; default a new figure.
    layers : sequence of int
        The hidden layers to draw (1-based).
    data : str or None
        What the points are, for the title.
    title : str, optional
        The overall title; default "Hidden layers on the <data> set (<n>
        points): every unit, one y scale".
    max_cols : int
        Networks side by side at most, in a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The panels, titled "<activation> -- layer k".

    Raises
    ------
    ValueError
        For a layer that is not a hidden layer of every network, or a
        y_test that is not one class label 0, 1, ... per row of X_test.

    Examples
    --------
    >>> from swiftmoons import article
    >>> result = article.run()
    >>> fig = hidden_space(result.nets, result.X_test, result.y_test)
    >>> len(fig.axes), fig.axes[1].get_title()
    (4, 'ReLU -- layer 1')
    >>> [ax.texts[0].get_text() for ax in fig.axes]
    ['std: 0.2593', 'std: 1.1453', 'std: 0.1950', 'std: 1.6729']
    >>> len({ax.get_ylim() for ax in fig.axes})       # one scale for all
    1
    >>> result.close()
    """
    X_test = as_float_array(X_test, "X_test")
    y_test = _labels(y_test, len(X_test) if X_test.ndim else 0, "y_test", points="X_test")
    layers = [int(k) for k in layers]
    names = list(nets)
    n, L = len(names), len(layers)
    hidden = {}
    for name, net in nets.items():
        for k in layers:
            if not 1 <= k <= len(net.layer_sizes) - 2:
                raise ValueError(f"layer {k} is not a hidden layer of the {name} network {net.layer_sizes}")
            hidden[name, k] = np.asarray(net.get_hidden(X_test, layer=k))
    lo = min(float(H.min()) for H in hidden.values())
    hi = max(float(H.max()) for H in hidden.values())
    pad = 0.04 * (hi - lo or 1.0)
    blocks, cols = _wrap(n, max_cols)
    widest = max(H.shape[1] for H in hidden.values())
    w, h = max(3.4, 0.36 * widest + 1.6), 3.3
    classes = np.unique(y_test).astype(int)
    offsets = (np.arange(len(classes)) - (len(classes) - 1) / 2) * (0.7 / max(len(classes), 2))
    jitter = np.random.default_rng(0).uniform(-1, 1, size=len(y_test)) * 0.3 / max(len(classes), 2)
    with _style():
        fig, panels, created = _panels(axes, (blocks * L, cols), (cols * w, blocks * L * h + 0.6), need=n * L)
        for c_i, name in enumerate(names):
            c = colour(name, c_i)
            for r, k in enumerate(layers):
                if created:
                    ax = panels[((c_i // cols) * L + r) * cols + c_i % cols]
                else:
                    ax = panels[r * n + c_i]
                H = hidden[name, k]
                units = np.arange(1, H.shape[1] + 1)
                for cls, dx in zip(classes, offsets):
                    rows = y_test == cls
                    xs = units[None, :] + dx + jitter[rows][:, None]
                    ax.scatter(xs.ravel(), H[rows].ravel(), s=9, color=_class_colour(cls), alpha=0.55, lw=0,
                               label=f"Class {cls}", zorder=2)
                ax.axhline(0, color=PALETTE["muted"], lw=0.8, zorder=0)
                ax.set_xlim(0.4, H.shape[1] + 0.6)
                ax.set_ylim(lo - pad, hi + pad)
                _integer_ticks(ax, units, most=16)
                ax.text(0.03, 0.96, f"std: {H.std():.4f}", transform=ax.transAxes, fontsize=9, va="top",
                        color=PALETTE["text"], bbox=dict(boxstyle="round,pad=0.3", fc="white", ec=c, alpha=0.85))
                ax.set_title(f"{label(name)} -- layer {k}", color=c, fontsize=11)
                _muted(ax, "unit", "activation")
                if r == 0 and c_i == 0:
                    ax.legend(fontsize=9, markerscale=2, loc="upper right")
        if created:
            used = [((c_i // cols) * L + r) * cols + c_i % cols for c_i in range(n) for r in range(L)]
            for i, panel in enumerate(panels):
                if i not in used:
                    panel.remove()
        where = f" on the {data} set" if data else ""
        fig.suptitle(title or f"Hidden layers{where} ({len(X_test)} points): every unit, one y scale",
                     fontsize=13, color=PALETTE["text"])
    return fig


#: File names of the article's figures, in order.
FIGURE_FILES = ("moons_dataset.png", "loss_curves.png", "decision_boundaries.png",
                "signal_trace.png", "hidden_space.png")


def article_figures(result) -> dict:
    """All five figures of an ``article.run()`` result, by file name, titled with the run's settings.

    Parameters
    ----------
    result : ArticleResult
        What :func:`swiftmoons.article.run` returned.

    Returns
    -------
    dict of str to matplotlib.figure.Figure
        :func:`dataset`, :func:`loss_curves`, :func:`decision_boundaries`,
        :func:`signal_trace` and :func:`hidden_space` of the result, keyed
        by the names of :data:`FIGURE_FILES`, in that order.

    Examples
    --------
    >>> from swiftmoons import article
    >>> result = article.run()
    >>> figures = article_figures(result)
    >>> {name: len(fig.axes) for name, fig in figures.items()}
    {'moons_dataset.png': 1, 'loss_curves.png': 1, 'decision_boundaries.png': 2, 'signal_trace.png': 2, 'hidden_space.png': 4}
    >>> figures["moons_dataset.png"].axes[0].get_title()
    'make_moons(400, noise=0.18, random_state=42), standardized'
    >>> figures["loss_curves.png"].axes[0].get_title()
    'Training loss -- 2-8-8-1, same init (seed 42), lr 0.05, batch 64, 800 epochs\\nonly the activation differs'
    >>> result.close()
    """
    cfg = result.config
    data = (f"make_moons({cfg['n_samples']}, noise={cfg['noise']:g}, random_state={cfg['data_seed']})")
    net = next(iter(result.nets.values()))
    shape = "-".join(str(s) for s in net.layer_sizes)
    return dict(zip(FIGURE_FILES, (
        dataset(result.X, result.y, title=f"{data}, standardized"),
        loss_curves(result.loss_history, output=getattr(net, "output", "sigmoid"),
                    title=f"Training loss -- {shape}, same init (seed {cfg['net_seed']}), lr {cfg['lr']:g}, "
                          f"batch {cfg['batch_size']}, {cfg['epochs']} epochs\nonly the activation differs"),
        decision_boundaries(result.nets, result.X_test, result.y_test,
                            title=f"Decision boundaries learned on {data}, test set ({len(result.y_test)} points)"),
        signal_trace(result.traces),
        hidden_space(result.nets, result.X_test, result.y_test,
                     title=f"Hidden-space representations on the {data} test set\n"
                           "every unit of each layer, one y scale for all panels"),
    )))


def save_article_figures(result, out_dir, dpi=140) -> list:
    """Write the five figures of an ``article.run()`` result as PNG files.

    The folder is made if needed (parents too); files of the same names are
    replaced.

    Parameters
    ----------
    result : ArticleResult
        What :func:`swiftmoons.article.run` returned.
    out_dir : str or os.PathLike
        The folder to write into.
    dpi : int or float
        The images' resolution (dots per inch).

    Returns
    -------
    list of pathlib.Path
        The files written, ``out_dir / name`` for each name of
        :data:`FIGURE_FILES`, in that order.

    Raises
    ------
    OSError
        If the folder cannot be made or a file cannot be written.

    Examples
    --------
    >>> import tempfile
    >>> from swiftmoons import article
    >>> result = article.run(n_samples=100, epochs=20, activations=["relu"])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     paths = save_article_figures(result, folder, dpi=20)
    ...     print([path.name for path in paths], all(path.stat().st_size > 0 for path in paths))
    ['moons_dataset.png', 'loss_curves.png', 'decision_boundaries.png', 'signal_trace.png', 'hidden_space.png'] True
    >>> result.close()
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, fig in article_figures(result).items():
        path = out / name
        fig.savefig(path, dpi=dpi, bbox_inches="tight")
        paths.append(path)
    return paths


# ---- more of the article's run ---------------------------------------------------------

def loss_bands(bands: dict, ax=None, *, output="sigmoid", title=None):
    """Loss curves over many network seeds: the median per activation and a quantile band.

    Parameters
    ----------
    bands : dict
        What :func:`swiftmoons.experiments.loss_bands` returns.
    ax : matplotlib Axes, optional
        Where to draw; default a new 10 x 5 inch figure.
    output : {"sigmoid", "softmax", "identity"}
        The networks' output, which names the loss on the y axis.
    title : str, optional
        The title; default "Training loss over <seeds> network seeds:
        median and <band> band".

    Returns
    -------
    matplotlib.figure.Figure
        One median line per activation in its colour over its band (the
        same colour, light); the legend gives each final median and band.

    Raises
    ------
    ValueError
        For an unknown ``output``.

    Examples
    --------
    >>> import swiftmoons as sm
    >>> from swiftmoons import experiments
    >>> bands = experiments.loss_bands(sm.sweep(range(5), ["sigmoid", "relu"], epochs=100), band=0.8)
    >>> fig = loss_bands(bands)
    >>> fig.axes[0].get_title()
    'Training loss over 5 network seeds: median and 80% band'
    >>> [line.get_label() for line in fig.axes[0].get_lines()]
    ['Sigmoid: 0.601 [0.583, 0.633]', 'ReLU: 0.184 [0.143, 0.224]']
    """
    loss = _loss_name(output)
    epochs = np.asarray(bands["epochs"])
    names = list(bands["median"])
    few = len(names) <= MAX_VALUE_LABELS
    with _style():
        fig, (ax, *_), _ = _panels(ax, (1, 1), (10 if len(names) <= 4 else 13, 5))
        for name, c, lab, dash in _series(names):
            median, low, high = (np.asarray(bands[key][name]) for key in ("median", "low", "high"))
            ax.fill_between(epochs, low, high, color=c, alpha=0.18 if few else 0.1, lw=0)
            ax.plot(epochs, median, color=c, ls=dash, lw=2.2 if few else 1.8,
                    label=f"{lab}: {median[-1]:.3f} [{low[-1]:.3f}, {high[-1]:.3f}]")
        ax.set_title(title or f"Training loss over {bands['seeds']} network seeds: median and {bands['band']:.0%} band",
                     color=PALETTE["text"], fontsize=12)
        _muted(ax, "Epoch", f"{loss} loss")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        _legend(ax, len(names), title="final: median [band]", title_fontsize=9)
    return fig


def boundary_over_epochs(snapshots: dict, *, panels=6, step=0.05, data="test", title=None):
    """The decision boundary at recorded epochs: one row per activation, one column per epoch.

    Each panel rebuilds the network from the recorded parameters
    (:meth:`MLP.from_params`) and draws it as :func:`decision_boundary`
    does, with the accuracy on the points in a corner.

    Parameters
    ----------
    snapshots : dict
        What :func:`swiftmoons.experiments.training_snapshots` returns.
    panels : int
        Epochs to show at most: every record, or every second, third, ...
        (the first and the last always among them).
    step : float
        The grid's spacing.
    data : {"test", "train"}
        Which points to draw and score.
    title : str, optional
        The overall title; default from the run's settings.

    Returns
    -------
    matplotlib.figure.Figure
        The grid of panels; the top row names the epochs, the first column
        the activations.

    Raises
    ------
    ValueError
        For ``panels < 1``, a ``data`` other than "test" and "train", or a
        ``step`` that is not finite and > 0 or makes too large a grid (as
        :func:`decision_boundary`).

    Examples
    --------
    >>> from swiftmoons import experiments
    >>> snaps = experiments.training_snapshots(every=200)
    >>> fig = boundary_over_epochs(snaps, panels=3, step=0.1)
    >>> [ax.get_title() for ax in fig.axes[:3]]
    ['epoch 0', 'epoch 400', 'epoch 800']
    >>> [ax.texts[0].get_text() for ax in fig.axes]
    ['50%', '80%', '79%', '31%', '95%', '96%']
    """
    from .network import MLP

    if as_int(panels, "panels") < 1:
        raise ValueError(f"panels must be at least 1, got {panels}")
    if data not in ("test", "train"):
        raise ValueError(f"data must be 'test' or 'train', got {data!r}")
    X = _points(snapshots[f"X_{data}"], f"snapshots['X_{data}']")
    y = _labels(snapshots[f"y_{data}"], len(X), f"snapshots['y_{data}']", points=f"snapshots['X_{data}']")
    step = _grid_step(step, _extent(X))
    epochs = np.asarray(snapshots["epochs_recorded"])
    stride = 1 if int(panels) == 1 or len(epochs) <= int(panels) else math.ceil((len(epochs) - 1) / (int(panels) - 1))
    chosen = np.unique(np.r_[np.arange(0, len(epochs), stride), len(epochs) - 1])
    names = list(snapshots["params"])
    rows, cols = len(names), len(chosen)
    with _style():
        fig, grid, _ = _panels(None, (rows, cols), (2.5 * cols + 0.6, 2.4 * rows + 0.7), sharex=True, sharey=True)
        for r, (name, c, lab, _) in enumerate(_series(names)):
            spec = snapshots["specs"][name]
            for j, record in enumerate(chosen):
                ax = grid[r * cols + j]
                with MLP.from_params(snapshots["params"][name][record], activation=spec,
                                     output=snapshots.get("output", "sigmoid")) as net:
                    accuracy = _boundary(ax, net, X, y, c, step, size=10, linewidths=0.2)
                ax.text(0.97, 0.04, f"{accuracy:.0%}", transform=ax.transAxes, ha="right", va="bottom", fontsize=9,
                        color=c, bbox=dict(boxstyle="round,pad=0.2", fc="white", ec=c, alpha=0.85))
                if r == 0:
                    ax.set_title(f"epoch {epochs[record]}", color=PALETTE["text"], fontsize=10)
                if j == 0:
                    ax.set_ylabel(lab, color=c, fontsize=11)
                ax.tick_params(colors=PALETTE["muted"], labelsize=7)
        settings = (f"lr {snapshots['lr']:g}, batch {snapshots['batch_size']}, seed {snapshots['net_seed']}"
                    if "lr" in snapshots else "")
        fig.suptitle(title or f"Decision boundary during training ({settings}); {data} accuracy in each panel",
                     fontsize=12, color=PALETTE["text"])
    return fig


#: Orange for negative, white for 0, blue for positive, as the TensorFlow Playground colours units.
PLAYGROUND_CMAP = LinearSegmentedColormap.from_list("playground", ["#f59322", "#ffffff", "#0877bd"])


def unit_maps(nets, X, y=None, *, layers=None, resolution=80, max_cols=8, title=None):
    """Every hidden unit's activation over the input plane, as the TensorFlow Playground draws them.

    For each network and hidden layer, one small map per unit: its
    activation at every point of a ``resolution`` x ``resolution`` grid
    over the data (margin 0.5), orange below 0, white at 0, blue above
    (:data:`PLAYGROUND_CMAP`). The colour scale is one per network and
    layer, symmetric about 0 (to the layer's largest absolute value), with
    its colour bar on the right, in a column of its own beside the maps'
    rows: within a layer the units compare; across layers and networks read
    the bars. The points are drawn faintly on top when ``y`` is given.

    Parameters
    ----------
    nets : MLP, TwoLayerNet, or dict of str to those
        One network, or networks by activation name (each gets its rows).
    X : array-like of shape (n, 2)
        The data, which sets the plane's extent.
    y : array-like of shape (n,), optional
        Their labels, to draw the points.
    layers : int or sequence of int, optional
        The hidden layers (1-based); default all of each network's.
    resolution : int
        Grid points per axis, from 2 to the square root of
        :data:`MAX_GRID_POINTS` (2000).
    max_cols : int
        Units per row at most: wider layers wrap.
    title : str, optional
        The overall title.

    Returns
    -------
    matplotlib.figure.Figure
        One row of maps per network and layer (more for wide layers), the
        first map of each row labelled with the activation and the layer.

    Raises
    ------
    ValueError
        For a layer that is not a hidden layer of a network, a
        ``resolution`` outside 2 .. 2000, a network whose inputs are not 2,
        an X that is not of shape (n, 2) or holds NaN or inf (the message
        names the first such row), or a y that is not one class label 0, 1,
        ... per row of X.
    TypeError
        For ``nets`` that are neither a network nor a dict of them, or a
        non-integer ``resolution``, ``max_cols`` or layer.

    Examples
    --------
    >>> from swiftmoons import article
    >>> result = article.run()
    >>> fig = unit_maps(result.nets, result.X_test, result.y_test)
    >>> maps = [ax for ax in fig.axes if ax.images]
    >>> len(maps), maps[0].get_ylabel(), maps[0].get_title()
    (32, 'Sigmoid\\nlayer 1', 'unit 1')
    >>> [round(float(ax.images[0].get_clim()[1]), 2) for ax in maps[::8]]   # the scale of each layer
    [1.0, 0.94, 9.33, 19.98]
    >>> result.close()
    """
    nets = _networks(nets, "unit_maps", hidden=True)
    X = _points(X)
    labels = None if y is None else _labels(y, len(X))
    resolution = as_int(resolution, "resolution")
    most = math.isqrt(MAX_GRID_POINTS)
    if not 2 <= resolution <= most:
        raise ValueError(f"resolution must be from 2 to {most} (grid points per axis), got {resolution}")
    max_cols = as_int(max_cols, "max_cols", low=1)
    if layers is not None:
        layers = list(layers) if hasattr(layers, "__iter__") and not isinstance(layers, str) else [layers]
        layers = [as_int(k, f"layers[{i}]") for i, k in enumerate(layers)]
        if not layers:
            raise ValueError("layers is empty: give the hidden layers to draw (1-based), or None for all")
    x0, x1, y0, y1 = _extent(X)
    xx, yy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    plane = np.c_[xx.ravel(), yy.ravel()]
    blocks = []                       # (name, layer, activations of shape (res, res, units))
    for name, net in nets.items():
        hidden = len(net.layer_sizes) - 2
        for k in (range(1, hidden + 1) if layers is None else layers):
            if not 1 <= k <= hidden:
                raise ValueError(f"layer {k} is not a hidden layer of the {name} network {net.layer_sizes}")
            A = np.asarray(net.get_hidden(plane, layer=k))
            blocks.append((name, k, A.reshape(resolution, resolution, -1)))
    if not blocks:
        raise ValueError(f"no hidden layer to draw: the networks {[net.layer_sizes for net in nets.values()]} "
                         "have none")
    cols = min(max_cols, max(b[2].shape[2] for b in blocks))
    row_count = [math.ceil(b[2].shape[2] / cols) for b in blocks]
    size = 1.35
    with _style():
        fig = _figure((cols * size + 1.4, sum(row_count) * size + 0.8))
        # The colour bars get a narrow column of their own, right of every map: a bar
        # beside a short row would otherwise widen that grid column for all rows.
        grid = fig.add_gridspec(sum(row_count), cols + 1, width_ratios=[1.0] * cols + [0.07])
        row = 0
        order = list(nets)
        for (name, k, A), count in zip(blocks, row_count):
            c = colour(name, order.index(name))
            top = float(np.abs(A).max()) or 1.0
            for unit in range(A.shape[2]):
                ax = fig.add_subplot(grid[row + unit // cols, unit % cols])
                image = ax.imshow(A[:, :, unit], origin="lower", extent=(x0, x1, y0, y1), aspect="auto",
                                  cmap=PLAYGROUND_CMAP, vmin=-top, vmax=top, interpolation="bilinear")
                if labels is not None:
                    _classes(ax, X, labels, size=3, alpha=0.5, linewidths=0)
                ax.set_xticks([])
                ax.set_yticks([])
                ax.grid(False)
                for spine in ax.spines.values():
                    spine.set_visible(True)
                    spine.set_color("#bbbbbb")
                ax.set_title(f"unit {unit + 1}", fontsize=8, color=PALETTE["muted"], pad=2)
                if unit == 0:
                    ax.set_ylabel(f"{label(name)}\nlayer {k}", color=c, fontsize=9)
            bar = fig.colorbar(image, cax=fig.add_subplot(grid[row:row + count, cols]))
            bar.ax.tick_params(labelsize=7, colors=PALETTE["muted"])
            row += count
        fig.suptitle(title or "Each hidden unit over the input plane (orange < 0 < blue; one scale per layer)",
                     fontsize=11, color=PALETTE["text"])
    return fig


# ---- the lessons' experiments (swiftmoons.experiments) -------------------------------

def activation_curves(curves: dict, axes=None):
    """Activations (left) and their derivatives (right), from ``experiments.activation_curves``.

    Parameters
    ----------
    curves : dict
        What :func:`swiftmoons.experiments.activation_curves` returns:
        ``x`` and, per activation label, ``value`` and ``derivative`` arrays.
    axes : array of matplotlib Axes, optional
        At least two Axes of one figure (the first two are used); default a
        new figure with two panels side by side.

    Returns
    -------
    matplotlib.figure.Figure
        Left, f(x) per activation; right, f'(x) per activation and, when
        sigmoid is among them, a dashed line at 0.25 marked "σ'(0) = 0.25"
        (its largest derivative); one legend.

    Examples
    --------
    >>> from swiftmoons import experiments
    >>> fig = activation_curves(experiments.activation_curves())
    >>> [ax.get_title() for ax in fig.axes]
    ['Activations', 'Derivatives: the multiplier backprop applies']
    >>> [line.get_label() for line in fig.axes[0].get_lines()]
    ['Sigmoid', 'Tanh', 'ReLU', 'Leaky ReLU', 'GELU']
    >>> [text.get_text() for text in fig.axes[1].texts]
    ["σ'(0) = 0.25"]
    >>> len(activation_curves(experiments.activation_curves(["relu", "tanh"])).axes[1].texts)
    0
    """
    x = curves["x"]
    names = [k for k in curves if k != "x"]
    with _style():
        fig, (left, right, *_), _ = _panels(axes, (1, 2), (14 if len(names) > 4 else 13, 5), need=2)
        series = _series(names)
        handles = _lines(left, x, {n: curves[n]["value"] for n in names}, series, lw=2.2)
        _lines(right, x, {n: curves[n]["derivative"] for n in names}, series, lw=2.2)
        if any(_canonical(n.split("(")[0]) == "sigmoid" for n in names):
            right.axhline(0.25, color=PALETTE["muted"], lw=1, ls="--")
            right.annotate("σ'(0) = 0.25", xy=(x[0], 0.25), xytext=(4, 4), textcoords="offset points",
                           color=PALETTE["muted"], fontsize=9)
        left.set_title("Activations", color=PALETTE["text"], fontsize=12)
        right.set_title("Derivatives: the multiplier backprop applies", color=PALETTE["text"], fontsize=12)
        _muted(left, "x", "f(x)")
        _muted(right, "x", "f'(x)")
        _legend(right if len(names) > 4 else left, len(names), fontsize=10, handles=handles)
    return fig


def vanishing_gradients(result: dict, ax=None):
    """Per-layer weight-gradient norms (log scale) of deep networks, with the 0.25-per-layer bound.

    Parameters
    ----------
    result : dict
        What :func:`swiftmoons.experiments.vanishing_gradients` returns.
    ax : matplotlib Axes, optional
        Where to draw; default a new 10 x 5 inch figure.

    Returns
    -------
    matplotlib.figure.Figure
        On a log y axis, one line per activation of the gradient norm
        against the layer (1 = input side, integer ticks), and a dashed line
        of sigmoid's bound: ``result["bound"]`` times the sigmoid network's
        output-layer norm (the first network's if there is no sigmoid);
        titled with the depth, width and batch. Where lines run together,
        they are drawn in alternating dashes of their colours.

    Examples
    --------
    >>> from swiftmoons import experiments
    >>> fig = vanishing_gradients(experiments.vanishing_gradients(depth=10))
    >>> fig.axes[0].get_title()
    'Vanishing gradients: 10 hidden layers of 16, one batch of 64 moons points'
    >>> [line.get_label() for line in fig.axes[0].get_lines()]
    ['Sigmoid', 'ReLU', "0.25 per layer from Sigmoid's output"]
    >>> [int(t) for t in fig.axes[0].get_xticks()]
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    """
    layers = np.asarray(result["layers"])
    names = list(result["norms"])
    with _style():
        fig, (ax, *_), _ = _panels(ax, (1, 1), (10 if len(names) <= 3 else 12.5, 5))
        ax.set_yscale("log")
        handles = _lines(ax, layers, result["norms"], _series(names), markers=True, lw=2, markersize=5, log=True)
        anchor = next((n for n in names if _canonical(n.split("(")[0]) == "sigmoid"), names[0])
        handles += ax.plot(layers, result["norms"][anchor][-1] * np.asarray(result["bound"]), "--",
                           color=PALETTE["muted"], lw=1.5, label=f"0.25 per layer from {label(anchor)}'s output")
        width = f" of {result['width']}" if "width" in result else ""
        batch = f" of {result['batch_size']}" if "batch_size" in result else ""
        ax.set_title(f"Vanishing gradients: {result['depth']} hidden layers{width}, one batch{batch} moons points",
                     color=PALETTE["text"], fontsize=12)
        _muted(ax, "Layer (1 = input side)", "‖dLoss/dW‖")
        _integer_ticks(ax, layers, most=26)
        _legend(ax, len(names) + 1, handles=handles)
    return fig


_DEAD_PANELS = {
    "never_nonzero": "the lesson's: non-zero output\non some example",
    "never_positive": "pre-activation > 0\non some example",
    "no_gradient": "non-zero derivative on some\nexample (gets a gradient)",
}


def _cold_bias_title(result, what):
    return (f"{what}: {result['units']} hidden units, biases start at {result['bias']:g}, "
            f"inputs of std {result['input_std']:g} ({result['features']} features), one batch of "
            f"{result['batch_size']}")


def dead_relu(result: dict, axes=None):
    """Units alive against the training step under a cold bias, by the three definitions of dead.

    Parameters
    ----------
    result : dict
        What :func:`swiftmoons.experiments.dead_relu` returns.
    axes : array of matplotlib Axes, optional
        Three Axes of one figure; default a new figure with three panels.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per definition (alive: the lesson's non-zero output,
        positive pre-activation, non-zero derivative), one line per
        activation of the units alive at each step, all panels on the y
        range 0 .. units; titled with the settings the experiment used.
        Where lines run together, they are drawn in alternating dashes of
        their colours.

    Examples
    --------
    >>> from swiftmoons import experiments
    >>> fig = dead_relu(experiments.dead_relu(steps=20, bias=-2.0, lr=4.0))
    >>> fig.get_suptitle()
    'Alive units during training, lr 4: 128 hidden units, biases start at -2, inputs of std 0.1 (8 features), one batch of 64'
    >>> [line.get_label() for line in fig.axes[0].get_lines()]
    ['ReLU', 'Leaky ReLU(0.1)']
    >>> [int(line.get_ydata()[-1]) for line in fig.axes[0].get_lines()]     # the lesson's count after 20 steps
    [0, 128]
    """
    names = list(result["dead"]["never_nonzero"])
    units = result["units"]
    with _style():
        fig, panels, _ = _panels(axes, (1, 3), (15, 4.8), need=3, **({"sharey": True} if axes is None else {}))
        for ax, (definition, what) in zip(panels, _DEAD_PANELS.items()):
            alive = {name: units - np.asarray(result["dead"][definition][name]) for name in names}
            handles = _lines(ax, result["steps"], alive, _series(names))
            ax.set_ylim(-0.03 * units, 1.03 * units)
            ax.set_title(f"alive = {what}", color=PALETTE["text"], fontsize=10)
            _muted(ax, "Training step", "Units alive" if ax is panels[0] else None)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        _legend(panels[2] if len(names) > 4 else panels[0], len(names), handles=handles)
        fig.suptitle(_cold_bias_title(result, f"Alive units during training, lr {result['lr']:g}"), fontsize=11,
                     color=PALETTE["text"])
    return fig


def dead_relu_recovery(result: dict, axes=None):
    """Units alive after training under a cold bias, against the learning rate, by each definition of dead.

    Parameters
    ----------
    result : dict
        What :func:`swiftmoons.experiments.dead_relu_recovery` returns.
    axes : array of matplotlib Axes, optional
        Three Axes of one figure; default a new figure with three panels.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per definition, one line per activation of the units
        alive after the last step against the learning rate (log axis when
        every rate is positive, a tick at each), all panels on the y range
        0 .. units; titled with the settings.

    Examples
    --------
    >>> from swiftmoons import experiments
    >>> fig = dead_relu_recovery(experiments.dead_relu_recovery(lrs=(0.5, 2.0, 5.0)))
    >>> [line.get_ydata().astype(int).tolist() for line in fig.axes[1].get_lines()]   # pre-activation > 0
    [[0, 0, 0], [0, 0, 58]]
    >>> fig.axes[1].get_xscale(), [t.get_text() for t in fig.axes[1].get_xticklabels()]
    ('log', ['0.5', '2', '5'])
    """
    names = list(result["dead"]["never_nonzero"])
    units, lrs = result["units"], np.asarray(result["lrs"])
    with _style():
        fig, panels, _ = _panels(axes, (1, 3), (15, 4.8), need=3, **({"sharey": True} if axes is None else {}))
        for ax, (definition, what) in zip(panels, _DEAD_PANELS.items()):
            alive = {name: units - np.asarray(result["dead"][definition][name]) for name in names}
            handles = _lines(ax, lrs, alive, _series(names), markers=True, lw=2.2)
            if (lrs > 0).all():
                ax.set_xscale("log")
            ax.set_xticks(lrs, [f"{v:g}" for v in lrs])
            ax.xaxis.set_minor_locator(NullLocator())
            ax.set_ylim(-0.03 * units, 1.03 * units)
            ax.set_title(f"alive = {what}", color=PALETTE["text"], fontsize=10)
            _muted(ax, "Learning rate", f"Units alive after {result['steps']} steps" if ax is panels[0] else None)
        _legend(panels[2] if len(names) > 4 else panels[0], len(names), handles=handles)
        fig.suptitle(_cold_bias_title(result, "Recovery against the learning rate"), fontsize=11,
                     color=PALETTE["text"])
    return fig


def depth_sweep(result: dict, axes=None):
    """Test accuracy (left) and final training loss (right) against depth, per activation.

    Parameters
    ----------
    result : dict
        What :func:`swiftmoons.experiments.depth_sweep` returns.
    axes : array of matplotlib Axes, optional
        At least two Axes of one figure (the first two are used); default a
        new figure with two panels side by side.

    Returns
    -------
    matplotlib.figure.Figure
        Left, the test accuracy against the number of hidden layers (a tick
        at each depth), one line per activation; right, the last epoch's
        training loss; titled with the width, epochs and learning rate.

    Examples
    --------
    >>> from swiftmoons import experiments
    >>> result = experiments.depth_sweep(depths=(1, 2), activations=("sigmoid", "relu"), epochs=20)
    >>> fig = depth_sweep(result)
    >>> [ax.get_title() for ax in fig.axes]
    ['Test accuracy by depth', 'Final training loss by depth']
    >>> fig.get_suptitle()
    'Moons, hidden layers of 8 units, 20 epochs, lr 0.05, batch 64'
    >>> fig.axes[0].get_lines()[1].get_ydata().tolist()     # ReLU's accuracy at depths 1 and 2
    [0.78, 0.79]
    >>> fig.axes[0].get_xticks().tolist()
    [1, 2]
    """
    depths = np.asarray(result["depths"])
    names = list(result["accuracy"])
    with _style():
        fig, (left, right, *_), _ = _panels(axes, (1, 2), (14 if len(names) > 4 else 13, 5), need=2)
        series = _series(names)
        handles = _lines(left, depths, result["accuracy"], series, markers=True, lw=2)
        _lines(right, depths, result["loss"], series, markers=True, lw=2)
        left.set_title("Test accuracy by depth", color=PALETTE["text"], fontsize=12)
        right.set_title("Final training loss by depth", color=PALETTE["text"], fontsize=12)
        for ax, ylab in ((left, "Test accuracy"), (right, f"{LOSS_NAMES['sigmoid']} loss")):
            _muted(ax, "Hidden layers", ylab)
            _integer_ticks(ax, depths)
        _legend(right if len(names) > 4 else left, len(names), fontsize=10, handles=handles)
        if "width" in result:
            fig.suptitle(f"Moons, hidden layers of {result['width']} units, {result['epochs']} epochs, "
                         f"lr {result['lr']:g}, batch {result['batch_size']}", fontsize=12, color=PALETTE["text"])
    return fig


def digits_comparison(result: dict, axes=None):
    """Loss curves (left) and training time with test accuracy (right) on the 8x8 digits.

    Parameters
    ----------
    result : dict
        What :func:`swiftmoons.experiments.digits_comparison` returns:
        ``seconds``, ``accuracy`` and ``loss_history`` by activation label,
        ``epochs`` and, if given, ``hidden``.
    axes : array of matplotlib Axes, optional
        At least two Axes of one figure (the first two are used); default a
        new figure with two panels side by side.

    Returns
    -------
    matplotlib.figure.Figure
        Left, the cross-entropy per epoch, one line per activation; right,
        one horizontal bar per activation of the training time in
        milliseconds, labelled with the test accuracy, titled with the
        number of epochs.

    Examples
    --------
    A hand-made result of the same shape (the real one comes from
    ``experiments.digits_comparison()``):

    >>> result = {"seconds": {"sigmoid": 0.10, "relu": 0.09}, "accuracy": {"sigmoid": 0.86, "relu": 0.97},
    ...           "loss_history": {"sigmoid": [2.2, 1.9, 1.5], "relu": [1.7, 0.9, 0.6]}, "epochs": 3}
    >>> fig = digits_comparison(result)
    >>> fig.axes[1].get_title(), [text.get_text() for text in fig.axes[1].texts]
    ('Training time, 3 epochs', ['acc 86.0%', 'acc 97.0%'])
    """
    names = list(result["seconds"])
    with _style():
        fig, (left, right, *_), _ = _panels(axes, (1, 2), (13, max(5, 0.45 * len(names) + 1.5)), need=2)
        series = _series(names)
        for name, c, lab, dash in series:
            history = np.asarray(result["loss_history"][name])
            left.plot(np.arange(1, len(history) + 1), history, color=c, ls=dash, lw=2.5, label=lab)
        shape = "64-" + "-".join(str(h) for h in result["hidden"]) + "-10" if "hidden" in result else "softmax"
        left.set_title(f"Training loss on 8x8 digits ({shape}, 10 classes)", color=PALETTE["text"], fontsize=12)
        _muted(left, "Epoch", f"{LOSS_NAMES['softmax']} loss")
        left.xaxis.set_major_locator(MaxNLocator(integer=True))
        _legend(left, len(names))
        positions = np.arange(len(names))
        times = [result["seconds"][n] * 1000 for n in names]
        right.set_axisbelow(True)
        right.barh(positions, times, color=[c for _, c, _, _ in series], height=0.6)
        right.margins(y=0.5 / len(names) + 0.02)
        for y_at, name, t in zip(positions, names, times):
            right.annotate(f"acc {result['accuracy'][name]:.1%}", (t, y_at), xytext=(4, 0),
                           textcoords="offset points", va="center", fontsize=10)
        right.set_yticks(positions, [lab for _, _, lab, _ in series])
        right.invert_yaxis()
        right.set_xlim(0, max(times) * 1.3)
        right.set_title(f"Training time, {result['epochs']} epochs", color=PALETTE["text"], fontsize=12)
        _muted(right, "Milliseconds", None)
    return fig


def cnn_comparison(result: dict, axes=None):
    """Seed 004's experiment in three panels: loss, accuracy and time, per activation.

    Parameters
    ----------
    result : dict
        What :func:`swiftmoons.experiments.cnn_activation_comparison`
        returns (``history``, ``epoch_seconds``, ``epochs_to_target``,
        ``seconds_to_target``, ``target``, ``data``, ``n_train``, ``n_val``).
    axes : array of matplotlib Axes, optional
        At least three Axes of one figure; default a new figure with three
        panels side by side.

    Returns
    -------
    matplotlib.figure.Figure
        Left, training (solid) and validation (dashed) cross-entropy per
        epoch; middle, training and validation accuracy with the target as
        a dotted line; right, one bar per activation of the median seconds
        per epoch, labelled with the epochs and seconds to the target.

    Examples
    --------
    A hand-made result of the same shape (the real one comes from
    ``experiments.cnn_activation_comparison()``):

    >>> h = {"loss": [2.3, 2.2], "accuracy": [0.1, 0.2], "val_loss": [2.3, 2.1], "val_accuracy": [0.1, 0.3]}
    >>> result = {"history": {"sigmoid": h, "relu": h}, "epoch_seconds": {"sigmoid": 2.0, "relu": 1.0},
    ...           "epochs_to_target": {"sigmoid": None, "relu": 2}, "seconds_to_target": {"sigmoid": None, "relu": 2.0},
    ...           "target": 0.3, "data": "shapes", "n_train": 100, "n_val": 50}
    >>> fig = cnn_comparison(result)
    >>> [text.get_text() for text in fig.axes[2].texts]
    ['target never reached', '2 epochs to target = 2.0 s']
    """
    names = list(result["history"])
    with _style():
        fig, (left, middle, right, *_), _ = _panels(axes, (1, 3), (17, 5.2), need=3)
        series = _series(names)
        for name, c, lab, _ in series:
            h = result["history"][name]
            epochs = np.arange(1, len(h["loss"]) + 1)
            left.plot(epochs, h["loss"], color=c, lw=2.2, label=f"{lab} train")
            left.plot(epochs, h["val_loss"], color=c, lw=2.2, ls="--", label=f"{lab} validation")
            middle.plot(epochs, h["accuracy"], color=c, lw=2.2, label=f"{lab} train")
            middle.plot(epochs, h["val_accuracy"], color=c, lw=2.2, ls="--", label=f"{lab} validation")
        middle.axhline(result["target"], color=PALETTE["text"], lw=1, ls=":")
        middle.annotate(f"target {result['target']:.2f}", (0.5, result["target"]), xycoords=("axes fraction", "data"),
                        xytext=(0, -4), textcoords="offset points", ha="center", va="top", fontsize=9,
                        color=PALETTE["text"])
        where = f"{result['data']}, {result['n_train']} train / {result['n_val']} validation images"
        left.set_title(f"Cross-entropy ({where})", color=PALETTE["text"], fontsize=12)
        middle.set_title("Accuracy (dashed: validation)", color=PALETTE["text"], fontsize=12)
        _muted(left, "Epoch", "Loss")
        _muted(middle, "Epoch", "Accuracy")
        for ax in (left, middle):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        _legend(left, 2 * len(names), fontsize=9)
        middle.set_ylim(0, 1.02)
        positions = np.arange(len(names))
        times = [result["epoch_seconds"][n] for n in names]
        right.set_axisbelow(True)
        right.barh(positions, times, color=[c for _, c, _, _ in series], height=0.6)
        right.margins(y=0.5 / len(names) + 0.02)
        for y_at, name, t in zip(positions, names, times):
            reached, seconds = result["epochs_to_target"][name], result["seconds_to_target"][name]
            text = ("target never reached" if reached is None else
                    f"{reached} epoch{'s' if reached != 1 else ''} to target = {seconds:.1f} s")
            right.annotate(text, (t, y_at), xytext=(4, 0), textcoords="offset points", va="center", fontsize=10)
        right.set_yticks(positions, [lab for _, _, lab, _ in series])
        right.invert_yaxis()
        right.set_xlim(0, max(times) * 2.1)
        right.set_title("Seconds per epoch (median)", color=PALETTE["text"], fontsize=12)
        _muted(right, "Seconds", None)
    return fig


#: How :func:`audit_summary` draws each condition of the audit: colour, line style.
AUDIT_LINES = {
    "sigmoid": (ACTIVATION_COLOURS["sigmoid"], "-"),
    "relu": (ACTIVATION_COLOURS["relu"], "-"),
    "tanh": (ACTIVATION_COLOURS["tanh"], "-"),
    "sigmoid, lr 0.5": ("#9b1d20", "--"),
    "sigmoid, 5000 epochs": ("#e8871e", ":"),
    "sigmoid, He init": ("#d46a9f", "-."),
}
_AUDIT_PANELS = [("probe", "linear probe accuracy"), ("r2_own", "R² of its own boundary distance"),
                 ("r2_bayes", "R² of the Bayes log-odds"), ("saturation", "units at f' < 1% of its max (ReLU: off)"),
                 ("cka_to_input", "linear CKA with the input"), ("log10_stretch", "log10 largest Jacobian σ")]


def audit_summary(result, conditions=None, fig=None):
    """The audit in one figure: each geometry measure by layer, per condition, with bands over seeds.

    Six panels draw one line per condition through layers 0 (the input), 1
    and 2: the mean over all runs (the article's seed and the others), with a
    band from the 2.5% to the 97.5% quantile. The last panel shows each
    condition's test accuracy (mean and the same quantiles). Sigmoid's
    controls are drawn in warm colours of their own and broken lines.

    Parameters
    ----------
    result : swiftmoons.audit.AuditResult
        What :func:`swiftmoons.audit.audit` returns.
    conditions : str or sequence of str, optional
        Which conditions to draw, each one the audit ran (default: all of
        :data:`AUDIT_LINES` the audit ran).
    fig : matplotlib.figure.Figure, optional
        A figure to draw on (cleared first).

    Returns
    -------
    matplotlib.figure.Figure
        Six panels of the geometry by layer, the test accuracy (a dot at the
        mean, error bars to the quantiles; none when every run scored the
        same) and the legend.

    Raises
    ------
    TypeError
        For a ``result`` that is not an AuditResult, or a ``fig`` that is
        not a matplotlib Figure.
    ValueError
        For a condition the audit did not run.

    Examples
    --------
    >>> from swiftmoons import audit
    >>> fig = audit_summary(audit.audit(seeds=1, controls=False))
    >>> [ax.get_title() for ax in fig.axes][:2]
    ['linear probe accuracy', 'R² of its own boundary distance']
    """
    from .audit import AuditResult

    if not isinstance(result, AuditResult):
        raise TypeError(f"result must be a swiftmoons.audit.AuditResult (what audit.audit() returns), "
                        f"got {type(result).__name__}")
    if fig is not None and not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure or None, got {type(fig).__name__}")
    if conditions is None:
        names = [c for c in AUDIT_LINES if c in result.conditions]
        if not names:
            raise ValueError(f"None of {list(AUDIT_LINES)} was run; the audit ran {list(result.conditions)}: "
                             "name the conditions to draw")
    else:
        names = [conditions] if isinstance(conditions, str) else list(conditions)
        missing = [c for c in names if c not in result.conditions]
        if missing or not names:
            raise ValueError(f"conditions must name conditions the audit ran, {list(result.conditions)}; "
                             f"got {missing or names}")
    with _style():
        if fig is None:
            fig = _Figure(figsize=(15, 7.5))
        else:
            fig.clear()
        fig.patch.set_facecolor(PALETTE["bg"])
        axes = fig.subplots(2, 4)
        for ax, (key, title) in zip(axes.ravel(), _AUDIT_PANELS):
            ax.set_facecolor(PALETTE["panel"])
            for name in names:
                values = result.measure(name, key).astype(float)
                values[~np.isfinite(values)] = np.nan
                layers = np.arange(values.shape[1])
                col, style = AUDIT_LINES.get(name, (PALETTE["muted"], "-"))
                ax.plot(layers, np.nanmean(values, axis=0), color=col, ls=style, lw=2, marker="o", ms=4, label=name)
                lo, hi = np.nanquantile(values, [0.025, 0.975], axis=0)
                ax.fill_between(layers, lo, hi, color=col, alpha=0.12, lw=0)
            ax.set_xticks(layers, ["input"] + [str(k) for k in layers[1:]])
            ax.set_title(title, fontsize=10, color=PALETTE["text"])
            _muted(ax, xlabel="layer")
        ax = axes.ravel()[6]
        ax.set_facecolor(PALETTE["panel"])
        for i, name in enumerate(names):
            acc = result.measure(name, "test_accuracy")
            col, style = AUDIT_LINES.get(name, (PALETTE["muted"], "-"))
            mean = float(acc.mean())
            lo, hi = np.quantile(acc, [0.025, 0.975])
            # When every run scored the same, the mean can round just outside the quantiles.
            ax.errorbar(mean, i, xerr=[[max(mean - lo, 0.0)], [max(hi - mean, 0.0)]], fmt="o", color=col, capsize=3)
        ax.set_yticks(range(len(names)), names, fontsize=9)
        ax.invert_yaxis()
        ax.set_title("test accuracy", fontsize=10, color=PALETTE["text"])
        _muted(ax)
        legend_ax = axes.ravel()[7]
        legend_ax.axis("off")
        handles, labels = axes.ravel()[0].get_legend_handles_labels()
        legend_ax.legend(handles, labels, loc="center", frameon=False, fontsize=9,
                         title=f"mean, and 95% band\nover {len(result.runs)} runs")
        fig.suptitle("Does sigmoid lose the distance to the boundary layer by layer? The article's 2-8-8-1 "
                     "networks, measured", fontsize=12, color=PALETTE["text"])
        fig.tight_layout()
    return fig


__all__ = ["ACTIVATION_COLOURS", "AUDIT_LINES", "FIGURE_FILES", "LOSS_NAMES", "MAX_GRID_POINTS", "MAX_VALUE_LABELS",
           "PALETTE", "PLAYGROUND_CMAP", "STAGE_LABELS", "STYLE", "activation_curves", "article_figures",
           "audit_summary", "boundary_over_epochs", "cnn_comparison", "colour", "dataset", "dead_relu", "dead_relu_recovery",
           "decision_boundaries", "decision_boundary", "depth_sweep", "digits_comparison", "hidden_space", "label",
           "loss_bands", "loss_curves", "save_article_figures", "signal_trace", "unit_maps", "vanishing_gradients"]
