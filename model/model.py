"""The Shandong new-old driver conversion model: a Mesa model that builds the world and orders the phases.

One step is one quarter, 2018Q1 to 2022Q4, from a state calibrated to the end of
2017 (recorded as 2017Q4)::

    government applies the policy mix   -> prices, standards, fund money, closure orders
    plants produce                      -> upgrades complete, markets clear, profits
    regulator inspects                  -> plants found non-compliant get a deadline
    plants invest, upgrade or exit
    fund invests; firms grow, exit and enter
    recognition (fourth quarters), resettlement, accounts

Each phase's body lives with its submodel: market clearing in ``model.markets``, the
title review in ``model.recognition``, the fund's pipeline in ``agents.fund``, the agents'
rules in ``agents.plants`` and ``agents.growth_firms``, the tallies in ``model.tallies``, the accounts in
``model.accounts``. The calibration, scenario, policy mix and targets come from the Hydra
config in ``conf/``; called with no arguments the model builds full-scale Shandong under
the as-enacted mix.

Mesa: the DataCollector records 2017Q4 at construction and each quarter after it, and
``running`` stays True through 2022Q4: the step after it simulates nothing and ends the
run. Mesa 3.3.1's ``batch_run`` reads the collector's rows up to ``steps - 1`` only
(mesa#2514), so this is what makes it report 2022Q4, as Step 20.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from typing import Any

import mesa
import numpy as np
import pandas as pd
from omegaconf import DictConfig

from agents.base import collector_paused, create_agents, remove_rows
from agents.firms import ExitReason, Firm
from agents.fund import YUAN_PER_BN, ConversionFund, FundBehaviour
from agents.government import City, ProvincialGovernment, Regulator
from agents.growth_firms import GrowthFirm
from agents.plants import Plant
from model import population
from model.accounts import Accounts
from model.calendar import N_QUARTERS, quarter_label
from model.config import resolved
from model.contexts import GrowthPaths, growth_context, plant_context
from model.environment import Environment
from model.instruments import build_mix
from model.markets import Markets
from model.names import GROWTH_SECTORS, N_OVERCAPACITY, OVERCAPACITY_SECTORS
from model.overrides import configure
from model.recognition import TitleReview
from model.rng import Streams
from model.sampling import DrawSlots
from model.tallies import Tallies
from model.targets import scorecard
from model.world import World

# Province-wide indicators the model's own DataCollector records each quarter (for batch_run).
HEADLINE_INDICATORS = (
    "gdp",
    "new_economy_va_share",
    "rd_intensity",
    "labour_productivity",
    "energy_intensity",
    "coal_consumption",
    "gazelle_firms",
    "unicorn_firms",
    "champion_firms",
    "fund_invested",
    "jobs_lost",
    "fiscal_outlay",
)


class ShandongModel(mesa.Model):
    """Firms of Shandong's overcapacity sectors and ten strong industries under a policy mix.

    Args:
        seed: Root seed of all random streams; ``None`` draws one (kept in ``self.seed``).
        scale: Fraction of the full firm population to simulate, in (0, 1].
        policy_mix: Name of a mix in ``conf/policy_mix/``.
        scenario: Name of a scenario in ``conf/scenario/``.
        calibration: Name of a calibration in ``conf/calibration/``.
        targets: Name of a target set in ``conf/targets/``.
        config: A composed config (e.g. from Hydra); when given, the names, ``scale``,
            ``seed``, ``overrides`` and levers are ignored in favour of the config's own.
        overrides: Dotted config key -> value, as on the command line (:mod:`model.overrides`).
        **levers: The main levers by short name (``fund_size=800``, ...; None keeps the mix's):
            :data:`model.overrides.LEVERS`. Keywords, so that Mesa's ``batch_run`` varies them.

    ``running`` stays True through 2022Q4; the step after it ends the run (see the module doc).
    """

    def __init__(
        self,
        seed: int | None = None,
        scale: float = 1.0,
        policy_mix: str = "as_enacted",
        scenario: str = "historical",
        calibration: str = "shandong_2017_msm",
        targets: str = "shandong_2022",
        config: DictConfig | None = None,
        overrides: Mapping[str, Any] | None = None,
        **levers: float | None,
    ) -> None:
        if config is None:
            seed = secrets.randbelow(2**31) if seed is None else seed
            names = {"policy_mix": policy_mix, "scenario": scenario, "calibration": calibration, "targets": targets}
            config = configure(overrides, seed=seed, scale=scale, **names, **levers)
        self.config = config
        self.params = params = resolved(config)  # validated; calibration tables read
        self.seed = int(params.seed)
        self.streams = Streams(self.seed)
        self.streams.prepare_quarters(N_QUARTERS)
        super().__init__(seed=self.streams.mesa_seed())

        cal, scen = params.calibration, params.scenario
        self.world = world = World(cal)
        self.scale = float(params.scale)
        self.quarter = 0
        Plant.sector_names, GrowthFirm.sector_names = OVERCAPACITY_SECTORS, GROWTH_SECTORS
        Firm.city_names = world.cities

        pop_rng = self.streams.get("population")
        self.plants = population.build_plants(world, cal, pop_rng)
        sample_rng = self.streams.get("population_sample")
        self.firms, take_up = population.build_firms(world, cal, scen, self.scale, pop_rng, sample_rng)
        self.draw_slots = DrawSlots(self.firms)  # each row's per-quarter draws: its firm's
        with collector_paused():  # tens of thousands of agents and no garbage among them
            self.plant_agents: list[Plant | None] = [*create_agents(self, Plant, range(self.plants.n))]
            self.firm_agents: list[GrowthFirm | None] = [*create_agents(self, GrowthFirm, range(self.firms.n))]
        rows_by_sector, self.row_weight, self.median_revenue_2017 = population.industry_rows(self.firms)
        self.entry_slots = population.entrant_slots(world, cal, self.scale)

        self.cities = [
            City(self, name, bool(world.coastal[i]), bool(world.channel[i]), bool(world.core[i]))
            for i, name in enumerate(world.cities)
        ]
        self.regulator = Regulator(self)
        behaviour = FundBehaviour(
            float(cal.fund.screening_noise), float(cal.fund.rd_signal_weight), float(cal.fund.co_investment)
        )
        self.fund = ConversionFund(
            self,
            behaviour,
            rows_by_sector,
            self.firms.weight,
            self.row_weight,
            self.median_revenue_2017,
            world.growth["valuation_multiple"],
            N_QUARTERS,
        )
        oc = world.overcapacity
        self.environment = Environment(oc["energy_quota"], (oc["quota_fuel_weight"], oc["quota_power_weight"]))
        self.environment.surcharge_scale = float(params.policy_mix.surcharge_scale)
        self.government = ProvincialGovernment(self, build_mix(params.policy_mix, world))
        self.markets = Markets(world, scen, float(cal.economy.coal_generation_share))
        self.growth = GrowthPaths.from_scenario(scen, self.markets.shock[N_OVERCAPACITY:])
        self.tallies = Tallies()

        # The regimes in force at the end of 2017 (instruments that started earlier) are part of
        # the starting state: the 2017 surcharges are in the costs the markets are calibrated to.
        self.government.apply_policies(0)
        self.plants.surcharge = self.environment.plant_surcharges(self.plants)
        self.plant_ctx = plant_context(world, cal.behaviour, self.environment, self.plants)
        self.growth_ctx = growth_context(world, cal.behaviour, self.growth)
        cost = Plant.marginal_cost(self.plants, self.plant_ctx)
        Plant.start(self.plants, self.plant_ctx, self.markets.calibrate(self.plants, cost), cost)
        self.titles = TitleReview(
            cal.recognition, world.growth["valuation_multiple"], self.growth.annual_trend, self.growth.market_growth
        )
        self.titles.start(self.firms, cal.initial_counts, self.year, world.manufacturing, take_up)
        self.accounts = Accounts(self)
        self.accounts.record(0)
        self.datacollector = mesa.DataCollector(
            model_reporters={name: self._reporter(name) for name in HEADLINE_INDICATORS}
        )
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ the quarter
    def step(self) -> None:
        """Simulate one quarter; the step after 2022Q4 simulates nothing and ends the run."""
        if self.steps > N_QUARTERS:
            self.running = False
            return
        self.quarter = q = self.steps
        self.environment.reset()
        self.fund.new_quarter()
        self.government.apply_policies(q)
        self.plants_produce(q)
        self.regulate(q)
        self.plants_invest_upgrade_or_exit()
        self.fund_invests(q)
        self.firms_grow(q)
        self.firms_enter(q)
        if q % 4 == 0:
            self.recognise()
        self.resettle()
        self.accounts.record(q)
        self.datacollector.collect(self)

    def run(self) -> None:
        """Run to 2022Q4."""
        while self.running:
            self.step()

    def scorecard(self) -> pd.DataFrame:
        """The run so far scored against its targets (:func:`model.targets.scorecard`)."""
        return scorecard(self.timeseries(), self.params.targets.entries)

    # ------------------------------------------------------------------ plants
    def plants_produce(self, q: int) -> None:
        """Complete upgrades, set surcharges, clear the markets, book profits and surcharges paid."""
        plants, ctx = self.plants, self.plant_ctx
        ctx.quarter = q
        released = Plant.complete_upgrades(plants, ctx)
        if released.any():
            self.tallies.replaced(plants, released, self.cities)
        plants.surcharge = self.environment.plant_surcharges(plants)
        plants.utilisation = self.markets.clear_quarter(plants, ctx, q)
        plants.output = plants.utilisation * plants.capacity
        plants.reserve = plants.reserve - np.where(plants.sector == self.markets.coal, plants.output / 4.0, 0.0)
        self._bankrupt = Plant.settle(plants, ctx, Plant.marginal_cost(plants, ctx))
        sector = plants.sector
        base_units = self.world.overcapacity["base_units_per_unit"][sector]
        kwh = plants.weight * plants.output * base_units * plants.power_intensity  # per year
        paid = kwh * plants.surcharge * 1e-9 / 4.0  # yuan to bn yuan, a quarter of the annual rate
        self.tallies.surcharge_revenue += np.bincount(sector, weights=paid, minlength=N_OVERCAPACITY)

    def regulate(self, q: int) -> None:
        """Inspections on the regulator's cadence; closure of plants past their deadline."""
        plants, ctx = self.plants, self.plant_ctx
        ctx.gaps = self.environment.plant_gaps(plants)
        noncompliant = ctx.gaps.any(axis=0) & plants.active
        if self.regulator.inspects(q):
            draws = self.streams.get("inspection", q).random(plants.n)
            self.regulator.inspect(plants, noncompliant, draws, q)
        closing = self.regulator.enforce(plants, noncompliant, q)
        if closing.any():
            self.tallies.inspected_away(plants, closing)
            self.close_plants(np.flatnonzero(closing), ExitReason.INSPECTION)
        ctx.closure_risk, ctx.closure_quarters = self.regulator.closure_risk(plants, noncompliant & plants.active, q)

    def plants_invest_upgrade_or_exit(self) -> None:
        """Plants compare carrying on, upgrading and exiting; the bankrupt and depleted leave."""
        plants = self.plants
        _, leave = Plant.decide_investment(plants, self.plant_ctx)
        depleted = plants.active & (plants.reserve <= 0)
        reason = Plant.decide_exit(plants, self._bankrupt & plants.active, leave, depleted)
        for code in np.bincount(reason)[1:].nonzero()[0] + 1:  # each exit reason that occurs
            self.close_plants((reason == code).nonzero()[0], ExitReason(int(code)))

    def close_plants(self, rows: np.ndarray, reason: ExitReason, compensation: float = 0.0) -> None:
        """Close plants: capacity leaves, workers are released, agents leave the model.

        Args:
            rows: Plant rows (those already closed are passed over).
            reason: Why they close.
            compensation: Fiscal award paid to the closing plants [bn yuan, all rows together].
        """
        rows = rows[self.plants.active[rows]]
        if rows.size == 0:
            return
        self.tallies.closed(self.plants, rows, self.cities)
        Plant.close(self.plants, rows, reason, self.quarter, compensation)
        remove_rows(self, self.plant_agents, rows.tolist())

    def build_steel_plants(self, capacity_by_city: np.ndarray) -> None:
        """Commission rebuilt steel capacity [Mt/yr by city] as new best-practice plants."""
        steel = self.params.calibration.overcapacity.steel
        values = population.rebuilt_steel_works(self.plants, self.world, steel, self.plant_ctx, capacity_by_city)
        if values is None:
            return
        rows = self.plants.append(np.size(values["city"]), values)
        self.tallies.hired(self.plants, rows, self.world.overcapacity_index("steel"))
        self.plant_agents.extend(create_agents(self, Plant, rows.tolist()))

    # ------------------------------------------------------------------ fund and growth firms
    def fund_invests(self, q: int) -> None:
        """The fund screens its deal pipeline and pays in equity; the investees book it."""
        firms = self.firms
        rng = self.streams.get("fund_selection", q)
        deal = self.fund.invest_in_pipeline(q, firms, self.year, self.growth.market_growth[q], rng)
        if deal is None:
            return
        if firms.n > (known := len(self.firm_agents)):  # rows split off for the firms the fund took (scale < 1)
            self.firm_agents.extend(create_agents(self, GrowthFirm, self.draw_slots.assign(firms, known)))
        weight = firms.weight[deal.rows]
        equity, co_equity = deal.fund / weight / YUAN_PER_BN, deal.co_investment / weight / YUAN_PER_BN
        pre_money = self.world.growth["valuation_multiple"][deal.sectors] * firms.revenue[deal.rows]
        GrowthFirm.take_equity(firms, self.growth_ctx, deal.rows, equity, co_equity, pre_money)

    def firms_grow(self, q: int) -> None:
        """Firms in the ten strong industries grow, book profits and exit."""
        firms, ctx = self.firms, self.growth_ctx
        ctx.quarter = q
        ctx.demand_growth = self.growth.quarterly_trend + self.growth.shock_step[:, q]
        ctx.labour_productivity = self.world.growth["labour_productivity"] * self.growth.labour_productivity[q]
        ctx.rd_drift = self.growth.rd_drift
        ctx.year_end = q % 4 == 0
        uniform = self.draw_slots.draws(self.streams.get("growth_shock", q), firms)
        event = self.draw_slots.draws(self.streams.get("growth_event", q), firms)
        GrowthFirm.decide_investment(firms, ctx, uniform, event)
        bankrupt = GrowthFirm.settle(firms, ctx)
        reason = GrowthFirm.decide_exit(firms, ctx, bankrupt, event)
        leaving = reason.nonzero()[0]
        if leaving.size:
            self.accounts.firms_left(leaving)
            GrowthFirm.leave(firms, leaving, reason[leaving], q)
            remove_rows(self, self.firm_agents, leaving.tolist())

    def firms_enter(self, q: int) -> None:
        """New firms enter the ten strong industries, more where fund money flows."""
        beh = self.params.calibration.behaviour
        recent_fund = self.fund.flow[max(q - 3, 0) : q + 1].sum(axis=0)  # the last four quarters [bn yuan]
        fund_pull = 1.0 + beh.entry_fund_elasticity * recent_fund / np.maximum(self.accounts.firm_va_by_sector, 1e-9)
        expected = beh.entry_rate / 4.0 * self.accounts.firms_by_sector * fund_pull  # firms, at every scale
        counts = np.minimum(self.streams.get("entry", q).poisson(expected), self.entry_slots)
        if not counts.any():
            return
        market_growth = self.growth.market_growth[q]
        values, counts = population.entrants(
            self.world, self.params.calibration, counts, self.median_revenue_2017 * market_growth, market_growth,
            self.row_weight, self.entry_slots, self.year, self.streams.get("entry", q, 1), self.titles.take_up,
        )  # fmt: skip
        values["draw_slot"] = self.draw_slots.take(int(counts.sum()))
        rows = self.firms.append(int(counts.sum()), values)
        self.fund.admit(rows, counts, self.firms.weight[rows])
        self.accounts.firms_entered(self.firms.sector[rows], self.firms.city[rows], self.firms.weight[rows])
        self.firm_agents.extend(create_agents(self, GrowthFirm, rows.tolist()))

    def recognise(self) -> None:
        """The annual review of titles (fourth quarters), and the new counts."""
        self.titles.review(self.firms, self.year, self.quarter, self.accounts.manufacturing())
        self.accounts.count_titles()

    def resettle(self) -> None:
        """Cities resettle released workers when a resettlement programme runs."""
        rate = self.environment.resettlement_rate
        if rate <= 0:
            return
        moved = sum(city.resettle(rate) for city in self.cities)
        self.government.spend("resettlement_subsidies", moved * self.environment.resettlement_subsidy / YUAN_PER_BN)

    # ------------------------------------------------------------------ reading results
    def _reporter(self, indicator: str) -> Callable[[ShandongModel], float]:
        """A Mesa model reporter reading one province-wide indicator of the current quarter."""
        column = self.accounts.recorder.column(indicator)
        values = self.accounts.recorder.values
        return lambda model: float(values[model.quarter, column])

    @property
    def firm_agent_set(self) -> mesa.agent.AgentSet:
        """All firm agents (plants and growth firms) as one AgentSet."""
        agents = [a for a in self.plant_agents if a is not None] + [a for a in self.firm_agents if a is not None]
        return mesa.agent.AgentSet(agents, random=self.random)

    def indicator(self, indicator: str, sector: str = "all", city: str = "all", quarter: int | None = None) -> float:
        """A recorded indicator value (default: the latest quarter)."""
        return self.accounts.recorder.get(self.quarter if quarter is None else quarter, indicator, sector, city)

    def timeseries(self) -> pd.DataFrame:
        """The tidy quarterly table recorded so far."""
        return self.accounts.recorder.table(self.quarter)

    @property
    def year(self) -> float:
        """Time at the end of the current quarter in years (2017Q4 ends at 2018.0)."""
        return 2018.0 + self.quarter / 4.0

    @property
    def date(self) -> str:
        """Label of the current quarter."""
        return quarter_label(self.quarter)
