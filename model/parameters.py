"""The parameter registry: every number of the config with its unit and source.

``model/registry/parameters.csv`` declares each parameter once (key, unit,
description, source, range); a ``*`` in a key stands for one path element (a sector, a
city, a quarter), and the most specific row wins. The range is an interval such as
``[0, 1]`` or ``(0, 1e5]``, checked before anything runs (:func:`model.validation.check_ranges`);
values must be finite unless an end is ``inf`` and closed. A row with an empty unit only
declares the range of a value whose unit and source are in a calibration table or the data.
A value written as ``${sd:KEY}`` in the config takes its unit and source from the data files
instead. :func:`describe` lists
every numeric value of a composed config with its unit and source; the tests require
that none is missing, and the README's table is generated from it.
"""

from __future__ import annotations

import csv
import functools
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, ListConfig, Node, OmegaConf

from model.data import databook, resolve_data_dir

REGISTRY = Path(__file__).resolve().parent / "registry" / "parameters.csv"
TABLE_BLOCKS = ("cities", "overcapacity", "growth")
_SD = re.compile(r"^\$\{sd:([A-Za-z0-9_]+)(?:,\s*([^}]+))?\}$")


@dataclass(frozen=True)
class Parameter:
    """One registry row."""

    key: str
    unit: str
    description: str
    source: str
    range: str = ""

    @functools.cached_property
    def interval(self) -> Interval | None:
        """The declared range, or None."""
        return Interval.parse(self.range) if self.range else None

    @functools.cached_property
    def pattern(self) -> tuple[str, ...]:
        """The key's parts (``*`` matches any one part)."""
        return tuple(self.key.split("."))

    @property
    def specificity(self) -> tuple[int, int]:
        """Rows with fewer wildcards (then longer keys) win."""
        return (-self.key.count("*"), len(self.key))

    def matches(self, path: str) -> bool:
        """Whether this row's key covers a dotted path."""
        return self.covers(tuple(path.split(".")))

    def covers(self, parts: tuple[str, ...]) -> bool:
        """Whether this row's key covers a path given as its parts."""
        pattern = self.pattern
        return len(pattern) == len(parts) and all(p in ("*", q) for p, q in zip(pattern, parts, strict=True))


@dataclass(frozen=True)
class Interval:
    """A declared range: ``[low, high]`` with each end open or closed."""

    low: float
    high: float
    low_closed: bool
    high_closed: bool
    text: str

    @classmethod
    def parse(cls, text: str) -> Interval:
        """Read ``[0, 1]``, ``(0, inf)``, ``[1, 1e6]``..."""
        match = re.fullmatch(r"\s*([\[(])\s*([^,]+),\s*([^\])]+)\s*([\])])\s*", text)
        if match is None:
            raise ValueError(f"malformed range {text!r} in {REGISTRY.name}: expected e.g. [0, 1] or (0, inf)")
        left, low, high, right = match.groups()
        return cls(float(low), float(high), left == "[", right == "]", text.strip())

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, int | float) or isinstance(value, bool) or math.isnan(value):
            return False
        if math.isinf(value) and not ((value > 0 and self.high_closed) or (value < 0 and self.low_closed)):
            return False
        above = value >= self.low if self.low_closed else value > self.low
        below = value <= self.high if self.high_closed else value < self.high
        return above and below

    def describe(self) -> str:
        """'a finite number in [0, 1]' (the ``allowed`` of a ConfigError)."""
        infinite = (math.isinf(self.low) and self.low_closed) or (math.isinf(self.high) and self.high_closed)
        return f"{'a number' if infinite else 'a finite number'} in {self.text}"


def load_registry(path: Path = REGISTRY) -> list[Parameter]:
    """Read the parameter registry."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [Parameter(**row) for row in csv.DictReader(handle)]


def lookup(path: str, registry: list[Parameter] | None = None) -> Parameter | None:
    """The registry row covering a config path, or None."""
    parts = tuple(path.split("."))
    rows = [row for row in (registry or load_registry()) if row.covers(parts)]
    return max(rows, key=lambda row: row.specificity) if rows else None


def numeric_leaves(cfg: DictConfig) -> Iterator[tuple[str, Any, Any]]:
    """Every numeric value of a config: (dotted path, raw value, resolved value).

    A list of numbers is one leaf; the raw value is the interpolation string when the
    value comes from ``${sd:...}``.
    """

    def walk(node: Any, path: str) -> Iterator[tuple[str, Any, Any]]:
        if isinstance(node, DictConfig):
            for key in node:
                name = str(key)
                yield from walk(node._get_node(key), f"{path}.{name}" if path else name)
        elif isinstance(node, ListConfig):
            items = _items(node)
            raw = [item._value() for item in items]
            resolved = OmegaConf.to_container(node, resolve=True)
            if raw and all(_is_number(v) or _is_sd(v) for v in raw):
                yield path, raw, resolved
            else:
                for i, item in enumerate(items):
                    yield from walk(item, f"{path}[{i}]")
        else:
            raw = node._value()
            if _is_number(raw) or _is_sd(raw):
                yield path, raw, node._dereference_node()._value() if _is_sd(raw) else raw

    yield from walk(cfg, "")


def config_numbers(cfg: DictConfig) -> Iterator[tuple[str, Any]]:
    """(path, number) of every number of a config, list items one by one, outside the tables and estimates."""
    for path, _raw, value in numeric_leaves(cfg):
        block = path.split(".")[1] if path.startswith("calibration.") else ""
        if block in TABLE_BLOCKS or block == "estimation":
            continue  # table overrides are checked with the tables; estimates are provenance
        if isinstance(value, list):
            yield from ((f"{path}[{i}]", item) for i, item in enumerate(value))
        else:
            yield path, value


def table_numbers(node: Any, path: str) -> Iterator[tuple[str, Any]]:
    """(path, number) of every number in a resolved calibration table entry (list items one by one)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from table_numbers(value, f"{path}.{key}")
    elif isinstance(node, list):
        yield from ((f"{path}[{i}]", item) for i, item in enumerate(node) if _is_number(item))
    elif _is_number(node):
        yield path, node


def _items(node: ListConfig) -> list[Node]:
    """The nodes of a list, interpolations unresolved (an index of a list is one node)."""
    return [item for i in range(len(node)) if isinstance(item := node._get_node(i), Node)]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_sd(value: Any) -> bool:
    return isinstance(value, str) and _SD.match(value) is not None


def data_source(raw: Any, data_dir: str | None = None) -> tuple[str, str]:
    """Unit and source line of ``${sd:...}`` value(s): data key, year, title and address."""
    items = raw if isinstance(raw, list) else [raw]
    book = databook(str(resolve_data_dir(data_dir)))
    parts, units = [], []
    for item in items:
        match = _SD.match(item) if isinstance(item, str) else None
        if match is None:
            continue
        key, year = match.groups()
        figure = book.figure(key, year.strip() if year else None)
        parts.append(f"data: {key} ({figure.year}), {figure.source_title} <{figure.source_url}>")
        units.append(figure.unit)
    return (units[0] if units else ""), "; ".join(parts)


@dataclass(frozen=True)
class Described:
    """A config value with its unit and source."""

    path: str
    value: Any
    unit: str
    source: str
    registry_key: str | None


def describe(cfg: DictConfig) -> list[Described]:
    """Every numeric value of a config and its calibration tables, with unit and source.

    ``source`` is empty when neither the registry nor the tables give one.
    """
    from model.calibration import resolve, table_cells
    from model.params import as_params

    registry = load_registry()
    rows = []
    data_dir = cfg.get("data_dir")
    calibration = as_params(cfg.calibration)
    resolved = resolve(calibration, data_dir)
    cells = table_cells(calibration)
    for block in TABLE_BLOCKS:
        for item, values in resolved[block].items():
            rows.extend(_describe_table(block, item, values, cells[block][item], registry, data_dir))
    for path, raw, value in numeric_leaves(cfg):
        if path.split(".")[:2] in (["calibration", block] for block in TABLE_BLOCKS):
            continue  # overrides of table values are described with the tables
        if path.startswith("calibration.estimation."):
            continue  # the provenance of estimates, not a parameter
        row = lookup(path, registry)
        data_unit, from_data = data_source(raw, data_dir) if (_is_sd(raw) or isinstance(raw, list)) else ("", "")
        unit = row.unit if row and row.unit else data_unit
        source = from_data or (row.source if row else "")
        if from_data and row and isinstance(raw, list) and not all(_is_sd(v) for v in raw):
            source = f"{row.source}; {from_data}"
        rows.append(Described(path, value, unit, source, row.key if row else None))
    return [_mark_estimated(row, cfg) for row in rows]


def _mark_estimated(row: Described, cfg: DictConfig) -> Described:
    """Say in its source that a value was estimated by experiments.calibrate, with its standard error."""
    estimation = cfg.calibration.get("estimation") or {}
    for name, entry in (estimation.get("parameters") or {}).items():
        if entry.get("key") == row.path:
            se = entry.get("standard_error")
            detail = f"s.e. {se:.3g}" if se is not None else "s.e. not identified"
            source = (
                f"estimated by experiments.calibrate ({name}: method of simulated moments on 2018-2019 "
                f"observations, {detail}); before estimation: {row.source}"
            )
            return Described(row.path, row.value, row.unit, source, row.registry_key)
    return row


def _describe_table(
    block: str, item: str, values: dict, cells: dict, registry: list[Parameter], data_dir: str | None
) -> list[Described]:
    """Numeric values of one table column (a sector or city) with the table's unit and source."""
    rows = []

    def add(path: str, value: Any, cell: Any) -> None:
        if not (_is_number(value) or (isinstance(value, list) and value and all(_is_number(v) for v in value))):
            return
        text = getattr(cell, "text", "")
        if text.startswith("sd:"):
            key, _, year = text[3:].partition(",")
            unit, source = data_source(f"${{sd:{key}{',' + year if year else ''}}}", data_dir)
        elif getattr(cell, "source", ""):
            unit, source = cell.unit, cell.source
        else:
            row = lookup(path, registry)
            unit, source = (row.unit, row.source) if row else ("", "")
        key = f"calibration.{block}.*.{path.split('.', 3)[3]}" if getattr(cell, "source", "") else None
        rows.append(
            Described(
                path, value, unit, source, key or (lookup(path, registry) or Parameter("", "", "", "")).key or path
            )
        )

    base = f"calibration.{block}.{item}"
    for field, value in values.items():
        if field == "segments":
            for segment, seg_values in value.items():
                for name, seg_value in seg_values.items():
                    add(
                        f"{base}.segments.{segment}.{name}",
                        seg_value,
                        cells.get("segments", {}).get(segment, {}).get(name),
                    )
        elif field == "city_weights":
            for city, weight in value.items():
                add(f"{base}.city_weights.{city}", weight, None)
        else:
            add(f"{base}.{field}", value, cells.get(field))
    return rows
