"""Balances and bounds, checked after every quarter of a run."""

import numpy as np
import pytest

from agents.fund import SOURCES
from model import ShandongModel


@pytest.fixture(scope="module")
def stepped():
    """Run as enacted quarter by quarter, collecting checks after each step."""
    model = ShandongModel(seed=1, scale=0.05, policy_mix="as_enacted")
    plants = model.plants
    initial_workers = float(np.sum(plants.weight * plants.workers))
    states = []
    while model.running:
        model.step()
        states.append(
            {
                "capacity": plants.capacity.copy(),
                "output": plants.output.copy(),
                "utilisation": plants.utilisation.copy(),
                "active": plants.active.copy(),
                "ledger": {
                    state: dict(getattr(model.fund.ledger, state))
                    for state in ("subscribed", "uncalled", "idle", "invested")
                },
                "co_invested": model.fund.ledger.co_invested,
                "workers": float(np.sum(plants.weight * plants.workers)),
                "hired": float(model.tallies.workers_hired.sum()),
                "hired_recorded": model.indicator("workers_hired"),
                "jobs_lost": float(model.tallies.jobs_lost.sum()),
                "jobs_lost_cities": sum(city.jobs_lost for city in model.cities),
            }
        )
    return model, states, initial_workers


def test_capacity_at_least_output_at_least_zero(stepped):
    _, states, _ = stepped
    for s in states:
        assert np.all(s["output"] >= 0)
        assert np.all(s["capacity"] + 1e-12 >= s["output"])


def test_utilisation_within_unit_interval(stepped):
    _, states, _ = stepped
    for s in states:
        assert np.all((s["utilisation"] >= 0) & (s["utilisation"] <= 1))


def test_exited_plants_never_produce(stepped):
    model, states, _ = stepped
    assert (~states[-1]["active"]).any(), "the run should close some plants, else this checks nothing"
    for s in states:
        assert np.all(s["output"][~s["active"]] == 0)
        assert np.all(s["capacity"][~s["active"]] == 0)
    exited = np.flatnonzero(~model.plants.active)
    assert all(model.plant_agents[row] is None for row in exited)


def test_fund_money_conserved_exactly(stepped):
    model, states, _ = stepped
    assert states[-1]["ledger"]["invested"]["social"] > 0, "the fund should have invested"
    for s in states:
        for source in SOURCES:
            subscribed = s["ledger"]["subscribed"][source]
            assert (
                subscribed
                == s["ledger"]["uncalled"][source] + s["ledger"]["idle"][source] + s["ledger"]["invested"][source]
            )
            assert min(s["ledger"][state][source] for state in ("uncalled", "idle", "invested")) >= 0
    deals = model.fund.deals
    assert sum(int(d.fund.sum()) for d in deals) == model.fund.ledger.total("invested")
    assert sum(int(d.co_investment.sum()) for d in deals) == model.fund.ledger.co_invested
    assert int(model.fund.invested_by_sector.sum()) == model.fund.ledger.total("invested")


def test_firm_equity_matches_fund_ledger(stepped):
    model, _, _ = stepped
    firms = model.firms
    received = float(np.sum(firms.weight * firms.fund_equity)) * 1e9
    assert received == pytest.approx(model.fund.ledger.total("invested"), rel=1e-9)


def test_jobs_lost_equal_employment_removed(stepped):
    _, states, initial = stepped
    assert states[-1]["jobs_lost"] > 0, "the run should lose some jobs, else this checks nothing"
    assert states[-1]["hired"] > 0, "the run should build new steel works, else hires are not checked"
    for s in states:
        assert s["hired_recorded"] == pytest.approx(s["hired"], rel=1e-12)
        removed = initial + s["hired"] - s["workers"]
        assert s["jobs_lost"] == pytest.approx(removed, rel=1e-9, abs=1e-6)
        assert s["jobs_lost_cities"] == pytest.approx(s["jobs_lost"], rel=1e-12)


def test_resettled_never_exceed_released(stepped):
    model, _, _ = stepped
    for city in model.cities:
        assert 0 <= city.resettled <= city.jobs_lost + 1e-9
        assert city.unsettled == pytest.approx(city.jobs_lost - city.resettled, abs=1e-6)


def test_value_added_adds_up_to_gdp(run):
    from conftest import value

    _, ts = run("as_enacted")
    gdp = value(ts, "gdp")
    by_city = ts[
        (ts.indicator == "gdp") & (ts.sector == "all") & (ts.city != "all") & (ts.date == ts.date.max())
    ].value.sum()
    assert by_city == pytest.approx(gdp, rel=1e-12)
    employment = value(ts, "employment")
    by_city = ts[
        (ts.indicator == "employment") & (ts.sector == "all") & (ts.city != "all") & (ts.date == ts.date.max())
    ].value.sum()
    assert by_city == pytest.approx(employment, rel=1e-12)


def test_fund_pipelines_hold_each_sectors_firms(run):
    """The fund draws its deal flow from per-sector row lists kept as firms enter and rows split.

    Each list holds its sector's rows once, in row order, and its running count of firms is
    that of the firms its rows stand for.
    """
    model, _ = run("as_enacted")
    firms = model.firms
    assert (firms.founded > 2018.0).any()  # the lists grew through entry
    first_entrant = int(np.argmax(firms.founded > 2018.0))
    assert (firms.founded[first_entrant:] <= 2018.0).any()  # and through rows split off for the fund
    for s, rows in enumerate(model.fund.pools):
        assert np.array_equal(rows, np.flatnonzero(firms.sector == s))
        counts = model.fund.pool_firms[s]
        assert counts == pytest.approx(np.cumsum(firms.weight[rows]), rel=1e-12)


def test_firm_flows_are_the_column_sums(run):
    """The compiled pass over the growth firms sums what the numpy column formulas give."""
    model, _ = run("as_enacted")
    firms, accounts = model.firms, model.accounts
    flows = accounts._firm_flows(model.quarter)
    gross = firms.weight * firms.revenue
    va = gross * firms.va_ratio
    manufacturing = model.world.manufacturing[firms.sector]
    code = firms.sector * accounts.n_cities + firms.city
    shape = (len(model.world.growth["energy_intensity"]), accounts.n_cities)
    by_sector_city = np.bincount(code, weights=va, minlength=shape[0] * shape[1]).reshape(shape)
    assert (firms.revenue[~firms.active] == 0).all() and not firms.active.all()  # exited rows are in the sums
    np.testing.assert_array_equal(flows["va_sc"], by_sector_city)
    workers = np.bincount(code, weights=1e5 * va / firms.tfp, minlength=shape[0] * shape[1]).reshape(shape)
    np.testing.assert_array_equal(flows["workers_x_lp"], workers)
    assert flows["va_ne"] == pytest.approx(va[firms.new_economy].sum(), rel=1e-12)
    assert flows["va_manuf"] == pytest.approx(va[manufacturing].sum(), rel=1e-12)
    assert flows["gross_manuf"] == pytest.approx(gross[manufacturing].sum(), rel=1e-12)
    assert flows["gross_ht"] == pytest.approx((gross * firms.tech_share)[manufacturing].sum(), rel=1e-12)
    assert flows["rd"] == pytest.approx((gross * firms.rd_rate).sum(), rel=1e-12)
