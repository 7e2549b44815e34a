"""The indicator registry and the quarterly recorder.

Every indicator is declared once in ``model/registry/indicators.csv`` with its unit,
direction (higher or lower is better, or neutral), kind (flow at an annual rate,
end-of-quarter stock, or ratio), breakdowns and description. The recorder keeps one
preallocated array of all series, written once a quarter, and turns it into the
tidy table (date, indicator, sector, city, value, unit) at the end.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from model.calendar import N_QUARTERS, quarter_end
from model.names import GROWTH_SECTORS, OVERCAPACITY_SECTORS, SECTORS

REGISTRY = Path(__file__).resolve().parent / "registry" / "indicators.csv"
SECTOR_SCOPES = {
    "all": SECTORS,
    "overcapacity": OVERCAPACITY_SECTORS,
    "growth": GROWTH_SECTORS,
    "steel": ("steel",),
}


@dataclass(frozen=True)
class Indicator:
    """One registered indicator."""

    id: str
    unit: str
    direction: str
    kind: str
    breakdown: tuple[str, ...]
    sectors: tuple[str, ...]
    description: str


def load_registry(path: Path = REGISTRY) -> dict[str, Indicator]:
    """Read the indicator registry."""
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            row["id"]: Indicator(
                id=row["id"],
                unit=row["unit"],
                direction=row["direction"],
                kind=row["kind"],
                breakdown=tuple(row["breakdown"].split(";")),
                sectors=SECTOR_SCOPES[row["sectors"] or "all"],
                description=row["description"],
            )
            for row in csv.DictReader(handle)
        }


INDICATORS = load_registry()


class Recorder:
    """Quarterly values of every series, in one preallocated array.

    Args:
        cities: City ids.
        sector_units: Unit of ``sector unit`` indicators, by overcapacity sector.
    """

    def __init__(self, cities: tuple[str, ...], sector_units: dict[str, str]) -> None:
        self.cities = cities
        rows: list[tuple[str, str, str, str]] = []
        self.slots: dict[tuple[str, str], slice] = {}
        for ind in INDICATORS.values():
            for part in ind.breakdown:
                start = len(rows)
                if part == "all":
                    keys = [("all", "all")]
                elif part == "sector":
                    keys = [(s, "all") for s in ind.sectors]
                elif part == "city":
                    keys = [("all", c) for c in cities]
                else:  # sector_city
                    keys = [(s, c) for s in ind.sectors for c in cities]
                for sector, city in keys:
                    unit = sector_units.get(sector, ind.unit) if ind.unit == "sector unit" else ind.unit
                    rows.append((ind.id, sector, city, unit))
                self.slots[(ind.id, part)] = slice(start, len(rows))
        self.series = rows
        self.values = np.full((N_QUARTERS + 1, len(rows)), np.nan)

    def put(self, quarter: int, indicator: str, part: str, values: float | np.ndarray) -> None:
        """Store the values of one indicator breakdown for a quarter.

        Args:
            quarter: Quarter index.
            indicator: Indicator id.
            part: ``all``, ``sector``, ``city`` or ``sector_city`` (sector-major).
            values: A scalar for ``all``, else one value per sector / city in registry order.
        """
        if isinstance(values, np.ndarray):
            values = values.ravel()
        self.values[quarter, self.slots[(indicator, part)]] = values

    def get(self, quarter: int, indicator: str, sector: str = "all", city: str = "all") -> float:
        """One recorded value."""
        for i, (ind, s, c, _) in enumerate(self.series):
            if ind == indicator and s == sector and c == city:
                return float(self.values[quarter, i])
        raise KeyError(f"no series {indicator} / {sector} / {city}")

    def column(self, indicator: str, sector: str = "all", city: str = "all") -> int:
        """Column index of a series."""
        for i, (ind, s, c, _) in enumerate(self.series):
            if ind == indicator and s == sector and c == city:
                return i
        raise KeyError(f"no series {indicator} / {sector} / {city}")

    def table(self, last_quarter: int = N_QUARTERS) -> pd.DataFrame:
        """The tidy table of all series up to ``last_quarter``."""
        quarters = range(last_quarter + 1)
        n_series = len(self.series)
        ids, sectors, cities, units = (np.array(col, dtype=object) for col in zip(*self.series, strict=True))
        dates = pd.to_datetime([quarter_end(q) for q in quarters])
        frame = pd.DataFrame(
            {
                "date": np.repeat(dates.values, n_series),
                "indicator": pd.Categorical(np.tile(ids, len(quarters))),
                "sector": pd.Categorical(np.tile(sectors, len(quarters))),
                "city": pd.Categorical(np.tile(cities, len(quarters))),
                "value": self.values[: last_quarter + 1].ravel(),
                "unit": pd.Categorical(np.tile(units, len(quarters))),
            }
        )
        return frame
