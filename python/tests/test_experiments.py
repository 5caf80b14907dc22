"""The lessons' claims, asserted on the experiments' outputs (fixed seeds)."""

import numpy as np
import pytest

from swiftmoons import experiments, reference as ref

matplotlib = pytest.importorskip("matplotlib", reason="the plot extra (make test installs it)")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from swiftmoons import plot  # noqa: E402


def test_activation_curves_are_the_five_of_the_lesson():
    curves = experiments.activation_curves()
    assert [k for k in curves if k != "x"] == ["sigmoid", "tanh", "relu", "leaky_relu", "gelu"]
    x = curves["x"]
    for name, c in ((k, v) for k, v in curves.items() if k != "x"):
        expected = ref.activation(name, x)
        assert np.max(np.abs(c["value"] - expected)) <= 1e-15 * 8
        assert np.max(np.abs(c["derivative"] - ref.activation_derivative(name, x, expected))) <= 1e-15 * 8
    # The derivative caps: sigmoid 0.25, tanh 1, ReLU 1.
    assert curves["sigmoid"]["derivative"].max() == 0.25
    assert curves["tanh"]["derivative"].max() == 1.0
    fig = plot.activation_curves(curves)
    assert len(fig.axes) == 2
    plt.close(fig)


def test_sigmoid_gradients_vanish_with_depth_and_relu_gradients_do_not():
    result = experiments.vanishing_gradients(depth=20)
    sigmoid, relu = result["norms"]["sigmoid"], result["norms"]["relu"]
    assert len(sigmoid) == len(relu) == 21
    # Sigmoid: from the output layer to the first, the gradient shrinks by
    # more than 1e10, about the 0.25 per layer that sigmoid's derivative
    # allows (weights can add or take a little on each layer).
    assert sigmoid[0] / sigmoid[-1] < 1e-10
    per_layer = (sigmoid[0] / sigmoid[-1]) ** (1 / 20)
    assert per_layer < 0.3
    # ReLU (He init): within two orders of magnitude across all 21 layers.
    assert 1e-2 < relu[0] / relu[-1] < 1e2
    fig = plot.vanishing_gradients(result)
    plt.close(fig)


def test_dead_relus_stay_dead_and_leaky_relus_come_back():
    result = experiments.dead_relu()
    relu, leaky = result["alive"]["relu"], result["alive"]["leaky_relu(0.1)"]
    assert len(relu) == 201
    # Bias -3 and inputs of std 0.1: every unit starts dead for both.
    assert relu[0] <= 0.02 * 128 and leaky[0] <= 0.02 * 128
    # A dead ReLU gets no gradient: none ever fires on the batch again.
    assert relu.max() == relu[0]
    # Leaky ReLU units still get a gradient and a good share return.
    assert leaky[-1] >= 0.25 * 128
    assert result["accuracy"]["leaky_relu(0.1)"] > result["accuracy"]["relu"]
    fig = plot.dead_relu(result)
    plt.close(fig)


def test_depth_helps_relu_and_hurts_sigmoid():
    result = experiments.depth_sweep(depths=(1, 2, 4, 8), activations=("sigmoid", "relu"), epochs=300)
    sigmoid, relu = result["accuracy"]["sigmoid"], result["accuracy"]["relu"]
    assert relu[1:].min() >= 0.9              # ReLU learns the moons at every depth >= 2
    assert sigmoid[-1] <= relu[-1] - 0.2       # deep sigmoid networks fall far behind
    assert result["loss"]["sigmoid"][-1] > result["loss"]["relu"][-1]
    fig = plot.depth_sweep(result)
    plt.close(fig)


def test_relu_beats_sigmoid_on_digits():
    pytest.importorskip("sklearn")
    result = experiments.digits_comparison(epochs=20)
    assert result["accuracy"]["relu"] > 0.9
    assert result["accuracy"]["relu"] > result["accuracy"]["sigmoid"]
    assert result["loss_history"]["relu"][-1] < result["loss_history"]["sigmoid"][-1]
    assert all(s > 0 for s in result["seconds"].values())
    fig = plot.digits_comparison(result)
    plt.close(fig)


# ---- dead units by the lesson's definition, and recovery against the learning rate ------

def dead_by_numpy(net, X):
    """The three counts of dead hidden units, straight from the parameters: z = X W1 + b1."""
    from swiftmoons import activations
    W1, b1 = net.parameters()[:2]
    z = X @ W1 + b1
    name, alpha = net.activations[0]
    a = activations.evaluate(name, z, **({} if alpha is None else {"alpha": alpha}))
    d = activations.evaluate(name, z, derivative=True, **({} if alpha is None else {"alpha": alpha}))
    return {"never_nonzero": int((a == 0).all(axis=0).sum()), "never_positive": int((z <= 0).all(axis=0).sum()),
            "no_gradient": int((d == 0).all(axis=0).sum())}


def test_dead_relu_counts_the_lessons_definition_and_the_other_two_step_by_step():
    from swiftmoons import MLP, RandomState
    steps, lr = 30, 5.0
    result = experiments.dead_relu(steps=steps, lr=lr)
    assert set(result) >= {"steps", "units", "bias", "input_std", "batch_size", "features", "lr", "seed", "dead",
                           "alive", "loss", "accuracy"}
    assert (result["bias"], result["input_std"], result["lr"], result["units"]) == (-3.0, 0.1, 5.0, 128)
    assert list(result["dead"]) == list(experiments.DEAD_DEFINITIONS)
    # The same batch and networks, trained here, counted with NumPy at every step.
    X = RandomState(0).randn(64, 8) * 0.1
    y = (X[:, 0] > 0).astype(float)
    for spec, key in (("relu", "relu"), (("leaky_relu", 0.1), "leaky_relu(0.1)")):
        with MLP((8, 128, 1), activation=spec, bias_init=-3.0, seed=0) as net:
            counts = [dead_by_numpy(net, X)]
            for _ in range(steps):
                net.train_step(X, y, lr)
                counts.append(dead_by_numpy(net, X))
        for definition in experiments.DEAD_DEFINITIONS:
            assert result["dead"][definition][key].tolist() == [c[definition] for c in counts], (key, definition)
        assert np.array_equal(result["alive"][key], 128 - result["dead"]["never_positive"][key])
    # ReLU: the three definitions agree, and every unit stays dead.
    relu = [result["dead"][d]["relu"] for d in experiments.DEAD_DEFINITIONS]
    assert all(np.array_equal(relu[0], other) for other in relu[1:]) and (relu[0] == 128).all()
    # Leaky ReLU: never dead by the lesson's definition, always gets a gradient,
    # though no pre-activation is positive at first.
    leaky = "leaky_relu(0.1)"
    assert (result["dead"]["never_nonzero"][leaky] == 0).all() and (result["dead"]["no_gradient"][leaky] == 0).all()
    assert result["dead"]["never_positive"][leaky][0] == 128


def test_dead_relu_agrees_with_geometry_dead_units():
    from swiftmoons import MLP, RandomState, geometry
    result = experiments.dead_relu(steps=0, activations=("relu", "elu"), bias=-3.0, input_std=1.0)
    X = RandomState(0).randn(64, 8)
    for spec in ("relu", "elu"):
        with MLP((8, 128, 1), activation=spec, bias_init=-3.0, seed=0) as net:
            dead = geometry.dead_units(net, X)
        for definition in experiments.DEAD_DEFINITIONS:
            assert result["dead"][definition][spec][0] == dead[definition][0].sum()
    assert 0 < result["dead"]["never_positive"]["relu"][0] < 128           # some units fire on some example
    assert result["dead"]["never_nonzero"]["elu"][0] == 0 < result["dead"]["never_positive"]["elu"][0]


def test_dead_relu_recovery_shows_the_conditions_of_the_lessons_claim():
    lrs = (0.05, 0.5, 1.0, 2.0, 5.0)
    result = experiments.dead_relu_recovery(lrs=lrs)
    assert result["lrs"].tolist() == list(lrs) and result["steps"] == 200 and result["units"] == 128
    relu, leaky = "relu", "leaky_relu(0.1)"
    for definition in experiments.DEAD_DEFINITIONS:
        assert result["initial"][definition][relu] == 128
        assert (result["dead"][definition][relu] == 128).all()            # ReLU never recovers
    # Leaky ReLU is never dead by the lesson's definition, and always carries a gradient...
    assert result["initial"]["never_nonzero"][leaky] == 0
    assert (result["dead"]["never_nonzero"][leaky] == 0).all() and (result["dead"]["no_gradient"][leaky] == 0).all()
    # ...but its pre-activations come back only at the large learning rate.
    alive = 128 - result["dead"]["never_positive"][leaky]
    assert alive[:4].tolist() == [0, 0, 0, 0] and alive[-1] >= 0.25 * 128
    # Each rate is dead_relu's run at that rate.
    single = experiments.dead_relu(lr=5.0)
    for definition in experiments.DEAD_DEFINITIONS:
        assert result["dead"][definition][leaky][-1] == single["dead"][definition][leaky][-1]
    assert result["accuracy"][leaky][-1] == single["accuracy"][leaky]
    with pytest.raises(ValueError):
        experiments.dead_relu_recovery(lrs=())
    with pytest.raises(ValueError):
        experiments.dead_relu_recovery(lrs=(-1.0,))
    with pytest.raises(ValueError):
        experiments.dead_relu(input_std=-0.1)


# ---- the reviewer's defects --------------------------------------------------------------

def test_vanishing_gradients_refuses_a_batch_larger_than_the_training_split():
    with pytest.raises(ValueError, match="batch_size must be in 1..300"):
        experiments.vanishing_gradients(depth=2, batch_size=301)
    result = experiments.vanishing_gradients(depth=2, batch_size=300, width=4, seed=3)
    assert (result["batch_size"], result["width"], result["depth"], result["seed"]) == (300, 4, 2, 3)


def test_depth_sweep_depths_are_integers_even_when_empty():
    empty = experiments.depth_sweep(depths=(), activations=("relu",))
    assert empty["depths"].dtype == np.int64 and empty["depths"].shape == (0,)
    assert empty["accuracy"]["relu"].shape == (0,)
    result = experiments.depth_sweep(depths=(2,), activations=("relu",), epochs=3, width=4, lr=0.1)
    assert result["depths"].dtype == np.int64
    assert (result["width"], result["epochs"], result["lr"], result["batch_size"]) == (4, 3, 0.1, 64)


# ---- seeds and snapshots -------------------------------------------------------------------

def test_loss_bands_are_quantiles_over_seeds():
    import swiftmoons as sm
    sweep = sm.sweep(range(6), ["sigmoid", ("leaky_relu", 0.1)], epochs=20)
    bands = experiments.loss_bands(sweep, band=0.5)
    losses = sweep["loss_history"]
    assert list(bands["median"]) == ["sigmoid", "leaky_relu(0.1)"]
    assert bands["seeds"] == 6 and bands["epochs"].tolist() == list(range(1, 21))
    assert np.array_equal(bands["median"]["leaky_relu(0.1)"], np.median(losses[:, 1], axis=0))
    assert np.array_equal(bands["low"]["sigmoid"], np.quantile(losses[:, 0], 0.25, axis=0))
    assert np.array_equal(bands["high"]["sigmoid"], np.quantile(losses[:, 0], 0.75, axis=0))
    assert np.array_equal(bands["final"]["sigmoid"], losses[:, 0, -1])
    for bad in (0.0, 1.0, 1.5):
        with pytest.raises(ValueError):
            experiments.loss_bands(sweep, band=bad)
    with pytest.raises(ValueError):
        experiments.loss_bands({"loss_history": losses[:, :1], "activations": sweep["activations"]})


def test_training_snapshots_are_the_article_run_recorded():
    from swiftmoons import article
    snaps = experiments.training_snapshots(["sigmoid", "relu"], every=300)
    run = article.run()
    try:
        assert snaps["epochs_recorded"].tolist() == [0, 300, 600, 800]
        for name, net in run.nets.items():
            assert np.array_equal(snaps["loss_history"][name], run.loss_history[name])
            assert all(np.array_equal(a, b) for a, b in zip(snaps["params"][name][-1], net.parameters()))
            assert snaps["test_accuracy"][name][-1] == run.test_accuracy[name]
            assert snaps["specs"][name] == (name, None)
        with sm_twolayer("relu") as fresh:
            assert all(np.array_equal(a, b) for a, b in zip(snaps["params"]["relu"][0], fresh.parameters()))
    finally:
        run.close()
    with pytest.raises(ValueError):
        experiments.training_snapshots(["swish", "silu"])


def sm_twolayer(name):
    from swiftmoons import TwoLayerNet
    return TwoLayerNet(name, seed=42)


# ---- seed 004: sigmoid vs ReLU in a CNN -------------------------------------------------

CNN_SMALL = dict(data="digits", n_train=240, n_val=90, epochs=4, channels=(4,), dense=8, lr=0.01)


def test_cnn_comparison_records_what_each_network_measured():
    """The experiment's curves are what CNN.fit returns for the same network, data and seed; the
    target, epochs and seconds to it and the ratios follow from them as documented."""
    pytest.importorskip("sklearn")
    from swiftmoons.cnn import CNN
    from swiftmoons.data import load_digit_images

    result = experiments.cnn_activation_comparison(("sigmoid", "relu", ("leaky_relu", 0.1)), target=0.3,
                                                   timing_rounds=2, **CNN_SMALL)
    X_train, X_val, y_train, y_val = load_digit_images(test_size=0.25, random_state=0)
    X_train, y_train, X_val, y_val = X_train[:240], y_train[:240], X_val[:90], y_val[:90]
    for spec, label in (("relu", "relu"), (("leaky_relu", 0.1), "leaky_relu(0.1)")):
        net = CNN((1, 8, 8), experiments.cnn_layers(spec, "digits", (4,), 8), seed=0)
        direct = net.fit(X_train, y_train, epochs=4, lr=0.01, batch_size=32, optimizer="adam",
                         validation_data=(X_val, y_val))
        for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
            assert result["history"][label][key].tolist() == direct[key], (label, key)
    assert result["baseline"] == "relu" and result["target"] == 0.3
    for label, h in result["history"].items():
        hits = [i + 1 for i, a in enumerate(h["val_accuracy"]) if a >= 0.3]
        assert result["epochs_to_target"][label] == (hits[0] if hits else None)
        if hits:
            assert result["seconds_to_target"][label] == hits[0] * result["epoch_seconds"][label]
        assert result["epoch_seconds"][label] > 0
        ratio = result["ratios"][label]["epoch_seconds"]
        assert ratio == result["epoch_seconds"][label] / result["epoch_seconds"]["relu"]
    assert result["ratios"]["relu"]["epoch_seconds"] == 1.0
    untimed = experiments.cnn_activation_comparison(("relu",), timing_rounds=0, **CNN_SMALL)
    assert untimed["epoch_seconds"]["relu"] == np.median(untimed["history"]["relu"]["seconds"])
    report = experiments.cnn_comparison_report(result)
    assert "cost of an epoch: sigmoid / relu" in report and "verdict:" in report
    fig = plot.cnn_comparison(result)
    assert len(fig.axes) == 3 and len(fig.axes[2].patches) == 3
    plt.close(fig)


def _history(val_loss, loss, val_accuracy=None):
    n = len(val_loss)
    val_accuracy = np.linspace(0.1, 0.9, n) if val_accuracy is None else np.array(val_accuracy)
    return {"loss": np.array(loss), "accuracy": val_accuracy + 0.05, "val_loss": np.array(val_loss),
            "val_accuracy": val_accuracy, "seconds": np.ones(n)}


def test_cnn_summary_calls_overfitting_only_a_real_rise():
    from swiftmoons.experiments import _cnn_summary
    out = {"epochs": 5, "epoch_seconds": {"sigmoid": 2.0, "relu": 1.0}, "history": {
        # A rise of 5% is noise; relu's rise of 50% while its training loss falls is overfitting.
        "sigmoid": _history([2.0, 1.8, 1.7, 1.75, 1.785], [2.0, 1.9, 1.8, 1.7, 1.6], [0.1, 0.1, 0.1, 0.2, 0.3]),
        "relu": _history([1.0, 0.5, 0.4, 0.5, 0.6], [1.0, 0.5, 0.3, 0.2, 0.1], [0.5, 0.8, 0.9, 0.9, 0.88])}}
    result = _cnn_summary(out, None)
    assert result["target"] == pytest.approx(0.81)  # 90% of the best (0.9)
    assert result["epochs_to_target"] == {"sigmoid": None, "relu": 3}
    assert result["seconds_to_target"] == {"sigmoid": None, "relu": 3.0}
    assert result["overfitting"] == {"sigmoid": False, "relu": True}
    assert result["val_loss_rise"]["relu"] == pytest.approx(0.5)
    assert result["ratios"]["sigmoid"] == {"epoch_seconds": 2.0, "epochs_to_target": None, "seconds_to_target": None}
    report = experiments.cnn_comparison_report(dict(result, data="digits", n_train=1, n_val=1, optimizer="adam",
                                                    lr=0.01, batch_size=32, seed=0))
    assert "sigmoid did not reach the target at all, while an epoch of it costs 2.00x relu's" in report
    assert "relu (+50% from its lowest at epoch 3)" in report


def test_cnn_comparison_refuses_bad_settings():
    with pytest.raises(ValueError, match="data must be one of"):
        experiments.cnn_activation_comparison(data="mnist")
    with pytest.raises(ValueError, match="channels must give 1 to 3 blocks"):
        experiments.cnn_activation_comparison(channels=(4, 4, 4, 4))
    with pytest.raises(ValueError, match="target must be in"):
        experiments.cnn_activation_comparison(target=1.5)
    with pytest.raises(ValueError, match="optimizer must be one of"):
        experiments.cnn_activation_comparison(optimizer="rmsprop")


def test_cnn_cli_writes_its_figure_and_says_where_cifar_goes(tmp_path, capsys, monkeypatch):
    pytest.importorskip("sklearn")
    from swiftmoons.__main__ import main
    assert main(["cnn", "--data", "digits", "--n-train", "200", "--n-val", "60", "--epochs", "2", "--channels", "4",
                 "--dense", "8", "--no-progress", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "CNN on digits (200 training and 60 validation images), 2 epochs of adam" in out
    assert (tmp_path / "cnn.png").stat().st_size > 10_000
    monkeypatch.delenv("SWIFTMOONS_CIFAR10", raising=False)
    assert main(["cnn", "--data", "cifar10", "--cifar-dir", str(tmp_path / "none"), "--no-plots"]) == 2
    err = capsys.readouterr().err
    assert "cifar-10-python.tar.gz" in err or "CIFAR-10" in err
    assert main(["cnn", "--epochs", "0", "--no-plots"]) == 2
