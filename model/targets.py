"""Scoring a run against the official targets.

Each target names an indicator (with sector and city), a comparison, a value and the
quarter at which it is due. The scorecard gives, per target, the simulated value,
whether the target is met, and the gap: the margin by which it is met, in the
indicator's unit (negative when missed). For a band (``between``) the gap is the
distance to the nearer edge, positive inside the band.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from model.calendar import quarter_end, quarter_index

SCORECARD_COLUMNS = (
    "target",
    "label",
    "indicator",
    "sector",
    "city",
    "date",
    "comparison",
    "target_value",
    "upper",
    "simulated",
    "met",
    "gap",
    "unit",
    "source",
)


def evaluate(value: float, comparison: str, target: float, upper: float | None = None) -> tuple[bool, float]:
    """Whether ``value`` meets a target, and the margin by which it does.

    Args:
        value: The simulated value.
        comparison: ``>=``, ``>``, ``<=``, ``<`` or ``between``.
        target: The threshold (lower edge for ``between``).
        upper: Upper edge for ``between``.

    Returns:
        ``(met, gap)``; ``gap`` is positive when the target is met with room to spare.
    """
    if np.isnan(value):
        return False, float("nan")
    if comparison in (">=", ">"):
        gap = value - target
        return (gap >= 0 if comparison == ">=" else gap > 0), gap
    if comparison in ("<=", "<"):
        gap = target - value
        return (gap >= 0 if comparison == "<=" else gap > 0), gap
    if comparison == "between":
        if upper is None:
            raise ValueError("a 'between' target needs an upper edge")
        gap = min(value - target, upper - value)
        return gap >= 0, gap
    raise ValueError(f"unknown comparison {comparison!r}")


def scorecard(timeseries: pd.DataFrame, targets: Mapping[str, Any]) -> pd.DataFrame:
    """Score a run's tidy time series against a set of targets.

    Args:
        timeseries: Columns date, indicator, sector, city, value, unit.
        targets: Target id -> target config (indicator, sector, city, comparison, value,
            upper, date, label, source).

    Returns:
        One row per target with the columns of :data:`SCORECARD_COLUMNS`.
    """
    index = timeseries.set_index(["indicator", "sector", "city", "date"])
    rows = []
    for name, t in targets.items():
        date = pd.Timestamp(quarter_end(quarter_index(t["date"])))
        key = (t["indicator"], t.get("sector", "all"), t.get("city", "all"), date)
        if key in index.index:
            found = index.loc[key]
            value, unit = float(found["value"]), str(found["unit"])
        else:
            value, unit = float("nan"), ""
        met, gap = evaluate(value, t["comparison"], float(t["value"]), t.get("upper"))
        rows.append(
            {
                "target": name,
                "label": t["label"],
                "indicator": t["indicator"],
                "sector": t.get("sector", "all"),
                "city": t.get("city", "all"),
                "date": t["date"],
                "comparison": t["comparison"],
                "target_value": float(t["value"]),
                "upper": float(t["upper"]) if t.get("upper") is not None else float("nan"),
                "simulated": value,
                "met": bool(met),
                "gap": gap,
                "unit": unit,
                "source": t["source"],
            }
        )
    return pd.DataFrame(rows, columns=list(SCORECARD_COLUMNS))


def format_scorecard(card: pd.DataFrame) -> str:
    """The scorecard as a plain-text table for the terminal."""

    def number(x: float) -> str:
        if np.isnan(x):
            return "n/a"
        magnitude = abs(x)
        if magnitude >= 100:
            return f"{x:,.0f}"
        if magnitude >= 1:
            return f"{x:,.2f}"
        return f"{x:.3f}"

    lines = []
    header = f"{'target':<58} {'due':<7} {'target':>13} {'simulated':>11} {'gap':>10}  result"
    lines.append(header)
    lines.append("-" * len(header))
    for row in card.itertuples():
        goal = (
            f"{number(row.target_value)}-{number(row.upper)}"
            if row.comparison == "between"
            else f"{row.comparison} {number(row.target_value)}"
        )
        result = "met" if row.met else "MISSED"
        lines.append(
            f"{row.label[:58]:<58} {row.date:<7} {goal:>13} {number(row.simulated):>11} {number(row.gap):>10}  {result}"
        )
    met = int(card["met"].sum())
    lines.append("-" * len(header))
    lines.append(f"{met} of {len(card)} targets met")
    return "\n".join(lines)
