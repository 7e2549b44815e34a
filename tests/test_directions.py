"""Each single-instrument mix moves its own indicators the right way against `none` (same seed)."""

import numpy as np
import pytest
from conftest import value

SCALE = 0.1


@pytest.mark.parametrize("seed", [0, 1])
def test_pricing_lowers_energy_use_and_raises_surcharges(run, seed):
    """The programme's pricing (the 2021 ultra-low-emission surcharge) on top of the 2017 regimes."""
    _, none = run("none", seed, SCALE)
    _, pricing = run("pricing_only", seed, SCALE)
    assert value(pricing, "surcharge_revenue") > value(none, "surcharge_revenue") > 0
    assert value(pricing, "energy_consumption") < value(none, "energy_consumption")
    assert value(pricing, "capacity", "steel") <= value(none, "capacity", "steel")


def test_the_regimes_in_force_at_the_end_of_2017_are_in_the_starting_state_of_every_mix():
    """Surcharges that predate the programme are paid in 2017Q4, under `none` too, and the same in every mix."""
    from model import ShandongModel

    built = {mix: ShandongModel(seed=0, scale=SCALE, policy_mix=mix) for mix in ("none", "fund_only", "as_enacted")}
    surcharge = {mix: model.plants.surcharge.copy() for mix, model in built.items()}
    assert (surcharge["none"] > 0).any()
    for mix in ("fund_only", "as_enacted"):
        assert np.array_equal(surcharge[mix], surcharge["none"]), mix
    # Markets are calibrated to 2017 output with those surcharges in the costs.
    for model in built.values():
        assert model.indicator("output", "steel") == pytest.approx(model.params.calibration.overcapacity.steel.output)


@pytest.mark.parametrize("seed", [0, 1])
def test_fund_raises_the_new_economy_share(run, seed):
    _, none = run("none", seed, SCALE)
    _, fund = run("fund_only", seed, SCALE)
    assert value(fund, "fund_invested") > 0 == value(none, "fund_invested")
    assert value(fund, "new_economy_va_share") > value(none, "new_economy_va_share")
    assert value(fund, "rd_intensity") > value(none, "rd_intensity")


@pytest.mark.parametrize("seed", [0, 1])
def test_standards_remove_capacity_and_lower_energy_intensity(run, seed):
    _, none = run("none", seed, SCALE)
    _, standards = run("standards_only", seed, SCALE)
    exited = lambda ts: sum(value(ts, "capacity_exited", s) for s in ("coal", "building_materials"))  # noqa: E731
    assert exited(standards) > exited(none)
    assert value(standards, "plants_closed_by_inspection") > 0 == value(none, "plants_closed_by_inspection")
    assert value(standards, "energy_intensity") < value(none, "energy_intensity")
    assert value(standards, "capacity", "low_speed_ev") < value(none, "capacity", "low_speed_ev")


def test_relocation_moves_steel_out_of_channel_cities(run):
    _, none = run("none", 0, SCALE)
    _, enacted = run("as_enacted", 0, SCALE)
    assert value(enacted, "steel_channel_capacity_exited_share", "steel") >= 0.7
    coastal = "steel_coastal_capacity_share"
    assert value(enacted, coastal, "steel") > value(none, coastal, "steel")
    assert value(enacted, "workers_resettled") > 0 == value(none, "workers_resettled")
    assert value(enacted, "workers_hired", "steel") > 0 == value(none, "workers_hired")
