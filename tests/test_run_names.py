"""A single run's folder is named by its scenario, mix and the other overrides, not by the default mix."""

from __future__ import annotations

import pytest

from model.data import PROJECT_ROOT
from model.folders import run_name


@pytest.mark.parametrize(
    ("overrides", "scenario", "mix", "expected"),
    [
        ("", "baseline", "as_enacted", "baseline_as_enacted_seed0"),
        ("policy_mix=intensified,scenario=weak_demand", "weak_demand", "intensified", "weak_demand_intensified_seed0"),
        ("policy_mix.surcharge_scale=2", "baseline", "as_enacted", "baseline_as_enacted_surcharge_scale2_seed0"),
        ("output.plot=false,scale=0.1", "baseline", "fund_only", "baseline_fund_only_scale0.1_seed0"),
        ("+calibration.overcapacity.steel.output=70", "baseline", "as_enacted", "baseline_as_enacted_output70_seed0"),
    ],
)
def test_run_name(overrides, scenario, mix, expected):
    assert run_name(overrides, scenario, mix, 0) == expected


def test_the_run_folder_uses_it():
    config = (PROJECT_ROOT / "conf" / "config.yaml").read_text(encoding="utf-8")
    assert (
        "_${safe_name:${run_name:${hydra.job.override_dirname},${scenario.name},${policy_mix.name},${seed}}}" in config
    )
