"""Shared fixtures: small runs of the model, cached for the whole test session."""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from model import ShandongModel
from model.data import PROJECT_ROOT

SMALL = 0.05  # scale of the runs most tests use: about 2,000 firms


@functools.lru_cache(maxsize=32)
def _run(policy_mix: str, seed: int, scale: float, scenario: str = "historical") -> tuple[ShandongModel, pd.DataFrame]:
    model = ShandongModel(seed=seed, scale=scale, policy_mix=policy_mix, scenario=scenario)
    model.run()
    return model, model.timeseries()


@pytest.fixture(scope="session")
def run():
    """``run(policy_mix, seed=0, scale=SMALL)`` -> (finished model, tidy time series), cached."""

    def get(policy_mix: str, seed: int = 0, scale: float = SMALL, scenario: str = "historical"):
        return _run(policy_mix, seed, scale, scenario)

    return get


def value(ts: pd.DataFrame, indicator: str, sector: str = "all", city: str = "all", date: str = "2022-12-31") -> float:
    """One value of a tidy time series."""
    rows = ts[(ts.indicator == indicator) & (ts.sector == sector) & (ts.city == city) & (ts.date == pd.Timestamp(date))]
    assert len(rows) == 1, f"expected one row for {indicator}/{sector}/{city}/{date}, found {len(rows)}"
    return float(rows.value.iloc[0])


@pytest.fixture(scope="session")
def small_sweep(tmp_path_factory) -> Path:
    """Two mixes x two seeds at scale 0.02, collected."""
    out = tmp_path_factory.mktemp("report") / "sweep"
    args = [
        sys.executable,
        "-m",
        "experiments.run",
        "-m",
        "+experiment=mix_comparison",
        "scale=0.02",
        "policy_mix=none,as_enacted",
        "seed=range(0,2)",
        f"hydra.sweep.dir={out}",
    ]
    result = subprocess.run(args, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    from experiments.sweeps import collect

    assert collect.collect(out, figures=False, quiet=True)["complete"] == 4
    return out
