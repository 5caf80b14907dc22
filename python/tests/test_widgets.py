"""The lessons' widgets, driven from Python as a user's clicks drive them.

Every control is set as the page would set it (``widget.value = ...``), and
the readouts and the plotted data are checked against what the library
computes directly. The browser test (test_widgets_browser.py) drives the
same widgets through Voila and Chromium.
"""

import asyncio
import math
from types import SimpleNamespace

import numpy as np
import pytest

import swiftmoons as sm
from swiftmoons import activations, article, experiments, widgets


# ---- activation explorer -------------------------------------------------------

def test_the_readout_is_the_lessons_sigmoid_at_one_half():
    explorer = widgets.activation_explorer()
    explorer.x.value = 0.5
    f, d = explorer.values["sigmoid"]
    assert (round(f, 4), round(d, 4)) == (0.6225, 0.2350)
    assert "0.6225" in explorer.readout.value and "0.2350" in explorer.readout.value
    explorer.x.value = -1.2
    assert explorer.values["relu"] == (0.0, 0.0)
    assert "x = -1.20" in explorer.readout.value


def test_every_activation_shows_the_librarys_curves_and_marker():
    explorer = widgets.activation_explorer(x=1.3)
    for box in explorer.checks.values():
        box.value = True
    assert explorer.shown() == list(widgets.ACTIVATIONS) and len(widgets.ACTIVATIONS) == 11
    value_ax, slope_ax = explorer.figure.axes
    for name in widgets.ACTIVATIONS:
        f, d = explorer.curves[name]
        assert np.array_equal(f, activations.evaluate(name, explorer.grid))
        assert np.array_equal(d, activations.evaluate(name, explorer.grid, derivative=True))
        assert explorer.values[name] == (activations.evaluate(name, 1.3),
                                         activations.evaluate(name, 1.3, derivative=True))
    plotted = [line for line in value_ax.lines if len(line.get_xdata()) == explorer.grid.size]
    assert len(plotted) == 11
    for ax, i in ((value_ax, 0), (slope_ax, 1)):
        marker, = [line for line in ax.lines if line.get_marker() == "o"]
        assert np.array_equal(marker.get_xdata(), [1.3] * 11)
        assert np.array_equal(marker.get_ydata(), [explorer.values[n][i] for n in widgets.ACTIVATIONS])


def test_a_slope_slider_changes_its_activation_and_unticking_removes_a_curve():
    explorer = widgets.activation_explorer(x=-2.0)
    explorer.alphas["leaky_relu"].value = 0.2
    assert explorer.values["leaky_relu"][0] == pytest.approx(-0.4, abs=1e-15)
    assert np.array_equal(explorer.curves["leaky_relu"][1], activations.evaluate("leaky_relu", explorer.grid,
                                                                                  derivative=True, alpha=0.2))
    explorer.checks["sigmoid"].value = False
    assert "sigmoid" not in explorer.values and "Sigmoid" not in explorer.readout.value


def test_the_explorer_refuses_an_x_outside_its_range():
    with pytest.raises(ValueError, match="x must be in"):
        widgets.activation_explorer(x=9.0)
    with pytest.raises(ValueError, match="unknown activation 'sigmoidd'"):
        widgets.activation_explorer(activations=["sigmoidd"])
    with pytest.raises(ValueError, match="unknown activation"):
        widgets.depth_explorer(activation="rellu")


# ---- depth explorer ------------------------------------------------------------

def test_the_depth_curve_is_the_measured_gradient_ratio():
    explorer = widgets.depth_explorer(depth=15)
    ratios = explorer.ratios("sigmoid")
    for depth in (1, 7, 15, 30):
        norms = experiments.vanishing_gradients(depth=depth, width=16, activations=("sigmoid",))["norms"]["sigmoid"]
        assert ratios[depth - 1] == norms[0] / norms[-1]
    assert np.array_equal(explorer.bound, 0.25 ** np.arange(1, 31))
    # The lesson's figures: the bound is below 1e-9 at 15 and below 1e-14 at 25.
    assert explorer.bound[14] < 1e-9 and explorer.bound[24] < 1e-14
    measured = [line for line in explorer.figure.axes[0].lines if line.get_marker() == "o" and len(line.get_xdata()) == 30]
    assert np.array_equal(measured[0].get_ydata(), ratios)
    floors = sorted(line.get_ydata()[0] for line in explorer.figure.axes[0].lines if len(set(line.get_ydata())) == 1
                    and len(line.get_ydata()) == 2 and line.get_ydata()[0] < 1e-5)
    assert floors == sorted(widgets.PRECISION_FLOORS.values()) == [2.0 ** -52, 2.0 ** -23]


def test_the_depth_slider_and_the_activation_choice_update_the_readout():
    explorer = widgets.depth_explorer(depth=15)
    explorer.depth.value = 25
    assert "depth 25" in explorer.readout.value and f"{0.25 ** 25:.2e}" in explorer.readout.value
    explorer.activation.value = "relu"
    relu = explorer.ratios("relu")
    assert f"{relu[24]:.2e}" in explorer.readout.value
    # ReLU's curve stays far above the sigmoid bound.
    assert relu[24] > 1e6 * explorer.bound[24]


# ---- dead-unit explorer --------------------------------------------------------

def test_the_alive_count_at_mu_minus_three_is_the_experiments():
    explorer = widgets.dead_unit_explorer()
    explorer.bias.value = -3.0
    expected = experiments.dead_relu(units=128, bias=-3.0, input_std=0.1, batch_size=64, steps=200,
                                     activations=("relu",), lr=5.0, seed=0)
    assert np.array_equal(explorer.result["alive"]["relu"], expected["alive"]["relu"])
    for name in experiments.DEAD_DEFINITIONS:
        assert np.array_equal(explorer.result["dead"][name]["relu"], expected["dead"][name]["relu"])
    lesson = 128 - expected["dead"]["never_nonzero"]["relu"]
    assert f"alive by the lesson's definition {lesson[0]} → {lesson[-1]}" in explorer.readout.value
    # The grid goes dark: every cell black.
    start = explorer.figure.axes[0].images[0].get_array()
    assert start.shape == (8, 16, 3) and np.all(start == 0)


def test_leaky_relu_and_gelu_cells_keep_their_gradient():
    explorer = widgets.dead_unit_explorer(bias=-3.0)
    explorer.activation.value = "leaky_relu"
    expected = experiments.dead_relu(bias=-3.0, activations=(("leaky_relu", 0.1),))
    key = "leaky_relu(0.1)"
    assert np.array_equal(explorer.result["firing"][key], expected["firing"][key])
    assert explorer.result["dead"]["never_nonzero"][key][-1] == 0
    assert explorer.result["gradient"][key].all()
    cells = explorer.figure.axes[0].images[0].get_array().reshape(-1, 3)
    silent = expected["firing"][key][0] == 0
    assert silent.any() and np.all(cells[silent] == (0.36, 0.45, 0.58))   # slate: silent, with gradient
    explorer.slope.value = 0.0
    assert "leaky_relu(0)" in explorer.result["alive"] and not explorer.result["gradient"]["leaky_relu(0)"][0].any()
    explorer.activation.value = "gelu"
    assert list(explorer.result["alive"]) == ["gelu"] and explorer.slope.disabled


def test_the_firing_grids_are_the_networks_firing_counts():
    result = experiments.dead_relu(bias=-0.2, steps=5, activations=("relu",))
    X = sm.RandomState(0).randn(64, 8) * 0.1
    with sm.MLP((8, 128, 1), activation="relu", bias_init=-0.2, seed=0) as net:
        firing = ((X @ net.W1 + net.b1) > 0).sum(axis=0)       # plain NumPy from the initial weights
    assert np.array_equal(result["firing"]["relu"][0], firing)
    assert result["firing"]["relu"].shape == (2, 128) and 0 < result["firing"]["relu"][0].sum() < 128 * 64


# ---- playground ----------------------------------------------------------------

def test_the_default_playground_trains_the_articles_sigmoid_network():
    pg = widgets.playground()
    pg.run()
    assert pg.epoch == 800
    result = article.run(activations=("sigmoid",))
    net = result.nets["sigmoid"]
    for k in (1, 2, 3):
        assert np.array_equal(pg.net.get_weights(k), net.get_weights(k))
    assert pg.train_loss == list(result.loss_history["sigmoid"])
    assert pg.test_accuracy[-1] == result.test_accuracy["sigmoid"]
    assert pg.test_loss[-1] == net.evaluate(result.X_test, result.y_test)[0]
    result.close()


def test_chunks_steps_and_one_call_train_the_same_network():
    state = "data=circles&noise=0.1&points=200&layers=6:tanh,4:relu&lr=0.1&batch=16&epochs=40&seed=3"
    whole, chunked = widgets.playground(state), widgets.playground(state)
    whole.run()
    chunked.speed.value = 5
    for _ in range(3):
        chunked.step()
    while chunked.epoch < 40:
        chunked._frame()
    assert chunked.epoch == whole.epoch == 40
    assert np.array_equal(chunked.net.get_weights(1), whole.net.get_weights(1))
    assert chunked.train_loss == whole.train_loss and chunked.test_loss == whole.test_loss


def test_the_state_string_rebuilds_the_same_network_at_the_same_epoch():
    pg = widgets.playground("data=spiral&noise=0.05&layers=8:relu,8:leaky_relu(0.1),4:elu&output=softmax&epochs=60")
    pg.run(25)
    copy = widgets.playground(pg.state)
    assert copy.state == pg.state and copy.epoch == 25
    assert copy.layers() == [(8, "relu", None), (8, "leaky_relu", 0.1), (4, "elu", 1.0)]
    assert copy.net.activations == (("relu", None), ("leaky_relu", 0.1), ("elu", 1.0))
    assert copy.net.layer_sizes[-1] == 2 and copy.net.output == "softmax"
    for k in (1, 2, 3, 4):
        assert np.array_equal(copy.net.get_weights(k), pg.net.get_weights(k))
    # Typed into the state box, it does the same; a bad one is shown and changes nothing.
    other = widgets.playground()
    other.state_text.value = pg.state
    assert other.state == pg.state
    before = other.state
    other.state_text.value = "data=moons&depth=3"
    assert "unknown playground setting 'depth'" in other.state_error.value and other.state == before


@pytest.mark.parametrize("bad, message", [
    ("data=squares", "data must be one of"), ("layers=8:relu,0:relu", "width must be"),
    ("layers=8:bogus", "bogus"), ("lr=-1", "lr must be"), ("epochs=ten", "is not an integer"),
    ("noise", "has no '='"), ("layers=" + ",".join(["2:relu"] * 7), "at most 6"),
    ("layers=8:relu(0.1)", "takes no parameter"), ("points=5", "points must be"),
    ("noise=0.125", "multiple of 0.01"), ("test=0.95", "test must be"),
    ("layers=8:elu(-1)", "ELU's α must be >= 0"), ("data=xor&data=moons", "given twice"),
    ("epochs=10&at=50", "must not pass epochs"), ("points=\uff11\uff10\uff10", "not an integer"),
    ("points=1_000", "not an integer"), ("lr=0.0_1", "not a number"), ("layers=8:leaky_relu(0.1", "closing"),
    ("layers=4:tanh,8:relu(0.5)", "layer 2 of"),
])
def test_a_bad_state_names_the_setting(bad, message):
    with pytest.raises(ValueError, match=message):
        widgets.parse_state(bad)


def test_every_data_set_builds_and_trains():
    for name in widgets.DATASETS:
        pg = widgets.playground(f"data={name}&points=120&epochs=3&layers=4:relu")
        pg.run()
        assert pg.epoch == 3 and len(pg.X_train) + len(pg.X_test) == 120
        assert set(np.unique(pg.y_train)) == {0, 1}
        assert abs(pg.X_train.mean()) < 0.5     # standardized before the split


def test_the_network_controls_rebuild_the_network():
    pg = widgets.playground()
    pg.run(10)
    pg.depth.value = 3
    assert pg.epoch == 0 and pg.net.layer_sizes == (2, 8, 8, 8, 1)
    pg.layer_rows[1][1].value = "leaky_relu"
    assert pg.net.activations[1] == ("leaky_relu", 0.01)
    pg.layer_rows[1][2].value = 0.2
    assert pg.net.activations[1] == ("leaky_relu", 0.2)
    pg.layer_rows[0][0].value = 3
    assert pg.net.layer_sizes == (2, 3, 8, 8, 1)
    assert [m.shape[2] for m in pg.unit_maps] == [3, 8, 8]     # a map per unit
    pg.depth.value = 0
    assert pg.net.layer_sizes == (2, 1) and pg.unit_maps == []
    pg.run(5)
    assert pg.epoch == 5


def test_the_unit_maps_are_each_units_activation_over_the_plane():
    pg = widgets.playground("layers=4:tanh,3:relu&epochs=30")
    pg.run()
    R, gap = pg.MAP_RESOLUTION, pg.MAP_GAP
    image = pg.maps.axes[0].images[0].get_array()
    assert image.shape == (2 * R + gap + 2, 8 * R + 7 * gap + 2, 4)
    from swiftmoons import plot
    for k, width in enumerate((4, 3)):
        hidden = pg.net.get_hidden(pg._map_plane, layer=k + 1)
        assert np.array_equal(pg.unit_maps[k], hidden.reshape(R, R, width))
        scale = np.abs(hidden).max()
        for u in range(width):
            rows, cols = pg._tile(k, u)
            tile = image[rows, cols]
            expected = plot.PLAYGROUND_CMAP((hidden[:, u].reshape(R, R) / scale + 1) / 2)[::-1]
            assert np.array_equal(tile, expected)
        rows, cols = pg._tile(k, width)
        assert np.all(image[rows, cols.start - 1:] == 1.0)   # no tile past the layer's units
    boundary = pg.net.forward(pg._plane)[:, 0].reshape(pg.RESOLUTION, pg.RESOLUTION)
    assert np.array_equal(pg._image.get_array(), boundary)


def test_a_click_on_the_boundary_draws_that_points_signal_trace():
    pg = widgets.playground("epochs=50")
    pg.run()
    assert pg.trace is None
    event = SimpleNamespace(inaxes=pg._boundary_ax, xdata=0.4, ydata=-0.7)
    pg._click(event)
    assert pg.point == (0.4, -0.7)
    assert np.array_equal(pg.trace, pg.net.get_z_trace([0.4, -0.7]))
    assert [bar.get_height() for bar in pg._bars] == list(pg.trace)
    pg._click(SimpleNamespace(inaxes=pg._loss_ax, xdata=10.0, ydata=0.5))   # another panel: ignored
    assert pg.point == (0.4, -0.7)
    with pytest.raises(ValueError, match="finite"):
        pg.trace_point(math.nan, 0.0)


def test_play_trains_in_frames_and_yields_to_the_event_loop():
    async def session():
        pg = widgets.playground("epochs=60")
        pg.speed.value = 10
        ticks = 0

        async def other_work():      # what the kernel does between frames: handle messages
            nonlocal ticks
            while pg.play.value:
                ticks += 1
                await asyncio.sleep(0.005)
        pg.play.value = True
        await asyncio.gather(pg._task, other_work())
        return pg, ticks
    pg, ticks = asyncio.run(session())
    assert pg.epoch == 60 and pg.frames == 6 and not pg.play.value and ticks >= 5
    one = widgets.playground("epochs=60")
    one.run()
    assert np.array_equal(one.net.get_weights(1), pg.net.get_weights(1))


def test_pause_stops_playing_between_frames():
    async def session():
        pg = widgets.playground("epochs=5000")
        pg.speed.value = 1
        pg.play.value = True
        await asyncio.sleep(0.3)
        pg.play.value = False          # the pause button
        await pg._task
        return pg
    pg = asyncio.run(session())
    assert 0 < pg.epoch < 5000 and pg.play.description == "play"


def test_play_without_an_event_loop_trains_to_the_end():
    pg = widgets.playground("epochs=30")
    pg.speed.value = 10
    pg.play.value = True
    assert pg.epoch == 30 and pg.frames == 3 and not pg.play.value


# ---- mistakes a user makes (found by trying the widgets as a new user) ----------

def _same_network(a, b):
    return all(np.array_equal(a.net.get_weights(k), b.net.get_weights(k)) for k in range(1, a.net.n_layers + 1))


def test_a_negative_elu_alpha_typed_in_the_page_is_put_back_and_the_playground_still_works():
    pg = widgets.playground("layers=8:elu,4:relu&epochs=20")
    pg.run(5)
    before = pg.state
    pg.layer_rows[0][2].value = -1.0                     # the α box of the ELU layer
    assert pg.layer_rows[0][2].value == 1.0 and "alpha" in pg.state_error.value.lower()
    assert pg.state == before and pg.epoch == 5          # the network was kept, trained as it was
    pg.run()
    assert pg.epoch == 20
    pg.state_text.value = "layers=8:elu(-1)"             # typed into the state box
    assert "ELU's α must be &gt;= 0" in pg.state_error.value and pg.epoch == 20


def test_a_failed_load_leaves_the_playground_as_it_was():
    pg = widgets.playground("data=circles&epochs=30")
    pg.run(12)
    before, weights = pg.state, pg.net.get_weights(1)
    for bad in ({"data": "squares"}, {"bogus": 1}, {"points": 100.5}, {"lr": "fast"}, 123, None):
        with pytest.raises((TypeError, ValueError)):
            pg.load(bad)
        assert pg.state == before and np.array_equal(pg.net.get_weights(1), weights)
    pg.load({"data": "xor", "lr": "0.1"})                # a partial dict: the rest from the defaults
    assert pg.data.value == "xor" and pg.lr.value == 0.1 and pg.points.value == widgets.DEFAULTS["points"]


def test_the_state_keeps_every_digit_of_the_learning_rate_and_alpha():
    pg = widgets.playground("layers=6:leaky_relu(0.1234567),4:tanh&epochs=30")
    pg.lr.value = 0.0123456789
    pg.run()
    copy = widgets.playground(pg.state)
    assert copy.lr.value == 0.0123456789 and copy.layers()[0] == (6, "leaky_relu", 0.1234567)
    assert _same_network(copy, pg) and copy.train_loss == pg.train_loss


def test_sliders_keep_their_grid_when_set_from_python_and_bad_rates_are_put_back():
    pg = widgets.playground()
    pg.noise.value = 0.123
    assert pg.noise.value == 0.12 and "noise=0.12&" in pg.state
    assert widgets.parse_state(pg.state)["noise"] == 0.12
    pg.lr.value = math.nan
    assert pg.lr.value == 0.05 and "learning rate" in pg.state_error.value
    pg.run(20)
    pg.epochs.value = 20
    assert "epoch 20 of 20" in pg.status.value


def test_a_point_whose_signal_overflows_is_refused_and_changes_nothing():
    pg = widgets.playground("epochs=10")
    pg.trace_point(0.1, 0.2)
    with pytest.raises(ValueError, match="overflows"):
        pg.trace_point(1e308, 1e308)
    assert pg.point == (0.1, 0.2)
    pg.step()
    assert pg.epoch == 1


def test_pause_and_play_between_frames_keeps_one_loop():
    async def session():
        pg = widgets.playground("epochs=5000")
        pg.speed.value = 1
        pg.play.value = True
        first = pg._task
        await asyncio.sleep(0.05)
        pg.play.value = False
        pg.play.value = True                 # before the loop's next check
        assert pg._task is first
        await asyncio.sleep(0.2)
        pg.play.value = False
        await first
        return pg
    asyncio.run(session())


@pytest.mark.parametrize("kwargs, message", [
    (dict(bias=-10.0), "bias must be in"), (dict(input_std=0.0), "input_std must be in"),
    (dict(lr=1000.0), "lr must be in"), (dict(slope=0.7), "slope must be in"), (dict(bias=math.nan), "bias must be in"),
    (dict(activation="silu"), "got 'silu'"),
])
def test_the_dead_unit_explorer_refuses_values_off_its_sliders(kwargs, message):
    with pytest.raises(ValueError, match=message):
        widgets.dead_unit_explorer(**kwargs)
