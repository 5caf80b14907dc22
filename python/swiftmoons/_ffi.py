"""Loading libswiftmoons and declaring its C functions.

The library is loaded once, here. Every foreign function's argtypes and
restype are declared in the table below; `call` runs one and turns a
non-zero status into :class:`SwiftMoonsError` carrying ``sm_last_error()``.
"""

from __future__ import annotations

import ctypes
import os
import threading
import time
from ctypes import POINTER, c_char_p, c_double, c_int, c_int32, c_int64, c_void_p
from pathlib import Path

import numpy as np

from ._cpu import (  # noqa: F401  (re-exported: the loader's rule lives in _cpu)
    HASWELL_FLAGS, LIBRARY_NAME, VARIANT_FLAGS, cpu_flags, packaged_name, runnable_variants,
    variant_to_load)

#: The C header's SM_VERSION_NUMBER this package was written against.
EXPECTED_VERSION = 100


class SwiftMoonsError(ValueError):
    """A call into libswiftmoons failed; the message is the library's.

    Attributes
    ----------
    status : int
        The C status code (see include/swiftmoons.h).
    status_name : str
        Its name, e.g. ``"SM_ERR_BAD_SHAPE"``.
    """

    def __init__(self, message: str, status: int = 1, status_name: str = "SM_ERR_BAD_ARGUMENT"):
        super().__init__(message)
        self.status = status
        self.status_name = status_name

    def __reduce__(self):
        return type(self), (str(self), self.status, self.status_name)


class SwiftMoonsMemoryError(SwiftMoonsError, MemoryError):
    """The library could not allocate what a call needs (SM_ERR_OUT_OF_MEMORY).

    Both a :class:`SwiftMoonsError` and a ``MemoryError``; the message gives
    the bytes asked for.
    """


#: C status codes (include/swiftmoons.h).
SM_ERR_OUT_OF_MEMORY = 4
SM_ERR_CANCELLED = 6


def _candidates(variants: list[str]) -> list[tuple[str, Path]]:
    here = Path(__file__).resolve().parent
    root = here.parent.parent  # a source checkout: python/swiftmoons -> repository root
    env = os.environ.get("SWIFTMOONS_LIBRARY")
    if env:
        return [("", Path(env))]
    paths = []
    for variant in variants:
        paths += [(variant, here / packaged_name(variant)),
                  (variant, root / f".build-{variant}" / "release" / LIBRARY_NAME)]
    return paths


def _load() -> ctypes.CDLL:
    tried = []
    flags = cpu_flags()
    for variant, path in _candidates(variant_to_load(os.environ.get("SWIFTMOONS_VARIANT"), flags)):
        if not path.is_file():
            tried.append(f"{path} (not found)")
            continue
        try:
            lib = ctypes.CDLL(str(path))
            version = lib.sm_version_number
            version.restype = c_int
            version.argtypes = []
            found = version()
        except (OSError, AttributeError) as exc:
            tried.append(f"{path} ({exc})")
            continue
        if found // 100 != EXPECTED_VERSION // 100:
            tried.append(f"{path} (version {found}, this package needs {EXPECTED_VERSION})")
            continue
        # A library that says it was built for more than this processor has
        # (named by SWIFTMOONS_LIBRARY, or copied under another name) would
        # die on its first such instruction: refuse it.
        variant_of = lib.sm_build_variant
        variant_of.restype, variant_of.argtypes = c_char_p, []
        built_for = variant_of().decode("ascii", "replace")
        if not VARIANT_FLAGS.get(built_for, frozenset()) <= flags:
            tried.append(f"{path} (built for {built_for}, which this processor lacks)")
            continue
        return lib
    raise OSError(
        "swiftmoons could not load its native library. Tried:\n  "
        + "\n  ".join(tried)
        + "\nInstall swiftmoons with pip (which builds it; a Swift toolchain is needed for a source build), "
        "or in a checkout run `make lib` (python3 scripts/build_native.py), or set SWIFTMOONS_LIBRARY to the "
        "path of a libswiftmoons build."
    )


lib = _load()

_P = c_void_p  # a buffer: the address of a C-contiguous NumPy array
_PP = POINTER(c_void_p)  # where a handle is returned

#: name -> (restype, argtypes); every function the package calls.
_FUNCTIONS = {
    "sm_version_number": (c_int, []),
    "sm_version_string": (c_char_p, []),
    "sm_build_variant": (c_char_p, []),
    "sm_last_error": (c_char_p, []),
    "sm_status_name": (c_char_p, [c_int]),
    "sm_set_thread_count": (c_int, [c_int]),
    "sm_thread_count": (c_int, []),
    "sm_live_object_count": (c_int64, []),
    # progress and cancellation
    "sm_progress_create": (c_int, [_PP]),
    "sm_progress_free": (c_int, [c_void_p]),
    "sm_progress_cancel": (c_int, [c_void_p]),
    "sm_progress_get": (c_int, [c_void_p, POINTER(c_int64), POINTER(c_int64)]),
    # random stream
    "sm_rng_create": (c_int, [c_int64, _PP]),
    "sm_rng_free": (c_int, [c_void_p]),
    "sm_rng_seed": (c_int, [c_void_p, c_int64]),
    "sm_rng_get_state": (c_int, [c_void_p, _P, c_int64, POINTER(c_int64), POINTER(c_int32), POINTER(c_double)]),
    "sm_rng_set_state": (c_int, [c_void_p, _P, c_int64, c_int64, c_int32, c_double]),
    "sm_rng_random_sample": (c_int, [c_void_p, _P, c_int64]),
    "sm_rng_randn": (c_int, [c_void_p, _P, c_int64]),
    "sm_rng_normal": (c_int, [c_void_p, c_double, c_double, _P, c_int64]),
    "sm_rng_permutation": (c_int, [c_void_p, _P, c_int64]),
    # data
    "sm_make_moons": (c_int, [c_void_p, c_int64, c_int64, c_int32, c_int32, c_double, _P, _P]),
    "sm_make_circles": (c_int, [c_void_p, c_int64, c_int64, c_int32, c_int32, c_double, c_double, _P, _P]),
    "sm_make_xor": (c_int, [c_void_p, c_int64, c_int32, c_double, c_double, _P, _P]),
    "sm_make_spiral": (c_int, [c_void_p, c_int64, c_int64, c_int32, c_int32, c_double, _P, _P]),
    "sm_make_blobs": (c_int, [c_void_p, _P, c_int64, c_int64, _P, c_int32, _P, c_double, c_double, c_int32,
                              _P, c_int64, _P, c_int64]),
    "sm_standardize": (c_int, [_P, c_int64, c_int64, _P, _P, _P]),
    "sm_split_test_count": (c_int, [c_int64, c_double, POINTER(c_int64)]),
    "sm_split_indices": (c_int, [c_void_p, c_int64, c_int64, _P, _P]),
    # network
    "sm_net_create": (c_int, [_P, c_int64, c_char_p, c_int64, _PP]),
    "sm_net_create_with_rng": (c_int, [_P, c_int64, c_char_p, c_void_p, _PP]),
    "sm_net_create_from_params": (c_int, [_P, c_int64, c_char_p, _P, c_int64, _PP]),
    "sm_net_free": (c_int, [c_void_p]),
    "sm_net_clone": (c_int, [c_void_p, _PP]),
    "sm_net_epochs_trained": (c_int, [c_void_p, POINTER(c_int64)]),
    "sm_net_restore_training": (c_int, [c_void_p, c_int64, _P, _P, _P, c_int64, _P, c_int64]),
    "sm_net_layer_count": (c_int, [c_void_p, POINTER(c_int64)]),
    "sm_net_layer_sizes": (c_int, [c_void_p, _P, c_int64]),
    "sm_net_activation": (c_int, [c_void_p, POINTER(c_char_p)]),
    "sm_net_param_count": (c_int, [c_void_p, POINTER(c_int64)]),
    "sm_net_get_params": (c_int, [c_void_p, _P, c_int64]),
    "sm_net_set_params": (c_int, [c_void_p, _P, c_int64]),
    "sm_net_get_weights": (c_int, [c_void_p, c_int64, _P, c_int64]),
    "sm_net_set_weights": (c_int, [c_void_p, c_int64, _P, c_int64]),
    "sm_net_get_biases": (c_int, [c_void_p, c_int64, _P, c_int64]),
    "sm_net_set_biases": (c_int, [c_void_p, c_int64, _P, c_int64]),
    "sm_net_forward": (c_int, [c_void_p, _P, c_int64, c_int64, _P, c_int64, c_void_p]),
    "sm_net_train_step": (c_int, [c_void_p, _P, c_int64, c_int64, _P, c_int64, c_double, POINTER(c_double)]),
    "sm_net_hidden": (c_int, [c_void_p, c_int64, _P, c_int64, c_int64, _P, c_int64]),
    "sm_net_pre_activation": (c_int, [c_void_p, c_int64, _P, c_int64, c_int64, _P, c_int64]),
    "sm_net_trace_length": (c_int, [c_void_p, POINTER(c_int64)]),
    "sm_net_trace": (c_int, [c_void_p, _P, c_int64, c_int64, c_int32, _P, c_int64]),
    # general networks and diagnostics
    "sm_mlp_create": (c_int, [_P, c_int64, _P, _P, c_int64, c_char_p, c_char_p, c_int32, c_double, c_double,
                              c_void_p, _PP]),
    "sm_mlp_create_from_params": (c_int, [_P, c_int64, _P, _P, c_int64, c_char_p, _P, c_int64, _PP]),
    "sm_net_hidden_activation": (c_int, [c_void_p, c_int64, POINTER(c_char_p), POINTER(c_double)]),
    "sm_net_output": (c_int, [c_void_p, POINTER(c_char_p), POINTER(c_int64)]),
    "sm_net_get_slopes": (c_int, [c_void_p, c_int64, _P, c_int64]),
    "sm_net_gradients": (c_int, [c_void_p, _P, c_int64, c_int64, _P, c_int64, POINTER(c_double), _P, c_int64]),
    "sm_net_sk_loss_grad": (c_int, [c_void_p, _P, c_int64, _P, c_int64, c_int64, _P, c_int64, _P, c_int32, c_double,
                                    POINTER(c_double), _P, c_int64]),
    "sm_net_sk_epoch": (c_int, [c_void_p, _P, c_int64, _P, c_int64, c_int64, _P, c_int64, _P, c_int32, c_double,
                                c_int64, _P, c_void_p, c_int32, _P, POINTER(c_double), POINTER(c_int64), _P, _P,
                                POINTER(c_double), c_void_p]),
    "sm_net_sk_epochs": (c_int, [c_void_p, _P, c_int64, _P, c_int64, c_int64, _P, c_int64, _P, c_int32, c_double,
                                 c_int64, _P, c_void_p, c_int32, _P, POINTER(c_double), POINTER(c_int64), _P, _P,
                                 c_int32, c_double, c_double, c_int64, POINTER(c_int64), POINTER(c_int64),
                                 POINTER(c_double), _P, c_int64, POINTER(c_int64), POINTER(c_int32), c_void_p]),
    "sm_net_evaluate": (c_int, [c_void_p, _P, c_int64, c_int64, _P, c_int64, POINTER(c_double), POINTER(c_double)]),
    "sm_net_firing_counts": (c_int, [c_void_p, _P, c_int64, c_int64, _P, c_int64]),
    "sm_article_sweep": (c_int, [_P, c_int64, _P, _P, c_int64, c_int64, c_double, c_int64, c_int64, c_int64,
                                 c_double, c_int64, _P, c_int64, _P, c_int64, c_void_p]),
    # the activation family
    "sm_activation_count": (c_int, []),
    "sm_activation_info": (c_int, [c_int, POINTER(c_char_p), POINTER(c_double)]),
    "sm_output_count": (c_int, []),
    "sm_output_name": (c_int, [c_int, POINTER(c_char_p)]),
    "sm_initializer_count": (c_int, []),
    "sm_initializer_name": (c_int, [c_int, POINTER(c_char_p)]),
    "sm_activation_evaluate": (c_int, [c_char_p, c_double, c_int32, _P, _P, c_int64]),
    # whole-run training
    "sm_net_fit": (c_int, [c_void_p, _P, c_int64, c_int64, _P, c_int64, c_int64, c_double, c_int64, c_void_p,
                           c_int64, c_int32, _P, c_int64, _P, _P, c_int64, c_void_p]),
    "sm_train_together": (c_int, [_P, c_int64, _P, c_int64, c_int64, _P, c_int64, c_int64, c_double, c_int64,
                                  c_void_p, c_int64, c_int32, _P, c_int64, _P, _P, c_int64, c_void_p]),
    "sm_net_record_count": (c_int, [c_void_p, POINTER(c_int64), POINTER(c_int32)]),
    "sm_net_records": (c_int, [c_void_p, _P, _P, _P, c_int64]),
    "sm_net_recorded_params": (c_int, [c_void_p, _P, c_int64]),
    "sm_net_clear_records": (c_int, [c_void_p]),
    # convolutional networks
    "sm_cnn_create": (c_int, [_P, c_int64, _P, _P, c_int64, c_int64, c_char_p, c_int64, _PP]),
    "sm_cnn_free": (c_int, [c_void_p]),
    "sm_cnn_param_count": (c_int, [c_void_p, POINTER(c_int64)]),
    "sm_cnn_get_params": (c_int, [c_void_p, _P, c_int64]),
    "sm_cnn_set_params": (c_int, [c_void_p, _P, c_int64]),
    "sm_cnn_get_streams": (c_int, [c_void_p, c_void_p, c_void_p]),
    "sm_cnn_set_streams": (c_int, [c_void_p, c_void_p, c_void_p]),
    "sm_cnn_forward": (c_int, [c_void_p, _P, c_int64, c_int64, c_int32, _P, c_int64, c_void_p]),
    "sm_cnn_evaluate": (c_int, [c_void_p, _P, c_int64, c_int64, _P, POINTER(c_double), POINTER(c_double), c_void_p]),
    "sm_cnn_gradients": (c_int, [c_void_p, _P, c_int64, c_int64, _P, _P, c_int64, POINTER(c_double), _P, c_int64]),
    "sm_cnn_fit": (c_int, [c_void_p, _P, c_int64, c_int64, _P, _P, c_int64, _P, c_int64, c_double, c_int64, c_int32,
                           c_double, c_int32, c_double, c_double, c_double, c_int32, _P, c_int64, c_void_p]),
}

for _name, (_restype, _argtypes) in _FUNCTIONS.items():
    _f = getattr(lib, _name)
    _f.restype = _restype
    _f.argtypes = _argtypes


def last_error() -> str:
    """The library's message for the last failure on this thread."""
    return lib.sm_last_error().decode("utf-8", "replace")


def names(kind: str) -> tuple[str, ...]:
    """The names the library knows of one kind ("output", "initializer"), in its order."""
    count = getattr(lib, f"sm_{kind}_count")()
    out = []
    for i in range(count):
        name = ctypes.c_char_p()
        call(f"sm_{kind}_name", i, ctypes.byref(name))
        out.append((name.value or b"").decode("ascii"))
    return tuple(out)


def call(name: str, *args) -> None:
    """Call ``name`` and raise :class:`SwiftMoonsError` on a non-zero status."""
    check(getattr(lib, name)(*args))


_from_buffer = ctypes.c_char.from_buffer
_addressof = ctypes.addressof


def ptr(array: np.ndarray) -> int:
    """The address of a C-contiguous array's data, for a `_P` argument.

    Borrowing the buffer through ctypes is several times cheaper than
    ``array.ctypes.data``; read-only and empty arrays take the slow way.
    """
    try:
        return _addressof(_from_buffer(array))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return array.ctypes.data


def check(status: int, message: str | None = None) -> None:
    """Raise :class:`SwiftMoonsError` for a non-zero status (for cached function objects).

    Out of memory raises :class:`SwiftMoonsMemoryError` (also a MemoryError).
    ``message`` is the error read on the thread that made the call (the
    last error is per thread); by default this thread's.
    """
    if status != 0:
        kind = SwiftMoonsMemoryError if status == SM_ERR_OUT_OF_MEMORY else SwiftMoonsError
        raise kind(last_error() if message is None else message, status,
                   lib.sm_status_name(status).decode("ascii", "replace"))


def version() -> str:
    """The native library's version string."""
    return lib.sm_version_string().decode("ascii")


def build_variant() -> str:
    """The loaded library's build: ``"avx2"`` or ``"avx512"`` (same results)."""
    return lib.sm_build_variant().decode("ascii")


def library_path() -> str:
    """The file the native library was loaded from."""
    return lib._name


class Handle:
    """Owns one native handle: `close()`, context manager, exit-safe `__del__`."""

    _free_name = ""
    _kind = "object"

    def __init__(self, handle: int):
        self._handle: int | None = handle

    @property
    def _h(self) -> int:
        handle = getattr(self, "_handle", None)
        if not handle:
            raise ValueError(f"This {self._kind} is closed")
        return handle

    # ctypes' own protocol: an object passed for a pointer argument is
    # replaced by its `_as_parameter_`, so the other modules pass the object
    # itself to the library (a closed one raises ValueError).
    _as_parameter_ = _h

    @property
    def closed(self) -> bool:
        """Whether `close()` has released the native object."""
        return not getattr(self, "_handle", None)

    def close(self) -> None:
        """Release the native object; later calls raise ValueError."""
        handle = getattr(self, "_handle", None)
        if handle:
            self._handle = None
            getattr(lib, self._free_name)(handle)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        # At interpreter exit module globals may already be gone.
        try:
            self.close()
        except Exception:
            pass


def create(name: str, *args) -> int:
    """Call a ``*_create`` function whose last argument receives the handle."""
    out = c_void_p()
    call(name, *args, ctypes.byref(out))
    if not out.value:
        raise SwiftMoonsError(f"{name} returned no handle", 5, "SM_ERR_INTERNAL")
    return out.value


def live_object_count() -> int:
    """The native objects alive in this process (networks, streams, progress objects)."""
    return int(lib.sm_live_object_count())


# ---- long calls: Ctrl-C and progress -------------------------------------

#: How often the waiting thread wakes to report progress, in seconds.
POLL_SECONDS = 0.05
#: Work (samples x parameters, x epochs for training) above which a call
#: runs where Ctrl-C can stop it (about a millisecond of training: below it,
#: the worker thread costs more than it saves).
LONG_WORK = 1 << 21
#: The same for an MLP's forward pass, where samples x parameters counts its
#: multiply-adds: 2**26 of them take 3-30 ms here, well inside Ctrl-C's
#: half-second bound. The worker thread costs 0.1-0.7 ms per call (measured:
#: 2-64-64-1 over 4096 rows took 1.3 ms through it, 0.6 ms without).
LONG_FORWARD = 1 << 26


class Progress(Handle):
    """A native cancel flag and work counter for one long call."""

    _free_name = "sm_progress_free"
    _kind = "progress object"

    def __init__(self):
        super().__init__(create("sm_progress_create"))

    def cancel(self) -> None:
        lib.sm_progress_cancel(self._h)

    def counts(self) -> tuple[int, int]:
        """(units completed, units planned)."""
        done, total = c_int64(), c_int64()
        call("sm_progress_get", self._h, ctypes.byref(done), ctypes.byref(total))
        return done.value, total.value


def run_long(invoke, *, watch=None, wait_anyway=False):
    """Run a long native call so that Ctrl-C (SIGINT) stops it.

    ``invoke(progress_handle)`` makes the call and returns its status. In the
    main thread the call runs in a worker thread while this one waits, a
    signal away from a KeyboardInterrupt: on one (or on any exception from
    ``watch``) the call is cancelled and finishes within a few milliseconds
    of work. ``watch(progress)``, if given, runs every POLL_SECONDS while
    the call works and once more when it has returned.

    Returns ``(status, interruption)``: the call's status and the exception
    that stopped it (None if nothing did). The caller tidies up its objects
    from what the call left behind, then raises the interruption itself, or
    calls ``check_long(status)``.
    """
    in_main = threading.current_thread() is threading.main_thread()
    if not (in_main or watch is not None or wait_anyway):
        # No signal reaches this thread: nothing to wait for.
        status = invoke(None)
        _long_errors.message = last_error() if status else ""
        return status, None
    progress = Progress()
    handle = progress._h
    outcome = {}

    def work():
        try:
            status = invoke(handle)
        except BaseException as exc:  # e.g. ctypes refusing an argument: raised again in the caller
            outcome["error"] = exc
            return
        outcome["status"] = status
        # The library's last error is per thread: read it on this one.
        outcome["message"] = last_error() if status else ""

    worker = threading.Thread(target=work, name="swiftmoons-call", daemon=True)
    interruption = None
    try:
        worker.start()
        while worker.is_alive():
            try:
                worker.join(POLL_SECONDS)
                if watch is not None and worker.is_alive() and interruption is None:
                    watch(progress)
            except BaseException as exc:  # KeyboardInterrupt, or the watcher's own error
                if interruption is None:
                    interruption = exc
                lib.sm_progress_cancel(handle)
        # A join interrupted by Ctrl-C can leave is_alive() False while the
        # thread still runs (CPython 3.11 and 3.12, measured: the loop above
        # ended with the cancelled call unfinished, its outputs unwritten).
        # The call was cancelled: wait for its own word that it returned.
        while not outcome:
            try:
                time.sleep(0.0005)
            except BaseException as exc:
                if interruption is None:
                    interruption = exc
                lib.sm_progress_cancel(handle)
        if watch is not None and interruption is None:
            try:
                watch(progress)
            except BaseException as exc:
                interruption = exc
    finally:
        # The call holds its own reference to the native object, so closing
        # the handle is safe even if it were still running.
        progress.close()
    if "error" in outcome and interruption is None:
        raise outcome["error"]
    _long_errors.message = outcome.get("message", "")
    return outcome.get("status", 0), interruption


_long_errors = threading.local()


def check_long(status: int) -> None:
    """`check` for the status `run_long` returned, with the message of the thread that ran it."""
    check(status, getattr(_long_errors, "message", None))
