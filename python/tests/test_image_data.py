"""Image data sets: CIFAR-10 read from files in its official format (and
nothing else run while reading them), the procedural shapes, and the digits
as images."""

import os
import pickle
import struct

import numpy as np
import pytest

import swiftmoons as sm
from swiftmoons.data import (CIFAR10_CLASSES, SHAPE_CLASSES, load_cifar10, load_digit_images, make_shapes)

TRAIN = [f"data_batch_{i}" for i in range(1, 6)]
#: Rows per batch of the stand-in files (the real ones hold 10000).
ROWS = 3


# MARK: - CIFAR-10 stand-ins in the official format

def pixel_index(channel, row, col):
    """Where a pixel sits in a CIFAR-10 row: 1024 red, 1024 green, 1024 blue values, each 32 rows of 32."""
    return channel * 1024 + row * 32 + col


def batch_data(batch, rows=ROWS):
    """uint8 (rows, 3072): every pixel of row r of batch b is 10 b + r, and the green pixel at (5, 7) is 250."""
    data = np.repeat((10 * batch + np.arange(rows, dtype=np.uint8))[:, None], 3072, axis=1).astype(np.uint8)
    data[:, pixel_index(1, 5, 7)] = 250
    return data


def write_batch(path, data, labels, protocol=2):
    with open(path, "wb") as f:
        pickle.dump({b"batch_label": b"training batch", b"labels": labels, b"data": data,
                     b"filenames": [b"x.png"] * len(labels)}, f, protocol=protocol)


def write_cifar(folder, rows=ROWS, meta=True):
    """The official layout: data_batch_1..5 (batch b, b = 1..5), test_batch (b = 0), batches.meta."""
    folder.mkdir(parents=True, exist_ok=True)
    for b, name in enumerate(TRAIN, start=1):
        write_batch(folder / name, batch_data(b, rows), [(b + r) % 10 for r in range(rows)])
    write_batch(folder / "test_batch", batch_data(0, rows), [9 - r for r in range(rows)])
    if meta:
        with open(folder / "batches.meta", "wb") as f:
            pickle.dump({b"label_names": [n.encode() for n in CIFAR10_CLASSES], b"num_cases_per_batch": rows,
                         b"num_vis": 3072}, f, protocol=2)
    return folder


def python2_pickle(obj):
    """Protocol-2 bytes as Python 2's cPickle wrote CIFAR-10: str as BINSTRING, arrays through numpy.core."""
    if isinstance(obj, dict):
        return b"}(" + b"".join(python2_pickle(k) + python2_pickle(v) for k, v in obj.items()) + b"u"
    if isinstance(obj, list):
        return b"](" + b"".join(python2_pickle(v) for v in obj) + b"e"
    if isinstance(obj, int):
        return b"J" + struct.pack("<i", obj)
    if isinstance(obj, bytes):
        return b"T" + struct.pack("<I", len(obj)) + obj
    assert isinstance(obj, np.ndarray) and obj.dtype == np.uint8 and obj.ndim == 2
    dtype = b"cnumpy\ndtype\n" + python2_pickle(b"u1") + b"K\x00K\x01\x87R(K\x03" + python2_pickle(b"|") + \
        b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb"
    return (b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85" + python2_pickle(b"b") + b"\x87R"
            + b"(K\x01" + python2_pickle(obj.shape[0]) + python2_pickle(obj.shape[1]) + b"\x86" + dtype + b"\x89"
            + python2_pickle(obj.tobytes()) + b"tb")


@pytest.fixture
def cifar(tmp_path):
    return write_cifar(tmp_path / "cifar-10-batches-py")


def test_cifar_pixels_land_in_nchw_order_scaled_to_one(cifar):
    X_train, X_test, y_train, y_test = load_cifar10(cifar)
    assert X_train.shape == (5 * ROWS, 3, 32, 32) and X_test.shape == (ROWS, 3, 32, 32)
    assert X_train.dtype == X_test.dtype == np.float64 and y_train.dtype == y_test.dtype == np.int64
    # The green plane's row 5, column 7, and nothing else, holds 250.
    assert (X_train[:, 1, 5, 7] == 250 / 255).all()
    marked = np.zeros((3, 32, 32), dtype=bool)
    marked[1, 5, 7] = True
    assert (X_train[:, ~marked] != 250 / 255).all()


def test_cifar_batches_come_in_order_one_to_five_then_the_test_batch(cifar):
    X_train, X_test, y_train, y_test = load_cifar10(cifar)
    expected = [10 * b + r for b in range(1, 6) for r in range(ROWS)]
    assert (X_train[:, 0, 0, 0] * 255).round().tolist() == expected
    assert y_train.tolist() == [(b + r) % 10 for b in range(1, 6) for r in range(ROWS)]
    assert (X_test[:, 2, 31, 31] * 255).round().tolist() == list(range(ROWS))
    assert y_test.tolist() == [9 - r for r in range(ROWS)]


def test_cifar_reads_files_written_by_python2(tmp_path):
    folder = tmp_path / "py2"
    folder.mkdir()
    for b, name in enumerate([*TRAIN, "test_batch"], start=1):
        batch = {b"batch_label": b"batch", b"labels": [b % 10, 3], b"data": batch_data(b, 2)}
        (folder / name).write_bytes(b"\x80\x02" + python2_pickle(batch) + b".")
    (folder / "batches.meta").write_bytes(
        b"\x80\x02" + python2_pickle({b"label_names": [n.encode() for n in CIFAR10_CLASSES]}) + b".")
    X_train, X_test, y_train, y_test = load_cifar10(folder)
    assert np.array_equal(X_train, np.concatenate([batch_data(b, 2) for b in range(1, 6)]).reshape(-1, 3, 32, 32) / 255)
    assert y_test.tolist() == [6, 3] and X_train[0, 1, 5, 7] == 250 / 255


def test_cifar_first_n_rows(cifar):
    X_train, X_test, y_train, y_test = load_cifar10(cifar, n_train=ROWS + 1, n_test=2)
    assert (X_train[:, 0, 0, 0] * 255).round().tolist() == [10, 11, 12, 20]
    assert len(y_train) == ROWS + 1 and X_test.shape == (2, 3, 32, 32) and y_test.tolist() == [9, 8]


def test_cifar_reads_only_the_batches_it_needs(cifar):
    (cifar / "data_batch_3").write_bytes(b"not read")
    X_train, *_ = load_cifar10(cifar, n_train=2 * ROWS)
    assert len(X_train) == 2 * ROWS
    with pytest.raises(ValueError, match="data_batch_3"):
        load_cifar10(cifar, n_train=2 * ROWS + 1)


@pytest.mark.parametrize("bad, error", [(0, ValueError), (-1, ValueError), (5 * ROWS + 1, ValueError),
                                        ("3", TypeError), (1.5, TypeError), (True, TypeError)])
def test_cifar_rejects_bad_counts(cifar, bad, error):
    with pytest.raises(error, match="n_train"):
        load_cifar10(cifar, n_train=bad)
    with pytest.raises(error if bad != 5 * ROWS + 1 else ValueError, match="n_test"):
        load_cifar10(cifar, n_test=bad)


def test_cifar_directory_from_the_environment_and_the_parent_folder(cifar, monkeypatch):
    expected = load_cifar10(cifar)
    monkeypatch.setenv("SWIFTMOONS_CIFAR10", str(cifar))
    from_env = load_cifar10()
    monkeypatch.setenv("SWIFTMOONS_CIFAR10", str(cifar.parent))
    from_parent_env = load_cifar10()
    from_parent = load_cifar10(cifar.parent)
    for got in (from_env, from_parent_env, from_parent):
        assert all(np.array_equal(a, b) for a, b in zip(got, expected))


def test_cifar_without_meta_loads(tmp_path):
    folder = write_cifar(tmp_path / "plain", meta=False)
    assert len(load_cifar10(folder)[0]) == 5 * ROWS


def test_cifar_missing_says_where_it_looked_and_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.delenv("SWIFTMOONS_CIFAR10", raising=False)
    with pytest.raises(FileNotFoundError) as info:
        load_cifar10(tmp_path / "nowhere")
    message = str(info.value)
    for part in [str(tmp_path / "nowhere"), "data_batch_1", "data_batch_5", "test_batch", "Nothing is downloaded",
                 "https://www.cs.toronto.edu/~kriz/cifar.html", "CIFAR-10 python version", "tar.gz",
                 "SWIFTMOONS_CIFAR10", "load_cifar10(directory)"]:
        assert part in message, part
    with pytest.raises(FileNotFoundError, match="no directory given.*SWIFTMOONS_CIFAR10"):
        load_cifar10()


def test_cifar_names_the_missing_file(cifar):
    (cifar / "data_batch_4").unlink()
    with pytest.raises(FileNotFoundError, match="missing data_batch_4;"):
        load_cifar10(cifar)


def corrupt(folder, name, change):
    """Rewrite one file after ``change(batch_dict)`` or, for bytes, with those bytes."""
    path = folder / name
    if isinstance(change, bytes):
        path.write_bytes(change)
        return
    with open(path, "rb") as f:
        batch = pickle.load(f)
    changed = change(batch)
    with open(path, "wb") as f:
        pickle.dump(batch if changed is None else changed, f, protocol=2)


MALFORMED = {
    "no data": ("data_batch_2", lambda b: {k: v for k, v in b.items() if k != b"data"}, "no b'data' entry"),
    "no labels": ("test_batch", lambda b: {k: v for k, v in b.items() if k != b"labels"}, "no b'labels' entry"),
    "float data": ("data_batch_1", lambda b: b.update({b"data": b[b"data"].astype(np.float32)}), "uint8 array"),
    "short rows": ("data_batch_1", lambda b: b.update({b"data": b[b"data"][:, :3071].copy()}), r"\(rows, 3072\)"),
    "flat data": ("data_batch_1", lambda b: b.update({b"data": b[b"data"].ravel().copy()}), r"\(rows, 3072\)"),
    "label 10": ("data_batch_5", lambda b: b.update({b"labels": [10] * ROWS}), "label 10 is outside 0..9"),
    "label -1": ("data_batch_5", lambda b: b.update({b"labels": [0, -1, 0]}), "label -1 is outside 0..9"),
    "string labels": ("data_batch_5", lambda b: b.update({b"labels": [b"cat"] * ROWS}), "list of ints"),
    "too few labels": ("data_batch_3", lambda b: b.update({b"labels": [1] * (ROWS - 1)}), "2 labels for 3 rows"),
    "not a dict": ("data_batch_1", lambda b: [b], "holds a list, not the dict"),
    "truncated": ("data_batch_2", None, "truncated or not a pickle"),
    "garbage": ("test_batch", b"\x00garbage", "truncated or not a pickle"),
    "empty": ("test_batch", b"", "truncated or not a pickle"),
    "wrong class names": ("batches.meta", lambda b: b.update({b"label_names": [b"a"] * 10}), "not CIFAR-10's"),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_cifar_malformed_file_is_a_value_error_naming_it(cifar, case):
    name, change, message = MALFORMED[case]
    if change is None:  # cut the pickle in half
        change = (cifar / name).read_bytes()[:2000]
    corrupt(cifar, name, change)
    with pytest.raises(ValueError, match=message) as info:
        load_cifar10(cifar)
    assert name in str(info.value)


class Payload:
    """Unpickling this calls os.mkdir(marker): the proof that a pickle ran code."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.mkdir, (self.marker,)


@pytest.mark.parametrize("where", ["data", "labels", "top"])
def test_a_pickle_that_would_run_code_is_refused_and_runs_nothing(cifar, tmp_path, where):
    marker = tmp_path / "the-payload-ran"
    payload = Payload(marker)
    with open(cifar / "data_batch_1", "rb") as f:
        batch = pickle.load(f)
    if where == "top":
        batch = payload
    else:
        batch[where.encode()] = payload
    with open(cifar / "data_batch_1", "wb") as f:
        pickle.dump(batch, f, protocol=2)
    with pytest.raises(ValueError, match=r"refusing to load .*data_batch_1.*asks for (os|posix)\.mkdir"):
        load_cifar10(cifar)
    assert not marker.exists()
    # The same file through plain pickle does run it: the test's payload is real.
    with open(cifar / "data_batch_1", "rb") as f:
        pickle.load(f)
    assert marker.exists()


def test_only_latin1_bytes_may_be_encoded(cifar):
    class Encode:
        def __reduce__(self):
            import _codecs
            return _codecs.encode, ("x", "rot13")
    corrupt(cifar, "test_batch", lambda b: b.update({b"batch_label": Encode()}))
    with pytest.raises(ValueError, match="latin-1"):
        load_cifar10(cifar)


# MARK: - make_shapes

def test_make_shapes_shapes_dtype_and_range():
    X, y = make_shapes(50, image_size=16, random_state=0)
    assert X.shape == (50, 3, 16, 16) and X.dtype == np.float64 and y.shape == (50,) and y.dtype == np.int64
    assert X.min() >= 0 and X.max() <= 1 and len(SHAPE_CLASSES) == 10
    assert make_shapes(10, random_state=0)[0].shape == (10, 3, 32, 32)


def test_make_shapes_balances_and_shuffles_the_classes():
    _, y = make_shapes(1003, random_state=0)
    assert np.bincount(y).tolist() == [101, 101, 101] + [100] * 7
    assert not np.array_equal(y, np.sort(y))


def test_make_shapes_is_determined_by_the_seed():
    X, y = make_shapes(100, random_state=3)
    X2, y2 = make_shapes(100, random_state=3)
    X_ours, y_ours = make_shapes(100, random_state=sm.RandomState(3))
    X_numpy, y_numpy = make_shapes(100, random_state=np.random.RandomState(3))
    for other in ((X2, y2), (X_ours, y_ours), (X_numpy, y_numpy)):
        assert np.array_equal(other[0], X) and np.array_equal(other[1], y)
    X4, y4 = make_shapes(100, random_state=4)
    assert not np.array_equal(X4, X) and not np.array_equal(y4, y)


def test_make_shapes_advances_a_shared_stream():
    stream = np.random.RandomState(0)
    first, _ = make_shapes(20, random_state=stream)
    second, _ = make_shapes(20, random_state=stream)
    assert not np.array_equal(first, second)


def test_without_noise_each_image_is_two_contrasting_colours():
    X, y = make_shapes(200, noise=0.0, random_state=1)
    luma = np.array([0.299, 0.587, 0.114])
    for image in X:
        colours = np.unique(image.reshape(3, -1).T, axis=0)
        assert len(colours) == 2
        assert abs((colours[0] - colours[1]) @ luma) >= 0.25


@pytest.mark.parametrize("kwargs, error", [
    ({"n_samples": 9}, ValueError), ({"n_samples": "10"}, TypeError), ({"n_samples": 10.5}, TypeError),
    ({"image_size": 7}, ValueError), ({"image_size": 8.5}, TypeError),
    ({"noise": -0.1}, ValueError), ({"noise": float("nan")}, ValueError), ({"noise": float("inf")}, ValueError),
    ({"noise": "0.1"}, TypeError), ({"random_state": "seed"}, TypeError), ({"random_state": 2**32}, ValueError)])
def test_make_shapes_rejects_bad_arguments(kwargs, error):
    with pytest.raises(error, match=next(iter(kwargs))):
        make_shapes(**kwargs)


def test_make_shapes_works_at_the_smallest_size():
    X, y = make_shapes(10, image_size=8, random_state=0)
    assert X.shape == (10, 3, 8, 8) and sorted(y.tolist()) == list(range(10))


def shape_features(X):
    """Log magnitudes of the 2-D Fourier transform of the standardized gray image:
    blind to where the shape is (a shift changes only phases) and to which colour is in front."""
    gray = X.mean(axis=1)
    gray = (gray - gray.mean(axis=(1, 2), keepdims=True)) / (gray.std(axis=(1, 2), keepdims=True) + 1e-9)
    return np.log1p(np.abs(np.fft.fft2(gray))).reshape(len(X), -1)


#: Chance is 10% (held out: 2000 images, so one standard deviation of a chance score is 0.7%). A linear
#: model on the shapes' spectra reaches about 97%; on the mean colour about 10%, and 15.5% when 30%
#: of a grey that tells the class is mixed into the background.
SHAPES_LEARNED = 0.8
COLOUR_CHANCE = 0.13


def test_the_classes_are_shapes_a_classifier_learns_not_colours():
    linear_model = pytest.importorskip("sklearn.linear_model")
    X, y = make_shapes(1000, random_state=0)
    X_test, y_test = make_shapes(2000, random_state=1)
    on_shapes = linear_model.LogisticRegression(max_iter=1000).fit(shape_features(X), y)
    assert on_shapes.score(shape_features(X_test), y_test) > SHAPES_LEARNED
    on_colour = linear_model.LogisticRegression(max_iter=1000).fit(X.mean(axis=(2, 3)), y)
    assert on_colour.score(X_test.mean(axis=(2, 3)), y_test) < COLOUR_CHANCE


# MARK: - load_digit_images

def test_digit_images_are_sklearns_digits_split_as_sklearn_splits():
    datasets = pytest.importorskip("sklearn.datasets")
    from sklearn.model_selection import train_test_split
    digits = datasets.load_digits()
    expected = train_test_split(digits.images / 16.0, digits.target, test_size=0.25, random_state=7)
    got = load_digit_images(random_state=7)
    assert got[0].shape == (1347, 1, 8, 8) and got[1].shape == (450, 1, 8, 8)
    assert np.array_equal(got[0][:, 0], expected[0]) and np.array_equal(got[1][:, 0], expected[1])
    assert np.array_equal(got[2], expected[2]) and np.array_equal(got[3], expected[3])
    assert got[0].dtype == np.float64 and got[2].dtype == np.int64 and got[0].max() == 1.0


def test_digit_images_and_digits_data_are_the_same_split():
    from swiftmoons.experiments import load_digits_data
    images = load_digit_images(test_size=0.25, random_state=5)
    flat = load_digits_data(seed=5)
    assert np.array_equal(images[0].reshape(-1, 64), flat[0]) and np.array_equal(images[3], flat[3])


def test_digit_images_test_size():
    _, X_test, _, y_test = load_digit_images(test_size=100, random_state=0)
    assert X_test.shape == (100, 1, 8, 8) and y_test.shape == (100,)
