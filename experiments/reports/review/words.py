"""The words of the readings: series and targets named, bands and intervals, one-sentence readings."""

from __future__ import annotations

import pandas as pd

from experiments.reports import labels as lab
from experiments.reports.labels import cap, name, number, probability, sentence, text
from experiments.reports.review.sweep import Sweep, quantiles

SYMBOLS = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}


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
    """The ends of a band: numbers in the reader's unit, the unit (or percent sign) only on the upper end."""
    return lab.band(low, high, unit_id, lang)


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
    median, p05, p95 = quantiles(v)
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
