"""Ranges from conf/ for the field's clients: SALib's problem, with simulate() as its evaluation function."""

from __future__ import annotations

import numpy as np
import pytest
from omegaconf import OmegaConf

from experiments.ranges import levers, salib_problem, uncertainties
from model import simulate
from model.api import as_array
from model.config import resolved
from model.errors import ConfigError
from model.overrides import LEVERS, configure
from model.schema import CONF_DIR


def test_salib_problem_is_conf_sensitivity_yaml():
    declared = OmegaConf.load(CONF_DIR / "sensitivity.yaml").sensitivity.parameters
    problem = salib_problem()
    assert problem["num_vars"] == len(declared) == len(problem["names"]) >= 8
    for name, key, bounds in zip(problem["labels"], problem["names"], problem["bounds"], strict=True):
        assert key == declared[name].key and bounds == [declared[name].low, declared[name].high]
    assert salib_problem(["entry_rate"])["names"] == ["calibration.behaviour.entry_rate"]
    with pytest.raises(ConfigError, match="uncertainties='entry_rte' is not allowed"):
        salib_problem(["entry_rte"])


@pytest.mark.parametrize("edge", [0, 1])
def test_every_range_edge_is_a_valid_config(edge):
    for r in [*uncertainties().values(), *levers().values()]:
        value = (r.low, r.high)[edge]
        resolved(configure({r.key: int(value) if r.integer else value}, scale=0.01))


def test_lever_ranges_span_the_experiments():
    found = levers()
    assert set(found) == set(LEVERS)
    assert (found["fund_size"].low, found["fund_size"].high, found["fund_size"].unit) == (300, 1200, "bn yuan")
    assert (found["surcharge_scale"].low, found["surcharge_scale"].high) == (0, 4)
    assert found["inspection_interval"].integer and not found["standards_pace"].integer


def test_morris_with_simulate_as_the_evaluation_function():
    from SALib.analyze import morris as analyze
    from SALib.sample import morris as sample

    problem = salib_problem(["steel_demand_growth", "entry_rate"])
    x = sample.sample(problem, 2, num_levels=4, seed=0)
    results = [simulate(dict(zip(problem["names"], row, strict=True)), seed=0, scale=0.01) for row in x]
    gdp = as_array(results, "gdp")
    effects = analyze.analyze(problem, x, gdp, num_levels=4, seed=0)
    assert np.all(np.isfinite(effects["mu_star"])) and effects["mu_star"][1] > 0  # more entrants, more output
    assert set(as_array(results, "met_rd_intensity")) <= {0.0, 1.0}
