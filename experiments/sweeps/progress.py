"""Hydra callbacks of a sweep: its progress, and keeping its memory flat.

Progress: runs done out of total, failures so far, time left.

Each run of a sweep appends one line to ``<sweep dir>/.progress`` when it ends
(``done``, ``skipped`` when an earlier attempt finished it, or ``failed``). The
progress callback runs in the process that launched the sweep; a thread reads that
file every few seconds and prints a line to stderr. It works whatever the launcher:
workers on this machine or on a cluster write to the same folder.

Memory: ``ReleaseJobConfigs`` drops each finished job's config, which Hydra would
otherwise keep until the sweep ends.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.experimental.callback import Callback
from omegaconf import DictConfig

PROGRESS = ".progress"
LOCK = ".lock"
SWEEP_PID = "SHANDONG_SWEEP_PID"  # the launching process, for its workers' watchdog


def lock_sweep(sweep_dir: Path) -> int:
    """Take the sweep folder's lock (held until the process ends); refuse if another sweep holds it.

    Returns:
        The lock file's descriptor (keep it open).

    Raises:
        ConfigError: Another process holds the lock (one line naming the folder).
    """
    from model.errors import ConfigError

    sweep_dir.mkdir(parents=True, exist_ok=True)
    key = str(sweep_dir.resolve())
    if key in _HELD:  # this process holds it already (the callback took it before the sweeper)
        return _HELD[key]
    fd = os.open(sweep_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 200).decode(errors="replace").strip() or "another process"
        os.close(fd)
        raise ConfigError(
            "hydra.sweep.dir",
            str(sweep_dir),
            f"a folder no other sweep is writing into (locked by {holder}); wait for it to end, "
            "then run the command again (finished runs are skipped), or choose another hydra.sweep.dir",
        ) from None
    os.ftruncate(fd, 0)
    os.write(fd, f"process {os.getpid()} since {time.strftime('%H:%M:%S')}".encode())
    os.environ[SWEEP_PID] = str(os.getpid())  # workers started from here stop when it dies
    _HELD[key] = fd
    return fd


def unlock_sweep(sweep_dir: Path) -> None:
    """Release the sweep folder's lock, if this process holds it."""
    fd = _HELD.pop(str(sweep_dir.resolve()), None)
    if fd is not None:
        os.close(fd)


_HELD: dict[str, int] = {}  # sweep folder -> lock file descriptor held by this process


def watch_parent() -> None:
    """In a sweep's job process: exit when the process that launched the sweep has died.

    Only a direct child of the launching process watches (``submitit_local``'s job processes);
    cluster tasks and in-process runs do not. Joblib's workers watch from the moment they
    start, before their first task (:mod:`experiments.sweeps.workers`).
    """
    launcher = os.environ.get(SWEEP_PID)
    if not launcher or not launcher.isdigit() or int(launcher) == os.getpid() or os.getppid() != int(launcher):
        return
    if getattr(watch_parent, "started", False):
        return
    watch_parent.started = True  # type: ignore[attr-defined]

    def watch() -> None:
        while os.getppid() == int(launcher):
            time.sleep(1.0)
        os._exit(3)  # the sweep was killed: stop writing

    threading.Thread(target=watch, daemon=True, name="sweep-parent-watchdog").start()


def record(sweep_dir: Path, status: str, run: str, seconds: float) -> None:
    """Append one run's end to the sweep's progress file (one short line: an atomic append)."""
    line = json.dumps({"status": status, "run": run, "seconds": round(seconds, 3), "at": time.time()}) + "\n"
    fd = os.open(sweep_dir / PROGRESS, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def sweep_overrides(config: DictConfig) -> list[str]:
    """The overrides that define a sweep: the sweeper's params, then the command line's."""
    params = config.hydra.sweeper.get("params") or {}
    from_config = [f"{key}={value}" for key, value in params.items()]
    return from_config + list(config.hydra.overrides.task)


def expected_runs(config: DictConfig) -> int:
    """Number of runs the sweep launches (the product of its sweep overrides)."""
    parser = OverridesParser.create()
    counts: dict[str, int] = {}
    for override in parser.parse_overrides(sweep_overrides(config)):
        key = override.get_key_element()
        counts[key] = len(list(override.sweep_string_iterator())) if override.is_sweep_override() else 1
    total = 1
    for count in counts.values():
        total *= count
    return total


def read_progress(sweep_dir: Path, since: float = 0.0) -> dict[str, int]:
    """Runs ended since ``since`` (a time), by status."""
    counts = {"done": 0, "skipped": 0, "failed": 0}
    path = sweep_dir / PROGRESS
    if not path.exists():
        return counts
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line being written
        if entry.get("at", 0) >= since and entry.get("status") in counts:
            counts[entry["status"]] += 1
    return counts


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


def status_line(name: str, total: int, counts: dict[str, int], elapsed: float) -> str:
    """One line of progress."""
    ended = counts["done"] + counts["skipped"] + counts["failed"]
    line = f"sweep {name}: {ended}/{total} runs ended ({counts['failed']} failed"
    if counts["skipped"]:
        line += f", {counts['skipped']} finished earlier"
    line += f"), {_duration(elapsed)} elapsed"
    worked = counts["done"] + counts["failed"]
    if worked and ended < total:
        left = (total - ended) * elapsed / worked
        line += f", about {_duration(left)} left"
    return line


class Reporter:
    """Prints one progress line every ``interval`` seconds from a thread, until stopped.

    Args:
        sweep_dir: The folder whose ``.progress`` file the runs append to.
        name: What is running (shown at the start of each line).
        total: Runs expected.
        interval: Seconds between progress lines.
    """

    def __init__(self, sweep_dir: Path, name: str, total: int, interval: float = 10.0) -> None:
        self.sweep_dir, self.name, self.total, self.interval = sweep_dir, name, total, interval
        self.started = time.time()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._report, daemon=True)

    def start(self) -> Reporter:
        """Start printing."""
        self.started = time.time()
        self._thread.start()
        return self

    def _report(self) -> None:
        while not self._stop.wait(self.interval):
            self.print()

    def counts(self) -> dict[str, int]:
        """Runs ended since the start, by status."""
        return read_progress(self.sweep_dir, self.started)

    def print(self) -> None:
        """Print the current line."""
        line = status_line(self.name, self.total, self.counts(), time.time() - self.started)
        print(line, file=sys.stderr, flush=True)

    def stop(self) -> None:
        """Stop the thread (no final line: the caller says how it ended)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()


class SweepProgress(Callback):
    """Hydra callback printing a sweep's progress every ``interval`` seconds.

    Args:
        interval: Seconds between progress lines.
    """

    def __init__(self, interval: float = 10.0) -> None:
        self.interval = interval
        self._reporter: Reporter | None = None

    def __getstate__(self) -> dict[str, Any]:
        # Launchers ship the callbacks to their workers: leave the reporter thread behind.
        return {"interval": self.interval}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Lock the sweep folder, count the runs and start printing progress."""
        from model.errors import ConfigError

        sweep_dir = Path(config.hydra.sweep.dir)
        try:
            lock_sweep(sweep_dir)
        except ConfigError:
            return  # the sweeper refuses with one line (Hydra ignores a callback's errors)
        name = config.get("experiment") or sweep_dir.name
        total = expected_runs(config)
        print(f"sweep {name}: {total} runs into {sweep_dir}", file=sys.stderr, flush=True)
        self._reporter = Reporter(sweep_dir, name, total, self.interval).start()

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Stop the reporter and print the final line."""
        unlock_sweep(Path(config.hydra.sweep.dir))
        if self._reporter is None:
            return
        self._reporter.stop()
        self._reporter.print()
        print(
            f"collect the results with: python -m experiments.collect {self._reporter.sweep_dir}",
            file=sys.stderr,
            flush=True,
        )


class ReleaseJobConfigs(Callback):
    """Hydra callback dropping each finished job's composed config from its result.

    Hydra keeps every job's result, config included, until the sweep ends; with a large
    config the process's heap grows run after run and every garbage collection gets
    slower. A sweep needs only each job's status (results and the resolved config are
    in each run's folder), so the configs are released as soon as a job ends.
    """

    def on_job_end(self, config: DictConfig, job_return: Any, **kwargs: Any) -> None:
        """Release the job's config and Hydra config."""
        job_return.cfg = None
        job_return.hydra_cfg = None
