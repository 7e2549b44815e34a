"""The overview figure of one run: what a planner reads at a glance."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd

from model.names import OVERCAPACITY_SECTORS

TARGET_STYLE = {"color": "crimson", "linestyle": "--", "linewidth": 1.2}
LABELS = {
    "steel": "Steel",
    "coal": "Coal",
    "electrolytic_aluminium": "Aluminium",
    "coal_power": "Coal power",
    "building_materials": "Cement & glass",
    "low_speed_ev": "Low-speed EVs",
}


def _series(ts: pd.DataFrame, indicator: str, sector: str = "all", city: str = "all") -> pd.Series:
    rows = ts[(ts["indicator"] == indicator) & (ts["sector"] == sector) & (ts["city"] == city)]
    return rows.set_index("date")["value"].sort_index()


def _target(card: pd.DataFrame, indicator: str, sector: str = "all") -> pd.Series | None:
    rows = card[(card["indicator"] == indicator) & (card["sector"] == sector)]
    return None if rows.empty else rows.iloc[0]


def _mark_target(ax: plt.Axes, target: pd.Series | None, label: str) -> None:
    if target is None:
        return
    if target["comparison"] == "between":
        ax.axhspan(target["target_value"], target["upper"], color="crimson", alpha=0.08, label=label)
    else:
        ax.axhline(target["target_value"], label=label, **TARGET_STYLE)


def overview(ts: pd.DataFrame, card: pd.DataFrame, summary: Mapping[str, Any], path: Path) -> None:
    """Draw the six-panel overview of a run into ``path`` (PNG).

    Panels: steel output and capacity against the output cap; coal capacity against its
    cap; utilisation of the overcapacity sectors against the reasonable band; the
    new-economy share and R&D intensity against their targets; recognised firms
    against their targets; the fund's money by state.
    """
    fig, axes = plt.subplots(2, 3, figsize=(15, 8.5), constrained_layout=True)
    run = summary["run"]
    met = int(card["met"].sum())
    fig.suptitle(
        f"Shandong new-old driver conversion, 2018-2022 — mix '{run['policy_mix']}', scenario "
        f"'{run['scenario']}', seed {run['seed']}, scale {run['scale']} — {met} of {len(card)} "
        f"targets met",
        fontsize=12,
    )

    # Steel's cap is on its output, coal's on its capacity: the capped series first, the other in grey.
    for ax, sector, capped, other, labels, cap_label in (
        (axes[0, 0], "steel", "output", "capacity", ("crude steel output", "steel capacity"), "2022 output cap"),
        (axes[0, 1], "coal", "capacity", "output", ("coal mine capacity", "coal output"), "2022 capacity cap"),
    ):
        ax.plot(_series(ts, capped, sector), label=labels[0])
        ax.plot(_series(ts, other, sector), label=labels[1], color="grey")
        _mark_target(ax, _target(card, capped, sector), cap_label)
        ax.set_title(f"{sector.title()} [Mt/yr]")
        ax.legend(fontsize=8)

    ax = axes[0, 2]
    for sector in OVERCAPACITY_SECTORS:
        ax.plot(_series(ts, "capacity_utilisation", sector), label=LABELS[sector])
    ax.axhspan(0.75, 0.90, color="crimson", alpha=0.07, label="reasonable band (steel, coal, cement)")
    ax.axhline(0.80, label="aluminium target", **TARGET_STYLE)
    ax.set_ylim(0, 1.05)
    ax.set_title("Capacity utilisation [fraction]")
    ax.legend(fontsize=7, ncol=2)

    ax = axes[1, 0]
    ax.plot(_series(ts, "new_economy_va_share"), label="new-economy share of GDP")
    _mark_target(ax, _target(card, "new_economy_va_share"), "2022 target")
    twin = ax.twinx()
    twin.plot(_series(ts, "rd_intensity"), color="darkgreen", label="R&D / GDP (right)")
    rd = _target(card, "rd_intensity")
    if rd is not None:
        twin.axhline(rd["target_value"], color="darkgreen", linestyle=":", linewidth=1.2)
    twin.set_ylabel("R&D intensity", color="darkgreen")
    ax.set_title("New economy [fraction of GDP]")
    ax.legend(loc="upper left", fontsize=8)

    ax = axes[1, 1]
    for indicator, name, color in (
        ("gazelle_firms", "gazelles", "tab:blue"),
        ("unicorn_firms", "unicorns", "tab:orange"),
        ("champion_firms", "single champions", "tab:green"),
    ):
        ax.plot(_series(ts, indicator), label=name, color=color)
        target = _target(card, indicator)
        if target is not None:
            ax.axhline(target["target_value"], color=color, linestyle="--", linewidth=1)
    ax.set_yscale("symlog", linthresh=10)
    ax.set_ylim(bottom=0)  # counts: no negative tick on the symlog axis
    ax.set_title("Recognised firms [count]; dashed: 2022 targets")
    ax.legend(fontsize=8)

    ax = axes[1, 2]
    for indicator, name in (
        ("fund_subscribed", "subscribed"),
        ("fund_invested", "invested"),
        ("fund_idle", "paid in, idle"),
        ("fund_social_capital", "social capital drawn in"),
    ):
        ax.plot(_series(ts, indicator), label=name)
    ax.set_title("Conversion fund [bn yuan]")
    ax.legend(fontsize=8)

    for ax in axes.flat:
        ax.grid(alpha=0.3)
        ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    fig.savefig(path, dpi=110)
    plt.close(fig)
