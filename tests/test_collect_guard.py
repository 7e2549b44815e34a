"""Collect refuses a folder that mixes scales or experiments, and removes the reports of an earlier collect."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from experiments.sweeps import collect, sweep_figures
from experiments.sweeps.outputs import COMPLETE, STARTED


def finished_run(folder: Path, scale: float, experiment: str) -> None:
    folder.mkdir(parents=True)
    (folder / STARTED).write_text("", encoding="utf-8")
    (folder / COMPLETE).write_text("", encoding="utf-8")
    run = {"run": {"scale": scale, "experiment": experiment, "policy_mix": "none", "seed": 0}}
    (folder / "summary.json").write_text(json.dumps(run), encoding="utf-8")


@pytest.mark.parametrize(
    ("second", "expected"),
    [
        ((0.05, "mix_comparison"), r"mixes scale=0\.02 \(2 runs\), scale=0\.05 \(1 runs\): expected one scale"),
        ((0.02, "fund_size"), r"mixes experiment=fund_size \(1 runs\), experiment=mix_comparison \(2 runs\)"),
    ],
)
def test_collect_refuses_mixed_scales_or_experiments(tmp_path, second, expected):
    finished_run(tmp_path / "policy_mix=none" / "seed=0", 0.02, "mix_comparison")
    finished_run(tmp_path / "policy_mix=none" / "seed=1", 0.02, "mix_comparison")
    finished_run(tmp_path / "policy_mix=none,scale=0.05" / "seed=0", *second)
    (tmp_path / "report_en.html").write_text("old", encoding="utf-8")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    with pytest.raises(SystemExit, match=rf"^error: SWEEP_DIR='{tmp_path}' {expected}.*--allow-mixed"):
        collect.collect(tmp_path, figures=False, quiet=True)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before  # nothing written or removed


def test_one_kind_passes_and_stale_reports_go(tmp_path):
    finished_run(tmp_path / "a" / "seed=0", 0.02, "mix_comparison")
    finished_run(tmp_path / "b" / "seed=0", 0.02, "mix_comparison")
    collect.check_one_kind(collect.find_runs(tmp_path), tmp_path)  # no error
    for name in ("report_en.html", "report_zh.ipynb", "walkthrough_en.html", "heatmap.png"):
        (tmp_path / name).write_text("old", encoding="utf-8")
    assert collect.remove_stale_reports(tmp_path) == ["report_en.html", "report_zh.ipynb", "walkthrough_en.html"]
    assert [p.name for p in tmp_path.glob("*.*")] == ["heatmap.png"]


def figure_inputs(values: dict[str, tuple[str, str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A runs table and scorecard of hand-made groups: group -> (mix, surcharge multiple)."""
    runs, card = [], []
    for k, (group, (mix, multiple)) in enumerate(values.items()):
        runs.append(
            {"run": f"{group}/seed=0", "group": group, "status": "complete", "policy_mix": mix, "seed": 0,
             "param.policy_mix": mix, "param.policy_mix.surcharge_scale": multiple, "param.scale": "0.02"}
        )  # fmt: skip
        card.append({"group": group, "kind": "target", "name": "t", "probability": 0.5})
        for name in ("new_economy_va_share", "jobs_lost", "fiscal_outlay", "surcharge_revenue"):
            card.append({"group": group, "kind": "indicator", "name": name, "median": k + 1.0, "p05": k, "p95": k + 2})
    return pd.DataFrame(runs), pd.DataFrame(card)


def test_figures_name_groups_in_the_reports_words_and_plot_swept_parameters(tmp_path):
    runs, card = figure_inputs({"policy_mix=none": ("none", "1"), "policy_mix=as_enacted": ("as_enacted", "1")})
    names = sweep_figures.group_labels(runs)
    assert names == {"policy_mix=none": "no programme", "policy_mix=as_enacted": "as enacted"}
    assert sweep_figures.file_stem(names["policy_mix=as_enacted"]) == "as_enacted"
    assert not sweep_figures.parameters(tmp_path / "p.png", card, runs, list(names))  # only the mix varies
    groups = {f"policy_mix.surcharge_scale={m}": ("pricing_only", m) for m in ("0", "0.5", "2")}
    runs, card = figure_inputs(groups)
    names = sweep_figures.group_labels(runs)
    assert names["policy_mix.surcharge_scale=0.5"] == "surcharge multiple 0.5"
    assert sweep_figures.file_stem(names["policy_mix.surcharge_scale=0.5"]) == "surcharge_multiple_0.5"
    assert sweep_figures.parameters(tmp_path / "p.png", card, runs, list(names))
    assert (tmp_path / "p.png").stat().st_size > 10_000
