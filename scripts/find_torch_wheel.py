#!/usr/bin/env python3
"""Prints the path of a PyTorch CPU wheel already on this machine for the
running Python, or nothing.

The tests check the NumPy reference's convolutions and pools against
PyTorch's float64 ones, and the benchmarks have PyTorch columns. PyPI's
default torch pulls gigabytes of CUDA, so swiftmoons never downloads it:
`make venv` installs a CPU wheel only where one lies on the machine
(SWIFTMOONS_TORCH_WHEEL, else a torch-*cpu*.whl in the usual places), and
`make py-test` then requires the PyTorch checks to run rather than skip.

    python scripts/find_torch_wheel.py
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

#: Where such wheels are left (searched two levels deep).
PLACES = ["/opt/wheels", "/opt", "/root", "/work", "/tmp", str(Path.home())]


def find() -> Path | None:
    given = os.environ.get("SWIFTMOONS_TORCH_WHEEL")
    if given:
        return Path(given) if Path(given).is_file() else None
    tag = f"-cp{sys.version_info.major}{sys.version_info.minor}-"
    machine = platform.machine()
    for place in PLACES:
        root = Path(place)
        if not root.is_dir():
            continue
        for pattern in ("torch-*cpu*.whl", "*/torch-*cpu*.whl"):
            for wheel in sorted(root.glob(pattern)):
                if tag in wheel.name and wheel.name.endswith(f"_{machine}.whl"):
                    return wheel
    return None


if __name__ == "__main__":
    wheel = find()
    if wheel is not None:
        print(wheel)
