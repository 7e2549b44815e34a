"""Plant rules worked by hand or by direction: power demand, classes, upgrades, inspections."""

import copy

import numpy as np
import pytest

from model import ShandongModel

SCALE = 0.05


def test_other_plants_electricity_is_counted_in_twh():
    model = ShandongModel(seed=0, scale=SCALE, policy_mix="none")
    plants, world = model.plants, model.world
    power = world.overcapacity_index("coal_power")
    others = plants.sector != power
    # kWh a year: output [Mt/yr, thousand vehicles/yr] x base units [t, vehicles] x kWh per base unit.
    kwh = (
        plants.weight
        * plants.output
        * world.overcapacity["base_units_per_unit"][plants.sector]
        * plants.power_intensity
    )
    assert model.markets.electricity0 == pytest.approx(kwh[others].sum() / 1e9, rel=1e-9)
    # About 160 TWh in 2017: aluminium 8.1 Mt x 13,600 kWh/t, steel 71 Mt x 450 kWh/t, cement ...
    assert 120 < model.markets.electricity0 < 200


def test_more_electricity_used_by_other_plants_raises_coal_power_output():
    """Coal power's demand includes the change in the other plants' electricity use."""
    base = ShandongModel(seed=0, scale=SCALE, policy_mix="none")
    more = ShandongModel(seed=0, scale=SCALE, policy_mix="none")
    steel = more.world.overcapacity_index("steel")
    power = more.world.overcapacity_index("coal_power")
    rows = np.flatnonzero(more.plants.sector == steel)
    more.plants.set_rows("capacity", rows, more.plants.capacity[rows] * 1.3)  # more steel, more kWh
    # The clearing of the first quarter on its own: the utilisation it used, before plants decide.
    used = [m.markets.clear_quarter(m.plants, copy.copy(m.plant_ctx), 1) for m in (base, more)]
    extra_twh = more.markets.plant_electricity(more.plants, used[1]) - base.markets.plant_electricity(
        base.plants, used[0]
    )
    assert extra_twh > 1.0, "the bigger steel industry should use several TWh more"
    # Hand-worked: the extra demand is the coal share of the extra TWh over 8.76 TWh per GW-year.
    expected_gw = extra_twh / 8.76 * more.markets.coal_generation_share
    assert more.markets.extra_demand[power] - base.markets.extra_demand[power] == pytest.approx(expected_gw, rel=1e-9)
    base.step()
    more.step()
    gained = more.indicator("output", "coal_power") - base.indicator("output", "coal_power")
    assert gained > 0.1 * expected_gw, "coal-power output should rise with the demand it serves"
    assert gained <= expected_gw + 1e-9


@pytest.fixture(scope="module")
def calibration():
    from model.config import compose, resolved
    from model.world import World

    cal = resolved(compose(["policy_mix=none"])).calibration
    return World(cal), cal


@pytest.mark.parametrize("seed", range(5))
def test_small_plants_get_the_restricted_and_eliminated_classes(calibration, seed):
    """Equipment classes go by plant shares, and to the smaller plants (as emission gaps do)."""
    from model import population

    world, cal = calibration
    plants = population.build_plants(world, cal, np.random.default_rng(seed))
    for name in ("steel", "building_materials"):
        rows = plants.sector == world.overcapacity_index(name)
        shares = cal.overcapacity[name].equipment_class_shares
        expected = np.diff(np.round(np.cumsum([0.0, *shares]) * rows.sum()))
        assert np.bincount(plants.equipment_class[rows], minlength=3).tolist() == expected.tolist()
    steel = plants.sector == world.overcapacity_index("steel")
    clinker = (plants.sector == world.overcapacity_index("building_materials")) & (plants.segment == 0)
    for rows in (steel, clinker):  # one segment each, so capacities compare like with like
        cls, capacity = plants.equipment_class[rows], plants.capacity[rows]
        assert capacity[cls > 0].mean() < capacity[cls == 0].mean()
    # The same plants tend to miss the ultra-low-emission criteria.
    assert plants.ule_unmet[steel & (plants.equipment_class > 0)].mean() > plants.ule_unmet[steel].mean()


@pytest.mark.parametrize(("quarter", "expected"), [(0, 4), (1, 3), (2, 4), (3, 3), (4, 4)])
def test_unfound_plants_expect_closure_after_the_next_inspection_and_the_grace(quarter, expected):
    """Inspections in quarters 2, 4, ... (start 2018Q1, every 2 quarters), grace 2 quarters.

    Risk is assessed after the quarter's inspection: an unflagged plant in an inspection
    quarter can be found two quarters on at the earliest, and closed two after that.
    """
    from agents.plants import PLANT_SCHEMA
    from agents.population import ColumnStore

    model = ShandongModel(seed=0, scale=0.02, policy_mix="none")
    regulator = model.regulator
    regulator.configure(start=1, interval=2, detection=0.6, grace=2)
    plants = ColumnStore(PLANT_SCHEMA, 2)
    plants.append(2, {"active": True, "flagged": np.array([False, True]), "deadline": quarter + 1})
    noncompliant = np.array([True, True])
    risk, quarters = regulator.closure_risk(plants, noncompliant, quarter)
    assert risk.tolist() == [0.6, 1.0]
    assert quarters.tolist() == [expected, 1]
    # The same by walking the regulator forward: found at the next inspection, closed at its deadline.
    plants.flagged = np.array([False, False])
    for q in range(quarter + 1, quarter + 10):
        if regulator.inspects(q):
            regulator.inspect(plants, noncompliant, np.zeros(2), q)
        if regulator.enforce(plants, noncompliant, q)[0]:
            break
    assert q - quarter == expected


def two_steel_plants(**columns):
    """Two identical steel plants (one segment) with the given column values, as a column store."""
    from agents.plants import PLANT_SCHEMA
    from agents.population import ColumnStore

    values = {
        "sector": 0,
        "segment": 0,
        "weight": 1.0,
        "active": True,
        "capacity": 2.0,  # Mt/yr
        "output": 1.6,
        "plant_scale": 4.3,
        "fuel_intensity": 600.0,  # kgce/t, above best practice
        "power_intensity": 500.0,  # kWh/t
        "nonenergy_cost": 2000.0,
        "workers": 2800.0,
        "workers_per_unit": 1400.0,
        "assets": 6.0,
        "cash": 100.0,  # any upgrade is affordable
        "expected_profit": 0.3,
        "upgrade_due": -1,
        "deadline": -1,
        "reserve": np.inf,
    }
    values.update(columns)
    plants = ColumnStore(PLANT_SCHEMA, 2)
    plants.append(2, values)
    return plants


def plant_context(model, n, **changes):
    """The model's plant context for ``n`` hand-made plants, with the given fields replaced."""
    import dataclasses

    fields = {"gaps": np.zeros((4, n), bool), "closure_risk": np.zeros(n), "closure_quarters": np.zeros(n)}
    fields.update(changes)
    return dataclasses.replace(model.plant_ctx, **fields)


def test_a_replacement_is_valued_in_the_permitted_class():
    """An eliminated-class works that must replace its line saves the differential surcharge."""
    from agents.plants import FIX_SCALE, Plant, _annuity

    model = ShandongModel(seed=0, scale=0.02, policy_mix="none")
    eliminated = 0.5  # yuan/kWh on eliminated-class steel equipment
    plants = two_steel_plants(equipment_class=np.array([0, 2], np.int8), surcharge=np.array([0.0, eliminated]))
    gaps = np.zeros((4, 2), bool)
    gaps[3] = True  # both below a plant-scale standard: the bundle includes a new line
    ctx = plant_context(
        model, 2, gaps=gaps, surcharge_of=lambda rows, fuel, power, ule, eq: np.where(eq == 2, eliminated, 0.0)
    )
    options = Plant.option_values(plants, ctx)
    assert (options.plan & FIX_SCALE).all() and np.isfinite(options.upgrade).all()
    # Hand-worked: identical plants but for the class, so the upgrades differ by the surcharge no
    # longer paid on the new line's kWh, from the end of the works to the horizon, at ratio rho.
    flow = 1.6e6 * 1e-9  # bn t a year
    saved = flow * plants.power_intensity[1] * eliminated  # bn yuan a year at today's intensity
    weight = (_annuity(ctx.horizon, ctx.discount) - _annuity(ctx.upgrade_lag, ctx.discount)) / 4
    expected = weight * ctx.replacement_ratio * saved
    assert options.upgrade[1] - options.upgrade[0] == pytest.approx(expected, rel=1e-9)
    assert options.keep[1] == pytest.approx(options.keep[0])


def test_an_upgrade_lifts_an_inspection_flag_only_if_the_plant_then_complies():
    """Both works were found over a 580 kgce/t quota; each completes an 8 % energy upgrade."""
    from agents.plants import FIX_ENERGY, Dimension, Plant
    from model.environment import StandardInForce

    model = ShandongModel(seed=0, scale=0.02, policy_mix="none")
    q = 3
    plants = two_steel_plants(
        fuel_intensity=np.array([540.0, 700.0]),  # kgce/t
        power_intensity=400.0,  # kWh/t: 49 kgce/t at 0.1229 kgce/kWh
        flagged=True,
        deadline=q + 2,
        upgrade_due=q,
        upgrade_plan=FIX_ENERGY,
    )
    ctx = plant_context(model, 2, quarter=q)
    Plant.complete_upgrades(plants, ctx)
    assert plants.flagged.tolist() == [True, True], "completing an upgrade does not by itself lift a flag"
    env = model.environment
    env.rules = [StandardInForce(model.world.overcapacity_index("steel"), Dimension.ENERGY_QUOTA, -1, 580.0, False)]
    # After the upgrade: 540 x 0.92 + 0.1229 x max(368, best practice 382.5) = 544 (complies); 691 (does not).
    noncompliant = env.gaps_of(
        plants, plants.fuel_intensity, plants.power_intensity, plants.ule_unmet, plants.safety_gap, plants.plant_scale
    ).any(axis=0)
    assert noncompliant.tolist() == [False, True]
    regulator = model.regulator
    assert regulator.enforce(plants, noncompliant, q).tolist() == [False, False]
    assert plants.flagged.tolist() == [False, True]
    assert regulator.enforce(plants, noncompliant, q + 2).tolist() == [False, True]  # closed at its deadline
