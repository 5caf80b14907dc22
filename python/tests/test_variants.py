"""The native builds: which one loads, and that they compute the same numbers.

scripts/build_native.py (`make lib`) compiles the library three times from
one source on x86-64: a baseline for any x86-64 (no VEX or EVEX
instruction), AVX2 with FMA, and AVX-512. The package loads the best build
whose every instruction group the processor reports. No build uses
fast-math, and the kernels' fused multiply-adds are written as such (the
baseline computes them exactly in software), so every result must be the
same bit for bit across the three.
"""

import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

import swiftmoons as sm
from swiftmoons import _ffi
from conftest import ROOT

PACKAGE = ROOT / "python" / "swiftmoons"
BUILDS = {v: PACKAGE / _ffi.packaged_name(v) for v in _ffi.VARIANT_FLAGS}
FLAGS = _ffi.cpu_flags()
RUNNABLE = _ffi.runnable_variants(FLAGS)
EVERYTHING = frozenset().union(*_ffi.VARIANT_FLAGS.values()) | {"sse4_2"}


def test_auto_picks_the_best_variant_whose_every_feature_is_there():
    assert _ffi.variant_to_load(None, EVERYTHING) == ["avx512", "avx2", "baseline"]
    assert _ffi.variant_to_load("auto", EVERYTHING) == ["avx512", "avx2", "baseline"]
    for missing in _ffi.VARIANT_FLAGS["avx512"] - _ffi.HASWELL_FLAGS:
        assert _ffi.variant_to_load(None, EVERYTHING - {missing}) == ["avx2", "baseline"]
    for missing in _ffi.HASWELL_FLAGS:  # FMA, BMI2, MOVBE, ... each one matters
        assert _ffi.variant_to_load(None, EVERYTHING - {missing}) == ["baseline"]
    assert _ffi.variant_to_load(None, frozenset()) == ["baseline"]


def test_forced_variants():
    for variant in ("baseline", "avx2", "avx512"):
        assert _ffi.variant_to_load(variant, EVERYTHING) == [variant]
    with pytest.raises(OSError, match="avx512vl"):
        _ffi.variant_to_load("avx512", EVERYTHING - {"avx512vl"})
    with pytest.raises(OSError, match="fma"):
        _ffi.variant_to_load("avx2", EVERYTHING - {"fma"})
    with pytest.raises(OSError, match="auto, avx512, avx2, baseline"):
        _ffi.variant_to_load("sse2", EVERYTHING)


def test_every_variant_of_this_architecture_was_built():
    expected = ["baseline", "avx2", "avx512"] if os.uname().machine == "x86_64" else ["baseline"]
    missing = [str(BUILDS[v]) for v in expected if not BUILDS[v].is_file()]
    assert not missing, f"missing builds (make lib makes them): {missing}"


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="the VEX/EVEX check is about x86-64")
def test_the_baseline_has_no_vex_or_evex_instruction():
    objdump = shutil.which("objdump")
    if objdump is None:
        pytest.fail("objdump (binutils) is needed to inspect the baseline build")
    listing = subprocess.run([objdump, "-d", "--no-show-raw-insn", str(BUILDS["baseline"])],
                             capture_output=True, text=True, check=True).stdout
    # VEX and EVEX instructions are the ones whose mnemonics gain a leading v
    # (vmovapd, vfmadd231pd, vpxor, ...) or use the ymm/zmm/k registers.
    mnemonic = re.compile(r"^\s*[0-9a-f]+:\s+(v[a-z0-9]+)\s", re.MULTILINE)
    vex = sorted(set(m.group(1) for m in mnemonic.finditer(listing)) - {"verr", "verw"})
    wide = re.findall(r"%[yz]mm\d+|%k[0-7]\b", listing)
    assert not vex and not wide, f"{len(vex)} VEX/EVEX mnemonics, e.g. {vex[:8]}; {len(wide)} ymm/zmm/k operands"
    # ...while the tuned builds have them (the check can fail).
    avx2 = subprocess.run([objdump, "-d", "--no-show-raw-insn", str(BUILDS["avx2"])],
                          capture_output=True, text=True, check=True).stdout
    assert "vfmadd" in avx2 and "%ymm" in avx2


def test_a_build_for_more_than_the_processor_has_is_refused(monkeypatch):
    """However the file is named, a library compiled for absent instructions never loads."""
    monkeypatch.setenv("SWIFTMOONS_LIBRARY", str(BUILDS["avx512"]))
    monkeypatch.delenv("SWIFTMOONS_VARIANT", raising=False)
    monkeypatch.setattr(_ffi, "cpu_flags", lambda: _ffi.HASWELL_FLAGS)
    with pytest.raises(OSError, match="built for avx512, which this processor lacks"):
        _ffi._load()
    monkeypatch.setenv("SWIFTMOONS_LIBRARY", str(BUILDS["avx2"]))
    monkeypatch.setattr(_ffi, "cpu_flags", lambda: frozenset({"sse2", "avx", "avx2"}))  # no FMA
    with pytest.raises(OSError, match="built for avx2, which this processor lacks"):
        _ffi._load()
    monkeypatch.setenv("SWIFTMOONS_LIBRARY", str(BUILDS["baseline"]))
    assert _ffi._load().sm_build_variant() == b"baseline"


def test_forcing_a_variant_the_processor_lacks_fails_at_import():
    absent = [v for v in _ffi.VARIANT_FLAGS if v not in RUNNABLE]
    if not absent:
        pytest.skip("this processor runs every variant: covered by test_forced_variants with fake flags")
    env = dict(os.environ, SWIFTMOONS_VARIANT=absent[0])
    result = subprocess.run([sys.executable, "-c", "import swiftmoons"], capture_output=True, text=True, env=env)
    assert result.returncode == 1 and "lacks" in result.stderr


def test_the_loaded_build_fits_the_processor():
    if os.environ.get("SWIFTMOONS_LIBRARY") or os.environ.get("SWIFTMOONS_VARIANT"):
        pytest.skip("the library was chosen by hand")
    assert sm.native_variant == RUNNABLE[0]
    assert sm.native_variant == _ffi.build_variant()


# Every kind of kernel: training (both activations, the recorded test
# metrics), a large threaded forward pass, an MLP with other activations and
# a softmax output, gradients, a sweep on two threads, and every activation
# and derivative on a grid with its tails.
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
z = np.concatenate([np.linspace(-40, 40, 8001), [-745.5, -1e300, 1e300, 5e-324, -0.0]])
acts = np.stack([sm.activations.evaluate(n, z, derivative=d) for n in sm.activations.PARAMETERS for d in (False, True)])
np.savez(sys.argv[1], variant=sm.native_variant,
         sigmoid_loss=r.loss_history["sigmoid"], relu_loss=r.loss_history["relu"],
         accuracy=[r.test_accuracy["sigmoid"], r.test_accuracy["relu"]],
         sigmoid_grid=r.nets["sigmoid"].forward(grid), relu_grid=r.nets["relu"].forward(grid),
         mlp_loss=mlp_loss, mlp_out=mlp.forward(grid[:1000]),
         mlp_grad=np.concatenate([g.ravel() for g in mlp.gradients(X, labels)[1]]),
         sweep_loss=swept["loss_history"], sweep_acc=swept["test_accuracy"], activations=acts)
"""


def _results(variant, path):
    env = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "SWIFTMOONS_LIBRARY")}
    env["SWIFTMOONS_VARIANT"] = variant
    subprocess.run([sys.executable, "-c", RESULTS, str(path)], check=True, env=env, cwd=str(ROOT), timeout=300)
    return np.load(path)


@pytest.mark.parametrize("variant", ["baseline", "avx512"])
def test_every_build_gives_the_avx2_builds_numbers_bit_for_bit(tmp_path, variant):
    if variant not in RUNNABLE or "avx2" not in RUNNABLE:
        pytest.skip(f"this processor cannot run both the avx2 and the {variant} build")
    base, other = _results("avx2", tmp_path / "avx2.npz"), _results(variant, tmp_path / f"{variant}.npz")
    assert str(base["variant"]) == "avx2" and str(other["variant"]) == variant
    for key in base.files:
        if key != "variant":
            assert np.array_equal(base[key], other[key]), key
