"""Result files that describe themselves: parquet metadata, typed columns, units and thresholds.

Every parquet file the project writes carries, in its file metadata under ``shandong_abm``,
what produced it (seed, mix, scenario, scale, code version, ...; for a collected sweep the
sets of them). Text columns are stored dictionary-encoded, so they read back as pandas
categoricals. A collected sweep's ``runs.parquet`` has numeric parameter columns, no column
that is empty in every run, and per column field metadata (unit, description; for a
target's columns its threshold, comparison and due quarter), which ``indicators.csv``
beside it repeats as a table.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from model.indicators import INDICATORS

METADATA_KEY = b"shandong_abm"
TEXT = pa.dictionary(pa.int32(), pa.string())  # text columns: read back as pandas categoricals
PARAMETERS = Path(__file__).resolve().parents[2] / "model" / "registry" / "parameters.csv"


def file_metadata(path: Path) -> dict[str, Any]:
    """The ``shandong_abm`` metadata of a parquet file (its footer's key-value metadata)."""
    return json.loads(pq.read_metadata(path).metadata[METADATA_KEY])


def encode(value: Mapping[str, Any]) -> dict[bytes, bytes]:
    """Metadata as parquet keeps it: the project's key, JSON."""
    return {METADATA_KEY: json.dumps(value, sort_keys=True, default=str).encode()}


def arrow_table(
    frame: pd.DataFrame, info: Mapping[str, Any] | None = None, fields: Mapping[str, Mapping[str, Any]] | None = None
) -> pa.Table:
    """A frame as an arrow table: text columns dictionary-encoded, file and field metadata attached.

    Args:
        frame: The table (its index is not kept).
        info: File metadata (kept under ``shandong_abm``).
        fields: Column -> metadata (unit, description, ...), kept on the column's field.
    """
    columns, schema = [], []
    for name in frame.columns:
        series = frame[name]
        array = pa.array(series, from_pandas=True)  # text in a categorical column is a dictionary already
        if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
            array = array.cast(pa.string()).dictionary_encode()
        if pa.types.is_dictionary(array.type):  # one index width in every file and row group
            array = array.cast(TEXT)
        meta = {k: json.dumps(v, default=str) for k, v in (fields or {}).get(str(name), {}).items()}
        columns.append(array)
        schema.append(pa.field(str(name), array.type, metadata=meta or None))
    return pa.Table.from_arrays(columns, schema=pa.schema(schema, metadata=encode(info) if info else None))


def write_parquet(
    frame: pd.DataFrame,
    path: Path,
    info: Mapping[str, Any] | None = None,
    fields: Mapping[str, Mapping[str, Any]] | None = None,
) -> None:
    """Write a frame as a self-describing parquet file (see :func:`arrow_table`)."""
    pq.write_table(arrow_table(frame, info, fields), path, compression="zstd")


def field_metadata(path: Path) -> dict[str, dict[str, Any]]:
    """Per column, the field metadata of a parquet file (values decoded from JSON)."""
    schema = pq.read_schema(path)
    return {f.name: {k.decode(): json.loads(v) for k, v in (f.metadata or {}).items()} for f in schema if f.metadata}


def numeric_columns(frame: pd.DataFrame, prefix: str = "param.") -> pd.DataFrame:
    """The ``prefix`` columns as numbers where every value given is one (``param.scale`` a float)."""
    for column in [c for c in frame.columns if str(c).startswith(prefix)]:
        numbers = pd.to_numeric(frame[column], errors="coerce")
        if numbers[frame[column].notna()].notna().all() and frame[column].notna().any():
            frame[column] = numbers
    return frame


def without_empty_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame without the columns that hold no value in any row (``error`` when no run failed)."""
    return frame.loc[:, frame.notna().any(axis=0)]


def _parameters() -> dict[str, dict[str, str]]:
    with PARAMETERS.open(encoding="utf-8", newline="") as handle:
        return {row["key"]: row for row in csv.DictReader(handle)}


def run_columns(
    columns: list[str], units: Mapping[tuple[str, str], str], targets: Mapping[str, Mapping[str, Any]]
) -> dict[str, dict[str, Any]]:
    """What each column of ``runs.parquet`` holds: unit, description, and a target's threshold.

    Args:
        columns: The table's columns.
        units: ``(indicator, sector)`` -> unit, from a finished run's series.
        targets: Target id -> its scorecard row (indicator, sector, comparison, target, upper,
            date, label, unit).
    """
    registry = _parameters()
    described: dict[str, dict[str, Any]] = {}
    for column in columns:
        kind, _, rest = column.partition(".")
        if kind == "final" and rest:
            indicator, _, sector = rest.partition("[")
            sector = sector.rstrip("]") or "all"
            found = INDICATORS.get(indicator)
            described[column] = {
                "kind": "indicator in 2022Q4",
                "indicator": indicator,
                "sector": sector,
                "unit": units.get((indicator, sector), found.unit if found else ""),
                "description": found.description if found else "",
            }
        elif kind in ("met", "value") and rest in targets:
            t = targets[rest]
            upper = t.get("upper")
            described[column] = {
                "kind": "target met (bool)" if kind == "met" else "target's simulated value",
                "target": rest,
                "indicator": t["indicator"],
                "sector": t["sector"],
                "unit": t.get("unit", "") if kind == "value" else "-",
                "comparison": t["comparison"],
                "threshold": float(t["target"]),
                "upper": None if upper is None or pd.isna(upper) else float(upper),
                "due": t.get("date", ""),
                "description": t["label"],
            }
        elif kind == "param" or column in ("seed", "scale"):
            key = rest if kind == "param" else column
            entry = registry.get(key, {})
            described[column] = {
                "kind": "parameter",
                "key": key,
                "unit": entry.get("unit", ""),
                "description": entry.get("description", ""),
            }
    return described


def write_columns_csv(path: Path, described: Mapping[str, Mapping[str, Any]]) -> None:
    """``indicators.csv``: one row per described column of ``runs.parquet``."""
    names = ["column", "kind", "indicator", "sector", "target", "key", "unit", "comparison", "threshold", "upper"]
    names += ["due", "description"]
    rows = [{"column": column, **{k: v for k, v in meta.items() if k in names}} for column, meta in described.items()]
    pd.DataFrame(rows, columns=names).to_csv(path, index=False)
