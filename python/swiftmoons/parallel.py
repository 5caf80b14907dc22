"""How many threads the native library uses for parallel work."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence

from . import _ffi
from ._convert import as_int

_lock = threading.Lock()

#: The work one executor task aims at (sweeps, networks trained in groups):
#: long enough that a cluster's per-task cost (Dask's is about a
#: millisecond) is noise, short enough that the work spreads and progress moves.
TASK_SECONDS = 0.25


def results_in_order(futures: Sequence[Any], each: Callable[[int, Any], None] | None = None) -> list:
    """The futures' results in order (``each(i, result)`` as each arrives).

    On Ctrl-C or a failed task the futures not yet run are cancelled (where
    they can be), and the exception propagates.
    """
    results = []
    try:
        for i, future in enumerate(futures):
            results.append(future.result())
            if each is not None:
                each(i, results[-1])
    except BaseException:
        for future in futures:
            cancel = getattr(future, "cancel", None)
            if cancel is not None:
                cancel()
        raise
    return results


def set_threads(n: int) -> None:
    """Use ``n`` threads for large forward passes, several networks and sweeps.

    Results never depend on the thread count. The calling thread does its
    share; the others are the library's helper threads, started on first
    need and kept. After each parallel call a helper watches for the next
    one for a millisecond (a pass called in a loop comes back sooner than a
    sleeping thread wakes), then sleeps. A parallel call made while another
    thread's call holds the helpers runs on its caller's thread alone. After
    ``fork`` the child starts helpers of its own.

    Parameters
    ----------
    n : int
        In 0..1024; 0 means one per processor (the default).

    Raises
    ------
    TypeError, ValueError
        For a non-integer or an out-of-range count; the setting is then unchanged.

    Examples
    --------
    >>> before = get_threads()
    >>> set_threads(1)
    >>> get_threads()
    1
    >>> set_threads(0)  # back to one per processor
    """
    _ffi.call("sm_set_thread_count", as_int(n, "n", 0, 1024))


def get_threads() -> int:
    """The thread count in force.

    Returns
    -------
    int
        The number set by :func:`set_threads`, or the processors online.

    Examples
    --------
    >>> get_threads() >= 1
    True
    """
    return int(_ffi.lib.sm_thread_count())


@contextmanager
def threads(n: int | None) -> Iterator[None]:
    """Temporarily use ``n`` threads (None: leave the setting alone).

    Parameters
    ----------
    n : int or None
        As :func:`set_threads`; the setting in force before is restored on exit.

    Yields
    ------
    None

    Examples
    --------
    >>> before = get_threads()
    >>> with threads(1):
    ...     get_threads()
    1
    >>> get_threads() == before
    True
    """
    if n is None:
        yield
        return
    with _lock:
        before = get_threads()
        set_threads(n)
        try:
            yield
        finally:
            set_threads(before)


__all__ = ["get_threads", "set_threads", "threads"]
