"""What the firms see: the contexts handed to the agents' rules, and the growth industries' paths.

Builders only: each takes the world, the calibration and the scenario and returns a new
object, setting nothing on anything else. The model updates the contexts' per-quarter
fields as the quarter goes (prices, gaps, closure risk, demand growth).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agents.growth_firms import GrowthContext
from agents.plants import PlantContext
from agents.population import ColumnStore
from model.calendar import N_QUARTERS
from model.config import Params
from model.environment import Environment
from model.names import GROWTH_SECTORS, N_OVERCAPACITY
from model.world import World

# Behavioural parameters (calibration.behaviour) that the contexts carry under their own names.
FINANCE = ("max_debt_ratio", "interest_rate", "tax_rate")  # plants and growth firms borrow and pay tax alike
PLANT_BEHAVIOUR = (
    "maintenance_rate",
    "replacement_ratio",
    "soe_exit_reluctance",
    "severance_years",
    "expectation_weight",
)
GROWTH_BEHAVIOUR = ("innovation_rate", "innovation_jump", "innovation_tech_step", "exit_hazard")


def _numbers(behaviour: Params, names: tuple[str, ...]) -> dict[str, float]:
    """The named parameters as plain floats."""
    return {name: float(behaviour[name]) for name in names}


def plant_context(world: World, behaviour: Params, environment: Environment, plants: ColumnStore) -> PlantContext:
    """The context of the overcapacity plants at the end of 2017 (2017 prices, no surcharge).

    Best practice (the floor an upgrade can reach) is ``behaviour.best_practice`` times each
    sector's capacity-weighted mean intensity in 2017.
    """
    oc = world.overcapacity
    in_sector = [plants.sector == i for i in range(N_OVERCAPACITY)]
    floor_fuel = np.array(
        [behaviour.best_practice * np.average(plants.fuel_intensity[m], weights=plants.capacity[m]) for m in in_sector]
    )
    floor_power = np.array(
        [behaviour.best_practice * np.average(plants.power_intensity[m], weights=plants.capacity[m]) for m in in_sector]
    )
    return PlantContext(
        quarter=0,
        price=oc["price"].copy(),
        price0=oc["price"],
        fuel_price=oc["fuel_price"].copy(),
        fuel_price0=oc["fuel_price"],
        cost_index=np.ones(N_OVERCAPACITY),
        tariff=oc["tariff"],
        tariff0=oc["tariff"],
        base=oc["base_units_per_unit"],
        wage=oc["wage"],
        upgrade_cost=oc["upgrade_cost"],
        upgrade_gain=oc["upgrade_gain"],
        ule_retrofit_cost=oc["ule_retrofit_cost"],
        safety_fix_cost=oc["safety_fix_cost"],
        replacement_cost=oc["replacement_cost"],
        salvage_share=oc["salvage_share"],
        intensity_floor_fuel=floor_fuel,
        intensity_floor_power=floor_power,
        best_scale=world.best_scale,
        segment_offset=world.segment_offset,
        horizon=int(behaviour.horizon_quarters),
        discount=float(behaviour.discount_rate),
        upgrade_lag=int(behaviour.upgrade_lag_quarters),
        **_numbers(behaviour, FINANCE + PLANT_BEHAVIOUR),
        surcharge_of=lambda rows, fuel, power, ule, eq: environment.surcharge_of(plants, rows, fuel, power, ule, eq),
        gaps=np.zeros((4, plants.n), bool),
        closure_risk=np.zeros(plants.n),
        closure_quarters=np.zeros(plants.n),
    )


@dataclass(frozen=True)
class GrowthPaths:
    """The ten strong industries' exogenous paths, by quarter (index 0 = 2017Q4).

    Attributes:
        annual_trend: Each industry's trend growth of demand [per year].
        quarterly_trend: The same as quarterly log growth.
        market_growth: (quarters, industries): each industry's market relative to 2017 at
            its trend [factor].
        shock_step: (industries, quarters): change of the scenario's demand shocks in log
            points from one quarter to the next.
        labour_productivity: Growth of labour productivity since 2017, by quarter [factor].
        rd_drift: Economy-wide rise of R&D intensity [relative, per quarter].
    """

    annual_trend: np.ndarray
    quarterly_trend: np.ndarray
    market_growth: np.ndarray
    shock_step: np.ndarray
    labour_productivity: np.ndarray
    rd_drift: float

    @classmethod
    def from_scenario(cls, scenario: Params, demand_shock: np.ndarray) -> GrowthPaths:
        """Paths of a scenario; ``demand_shock`` is the industries' shock factor by quarter."""
        annual = np.array([scenario.demand_growth[s] for s in GROWTH_SECTORS])
        quarterly = np.log1p(annual) / 4.0
        shock = np.log(demand_shock)
        quarters = np.arange(N_QUARTERS + 1)
        return cls(
            annual_trend=annual,
            quarterly_trend=quarterly,
            market_growth=np.exp(quarters[:, None] * quarterly),
            shock_step=np.diff(shock, axis=1, prepend=shock[:, :1]),
            labour_productivity=(1.0 + scenario.firm_labour_productivity_growth) ** (quarters / 4.0),
            rd_drift=(1.0 + scenario.firm_rd_drift) ** 0.25 - 1.0,
        )


def growth_context(world: World, behaviour: Params, paths: GrowthPaths) -> GrowthContext:
    """The context of the growth firms at the end of 2017."""
    return GrowthContext(
        quarter=0,
        demand_growth=paths.quarterly_trend.copy(),
        labour_productivity=world.growth["labour_productivity"].copy(),
        **_numbers(behaviour, FINANCE + GROWTH_BEHAVIOUR),
        rd_drift=0.0,
        fund_rd_uplift=1.0 + behaviour.fund_rd_uplift,
        year_end=False,
    )
