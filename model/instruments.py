"""Policy instruments: each built from config by name, each acting on the environment.

An instrument has one interface, ``apply(model, quarter)``, called by the provincial
government from the instrument's start quarter. Instruments change what firms
face (an electricity surcharge by tier, a standard's threshold, money in the
fund, closure orders); firms only react. A policy mix is a list of instruments.
Instruments see the model as :class:`model.view.ModelView` declares it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import numpy as np
from omegaconf import DictConfig

from agents.firms import ExitReason
from agents.fund import YUAN_PER_BN, FundRules
from agents.government import Instrument
from agents.plants import Dimension
from model.arrays import band_index
from model.calendar import quarter_index
from model.environment import StandardInForce, SurchargeScheme
from model.names import GROWTH_SECTORS, OVERCAPACITY_SECTORS
from model.view import ModelView
from model.world import World

# Comprehensive energy counts electricity at its calorific equivalent, 0.1229 kgce per kWh
# (GB/T 2589); the same weight as the energy quotas' (calibration.overcapacity.*.quota_power_weight).
KGCE_PER_KWH = 0.1229


# --------------------------------------------------------------------------- pricing
class PricingScheme(SurchargeScheme):
    """An electricity pricing scheme: registers itself with the environment from its start.

    Each scheme implements ``surcharge`` as :class:`model.environment.SurchargeScheme` declares it.
    """

    name = "pricing"

    def __init__(self, start: int) -> None:
        self.start = start

    def apply(self, model: ModelView, quarter: int) -> None:
        """Make the scheme part of this quarter's electricity price."""
        model.environment.pricing.append(self)


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
def step_value(schedule: Sequence[tuple[float, float]], quarter: int) -> float | None:
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

    def __init__(self, cfg: DictConfig, world: World) -> None:
        self.start = quarter_index(cfg.start)
        self.cfg = cfg
        self.rules: list[tuple[int, Dimension, int, list[tuple[float, float]], bool]] = []
        for rule in cfg.rules.values():
            steps = sorted(
                (self.start + (quarter_index(q) - self.start) / cfg.pace, float(v)) for q, v in rule.schedule.items()
            )
            segment = world.segment_index(rule.sector, rule.segment) if rule.segment else -1
            dimension = Dimension[rule.dimension.upper()]
            self.rules.append((world.overcapacity_index(rule.sector), dimension, segment, steps, bool(rule.inclusive)))

    def apply(self, model: ModelView, quarter: int) -> None:
        """Set this quarter's thresholds and the inspection regime."""
        env = model.environment
        model.regulator.configure(
            self.start, self.cfg.inspection_interval_quarters, self.cfg.detection_probability, self.cfg.grace_quarters
        )
        for sector, dimension, segment, steps, inclusive in self.rules:
            threshold = step_value(steps, quarter)
            if threshold is None:
                continue
            env.rules.append(StandardInForce(sector, dimension, segment, threshold, inclusive))
            if dimension == Dimension.ENERGY_QUOTA:
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
        self.rules = FundRules(
            selection=str(cfg.selection),
            pipeline_multiple=float(cfg.pipeline_multiple),
            ticket_to_revenue=float(cfg.ticket_to_revenue),
            max_ticket=float(cfg.max_ticket),
            max_stake=float(cfg.max_stake),
        )

    def subscription_path(self, quarter: int) -> float:
        """Cumulative commitments targeted by ``quarter`` [bn yuan]: a linear ramp."""
        done = min(1.0, (quarter - self.start + 1) / (self.end - self.start + 1))
        return self.cfg.subscribed_target * max(done, 0.0)

    def apply(self, model: ModelView, quarter: int) -> None:
        """Subscribe this quarter's commitments, call money in, set the investment budget."""
        cfg = self.cfg
        fund = model.fund
        new = self.subscription_path(quarter) - self.subscription_path(quarter - 1)
        if new > 0:
            subscribed = fund.ledger.subscribed["provincial"] / YUAN_PER_BN
            provincial = min(cfg.provincial_share * new, cfg.guide_fund - subscribed)
            provincial = max(provincial, 0.0)
            city = cfg.government_share * new - provincial
            amounts = {"provincial": provincial, "city": city, "social": new - provincial - city}
            fund.subscribe({k: round(v * YUAN_PER_BN) for k, v in amounts.items()})
        paid = fund.call(cfg.call_rate)
        model.government.spend("fund_contributions", (paid["provincial"] + paid["city"]) / YUAN_PER_BN)
        rate = min(self.deployment_rate(model.params.calibration.fund, quarter) * cfg.deployment_pace, 1.0)
        budget = int(fund.idle * rate)
        fund.mandate(self.rules, np.floor(budget * self.weights).astype(np.int64))

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

    def __init__(self, cfg: DictConfig, world: World) -> None:
        self.cfg = cfg
        self.start = quarter_index(cfg.start)
        self.schedule = sorted((quarter_index(q), float(v)) for q, v in cfg.channel_exit_schedule.items())
        self.steel = world.overcapacity_index("steel")
        self.destinations = np.array([float(cfg.destinations.get(c, 0.0)) for c in world.cities])
        self.pending: list[tuple[int, np.ndarray]] = []  # (quarter ready, capacity by city)

    def required_share(self, quarter: int) -> float:
        """Share of 2017 channel-city capacity to be out by ``quarter`` (linear between steps)."""
        points = [(self.start - 1, 0.0), *self.schedule]
        for (q0, v0), (q1, v1) in itertools.pairwise(points):
            if quarter <= q1:
                return v0 + (v1 - v0) * max(quarter - q0, 0) / (q1 - q0)
        return points[-1][1]

    def apply(self, model: ModelView, quarter: int) -> None:
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
                intensity = plants.fuel_intensity[rows] + KGCE_PER_KWH * plants.power_intensity[rows]  # kgce/t
                order = rows[np.lexsort((plants.capacity[rows], -intensity))]
                retired = np.cumsum(plants.weight[order] * plants.capacity[order])
                take = order[: np.searchsorted(retired, gap, side="left") + 1]
                capacity = float(np.sum(plants.weight[take] * plants.capacity[take]))
                tonnes = capacity * world.overcapacity["base_units_per_unit"][self.steel]
                award = tonnes * self.cfg.exit_compensation / YUAN_PER_BN
                model.government.spend("capacity_exit_awards", award)
                model.close_plants(take, ExitReason.CAPACITY_SWAP, compensation=award)
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

    def apply(self, model: ModelView, quarter: int) -> None:
        """Set this quarter's resettlement rate and subsidy."""
        model.environment.resettlement_rate = self.cfg.rate
        model.environment.resettlement_subsidy = self.cfg.subsidy


def build_mix(cfg: DictConfig, world: World) -> list[Instrument]:
    """Build the instruments of a policy mix, by name, in the order they act each quarter.

    Standards act before pricing (a tightened energy quota changes over-quota
    surcharges in the same quarter).
    """
    ins = cfg.instruments
    sector = world.overcapacity_index
    builders: dict[str, Callable[[DictConfig], Instrument]] = {
        "standards": lambda c: Standards(c, world),
        "steel_differential_pricing": lambda c: SteelDifferentialPricing(c, sector("steel")),
        "aluminium_tiered_pricing": lambda c: AluminiumTieredPricing(c, sector("electrolytic_aluminium")),
        "over_quota_pricing": lambda c: OverQuotaPricing(c, sector, len(OVERCAPACITY_SECTORS)),
        "ultra_low_emission_pricing": lambda c: UltraLowEmissionPricing(c, sector("steel")),
        "conversion_fund": ConversionFundInstrument,
        "steel_relocation": lambda c: SteelRelocation(c, world),
        "worker_resettlement": WorkerResettlement,
    }
    return [builders[name](ins[name]) for name in builders if ins.get(name) is not None]
