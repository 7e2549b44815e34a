"""What the instruments and the accounts may touch of the model, declared once.

The instruments (``model.instruments``) and the accounts (``model.accounts``) see the
model through :class:`ModelView`, as PyPSA's consistency checks see a network through
an abstract type: they import this module, never ``model.model``, so no import runs
back up, and whatever else the model holds is not theirs to reach.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from agents.firms import ExitReason
from agents.fund import ConversionFund
from agents.government import City, ProvincialGovernment, Regulator
from agents.population import ColumnStore
from model.config import Params
from model.contexts import GrowthPaths
from model.environment import Environment
from model.markets import Markets
from model.tallies import Tallies
from model.world import World


class ModelView(Protocol):
    """The model as the instruments and the accounts see it (``ShandongModel`` provides it)."""

    params: Params  # the resolved config
    world: World  # cities and sectors as arrays
    quarter: int  # the current quarter (0 = 2017Q4)
    plants: ColumnStore  # the overcapacity sectors' plants
    firms: ColumnStore  # the ten strong industries' firms
    cities: list[City]
    environment: Environment  # what plants face this quarter
    regulator: Regulator
    fund: ConversionFund
    government: ProvincialGovernment
    markets: Markets  # the overcapacity sectors' prices
    growth: GrowthPaths  # the ten industries' exogenous paths
    tallies: Tallies  # cumulative counts since 2017

    def close_plants(self, rows: np.ndarray, reason: ExitReason, compensation: float = 0.0) -> None:
        """Close plants: capacity leaves, workers are released, agents leave the model."""
        ...

    def build_steel_plants(self, capacity_by_city: np.ndarray) -> None:
        """Commission rebuilt steel capacity [Mt/yr by city] as new best-practice plants."""
        ...
