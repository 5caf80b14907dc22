"""swiftmoons.CNN (the Swift core's convolutional networks) against the NumPy
reference's CNN: initial parameters bit for bit, forward passes, losses and
gradients for every layer kind and activation, whole training runs with
every optimizer, dropout and shuffling; bad input refused with the network
unchanged; a cancelled fit leaves the network as it was (a real SIGINT:
test_interrupts.py)."""

import numpy as np
import pytest

from conftest import normwise_error
from swiftmoons import SwiftMoonsError, activations, get_threads, reference as R, set_threads
from swiftmoons.cnn import CNN
from swiftmoons.layers import AvgPool2D, Conv2D, Dense, Dropout, Flatten, MaxPool2D

#: Forward values: both sum the same C*k*k (or fan_in) products in float64,
#: in different orders (NumPy's einsum and matmul vs our loops), and the
#: activations' formulas differ by a few ulp: a few ulp of the output's
#: scale (measured <= 8e-16 normwise).
FORWARD = 1e-13
#: Gradients: sums over the batch and the output positions as well (hundreds
#: of terms), in different orders (measured <= 7e-16 normwise).
GRADIENT = 1e-12
#: A few epochs of training: the gradients' rounding differences carried
#: through the updates (Adam's m / sqrt(v) can enlarge them where v is tiny;
#: measured <= 7e-16 over three epochs).
TRAINING = 1e-11

#: Networks that between them use every layer kind, strides, paddings,
#: overlapping pools, PReLU per channel and per unit, dropout on images and vectors.
NETWORKS = {
    "conv_pool_dense": ((3, 8, 8), [Conv2D(4, 3, padding=1), "relu", MaxPool2D(2), Flatten(), Dense(5), "tanh",
                                    Dense(3)]),
    "strided": ((2, 9, 9), [Conv2D(5, 3, stride=2, padding=1), ("prelu", 0.2), AvgPool2D(3, stride=2), Conv2D(3, 1),
                            "sigmoid", Flatten(), Dense(4)]),
    "overlapping_max": ((1, 7, 7), [Conv2D(3, 2), ("leaky_relu", 0.1), MaxPool2D(3, stride=1), Conv2D(2, 3, stride=2,
                                                                                                   padding=2),
                                    "elu", Flatten(), Dense(3)]),
    "big_kernel": ((2, 6, 5), [Conv2D(3, 5, stride=2, padding=2), "gelu", Flatten(), Dense(6), "prelu", Dense(2)]),
    "dropout": ((2, 6, 6), [Conv2D(4, 3), "swish", Dropout(0.3), MaxPool2D(2), Flatten(), Dense(6), "softplus",
                            Dropout(0.5), Dense(3)]),
    "vector": ((7,), [Dense(6), "gelu_tanh", Dense(5), "identity", Dropout(0.2), Dense(3)]),
}
#: A small image network to try each activation after a convolution and after a dense layer.
ACTIVATION_NET = ((2, 6, 6), lambda act: [Conv2D(3, 3, padding=1), act, AvgPool2D(2), Flatten(), Dense(4), act,
                                          Dense(3)])


def data(shape, n, classes, seed=0):
    rng = np.random.RandomState(seed)
    return rng.standard_normal((n,) + tuple(shape)), rng.randint(0, classes, n)


def pair(shape, layers, **kwargs):
    return CNN(shape, layers, **kwargs), R.CNN(shape, layers, **kwargs)


# ---- initial parameters ---------------------------------------------------------------------

@pytest.mark.parametrize("name", NETWORKS)
@pytest.mark.parametrize("init", ["glorot_uniform", "he", "xavier"])
@pytest.mark.parametrize("seed", [0, 12345, 2**32 - 1])
def test_initial_parameters_are_bit_identical_to_the_reference(name, init, seed):
    shape, layers = NETWORKS[name]
    ours, ref = pair(shape, layers, seed=seed, init=init)
    assert np.array_equal(ours.parameters(), ref.params)
    assert ours.parameter_count == ref.params.size


# ---- forward, loss, gradients ----------------------------------------------------------------

def check_passes(ours, ref, X, y, masks=None):
    errors = {}
    errors["forward"] = normwise_error(ours.forward(X), ref.forward(X))
    errors["proba"] = normwise_error(ours.predict_proba(X), ref.predict_proba(X))
    errors["loss"] = abs(ours.loss(X, y) - ref.loss(X, y)) / abs(ref.loss(X, y))
    loss, grad = ours.gradients(X, y, masks=masks)
    ref_loss, ref_grad = ref.gradients(X, y, masks=masks)
    errors["train_loss"] = abs(loss - ref_loss) / abs(ref_loss)
    errors["gradient"] = normwise_error(grad, ref_grad)
    assert errors["forward"] <= FORWARD and errors["proba"] <= FORWARD and errors["loss"] <= FORWARD, errors
    assert errors["train_loss"] <= FORWARD and errors["gradient"] <= GRADIENT, errors
    assert np.array_equal(ours.predict(X), np.argmax(ref.forward(X), axis=1))
    return errors


@pytest.mark.parametrize("name", NETWORKS)
def test_forward_loss_and_gradients_match_the_reference(name):
    shape, layers = NETWORKS[name]
    ours, ref = pair(shape, layers, seed=3)
    X, y = data(shape, 11, ref.shapes[-1][0])
    masks = None
    if any(isinstance(layer, Dropout) for layer in ref.layers):
        rng = np.random.RandomState(9)
        ref.forward(X)
        inputs = ref.cache[0]
        masks = [R.dropout_mask(rng, inputs[i].shape, layer.rate) for i, layer in enumerate(ref.layers)
                 if isinstance(layer, Dropout)]
    check_passes(ours, ref, X, y, masks)


@pytest.mark.parametrize("act", [name for name in activations.PARAMETERS])
def test_every_activation_matches_the_reference_after_conv_and_dense(act):
    shape, make = ACTIVATION_NET
    ours, ref = pair(shape, make(act), seed=5, init="he")
    X, y = data(shape, 9, 3, seed=2)
    check_passes(ours, ref, X, y)


def test_drawn_dropout_masks_match_the_reference_stream():
    shape, layers = NETWORKS["dropout"]
    ours, ref = pair(shape, layers, seed=4, dropout_seed=77)
    X, y = data(shape, 10, 3)
    for _ in range(2):  # the stream moves on alike
        loss, grad = ours.gradients(X, y)
        ref_loss, ref_grad = ref.gradients(X, y)
        assert abs(loss - ref_loss) <= FORWARD * abs(ref_loss)
        assert normwise_error(grad, ref_grad) <= GRADIENT


def test_images_can_be_passed_flat():
    shape, layers = NETWORKS["conv_pool_dense"]
    net = CNN(shape, layers)
    X, _ = data(shape, 4, 3)
    assert np.array_equal(net.forward(X), net.forward(X.reshape(4, -1)))


def test_forward_over_many_blocks_of_rows_matches_row_by_row():
    shape, layers = NETWORKS["strided"]
    net = CNN(shape, layers)
    X, _ = data(shape, 150, 4)
    whole = net.forward(X)
    assert np.array_equal(whole, np.vstack([net.forward(X[i:i + 1]) for i in range(150)]))


def test_results_do_not_depend_on_the_thread_count():
    """A batch is split into chunks fixed by its size, not by the threads: the same bits on one thread or many."""
    shape, layers = NETWORKS["dropout"]
    X, y = data(shape, 70, 3)
    results = []
    before = get_threads()
    try:
        for threads in (1, 2, 3):
            set_threads(threads)
            net = CNN(shape, layers, seed=6)
            forward = net.forward(X)
            history = net.fit(X, y, epochs=2, batch_size=16, optimizer="adam", lr=0.01)
            results.append((forward, history["loss"], net.parameters()))
    finally:
        set_threads(before)
    for forward, losses, params in results[1:]:
        assert np.array_equal(forward, results[0][0]) and losses == results[0][1]
        assert np.array_equal(params, results[0][2])


# ---- training ------------------------------------------------------------------------------

@pytest.mark.parametrize("optimizer, options", [
    ("sgd", {"momentum": 0.9}), ("sgd", {"momentum": 0.8, "nesterov": True}), ("sgd", {"momentum": 0.0}),
    ("adam", {}), ("adam", {"beta1": 0.8, "beta2": 0.99, "epsilon": 1e-6})])
@pytest.mark.parametrize("name", ["conv_pool_dense", "dropout", "vector"])
@pytest.mark.parametrize("shuffle", [True, False])
def test_fit_matches_the_reference(name, optimizer, options, shuffle):
    shape, layers = NETWORKS[name]
    ours, ref = pair(shape, layers, seed=11)
    X, y = data(shape, 23, ref.shapes[-1][0], seed=1)
    lr = 0.01 if optimizer == "adam" else 0.05
    kwargs = dict(epochs=3, lr=lr, batch_size=5, optimizer=optimizer, shuffle=shuffle, **options)
    history = ours.fit(X, y, **kwargs)
    expected = ref.fit(X, y, **kwargs)
    assert np.max(np.abs(np.subtract(history["loss"], expected["loss"])) / np.abs(expected["loss"])) <= TRAINING
    assert normwise_error(ours.parameters(), ref.params) <= TRAINING
    # Both streams moved on alike: a second run still agrees.
    history = ours.fit(X, y, **kwargs)
    expected = ref.fit(X, y, **kwargs)
    assert normwise_error(ours.parameters(), ref.params) <= TRAINING


@pytest.mark.parametrize("name", ["conv_pool_dense", "dropout"])
def test_fit_history_matches_the_reference(name):
    """Per-epoch training accuracy (as trained) and validation loss and accuracy agree with the
    reference's; the last validation figures are exactly what `evaluate` then says."""
    shape, layers = NETWORKS[name]
    ours, ref = pair(shape, layers, seed=4)
    X, y = data(shape, 30, 3, seed=5)
    Xv, yv = data(shape, 17, 3, seed=6)
    kwargs = dict(epochs=4, lr=0.01, batch_size=7, optimizer="adam", validation_data=(Xv, yv))
    history, expected = ours.fit(X, y, **kwargs), ref.fit(X, y, **kwargs)
    assert sorted(history) == ["accuracy", "loss", "seconds", "val_accuracy", "val_loss"]
    assert history["accuracy"] == expected["accuracy"] and history["val_accuracy"] == expected["val_accuracy"]
    for key in ("loss", "val_loss"):
        assert np.max(np.abs(np.subtract(history[key], expected[key])) / np.abs(expected[key])) <= TRAINING, key
    assert (history["val_loss"][-1], history["val_accuracy"][-1]) == ours.evaluate(Xv, yv)
    assert all(0 < t < 60 for t in history["seconds"])
    # Training accuracy moves in steps of 1/n; without validation data there are no val_ keys.
    assert all(round(a * 30) == a * 30 for a in history["accuracy"])
    assert sorted(ours.fit(X, y, epochs=1)) == ["accuracy", "loss", "seconds"]


def test_evaluate_and_score_match_the_reference():
    shape, layers = NETWORKS["strided"]
    ours, ref = pair(shape, layers, seed=8)
    X, y = data(shape, 50, 4, seed=9)
    loss, accuracy = ours.evaluate(X, y)
    ref_loss, ref_accuracy = ref.evaluate(X, y)
    assert abs(loss - ref_loss) <= FORWARD * abs(ref_loss) and accuracy == ref_accuracy
    assert ours.score(X, y) == accuracy == np.mean(ours.predict(X) == y)
    assert ours.loss(X, y) == loss


def test_masks_must_be_finite():
    shape, layers = NETWORKS["dropout"]
    net = CNN(shape, layers, seed=1)
    X, y = data(shape, 3, 3)
    masks = [np.ones((3, 4, 4, 4)), np.ones((3, 6))]
    before = net.parameters()
    net.gradients(X, y, masks=masks)
    masks[1][2, 5] = np.nan
    with pytest.raises(SwiftMoonsError, match="masks must be finite"):
        net.gradients(X, y, masks=masks)
    assert np.array_equal(net.parameters(), before)


def test_a_progress_bar_changes_nothing(capsys):
    shape, layers = NETWORKS["conv_pool_dense"]
    X, y = data(shape, 20, 3)
    shown, quiet = CNN(shape, layers, seed=3), CNN(shape, layers, seed=3)
    a = shown.fit(X, y, epochs=2, batch_size=4, progress=True)
    assert "batch" in capsys.readouterr().err  # the bar was drawn
    b = quiet.fit(X, y, epochs=2, batch_size=4)
    assert capsys.readouterr().err == ""
    assert a["loss"] == b["loss"] and np.array_equal(shown.parameters(), quiet.parameters())


def test_fit_learns():
    shape, layers = NETWORKS["conv_pool_dense"]
    net = CNN(shape, layers, seed=2)
    X, y = data(shape, 40, 3, seed=3)
    history = net.fit(X, y, epochs=30, lr=0.01, batch_size=8, optimizer="adam")
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert net.loss(X, y) < history["loss"][0]


# ---- bad input -----------------------------------------------------------------------------

BAD_CALLS = [
    (lambda net, X, y: net.forward(X[:, :1]), ValueError, r"X must have shape \(n,\) \+ \(3, 8, 8\)"),
    (lambda net, X, y: net.loss(X, y[:-1]), ValueError, r"y must have shape \(6,\)"),
    (lambda net, X, y: net.loss(X, y + 3), SwiftMoonsError, r"y must hold classes in 0..<3, got [345]"),
    (lambda net, X, y: net.gradients(X, -y - 1), SwiftMoonsError, r"y must hold classes in 0..<3, got -[123]"),
    (lambda net, X, y: net.gradients(X, y, masks=[np.ones(3)]), SwiftMoonsError, r"masks must hold 0 values"),
    (lambda net, X, y: net.fit(X, y, epochs=2, lr=-1.0), SwiftMoonsError, r"lr must be finite and > 0, got -1.0"),
    (lambda net, X, y: net.fit(X, y, epochs=2, lr=float("nan")), SwiftMoonsError, r"lr must be finite"),
    (lambda net, X, y: net.fit(X, y, epochs=2, momentum=1.5), SwiftMoonsError, r"momentum must be in \[0, 1\]"),
    (lambda net, X, y: net.fit(X, y, epochs=2, optimizer="adam", beta1=1.0), SwiftMoonsError, r"beta1 must be in"),
    (lambda net, X, y: net.fit(X, y, epochs=2, optimizer="adam", epsilon=0.0), SwiftMoonsError, r"epsilon must be"),
    (lambda net, X, y: net.fit(X, y, epochs=2, optimizer="rmsprop"), ValueError, r"optimizer must be one of"),
    (lambda net, X, y: net.fit(X, y, epochs=-1), ValueError, r"epochs must be in 0"),
    (lambda net, X, y: net.fit(X, y, epochs=1, batch_size=0), ValueError, r"batch_size must be"),
    (lambda net, X, y: net.fit(X, y.astype(float) + 0.5, epochs=1), ValueError, r"non-integral"),
    (lambda net, X, y: net.set_parameters(np.zeros(5)), SwiftMoonsError, r"params must hold \d+ values, got 5"),
    (lambda net, X, y: net.fit(X, y, epochs=1, validation_data=(X, y + 3)), SwiftMoonsError,
     r"y must hold classes in 0..<3"),
    (lambda net, X, y: net.fit(X, y, epochs=1, validation_data=(X[:, :1], y)), ValueError, r"X must have shape"),
    (lambda net, X, y: net.fit(X, y, epochs=1, validation_data=(X, y[:-1])), ValueError, r"y must have shape \(6,\)"),
    (lambda net, X, y: net.fit(X, y, epochs=1, validation_data=X), TypeError, r"validation_data must be a pair"),
    (lambda net, X, y: net.fit(X, y, epochs=1, validation_data=(X[:0], y[:0])), ValueError, r"at least one sample"),
    (lambda net, X, y: net.evaluate(X[:0], y[:0]), ValueError, r"at least one sample"),
    # Found by fuzz_api.py: NaN or infinite samples were trained on (every parameter became NaN).
    (lambda net, X, y: net.fit(np.where(X == X.flat[5], np.nan, X), y, epochs=1), ValueError,
     r"X must be finite; X has nan at row 0, column 5"),
    (lambda net, X, y: net.fit(X, y, epochs=1, validation_data=(X * np.inf, y)), ValueError, r"X_val must be finite"),
    # Found by fuzz_api.py: masks that are not a sequence raised len()'s TypeError.
    (lambda net, X, y: net.gradients(X, y, masks=5), TypeError, r"masks must be a sequence"),
    # Labels are refused by their own value (not the int64 cast's wrapped one, nor NumPy's warning).
    (lambda net, X, y: net.loss(X, np.array([0, 1, 2, 0, 1, 2**64 - 1], dtype=np.uint64)), ValueError,
     r"got 18446744073709551615"),
    (lambda net, X, y: net.loss(X, np.array([0, 1, 2, 0, 1, np.nan])), ValueError, r"got nan"),
]


@pytest.mark.parametrize("call, error, message", BAD_CALLS)
def test_bad_input_is_refused_and_changes_nothing(call, error, message):
    shape, layers = NETWORKS["conv_pool_dense"]
    net = CNN(shape, layers, seed=1)
    X, y = data(shape, 6, 3)
    before = net.parameters()
    with pytest.raises(error, match=message):
        call(net, X, y)
    assert np.array_equal(net.parameters(), before)
    # The streams did not move either: training now equals a fresh network's.
    fresh = CNN(shape, layers, seed=1)
    assert np.array_equal(net.fit(X, y, epochs=2)["loss"], fresh.fit(X, y, epochs=2)["loss"])


def test_bad_networks_are_refused_by_the_spec():
    with pytest.raises(ValueError, match="add Flatten"):
        CNN((3, 8, 8), [Dense(4)])
    with pytest.raises(ValueError, match="seed must be in"):
        CNN((4,), [Dense(2)], seed=-1)
    with pytest.raises(SwiftMoonsError, match="init must be one of"):
        CNN((4,), [Dense(2)], init="glorot")


@pytest.mark.parametrize("shape, layers", [
    ((2**64,), [Dense(2)]),
    ((3, 8, 8), [Conv2D(2**63, 3), Flatten(), Dense(2)]),
    ((3, 8, 8), [Conv2D(2, 3, stride=2**64 + 5), Flatten(), Dense(2)]),
    ((3, 8, 8), [MaxPool2D(2, stride=2**63), Flatten(), Dense(2)]),
    ((4,), [Dense(2**63)]),
])
def test_sizes_beyond_int64_are_refused_with_value_error(shape, layers):
    """Found by fuzz_api.py: NumPy's OverflowError came out of the int64 codes array."""
    with pytest.raises(ValueError, match="must be at most 2147483647"):
        CNN(shape, layers)


def test_closed_network_raises():
    net = CNN((4,), [Dense(2)])
    net.close()
    with pytest.raises(ValueError, match="closed"):
        net.parameters()


# ---- cancellation --------------------------------------------------------------------------

def test_cancelled_fit_changes_nothing(monkeypatch):
    """A KeyboardInterrupt while `fit` runs (as Ctrl-C raises it in the waiting thread) stops the
    native loop within a batch; the parameters and streams are as before."""
    from swiftmoons import _ffi

    shape, layers = NETWORKS["conv_pool_dense"]
    net = CNN(shape, layers, seed=1)
    X, y = data(shape, 400, 3)
    before = net.parameters()
    polls = {"n": 0}
    original = _ffi.run_long

    def interrupting(invoke, **kwargs):
        def watch(progress):
            polls["n"] += 1
            if polls["n"] >= 2:
                raise KeyboardInterrupt
        return original(invoke, watch=watch)

    monkeypatch.setattr(_ffi, "run_long", interrupting)
    with pytest.raises(KeyboardInterrupt):
        net.fit(X, y, epochs=10_000, batch_size=4)
    monkeypatch.undo()
    assert np.array_equal(net.parameters(), before)
    fresh = CNN(shape, layers, seed=1)
    assert np.array_equal(net.fit(X[:20], y[:20], epochs=1)["loss"], fresh.fit(X[:20], y[:20], epochs=1)["loss"])


# ---- copies, pickles and files ---------------------------------------------------------------

def _trains_alike(a, b, shape):
    X, y = data(shape, 24, 3, seed=7)
    ha = a.fit(X, y, epochs=2, batch_size=5, lr=0.02)
    hb = b.fit(X, y, epochs=2, batch_size=5, lr=0.02)
    return ha["loss"] == hb["loss"] and np.array_equal(a.parameters(), b.parameters())


@pytest.mark.parametrize("how", ["copy", "deepcopy", "pickle", "file"])
def test_copies_pickles_and_files_are_real(how, tmp_path):
    """A copy holds the layers, parameters and both streams (shuffle and dropout): it trains on
    exactly as the original, and training one leaves the other alone."""
    import copy
    import pickle

    import swiftmoons as sm

    shape, layers = NETWORKS["dropout"]
    net = CNN(shape, layers, seed=21)
    X, y = data(shape, 12, 3, seed=2)
    net.fit(X, y, epochs=1, batch_size=5)  # the streams have moved from their seeds
    net.tag = {"run": 3}
    if how == "copy":
        twin = copy.copy(net)
    elif how == "deepcopy":
        twin = copy.deepcopy(net)
    elif how == "pickle":
        twin = pickle.loads(pickle.dumps(net))
    else:
        net.save(tmp_path / "cnn.npz")
        twin = sm.load(tmp_path / "cnn.npz")
    assert type(twin) is CNN and twin.layers == net.layers and twin.input_shape == net.input_shape
    assert np.array_equal(twin.parameters(), net.parameters())
    if how != "file":
        assert twin.tag == {"run": 3}
    before = net.parameters()
    other = copy.copy(twin)
    other.fit(X, y, epochs=1)
    assert np.array_equal(net.parameters(), before) and np.array_equal(twin.parameters(), before)
    assert _trains_alike(net, twin, shape)


class Tagged(CNN):
    """A user's subclass (module level, so that pickle finds it)."""


def test_a_subclass_survives_pickling():
    import pickle

    net = Tagged((4,), [Dense(3), "relu", Dense(2)], seed=1)
    twin = pickle.loads(pickle.dumps(net))
    assert type(twin) is Tagged and np.array_equal(twin.parameters(), net.parameters())


def test_bad_cnn_files_are_refused(tmp_path):
    import json

    import swiftmoons as sm

    net = CNN((4,), [Dense(3), "relu", Dense(2)], seed=1)
    path = tmp_path / "cnn.npz"
    net.save(path)
    data_ = dict(np.load(path))
    header = json.loads(str(data_["header"]))

    def write(changes=None, header_changes=None, drop=None):
        arrays = dict(data_)
        arrays.update(changes or {})
        h = dict(header, **(header_changes or {}))
        arrays["header"] = np.array(json.dumps(h))
        if drop:
            arrays.pop(drop)
        bad = tmp_path / "bad.npz"
        with open(bad, "wb") as f:
            np.savez(f, **arrays)
        return bad

    with pytest.raises(ValueError, match=r"parameters must be 23 float64 values"):
        sm.load(write({"parameters": np.zeros(3)}))
    with pytest.raises(ValueError, match="newer than this swiftmoons reads"):
        sm.load(write(header_changes={"format_version": 99}))
    with pytest.raises(ValueError, match="layer 0 has kind 'Conv3D'"):
        sm.load(write(header_changes={"layers": [{"kind": "Conv3D"}]}))
    with pytest.raises(ValueError, match="layer 0: Dense units must be >= 1"):
        sm.load(write(header_changes={"layers": [{"kind": "Dense", "units": 0}]}))
    with pytest.raises(ValueError, match="the dropout stream's state is missing"):
        sm.load(write(drop="dropout_position"))
    with pytest.raises(ValueError, match="state key must be 624"):
        sm.load(write({"shuffle_key": np.zeros(3, dtype=np.uint32)}))
    truncated = tmp_path / "cut.npz"
    truncated.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ValueError, match="not a readable swiftmoons network file|not a swiftmoons network file"):
        sm.load(truncated)
