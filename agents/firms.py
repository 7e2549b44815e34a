"""Firm agents: plants in the overcapacity sectors and firms in the ten strong industries.

Each agent is a thin view onto one row of a :class:`~agents.population.ColumnStore`;
``agent.capacity`` or ``agent.revenue`` reads its row, ``agent.sector`` and
``agent.city`` give names. The behaviour rules are class methods that act on whole
columns: the two kinds differ by the hooks they implement (``decide_investment``,
``decide_exit``), as Mesa's Sheep and Wolf differ by ``move`` and ``feed``.

Units: money in bn yuan (flows as annual rates), prices in yuan per base unit of
output (t, kWh, vehicle), capacity and output in the sector's indicator unit.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import mesa
import numba
import numpy as np

from agents.base import ShandongAgent
from agents.population import ColumnStore


class ExitReason(enum.IntEnum):
    """Why a plant or firm left, as recorded in the ``exit_reason`` column (0: still active)."""

    NONE = 0
    BANKRUPTCY = 1
    INSPECTION = 2  # closed by the regulator past its deadline
    CAPACITY_SWAP = 3  # closed by the steel capacity swap
    VOLUNTARY = 4  # plants: exit was worth more than carrying on; firms: the exogenous hazard
    DEPLETED = 5  # coal mines whose reserves ran out

    @property
    def label(self) -> str:
        """The reason as written in output tables (``"capacity_swap"``)."""
        return self.name.lower()


class Dimension(enum.IntEnum):
    """What a standard measures: the rows of the (4, n) non-compliance array ``PlantContext.gaps``."""

    ENERGY_QUOTA = 0  # unit energy use above the sector's quota
    EMISSION = 1  # ultra-low-emission criteria unmet above the threshold
    SAFETY = 2  # gap to the safety or product standard above the threshold
    PLANT_SCALE = 3  # a line, unit or mine below the minimum scale

    @property
    def label(self) -> str:
        """The dimension as named in the config (``"plant_scale"``)."""
        return self.name.lower()


# Most R&D a firm spends [share of revenue]; assumption: above the most R&D-intensive firms of the 2017 sample.
MAX_RD_RATE = 0.4

# Bits of the ``upgrade_plan`` column: what an upgrade in progress will fix.
FIX_ENERGY, FIX_EMISSION, FIX_SAFETY, FIX_SCALE = 1, 2, 4, 8

PLANT_SCHEMA: dict[str, type] = {
    "sector": np.intp,  # index into the overcapacity sectors
    "segment": np.int8,  # index into the sector's segments
    "city": np.intp,
    "weight": np.float64,  # plants represented by this row
    "active": np.bool_,
    "soe": np.bool_,  # state owned
    "capacity": np.float64,  # [sector unit]
    "capacity_2017": np.float64,  # capacity at the start (0 for plants built later)
    "output": np.float64,  # [sector unit, annual rate]
    "utilisation": np.float64,
    "plant_scale": np.float64,  # in the segment's scale metric
    "fuel_intensity": np.float64,  # [kgce per base unit]
    "power_intensity": np.float64,  # [kWh per base unit]
    "nonenergy_cost": np.float64,  # at 2017 prices [yuan per base unit]
    "equipment_class": np.int8,  # 0 permitted, 1 restricted, 2 eliminated
    "ule_unmet": np.int8,  # ultra-low-emission criteria unmet, 0..3
    "safety_gap": np.float64,  # gap to the safety/product standard, [0, 1]
    "workers_per_unit": np.float64,  # [persons per sector unit of capacity]
    "workers": np.float64,  # [persons]
    "assets": np.float64,  # [bn yuan]
    "cash": np.float64,  # [bn yuan]
    "debt": np.float64,  # [bn yuan]
    "reserve": np.float64,  # coal mines: remaining reserves [Mt]; others: inf
    "surcharge": np.float64,  # electricity surcharge now faced [yuan/kWh]
    "profit": np.float64,  # [bn yuan per year]
    "expected_profit": np.float64,  # adaptive expectation of operating profit [bn yuan per year]
    "upgrade_due": np.int16,  # quarter an upgrade in progress completes, -1 none
    "upgrade_plan": np.int8,  # FIX_* bits
    "upgrades": np.int16,  # completed upgrades
    "flagged": np.bool_,  # found non-compliant by an inspection
    "deadline": np.int16,  # quarter by which a flagged plant must comply
    "exit_quarter": np.int16,
    "exit_reason": np.int8,
}

FIRM_SCHEMA: dict[str, type] = {
    "sector": np.intp,  # index into the ten strong industries
    "city": np.intp,
    "weight": np.float64,  # firms represented by this row
    "active": np.bool_,
    "founded": np.float64,  # year of founding (age = year now - founded)
    "revenue": np.float64,  # [bn yuan per year, 2017 prices]
    "margin": np.float64,  # operating margin after the firm's own R&D
    "capital_output": np.float64,  # capital needed per yuan of extra annual revenue
    "va_ratio": np.float64,  # value added / revenue
    "growth_sigma": np.float64,  # std of idiosyncratic annual log growth
    "cash_target": np.float64,  # cash kept / annual revenue; the surplus repays debt
    "tfp": np.float64,  # total factor productivity (1 = the 2017 sector mean)
    "rd_rate": np.float64,  # R&D spending / revenue
    "rd_base": np.float64,  # R&D intensity the firm's gross margin was built to carry
    "tech_share": np.float64,  # high-tech products' share of revenue
    "niche_market": np.float64,  # national market of its niche product in 2017 [bn yuan]
    "niche_share": np.float64,  # national share of that market, updated at each annual review
    "cash": np.float64,  # [bn yuan]
    "debt": np.float64,  # [bn yuan]
    "assets": np.float64,  # [bn yuan]
    "new_economy": np.bool_,
    "high_tech": np.bool_,
    "gazelle": np.bool_,
    "unicorn": np.bool_,
    "champion": np.bool_,
    "champion_years": np.int16,  # consecutive reviews at or above the niche share
    "application": np.float64,  # uniform draw: applies for a title if below its take-up
    "screening_noise": np.float64,  # the fund's error on this firm's quality (drawn once)
    "revenue_1y": np.float64,  # revenue at the last annual review (end of last year) [bn yuan per year]
    "revenue_2y": np.float64,  # at the review before (the 2017 review is the model's start)
    "fund_equity": np.float64,  # equity received from the fund [bn yuan per firm]
    "fund_stake": np.float64,  # the fund's equity stake in the firm
    "social_equity": np.float64,  # social co-investment received [bn yuan per firm]
    "funded": np.bool_,
    "exit_quarter": np.int16,
    "exit_reason": np.int8,
}


class Firm(ShandongAgent):
    """A firm: a thin view onto one row of its kind's column store.

    Args:
        model: The model.
        row: Row index in ``store``.

    Attributes:
        row: The row index.
        sector: Sector id (e.g. ``"steel"``).
        city: City id (e.g. ``"rizhao"``).
    """

    model: Any  # the ShandongModel (agents do not import the model)
    store: ClassVar[str]  # attribute of the model holding this kind's ColumnStore
    sector_names: ClassVar[tuple[str, ...]] = ()
    city_names: ClassVar[tuple[str, ...]] = ()

    def __init__(self, model: mesa.Model, row: int) -> None:
        super().__init__(model)
        self.row = row

    @property
    def columns(self) -> ColumnStore:
        """This kind's column store."""
        return getattr(self.model, self.store)

    @property
    def sector(self) -> str:
        """Sector id."""
        return self.sector_names[self.columns.value("sector", self.row)]

    @property
    def city(self) -> str:
        """City id."""
        return self.city_names[self.columns.value("city", self.row)]

    def __getattr__(self, name: str) -> object:
        # Called only when normal lookup fails: state columns read as attributes.
        if name.startswith("_") or name in ("model", "row"):
            raise AttributeError(name)
        columns = getattr(self.model, self.store)
        if name in columns.columns:
            return columns.value(name, self.row)
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def step(self) -> None:
        """Firms act through their kind's column rules; a single agent does nothing alone."""


@dataclass
class PlantContext:
    """What an overcapacity plant sees this quarter (set by markets and instruments).

    Per-sector arrays are indexed by the overcapacity sector index.
    """

    quarter: int
    price: np.ndarray  # [yuan per base unit]
    price0: np.ndarray  # 2017 price
    fuel_price: np.ndarray  # [yuan per kgce]
    fuel_price0: np.ndarray
    cost_index: np.ndarray  # non-energy cost relative to 2017
    tariff: np.ndarray  # [yuan/kWh]
    tariff0: np.ndarray
    base: np.ndarray  # base units per indicator unit
    wage: np.ndarray  # [yuan per worker-year]
    upgrade_cost: np.ndarray  # [bn yuan per unit of capacity]
    upgrade_gain: np.ndarray
    ule_retrofit_cost: np.ndarray
    safety_fix_cost: np.ndarray
    replacement_cost: np.ndarray
    salvage_share: np.ndarray
    intensity_floor_fuel: np.ndarray  # best practice [kgce per base unit]
    intensity_floor_power: np.ndarray  # best practice [kWh per base unit]
    best_scale: np.ndarray  # per segment (global segment index): scale after replacement
    segment_offset: np.ndarray  # first global segment index of each sector
    horizon: int
    discount: float  # annual
    upgrade_lag: int
    max_debt_ratio: float
    interest_rate: float
    tax_rate: float
    maintenance_rate: float
    replacement_ratio: float
    soe_exit_reluctance: float
    severance_years: float
    expectation_weight: float  # weight of the latest quarter in expected profit
    surcharge_of: Callable[..., np.ndarray]  # (rows, fuel, power, ule, class) -> yuan/kWh
    gaps: np.ndarray  # (4, n) non-compliance, one row per :class:`Dimension`
    closure_risk: np.ndarray  # per plant: probability non-compliance is caught
    closure_quarters: np.ndarray  # per plant: quarters until closure if caught / flagged


@dataclass
class PlantOptions:
    """A plant's options this quarter (per row): the upgrade bundle and the value of each choice."""

    plan: np.ndarray  # FIX_* bits of the upgrade bundle
    cost: np.ndarray  # cost of the bundle [bn yuan]
    keep: np.ndarray  # value of carrying on over the horizon [bn yuan]
    upgrade: np.ndarray  # value of upgrading (-inf where ruled out) [bn yuan]
    exit: np.ndarray  # value of exiting now [bn yuan]


def _annuity(quarters: np.ndarray | int, discount: float) -> np.ndarray:
    """Sum of quarterly discount factors for 1..quarters."""
    delta = (1.0 + discount) ** -0.25
    quarters = np.asarray(quarters, dtype=float)
    return delta * (1.0 - delta**quarters) / (1.0 - delta)


class Plant(Firm):
    """A plant in steel, coal, aluminium, coal power, building materials or low-speed EVs.

    Plants choose utilisation from price against marginal cost, pay electricity by
    tier (surcharges set by the pricing instruments), and each quarter compare, on
    expected value over a short horizon, carrying on, upgrading (capital spending
    that lowers energy use, meets emission criteria, closes a safety gap or
    replaces an undersized line) and exiting.
    """

    store = "plants"

    @staticmethod
    def marginal_cost(
        plants: ColumnStore,
        ctx: PlantContext,
        surcharge: np.ndarray | None = None,
        fuel: np.ndarray | None = None,
        power: np.ndarray | None = None,
        rows: np.ndarray | None = None,
    ) -> np.ndarray:
        """Marginal cost [yuan per base unit]: materials, fuel and electricity with surcharge.

        With ``rows``, the cost of those plants only (``surcharge``, ``fuel`` and ``power``
        then default to theirs).
        """
        pick = (lambda column: column) if rows is None else (lambda column: column[rows])
        s = pick(plants.sector)
        fuel = pick(plants.fuel_intensity) if fuel is None else fuel
        power = pick(plants.power_intensity) if power is None else power
        surcharge = pick(plants.surcharge) if surcharge is None else surcharge
        return (
            pick(plants.nonenergy_cost) * ctx.cost_index[s]
            + fuel * ctx.fuel_price[s]
            + power * (ctx.tariff[s] + surcharge)
        )

    @staticmethod
    def utilisation(price: np.ndarray, cost: np.ndarray, steepness: np.ndarray, offset: np.ndarray) -> np.ndarray:
        """Utilisation chosen at a price: a smooth step in the price-cost margin.

        ``1 / (1 + exp(-(steepness * (price / cost - 1) + offset)))``; ``offset`` is
        calibrated per sector so that 2017 supply equals 2017 output.
        """
        return 1.0 / (1.0 + np.exp(-(steepness * (price / cost - 1.0) + offset)))

    @classmethod
    def operating_profit(cls, plants: ColumnStore, ctx: PlantContext, cost: np.ndarray) -> np.ndarray:
        """Operating profit [bn yuan per year] before interest and tax."""
        s = plants.sector
        flow = plants.output * ctx.base[s] * 1e-9  # billions of base units per year
        fixed = plants.workers * ctx.wage[s] * 1e-9 + ctx.maintenance_rate * plants.assets
        return flow * (ctx.price[s] - cost) - fixed

    @classmethod
    def settle(cls, plants: ColumnStore, ctx: PlantContext, cost: np.ndarray) -> np.ndarray:
        """Book a quarter's profit into cash, borrowing to cover shortfalls; update expectations.

        Returns:
            Mask of plants that cannot cover their losses (bankrupt).
        """
        active = plants.active
        operating = np.where(active, cls.operating_profit(plants, ctx, cost), 0.0)
        plants.expected_profit = plants.expected_profit + ctx.expectation_weight * (operating - plants.expected_profit)
        profit = np.where(active, operating - ctx.interest_rate * plants.debt, 0.0)
        plants.profit = profit
        taxed = np.where(profit > 0, profit * (1.0 - ctx.tax_rate), profit)
        cash = plants.cash + taxed / 4.0
        # Cash beyond a quarter of operating costs repays debt.
        keep = 0.25 * (plants.output * ctx.base[plants.sector] * 1e-9 * cost)
        repay = np.minimum(np.maximum(cash - keep, 0.0), plants.debt)
        cash = cash - repay
        plants.debt = plants.debt - repay
        shortfall = np.maximum(-cash, 0.0)
        room = np.maximum(ctx.max_debt_ratio * plants.assets - plants.debt, 0.0)
        borrow = np.minimum(shortfall, room)
        plants.debt = plants.debt + borrow
        plants.cash = cash + borrow
        return active & (shortfall > room)

    @classmethod
    def start(cls, plants: ColumnStore, ctx: PlantContext, utilisation: np.ndarray, cost: np.ndarray) -> None:
        """The 2017 operating state: utilisation, output and profit, and profit expected to stay."""
        plants.utilisation = utilisation
        plants.output = utilisation * plants.capacity
        plants.profit = cls.operating_profit(plants, ctx, cost)
        plants.expected_profit = plants.profit

    @classmethod
    def close(cls, plants: ColumnStore, rows: np.ndarray, reason: ExitReason, quarter: int, award: float) -> None:
        """Active plants at ``rows`` close: no capacity, output or workers, and they leave for ``reason``.

        Args:
            plants: The column store.
            rows: Rows of active plants.
            reason: Why they close.
            quarter: Current quarter index.
            award: Fiscal award paid to the closing plants [bn yuan, all rows together],
                shared equally by the plants.
        """
        weight = plants.weight[rows]
        for column in ("capacity", "output", "utilisation", "workers", "profit"):
            plants.set_rows(column, rows, 0.0)
        plants.set_rows("active", rows, False)
        plants.set_rows("exit_quarter", rows, quarter)
        plants.set_rows("exit_reason", rows, reason)
        plants.set_rows("upgrade_due", rows, -1)
        if award:
            plants.set_rows("cash", rows, plants.cash[rows] + award / weight.sum())

    @classmethod
    def option_values(cls, plants: ColumnStore, ctx: PlantContext) -> PlantOptions:
        """Value of carrying on, upgrading and exiting for each plant [bn yuan], and the upgrade.

        The upgrade is valued in the state it leaves the plant in: lower intensities, no
        emission or safety gap where planned, and after a replacement line
        (``FIX_SCALE``) a smaller capacity in the permitted equipment class, priced with
        this quarter's surcharge schemes.
        """
        s = plants.sector
        base = ctx.base[s] * 1e-9
        fuel, power, ule, safety = (plants.fuel_intensity, plants.power_intensity, plants.ule_unmet, plants.safety_gap)
        gaps = ctx.gaps
        plan = np.zeros(plants.n, np.int8)
        plan |= np.where(
            (fuel > ctx.intensity_floor_fuel[s] * 1.0001) | (power > ctx.intensity_floor_power[s] * 1.0001),
            FIX_ENERGY,
            0,
        ).astype(np.int8)
        plan |= np.where(ule > 0, FIX_EMISSION, 0).astype(np.int8)
        plan |= np.where(gaps[Dimension.SAFETY], FIX_SAFETY, 0).astype(np.int8)
        plan |= np.where(gaps[Dimension.PLANT_SCALE], FIX_SCALE, 0).astype(np.int8)

        gain = ctx.upgrade_gain[s]
        fuel1 = np.where(plan & FIX_ENERGY, np.maximum(fuel * (1 - gain), ctx.intensity_floor_fuel[s]), fuel)
        power1 = np.where(plan & FIX_ENERGY, np.maximum(power * (1 - gain), ctx.intensity_floor_power[s]), power)
        ule1 = np.where(plan & FIX_EMISSION, 0, ule).astype(np.int8)
        cap_ratio = np.where(plan & FIX_SCALE, ctx.replacement_ratio, 1.0)
        class1 = np.where(plan & FIX_SCALE, 0, plants.equipment_class).astype(np.int8)  # a new line is permitted
        surcharge1 = ctx.surcharge_of(np.arange(plants.n), fuel1, power1, ule1, class1)
        cost0 = cls.marginal_cost(plants, ctx)
        cost1 = cls.marginal_cost(plants, ctx, surcharge1, fuel1, power1)
        flow = plants.output * base
        # Plants expect profit to follow their adaptive expectation; an upgrade changes
        # it by the change in this quarter's profit it would bring.
        profit0 = plants.expected_profit
        profit1 = cap_ratio * (profit0 + flow * (cost0 - cost1))

        capacity = plants.capacity
        cost = (
            np.where(plan & FIX_ENERGY, ctx.upgrade_cost[s] * capacity, 0.0)
            + np.where(plan & FIX_EMISSION, ctx.ule_retrofit_cost[s] * ule * capacity, 0.0)
            + np.where(plan & FIX_SAFETY, ctx.safety_fix_cost[s] * safety * capacity, 0.0)
            + np.where(plan & FIX_SCALE, ctx.replacement_cost[s] * capacity * cap_ratio, 0.0)
        )
        lag = ctx.upgrade_lag
        horizon = ctx.horizon
        delta_h = (1.0 + ctx.discount) ** (-horizon / 4.0)
        salvage = ctx.salvage_share[s] * plants.assets
        annuity_h = _annuity(horizon, ctx.discount)
        annuity_lag = _annuity(lag, ctx.discount)

        # Carrying on: with probability closure_risk the plant is closed after closure_quarters.
        g = np.minimum(ctx.closure_quarters, horizon)
        closing = _annuity(g, ctx.discount) * profit0 / 4 + (1.0 + ctx.discount) ** (-g / 4.0) * salvage
        normal = annuity_h * profit0 / 4 + delta_h * salvage
        keep = (1.0 - ctx.closure_risk) * normal + ctx.closure_risk * closing

        fixes_in_time = ctx.closure_quarters >= lag
        upgrade_value = (
            annuity_lag * profit0 / 4
            + (annuity_h - annuity_lag) * profit1 / 4
            - cost
            + delta_h * ctx.salvage_share[s] * (plants.assets + cost)
        )
        upgrade_value = np.where(fixes_in_time | (ctx.closure_risk == 0), upgrade_value, -np.inf)
        room = plants.cash + np.maximum(ctx.max_debt_ratio * (plants.assets + cost) - plants.debt, 0)
        affordable = (cost > 0) & (cost <= room)
        upgrade_value = np.where(affordable & (plan != 0), upgrade_value, -np.inf)

        wage_bill = plants.workers * ctx.wage[s] * 1e-9
        # Exiting recovers part of the assets but pays severance; state owners also weigh
        # the social cost of lay-offs.
        exit_value = (
            salvage
            - ctx.severance_years * wage_bill
            - np.where(plants.soe, ctx.soe_exit_reluctance * wage_bill / 4, 0.0)
        )
        return PlantOptions(plan=plan, cost=cost, keep=keep, upgrade=upgrade_value, exit=exit_value)

    @classmethod
    def decide_investment(cls, plants: ColumnStore, ctx: PlantContext) -> tuple[np.ndarray, np.ndarray]:
        """Compare carrying on, upgrading and exiting for each plant (:meth:`option_values`).

        Returns:
            ``(upgrade, exit)`` masks over rows. Upgrading plants get ``upgrade_plan``
            and ``upgrade_due`` set and pay for the upgrade now.
        """
        q = ctx.quarter
        free = plants.active & (plants.upgrade_due < 0)
        options = cls.option_values(plants, ctx)
        plan, cost, lag = options.plan, options.cost, ctx.upgrade_lag
        upgrade = free & (options.upgrade > options.keep) & (options.upgrade > options.exit)
        leave = free & ~upgrade & (options.exit > options.keep)

        # Pay for upgrades now, from cash first and then new debt.
        spend = np.where(upgrade, cost, 0.0)
        from_cash = np.minimum(spend, np.maximum(plants.cash, 0.0))
        plants.cash = plants.cash - from_cash
        plants.debt = plants.debt + (spend - from_cash)
        plants.assets = plants.assets + spend
        plants.upgrade_plan = np.where(upgrade, plan, plants.upgrade_plan)
        plants.upgrade_due = np.where(upgrade, q + lag, plants.upgrade_due)
        return upgrade, leave

    @classmethod
    def complete_upgrades(cls, plants: ColumnStore, ctx: PlantContext) -> np.ndarray:
        """Apply upgrades that complete this quarter (inspection flags are left to the regulator).

        Returns:
            Workers released by capacity replacement, per row [persons per plant].
        """
        # Only the few plants whose upgrade completes are touched.
        done = np.flatnonzero(plants.active & (plants.upgrade_due == ctx.quarter))
        released = np.zeros(plants.n)
        if done.size == 0:
            return released
        plan = plants.upgrade_plan[done]
        energy = done[(plan & FIX_ENERGY) != 0]
        s = plants.sector[energy]
        gain = ctx.upgrade_gain[s]
        plants.set_rows(
            "fuel_intensity",
            energy,
            np.maximum(plants.fuel_intensity[energy] * (1 - gain), ctx.intensity_floor_fuel[s]),
        )
        plants.set_rows(
            "power_intensity",
            energy,
            np.maximum(plants.power_intensity[energy] * (1 - gain), ctx.intensity_floor_power[s]),
        )
        plants.set_rows("ule_unmet", done[(plan & FIX_EMISSION) != 0], 0)
        plants.set_rows("safety_gap", done[(plan & FIX_SAFETY) != 0], 0.0)
        replace = done[(plan & FIX_SCALE) != 0]
        if replace.size:
            best = ctx.best_scale[ctx.segment_offset[plants.sector[replace]] + plants.segment[replace]]
            plants.set_rows("plant_scale", replace, np.maximum(plants.plant_scale[replace], best))
            plants.set_rows("equipment_class", replace, 0)
            new_capacity = plants.capacity[replace] * ctx.replacement_ratio
            released[replace] = plants.workers[replace] - new_capacity * plants.workers_per_unit[replace]
            plants.set_rows("capacity", replace, new_capacity)
            plants.set_rows("workers", replace, plants.workers[replace] - released[replace])
        plants.set_rows("upgrades", done, plants.upgrades[done] + 1)
        plants.set_rows("upgrade_due", done, -1)
        plants.set_rows("upgrade_plan", done, 0)
        # An inspection flag stays: the regulator lifts it once the plant complies
        # (Regulator.enforce, this quarter), not because some upgrade was completed.
        return released

    @classmethod
    def decide_exit(
        cls, plants: ColumnStore, bankrupt: np.ndarray, voluntary: np.ndarray, depleted: np.ndarray
    ) -> np.ndarray:
        """Combine the exit causes into one reason per row (0: stays)."""
        reason = np.zeros(plants.n, np.int8)
        reason[voluntary] = ExitReason.VOLUNTARY
        reason[depleted] = ExitReason.DEPLETED
        reason[bankrupt] = ExitReason.BANKRUPTCY
        return np.where(plants.active, reason, 0).astype(np.int8)


@dataclass
class GrowthContext:
    """What a firm in the ten strong industries sees this quarter.

    Per-sector arrays are indexed by the growth sector index.
    """

    quarter: int
    demand_growth: np.ndarray  # this quarter's log growth of sector demand (quarterly)
    labour_productivity: np.ndarray  # [10k yuan per worker], sector mean this quarter
    max_debt_ratio: float
    interest_rate: float
    tax_rate: float
    innovation_rate: float
    innovation_jump: float
    innovation_tech_step: float  # rise of the high-tech revenue share with an innovation
    exit_hazard: float
    rd_drift: float  # quarterly relative rise of R&D intensity (economy-wide trend)
    fund_rd_uplift: float  # factor on an investee's R&D intensity when fund equity arrives
    year_end: bool = False  # fourth quarter: annual settlements


class GrowthFirm(Firm):
    """A firm in one of the ten strong industries.

    Revenue grows with sector demand, persistent productivity (R&D raises the
    chance of an innovation) and heavy-tailed idiosyncratic shocks; growth needs
    capital, so firms short of cash and credit grow less, which fund equity relaxes.
    Rows of firms that have exited hold zero revenue, so the rules need no masks.
    """

    store = "firms"

    @property
    def age(self) -> float:
        """Years since founding."""
        return self.model.year - self.founded

    @property
    def workers(self) -> float:
        """Persons employed: value added over labour productivity (sector trend x own TFP)."""
        return self.model.accounts.firm_workers(self.row)

    @classmethod
    def decide_investment(cls, firms: ColumnStore, ctx: GrowthContext, uniform: np.ndarray, event: np.ndarray) -> None:
        """Grow revenue for one quarter, financing expansion from cash, then debt.

        Args:
            firms: The column store.
            ctx: This quarter's context.
            uniform: Uniform draws, one per row, turned into the Laplace growth shocks.
            event: Uniform draws, one per row (an innovation when small).
        """
        _grow(
            firms.sector,
            uniform,
            event,
            firms.growth_sigma,
            firms.capital_output,
            firms.rd_rate,
            firms.tfp,
            firms.tech_share,
            firms.revenue,
            firms.cash,
            firms.debt,
            firms.assets,
            ctx.demand_growth,
            1.0 + ctx.rd_drift,
            ctx.innovation_rate,
            ctx.innovation_jump,
            float(np.exp(ctx.innovation_jump)),
            ctx.innovation_tech_step,
            ctx.max_debt_ratio,
        )

    @classmethod
    def settle(cls, firms: ColumnStore, ctx: GrowthContext) -> np.ndarray:
        """Book a quarter's profit after R&D into cash, repay debt from surplus cash.

        Returns:
            Mask of firms that cannot cover their losses (bankrupt).
        """
        bankrupt = np.empty(firms.n, bool)
        _settle(
            firms.margin,
            firms.rd_base,
            firms.rd_rate,
            firms.cash_target,
            firms.active,
            firms.revenue,
            firms.cash,
            firms.debt,
            firms.assets,
            ctx.interest_rate,
            ctx.tax_rate,
            ctx.max_debt_ratio,
            ctx.year_end,
            bankrupt,
        )
        return bankrupt

    @classmethod
    def decide_exit(cls, firms: ColumnStore, ctx: GrowthContext, bankrupt: np.ndarray, event: np.ndarray) -> np.ndarray:
        """Exit reason per row: bankruptcy, or the exogenous hazard (0: stays)."""
        reason = np.zeros(firms.n, np.int8)
        reason[(event > 1.0 - ctx.exit_hazard / 4.0) & firms.active] = ExitReason.VOLUNTARY
        reason[bankrupt] = ExitReason.BANKRUPTCY
        return reason

    @classmethod
    def leave(cls, firms: ColumnStore, rows: np.ndarray, reason: np.ndarray, quarter: int) -> None:
        """Firms at ``rows`` exit for ``reason`` (one per row): no revenue and no title from now on.

        Champions keep their title only while active.
        """
        firms.set_rows("active", rows, False)
        firms.set_rows("exit_quarter", rows, quarter)
        firms.set_rows("exit_reason", rows, reason)
        for column in ("revenue", "high_tech", "gazelle", "unicorn", "champion", "champion_years"):
            firms.set_rows(column, rows, 0)

    @classmethod
    def take_equity(
        cls,
        firms: ColumnStore,
        ctx: GrowthContext,
        rows: np.ndarray,
        equity: np.ndarray,
        co_equity: np.ndarray,
        pre_money: np.ndarray,
    ) -> None:
        """Book equity from the fund and its social co-investors, and raise R&D.

        Args:
            firms: The column store.
            ctx: This quarter's context (the R&D response to fund equity).
            rows: Investee rows.
            equity: The fund's money per firm [bn yuan].
            co_equity: Social co-investment per firm [bn yuan].
            pre_money: Each investee's value before the investment [bn yuan].
        """
        firms.set_rows("cash", rows, firms.cash[rows] + equity + co_equity)
        firms.set_rows("fund_equity", rows, firms.fund_equity[rows] + equity)
        firms.set_rows("fund_stake", rows, equity / (pre_money + equity))
        firms.set_rows("social_equity", rows, firms.social_equity[rows] + co_equity)
        firms.set_rows("funded", rows, True)
        firms.set_rows("new_economy", rows, True)  # the fund's mandate: 四新 projects
        firms.set_rows("rd_rate", rows, np.minimum(firms.rd_rate[rows] * ctx.fund_rd_uplift, MAX_RD_RATE))


# ---------------------------------------------------------------------------------------
# The growth firms' rules, firm by firm. They are compiled (numba) because they run over
# every one of ~43,000 rows each quarter: one compiled pass over the rows replaces about
# fifty numpy passes, each of which went through memory again. The arithmetic is the
# column arithmetic, operation for operation: ``tests/test_growth_rule.py`` checks it
# against the rules written with numpy columns (the same numbers bit for bit where numpy
# and the compiled code share the C library's exp and log, as on x86-64 without AVX-512).

QUARTER_LAPLACE_SCALE = 0.5 / np.sqrt(2.0)  # Laplace scale b of a quarter's shock: variance 2 b^2 = 1/4


@numba.njit(cache=True)
def _grow(
    sector, uniform, event, growth_sigma, capital_output,  # inputs per row
    rd_rate, tfp, tech_share, revenue, cash, debt, assets,  # state per row, updated
    demand_growth,  # per sector: this quarter's log growth of demand
    rd_factor, innovation_rate, innovation_jump, tfp_factor, tech_step, max_debt_ratio,
):  # fmt: skip
    """One quarter's growth of each firm, financed from cash, then debt (``GrowthFirm.decide_investment``).

    Log growth is the sector's demand growth, plus a Laplace shock (heavy-tailed, variance
    1/4 before scaling by the firm's ``growth_sigma``: four quarters make its annual
    variance), plus a jump when the firm innovates, which it does with a probability
    proportional to its R&D intensity. Growing needs ``capital_output`` yuan of capital per
    yuan of extra annual revenue, paid from cash first, then borrowed up to the debt
    ceiling; a firm that cannot finance its growth grows as far as it can.
    """
    for i in range(revenue.size):
        rd_rate[i] *= rd_factor  # the economy-wide drift of R&D intensity
        centred = uniform[i] - 0.5
        # -b log(1 - 2|u - 1/2|) with the sign of u - 1/2: a Laplace draw (1 - 2|u - 1/2| is exact).
        shock = math.copysign(-QUARTER_LAPLACE_SCALE * math.log(1.0 - 2.0 * abs(centred)), centred)
        growth = demand_growth[sector[i]] + growth_sigma[i] * shock
        if event[i] < innovation_rate * rd_rate[i]:
            growth += innovation_jump
            tfp[i] *= tfp_factor  # exp(innovation_jump)
            tech_share[i] = min(tech_share[i] + tech_step, 1.0)
        capital = capital_output[i] * revenue[i]
        factor = math.exp(growth)  # revenue multiplier
        need = (max(factor, 1.0) - 1.0) * capital  # capital for the extra revenue
        own = max(cash[i], 0.0)
        room = max(max_debt_ratio * assets[i] - debt[i], 0.0) + own
        if need > room:  # growth is held back by what the firm can finance
            factor = 1.0 + room / max(capital, 1e-12)
            need = room
        from_cash = min(need, own)
        cash[i] -= from_cash
        assets[i] += need
        debt[i] += need - from_cash
        revenue[i] *= factor


@numba.njit(cache=True)
def _settle(
    margin, rd_base, rd_rate, cash_target, active,  # inputs per row
    revenue, cash, debt, assets,  # state per row (cash and debt updated)
    interest_rate, tax_rate, max_debt_ratio, year_end,
    bankrupt,  # output per row
):  # fmt: skip
    """Book each firm's quarterly profit into cash; flag the bankrupt (``GrowthFirm.settle``).

    A firm's gross margin carries its own R&D; R&D above that (after fund equity or the
    economy-wide drift) comes out of profit. At the year's end cash above the firm's target
    repays debt. A firm whose cash turns negative borrows up to its debt ceiling; one that
    cannot cover the loss that way, and is active, is bankrupt.
    """
    for i in range(revenue.size):
        profit = (margin[i] + rd_base[i] - rd_rate[i]) * revenue[i] - interest_rate * debt[i]
        profit *= 0.25  # a quarter of the annual rate
        profit -= tax_rate * max(profit, 0.0)
        firm_cash, firm_debt = cash[i] + profit, debt[i]
        if year_end:
            surplus = min(max(firm_cash - cash_target[i] * revenue[i], 0.0), firm_debt)
            firm_cash -= surplus
            firm_debt -= surplus
        failed = False
        if firm_cash < 0.0:
            shortfall = -firm_cash
            room = max(max_debt_ratio * assets[i] - firm_debt, 0.0)
            borrow = min(shortfall, room)
            firm_debt += borrow
            firm_cash += borrow
            failed = shortfall > room and active[i]
        cash[i], debt[i], bankrupt[i] = firm_cash, firm_debt, failed
