"""The PEP 517 backend of swiftmoons: setuptools', with the native build first.

Before a wheel (or an editable install) is built, scripts/build_native.py
compiles libswiftmoons with SwiftPM in every CPU variant of this machine's
architecture and puts the libraries into python/swiftmoons, where the
package data picks them up. Without a Swift toolchain that step stops with a
message saying what to install. Everything else (metadata, sdists) is
setuptools' own: an sdist carries the Swift sources and no binaries
(MANIFEST.in), so installing one builds the library anew.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F401,F403  (every hook we do not change)

ROOT = Path(__file__).resolve().parent.parent


def _build_native() -> None:
    if os.environ.get("SWIFTMOONS_SKIP_NATIVE_BUILD") == "1":
        return  # the libraries are already in place (a repackaging step)
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_native.py")], cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit("swiftmoons: building the native library failed (see above)")


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    _build_native()
    return _setuptools.build_wheel(wheel_directory, config_settings, metadata_directory)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    _build_native()
    return _setuptools.build_editable(wheel_directory, config_settings, metadata_directory)
