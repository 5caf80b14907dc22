"""The package ships its types: mypy checks the package itself, and a user's
script (python/tests/typed/user_script.py) under --strict, finding every
swiftmoons function it calls annotated."""

import subprocess
import sys

import pytest

from conftest import ROOT

pytest.importorskip("mypy", reason="mypy is a test dependency (make test installs it)")


def mypy(*args):
    return subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", *args], capture_output=True, text=True,
                          cwd=str(ROOT), timeout=600)


def test_the_package_ships_py_typed():
    assert (ROOT / "python" / "swiftmoons" / "py.typed").is_file()


def test_mypy_passes_on_the_package():
    result = mypy("python/swiftmoons")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_strictly_typed_user_script_checks():
    result = mypy("--strict", "python/tests/typed/user_script.py")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_type_error_in_user_code_is_caught(tmp_path):
    """The check can fail: a wrong argument type is reported."""
    script = tmp_path / "wrong.py"
    script.write_text("import swiftmoons as sm\nnet = sm.TwoLayerNet('relu')\nloss: str = net.train_step([[0.0, 1.0]], [1.0])\n")
    result = mypy("--strict", str(script))
    assert result.returncode != 0 and "Incompatible types in assignment" in result.stdout, result.stdout
