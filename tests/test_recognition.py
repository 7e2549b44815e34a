"""Hand-worked recognition rules (gazelle bands from policy_parameters.csv)."""

import numpy as np
import pytest

from model import recognition
from model.config import as_params, compose


@pytest.fixture(scope="module")
def rules():
    return as_params(compose([])).calibration.recognition


def gazelle(rule, revenue, cagr, rd, debt=0.5, age=5.0):
    revenue = np.atleast_1d(float(revenue))
    return recognition.gazelle_eligible(
        revenue, revenue / (1 + cagr) ** 2, np.atleast_1d(rd), np.atleast_1d(debt), np.atleast_1d(age), rule
    )[0]


def test_gazelle_growth_bands(rules):
    g = rules.gazelle
    assert gazelle(g, 0.015, 0.26, 0.06)  # 15m yuan: needs 25 %
    assert not gazelle(g, 0.015, 0.24, 0.06)
    assert gazelle(g, 0.05, 0.21, 0.06)  # 50m yuan: needs 20 %
    assert not gazelle(g, 0.05, 0.19, 0.06)
    assert gazelle(g, 0.2, 0.16, 0.03)  # 200m yuan: needs 15 %, R&D 2.5 %
    assert not gazelle(g, 0.2, 0.14, 0.03)
    assert gazelle(g, 0.5, 0.11, 0.03)  # 500m yuan: needs 10 %
    assert not gazelle(g, 0.5, 0.09, 0.03)
    assert not gazelle(g, 0.005, 0.5, 0.1)  # below the lowest band


def test_gazelle_other_criteria(rules):
    g = rules.gazelle
    assert not gazelle(g, 0.5, 0.2, 0.02)  # R&D below 2.5 % of revenue
    assert not gazelle(g, 0.05, 0.3, 0.04)  # small firm: R&D below 5 %
    assert not gazelle(g, 0.5, 0.2, 0.03, debt=0.75)
    assert not gazelle(g, 0.5, 0.2, 0.03, age=2.0)


def test_high_tech_bands(rules):
    h = rules.high_tech
    revenue = np.array([0.03, 0.03, 0.1, 0.1, 0.3, 0.3, 0.3])
    rd = np.array([0.05, 0.045, 0.04, 0.035, 0.03, 0.029, 0.05])
    tech = np.array([0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.5])
    got = recognition.high_tech_eligible(revenue, rd, tech, h)
    assert got.tolist() == [True, False, True, False, True, False, False]


def test_unicorn_threshold_and_age(rules):
    u = rules.unicorn
    value = np.array([7.0, 7.0, 6.0])
    age = np.array([5.0, 11.0, 5.0])
    assert recognition.unicorn_eligible(value, age, u).tolist() == [True, False, False]
    # valuation: a firm growing at its industry's trend is valued at the base multiple
    v = recognition.valuation(np.array([2.0]), np.array([2.0 / 1.1**2]), np.array([3.0]), np.array([0.1]))
    assert v[0] == pytest.approx(6.0)


def test_champion_needs_years_at_the_top(rules):
    c = rules.champion
    years = np.zeros(3, np.int16)
    share = np.array([0.3, 0.3, 0.1])
    for _ in range(c.years_held):
        years = recognition.champion_years(share, years, c)
    assert years.tolist() == [c.years_held, c.years_held, 0]
    ok = recognition.champion_eligible(years, np.array([12.0, 5.0, 20.0]), np.array([True, True, True]), c)
    assert ok.tolist() == [True, False, False]
