"""Shandong new-old driver conversion model (2018-2022)."""

from model.model import ShandongModel

__all__ = ["ShandongModel"]
