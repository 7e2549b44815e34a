"""Agents of the Shandong model: firms and the government side. Imports only mesa and numpy."""

from agents.firms import Firm, GrowthFirm, Plant
from agents.fund import ConversionFund
from agents.government import City, ProvincialGovernment, Regulator
from agents.population import ColumnStore

__all__ = [
    "City",
    "ColumnStore",
    "ConversionFund",
    "Firm",
    "GrowthFirm",
    "Plant",
    "ProvincialGovernment",
    "Regulator",
]
