"""Which native build a processor can run: the loader's rule, importable on its own.

The Makefile asks this module (without loading any library) which builds to
test; `_ffi` uses it to choose the library to load.
"""

from __future__ import annotations

import sys

#: What SwiftPM names the library on this system.
LIBRARY_NAME = "libswiftmoons.dylib" if sys.platform == "darwin" else "libswiftmoons.so"

#: The builds scripts/build_native.py makes, best first, with the processor
#: features (as /proc/cpuinfo names them) that each was compiled to use:
#: -target-cpu haswell may emit AVX2, FMA, BMI1/2, LZCNT (abm), MOVBE, F16C
#: and POPCNT instructions; skylake-avx512 those and AVX-512 F/CD/BW/DQ/VL.
#: The baseline needs nothing beyond x86-64 (or any other architecture).
HASWELL_FLAGS = frozenset({"avx", "avx2", "fma", "bmi1", "bmi2", "abm", "movbe", "f16c", "popcnt"})
VARIANT_FLAGS = {
    "avx512": HASWELL_FLAGS | {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"},
    "avx2": HASWELL_FLAGS,
    "baseline": frozenset(),
}


def cpu_flags() -> frozenset:
    """The processor's feature flags as Linux reports them (empty if unknown).

    Linux lists a feature only when the kernel also saves its registers, so
    a listed flag is one a program may use.
    """
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def runnable_variants(flags: frozenset) -> list[str]:
    """The variants a processor with `flags` can run, best first.

    Where the flags are unknown (no /proc/cpuinfo: not Linux, or not x86),
    only the baseline, which needs nothing.
    """
    return [v for v, needed in VARIANT_FLAGS.items() if needed <= flags]


def variant_to_load(requested: str | None, flags: frozenset) -> list[str]:
    """The variants to try, in order: SWIFTMOONS_VARIANT's choice, or the best the processor runs.

    ``requested`` unset or ``"auto"``: every variant the processor supports,
    best first (a missing file falls back to the next). A named variant is
    the only one tried; naming one the processor cannot run raises OSError
    (running it would stop the process on an illegal instruction).
    """
    runnable = runnable_variants(flags)
    if requested in (None, "", "auto"):
        return runnable
    if requested not in VARIANT_FLAGS:
        raise OSError(f"SWIFTMOONS_VARIANT must be auto, {', '.join(VARIANT_FLAGS)}; got {requested!r}")
    if requested not in runnable:
        missing = ", ".join(sorted(VARIANT_FLAGS[requested] - flags))
        raise OSError(f"SWIFTMOONS_VARIANT={requested}, but this processor lacks {missing}")
    return [requested]


def packaged_name(variant: str) -> str:
    """The variant's file name inside the package (as scripts/build_native.py names it)."""
    stem, ext = LIBRARY_NAME.rsplit(".", 1)
    return f"{stem}_{variant}.{ext}"


if __name__ == "__main__":  # the Makefile: the variants this processor runs
    print(" ".join(runnable_variants(cpu_flags())))
