"""How many threads the native library uses for parallel work."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

from . import _ffi
from ._convert import as_int

_lock = threading.Lock()


def set_threads(n: int) -> None:
    """Use ``n`` threads for large forward passes, several networks and sweeps (0: one per processor)."""
    _ffi.call("sm_set_thread_count", as_int(n, "n", 0, 1024))


def get_threads() -> int:
    """The thread count in force."""
    return int(_ffi.lib.sm_thread_count())


@contextmanager
def threads(n: int | None) -> Iterator[None]:
    """Temporarily use ``n`` threads (None: leave the setting alone)."""
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
