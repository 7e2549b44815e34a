"""Agents of the Shandong model: firms and the government side. Imports only mesa and numpy."""

from agents.firms import Firm, GrowthFirm, OvercapacityFirm
from agents.government import City, ConversionFund, ProvincialGovernment, Regulator
from agents.population import ColumnStore

__all__ = [
    "City",
    "ColumnStore",
    "ConversionFund",
    "Firm",
    "GrowthFirm",
    "OvercapacityFirm",
    "ProvincialGovernment",
    "Regulator",
]
