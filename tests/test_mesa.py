"""Firms are real Mesa agents; Mesa's own tools work with the model."""

import gc

import mesa
import pandas as pd

from agents import Firm, GrowthFirm, Plant
from model import ShandongModel


def test_firms_are_registered_agents(run):
    model, _ = run("as_enacted")
    firms = [a for a in model.agents if isinstance(a, Firm)]
    active = int(model.plants.active.sum() + model.firms.active.sum())
    assert len(firms) == active
    plant = next(a for a in firms if isinstance(a, Plant))
    assert plant.sector in (
        "steel",
        "coal",
        "electrolytic_aluminium",
        "coal_power",
        "building_materials",
        "low_speed_ev",
    )
    assert plant.capacity == model.plants.capacity[plant.row] and plant.capacity > 0
    grower = next(a for a in firms if isinstance(a, GrowthFirm))
    assert grower.city in model.world.cities
    assert grower.revenue > 0 and grower.workers > 0 and grower.age >= 0


def test_default_model_is_full_scale():
    model = ShandongModel(seed=0)
    assert model.scale == 1.0
    assert 30_000 < model.plants.n + model.firms.n < 100_000
    assert model.config.policy_mix.name == "as_enacted"


def test_datacollector():
    model = ShandongModel(seed=2, scale=0.02)
    collector = mesa.DataCollector(
        model_reporters={"gdp": lambda m: m.indicator("gdp")},
        agent_reporters={"sector": "sector"},
    )
    for _ in range(4):
        model.step()
        collector.collect(model)
    frame = collector.get_model_vars_dataframe()
    assert len(frame) == 4 and frame.gdp.is_monotonic_increasing
    assert not collector.get_agent_vars_dataframe().empty


def test_batch_run_with_distinct_seeds():
    results = mesa.batch_run(
        ShandongModel,
        parameters={"policy_mix": ["none", "fund_only"], "scale": 0.01, "seed": [5, 6]},
        iterations=1,
        max_steps=20,
        number_processes=1,
        display_progress=False,
    )
    frame = pd.DataFrame(results)
    final = frame[frame.Step == frame.Step.max()]
    assert len(final) == 4
    assert final.gdp.nunique() == 4  # distinct seeds and mixes give distinct runs
    assert (final[final.policy_mix == "fund_only"].fund_invested > 0).all()


def test_finished_models_are_freed():
    """Mesa 3.3.1 keeps every model alive through Agent._ids (mesa#3179); ours must not."""
    import gc
    import weakref

    model = ShandongModel(seed=4, scale=0.01)
    model.run()
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None


def test_agent_ids_are_unique_per_model():
    model = ShandongModel(seed=5, scale=0.01)
    ids = [agent.unique_id for agent in model.agents]
    assert len(ids) == len(set(ids)) and min(ids) == 1


def _registries(model):
    return (
        {(type(a).__name__, a.unique_id, getattr(a, "row", None)) for a in model._agents},
        {t.__name__: {a.unique_id for a in s} for t, s in model._agents_by_type.items()},
        {a.unique_id for a in model._all_agents},
    )


def test_bulk_registration_matches_mesa(monkeypatch):
    """Agents created and removed in bulk leave Mesa's registries as Mesa's own calls do."""
    from agents import base

    assert base.BULK_REGISTRATION  # mesa is pinned to 3.3.1: the fast path is the one tested
    bulk = ShandongModel(seed=3, scale=0.02)
    built = bulk.firms.n
    for _ in range(8):
        bulk.step()
    monkeypatch.setattr(base, "BULK_REGISTRATION", False)
    plain = ShandongModel(seed=3, scale=0.02)
    for _ in range(8):
        plain.step()
    assert _registries(bulk) == _registries(plain)
    leavers = int((~bulk.firms.active).sum() + (~bulk.plants.active).sum())
    assert leavers > 0 and bulk.firms.n > built  # exits and entries went through the bulk path
    ids = sorted(a.unique_id for a in bulk.agents)
    assert len(ids) == len(set(ids)) and ids[0] >= 1
    # laid out as the constructor lays agents out: attribute values inline, no dictionary
    # of their own (which the collector would list as the agent's only referent)
    for kind in ("plant_agents", "firm_agents"):
        first, constructed = (next(a for a in getattr(m, kind) if a is not None) for m in (bulk, plain))
        assert [type(r) for r in gc.get_referents(first)] == [type(r) for r in gc.get_referents(constructed)]
        assert dict not in {type(r) for r in gc.get_referents(first)}
    # a removed agent is gone from every registry, as agent.remove() leaves it
    gone = next(a for a in plain.firm_agents if a is not None)
    base.remove_agents(bulk, [next(a for a in bulk.firm_agents if a is not None and a.row == gone.row)])
    assert len(bulk.agents) == len(plain.agents) - 1
