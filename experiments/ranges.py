"""The ranges exploratory and sensitivity studies draw from, read from ``conf/``.

* **Uncertainties**: ``sensitivity.parameters`` of ``conf/sensitivity.yaml`` (scenario paths
  and assumed behavioural parameters, each with its bounds, unit and description);
* **Levers**: the main levers (:data:`model.overrides.LEVERS`), each over the span of the
  values the experiments in ``conf/experiment/`` sweep it over, with its unit from the
  parameter registry (``model/registry/parameters.csv``).

:func:`salib_problem` turns the uncertainties into a SALib problem whose names are the
config keys, so that a sample row is the overrides of :func:`model.simulate`::

    from SALib.sample import morris
    from model import simulate
    from experiments.ranges import salib_problem

    problem = salib_problem()
    X = morris.sample(problem, 4, seed=0)
    results = [simulate(dict(zip(problem["names"], x)), seed=0, scale=0.1) for x in X]
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from omegaconf import OmegaConf

from model.errors import ConfigError, one_of
from model.overrides import LEVERS, base_config
from model.schema import CONF_DIR

REGISTRY = CONF_DIR.parent / "model" / "registry" / "parameters.csv"


@dataclass(frozen=True)
class Range:
    """One input's range.

    Attributes:
        name: Short name (``steel_demand_growth``, ``fund_size``).
        key: The config key it sets (an override of :func:`model.simulate`).
        low: Lower bound, in ``unit``.
        high: Upper bound, in ``unit``.
        unit: Its unit.
        description: What it is.
        integer: Whether it takes whole values only (a number of quarters).
    """

    name: str
    key: str
    low: float
    high: float
    unit: str
    description: str
    integer: bool = False


def uncertainties() -> dict[str, Range]:
    """The uncertain inputs and their bounds, from ``conf/sensitivity.yaml``."""
    settings = OmegaConf.load(CONF_DIR / "sensitivity.yaml").sensitivity.parameters
    return {
        str(name): Range(str(name), p.key, float(p.low), float(p.high), str(p.unit), str(p.description))
        for name, p in settings.items()
    }


def levers() -> dict[str, Range]:
    """The main levers, each over the span its experiments sweep (``conf/experiment/*.yaml``)."""
    swept: dict[str, list[float]] = {}
    for path in sorted((CONF_DIR / "experiment").glob("*.yaml")):
        params = OmegaConf.select(OmegaConf.load(path), "hydra.sweeper.params", default=None) or {}
        for key, values in params.items():
            if str(key) in LEVERS.values():  # a list of numbers, as in fund_size.yaml
                swept.setdefault(str(key), []).extend(float(v) for v in str(values).split(","))
    with REGISTRY.open(encoding="utf-8", newline="") as handle:
        registry = {row["key"]: row for row in csv.DictReader(handle)}
    cfg, found = base_config(), {}
    for name, key in LEVERS.items():
        values = swept[key]  # tests/test_ranges.py: every lever is swept by an experiment
        entry = registry[key]
        integer = isinstance(OmegaConf.select(cfg, key), int)
        found[name] = Range(name, key, min(values), max(values), entry["unit"], entry["description"], integer)
    return found


def select(ranges: dict[str, Range], names: Sequence[str] | None, what: str) -> list[Range]:
    """The ranges named (all when None), or a one-line error naming the unknown one."""
    if names is None:
        return list(ranges.values())
    for name in names:
        if name not in ranges:
            raise ConfigError(what, name, one_of(what.rstrip("s"), list(ranges)))
    return [ranges[name] for name in names]


def salib_problem(names: Sequence[str] | None = None) -> dict[str, Any]:
    """A SALib problem over the uncertainties (all, or those ``names``d), named by config key.

    Returns:
        ``num_vars``, ``names`` (the config keys: ``dict(zip(problem["names"], x))`` is the
        overrides of :func:`model.simulate`), ``bounds``, and ``units`` and ``labels``
        (short names) for tables.
    """
    chosen = select(uncertainties(), names, "uncertainties")
    return {
        "num_vars": len(chosen),
        "names": [r.key for r in chosen],
        "bounds": [[r.low, r.high] for r in chosen],
        "units": [r.unit for r in chosen],
        "labels": [r.name for r in chosen],
    }
