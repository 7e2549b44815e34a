"""The new-old driver conversion fund: its ledger, its mandate and its deal pipeline.

The fund keeps a ledger in integer yuan in which every yuan is in exactly one state
(uncalled, idle, invested), by source (provincial, city, social). Each quarter the
conversion-fund instrument hands it a mandate (:class:`FundRules`, frozen) and an
investment budget by industry; the fund then draws a deal pipeline from each
industry's firms, screens it (:func:`select_investees`) and pays in equity
(:meth:`ConversionFund.invest_in_pipeline`). The investees book the equity themselves
(:meth:`agents.growth_firms.GrowthFirm.take_equity`).

Amounts in the ledger are yuan; tickets and revenues are bn yuan (``YUAN_PER_BN``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import mesa
import numpy as np

from agents.base import ShandongAgent
from agents.population import ColumnStore

SOURCES = ("provincial", "city", "social")
YUAN_PER_BN = 1e9  # yuan per bn yuan


@dataclass(frozen=True)
class FundRules:
    """The fund's mandate, set by the conversion-fund instrument (``policy_mix.instruments.conversion_fund``).

    Attributes:
        selection: ``quality`` (rank applicants by a noisy view of quality) or ``random``.
        pipeline_multiple: Applicants screened per deal the budget pays for [firms per deal].
        ticket_to_revenue: Investment per firm relative to its annual revenue [fraction].
        max_ticket: Cap on the investment per firm [bn yuan].
        max_stake: Cap on the equity stake an investment buys [fraction].
    """

    selection: str
    pipeline_multiple: float
    ticket_to_revenue: float
    max_ticket: float
    max_stake: float


@dataclass(frozen=True)
class FundBehaviour:
    """How the fund's managers screen and how much social capital follows (``calibration.fund``).

    Attributes:
        screening_noise: Scale of the managers' error on a firm's quality [signal units].
        rd_signal_weight: Weight of R&D intensity in the quality signal [signal units per
            unit of R&D intensity; the signal is in log points of productivity and growth].
        co_investment: Social capital drawn in per fund yuan, at project level.
    """

    screening_noise: float
    rd_signal_weight: float
    co_investment: float


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
        amounts: dict[str, int] = getattr(self, state)
        return sum(amounts.values())


class ConversionFund(ShandongAgent):
    """The new-old driver conversion fund (guide fund -> parent funds -> sub-funds).

    Commitments are subscribed, then called (paid in) and invested with lags; the
    ledger tracks provincial, city and social money separately.

    Args:
        model: The model.
        behaviour: The managers' screening and the co-investment they draw.
        pools: Rows of the firms of each industry that may approach the fund; entrants
            join through :meth:`admit`.
        weight: Firms each row of the firm store stands for (fixed for a row's life).
        row_weight: Firms each row stands for, by industry.
        reference_revenue: Each industry's median firm revenue at the end of 2017 [bn yuan
            per year]: the scale of the fund's typical ticket, grown at trend.
        valuation_multiple: Enterprise value over revenue, by industry.
        n_quarters: Quarters simulated after 2017Q4.
    """

    def __init__(
        self,
        model: mesa.Model,
        behaviour: FundBehaviour,
        pools: list[np.ndarray],
        weight: np.ndarray,
        row_weight: np.ndarray,
        reference_revenue: np.ndarray,
        valuation_multiple: np.ndarray,
        n_quarters: int,
    ) -> None:
        super().__init__(model)
        n_sectors = len(pools)
        self.behaviour = behaviour
        self.pools = pools
        # Each pool's cumulative firm count, row by row: the pipeline draws firms, not rows.
        self.pool_firms = [np.cumsum(weight[pool]) for pool in pools]
        self.row_weight = row_weight
        self.reference_revenue = reference_revenue
        self.valuation_multiple = valuation_multiple
        self.ledger = FundLedger()
        self.deals: list[Deals] = []
        self.invested_by_sector = np.zeros(n_sectors, np.int64)  # [yuan, cumulative]
        self.flow = np.zeros((n_quarters + 1, n_sectors))  # money invested by quarter and industry [bn yuan]
        self.rules: FundRules | None = None  # no mandate until the instrument gives one
        self.budget = np.zeros(n_sectors, np.int64)  # this quarter's, by industry [yuan]

    # ------------------------------------------------------------------ mandate and money in
    def new_quarter(self) -> None:
        """Nothing is to be invested until the instrument sets this quarter's budget."""
        self.budget[:] = 0

    def mandate(self, rules: FundRules, budget: np.ndarray) -> None:
        """Take this quarter's mandate and investment budget by industry [yuan]."""
        self.rules = rules
        self.budget = budget

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

    def admit(self, rows: np.ndarray, counts: np.ndarray, weight: np.ndarray) -> None:
        """Entrants join their industry's pool.

        ``rows`` come industry by industry, ``counts`` of each, ``weight`` the firms each stands for.
        """
        ends = np.cumsum(counts)
        for s in np.flatnonzero(counts):
            new = slice(ends[s] - counts[s], ends[s])
            self.pools[s] = np.concatenate([self.pools[s], rows[new]])
            # Summed on from the last count, as np.cumsum over the whole pool would.
            self.pool_firms[s] = np.concatenate(
                [self.pool_firms[s], np.cumsum(np.concatenate([self.pool_firms[s][-1:], weight[new]]))[1:]]
            )

    # ------------------------------------------------------------------ the deal pipeline
    def expected_ticket(self, market_growth: np.ndarray) -> np.ndarray:
        """The expected ticket per firm in each industry [bn yuan]; sizes the deal pipeline.

        The amount :func:`select_investees` would pay a firm of the industry's median revenue (the 2017
        median grown by ``market_growth``, the industry's trend factor since 2017):
        ``ticket_to_revenue`` times its revenue, within the ticket cap and the stake cap at
        the industry's valuation multiple.
        """
        rules = self._rules()
        revenue = self.reference_revenue * market_growth
        stake_cap = rules.max_stake / (1.0 - rules.max_stake) * self.valuation_multiple
        return np.minimum(np.minimum(rules.ticket_to_revenue, stake_cap) * revenue, rules.max_ticket)

    def invest_in_pipeline(
        self, quarter: int, firms: ColumnStore, year: float, market_growth: np.ndarray, rng: np.random.Generator
    ) -> Deals | None:
        """Screen a deal pipeline in each industry with a budget and pay in equity to the picks.

        Args:
            quarter: Current quarter index.
            firms: The growth firms' columns.
            year: Time at the end of the quarter [years]; applicants are at least a year old.
            market_growth: Each industry's trend growth since 2017 (factor).
            rng: This quarter's fund-selection stream.

        Returns:
            The deals made (the ledger has paid for them), or None.
        """
        if self.rules is None or not self.budget.any():
            return None
        rules, budget = self.rules, self.budget
        sectors = np.flatnonzero(budget > 0)
        ticket = self.expected_ticket(market_growth)
        # Deals are counted in firms, whatever the rows stand for: the pipeline holds as many
        # firms at every scale (a row of w firms may bring several of them).
        deals = np.ceil(budget / np.maximum(ticket * YUAN_PER_BN, 1.0)).astype(int) + 1
        # The deal flow: firms of each industry that approach the fund, screened for eligibility.
        size = np.ceil(rules.pipeline_multiple * deals[sectors]).astype(int)
        pools = [self.pools[s] for s in sectors]
        # Every firm is as likely to apply as any other: a row by the firms it stands for.
        cumulative = [self.pool_firms[s] for s in sectors]
        totals = np.array([c[-1] for c in cumulative])
        point = rng.random(size.sum()) * np.repeat(totals, size)  # a point on its industry's firms
        ends = np.cumsum(size)
        at = [
            np.searchsorted(c, point[end - n : end], side="right")
            for c, n, end in zip(cumulative, size, ends, strict=True)
        ]
        drawn = np.concatenate([pool[i] for pool, i in zip(pools, at, strict=True)])
        ok = firms.active[drawn] & ~firms.funded[drawn] & (firms.founded[drawn] <= year - 1.0)
        in_pipeline = np.zeros(firms.n, bool)  # a mask, not np.unique: ten times faster here
        in_pipeline[drawn[ok]] = True
        pipeline = np.flatnonzero(in_pipeline)  # sorted rows; a firm appears once
        applicants = None
        if (firms.weight[pipeline] != 1.0).any():  # rows standing for several firms (below full scale)
            # Which of a row's firms a point falls on: its place within the row's span of firms.
            start = np.concatenate([c[i] for c, i in zip(cumulative, at, strict=True)]) - firms.weight[drawn]
            firm = np.floor(point - start).astype(np.int64)
            span = int(firm.max()) + 1
            key = np.unique(drawn[ok].astype(np.int64) * span + firm[ok])  # each (row, firm) once
            applicants = np.bincount(key // span, minlength=firms.n)[pipeline].astype(float)
        valuation = self.valuation_multiple[firms.sector[pipeline]] * firms.revenue[pipeline]
        draws = rng.random(pipeline.size)
        chosen, amounts, taken = select_firms(
            firms, pipeline, budget, rules, self.behaviour, valuation, draws, applicants
        )
        if chosen.size == 0:
            return None
        chosen = self.split(firms, chosen, taken)
        deal = self.invest(quarter, chosen, firms.sector[chosen], amounts)
        self.flow[quarter] += np.bincount(deal.sectors, weights=amounts, minlength=budget.size) / YUAN_PER_BN
        return deal

    def split(self, firms: ColumnStore, rows: np.ndarray, taken: np.ndarray) -> np.ndarray:
        """The rows that stand for the firms the fund takes: a row of whose firms it takes only some is split.

        The taken firms become a new row (the same state, their number as its weight), added
        at the end of its industry's pool, which still counts the same firms; the row keeps
        the others. At full scale every row is one firm and nothing is split.

        Args:
            firms: The growth firms' columns.
            rows: Rows chosen.
            taken: Firms taken from each row (at most its weight).

        Returns:
            ``rows``, with each split row replaced by its new row.
        """
        partial = np.flatnonzero(taken < firms.weight[rows])
        if partial.size == 0:
            return rows
        parents = rows[partial]
        values = {column: getattr(firms, column)[parents] for column in firms.columns}
        values["weight"] = taken[partial]
        new = firms.append(partial.size, values)
        firms.set_rows("weight", parents, firms.weight[parents] - taken[partial])
        sector = firms.sector[parents]
        for s in np.unique(sector):
            mine = sector == s
            # Pools are in row order (rows are appended, entrants and split rows alike, after the rest).
            pool, counts, k = self.pools[s], self.pool_firms[s], taken[partial][mine]
            at = np.searchsorted(pool, parents[mine])
            # The parents' spans of firms shrink by the firms taken; the new rows' spans follow the pool's end.
            counts = counts - np.cumsum(np.bincount(at, weights=k, minlength=pool.size))
            self.pools[s] = np.concatenate([pool, new[mine]])
            self.pool_firms[s] = np.concatenate([counts, counts[-1] + np.cumsum(k)])
        out = rows.copy()
        out[partial] = new
        return out

    def invest(self, quarter: int, rows: np.ndarray, sectors: np.ndarray, amounts: np.ndarray) -> Deals:
        """Move idle money into firms, drawing from each source pro rata, and draw in social capital.

        Args:
            quarter: Current quarter index.
            rows: Firm rows receiving equity.
            sectors: Their industry indices.
            amounts: Fund money per deal [yuan, integers], all firms of the row together.

        Returns:
            The deals, with the social co-investment of each [yuan].
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
        co = np.round(amounts * self.behaviour.co_investment).astype(np.int64)
        self.ledger.co_invested += int(co.sum())
        np.add.at(self.invested_by_sector, sectors, amounts)
        deal = Deals(quarter, rows, sectors, amounts, co)
        self.deals.append(deal)
        return deal

    def _rules(self) -> FundRules:
        if self.rules is None:
            raise RuntimeError("the fund has no mandate: no conversion-fund instrument has acted")
        return self.rules


def select_investees(
    firms: ColumnStore,
    candidates: np.ndarray,
    budget: np.ndarray,
    rules: FundRules,
    behaviour: FundBehaviour,
    valuation: np.ndarray,
    order_draws: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Pick investees from a deal pipeline until each industry's budget is used.

    Each candidate row applies with all the firms it stands for (:func:`select_firms`).
    """
    chosen, amounts, _ = select_firms(firms, candidates, budget, rules, behaviour, valuation, order_draws)
    return chosen, amounts


def select_firms(
    firms: ColumnStore,
    candidates: np.ndarray,
    budget: np.ndarray,
    rules: FundRules,
    behaviour: FundBehaviour,
    valuation: np.ndarray,
    order_draws: np.ndarray,
    applicants: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pick investee firms from a deal pipeline until each industry's budget is used.

    Rows are ranked best first; each brings its firms in the pipeline (``applicants``, at most
    its weight; all of them when None), every one of which gets the row's ticket. The
    budget pays for whole rows while it lasts; the first row it cannot pay for in full gets
    as many of its firms as the rest pays for (none when the row is one firm), and the
    rows after it nothing.

    Args:
        firms: Firm columns.
        candidates: Pipeline rows (eligible firms).
        budget: Money to invest in each industry [yuan].
        rules: The mandate: how to rank and the ticket rules.
        behaviour: The managers' view of quality.
        valuation: Pre-money value of each candidate firm [bn yuan].
        order_draws: Uniform draws, one per candidate, for random ranking.
        applicants: Firms of each candidate row in the pipeline (None: all it stands for).

    Returns:
        Rows chosen, the money each gets [yuan, for all its firms taken] and the firms taken from each.
    """
    if candidates.size == 0:
        return candidates, np.zeros(0, np.int64), np.zeros(0)
    sector = firms.sector[candidates]
    if rules.selection == "quality":
        growth = np.log(firms.revenue[candidates] / np.maximum(firms.revenue_1y[candidates], 1e-12))
        signal = (
            np.log(firms.tfp[candidates])
            + behaviour.rd_signal_weight * firms.rd_rate[candidates]
            + growth
            + behaviour.screening_noise * firms.screening_noise[candidates]
        )
    else:
        signal = order_draws
    # By industry, best first: np.lexsort((-signal, sector)) as its two stable sorts, the
    # second on small integers, which numpy sorts by radix (a third of the time).
    order = np.argsort(-signal, kind="stable")
    order = order[np.argsort(sector[order].astype(np.int8), kind="stable")]
    chosen, sector = candidates[order], sector[order]
    per_firm = np.minimum(rules.ticket_to_revenue * firms.revenue[chosen], rules.max_ticket)
    per_firm = np.minimum(per_firm, rules.max_stake / (1.0 - rules.max_stake) * valuation[order])
    weight = firms.weight[chosen]
    taken = weight if applicants is None else np.minimum(applicants[order], weight)
    amounts = np.round(per_firm * taken * YUAN_PER_BN).astype(np.int64)
    spent = np.cumsum(amounts)
    first = np.searchsorted(sector, sector, side="left")  # start of each firm's industry run
    before = np.where(first > 0, spent[first - 1], 0)
    within = spent - before <= budget[sector]
    # The first row of an industry the budget cannot pay for in full: as many of its firms as it can.
    last = np.flatnonzero(~within & np.concatenate([[True], within[:-1] | (sector[1:] != sector[:-1])]))
    left = budget[sector[last]] - np.where(last > first[last], spent[last - 1] - before[last], 0)
    part = np.minimum(np.floor(left / (per_firm[last] * YUAN_PER_BN)), taken[last] - 1.0)
    last, part = last[(part >= 1.0) & (weight[last] > 1.0)], part[(part >= 1.0) & (weight[last] > 1.0)]
    if last.size:
        taken = taken.copy()
        taken[last] = part
        amounts[last] = np.round(per_firm[last] * part * YUAN_PER_BN).astype(np.int64)
        within[last] = True
    return chosen[within], amounts[within], taken[within]
