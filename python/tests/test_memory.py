"""Sizes a user can type never abort the process: an allocation the system
refuses is a MemoryError naming the bytes, and scratch stays proportional to
the call. Each case runs in a fresh interpreter whose address space is capped
(as `ulimit -v` caps it), where a failed Swift allocation would show as
SIGABRT instead of an exception."""

import pytest

from conftest import run_python

#: The address-space cap for the cases: roomy for the interpreter, NumPy and
#: the library, far below what the requests below would need.
LIMIT_BYTES = 4 << 30

PRELUDE = f"""
import resource
resource.setrlimit(resource.RLIMIT_AS, ({LIMIT_BYTES}, {LIMIT_BYTES}))
import numpy as np, swiftmoons as sm
def expect_memory_error(what, call):
    try:
        call()
    except MemoryError as exc:
        print(what, "MemoryError", isinstance(exc, sm.SwiftMoonsError), "|", exc)
    else:
        print(what, "no error")
"""

CASES = {
    # 2 x 32768 x 32768 weights: 8 GiB of parameters and 8 of gradients.
    "wide network": "expect_memory_error('net', lambda: sm.MLP((2, 32768, 32768, 1)))",
    # 2**30 samples: the data alone is 16 GiB.
    "huge sweep": "expect_memory_error('sweep', lambda: sm.sweep([0], ['relu'], n_samples=2**30, epochs=1))",
    # Training batches of 4096 rows through a 2**22-wide layer: 400 GiB of scratch.
    "wide training batch": ("net = sm.MLP((1, 2**22, 1), seed=0)\n"
                             "expect_memory_error('batch', lambda: net.fit(np.zeros((4096, 1)), np.zeros(4096), "
                             "epochs=1, batch_size=4096))\n"
                             "print('still usable', net.forward(np.ones((2, 1))).shape)"),
    "huge draw": "expect_memory_error('draws', lambda: sm.RandomState(0).randn(2**31))",
    "huge moons": "expect_memory_error('moons', lambda: sm.make_moons(2**31))",
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_huge_requests_raise_memory_error_not_abort(case):
    result = run_python(PRELUDE + CASES[case], timeout=120)
    assert result.returncode == 0, f"process died ({result.returncode}): {result.stderr[-2000:]}"
    lines = result.stdout.splitlines()
    assert lines and "MemoryError" in lines[0], result.stdout + result.stderr
    assert "bytes" in lines[0] or "too large" in lines[0] or "too many" in lines[0], lines[0]
    if case == "wide training batch":
        assert lines[1] == "still usable (2, 1)"


def test_a_tall_thin_network_forwards_few_rows_in_proportionate_scratch():
    # A (1, 2**24, 1) network holds 48 M parameters (0.75 GiB with its
    # gradients); forwarding 17 rows once asked for 3-16 GiB of scratch. One
    # row at a time needs 2 x 2**24 values (256 MiB), which fits the cap.
    code = PRELUDE + """
net = sm.MLP((1, 2**24, 1), activation="relu", seed=0)
X = np.linspace(-1, 1, 17).reshape(17, 1)
out = net.forward(X)
rows = np.vstack([net.forward(X[i:i + 1]) for i in range(17)])
print("ok", out.shape, np.array_equal(out, rows), np.isfinite(out).all())
"""
    result = run_python(code, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "ok (17, 1) True True", result.stdout + result.stderr
