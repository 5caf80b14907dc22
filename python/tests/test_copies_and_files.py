"""Copies, pickles and saved files are real objects: each owns its own native
network or stream, bit-identical to the original, and independent of it."""

import copy
import json
import multiprocessing
import pickle
import zipfile

import numpy as np
import pytest

import swiftmoons as sm
from swiftmoons import article, storage
from swiftmoons.activations import PARAMETERS

OUTPUTS = {"sigmoid": 1, "softmax": 3, "identity": 2}
ACTIVATION_NAMES = sorted(PARAMETERS)


def same_arrays(a, b):
    return len(a) == len(b) and all(np.array_equal(x, y, equal_nan=True) for x, y in zip(a, b))


def targets(output, rows, rng):
    if output == "softmax":
        return rng.randint(0, 3, size=rows).astype(float)
    if output == "identity":
        return rng.randn(rows, 2)
    return (rng.rand(rows) > 0.5).astype(float)


def trained(activation, output, epochs=4, record=True):
    """A small network of every kind, trained a little, with records."""
    rng = np.random.RandomState(0)
    X = rng.randn(40, 3)
    y = targets(output, 40, rng)
    spec = (activation, 0.2) if PARAMETERS[activation] else activation
    net = sm.MLP((3, 5, 4, OUTPUTS[output]), activation=[spec, "tanh"], output=output, seed=1)
    net.fit(X, y, epochs=epochs, lr=0.05, batch_size=8, rng=2,
            record_every=2 if record else 0, record_params=record, X_eval=X[:10], y_eval=y[:10])
    return net, X, y


def assert_same_network(a, b):
    assert type(a) is type(b)
    assert a.layer_sizes == b.layer_sizes and a.activations == b.activations and a.output == b.output
    assert same_arrays(a.parameters(), b.parameters())
    assert a.loss_history == b.loss_history
    assert a.epochs_trained == b.epochs_trained
    ra, rb = a.records, b.records
    assert np.array_equal(ra.epochs, rb.epochs)
    assert np.array_equal(ra.eval_loss, rb.eval_loss, equal_nan=True)
    assert np.array_equal(ra.eval_accuracy, rb.eval_accuracy, equal_nan=True)
    assert (ra.params is None) == (rb.params is None)
    if ra.params is not None:
        assert all(same_arrays(x, y) for x, y in zip(ra.params, rb.params))


def assert_trains_on_identically(a, b, X, y):
    """Both continue to exactly the same numbers: nothing was lost or shared."""
    ha = a.fit(X, y, epochs=3, lr=0.05, batch_size=8, rng=9)
    hb = b.fit(X, y, epochs=3, lr=0.05, batch_size=8, rng=9)
    assert ha == hb
    assert same_arrays(a.parameters(), b.parameters())


COPIERS = {
    "copy": copy.copy,
    "deepcopy": copy.deepcopy,
    "pickle": lambda obj: pickle.loads(pickle.dumps(obj)),
}


@pytest.mark.parametrize("copier", sorted(COPIERS))
def test_deleting_a_copy_leaves_the_original_working(copier):
    net = sm.TwoLayerNet("relu", seed=3)
    X = np.random.RandomState(0).randn(5, 2)
    expected = net.forward(X)
    twin = COPIERS[copier](net)
    assert twin._h != net._h
    del twin
    assert np.array_equal(net.forward(X), expected)


@pytest.mark.parametrize("copier", sorted(COPIERS))
def test_training_a_copy_never_touches_the_original(copier):
    net, X, y = trained("relu", "sigmoid")
    before = net.parameters()
    history = list(net.loss_history)
    twin = COPIERS[copier](net)
    twin.fit(X, y, epochs=2, lr=0.5, batch_size=8, rng=1)
    twin.train_step(X, y, lr=0.5)
    assert same_arrays(net.parameters(), before)
    assert net.loss_history == history
    assert net.epochs_trained == 4 and twin.epochs_trained == 6


@pytest.mark.parametrize("output", sorted(OUTPUTS))
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_pickle_round_trip_is_bit_identical_for_every_activation_and_output(activation, output):
    net, X, y = trained(activation, output)
    twin = pickle.loads(pickle.dumps(net))
    assert_same_network(twin, net)
    assert_trains_on_identically(twin, net, X, y)


@pytest.mark.parametrize("output", sorted(OUTPUTS))
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_save_and_load_round_trip_is_bit_identical_for_every_activation_and_output(tmp_path, activation, output):
    net, X, y = trained(activation, output)
    path = tmp_path / "net.npz"
    net.save(path)
    loaded = sm.load(path)
    assert_same_network(loaded, net)
    assert_trains_on_identically(loaded, net, X, y)


def test_two_layer_net_keeps_its_class_through_files_and_pickles(tmp_path):
    net = sm.TwoLayerNet("sigmoid", seed=42)
    net.save(tmp_path / "a.npz")
    for twin in (sm.load(tmp_path / "a.npz"), pickle.loads(pickle.dumps(net)), copy.deepcopy(net)):
        assert isinstance(twin, sm.TwoLayerNet) and twin.act_name == "sigmoid"
        assert np.array_equal(twin.W1, net.W1)


def test_saved_file_is_readable_by_numpy_alone(tmp_path):
    net, _, _ = trained("prelu", "softmax")
    path = tmp_path / "net.npz"
    net.save(path)
    with np.load(path, allow_pickle=False) as data:
        header = json.loads(str(data["header"]))
        assert header["format"] == "swiftmoons.network" and header["format_version"] == storage.FORMAT_VERSION
        assert header["library_version"] == sm.__version__
        assert header["layer_sizes"] == [3, 5, 4, 3]
        assert header["activations"] == [["prelu", 0.2], ["tanh", None]]
        assert header["output"] == "softmax" and header["epochs_trained"] == 4
        assert header["parameters"] == net.param_names()
        for name, value in zip(net.param_names(), net.parameters()):
            assert np.array_equal(data[name], value)
        assert np.array_equal(data["loss_history"], net.loss_history)
        assert data["records_params"].shape == (2, net.parameter_count)


def test_a_path_without_extension_is_written_as_given(tmp_path):
    net = sm.TwoLayerNet("relu", seed=0)
    net.save(tmp_path / "model")
    assert (tmp_path / "model").is_file() and not (tmp_path / "model.npz").exists()
    assert np.array_equal(sm.load(tmp_path / "model").W2, net.W2)


def _write_with_header(path, header, arrays):
    with open(path, "wb") as f:
        np.savez(f, header=np.array(json.dumps(header)), **arrays)


def _saved_state(tmp_path):
    net, _, _ = trained("relu", "sigmoid")
    state = storage.state_of(net)
    return state["header"], state["arrays"]


BAD_HEADERS = {
    "newer format": (lambda h: h.update(format_version=99), "newer than this swiftmoons reads"),
    "foreign format": (lambda h: h.update(format="something.else"), "format"),
    "unknown class": (lambda h: h.update({"class": "Transformer"}), "class"),
    "bad layer sizes": (lambda h: h.update(layer_sizes=[2, -8, 1]), "layer_sizes"),
    "unknown activation": (lambda h: h.update(activations=[["softsign", None], ["tanh", None]]), "softsign"),
    "wrong activation count": (lambda h: h.update(activations=[["relu", None]]), "activations"),
    "negative epochs": (lambda h: h.update(epochs_trained=-4), "epochs_trained"),
    "epochs below records": (lambda h: h.update(epochs_trained=1), "epochs"),
    "missing parameter": (lambda h: h.update(parameters=h["parameters"] + ["W9"]), "W9"),
    "record count": (lambda h: h.update(records=5), "records"),
}


@pytest.mark.parametrize("case", sorted(BAD_HEADERS))
def test_inconsistent_files_raise_a_clear_value_error(tmp_path, case):
    header, arrays = _saved_state(tmp_path)
    change, message = BAD_HEADERS[case]
    change(header)
    path = tmp_path / "bad.npz"
    _write_with_header(path, header, arrays)
    with pytest.raises(ValueError, match=message):
        sm.load(path)


def test_wrong_parameter_shapes_raise(tmp_path):
    header, arrays = _saved_state(tmp_path)
    arrays["W2"] = np.zeros((4, 4))
    _write_with_header(tmp_path / "bad.npz", header, arrays)
    with pytest.raises(ValueError):
        sm.load(tmp_path / "bad.npz")


def test_truncated_corrupted_and_foreign_files_raise_value_error(tmp_path):
    net, _, _ = trained("gelu", "sigmoid")
    good = tmp_path / "good.npz"
    net.save(good)
    data = good.read_bytes()
    cases = {
        "empty": b"",
        "truncated": data[: len(data) // 2],
        "text": b"hello, this is not a network\n",
        "flipped": bytes(b ^ 0xFF if 200 <= i < 260 else b for i, b in enumerate(data)),
    }
    zero_header = tmp_path / "noheader.npz"
    np.savez(zero_header, W1=np.zeros((2, 2)))
    paths = [zero_header]
    for name, content in cases.items():
        path = tmp_path / f"{name}.npz"
        path.write_bytes(content)
        paths.append(path)
    # Every byte of the header member flipped in turn would take long; a
    # stride through the whole file catches each region.
    for i in range(0, len(data), max(1, len(data) // 40)):
        path = tmp_path / f"flip{i}.npz"
        path.write_bytes(data[:i] + bytes([data[i] ^ 0x5A]) + data[i + 1:])
        paths.append(path)
    outcomes = []
    for path in paths:
        try:
            loaded = sm.load(path)
        except ValueError as exc:
            assert str(path) in str(exc) or "not a valid" in str(exc)
            outcomes.append("error")
        else:  # a flip in a value the format cannot check (a weight's bits)
            outcomes.append("loaded")
            loaded.close()
    assert outcomes[: len(cases) + 1] == ["error"] * (len(cases) + 1)
    assert outcomes.count("error") >= len(cases) + 1
    with pytest.raises(FileNotFoundError):
        sm.load(tmp_path / "missing.npz")


def test_random_state_copies_and_pickles_continue_numpys_stream():
    ours = sm.RandomState(1000)
    numpy = np.random.RandomState(1000)
    ours.randn(7), numpy.randn(7)  # an odd count leaves a cached Gaussian
    for copier in COPIERS.values():
        twin = copier(ours)
        state, expected = twin.get_state(), numpy.get_state()
        assert state[0] == expected[0] and np.array_equal(state[1], expected[1])
        assert state[2:] == expected[2:]
        assert np.array_equal(twin.randn(5), np.random.RandomState(1000).randn(12)[7:])
    # The copies drew; the original did not move.
    assert np.array_equal(ours.randn(5), numpy.randn(5))


def test_deleting_an_unpickled_stream_leaves_the_original_alone():
    rs = sm.RandomState(5)
    twin = pickle.loads(pickle.dumps(rs))
    del twin
    assert np.array_equal(rs.random_sample(3), np.random.RandomState(5).random_sample(3))


def test_article_result_and_records_pickle():
    result = article.run(epochs=20)
    twin = pickle.loads(pickle.dumps(result))
    assert twin.test_accuracy == result.test_accuracy
    for name in result.nets:
        assert_same_network(twin.nets[name], result.nets[name])
        assert twin.nets[name]._h != result.nets[name]._h
    deep = copy.deepcopy(result)
    deep.nets["relu"].train_step(result.X_train, result.y_train, lr=1.0)
    assert not same_arrays(deep.nets["relu"].parameters(), result.nets["relu"].parameters())
    net, _, _ = trained("relu", "sigmoid")
    records = net.records
    back = pickle.loads(pickle.dumps(records))
    assert np.array_equal(back.epochs, records.epochs) and len(back.params) == len(records.params)


def _forward_in_child(net_and_x):
    net, X = net_and_x
    return net.forward(X)


def test_networks_cross_process_boundaries():
    net = sm.MLP((2, 6, 1), activation="swish", seed=4)
    X = np.random.RandomState(1).randn(9, 2)
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        out = pool.map(_forward_in_child, [(net, X)])[0]
    assert np.array_equal(out, net.forward(X))


def test_copies_free_their_native_objects():
    from swiftmoons import _ffi
    net = sm.TwoLayerNet("relu", seed=0)
    before = _ffi.live_object_count()
    for _ in range(200):
        for copier in COPIERS.values():
            copier(net)
    assert _ffi.live_object_count() == before


def test_from_params_needs_the_activation():
    net = sm.TwoLayerNet("sigmoid", seed=0)
    with pytest.raises(TypeError, match="activation"):
        sm.MLP.from_params(net.parameters())
    with pytest.raises(TypeError, match="activation"):
        sm.TwoLayerNet.from_params([net.W1, net.W2, net.W3], [net.b1, net.b2, net.b3])


class TaggedNet(sm.MLP):
    """A user's subclass: copies and pickles keep its class and attributes."""

    def describe(self):
        return f"{self.tag}: {self.layer_sizes}"


def test_subclasses_and_user_attributes_survive_copies_and_pickles():
    net = TaggedNet((2, 4, 1), activation="elu", seed=1)
    net.tag = "mine"
    for copier in COPIERS.values():
        twin = copier(net)
        assert type(twin) is TaggedNet and twin.describe() == "mine: (2, 4, 1)"
        assert np.array_equal(twin.W1, net.W1)


def test_records_with_and_without_parameters_mix_and_still_save(tmp_path):
    X, y = sm.make_moons(60, noise=0.1, random_state=0)
    net = sm.TwoLayerNet("relu", seed=0)
    net.fit(X, y, epochs=4, record_every=2, rng=0)
    net.fit(X, y, epochs=4, record_every=2, record_params=True, rng=1)
    net.fit(X, y, epochs=2, record_every=2, rng=2)
    records = net.records
    assert list(records.epochs) == [2, 4, 6, 8, 10] and len(records.params) == 5
    # Records made without parameters hold NaN blocks; the others the real ones.
    assert [bool(np.isnan(block[0]).all()) for block in records.params] == [True, True, False, False, True]
    net.save(tmp_path / "mixed.npz")
    assert_same_network(sm.load(tmp_path / "mixed.npz"), net)
    with pytest.raises(ValueError, match="record_params needs record_every"):
        net.fit(X, y, epochs=1, record_params=True)


def test_other_kinds_of_file_are_value_errors_naming_the_path(tmp_path):
    npy = tmp_path / "array.npy"
    np.save(npy, np.zeros(3))
    text = tmp_path / "notes.txt"
    text.write_text("not a network\n")
    junk_header = tmp_path / "junk.npz"
    with zipfile.ZipFile(junk_header, "w") as z:
        z.writestr("header.npy", b"junk")
    for path in (npy, text, junk_header):
        with pytest.raises(ValueError, match=str(path.name)) as info:
            sm.load(path)
        assert "allow_pickle" not in str(info.value)
    with pytest.raises(TypeError, match="path"):
        sm.load(None)
    with pytest.raises(TypeError, match="path"):
        sm.TwoLayerNet("relu").save([])


@pytest.mark.parametrize("change, message", [
    (lambda h: h.update(epochs_trained=2**64 + 5), "epochs_trained"),
    (lambda h: h.update(epochs_trained=2**63 - 1), "epochs_trained"),
    (lambda h: h.update(activations=[["leaky_relu", float("nan")], ["tanh", None]]), "finite"),
    (lambda h: h.update(output=None), "output"),
    (lambda h: h.update({"class": []}), "class"),
])
def test_header_values_that_would_wrap_or_mislead_are_refused(tmp_path, change, message):
    header, arrays = _saved_state(tmp_path)
    change(header)
    _write_with_header(tmp_path / "bad.npz", header, arrays)
    with pytest.raises(ValueError, match=message):
        sm.load(tmp_path / "bad.npz")


def test_shallow_copies_of_article_results_own_their_networks():
    result = article.run(epochs=5)
    expected = result.nets["relu"].forward(result.X_test)
    twin = copy.copy(result)
    assert all(twin.nets[k]._h != result.nets[k]._h for k in result.nets)
    twin.close()
    assert not result.nets["relu"].closed
    assert np.array_equal(result.nets["relu"].forward(result.X_test), expected)
