"""Reading a collected sweep: its runs, scorecard and series, its groups and their values.

Statistics over seeds are those of ``collect``: the median and the 90 % band (5th and
95th percentiles) of a value, and for a target the share of seeds meeting it with its
Wilson 95 % interval (``scorecard.csv``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import colormaps

from experiments.reports import labels as lab
from experiments.reports.labels import name
from model.data import PROJECT_ROOT

REQUIRED_FILES = ("runs.parquet", "timeseries.parquet", "scorecard.csv")
# Series the review reads (province-wide and by sector); jobs also by city.
SERIES = (
    "new_economy_va_share",
    "rd_intensity",
    "labour_productivity",
    "coal_consumption",
    "output",
    "capacity",
    "capacity_utilisation",
    "capacity_exited",
    "steel_channel_capacity_exited_share",
    "steel_coastal_capacity_share",
    "value_added",
    "firms_active",
    "gazelle_firms",
    "unicorn_firms",
    "champion_firms",
    "fund_subscribed",
    "fund_invested",
    "fund_idle",
    "fund_social_capital",
    "jobs_lost",
    "workers_resettled",
    "surcharge_revenue",
    "fiscal_outlay",
)
CITY_SERIES = ("jobs_lost", "workers_resettled")
MAX_GROUPS = 6  # groups drawn in one chart; the reference and the extremes when there are more
# Mixes in policy order: no programme, the single levers, the programme as enacted, intensified.
MIX_ORDER = ("none", "pricing_only", "standards_only", "fund_only", "as_enacted", "intensified")


def _order_value(value: Any) -> tuple[int, float, str]:
    """Sort key of a parameter value: numbers by size, then anything else by name."""
    try:
        return (0, float(value), "")
    except (TypeError, ValueError):
        return (1, 0.0, str(value))


def policy_order(groups: Iterable[str], runs: pd.DataFrame) -> list[str]:
    """Groups in policy order (:data:`MIX_ORDER`, a user's own mixes after), then by their parameters."""
    params = sorted(c for c in runs.columns if c.startswith("param.") and c not in ("param.seed", "param.policy_mix"))

    def key(group: str) -> tuple[Any, ...]:
        members = runs[runs.group.astype(str) == group]
        mix = str(members.policy_mix.iloc[0]) if len(members) and "policy_mix" in members else ""
        rank = MIX_ORDER.index(mix) if mix in MIX_ORDER else len(MIX_ORDER)
        values = tuple(_order_value(members[c].iloc[0]) if len(members) else (2, 0.0, "") for c in params)
        return (rank, mix, values, group)

    return sorted(groups, key=key)


class SweepError(ValueError):
    """A folder that is not a collected sweep, or a bad report parameter (one line)."""


def check_sweep(sweep_dir: str | Path) -> Path:
    """The sweep folder, if it holds what ``experiments.collect`` writes.

    A relative path is read from the working directory, else from the repository's root
    (so that ``multirun/...`` works from ``notebooks/`` too).

    Raises:
        SweepError: One line naming what is missing and what to do.
    """
    path = Path(sweep_dir)
    if not path.is_absolute() and not path.is_dir() and (PROJECT_ROOT / path).is_dir():
        path = PROJECT_ROOT / path  # a notebook runs in notebooks/: multirun/... is the repository's
    if not path.is_dir():
        raise SweepError(f"SWEEP_DIR={str(path)!r} is not a folder: expected a collected sweep folder")
    missing = [name for name in REQUIRED_FILES if not (path / name).is_file()]
    if missing:
        raise SweepError(
            f"SWEEP_DIR={str(path)!r} is not a collected sweep: {', '.join(missing)} missing — run "
            f"python -m experiments.collect {path} first"
        )
    return path


def load(sweep_dir: str | Path, lang: str = "en", reference: str | None = None) -> Sweep:
    """Read a collected sweep.

    Args:
        sweep_dir: The sweep folder (after ``python -m experiments.collect``).
        lang: ``en`` or ``zh``.
        reference: The group the readings are about: a group folder name, a mix or a
            group's label; default: the as-enacted mix if the sweep has it, else the group
            meeting the most targets.
    """
    lab.check_lang(lang)
    path = check_sweep(sweep_dir)
    runs = pd.read_parquet(path / "runs.parquet")
    if "status" not in runs or not (runs.status == "complete").any():
        raise SweepError(f"SWEEP_DIR={str(path)!r} holds no finished run: expected at least one (see runs.parquet)")
    card = pd.read_csv(path / "scorecard.csv")
    complete = runs[runs.status == "complete"]
    first = path / str(complete.run.iloc[0])
    for needed in ("scorecard.csv", "summary.json"):
        if not (first / needed).is_file():
            raise SweepError(
                f"{first / needed} is missing: the review reads the targets and cities from a finished run's folder"
            )
    targets = pd.read_csv(first / "scorecard.csv").set_index("target")
    summary = json.loads((first / "summary.json").read_text(encoding="utf-8"))
    cities = pd.DataFrame(summary["calibration_tables"]["cities"]).T
    wanted = list(dict.fromkeys([*SERIES, *targets.indicator]))
    series = pd.read_parquet(
        path / "timeseries.parquet",
        columns=["date", "indicator", "sector", "city", "value", "unit", "run", "group"],
        filters=[[("indicator", "in", wanted), ("city", "=", "all")], [("indicator", "in", list(CITY_SERIES))]],
    )
    return Sweep(
        runs=runs,
        card=card,
        series=series,
        targets=targets,
        cities=cities,
        lang=lang,
        reference=reference,
        path=path,
        experiment=str(complete.experiment.dropna().iloc[0]) if "experiment" in complete else path.name,
    )


@dataclass
class Sweep:
    """A collected sweep, ready to be read.

    Args:
        runs: ``runs.parquet``: one row per run (status, group, policy_mix, param.*, ...).
        card: ``scorecard.csv``: per group and target the probability of meeting it.
        series: The quarterly series of the finished runs (date, indicator, sector, city,
            value, unit, run, group).
        targets: A run's scorecard: per target its indicator, sector, due quarter,
            comparison, value, upper edge and unit.
        cities: Per city id: ``coastal`` and ``channel`` flags.
        lang: ``en`` or ``zh``.
        reference: See :func:`load`.
        path: The sweep folder.
        experiment: The experiment's name.
    """

    runs: pd.DataFrame
    card: pd.DataFrame
    series: pd.DataFrame
    targets: pd.DataFrame
    cities: pd.DataFrame
    lang: str = "en"
    reference: str | None = None
    path: Path | None = None
    experiment: str = ""
    groups: list[str] = field(init=False)

    def __post_init__(self) -> None:
        lab.check_lang(self.lang)
        self.complete = self.runs[self.runs.status == "complete"].copy()
        self.groups = policy_order(self.complete.group.astype(str).unique(), self.complete)
        series = self.series.copy()
        for column in ("indicator", "sector", "city", "unit", "run", "group"):  # compact, fast to compare
            series[column] = series[column].astype(str).astype("category")
        series["date"] = pd.to_datetime(series["date"])
        self.first, self.last = series.date.min(), series.date.max()
        self.series = series
        self._ends = series[series.date.isin([self.first, self.last])]  # what values() reads
        self._paths = (
            series.groupby(["indicator", "sector", "city", "group", "date"], observed=True)["value"]
            .quantile([0.05, 0.5, 0.95])
            .unstack()
            .rename(columns={0.05: "p05", 0.5: "median", 0.95: "p95"})
        )
        self._units = series.drop_duplicates(["indicator", "sector"]).set_index(["indicator", "sector"])["unit"]
        targets = self.card[self.card.kind == "target"]
        self.probabilities = targets.pivot(index="group", columns="name", values="probability").reindex(self.groups)
        self.reference = self._resolve_reference(self.reference)

    # ------------------------------------------------------------------ groups
    def _resolve_reference(self, wanted: str | None) -> str:
        if wanted:
            for group in self.groups:
                mixes = set(self.complete.loc[self.complete.group == group, "policy_mix"].astype(str))
                if wanted in (group, self.label(group)) or mixes == {wanted}:
                    return group
            choices = ", ".join(self.groups)
            raise SweepError(f"reference={wanted!r} is not a group of this sweep: expected one of {choices}")
        enacted = [g for g in self.groups if self.mix_of(g) == "as_enacted"]
        if enacted:
            return enacted[0]
        return str(self.probabilities.sum(axis=1).idxmax())

    def mix_of(self, group: str) -> str:
        """The policy mix of a group's runs."""
        mixes = self.complete.loc[self.complete.group == group, "policy_mix"].astype(str).unique()
        return mixes[0] if len(mixes) == 1 else ""

    def varied(self) -> list[str]:
        """The ``param.*`` columns whose values differ between groups."""
        columns = [c for c in self.complete.columns if c.startswith("param.") and c != "param.seed"]
        return [c for c in columns if self.complete.groupby("group")[c].first().astype(str).nunique() > 1]

    def label(self, group: str) -> str:
        """A group's display name: its mix, or the parameters that set it apart."""
        members = self.complete[self.complete.group == group]
        if members.empty:
            return group
        parts = []
        sep = "" if self.lang == "zh" else " "
        varied = self.varied()
        for column in varied:
            key = column.split(".")[-1]
            value = str(members[column].iloc[0])
            if key == "policy_mix":
                parts.append(name("mix", value, self.lang))
            elif key == "scenario":
                parts.append(name("scenario", value, self.lang))
            elif key == "scale":
                parts.append(f"{name('param', key, self.lang)}{sep}{lab.scale_text(float(value), self.lang)}")
            else:
                parts.append(f"{name('param', key, self.lang)}{sep}{value}")
        if not parts:
            return name("mix", self.mix_of(group), self.lang) if self.mix_of(group) else group
        return lab.join(parts, self.lang) if self.lang == "zh" else ", ".join(parts)

    def colour(self, group: str) -> Any:
        """A group's colour, the same in every figure."""
        return colormaps["tab10"](self.groups.index(group) % 10)

    def shown(self) -> list[str]:
        """Groups drawn in a chart: all, or the reference and the extremes when there are many."""
        if len(self.groups) <= MAX_GROUPS:
            return list(self.groups)
        order = self.probabilities.sum(axis=1).sort_values(ascending=False).index.tolist()
        others = [g for g in order if g != self.reference]
        half = (MAX_GROUPS - 1) // 2
        picked = [self.reference, *others[:half], *others[-(MAX_GROUPS - 1 - half) :]]
        return [g for g in self.groups if g in picked]

    def contrast(self, target: str) -> str | None:
        """The group that differs most from the reference on ``target``.

        First by the chance of meeting it, then (when the chances are equal) by the median value.
        """
        if len(self.groups) < 2 or target not in self.probabilities:
            return None
        card = self.card[(self.card.kind == "target") & (self.card.name == target)].set_index("group")
        ref = card.loc[self.reference]
        others = card.drop(index=self.reference)
        gaps = pd.DataFrame(
            {
                "p": (others.probability - ref.probability).abs().round(9),
                "median": (others["median"] - ref["median"]).abs(),
            }
        ).fillna(-1.0)
        return str(gaps.sort_values(["p", "median"], ascending=False, kind="stable").index[0])

    # ------------------------------------------------------------------ values
    def unit_of(self, indicator: str, sector: str = "all") -> str:
        """The model unit of a series."""
        return str(self._units.get((indicator, sector), ""))

    def paths(self, indicator: str, sector: str = "all", city: str = "all") -> pd.DataFrame:
        """Quarterly median and 90 % band by group: index (group, date), columns p05, median, p95."""
        try:
            return self._paths.loc[(indicator, sector, city)]
        except KeyError:
            return pd.DataFrame(columns=["p05", "median", "p95"])

    def values(self, indicator: str, sector: str = "all", city: str = "all", date: Any = None) -> pd.DataFrame:
        """One value per finished run at ``date`` (default: the last quarter): columns run, group, value."""
        date = self.last if date is None else pd.Timestamp(date)
        s = self._ends if date in (self.first, self.last) else self.series
        rows = s[(s.indicator == indicator) & (s.sector == sector) & (s.city == city) & (s.date == date)]
        return rows[["run", "group", "value"]].astype({"run": str, "group": str}).reset_index(drop=True)

    def of_group(self, indicator: str, group: str, sector: str = "all", date: Any = None) -> pd.Series:
        """A group's values of a series at ``date`` (default: the last quarter), one per run."""
        v = self.values(indicator, sector, date=date)
        return v.loc[v.group == group, "value"]

    def per_run(self, indicator: str, sectors: Iterable[str], date: Any = None, city: str = "all") -> pd.DataFrame:
        """Values of several sectors at ``date``: index run, one column per sector, plus ``group``."""
        frames = []
        for sector in sectors:
            v = self.values(indicator, sector, city, date).set_index("run")
            frames.append(v["value"].rename(sector))
        table = pd.concat(frames, axis=1)
        table["group"] = self.complete.set_index("run").reindex(table.index)["group"].astype(str)
        return table

    def by_city(self, indicator: str, date: Any = None) -> pd.DataFrame:
        """Per run and city: index run, one column per city, plus ``group``."""
        date = self.last if date is None else pd.Timestamp(date)
        s = self._ends if date in (self.first, self.last) else self.series
        rows = s[(s.indicator == indicator) & (s.sector == "all") & (s.city != "all") & (s.date == date)]
        rows = rows.astype({"run": str, "city": str})
        table = rows.pivot(index="run", columns="city", values="value")
        table["group"] = self.complete.set_index("run").reindex(table.index)["group"].astype(str)
        return table

    def target_row(self, target: str, group: str) -> pd.Series:
        """The scorecard row of a target and group (probability, interval, median, band)."""
        card = self.card
        rows = card[(card.kind == "target") & (card.name == target) & (card.group == group)]
        if rows.empty:
            raise KeyError(f"no scorecard row for target {target!r} and group {group!r}")
        return rows.iloc[0]

    def targets_on(self, indicator: str, sector: str = "all") -> list[str]:
        """Targets on a series."""
        t = self.targets
        return [str(i) for i in t.index[(t.indicator == indicator) & (t.sector.fillna("all") == sector)]]


def quantiles(values: pd.Series) -> tuple[float, float, float]:
    """Median, 5th and 95th percentile of values over runs (NaN if there are none)."""
    values = pd.Series(values, dtype=float).dropna()
    if values.empty:
        return float("nan"), float("nan"), float("nan")
    p05, median, p95 = np.quantile(values, [0.05, 0.5, 0.95])
    return float(median), float(p05), float(p95)
