"""EMA Workbench: a small study of the model and PRIM on its results (the ``analysis`` extra)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

ema = pytest.importorskip(
    "ema_workbench", reason="the analysis extra is not installed (pip install -e '.[analysis]'; .ci/run installs it)"
)

from ema_workbench.analysis import prim  # noqa: E402

from experiments.ema import ema_model, prim_inputs  # noqa: E402
from experiments.ranges import levers, uncertainties  # noqa: E402
from model.errors import ConfigError  # noqa: E402

# PRIM in ema_workbench 2.5.3 calls DataFrame.drop(inplace=True), deprecated in pandas 3.1
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword:pandas.errors.Pandas4Warning")


def test_model_from_the_config():
    model = ema_model(scale=0.01, seeds=[4, 7])
    assert [p.name for p in model.levers] == list(levers())
    assert [p.name for p in model.uncertainties] == list(uncertainties())
    interval = next(p for p in model.levers if p.name == "inspection_interval")
    assert isinstance(interval, ema.IntegerParameter) and (interval.lower_bound, interval.upper_bound) == (1, 4)
    assert [dict(r) for r in model.replications] == [{"seed": 4}, {"seed": 7}]
    names = [o.name for o in model.outcomes]
    assert "met_new_economy_share" in names and "jobs_lost" in names


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"levers": ["fund_sise"]}, "levers='fund_sise' is not allowed"),
        ({"outcomes": ["met_everything"]}, "outcomes='met_everything' is not allowed"),
        ({"policy_mix": "pricing_only"}, "conversion_fund' is not set"),  # its levers need the fund
    ],
)
def test_bad_model_settings_fail_at_once(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        ema_model(scale=0.01, **kwargs)


@pytest.mark.slow
def test_experiments_and_prim():
    model = ema_model(scale=0.01, seeds=2, outcomes=["met_new_economy_share", "new_economy_va_share", "jobs_lost"])
    experiments, outcomes = ema.perform_experiments(model, scenarios=4, policies=2)
    assert len(experiments) == 8 and outcomes["jobs_lost"].shape == (8,)
    assert set(experiments.policy.astype(str)) and experiments.scenario.nunique() == 4
    # Every experiment gives its own finite outcomes (the levers and uncertainties reach the model).
    assert np.isfinite(outcomes["jobs_lost"]).all() and np.unique(outcomes["jobs_lost"]).size > 1
    share = outcomes["new_economy_va_share"]
    result = prim.Prim(prim_inputs(experiments, model), share >= np.median(share), threshold=0.5).find_box()
    assert result.coverage > 0 and result.density > 0


def test_prim_inputs_let_prim_peel_an_integer_lever():
    """PRIM in ema_workbench 2.5.3 on pandas 3 fails on an integer column (EMAworkbench#448)."""
    model = ema_model(scale=0.01)
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({p.name: rng.uniform(0, 1, 200) for p in (*model.levers, *model.uncertainties)})
    frame["inspection_interval"] = rng.integers(1, 5, 200)
    y = ((frame.inspection_interval <= 2) & (frame.fund_size > 0.3)).to_numpy()
    box = prim.Prim(prim_inputs(frame, model), y, threshold=0.8).find_box()
    assert box.density == 1.0 and "inspection_interval" in box.box_lims[-1].columns
