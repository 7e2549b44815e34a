"""Sweeps survive faults: a second sweep into the same folder, a killed worker, a killed main
process, files changed after the fact; collect publishes nothing partial.

Every fault test ends with each run complete once and identical to an uninterrupted sweep.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from experiments.sweeps.collect import collect
from experiments.sweeps.outputs import COMPLETE, verify_complete
from experiments.sweeps.progress import LOCK, PROGRESS
from model.data import PROJECT_ROOT

pytestmark = pytest.mark.slow  # each test runs tiny sweeps in processes

SEEDS = 3
MIXES = ("none", "fund_only")


def command(sweep_dir: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "experiments.run",
        "-m",
        "+experiment=mix_comparison",
        "scale=0.01",
        f"seed=range(0,{SEEDS})",
        f"policy_mix={','.join(MIXES)}",
        "hydra.launcher.n_jobs=2",
        f"hydra.sweep.dir={sweep_dir}",
    ]


def sweep(sweep_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        command(sweep_dir), cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, check=False
    )


def start(sweep_dir: Path) -> subprocess.Popen:
    """Start a sweep and return once one of its runs has started."""
    log = sweep_dir.parent / f"{sweep_dir.name}.log"
    with log.open("w") as handle:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(command(sweep_dir), cwd=PROJECT_ROOT, stdout=handle, stderr=handle)
    deadline = time.time() + 120
    while not any(sweep_dir.rglob("_STARTED")):
        assert process.poll() is None, log.read_text()
        assert time.time() < deadline, "no run started"
        time.sleep(0.1)
    return process


def workers(pid: int) -> list[int]:
    """The joblib worker processes of the sweep process ``pid`` (its children)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        parent = next((line.split()[1] for line in status.splitlines() if line.startswith("PPid:")), "")
        if parent == str(pid) and "LokyProcess" in cmdline:
            found.append(int(entry.name))
    return found


def results(sweep_dir: Path) -> dict[str, pd.DataFrame]:
    """Each run's time series, by run folder; every run must be complete and intact."""
    runs = sorted(p.parent for p in sweep_dir.rglob(COMPLETE))
    assert len(runs) == SEEDS * len(MIXES)
    for run in runs:
        assert verify_complete(run) is None, run
    return {str(run.relative_to(sweep_dir)): pd.read_parquet(run / "timeseries.parquet") for run in runs}


def done_once(sweep_dir: Path) -> None:
    """Each run was simulated (ended 'done') exactly once over all attempts."""
    entries = [json.loads(line) for line in (sweep_dir / PROGRESS).read_text().splitlines()]
    done = [e["run"] for e in entries if e["status"] == "done"]
    assert sorted(done) == sorted(set(done)) and len(done) == SEEDS * len(MIXES), entries


def assert_identical(sweep_dir: Path, reference: dict[str, pd.DataFrame]) -> None:
    got = results(sweep_dir)
    assert got.keys() == reference.keys()
    for name, frame in got.items():
        pd.testing.assert_frame_equal(frame, reference[name])


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, pd.DataFrame]:
    folder = tmp_path_factory.mktemp("reference") / "sweep"
    result = sweep(folder)
    assert result.returncode == 0, result.stderr
    done_once(folder)
    return results(folder)


def test_second_sweep_into_the_same_folder_refuses(tmp_path, reference):
    folder = tmp_path / "sweep"
    first = start(folder)
    second = sweep(folder)
    assert first.wait(timeout=300) == 0
    assert second.returncode == 2
    lines = [line for line in second.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: hydra.sweep.dir="), second.stderr
    assert "no other sweep is writing" in lines[0] and "locked by process" in lines[0]
    done_once(folder)
    assert_identical(folder, reference)
    again = sweep(folder)  # the lock is released when a sweep ends
    assert again.returncode == 0, again.stderr
    assert_identical(folder, reference)


def test_killed_worker_then_the_same_command(tmp_path, reference):
    folder = tmp_path / "sweep"
    process = start(folder)
    victims = workers(process.pid)
    assert victims, "no worker found"
    os.kill(victims[0], signal.SIGKILL)
    process.wait(timeout=300)  # the batch is launched again; finished runs are skipped
    result = sweep(folder)
    assert result.returncode == 0, result.stderr
    done_once(folder)
    assert_identical(folder, reference)


@pytest.mark.parametrize("when", ["as_its_workers_start", "mid_run"])
def test_killed_main_process_stops_its_workers(tmp_path, reference, when):
    """SIGKILL of the sweep's main process: every worker exits within seconds, idle or mid-run.

    ``as_its_workers_start`` kills it before any worker has taken a run: such a worker would
    otherwise wait on its task queue for loky's idle timeout (300 s), or run the tasks still
    buffered in the queue's pipe.
    """
    folder = tmp_path / "sweep"
    if when == "mid_run":
        process = start(folder)
    else:
        log = tmp_path / "sweep.log"
        with log.open("w") as handle:
            process = subprocess.Popen(command(folder), cwd=PROJECT_ROOT, stdout=handle, stderr=handle)
    deadline = time.time() + 60  # a loaded machine starts the workers slowly
    while not (children := workers(process.pid)):
        assert time.time() < deadline and process.poll() is None, "no worker started"
        time.sleep(0.05)
    process.kill()
    process.wait(timeout=30)
    deadline = time.time() + 10  # a worker checks its parent every 0.25 s
    while alive := [pid for pid in children if Path(f"/proc/{pid}").exists() and "zombie" not in _state(pid)]:
        if time.time() > deadline:
            for pid in alive:  # leave no stray process behind a failing test
                os.kill(pid, signal.SIGKILL)
            pytest.fail(f"workers {alive} still running 10 s after their sweep was killed ({when})")
        time.sleep(0.1)
    assert (folder / LOCK).exists()
    result = sweep(folder)  # the dead sweep's lock went with it
    assert result.returncode == 0, result.stderr
    assert_identical(folder, reference)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].splitlines()[0]
    except (OSError, IndexError):
        return "zombie"


def test_changed_result_file_is_redone_and_not_collected(tmp_path, reference):
    folder = tmp_path / "sweep"
    assert sweep(folder).returncode == 0
    run = sorted(p.parent for p in folder.rglob(COMPLETE))[0]
    (run / "summary.json").write_text("{", encoding="utf-8")  # corrupt after the fact
    assert "summary.json does not match its checksum" in verify_complete(run)
    report = collect(folder, figures=False, quiet=True)
    assert report["complete"] == SEEDS * len(MIXES) - 1 and report["unfinished"] == 1
    (run / COMPLETE).write_text("", encoding="utf-8")  # a full disk's empty marker
    assert "unreadable" in verify_complete(run)
    assert sweep(folder).returncode == 0  # the same command redoes that run only
    assert_identical(folder, reference)


def test_corrupt_multirun_record_stops_collect_with_one_line(tmp_path, reference):
    folder = tmp_path / "sweep"
    assert sweep(folder).returncode == 0
    (folder / "multirun.yaml").write_text("hydra: [unclosed\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "experiments.collect", str(folder)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "multirun.yaml" in lines[0] and "is not allowed" in lines[0], result.stderr
    assert not any((folder / name).exists() for name in ("runs.parquet", "timeseries.parquet", "scorecard.csv"))
    assert not list(folder.glob(".*.tmp*"))


def test_collect_failing_midway_publishes_nothing(tmp_path, reference, monkeypatch):
    folder = tmp_path / "sweep"
    assert sweep(folder).returncode == 0
    from experiments.sweeps import collect as module

    calls = {"n": 0}
    original = module.Collector._add_finished

    def fail_on_third(self, run_dir, row):
        calls["n"] += 1
        if calls["n"] == 3:
            raise MemoryError("simulated")
        original(self, run_dir, row)

    monkeypatch.setattr(module.Collector, "_add_finished", fail_on_third)
    with pytest.raises(MemoryError):
        collect(folder, figures=False, quiet=True)
    assert not (folder / "timeseries.parquet").exists()
    assert not list(folder.glob(".timeseries*"))
    shutil.rmtree(folder)
