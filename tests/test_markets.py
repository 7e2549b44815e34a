"""Market clearing: supply meets demand at the price found, and the compiled Newton steps
do the arithmetic of the same steps written with numpy columns."""

import copy

import numpy as np
import pytest

from agents.plants import Plant
from model import ShandongModel

SCALE = 0.05


@pytest.fixture(scope="module")
def stepped():
    """A model one quarter in, with the inputs of each clearing stage of its next quarter."""
    model = ShandongModel(seed=0, scale=SCALE, policy_mix="as_enacted")
    model.step()
    plants, ctx = model.plants, model.plant_ctx
    ctx.cost_index = model.markets.index[:, model.quarter]
    stages = []
    for stage in model.markets.stages:
        rows = np.flatnonzero(model.markets.stage_mask[stage[0]][plants.sector] & plants.active)
        cost = Plant.marginal_cost(plants, ctx, rows=rows)
        stages.append((stage, (plants.weight * plants.capacity)[rows], cost, plants.sector[rows]))
    return model, stages


def newton_with_columns(markets, sectors, capacity, cost, sector, quarter):
    """Reference: the Newton steps on log prices written with numpy columns; returns log prices."""
    idx = np.asarray(sectors)
    local = np.searchsorted(idx, sector)
    n = idx.size
    demand = markets.demand_level(quarter)[idx]
    log_ref = np.log(markets.reference_price(quarter)[idx])
    eps = markets.elasticity[idx]
    k, b = markets.steepness[sector], markets.offset[sector]
    log_p = np.log(markets.price[idx])
    served = np.bincount(local, weights=capacity, minlength=n) > 0
    for _ in range(40):
        ratio = np.exp(log_p)[local] / cost
        u = 1.0 / (np.exp(-k * (ratio - 1.0) - b) + 1.0)
        supply = np.bincount(local, weights=capacity * u, minlength=n)
        slope = np.bincount(local, weights=capacity * u * (1.0 - u) * k * ratio, minlength=n)
        wanted = demand * np.exp(-eps * (log_p - log_ref))
        ok = served & (wanted > 0)
        step = np.zeros(n)
        step[ok] = np.clip((np.log(supply[ok]) - np.log(wanted[ok])) / (slope[ok] / supply[ok] + eps[ok]), -0.5, 0.5)
        log_p -= step
        if np.abs(step).max() < 1e-10:
            break
    return log_p


def test_supply_meets_demand_at_the_cleared_price(stepped):
    model, stages = stepped
    markets, quarter = copy.deepcopy(model.markets), model.quarter + 1
    for sectors, capacity, cost, sector in stages:
        utilisation = markets.clear(sectors, capacity, cost, sector, quarter)
        assert np.all((utilisation >= 0) & (utilisation <= 1))
        idx = np.asarray(sectors)
        supply = np.bincount(np.searchsorted(idx, sector), weights=capacity * utilisation, minlength=idx.size)
        price = markets.price[idx]
        demand = markets.demand_level(quarter)[idx] * (price / markets.reference_price(quarter)[idx]) ** (
            -markets.elasticity[idx]
        )
        np.testing.assert_allclose(supply, demand, rtol=1e-8)


def test_a_market_without_plants_keeps_the_national_price(stepped):
    model, stages = stepped
    markets, quarter = copy.deepcopy(model.markets), model.quarter + 1
    sectors, capacity, cost, sector = stages[1]
    empty = sectors[-1]  # the stage's last market loses all its plants
    keep = sector != empty
    markets.clear(sectors, capacity[keep], cost[keep], sector[keep], quarter)
    assert markets.price[empty] == pytest.approx(markets.reference_price(quarter)[empty], rel=1e-15)


def test_compiled_newton_steps_equal_the_column_arithmetic(stepped):
    """Equal to rounding: numpy's and the compiled exp and log agree bit for bit where both use
    the C library's (as on x86-64 without AVX-512), and within a few units in the last place
    elsewhere."""
    model, stages = stepped
    quarter = model.quarter + 1
    for sectors, capacity, cost, sector in stages:
        markets = copy.deepcopy(model.markets)
        markets.price *= 1.3  # start away from the solution: several steps to take
        expected = np.exp(newton_with_columns(markets, sectors, capacity, cost, sector, quarter))
        markets.clear(sectors, capacity, cost, sector, quarter)
        np.testing.assert_allclose(markets.price[np.asarray(sectors)], expected, rtol=1e-13)
