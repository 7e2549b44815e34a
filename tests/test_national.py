"""National exogenous paths (model/national.py): the arithmetic of the GDP level and the
cycle, and that the markets, the rest of the economy and the ten industries follow them."""

import numpy as np
import pytest

from model import ShandongModel
from model.errors import ConfigError
from model.names import OVERCAPACITY_SECTORS
from model.national import GDP_QUARTERS, NationalPaths, gdp_level

SCALE = 0.05
FLAT = [6.0] * GDP_QUARTERS


def test_gdp_level_compounds_year_on_year_growth_from_2017q4():
    growth = np.full(GDP_QUARTERS, 0.06)
    growth[12] = -0.07  # 2020Q1
    level = gdp_level(growth)
    assert level[0] == pytest.approx(1.0)  # 2017Q4
    assert level[4] == pytest.approx(1.06)  # 2018Q4
    assert level[9] / level[5] == pytest.approx(0.93)  # 2020Q1 on 2019Q1
    assert level[1] / level[0] == pytest.approx(1.06**0.25)  # smooth within a year of equal growth


def test_cycle_is_one_on_the_trend_and_dips_with_the_pandemic_quarter():
    flat = NationalPaths.from_scenario({"national": {"gdp_growth": FLAT}})
    np.testing.assert_allclose(flat.cycle, 1.0)
    dip = list(FLAT)
    dip[12] = -6.0  # 2020Q1: 12 points below the trend
    paths = NationalPaths.from_scenario({"national": {"gdp_growth": dip}})
    assert paths.cycle[9] == pytest.approx(0.94 / 1.06)  # 2020Q1
    assert paths.cycle[8] == pytest.approx(1.0)  # 2019Q4


def test_no_national_series_gives_ones():
    paths = NationalPaths.from_scenario({"national": {"output_index": {}, "gdp_growth": []}})
    assert (paths.gdp_level == 1.0).all() and (paths.cycle == 1.0).all()
    assert (paths.demand_index("steel") == 1.0).all()


def test_output_index_steps_by_year():
    paths = NationalPaths.from_scenario({"national": {"output_index": {"steel": [2.0, 2.2, 2.4, 2.6, 2.8, 3.0]}}})
    index = paths.demand_index("steel")
    assert index[0] == 1.0 and index[1] == index[4] == pytest.approx(1.1) and index[20] == pytest.approx(1.5)


def build(**national):
    overrides = {}
    for key, value in national.items():
        if isinstance(value, dict):  # the assumed scenario has no output indices: add them
            overrides.update({f"+scenario.national.{key}.{name}": path for name, path in value.items()})
        else:
            overrides[f"scenario.national.{key}"] = value
    return ShandongModel(seed=0, scale=SCALE, scenario="baseline", overrides=overrides)  # no national paths


def test_markets_follow_the_national_output_of_their_sector():
    plain = build()
    model = build(output_index={"coal": [1.0, 1.0, 1.0, 0.5, 0.5, 0.5]})
    coal = model.markets.coal
    ratio = model.markets.demand_level(9)[coal] / plain.markets.demand_level(9)[coal]  # 2020Q1
    assert ratio == pytest.approx(0.5, rel=0.05)  # demand also includes the plants' extra power use (none for coal)
    steel = OVERCAPACITY_SECTORS.index("steel")
    assert model.markets.demand_level(9)[steel] == plain.markets.demand_level(9)[steel]


def test_rest_of_economy_and_ten_industries_follow_national_gdp():
    dip = list(FLAT)
    dip[12] = -20.0  # a deep 2020Q1
    plain, shocked = build(gdp_growth=FLAT), build(gdp_growth=dip)
    for model in (plain, shocked):
        model.run()
    gdp = [m.timeseries() for m in (plain, shocked)]
    q1 = [ts[(ts.indicator == "gdp") & (ts.sector == "all") & (ts.city == "all")].value.to_numpy()[9] for ts in gdp]
    assert q1[1] < 0.9 * q1[0]  # the rest of the economy (half of GDP) falls with the nation
    growth = [m.markets.shock[-1, 9] for m in (plain, shocked)]
    assert growth[1] < growth[0]  # and so does the ten industries' demand


def test_bad_national_paths_get_one_line():
    with pytest.raises(ConfigError, match=r"scenario.national.gdp_growth.*24 values"):
        build(gdp_growth=[6.0] * 5)
    with pytest.raises(ConfigError, match=r"scenario.national.output_index.cement.*overcapacity sector"):
        build(output_index={"cement": [1.0] * 6})
    with pytest.raises(ConfigError, match=r"scenario.national.output_index.coal\[3\]"):
        build(output_index={"coal": [1.0, 1.0, 1.0, 0.0, 1.0, 1.0]})


def test_historical_scenario_and_paths_csv_match_the_national_series(tmp_path):
    from experiments import national_paths

    assert national_paths.main(["--check"]) == 0
    rows = national_paths.build(national_paths.read_series())
    changed = tmp_path / "historical.yaml"
    text = national_paths.HISTORICAL.read_text(encoding="utf-8")
    changed.write_text(text.replace("- 6.4    # 2018Q4", "- 6.5    # 2018Q4"), encoding="utf-8")
    assert national_paths.mismatches(rows, changed) == ["national.gdp_growth"]


def test_every_path_row_names_series_rows_that_exist():
    from experiments import national_paths

    series = national_paths.read_series()
    for row in national_paths.build(series):
        for ref in row["series_rows"].split():
            key, period = ref.split("@")
            assert (key, period) in series, ref
        assert row["series_rows"] or row["rule"].startswith(("base year", "held"))
