"""The main job's files: contents, atomic writing, and the printed scorecard."""

import json
import subprocess
import sys

import pandas as pd
import pyarrow.parquet as pq
import pytest

from experiments.sweeps import outputs
from model.data import PROJECT_ROOT


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    out = tmp_path_factory.mktemp("job") / "run"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "experiments.run",
            "policy_mix=fund_only",
            "seed=3",
            "scale=0.02",
            f"hydra.run.dir={out}",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return out, result


@pytest.mark.slow
def test_files_are_written(job):
    out, _ = job
    for name in (*outputs.RESULT_FILES, outputs.COMPLETE):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    assert not (out / outputs.STAGING).exists()


@pytest.mark.slow
def test_timeseries_is_tidy(job):
    out, _ = job
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert list(ts.columns) == ["date", "indicator", "sector", "city", "value", "unit"]
    assert ts.date.nunique() == 21
    assert ts.date.min() == pd.Timestamp("2017-12-31") and ts.date.max() == pd.Timestamp("2022-12-31")
    assert set(ts.date.dt.month) == {3, 6, 9, 12}
    meta = json.loads(pq.read_schema(out / "timeseries.parquet").metadata[b"shandong_abm"])
    assert meta["seed"] == 3 and meta["policy_mix"] == "fund_only"


@pytest.mark.slow
def test_scorecard_and_summary(job):
    out, result = job
    card = pd.read_csv(out / "scorecard.csv")
    assert {"target", "simulated", "met", "gap", "source"} <= set(card.columns)
    assert len(card) >= 15
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["run"]["seed"] == 3 and summary["run"]["policy_mix"] == "fund_only"
    assert summary["targets_met"] == int(card.met.sum())
    assert summary["config"]["policy_mix"]["instruments"]["conversion_fund"]["subscribed_target"] == 600
    assert {"git_commit", "uncommitted_changes"} <= set(summary["code_version"])
    assert {"mesa", "numpy", "hydra-core", "python"} <= set(summary["package_versions"])
    assert "new_economy_va_share" in summary["final_indicators"]["province"]
    assert "targets met" in result.stdout and "New-economy" in result.stdout


def test_failed_write_leaves_no_result(tmp_path, monkeypatch, run):
    from experiments.sweeps import run_figure

    _, ts = run("as_enacted")
    card = pd.DataFrame({"met": [True], "target": ["x"]})
    summary = {"run": {"seed": 0, "policy_mix": "as_enacted", "scenario": "baseline", "scale": 0.05}}

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(run_figure, "overview", broken)
    with pytest.raises(RuntimeError):
        outputs.write_run(tmp_path, ts, card, summary)
    assert list(tmp_path.iterdir()) == []
