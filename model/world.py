"""The static world: cities and sectors as arrays, built once from the calibration config."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.config import Params
from model.names import GROWTH_SECTORS, OVERCAPACITY_SECTORS

# Fields of the sector configs that become per-sector float arrays.
OVERCAPACITY_FIELDS = (
    "base_units_per_unit",
    "firms",
    "capacity",
    "output",
    "price",
    "nonenergy_cost",
    "fuel_intensity",
    "power_intensity",
    "fuel_price",
    "coal_share",
    "tariff",
    "quota_fuel_weight",
    "quota_power_weight",
    "energy_quota",
    "demand_elasticity",
    "supply_steepness",
    "size_sigma",
    "intensity_sigma",
    "workers_per_unit",
    "wage",
    "capital_per_unit",
    "debt_ratio",
    "cash_to_revenue",
    "safety_gap_mean",
    "upgrade_cost",
    "upgrade_gain",
    "ule_retrofit_cost",
    "safety_fix_cost",
    "replacement_cost",
    "salvage_share",
)
GROWTH_FIELDS = (
    "firms",
    "value_added",
    "va_ratio",
    "size_sigma",
    "growth_sigma",
    "labour_productivity",
    "rd_rate",
    "rd_sigma",
    "new_economy_share",
    "margin",
    "capital_output",
    "debt_ratio",
    "cash_to_revenue",
    "energy_intensity",
    "coal_share",
    "valuation_multiple",
    "core_city_bonus",
)


@dataclass(frozen=True)
class Segment:
    """A plant segment (e.g. cement clinker lines) with its own scale metric."""

    sector: int  # overcapacity sector index
    name: str
    scale_metric: str
    scale_values: np.ndarray
    scale_shares: np.ndarray
    capacity_share: float
    firm_share: float


class World:
    """Cities and sectors of the calibration, as arrays indexed by position.

    Args:
        cal: The ``calibration`` config node.
    """

    def __init__(self, cal: Params) -> None:
        self.cities = tuple(cal.cities)
        self.city_index = {name: i for i, name in enumerate(self.cities)}
        self.coastal = np.array([cal.cities[c].coastal for c in self.cities])
        self.channel = np.array([cal.cities[c].channel for c in self.cities])
        self.core = np.array([cal.cities[c].core for c in self.cities])
        self.gdp_share = np.array([cal.cities[c].gdp_share for c in self.cities], float)

        # Per-sector parameters as arrays in the order of model.names: world.overcapacity["price"][i]
        # is calibration.overcapacity.<OVERCAPACITY_SECTORS[i]>.price.
        self.overcapacity = {
            f: np.array([float(cal.overcapacity[s][f]) for s in OVERCAPACITY_SECTORS]) for f in OVERCAPACITY_FIELDS
        }
        self.overcapacity_units = tuple(cal.overcapacity[s].unit for s in OVERCAPACITY_SECTORS)
        self.growth = {f: np.array([float(cal.growth[s][f]) for s in GROWTH_SECTORS]) for f in GROWTH_FIELDS}
        self.emerging = np.array([cal.growth[s].emerging for s in GROWTH_SECTORS])
        self.manufacturing = np.array([cal.growth[s].manufacturing for s in GROWTH_SECTORS])

        self.segments: list[Segment] = []
        self.segment_offset = np.zeros(len(OVERCAPACITY_SECTORS), np.int64)
        for i, name in enumerate(OVERCAPACITY_SECTORS):
            self.segment_offset[i] = len(self.segments)
            for seg_name, seg in cal.overcapacity[name].segments.items():
                self.segments.append(
                    Segment(
                        sector=i,
                        name=seg_name,
                        scale_metric=seg.scale_metric,
                        scale_values=np.array(seg.scale_values, float),
                        scale_shares=np.array(seg.scale_shares, float),
                        capacity_share=float(seg.capacity_share),
                        firm_share=float(seg.firm_share),
                    )
                )
        # Scale of a replacement line; 0 where a plant's scale is its capacity (mines).
        self.firm_city_weights = [self.city_weights({}, float(cal.growth[s].core_city_bonus)) for s in GROWTH_SECTORS]
        self.firm_city_cumulative = np.cumsum(self.firm_city_weights, axis=1)
        self.best_scale = np.array([seg.scale_values.max() if seg.scale_values.size else 0.0 for seg in self.segments])

    @staticmethod
    def overcapacity_index(name: str) -> int:
        """Index of an overcapacity sector."""
        return OVERCAPACITY_SECTORS.index(name)

    def segment_index(self, sector: str, segment: str) -> int:
        """Local index of a segment within its sector."""
        i = self.overcapacity_index(sector)
        local = [s.name for s in self.segments if s.sector == i]
        return local.index(segment)

    def city_weights(self, weights: dict, core_bonus: float = 1.0) -> np.ndarray:
        """City weights from explicit weights, else GDP shares with a bonus for the cores."""
        if weights:
            w = np.array([float(weights.get(c, 0.0)) for c in self.cities])
        else:
            w = self.gdp_share * np.where(self.core, core_bonus, 1.0)
        return w / w.sum()
