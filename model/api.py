"""One function from levers to outcomes: :func:`simulate`.

    from model import simulate

    out = simulate({"policy_mix.instruments.conversion_fund.subscribed_target": 800}, seed=3, scale=0.1)
    out["met_new_economy_share_2022"], out["gap_new_economy_share_2022"], out["gdp"]

The function EMA Workbench, SALib or a notebook calls: the config is composed once per
process (:mod:`model.overrides`), each call applies its overrides to a copy, validates it,
runs 2018Q1-2022Q4 and returns plain Python numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from model.calendar import N_QUARTERS
from model.indicators import INDICATORS
from model.model import ShandongModel
from model.overrides import configure


def province_indicators() -> list[str]:
    """Ids of the indicators recorded province-wide (``sector = city = "all"``), in registry order."""
    return [ind.id for ind in INDICATORS.values() if "all" in ind.breakdown]


def outcomes(model: ShandongModel) -> dict[str, float | bool]:
    """A finished run as a flat dict: ``met_<target>``, ``gap_<target>`` and the province-wide indicators.

    ``met_<target>`` is a bool; ``gap_<target>`` the margin by which the target is met, in
    the indicator's unit (negative when missed, NaN when not measured); each province-wide
    indicator's 2022Q4 value is under its id (units in ``model/registry/indicators.csv``).
    """
    card = model.scorecard()
    result: dict[str, float | bool] = {}
    for row in card.itertuples():
        result[f"met_{row.target}"] = bool(row.met)
    for row in card.itertuples():
        result[f"gap_{row.target}"] = float(row.gap)
    recorder = model.accounts.recorder
    for indicator in province_indicators():
        result[indicator] = float(recorder.values[N_QUARTERS, recorder.column(indicator)])
    return result


def simulate(
    overrides: Mapping[str, Any] | None = None, seed: int = 0, scale: float = 1.0, **options: Any
) -> dict[str, float | bool]:
    """Run the model from 2018Q1 to 2022Q4 and return its outcomes.

    Args:
        overrides: Dotted config key -> value, as on the command line
            (``{"policy_mix.instruments.standards.pace": 2.0}``; ``+key`` adds an entry, e.g. a
            calibration table cell); numpy numbers are accepted.
        seed: Root seed of every random stream.
        scale: Fraction of the full firm population simulated, in (0, 1].
        **options: Config group options (``policy_mix="fund_only"``, ``scenario="weak_demand"``,
            ``calibration``, ``targets``) and the main levers by short name (``fund_size=800``,
            ``deployment_pace``, ``standards_pace``, ``inspection_interval``, ``surcharge_scale``;
            see :data:`model.overrides.LEVERS`).

    Returns:
        Plain Python values (see :func:`outcomes`): ``met_<target>`` (bool) and
        ``gap_<target>`` (float) for every target, and each province-wide indicator's 2022Q4
        value under its id.

    Raises:
        ConfigError: A bad key, option or value (one line naming it), before anything runs.
    """
    model = ShandongModel(config=configure(overrides, seed=seed, scale=scale, **options))
    model.run()
    return outcomes(model)


def as_array(results: list[dict[str, float | bool]], name: str) -> np.ndarray:
    """One outcome over several runs, as a float array (``met_*`` as 0 or 1): SALib's ``Y``."""
    return np.array([float(r[name]) for r in results])
