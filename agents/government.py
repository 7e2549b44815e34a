"""Government-side agents: the provincial government, the conversion fund, the regulator, cities.

The provincial government holds the policy mix and applies it on its schedule; the
instruments themselves (``model.instruments``) change what firms face. The fund
keeps a ledger in integer yuan in which every yuan is in exactly one state; the
regulator inspects plants every few quarters and closes those that stay
non-compliant past a grace period; each city tracks workers released by closures
and resettled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import mesa
import numpy as np

from agents.base import ShandongAgent
from agents.population import ColumnStore

SOURCES = ("provincial", "city", "social")


class Instrument(Protocol):
    """A policy instrument: acts on the environment from its start quarter."""

    name: str
    start: int

    def apply(self, model: mesa.Model, quarter: int) -> None:
        """Change what firms face this quarter."""


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


@dataclass
class Deals:
    """A quarter's fund investments (amounts in yuan, for all firms each row represents)."""

    quarter: int
    rows: np.ndarray
    sectors: np.ndarray
    fund: np.ndarray
    co_investment: np.ndarray


@dataclass
class FundLedger:
    """Where every yuan committed to the fund is: uncalled, idle or invested.

    Amounts are integer yuan, so that conservation holds exactly.
    """

    uncalled: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SOURCES, 0))
    idle: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SOURCES, 0))
    invested: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SOURCES, 0))
    subscribed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SOURCES, 0))
    co_invested: int = 0  # social capital drawn in beside the fund, at project level

    def total(self, state: str) -> int:
        """Sum of a state over sources."""
        return sum(getattr(self, state).values())


class ConversionFund(ShandongAgent):
    """The new-old driver conversion fund (guide fund -> parent funds -> sub-funds).

    Commitments are subscribed, then called (paid in) and invested with lags; the
    ledger tracks provincial, city and social money separately.
    """

    def __init__(self, model: mesa.Model) -> None:
        super().__init__(model)
        self.ledger = FundLedger()
        self.deals: list[Deals] = []
        self.invested_by_sector = np.zeros(0, np.int64)

    def subscribe(self, amounts: dict[str, int]) -> None:
        """Add new commitments [yuan] by source."""
        for source, amount in amounts.items():
            self.ledger.subscribed[source] += amount
            self.ledger.uncalled[source] += amount

    def call(self, rate: float) -> dict[str, int]:
        """Call a share of uncalled commitments from each source; return yuan paid in."""
        paid = {}
        for source in SOURCES:
            amount = int(self.ledger.uncalled[source] * rate)
            self.ledger.uncalled[source] -= amount
            self.ledger.idle[source] += amount
            paid[source] = amount
        return paid

    @property
    def idle(self) -> int:
        """Money paid in and not yet invested [yuan]."""
        return self.ledger.total("idle")

    def invest(
        self, quarter: int, rows: np.ndarray, sectors: np.ndarray, amounts: np.ndarray, co_investment: float
    ) -> np.ndarray:
        """Move idle money into firms, drawing from each source pro rata.

        Args:
            quarter: Current quarter index.
            rows: Firm rows receiving equity.
            sectors: Their sector indices.
            amounts: Fund money per deal [yuan, integers], all firms of the row together.
            co_investment: Social capital drawn in per fund yuan.

        Returns:
            Social co-investment per deal [yuan].
        """
        total = int(amounts.sum())
        if total > self.idle:
            raise ValueError(f"fund would invest {total} yuan but only {self.idle} is idle")
        remaining = total
        idle_total = self.idle
        for i, source in enumerate(SOURCES):
            take = remaining if i == len(SOURCES) - 1 else total * self.ledger.idle[source] // max(idle_total, 1)
            take = min(take, self.ledger.idle[source])
            self.ledger.idle[source] -= take
            self.ledger.invested[source] += take
            remaining -= take
        if remaining:  # rounding left a few yuan: take them from any source with idle money
            for source in SOURCES:
                take = min(remaining, self.ledger.idle[source])
                self.ledger.idle[source] -= take
                self.ledger.invested[source] += take
                remaining -= take
        co = np.round(amounts * co_investment).astype(np.int64)
        self.ledger.co_invested += int(co.sum())
        np.add.at(self.invested_by_sector, sectors, amounts)
        self.deals.append(Deals(quarter, rows, sectors, amounts, co))
        return co

    def select(
        self,
        firms: ColumnStore,
        candidates: np.ndarray,
        budget: np.ndarray,
        rule: str,
        noise_scale: float,
        rd_weight: float,
        ticket_to_revenue: float,
        max_ticket: float,
        max_stake: float,
        valuation: np.ndarray,
        order_draws: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Pick investees from the deal pipeline until each sector's budget is used.

        Args:
            firms: Firm columns.
            candidates: Pipeline rows (eligible firms).
            budget: Money to invest in each sector this quarter [yuan].
            rule: ``quality`` (rank by a noisy view of quality) or ``random``.
            noise_scale: Scale of the fund's screening error [signal units].
            rd_weight: Weight of R&D intensity in the quality signal [signal units per unit
                of R&D intensity; the signal is in log points of productivity and growth].
            ticket_to_revenue: Investment per firm relative to its annual revenue.
            max_ticket: Cap on the investment per firm [bn yuan].
            max_stake: Cap on the stake the investment buys.
            valuation: Pre-money value of each candidate firm [bn yuan].
            order_draws: Uniform draws, one per candidate, for random ranking.

        Returns:
            Rows chosen and the money each gets [yuan, for all firms the row represents].
        """
        if candidates.size == 0:
            return candidates, np.zeros(0, np.int64)
        sector = firms.sector[candidates]
        if rule == "quality":
            growth = np.log(firms.revenue[candidates] / np.maximum(firms.revenue_1y[candidates], 1e-12))
            signal = (
                np.log(firms.tfp[candidates])
                + rd_weight * firms.rd_rate[candidates]
                + growth
                + noise_scale * firms.screening_noise[candidates]
            )
        else:
            signal = order_draws
        # By sector, best first: np.lexsort((-signal, sector)) as its two stable sorts, the
        # second on small integers, which numpy sorts by radix (a third of the time).
        order = np.argsort(-signal, kind="stable")
        order = order[np.argsort(sector[order].astype(np.int8), kind="stable")]
        chosen, sector = candidates[order], sector[order]
        per_firm = np.minimum(ticket_to_revenue * firms.revenue[chosen], max_ticket)
        per_firm = np.minimum(per_firm, max_stake / (1.0 - max_stake) * valuation[order])
        amounts = np.round(per_firm * firms.weight[chosen] * 1e9).astype(np.int64)
        spent = np.cumsum(amounts)
        first = np.searchsorted(sector, sector, side="left")  # start of each firm's sector run
        before = np.where(first > 0, spent[first - 1], 0)
        within = spent - before <= budget[sector]
        return chosen[within], amounts[within]


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
            return 10**6
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
