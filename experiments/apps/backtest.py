"""Back-test: ``python -m experiments.backtest``.

    python -m experiments.backtest                                   # the shipped 2017-2019 table
    python -m experiments.backtest backtest.observations=held_out.csv backtest.seeds=20

Runs the default config (any run override works: ``scenario=...``, ``scale=0.2``) over
``backtest.seeds`` seeds and sets each simulated indicator against an observed value of a
table anyone can write, a CSV with the columns

    indicator,sector,city,date,observed,tolerance_kind,tolerance,source

* ``indicator``, ``sector``, ``city``: an indicator of ``model/registry/indicators.csv`` and
  its breakdown (``all`` for province-wide);
* ``date``: ``YYYYQn`` (that quarter), ``YYYY`` (flows: the mean of the year's quarters, an
  annual rate; stocks and ratios: the fourth quarter) or ``YYYY-YYYY`` (the mean of those
  years' annual values);
* ``observed`` in the indicator's unit; ``tolerance_kind`` ``abs`` (in that unit) or ``rel``
  (a fraction of the observed value); ``source``: where the figure comes from.

Writes ``backtest.csv`` (each row with the simulated median, the band of ``backtest.band``
of the seeds, the error and ``within``) and ``backtest.png`` into its folder
(``outputs/backtest/<date>_<time>/``), and prints ``N/M within tolerance``.

The shipped table, ``data/backtest/shandong_2017_2019.csv``, holds in-sample figures of
2017-2019 only (what the model may be fitted to); the province's 2020-2022 record is the
out-of-sample test, a table a user passes with ``backtest.observations``.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from omegaconf import DictConfig

from experiments.apps import app
from experiments.apps.batch import Batch, RunResult
from model.calendar import N_QUARTERS, START_YEAR, quarter_index
from model.data import PROJECT_ROOT
from model.errors import ConfigError

COLUMNS = ("indicator", "sector", "city", "date", "observed", "tolerance_kind", "tolerance", "source")
SHIPPED = PROJECT_ROOT / "data" / "backtest" / "shandong_2017_2019.csv"
_YEAR, _YEARS = re.compile(r"^\d{4}$"), re.compile(r"^(\d{4})-(\d{4})$")


@dataclass
class BacktestSettings:
    """Settings of ``experiments.backtest`` (conf/backtest.yaml)."""

    observations: str = str(SHIPPED)  # the table's path (relative paths: from the current folder)
    seeds: int = 10
    band: float = 0.9


app.register_schema("backtest", BacktestSettings)


@dataclass(frozen=True)
class Observation:
    """One row of the table, checked; ``quarters`` are the model's quarter indices it averages over."""

    indicator: str
    sector: str
    city: str
    date: str
    observed: float
    tolerance_kind: str
    tolerance: float
    source: str
    quarters: tuple[tuple[int, ...], ...]  # per year: the quarters whose mean is that year's value


# --------------------------------------------------------------------------- the table
def quarters_of(date: str, kind: str, where: str) -> tuple[tuple[int, ...], ...]:
    """The quarters a date stands for: one group per year, the value being the mean of the groups' means.

    Args:
        date: ``YYYYQn``, ``YYYY`` or ``YYYY-YYYY``.
        kind: The indicator's kind (``flow``: a year is the mean of its quarters; else its Q4).
        where: The row, for the message.

    Raises:
        ConfigError: A malformed date, or one outside 2017Q4-2022Q4.
    """
    allowed = f"a date 2017Q4-{2017 + N_QUARTERS // 4}Q4: YYYYQn, YYYY or YYYY-YYYY"
    if "Q" in date:
        q = quarter_index(date, where)
        groups: list[tuple[int, ...]] = [(q,)]
    elif match := _YEARS.match(date) or _YEAR.match(date):
        first, last = (int(match.group(1)), int(match.group(2))) if match.re is _YEARS else (int(date), int(date))
        if last < first:
            raise ConfigError(where, date, f"{allowed} (the first year first)")
        groups = []
        for year in range(first, last + 1):
            q4 = quarter_index(f"{year}Q4", where)
            # The model starts at the end of 2017: 2017 is its starting state, 2017Q4.
            groups.append(tuple(range(q4 - 3, q4 + 1)) if kind == "flow" and year > START_YEAR else (q4,))
    else:
        raise ConfigError(where, date, allowed)
    if any(q < 0 or q > N_QUARTERS for group in groups for q in group):
        raise ConfigError(where, date, allowed)
    return tuple(groups)


def read_table(path: Path) -> list[Observation]:
    """The observation table, every row checked (one line naming the file, row and column otherwise)."""
    from model.indicators import INDICATORS

    if not path.is_file():
        raise ConfigError("backtest.observations", str(path), "the path of a CSV file")
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ConfigError(str(path), ",".join(reader.fieldnames or []), f"the columns {','.join(COLUMNS)}")
        rows = list(reader)
    if not rows:
        raise ConfigError(str(path), "no rows", "at least one observation")
    observations, seen = [], set()
    for number, row in enumerate(rows, start=2):  # line 1 is the header
        where = f"{path.name} line {number}"
        indicator = INDICATORS.get(row["indicator"])
        if indicator is None:
            raise ConfigError(f"{where} indicator", row["indicator"], "an indicator of model/registry/indicators.csv")
        try:
            observed, tolerance = float(row["observed"]), float(row["tolerance"])
        except ValueError:
            value = f"{row['observed']}/{row['tolerance']}"
            raise ConfigError(f"{where} observed/tolerance", value, "numbers") from None
        if not math.isfinite(observed):
            raise ConfigError(f"{where} observed", row["observed"], "a finite number")
        if row["tolerance_kind"] not in ("abs", "rel"):
            raise ConfigError(f"{where} tolerance_kind", row["tolerance_kind"], "abs or rel")
        if not (math.isfinite(tolerance) and tolerance >= 0):
            raise ConfigError(f"{where} tolerance", row["tolerance"], "a finite number >= 0")
        key = (row["indicator"], row["sector"] or "all", row["city"] or "all", row["date"])
        if key in seen:
            raise ConfigError(where, ",".join(key), "each indicator, sector, city and date once")
        seen.add(key)
        observations.append(
            Observation(
                indicator=key[0],
                sector=key[1],
                city=key[2],
                date=row["date"],
                observed=observed,
                tolerance_kind=row["tolerance_kind"],
                tolerance=tolerance,
                source=row["source"],
                quarters=quarters_of(row["date"], indicator.kind, f"{where} date"),
            )
        )
    return observations


def check_settings(cfg: DictConfig) -> None:
    """Reject bad settings, and a bad table, in one line before any run."""
    s = cfg.backtest
    app.check(s.seeds >= 2, "backtest.seeds", s.seeds, "an integer >= 2 (a band needs several seeds)")
    app.check(0 < s.band < 1, "backtest.band", s.band, "a fraction in (0, 1)")
    read_table(Path(s.observations))


# --------------------------------------------------------------------------- simulated against observed
def simulated(table: Any, observations: Sequence[Observation]) -> np.ndarray:
    """One run's value of each observation, from its tidy time series (NaN where it has none)."""
    values = table.pivot_table(index="quarter", columns=["indicator", "sector", "city"], values="value")
    out = []
    for o in observations:
        column = (o.indicator, o.sector, o.city)
        if column not in values.columns:
            out.append(math.nan)
            continue
        series = values[column]
        out.append(float(np.mean([series.reindex(list(group)).mean() for group in o.quarters])))
    return np.array(out)


def run_values(run: RunResult, observations: Sequence[Observation]) -> np.ndarray:
    """The values of a finished run."""
    import pandas as pd

    table = pd.read_parquet(
        run.run_dir / "timeseries.parquet",
        columns=["date", "indicator", "sector", "city", "value"],
        filters=[("indicator", "in", sorted({o.indicator for o in observations}))],
    )
    first = pd.Timestamp(f"{START_YEAR}-12-31")
    table["quarter"] = (table["date"].dt.year - first.year) * 4 + (table["date"].dt.quarter - 4)
    return simulated(table, observations)


def compare(observations: Sequence[Observation], values: np.ndarray, band: float) -> Any:
    """The table of results: one row per observation (``values``: seeds x observations)."""
    import pandas as pd

    observed = np.array([o.observed for o in observations])
    median = np.median(values, axis=0)
    low, high = np.quantile(values, [(1 - band) / 2, (1 + band) / 2], axis=0)
    error = median - observed
    allowed = np.array([o.tolerance * (abs(o.observed) if o.tolerance_kind == "rel" else 1.0) for o in observations])
    return pd.DataFrame(
        {
            "indicator": [o.indicator for o in observations],
            "sector": [o.sector for o in observations],
            "city": [o.city for o in observations],
            "date": [o.date for o in observations],
            "observed": observed,
            "simulated_median": median,
            "band_low": low,
            "band_high": high,
            "error": error,
            "relative_error": np.divide(error, observed, out=np.full(error.shape, np.nan), where=observed != 0),
            "tolerance_kind": [o.tolerance_kind for o in observations],
            "tolerance": [o.tolerance for o in observations],
            "within": np.abs(error) <= allowed,
            "source": [o.source for o in observations],
        }
    )


def figure(result: Any, band: float) -> Any:
    """Simulated against observed, each row relative to its observation, with its tolerance."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 0.45 * len(result) + 1.5))
    y = np.arange(len(result))[::-1]
    scale = np.where(result["observed"] != 0, np.abs(result["observed"]), 1.0)
    allowed = np.where(result["tolerance_kind"] == "rel", result["tolerance"], result["tolerance"] / scale)
    ax.barh(y, 2 * 100 * allowed, left=-100 * allowed, color="0.9", label="tolerance")
    low = 100 * (result["band_low"] - result["observed"]) / scale
    high = 100 * (result["band_high"] - result["observed"]) / scale
    ax.hlines(y, low, high, color="tab:blue", lw=4, label=f"{band:.0%} of seeds")
    colours = np.where(result["within"], "tab:green", "tab:red")
    ax.scatter(100 * result["error"] / scale, y, color=colours, zorder=3, label="simulated median")
    ax.axvline(0, color="black", lw=1)
    labels = [
        f"{i} {'' if s == 'all' else s + ' '}{d}"
        for i, s, d in zip(result["indicator"], result["sector"], result["date"], strict=True)
    ]
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel("simulated against observed [% of the observed value]")
    ax.set_title(f"Back-test: {int(result['within'].sum())}/{len(result)} within tolerance")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    return fig


def backtest(cfg: DictConfig, folder: Path) -> None:
    """Run the seeds, set them against the table, write the results."""
    settings = cfg.backtest
    observations = read_table(Path(settings.observations))
    print(
        f"backtest: {len(observations)} observations of {settings.observations}, mix '{cfg.policy_mix.name}', "
        f"scenario '{cfg.scenario.name}', {settings.seeds} seeds (scale {cfg.scale})",
        flush=True,
    )
    runs = Batch(cfg, "backtest").run([{}], list(range(int(settings.seeds))), "runs")[0]
    finished = [r for r in runs if r.ok]
    if not finished:
        raise RuntimeError(f"every run failed; the first: {runs[0].error()} ({runs[0].run_dir})")
    values = np.array([run_values(r, observations) for r in finished])
    result = compare(observations, values, float(settings.band))
    app.write_frame(folder / "backtest.csv", result)
    app.save_figure(folder / "backtest.png", figure(result, float(settings.band)))
    import pandas as pd

    with pd.option_context("display.width", 200, "display.max_columns", 20):
        shown = ["indicator", "sector", "date", "observed", "simulated_median", "band_low", "band_high", "within"]
        print(result[shown].to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    if len(finished) < len(runs):
        print(f"backtest: {len(runs) - len(finished)} of {len(runs)} runs failed (left out)")
    print(f"{int(result['within'].sum())}/{len(result)} within tolerance; results in {folder}")


main = app.entry_point("backtest", check_settings, backtest)
