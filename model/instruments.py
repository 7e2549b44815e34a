"""Policy instruments: each built from config by name, each acting on the environment.

An instrument has one interface, ``apply(model, quarter)``, called by the provincial
government from the instrument's start quarter. Instruments change what firms
face (an electricity surcharge by tier, a standard's threshold, money in the
fund, closure orders); firms only react. A policy mix is a list of instruments.
"""

from __future__ import annotations

import abc
import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from omegaconf import DictConfig

from model.arrays import band_index
from model.calendar import quarter_index
from model.config import GROWTH_SECTORS

if TYPE_CHECKING:
    from model.model import ShandongModel


class Environment:
    """What plants face this quarter, as set by the instruments.

    Attributes:
        pricing: Active electricity pricing schemes.
        energy_quota: Unit energy-consumption quota per overcapacity sector [quota unit].
        rules: Active standards: (sector, dimension, segment or -1, threshold).
        resettlement_rate: Share of unsettled workers resettled per quarter.
        resettlement_subsidy: [yuan per worker].
    """

    DIMENSIONS = ("energy_quota", "emission", "safety", "plant_scale")

    def __init__(self, base_quota: np.ndarray, quota_weights: tuple[np.ndarray, np.ndarray]) -> None:
        self.base_quota = base_quota
        self.quota_fuel_weight, self.quota_power_weight = quota_weights
        self._scopes: dict[tuple[int, int], np.ndarray] = {}
        self._scope_rows = -1
        self.surcharge_scale = 1.0  # the mix's multiplier of every surcharge
        self.reset()

    def reset(self) -> None:
        """Clear the settings of the previous quarter."""
        self.pricing: list[PricingScheme] = []
        self.energy_quota = self.base_quota.copy()
        self.rules: list[tuple[int, str, int, float, bool]] = []
        self.resettlement_rate = 0.0
        self.resettlement_subsidy = 0.0

    def quota_metric(self, sector: np.ndarray, fuel: np.ndarray, power: np.ndarray) -> np.ndarray:
        """Unit energy use in the sector's quota unit."""
        return fuel * self.quota_fuel_weight[sector] + power * self.quota_power_weight[sector]

    def surcharge_of(
        self,
        plants: Any,
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

    def gaps_of(
        self, plants: Any, fuel: np.ndarray, power: np.ndarray, ule: np.ndarray, safety: np.ndarray, scale: np.ndarray
    ) -> np.ndarray:
        """Non-compliance of every plant by dimension: a (4, n) bool array in ``DIMENSIONS`` order."""
        sector = plants.sector
        if self._scope_rows != plants.n:  # which plants each rule covers, cached until plants are added
            self._scopes, self._scope_rows = {}, plants.n
        gaps = np.zeros((4, plants.n), bool)
        for s, dimension, seg, threshold, inclusive in self.rules:
            applies = self._scopes.get((s, seg))
            if applies is None:
                applies = (sector == s) & ((plants.segment == seg) if seg >= 0 else True)
                self._scopes[(s, seg)] = applies
            if dimension == "energy_quota":
                bad = self.quota_metric(sector, fuel, power) > threshold
            elif dimension == "emission":
                bad = ule > threshold
            elif dimension == "safety":
                bad = safety > threshold
            else:
                bad = scale <= threshold if inclusive else scale < threshold
            gaps[self.DIMENSIONS.index(dimension)] |= applies & bad
        return gaps


# --------------------------------------------------------------------------- pricing
class PricingScheme(abc.ABC):
    """An electricity pricing scheme: registers itself with the environment from its start."""

    name = "pricing"

    def __init__(self, start: int) -> None:
        self.start = start

    def apply(self, model: ShandongModel, quarter: int) -> None:
        """Make the scheme part of this quarter's electricity price."""
        model.environment.pricing.append(self)

    @abc.abstractmethod
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


class SteelDifferentialPricing(PricingScheme):
    """National differential price: restricted and eliminated steel equipment pay extra."""

    name = "steel_differential_pricing"

    def __init__(self, cfg: DictConfig, steel: int) -> None:
        super().__init__(quarter_index(cfg.start))
        self.steel = steel
        self.levels = np.array([0.0, cfg.restricted, cfg.eliminated])

    def surcharge(self, env, sector, fuel, power, ule, equipment_class):  # noqa: D102
        return np.where(sector == self.steel, self.levels[equipment_class], 0.0)


class AluminiumTieredPricing(PricingScheme):
    """Tiered price by AC electricity per tonne of aluminium."""

    name = "aluminium_tiered_pricing"

    def __init__(self, cfg: DictConfig, aluminium: int) -> None:
        super().__init__(quarter_index(cfg.start))
        self.aluminium = aluminium
        self.thresholds = np.array(cfg.thresholds, float)
        self.levels = np.concatenate([[0.0], np.array(cfg.surcharges, float)])

    def surcharge(self, env, sector, fuel, power, ule, equipment_class):  # noqa: D102
        tier = band_index(self.thresholds, power, side="left")  # 13,700 exactly pays nothing
        return np.where(sector == self.aluminium, self.levels[tier], 0.0)


class OverQuotaPricing(PricingScheme):
    """Progressive surcharge by how far unit energy use exceeds the sector quota."""

    name = "over_quota_pricing"

    def __init__(self, cfg: DictConfig, sector_index: Callable[[str], int], n_sectors: int) -> None:
        super().__init__(quarter_index(cfg.start))
        self.covered = np.zeros(n_sectors, bool)
        self.covered[[sector_index(s) for s in cfg.sectors]] = True
        self.bands = np.array(cfg.bands, float)
        self.levels = np.array(cfg.surcharges, float)

    def surcharge(self, env, sector, fuel, power, ule, equipment_class):  # noqa: D102
        excess = env.quota_metric(sector, fuel, power) / env.energy_quota[sector] - 1.0
        band = band_index(self.bands, excess, side="right")  # 10 % over is in the 10-30 % band
        return np.where(self.covered[sector] & (excess > 0), self.levels[band], 0.0)


class UltraLowEmissionPricing(PricingScheme):
    """Steel surcharge by the number of ultra-low-emission criteria a plant misses."""

    name = "ultra_low_emission_pricing"

    def __init__(self, cfg: DictConfig, steel: int) -> None:
        super().__init__(quarter_index(cfg.start))
        self.steel = steel
        self.levels = np.concatenate([[0.0], np.array(cfg.surcharges, float)])

    def surcharge(self, env, sector, fuel, power, ule, equipment_class):  # noqa: D102
        return np.where(sector == self.steel, self.levels[ule], 0.0)


# --------------------------------------------------------------------------- standards
def step_value(schedule: list[tuple[float, float]], quarter: int) -> float | None:
    """Value of a step schedule at ``quarter`` (None before its first step)."""
    value = None
    for start, threshold in schedule:
        if quarter >= start:
            value = threshold
    return value


class Standards:
    """Standards that tighten on a schedule, enforced by the regulator's inspections.

    ``pace`` compresses (``> 1``) or stretches (``< 1``) each schedule in time from
    the instrument's start.
    """

    name = "standards"

    def __init__(self, cfg: DictConfig, model: ShandongModel) -> None:
        self.start = quarter_index(cfg.start)
        self.cfg = cfg
        world = model.world
        self.rules = []
        for rule in cfg.rules.values():
            steps = sorted(
                (self.start + (quarter_index(q) - self.start) / cfg.pace, float(v)) for q, v in rule.schedule.items()
            )
            segment = world.segment_index(rule.sector, rule.segment) if rule.segment else -1
            self.rules.append((world.oc_index(rule.sector), rule.dimension, segment, steps, bool(rule.inclusive)))

    def apply(self, model: ShandongModel, quarter: int) -> None:
        """Set this quarter's thresholds and the inspection regime."""
        env = model.environment
        model.regulator.configure(
            self.start, self.cfg.inspection_interval_quarters, self.cfg.detection_probability, self.cfg.grace_quarters
        )
        for sector, dimension, segment, steps, inclusive in self.rules:
            threshold = step_value(steps, quarter)
            if threshold is None:
                continue
            env.rules.append((sector, dimension, segment, threshold, inclusive))
            if dimension == "energy_quota":
                env.energy_quota[sector] = min(env.energy_quota[sector], threshold)


# --------------------------------------------------------------------------- fund
class ConversionFundInstrument:
    """Money into the conversion fund: subscriptions, calls and the pace of investment."""

    name = "conversion_fund"

    def __init__(self, cfg: DictConfig) -> None:
        self.cfg = cfg
        self.start = quarter_index(cfg.start)
        self.end = max(quarter_index(cfg.subscription_end), self.start)
        self.deployment = sorted((quarter_index(q), float(v)) for q, v in cfg.deployment_rate.items())
        self.reform = quarter_index(cfg.governance_reform)
        weights = np.array([float(cfg.sector_weights.get(s, 0.0)) for s in GROWTH_SECTORS])
        self.weights = weights / weights.sum()

    def subscription_path(self, quarter: int) -> float:
        """Cumulative commitments targeted by ``quarter`` [bn yuan]: a linear ramp."""
        done = min(1.0, (quarter - self.start + 1) / (self.end - self.start + 1))
        return self.cfg.subscribed_target * max(done, 0.0)

    def apply(self, model: ShandongModel, quarter: int) -> None:
        """Subscribe this quarter's commitments, call money in, set the investment budget."""
        cfg = self.cfg
        fund = model.fund
        new = self.subscription_path(quarter) - self.subscription_path(quarter - 1)
        if new > 0:
            provincial = min(cfg.provincial_share * new, cfg.guide_fund - fund.ledger.subscribed["provincial"] / 1e9)
            provincial = max(provincial, 0.0)
            city = cfg.government_share * new - provincial
            amounts = {"provincial": provincial, "city": city, "social": new - provincial - city}
            fund.subscribe({k: round(v * 1e9) for k, v in amounts.items()})
        paid = fund.call(cfg.call_rate)
        model.government.spend("fund_contributions", (paid["provincial"] + paid["city"]) / 1e9)
        rate = min(self.deployment_rate(model.params.calibration.fund, quarter) * cfg.deployment_pace, 1.0)
        budget = int(fund.idle * rate)
        model.fund_budget = (np.floor(budget * self.weights)).astype(np.int64)
        model.fund_rules = cfg

    def deployment_rate(self, behaviour: DictConfig, quarter: int) -> float:
        """Share of idle money invested in ``quarter``.

        The lever's schedule if it sets one, else the calibrated pace before and after
        the governance reform.
        """
        if self.deployment:
            return step_value(self.deployment, quarter) or 0.0
        before_reform = quarter < self.reform
        return behaviour.deployment_rate_before_reform if before_reform else behaviour.deployment_rate_after_reform


# --------------------------------------------------------------------------- steel relocation
class SteelRelocation:
    """Steel capacity swap: retire channel-city capacity on a schedule, rebuild at the destinations.

    The destinations as enacted are the Rizhao-Linyi base and Yantai; Rizhao and Yantai are
    coastal, Linyi (inland, next to Rizhao port) is not.
    """

    name = "steel_relocation"

    def __init__(self, cfg: DictConfig, model: ShandongModel) -> None:
        self.cfg = cfg
        self.start = quarter_index(cfg.start)
        self.schedule = sorted((quarter_index(q), float(v)) for q, v in cfg.channel_exit_schedule.items())
        world = model.world
        self.steel = world.oc_index("steel")
        self.destinations = np.array([float(cfg.destinations.get(c, 0.0)) for c in world.cities])
        self.pending: list[tuple[int, np.ndarray]] = []  # (quarter ready, capacity by city)

    def required_share(self, quarter: int) -> float:
        """Share of 2017 channel-city capacity to be out by ``quarter`` (linear between steps)."""
        points = [(self.start - 1, 0.0), *self.schedule]
        for (q0, v0), (q1, v1) in itertools.pairwise(points):
            if quarter <= q1:
                return v0 + (v1 - v0) * max(quarter - q0, 0) / (q1 - q0)
        return points[-1][1]

    def apply(self, model: ShandongModel, quarter: int) -> None:
        """Order closures to stay on schedule and commission rebuilt capacity that is ready."""
        plants = model.plants
        world = model.world
        channel = world.channel[plants.city] & (plants.sector == self.steel)
        base = float(np.sum(plants.weight * plants.capacity_2017 * channel))
        if base > 0:
            live = channel & plants.active
            current = float(np.sum(plants.weight * plants.capacity * live))
            gap = current - (1.0 - self.required_share(quarter)) * base
            if gap > 0:
                rows = np.flatnonzero(live)
                # The least efficient and smallest plants go first.
                intensity = plants.fuel_intensity[rows] + 0.1229 * plants.power_intensity[rows]
                order = rows[np.lexsort((plants.capacity[rows], -intensity))]
                retired = np.cumsum(plants.weight[order] * plants.capacity[order])
                take = order[: np.searchsorted(retired, gap, side="left") + 1]
                capacity = float(np.sum(plants.weight[take] * plants.capacity[take]))
                award = capacity * world.oc["base_units_per_unit"][self.steel] * self.cfg.exit_compensation / 1e9
                model.government.spend("capacity_exit_awards", award)
                model.close_plants(take, reason="capacity_swap", compensation=award)
                rebuilt = capacity * self.cfg.rebuild_share * self.cfg.swap_ratio
                if rebuilt > 0:
                    ready = quarter + self.cfg.construction_quarters
                    self.pending.append((ready, rebuilt * self.destinations))
        ready = [p for p in self.pending if p[0] <= quarter]
        self.pending = [p for p in self.pending if p[0] > quarter]
        for _, by_city in ready:
            model.build_steel_plants(by_city)


# --------------------------------------------------------------------------- resettlement
class WorkerResettlement:
    """Resettlement of released workers, paid per worker by city and province."""

    name = "worker_resettlement"

    def __init__(self, cfg: DictConfig) -> None:
        self.start = quarter_index(cfg.start)
        self.cfg = cfg

    def apply(self, model: ShandongModel, quarter: int) -> None:
        """Set this quarter's resettlement rate and subsidy."""
        model.environment.resettlement_rate = self.cfg.rate
        model.environment.resettlement_subsidy = self.cfg.subsidy


def build_mix(cfg: DictConfig, model: ShandongModel) -> list[Any]:
    """Build the instruments of a policy mix, by name, in the order they act each quarter.

    Standards act before pricing (a tightened energy quota changes over-quota
    surcharges in the same quarter).
    """
    world = model.world
    ins = cfg.instruments
    builders: dict[str, Callable[[DictConfig], Any]] = {
        "standards": lambda c: Standards(c, model),
        "steel_differential_pricing": lambda c: SteelDifferentialPricing(c, world.oc_index("steel")),
        "aluminium_tiered_pricing": lambda c: AluminiumTieredPricing(c, world.oc_index("electrolytic_aluminium")),
        "over_quota_pricing": lambda c: OverQuotaPricing(c, world.oc_index, len(world.oc_names)),
        "ultra_low_emission_pricing": lambda c: UltraLowEmissionPricing(c, world.oc_index("steel")),
        "conversion_fund": ConversionFundInstrument,
        "steel_relocation": lambda c: SteelRelocation(c, model),
        "worker_resettlement": WorkerResettlement,
    }
    return [builders[name](ins[name]) for name in builders if ins.get(name) is not None]
