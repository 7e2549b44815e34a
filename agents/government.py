"""Government-side agents: the provincial government, the regulator, the cities.

The provincial government holds the policy mix and applies it on its schedule; the
instruments themselves (``model.instruments``) change what firms face. The regulator
inspects plants every few quarters and closes those that stay non-compliant past a
grace period; each city tracks workers released by closures and resettled. The
conversion fund has a module of its own (``agents.fund``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import mesa
import numpy as np

from agents.base import ShandongAgent
from agents.population import ColumnStore

NEVER = 10**6  # quarters to wait for an inspection when none is scheduled: longer than any run


class Instrument(Protocol):
    """A policy instrument: acts on the environment from its start quarter."""

    name: str
    start: int

    def apply(self, model: Any, quarter: int) -> None:
        """Change what firms face this quarter (``model`` as ``model.view.ModelView`` declares it)."""


class ProvincialGovernment(ShandongAgent):
    """Applies the policy mix and keeps the fiscal outlays (bn yuan, cumulative).

    Electricity surcharges are a transfer recorded by the accounts
    (``Accounts.surcharge_revenue``), not fiscal revenue.

    Args:
        model: The model.
        instruments: The policy mix.
    """

    def __init__(self, model: mesa.Model, instruments: Sequence[Instrument]) -> None:
        super().__init__(model)
        self.instruments = list(instruments)
        self.outlays: dict[str, float] = {}  # item -> [bn yuan, cumulative]

    def apply_policies(self, quarter: int) -> None:
        """Let each instrument act on the environment for ``quarter``."""
        for instrument in self.instruments:
            if quarter >= instrument.start:
                instrument.apply(self.model, quarter)

    def spend(self, item: str, amount: float) -> None:
        """Record a fiscal outlay [bn yuan]."""
        self.outlays[item] = self.outlays.get(item, 0.0) + amount

    @property
    def fiscal_outlay(self) -> float:
        """Total fiscal outlay so far [bn yuan]."""
        return sum(self.outlays.values())


class Regulator(ShandongAgent):
    """Inspects plants every ``interval`` quarters (half-yearly in the opinions, §27).

    A non-compliant plant is found with ``detection`` probability; a found plant
    must comply within ``grace`` quarters or close.
    """

    def __init__(self, model: mesa.Model) -> None:
        super().__init__(model)
        self.start = -1  # no inspections until a standards instrument sets them
        self.interval = 2
        self.detection = 0.0
        self.grace = 2
        self.inspections = 0

    def configure(self, start: int, interval: int, detection: float, grace: int) -> None:
        """Set the inspection regime (called by the standards instrument)."""
        self.start, self.interval, self.detection, self.grace = start, interval, detection, grace

    def inspects(self, quarter: int) -> bool:
        """Whether ``quarter`` is an inspection quarter."""
        return self.start >= 0 and quarter >= self.start and (quarter - self.start) % self.interval == self.interval - 1

    def next_inspection(self, quarter: int) -> int:
        """Quarters from ``quarter`` to the next inspection (0 if this quarter)."""
        if self.start < 0:
            return NEVER
        if quarter < self.start:
            return self.start + self.interval - 1 - quarter
        return (self.interval - 1 - (quarter - self.start) % self.interval) % self.interval

    def inspect(self, plants: ColumnStore, noncompliant: np.ndarray, draws: np.ndarray, quarter: int) -> np.ndarray:
        """Flag non-compliant plants found this quarter; return the newly flagged mask."""
        found = plants.active & noncompliant & ~plants.flagged & (draws < self.detection)
        plants.flagged = plants.flagged | found
        plants.deadline = np.where(found, quarter + self.grace, plants.deadline)
        self.inspections += 1
        return found

    def enforce(self, plants: ColumnStore, noncompliant: np.ndarray, quarter: int) -> np.ndarray:
        """Close flagged plants still non-compliant at their deadline; lift flags of compliant ones.

        Returns:
            Mask of plants to close.
        """
        flagged = plants.active & plants.flagged
        plants.flagged = flagged & noncompliant
        return flagged & noncompliant & (plants.deadline <= quarter)

    def closure_risk(
        self, plants: ColumnStore, noncompliant: np.ndarray, quarter: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """What a plant expects: probability of forced closure and quarters until it.

        Flagged plants close at their deadline for sure; unflagged non-compliant plants
        are found at the next inspection with the detection probability. Called after
        this quarter's inspection, so the next one is strictly after ``quarter``: in an
        inspection quarter, a full interval away.
        """
        wait = 1 + self.next_inspection(quarter + 1) + self.grace
        risk = np.where(noncompliant, self.detection, 0.0)
        risk = np.where(plants.flagged, 1.0, risk)
        quarters = np.where(plants.flagged, plants.deadline - quarter, wait).astype(float)
        return risk, np.maximum(quarters, 0.0)


class City(ShandongAgent):
    """A prefecture-level city: geography and its workers released and resettled.

    Args:
        model: The model.
        name: City id.
        coastal: On the coast.
        channel: In the air-pollution transmission channel.
        core: One of the three cores.
    """

    def __init__(self, model: mesa.Model, name: str, coastal: bool, channel: bool, core: bool) -> None:
        super().__init__(model)
        self.name = name
        self.coastal = coastal
        self.channel = channel
        self.core = core
        self.jobs_lost = 0.0  # [persons, cumulative]
        self.unsettled = 0.0  # released and not yet resettled [persons]
        self.resettled = 0.0  # [persons, cumulative]

    def release(self, workers: float) -> None:
        """Workers lose their jobs in this city."""
        self.jobs_lost += workers
        self.unsettled += workers

    def resettle(self, rate: float) -> float:
        """Resettle a share of unsettled workers; return how many."""
        moved = self.unsettled * rate
        self.unsettled -= moved
        self.resettled += moved
        return moved
