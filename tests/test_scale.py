"""Results below full scale: the sampled firms, the fund's firms, and the warnings of thin industries."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import numpy as np
import pytest

from experiments.sweeps import coverage
from model import ShandongModel
from model.config import compose
from model.data import PROJECT_ROOT
from model.names import GROWTH_SECTORS
from model.sampling import sampled_rows

NEEDED = 100  # conf/config.yaml: min_sector_rows


def coverage_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == coverage.LOG.name and r.levelno == logging.WARNING]


@pytest.fixture(autouse=True)
def fresh_warnings():
    """Each test sees the warnings a fresh process would give (they are given once a process)."""
    coverage._warned.clear()
    yield
    coverage._warned.clear()


def test_sampled_rows_by_scale():
    """Below full scale every industry is thinned, with its share of rows; at full scale none is."""
    small = sampled_rows(ShandongModel(seed=0, scale=0.01).firms)
    assert set(small) == set(GROWTH_SECTORS)
    assert small["modern_finance"] == 20 and small["high_end_equipment"] == 80  # max(20, firms x scale)
    assert all(rows >= 200 for rows in sampled_rows(ShandongModel(seed=0, scale=0.1).firms).values())
    assert sampled_rows(ShandongModel(seed=0, scale=1.0).firms) == {}


def test_kept_firms_meet_their_full_scale_shocks():
    """A firm kept one row per firm at scale 0.1 grows as it does at full scale (its own draws)."""
    full, small = ShandongModel(seed=0, scale=1.0), ShandongModel(seed=0, scale=0.1)
    single = small.firms.weight == 1.0  # the rows of one firm, at the start
    for model in (full, small):
        model.step()
    f, s = full.firms, small.firms
    kept = np.flatnonzero(single & ~s.funded[: single.size] & s.active[: single.size])
    assert kept.size > 1000
    twin = s.draw_slot[kept]  # at full scale a firm's slot is its row
    assert np.all(f.draw_slot[twin] == twin)
    unfunded = ~f.funded[twin] & f.active[twin]
    assert unfunded.mean() > 0.95
    assert np.array_equal(s.revenue[kept][unfunded], f.revenue[twin][unfunded])


def test_title_take_up_is_the_populations():
    """The take-up of the provincial titles comes from the whole drawn population at every scale."""
    full = ShandongModel(seed=1, scale=1.0).titles.take_up
    assert ShandongModel(seed=1, scale=0.1).titles.take_up == full
    assert ShandongModel(seed=1, scale=0.01).titles.take_up == full


def test_title_holders_are_single_firms():
    """At scale 0.1 every holder of a counted title is a row of one firm, entrants included."""
    model = ShandongModel(seed=0, scale=0.1)
    model.run()
    firms = model.firms
    entrants = firms.founded > 2018.0
    assert (firms.weight[entrants] > 1.0).any() and (firms.weight[entrants] == 1.0).any()  # thinned, gazelles kept
    assert np.all(firms.weight[firms.unicorn] == 1.0)
    # A sampled row can still grow into a niche leader and count as several champions (one row
    # of 7.8 firms in this run at the estimated niche share): rare, and bounded here.
    champions = firms.weight[firms.champion]
    assert champions.sum() > 50 and champions[champions > 1.0].sum() <= 0.1 * champions.sum()
    # A sampled row's R&D is rescaled after the candidates are chosen: a rare one still qualifies.
    gazelles = firms.weight[firms.gazelle]
    assert gazelles.sum() > 100 and gazelles[gazelles > 1.0].sum() <= 0.02 * gazelles.sum()


@pytest.mark.slow
def test_fund_invests_as_at_full_scale():
    """The fund counts its deals in firms: at scale 0.1 it invests what it invests at full scale."""
    invested = {}
    for scale in (1.0, 0.1):
        model = ShandongModel(seed=0, scale=scale)
        model.run()
        invested[scale] = model.indicator("fund_invested")
        firms = model.firms  # splitting rows keeps every firm: active ones are counted, the others have left
        left = (firms.weight * ~firms.active).sum()
        assert firms.weight.sum() == pytest.approx(model.accounts.firm_count.sum() + left)
    assert invested[0.1] == pytest.approx(invested[1.0], rel=0.03)


def test_thin_industries_are_named_once(caplog):
    """One warning line per thin industry, naming it, its rows and the rows it needs; once a process."""
    caplog.set_level(logging.WARNING)
    thin = coverage.thin_sectors({"modern_finance": 20, "next_gen_it": 100, "health_care": 35}, NEEDED)
    assert thin == {"modern_finance": 20, "health_care": 35}
    coverage.warn(thin, NEEDED, 0.01, "run")
    coverage.warn(thin, NEEDED, 0.01, "run")
    lines = coverage_lines(caplog)
    assert len(lines) == 2
    assert "health_care is represented by 35 sampled rows, fewer than the 100" in lines[0]
    assert "modern_finance" in lines[1] and "min_sector_rows" in lines[1] and "scale 0.01" in lines[1]


def _simulate(scale: float, tmp_path, caplog) -> tuple[list[str], dict]:
    from experiments.sweeps.run import simulate

    cfg = compose([f"scale={scale}", "output.plot=false"])
    caplog.clear()
    summary = simulate(cfg, tmp_path / f"run_{scale}", quiet=True)
    return coverage_lines(caplog), summary


def test_run_warns_at_small_scale_and_not_at_full(tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    lines, summary = _simulate(0.01, tmp_path, caplog)
    assert len(lines) == len(GROWTH_SECTORS)  # every industry has fewer than 100 sampled rows at 0.01
    assert all(line.startswith("run: at scale 0.01 the growth industry ") for line in lines)
    assert summary["run"]["thin_sectors"]["modern_marine"] == 20
    assert summary["run"]["min_sector_rows"] == NEEDED
    lines, summary = _simulate(1.0, tmp_path, caplog)
    assert lines == [] and summary["run"]["thin_sectors"] == {}


def test_rows_needed_come_from_the_config(tmp_path, caplog):
    from experiments.sweeps.run import simulate

    caplog.set_level(logging.WARNING)
    simulate(compose(["scale=0.01", "output.plot=false", "min_sector_rows=30"]), tmp_path / "run", quiet=True)
    lines = coverage_lines(caplog)
    assert {line.split(" the growth industry ")[1].split()[0] for line in lines} == {
        "modern_marine",
        "modern_finance",
        "culture_creative",
        "boutique_tourism",
    }


@pytest.mark.slow
@pytest.mark.parametrize("scale", [0.01, 1.0])
def test_collect_and_report_warn_only_below_full_scale(scale, tmp_path, caplog):
    """collect warns of the thin industries of a sweep's runs and records them; report warns from that record."""
    from experiments.reports import render
    from experiments.sweeps import collect, describe

    out = tmp_path / "sweep"
    args = [sys.executable, "-m", "experiments.run", "-m", "+experiment=mix_comparison", f"scale={scale}"]
    args += ["policy_mix=as_enacted", "seed=0", "output.plot=false", f"hydra.sweep.dir={out}"]
    result = subprocess.run(args, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    caplog.set_level(logging.WARNING)
    assert collect.collect(out, figures=False, quiet=True)["complete"] == 1
    collected = coverage_lines(caplog)
    info = describe.file_metadata(out / "runs.parquet")
    caplog.clear()
    render._checked(out, "en")
    reported = coverage_lines(caplog)
    if scale == 1.0:
        assert collected == [] and reported == [] and "thin_sectors" not in info
    else:
        assert len(collected) == len(GROWTH_SECTORS) and collected[0].startswith(f"collect {out.name}: at scale 0.01")
        assert len(reported) == len(GROWTH_SECTORS) and reported[0].startswith(f"report {out.name}: at scale 0.01")
        assert info["thin_sectors"]["0.01"]["modern_finance"] == 20 and info["min_sector_rows"] == NEEDED
        summary = json.loads(next(out.rglob("summary.json")).read_text())
        assert summary["run"]["sampled_rows"]["modern_finance"] == 20
