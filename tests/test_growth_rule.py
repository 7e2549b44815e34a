"""The growth firms' compiled rules: a quarter worked by hand, and the numbers of the numpy column rules.

``GrowthFirm.decide_investment`` and ``GrowthFirm.settle`` run compiled loops over the
rows. The references below state the same rules with numpy columns (as the model ran
them before they were compiled); the compiled rules must give the same numbers, on rows
built to take every branch. Equal to rounding: numpy and the compiled code share the C
library's exp and log on x86-64 without AVX-512, where they agree bit for bit; numpy's
AVX-512 versions may differ in the last place.
"""

import dataclasses

import numpy as np
import pytest

from agents.firms import ExitReason
from agents.growth_firms import FIRM_SCHEMA, QUARTER_LAPLACE_SCALE, GrowthContext, GrowthFirm
from agents.population import ColumnStore

ROWS = 5000


def context(**changes) -> GrowthContext:
    base = GrowthContext(
        quarter=3,
        demand_growth=np.array([0.02, 0.01, -0.01, 0.03, 0.0, 0.015, 0.02, 0.005, 0.01, 0.025]),
        labour_productivity=np.ones(10),
        max_debt_ratio=0.6,
        interest_rate=0.05,
        tax_rate=0.25,
        innovation_rate=2.0,
        innovation_jump=0.1,
        innovation_tech_step=0.05,
        exit_hazard=0.04,
        rd_drift=0.004,
        fund_rd_uplift=1.3,
    )
    return dataclasses.replace(base, **changes)


def random_firms(seed: int) -> ColumnStore:
    """Firms spread so that every branch is taken: short of finance, innovating, in loss, bankrupt."""
    rng = np.random.default_rng(seed)
    firms = ColumnStore(FIRM_SCHEMA, ROWS)
    revenue = rng.lognormal(0.0, 1.0, ROWS)
    firms.append(
        ROWS,
        {
            "sector": rng.integers(0, 10, ROWS),
            "weight": 1.0,
            "active": rng.random(ROWS) < 0.95,
            "revenue": revenue,
            "margin": rng.normal(0.05, 0.15, ROWS),
            "capital_output": rng.uniform(0.2, 2.0, ROWS),
            "growth_sigma": rng.uniform(0.1, 0.6, ROWS),
            "cash_target": rng.uniform(0.05, 0.3, ROWS),
            "tfp": rng.lognormal(0.0, 0.3, ROWS),
            "rd_rate": rng.uniform(0.0, 0.08, ROWS),
            "rd_base": rng.uniform(0.0, 0.06, ROWS),
            "tech_share": rng.uniform(0.0, 1.0, ROWS),
            "cash": revenue * rng.normal(0.1, 0.2, ROWS),
            "debt": revenue * rng.uniform(0.0, 1.5, ROWS),
            "assets": revenue * rng.uniform(0.5, 2.0, ROWS),
        },
    )
    return firms


def grow_with_columns(firms: ColumnStore, ctx: GrowthContext, uniform: np.ndarray, event: np.ndarray) -> None:
    """Reference: decide_investment written with numpy columns."""
    rd_rate = firms.rd_rate
    rd_rate *= 1.0 + ctx.rd_drift
    centred = uniform - 0.5
    shock = np.copysign(-QUARTER_LAPLACE_SCALE * np.log(1.0 - 2.0 * np.abs(centred)), centred)
    growth = ctx.demand_growth[firms.sector] + firms.growth_sigma * shock
    innovating = np.flatnonzero(event < ctx.innovation_rate * rd_rate)
    growth[innovating] += ctx.innovation_jump
    firms.tfp[innovating] *= np.exp(ctx.innovation_jump)
    firms.tech_share[innovating] = np.minimum(firms.tech_share[innovating] + ctx.innovation_tech_step, 1.0)
    capital = firms.capital_output * firms.revenue
    factor = np.exp(growth)
    need = (np.maximum(factor, 1.0) - 1.0) * capital
    own = np.maximum(firms.cash, 0.0)
    room = np.maximum(ctx.max_debt_ratio * firms.assets - firms.debt, 0.0) + own
    short = need > room
    factor[short] = 1.0 + room[short] / np.maximum(capital[short], 1e-12)
    need[short] = room[short]
    from_cash = np.minimum(need, own)
    firms.cash -= from_cash
    firms.assets += need
    firms.debt += need - from_cash
    firms.revenue *= factor


def settle_with_columns(firms: ColumnStore, ctx: GrowthContext) -> np.ndarray:
    """Reference: settle written with numpy columns."""
    cash, debt = firms.cash, firms.debt
    profit = (firms.margin + firms.rd_base - firms.rd_rate) * firms.revenue - ctx.interest_rate * debt
    profit *= 0.25
    profit -= ctx.tax_rate * np.maximum(profit, 0.0)
    cash += profit
    if ctx.year_end:
        surplus = np.clip(cash - firms.cash_target * firms.revenue, 0.0, debt)
        cash -= surplus
        debt -= surplus
    negative = cash < 0
    shortfall = -cash[negative]
    room = np.maximum(ctx.max_debt_ratio * firms.assets[negative] - debt[negative], 0.0)
    borrow = np.minimum(shortfall, room)
    debt[negative] += borrow
    cash[negative] += borrow
    bankrupt = np.zeros(firms.n, bool)
    bankrupt[negative] = (shortfall > room) & firms.active[negative]
    return bankrupt


@pytest.mark.parametrize("year_end", [False, True])
@pytest.mark.parametrize("seed", [0, 1])
def test_compiled_rules_equal_the_column_arithmetic(seed, year_end):
    ctx = context(year_end=year_end)
    compiled, columns = random_firms(seed), random_firms(seed)
    rng = np.random.default_rng(100 + seed)
    uniform, event = rng.random(ROWS), rng.random(ROWS)
    uniform[:3] = [0.5, 1e-9, 1.0 - 1e-9]  # no shock; very large shocks either way

    # The rows take every branch, so that the comparison below covers each of them.
    capital = columns.capital_output * columns.revenue
    room = np.maximum(ctx.max_debt_ratio * columns.assets - columns.debt, 0.0) + np.maximum(columns.cash, 0.0)
    assert np.any(np.exp(ctx.demand_growth[columns.sector]) - 1.0 > room / capital)  # short of finance
    assert np.any(event < ctx.innovation_rate * columns.rd_rate * (1.0 + ctx.rd_drift))  # innovating

    GrowthFirm.decide_investment(compiled, ctx, uniform, event)
    grow_with_columns(columns, ctx, uniform, event)
    bankrupt = GrowthFirm.settle(compiled, ctx)
    expected_bankrupt = settle_with_columns(columns, ctx)

    assert 0 < expected_bankrupt.sum() < ROWS  # some firms fail, most do not
    np.testing.assert_array_equal(bankrupt, expected_bankrupt)
    for name in ("revenue", "cash", "debt", "assets", "rd_rate", "tfp", "tech_share"):
        np.testing.assert_allclose(
            getattr(compiled, name), getattr(columns, name), rtol=1e-13, atol=1e-13, err_msg=name
        )
    reason = GrowthFirm.decide_exit(compiled, ctx, bankrupt, event)
    assert set(np.unique(reason)) == {0, ExitReason.VOLUNTARY, ExitReason.BANKRUPTCY}


def test_a_quarter_worked_by_hand():
    """No shock, no innovation: revenue grows with demand; the capital comes from cash, then debt."""
    ctx = context(demand_growth=np.full(10, np.log(1.1)), rd_drift=0.0, tax_rate=0.0, interest_rate=0.0)
    firms = ColumnStore(FIRM_SCHEMA, 3)
    firms.append(
        3,
        {
            "sector": 0,
            "active": True,
            "revenue": 10.0,
            "capital_output": 2.0,  # 10% more revenue needs 2 bn yuan of capital
            "growth_sigma": 0.3,
            "cash": np.array([5.0, 0.5, 0.0]),
            "debt": np.array([0.0, 0.0, 6.0]),
            "assets": 10.0,
            "margin": 0.0,
        },
    )
    GrowthFirm.decide_investment(firms, ctx, np.full(3, 0.5), np.ones(3))
    # Firm 0 pays 2 from cash; firm 1 pays 0.5 from cash and borrows 1.5; firm 2 can borrow
    # nothing (debt 6 = 0.6 x assets 10) and stays at its revenue.
    np.testing.assert_allclose(firms.revenue, [11.0, 11.0, 10.0])
    np.testing.assert_allclose(firms.cash, [3.0, 0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(firms.debt, [0.0, 1.5, 6.0])
    np.testing.assert_allclose(firms.assets, [12.0, 12.0, 10.0])
