"""Every number has a unit and a source; the indicator registry covers the issue's list."""

import subprocess
import sys

import pytest

from model.config import CONF_DIR, compose
from model.data import PROJECT_ROOT
from model.indicators import INDICATORS
from model.names import GROWTH_SECTORS, OVERCAPACITY_SECTORS
from model.parameters import describe

MIXES = sorted(p.stem for p in (CONF_DIR / "policy_mix").glob("*.yaml"))
SCENARIOS = sorted(p.stem for p in (CONF_DIR / "scenario").glob("*.yaml"))


@pytest.mark.parametrize("mix", MIXES)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_number_has_unit_and_source(mix, scenario):
    items = describe(compose([f"policy_mix={mix}", f"scenario={scenario}"]))
    assert len(items) > 300, "too few numbers found: the walk over the config is broken"
    missing = [item.path for item in items if not item.unit or not item.source]
    assert not missing, f"numbers without unit or source in model/registry/parameters.csv: {missing}"
    vague = [item.path for item in items if item.source.startswith("assumption") and len(item.source) < 20]
    assert not vague, f"assumptions need a line of reasoning: {vague}"


def test_readme_parameter_table_is_current():
    result = subprocess.run(
        [sys.executable, "-m", "experiments.docs", "--check"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


REQUIRED = {
    "new_economy_va_share",
    "high_tech_output_share",
    "rd_intensity",
    "gdp",
    "gdp_growth",
    "labour_productivity",
    "value_added",
    "capacity",
    "output",
    "capacity_utilisation",
    "capacity_exited",
    "coal_consumption",
    "energy_consumption",
    "energy_intensity",
    "fund_subscribed",
    "fund_invested",
    "fund_social_capital",
    "fund_idle",
    "firms_active",
    "high_tech_firms",
    "gazelle_firms",
    "unicorn_firms",
    "champion_firms",
    "employment",
    "jobs_lost",
    "workers_resettled",
    "surcharge_revenue",
    "fiscal_outlay",
    "steel_channel_capacity_exited_share",
    "steel_coastal_capacity_share",
}


def test_indicator_registry():
    assert set(INDICATORS) >= REQUIRED
    for ind in INDICATORS.values():
        assert ind.unit and ind.description
        assert ind.direction in {"higher", "lower", "neutral"}
        assert ind.kind in {"flow", "stock", "ratio"}


def test_series_cover_sectors_and_cities(run):
    _, ts = run("as_enacted")
    assert set(ts[ts.indicator == "value_added"].sector) == set(OVERCAPACITY_SECTORS + GROWTH_SECTORS)
    assert set(ts[ts.indicator == "capacity"].sector) == set(OVERCAPACITY_SECTORS)
    assert len(set(ts[ts.indicator == "employment"].city) - {"all"}) == 16
    province = ts[(ts.sector == "all") & (ts.city == "all")]
    assert set(province.indicator) >= REQUIRED - {
        "value_added",
        "capacity",
        "output",
        "capacity_utilisation",
        "capacity_exited",
        "steel_channel_capacity_exited_share",
        "steel_coastal_capacity_share",
    }
    units = ts[(ts.indicator == "capacity") & (ts.city == "all")].groupby("sector", observed=True).unit.first()
    assert units["coal_power"] == "GW" and units["steel"] == "Mt/yr"
    assert units["low_speed_ev"] == "thousand vehicles/yr"
