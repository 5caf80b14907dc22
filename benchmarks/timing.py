"""Timing shared by bench.py and jax_columns.py."""

import statistics
import time


def median_time(fn, repeats, warm_up=True):
    """The median of `repeats` timed calls, after one untimed call (first-touch
    page faults, idle threads waking up, compilation) unless the call is long
    anyway."""
    if warm_up:
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
