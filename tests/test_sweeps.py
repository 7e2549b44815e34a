"""Sweeps: identical results whatever the launcher, resuming, failures, and collect's statistics."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from experiments.sweeps import collect
from experiments.sweeps.outputs import COMPLETE, FAILED
from model.data import DEFAULT_DATA_DIR, PROJECT_ROOT

TINY = [
    "+experiment=mix_comparison",
    "scale=0.01",
    "policy_mix=none,fund_only",
    "seed=range(0,2)",
    "hydra.callbacks.progress.interval=1",
]


def sweep(
    sweep_dir: Path, *overrides: str, launcher: str | None = None, timeout: int = 600, wait: bool = True
) -> subprocess.CompletedProcess | subprocess.Popen:
    args = [sys.executable, "-m", "experiments.run", "-m", *TINY, f"hydra.sweep.dir={sweep_dir}", *overrides]
    if launcher:
        args.append(f"hydra/launcher={launcher}")
    if not wait:
        return subprocess.Popen(
            args, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
        )
    return subprocess.run(args, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=timeout, check=False)


def run_dirs(sweep_dir: Path) -> dict[str, Path]:
    return {str(p.parent.relative_to(sweep_dir)): p.parent for p in sweep_dir.rglob(COMPLETE)}


@pytest.fixture(scope="module")
def launched(tmp_path_factory):
    """The tiny sweep under the sequential, joblib and submitit-local launchers."""
    base = tmp_path_factory.mktemp("launchers")
    results = {}
    for launcher in ("basic", "joblib", "submitit_local"):
        out = base / launcher
        result = sweep(out, launcher=launcher)
        assert result.returncode == 0, result.stderr[-3000:]
        results[launcher] = (out, result)
    return results


@pytest.mark.slow
def test_sweep_layout_and_progress(launched):
    out, result = launched["joblib"]
    assert sorted(run_dirs(out)) == [
        "policy_mix=fund_only,scale=0.01/seed=0",
        "policy_mix=fund_only,scale=0.01/seed=1",
        "policy_mix=none,scale=0.01/seed=0",
        "policy_mix=none,scale=0.01/seed=1",
    ]
    assert "4/4 runs ended (0 failed)" in result.stderr
    summary = json.loads((out / "policy_mix=none,scale=0.01" / "seed=1" / "summary.json").read_text())
    assert summary["run"]["experiment"] == "mix_comparison" and summary["run"]["seed"] == 1


@pytest.mark.slow
def test_launchers_give_identical_results(launched):
    reference = run_dirs(launched["basic"][0])
    assert len(reference) == 4
    for launcher in ("joblib", "submitit_local"):
        other = run_dirs(launched[launcher][0])
        assert sorted(other) == sorted(reference), launcher
        for name, folder in reference.items():
            a = pd.read_parquet(folder / "timeseries.parquet")
            b = pd.read_parquet(other[name] / "timeseries.parquet")
            pd.testing.assert_frame_equal(a, b, check_exact=True)
            assert (folder / "scorecard.csv").read_text() == (other[name] / "scorecard.csv").read_text()


@pytest.mark.slow
def test_seeds_are_shared_across_mixes(launched):
    out, _ = launched["basic"]
    start = pd.Timestamp("2017-12-31")
    for seed in (0, 1):
        none = pd.read_parquet(out / "policy_mix=none,scale=0.01" / f"seed={seed}" / "timeseries.parquet")
        fund = pd.read_parquet(out / "policy_mix=fund_only,scale=0.01" / f"seed={seed}" / "timeseries.parquet")
        pd.testing.assert_frame_equal(none[none.date == start], fund[fund.date == start])


@pytest.mark.slow
def test_collect(launched):
    out, _ = launched["joblib"]
    report = collect.collect(out, figures=True, quiet=True)
    assert report == {"complete": 4, "failed": 0, "unfinished": 0, "expected": 4, "not_started": 0}
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 4 and set(runs.policy_mix) == {"none", "fund_only"}
    assert {"seed", "param.policy_mix", "final.new_economy_va_share", "met.gazelles"} <= set(runs.columns)
    card = pd.read_csv(out / "scorecard.csv")
    row = card[(card.kind == "target") & (card.name == "gazelles") & (card.policy_mix == "fund_only")].iloc[0]
    met = runs[runs.policy_mix == "fund_only"]["met.gazelles"].sum()
    assert row.runs == 2 and row.met == met and row.probability == pytest.approx(met / 2)
    series = pd.read_parquet(out / "timeseries.parquet")
    assert series.run.nunique() == 4 and len(series) == 4 * len(
        pd.read_parquet(next(iter(run_dirs(out).values())) / "timeseries.parquet")
    )
    for figure in ("heatmap.png", "tradeoff.png", "fan_no_programme.png", "fan_fund_only.png"):
        assert (out / figure).stat().st_size > 0
    assert not list(out.glob("*=*.png")) and not (out / "parameters.png").exists()  # plain names; only the mix varies


@pytest.mark.parametrize(("met", "runs"), [(0, 30), (7, 30), (30, 30), (12, 40), (1, 2)])
def test_wilson_interval_matches_hand_computation(met, runs):
    z = stats.norm.ppf(0.975)
    p = met / runs
    centre = (p + z**2 / (2 * runs)) / (1 + z**2 / runs)
    half = z / (1 + z**2 / runs) * np.sqrt(p * (1 - p) / runs + z**2 / (4 * runs**2))
    low, high = collect.wilson_interval(met, runs)
    assert low == pytest.approx(max(centre - half, 0.0), abs=1e-12)
    assert high == pytest.approx(min(centre + half, 1.0), abs=1e-12)


@pytest.mark.slow
def test_failing_run_is_recorded_and_others_finish(tmp_path):
    broken = tmp_path / "broken_data"
    shutil.copytree(DEFAULT_DATA_DIR, broken)
    (broken / "targets.csv").unlink()
    out = tmp_path / "sweep"
    result = sweep(out, f"data_dir={DEFAULT_DATA_DIR},{broken}", "policy_mix=none")
    assert result.returncode == 0, result.stderr[-2000:]
    failed = list(out.rglob(FAILED))
    assert len(failed) == 2 and len(run_dirs(out)) == 2
    record = json.loads(failed[0].read_text())
    assert "targets.csv" in record["error"] and "Traceback" in record["traceback"]
    assert not any((f.parent / "timeseries.parquet").exists() for f in failed)
    report = collect.collect(out, figures=False, quiet=True)
    assert report["failed"] == 2 and report["complete"] == 2
    runs = pd.read_parquet(out / "runs.parquet")
    assert runs[runs.status == "failed"].error.str.contains("targets.csv").all()


def _children(pid: int) -> list[int]:
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


def _workers(pid: int) -> list[int]:
    """Joblib (loky) worker processes below the sweep's process."""
    found, todo = [], [pid]
    while todo:
        for child in _children(todo.pop()):
            todo.append(child)
            try:
                cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            except OSError:
                continue
            if b"popen_loky" in cmdline:  # a loky worker (not its resource tracker)
                found.append(child)
    return found


@pytest.mark.slow
def test_interrupted_sweep_resumes(tmp_path):
    out = tmp_path / "sweep"
    extra = ["scale=0.3", "seed=range(0,6)", "hydra.launcher.n_jobs=2"]
    process = sweep(out, *extra, wait=False)
    deadline = time.time() + 300
    while time.time() < deadline and len(run_dirs(out)) < 2:
        time.sleep(0.1)
    assert len(run_dirs(out)) >= 2, "the sweep did not get going"
    workers = _workers(process.pid)
    assert workers, "no joblib worker found"
    os.kill(workers[0], signal.SIGKILL)  # a worker dies mid-sweep
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr[-2000:]
    before = {name: (folder / "timeseries.parquet").stat().st_mtime_ns for name, folder in run_dirs(out).items()}
    assert len(before) == 12, "a dead worker's batch is launched again: the sweep finishes"
    result = sweep(out, *extra)
    assert result.returncode == 0, result.stderr[-2000:]
    after = run_dirs(out)
    assert len(after) == 12
    for name, mtime in before.items():
        assert (after[name] / "timeseries.parquet").stat().st_mtime_ns == mtime, f"{name} was redone"
    progress = [json.loads(line) for line in (out / ".progress").read_text().splitlines()]
    last = progress[-12:]
    assert sorted(entry["status"] for entry in last).count("skipped") == len(before)
    report = collect.collect(out, figures=False, quiet=True)
    assert report["complete"] == 12 and report["unfinished"] == 0 and report["failed"] == 0
    assert pd.read_parquet(out / "runs.parquet").run.is_unique
