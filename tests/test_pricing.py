"""Hand-worked electricity surcharges: a plant just over a tier pays that tier's surcharge."""

import numpy as np
import pytest

from agents.plants import PLANT_SCHEMA
from agents.population import ColumnStore
from model.config import compose, resolved
from model.environment import Environment
from model.instruments import (
    AluminiumTieredPricing,
    OverQuotaPricing,
    SteelDifferentialPricing,
    UltraLowEmissionPricing,
)
from model.names import OVERCAPACITY_SECTORS
from model.world import World

STEEL, ALUMINIUM = 0, 2


@pytest.fixture(scope="module")
def instruments():
    cfg = resolved(compose(["policy_mix=as_enacted"]))
    ins = cfg.policy_mix.instruments
    world = World(cfg.calibration)
    return ins, world


def plants_of(sector, n):
    store = ColumnStore(PLANT_SCHEMA, n)
    store.append(n, {"sector": sector, "active": True})
    return store


def env_with(world, *schemes):
    env = Environment(
        world.overcapacity["energy_quota"],
        (world.overcapacity["quota_fuel_weight"], world.overcapacity["quota_power_weight"]),
    )
    env.pricing.extend(schemes)
    return env


def test_aluminium_tiers(instruments):
    ins, world = instruments
    scheme = AluminiumTieredPricing(ins.aluminium_tiered_pricing, ALUMINIUM)
    kwh = np.array([13_600.0, 13_700.0, 13_701.0, 13_750.0, 13_800.0, 13_801.0, 14_500.0])
    plants = plants_of(ALUMINIUM, kwh.size)
    env = env_with(world, scheme)
    got = env.surcharge_of(
        plants, np.arange(kwh.size), np.zeros(kwh.size), kwh, np.zeros(kwh.size, np.int8), np.zeros(kwh.size, np.int8)
    )
    np.testing.assert_allclose(got, [0.0, 0.0, 0.02, 0.02, 0.02, 0.08, 0.08])


def test_tier_surcharge_is_paid_on_the_plants_kwh(instruments):
    ins, world = instruments
    scheme = AluminiumTieredPricing(ins.aluminium_tiered_pricing, ALUMINIUM)
    env = env_with(world, scheme)
    plants = plants_of(ALUMINIUM, 1)
    surcharge = env.surcharge_of(
        plants, np.arange(1), np.zeros(1), np.array([13_750.0]), np.zeros(1, np.int8), np.zeros(1, np.int8)
    )[0]
    # 1 Mt a year at 13,750 kWh/t pays 0.02 yuan on each of 13.75 TWh: 0.275 bn yuan a year.
    bill = 1.0 * 1e6 * 13_750.0 * surcharge / 1e9
    assert bill == pytest.approx(0.275)


def test_over_quota_progressive_bands(instruments):
    ins, world = instruments
    scheme = OverQuotaPricing(ins.over_quota_pricing, world.overcapacity_index, len(OVERCAPACITY_SECTORS))
    env = env_with(world, scheme)
    quota = env.energy_quota[STEEL]  # steel quota in kgce/t of comprehensive energy
    weight_power = world.overcapacity["quota_power_weight"][STEEL]
    excess = np.array([-0.05, 0.0, 0.05, 0.10, 0.29, 0.30, 0.45, 0.60, 1.0, 1.5])
    fuel = quota * (1 + excess)  # no electricity: the metric is the fuel alone
    plants = plants_of(STEEL, excess.size)
    got = env.surcharge_of(
        plants,
        np.arange(excess.size),
        fuel,
        np.zeros(excess.size),
        np.zeros(excess.size, np.int8),
        np.zeros(excess.size, np.int8),
    )
    np.testing.assert_allclose(got, [0, 0, 0.02, 0.05, 0.05, 0.10, 0.10, 0.20, 0.30, 0.30])
    assert weight_power == pytest.approx(0.1229)


def test_over_quota_does_not_touch_uncovered_sectors(instruments):
    ins, world = instruments
    scheme = OverQuotaPricing(ins.over_quota_pricing, world.overcapacity_index, len(OVERCAPACITY_SECTORS))
    env = env_with(world, scheme)
    coal = world.overcapacity_index("coal")
    plants = plants_of(coal, 1)
    got = env.surcharge_of(
        plants, np.arange(1), np.array([1e6]), np.zeros(1), np.zeros(1, np.int8), np.zeros(1, np.int8)
    )
    assert got[0] == 0.0


def test_steel_classes_and_ultra_low_emission(instruments):
    ins, world = instruments
    env = env_with(
        world,
        SteelDifferentialPricing(ins.steel_differential_pricing, STEEL),
        UltraLowEmissionPricing(ins.ultra_low_emission_pricing, STEEL),
    )
    plants = plants_of(STEEL, 4)
    classes = np.array([0, 1, 2, 2], np.int8)
    unmet = np.array([0, 1, 2, 3], np.int8)
    got = env.surcharge_of(plants, np.arange(4), np.zeros(4), np.zeros(4), unmet, classes)
    np.testing.assert_allclose(got, [0.0, 0.1 + 0.01, 0.5 + 0.03, 0.5 + 0.06])


def test_schemes_start_on_schedule(run):
    model, _ = run("pricing_only")
    ule = next(i for i in model.government.instruments if i.name == "ultra_low_emission_pricing")
    assert ule.start == 15  # 2021Q3


@pytest.mark.parametrize("mix", ["standards_only", "as_enacted", "intensified"])
def test_energy_quota_standards_start_at_the_2017_quota_and_tighten_it(mix):
    """The standards enforce the calibrated quota from their start and then lower it."""
    cfg = resolved(compose([f"policy_mix={mix}"]))
    quotas = [r for r in cfg.policy_mix.instruments.standards.rules.values() if r.dimension == "energy_quota"]
    assert quotas, "the mix should have energy-quota standards, else this checks nothing"
    for rule in quotas:
        calibrated = cfg.calibration.overcapacity[rule.sector].energy_quota
        steps = [float(v) for _, v in sorted(rule.schedule.items())]
        assert steps[0] == pytest.approx(calibrated), f"{rule.sector}: the first step is the 2017 quota"
        assert steps[-1] < calibrated, f"{rule.sector}: the standard should tighten the 2017 quota"


def test_a_tightened_energy_standard_lowers_the_over_quota_pricing_quota():
    from model import ShandongModel

    model = ShandongModel(seed=0, scale=0.02, policy_mix="as_enacted")
    steel = model.world.overcapacity_index("steel")
    calibrated = model.world.overcapacity["energy_quota"][steel]
    quotas = []
    for _ in range(9):  # to 2020Q1, when the steel quota tightens
        model.step()
        quotas.append(float(model.environment.energy_quota[steel]))
    assert quotas[0] == pytest.approx(calibrated)
    assert quotas[-1] < calibrated
    rule = model.params.policy_mix.instruments.standards.rules.steel_energy_quota
    assert quotas[-1] == pytest.approx(float(rule.schedule["2020Q1"]))
