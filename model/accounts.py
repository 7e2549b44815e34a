"""Accounts: value added adds up to GDP, and every indicator follows from firm states.

GDP (at 2017 prices) is the value added of the modelled plants and firms plus the
rest of the economy, an exogenous block calibrated as the 2017 residual: 2017 GDP,
employment, R&D, new-economy value added, high-tech output, energy and coal use
minus what the modelled firms account for. The rest of the economy then follows the
scenario's trends; the modelled firms move the indicators through their own states
(new-economy status, recognition, R&D, output, energy use).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numba
import numpy as np

from agents.fund import YUAN_PER_BN
from agents.population import Block, ColumnStore
from model.arrays import dot
from model.calendar import N_QUARTERS, quarter_index
from model.errors import ConfigError
from model.indicators import Recorder
from model.names import N_GROWTH as N_GR
from model.names import N_OVERCAPACITY as N_OC
from model.names import OVERCAPACITY_SECTORS
from model.national import NationalPaths
from model.view import ModelView

RECORDED_QUARTERS = N_QUARTERS + 1  # 2017Q4 and the simulated quarters


class Accounts:
    """Provincial accounts and the quarterly record of all indicators.

    Args:
        model: The model, in its calibrated end-2017 state.

    Raises:
        ConfigError: The calibration leaves a negative or out-of-range residual for the
            rest of the economy (e.g. modelled value added above 2017 GDP).
    """

    def __init__(self, model: ModelView) -> None:
        self.model = model
        world = model.world
        self.n_cities = len(world.cities)
        self.recorder = Recorder(world.cities, dict(zip(OVERCAPACITY_SECTORS, world.overcapacity_units, strict=True)))
        econ = model.params.calibration.economy
        scen = model.params.scenario
        self.gdp0 = float(econ.gdp_2017)
        self.growth_2017 = float(econ.gdp_growth_2017)
        self.coal_per_tce = float(econ.coal_per_tce)
        self.channel_capacity0: float | None = None  # steel capacity of the channel cities in 2017, at the first record
        quarters = np.arange(0, RECORDED_QUARTERS) / 4.0
        national = NationalPaths.from_scenario(scen)  # ones when the scenario has no national GDP path
        self.roe_trend = national.gdp_level * (1.0 + scen.roe_va_growth) ** quarters
        roe_shock = np.ones(RECORDED_QUARTERS)
        for shock in scen.shocks.values():
            if "all" in shock.sectors:
                roe_shock[quarter_index(shock.start) : quarter_index(shock.end) + 1] *= 1.0 + shock.size
        self.roe_trend = self.roe_trend * roe_shock
        self.roe_lp_trend = (1.0 + scen.roe_labour_productivity_growth) ** quarters
        self.energy_trend = (1.0 + scen.roe_energy_intensity_change) ** quarters
        self.coal_trend = (1.0 + scen.roe_coal_share_change) ** quarters
        self.ne_drift = scen.roe_new_economy_drift * quarters
        self.gdp = np.full(RECORDED_QUARTERS, np.nan)
        self._codes: dict[str, np.ndarray] = {}

        p = self._plant_flows()
        f = self._firm_flows(0)
        modelled_va = p["va"].sum() + f["va_sc"].sum()
        self.roe_va0 = self._residual(
            self.gdp0 - modelled_va, "calibration.economy.gdp_2017", self.gdp0, "a GDP above the modelled value added"
        )
        employment0 = self.gdp0 * 1e5 / econ.labour_productivity_2017
        firm_workers = f["workers_x_lp"].sum(1) / self.labour_productivity(0)
        self.roe_employment0 = self._residual(
            employment0 - p["workers"].sum() - firm_workers.sum(),
            "calibration.economy.labour_productivity_2017",
            econ.labour_productivity_2017,
            "a productivity that leaves room for employment outside the modelled firms",
        )
        self.roe_ne0 = self._share(
            (econ.new_economy_share_2017 * self.gdp0 - f["va_ne"]) / self.roe_va0,
            "calibration.economy.new_economy_share_2017",
            econ.new_economy_share_2017,
        )
        self.roe_rd0 = (
            self._residual(
                econ.rd_intensity_2017 * self.gdp0 - f["rd"],
                "calibration.economy.rd_intensity_2017",
                econ.rd_intensity_2017,
                "an R&D total above the modelled firms' R&D",
            )
            / self.roe_va0
        )
        roe_ind_va = self._residual(
            econ.industrial_va_2017 - p["va"].sum() - f["va_manuf"],
            "calibration.economy.industrial_va_2017",
            econ.industrial_va_2017,
            "an industrial value added above the modelled industry's",
        )
        self.roe_ind_output0 = econ.industrial_output_ratio * roe_ind_va
        industrial_output = p["gross"].sum() + f["gross_manuf"] + self.roe_ind_output0
        self.roe_ht0 = self._share(
            (econ.high_tech_output_share_2017 * industrial_output - f["gross_ht"]) / self.roe_ind_output0,
            "calibration.economy.high_tech_output_share_2017",
            econ.high_tech_output_share_2017,
        )
        roe_energy = self._residual(
            econ.energy_2017 - p["energy"].sum() - f["energy"].sum(),
            "calibration.economy.energy_2017",
            econ.energy_2017,
            "an energy total above the modelled firms' use",
        )
        self.roe_energy_intensity0 = roe_energy / self.roe_va0
        roe_coal = self._residual(
            econ.coal_2017 - p["coal"].sum() - f["coal"].sum(),
            "calibration.economy.coal_2017",
            econ.coal_2017,
            "a coal total above the modelled firms' use",
        )
        self.roe_coal_per_energy0 = roe_coal / roe_energy
        self.roe_lp0 = self.roe_va0 / self.roe_employment0

        firms = model.firms
        self.firm_count = self._by_sector_city("firms", firms.weight * firms.active, N_GR)
        self.count_titles()

    # ------------------------------------------------------------------ stocks kept between records
    TITLES = ("high_tech", "gazelle", "unicorn", "champion")

    def count_titles(self) -> None:
        """Count recognised firms by sector (after each annual review)."""
        firms = self.model.firms
        self.titles = {}
        for title in self.TITLES:
            rows = np.flatnonzero(getattr(firms, title))  # a few per cent of the firms
            # (np.bincount gives integers when there are no rows, even with weights)
            counts = np.bincount(firms.sector[rows], weights=firms.weight[rows], minlength=N_GR)
            self.titles[title] = counts.astype(np.float64, copy=False)

    def firms_entered(self, sector: np.ndarray, city: np.ndarray, weight: np.ndarray) -> None:
        """New firms (without titles) join the counts."""
        np.add.at(self.firm_count, (sector, city), weight)

    def firms_left(self, rows: np.ndarray) -> None:
        """Firms about to leave: drop them and their current titles from the counts."""
        firms = self.model.firms
        sector, weight = firms.sector[rows], firms.weight[rows]
        np.add.at(self.firm_count, (sector, firms.city[rows]), -weight)
        for title in self.TITLES:
            self.titles[title] -= np.bincount(sector, weights=weight * getattr(firms, title)[rows], minlength=N_GR)

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _residual(value: float, key: str, setting: float, allowed: str) -> float:
        if value <= 0:
            raise ConfigError(key, setting, f"{allowed} (residual for the rest of the economy is {value:.3g})")
        return float(value)

    @staticmethod
    def _share(value: float, key: str, setting: float) -> float:
        if not 0.0 <= value <= 1.0:
            raise ConfigError(key, setting, f"a value leaving a rest-of-economy share in [0, 1] (got {value:.3g})")
        return float(value)

    def _plant_flows(self) -> dict[str, np.ndarray]:
        """Per-plant flows at an annual rate, weighted to full scale."""
        m = self.model
        plants, oc = m.plants, m.world.overcapacity
        s = plants.sector
        w = plants.weight
        flow = w * plants.output * oc["base_units_per_unit"][s] * 1e-9  # bn base units / yr
        unit_va = (
            oc["price"][s]
            - plants.nonenergy_cost
            - plants.fuel_intensity * oc["fuel_price"][s]
            - plants.power_intensity * oc["tariff"][s]
        )
        energy = flow * plants.fuel_intensity  # bn kgce = Mtce
        return {
            "va": flow * unit_va,
            "gross": flow * oc["price"][s],
            "energy": energy,
            "coal": energy * oc["coal_share"][s] * self.coal_per_tce,
            "workers": w * plants.workers,
            "capacity": w * plants.capacity,
            "output": w * plants.output,
            "count": w * plants.active,
        }

    def _firm_flows(self, quarter: int) -> dict[str, Any]:
        """Flows of the growth firms at an annual rate, weighted to full scale.

        Summed in one compiled pass over the ~43,000 rows (:func:`_sum_firm_flows`) instead
        of a dozen numpy passes.
        """
        firms, world = self.model.firms, self.model.world
        va_sc = np.zeros((N_GR, self.n_cities))
        workers_x_lp = np.zeros((N_GR, self.n_cities))
        va_ne, va_manuf, gross_manuf, gross_ht, rd = _sum_firm_flows(
            firms.sector,
            firms.city,
            firms.weight,
            firms.revenue,
            firms.va_ratio,
            firms.tfp,
            firms.new_economy,
            firms.tech_share,
            firms.rd_rate,
            world.manufacturing,
            va_sc,
            workers_x_lp,
        )
        va_by_sector = va_sc.sum(1)
        energy = va_by_sector * world.growth["energy_intensity"] * (0.1 * self.energy_trend[quarter])  # Mtce
        return {
            "va_sc": va_sc,
            "va_by_sector": va_by_sector,
            "va_ne": va_ne,
            "va_manuf": va_manuf,
            "gross_manuf": gross_manuf,
            "gross_ht": gross_ht,
            "rd": rd,
            "energy": energy,
            "coal": energy * world.growth["coal_share"] * (self.coal_per_tce * self.coal_trend[quarter]),
            # Workers by sector and city before dividing by the sector's labour productivity.
            "workers_x_lp": workers_x_lp,
        }

    def labour_productivity(self, quarter: int) -> np.ndarray:
        """Labour productivity by growth sector [10k yuan per worker at TFP 1]."""
        return self.model.world.growth["labour_productivity"] * self.model.growth.labour_productivity[quarter]

    def firm_workers(self, row: int) -> float:
        """Persons employed by the firm(s) of one row (per firm)."""
        firms = self.model.firms
        lp = self.labour_productivity(self.model.quarter)[firms.sector[row]]
        return float(1e5 * firms.va_ratio[row] * firms.revenue[row] / (lp * firms.tfp[row]))

    def manufacturing(self) -> np.ndarray:
        """Mask of growth firms in manufacturing sectors (kept, and extended as rows are added)."""
        world = self.model.world
        return self._per_row("manufacturing", self.model.firms, lambda rows: world.manufacturing[rows.sector])

    def _by_sector_city(self, store: str, values: np.ndarray, n_sectors: int) -> np.ndarray:
        """Sum ``values`` (one per row of ``store``) by sector and city."""
        code = self._per_row(store, getattr(self.model, store), lambda rows: rows.sector * self.n_cities + rows.city)
        return np.bincount(code, weights=values, minlength=n_sectors * self.n_cities).reshape(n_sectors, self.n_cities)

    def _per_row(self, key: str, store: ColumnStore, derive: Callable[[Block], np.ndarray]) -> np.ndarray:
        """A per-row array derived from columns that never change (sector, city).

        Kept between quarters and extended for the rows appended since (entrants, rebuilt
        plants), instead of derived again for all rows.
        """
        cached = self._codes.get(key)
        if cached is None:
            cached = derive(Block(store, 0, store.n))
        elif cached.size < store.n:
            cached = np.concatenate([cached, derive(Block(store, cached.size, store.n))])
        self._codes[key] = cached
        return cached

    # ------------------------------------------------------------------ recording
    def record(self, q: int) -> None:
        """Compute and store every indicator for quarter ``q``."""
        m = self.model
        rec = self.recorder
        world = m.world
        plants = m.plants
        p = self._plant_flows()
        f = self._firm_flows(q)

        p_va = self._by_sector_city("plants", p["va"], N_OC)
        p_workers = self._by_sector_city("plants", p["workers"], N_OC)
        p_count = self._by_sector_city("plants", p["count"], N_OC)
        p_capacity = self._by_sector_city("plants", p["capacity"], N_OC)
        f_va = f["va_sc"]
        f_workers = f["workers_x_lp"] / self.labour_productivity(q)[:, None]
        f_count = self.firm_count
        self.firms_by_sector = f_count.sum(1)  # read by the entry rule next quarter
        self.firm_va_by_sector = f_va.sum(1)

        roe_va = self.roe_va0 * self.roe_trend[q]
        gdp_city = p_va.sum(0) + f_va.sum(0) + roe_va * world.gdp_share
        gdp = float(gdp_city.sum())
        self.gdp[q] = gdp
        rec.put(q, "gdp", "all", gdp)
        rec.put(q, "gdp", "city", gdp_city)
        if q >= 4:
            growth = gdp / self.gdp[q - 4] - 1.0
        else:
            growth = gdp / (self.gdp0 * (1.0 + self.growth_2017) ** ((q - 4) / 4.0)) - 1.0
        rec.put(q, "gdp_growth", "all", growth)
        rec.put(q, "value_added", "sector", np.concatenate([p_va.sum(1), f_va.sum(1)]))

        roe_ne = min(self.roe_ne0 + self.ne_drift[q], 1.0)
        rec.put(q, "new_economy_va_share", "all", (f["va_ne"] + roe_ne * roe_va) / gdp)
        roe_ind_output = self.roe_ind_output0 * roe_va / self.roe_va0
        industrial = float(p["gross"].sum()) + f["gross_manuf"] + roe_ind_output
        rec.put(q, "high_tech_output_share", "all", (f["gross_ht"] + self.roe_ht0 * roe_ind_output) / industrial)
        rec.put(q, "rd_intensity", "all", (f["rd"] + self.roe_rd0 * roe_va) / gdp)

        roe_employment = roe_va / (self.roe_lp0 * self.roe_lp_trend[q])
        employment_city = p_workers.sum(0) + f_workers.sum(0) + roe_employment * world.gdp_share
        employment = float(employment_city.sum())
        rec.put(q, "employment", "all", employment)
        rec.put(q, "employment", "city", employment_city)
        rec.put(q, "employment", "sector", np.concatenate([p_workers.sum(1), f_workers.sum(1)]))
        rec.put(q, "labour_productivity", "all", gdp * 1e5 / employment)

        p_energy = np.bincount(plants.sector, weights=p["energy"], minlength=N_OC)
        p_coal = np.bincount(plants.sector, weights=p["coal"], minlength=N_OC)
        roe_energy = roe_va * self.roe_energy_intensity0 * self.energy_trend[q]
        roe_coal = roe_energy * self.roe_coal_per_energy0 * self.coal_trend[q]
        energy = p_energy.sum() + f["energy"].sum() + roe_energy
        rec.put(q, "energy_consumption", "all", energy)
        rec.put(q, "energy_consumption", "sector", np.concatenate([p_energy, f["energy"]]))
        rec.put(q, "coal_consumption", "all", p_coal.sum() + f["coal"].sum() + roe_coal)
        rec.put(q, "coal_consumption", "sector", np.concatenate([p_coal, f["coal"]]))
        rec.put(q, "energy_intensity", "all", energy / gdp * 10.0)

        capacity = p_capacity.sum(1)
        output = np.bincount(plants.sector, weights=p["output"], minlength=N_OC)
        rec.put(q, "capacity", "sector", capacity)
        rec.put(q, "capacity", "sector_city", p_capacity)
        rec.put(q, "output", "sector", output)
        rec.put(
            q, "capacity_utilisation", "sector", np.divide(output, capacity, out=np.zeros(N_OC), where=capacity > 0)
        )
        tallies = m.tallies
        rec.put(q, "capacity_exited", "sector", tallies.capacity_exited)
        rec.put(q, "price", "sector", m.markets.price)
        steel = world.overcapacity_index("steel")
        steel_city = p_capacity[steel]
        if self.channel_capacity0 is None:
            self.channel_capacity0 = dot(steel_city, world.channel)
        channel0 = self.channel_capacity0
        rec.put(
            q,
            "steel_channel_capacity_exited_share",
            "sector",
            1.0 - dot(steel_city, world.channel) / channel0 if channel0 > 0 else np.nan,
        )
        rec.put(
            q,
            "steel_coastal_capacity_share",
            "sector",
            dot(steel_city, world.coastal) / max(float(steel_city.sum()), 1e-12),
        )

        ledger = m.fund.ledger
        rec.put(q, "fund_subscribed", "all", ledger.total("subscribed") / YUAN_PER_BN)
        rec.put(q, "fund_invested", "all", ledger.total("invested") / YUAN_PER_BN)
        rec.put(q, "fund_invested", "sector", m.fund.invested_by_sector / YUAN_PER_BN)
        rec.put(q, "fund_social_capital", "all", ledger.co_invested / YUAN_PER_BN)
        rec.put(q, "fund_idle", "all", ledger.total("idle") / YUAN_PER_BN)
        paid_in = ledger.idle["provincial"] + ledger.invested["provincial"]
        rec.put(q, "fund_idle_share", "all", ledger.idle["provincial"] / paid_in if paid_in else np.nan)
        rec.put(q, "fund_uncalled", "all", ledger.total("uncalled") / YUAN_PER_BN)

        count_sector = np.concatenate([p_count.sum(1), f_count.sum(1)])
        rec.put(q, "firms_active", "sector", count_sector)
        rec.put(q, "firms_active", "all", count_sector.sum())
        rec.put(q, "firms_active", "city", p_count.sum(0) + f_count.sum(0))
        for title, counts in self.titles.items():
            rec.put(q, f"{title}_firms", "sector", counts)
            rec.put(q, f"{title}_firms", "all", counts.sum())

        jobs_city = np.array([c.jobs_lost for c in m.cities])
        rec.put(q, "jobs_lost", "all", tallies.jobs_lost.sum())
        rec.put(q, "jobs_lost", "sector", tallies.jobs_lost)
        rec.put(q, "jobs_lost", "city", jobs_city)
        rec.put(q, "workers_hired", "all", tallies.workers_hired.sum())
        rec.put(q, "workers_hired", "sector", tallies.workers_hired)
        resettled = np.array([c.resettled for c in m.cities])
        rec.put(q, "workers_resettled", "all", resettled.sum())
        rec.put(q, "workers_resettled", "city", resettled)
        rec.put(q, "surcharge_revenue", "all", tallies.surcharge_revenue.sum())
        rec.put(q, "surcharge_revenue", "sector", tallies.surcharge_revenue)
        rec.put(q, "fiscal_outlay", "all", m.government.fiscal_outlay)
        upgraded = np.bincount(plants.sector, weights=plants.weight * plants.upgrades, minlength=N_OC)
        rec.put(q, "plants_upgraded", "sector", upgraded)
        rec.put(q, "plants_upgraded", "all", upgraded.sum())
        rec.put(q, "plants_closed_by_inspection", "sector", tallies.inspection_closures)
        rec.put(q, "plants_closed_by_inspection", "all", tallies.inspection_closures.sum())


@numba.njit(cache=True)
def _sum_firm_flows(
    sector, city, weight, revenue, va_ratio, tfp, new_economy, tech_share, rd_rate,  # per firm row
    manufacturing,  # per growth sector
    va_sc, workers_x_lp,  # per sector and city, summed into
):  # fmt: skip
    """Sum the growth firms' flows (annual rates, weighted to full scale) over the rows.

    Adds value added and workers x labour productivity (``1e5 va / tfp``) into their
    (sector, city) arrays, in row order as ``np.bincount`` would, and returns the totals of
    new-economy value added, manufacturing value added, manufacturing gross output,
    its high-tech part and R&D spending [bn yuan per year]. Exited firms hold zero revenue.
    """
    va_ne = va_manuf = gross_manuf = gross_ht = rd = 0.0
    for i in range(sector.size):
        gross = weight[i] * revenue[i]
        va = gross * va_ratio[i]
        s, c = sector[i], city[i]
        va_sc[s, c] += va
        workers_x_lp[s, c] += 1e5 * va / tfp[i]
        if new_economy[i]:
            va_ne += va
        if manufacturing[s]:
            va_manuf += va
            gross_manuf += gross
            gross_ht += gross * tech_share[i]
        rd += gross * rd_rate[i]
    return va_ne, va_manuf, gross_manuf, gross_ht, rd
