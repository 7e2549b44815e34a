"""Column store: firm state held in numpy columns, one row per firm.

This is the one place where the columnar mechanism lives. Rules of behaviour read
and write whole columns; each :class:`agents.firms.Firm` agent is a thin view onto
its row, so Mesa's tools see ordinary agents with ordinary attributes.

Columns are allocated with spare room so that entrants can be appended without
copying; ``store.revenue`` is a view of the filled rows (``[:n]``), and assigning
``store.revenue = x`` writes into it. The views are kept as instance attributes until
rows are appended, so that reading a column costs an ordinary attribute lookup (a quarter
reads a few hundred columns).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np


class ColumnStore:
    """Firm state in numpy columns.

    Args:
        schema: Column name -> numpy dtype.
        capacity: Rows to allocate up front; the store grows by doubling.
    """

    _schema: dict[str, np.dtype]
    _data: dict[str, np.ndarray]
    n: int  # filled rows

    def __init__(self, schema: Mapping[str, np.dtype | type], capacity: int) -> None:
        object.__setattr__(self, "_schema", {k: np.dtype(v) for k, v in schema.items()})
        object.__setattr__(self, "_data", {k: np.zeros(max(capacity, 1), dt) for k, dt in self._schema.items()})
        self._fill_to(0)

    @property
    def columns(self) -> tuple[str, ...]:
        """Names of the columns."""
        return tuple(self._schema)

    def __getattr__(self, name: str) -> np.ndarray:
        # Called only for a column not read since rows were last appended: keep its view.
        if name.startswith("_"):  # not a column (and no state yet while being unpickled)
            raise AttributeError(name)
        try:
            view = self._data[name][: self.n]
        except KeyError:
            raise AttributeError(f"no column {name!r}") from None
        self.__dict__[name] = view
        return view

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "n":
            self._fill_to(value)
        elif name in self._data:
            self._data[name][: self.n] = value
        else:
            raise AttributeError(f"no column {name!r}; columns are fixed by the schema")

    def __getstate__(self) -> dict[str, object]:
        # Copies and pickles carry the columns, not the kept views (which would not share
        # the copied columns' memory).
        return {"_schema": self._schema, "_data": self._data, "n": self.n}

    def _fill_to(self, n: int) -> None:
        """Set the number of filled rows; the kept column views no longer apply."""
        state = self.__dict__
        kept = {"_schema": state["_schema"], "_data": state["_data"], "n": n}
        state.clear()
        state.update(kept)

    def value(self, name: str, row: int) -> Any:
        """Return one cell as a Python scalar."""
        return self._data[name][row].item()

    def set_rows(self, name: str, rows: np.ndarray | int, values: np.ndarray | float | int | bool) -> None:
        """Write ``values`` (one per row, or one for all) into column ``name`` at ``rows``."""
        self._data[name][rows] = values

    def append(self, count: int, values: Mapping[str, np.ndarray | float | int | bool]) -> np.ndarray:
        """Append ``count`` rows and return their indices.

        Args:
            count: Number of rows.
            values: Column -> values for the new rows; unnamed columns are zero.
        """
        unknown = set(values) - set(self._data)
        if unknown:
            raise KeyError(f"unknown columns {sorted(unknown)}")
        start, stop = self.n, self.n + count
        allocated = len(next(iter(self._data.values())))
        if stop > allocated:
            new_size = max(stop, 2 * allocated)
            for name, column in self._data.items():
                grown = np.zeros(new_size, column.dtype)
                grown[:start] = column[:start]
                self._data[name] = grown
        for name, column in self._data.items():
            column[start:stop] = values.get(name, 0)
        self._fill_to(stop)
        return np.arange(start, stop)

    def snapshot(self) -> dict[str, np.ndarray]:
        """Return a copy of all filled columns."""
        return {name: column[: self.n].copy() for name, column in self._data.items()}


class Block:
    """A view of rows ``start:stop`` of a column store, with the same column attributes.

    Rules written for a store work on a block unchanged: ``block.revenue`` is a view of
    the block's rows (kept, like the store's), ``block.n`` their number, and
    ``set_rows`` takes row numbers within the block.
    """

    _store: ColumnStore
    start: int
    stop: int
    n: int

    def __init__(self, store: ColumnStore, start: int, stop: int) -> None:
        self.__dict__.update(_store=store, start=start, stop=stop, n=stop - start)

    def __getattr__(self, name: str) -> np.ndarray:
        # Called only for a column not read yet in this block: keep its view.
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            view = self._store._data[name][self.start : self.stop]
        except KeyError:
            raise AttributeError(f"no column {name!r}") from None
        self.__dict__[name] = view
        return view

    def __setattr__(self, name: str, value: Any) -> None:
        self._store._data[name][self.start : self.stop] = value

    def __getstate__(self) -> dict[str, object]:
        return {"_store": self._store, "start": self.start, "stop": self.stop, "n": self.n}

    def set_rows(self, name: str, rows: np.ndarray, values: np.ndarray | float | int | bool) -> None:
        """Write ``values`` into column ``name`` at ``rows``, numbered within the block."""
        self._store._data[name][self.start + rows] = values
