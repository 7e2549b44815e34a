"""Result files describe themselves: metadata, categoricals, numeric parameters, units and thresholds."""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq
import pytest

from experiments.sweeps import collect, describe, outputs
from experiments.sweeps.run import simulate as run_job
from model.indicators import INDICATORS
from model.overrides import configure


def _sweep(root, runs, failing=None):
    """A sweep folder as the launcher leaves it: one folder per run, with its overrides in _STARTED."""
    for mix, scale, seed in runs:
        run_dir = root / f"policy_mix={mix},scale={scale}" / f"seed={seed}"
        overrides = [f"policy_mix={mix}", f"scale={scale}", f"seed={seed}", "experiment=mix_comparison"]
        outputs.mark_started(run_dir, overrides)
        cfg = configure({"output.plot": False, "output.micro": True, "experiment": "mix_comparison"},
                        seed=seed, scale=scale, policy_mix=mix)  # fmt: skip
        run_job(cfg, run_dir, quiet=True)
    if failing:
        run_dir = root / failing / "seed=9"
        outputs.mark_started(run_dir, ["policy_mix=none", "scale=0.01", "seed=9"])
        outputs.write_failure(run_dir, "x=1 is not allowed: expected 2", "Traceback ...", "")
    return root


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    root = _sweep(tmp_path_factory.mktemp("described"), [("none", 0.01, 0), ("fund_only", 0.01, 1)])
    collect.collect(root, figures=False, quiet=True)
    return root


def test_a_runs_files_keep_what_produced_them(swept):
    run_dir = swept / "policy_mix=fund_only,scale=0.01" / "seed=1"
    meta = describe.file_metadata(run_dir / "timeseries.parquet")
    assert (meta["seed"], meta["policy_mix"], meta["scenario"], meta["scale"]) == (1, "fund_only", "historical", 0.01)
    assert {"git_commit", "uncommitted_changes"} <= set(meta["code_version"])
    ts = pd.read_parquet(run_dir / "timeseries.parquet")
    for column in ("indicator", "sector", "city", "unit"):
        assert isinstance(ts[column].dtype, pd.CategoricalDtype), column
    for micro in ("plants.parquet", "firms.parquet"):
        assert describe.file_metadata(run_dir / micro)["seed"] == 1
        assert isinstance(pd.read_parquet(run_dir / micro).sector.dtype, pd.CategoricalDtype)


def test_runs_table_is_typed_and_has_no_empty_column(swept):
    runs = pd.read_parquet(swept / "runs.parquet")
    assert runs["param.scale"].dtype == float and (runs["param.scale"] == 0.01).all()
    assert runs.seed.dtype.kind == "i" and runs.scale.dtype == float
    assert "error" not in runs  # no run failed
    assert not [c for c in runs if runs[c].isna().all()]
    assert runs["met.gazelles"].dtype == bool


def test_units_and_thresholds_travel_with_the_columns(swept):
    fields = describe.field_metadata(swept / "runs.parquet")
    assert fields["final.new_economy_va_share"]["unit"] == INDICATORS["new_economy_va_share"].unit
    assert fields["final.output[steel]"]["unit"] == "Mt/yr"
    card = pd.read_csv(swept / "policy_mix=none,scale=0.01" / "seed=0" / "scorecard.csv").set_index("target")
    steel = fields["value.crude_steel_output"]
    assert steel["threshold"] == card.loc["crude_steel_output", "target_value"]
    assert steel["comparison"] == card.loc["crude_steel_output", "comparison"] and steel["unit"] == "Mt/yr"
    assert fields["met.gazelles"]["due"] == card.loc["gazelles", "date"]
    assert fields["param.scale"]["unit"] == "fraction"
    table = pd.read_csv(swept / "indicators.csv").set_index("column")
    assert table.loc["value.crude_steel_output", "threshold"] == steel["threshold"]
    assert table.loc["final.new_economy_va_share", "unit"] == fields["final.new_economy_va_share"]["unit"]
    assert set(table.index) == set(fields)


def test_the_sweeps_series_keeps_categoricals_and_metadata(swept):
    path = swept / "timeseries.parquet"
    series = pd.read_parquet(path)
    for column in ("indicator", "sector", "city", "unit", "run", "group", "policy_mix"):
        assert isinstance(series[column].dtype, pd.CategoricalDtype), column
    meta = describe.file_metadata(path)
    assert meta["policy_mix"] == ["fund_only", "none"] and meta["seeds"] == [0, 1] and meta["scale"] == [0.01]
    assert meta["experiment"] == ["mix_comparison"] and meta["code_version"][0]["git_commit"]
    assert describe.file_metadata(swept / "runs.parquet") == meta
    assert pq.read_metadata(path).num_row_groups == 2  # one per run: memory stays flat while collecting


def test_error_column_only_when_a_run_failed(tmp_path):
    root = _sweep(tmp_path, [("none", 0.01, 0)], failing="policy_mix=none,scale=0.01")
    collect.collect(root, figures=False, quiet=True)
    runs = pd.read_parquet(root / "runs.parquet").set_index("status")
    assert runs.loc["failed", "error"] == "x=1 is not allowed: expected 2"
    assert pd.isna(runs.loc["complete", "error"])
