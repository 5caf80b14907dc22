"""The two native builds: which one loads, and that they compute the same numbers.

`make lib` compiles the library twice, for AVX2 (the baseline, which runs on
every machine this project targets) and for AVX-512; the package loads the
AVX-512 build only on a processor that reports every instruction group it
needs. Both come from the same source without fast-math, so every result
must be bit for bit the same.
"""

import os
import subprocess
import sys

import numpy as np
import pytest

import swiftmoons as sm
from swiftmoons import _ffi
from conftest import ROOT

ALL = _ffi.AVX512_FLAGS | {"avx2", "fma", "sse4_2"}
HAS_AVX512 = _ffi.AVX512_FLAGS <= _ffi.cpu_flags()
AVX512_BUILD = ROOT / "python" / "swiftmoons" / _ffi.AVX512_LIBRARY_NAME


def test_auto_picks_avx512_only_when_every_group_is_there():
    assert _ffi.variant_to_load(None, frozenset(ALL)) == "avx512"
    assert _ffi.variant_to_load("auto", frozenset(ALL)) == "avx512"
    for missing in _ffi.AVX512_FLAGS:
        assert _ffi.variant_to_load(None, frozenset(ALL - {missing})) == "avx2"
    assert _ffi.variant_to_load(None, frozenset()) == "avx2"


def test_forced_variants():
    assert _ffi.variant_to_load("avx2", frozenset(ALL)) == "avx2"
    assert _ffi.variant_to_load("avx512", frozenset(ALL)) == "avx512"
    # Forcing AVX-512 where it would crash is an error, not an illegal instruction.
    with pytest.raises(OSError, match="avx512vl"):
        _ffi.variant_to_load("avx512", frozenset(ALL - {"avx512vl"}))
    with pytest.raises(OSError, match="auto, avx2 or avx512"):
        _ffi.variant_to_load("sse2", frozenset(ALL))


def test_forcing_avx512_on_a_processor_without_it_fails_at_import():
    if HAS_AVX512:
        pytest.skip("this processor has AVX-512: covered by test_forced_variants with fake flags")
    env = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "SWIFTMOONS_LIBRARY")}
    env["SWIFTMOONS_VARIANT"] = "avx512"
    result = subprocess.run([sys.executable, "-c", "import swiftmoons"], capture_output=True, text=True,
                            env=env, cwd=str(ROOT), timeout=60)
    assert result.returncode == 1 and "OSError" in result.stderr and "lacks" in result.stderr


def test_an_avx512_build_is_refused_where_the_processor_lacks_it(monkeypatch):
    # The loader asks the library what it was built for before using it.
    if not AVX512_BUILD.is_file():
        pytest.fail(f"{AVX512_BUILD} is missing: `make lib` builds it")
    monkeypatch.setenv("SWIFTMOONS_LIBRARY", str(AVX512_BUILD))
    monkeypatch.setenv("SWIFTMOONS_VARIANT", "auto")
    monkeypatch.setattr(_ffi, "cpu_flags", lambda: frozenset({"avx2", "fma"}))
    with pytest.raises(OSError, match="built for AVX-512, which this processor lacks"):
        _ffi._load()
    monkeypatch.setenv("SWIFTMOONS_LIBRARY", str(AVX512_BUILD.with_name(_ffi.LIBRARY_NAME)))
    assert _ffi._load().sm_build_variant() == b"avx2"


def test_the_loaded_build_fits_the_processor():
    if os.environ.get("SWIFTMOONS_LIBRARY") or os.environ.get("SWIFTMOONS_VARIANT"):
        pytest.skip("the library was chosen by hand")
    expected = "avx512" if HAS_AVX512 and AVX512_BUILD.is_file() else "avx2"
    assert sm.native_variant == expected
    assert sm.native_variant == _ffi.build_variant()


# Every kind of kernel: training (both activations, the recorded test
# metrics), a large threaded forward pass, an MLP with other activations and
# a softmax output, gradients, and a sweep on two threads.
RESULTS = """
import sys
import numpy as np
import swiftmoons as sm
from swiftmoons import article
r = article.run(epochs=200)
g = np.linspace(-3, 3, 300)
grid = np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)
X, y = r.X_train, r.y_train
mlp = sm.MLP([2, 16, 16, 3], activation=["gelu", "tanh"], output="softmax", seed=1)
labels = (y + (X[:, 0] > 0)).astype(int)
mlp_loss = mlp.fit(X, labels, epochs=50, lr=0.1, batch_size=32, rng=sm.RandomState(0))
swept = sm.sweep(range(3), activations=("sigmoid", "relu", "elu"), epochs=100, threads=2)
np.savez(sys.argv[1], variant=sm.native_variant,
         sigmoid_loss=r.loss_history["sigmoid"], relu_loss=r.loss_history["relu"],
         accuracy=[r.test_accuracy["sigmoid"], r.test_accuracy["relu"]],
         sigmoid_grid=r.nets["sigmoid"].forward(grid), relu_grid=r.nets["relu"].forward(grid),
         mlp_loss=mlp_loss, mlp_out=mlp.forward(grid[:1000]),
         mlp_grad=np.concatenate([g.ravel() for g in mlp.gradients(X, labels)[1]]),
         sweep_loss=swept["loss_history"], sweep_acc=swept["test_accuracy"])
"""


def _results(variant, path):
    env = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "SWIFTMOONS_LIBRARY")}
    env["SWIFTMOONS_VARIANT"] = variant
    subprocess.run([sys.executable, "-c", RESULTS, str(path)], check=True, env=env, cwd=str(ROOT), timeout=300)
    return np.load(path)


def test_both_builds_give_identical_results(tmp_path):
    if not HAS_AVX512:
        pytest.skip("this processor lacks AVX-512, so only the AVX2 build can run here")
    if not AVX512_BUILD.is_file():
        pytest.fail(f"{AVX512_BUILD} is missing: `make lib` builds it")
    base, wide = _results("avx2", tmp_path / "avx2.npz"), _results("avx512", tmp_path / "avx512.npz")
    assert str(base["variant"]) == "avx2" and str(wide["variant"]) == "avx512"
    for key in base.files:
        if key != "variant":
            assert np.array_equal(base[key], wide[key]), key
