"""What plants face this quarter, as the instruments set it: surcharges, standards, resettlement.

The instruments (``model.instruments``) write into the environment each quarter; the
plants and the regulator only read it (``surcharge_of``, ``gaps_of``).
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

import numpy as np

from agents.plants import Dimension
from agents.population import ColumnStore


class SurchargeScheme(Protocol):
    """An electricity pricing scheme in force this quarter."""

    def surcharge(
        self,
        env: Environment,
        sector: np.ndarray,
        fuel: np.ndarray,
        power: np.ndarray,
        ule: np.ndarray,
        equipment_class: np.ndarray,
    ) -> np.ndarray:
        """Surcharge [yuan/kWh] for each plant."""
        ...


class StandardInForce(NamedTuple):
    """A standard's threshold in force this quarter.

    Attributes:
        sector: Overcapacity sector index.
        dimension: What it measures.
        segment: Segment index within the sector, -1 for the whole sector.
        threshold: In the standard's unit (the ``rules.*.schedule`` values).
        inclusive: For plant scale: a plant exactly at the threshold is below it.
    """

    sector: int
    dimension: Dimension
    segment: int
    threshold: float
    inclusive: bool


class Environment:
    """What plants face this quarter, as set by the instruments.

    Args:
        base_quota: Unit energy-consumption quota per overcapacity sector before any
            standard tightens it [quota unit].
        quota_weights: Weights of fuel [per kgce] and electricity [per kWh] in the quota
            metric, per sector.

    Attributes:
        pricing: Electricity pricing schemes in force.
        energy_quota: Unit energy-consumption quota per overcapacity sector [quota unit].
        rules: Standards in force.
        resettlement_rate: Share of unsettled workers resettled per quarter.
        resettlement_subsidy: [yuan per worker].
        surcharge_scale: The mix's multiplier of every surcharge.
    """

    def __init__(self, base_quota: np.ndarray, quota_weights: tuple[np.ndarray, np.ndarray]) -> None:
        self.base_quota = base_quota
        self.quota_fuel_weight, self.quota_power_weight = quota_weights
        self._scopes: dict[tuple[int, int], np.ndarray] = {}
        self._scope_rows = -1
        self.surcharge_scale = 1.0
        self.reset()

    def reset(self) -> None:
        """Clear the settings of the previous quarter."""
        self.pricing: list[SurchargeScheme] = []
        self.energy_quota = self.base_quota.copy()
        self.rules: list[StandardInForce] = []
        self.resettlement_rate = 0.0
        self.resettlement_subsidy = 0.0

    def quota_metric(self, sector: np.ndarray, fuel: np.ndarray, power: np.ndarray) -> np.ndarray:
        """Unit energy use in the sector's quota unit."""
        return fuel * self.quota_fuel_weight[sector] + power * self.quota_power_weight[sector]

    def surcharge_of(
        self,
        plants: ColumnStore,
        rows: np.ndarray,
        fuel: np.ndarray,
        power: np.ndarray,
        ule: np.ndarray,
        equipment_class: np.ndarray,
    ) -> np.ndarray:
        """Electricity surcharge [yuan/kWh] for plants with the given characteristics."""
        total = np.zeros(rows.size)
        sector = plants.sector[rows]
        for scheme in self.pricing:
            total += scheme.surcharge(self, sector, fuel, power, ule, equipment_class)
        return total * self.surcharge_scale

    def plant_surcharges(self, plants: ColumnStore) -> np.ndarray:
        """Every plant's surcharge [yuan/kWh] in its present state."""
        columns = (plants.fuel_intensity, plants.power_intensity, plants.ule_unmet, plants.equipment_class)
        return self.surcharge_of(plants, np.arange(plants.n), *columns)

    def plant_gaps(self, plants: ColumnStore) -> np.ndarray:
        """Every plant's non-compliance in its present state (:meth:`gaps_of`)."""
        columns = (plants.fuel_intensity, plants.power_intensity, plants.ule_unmet, plants.safety_gap)
        return self.gaps_of(plants, *columns, plants.plant_scale)

    def gaps_of(
        self,
        plants: ColumnStore,
        fuel: np.ndarray,
        power: np.ndarray,
        ule: np.ndarray,
        safety: np.ndarray,
        scale: np.ndarray,
    ) -> np.ndarray:
        """Non-compliance of every plant: a (4, n) bool array, one row per :class:`Dimension`."""
        sector = plants.sector
        if self._scope_rows != plants.n:  # which plants each rule covers, cached until plants are added
            self._scopes, self._scope_rows = {}, plants.n
        gaps = np.zeros((len(Dimension), plants.n), bool)
        for s, dimension, seg, threshold, inclusive in self.rules:
            applies = self._scopes.get((s, seg))
            if applies is None:
                applies = (sector == s) & ((plants.segment == seg) if seg >= 0 else True)
                self._scopes[(s, seg)] = applies
            if dimension == Dimension.ENERGY_QUOTA:
                bad = self.quota_metric(sector, fuel, power) > threshold
            elif dimension == Dimension.EMISSION:
                bad = ule > threshold
            elif dimension == Dimension.SAFETY:
                bad = safety > threshold
            else:
                bad = scale <= threshold if inclusive else scale < threshold
            gaps[dimension] |= applies & bad
        return gaps
