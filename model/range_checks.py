"""Validation of every number against its declared range, and of the population's size.

Part of :func:`model.validation.validate`: each number of the config and of the calibration
tables lies in the range the parameter registry (``model/registry/parameters.csv``) declares
for it, and the rows to simulate fit in the machine's memory.
"""

from __future__ import annotations

import math
import os

from omegaconf import DictConfig

from model.errors import ConfigError
from model.parameters import TABLE_BLOCKS, config_numbers, load_registry, lookup, table_numbers
from model.params import Params

BYTES_PER_ROW = 4096  # peak memory per simulated plant or firm row, with room (measured: about 1 KB)


def _in_range(path: str, value: float, registry: list, finite_only: bool = False) -> None:
    interval = row.interval if (row := lookup(path.split("[", maxsplit=1)[0], registry)) is not None else None
    if interval is None:
        if not math.isfinite(value):
            raise ConfigError(path, value, "a finite number")
    elif not (value in interval or (finite_only and math.isfinite(value))):
        raise ConfigError(path, value, f"{interval.describe()} (model/registry/parameters.csv)")


def check_finite(cfg: DictConfig) -> None:
    """No number of the config is infinite or NaN unless its declared range allows it (before other checks)."""
    registry = load_registry()
    for path, value in config_numbers(cfg):
        _in_range(path, value, registry, finite_only=True)


def check_ranges(cfg: DictConfig, cal: Params) -> None:
    """Every number of the config and of the calibration tables lies in its declared range."""
    registry = load_registry()
    numbers = list(config_numbers(cfg))
    for block in TABLE_BLOCKS:
        for item, values in cal[block].items():
            numbers.extend(table_numbers(dict(values), f"calibration.{block}.{item}"))
    for path, value in numbers:
        _in_range(path, value, registry)


def check_population_size(cfg: DictConfig, cal: Params) -> None:
    """The simulated rows fit in this machine's memory (a huge firm count stops here, not in numpy)."""
    counts = {f"calibration.{b}.{s}.firms": int(cal[b][s].firms) for b in ("overcapacity", "growth") for s in cal[b]}
    # Plants are never thinned; growth firms are, by the scale (room for a quarter more: entrants).
    rows = (
        sum(
            n if key.startswith("calibration.overcapacity") else min(n, max(1, round(n * cfg.scale)))
            for key, n in counts.items()
        )
        * 1.25
    )
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    largest = max(counts, key=lambda key: counts[key])
    need = f"{rows:,.0f} rows at scale {cfg.scale} need about {rows * BYTES_PER_ROW / 2**30:,.0f} GiB"
    allowed = f"firm counts this machine can hold: {need}, more than its {memory / 2**30:,.0f} GiB of memory"
    if rows * BYTES_PER_ROW > memory:
        raise ConfigError(largest, counts[largest], allowed)
