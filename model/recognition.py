"""Recognition rules for firms in the ten strong industries, reviewed each fourth quarter.

Pure functions over columns, so that each rule can be checked by hand:

* high-tech enterprise: R&D intensity by revenue band and a high-tech revenue share
  (national 《高新技术企业认定管理办法》, 2016);
* gazelle: two-year revenue growth by revenue band, R&D intensity, debt ratio and age
  (Shandong 鲁工信发〔2020〕8号, in ``data/shandong/policy_parameters.csv``);
* unicorn: valuation of at least 1 bn USD, founded no more than ten years ago;
* national single champion: a leading national share of a niche product held over
  consecutive reviews (MIIT), for manufacturing firms of some age.

:class:`TitleReview` applies them: the titles held at the end of 2017 (with the take-up
that matches the 2017 counts) and the review of each fourth quarter.
"""

from __future__ import annotations

import functools

import numpy as np
from omegaconf import DictConfig

from agents.population import ColumnStore
from model.arrays import band_index

MAX_NICHE_SHARE = 0.95  # most of a niche's national market one firm holds; assumption: no firm is alone in its niche
MAX_PREMIUM = 1.0  # largest log premium of the valuation for growth above trend (a factor of e)
PROVINCIAL_TITLES = ("high_tech", "gazelle")  # the titles firms apply for


def band_threshold(revenue: np.ndarray, floors: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Threshold of the revenue band each firm is in (NaN below the lowest floor).

    Args:
        revenue: Annual revenue [bn yuan].
        floors: Lower edges of the bands [bn yuan], increasing.
        thresholds: The value required in each band.
    """
    passed = band_index(floors, revenue, side="right")  # floors at or below each revenue
    padded = np.concatenate([[np.nan], np.asarray(thresholds, float)])
    return padded[passed]


def high_tech_eligible(
    revenue: np.ndarray, rd_rate: np.ndarray, tech_share: np.ndarray, rule: DictConfig
) -> np.ndarray:
    """Firms meeting the high-tech enterprise criteria."""
    needed = band_threshold(revenue, np.array(rule.revenue_floors), np.array(rule.rd_thresholds))
    return (rd_rate >= needed) & (tech_share >= rule.min_tech_share)


def gazelle_eligible(
    revenue: np.ndarray,
    revenue_2y: np.ndarray,
    rd_rate: np.ndarray,
    debt_ratio: np.ndarray,
    age: np.ndarray,
    rule: DictConfig,
) -> np.ndarray:
    """Firms meeting the gazelle criteria.

    Args:
        revenue: This year's revenue [bn yuan].
        revenue_2y: Revenue two years earlier [bn yuan].
        rd_rate: R&D spending / revenue.
        debt_ratio: Debt / assets.
        age: Years since founding.
        rule: The ``recognition.gazelle`` config.
    """
    needed = band_threshold(revenue, np.array(rule.revenue_floors), np.array(rule.growth_thresholds))
    cagr = np.sqrt(revenue / np.maximum(revenue_2y, 1e-12)) - 1.0
    rd_needed = np.where(revenue >= rule.large_revenue, rule.rd_rate_large, rule.rd_rate_small)
    return (cagr >= needed) & (rd_rate >= rd_needed) & (debt_ratio < rule.max_debt_ratio) & (age >= rule.min_age_years)


def valuation(revenue: np.ndarray, revenue_2y: np.ndarray, multiple: np.ndarray, trend: np.ndarray) -> np.ndarray:
    """Enterprise value [bn yuan]: a revenue multiple with a premium for growth above trend.

    The multiple rises by a factor ``exp(4 x excess CAGR)``, at most e (2.7): a firm
    growing 25 % a year faster than its industry is valued at e times the base multiple.
    """
    cagr = np.sqrt(revenue / np.maximum(revenue_2y, 1e-12)) - 1.0
    return multiple * revenue * np.exp(np.clip(4.0 * (cagr - trend), -1.0, MAX_PREMIUM))


def unicorn_eligible(value: np.ndarray, age: np.ndarray, rule: DictConfig) -> np.ndarray:
    """Firms valued at or above the threshold and no older than the age limit (成立不超过10年)."""
    return (value >= rule.valuation) & (age <= rule.max_age_years)


COLUMNS_2017 = ("revenue", "revenue_2y", "rd_rate", "tech_share", "debt", "assets", "founded", "weight")
Columns = ColumnStore | dict[str, np.ndarray]  # a store, or its columns by name


def take_up(firms: Columns, counts: DictConfig, rules: DictConfig, year: float) -> dict[str, float]:
    """Share of the firms eligible for each provincial title at the end of 2017 that hold it.

    The count asked for over the weighted number of eligible firms (at most 1, 0 when none
    is eligible). The model computes it on the whole drawn population, before any sampling
    (:func:`model.population.build_firms`), so that it does not depend on the scale.

    Args:
        firms: The columns :data:`COLUMNS_2017` of the firms at the end of 2017.
        counts: The ``calibration.initial_counts`` config [firms].
        rules: The ``calibration.recognition`` config.
        year: 2018.0 (the end of 2017).
    """
    eligible = eligible_2017(firms, rules, year)
    result = {}
    for title, mask in eligible.items():
        available = float(np.sum(_column(firms, "weight") * mask))
        result[title] = min(float(counts[title]) / available, 1.0) if available else 0.0
    return result


def _column(firms: Columns, name: str) -> np.ndarray:
    return firms[name] if isinstance(firms, dict) else getattr(firms, name)


def eligible_2017(firms: Columns, rules: DictConfig, year: float) -> dict[str, np.ndarray]:
    """Firms meeting each provincial title's criteria at the end of 2017 (columns as in :func:`take_up`)."""
    col = functools.partial(_column, firms)
    debt_ratio = col("debt") / np.maximum(col("assets"), 1e-12)
    return {
        "high_tech": high_tech_eligible(col("revenue"), col("rd_rate"), col("tech_share"), rules.high_tech),
        "gazelle": gazelle_eligible(
            col("revenue"), col("revenue_2y"), col("rd_rate"), debt_ratio, year - col("founded"), rules.gazelle
        ),
    }


def champion_years(niche_share: np.ndarray, years: np.ndarray, rule: DictConfig) -> np.ndarray:
    """Consecutive reviews at or above the champion niche share, after this review."""
    return np.where(niche_share >= rule.niche_share, years + 1, 0).astype(years.dtype)


def champion_eligible(
    years: np.ndarray, age: np.ndarray, manufacturing: np.ndarray | bool, rule: DictConfig
) -> np.ndarray:
    """Firms that have held the niche long enough, are old enough and make things."""
    return (years >= rule.years_held) & (age >= rule.min_age_years) & manufacturing


class TitleReview:
    """The annual review of titles for the firms of the ten strong industries (fourth quarters).

    Firms apply for the provincial titles (high-tech, gazelle) if their ``application``
    draw is below the title's take-up, calibrated so that the 2017 counts match
    (:meth:`start`); unicorns and champions need no application.

    Args:
        rules: The ``calibration.recognition`` config.
        valuation_multiple: Enterprise value over revenue, by industry.
        annual_trend: Each industry's trend growth [per year] (the valuation's premium for growth).
        market_growth: (quarters, industries): each industry's market since 2017 at trend [factor].
    """

    def __init__(
        self, rules: DictConfig, valuation_multiple: np.ndarray, annual_trend: np.ndarray, market_growth: np.ndarray
    ) -> None:
        self.rules = rules
        self.valuation_multiple = valuation_multiple
        self.annual_trend = annual_trend
        self.market_growth = market_growth
        self.take_up: dict[str, float] = {}

    def start(
        self,
        firms: ColumnStore,
        counts: DictConfig,
        year: float,
        manufacturing: np.ndarray,
        take_up_of_population: dict[str, float] | None = None,
    ) -> None:
        """Titles at the end of 2017, and the take-up of the provincial titles that gives the 2017 counts.

        The take-up is the share of eligible firms that hold the title (:func:`take_up`):
        the whole drawn population's when given (the same at every scale), else the
        simulated firms'. Champions are the manufacturing firms with the largest niche shares.

        Args:
            firms: The firms at the end of 2017.
            counts: The ``calibration.initial_counts`` config [firms].
            year: 2018.0 (the end of 2017).
            manufacturing: Whether each industry is manufacturing.
            take_up_of_population: The take-up computed on the population before sampling.
        """
        rules = self.rules
        eligible = eligible_2017(firms, rules, year)
        self.take_up = dict(take_up_of_population or take_up(firms, counts, rules, year))
        firms.high_tech = eligible["high_tech"] & (firms.application < self.take_up["high_tech"])
        firms.gazelle = eligible["gazelle"] & (firms.application < self.take_up["gazelle"])
        firms.new_economy = firms.new_economy | firms.high_tech
        age = year - firms.founded
        eligible_champion = manufacturing[firms.sector] & (age >= rules.champion.min_age_years)
        order = np.argsort(-np.where(eligible_champion, firms.niche_share, -1.0), kind="stable")
        cum = np.cumsum(firms.weight[order])
        champions = order[: int(np.searchsorted(cum, float(counts.champion) - 1e-9, side="left")) + 1]
        firms.set_rows("champion", champions, True)
        firms.champion_years = np.where(firms.niche_share >= rules.champion.niche_share, 1, 0)
        s = firms.sector
        value = valuation(firms.revenue, firms.revenue_2y, self.valuation_multiple[s], self.annual_trend[s])
        firms.unicorn = unicorn_eligible(value, age, rules.unicorn)
        # The end-2017 titles close the 2017 review: from now on revenue_1y and revenue_2y
        # hold 2017 and 2016 revenue, so that the 2018 review compares 2018 with 2016.
        self.close(firms)

    def review(self, firms: ColumnStore, year: float, quarter: int, manufacturing: np.ndarray) -> None:
        """A fourth quarter's review: high-tech, gazelle, unicorn and champion titles.

        Each title is checked only for the firms it can go to: applicants for the
        provincial titles, young firms for unicorns, manufacturers for champions.

        Args:
            firms: The growth firms.
            year: Time at the end of the quarter [years].
            quarter: Quarter index.
            manufacturing: Whether each row's firm is in a manufacturing industry.
        """
        rules = self.rules
        active = firms.active
        age = year - firms.founded

        rows = np.flatnonzero(active & (firms.application < self.take_up["high_tech"]))
        firms.high_tech = False
        held = high_tech_eligible(firms.revenue[rows], firms.rd_rate[rows], firms.tech_share[rows], rules.high_tech)
        firms.set_rows("high_tech", rows, held)

        rows = np.flatnonzero(active & (firms.application < self.take_up["gazelle"]))
        firms.gazelle = False
        debt_ratio = firms.debt[rows] / np.maximum(firms.assets[rows], 1e-12)
        held = gazelle_eligible(
            firms.revenue[rows], firms.revenue_2y[rows], firms.rd_rate[rows], debt_ratio, age[rows], rules.gazelle
        )
        firms.set_rows("gazelle", rows, held)

        rows = np.flatnonzero(active & (age <= rules.unicorn.max_age_years))
        s = firms.sector[rows]
        value = valuation(firms.revenue[rows], firms.revenue_2y[rows], self.valuation_multiple[s], self.annual_trend[s])
        firms.unicorn = False
        firms.set_rows("unicorn", rows, unicorn_eligible(value, age[rows], rules.unicorn))

        rows = np.flatnonzero(active & manufacturing)
        s = firms.sector[rows]
        market = firms.niche_market[rows] * self.market_growth[quarter, s]
        share = np.minimum(firms.revenue[rows] / market, MAX_NICHE_SHARE)
        firms.set_rows("niche_share", rows, share)
        years = champion_years(share, firms.champion_years[rows], rules.champion)
        firms.set_rows("champion_years", rows, years)
        champion = firms.champion[rows] | champion_eligible(years, age[rows], True, rules.champion)
        firms.set_rows("champion", rows, champion)

        firms.new_economy |= firms.high_tech
        self.close(firms)

    @staticmethod
    def close(firms: ColumnStore) -> None:
        """Close an annual review: the revenue of the last two reviews moves back one year."""
        firms.revenue_2y = firms.revenue_1y
        firms.revenue_1y = firms.revenue
