"""The accounts' cumulative tallies: what has happened in the overcapacity sectors since 2017.

Plants that close, shrink or are built, and the surcharges they pay, are counted here
as they happen; :class:`model.accounts.Accounts` records the tallies each quarter.
All arrays are by overcapacity sector, cumulative from 2018Q1.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from agents.government import City
from agents.population import ColumnStore
from model.names import N_OVERCAPACITY


class Tallies:
    """Cumulative counts kept between the accounts' records.

    Attributes:
        capacity_exited: Capacity closed or replaced away [sector unit].
        jobs_lost: Workers released by closures and replacements [persons].
        workers_hired: By plants built since 2017 [persons].
        inspection_closures: Plants closed by the regulator [plants].
        surcharge_revenue: Electricity surcharges paid [bn yuan]; a transfer, not fiscal revenue.
    """

    def __init__(self) -> None:
        self.capacity_exited = np.zeros(N_OVERCAPACITY)
        self.jobs_lost = np.zeros(N_OVERCAPACITY)
        self.workers_hired = np.zeros(N_OVERCAPACITY)
        self.inspection_closures = np.zeros(N_OVERCAPACITY)
        self.surcharge_revenue = np.zeros(N_OVERCAPACITY)

    def _by_sector(self, plants: ColumnStore, rows: np.ndarray, per_plant: np.ndarray) -> np.ndarray:
        """Sum of ``per_plant`` times each row's weight, by sector."""
        return np.bincount(plants.sector[rows], weights=plants.weight[rows] * per_plant, minlength=N_OVERCAPACITY)

    def closed(self, plants: ColumnStore, rows: np.ndarray, cities: Sequence[City]) -> None:
        """Plants at ``rows`` are about to close: their capacity leaves and their workers are released."""
        self.capacity_exited += self._by_sector(plants, rows, plants.capacity[rows])
        self.release_workers(plants, rows, plants.workers[rows], cities)

    def replaced(self, plants: ColumnStore, released: np.ndarray, cities: Sequence[City]) -> None:
        """Replacement lines came into use: ``released`` workers per plant, and their share of the old capacity."""
        rows = np.flatnonzero(released)
        self.release_workers(plants, rows, released[rows], cities)
        gone = released[rows] / np.maximum(plants.workers_per_unit[rows], 1e-12)
        self.capacity_exited += self._by_sector(plants, rows, gone)

    def inspected_away(self, plants: ColumnStore, closing: np.ndarray) -> None:
        """Plants (a mask) the regulator closes this quarter."""
        self.inspection_closures += np.bincount(
            plants.sector[closing], weights=plants.weight[closing], minlength=N_OVERCAPACITY
        )

    def hired(self, plants: ColumnStore, rows: np.ndarray, sector: int) -> None:
        """New plants at ``rows`` of one sector hire their workforce."""
        self.workers_hired[sector] += float(np.sum(plants.weight[rows] * plants.workers[rows]))

    def release_workers(
        self, plants: ColumnStore, rows: np.ndarray, workers: np.ndarray, cities: Sequence[City]
    ) -> None:
        """``workers`` per plant at ``rows`` lose their jobs, in their plants' cities."""
        released = plants.weight[rows] * workers
        self.jobs_lost += np.bincount(plants.sector[rows], weights=released, minlength=N_OVERCAPACITY)
        by_city = np.bincount(plants.city[rows], weights=released, minlength=len(cities))
        for i in np.flatnonzero(by_city):
            cities[int(i)].release(float(by_city[i]))
