"""A sweep's worker processes stop when the process that launched them dies.

Hydra's joblib launcher runs jobs in loky's worker processes, children of the sweep's
main process. Loky's workers do not notice their parent's death: a worker blocked on its
task queue waits for its idle timeout (joblib: 300 s), and one that finds tasks still
buffered in the queue's pipe runs them, writing run folders of a sweep nobody watches.

:func:`watched_workers` makes every loky executor built inside it start each worker with
:func:`watch_launcher` as its initializer: before the worker takes a task, it checks that
its parent is still the launching process (else it exits at once) and starts a daemon
thread that exits the worker within ``INTERVAL`` seconds of the parent's death, whatever
the worker is doing, idle or mid-run. A run cut short leaves no completion marker, so the
next attempt redoes it. The launcher sweeps and apps use stays ``joblib`` (the same
settings, ``hydra.launcher.n_jobs``, ...): only the executor's initializer is added, through
joblib's public ``register_parallel_backend``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from joblib import register_parallel_backend
from joblib.parallel import LokyBackend

INTERVAL = 0.25  # seconds between a worker's checks of its parent
ORPHANED = 3  # a worker's exit status when its launcher has died


def watch_launcher(launcher: int, interval: float = INTERVAL) -> None:
    """Worker initializer: exit when ``launcher`` is no longer this process's parent.

    Args:
        launcher: Process id of the process that started the worker.
        interval: Seconds between checks.
    """
    if os.getppid() != launcher:  # it died while the worker was starting
        os._exit(ORPHANED)

    def watch() -> None:
        while os.getppid() == launcher:
            time.sleep(interval)
        os._exit(ORPHANED)  # the launcher was killed: stop writing

    threading.Thread(target=watch, daemon=True, name="launcher-watchdog").start()


class WatchedLokyBackend(LokyBackend):
    """Joblib's loky backend whose workers run :func:`watch_launcher` when they start."""

    def configure(self, *args: Any, **kwargs: Any) -> int:
        """Build the executor as loky does, with the watchdog as each worker's initializer."""
        kwargs["initializer"] = watch_launcher
        kwargs["initargs"] = (os.getpid(),)
        return super().configure(*args, **kwargs)


@contextmanager
def watched_workers() -> Iterator[None]:
    """Inside it, joblib's ``loky`` backend (Hydra's joblib launcher) starts watched workers."""
    register_parallel_backend("loky", WatchedLokyBackend)
    try:
        yield
    finally:
        register_parallel_backend("loky", LokyBackend)
