"""The Shandong new-old driver conversion model: a Mesa model that orders the phases.

One step is one quarter, 2018Q1 to 2022Q4, from a state calibrated to the end of
2017 (recorded as 2017Q4)::

    government applies the policy mix   -> prices, standards, fund money, closure orders
    plants produce                      -> upgrades complete, markets clear, profits
    regulator inspects                  -> plants found non-compliant get a deadline
    plants invest, upgrade or exit
    fund invests; firms grow, exit and enter
    recognition (fourth quarters), resettlement, accounts

The calibration, scenario, policy mix and targets come from the Hydra config in
``conf/``; called with no arguments the model builds full-scale Shandong under the
as-enacted mix.
"""

from __future__ import annotations

import gc
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import mesa
import numpy as np
import pandas as pd
from omegaconf import DictConfig

from agents.base import create_agents, remove_agents
from agents.firms import EXIT_REASONS, Firm, GrowthContext, GrowthFirm, OvercapacityFirm, PlantContext
from agents.government import City, ConversionFund, ProvincialGovernment, Regulator
from model import population, recognition
from model.accounts import Accounts
from model.calendar import N_QUARTERS, quarter_label
from model.config import GROWTH_SECTORS, OVERCAPACITY_SECTORS, compose, resolved
from model.instruments import Environment, build_mix
from model.markets import Markets
from model.rng import Streams
from model.world import World

N_OC, N_GR = len(OVERCAPACITY_SECTORS), len(GROWTH_SECTORS)
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


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while creating many long-lived objects.

    Each agent is a few container objects; creating ~40,000 of them with the collector
    on sets off dozens of full collections that find nothing to free (measured: 40 % of
    the model's build time). The collector's state on entry is restored on exit.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
            gc.collect(1)  # the new objects join the old generation in one pass, not in the first quarters


class ShandongModel(mesa.Model):
    """Firms of Shandong's overcapacity sectors and ten strong industries under a policy mix.

    Args:
        seed: Root seed of all random streams; ``None`` draws one (kept in ``self.seed``).
        scale: Fraction of the full firm population to simulate, in (0, 1].
        policy_mix: Name of a mix in ``conf/policy_mix/``.
        scenario: Name of a scenario in ``conf/scenario/``.
        calibration: Name of a calibration in ``conf/calibration/``.
        targets: Name of a target set in ``conf/targets/``.
        config: A composed config (e.g. from Hydra); when given, the names, ``scale`` and
            ``seed`` above are ignored in favour of the config's own.
    """

    def __init__(
        self,
        seed: int | None = None,
        scale: float = 1.0,
        policy_mix: str = "as_enacted",
        scenario: str = "baseline",
        calibration: str = "shandong_2017_msm",
        targets: str = "shandong_2022",
        config: DictConfig | None = None,
    ) -> None:
        if config is None:
            seed = secrets.randbelow(2**31) if seed is None else seed
            config = compose(
                [
                    f"policy_mix={policy_mix}",
                    f"scenario={scenario}",
                    f"calibration={calibration}",
                    f"targets={targets}",
                    f"scale={scale}",
                    f"seed={seed}",
                ]
            )
        self.config = config
        self.params = params = resolved(config)  # validated; calibration tables read
        self.seed = int(params.seed)
        self.streams = Streams(self.seed)
        self.streams.prepare(
            key
            for q in range(1, N_QUARTERS + 1)
            for key in (
                ("growth_shock", q),
                ("growth_event", q),
                ("entry", q),
                ("entry", q, 1),
                ("fund_selection", q),
                ("inspection", q),
            )
        )
        super().__init__(seed=self.streams.mesa_seed())

        cal = params.calibration
        self.world = world = World(cal)
        self.scale = float(params.scale)
        self.quarter = 0
        OvercapacityFirm.sector_names = OVERCAPACITY_SECTORS
        GrowthFirm.sector_names = GROWTH_SECTORS
        Firm.city_names = world.cities

        pop_rng = self.streams.get("population")
        self.plants, _ = population.build_plants(world, cal, self.scale, pop_rng)
        self.firms = population.build_firms(world, cal, params.scenario, self.scale, pop_rng)
        with collector_paused():  # tens of thousands of agents and no garbage among them
            self.plant_agents: list[OvercapacityFirm | None] = create_agents(
                self, OvercapacityFirm, range(self.plants.n)
            )
            self.firm_agents: list[GrowthFirm | None] = create_agents(self, GrowthFirm, range(self.firms.n))
        self.sector_rows = [np.flatnonzero(self.firms.sector == s) for s in range(N_GR)]  # fund pipelines
        self.row_weight = world.gr["firms"] / np.array([rows.size for rows in self.sector_rows])
        # Each industry's median firm revenue at the end of 2017 [bn yuan per year]: the scale
        # of entrants (times entrant_size) and of the fund's typical ticket, grown at trend.
        self.median_revenue_2017 = np.array([np.median(self.firms.revenue[rows]) for rows in self.sector_rows])
        self.entry_slots = population.entrant_slots(world, cal, self.scale)

        self.cities = [
            City(self, name, bool(world.coastal[i]), bool(world.channel[i]), bool(world.core[i]))
            for i, name in enumerate(world.cities)
        ]
        self.regulator = Regulator(self)
        self.fund = ConversionFund(self)
        self.fund.invested_by_sector = np.zeros(N_GR, np.int64)
        self.fund_budget = np.zeros(N_GR, np.int64)
        self.fund_rules = None
        self.environment = Environment(
            world.oc["energy_quota"], (world.oc["quota_fuel_weight"], world.oc["quota_power_weight"])
        )
        self.environment.surcharge_scale = float(params.policy_mix.surcharge_scale)
        self.government = ProvincialGovernment(self, build_mix(params.policy_mix, self))
        self.markets = Markets(world, params.scenario)

        self.capacity_exited = np.zeros(N_OC)  # [sector unit, cumulative]
        self.jobs_lost = np.zeros(N_OC)  # [persons, cumulative]
        self.workers_hired = np.zeros(N_OC)  # by plants built since 2017 [persons, cumulative]
        self.inspection_closures = np.zeros(N_OC)  # [plants, cumulative]
        self.fund_flow = np.zeros((N_QUARTERS + 1, N_GR))  # fund money invested [bn yuan]
        self.plant_ctx = self._plant_context()
        self.growth_ctx = self._growth_context()
        self._calibrate_markets()
        self.take_up = self._calibrate_recognition()
        self.accounts = Accounts(self)
        self.accounts.record(0)
        self.datacollector = mesa.DataCollector(
            model_reporters={name: self._reporter(name) for name in HEADLINE_INDICATORS}
        )
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ the quarter
    def step(self) -> None:
        """Simulate one quarter."""
        self.quarter = q = self.steps
        self.environment.reset()
        self.fund_budget[:] = 0
        self.government.apply_policies(q)
        self.plants_produce(q)
        self.regulate(q)
        self.plants_invest_upgrade_or_exit(q)
        self.fund_invests(q)
        self.firms_grow(q)
        self.firms_enter(q)
        if q % 4 == 0:
            self.recognise()
        self.resettle()
        self.accounts.record(q)
        self.datacollector.collect(self)
        if q >= N_QUARTERS:
            self.running = False

    def run(self) -> None:
        """Run to 2022Q4."""
        while self.running:
            self.step()

    # ------------------------------------------------------------------ plants
    def plants_produce(self, q: int) -> None:
        """Complete upgrades, set surcharges, clear the markets, book profits."""
        plants, ctx, markets, world = self.plants, self.plant_ctx, self.markets, self.world
        ctx.quarter = q
        released = OvercapacityFirm.complete_upgrades(plants, ctx)
        if released.any():
            rows = np.flatnonzero(released)
            self._release_workers(rows, released[rows])
            # Capacity replaced away: the released workers' share of the old capacity.
            gone = released[rows] / np.maximum(plants.workers_per_unit[rows], 1e-12)
            self.capacity_exited += np.bincount(plants.sector[rows], weights=plants.weight[rows] * gone, minlength=N_OC)
        plants.surcharge = self.environment.surcharge_of(
            plants,
            np.arange(plants.n),
            plants.fuel_intensity,
            plants.power_intensity,
            plants.ule_unmet,
            plants.equipment_class,
        )
        ctx.cost_index = markets.index[:, q]
        sector = plants.sector
        weighted = plants.weight * plants.capacity
        utilisation = np.zeros(plants.n)
        coal, power = self.coal, self.power
        for stage in self.stages:
            if stage[0] == power:
                # Coal power serves the electricity the other plants use (change since 2017):
                # TWh/yr over 8.76 TWh per GW-year is GW, coal power's unit of output.
                twh = self._plant_electricity(utilisation)
                markets.extra_demand[power] = (twh - self.electricity0) / 8.76 * self.coal_generation_share
            if stage[0] != coal:
                coal_ratio = markets.price[coal] / markets.price0[coal]
                ctx.fuel_price = ctx.fuel_price0 * (1.0 + world.oc["coal_share"] * (coal_ratio - 1.0))
            rows = np.flatnonzero(self.stage_mask[stage[0]][sector] & plants.active)
            if rows.size == 0:
                continue
            cost = OvercapacityFirm.marginal_cost(plants, ctx, rows=rows)
            utilisation[rows] = markets.clear(stage, weighted[rows], cost, sector[rows], q)
        ctx.price = markets.price
        plants.utilisation = utilisation
        plants.output = plants.utilisation * plants.capacity
        plants.reserve = plants.reserve - np.where(sector == coal, plants.output / 4.0, 0.0)
        cost = OvercapacityFirm.marginal_cost(plants, ctx)
        self._bankrupt = OvercapacityFirm.settle(plants, ctx, cost)
        paid = (
            plants.weight
            * plants.output
            * world.oc["base_units_per_unit"][sector]
            * plants.power_intensity
            * plants.surcharge
            * 1e-9
            / 4.0
        )
        self.accounts.surcharge_revenue += np.bincount(sector, weights=paid, minlength=N_OC)

    def regulate(self, q: int) -> None:
        """Inspections on the regulator's cadence; closure of plants past their deadline."""
        plants = self.plants
        self.plant_ctx.gaps = self._gaps()
        noncompliant = self.plant_ctx.gaps.any(axis=0) & plants.active
        if self.regulator.inspects(q):
            draws = self.streams.get("inspection", q).random(plants.n)
            self.regulator.inspect(plants, noncompliant, draws, q)
        closing = self.regulator.enforce(plants, noncompliant, q)
        if closing.any():
            self.inspection_closures += np.bincount(
                plants.sector[closing], weights=plants.weight[closing], minlength=N_OC
            )
            self.close_plants(np.flatnonzero(closing), reason="inspection")
        risk, quarters = self.regulator.closure_risk(plants, noncompliant & plants.active, q)
        self.plant_ctx.closure_risk = risk
        self.plant_ctx.closure_quarters = quarters

    def plants_invest_upgrade_or_exit(self, q: int) -> None:
        """Plants compare carrying on, upgrading and exiting; the bankrupt and depleted leave."""
        plants = self.plants
        _, leave = OvercapacityFirm.decide_investment(plants, self.plant_ctx)
        depleted = plants.active & (plants.reserve <= 0)
        reason = OvercapacityFirm.decide_exit(plants, self._bankrupt & plants.active, leave, depleted)
        for code in np.bincount(reason)[1:].nonzero()[0] + 1:  # each exit reason that occurs
            self.close_plants((reason == code).nonzero()[0], reason=EXIT_REASONS[code])

    def close_plants(self, rows: np.ndarray, reason: str, compensation: float = 0.0) -> None:
        """Close plants: capacity leaves, workers are released, agents leave the model.

        Args:
            rows: Plant rows.
            reason: One of :data:`agents.firms.EXIT_REASONS`.
            compensation: Fiscal award paid to the closing plants [bn yuan, all rows together].
        """
        plants = self.plants
        rows = rows[plants.active[rows]]
        if rows.size == 0:
            return
        weight = plants.weight[rows]
        self.capacity_exited += np.bincount(plants.sector[rows], weights=weight * plants.capacity[rows], minlength=N_OC)
        self._release_workers(rows, plants.workers[rows])
        for column in ("capacity", "output", "utilisation", "workers", "profit"):
            plants.set_value(column, rows, 0.0)
        plants.set_value("active", rows, False)
        plants.set_value("exit_quarter", rows, self.quarter)
        plants.set_value("exit_reason", rows, EXIT_REASONS.index(reason))
        plants.set_value("upgrade_due", rows, -1)
        if compensation:
            plants.set_value("cash", rows, plants.cash[rows] + compensation / weight.sum())
        self._remove_agents(self.plant_agents, rows)

    def build_steel_plants(self, capacity_by_city: np.ndarray) -> None:
        """Commission rebuilt steel capacity [Mt/yr by city] as new best-practice plants."""
        plants, world = self.plants, self.world
        steel = world.oc_index("steel")
        cities = np.flatnonzero(capacity_by_city > 0)
        if cities.size == 0:
            return
        cal = self.params.calibration.overcapacity.steel
        cap = capacity_by_city[cities]
        in_steel = plants.sector == steel
        assets = cap * cal.capital_per_unit
        rows = plants.append(
            cities.size,
            {
                "sector": steel,
                "segment": 0,
                "city": cities,
                "weight": 1.0,
                "active": True,
                "soe": True,
                "capacity": cap,
                "capacity_2017": 0.0,
                "plant_scale": world.best_scale[world.segment_offset[steel]],
                "fuel_intensity": self.plant_ctx.intensity_floor_fuel[steel],
                "power_intensity": self.plant_ctx.intensity_floor_power[steel],
                "nonenergy_cost": float(np.median(plants.nonenergy_cost[in_steel])),
                "equipment_class": 0,
                "ule_unmet": 0,
                "safety_gap": 0.0,
                # A new works needs fewer hands per tonne (assumption: 60 % of the median).
                "workers_per_unit": 0.6 * float(np.median(plants.workers_per_unit[in_steel])),
                "assets": assets,
                "cash": 0.05 * assets,
                "debt": 0.6 * assets,
                "reserve": np.inf,
                "upgrade_due": -1,
                "deadline": -1,
                "exit_quarter": -1,
            },
        )
        plants.set_value("workers", rows, cap * plants.workers_per_unit[rows])
        self.workers_hired[steel] += float(np.sum(plants.weight[rows] * plants.workers[rows]))
        self.plant_agents.extend(create_agents(self, OvercapacityFirm, rows.tolist()))

    # ------------------------------------------------------------------ fund and growth firms
    def fund_invests(self, q: int) -> None:
        """The fund screens a deal pipeline in each sector and pays in equity to its picks."""
        rules = self.fund_rules
        if rules is None or not self.fund_budget.any():
            return
        firms, fund = self.firms, self.fund
        rng = self.streams.get("fund_selection", q)
        budget = self.fund_budget
        sectors = np.flatnonzero(budget > 0)
        ticket = self.expected_ticket(q)
        deals = np.ceil(budget / np.maximum(ticket * self.row_weight * 1e9, 1.0)).astype(int) + 1
        # The deal flow: firms of each sector that approach the fund, screened for eligibility.
        size = np.ceil(rules.pipeline_multiple * deals[sectors]).astype(int)
        pools = [self.sector_rows[s] for s in sectors]
        sizes = np.array([pool.size for pool in pools])
        pick = (rng.random(size.sum()) * np.repeat(sizes, size)).astype(int)  # position in its sector's pool
        ends = np.cumsum(size)
        drawn = np.concatenate([pool[pick[end - n : end]] for pool, n, end in zip(pools, size, ends, strict=True)])
        ok = firms.active[drawn] & ~firms.funded[drawn] & (firms.founded[drawn] <= self.year - 1.0)
        in_pipeline = np.zeros(firms.n, bool)  # a mask, not np.unique: ten times faster here
        in_pipeline[drawn[ok]] = True
        pipeline = np.flatnonzero(in_pipeline)  # sorted rows; a firm appears once
        valuation = self.world.gr["valuation_multiple"][firms.sector[pipeline]] * firms.revenue[pipeline]
        chosen, amounts = fund.select(
            firms,
            pipeline,
            budget,
            rules.selection,
            self.params.calibration.fund.screening_noise,
            self.params.calibration.fund.rd_signal_weight,
            rules.ticket_to_revenue,
            rules.max_ticket,
            rules.max_stake,
            valuation,
            rng.random(pipeline.size),
        )
        if chosen.size == 0:
            return
        sector = firms.sector[chosen]
        co = fund.invest(q, chosen, sector, amounts, self.params.calibration.fund.co_investment)
        weight = firms.weight[chosen]
        per_firm, per_firm_co = amounts / weight / 1e9, co / weight / 1e9
        firms.set_value("cash", chosen, firms.cash[chosen] + per_firm + per_firm_co)
        firms.set_value("fund_equity", chosen, firms.fund_equity[chosen] + per_firm)
        value = self.world.gr["valuation_multiple"][sector] * firms.revenue[chosen]
        firms.set_value("fund_stake", chosen, per_firm / (value + per_firm))
        firms.set_value("social_equity", chosen, firms.social_equity[chosen] + per_firm_co)
        firms.set_value("funded", chosen, True)
        firms.set_value("new_economy", chosen, True)  # the fund's mandate: 四新 projects
        firms.set_value("rd_rate", chosen, np.minimum(firms.rd_rate[chosen] * self.rd_uplift, 0.4))
        self.fund_flow[q] += np.bincount(sector, weights=amounts, minlength=N_GR) / 1e9

    def expected_ticket(self, q: int) -> np.ndarray:
        """The fund's expected ticket per firm in each industry [bn yuan]; sizes the deal pipeline.

        The amount :meth:`ConversionFund.select` would pay a firm of the industry's median
        revenue (the 2017 median grown at the industry's trend): ``ticket_to_revenue`` times
        its revenue, within the ticket cap and the stake cap at the industry's valuation
        multiple.
        """
        rules = self.fund_rules
        revenue = self.median_revenue_2017 * self.market_growth[q]
        stake_cap = rules.max_stake / (1.0 - rules.max_stake) * self.world.gr["valuation_multiple"]
        return np.minimum(np.minimum(rules.ticket_to_revenue, stake_cap) * revenue, rules.max_ticket)

    def firms_grow(self, q: int) -> None:
        """Firms in the ten strong industries grow, book profits and exit."""
        firms, ctx = self.firms, self.growth_ctx
        ctx.quarter = q
        ctx.demand_growth = self.growth_trend + self.growth_shock_step[:, q]
        ctx.labour_productivity = self.world.gr["labour_productivity"] * self.lp_trend[q]
        ctx.rd_drift = self.rd_drift
        ctx.year_end = q % 4 == 0
        uniform = self.streams.get("growth_shock", q).random(firms.n)
        event = self.streams.get("growth_event", q).random(firms.n)
        GrowthFirm.decide_investment(firms, ctx, uniform, event)
        bankrupt = GrowthFirm.settle(firms, ctx)
        reason = GrowthFirm.decide_exit(firms, ctx, bankrupt, event)
        leaving = reason.nonzero()[0]
        if leaving.size:
            self.accounts.firms_left(leaving)
            firms.set_value("active", leaving, False)
            firms.set_value("exit_quarter", leaving, q)
            firms.set_value("exit_reason", leaving, reason[leaving])
            # An exited firm holds no revenue and no title (champions keep theirs only while active).
            for column in ("revenue", "high_tech", "gazelle", "unicorn", "champion", "champion_years"):
                firms.set_value(column, leaving, 0)
            self._remove_agents(self.firm_agents, leaving)

    def firms_enter(self, q: int) -> None:
        """New firms enter the ten strong industries, more where fund money flows."""
        firms, world = self.firms, self.world
        beh = self.params.calibration.behaviour
        active_w = self.accounts.firms_by_sector
        va = self.accounts.firm_va_by_sector
        recent_fund = self.fund_flow[max(q - 3, 0) : q + 1].sum(axis=0)
        fund_pull = 1.0 + beh.entry_fund_elasticity * recent_fund / np.maximum(va, 1e-9)
        expected = beh.entry_rate / 4.0 * active_w * fund_pull / self.row_weight
        counts = np.minimum(self.streams.get("entry", q).poisson(expected), self.entry_slots)
        if not counts.any():
            return
        values = population.entrants(
            world,
            self.params.calibration,
            counts,
            self.median_revenue_2017 * self.market_growth[q],
            self.market_growth[q],
            self.row_weight,
            self.entry_slots,
            self.year,
            self.streams.get("entry", q, 1),
        )
        rows = firms.append(int(counts.sum()), values)
        ends = np.cumsum(counts)  # entrants come sector by sector
        for s in np.flatnonzero(counts):
            self.sector_rows[s] = np.concatenate([self.sector_rows[s], rows[ends[s] - counts[s] : ends[s]]])
        self.accounts.firms_entered(firms.sector[rows], firms.city[rows], firms.weight[rows])
        self.firm_agents.extend(create_agents(self, GrowthFirm, rows.tolist()))

    def recognise(self) -> None:
        """Annual review (fourth quarter): high-tech, gazelle, unicorn and champion titles.

        Each title is checked only for the firms it can go to: applicants for the
        provincial titles, young firms for unicorns, manufacturers for champions.
        """
        firms, rules, world, q = self.firms, self.params.calibration.recognition, self.world, self.quarter
        active = firms.active
        age = self.year - firms.founded
        debt_ratio = lambda rows: firms.debt[rows] / np.maximum(firms.assets[rows], 1e-12)  # noqa: E731

        rows = np.flatnonzero(active & (firms.application < self.take_up["high_tech"]))
        firms.high_tech = False
        firms.set_value(
            "high_tech",
            rows,
            recognition.high_tech_eligible(
                firms.revenue[rows], firms.rd_rate[rows], firms.tech_share[rows], rules.high_tech
            ),
        )
        rows = np.flatnonzero(active & (firms.application < self.take_up["gazelle"]))
        firms.gazelle = False
        firms.set_value(
            "gazelle",
            rows,
            recognition.gazelle_eligible(
                firms.revenue[rows],
                firms.revenue_2y[rows],
                firms.rd_rate[rows],
                debt_ratio(rows),
                age[rows],
                rules.gazelle,
            ),
        )
        rows = np.flatnonzero(active & (age <= rules.unicorn.max_age_years))
        s = firms.sector[rows]
        value = recognition.valuation(
            firms.revenue[rows], firms.revenue_2y[rows], world.gr["valuation_multiple"][s], self.annual_trend[s]
        )
        firms.unicorn = False
        firms.set_value("unicorn", rows, recognition.unicorn_eligible(value, age[rows], rules.unicorn))
        rows = np.flatnonzero(active & self.accounts.manufacturing())
        s = firms.sector[rows]
        share = np.minimum(firms.revenue[rows] / (firms.niche_market[rows] * self.market_growth[q, s]), 0.95)
        firms.set_value("niche_share", rows, share)
        years = recognition.champion_years(share, firms.champion_years[rows], rules.champion)
        firms.set_value("champion_years", rows, years)
        firms.set_value(
            "champion",
            rows,
            firms.champion[rows] | recognition.champion_eligible(years, age[rows], True, rules.champion),
        )
        firms.new_economy |= firms.high_tech
        self._roll_review_revenues()
        self.accounts.count_titles()

    def resettle(self) -> None:
        """Cities resettle released workers when a resettlement programme runs."""
        rate = self.environment.resettlement_rate
        if rate <= 0:
            return
        moved = sum(city.resettle(rate) for city in self.cities)
        self.government.spend("resettlement_subsidies", moved * self.environment.resettlement_subsidy / 1e9)

    # ------------------------------------------------------------------ helpers
    def _remove_agents(self, agents: list, rows: np.ndarray) -> None:
        leaving = []
        for row in rows.tolist():
            agent = agents[row]
            if agent is not None:
                leaving.append(agent)
                agents[row] = None
        remove_agents(self, leaving)

    def _release_workers(self, rows: np.ndarray, workers: np.ndarray) -> None:
        plants = self.plants
        released = plants.weight[rows] * workers
        self.jobs_lost += np.bincount(plants.sector[rows], weights=released, minlength=N_OC)
        by_city = np.bincount(plants.city[rows], weights=released, minlength=len(self.cities))
        for i in np.flatnonzero(by_city):
            self.cities[i].release(float(by_city[i]))

    def _gaps(self) -> np.ndarray:
        plants = self.plants
        return self.environment.gaps_of(
            plants,
            plants.fuel_intensity,
            plants.power_intensity,
            plants.ule_unmet,
            plants.safety_gap,
            plants.plant_scale,
        )

    def _plant_electricity(self, utilisation: np.ndarray) -> float:
        """Electricity used by plants other than power plants [TWh per year].

        Output [sector unit per year] x base units per sector unit x kWh per base unit
        gives kWh per year; 1 TWh = 1e9 kWh. Coal power's demand takes the change since
        2017 divided by 8.76 (TWh per GW-year: 1 GW for 8,760 hours), in GW.
        """
        plants = self.plants
        use = plants.weight * plants.capacity * utilisation * self.kwh_factor[plants.sector] * plants.power_intensity
        return float(use.sum()) * 1e-9  # kWh/yr -> TWh/yr

    def _plant_context(self) -> PlantContext:
        world, beh = self.world, self.params.calibration.behaviour
        oc = world.oc
        env, plants = self.environment, self.plants
        self.coal, self.power = world.oc_index("coal"), world.oc_index("coal_power")
        middle = [i for i in range(N_OC) if i not in (self.coal, self.power)]
        self.stages = ([self.coal], middle, [self.power])
        self.stage_mask = {stage[0]: np.isin(np.arange(N_OC), stage) for stage in self.stages}
        self.kwh_factor = np.where(np.arange(N_OC) == self.power, 0.0, oc["base_units_per_unit"])
        in_sector = [plants.sector == i for i in range(N_OC)]
        floor_fuel = np.array(
            [beh.best_practice * np.average(plants.fuel_intensity[m], weights=plants.capacity[m]) for m in in_sector]
        )
        floor_power = np.array(
            [beh.best_practice * np.average(plants.power_intensity[m], weights=plants.capacity[m]) for m in in_sector]
        )
        return PlantContext(
            quarter=0,
            price=oc["price"].copy(),
            price0=oc["price"],
            fuel_price=oc["fuel_price"].copy(),
            fuel_price0=oc["fuel_price"],
            cost_index=np.ones(N_OC),
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
            horizon=int(beh.horizon_quarters),
            discount=float(beh.discount_rate),
            upgrade_lag=int(beh.upgrade_lag_quarters),
            max_debt_ratio=float(beh.max_debt_ratio),
            interest_rate=float(beh.interest_rate),
            tax_rate=float(beh.tax_rate),
            maintenance_rate=float(beh.maintenance_rate),
            replacement_ratio=float(beh.replacement_ratio),
            soe_exit_reluctance=float(beh.soe_exit_reluctance),
            severance_years=float(beh.severance_years),
            expectation_weight=float(beh.expectation_weight),
            surcharge_of=lambda rows, fuel, power, ule, eq: env.surcharge_of(plants, rows, fuel, power, ule, eq),
            gaps=np.zeros((4, plants.n), bool),
            closure_risk=np.zeros(plants.n),
            closure_quarters=np.zeros(plants.n),
        )

    def _growth_context(self) -> GrowthContext:
        world, cal, scen = self.world, self.params.calibration, self.params.scenario
        beh = cal.behaviour
        gr = world.gr
        self.annual_trend = np.array([scen.demand_growth[s] for s in GROWTH_SECTORS])
        self.growth_trend = np.log1p(self.annual_trend) / 4.0  # quarterly log growth
        # Each industry's market at quarter q relative to 2017 at its trend (factor).
        self.market_growth = np.exp(np.arange(N_QUARTERS + 1)[:, None] * self.growth_trend)
        shock = np.log(self.markets.shock[N_OC:])
        self.growth_shock_step = np.diff(shock, axis=1, prepend=shock[:, :1])
        self.lp_trend = (1.0 + scen.firm_labour_productivity_growth) ** (np.arange(N_QUARTERS + 1) / 4.0)
        self.rd_drift = (1.0 + scen.firm_rd_drift) ** 0.25 - 1.0
        self.rd_uplift = 1.0 + beh.fund_rd_uplift
        return GrowthContext(
            quarter=0,
            demand_growth=self.growth_trend.copy(),
            labour_productivity=gr["labour_productivity"].copy(),
            max_debt_ratio=float(beh.max_debt_ratio),
            interest_rate=float(beh.interest_rate),
            tax_rate=float(beh.tax_rate),
            innovation_rate=float(beh.innovation_rate),
            innovation_jump=float(beh.innovation_jump),
            innovation_tech_step=float(beh.innovation_tech_step),
            exit_hazard=float(beh.exit_hazard),
            rd_drift=0.0,
        )

    def _calibrate_markets(self) -> None:
        """Supply offsets so that 2017 supply equals 2017 output; the 2017 plant state."""
        plants, markets, ctx = self.plants, self.markets, self.plant_ctx
        cost = OvercapacityFirm.marginal_cost(plants, ctx)
        markets.calibrate(plants.weight * plants.capacity, cost, plants.sector)
        utilisation = OvercapacityFirm.utilisation(
            markets.price0[plants.sector], cost, markets.steepness[plants.sector], markets.offset[plants.sector]
        )
        plants.utilisation = utilisation
        plants.output = utilisation * plants.capacity
        plants.profit = OvercapacityFirm.operating_profit(plants, ctx, cost)
        plants.expected_profit = plants.profit
        self.electricity0 = self._plant_electricity(utilisation)
        self.coal_generation_share = float(self.params.calibration.economy.coal_generation_share)

    def _calibrate_recognition(self) -> dict[str, float]:
        """Take-up of the titles, so that the 2017 counts match the calibration.

        The take-up is the share of eligible firms that hold the title; at small scales
        the sample may hold fewer eligible firms than the count asks, and all of them
        then hold it.
        """
        firms, rules = self.firms, self.params.calibration.recognition
        counts = self.params.calibration.initial_counts
        debt_ratio = firms.debt / np.maximum(firms.assets, 1e-12)
        eligible = {
            "high_tech": recognition.high_tech_eligible(
                firms.revenue, firms.rd_rate, firms.tech_share, rules.high_tech
            ),
            "gazelle": recognition.gazelle_eligible(
                firms.revenue, firms.revenue_2y, firms.rd_rate, debt_ratio, self.year - firms.founded, rules.gazelle
            ),
        }
        take_up = {}
        for title, mask in eligible.items():
            available = float(np.sum(firms.weight * mask))
            take_up[title] = min(float(counts[title]) / available, 1.0) if available else 0.0
        firms.high_tech = eligible["high_tech"] & (firms.application < take_up["high_tech"])
        firms.gazelle = eligible["gazelle"] & (firms.application < take_up["gazelle"])
        firms.new_economy = firms.new_economy | firms.high_tech
        # Champions at the end of 2017: the manufacturing firms with the largest niche shares.
        world = self.world
        age = self.year - firms.founded
        eligible_champion = world.manufacturing[firms.sector] & (age >= rules.champion.min_age_years)
        order = np.argsort(-np.where(eligible_champion, firms.niche_share, -1.0), kind="stable")
        cum = np.cumsum(firms.weight[order])
        champions = order[: int(np.searchsorted(cum, float(counts.champion) - 1e-9, side="left")) + 1]
        firms.set_value("champion", champions, True)
        firms.champion_years = np.where(firms.niche_share >= rules.champion.niche_share, 1, 0)
        s = firms.sector
        value = recognition.valuation(
            firms.revenue, firms.revenue_2y, world.gr["valuation_multiple"][s], self.annual_trend[s]
        )
        firms.unicorn = recognition.unicorn_eligible(value, age, rules.unicorn)
        # The end-2017 titles close the 2017 review: from now on revenue_1y and revenue_2y
        # hold 2017 and 2016 revenue, so that the 2018 review compares 2018 with 2016.
        self._roll_review_revenues()
        return take_up

    def _roll_review_revenues(self) -> None:
        """Close an annual review: the revenue of the last two reviews moves back one year."""
        firms = self.firms
        firms.revenue_2y = firms.revenue_1y
        firms.revenue_1y = firms.revenue

    # ------------------------------------------------------------------ reading results
    def _reporter(self, indicator: str):
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
