"""Markets of the overcapacity sectors: demand with a trend and shocks, and price formation.

Shandong faces, for each sector, a demand curve
``D(P) = D0 * trend(t) * shock(t) * (P / Pref(t)) ** -elasticity`` where ``Pref`` is
the national price path of the scenario and ``trend`` the scenario's growth trend times
the national output of the sector where the scenario has it (:mod:`model.national`). A
large elasticity makes Shandong a price taker (steel, coal); a small one lets its own
supply move the price (aluminium, cement, power). Plants supply ``capacity * utilisation(P / marginal cost)``; the
price clears the market each quarter (Newton steps on log price).

Markets clear in three stages (:meth:`Markets.clear_quarter`): coal first (its price
sets fuel costs), then steel, aluminium, building materials and low-speed EVs, then
coal power, whose demand includes the electricity the other plants use.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from omegaconf import DictConfig

from agents.plants import Plant, PlantContext
from agents.population import ColumnStore
from model.arrays import band_index
from model.calendar import N_QUARTERS, quarter_index, year_of
from model.names import OVERCAPACITY_SECTORS, SECTORS
from model.national import NationalPaths
from model.world import World

TWH_PER_KWH = 1e-9
TWH_PER_GW_YEAR = 8.76  # 1 GW for 8,760 hours


def quarterly_path(annual: list[float]) -> np.ndarray:
    """Per-quarter values (index 0 = 2017Q4) from yearly values for 2017..2022."""
    return np.array([annual[year_of(q) - 2017] for q in range(N_QUARTERS + 1)], float)


class Markets:
    """Demand, reference prices and market clearing for the six overcapacity sectors.

    Args:
        world: Sector parameters.
        scenario: The scenario config (demand growth, price paths, shocks).
        coal_generation_share: Share of the province's electricity generated from coal:
            the share of the plants' extra power demand that coal power serves.
    """

    def __init__(self, world: World, scenario: DictConfig, coal_generation_share: float) -> None:
        oc = world.overcapacity
        names = OVERCAPACITY_SECTORS
        self.n = len(names)
        self.coal_share = oc["coal_share"]  # of each sector's fuel: what the coal price moves
        self.coal_generation_share = coal_generation_share
        self.coal, self.power = names.index("coal"), names.index("coal_power")
        middle = [i for i in range(self.n) if i not in (self.coal, self.power)]
        self.stages = ([self.coal], middle, [self.power])
        self.stage_mask = {stage[0]: np.isin(np.arange(self.n), stage) for stage in self.stages}
        # kWh per sector unit of output: power plants' own use is not demand for power.
        self.kwh_factor = np.where(np.arange(self.n) == self.power, 0.0, oc["base_units_per_unit"])
        self.electricity0 = 0.0  # the plants' use in 2017 [TWh per year], set by calibrate
        self.price0 = oc["price"]
        self.demand0 = oc["output"].copy()
        self.elasticity = oc["demand_elasticity"]
        self.steepness = oc["supply_steepness"]
        self.offset = np.zeros(self.n)
        self.index = np.array([quarterly_path(list(scenario.price_index[s])) for s in names])
        growth = np.array([scenario.demand_growth[s] for s in names])
        quarters = np.arange(N_QUARTERS + 1)
        self.trend = (1.0 + growth[:, None]) ** (quarters[None, :] / 4.0)
        self.trend[self.power] = (1.0 + scenario.power_demand_growth) ** (quarters / 4.0)
        national = NationalPaths.from_scenario(scenario)
        self.trend *= np.array([national.demand_index(s) for s in names])  # the nation's output, where given
        self.shock = np.ones((len(SECTORS), N_QUARTERS + 1))  # demand shocks, every sector [factor]
        self.shock[len(names) :] *= national.cycle  # the ten industries move with the national cycle
        for shock in scenario.shocks.values():
            first, last = quarter_index(shock.start), quarter_index(shock.end)
            rows = [SECTORS.index(s) for s in shock.sectors if s != "all"] or list(range(len(SECTORS)))
            self.shock[np.ix_(rows, range(first, last + 1))] *= 1.0 + shock.size
        self.extra_demand = np.zeros(self.n)  # e.g. power demand of other plants, vs 2017
        self.price = self.price0.copy()
        self.quarter = 0

    def demand_level(self, quarter: int) -> np.ndarray:
        """Demand at the reference price [sector unit per year]."""
        level = self.demand0 * self.trend[:, quarter] * self.shock[: self.n, quarter]
        return np.maximum(level + self.extra_demand, 0.0)

    def reference_price(self, quarter: int) -> np.ndarray:
        """National price path [yuan per base unit]."""
        return self.price0 * self.index[:, quarter]

    def calibrate(self, plants: ColumnStore, cost: np.ndarray) -> np.ndarray:
        """Calibrate to the plants' 2017 state; return each plant's 2017 utilisation.

        Each sector's supply offset is set so that 2017 supply at the 2017 price equals
        2017 output, and the plants' 2017 electricity use is kept (coal power serves the
        change since then).

        Args:
            plants: The plants at the end of 2017.
            cost: Their 2017 marginal cost [yuan per base unit].
        """
        sector = plants.sector
        self._calibrate_offsets(plants.weight * plants.capacity, cost, sector)
        utilisation = Plant.utilisation(self.price0[sector], cost, self.steepness[sector], self.offset[sector])
        self.electricity0 = self.plant_electricity(plants, utilisation)
        return utilisation

    def _calibrate_offsets(self, capacity: np.ndarray, cost: np.ndarray, sector: np.ndarray) -> None:
        """Bisect each sector's supply offset so that supply at the 2017 price is 2017 output.

        Args:
            capacity: Weighted capacity per plant (weight x capacity).
            cost: 2017 marginal cost per plant [yuan per base unit].
            sector: Sector index per plant.
        """
        lo, hi = np.full(self.n, -30.0), np.full(self.n, 30.0)
        ratio = self.price0[sector] / cost - 1.0
        for _ in range(80):
            mid = 0.5 * (lo + hi)
            u = 1.0 / (1.0 + np.exp(-(self.steepness[sector] * ratio + mid[sector])))
            supply = np.bincount(sector, weights=capacity * u, minlength=self.n)
            too_much = supply > self.demand0
            hi = np.where(too_much, mid, hi)
            lo = np.where(too_much, lo, mid)
        self.offset = 0.5 * (lo + hi)

    def plant_electricity(self, plants: ColumnStore, utilisation: np.ndarray) -> float:
        """Electricity used by plants other than power plants [TWh per year].

        Output [sector unit per year] x base units per sector unit x kWh per base unit
        gives kWh per year.
        """
        use = plants.weight * plants.capacity * utilisation * self.kwh_factor[plants.sector] * plants.power_intensity
        return float(use.sum()) * TWH_PER_KWH

    def clear_quarter(self, plants: ColumnStore, ctx: PlantContext, quarter: int) -> np.ndarray:
        """Clear the three stages in turn; return every plant's utilisation (0 for closed plants).

        Coal clears first and its price sets the other sectors' fuel costs; coal power clears
        last, serving the change since 2017 in the electricity the other plants use (in GW,
        coal power's unit of output) times coal's share of generation. Sets the plants'
        non-energy cost index, fuel price and price in ``ctx``.
        """
        ctx.cost_index = self.index[:, quarter]  # materials move with the national price of the product
        sector = plants.sector
        weighted = plants.weight * plants.capacity
        utilisation = np.zeros(plants.n)
        for stage in self.stages:
            if stage[0] == self.power:
                twh = self.plant_electricity(plants, utilisation)
                gw = (twh - self.electricity0) / TWH_PER_GW_YEAR
                self.extra_demand[self.power] = gw * self.coal_generation_share
            if stage[0] != self.coal:
                coal_ratio = self.price[self.coal] / self.price0[self.coal]
                ctx.fuel_price = ctx.fuel_price0 * (1.0 + self.coal_share * (coal_ratio - 1.0))
            rows = np.flatnonzero(self.stage_mask[stage[0]][sector] & plants.active)
            if rows.size == 0:
                continue
            cost = Plant.marginal_cost(plants, ctx, rows=rows)
            utilisation[rows] = self.clear(stage, weighted[rows], cost, sector[rows], quarter)
        ctx.price = self.price
        return utilisation

    def clear(
        self, sectors: list[int], capacity: np.ndarray, cost: np.ndarray, sector: np.ndarray, quarter: int
    ) -> np.ndarray:
        """Clear the markets of ``sectors`` together; return the utilisation of each plant given.

        Args:
            sectors: Sector indices to clear.
            capacity: Weighted capacity of the plants of these sectors (weight x capacity).
            cost: Their marginal cost [yuan per base unit].
            sector: Their sector index.
            quarter: Quarter index.
        """
        idx = np.asarray(sectors)
        local = band_index(idx, sector, side="left")  # position of each plant's sector in idx (increasing)
        n = idx.size
        demand = self.demand_level(quarter)[idx]
        log_ref = np.log(self.reference_price(quarter)[idx])
        eps = self.elasticity[idx]
        k = self.steepness[sector]
        b = self.offset[sector]
        log_p = np.log(self.price[idx])
        served = np.bincount(local, weights=capacity, minlength=n) > 0
        _newton_log_price(log_p, local, capacity, cost, k, b, demand, log_ref, eps, served)
        price = np.where(served, np.exp(log_p), np.exp(log_ref))  # no plants left: the national price
        self.price[idx] = price
        ratio = price[local] / cost
        return 1.0 / (1.0 + np.exp(-(k * (ratio - 1.0) + b)))


@numba.njit(cache=True)
def _newton_log_price(log_p, local, capacity, cost, k, b, demand, log_ref, eps, served):
    """Newton steps on each market's log price until supply equals demand (``log_p`` in place).

    Per market ``s``: supply ``S(p) = sum_i capacity_i u_i(p)`` over its plants, with
    utilisation ``u_i = 1 / (1 + exp(-(k_i (p / cost_i - 1) + b_i)))``; demand
    ``D(p) = demand_s (p / p_ref)^-eps_s``. A step solves ``ln S = ln D`` in ``ln p``, whose
    derivative is ``slope / S + eps`` (``slope = dS/d ln p``), and is capped at 0.5 either
    way. A market without plants or demand keeps its price. Compiled: the markets clear
    several times a quarter, and each numpy step on a few hundred plants cost more in
    calls than in arithmetic. Sums run over the plants in order, as ``np.bincount`` does.
    """
    n = log_p.size
    price, supply, slope = np.empty(n), np.empty(n), np.empty(n)
    for _ in range(40):
        for s in range(n):
            price[s] = math.exp(log_p[s])
            supply[s] = 0.0
            slope[s] = 0.0
        for i in range(local.size):
            s = local[i]
            ratio = price[s] / cost[i]
            u = 1.0 / (math.exp(-k[i] * (ratio - 1.0) - b[i]) + 1.0)  # utilisation at this price
            supplied = capacity[i] * u
            supply[s] += supplied
            slope[s] += supplied * (1.0 - u) * k[i] * ratio
        largest = 0.0
        for s in range(n):
            wanted = demand[s] * math.exp(-eps[s] * (log_p[s] - log_ref[s]))
            step = 0.0
            if served[s] and wanted > 0.0:
                step = (math.log(supply[s]) - math.log(wanted)) / (slope[s] / supply[s] + eps[s])
                step = min(max(step, -0.5), 0.5)
            log_p[s] -= step
            largest = max(largest, abs(step))
        if largest < 1e-10:
            return
