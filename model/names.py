"""Names everyone needs: the sectors, in the order every per-sector array follows, and config words.

The config words are what a standard rule may bound and how the fund may select firms.

The ground floor of ``model/``: it imports nothing of the project, so that the schema,
the validation, the calibration tables, the indicator registry, the world and the
accounts can all use it without importing one another.
"""

from __future__ import annotations

OVERCAPACITY_SECTORS = (
    "steel",
    "coal",
    "electrolytic_aluminium",
    "coal_power",
    "building_materials",
    "low_speed_ev",
)
GROWTH_SECTORS = (
    "next_gen_it",
    "high_end_equipment",
    "new_energy_materials",
    "modern_marine",
    "health_care",
    "high_end_chemicals",
    "modern_agriculture",
    "culture_creative",
    "boutique_tourism",
    "modern_finance",
)
SECTORS = OVERCAPACITY_SECTORS + GROWTH_SECTORS
N_OVERCAPACITY, N_GROWTH = len(OVERCAPACITY_SECTORS), len(GROWTH_SECTORS)

# What a standard rule may bound (policy_mix.instruments.standards.rules.*.dimension).
STANDARD_DIMENSIONS = ("plant_scale", "energy_quota", "emission", "safety")
# How the conversion fund picks among screened firms (policy_mix.instruments.conversion_fund.selection).
SELECTION_RULES = ("quality", "random")
