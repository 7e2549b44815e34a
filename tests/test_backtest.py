"""The back-test: its table of observations, what a date stands for, within tolerance, end to end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.apps.backtest import SHIPPED, compare, quarters_of, read_table, simulated
from model.data import PROJECT_ROOT
from model.errors import ConfigError

HEADER = "indicator,sector,city,date,observed,tolerance_kind,tolerance,source\n"


def table(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "observations.csv"
    path.write_text(HEADER + "".join(f"{row}\n" for row in rows), encoding="utf-8")
    return path


def test_a_year_of_a_flow_is_its_four_quarters_and_of_a_stock_its_fourth():
    assert quarters_of("2018", "flow", "k") == ((1, 2, 3, 4),)
    assert quarters_of("2018", "stock", "k") == ((4,),)
    assert quarters_of("2018", "ratio", "k") == ((4,),)
    assert quarters_of("2019Q2", "flow", "k") == ((6,),)
    assert quarters_of("2018-2019", "flow", "k") == ((1, 2, 3, 4), (5, 6, 7, 8))
    assert quarters_of("2017", "flow", "k") == ((0,),)  # the model starts at the end of 2017


@pytest.mark.parametrize("date", ["2019Q5", "19", "2016", "2023Q1", "2019-2018", "2018/2019"])
def test_dates_outside_the_run_or_malformed_are_refused(date):
    with pytest.raises(ConfigError, match="k="):
        quarters_of(date, "flow", "k")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("gdpx,all,all,2019,1,rel,0.1,x", "indicator='gdpx'"),
        ("gdp,all,all,2019,1,pct,0.1,x", "tolerance_kind='pct'"),
        ("gdp,all,all,2019,1,rel,-0.1,x", "tolerance='-0.1'"),
        ("gdp,all,all,2019,one,rel,0.1,x", "observed/tolerance='one/0.1'"),
        ("gdp,all,all,2019,nan,rel,0.1,x", "observed='nan'"),
    ],
)
def test_a_bad_row_gets_one_line_naming_the_file_and_line(tmp_path, row, message):
    with pytest.raises(ConfigError, match=r"observations\.csv line 2") as error:
        read_table(table(tmp_path, row))
    assert message in str(error.value) and "\n" not in str(error.value)


def test_a_table_without_its_columns_or_with_a_row_twice_is_refused(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("indicator,date,observed\ngdp,2019,1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="the columns indicator,sector,city,date"):
        read_table(path)
    with pytest.raises(ConfigError, match=r"line 3.*once"):
        read_table(table(tmp_path, "gdp,all,all,2019,1,rel,0.1,x", "gdp,all,all,2019,2,rel,0.1,y"))


def test_simulated_values_average_the_quarters_their_date_stands_for(tmp_path):
    observations = read_table(
        table(
            tmp_path,
            "gdp,all,all,2018,1,rel,0.1,a flow: the mean of 2018's quarters",
            "fund_invested,all,all,2018,1,rel,0.1,a stock: its 2018Q4 value",
            "gdp,all,all,2018-2019,1,rel,0.1,the mean of the two years' means",
            "gdp,steel,all,2018,1,rel,0.1,no such row in the run: NaN",
        )
    )
    quarters = np.arange(9)
    tidy = pd.concat(
        [
            pd.DataFrame({"quarter": quarters, "indicator": "gdp", "sector": "all", "city": "all", "value": quarters}),
            pd.DataFrame(
                {"quarter": quarters, "indicator": "fund_invested", "sector": "all", "city": "all", "value": 10.0}
            ),
        ]
    )
    tidy.loc[(tidy.indicator == "fund_invested") & (tidy.quarter == 4), "value"] = 7.0
    values = simulated(tidy, observations)
    assert values[:3].tolist() == [2.5, 7.0, (2.5 + 6.5) / 2]
    assert np.isnan(values[3])


def test_within_tolerance_is_absolute_or_relative_to_the_observed_value(tmp_path):
    observations = read_table(
        table(tmp_path, "gdp,all,all,2018,100,rel,0.05,x", "gdp_growth,all,all,2018,0.06,abs,0.01,x")
    )
    values = np.array([[104.0, 0.0705], [106.0, 0.069], [104.5, 0.0695]])  # seeds x observations
    result = compare(observations, values, 0.9)
    assert result["simulated_median"].tolist() == [104.5, 0.0695]
    assert result["within"].tolist() == [True, True]  # 4.5 of 5 allowed; 0.0095 of 0.01 allowed
    values[:, 1] += 0.002
    assert compare(observations, values, 0.9)["within"].tolist() == [True, False]


def test_the_shipped_table_is_in_sample_only():
    """The province's 2020-2022 record is the out-of-sample test: the shipped table stops at 2019."""
    observations = read_table(SHIPPED)
    assert len(observations) >= 10
    years = [int(o.date[:4]) for o in observations] + [int(o.date[-4:]) for o in observations if "-" in o.date]
    assert max(years) <= 2019 and min(years) >= 2017
    assert all(o.source for o in observations)


@pytest.mark.slow
def test_the_backtest_app_runs_end_to_end(tmp_path):
    folder = tmp_path / "app"
    args = [
        sys.executable,
        "-m",
        "experiments.backtest",
        f"hydra.run.dir={folder}",
        "scale=0.02",
        "hydra/launcher=basic",
        "backtest.seeds=2",
    ]
    done = subprocess.run(args, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    result = pd.read_csv(folder / "backtest.csv")
    assert len(result) == len(read_table(SHIPPED))
    assert (folder / "backtest.png").stat().st_size > 10_000
    assert f"{int(result['within'].sum())}/{len(result)} within tolerance" in done.stdout
    assert result["simulated_median"].notna().all()
