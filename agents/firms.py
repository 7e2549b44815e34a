"""The firms' common base: an agent that is a thin view onto one row of a column store.

Each agent is a thin view onto one row of a :class:`~agents.population.ColumnStore`;
``agent.capacity`` or ``agent.revenue`` reads its row, ``agent.sector`` and
``agent.city`` give names. The behaviour rules are class methods that act on whole
columns: the two kinds, :class:`agents.plants.Plant` (overcapacity sectors) and
:class:`agents.growth_firms.GrowthFirm` (the ten strong industries), differ by the hooks
they implement (``decide_investment``, ``decide_exit``), as Mesa's Sheep and Wolf differ
by ``move`` and ``feed``.

Units: money in bn yuan (flows as annual rates), prices in yuan per base unit of
output (t, kWh, vehicle), capacity and output in the sector's indicator unit.
"""

from __future__ import annotations

import enum
from typing import Any, ClassVar

import mesa

from agents.base import ShandongAgent
from agents.population import ColumnStore


class ExitReason(enum.IntEnum):
    """Why a plant or firm left, as recorded in the ``exit_reason`` column (0: still active)."""

    NONE = 0
    BANKRUPTCY = 1
    INSPECTION = 2  # closed by the regulator past its deadline
    CAPACITY_SWAP = 3  # closed by the steel capacity swap
    VOLUNTARY = 4  # plants: exit was worth more than carrying on; firms: the exogenous hazard
    DEPLETED = 5  # coal mines whose reserves ran out

    @property
    def label(self) -> str:
        """The reason as written in output tables (``"capacity_swap"``)."""
        return self.name.lower()


class Firm(ShandongAgent):
    """A firm: a thin view onto one row of its kind's column store.

    Args:
        model: The model.
        row: Row index in ``store``.

    Attributes:
        row: The row index.
        sector: Sector id (e.g. ``"steel"``).
        city: City id (e.g. ``"rizhao"``).
    """

    model: Any  # the ShandongModel (agents do not import the model)
    store: ClassVar[str]  # attribute of the model holding this kind's ColumnStore
    sector_names: ClassVar[tuple[str, ...]] = ()
    city_names: ClassVar[tuple[str, ...]] = ()

    def __init__(self, model: mesa.Model, row: int) -> None:
        super().__init__(model)
        self.row = row

    @property
    def columns(self) -> ColumnStore:
        """This kind's column store."""
        return getattr(self.model, self.store)

    @property
    def sector(self) -> str:
        """Sector id."""
        return self.sector_names[self.columns.value("sector", self.row)]

    @property
    def city(self) -> str:
        """City id."""
        return self.city_names[self.columns.value("city", self.row)]

    def __getattr__(self, name: str) -> object:
        # Called only when normal lookup fails: state columns read as attributes.
        if name.startswith("_") or name in ("model", "row"):
            raise AttributeError(name)
        columns = getattr(self.model, self.store)
        if name in columns.columns:
            return columns.value(name, self.row)
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def step(self) -> None:
        """Firms act through their kind's column rules; a single agent does nothing alone."""
