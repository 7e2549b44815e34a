"""The trajectories: the new economy and the caps on steel and coal, over time against their targets."""

from __future__ import annotations

from experiments.reports.review.display import Item, first_target, panels
from experiments.reports.review.sweep import Sweep
from experiments.reports.review.words import target_reading, value_reading

NEW_ECONOMY = [("new_economy_va_share", "all"), ("rd_intensity", "all"), ("labour_productivity", "all")]
CAPS = [("output", "steel"), ("capacity", "coal"), ("coal_consumption", "all"), ("output", "coal")]


def _trajectories(sweep: Sweep, key: str, series: list[tuple[str, str]], title_key: str, cols: int) -> Item:
    figure = panels(sweep, series, title_key, cols)
    target = first_target(sweep, series)
    if target is None:
        return Item(key, value_reading(sweep, *series[0]), figure)
    return Item(key, target_reading(sweep, target, other=sweep.contrast(target)), figure)


def new_economy(sweep: Sweep) -> Item:
    """The new-economy share, R&D intensity and labour productivity against their targets."""
    return _trajectories(sweep, "new_economy", NEW_ECONOMY, "ui.new_economy_title", 3)


def caps(sweep: Sweep) -> Item:
    """Steel output, coal capacity, coal consumption and coal output against their caps."""
    return _trajectories(sweep, "caps", CAPS, "ui.caps_title", 4)
