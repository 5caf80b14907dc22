"""Bad input never kills the process: each case runs in a fresh interpreter,
where a trap in Swift would show as a signal instead of an exception."""

import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, run_python

# Every build `make lib` makes (those this processor cannot run are still inspected).
BUILDS = sorted((ROOT / "python" / "swiftmoons").glob("libswiftmoons_*.so"))
C_TEST = ROOT / "Tests" / "c" / "sm_c_test"

# Each snippet must raise the named exception with the message fragment.
CASES = {
    "unknown activation": ("sm.TwoLayerNet('softsign')", "SwiftMoonsError", "valid activations"),
    "layer out of range": ("sm.TwoLayerNet('relu').get_hidden(np.zeros((2, 2)), layer=5)", "ValueError", "layer"),
    "lr not finite": ("sm.TwoLayerNet('relu').train_step(np.zeros((2, 2)), [0, 1], lr=float('inf'))", "SwiftMoonsError", "finite"),
    "no samples": ("sm.TwoLayerNet('relu').forward(np.zeros((0, 2)))", "ValueError", "shape"),
    "wrong width": ("sm.TwoLayerNet('relu').forward(np.zeros((3, 5)))", "ValueError", "(n, 2)"),
    "use after close": ("n = sm.TwoLayerNet('relu'); n.close(); n.train_step(np.zeros((2, 2)), [0, 1])", "ValueError", "closed"),
    "seed too large": ("sm.TwoLayerNet('relu', seed=2**32)", "ValueError", "2**32"),
    "zero-width layer": ("sm.TwoLayerNet('relu', layer_sizes=(2, 0, 1))", "SwiftMoonsError", "Layer sizes must be in 1.."),
    "huge layers": ("sm.TwoLayerNet('relu', layer_sizes=(2, 2_000_000_000, 2_000_000_000, 1))", "SwiftMoonsMemoryError", "too many"),
    "bad moons": ("sm.make_moons(-5)", "ValueError", "n_samples"),
    "complex input": ("sm.TwoLayerNet('relu').forward(np.zeros((2, 2), complex))", "TypeError", "real"),
    "string input": ("sm.TwoLayerNet('relu').forward([['a', 'b']])", "TypeError", "numeric"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_python_input_raises_in_a_subprocess(name):
    code, exception, fragment = CASES[name]
    script = (
        "import numpy as np, swiftmoons as sm\n"
        "try:\n"
        f"    {code}\n"
        "except Exception as e:\n"
        "    print(type(e).__name__, '|', e)\n"
        "else:\n"
        "    print('no exception')\n"
    )
    result = run_python(script)
    assert result.returncode == 0, f"crashed with {result.returncode}: {result.stderr}"
    kind, _, message = result.stdout.partition(" | ")
    assert kind == exception, result.stdout
    assert fragment in message, result.stdout


def test_library_errors_carry_the_library_message():
    result = run_python(
        "import swiftmoons as sm\n"
        "try:\n"
        "    sm.TwoLayerNet('softsign')\n"
        "except sm.SwiftMoonsError as e:\n"
        "    print(e.status_name, sm._ffi.last_error() == str(e))\n"
    )
    assert result.stdout.split() == ["SM_ERR_BAD_ARGUMENT", "True"], result.stderr


def test_c_api_test_program_passes():
    """The C program compiled against include/swiftmoons.h (built by `make c-test`)."""
    if not C_TEST.exists():
        subprocess.run(["make", "-C", str(ROOT), "Tests/c/sm_c_test"], check=True, capture_output=True)
    result = subprocess.run([str(C_TEST)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("0 failed")


def test_c_api_values_match_numpy():
    import numpy as np
    if not C_TEST.exists():
        pytest.skip("C test program not built")  # built by make test before pytest runs
    out = subprocess.run([str(C_TEST), "--values"], capture_output=True, text=True, check=True).stdout
    lines = {line.split()[0]: [float(v) for v in line.split()[1:]] for line in out.splitlines()}
    assert lines["randn42"] == list(np.random.RandomState(42).randn(7))
    from swiftmoons import reference as ref
    expected = ref.TwoLayerNet("sigmoid", seed=42).forward(np.array([[0.3, -0.7]]))[0, 0]
    assert abs(lines["forward_sigmoid42"][0] - expected) <= 1e-15


@pytest.mark.parametrize("library", BUILDS, ids=lambda p: p.name)
def test_library_needs_no_swift_runtime(library):
    ldd = subprocess.run(["ldd", str(library)], capture_output=True, text=True, check=True).stdout
    assert "libswift" not in ldd, ldd
    assert "not found" not in ldd, ldd


def test_import_works_without_library_path():
    env = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}
    env["PATH"] = "/usr/bin:/bin"  # no Swift toolchain either
    if "PYTHONPATH" in env:  # a source checkout run; make test installs the package instead
        env["PYTHONPATH"] = str(ROOT / "python")
    result = subprocess.run([sys.executable, "-c", "import swiftmoons; print(swiftmoons.native_version)"],
                            capture_output=True, text=True, env=env, cwd="/")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0.1.0"


def test_missing_library_raises_oserror_naming_paths(tmp_path):
    package = tmp_path / "swiftmoons"
    shutil.copytree(ROOT / "python" / "swiftmoons", package,
                    ignore=shutil.ignore_patterns("*.so", "*.so.new", "__pycache__"))
    env = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "SWIFTMOONS_LIBRARY")}
    env["PYTHONPATH"] = str(tmp_path)
    result = subprocess.run([sys.executable, "-c", "import swiftmoons"], capture_output=True, text=True,
                            env=env, cwd=str(tmp_path))
    assert result.returncode == 1
    assert "OSError" in result.stderr and "Tried" in result.stderr
    assert str(package / "libswiftmoons_baseline.so") in result.stderr and "make lib" in result.stderr


def test_threads_sharing_a_network_do_not_crash():
    result = run_python(
        "import threading, numpy as np, swiftmoons as sm\n"
        "net = sm.TwoLayerNet('relu', seed=0)\n"
        "X = np.random.RandomState(0).randn(5000, 2); y = (X[:, 0] > 0).astype(float)\n"
        "def work():\n"
        "    for _ in range(30):\n"
        "        net.train_step(X[:64], y[:64], 0.01); net.forward(X)\n"
        "ts = [threading.Thread(target=work) for _ in range(4)]\n"
        "[t.start() for t in ts]; [t.join() for t in ts]\n"
        "print('ok', np.isfinite(net.forward(X)).all())\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ok", "True"]


def test_objects_left_open_are_freed_quietly_at_exit():
    result = run_python(
        "import numpy as np, swiftmoons as sm\n"
        "rng = sm.RandomState(1)\n"
        "nets = [sm.TwoLayerNet('relu', seed=rng), sm.MLP((2, 4, 3), activation='gelu', output='softmax')]\n"
        "nets[0].fit(np.random.RandomState(0).randn(20, 2), np.arange(20) % 2, epochs=2, rng=rng)\n"
        "cycle = [nets]; cycle.append(cycle)  # freed only by the garbage collector, late\n"
        "print('done')\n"
    )
    assert result.returncode == 0 and result.stdout.strip() == "done", result.stderr
    assert result.stderr == "", result.stderr


@pytest.mark.parametrize("library", BUILDS, ids=lambda p: p.name)
def test_header_and_library_export_the_same_functions(library):
    import re
    header = (ROOT / "include" / "swiftmoons.h").read_text()
    declared = set(re.findall(r"SM_API\s+[\w\s\*]*?\b(sm_\w+)\s*\(", header))
    symbols = subprocess.run(["nm", "-D", "--defined-only", str(library)], capture_output=True, text=True,
                             check=True).stdout
    exported = {line.split()[-1] for line in symbols.splitlines() if line.split()[-1].startswith("sm_")}
    assert declared == exported, (sorted(declared - exported), sorted(exported - declared))
    assert len(declared) > 50
