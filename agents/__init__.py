"""Agents of the Shandong model: firms and the government side. Imports only mesa and numpy."""

from agents.firms import Firm
from agents.fund import ConversionFund
from agents.government import City, ProvincialGovernment, Regulator
from agents.growth_firms import GrowthFirm
from agents.plants import Plant
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
