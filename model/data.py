"""Sourced public figures for Shandong, converted once into the project's units.

The CSV files under ``data/shandong/`` are copies of the gathered figures with their
sources (``key,value,unit,year,kind,source_title,source_url,confidence,notes``).
Values are published in their own units (亿元, 万吨, percent, ...); :func:`convert`
turns each into the project's units (bn yuan, Mt, fractions, ...) at load time.

Configs refer to a figure as ``${sd:KEY}`` or ``${sd:KEY,YEAR}``; the resolver
returns the converted number, so a sourced number is written down exactly once.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

from model.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT / "data" / "shandong"
DATA_FILES = ("baseline.csv", "targets.csv", "policy_parameters.csv", "outcomes_2016_2019.csv")
COLUMNS = (
    "key",
    "value",
    "unit",
    "year",
    "kind",
    "source_title",
    "source_url",
    "confidence",
    "notes",
)

# Published unit (prefix) -> (factor into project units, project unit). Longest prefix wins.
UNIT_CONVERSIONS: dict[str, tuple[float, str]] = {
    "trillion yuan": (1000.0, "bn yuan"),
    "亿元": (0.1, "bn yuan"),
    "万吨/年": (0.01, "Mt/yr"),
    "万吨": (0.01, "Mt"),
    "亿吨标准煤": (100.0, "Mtce"),
    "亿吨": (100.0, "Mt"),
    "Mt": (1.0, "Mt"),
    "%": (0.01, "fraction"),
    "万元/person": (1.0, "10k yuan per worker"),
    "万辆": (10.0, "thousand vehicles"),
    "万千瓦": (0.01, "GW"),
    # One weight case (重量箱) of flat glass is 50 kg: 1e4 cases = 0.0005 Mt.
    "万重量箱": (0.0005, "Mt"),
    "yuan/kWh": (1.0, "yuan/kWh"),
    "kWh AC per t": (1.0, "kWh/t"),
    "t/day": (1.0, "t/d"),
    "m ": (1.0, "m"),
    "MW": (1.0, "MW"),
}


@dataclass(frozen=True)
class Figure:
    """One sourced figure in project units.

    Attributes:
        key: The data key.
        year: The year (or period) the figure refers to, as published.
        value: The value in project units.
        unit: The project unit.
        source_title: Title of the source.
        source_url: Where the source was found.
        confidence: high, medium or low (see data/shandong/README.md).
    """

    key: str
    year: str
    value: float
    unit: str
    source_title: str
    source_url: str
    confidence: str


def convert(value: float, published_unit: str) -> tuple[float, str]:
    """Convert a published value into project units.

    Args:
        value: The number as published.
        published_unit: The unit column of the data file.

    Returns:
        The value in project units and the project unit's name. Units without a
        conversion (counts, km, yuan) are returned unchanged.
    """
    for prefix in sorted(UNIT_CONVERSIONS, key=len, reverse=True):
        if published_unit.startswith(prefix):
            factor, unit = UNIT_CONVERSIONS[prefix]
            return value * factor, unit
    return value, published_unit.split(" (", maxsplit=1)[0]


class DataBook:
    """All sourced figures, indexed by key and year.

    Args:
        data_dir: Folder holding the four CSV files.

    Raises:
        ConfigError: A file is missing, lacks a column or holds an unreadable row.
    """

    def __init__(self, data_dir: Path | str = DEFAULT_DATA_DIR) -> None:
        self.data_dir = Path(data_dir)
        self.rows: dict[tuple[str, str], dict[str, str]] = {}
        self.where: dict[tuple[str, str], str] = {}  # file and line of each row, to name duplicates
        for name in DATA_FILES:
            self._read(self.data_dir / name)

    def _read(self, path: Path) -> None:
        if not path.is_file():
            raise ConfigError("data_dir", str(self.data_dir), f"a folder holding {path.name}")
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise ConfigError(
                    f"data file {path.name}",
                    f"columns {reader.fieldnames}",
                    f"the columns {', '.join(COLUMNS)} (missing {', '.join(missing)})",
                )
            for line, row in enumerate(reader, start=2):
                if not row["key"] or row["value"] is None or None in row:
                    raise ConfigError(f"data file {path.name} line {line}", row.get("key"), "a complete row")
                where = self.where.get((row["key"], row["year"]))
                if where is not None:
                    raise ConfigError(
                        f"data file {path.name} line {line}",
                        f"{row['key']} ({row['year'] or 'no year'})",
                        f"one row per key and year (already at {where})",
                    )
                self.rows[(row["key"], row["year"])] = row
                self.where[(row["key"], row["year"])] = f"{path.name} line {line}"

    def years(self, key: str) -> list[str]:
        """Return the years for which ``key`` holds a figure."""
        return sorted(year for k, year in self.rows if k == key)

    def figure(self, key: str, year: str | int | None = None) -> Figure:
        """Return one figure in project units.

        Args:
            key: The data key.
            year: Which year, needed when the key is published for several years.

        Raises:
            ConfigError: The key is unknown, ambiguous without a year, or not numeric.
        """
        years = self.years(key)
        if not years:
            raise ConfigError("sd", key, "a key of the data files in data/shandong/")
        if year is None:
            if len(years) > 1:
                raise ConfigError("sd", key, f"a key with a year: one of {', '.join(years)}")
            year = years[0]
        year = str(year)
        if year not in years:
            raise ConfigError(f"sd:{key}", year, f"one of {', '.join(years)}")
        row = self.rows[(key, year)]
        try:
            raw = float(row["value"])
        except ValueError:
            raise ConfigError(f"sd:{key}", row["value"], "a numeric figure (this one needs parsing in code)") from None
        value, unit = convert(raw, row["unit"])
        return Figure(
            key=key,
            year=year,
            value=value,
            unit=unit,
            source_title=row["source_title"],
            source_url=row["source_url"],
            confidence=row["confidence"],
        )

    def text(self, key: str, year: str | int | None = None) -> str:
        """Return a figure's published value as text (for composite values)."""
        years = self.years(key)
        if not years:
            raise ConfigError("sd", key, "a key of the data files in data/shandong/")
        return self.rows[(key, str(year) if year is not None else years[0])]["value"]


def resolve_data_dir(configured: str | None) -> Path:
    """Return the data folder: the bundled one when ``configured`` is empty.

    A configured relative path is taken relative to the current directory, as a
    user typing it on the command line expects.
    """
    return Path(configured).resolve() if configured else DEFAULT_DATA_DIR


@functools.lru_cache(maxsize=8)
def databook(data_dir: str = str(DEFAULT_DATA_DIR)) -> DataBook:
    """Return the (cached) data book for a folder."""
    return DataBook(data_dir)


def _resolve_sd(key: str, year: str | int | None = None, *, _root_: object = None) -> float:
    """OmegaConf resolver ``${sd:KEY}`` / ``${sd:KEY,YEAR}``: a sourced figure in project units."""
    configured = _root_.get("data_dir", None) if _root_ is not None else None  # type: ignore[attr-defined]
    return databook(str(resolve_data_dir(configured))).figure(key, year).value


def register_resolver() -> None:
    """Register the ``sd`` resolver with OmegaConf (idempotent)."""
    from omegaconf import OmegaConf

    if not OmegaConf.has_resolver("sd"):
        OmegaConf.register_new_resolver("sd", _resolve_sd)
