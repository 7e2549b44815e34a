"""Every config under conf/ composes and runs at a tiny scale."""

from pathlib import Path

import pytest

from model import ShandongModel
from model.config import CONF_DIR, compose

GROUPS = ("calibration", "scenario", "policy_mix", "targets")


def options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF_DIR / group).glob("*.yaml"))


def test_every_group_has_options():
    for group in GROUPS:
        assert options(group), f"conf/{group}/ is empty"


@pytest.mark.parametrize("mix", options("policy_mix"))
@pytest.mark.parametrize("scenario", options("scenario"))
def test_mix_and_scenario_compose_and_run(mix, scenario):
    cfg = compose([f"policy_mix={mix}", f"scenario={scenario}", "scale=0.01", "seed=3"])
    model = ShandongModel(config=cfg)
    model.run()
    assert model.quarter == 20
    assert model.timeseries().value.notna().any()


@pytest.mark.parametrize("group", ["calibration", "targets"])
def test_other_groups_compose(group):
    for option in options(group):
        ShandongModel(config=compose([f"{group}={option}", "scale=0.01"]))


def test_every_instrument_file_is_used_by_a_mix():
    used = set()
    for mix in options("policy_mix"):
        cfg = compose([f"policy_mix={mix}"])
        used |= {name for name, value in cfg.policy_mix.instruments.items() if value is not None}
    files = {p.stem for p in Path(CONF_DIR / "instrument").glob("*.yaml")}
    assert files <= used


def test_the_config_names_the_standard_dimensions_the_plants_know():
    """Validation checks dimension names without importing the agents; both lists must be the same set."""
    from agents.plants import Dimension
    from model.names import STANDARD_DIMENSIONS

    assert sorted(STANDARD_DIMENSIONS) == sorted(d.label for d in Dimension)
