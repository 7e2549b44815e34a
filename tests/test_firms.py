"""Growth-firm bookkeeping worked by hand: review revenues, titles of exited firms, the fund's screen."""

import numpy as np
import pytest

from agents.fund import FundBehaviour, FundRules, select_investees
from model import ShandongModel
from model.arrays import weighted_median
from model.config import compose
from model.names import GROWTH_SECTORS

SCALE = 0.02


def test_reviews_compare_revenue_two_years_apart():
    """Each review's two-year growth spans two years: the 2018 review starts from 2016, 2019 from 2017."""
    model = ShandongModel(seed=0, scale=SCALE, policy_mix="none")
    firms = model.firms
    n0 = firms.n
    revenue_2017 = firms.revenue.copy()
    # The end-2017 titles close the 2017 review: last year's revenue is now 2017's.
    np.testing.assert_array_equal(firms.revenue_1y, revenue_2017)
    revenue_2016 = firms.revenue_2y.copy()
    assert np.all(revenue_2016 > 0) and not np.allclose(revenue_2016, revenue_2017)
    seen = {}
    original = model.recognise

    def spy():
        seen[model.quarter] = (firms.revenue[:n0].copy(), firms.revenue_2y[:n0].copy(), firms.active[:n0].copy())
        original()

    model.recognise = spy
    for _ in range(8):  # to the end of 2019: reviews in 2018Q4 and 2019Q4
        model.step()
    assert sorted(seen) == [4, 8]
    _, before_2018, _ = seen[4]
    np.testing.assert_array_equal(before_2018, revenue_2016)
    _, before_2019, active = seen[8]
    assert active.sum() > 0.9 * n0
    np.testing.assert_array_equal(before_2019[active], revenue_2017[active])


def test_an_exited_champion_leaves_the_count_for_good():
    model = ShandongModel(seed=0, scale=SCALE, policy_mix="none")
    firms = model.firms
    row = int(np.flatnonzero(firms.champion & firms.active)[0])
    firms.set_rows("debt", row, 1e3)  # far beyond its borrowing room: bankrupt this quarter
    counted = []
    for _ in range(4):  # through the 2018Q4 review
        model.step()
        active_champions = float(np.sum(firms.weight * (firms.champion & firms.active)))
        counted.append((model.indicator("champion_firms"), active_champions))
    assert not firms.active[row] and not firms.champion[row]
    for recorded, active_champions in counted:
        assert recorded == pytest.approx(active_champions)


@pytest.mark.parametrize("entrant_size", [0.3, 0.6])
def test_the_funds_expected_ticket_is_its_ticket_for_a_median_firm(entrant_size):
    """ticket_to_revenue x the industry's median revenue (2017, grown at trend), within the caps."""
    model = ShandongModel(
        config=compose(
            ["policy_mix=fund_only", "seed=0", f"scale={SCALE}", f"calibration.behaviour.entrant_size={entrant_size}"]
        )
    )
    revenue_2017, sector, weight_2017 = model.firms.revenue.copy(), model.firms.sector.copy(), model.firms.weight.copy()
    model.step()  # the fund instrument hands the model its rules
    rules = model.fund.rules
    q = 8
    for s, name in enumerate(GROWTH_SECTORS):
        median = weighted_median(revenue_2017[sector == s], weight_2017[sector == s])
        revenue = median * (1.0 + model.params.scenario.demand_growth[name]) ** (q / 4)
        multiple = model.world.growth["valuation_multiple"][s]
        per_yuan = min(rules.ticket_to_revenue, rules.max_stake / (1 - rules.max_stake) * multiple)
        expected = min(per_yuan * revenue, rules.max_ticket)
        assert model.fund.expected_ticket(model.growth.market_growth[q])[s] == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(("rd_weight", "expected"), [(0.0, 0), (10.0, 1)])
def test_the_funds_quality_signal_weighs_rd_by_the_calibrated_weight(rd_weight, expected):
    """Two candidates: one more productive, one more R&D-intensive; the weight decides."""
    from agents.growth_firms import FIRM_SCHEMA
    from agents.population import ColumnStore

    firms = ColumnStore(FIRM_SCHEMA, 2)
    firms.append(
        2,
        {
            "sector": 0,
            "weight": 1.0,
            "active": True,
            "revenue": 1.0,
            "revenue_1y": 1.0,
            "tfp": np.array([np.exp(0.2), 1.0]),  # row 0: 20 log points more productive
            "rd_rate": np.array([0.0, 0.05]),  # row 1: 5 % of revenue on R&D (10 x 0.05 = 0.5 > 0.2)
        },
    )
    budget = np.zeros(len(GROWTH_SECTORS), np.int64)
    budget[0] = int(0.3e9)  # room for one ticket of 0.3 bn yuan
    rules = FundRules(selection="quality", pipeline_multiple=4.0, ticket_to_revenue=0.3, max_ticket=2.0, max_stake=0.3)
    behaviour = FundBehaviour(screening_noise=0.0, rd_signal_weight=rd_weight, co_investment=0.0)
    chosen, amounts = select_investees(firms, np.arange(2), budget, rules, behaviour, np.full(2, 10.0), np.zeros(2))
    assert chosen.tolist() == [expected] and amounts.tolist() == [int(0.3e9)]


def test_the_rd_signal_weight_is_validated():
    from model.errors import ConfigError
    from model.validation import validate

    with pytest.raises(ConfigError, match=r"calibration\.fund\.rd_signal_weight"):
        validate(compose(["calibration.fund.rd_signal_weight=-1"]))
