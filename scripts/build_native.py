#!/usr/bin/env python3
"""Build libswiftmoons with SwiftPM, in every CPU variant this machine's architecture has.

The one way the native library is built: `make lib` runs this script, and so
does the Python package's build backend (build_backend/swiftmoons_build.py)
when pip builds a wheel. It needs only Python 3 and a Swift toolchain.

Variants (x86-64): from one source, tuned by the build command alone (no
unsafe flags in Package.swift, so the package stays usable as a dependency):

- ``baseline``: any x86-64 (SSE2 only: no VEX or EVEX instruction);
- ``avx2``: AVX2 with FMA (Haswell and later);
- ``avx512``: AVX-512 F, CD, BW, DQ and VL (Skylake-SP and later).

Other architectures (aarch64, arm64 Macs) build ``baseline`` only, with no
x86 flags. The Python package loads the best variant the processor supports
(see python/swiftmoons/_ffi.py).

Usage: python3 scripts/build_native.py [--out DIR] [--variants baseline,avx2,avx512]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: variant -> extra swiftc flags (x86-64 only).
X86_VARIANTS = {
    "baseline": [],
    "avx2": ["-target-cpu", "haswell"],
    "avx512": ["-target-cpu", "skylake-avx512"],
}


def library_file_name() -> str:
    """What SwiftPM names the dynamic product here."""
    return "libswiftmoons.dylib" if sys.platform == "darwin" else "libswiftmoons.so"


def packaged_name(variant: str) -> str:
    """The variant's file name inside the Python package."""
    stem, ext = library_file_name().rsplit(".", 1)
    return f"{stem}_{variant}.{ext}"


def is_x86_64() -> bool:
    return platform.machine().lower() in ("x86_64", "amd64")


def variants_here() -> list[str]:
    return list(X86_VARIANTS) if is_x86_64() else ["baseline"]


def find_swift() -> str:
    """The swift driver, or SystemExit with what to install."""
    swift = shutil.which("swift")
    if swift is None:
        for candidate in ("/opt/swift/usr/bin/swift", "/usr/share/swift/usr/bin/swift"):
            if os.access(candidate, os.X_OK):
                return candidate
        raise SystemExit(
            "swiftmoons is built from Swift sources and needs a Swift toolchain (5.10 or later, Swift 6 "
            "recommended) on PATH: install one from swift.org (or your package manager), then run the "
            "install again. Prebuilt wheels need no toolchain.")
    return swift


def scratch_path(variant: str) -> Path:
    return ROOT / f".build-{variant}"


def build(variant: str, swift: str, verbose: bool = False) -> Path:
    """Build one variant; returns the built library's path."""
    flags = []
    if is_x86_64():
        for flag in X86_VARIANTS[variant]:
            flags += ["-Xswiftc", flag]
    flags += ["-Xswiftc", f"-DSWIFTMOONS_{variant.upper()}"]
    if sys.platform.startswith("linux"):
        # The Swift runtime linked in, so the library loads without a toolchain
        # (Apple platforms ship the runtime with the system instead).
        flags += ["-Xswiftc", "-static-stdlib"]
    command = [swift, "build", "-c", "release", "--product", "swiftmoons",
               "--scratch-path", str(scratch_path(variant))] + flags
    print(f"build_native: {variant}: {' '.join(command)}", flush=True)
    result = subprocess.run(command, cwd=ROOT, capture_output=not verbose, text=True)
    if result.returncode != 0:
        sys.stderr.write((result.stdout or "") + (result.stderr or ""))
        raise SystemExit(f"build_native: the {variant} build failed (exit {result.returncode})")
    built = scratch_path(variant) / "release" / library_file_name()
    if not built.is_file():
        raise SystemExit(f"build_native: SwiftPM reported success but {built} is missing")
    return built


def install(built: Path, out_dir: Path, variant: str) -> Path:
    """Copy into the package under the variant's name, renamed into place
    (a process that has the old file loaded is not disturbed)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / packaged_name(variant)
    temporary = target.with_name(target.name + ".new")
    shutil.copyfile(built, temporary)
    os.replace(temporary, target)
    return target


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(ROOT / "python" / "swiftmoons"),
                        help="where the libraries go (default: the Python package)")
    parser.add_argument("--variants", default=",".join(variants_here()),
                        help="comma-separated variants to build (default: all of this architecture's)")
    parser.add_argument("--verbose", action="store_true", help="show SwiftPM's output")
    args = parser.parse_args(argv)
    wanted = [v for v in args.variants.split(",") if v]
    unknown = [v for v in wanted if v not in variants_here()]
    if unknown:
        raise SystemExit(f"build_native: {unknown} cannot be built on {platform.machine()}; "
                         f"this architecture has {variants_here()}")
    swift = find_swift()
    for variant in wanted:
        path = install(build(variant, swift, args.verbose), Path(args.out), variant)
        print(f"build_native: {variant} -> {path}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
