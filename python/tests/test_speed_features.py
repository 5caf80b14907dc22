"""The parallel entry points give the same numbers as the serial reference,
whatever the thread count; the benchmark runs (quick mode, no timing asserted)."""

import re
import subprocess
import sys

import numpy as np
import pytest

import swiftmoons as sm
from swiftmoons import article, reference as ref
from conftest import ROOT, max_relative_error


def test_sweep_matches_reference_runs():
    kwargs = dict(epochs=60, n_samples=200)
    ours = sm.sweep([0, 7, 42], activations=("sigmoid", "relu"), **kwargs)
    theirs = ref.sweep([0, 7, 42], activations=("sigmoid", "relu"), **kwargs)
    assert ours["loss_history"].shape == (3, 2, 60)
    assert np.max(np.abs(ours["loss_history"] - theirs["loss_history"])) <= 1e-12
    assert np.array_equal(ours["test_accuracy"], theirs["test_accuracy"])


def test_sweep_equals_article_run_for_each_seed():
    swept = sm.sweep([5], activations=("relu", "sigmoid"), epochs=40)
    single = article.run(net_seed=5, epochs=40, activations=("relu", "sigmoid"))
    for j, name in enumerate(("relu", "sigmoid")):
        assert np.array_equal(swept["loss_history"][0, j], single.loss_history[name])
        assert swept["test_accuracy"][0, j] == single.test_accuracy[name]
    single.close()


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_results_do_not_depend_on_thread_count(threads, article_data):
    X_train, X_test, y_train, _ = article_data
    baseline = sm.sweep(range(4), epochs=30, threads=1)
    assert np.array_equal(sm.sweep(range(4), epochs=30, threads=threads)["loss_history"], baseline["loss_history"])
    big = np.random.RandomState(0).randn(20_000, 2)
    with sm.TwoLayerNet("sigmoid", seed=1) as net:
        sm.set_threads(1)
        one = net.forward(big)
        sm.set_threads(threads)
        many = net.forward(big)
        sm.set_threads(0)
        assert np.array_equal(one, many)
        expected = ref.TwoLayerNet("sigmoid", seed=1).forward(big)
        assert max_relative_error(many, expected) <= 1e-13
    nets = [sm.TwoLayerNet(a, seed=42) for a in ("sigmoid", "relu")]
    with sm.parallel.threads(threads):
        histories = sm.train_together(nets, X_train, y_train, epochs=30, rng=3)
    serial = [sm.TwoLayerNet(a, seed=42) for a in ("sigmoid", "relu")]
    with sm.parallel.threads(1):
        assert sm.train_together(serial, X_train, y_train, epochs=30, rng=3) == histories


def test_parallel_loops_from_several_threads_at_once_agree_with_one_thread():
    # One parallel loop holds the library's helper threads at a time; a loop
    # started meanwhile on another thread runs on its own thread. Either way
    # the results are the one-thread results.
    import threading

    X = np.random.RandomState(2).randn(30_000, 2)
    nets = [sm.MLP((2, 64, 64, 1), activation=a, seed=3) for a in ("relu", "tanh", "gelu", "softplus")]
    with sm.parallel.threads(1):
        expected = [net.forward(X) for net in nets]
    results, errors = {}, []

    def work(k):
        try:
            for _ in range(5):
                results.setdefault(k, []).append(nets[k].forward(X))
        except BaseException as exc:  # reported below
            errors.append(exc)

    with sm.parallel.threads(8):  # more threads than this machine has processors, too
        workers = [threading.Thread(target=work, args=(k,)) for k in range(len(nets))]
        for w in workers:
            w.start()
        for w in workers:
            w.join(120)
    assert not errors
    for k, runs in results.items():
        assert len(runs) == 5
        for out in runs:
            assert np.array_equal(out, expected[k])
    assert sorted(results) == list(range(len(nets)))


def test_a_forked_child_runs_parallel_loops():
    # After fork the child has none of the parent's helper threads: it must
    # start its own rather than wait for ones that do not exist.
    code = """
import os, sys
import numpy as np
import swiftmoons as sm
sm.set_threads(2)
X = np.random.RandomState(0).randn(50_000, 2)
net = sm.MLP((2, 64, 64, 1), seed=1)
before = net.forward(X)  # starts the helpers
pid = os.fork()
if pid == 0:
    ok = np.array_equal(net.forward(X), before) and np.array_equal(net.forward(X[:9000]), before[:9000])
    os._exit(0 if ok else 3)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_thread_count_setting_is_checked():
    before = sm.get_threads()
    with pytest.raises(ValueError):
        sm.set_threads(-1)
    assert sm.get_threads() == before


def test_bad_sweep_arguments_raise():
    with pytest.raises(ValueError):
        sm.sweep([], epochs=5)
    with pytest.raises(ValueError, match="net_seeds must be between 0 and 2"):
        sm.sweep([-1], epochs=5)
    with pytest.raises(ValueError):
        sm.sweep([1], activations=("softsign",), epochs=5)
    with pytest.raises(ValueError, match="epochs"):
        sm.sweep([1], epochs=0)


def test_benchmark_runs_in_quick_mode():
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--quick"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    for row in ("1. article run", "2. train_step", "3. forward", "4. sweep", "5. memory", "machine:"):
        assert row in result.stdout
    # The JAX column (jax is in the test extra): its article run must agree
    # with the reference before its times mean anything.
    pytest.importorskip("jax")
    agreement = re.search(r"article run's loss histories within (\S+) of the reference's", result.stdout)
    assert agreement and float(agreement.group(1)) <= 1e-12, result.stdout
    assert "jax/ours" in result.stdout


def test_cnn_benchmark_runs_in_quick_mode():
    # benchmarks/cnn.py: conv forward, forward + backward and an epoch against
    # the reference (and torch where installed); every side must compute the
    # same thing before its time means anything.
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "cnn.py"), "--quick"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    for row in ("forward: 3x32x32", "head only", "forward + backward: 16x16x16", "epoch:"):
        assert row in result.stdout
    worst = re.search(r"worst difference: (\S+)", result.stdout)
    assert worst and float(worst.group(1)) <= 1e-12, result.stdout
