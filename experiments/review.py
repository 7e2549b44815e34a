"""The planner's review of a collected sweep: figures, tables and one-sentence readings.

``notebooks/policy_mix_review.ipynb`` calls these functions top to bottom, one cell
each; ``python -m experiments.report SWEEP_DIR`` runs that notebook and exports it
as HTML. Every function takes a :class:`Sweep` (read by :func:`load` from the files
``experiments.collect`` writes) and returns an :class:`Item`: a figure, a reading
computed from the data, and sometimes a table, in the sweep's language (``en`` or
``zh``; all text is in ``experiments/labels.csv``).

Statistics over seeds are those of ``collect``: the median and the 90 % band (5th and
95th percentiles) of a value, and for a target the share of seeds meeting it with its
Wilson 95 % interval (``scorecard.csv``).
"""

from __future__ import annotations

import html
import io
import json
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from experiments import fonts
from experiments import labels as lab
from experiments.labels import cap, join, name, number, probability, sentence, text
from model.names import GROWTH_SECTORS, OVERCAPACITY_SECTORS
from model.targets import evaluate

fonts.use_cjk_font()

REQUIRED_FILES = ("runs.parquet", "timeseries.parquet", "scorecard.csv")
OVERCAPACITY, GROWTH = OVERCAPACITY_SECTORS, GROWTH_SECTORS
# Schematic positions of the 16 prefecture-level city seats: approximate longitude and
# latitude in degrees (not geodata; enough to place each city where a reader expects it).
CITY_POSITIONS = {
    "jinan": (117.00, 36.65),
    "qingdao": (120.38, 36.07),
    "zibo": (118.05, 36.81),
    "zaozhuang": (117.32, 34.81),
    "dongying": (118.67, 37.43),
    "yantai": (121.45, 37.46),
    "weifang": (119.16, 36.71),
    "jining": (116.59, 35.41),
    "taian": (117.09, 36.20),
    "weihai": (122.12, 37.51),
    "rizhao": (119.53, 35.42),
    "linyi": (118.36, 35.10),
    "dezhou": (116.36, 37.44),
    "liaocheng": (115.98, 36.46),
    "binzhou": (117.97, 37.38),
    "heze": (115.48, 35.23),
}
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
# The figures of the review, in order (the report's tests count them in the HTML).
FIGURES = (
    "headline",
    "new_economy",
    "caps",
    "exited",
    "utilisation",
    "steel",
    "industries",
    "titles",
    "fund",
    "jobs",
    "fiscal",
)
SURE, RARE = 0.9, 0.1  # a target met in >= 90 % of seeds is "met"; in < 10 % "missed"
MAX_GROUPS = 6  # groups drawn in one chart; the reference and the extremes when there are more
FEW_SEEDS = 10
SYMBOLS = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}
DPI = 100


class SweepError(ValueError):
    """A folder that is not a collected sweep, or a bad report parameter (one line)."""


@dataclass
class Item:
    """One piece of the review: a figure, its reading and an optional table."""

    key: str
    reading: str
    figure: Figure | None = None
    table: pd.DataFrame | None = None


# --------------------------------------------------------------------------- reading a sweep
def check_sweep(sweep_dir: str | Path) -> Path:
    """The sweep folder, if it holds what ``experiments.collect`` writes.

    Raises:
        SweepError: One line naming what is missing and what to do.
    """
    path = Path(sweep_dir)
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
        experiment=str(complete.experiment.dropna().iloc[0]) if complete.experiment.notna().any() else path.name,
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
        self.groups = sorted(self.complete.group.astype(str).unique())
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
        varied = self.varied()
        for column in varied:
            key = column.split(".")[-1]
            value = str(members[column].iloc[0])
            if key == "policy_mix":
                parts.append(name("mix", value, self.lang))
            elif key == "scenario":
                parts.append(name("scenario", value, self.lang))
            else:
                parts.append(f"{name('param', key, self.lang)} {value}")
        if not parts:
            return name("mix", self.mix_of(group), self.lang) if self.mix_of(group) else group
        return ", ".join(parts)

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


# --------------------------------------------------------------------------- words
def indicator_name(indicator: str, sector: str, lang: str) -> str:
    """A series' name, e.g. ``steel output`` / ``钢铁产量``."""
    label = name("indicator", indicator, lang)
    if sector == "all" or indicator.startswith(f"{sector}_"):
        return label
    return text("ui.sector_indicator", lang, sector=name("sector", sector, lang), indicator=label)


def year_of(due: str) -> int:
    """Year of a due quarter such as ``2022Q4``."""
    return int(str(due)[:4])


def year_text(year: int, lang: str) -> str:
    """A year in running text (``2022`` / ``2022年``)."""
    return text("ui.year", lang, year=year)


def band_text(low: float, high: float, unit_id: str, lang: str) -> tuple[str, str]:
    """The ends of a band: numbers in the reader's unit, the percent sign only on the upper end."""
    shown = lab.unit(unit_id, lang)
    if shown.percent:
        digits = lab.percent_digits(max(abs(low), abs(high)))
        return f"{100 * low:.{digits}f}", lab.percent(high, lang, digits)
    return lab.plain(low * shown.factor), lab.plain(high * shown.factor)


def target_goal(target: pd.Series, lang: str) -> str:
    """What a target asks, e.g. ``≤ 76.0 Mt/yr`` or ``75.0–90.0 %``."""
    unit_id = str(target["unit"])
    if target["comparison"] == "between":
        low, high = band_text(float(target["target_value"]), float(target["upper"]), unit_id, lang)
        return text("ui.range", lang, low=low, high=high)
    return f"{SYMBOLS.get(target['comparison'], target['comparison'])} {number(target['target_value'], unit_id, lang)}"


def target_label(target: pd.Series, lang: str, final_year: int | None = None) -> str:
    """A target as a reader names it: the series and what is asked (and when, if not in ``final_year``)."""
    series = cap(indicator_name(str(target["indicator"]), str(target.get("sector", "all")), lang))
    label = f"{series} {target_goal(target, lang)}"
    year = year_of(target["date"])
    if final_year is not None and year != final_year:
        label += text("ui.due_note", lang, year=year)
    return label


def relation(target: pd.Series, lang: str) -> str:
    """How a value stands against a target (``within the 2022 cap of 76.0 Mt/yr``)."""
    unit_id = str(target["unit"])
    year = year_of(target["date"])
    goal = number(target["target_value"], unit_id, lang)
    if target["comparison"] == "between":
        low, high = band_text(float(target["target_value"]), float(target["upper"]), unit_id, lang)
        return text("reading.relation_band", lang, year=year, target=low, upper=high)
    if target["comparison"] in ("<=", "<"):
        return text("reading.relation_cap", lang, year=year, target=goal)
    return text("reading.relation_floor", lang, year=year, target=goal)


def ci_text(low: float, high: float, lang: str) -> tuple[str, str]:
    """Ends of a Wilson interval: ``83`` and ``100 %``."""
    return f"{100 * low:.0f}", probability(high, lang)


def target_reading(sweep: Sweep, target: str, group: str | None = None, other: str | None = None) -> str:
    """The reading of a target under a group, e.g.

    "Under as enacted, steel output in 2022 is 62.1 Mt/yr (90 % band 60.3–63.8), within
    the 2022 cap of 76.0 Mt/yr in 97 % of seeds (Wilson 95 % CI 83–100 %)."
    """
    lang = sweep.lang
    group = group or sweep.reference
    t = sweep.targets.loc[target]
    row = sweep.target_row(target, group)
    unit_id = str(t["unit"])
    low, high = band_text(float(row["p05"]), float(row["p95"]), unit_id, lang)
    ci_low, ci_high = ci_text(float(row["ci_low"]), float(row["ci_high"]), lang)
    clauses = [
        text(
            "reading.target",
            lang,
            group=sweep.label(group),
            indicator=indicator_name(str(t["indicator"]), str(t["sector"]), lang),
            year=year_of(t["date"]),
            median=number(row["median"], unit_id, lang),
            low=low,
            high=high,
            relation=relation(t, lang),
            p=probability(row["probability"], lang),
            ci_low=ci_low,
            ci_high=ci_high,
        )
    ]
    if other is not None:
        o = sweep.target_row(target, other)
        clauses.append(
            text(
                "reading.target_other",
                lang,
                group=sweep.label(other),
                median=number(o["median"], unit_id, lang),
                p=probability(o["probability"], lang),
            )
        )
    return sentence(clauses, lang)


def value_reading(sweep: Sweep, indicator: str, sector: str = "all") -> str:
    """The reading of a series without a target: its 2022 median and band under the reference."""
    lang, group = sweep.lang, sweep.reference
    v = sweep.of_group(indicator, group, sector)
    unit_id = sweep.unit_of(indicator, sector)
    median, p05, p95 = _quantiles(v)
    low, high = band_text(p05, p95, unit_id, lang)
    return sentence(
        [
            text(
                "reading.value",
                lang,
                group=sweep.label(group),
                indicator=indicator_name(indicator, sector, lang),
                year=sweep.last.year,
                median=number(median, unit_id, lang),
                low=low,
                high=high,
            )
        ],
        lang,
    )


def _quantiles(values: pd.Series) -> tuple[float, float, float]:
    values = pd.Series(values, dtype=float).dropna()
    if values.empty:
        return float("nan"), float("nan"), float("nan")
    p05, median, p95 = np.quantile(values, [0.05, 0.5, 0.95])
    return float(median), float(p05), float(p95)


# --------------------------------------------------------------------------- display
def png(figure: Figure) -> bytes:
    """The figure as PNG; a glyph missing from the fonts is an error, not an empty box."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=r"Glyph .* missing from font")
        figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    return buffer.getvalue()


def heading(sweep: Sweep, key: str, level: int = 2) -> None:
    """Display a section heading in the sweep's language."""
    from IPython.display import HTML, display

    display(HTML(f"<h{level}>{html.escape(text(f'heading.{key}', sweep.lang))}</h{level}>"))


def show(item: Item) -> None:
    """Display an item in a notebook: the figure, its reading, then its table."""
    from IPython.display import HTML, Image, display

    if item.figure is not None:
        title = item.figure.get_suptitle() or item.key
        display(Image(data=png(item.figure), format="png", metadata={"alt": title}))
    if item.reading:
        display(HTML(f'<p class="reading"><em>{html.escape(item.reading)}</em></p>'))
    if item.table is not None:
        display(item.table)


def _title(figure: Figure, key: str, lang: str, note: str = "") -> None:
    figure.suptitle(text(key, lang) + (f" ({note})" if note else ""), fontsize=12)


def _shown_note(sweep: Sweep) -> str:
    shown = sweep.shown()
    if len(shown) == len(sweep.groups):
        return ""
    return text("ui.groups_shown", sweep.lang, shown=len(shown), total=len(sweep.groups))


def _band_panel(ax: Any, sweep: Sweep, indicator: str, sector: str = "all") -> None:
    """Median and 90 % band of each shown group over time, with the targets on the series."""
    lang = sweep.lang
    unit_id = sweep.unit_of(indicator, sector)
    factor = lab.unit(unit_id, lang).factor
    paths = sweep.paths(indicator, sector)
    for group in sweep.shown():
        if group not in paths.index.get_level_values(0):
            continue
        p = paths.loc[group]
        colour = sweep.colour(group)
        ax.fill_between(p.index, p.p05 * factor, p.p95 * factor, color=colour, alpha=0.18, linewidth=0)
        ax.plot(p.index, p["median"] * factor, color=colour, linewidth=1.6, label=sweep.label(group))
    for target in sweep.targets_on(indicator, sector):
        t = sweep.targets.loc[target]
        label = text("ui.target_line", lang, year=year_of(t["date"]))
        due = pd.Timestamp(pd.Period(str(t["date"]), freq="Q").end_time.date())
        if t["comparison"] == "between":
            ax.axhspan(t["target_value"] * factor, t["upper"] * factor, color="crimson", alpha=0.08, label=label)
        else:
            ax.axhline(t["target_value"] * factor, color="crimson", linestyle="--", linewidth=1.1, label=label)
        if due < sweep.last:  # an earlier deadline (2020): mark it
            ax.axvline(due, color="crimson", linestyle=":", linewidth=0.8)
    _year_axis(ax, sweep)
    ax.set_title(cap(indicator_name(indicator, sector, lang)), fontsize=10)
    ax.set_ylabel(lab.axis_label(unit_id, lang), fontsize=8)
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3)


def _year_axis(ax: Any, sweep: Sweep) -> None:
    """Ticks at each year's end, labelled with that year (values are end-of-quarter)."""
    ends = pd.date_range(sweep.first, sweep.last, freq="YE")
    ax.set_xticks(ends, [str(d.year) for d in ends])
    ax.set_xlim(sweep.first - pd.Timedelta(days=30), sweep.last + pd.Timedelta(days=30))


def _legend(figure: Figure, axes: list[Any], lang: str) -> None:
    handles, names = [], []
    for ax in axes:
        for h, n in zip(*ax.get_legend_handles_labels(), strict=True):
            if n not in names:
                handles.append(h)
                names.append(n)
    handles.append(Line2D([], [], color="grey", alpha=0.4, linewidth=8))
    names.append(text("ui.band90", lang))
    figure.legend(handles, names, loc="outside lower center", ncol=min(len(names), 5), fontsize=8, frameon=False)


def _panels(sweep: Sweep, series: list[tuple[str, str]], title_key: str, cols: int = 3) -> Figure:
    rows = int(np.ceil(len(series) / cols))
    figure = Figure(figsize=(4.3 * cols, 3.2 * rows + 0.8), layout="constrained")
    axes = figure.subplots(rows, cols, squeeze=False).ravel()
    for ax, (indicator, sector) in zip(axes, series, strict=False):
        _band_panel(ax, sweep, indicator, sector)
    for ax in axes[len(series) :]:
        ax.axis("off")
    _title(figure, title_key, sweep.lang, _shown_note(sweep))
    _legend(figure, list(axes[: len(series)]), sweep.lang)
    return figure


def _first_target(sweep: Sweep, series: list[tuple[str, str]]) -> str | None:
    for indicator, sector in series:
        found = sweep.targets_on(indicator, sector)
        if found:
            return found[0]
    return None


# --------------------------------------------------------------------------- the items
def overview(sweep: Sweep) -> Item:
    """What the sweep holds: groups, finished runs and seeds."""
    lang = sweep.lang
    runs = sweep.runs.assign(group=sweep.runs.group.astype(str))
    table = pd.DataFrame(
        {
            text("ui.col_group", lang): [sweep.label(g) for g in sweep.groups],
            text("ui.col_runs", lang): [
                int(((runs.group == g) & (runs.status == "complete")).sum()) for g in sweep.groups
            ],
            text("ui.col_failed", lang): [
                int(((runs.group == g) & (runs.status != "complete")).sum()) for g in sweep.groups
            ],
        }
    ).set_index(text("ui.col_group", lang))
    per_group = sweep.complete.groupby("group").seed.nunique()
    seeds = str(per_group.iloc[0]) if per_group.nunique() == 1 else f"{per_group.min()}–{per_group.max()}"
    failed = int((runs.status != "complete").sum())
    scales = sweep.complete["scale"].dropna().unique() if "scale" in sweep.complete else []
    clauses = [
        text(
            "reading.sweep",
            lang,
            experiment=sweep.experiment,
            runs=len(sweep.complete),
            groups=len(sweep.groups),
            seeds=seeds,
            scale=", ".join(f"{s:g}" for s in scales) or "?",
            failed=text("reading.sweep_failed", lang, n=failed) if failed else "",
        )
    ]
    if per_group.min() < FEW_SEEDS:
        clauses[0] += text("reading.sweep_few_seeds", lang, seeds=int(per_group.min()))
    return Item("overview", sentence(clauses, lang), table=table)


def headline(sweep: Sweep) -> Item:
    """Which groups meet which targets, how surely: a probability heatmap and a table."""
    lang = sweep.lang
    probs = sweep.probabilities[[t for t in sweep.targets.index if t in sweep.probabilities]]
    target_names = [target_label(sweep.targets.loc[t], lang, sweep.last.year) for t in probs.columns]
    group_names = [sweep.label(g) for g in probs.index]

    # Targets down the side (their names are long), groups across.
    figure = Figure(figsize=(5.5 + 1.1 * probs.shape[0], 1.6 + 0.36 * probs.shape[1]), layout="constrained")
    ax = figure.subplots()
    image = ax.imshow(probs.T.to_numpy(float), cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
    ax.set_yticks(range(probs.shape[1]), target_names, fontsize=8)
    ax.set_xticks(range(probs.shape[0]), group_names, fontsize=8.5, rotation=20 if len(group_names) > 3 else 0)
    ax.xaxis.tick_top()
    cells = {}
    for i, group in enumerate(probs.index):
        for j, target in enumerate(probs.columns):
            row = sweep.target_row(target, group)
            low, high = ci_text(float(row["ci_low"]), float(row["ci_high"]), lang)
            cells[(group, target)] = text(
                "ui.probability_cell", lang, p=probability(row["probability"], lang), low=low, high=high
            )
            p = float(row["probability"])
            ink = "white" if (p < 0.2 or p > 0.8) else "black"  # readable on dark red and dark green
            ax.text(i, j, cells[(group, target)], ha="center", va="center", fontsize=7, color=ink)
    figure.colorbar(image, ax=ax, label=text("ui.probability", lang), shrink=0.6, aspect=30)
    ax.set_xlabel(text("ui.headline_note", lang), fontsize=8)
    _title(figure, "ui.heatmap_title", lang)

    met = (probs >= SURE).sum(axis=1)
    best, worst = str(met.idxmax()), str(met.idxmin())
    clauses = []
    if len(probs) > 1 and met[best] == met[worst]:
        clauses.append(text("reading.headline_tie", lang, n=int(met[best]), total=probs.shape[1]))
    elif len(probs) > 1:
        clauses.append(
            text(
                "reading.headline_many",
                lang,
                best=sweep.label(best),
                best_n=int(met[best]),
                total=probs.shape[1],
                worst=sweep.label(worst),
                worst_n=int(met[worst]),
            )
        )
    else:
        clauses.append(
            text("reading.headline_one", lang, best=sweep.label(best), best_n=int(met[best]), total=probs.shape[1])
        )
    missed = [t for t in probs.columns if (probs[t] < RARE).all()]
    if missed:
        names = [target_label(sweep.targets.loc[t], lang, sweep.last.year) for t in missed]
        clauses.append(text("reading.headline_missed", lang, targets=join(names, lang)))
    else:
        clauses.append(text("reading.headline_missed_none", lang))

    table = pd.DataFrame(
        {group_names[i]: [cells[(g, t)] for t in probs.columns] for i, g in enumerate(probs.index)},
        index=pd.Index(target_names, name=text("ui.col_target", lang)),
    )
    table.insert(
        0, text("ui.col_due", lang), [year_text(year_of(sweep.targets.loc[t, "date"]), lang) for t in probs.columns]
    )
    return Item("headline", sentence(clauses, lang), figure, table)


NEW_ECONOMY = [("new_economy_va_share", "all"), ("rd_intensity", "all"), ("labour_productivity", "all")]
CAPS = [("output", "steel"), ("capacity", "coal"), ("coal_consumption", "all"), ("output", "coal")]


def _trajectories(sweep: Sweep, key: str, series: list[tuple[str, str]], title_key: str, cols: int) -> Item:
    figure = _panels(sweep, series, title_key, cols)
    target = _first_target(sweep, series)
    if target is None:
        return Item(key, value_reading(sweep, *series[0]), figure)
    return Item(key, target_reading(sweep, target, other=sweep.contrast(target)), figure)


def new_economy(sweep: Sweep) -> Item:
    """The new-economy share, R&D intensity and labour productivity against their targets."""
    return _trajectories(sweep, "new_economy", NEW_ECONOMY, "ui.new_economy_title", 3)


def caps(sweep: Sweep) -> Item:
    """Steel output, coal capacity, coal consumption and coal output against their caps."""
    return _trajectories(sweep, "caps", CAPS, "ui.caps_title", 4)


def capacity_exited(sweep: Sweep) -> Item:
    """Share of each overcapacity sector's 2017 capacity exited by 2022, by group."""
    lang = sweep.lang
    exited = sweep.per_run("capacity_exited", OVERCAPACITY)
    base = sweep.per_run("capacity", OVERCAPACITY, date=sweep.first)
    share = exited[list(OVERCAPACITY)] / base[list(OVERCAPACITY)].replace(0, np.nan)
    share["group"] = exited["group"]
    shown = sweep.shown()
    figure = Figure(figsize=(11, 4.6), layout="constrained")
    ax = figure.subplots()
    width = 0.8 / len(shown)
    x = np.arange(len(OVERCAPACITY))
    for k, group in enumerate(shown):
        stats = np.array([_quantiles(share.loc[share.group == group, s]) for s in OVERCAPACITY])
        median, p05, p95 = stats[:, 0] * 100, stats[:, 1] * 100, stats[:, 2] * 100
        ax.bar(
            x + (k - (len(shown) - 1) / 2) * width,
            median,
            width,
            yerr=[median - p05, p95 - median],
            capsize=2,
            color=sweep.colour(group),
            label=sweep.label(group),
        )
    ax.set_xticks(x, [cap(name("sector", s, lang)) for s in OVERCAPACITY], fontsize=9)
    ax.set_ylabel(f"{text('ui.exited_axis', lang)} [%]", fontsize=9)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8, title=text("ui.band90", lang) + ": I", title_fontsize=7)
    _title(figure, "ui.exited_title", lang, _shown_note(sweep))

    ref = share[share.group == sweep.reference]
    medians = pd.Series({s: _quantiles(ref[s])[0] for s in OVERCAPACITY}).dropna()
    top, bottom = str(medians.idxmax()), str(medians.idxmin())
    _, p05, p95 = _quantiles(ref[top])
    low, high = band_text(p05, p95, "fraction", lang)
    reading = text(
        "reading.exited",
        lang,
        group=sweep.label(sweep.reference),
        top=name("sector", top, lang),
        top_share=lab.percent(medians[top], lang),
        low=low,
        high=high,
        bottom=name("sector", bottom, lang),
        bottom_share=lab.percent(medians[bottom], lang),
    )
    table = (share.groupby("group")[list(OVERCAPACITY)].median() * 100).round(1)
    table.index = [sweep.label(g) for g in table.index]
    table.columns = [cap(name("sector", s, lang)) for s in OVERCAPACITY]
    table.index.name = f"{text('ui.exited_axis', lang)} [%]"
    return Item("exited", sentence([reading], lang), figure, table)


def utilisation(sweep: Sweep) -> Item:
    """Utilisation of each overcapacity sector over time against its target band."""
    lang = sweep.lang
    figure = _panels(sweep, [("capacity_utilisation", s) for s in OVERCAPACITY], "ui.utilisation_title", 3)
    within, outside, n = 0, [], 0
    for sector in OVERCAPACITY:
        for target in sweep.targets_on("capacity_utilisation", sector):
            t = sweep.targets.loc[target]
            row = sweep.target_row(target, sweep.reference)
            n += 1
            ok, _ = evaluate(float(row["median"]), str(t["comparison"]), float(t["target_value"]), _upper(t))
            if ok:
                within += 1
            else:
                outside.append(
                    text(
                        "reading.utilisation_item",
                        lang,
                        sector=name("sector", sector, lang),
                        value=lab.percent(row["median"], lang),
                        target=target_goal(t, lang),
                    )
                )
    clauses = [text("reading.utilisation", lang, group=sweep.label(sweep.reference), k=within, n=n)]
    if outside:
        clauses.append(text("reading.utilisation_outside", lang, items=join(outside, lang)))
    return Item("utilisation", sentence(clauses, lang), figure)


def _upper(target: pd.Series) -> float | None:
    upper = target.get("upper")
    return None if upper is None or pd.isna(upper) else float(upper)


def steel(sweep: Sweep) -> Item:
    """Steel: the channel cities' capacity exit and the coastal share, against their targets."""
    lang = sweep.lang
    series = [("steel_channel_capacity_exited_share", "steel"), ("steel_coastal_capacity_share", "steel")]
    figure = _panels(sweep, series, "ui.steel_title", 2)
    channel = sweep.targets_on(*series[0])
    coastal = sweep.targets_on(*series[1])
    if not (channel and coastal):
        return Item("steel", value_reading(sweep, *series[0]), figure)
    c, k = sweep.target_row(channel[0], sweep.reference), sweep.target_row(coastal[0], sweep.reference)
    reading = text(
        "reading.steel",
        lang,
        group=sweep.label(sweep.reference),
        channel=lab.percent(c["median"], lang),
        channel_target=target_goal(sweep.targets.loc[channel[0]], lang),
        p_channel=probability(c["probability"], lang),
        coastal=lab.percent(k["median"], lang),
        coastal_target=target_goal(sweep.targets.loc[coastal[0]], lang),
        p_coastal=probability(k["probability"], lang),
    )
    return Item("steel", sentence([reading], lang), figure)


def industries(sweep: Sweep) -> Item:
    """The ten strong industries: value added and active firms in 2017 and 2022, by group."""
    lang = sweep.lang
    shown = sweep.shown()
    figure = Figure(figsize=(13, 5.2), layout="constrained")
    axes = figure.subplots(1, 2)
    tables = {}
    for ax, indicator in zip(axes, ("value_added", "firms_active"), strict=True):
        start = sweep.per_run(indicator, GROWTH, date=sweep.first)
        end = sweep.per_run(indicator, GROWTH)
        unit_id = sweep.unit_of(indicator, GROWTH[0])
        factor = lab.unit(unit_id, lang).factor
        y = np.arange(len(GROWTH))
        height = 0.8 / (len(shown) + 1)
        base = start[list(GROWTH)].median()
        ax.barh(y - 0.4 + height / 2, base * factor, height, color="lightgrey", label=text("ui.year_2017", lang))
        for k, group in enumerate(shown):
            stats = np.array([_quantiles(end.loc[end.group == group, s]) for s in GROWTH]) * factor
            ax.barh(
                y - 0.4 + height * (k + 1.5),
                stats[:, 0],
                height,
                xerr=[stats[:, 0] - stats[:, 1], stats[:, 2] - stats[:, 0]],
                capsize=1.5,
                color=sweep.colour(group),
                label=f"{text('ui.year_2022', lang)}: {sweep.label(group)}",
            )
        ax.set_yticks(y, [cap(name("sector", s, lang)) for s in GROWTH], fontsize=8.5)
        ax.invert_yaxis()
        ax.set_title(cap(name("indicator", indicator, lang)), fontsize=10)
        ax.set_xlabel(lab.axis_label(unit_id, lang), fontsize=8)
        ax.grid(alpha=0.3, axis="x")
        tables[indicator] = (start, end)
    axes[1].legend(fontsize=7.5, loc="lower right")
    _title(figure, "ui.industries_title", lang, _shown_note(sweep))

    va0, va1 = tables["value_added"]
    n0, n1 = tables["firms_active"]
    ref = sweep.reference
    total0 = va0[list(GROWTH)].sum(axis=1)
    total1 = va1.loc[va1.group == ref, list(GROWTH)].sum(axis=1)
    years = (sweep.last - sweep.first).days / 365.25
    rate = (total1.median() / total0.median()) ** (1 / years) - 1
    growth = (va1.loc[va1.group == ref, list(GROWTH)].median() / va0[list(GROWTH)].median()) ** (1 / years) - 1
    fast = str(growth.idxmax())
    unit_id = sweep.unit_of("value_added", GROWTH[0])
    reading = text(
        "reading.industries",
        lang,
        group=sweep.label(ref),
        va0=number(total0.median(), unit_id, lang),
        va1=number(total1.median(), unit_id, lang),
        rate=lab.percent(rate, lang, digits=1),
        fast=name("sector", fast, lang),
        fast_rate=lab.percent(growth[fast], lang, digits=1),
        n0=lab.plain(n0[list(GROWTH)].sum(axis=1).median()),
        n1=lab.plain(n1.loc[n1.group == ref, list(GROWTH)].sum(axis=1).median()),
    )
    table = pd.DataFrame(
        {
            f"{cap(name('indicator', 'value_added', lang))} {text('ui.year_2017', lang)}": va0[list(GROWTH)].median(),
            f"{cap(name('indicator', 'value_added', lang))} {text('ui.year_2022', lang)}": va1.loc[
                va1.group == ref, list(GROWTH)
            ].median(),
            f"{cap(name('indicator', 'firms_active', lang))} {text('ui.year_2017', lang)}": n0[list(GROWTH)].median(),
            f"{cap(name('indicator', 'firms_active', lang))} {text('ui.year_2022', lang)}": n1.loc[
                n1.group == ref, list(GROWTH)
            ].median(),
        }
    )
    factor = lab.unit(unit_id, lang).factor
    table.iloc[:, :2] *= factor
    table = table.round(0).astype("Int64")
    table.index = [cap(name("sector", s, lang)) for s in GROWTH]
    table.index.name = f"{sweep.label(ref)} — {text('ui.median', lang)}, {lab.axis_label(unit_id, lang)}"
    return Item("industries", sentence([reading], lang), figure, table)


TITLES = [("gazelle_firms", "all"), ("unicorn_firms", "all"), ("champion_firms", "all")]


def titles(sweep: Sweep) -> Item:
    """Gazelles, unicorns and national single champions over time against their targets."""
    lang = sweep.lang
    figure = _panels(sweep, TITLES, "ui.titles_title", 3)
    items = []
    for indicator, sector in TITLES:
        for target in sweep.targets_on(indicator, sector):
            t = sweep.targets.loc[target]
            row = sweep.target_row(target, sweep.reference)
            items.append(
                text(
                    "reading.titles_item",
                    lang,
                    name=name("indicator", indicator, lang),
                    median=lab.plain(row["median"]),
                    target=lab.plain(t["target_value"]),
                    p=probability(row["probability"], lang),
                )
            )
    if not items:
        return Item("titles", value_reading(sweep, *TITLES[0]), figure)
    items_text = text("ui.clause_sep", lang).join(items)
    reading = text("reading.titles", lang, group=sweep.label(sweep.reference), items=items_text)
    return Item("titles", sentence([reading], lang), figure)


FUND_STOCKS = ("fund_subscribed", "fund_invested", "fund_idle", "fund_social_capital")


def fund(sweep: Sweep) -> Item:
    """The conversion fund: money by state over time, and investment and social capital by industry."""
    lang = sweep.lang
    invested = sweep.values("fund_invested")
    by_group = invested.groupby("group").value.median()
    subscribed = sweep.values("fund_subscribed").groupby("group").value.median()
    figure = Figure(figsize=(13, 5), layout="constrained")
    axes = figure.subplots(1, 2)
    _title(figure, "ui.fund_title", lang)
    if subscribed.max() <= 0 or by_group.empty:
        for ax in axes:
            ax.text(0.5, 0.5, text("ui.fund_none", lang), ha="center", va="center", transform=ax.transAxes)
            ax.axis("off")
        return Item("fund", sentence([text("reading.fund_none", lang)], lang), figure)
    group = sweep.reference if subscribed.get(sweep.reference, 0) > 0 else str(by_group.idxmax())
    unit_id = sweep.unit_of("fund_invested")
    factor = lab.unit(unit_id, lang).factor

    ax = axes[0]
    palette = colormaps["Dark2"]
    for k, indicator in enumerate(FUND_STOCKS):
        paths = sweep.paths(indicator)
        if group not in paths.index.get_level_values(0):
            continue
        p = paths.loc[group]
        ax.fill_between(p.index, p.p05 * factor, p.p95 * factor, color=palette(k), alpha=0.2, linewidth=0)
        ax.plot(p.index, p["median"] * factor, color=palette(k), label=cap(name("indicator", indicator, lang)))
    ax.set_title(sweep.label(group), fontsize=10)
    ax.set_ylabel(lab.axis_label(unit_id, lang), fontsize=8)
    _year_axis(ax, sweep)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)

    per_sector = sweep.per_run("fund_invested", GROWTH)
    per_sector = per_sector[per_sector.group == group]
    total = sweep.values("fund_invested").set_index("run").value.reindex(per_sector.index)
    social = sweep.values("fund_social_capital").set_index("run").value.reindex(per_sector.index)
    ratio = (social / total.replace(0, np.nan)).fillna(0.0)
    social_sector = per_sector[list(GROWTH)].mul(ratio, axis=0)
    ax = axes[1]
    y = np.arange(len(GROWTH))
    for offset, frame, colour, key in (
        (-0.2, per_sector[list(GROWTH)], palette(1), "fund_invested"),
        (0.2, social_sector, palette(3), "fund_social_capital"),
    ):
        stats = np.array([_quantiles(frame[s]) for s in GROWTH]) * factor
        ax.barh(
            y + offset,
            stats[:, 0],
            0.4,
            xerr=[stats[:, 0] - stats[:, 1], stats[:, 2] - stats[:, 0]],
            capsize=1.5,
            color=colour,
            label=cap(name("indicator", key, lang)),
        )
    ax.set_yticks(y, [cap(name("sector", s, lang)) for s in GROWTH], fontsize=8.5)
    ax.invert_yaxis()
    ax.set_title(cap(text("ui.fund_by_industry", lang)), fontsize=10)
    ax.set_xlabel(f"{lab.axis_label(unit_id, lang)} — {text('ui.fund_social_note', lang)}", fontsize=7)
    ax.grid(alpha=0.3, axis="x")
    ax.legend(fontsize=8, loc="lower right")

    stock = {k: _quantiles(sweep.of_group(k, group))[0] for k in FUND_STOCKS}
    top = str(per_sector[list(GROWTH)].median().idxmax())
    reading = text(
        "reading.fund",
        lang,
        group=sweep.label(group),
        invested=number(stock["fund_invested"], unit_id, lang),
        subscribed=number(stock["fund_subscribed"], unit_id, lang),
        share=lab.percent(stock["fund_invested"] / stock["fund_subscribed"], lang),
        idle=number(stock["fund_idle"], unit_id, lang),
        social=number(stock["fund_social_capital"], unit_id, lang),
        top=name("sector", top, lang),
        top_invested=number(per_sector[top].median(), unit_id, lang),
    )
    return Item("fund", sentence([reading], lang), figure)


def _map_groups(sweep: Sweep, lost: pd.DataFrame) -> list[str]:
    if len(sweep.groups) <= 3:
        return list(sweep.groups)
    totals = lost.drop(columns="group").sum(axis=1).groupby(lost.group).median()
    picked = [sweep.reference, str(totals.idxmax()), str(totals.idxmin())]
    return list(dict.fromkeys(picked))


def jobs(sweep: Sweep) -> Item:
    """Jobs lost and workers resettled by city on a schematic map of the 16 cities."""
    lang = sweep.lang
    lost = sweep.by_city("jobs_lost")
    resettled = sweep.by_city("workers_resettled")
    cities = [c for c in CITY_POSITIONS if c in lost.columns]
    groups = _map_groups(sweep, lost)
    medians = {g: lost.loc[lost.group == g, cities].median() for g in groups}
    settled = {g: resettled.loc[resettled.group == g, cities].median() for g in groups}
    largest = max(float(m.max()) for m in medians.values()) or 1.0
    figure = Figure(figsize=(5.2 * len(groups) + 0.8, 5.0), layout="constrained")
    axes = np.atleast_1d(figure.subplots(1, len(groups)))
    x = np.array([CITY_POSITIONS[c][0] for c in cities])
    y = np.array([CITY_POSITIONS[c][1] for c in cities])
    coastal = np.array([bool(sweep.cities.loc[c, "coastal"]) if c in sweep.cities.index else False for c in cities])
    channel = np.array([bool(sweep.cities.loc[c, "channel"]) if c in sweep.cities.index else False for c in cities])
    scatter = None
    for ax, group in zip(axes, groups, strict=True):
        jobs_lost = medians[group].to_numpy(float)
        share = np.divide(
            settled[group].to_numpy(float), jobs_lost, out=np.full(len(cities), np.nan), where=jobs_lost > 0
        )
        ax.scatter(
            x,
            y,
            s=14,
            color="lightgrey",
            edgecolors=np.where(coastal, "tab:blue", "dimgrey"),
            linewidths=np.where(coastal, 2.0, 0.8),
            zorder=1,
        )
        hit = jobs_lost > 0  # cities without jobs lost keep a small grey dot
        scatter = ax.scatter(
            x[hit],
            y[hit],
            s=30 + 1500 * jobs_lost[hit] / largest,
            c=share[hit],
            cmap="viridis",
            vmin=0,
            vmax=1,
            edgecolors=np.where(coastal[hit], "tab:blue", "dimgrey"),
            linewidths=np.where(coastal[hit], 2.0, 0.8),
            alpha=0.85,
            zorder=2,
        )
        for cx, cy, city, in_channel in zip(x, y, cities, channel, strict=True):
            ax.annotate(
                name("city", city, lang),
                (cx, cy),
                xytext=(0, -14),
                textcoords="offset points",
                ha="center",
                fontsize=7.5,
                color="darkred" if in_channel else "black",
            )
        ax.set_title(sweep.label(group), fontsize=10)
        ax.set_xlim(115.0, 122.7)
        ax.set_ylim(34.4, 38.0)
        ax.set_aspect(1 / np.cos(np.radians(36.3)))
        ax.set_xticks([])
        ax.set_yticks([])
        ax.text(0.01, 0.01, text("ui.map_note", lang), transform=ax.transAxes, fontsize=6.5, color="grey")
    figure.colorbar(scatter, ax=list(axes), label=text("ui.map_colour", lang), shrink=0.8)
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markersize=9,
            markerfacecolor="white",
            markeredgecolor="tab:blue",
            markeredgewidth=2,
        ),
        Line2D([], [], marker="$A$", linestyle="", markersize=8, color="darkred"),
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markersize=float(np.sqrt(30 + 750)),  # a city losing half the largest number
            markerfacecolor="white",
            markeredgecolor="dimgrey",
        ),
    ]
    figure.legend(
        handles,
        [
            text("ui.map_coastal", lang),
            text("ui.map_channel", lang),
            f"{text('ui.map_size', lang)}: {lab.plain(largest)}",
        ],
        loc="outside lower center",
        ncol=3,
        handlelength=2.5,
        handletextpad=1.2,
        fontsize=8,
        frameon=False,
    )
    _title(figure, "ui.map_title", lang)

    ref = sweep.reference
    totals = lost.loc[lost.group == ref, cities].sum(axis=1)
    med, p05, p95 = _quantiles(totals)
    if not med > 0:
        reading = text("reading.jobs_none", lang, group=sweep.label(ref))
    else:
        top = (
            str(medians[ref].idxmax()) if ref in medians else str(lost.loc[lost.group == ref, cities].median().idxmax())
        )
        city_median = lost.loc[lost.group == ref, top].median()
        resettled_total = resettled.loc[resettled.group == ref, cities].sum(axis=1).median()
        reading = text(
            "reading.jobs",
            lang,
            group=sweep.label(ref),
            jobs=lab.plain(med),
            low=lab.plain(p05),
            high=lab.plain(p95),
            top_share=lab.percent(city_median / med, lang),
            top_city=name("city", top, lang),
            resettled=lab.percent(resettled_total / med, lang),
        )
    ref_lost = lost.loc[lost.group == ref, cities].median()
    ref_settled = resettled.loc[resettled.group == ref, cities].median()
    table = pd.DataFrame(
        {
            cap(name("indicator", "jobs_lost", lang)): ref_lost.round(0).astype("Int64"),
            cap(name("indicator", "workers_resettled", lang)): ref_settled.round(0).astype("Int64"),
            cap(text("ui.map_colour", lang)): [
                lab.percent(s / j, lang) if j > 0 else "–" for s, j in zip(ref_settled, ref_lost, strict=True)
            ],
        }
    ).sort_values(cap(name("indicator", "jobs_lost", lang)), ascending=False)
    table.index = [name("city", c, lang) for c in table.index]
    table.index.name = f"{sweep.label(ref)} — {text('ui.median', lang)}"
    return Item("jobs", sentence([reading], lang), figure, table)


def fiscal(sweep: Sweep) -> Item:
    """Electricity surcharge revenue and fiscal outlay since 2018, and surcharges by sector."""
    lang = sweep.lang
    figure = Figure(figsize=(14, 4.6), layout="constrained")
    axes = figure.subplots(1, 3)
    _band_panel(axes[0], sweep, "surcharge_revenue")
    _band_panel(axes[1], sweep, "fiscal_outlay")
    for ax in axes[:2]:
        ax.set_title(f"{ax.get_title()} ({text('ui.cumulative', lang)})", fontsize=10)
    unit_id = sweep.unit_of("surcharge_revenue")
    factor = lab.unit(unit_id, lang).factor
    by_sector = sweep.per_run("surcharge_revenue", OVERCAPACITY)
    shown = sweep.shown()
    ax = axes[2]
    x = np.arange(len(OVERCAPACITY))
    width = 0.8 / len(shown)
    for k, group in enumerate(shown):
        stats = np.array([_quantiles(by_sector.loc[by_sector.group == group, s]) for s in OVERCAPACITY]) * factor
        ax.bar(
            x + (k - (len(shown) - 1) / 2) * width,
            stats[:, 0],
            width,
            yerr=[stats[:, 0] - stats[:, 1], stats[:, 2] - stats[:, 0]],
            capsize=2,
            color=sweep.colour(group),
        )
    ax.set_xticks(x, [cap(name("sector", s, lang)) for s in OVERCAPACITY], rotation=30, ha="right", fontsize=8)
    ax.set_title(cap(text("ui.fiscal_by_sector", lang)), fontsize=10)
    ax.set_ylabel(lab.axis_label(unit_id, lang), fontsize=8)
    ax.grid(alpha=0.3, axis="y")
    _title(figure, "ui.fiscal_title", lang, _shown_note(sweep))
    _legend(figure, list(axes[:2]), lang)

    ref = sweep.reference
    revenue = _quantiles(sweep.of_group("surcharge_revenue", ref))[0]
    outlay = _quantiles(sweep.of_group("fiscal_outlay", ref))[0]
    outlay_unit = sweep.unit_of("fiscal_outlay")
    if not revenue > 0:
        reading = text(
            "reading.fiscal_no_surcharge", lang, group=sweep.label(ref), outlay=number(outlay, outlay_unit, lang)
        )
    else:
        sectors = by_sector.loc[by_sector.group == ref, list(OVERCAPACITY)].median()
        top = str(sectors.idxmax())
        reading = text(
            "reading.fiscal",
            lang,
            group=sweep.label(ref),
            revenue=number(revenue, unit_id, lang),
            top_share=lab.percent(sectors[top] / sectors.sum(), lang),
            top_sector=name("sector", top, lang),
            outlay=number(outlay, outlay_unit, lang),
        )
    return Item("fiscal", sentence([reading], lang), figure)


ITEMS = {
    "headline": headline,
    "new_economy": new_economy,
    "caps": caps,
    "exited": capacity_exited,
    "utilisation": utilisation,
    "steel": steel,
    "industries": industries,
    "titles": titles,
    "fund": fund,
    "jobs": jobs,
    "fiscal": fiscal,
}
