"""Warnings for growth industries represented by fewer rows than they need (small scales).

Below full scale each growth industry keeps its likely title holders one row per firm and
a random sample of the rest, each sampled row standing for many firms
(:func:`model.sampling.sampled_rows`). An industry whose sample has fewer rows than
``min_sector_rows`` (config; unit and reasoning in ``model/registry/parameters.csv``) gives
results that move by whole rows between seeds: the run, ``collect`` and ``report`` each
log one warning line per such industry (Hydra's job logging in the run; Python's logging,
on standard error, in the other two).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

LOG = logging.getLogger("experiments.coverage")
KEY = "min_sector_rows"  # the config key of the rows needed
_warned: set[tuple[str, str, str]] = set()  # (where, scale, industry) already warned of in this process


def thin_sectors(sampled: Mapping[str, int], needed: int) -> dict[str, int]:
    """The industries whose sampled rows are fewer than ``needed``, with their rows."""
    return {sector: int(rows) for sector, rows in sampled.items() if int(rows) < needed}


def warn(thin: Mapping[str, int], needed: int, scale: float | str, where: str) -> None:
    """Log one warning line per thin industry, once in a process (a sweep's runs warn once, not each).

    Args:
        thin: Industry -> sampled rows (:func:`thin_sectors`).
        needed: The rows each needs (``min_sector_rows``).
        scale: The scale of the runs.
        where: What is warning (``run``, ``collect``, ``report``) and of which folder.
    """
    for sector, rows in sorted(thin.items()):
        if (where, str(scale), sector) in _warned:
            continue
        _warned.add((where, str(scale), sector))
        LOG.warning(
            "%s: at scale %s the growth industry %s is represented by %d sampled rows, fewer than the %d it needs "
            "(%s): its results move by whole rows between seeds",
            where,
            scale,
            sector,
            rows,
            needed,
            KEY,
        )
