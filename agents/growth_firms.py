"""Firms in the ten strong industries: their state, what they see each quarter, and their rules.

Revenue grows with demand, productivity and heavy-tailed shocks, financed from cash and
debt; the rules run as compiled loops over the rows (:class:`GrowthFirm`). Units as in
:mod:`agents.firms`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

from agents.firms import ExitReason, Firm
from agents.population import ColumnStore

# Most R&D a firm spends [share of revenue]; assumption: above the most R&D-intensive firms of the 2017 sample.
MAX_RD_RATE = 0.4

FIRM_SCHEMA: dict[str, type] = {
    "sector": np.intp,  # index into the ten strong industries
    "city": np.intp,
    "weight": np.float64,  # firms represented by this row
    "active": np.bool_,
    "founded": np.float64,  # year of founding (age = year now - founded)
    "revenue": np.float64,  # [bn yuan per year, 2017 prices]
    "margin": np.float64,  # operating margin after the firm's own R&D
    "capital_output": np.float64,  # capital needed per yuan of extra annual revenue
    "va_ratio": np.float64,  # value added / revenue
    "growth_sigma": np.float64,  # std of idiosyncratic annual log growth
    "cash_target": np.float64,  # cash kept / annual revenue; the surplus repays debt
    "tfp": np.float64,  # total factor productivity (1 = the 2017 sector mean)
    "rd_rate": np.float64,  # R&D spending / revenue
    "rd_base": np.float64,  # R&D intensity the firm's gross margin was built to carry
    "tech_share": np.float64,  # high-tech products' share of revenue
    "niche_market": np.float64,  # national market of its niche product in 2017 [bn yuan]
    "niche_share": np.float64,  # national share of that market, updated at each annual review
    "cash": np.float64,  # [bn yuan]
    "debt": np.float64,  # [bn yuan]
    "assets": np.float64,  # [bn yuan]
    "new_economy": np.bool_,
    "high_tech": np.bool_,
    "gazelle": np.bool_,
    "unicorn": np.bool_,
    "champion": np.bool_,
    "champion_years": np.int16,  # consecutive reviews at or above the niche share
    "application": np.float64,  # uniform draw: applies for a title if below its take-up
    "screening_noise": np.float64,  # the fund's error on this firm's quality (drawn once)
    "revenue_1y": np.float64,  # revenue at the last annual review (end of last year) [bn yuan per year]
    "revenue_2y": np.float64,  # at the review before (the 2017 review is the model's start)
    "fund_equity": np.float64,  # equity received from the fund [bn yuan per firm]
    "fund_stake": np.float64,  # the fund's equity stake in the firm
    "social_equity": np.float64,  # social co-investment received [bn yuan per firm]
    "funded": np.bool_,
    "exit_quarter": np.int16,
    "exit_reason": np.int8,
    # Which of each quarter's per-firm draws the row takes: its firm's place in the whole drawn
    # population, so that a firm kept below full scale meets the shocks it meets at full scale;
    # rows added later (entrants, rows split off) take places after the population's.
    "draw_slot": np.int64,
}


@dataclass
class GrowthContext:
    """What a firm in the ten strong industries sees this quarter.

    Per-sector arrays are indexed by the growth sector index.
    """

    quarter: int
    demand_growth: np.ndarray  # this quarter's log growth of sector demand (quarterly)
    labour_productivity: np.ndarray  # [10k yuan per worker], sector mean this quarter
    max_debt_ratio: float
    interest_rate: float
    tax_rate: float
    innovation_rate: float
    innovation_jump: float
    innovation_tech_step: float  # rise of the high-tech revenue share with an innovation
    exit_hazard: float
    rd_drift: float  # quarterly relative rise of R&D intensity (economy-wide trend)
    fund_rd_uplift: float  # factor on an investee's R&D intensity when fund equity arrives
    year_end: bool = False  # fourth quarter: annual settlements


class GrowthFirm(Firm):
    """A firm in one of the ten strong industries.

    Revenue grows with sector demand, persistent productivity (R&D raises the
    chance of an innovation) and heavy-tailed idiosyncratic shocks; growth needs
    capital, so firms short of cash and credit grow less, which fund equity relaxes.
    Rows of firms that have exited hold zero revenue, so the rules need no masks.
    """

    store = "firms"

    @property
    def age(self) -> float:
        """Years since founding."""
        return self.model.year - self.founded

    @property
    def workers(self) -> float:
        """Persons employed: value added over labour productivity (sector trend x own TFP)."""
        return self.model.accounts.firm_workers(self.row)

    @classmethod
    def decide_investment(cls, firms: ColumnStore, ctx: GrowthContext, uniform: np.ndarray, event: np.ndarray) -> None:
        """Grow revenue for one quarter, financing expansion from cash, then debt.

        Args:
            firms: The column store.
            ctx: This quarter's context.
            uniform: Uniform draws, one per row, turned into the Laplace growth shocks.
            event: Uniform draws, one per row (an innovation when small).
        """
        _grow(
            firms.sector,
            uniform,
            event,
            firms.growth_sigma,
            firms.capital_output,
            firms.rd_rate,
            firms.tfp,
            firms.tech_share,
            firms.revenue,
            firms.cash,
            firms.debt,
            firms.assets,
            ctx.demand_growth,
            1.0 + ctx.rd_drift,
            ctx.innovation_rate,
            ctx.innovation_jump,
            float(np.exp(ctx.innovation_jump)),
            ctx.innovation_tech_step,
            ctx.max_debt_ratio,
        )

    @classmethod
    def settle(cls, firms: ColumnStore, ctx: GrowthContext) -> np.ndarray:
        """Book a quarter's profit after R&D into cash, repay debt from surplus cash.

        Returns:
            Mask of firms that cannot cover their losses (bankrupt).
        """
        bankrupt = np.empty(firms.n, bool)
        _settle(
            firms.margin,
            firms.rd_base,
            firms.rd_rate,
            firms.cash_target,
            firms.active,
            firms.revenue,
            firms.cash,
            firms.debt,
            firms.assets,
            ctx.interest_rate,
            ctx.tax_rate,
            ctx.max_debt_ratio,
            ctx.year_end,
            bankrupt,
        )
        return bankrupt

    @classmethod
    def decide_exit(cls, firms: ColumnStore, ctx: GrowthContext, bankrupt: np.ndarray, event: np.ndarray) -> np.ndarray:
        """Exit reason per row: bankruptcy, or the exogenous hazard (0: stays)."""
        reason = np.zeros(firms.n, np.int8)
        reason[(event > 1.0 - ctx.exit_hazard / 4.0) & firms.active] = ExitReason.VOLUNTARY
        reason[bankrupt] = ExitReason.BANKRUPTCY
        return reason

    @classmethod
    def leave(cls, firms: ColumnStore, rows: np.ndarray, reason: np.ndarray, quarter: int) -> None:
        """Firms at ``rows`` exit for ``reason`` (one per row): no revenue and no title from now on.

        Champions keep their title only while active.
        """
        firms.set_rows("active", rows, False)
        firms.set_rows("exit_quarter", rows, quarter)
        firms.set_rows("exit_reason", rows, reason)
        for column in ("revenue", "high_tech", "gazelle", "unicorn", "champion", "champion_years"):
            firms.set_rows(column, rows, 0)

    @classmethod
    def take_equity(
        cls,
        firms: ColumnStore,
        ctx: GrowthContext,
        rows: np.ndarray,
        equity: np.ndarray,
        co_equity: np.ndarray,
        pre_money: np.ndarray,
    ) -> None:
        """Book equity from the fund and its social co-investors, and raise R&D.

        Args:
            firms: The column store.
            ctx: This quarter's context (the R&D response to fund equity).
            rows: Investee rows.
            equity: The fund's money per firm [bn yuan].
            co_equity: Social co-investment per firm [bn yuan].
            pre_money: Each investee's value before the investment [bn yuan].
        """
        firms.set_rows("cash", rows, firms.cash[rows] + equity + co_equity)
        firms.set_rows("fund_equity", rows, firms.fund_equity[rows] + equity)
        firms.set_rows("fund_stake", rows, equity / (pre_money + equity))
        firms.set_rows("social_equity", rows, firms.social_equity[rows] + co_equity)
        firms.set_rows("funded", rows, True)
        firms.set_rows("new_economy", rows, True)  # the fund's mandate: 四新 projects
        firms.set_rows("rd_rate", rows, np.minimum(firms.rd_rate[rows] * ctx.fund_rd_uplift, MAX_RD_RATE))


# ---------------------------------------------------------------------------------------
# The growth firms' rules, firm by firm. They are compiled (numba) because they run over
# every one of ~43,000 rows each quarter: one compiled pass over the rows replaces about
# fifty numpy passes, each of which went through memory again. The arithmetic is the
# column arithmetic, operation for operation: ``tests/test_growth_rule.py`` checks it
# against the rules written with numpy columns (the same numbers bit for bit where numpy
# and the compiled code share the C library's exp and log, as on x86-64 without AVX-512).

QUARTER_LAPLACE_SCALE = 0.5 / np.sqrt(2.0)  # Laplace scale b of a quarter's shock: variance 2 b^2 = 1/4


@numba.njit(cache=True)
def _grow(
    sector, uniform, event, growth_sigma, capital_output,  # inputs per row
    rd_rate, tfp, tech_share, revenue, cash, debt, assets,  # state per row, updated
    demand_growth,  # per sector: this quarter's log growth of demand
    rd_factor, innovation_rate, innovation_jump, tfp_factor, tech_step, max_debt_ratio,
):  # fmt: skip
    """One quarter's growth of each firm, financed from cash, then debt (``GrowthFirm.decide_investment``).

    Log growth is the sector's demand growth, plus a Laplace shock (heavy-tailed, variance
    1/4 before scaling by the firm's ``growth_sigma``: four quarters make its annual
    variance), plus a jump when the firm innovates, which it does with a probability
    proportional to its R&D intensity. Growing needs ``capital_output`` yuan of capital per
    yuan of extra annual revenue, paid from cash first, then borrowed up to the debt
    ceiling; a firm that cannot finance its growth grows as far as it can.
    """
    for i in range(revenue.size):
        rd_rate[i] *= rd_factor  # the economy-wide drift of R&D intensity
        centred = uniform[i] - 0.5
        # -b log(1 - 2|u - 1/2|) with the sign of u - 1/2: a Laplace draw (1 - 2|u - 1/2| is exact).
        shock = math.copysign(-QUARTER_LAPLACE_SCALE * math.log(1.0 - 2.0 * abs(centred)), centred)
        growth = demand_growth[sector[i]] + growth_sigma[i] * shock
        if event[i] < innovation_rate * rd_rate[i]:
            growth += innovation_jump
            tfp[i] *= tfp_factor  # exp(innovation_jump)
            tech_share[i] = min(tech_share[i] + tech_step, 1.0)
        capital = capital_output[i] * revenue[i]
        factor = math.exp(growth)  # revenue multiplier
        need = (max(factor, 1.0) - 1.0) * capital  # capital for the extra revenue
        own = max(cash[i], 0.0)
        room = max(max_debt_ratio * assets[i] - debt[i], 0.0) + own
        if need > room:  # growth is held back by what the firm can finance
            factor = 1.0 + room / max(capital, 1e-12)
            need = room
        from_cash = min(need, own)
        cash[i] -= from_cash
        assets[i] += need
        debt[i] += need - from_cash
        revenue[i] *= factor


@numba.njit(cache=True)
def _settle(
    margin, rd_base, rd_rate, cash_target, active,  # inputs per row
    revenue, cash, debt, assets,  # state per row (cash and debt updated)
    interest_rate, tax_rate, max_debt_ratio, year_end,
    bankrupt,  # output per row
):  # fmt: skip
    """Book each firm's quarterly profit into cash; flag the bankrupt (``GrowthFirm.settle``).

    A firm's gross margin carries its own R&D; R&D above that (after fund equity or the
    economy-wide drift) comes out of profit. At the year's end cash above the firm's target
    repays debt. A firm whose cash turns negative borrows up to its debt ceiling; one that
    cannot cover the loss that way, and is active, is bankrupt.
    """
    for i in range(revenue.size):
        profit = (margin[i] + rd_base[i] - rd_rate[i]) * revenue[i] - interest_rate * debt[i]
        profit *= 0.25  # a quarter of the annual rate
        profit -= tax_rate * max(profit, 0.0)
        firm_cash, firm_debt = cash[i] + profit, debt[i]
        if year_end:
            surplus = min(max(firm_cash - cash_target[i] * revenue[i], 0.0), firm_debt)
            firm_cash -= surplus
            firm_debt -= surplus
        failed = False
        if firm_cash < 0.0:
            shortfall = -firm_cash
            room = max(max_debt_ratio * assets[i] - firm_debt, 0.0)
            borrow = min(shortfall, room)
            firm_debt += borrow
            firm_cash += borrow
            failed = shortfall > room and active[i]
        cash[i], debt[i], bankrupt[i] = firm_cash, firm_debt, failed
