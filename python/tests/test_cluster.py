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


def test_a_sweep_on_a_dask_cluster_equals_the_local_one(local):
    distributed = pytest.importorskip("distributed", reason="Dask is a test dependency (make test installs it)")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        result = sm.sweep(range(30), ["sigmoid", "relu", ("leaky_relu", 0.1)], executor=client, **SETTINGS)
        # The work really ran on the workers, in more than one task.
        assert len(client.run(lambda: 1)) == 2
    assert_same(result, local)


def test_a_sweep_cut_into_one_seed_chunks_is_the_same(local, monkeypatch):
    import swiftmoons.article as article
    monkeypatch.setattr(article, "_CHUNK_SECONDS", 0.0)  # every seed its own task
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
