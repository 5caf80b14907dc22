"""Sweeps beyond one process: the same call on an executor (a process pool, a
Dask cluster with worker processes on loopback) returns exactly what the
one-process call returns."""

from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pytest

import swiftmoons as sm

SETTINGS = dict(epochs=120, n_samples=200)


@pytest.fixture(scope="module")
def local():
    return sm.sweep(range(30), ["sigmoid", "relu", ("leaky_relu", 0.1)], **SETTINGS)


def assert_same(a, b):
    assert np.array_equal(a["net_seeds"], b["net_seeds"])
    assert np.array_equal(a["loss_history"], b["loss_history"])
    assert np.array_equal(a["test_accuracy"], b["test_accuracy"])


@pytest.mark.parametrize("pool", [ThreadPoolExecutor, ProcessPoolExecutor])
def test_a_sweep_on_an_executor_equals_the_local_one(local, pool):
    with pool(2) as executor:
        assert_same(sm.sweep(range(30), ["sigmoid", "relu", ("leaky_relu", 0.1)], executor=executor, **SETTINGS),
                    local)


def test_a_sweep_on_a_dask_cluster_equals_the_local_one(local, monkeypatch):
    distributed = pytest.importorskip("distributed", reason="Dask is a test dependency (make test installs it)")
    # This sweep is one task's worth of work: cut it into one task a seed so
    # that both workers take part.
    monkeypatch.setattr(sm.parallel, "TASK_SECONDS", 0.0)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        with distributed.get_task_stream(client) as tasks:
            result = sm.sweep(range(30), ["sigmoid", "relu", ("leaky_relu", 0.1)], executor=client, **SETTINGS)
        # The work really ran on the workers (other processes), in more than one task.
        ran = [t for t in tasks.data if "_sweep_chunk" in t["key"]]
        assert len(ran) == 30 and len({t["worker"] for t in ran}) == 2, [(t["key"], t["worker"]) for t in ran]
    assert_same(result, local)


def test_a_sweep_cut_into_one_seed_chunks_is_the_same(local, monkeypatch):
    monkeypatch.setattr(sm.parallel, "TASK_SECONDS", 0.0)  # every seed its own task
    calls = []

    class Recording(ThreadPoolExecutor):
        def submit(self, fn, *args):
            calls.append(args[0])
            return super().submit(fn, *args)

    with Recording(2) as executor:
        assert_same(sm.sweep(range(30), ["sigmoid", "relu", ("leaky_relu", 0.1)], executor=executor, **SETTINGS),
                    local)
    assert calls == [[s] for s in range(30)]


def test_an_executor_without_submit_is_refused():
    with pytest.raises(TypeError, match="submit"):
        sm.sweep([0], executor=object(), epochs=1)


def _nets():
    specs = ["sigmoid", "relu", "tanh", ("leaky_relu", 0.1), "gelu", "elu"]
    return [sm.MLP((2, 16, 16, 1), activation=spec, seed=i) for i, spec in enumerate(specs)]


@pytest.mark.parametrize("pool", [ThreadPoolExecutor, ProcessPoolExecutor, "dask"])
def test_train_together_on_an_executor_leaves_what_one_call_leaves(pool, monkeypatch):
    monkeypatch.setattr(sm.parallel, "TASK_SECONDS", 0.0)  # one network a task: the most splitting there is
    X, y = sm.make_moons(300, noise=0.2, random_state=1)
    settings = dict(epochs=40, lr=0.1, batch_size=32, record_every=10, record_params=True, X_eval=X[:50],
                    y_eval=y[:50])
    here, there = _nets(), _nets()
    rng_here, rng_there = sm.RandomState(5), sm.RandomState(5)
    expected = sm.train_together(here, X, y, rng=rng_here, **settings)
    if pool == "dask":
        distributed = pytest.importorskip("distributed")
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                      dashboard_address=None) as cluster, distributed.Client(cluster) as client:
            got = sm.train_together(there, X, y, rng=rng_there, executor=client, **settings)
    else:
        with pool(2) as executor:
            got = sm.train_together(there, X, y, rng=rng_there, executor=executor, **settings)
    assert got == expected
    for a, b in zip(there, here):
        assert all(np.array_equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
        assert a.loss_history == b.loss_history and a.epochs_trained == b.epochs_trained
        assert np.array_equal(a.records.epochs, b.records.epochs)
        assert all(np.array_equal(p, q) for r, s in zip(a.records.params, b.records.params) for p, q in zip(r, s))
    assert np.array_equal(rng_there.get_state()[1], rng_here.get_state()[1])


def test_train_together_on_an_executor_refuses_progress_and_callbacks():
    X, y = sm.make_moons(40, noise=0.2, random_state=1)
    with ThreadPoolExecutor(1) as executor, pytest.raises(ValueError, match="executor"):
        sm.train_together(_nets()[:2], X, y, epochs=2, executor=executor, progress=True)
