"""The model from Python: simulate(), overrides, ShandongModel's levers, Mesa's batch_run."""

from __future__ import annotations

import subprocess
import sys

import mesa
import numpy as np
import pandas as pd
import pytest

from model import ShandongModel, simulate
from model.api import province_indicators
from model.calendar import N_QUARTERS
from model.data import PROJECT_ROOT
from model.errors import ConfigError
from model.overrides import LEVERS, base_config, configure

TINY = 0.02
FUND = "policy_mix.instruments.conversion_fund.subscribed_target"
PACE = "policy_mix.instruments.standards.pace"


@pytest.fixture(scope="module")
def default_run():
    return simulate(seed=1, scale=TINY)


def test_simulate_returns_every_target_and_indicator_as_plain_python(default_run):
    targets = list(base_config().targets.entries)
    expected = {f"met_{t}" for t in targets} | {f"gap_{t}" for t in targets} | set(province_indicators())
    assert set(default_run) == expected
    assert len(targets) > 5 and "new_economy_va_share" in default_run and "gdp" in default_run
    for key, value in default_run.items():
        assert type(value) is (bool if key.startswith("met_") else float), key


def test_simulate_is_the_models_own_result(default_run):
    model = ShandongModel(seed=1, scale=TINY)
    model.run()
    card = model.scorecard().set_index("target")
    for target, row in card.iterrows():
        assert default_run[f"met_{target}"] == bool(row.met)
        assert default_run[f"gap_{target}"] == pytest.approx(row.gap, nan_ok=True)
    assert default_run["new_economy_va_share"] == model.indicator("new_economy_va_share", quarter=N_QUARTERS)
    assert default_run["jobs_lost"] == model.indicator("jobs_lost")


def test_overrides_take_numpy_numbers_and_apply_to_a_copy(default_run):
    levers = {PACE: np.float64(2.0), "policy_mix.instruments.standards.inspection_interval_quarters": np.int64(1)}
    faster = simulate(levers, seed=np.int64(1), scale=np.float64(TINY))
    assert faster["jobs_lost"] != default_run["jobs_lost"]
    assert base_config().policy_mix.instruments.standards.pace == 1.0  # the cached base is untouched
    assert simulate(seed=1, scale=TINY) == default_run  # same config and seed: the same outcomes


def test_the_base_config_is_composed_once(monkeypatch):
    import model.config

    first = base_config(policy_mix="fund_only")
    monkeypatch.setattr(model.config, "compose", lambda *a, **k: pytest.fail("composed again"))
    assert base_config(policy_mix="fund_only") is first
    one, two = configure({FUND: 900}, policy_mix="fund_only"), configure(policy_mix="fund_only")
    assert one.policy_mix.instruments.conversion_fund.subscribed_target == 900
    assert two.policy_mix.instruments.conversion_fund.subscribed_target != 900


def test_group_options_and_added_entries():
    cfg = configure({"policy_mix": "fund_only", "+calibration.overcapacity.steel.capacity": 90}, scenario="no_covid")
    assert cfg.policy_mix.name == "fund_only" and cfg.scenario.name == "no_covid"
    assert cfg.calibration.overcapacity.steel.capacity == 90


@pytest.mark.parametrize(
    ("overrides", "options", "message"),
    [
        ({FUND + "x": 1}, {}, f"{FUND}x=1 is not allowed: expected a key of policy_mix.instruments.conversion_fund"),
        ({FUND: "lots"}, {}, f"{FUND}='lots' is not allowed: expected a number"),
        ({FUND: 800}, {"policy_mix": "none"}, "is not set: not used by this mix?"),
        ({}, {"policy_mix": "fund_olny"}, "policy_mix='fund_olny' is not allowed: expected a policy_mix in"),
        ({}, {"fund_sise": 800}, "fund_sise=800 is not allowed: expected a keyword: a config group or a lever"),
        ({"seed": 2.5}, {}, "seed=2.5 is not allowed: expected an integer"),
        ({}, {"scale": 0.0}, "scale=0.0 is not allowed: expected a number in (0, 1]"),
        (
            {"policy_mix.instruments.conversion_fund.government_share": np.float64(0.7)},
            {},
            "government_share=0.7 is not allowed: expected a share in [0, 0.5]",
        ),
        ({"+calibration.overcapacity.steel.capacty": 90}, {}, "calibration.overcapacity.steel.capacty=90"),
        ({"+calibration.overcapacity.steel.capacity": -5}, {}, "capacity=-5.0 is not allowed: expected a number > 0"),
    ],
)
def test_bad_overrides_raise_one_line(overrides, options, message):
    with pytest.raises(ConfigError) as caught:
        simulate(overrides, **{"scale": TINY, **options})
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_levers_by_name_are_the_dotted_keys():
    by_name = ShandongModel(seed=2, scale=TINY, policy_mix="fund_only", fund_size=900, deployment_pace=2.0)
    by_key = ShandongModel(
        seed=2,
        scale=TINY,
        policy_mix="fund_only",
        overrides={FUND: 900, "policy_mix.instruments.conversion_fund.deployment_pace": 2.0},
    )
    assert by_name.config == by_key.config
    assert by_name.config.policy_mix.instruments.conversion_fund.subscribed_target == 900
    assert set(LEVERS) == {"fund_size", "deployment_pace", "standards_pace", "inspection_interval", "surcharge_scale"}
    for key in LEVERS.values():  # every lever names a key of the as-enacted config
        assert configure({key: 1}).seed == 0


def test_batch_run_reports_2022q4_as_step_20():
    frame = pd.DataFrame(
        mesa.batch_run(ShandongModel, parameters={"seed": [3], "scale": [TINY]}, iterations=1, display_progress=False)
    )
    assert frame.Step.tolist() == [N_QUARTERS]
    model = ShandongModel(seed=3, scale=TINY)
    model.run()
    assert frame.gdp.iloc[0] == model.indicator("gdp", quarter=N_QUARTERS)
    assert frame.fund_invested.iloc[0] == model.indicator("fund_invested", quarter=N_QUARTERS)
    assert model.quarter == N_QUARTERS and not model.running


def test_batch_run_every_quarter_with_levers():
    frame = pd.DataFrame(
        mesa.batch_run(
            ShandongModel,
            parameters={"seed": [4], "scale": [TINY], "policy_mix": ["standards_only"], "standards_pace": [1.0, 2.0]},
            iterations=1,
            data_collection_period=1,
            display_progress=False,
        )
    )
    for _, runs in frame.groupby("standards_pace"):
        assert runs.Step.tolist() == list(range(N_QUARTERS + 1))  # 2017Q4 .. 2022Q4
    final = frame[frame.Step == N_QUARTERS].set_index("standards_pace")
    assert final.loc[2.0, "jobs_lost"] != final.loc[1.0, "jobs_lost"]
    model = ShandongModel(seed=4, scale=TINY, policy_mix="standards_only", standards_pace=2.0)
    model.run()
    assert final.loc[2.0, "jobs_lost"] == model.indicator("jobs_lost")


def test_import_model_stays_light():
    code = "import sys, model, model.overrides; print(sorted({'mesa', 'pandas', 'numba'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
