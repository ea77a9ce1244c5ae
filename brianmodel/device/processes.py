"""Brian2 in worker processes: a pool whose processes each hold their own Brian2 project, and a process's own copy
of a compiled build.

Brian2 keeps one standalone project per process (its device is global). So
worker processes start by spawn, never fork (a forked one would inherit this
process's device), and a task that builds a project of its own may ask for a
fresh process (``fresh_processes``: a second project in one process differs
from the first by a line, and would compile again). A Dask cluster serves
too, if each of its workers runs one thread. Processes that run one binary at
once each run their own copy of its build folder (:func:`private_build`).
A local worker does not outlive the process that started it: on Linux, when
that process ends, however it ends (a sweep killed, Ctrl-C), the worker and
the binary it runs are stopped (:func:`_start_worker`).
"""
from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor

from ..errors import DeviceError
from .standalone import private_copy

__all__ = ["worker_pool", "private_build"]


class worker_pool:
    """``with worker_pool(workers) as submit: submit(function, tasks)``: the results in task order.

    ``scheduler``: the address of a ``dask.distributed`` scheduler instead of
    local processes (one task per Dask worker thread; it must run one).
    ``fresh_processes``: a new process for every task. ``initializer(*initargs)``
    runs in every local process first (e.g. its logging).
    """

    def __init__(self, workers: int = 1, scheduler: str | None = None, *, fresh_processes: bool = False,
                 initializer=None, initargs=()):
        if not isinstance(workers, int) or workers < 1:
            raise DeviceError(f"workers must be at least 1, got {workers!r}")
        self.workers, self.scheduler, self.fresh = workers, scheduler, fresh_processes
        self.initializer, self.initargs = initializer, initargs

    def __enter__(self):
        if self.scheduler:
            self.client = _dask_client(self.scheduler)
            return lambda function, tasks: self.client.gather(self.client.map(function, tasks, pure=False))
        self.pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                        max_tasks_per_child=1 if self.fresh else None, initializer=_start_worker,
                                        initargs=(os.getpid(), self.initializer, self.initargs))
        return lambda function, tasks: [future.result() for future in [self.pool.submit(function, task)
                                                                       for task in tasks]]

    def __exit__(self, kind, *exc):
        if self.scheduler:
            self.client.close()
            return False
        if kind is not None and not issubclass(kind, Exception):  # Ctrl-C, exit: the running tasks stop too
            for pid in list(getattr(self.pool, "_processes", None) or ()):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)  # (the worker stops its group: _start_worker)
        self.pool.shutdown(cancel_futures=True)  # an error in one task: the others end as they would
        return False


_PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent ends


def _start_worker(parent: int, initializer, initargs):
    """A local worker's start: it leads a process group of its own (the binaries it runs join it), and when
    ``parent`` ends the kernel sends it SIGTERM (Linux), on which it stops its whole group: nothing it started
    outlives the sweep. Then ``initializer(*initargs)``."""
    if sys.platform.startswith("linux"):
        os.setpgid(0, 0)
        signal.signal(signal.SIGTERM, lambda *_: os.killpg(os.getpgid(0), signal.SIGKILL))
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # ended before the request was in place
            os.killpg(os.getpgid(0), signal.SIGKILL)
    if initializer is not None:
        initializer(*initargs)


def _dask_client(scheduler: str):
    try:
        from distributed import Client  # optional: pip install -e '.[sweep]'
    except ImportError:
        raise DeviceError("--scheduler needs dask.distributed: pip install -e '.[sweep]'") from None
    try:
        client = Client(scheduler, timeout=30)
    except (OSError, TimeoutError) as error:
        raise DeviceError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from None
    threads = client.nthreads()
    if not threads or any(n != 1 for n in threads.values()):
        client.close()
        # one standalone project per process: two tasks at once in one process collide
        raise DeviceError(f"every Dask worker must run one thread (dask worker ... --nthreads 1); the cluster at "
                          f"{scheduler} has {sorted(set(threads.values()))} threads per worker")
    return client


@contextlib.contextmanager
def private_build(build_root: str, name: str, own_root: str | None = None):
    """This process's own copy of the compiled build folder ``name`` of ``build_root`` (copied once); yields the
    root it is in. ``own_root`` None: a temporary folder in ``build_root``, removed at the end; else kept (a
    process that runs several tasks copies once)."""
    temporary = own_root is None
    own_root = tempfile.mkdtemp(prefix="process-", dir=build_root) if temporary else own_root
    try:
        private_copy(build_root, own_root, name)
        yield own_root
    finally:
        if temporary:
            shutil.rmtree(own_root, ignore_errors=True)
