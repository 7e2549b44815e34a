"""Shandong new-old driver conversion model (2018-2022)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from model.api import simulate
    from model.model import ShandongModel

__all__ = ["ShandongModel", "simulate"]


def __getattr__(name: str) -> Any:
    """Import the model (Mesa, pandas) on first use: the config tools do not need it.

    A sweep's main process composes and checks configs but never builds a model; not
    importing Mesa there saves about half a second before the workers start.
    """
    if name == "ShandongModel":
        from model.model import ShandongModel

        return ShandongModel
    if name == "simulate":
        from model.api import simulate

        return simulate
    raise AttributeError(f"module 'model' has no attribute {name!r}")
