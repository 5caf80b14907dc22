"""The figures hold up: distinct and stable colours, wrapping grids, labels that do not
overlap, shared scales, titles from the settings, integer ticks, softmax boundaries,
and no figure left with pyplot (so Jupyter shows each once)."""

import io
import itertools

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib", reason="the plot extra (make test installs it)")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_hex, to_rgb  # noqa: E402

import swiftmoons as sm  # noqa: E402
from swiftmoons import activations, article, experiments, plot  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
#: Every activation once ("silu" is swish).
ELEVEN = [name for name in activations.NAMES if name != "silu"]


def lab(hex_colour):
    """CIE L*a*b* (D65) of an sRGB colour."""
    rgb = np.array(to_rgb(hex_colour))
    rgb = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ rgb
    xyz /= np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


@pytest.fixture(scope="module")
def run3():
    result = article.run(epochs=60, activations=["sigmoid", "relu", "tanh"])
    yield result
    result.close()


@pytest.fixture(autouse=True)
def no_pyplot_figures_left():
    plt.close("all")
    yield
    # Every figure a plot function makes is outside pyplot: nothing to close,
    # and Jupyter cannot show it a second time at the end of the cell.
    assert plt.get_fignums() == []


def untrained(names):
    return {name: sm.TwoLayerNet(name, seed=0) for name in names}


# ---- colours --------------------------------------------------------------------------

def test_every_activation_has_a_colour_of_its_own_far_from_the_others_and_the_classes():
    colours = {name: plot.colour(name) for name in ELEVEN}
    assert len(set(colours.values())) == len(ELEVEN)
    assert colours["sigmoid"] == "#e05c5c" and colours["relu"] == "#3a7bd5"       # the article's
    assert plot.colour("silu") == colours["swish"]
    assert plot.colour("leaky_relu(0.1)") == colours["leaky_relu"]
    # Perceptually apart (CIE76 distance): from each other and from the class colours
    # the boundaries are drawn over.
    others = list(colours.values()) + [plot.PALETTE["class0"], plot.PALETTE["class1"]]
    closest = min(np.linalg.norm(lab(a) - lab(b)) for a, b in itertools.combinations(others, 2))
    assert closest > 20, closest
    # The position of a series never changes an activation's colour.
    assert all(plot.colour(name, index=i) == colours[name] for i, name in enumerate(reversed(ELEVEN)))
    # The audit's lines follow the same rule.
    for name in ("sigmoid", "relu", "tanh"):
        assert plot.AUDIT_LINES[name][0] == colours[name]


def test_an_activation_has_the_same_colour_in_every_figure_whatever_its_position(run3):
    r = run3
    expected = {plot.label(name): plot.colour(name) for name in r.nets}
    reordered = {name: r.loss_history[name] for name in ("tanh", "relu", "sigmoid")}
    for history in (r.loss_history, reordered):
        fig = plot.loss_curves(history)
        assert {line.get_label(): to_hex(line.get_color()) for line in fig.axes[0].get_lines()} == expected
    fig = plot.decision_boundaries({name: r.nets[name] for name in ("tanh", "sigmoid", "relu")}, r.X_test, r.y_test)
    for ax in fig.axes:
        name = ax.get_title().split("\n")[0]
        assert to_hex(ax.title.get_color()) == expected[name]
    fig = plot.signal_trace({name: r.traces[name] for name in ("relu", "tanh", "sigmoid")})
    assert {line.get_label(): to_hex(line.get_color()) for line in fig.axes[0].get_lines()} == expected


def test_two_series_of_one_activation_keep_its_colour_and_differ_in_style():
    curves = experiments.activation_curves([("leaky_relu", 0.01), ("leaky_relu", 0.3)])
    lines = plot.activation_curves(curves).axes[0].get_lines()
    assert to_hex(lines[0].get_color()) == to_hex(lines[1].get_color()) == plot.colour("leaky_relu")
    assert lines[0].get_linestyle() != lines[1].get_linestyle()


# ---- layout ----------------------------------------------------------------------------

def rows_and_columns(axes):
    lefts = {round(ax.get_position().x0, 3) for ax in axes}
    bottoms = {round(ax.get_position().y0, 3) for ax in axes}
    return len(bottoms), len(lefts)


def test_grids_wrap_for_eleven_activations():
    nets = untrained(ELEVEN)
    X, y = sm.make_moons(60, noise=0.1, random_state=0)
    try:
        fig = plot.decision_boundaries(nets, X, y)
        fig.draw_without_rendering()
        assert len(fig.axes) == len(ELEVEN)
        rows, cols = rows_and_columns(fig.axes)
        assert cols <= 4 and rows >= 3
        assert fig.get_size_inches()[0] <= 20
        # x labels on the lowest panel of each column, y labels on the first column only.
        assert sum(ax.get_xlabel() == "x₁" for ax in fig.axes) == cols
        assert sum(ax.get_ylabel() == "x₂" for ax in fig.axes) == rows
        fig = plot.hidden_space(nets, X, y)
        fig.draw_without_rendering()
        assert len(fig.axes) == 22                              # 11 networks x 2 layers
        rows, cols = rows_and_columns(fig.axes)
        assert cols <= 4 and rows >= 6
        assert fig.get_size_inches()[0] <= 20
    finally:
        for net in nets.values():
            net.close()


def test_hidden_space_shows_every_unit_on_one_shared_scale(run3):
    r = run3
    fig = plot.hidden_space(r.nets, r.X_test, r.y_test)
    assert len(fig.axes) == 6
    limits = {ax.get_ylim() for ax in fig.axes}
    assert len(limits) == 1                                     # shared: sigmoid's (0, 1) band shows as narrow
    low, high = limits.pop()
    for ax, (name, layer) in zip(fig.axes, [("sigmoid", 1), ("relu", 1), ("tanh", 1),
                                            ("sigmoid", 2), ("relu", 2), ("tanh", 2)]):
        assert ax.get_title() == f"{plot.label(name)} -- layer {layer}"
        H = r.nets[name].get_hidden(r.X_test, layer)
        drawn = np.concatenate([c.get_offsets() for c in ax.collections])
        assert len(drawn) == H.size                              # every unit of every point, not units 1-2
        assert sorted(np.unique(np.round(drawn[:, 0])).astype(int)) == list(range(1, 9))
        assert np.allclose(np.sort(drawn[:, 1]), np.sort(H.ravel()))
        assert low <= H.min() and H.max() <= high
        assert ax.texts[0].get_text() == f"std: {H.std():.4f}"
    sigmoid, relu = fig.axes[3], fig.axes[4]
    spread = [np.ptp(np.concatenate([c.get_offsets() for c in ax.collections])[:, 1]) for ax in (sigmoid, relu)]
    assert spread[0] < 1 < spread[1]


# ---- value labels ----------------------------------------------------------------------

def renderer_of(fig):
    """The figure drawn in full (as savefig draws it), and the renderer that drew it."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def overlaps(texts, renderer):
    boxes = [t.get_window_extent(renderer) for t in texts]
    return [(a.get_text(), b.get_text()) for (a, p), (b, q) in itertools.combinations(zip(texts, boxes), 2)
            if p.overlaps(q)]


def test_value_labels_never_overlap_and_are_dropped_past_three_series():
    base = np.array([[2.0, 0.5, 1.0, 0.6, 9.0], [2.1, 0.6, 1.1, 0.5, 20.0]])
    traces = {"sigmoid": base, "relu": base + 0.01, "tanh": base - 0.01}     # nearly equal everywhere
    fig = plot.signal_trace(traces)
    renderer = renderer_of(fig)
    for ax in fig.axes:
        assert len(ax.texts) == 15
        assert overlaps(list(ax.texts), renderer) == []
        # Inside the panel.
        panel = ax.get_window_extent(renderer)
        for t in ax.texts:
            box = t.get_window_extent(renderer)
            assert panel.y0 - 1 <= box.y0 and box.y1 <= panel.y1 + 1
    traces["gelu"] = base * 1.1
    fig = plot.signal_trace(traces)
    assert all(len(ax.texts) == 0 for ax in fig.axes)
    assert len(plot.signal_trace(traces, values=True).axes[0].texts) == 20

    history = {"sigmoid": np.linspace(0.7, 0.300, 50), "relu": np.linspace(0.7, 0.301, 50),
               "tanh": np.linspace(0.7, 0.302, 50)}
    fig = plot.loss_curves(history)
    assert len(fig.axes[0].texts) == 3
    assert overlaps(list(fig.axes[0].texts), renderer_of(fig)) == []
    history["elu"] = np.linspace(0.7, 0.2, 50)
    fig = plot.loss_curves(history)
    assert len(fig.axes[0].texts) == 0
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend[0] == "Sigmoid: final 0.3000" and legend[3] == "ELU: final 0.2000"


# ---- titles and labels from the settings -----------------------------------------------

def test_titles_and_labels_come_from_the_settings(run3):
    r = run3
    dead = experiments.dead_relu(units=32, bias=-2.0, input_std=0.3, steps=5, lr=3.0, batch_size=16)
    title = plot.dead_relu(dead).get_suptitle()
    assert "32 hidden units" in title and "at -2" in title and "std 0.3" in title and "lr 3" in title
    assert "batch of 16" in title
    recovery = experiments.dead_relu_recovery(lrs=(0.1, 1.0), units=16, bias=-4.0, input_std=0.2, steps=3)
    title = plot.dead_relu_recovery(recovery).get_suptitle()
    assert "16 hidden units" in title and "at -4" in title and "std 0.2" in title
    assert plot.dead_relu_recovery(recovery).axes[0].get_ylabel() == "Units alive after 3 steps"
    vanishing = experiments.vanishing_gradients(depth=3, width=5, batch_size=20)
    assert plot.vanishing_gradients(vanishing).axes[0].get_title() == \
        "Vanishing gradients: 3 hidden layers of 5, one batch of 20 moons points"
    sweep = experiments.depth_sweep(depths=(1, 2), activations=("relu",), width=4, epochs=3, lr=0.2)
    assert plot.depth_sweep(sweep).get_suptitle() == "Moons, hidden layers of 4 units, 3 epochs, lr 0.2, batch 64"
    assert plot.loss_curves(r.loss_history).axes[0].get_ylabel() == "Binary cross-entropy loss"
    assert plot.loss_curves(r.loss_history, output="softmax").axes[0].get_ylabel() == "Cross-entropy loss"
    assert plot.loss_curves(r.loss_history, output="identity").axes[0].get_ylabel() == "Mean squared error loss"
    with pytest.raises(ValueError, match="output"):
        plot.loss_curves(r.loss_history, output="hinge")
    net = r.nets["relu"]
    train = plot.decision_boundary(net, r.X_train, r.y_train, data="train").axes[0].get_title()
    accuracy = float((net.predict(r.X_train).ravel() == r.y_train).mean())
    assert train == f"ReLU\nTrain acc: {accuracy:.1%}"
    assert plot.decision_boundary(net, r.X_test, r.y_test, data=None).axes[0].get_title().endswith(
        f"Accuracy: {r.test_accuracy['relu']:.1%}")
    X, y = sm.make_moons(50, noise=0.1, random_state=3)
    assert plot.dataset(X, y).axes[0].get_title() == "50 points, 2 classes"
    assert plot.decision_boundaries(r.nets, X, y, data=None).get_suptitle() == "Decision boundaries (50 points)"
    figures = plot.article_figures(r)
    assert "make_moons(400, noise=0.18, random_state=42)" in figures["moons_dataset.png"].axes[0].get_title()
    assert "60 epochs" in figures["loss_curves.png"].axes[0].get_title()


def test_sigmoid_bound_is_marked_only_when_sigmoid_is_drawn():
    with_sigmoid = plot.activation_curves(experiments.activation_curves(["sigmoid", "relu"]))
    assert [t.get_text() for t in with_sigmoid.axes[1].texts] == ["σ'(0) = 0.25"]
    assert any(np.allclose(line.get_ydata(), 0.25) for line in with_sigmoid.axes[1].get_lines())
    without = plot.activation_curves(experiments.activation_curves(["relu", "gelu"]))
    assert len(without.axes[1].texts) == 0
    assert not any(np.allclose(line.get_ydata(), 0.25) for line in without.axes[1].get_lines())


# ---- ticks -----------------------------------------------------------------------------

def tick_values(ax):
    ax.figure.draw_without_rendering()
    low, high = ax.get_xlim()
    return [t for t in ax.get_xticks() if low <= t <= high]


def test_layer_and_depth_ticks_are_integers():
    fig = plot.vanishing_gradients(experiments.vanishing_gradients(depth=30))
    ticks = tick_values(fig.axes[0])
    assert all(float(t).is_integer() for t in ticks) and len(ticks) >= 5
    assert fig.axes[0].xaxis.get_minorticklocs().size == 0
    fig = plot.vanishing_gradients(experiments.vanishing_gradients(depth=4))
    assert tick_values(fig.axes[0]) == [1, 2, 3, 4, 5]
    sweep = experiments.depth_sweep(depths=(1, 3, 7), activations=("relu",), epochs=2)
    fig = plot.depth_sweep(sweep)
    for ax in fig.axes[:2]:
        assert tick_values(ax) == [1, 3, 7]
        assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "3", "7"]
    fig = plot.hidden_space(untrained(["relu"]), *sm.make_moons(20, random_state=0))
    assert tick_values(fig.axes[0]) == list(range(1, 9))


# ---- softmax networks ------------------------------------------------------------------

def test_decision_boundary_draws_softmax_networks_of_two_and_three_classes():
    X, y = sm.make_moons(200, noise=0.15, random_state=0)
    X = sm.standardize(X)
    with sm.MLP((2, 16, 2), activation="relu", output="softmax", seed=0) as net:
        net.fit(X, y, epochs=100, lr=0.2, rng=0)
        fig = plot.decision_boundary(net, X, y)
        expected = float((net.forward(X).argmax(axis=1) == y).mean())
        assert fig.axes[0].get_title() == f"ReLU\nTest acc: {expected:.1%}"
        assert expected > 0.8
        assert any(to_hex(c.get_edgecolor()[0]) == plot.colour("relu") for c in fig.axes[0].collections
                   if hasattr(c, "get_edgecolor") and len(c.get_edgecolor()))
    y3 = np.repeat([0, 1, 2], 30)
    X3 = np.random.default_rng(1).normal(size=(90, 2)) * 0.4 + np.array([[2, 0], [0, 2], [-2, 0]])[y3]
    with sm.MLP((2, 8, 3), activation="gelu", output="softmax", seed=0) as net:
        net.fit(X3, y3, epochs=60, lr=0.1, rng=0)
        fig = plot.decision_boundary(net, X3, y3, data=None)
        expected = float((net.forward(X3).argmax(axis=1) == y3).mean())
        assert fig.axes[0].get_title() == f"GELU\nAccuracy: {expected:.1%}"
        assert [c.get_label() for c in fig.axes[0].collections if c.get_label().startswith("Class")] == \
            ["Class 0", "Class 1", "Class 2"]


# ---- figures outside pyplot, drawn once -----------------------------------------------

def test_every_figure_is_outside_pyplot_renders_and_has_a_png_repr(run3):
    r = run3
    figures = list(plot.article_figures(r).values())
    figures += [plot.unit_maps(r.nets["relu"], r.X_test),
                plot.activation_curves(experiments.activation_curves()),
                plot.dead_relu(experiments.dead_relu(steps=3)),
                plot.dead_relu_recovery(experiments.dead_relu_recovery(lrs=(1.0,), steps=2)),
                plot.loss_bands(experiments.loss_bands(sm.sweep(range(2), ["relu"], epochs=5)))]
    assert plt.get_fignums() == []
    for fig in figures:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=30)
        assert buffer.getvalue()[:8] == PNG_MAGIC
        assert fig._repr_png_()[:8] == PNG_MAGIC               # what IPython shows without the inline backend


def test_given_axes_are_drawn_on_and_their_pyplot_figure_is_left_open(run3):
    fig, axes = plt.subplots(1, 3)
    try:
        assert plot.decision_boundaries(run3.nets, run3.X_test, run3.y_test, axes=axes) is fig
        assert plot.loss_curves(run3.loss_history, ax=axes[0]) is fig
        assert plt.get_fignums() == [fig.number]
        with pytest.raises(ValueError, match="needs 3 Axes"):
            plot.decision_boundaries(run3.nets, run3.X_test, run3.y_test, axes=axes[:2])
    finally:
        plt.close(fig)


# ---- the new figures -------------------------------------------------------------------

def test_loss_bands_draw_the_median_over_its_band():
    sweep = sm.sweep(range(4), ["sigmoid", "relu"], epochs=30)
    bands = experiments.loss_bands(sweep, band=0.5)
    fig = plot.loss_bands(bands)
    ax = fig.axes[0]
    lines = ax.get_lines()
    assert [line.get_label().split(":")[0] for line in lines] == ["Sigmoid", "ReLU"]
    assert np.array_equal(lines[1].get_ydata(), np.median(sweep["loss_history"][:, 1], axis=0))
    assert len(ax.collections) == 2                               # one band each
    assert ax.get_title() == "Training loss over 4 network seeds: median and 50% band"


def test_boundary_over_epochs_redraws_the_recorded_networks():
    snaps = experiments.training_snapshots(["sigmoid", "relu"], every=50, epochs=200)
    fig = plot.boundary_over_epochs(snaps, panels=3, step=0.1)
    assert len(fig.axes) == 6
    assert [ax.get_title() for ax in fig.axes[:3]] == ["epoch 0", "epoch 100", "epoch 200"]
    assert fig.axes[0].get_ylabel() == "Sigmoid" and fig.axes[3].get_ylabel() == "ReLU"
    for row, name in enumerate(("sigmoid", "relu")):
        shown = [ax.texts[0].get_text() for ax in fig.axes[3 * row:3 * row + 3]]
        assert shown == [f"{a:.0%}" for a in snaps["test_accuracy"][name][[0, 2, 4]]]
    assert len(plot.boundary_over_epochs(snaps, panels=10, step=0.2).axes) == 10     # every record
    with pytest.raises(ValueError):
        plot.boundary_over_epochs(snaps, data="validation")


def test_unit_maps_draw_every_unit_over_the_plane(run3):
    net = run3.nets["tanh"]
    fig = plot.unit_maps({"tanh": net}, run3.X_test, resolution=20)
    maps = [ax for ax in fig.axes if ax.images]
    assert len(maps) == 16                                           # 8 units x 2 layers
    X = run3.X_test
    xs = np.linspace(X[:, 0].min() - 0.5, X[:, 0].max() + 0.5, 20)
    ys = np.linspace(X[:, 1].min() - 0.5, X[:, 1].max() + 0.5, 20)
    xx, yy = np.meshgrid(xs, ys)
    expected = net.get_hidden(np.c_[xx.ravel(), yy.ravel()], 2).reshape(20, 20, 8)
    image = maps[8 + 3].images[0]                                   # layer 2, unit 4
    assert np.allclose(image.get_array(), expected[:, :, 3])
    low, high = image.get_clim()
    assert low == -high == -np.abs(expected).max()                   # one symmetric scale per layer
    assert maps[0].get_ylabel() == "Tanh\nlayer 1" and maps[8].get_ylabel() == "Tanh\nlayer 2"
    wide = sm.MLP((2, 12, 1), activation="relu", seed=0)
    fig = plot.unit_maps(wide, X, max_cols=8, resolution=10)
    assert len([ax for ax in fig.axes if ax.images]) == 12
    assert rows_and_columns([ax for ax in fig.axes if ax.images]) == (2, 8)
    with pytest.raises(ValueError, match="layer 3"):
        plot.unit_maps(wide, X, layers=[3])
    wide.close()


# ---- a user's mistake gets a clear error, never a wrong figure ---------------------------

@pytest.fixture(scope="module")
def moons():
    return sm.make_moons(100, noise=0.1, random_state=0)


@pytest.fixture
def relu_net():
    with sm.MLP((2, 8, 1), activation="relu", seed=0) as net:
        yield net


def test_labels_must_be_one_per_point(moons, relu_net):
    X, y = moons
    with pytest.raises(ValueError, match="y has 99 labels but X has 100 points"):
        plot.decision_boundary(relu_net, X, y[:-1])
    with pytest.raises(ValueError, match="y_test has 99 labels but X_test has 100 points"):
        plot.decision_boundaries({"relu": relu_net}, X, y[:-1])
    with pytest.raises(ValueError, match="y has 101 labels"):
        plot.dataset(X, np.r_[y, 0])
    with pytest.raises(ValueError, match="y has 99 labels"):
        plot.unit_maps(relu_net, X, y[:-1], resolution=5)
    with pytest.raises(ValueError, match="y_test has 99 labels"):
        plot.hidden_space({"relu": sm.TwoLayerNet("relu", seed=0)}, X, y[:-1])
    with pytest.raises(ValueError, match=r"shape \(n,\)"):
        plot.dataset(X, np.c_[y, y])


def test_points_must_be_finite_and_the_first_bad_row_is_named(moons, relu_net):
    X, y = moons
    bad = X.copy()
    bad[5, 1] = np.nan
    bad[7, 0] = np.inf
    for draw in (lambda: plot.decision_boundary(relu_net, bad, y), lambda: plot.unit_maps(relu_net, bad, y),
                 lambda: plot.dataset(bad, y), lambda: plot.decision_boundaries(relu_net, bad, y)):
        with pytest.raises(ValueError, match=r"must be finite: row 5 is \[.*nan\] \(2 rows hold NaN or inf\)"):
            draw()


def test_the_grid_step_must_be_positive_and_the_grid_must_fit(moons, relu_net):
    X, y = moons
    for step in (0, -0.1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="step must be a finite number > 0"):
            plot.decision_boundary(relu_net, X, y, step=step)
    with pytest.raises(TypeError, match="step must be a real number"):
        plot.decision_boundary(relu_net, X, y, step="0.1")
    with pytest.raises(ValueError, match="MAX_GRID_POINTS") as error:
        plot.decision_boundary(relu_net, X, y, step=1e-5)            # would be 1.1 TiB
    message = str(error.value)
    assert "step=1e-05 would make a grid of 416,116 x 275,258 points" in message
    fits = float(message.rpartition("step=")[2].split()[0])
    x0, x1, y0, y1 = X[:, 0].min() - 0.5, X[:, 0].max() + 0.5, X[:, 1].min() - 0.5, X[:, 1].max() + 0.5
    points = len(np.arange(x0, x1, fits)) * len(np.arange(y0, y1, fits))
    assert plot.MAX_GRID_POINTS / 2 < points <= plot.MAX_GRID_POINTS      # the step given fits, and is not far off
    with pytest.raises(ValueError, match="MAX_GRID_POINTS"):
        plot.decision_boundaries(relu_net, X, y, step=1e-4)
    with pytest.raises(ValueError, match="resolution must be from 2 to 2000"):
        plot.unit_maps(relu_net, X, resolution=2001)


def test_a_plane_needs_a_network_with_two_inputs(moons):
    X, y = moons
    X3 = np.c_[X, X[:, 0]]
    with sm.MLP((3, 8, 1), activation="relu", seed=0) as net3:
        for draw in (lambda: plot.decision_boundary(net3, X3, y), lambda: plot.unit_maps(net3, X3, y),
                     lambda: plot.decision_boundaries({"relu": net3}, X3, y)):
            with pytest.raises(ValueError, match="needs a network with 2 inputs") as error:
                draw()
            assert "3-8-1, which has 3 inputs" in str(error.value)
            assert "shape" not in str(error.value)                     # not the grid the user never passed
    with pytest.raises(TypeError, match="net must be a network"):
        plot.decision_boundary({"relu": 1}, X, y)


def test_loss_curves_take_one_series_or_say_what_they_take():
    fig = plot.loss_curves([0.5, 0.4])
    ax = fig.axes[0]
    assert [line.get_ydata().tolist() for line in ax.get_lines()] == [[0.5, 0.4]]
    assert ax.get_legend() is None and [t.get_text() for t in ax.texts] == ["final: 0.4000"]
    assert plot.loss_curves(np.array([0.7, 0.6, 0.5])).axes[0].get_lines()[0].get_ydata().tolist() == [0.7, 0.6, 0.5]
    with pytest.raises(TypeError, match="dict of name -> loss per epoch"):
        plot.loss_curves(0.5)
    with pytest.raises(TypeError, match="dict of name -> loss per epoch"):
        plot.loss_curves("relu")
    with pytest.raises(ValueError, match="for several series give a dict"):
        plot.loss_curves([[0.5, 0.4], [0.6, 0.3]])
    with pytest.raises(ValueError, match="loss_history is empty"):
        plot.loss_curves({})
    with pytest.raises(ValueError, match=r"loss_history\['relu'\] is empty"):
        plot.loss_curves({"relu": []})


def test_signal_trace_takes_one_sample_or_says_what_shape_it_needs():
    fig = plot.signal_trace({"relu": np.arange(1.0, 6.0), "sigmoid": np.ones(5)})
    assert len(fig.axes) == 1 and fig.axes[0].get_title() == "Sample 0"
    assert fig.axes[0].get_lines()[0].get_ydata().tolist() == [1, 2, 3, 4, 5]
    with pytest.raises(ValueError, match=r"same shape.*'relu': \(1, 5\), 'tanh': \(2, 5\)"):
        plot.signal_trace({"relu": np.zeros(5), "tanh": np.zeros((2, 5))})
    with pytest.raises(ValueError, match=r"shape \(samples, stages\), or \(stages,\) for one sample"):
        plot.signal_trace({"relu": np.zeros((2, 5, 1))})
    with pytest.raises(TypeError, match="traces must be a dict"):
        plot.signal_trace(np.zeros((2, 5)))


def tiny_audit(accuracies: dict, runs: int = 3):
    """An AuditResult by hand: every run of a condition has the same measures."""
    from swiftmoons.audit import AuditResult

    keys = [key for key, _ in plot._AUDIT_PANELS]
    measures = [{name: {**{key: [0.5, 0.6, 0.7] for key in keys}, "test_accuracy": acc}
                 for name, acc in accuracies.items()} for _ in range(runs)]
    return AuditResult(seeds=list(range(1, runs)), conditions={name: "" for name in accuracies}, runs=measures,
                       rows=[])


def test_audit_summary_says_it_takes_an_audit_result():
    with pytest.raises(TypeError, match="swiftmoons.audit.AuditResult"):
        plot.audit_summary({})
    result = tiny_audit({"sigmoid": 0.9, "relu": 0.8})
    with pytest.raises(ValueError, match=r"conditions the audit ran.*\['tanh'\]"):
        plot.audit_summary(result, conditions=["relu", "tanh"])
    with pytest.raises(TypeError, match="fig must be a matplotlib Figure"):
        plot.audit_summary(result, fig="figure.png")


def test_audit_summary_draws_runs_of_equal_accuracy():
    # Three equal accuracies: the float mean of 0.97 lies just above the 97.5% quantile,
    # that of 0.95 just below the 2.5% one.
    result = tiny_audit({"sigmoid": 0.97, "relu": 0.95})
    fig = plot.audit_summary(result)
    accuracy = fig.axes[6]
    for container in accuracy.containers:
        (segment,) = container.lines[2][0].get_segments()
        assert np.allclose(segment[0], segment[1])                    # no spread: a bar of length 0


def test_decision_boundaries_take_one_network_as_unit_maps_do(moons, relu_net):
    X, y = moons
    fig = plot.decision_boundaries(relu_net, X, y)
    assert [ax.get_title() for ax in fig.axes] == [plot.decision_boundary(relu_net, X, y).axes[0].get_title()]
    assert fig.axes[0].get_title().startswith("ReLU\nTest acc: ")
    with pytest.raises(TypeError, match="nets must be a network or a dict"):
        plot.decision_boundaries([relu_net], X, y)
    with pytest.raises(ValueError, match="nets is empty"):
        plot.decision_boundaries({}, X, y)


def test_labels_the_network_cannot_predict_and_points_off_the_plane_are_refused(moons, relu_net):
    X, y = moons
    with pytest.raises(ValueError, match="y holds label 2, but the sigmoid network 2-8-1 predicts the classes 0 and 1"):
        plot.decision_boundary(relu_net, X, y + 1)
    with sm.MLP((2, 4, 3), activation="tanh", output="softmax", seed=0) as net:
        plot.decision_boundary(net, X, np.arange(100) % 3)           # 0, 1, 2: fine
        with pytest.raises(ValueError, match="label 3, but the softmax network 2-4-3 predicts the classes 0 to 2"):
            plot.decision_boundary(net, X, np.arange(100) % 4)
    for labels, shown in ((np.where(y == 1, 0.5, 0.0), "0.5"), (y - 1, "-1")):
        with pytest.raises(ValueError, match=f"must hold class labels 0, 1, 2, ...; y\\[\\d+\\] is {shown}"):
            plot.decision_boundary(relu_net, X, labels)
    with pytest.raises(ValueError, match=r"X must have shape \(n, 2\) with n >= 1, got \(100, 3\)"):
        plot.dataset(np.c_[X, X[:, 0]], y)
    with pytest.raises(ValueError, match=r"X must have shape \(n, 2\)"):
        plot.dataset(X[:, 0], y)


def test_unit_maps_colour_bars_never_split_a_row_of_maps():
    X, y = sm.make_moons(60, noise=0.1, random_state=0)
    with sm.MLP((2, 20, 3, 1), activation="relu", seed=0) as net:
        fig = plot.unit_maps(net, X, y, resolution=10)
    fig.draw_without_rendering()
    maps = [ax for ax in fig.axes if ax.images]
    bars = [ax for ax in fig.axes if not ax.images]
    assert len(maps) == 23 and len(bars) == 2
    # Layer 1's 20 maps in 8 evenly spaced columns: no gap where layer 2's bar would sit.
    lefts = sorted({round(ax.get_position().x0, 4) for ax in maps[:20]})
    assert len(lefts) == 8
    gaps = np.diff(lefts)
    assert gaps.max() - gaps.min() < 1e-3, gaps
    # Both bars right of every map, each beside its own layer's rows.
    right = max(ax.get_position().x1 for ax in maps)
    assert all(bar.get_position().x0 > right for bar in bars)
    for bar, layer in zip(bars, (maps[:20], maps[20:])):
        low, high = min(ax.get_position().y0 for ax in layer), max(ax.get_position().y1 for ax in layer)
        assert low - 0.01 <= bar.get_position().y0 and bar.get_position().y1 <= high + 0.01


def test_class_colours_stay_apart_in_the_points_and_in_the_shaded_regions():
    from matplotlib.contour import ContourSet

    y = np.arange(60) % 6
    X = np.random.default_rng(0).normal(size=(60, 2))
    with sm.MLP((2, 4, 6), activation="relu", output="softmax", seed=0) as net:
        ax = plot.decision_boundary(net, X, y).axes[0]
    (regions,) = [c for c in ax.collections if isinstance(c, ContourSet) and c.filled]
    shades = [to_hex(c[:3]) for c in regions.get_facecolor()]
    points = [to_hex(c.get_facecolor()[0][:3]) for c in ax.collections if c.get_label().startswith("Class")]
    assert len(shades) == len(points) == 6

    def closest(colours):
        return min(np.linalg.norm(lab(a) - lab(b)) for a, b in itertools.combinations(colours, 2))

    # The third class used to be a darker orange: 25 apart from class 0, and 8 in the regions.
    assert closest(points[:3]) > 60 and closest(shades[:3]) > 20
    assert closest(points) > 40 and closest(shades) > 14
