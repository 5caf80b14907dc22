"""The property-based fuzz harness (fuzz_api.py) over the public API, run in a subprocess.

A crash in Swift shows there as a signal instead of killing pytest. The
default budget takes about 20-30 s; for a long run set
SWIFTMOONS_FUZZ_EXAMPLES (scenarios per group, default 400) and, for other
draws, SWIFTMOONS_FUZZ_SEED (default 0).
"""

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("hypothesis")

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "fuzz_api.py"
EXAMPLES = int(os.environ.get("SWIFTMOONS_FUZZ_EXAMPLES", "400"))
SEED = int(os.environ.get("SWIFTMOONS_FUZZ_SEED", "0"))
#: Seconds before a run counts as hung (about 0.15 s per scenario per group is already slow).
TIMEOUT = max(300, 2 * EXAMPLES)


def last_scenario(log: Path) -> str:
    """The snippet the harness started last (the one that crashed or hung)."""
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return lines[-1] if lines else "(none logged)"


def report(proc: subprocess.CompletedProcess, log: Path) -> str:
    """The harness's output, for an assertion message."""
    return (f"\n--- last scenario started ---\n{last_scenario(log)}\n--- stdout ---\n{proc.stdout}"
            f"\n--- stderr (tail) ---\n{proc.stderr[-5000:]}")


@pytest.fixture(scope="module")
def fuzz_run(tmp_path_factory):
    """One run of fuzz_api.py: the finished process and the log of the scenarios it started."""
    log = tmp_path_factory.mktemp("fuzz") / "scenarios.log"
    command = [sys.executable, str(SCRIPT), "--examples", str(EXAMPLES), "--seed", str(SEED), "--log", str(log)]
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, cwd=str(HERE))
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"fuzz_api.py hung (> {TIMEOUT} s) in:\n{last_scenario(log)}\n{exc.stdout or ''}")
    return proc, log


def test_fuzzed_calls_never_kill_the_interpreter(fuzz_run):
    proc, log = fuzz_run
    if proc.returncode < 0:
        name = signal.Signals(-proc.returncode).name
        pytest.fail(f"fuzz_api.py was killed by {name}" + report(proc, log))


def test_fuzzed_calls_all_pass_the_oracle(fuzz_run):
    proc, log = fuzz_run
    assert proc.returncode == 0, "fuzz_api.py found failures" + report(proc, log)
    assert re.search(r"^fuzz: \d+ calls, 0 failures$", proc.stdout, re.MULTILINE), report(proc, log)
