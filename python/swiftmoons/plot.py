"""`swiftmoons.plot`: the article's five figures (needs matplotlib: pip install swiftmoons[plot]).

Each function draws on the Axes it is given, or makes its own figure, and
returns the figure. Colours and labels follow the article: red for sigmoid,
blue for ReLU, orange and teal for the two classes.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import numpy as np

try:
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
except ImportError as exc:  # pragma: no cover - exercised only without matplotlib
    raise ImportError("swiftmoons.plot needs matplotlib: pip install 'swiftmoons[plot]'") from exc

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
#: Colours for activations the article does not draw.
_EXTRA_COLOURS = ["#8e44ad", "#27ae60", "#d35400", "#2c3e50", "#c0392b", "#16a085"]
_FIXED = {"tanh": "#8e44ad", "leaky_relu": "#27ae60", "gelu": "#d35400"}
_LABELS = {"sigmoid": "Sigmoid", "relu": "ReLU", "tanh": "Tanh", "gelu": "GELU", "leaky_relu": "Leaky ReLU"}

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

STAGE_LABELS = ["z₁ (pre)", "a₁ (post)", "z₂ (pre)", "a₂ (post)", "z₃ (out)"]


def colour(name: str, index: int = 0) -> str:
    """The article's colour for an activation, or a distinct one for others."""
    return PALETTE.get(name) or _FIXED.get(name) or _EXTRA_COLOURS[index % len(_EXTRA_COLOURS)]


def label(name: str) -> str:
    """The display name: "ReLU" for "relu", "Leaky ReLU(0.1)" for "leaky_relu(0.1)"."""
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


def _axes(ax, shape=None, figsize=(7, 5)):
    """The given axes and their figure, or a new figure with `shape` subplots;
    every panel gets the palette's panel colour."""
    if ax is None:
        fig, ax = plt.subplots(*(shape or (1, 1)), figsize=figsize)
        fig.patch.set_facecolor(PALETTE["bg"])
    for panel in np.ravel(ax):
        panel.set_facecolor(PALETTE["panel"])
    return np.ravel(ax)[0].figure, ax


def _classes(ax, X, y, size=40, alpha=0.9, linewidths=0.5):
    for cls in (0, 1):
        ax.scatter(X[y == cls, 0], X[y == cls, 1], c=PALETTE[f"class{cls}"], s=size, edgecolors="white",
                   linewidths=linewidths, alpha=alpha, label=f"Class {cls}")


def _muted(ax, xlabel=None, ylabel=None):
    if xlabel:
        ax.set_xlabel(xlabel, color=PALETTE["muted"])
    if ylabel:
        ax.set_ylabel(ylabel, color=PALETTE["muted"])
    ax.tick_params(colors=PALETTE["muted"])


def dataset(X, y, ax=None):
    """Figure 1: the moons, coloured by class."""
    with _style():
        fig, ax = _axes(ax)
        _classes(ax, np.asarray(X), np.asarray(y))
        ax.set_title("make_moons -- our dataset", color=PALETTE["text"], fontsize=13)
        _muted(ax, "x₁", "x₂")
        ax.legend(fontsize=10)
        fig.tight_layout()
    return fig


def loss_curves(loss_history: dict, ax=None):
    """Figure 2: training loss per epoch for each activation, final values annotated."""
    with _style():
        fig, ax = _axes(ax, figsize=(10, 5))
        for i, (name, history) in enumerate(loss_history.items()):
            history = np.asarray(history)
            c = colour(name, i)
            ax.plot(history, color=c, lw=2.5, label=label(name))
            ax.annotate(f"  final: {history[-1]:.4f}", xy=(len(history) - 1, history[-1]), color=c, fontsize=9,
                        va="bottom" if i % 2 == 0 else "top")
        ax.set_title("Training Loss -- same architecture, same init, same LR\nonly the activation differs",
                     color=PALETTE["text"], fontsize=12)
        _muted(ax, "Epoch", "Binary Cross-Entropy Loss")
        ax.legend(fontsize=11)
        fig.tight_layout()
    return fig


def decision_boundary(net, X, y, ax=None, title=None, step=0.025, name=None, index=0):
    """The output's 0.5 contour over a grid around X (computed in Swift), with
    the points and the test accuracy in the title."""
    X, y = np.asarray(X), np.asarray(y)
    name = name or getattr(net, "activation", "")
    c = colour(name, index)
    with _style():
        fig, ax = _axes(ax)
        x0, x1 = X[:, 0].min() - 0.5, X[:, 0].max() + 0.5
        y0, y1 = X[:, 1].min() - 0.5, X[:, 1].max() + 0.5
        xx, yy = np.meshgrid(np.arange(x0, x1, step), np.arange(y0, y1, step))
        Z = net.forward(np.c_[xx.ravel(), yy.ravel()]).reshape(xx.shape)
        ax.contourf(xx, yy, Z, levels=50, cmap=ListedColormap(["#fde8c8", "#c8ece9"]), alpha=0.85)
        ax.contour(xx, yy, Z, levels=[0.5], colors=[c], linewidths=2)
        _classes(ax, X, y, size=35, linewidths=0.4)
        accuracy = float(((net.forward(X) >= 0.5).ravel() == y).mean())
        ax.set_title(f"{title or label(name)}\nTest acc: {accuracy:.1%}", color=c, fontsize=12)
        _muted(ax, "x₁", "x₂")
    return fig


def decision_boundaries(nets: dict, X_test, y_test, axes=None):
    """Figure 3: one decision-boundary panel per network."""
    with _style():
        fig, axes = _axes(axes, (1, len(nets)), figsize=(6.5 * len(nets), 5.5))
        for i, (ax, (name, net)) in enumerate(zip(np.ravel(axes), nets.items())):
            decision_boundary(net, X_test, y_test, ax=ax, name=name, index=i)
        fig.suptitle("Decision Boundaries learned on make_moons", fontsize=13, color=PALETTE["text"])
        fig.tight_layout()
    return fig


def signal_trace(traces: dict, axes=None, titles=("Class 0 sample (deep in its moon)",
                                                  "Class 1 sample (deep in its moon)")):
    """Figure 4: mean |z| and |a| layer by layer for the two far samples.

    ``traces`` maps an activation to an array (samples, stages), as
    ``ArticleResult.traces``.
    """
    markers = ["o-", "s-", "^-", "D-", "v-", "P-"]
    with _style():
        first = np.asarray(next(iter(traces.values())))
        fig, axes = _axes(axes, (1, first.shape[0]), figsize=(6.5 * first.shape[0], 5.5))
        stages = first.shape[1]
        labels = STAGE_LABELS if stages == len(STAGE_LABELS) else [
            f"{'z' if s % 2 == 0 else 'a'}{s // 2 + 1}" for s in range(stages)]
        x = np.arange(stages)
        for row, ax in enumerate(np.ravel(axes)):
            for i, (name, trace) in enumerate(traces.items()):
                values = np.asarray(trace)[row]
                c = colour(name, i)
                ax.plot(x, values, markers[i % len(markers)], color=c, lw=2.5, markersize=8, label=label(name))
                # Labels below the first curve's markers and above the others'.
                dy = -14 if i == 0 else 7 + 10 * (i - 1)
                for xi, v in zip(x, values):
                    ax.annotate(f"{v:.3f}", (xi, v), xytext=(0, dy), textcoords="offset points",
                                ha="center", fontsize=8, color=c)
            ax.set_xticks(x)
            ax.set_xticklabels(labels, color=PALETTE["muted"], fontsize=9)
            _muted(ax, None, "Mean |activation|")
            ax.set_title(titles[row] if row < len(titles) else f"Sample {row}", color=PALETTE["text"], fontsize=11)
            ax.legend(fontsize=10)
        fig.suptitle("Layer-by-layer signal magnitude -- a point far from the boundary",
                     fontsize=12, color=PALETTE["text"])
        fig.tight_layout()
    return fig


def hidden_space(nets: dict, X_test, y_test, axes=None, layers=(1, 2)):
    """Figure 5: the first two units of each hidden layer (rows) per network
    (columns), coloured by class, with the layer's std."""
    X_test, y_test = np.asarray(X_test), np.asarray(y_test)
    with _style():
        fig, axes = _axes(axes, (len(layers), len(nets)), figsize=(6.5 * len(nets), 5 * len(layers)))
        grid = np.asarray(axes).reshape(len(layers), len(nets))
        for col, (name, net) in enumerate(nets.items()):
            c = colour(name, col)
            for row, layer in enumerate(layers):
                ax = grid[row, col]
                H = net.get_hidden(X_test, layer=layer)
                _classes(ax, H, y_test, alpha=0.85, linewidths=0.4)
                ax.text(0.04, 0.96, f"std: {H.std():.4f}", transform=ax.transAxes, fontsize=9, va="top",
                        color=PALETTE["text"], bbox=dict(boxstyle="round,pad=0.3", fc="white", ec=c, alpha=0.85))
                ax.set_title(f"{label(name)}  --  Layer {layer} hidden space", color=c, fontsize=11)
                _muted(ax, "Unit 1", "Unit 2")
                if row == 0 and col == 0:
                    ax.legend(fontsize=9)
        fig.suptitle("Hidden-space representations on make_moons test set", fontsize=13, color=PALETTE["text"])
        fig.tight_layout()
    return fig


#: File names of the article's figures, in order.
FIGURE_FILES = ("moons_dataset.png", "loss_curves.png", "decision_boundaries.png",
                "signal_trace.png", "hidden_space.png")


def article_figures(result) -> dict:
    """All five figures of an ``article.run()`` result, by file name."""
    return dict(zip(FIGURE_FILES, (
        dataset(result.X, result.y),
        loss_curves(result.loss_history),
        decision_boundaries(result.nets, result.X_test, result.y_test),
        signal_trace(result.traces),
        hidden_space(result.nets, result.X_test, result.y_test),
    )))


def save_article_figures(result, out_dir, dpi=140) -> list:
    """Write the five figures as PNG into ``out_dir``; returns their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, fig in article_figures(result).items():
        path = out / name
        fig.savefig(path, dpi=dpi, bbox_inches="tight")
        plt.close(fig)
        paths.append(path)
    return paths


# ---- the lessons' experiments (swiftmoons.experiments) -------------------------------

def _series(names):
    """(name, colour, label) for each series in order."""
    return [(n, colour(n.split("(")[0], i), label(n)) for i, n in enumerate(names)]


def activation_curves(curves: dict, axes=None):
    """Activations (left) and their derivatives (right), from ``experiments.activation_curves``."""
    x = curves["x"]
    names = [k for k in curves if k != "x"]
    with _style():
        fig, axes = _axes(axes, (1, 2), figsize=(13, 5))
        left, right = np.ravel(axes)[:2]
        for name, c, lab in _series(names):
            left.plot(x, curves[name]["value"], color=c, lw=2.2, label=lab)
            right.plot(x, curves[name]["derivative"], color=c, lw=2.2, label=lab)
        right.axhline(0.25, color=PALETTE["muted"], lw=1, ls="--")
        right.annotate("σ'(0) = 0.25", xy=(x[0], 0.25), xytext=(4, 4), textcoords="offset points",
                       color=PALETTE["muted"], fontsize=9)
        left.set_title("Activations", color=PALETTE["text"], fontsize=12)
        right.set_title("Derivatives: the multiplier backprop applies", color=PALETTE["text"], fontsize=12)
        for ax, ylab in ((left, "f(x)"), (right, "f'(x)")):
            _muted(ax, "x", ylab)
            ax.legend(fontsize=9)
        fig.tight_layout()
    return fig


def vanishing_gradients(result: dict, ax=None):
    """Per-layer weight-gradient norms (log scale) of deep networks, with the 0.25-per-layer bound."""
    layers = result["layers"]
    with _style():
        fig, ax = _axes(ax, figsize=(10, 5))
        for name, c, lab in _series(list(result["norms"])):
            ax.semilogy(layers, result["norms"][name], "o-", color=c, lw=2, markersize=5, label=lab)
        # The bound, anchored at the sigmoid network's output layer if present.
        anchor = result["norms"].get("sigmoid", next(iter(result["norms"].values())))[-1]
        ax.semilogy(layers, anchor * result["bound"], "--", color=PALETTE["muted"], lw=1.5,
                    label="0.25 per layer (sigmoid's bound)")
        ax.set_title(f"Vanishing gradients: {result['depth']} hidden layers, one batch of moons",
                     color=PALETTE["text"], fontsize=12)
        _muted(ax, "Layer (1 = input side)", "‖dLoss/dW‖")
        ax.legend(fontsize=10)
        fig.tight_layout()
    return fig


def dead_relu(result: dict, ax=None):
    """Alive units against training step for ReLU and Leaky ReLU under a cold bias."""
    with _style():
        fig, ax = _axes(ax, figsize=(10, 5))
        for name, c, lab in _series(list(result["alive"])):
            ax.plot(result["steps"], result["alive"][name], color=c, lw=2.5, label=lab)
        ax.set_ylim(-3, result["units"] + 3)
        ax.set_title(f"Dead ReLUs: {result['units']} units, bias -3, inputs of std 0.1",
                     color=PALETTE["text"], fontsize=12)
        _muted(ax, "Training step", "Units alive (fire on some example)")
        ax.legend(fontsize=10)
        fig.tight_layout()
    return fig


def depth_sweep(result: dict, axes=None):
    """Test accuracy (left) and final training loss (right) against depth, per activation."""
    depths = result["depths"]
    with _style():
        fig, axes = _axes(axes, (1, 2), figsize=(13, 5))
        left, right = np.ravel(axes)[:2]
        for name, c, lab in _series(list(result["accuracy"])):
            left.plot(depths, result["accuracy"][name], "o-", color=c, lw=2, label=lab)
            right.plot(depths, result["loss"][name], "o-", color=c, lw=2, label=lab)
        left.set_title("Test accuracy by depth (moons)", color=PALETTE["text"], fontsize=12)
        right.set_title("Final training loss by depth", color=PALETTE["text"], fontsize=12)
        for ax, ylab in ((left, "Test accuracy"), (right, "Loss")):
            _muted(ax, "Hidden layers", ylab)
            ax.legend(fontsize=9)
        fig.tight_layout()
    return fig


def digits_comparison(result: dict, axes=None):
    """Loss curves (left) and training time with test accuracy (right) on the 8x8 digits."""
    names = list(result["seconds"])
    with _style():
        fig, axes = _axes(axes, (1, 2), figsize=(13, 5))
        left, right = np.ravel(axes)[:2]
        series = _series(names)
        for name, c, lab in series:
            left.plot(result["loss_history"][name], color=c, lw=2.5, label=lab)
        left.set_title("Training loss on 8x8 digits (softmax, 10 classes)", color=PALETTE["text"], fontsize=12)
        _muted(left, "Epoch", "Cross-entropy")
        left.legend(fontsize=10)
        positions = np.arange(len(names))
        bars = right.bar(positions, [result["seconds"][n] * 1000 for n in names], color=[c for _, c, _ in series])
        for bar, name in zip(bars, names):
            right.annotate(f"acc {result['accuracy'][name]:.1%}", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                           xytext=(0, 4), textcoords="offset points", ha="center", fontsize=10)
        right.set_xticks(positions)
        right.set_xticklabels([lab for _, _, lab in series])
        right.set_title(f"Training time, {result['epochs']} epochs", color=PALETTE["text"], fontsize=12)
        _muted(right, None, "Milliseconds")
        fig.tight_layout()
    return fig
