"""Growth firms below full scale: which firms are kept one row per firm, and the sample of the rest.

:func:`model.population.build_firms` draws each industry's firms in full; at ``scale < 1``
:func:`sample_rows` keeps the firms on which the title counts turn one row per firm (the
take-all stratum, with :func:`title_candidates`) and a random sample of the others, each
sampled row standing for several firms (its ``weight``). :func:`sampled_rows` counts the
sampled rows of each industry (the run, collect and report warn when they are fewer than
``min_sector_rows``), and :class:`DrawSlots` gives each row its firm's per-quarter draws.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from agents.growth_firms import MAX_RD_RATE
from agents.population import ColumnStore
from model import recognition
from model.calendar import N_QUARTERS
from model.config import Params
from model.names import GROWTH_SECTORS

# Share of each industry's firms kept one row per firm below full scale, by revenue and by
# niche share; assumption: the top 2 % hold the champion candidates (range 1-5 %).
TAKE_ALL_SHARE = 0.02
YOUNG_YEARS = 10.0  # age of the young firms among which the largest are kept [years]: the unicorn age limit
# Firms that may be recognised a gazelle or a unicorn by 2022 are kept one row per firm too
# (:func:`title_candidates`); each of the two candidate strata takes at most this multiple of
# the industry's sampled rows (the likeliest candidates first), which bounds the rows at small scales.
CANDIDATE_ROWS = 2.0
# Growth a unicorn candidate would need to reach the valuation, in standard deviations of its
# cumulated idiosyncratic growth above trend; assumption: the unicorns of eight full-scale
# seeds needed at most 3.3.
UNICORN_REACH_SD = 3.5


def rows_for(firms: int, scale: float, minimum: int) -> int:
    """Rows simulated for a sector of ``firms`` firms at ``scale``."""
    return int(min(firms, max(minimum, round(firms * scale))))


def niche_market_of(revenue: np.ndarray, share: np.ndarray) -> np.ndarray:
    """Size of a firm's niche market from its revenue and share (infinite without a niche)."""
    return np.divide(revenue, share, out=np.full(revenue.shape, np.inf), where=share > 0)


class DrawSlots:
    """Which of each quarter's per-firm draws each row of the growth firms takes (column ``draw_slot``).

    A row of the drawn population takes its firm's place in it, so that a firm kept below
    full scale meets the shocks it meets at full scale; rows added later (entrants, rows
    split off for the fund) take new places after those taken. At full scale a row's slot
    is its row number, and the draws are the rows' own.
    """

    def __init__(self, firms: ColumnStore) -> None:
        self.taken = int(firms.draw_slot.max()) + 1 if firms.n else 0

    def take(self, count: int) -> np.ndarray:
        """Slots for ``count`` new rows."""
        self.taken += count
        return np.arange(self.taken - count, self.taken)

    def assign(self, firms: ColumnStore, first: int) -> list[int]:
        """Give the rows from ``first`` to the last new slots; return those rows."""
        rows = np.arange(first, firms.n)
        firms.set_rows("draw_slot", rows, self.take(rows.size))
        return rows.tolist()

    def draws(self, rng: np.random.Generator, firms: ColumnStore) -> np.ndarray:
        """One uniform per slot taken, as each row's: ``rng.random(slots)[draw_slot]``."""
        uniform = rng.random(self.taken)
        return uniform if self.taken == firms.n else uniform[firms.draw_slot]


def title_candidates(
    block: dict[str, np.ndarray], gazelle_take_up: float, cal: Params, trend: float, multiple: float, name: str
) -> tuple[np.ndarray, np.ndarray]:
    """An industry's firms that may be recognised a gazelle or a unicorn by 2022, each with its priority.

    * Gazelle candidates apply for the title (their ``application`` draw is below the
      take-up) and have an R&D intensity that one fund investment (``fund_rd_uplift``)
      lifts to the lower of the gazelle R&D thresholds; priority: R&D intensity.
    * Unicorn candidates are young enough at some review of 2018-2022 and would reach
      the unicorn valuation there (with the largest growth premium) at a growth of at
      most :data:`UNICORN_REACH_SD` standard deviations of their cumulated idiosyncratic
      growth above the industry's trend; priority: the fewest standard deviations.

    Returns:
        Two (mask, priority) pairs' parts: the candidate masks stacked (gazelle, unicorn)
        and their priorities (higher first), shape (2, firms).
    """
    rules, sector = cal.recognition, cal.growth[name]
    gazelle = likely_gazelles(block["application"], block["rd_rate"], gazelle_take_up, cal)
    age = 2018.0 - block["founded"]
    needed = float(rules.unicorn.valuation) / (multiple * np.exp(recognition.MAX_PREMIUM))
    reach = np.full(age.size, np.inf)  # standard deviations of growth needed, at the easiest review
    for years in range(1, N_QUARTERS // 4 + 1):
        sd = np.log(needed / block["revenue"]) - years * trend
        sd = sd / (float(sector.growth_sigma) * np.sqrt(years))
        reach = np.where(age + years <= rules.unicorn.max_age_years, np.minimum(reach, sd), reach)
    unicorn = reach <= UNICORN_REACH_SD
    return np.stack([gazelle, unicorn]), np.stack([block["rd_rate"], -reach])


def sample_rows(
    block: dict[str, np.ndarray], rows: int, candidates: tuple[np.ndarray, np.ndarray], rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Keep an industry's firms sampled by strata, ``rows`` of them outside the take-all stratum.

    Every firm in ``block`` has weight 1. The take-all stratum, one row per firm, holds the
    largest firms, the niche leaders and the largest young firms (the top
    :data:`TAKE_ALL_SHARE` by revenue, by niche share and by revenue among firms of at most
    :data:`YOUNG_YEARS`, at most a quarter of ``rows`` each) and the gazelle and unicorn
    candidates (:func:`title_candidates`, at most :data:`CANDIDATE_ROWS` times ``rows``
    each, by priority): thinning them would make the title counts, a few dozen to a few
    hundred firms, move in steps of the row weight. The other firms are sampled at random,
    ``rows`` of them, within two strata, new economy or not, in proportion to their numbers;
    each stratum's revenue-based stocks are rescaled so that its revenue total is
    unchanged, so that the industry's value added and its new-economy part are those of
    the full population, and its R&D intensities so that its R&D spending is too (within
    the R&D ceiling).
    """
    n = len(block["sector"])
    if rows >= n:
        return block
    revenue, niche = block["revenue"], block["niche_share"]
    top = max(1, min(int(np.ceil(TAKE_ALL_SHARE * n)), rows // 4))
    take_all = np.zeros(n, bool)
    take_all[np.argsort(-revenue, kind="stable")[:top]] = True
    by_niche = np.argsort(-niche, kind="stable")[:top]
    take_all[by_niche[niche[by_niche] > 0]] = True  # firms outside manufacturing have no niche
    young = np.flatnonzero(2018.0 - block["founded"] <= YOUNG_YEARS)  # the unicorns' pool: large among the young
    take_all[young[np.argsort(-revenue[young], kind="stable")[:top]]] = True
    most = int(CANDIDATE_ROWS * rows)
    for mask, priority in zip(*candidates, strict=True):
        members = np.flatnonzero(mask)
        take_all[members[np.argsort(-priority[members], kind="stable")[:most]]] = True
    ones = np.ones(int(take_all.sum()))
    keep, weight, factor, rd_factor = [np.flatnonzero(take_all)], [ones], [ones], [ones]
    rd_spend = revenue * block["rd_rate"]
    rest = ~take_all
    room = min(rows, int(rest.sum()))
    for stratum in (rest & block["new_economy"], rest & ~block["new_economy"]):
        members = np.flatnonzero(stratum)
        if members.size == 0:
            continue
        size = min(members.size, max(1, round(room * members.size / rest.sum())))
        sampled = np.sort(rng.choice(members, size=size, replace=False))
        w = members.size / size
        keep.append(sampled)
        weight.append(np.full(size, w))
        scale_revenue = revenue[members].sum() / (w * revenue[sampled].sum())
        factor.append(np.full(size, scale_revenue))
        # R&D intensity is heavy-tailed and highest in small firms: keep the stratum's R&D too.
        rd_factor.append(np.full(size, rd_spend[members].sum() / (w * scale_revenue * rd_spend[sampled].sum())))
    rows_kept = np.concatenate(keep)
    kept = {key: np.asarray(values)[rows_kept] if np.ndim(values) else values for key, values in block.items()}
    kept["weight"] = np.concatenate(weight)
    scaling = np.concatenate(factor)
    for column in ("revenue", "revenue_1y", "revenue_2y", "cash", "debt", "assets"):
        kept[column] = kept[column] * scaling
    rd = np.minimum(kept["rd_rate"] * np.concatenate(rd_factor), MAX_RD_RATE)
    kept["rd_rate"], kept["rd_base"] = rd, rd.copy()
    kept["niche_market"] = niche_market_of(kept["revenue"], kept["niche_share"])
    return kept


def likely_gazelles(application: np.ndarray, rd_rate: np.ndarray, take_up: float, cal: Params) -> np.ndarray:
    """Firms that apply for the gazelle title and whose R&D one fund investment lifts to its lower threshold."""
    uplift = 1.0 + float(cal.behaviour.fund_rd_uplift)
    lowest_rd = min(float(cal.recognition.gazelle.rd_rate_large), float(cal.recognition.gazelle.rd_rate_small))
    return (application < take_up) & (rd_rate * uplift >= lowest_rd)


def thin_entrants(
    values: dict[str, Any], counts: np.ndarray, row_weight: np.ndarray, gazelle_take_up: float, cal: Params
) -> tuple[dict[str, Any], np.ndarray]:
    """A quarter's entrant firms below full scale: likely gazelles a row each, a sample of the others.

    The others of an industry keep ``max(1, round(others / row_weight))`` rows, each standing
    for an equal share of them, so that the entrants' number is the drawn one and an
    entrant gazelle counts one firm, as at full scale.

    Args:
        values: Column values of the drawn entrant firms (:func:`model.population.entrants`), sector by sector.
        counts: Entrant firms by industry.
        row_weight: Firms a sampled row of each industry stands for.
        gazelle_take_up: Share of eligible firms that apply for the gazelle title.
        cal: The calibration.

    Returns:
        The kept rows' values (weights set) and the kept rows by industry.
    """
    sector = values["sector"]
    likely = likely_gazelles(values["application"], values["rd_rate"], gazelle_take_up, cal)
    keep, weight = [], []
    for s in np.flatnonzero(counts):
        rows = np.flatnonzero(sector == s)
        others = rows[~likely[rows]]
        kept = max(1, round(others.size / row_weight[s])) if others.size else 0
        keep += [rows[likely[rows]], others[:kept]]  # the draws are independent: the first are a random sample
        weight += [np.ones(int(likely[rows].sum())), np.full(kept, others.size / max(kept, 1))]
    rows = np.concatenate(keep)
    thinned = {key: column[rows] if np.ndim(column) else column for key, column in values.items()}
    thinned["weight"] = np.concatenate(weight)
    return thinned, np.bincount(sector[rows], minlength=counts.size)


def sampled_rows(firms: ColumnStore) -> dict[str, int]:
    """Rows of each thinned industry's sampled firms (rows standing for more than one firm), at the start.

    Industries kept one row per firm (all of them at full scale) are not listed.
    """
    counts = np.bincount(firms.sector[firms.weight != 1.0], minlength=len(GROWTH_SECTORS))
    return {name: int(counts[i]) for i, name in enumerate(GROWTH_SECTORS) if counts[i]}
