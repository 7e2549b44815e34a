"""Quarterly calendar: 2017Q4 (the calibrated starting state) to 2022Q4.

Quarter index 0 is 2017Q4; step ``k`` simulates quarter index ``k``. Dates are the
quarter's last day, as the indicators report them.
"""

from __future__ import annotations

import datetime as dt
import re

from model.errors import ConfigError

START_YEAR, START_QUARTER = 2017, 4
N_QUARTERS = 20  # 2018Q1 .. 2022Q4
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


def quarter_index(label: str, key: str = "date") -> int:
    """Return the index of a quarter label such as ``"2021Q3"`` (2017Q4 is 0).

    Args:
        label: Quarter label ``YYYYQn``.
        key: Config key the label came from, for the error message.

    Raises:
        ConfigError: The label is malformed.
    """
    match = _QUARTER.match(str(label))
    if not match:
        raise ConfigError(key, label, "a quarter such as 2021Q3")
    year, quarter = int(match.group(1)), int(match.group(2))
    return (year - START_YEAR) * 4 + (quarter - START_QUARTER)


def quarter_label(index: int) -> str:
    """Return the label of quarter ``index`` (0 is 2017Q4)."""
    months = START_YEAR * 4 + START_QUARTER - 1 + index
    return f"{months // 4}Q{months % 4 + 1}"


def quarter_end(index: int) -> dt.date:
    """Return the last day of quarter ``index``."""
    label = quarter_label(index)
    year, quarter = int(label[:4]), int(label[-1])
    if quarter == 4:
        return dt.date(year, 12, 31)
    return dt.date(year, 3 * quarter + 1, 1) - dt.timedelta(days=1)


def quarter_of_year(index: int) -> int:
    """Return 1..4, the quarter of the year of quarter ``index``."""
    return int(quarter_label(index)[-1])


def year_of(index: int) -> int:
    """Return the calendar year of quarter ``index``."""
    return int(quarter_label(index)[:4])
