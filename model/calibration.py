"""Calibration tables: the per-sector and per-city starting state, kept as CSV files.

``conf/calibration/<name>/`` holds five tables:

* ``overcapacity.csv`` and ``growth.csv``: one row per parameter, one column per
  sector, with its unit, description and source (``sd:KEY`` cells take a sourced figure
  from ``data/shandong``, converted into project units);
* ``segments.csv``: plant segments of each overcapacity sector and their scale metrics;
* ``cities.csv``: the 16 cities and their geography;
* ``city_weights.csv``: where each sector's plants are, for sectors not placed by GDP.

Tables are read once per process. Individual values stay overridable from the command
line, e.g. ``+calibration.overcapacity.steel.capacity=90`` or
``+calibration.growth.next_gen_it.rd_rate=0.03``: the overrides are applied on top of the
tables and checked against the same schema (``model.schema``) before any simulation.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import re
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from model.data import databook, resolve_data_dir
from model.errors import ConfigError, one_of
from model.names import GROWTH_SECTORS, OVERCAPACITY_SECTORS
from model.params import Params
from model.schema import CONF_DIR, CityConfig, GrowthSectorConfig, OvercapacitySectorConfig, SegmentConfig

TABLES = ("cities.csv", "overcapacity.csv", "growth.csv", "segments.csv", "city_weights.csv")
# Columns every table must have (the sector tables also need one column per sector).
KEY_COLUMNS = {
    "cities.csv": ("city",),
    "overcapacity.csv": ("parameter", *OVERCAPACITY_SECTORS),
    "growth.csv": ("parameter", *GROWTH_SECTORS),
    "segments.csv": ("sector", "segment"),
    "city_weights.csv": ("city",),
}
# The columns naming a row: a second row with the same names is a mistake, not an override.
DUPLICATE_KEYS = {
    "cities.csv": ("city",),
    "overcapacity.csv": ("parameter",),
    "growth.csv": ("parameter",),
    "segments.csv": ("sector", "segment"),
    "city_weights.csv": ("city",),
}
# {block: {item: {field: Cell}}}; an overcapacity sector's ``segments`` field holds
# {segment: {field: Cell}} and its ``city_weights`` field {city: Cell}.
Cells = dict[str, dict[str, dict[str, Any]]]
_SD = re.compile(r"^sd:([A-Za-z0-9_]+)(?:,\s*(\S+))?$")


@dataclasses.dataclass(frozen=True)
class Cell:
    """A table value as written, with where it sits and what it means."""

    text: str
    unit: str = ""
    description: str = ""
    source: str = ""


def table_dir(name: str) -> Path:
    """Folder of a calibration's tables (relative names are under conf/calibration/)."""
    path = Path(name)
    return path if path.is_absolute() else CONF_DIR / "calibration" / path


@functools.lru_cache(maxsize=8)
def _read(folder: str, stamp: tuple[float, ...]) -> dict[str, list[dict[str, str]]]:
    del stamp  # part of the cache key: a changed file is read again
    tables = {}
    for name in TABLES:
        with (Path(folder) / name).open(encoding="utf-8", newline="") as handle:
            tables[name] = list(csv.DictReader(handle))
    return tables


def read_tables(folder: Path) -> dict[str, list[dict[str, str]]]:
    """The raw rows of a calibration's tables (cached while the files are unchanged)."""
    missing = [name for name in TABLES if not (folder / name).is_file()]
    if missing:
        raise ConfigError("calibration.tables", str(folder), f"a folder holding {', '.join(TABLES)}")
    stamp = tuple((folder / name).stat().st_mtime for name in TABLES)
    return _read(str(folder), stamp)


def cells(tables: Mapping[str, list[dict[str, str]]], folder: Path) -> Cells:
    """Table cells as {block: {item: {field: Cell}}} (blocks: cities, overcapacity, growth)."""
    for file, columns in KEY_COLUMNS.items():
        header = list(tables[file][0]) if tables[file] else []
        absent = [column for column in columns if column not in header]
        if absent:
            raise ConfigError(f"{folder.name}/{file}", f"columns {header}", f"a table with a column {absent[0]!r}")
    for file, columns in DUPLICATE_KEYS.items():
        seen: dict[tuple[str, ...], int] = {}
        for line, row in enumerate(tables[file], start=2):
            key = tuple(row.get(column) or "" for column in columns)
            if key in seen:
                raise ConfigError(
                    f"{folder.name}/{file} line {line}",
                    "/".join(key),
                    f"one row per {' and '.join(columns)} (already at line {seen[key]})",
                )
            seen[key] = line
    out: Cells = {"cities": {}, "overcapacity": {}, "growth": {}}
    for row in tables["cities.csv"]:
        out["cities"][row["city"]] = {k: Cell(v) for k, v in row.items() if k != "city"}
    for block, names, file in (
        ("overcapacity", OVERCAPACITY_SECTORS, "overcapacity.csv"),
        ("growth", GROWTH_SECTORS, "growth.csv"),
    ):
        rows = tables[file]
        for name in names:
            out[block][name] = {
                row["parameter"]: Cell(
                    row[name], row.get("unit", ""), row.get("description", ""), row.get("source", "")
                )
                for row in rows
            }
    for name in OVERCAPACITY_SECTORS:
        out["overcapacity"][name]["segments"] = {}
        out["overcapacity"][name]["city_weights"] = {}
    for row in tables["segments.csv"]:
        sector = row["sector"]
        if sector not in OVERCAPACITY_SECTORS:
            raise ConfigError(
                f"{folder.name}/segments.csv sector",
                sector,
                one_of("overcapacity sector", OVERCAPACITY_SECTORS),
            )
        out["overcapacity"][sector]["segments"][row["segment"]] = {
            k: Cell(v) for k, v in row.items() if k not in ("sector", "segment")
        }
    weights = tables["city_weights.csv"]
    for column in weights[0] if weights else {}:
        if column == "city":
            continue
        if column not in OVERCAPACITY_SECTORS:
            raise ConfigError(
                f"{folder.name}/city_weights.csv column",
                column,
                one_of("overcapacity sector", OVERCAPACITY_SECTORS),
            )
        out["overcapacity"][column]["city_weights"] = {row["city"]: Cell(row[column]) for row in weights}
    return out


def _convert(text: Any, kind: Any, key: str, data_dir: str | None) -> Any:
    """Convert a table cell (or an override) to the schema type of its field."""
    origin = typing.get_origin(kind)
    if origin is list:
        items = list(text) if isinstance(text, list | tuple) else [t for t in str(text).split(";") if t.strip()]
        return [_convert(item, typing.get_args(kind)[0], key, data_dir) for item in items]
    if isinstance(text, str):
        text = text.strip()
        match = _SD.match(text)
        if match and kind in (float, int):
            figure = databook(str(resolve_data_dir(data_dir))).figure(match.group(1), match.group(2))
            return figure.value
    try:
        if kind is bool:
            if isinstance(text, bool):
                return text
            if str(text).lower() in ("true", "false"):
                return str(text).lower() == "true"
            raise ValueError
        if kind is int:
            value = float(text)
            if value != int(value):
                raise ValueError
            return int(value)
        if kind is float:
            if isinstance(text, bool):
                raise ValueError
            return float(text)
    except (TypeError, ValueError):
        expected = {bool: "true or false", int: "an integer", float: "a number"}[kind]
        raise ConfigError(key, text, expected) from None
    return str(text)


_SCHEMAS = {"cities": CityConfig, "overcapacity": OvercapacitySectorConfig, "growth": GrowthSectorConfig}


def _build(raw: Mapping[str, Any], schema: type, key: str, data_dir: str | None) -> Params:
    hints = typing.get_type_hints(schema)
    fields = [f.name for f in dataclasses.fields(schema)]
    for name in raw:
        if name not in fields:
            raise ConfigError(
                f"{key}.{name}",
                raw[name] if not isinstance(raw[name], Cell) else raw[name].text,
                one_of(f"field of {schema.__name__}", fields),
            )
    out = Params()
    for name in fields:
        if name not in raw:
            raise ConfigError(f"{key}.{name}", "missing", "a value in the calibration tables")
        value = raw[name]
        if name == "segments":
            out[name] = Params(
                {seg: _build(v, SegmentConfig, f"{key}.segments.{seg}", data_dir) for seg, v in value.items()}
            )
        elif name == "city_weights":
            out[name] = {
                city: _convert(v.text if isinstance(v, Cell) else v, float, f"{key}.city_weights.{city}", data_dir)
                for city, v in value.items()
                if _convert(v.text if isinstance(v, Cell) else v, float, key, data_dir) > 0
            }
        else:
            out[name] = _convert(
                value.text if isinstance(value, Cell) else value, _field_type(hints[name]), f"{key}.{name}", data_dir
            )
    return out


def _field_type(hint: Any) -> Any:
    """The plain type of a schema annotation (Optional stripped)."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if typing.get_origin(hint) in (typing.Union, getattr(__import__("types"), "UnionType", None)) and args:
        return args[0]
    return hint


def _merge(base: Any, override: Any) -> Any:
    if isinstance(base, dict) and isinstance(override, Mapping):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = _merge(base.get(key), value) if key in base else value
        return merged
    return override


def resolve(cal: Mapping[str, Any], data_dir: str | None = None) -> Params:
    """The calibration with its tables read, overrides applied, and every value typed.

    Args:
        cal: The ``calibration`` config (Params or plain mapping), with ``tables`` and the
            override blocks ``cities``, ``overcapacity`` and ``growth``.
        data_dir: Folder of the data files (None: the bundled one), for ``sd:`` cells.

    Raises:
        ConfigError: A table is missing or malformed, or an override names an unknown
            sector, city or field, or a value of the wrong type.
    """
    folder = table_dir(str(cal["tables"]))
    blocks = cells(read_tables(folder), folder)
    out = Params({k: v for k, v in cal.items() if k not in _SCHEMAS})
    for block, schema in _SCHEMAS.items():
        overrides = cal.get(block) or {}
        known = list(blocks[block])
        for item in overrides:
            if item not in known:
                what = {"cities": "city", "overcapacity": "overcapacity sector", "growth": "ten-strong industry"}[block]
                raise ConfigError(f"calibration.{block}.{item}", item, one_of(what, known))
        merged = {item: _merge(blocks[block][item], overrides.get(item, {})) for item in known}
        out[block] = Params(
            {item: _build(values, schema, f"calibration.{block}.{item}", data_dir) for item, values in merged.items()}
        )
    return out


def table_cells(cal: Mapping[str, Any]) -> Cells:
    """Cells of a calibration's tables, for the parameter registry and the README."""
    folder = table_dir(str(cal["tables"]))
    return cells(read_tables(folder), folder)
