"""Plants in the overcapacity sectors: their state, what they see each quarter, and their rules.

Plants choose utilisation from price against marginal cost, pay electricity by tier,
and each quarter compare carrying on, upgrading and exiting (:class:`Plant`). Units as
in :mod:`agents.firms`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from agents.firms import ExitReason, Firm
from agents.population import ColumnStore


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
