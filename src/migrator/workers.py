"""The worker processes of a scan and of ``fix``: the pool, what each worker sets up, and the
memory the parent hands back between stages; the garbage collector's policy in the tool's
processes."""

from __future__ import annotations

import contextlib
import gc
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

# Below this many files, worker start-up costs more than it saves.
PARALLEL_THRESHOLD = 64


@contextlib.contextmanager
def worker_pool(jobs: int, initializer: Callable[..., None], initargs: tuple
                ) -> Iterator[ProcessPoolExecutor]:
    """Worker processes that leave Ctrl-C and SIGTERM to this one.

    Both reach the whole process group. A worker that died of one would leave the pool's queue
    feeder blocked on a pipe nobody reads, so this process would hang on its way out; instead
    the workers ignore them and, on an interrupt here, the work not started is cancelled and
    each worker only finishes the piece in hand.
    """
    # Imported here: a warm scan has nothing to hand out and does not pay for it.
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(jobs, initializer=_ignoring_interrupts,
                               initargs=(initializer, initargs))
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


class FactWorkers:
    """The mapper of a scan's :class:`FileFacts`: maps in worker processes when given enough to
    pay for them (a cold run's project-level passes parse or search hundreds of files), started
    on first need and kept for the run; in this process otherwise."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self._stack = contextlib.ExitStack()
        self._pool: ProcessPoolExecutor | None = None

    def __call__(self, function: Callable[..., Any], *arguments: Sequence[Any]) -> list:
        count = min(map(len, arguments))
        if self.jobs < 2 or count < PARALLEL_THRESHOLD:
            return list(map(function, *arguments))
        if self._pool is None:
            self._pool = self._stack.enter_context(worker_pool(self.jobs, relax_collector, ()))
        return list(self._pool.map(function, *arguments, chunksize=max(1, min(64, count // (self.jobs * 4)))))

    @property
    def started(self) -> bool:
        return self._pool is not None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stack.__exit__(*exc_info)
        # A scan's result derives what its rules did not ask for when a caller asks (a package
        # of a scan with --select): in this process, its workers are gone.
        self._pool, self.jobs = None, 1


def _ignoring_interrupts(initializer: Callable[..., None], initargs: tuple) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    initializer(*initargs)


def release_freed_memory() -> None:
    """Give the heap pages freed so far back to the system, where the C library keeps them
    (glibc: ``malloc_trim``; elsewhere nothing is done). The index pass holds every project
    file's bytes at once, 100 MB at 20,000 files, freed in chunks glibc does not return by
    itself; what the scan allocates afterwards is mostly small objects kept apart from them, so
    those pages would stay the scan's to its end."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes  # only here: not on a warm run's path

    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)  # None: not glibc (musl)
    if trim is not None:
        trim(0)


# The collector's thresholds in the tool's processes. A scan's objects (syntax trees, the caches'
# unpickled entries) are millions of short-lived or long-kept objects without cycles: at the
# default thresholds the collector runs dozens of times per file, and its full passes over what
# the caches loaded took 15% of a run after an edit. It still runs, every 50,000 allocations.
RELAXED_THRESHOLDS = (50_000, 50, 100)


def relax_collector() -> None:
    """For a worker process: the relaxed thresholds, and never a pass over what it imported."""
    gc.freeze()
    gc.set_threshold(*RELAXED_THRESHOLDS)


# Whether a command runs (relaxed_collector): what the caches load is then frozen (collector_paused).
_in_a_command: ContextVar[bool] = ContextVar("in_a_command", default=False)


@contextlib.contextmanager
def relaxed_collector() -> Iterator[None]:
    """For a command: the relaxed thresholds while it runs, and what the caches load kept out of
    the collector's passes (:func:`collector_paused`) until it ends, when everything frozen (a
    caller's own frozen objects too) is handed back; a caller's thresholds are given back."""
    previous = gc.get_threshold()
    gc.set_threshold(*RELAXED_THRESHOLDS)
    token = _in_a_command.set(True)
    try:
        yield
    finally:
        _in_a_command.reset(token)
        gc.unfreeze()
        gc.set_threshold(*previous)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Around loading a cache: unpickling a large project's results creates millions of objects,
    none of them in a cycle, and the collector's passes over them took most of a load. In a
    command they are frozen after it (the command keeps them, and frees them by their counts as
    ever); a library caller's are collected as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if _in_a_command.get():
            gc.freeze()
        if enabled:
            gc.enable()
