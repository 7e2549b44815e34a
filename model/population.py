"""Synthetic firm population calibrated to the end of 2017.

Sector totals (capacity, output, value added, firm counts) match the calibration;
within a sector, sizes are heavy-tailed (lognormal) and energy intensity, emission
performance, plant scale, finances, workforce, city and ownership vary across
plants, with larger plants more efficient and more often compliant.

Plants are never thinned: every plant of the overcapacity sectors (about 1,100) is a row
at every scale, so that closures, swaps and market clearing do not depend on the scale.
Growth firms are: at ``scale < 1`` each of the ten industries keeps
``max(MIN_FIRM_ROWS, round(firms * scale))`` rows and each row stands for
``firms / rows`` firms (its ``weight``), so that totals, and therefore every extensive
indicator, stay at full-scale values.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from agents.growth_firms import FIRM_SCHEMA, MAX_RD_RATE
from agents.plants import PLANT_SCHEMA, PlantContext
from agents.population import ColumnStore
from model import recognition, sampling
from model.arrays import weighted_median
from model.config import Params
from model.names import GROWTH_SECTORS, OVERCAPACITY_SECTORS
from model.sampling import niche_market_of, rows_for, thin_entrants
from model.world import World

MIN_FIRM_ROWS = 20  # per growth sector
ENTRANT_ROOM = 0.25  # spare rows allocated for entrants, as a share of the initial firms
RD_SIZE_SLOPE = 0.5  # fall of log R&D intensity per standard deviation of log size


def _normalise(values: np.ndarray, weight: float, total: float) -> np.ndarray:
    """Rescale so that ``weight * sum(values) == total``."""
    return values * (total / (weight * values.sum()))


def _rank_categories(score: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Assign categories 0..k-1 by rank of ``score`` (lowest scores to category 0)."""
    n = score.size
    edges = np.round(np.cumsum(shares) * n).astype(int)
    ranks = np.empty(n, int)
    ranks[np.argsort(score, kind="stable")] = np.arange(n)
    return np.searchsorted(edges, ranks, side="right").clip(0, len(shares) - 1)


def _allocate(weights: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Assign ``n`` rows to categories in proportion to ``weights`` (largest remainders), shuffled.

    Unlike independent draws, every category gets its share even when ``n`` is small.
    """
    exact = weights / weights.sum() * n
    counts = np.floor(exact).astype(int)
    remainder = np.argsort(-(exact - counts), kind="stable")[: n - counts.sum()]
    counts[remainder] += 1
    return rng.permutation(np.repeat(np.arange(weights.size), counts))


def _beta_with_mean(rng: np.random.Generator, mean: float, n: int, concentration: float = 8.0) -> np.ndarray:
    mean = float(np.clip(mean, 1e-3, 1 - 1e-3))
    return rng.beta(mean * concentration, (1 - mean) * concentration, n)


def build_plants(world: World, cal: Params, rng: np.random.Generator) -> ColumnStore:
    """Plants of the six overcapacity sectors, one row per plant (at every scale)."""
    blocks = []
    for i, name in enumerate(OVERCAPACITY_SECTORS):
        sector = cal.overcapacity[name]
        n = int(sector.firms)
        segments = [seg for seg in world.segments if seg.sector == i]
        counts = np.maximum(np.round(np.array([s.firm_share for s in segments]) * n).astype(int), 1)
        counts[-1] = max(n - counts[:-1].sum(), 1)
        n = int(counts.sum())
        weight = float(sector.firms) / n
        segment = np.repeat(np.arange(len(segments)), counts)
        capacity = np.empty(n)
        scale_value = np.empty(n)
        z_size = rng.standard_normal(n)
        for k, seg in enumerate(segments):
            rows = segment == k
            raw = np.exp(sector.size_sigma * z_size[rows])
            capacity[rows] = _normalise(raw, weight, seg.capacity_share * sector.capacity)
            if seg.scale_values.size:
                noisy = z_size[rows] + 0.5 * rng.standard_normal(rows.sum())
                scale_value[rows] = seg.scale_values[_rank_categories(noisy, seg.scale_shares)]
            else:  # the plant's own capacity is its scale (coal mines)
                scale_value[rows] = capacity[rows]
        size_rank = (z_size - z_size.mean()) / max(z_size.std(), 1e-9)

        def intensity(
            mean: float, sigma: float, size_rank: np.ndarray = size_rank, n: int = n, capacity: np.ndarray = capacity
        ) -> np.ndarray:
            raw = np.exp(-0.3 * sigma * size_rank + sigma * rng.standard_normal(n))
            return mean * raw / np.average(raw, weights=capacity)

        fuel = intensity(sector.fuel_intensity, sector.intensity_sigma)
        power = intensity(sector.power_intensity, sector.intensity_sigma)
        # Small (and, in this synthetic population, older) plants are the likelier to run
        # restricted or eliminated equipment, miss emission criteria and have safety gaps.
        # The class shares are shares of plants (the national classes rate equipment, plant
        # by plant); ranked by this score, the plants with the highest scores get the
        # highest class.
        small_first = -size_rank + rng.standard_normal(n)
        equipment = _rank_categories(small_first, np.array(sector.equipment_class_shares))
        ule = _rank_categories(small_first, np.array(sector.ule_unmet_shares))
        safety = _beta_with_mean(rng, sector.safety_gap_mean, n) * np.exp(0.2 * small_first.clip(-2, 2))
        safety = np.clip(safety, 0.0, 1.0)
        wpu = sector.workers_per_unit * np.exp(-0.2 * size_rank * sector.size_sigma + 0.2 * rng.standard_normal(n))
        wpu = sector.workers_per_unit * wpu / np.average(wpu, weights=capacity)
        assets = capacity * sector.capital_per_unit * np.exp(0.2 * rng.standard_normal(n))
        debt = assets * _beta_with_mean(rng, sector.debt_ratio, n, 20.0)
        revenue = capacity * (sector.output / sector.capacity) * sector.price * sector.base_units_per_unit * 1e-9
        cash = revenue * sector.cash_to_revenue * np.exp(0.5 * rng.standard_normal(n) - 0.125)
        soe_score = size_rank + rng.standard_normal(n)
        soe = _rank_categories(-soe_score, np.array([cal.behaviour.soe_share, 1 - cal.behaviour.soe_share])) == 0
        if name == "coal":  # reserves: years of capacity left, lognormal around 15 years
            reserve = capacity * np.exp(np.log(15.0) + 0.8 * rng.standard_normal(n))
        else:
            reserve = np.full(n, np.inf)
        city = _allocate(world.city_weights(sector.city_weights), n, rng)
        blocks.append(
            {
                "sector": np.full(n, i),
                "segment": segment,
                "city": city,
                "weight": np.full(n, weight),
                "active": np.ones(n, bool),
                "soe": soe,
                "capacity": capacity,
                "capacity_2017": capacity,
                "plant_scale": scale_value,
                "fuel_intensity": fuel,
                "power_intensity": power,
                "nonenergy_cost": sector.nonenergy_cost * np.exp(0.05 * rng.standard_normal(n)),
                "equipment_class": equipment,
                "ule_unmet": ule,
                "safety_gap": safety,
                "workers_per_unit": wpu,
                "workers": capacity * wpu,
                "assets": assets,
                "cash": cash,
                "debt": debt,
                "reserve": reserve,
                "upgrade_due": np.full(n, -1),
                "deadline": np.full(n, -1),
                "exit_quarter": np.full(n, -1),
            }
        )
    total = sum(len(b["sector"]) for b in blocks)
    store = ColumnStore(PLANT_SCHEMA, int(total * 1.5) + 16)
    for block in blocks:
        store.append(len(block["sector"]), block)
    return store


def rebuilt_steel_works(
    plants: ColumnStore, world: World, steel_cal: Params, ctx: PlantContext, capacity_by_city: np.ndarray
) -> dict[str, np.ndarray | float | int | bool] | None:
    """Column values for new best-practice steel works replacing swapped capacity (None if there is none).

    One works per city with capacity to build, at the best-practice intensities and the
    largest scale of its segment, state owned, financed 60 % by debt.

    Args:
        plants: The plants (the median steel works' costs and workforce).
        world: Sector tables.
        steel_cal: The ``calibration.overcapacity.steel`` config.
        ctx: The plants' context (best-practice intensities).
        capacity_by_city: Capacity to commission in each city [Mt per year].
    """
    steel = world.overcapacity_index("steel")
    cities = np.flatnonzero(capacity_by_city > 0)
    if cities.size == 0:
        return None
    capacity = capacity_by_city[cities]
    in_steel = plants.sector == steel
    assets = capacity * steel_cal.capital_per_unit
    # A new works needs fewer hands per tonne (assumption: 60 % of the median).
    workers_per_unit = 0.6 * float(np.median(plants.workers_per_unit[in_steel]))
    return {
        "sector": steel,
        "segment": 0,
        "city": cities,
        "weight": 1.0,
        "active": True,
        "soe": True,
        "capacity": capacity,
        "capacity_2017": 0.0,
        "plant_scale": world.best_scale[world.segment_offset[steel]],
        "fuel_intensity": ctx.intensity_floor_fuel[steel],
        "power_intensity": ctx.intensity_floor_power[steel],
        "nonenergy_cost": float(np.median(plants.nonenergy_cost[in_steel])),
        "equipment_class": 0,
        "ule_unmet": 0,
        "safety_gap": 0.0,
        "workers_per_unit": workers_per_unit,
        "workers": capacity * workers_per_unit,
        "assets": assets,
        "cash": 0.05 * assets,
        "debt": 0.6 * assets,
        "reserve": np.inf,
        "upgrade_due": -1,
        "deadline": -1,
        "exit_quarter": -1,
    }


def firm_parameters(sector: Params) -> dict[str, float]:
    """Firm characteristics set from the sector's calibration when a firm is created."""
    return {
        "margin": sector.margin,
        "capital_output": sector.capital_output,
        "va_ratio": sector.va_ratio,
        "growth_sigma": sector.growth_sigma,
        "cash_target": sector.cash_to_revenue,
    }


def build_firms(
    world: World,
    cal: Params,
    scenario: Params,
    scale: float,
    rng: np.random.Generator,
    sample_rng: np.random.Generator,
) -> tuple[ColumnStore, dict[str, float]]:
    """Firms of the ten strong industries, and the take-up of the provincial titles (flags are set by the model).

    Each industry's firms are drawn in full; below full scale they are then sampled by
    strata (:func:`model.sampling.sample_rows`), so that the rare large firms and niche leaders, on
    which the unicorn and champion counts turn, are kept one row per firm.

    Args:
        world: Sector and city tables.
        cal: The calibration.
        scenario: The scenario (trend growth of 2016 and 2017 revenue).
        scale: Fraction of the firms simulated, in (0, 1].
        rng: The population stream.
        sample_rng: The stream that picks the sampled rows (unused at full scale).
    """
    blocks: list[dict[str, Any]] = []
    for i, name in enumerate(GROWTH_SECTORS):
        sector = cal.growth[name]
        n = int(sector.firms)
        weight = 1.0
        z = rng.standard_normal(n)
        revenue = _normalise(np.exp(sector.size_sigma * z), weight, sector.value_added / sector.va_ratio)
        # Older firms are larger: a large firm is rarely young (few unicorns at the start).
        age = np.minimum(1.0 + rng.exponential(10.0, n) + 6.0 * z.clip(0, None), 60.0)
        productivity = 0.15 * z + 0.25 * rng.standard_normal(n)
        productivity -= np.average(productivity, weights=revenue)
        tfp = np.exp(productivity)
        # R&D intensity: heavy-tailed and higher in small firms (small technology firms are
        # R&D-intensive), scaled so that the revenue-weighted mean is the sector's rate.
        log_rd = sector.rd_sigma * rng.standard_normal(n) - RD_SIZE_SLOPE * z
        rd = np.exp(log_rd)
        rd = np.minimum(sector.rd_rate * rd / np.average(rd, weights=revenue), MAX_RD_RATE)
        # High-tech products' share of revenue rises with R&D intensity.
        standard = (log_rd - log_rd.mean()) / max(log_rd.std(), 1e-9)
        tech_share = np.clip(
            0.45 + 0.2 * standard + 0.15 * rng.standard_normal(n) + (0.05 if sector.emerging else -0.05), 0.0, 1.0
        )
        niche = (
            np.minimum(0.9, 0.01 * np.exp(0.6 * z) * (rng.pareto(2.0, n) + 1.0))
            if sector.manufacturing
            else np.zeros(n)
        )
        cash = revenue * sector.cash_to_revenue * np.exp(0.5 * rng.standard_normal(n) - 0.125)
        assets = revenue * sector.capital_output * np.exp(0.3 * rng.standard_normal(n))
        debt = assets * _beta_with_mean(rng, sector.debt_ratio, n, 12.0)
        trend = scenario.demand_growth[name]
        g1 = trend + sector.growth_sigma * rng.standard_normal(n)
        g2 = trend + sector.growth_sigma * rng.standard_normal(n)
        # 2016 and 2015 revenue, for the end-2017 titles; the model then rolls them to 2017
        # and 2016 (recognition.TitleReview.start) before the 2018 review.
        revenue_1y = revenue * np.exp(-g1)
        revenue_2y = revenue_1y * np.exp(-g2)
        va = sector.va_ratio * revenue
        city = rng.choice(len(world.cities), size=n, p=world.firm_city_weights[i])
        # New-economy status: the firms most engaged in R&D and high-tech products carry
        # the sector's new-economy share of value added.
        score = np.log(rd) + 2.0 * tech_share + 0.5 * rng.standard_normal(n)
        order = np.argsort(-score, kind="stable")
        cum = np.cumsum(va[order]) / va.sum()
        flagged = order[: int(np.searchsorted(cum, sector.new_economy_share, side="left"))]
        new_economy = np.zeros(n, bool)
        new_economy[flagged] = True
        first = sum(len(b["sector"]) for b in blocks)
        block: dict[str, Any] = {
            "sector": np.full(n, i),
            "city": city,
            "weight": np.full(n, weight),
            "active": np.ones(n, bool),
            "founded": 2018.0 - age,
            "revenue": revenue,
            "tfp": tfp,
            "rd_rate": rd,
            "rd_base": rd,
            "tech_share": tech_share,
            **firm_parameters(sector),
            "niche_share": niche,
            "niche_market": niche_market_of(revenue, niche),
            "cash": cash,
            "debt": debt,
            "assets": assets,
            "new_economy": new_economy,
            "application": rng.random(n),
            "screening_noise": rng.standard_normal(n),
            "revenue_1y": revenue_1y,
            "revenue_2y": revenue_2y,
            "exit_quarter": np.full(n, -1),
            "draw_slot": np.arange(first, first + n),
        }
        blocks.append(block)
    population = {key: np.concatenate([b[key] for b in blocks]) for key in recognition.COLUMNS_2017}
    take_up = recognition.take_up(population, cal.initial_counts, cal.recognition, 2018.0)
    if scale < 1.0:
        multiple = world.growth["valuation_multiple"]
        for i, name in enumerate(GROWTH_SECTORS):
            n = len(blocks[i]["sector"])
            rows = rows_for(n, scale, MIN_FIRM_ROWS)
            likely = sampling.title_candidates(
                blocks[i], take_up["gazelle"], cal, scenario.demand_growth[name], float(multiple[i]), name
            )
            blocks[i] = sampling.sample_rows(blocks[i], rows, likely, sample_rng)
    total = sum(len(b["sector"]) for b in blocks)
    store = ColumnStore(FIRM_SCHEMA, int(total * (1 + ENTRANT_ROOM)) + 16)
    for block in blocks:
        store.append(len(block["sector"]), block)
    return store, take_up


def industry_rows(firms: ColumnStore) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Each industry's rows, the firms a row of its sampled stratum stands for, and its median revenue.

    The row weight (1 at full scale) is also the entrants'. The median firm revenue at the
    end of 2017 [bn yuan per year] sets the scale of entrants (times ``entrant_size``) and
    of the fund's typical ticket, grown at trend.
    """
    rows = [np.flatnonzero(firms.sector == s) for s in range(len(GROWTH_SECTORS))]
    row_weight = np.array([firms.weight[r].max() for r in rows])
    median_revenue = np.array([weighted_median(firms.revenue[r], firms.weight[r]) for r in rows])
    return rows, row_weight, median_revenue


def entrant_slots(world: World, cal: Params, scale: float) -> int:
    """Most entrant firms a sector can have in one quarter (three times the expected number).

    Fixed for a run, so that the draws of the k-th entrant of a sector do not depend on
    the policy mix (common random numbers).
    """
    firms = np.array([int(cal.growth[s].firms) for s in GROWTH_SECTORS])  # entrants are drawn as firms at every scale
    return int(max(16, np.ceil(3.0 * cal.behaviour.entry_rate / 4.0 * firms.max())))


def entrants(
    world: World,
    cal: Params,
    counts: np.ndarray,
    reference_revenue: np.ndarray,
    market_growth: np.ndarray,
    row_weight: np.ndarray,
    slots: int,
    year: float,
    rng: np.random.Generator,
    take_up: dict[str, float],
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Column values for the quarter's new firms in the ten strong industries, and the new rows by industry.

    Draws are laid out by (sector, slot): the k-th entrant of a sector gets the same
    draws whatever happens in other sectors. The new rows come sector by sector, in
    sector order.

    Args:
        world: Sector and city tables.
        cal: The calibration.
        counts: New firms per growth sector (capped at ``slots``).
        reference_revenue: Each sector's median 2017 revenue grown at its trend to this quarter [bn yuan].
        market_growth: Growth of each sector's markets since 2017 (factor).
        row_weight: Firms each row stands for, by sector.
        slots: Draws laid out per sector.
        year: Founding year of the new firms.
        rng: The entry stream of this quarter.
        take_up: Share of eligible firms that apply for each provincial title.

    Below full scale the likely gazelles among the new firms keep a row each and the
    others are sampled (:func:`model.sampling.thin_entrants`).
    """
    beh = cal.behaviour
    gr = world.growth
    n_sectors = len(GROWTH_SECTORS)
    z = rng.standard_normal((5, n_sectors, slots))
    u = rng.random((3, n_sectors, slots))
    pareto = rng.pareto(2.0, (n_sectors, slots))
    taken = np.minimum(counts, slots)
    take = np.arange(slots)[None, :] < taken[:, None]
    sector = np.repeat(np.arange(n_sectors), taken)  # the sector of each slot taken, in order
    z, u, pareto = z[:, take], u[:, take], pareto[take]
    revenue = beh.entrant_size * reference_revenue[sector] * np.exp(0.5 * z[0])
    rd = np.minimum(np.exp(gr["rd_sigma"][sector] * z[1]) * gr["rd_rate"][sector], MAX_RD_RATE)
    tfp = np.exp(0.25 * z[2])
    niche = np.where(world.manufacturing[sector], 0.005 * (pareto + 1.0), 0.0)
    assets = revenue * gr["capital_output"][sector]
    va_ratio = gr["va_ratio"][sector]
    city = np.minimum((u[0][:, None] > world.firm_city_cumulative[sector]).sum(axis=1), len(world.cities) - 1)
    values = {
        "sector": sector,
        "city": city,
        "weight": row_weight[sector],
        "active": True,
        "founded": year,
        "revenue": revenue,
        "tfp": tfp,
        "rd_rate": rd,
        "rd_base": rd,
        "margin": gr["margin"][sector],
        "capital_output": gr["capital_output"][sector],
        "va_ratio": va_ratio,
        "growth_sigma": gr["growth_sigma"][sector],
        "cash_target": gr["cash_to_revenue"][sector],
        "tech_share": np.minimum(np.maximum(0.55 + 0.15 * z[3], 0.0), 1.0),  # np.clip without its Python wrapper
        "niche_share": niche,
        # The niche market, deflated to 2017 so that the share is revenue / (market x trend).
        "niche_market": niche_market_of(revenue, niche) / market_growth[sector],
        "cash": revenue * gr["cash_to_revenue"][sector] * 2.0,
        "debt": 0.2 * assets,
        "assets": assets,
        "new_economy": u[1] < beh.entrant_new_economy_share,
        "application": u[2],
        "screening_noise": z[4],
        "revenue_1y": revenue,
        "revenue_2y": revenue,
        "exit_quarter": -1,
    }
    if (row_weight == 1.0).all():  # full scale: a row per firm
        return values, counts
    return thin_entrants(values, counts, row_weight, take_up["gazelle"], cal)
