"""National exogenous paths of a scenario, by simulated quarter (index 0 is 2017Q4).

A scenario may carry sourced national series (``scenario.national``; the historical
scenario takes them from ``data/national/paths.csv``):

* ``output_index``: national output of an overcapacity sector by year, 2017..2022
  (2017 = 1). Shandong's demand for the sector's output follows it, times the scenario's
  own ``demand_growth`` trend, which is then the province's deviation from the nation.
* ``gdp_growth``: national real GDP growth, year on year, by quarter 2017Q1..2022Q4 [%].
  The rest of the economy grows with it (times ``roe_va_growth``, then Shandong's gap to
  the nation), and the ten strong industries' demand moves with its deviation from the
  2017-2019 trend: the national cycle, the pandemic quarters included.

A scenario without these series (``baseline`` and its variants) gets paths of ones, so its
results do not change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from omegaconf import DictConfig

from model.calendar import N_QUARTERS
from model.params import Params

GDP_QUARTERS = 24  # 2017Q1 .. 2022Q4
FIRST_SIMULATED = 3  # position of 2017Q4 in the GDP series
TREND_QUARTERS = 12  # 2017Q1 .. 2019Q4: the pre-pandemic trend the cycle is measured against


@dataclass(frozen=True)
class NationalPaths:
    """Sourced national paths by quarter (index 0 = 2017Q4), ones where a scenario has none.

    Attributes:
        output_index: National output by sector relative to 2017 [factor], yearly steps.
        gdp_level: National real GDP relative to 2017Q4 [factor].
        cycle: National real GDP over its 2017-2019 trend [factor].
    """

    output_index: dict[str, np.ndarray]
    gdp_level: np.ndarray
    cycle: np.ndarray

    @classmethod
    def from_scenario(cls, scenario: Params | DictConfig) -> NationalPaths:
        """The paths of a scenario (validated: lengths and signs are checked before)."""
        national = scenario.get("national") or {}
        quarters = np.arange(N_QUARTERS + 1)
        years = 2017 + (quarters + FIRST_SIMULATED) // 4  # calendar year of each quarter
        output = {
            sector: np.asarray(list(path), float)[years - 2017] / float(path[0])
            for sector, path in (national.get("output_index") or {}).items()
        }
        growth = list(national.get("gdp_growth") or [])
        if not growth:
            ones = np.ones(N_QUARTERS + 1)
            return cls(output_index=output, gdp_level=ones, cycle=ones.copy())
        level = gdp_level(np.asarray(growth, float) / 100.0)
        trend = (1.0 + np.mean(growth[:TREND_QUARTERS]) / 100.0) ** (quarters / 4.0)
        return cls(output_index=output, gdp_level=level, cycle=level / trend)

    def demand_index(self, sector: str) -> np.ndarray:
        """Shandong's demand for a sector's output relative to 2017, from the nation [factor]."""
        return self.output_index.get(sector, np.ones(N_QUARTERS + 1))


def gdp_level(growth: np.ndarray) -> np.ndarray:
    """Real GDP by simulated quarter relative to 2017Q4, from year-on-year growth by quarter.

    Within 2017 the level grows smoothly at that year's mean growth; from 2018 on each
    quarter is the same quarter a year earlier times one plus its growth.

    Args:
        growth: Year-on-year growth of 2017Q1..2022Q4 [fraction].
    """
    level = np.empty(GDP_QUARTERS)
    annual_2017 = growth[:4].mean()
    level[:4] = (1.0 + annual_2017) ** ((np.arange(4) - FIRST_SIMULATED) / 4.0)
    for k in range(4, GDP_QUARTERS):
        level[k] = level[k - 4] * (1.0 + growth[k])
    return level[FIRST_SIMULATED:]
