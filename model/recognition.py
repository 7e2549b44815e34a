"""Recognition rules for firms in the ten strong industries, reviewed each fourth quarter.

Pure functions over columns, so that each rule can be checked by hand:

* high-tech enterprise: R&D intensity by revenue band and a high-tech revenue share
  (national 《高新技术企业认定管理办法》, 2016);
* gazelle: two-year revenue growth by revenue band, R&D intensity, debt ratio and age
  (Shandong 鲁工信发〔2020〕8号, in ``data/shandong/policy_parameters.csv``);
* unicorn: valuation of at least 1 bn USD, founded no more than ten years ago;
* national single champion: a leading national share of a niche product held over
  consecutive reviews (MIIT), for manufacturing firms of some age.
"""

from __future__ import annotations

import numpy as np
from omegaconf import DictConfig

from model.arrays import band_index


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
    return multiple * revenue * np.exp(np.clip(4.0 * (cagr - trend), -1.0, 1.0))


def unicorn_eligible(value: np.ndarray, age: np.ndarray, rule: DictConfig) -> np.ndarray:
    """Firms valued at or above the threshold and no older than the age limit (成立不超过10年)."""
    return (value >= rule.valuation) & (age <= rule.max_age_years)


def champion_years(niche_share: np.ndarray, years: np.ndarray, rule: DictConfig) -> np.ndarray:
    """Consecutive reviews at or above the champion niche share, after this review."""
    return np.where(niche_share >= rule.niche_share, years + 1, 0).astype(years.dtype)


def champion_eligible(years: np.ndarray, age: np.ndarray, manufacturing: np.ndarray, rule: DictConfig) -> np.ndarray:
    """Firms that have held the niche long enough, are old enough and make things."""
    return (years >= rule.years_held) & (age >= rule.min_age_years) & manufacturing
