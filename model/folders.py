"""Folder names of runs: built from config values, and never leaving the folder they belong in.

Registered as resolvers of the config (``${run_name:...}``, ``${safe_name:...}``,
``${run_folder:...}``) by :func:`model.schema.register_configs`.
"""

from __future__ import annotations

import re


def run_folder(overrides: str, seed: int) -> str:
    """Sweep subfolder of a run: its overrides (seed excluded), then its seed.

    ``policy_mix=fund_only/seed=3``; ``seed=3`` when nothing else was overridden.
    """
    return f"{safe_name(overrides)}/seed={seed}" if overrides else f"seed={seed}"


def run_name(overrides: str, scenario: str, mix: str, seed: int) -> str:
    """A single run's folder name: scenario, mix, the other overrides (``key`` + value), seed.

    ``weak_demand_intensified_seed0``; ``baseline_as_enacted_surcharge_scale2_seed0``.
    """
    shown = ("policy_mix=", "scenario=", "output.", "hydra.")  # named already, or not a model setting
    others = [item for item in overrides.split(",") if item and not item.startswith(shown)]
    parts = [scenario, mix] + [
        re.sub(r"[^A-Za-z0-9._-]+", "-", k.split(".")[-1] + v) for k, _, v in (o.partition("=") for o in others)
    ]
    return "_".join(parts)[:150] + f"_seed{seed}"


def safe_name(value: object) -> str:
    """A value made safe as one folder name: no path separator, no ``..``, no leading dot.

    ``../x`` becomes ``_._x``: a folder name that stays inside its parent.
    """
    text = re.sub(r"[/\\\x00]", "_", str(value))
    text = text.replace("..", "_.")
    return re.sub(r"^\.", "_", text) or "_"
