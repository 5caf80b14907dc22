import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]

#: Seeds the parity tests run with: both ends of the 32-bit range and some between.
SEEDS = [0, 1, 42, 12345, 2**32 - 1]


def run_python(code: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run code in a fresh interpreter without LD_LIBRARY_PATH; a crash shows as a signal."""
    env = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=str(ROOT))


def normwise_error(observed, expected) -> float:
    """max |observed - expected| / max |expected|: for arrays whose entries can
    cancel to near zero (hidden units), where elementwise relative error is
    meaningless."""
    observed = np.asarray(observed, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert observed.shape == expected.shape, (observed.shape, expected.shape)
    return float(np.max(np.abs(observed - expected)) / max(np.max(np.abs(expected)), 1e-300))


def max_relative_error(observed, expected, floor=1e-12) -> float:
    observed = np.asarray(observed, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert observed.shape == expected.shape, (observed.shape, expected.shape)
    return float(np.max(np.abs(observed - expected) / np.maximum(np.abs(expected), floor)))


@pytest.fixture(scope="session")
def article_data():
    """The article's data: make_moons(400, 0.18, 42), standardized, split with 42."""
    from swiftmoons import reference as ref
    X, y = ref.make_moons(400, noise=0.18, random_state=42)
    X = ref.standardize(X)
    return ref.train_test_split(X, y, test_size=0.25, random_state=42)
