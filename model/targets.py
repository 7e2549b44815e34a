"""Scoring a run against the official targets.

Each target names an indicator (with sector and city), a comparison, a value and the
quarter at which it is due. The scorecard gives, per target, the simulated value,
whether the target is met, and the gap: the margin by which it is met, in the
indicator's unit (negative when missed). For a band (``between``) the gap is the
distance to the nearer edge, positive inside the band.
"""

from __future__ import annotations

import unicodedata
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


def display_width(text: str) -> int:
    """Columns a string takes in a terminal: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def _fit(text: str, width: int, right: bool = False) -> str:
    """``text`` cut to ``width`` terminal columns and padded to exactly that width."""
    while display_width(text) > width:
        text = text[:-1]
    pad = " " * (width - display_width(text))
    return pad + text if right else text + pad


def _number(x: float, unit: str) -> str:
    """A value as the scorecard shows it: shares in percent (one decimal), others with 3 significant digits."""
    if x is None or np.isnan(x):
        return "n/a"
    if unit.startswith("fraction"):
        return f"{100 * x:.1f} %"
    if x == 0:
        return "0"
    digits = max(0, 2 - int(np.floor(np.log10(abs(x)))))
    return f"{x:,.{digits}f}"


def format_scorecard(card: pd.DataFrame) -> str:
    """The scorecard as a plain-text table for the terminal, aligned whatever the labels' scripts."""
    columns: list[tuple[str, int, bool]] = [("target", 58, False), ("due", 7, False), ("target", 16, True)]
    columns += [("simulated", 11, True), ("gap", 11, True), ("unit", 20, False), ("result", 6, False)]
    header = "  ".join(_fit(name, width, right) for name, width, right in columns)
    lines = [header, "-" * display_width(header)]
    for row in card.itertuples():
        unit = str(row.unit)
        value, upper = _number(row.target_value, unit), _number(row.upper, unit)
        goal = f"{value}–{upper}" if row.comparison == "between" else f"{row.comparison} {value}"
        cells = [row.label, row.date, goal, _number(row.simulated, unit), _number(row.gap, unit)]
        cells += ["" if unit.startswith("fraction") else unit, "met" if row.met else "MISSED"]
        line = "  ".join(_fit(str(c), w, right) for c, (_, w, right) in zip(cells, columns, strict=True))
        lines.append(line.rstrip())
    lines.append("-" * display_width(header))
    lines.append(f"{int(card['met'].sum())} of {len(card)} targets met")
    return "\n".join(lines)
