"""Figures of a collected sweep: fan charts, a probability heatmap and a trade-off chart."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

TITLES = {
    "new_economy_va_share": "New-economy share of GDP",
    "rd_intensity": "R&D / GDP",
    "labour_productivity": "Labour productivity [10k yuan/worker]",
    "gdp": "GDP [bn yuan, 2017 prices]",
    "energy_intensity": "Energy intensity [tce/10k yuan]",
    "coal_consumption": "Coal consumption [Mt]",
    "output": "Crude steel output [Mt/yr]",
    "capacity": "Coal capacity [Mt/yr]",
    "steel_channel_capacity_exited_share": "Channel-city steel capacity out",
    "steel_coastal_capacity_share": "Coastal share of steel capacity",
    "gazelle_firms": "Gazelle firms",
    "unicorn_firms": "Unicorns",
    "champion_firms": "Single champions",
}


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.=,-]+", "_", name)[:150]


def fan_chart(
    path: Path,
    group: str,
    paths: list[np.ndarray],
    dates: np.ndarray,
    indicators: Sequence[tuple[str, str]],
    targets: Mapping[str, Mapping[str, Any]],
) -> None:
    """Quarterly median, 50 % and 90 % bands of the key indicators of one group of runs."""
    stack = np.stack(paths)  # runs x indicators x quarters
    cols = 4
    rows = int(np.ceil(len(indicators) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.0 * rows), constrained_layout=True)
    dates = pd.to_datetime(dates)
    for k, ((indicator, sector), ax) in enumerate(zip(indicators, axes.flat, strict=False)):
        values = stack[:, k, :]
        q05, q25, q50, q75, q95 = np.nanquantile(values, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
        ax.fill_between(dates, q05, q95, alpha=0.2, color="tab:blue", label="90 % of runs")
        ax.fill_between(dates, q25, q75, alpha=0.35, color="tab:blue", label="50 % of runs")
        ax.plot(dates, q50, color="tab:blue", label="median")
        for target in targets.values():
            if target["indicator"] == indicator and target["sector"] == sector:
                ax.axhline(target["target"], color="crimson", linestyle="--", linewidth=1.1, label="target")
                if target["comparison"] == "between":
                    ax.axhline(target["upper"], color="crimson", linestyle="--", linewidth=1.1)
        ax.set_title(TITLES.get(indicator, indicator), fontsize=9)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(indicators) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.suptitle(f"{group}: {stack.shape[0]} runs", fontsize=11)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def heatmap(path: Path, card: pd.DataFrame, targets: Mapping[str, Mapping[str, Any]]) -> None:
    """Probability of meeting each target, for each group of runs."""
    probs = card[card.kind == "target"].pivot(index="group", columns="name", values="probability")
    probs = probs[[t for t in targets if t in probs.columns]]
    fig, ax = plt.subplots(figsize=(2.5 + 0.6 * probs.shape[1], 3.0 + 0.45 * probs.shape[0]), constrained_layout=True)
    image = ax.imshow(probs.to_numpy(dtype=float), cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(
        range(probs.shape[1]), [t.replace("_", " ") for t in probs.columns], rotation=60, ha="right", fontsize=7
    )
    ax.set_yticks(range(probs.shape[0]), probs.index, fontsize=8)
    for (i, j), p in np.ndenumerate(probs.to_numpy(dtype=float)):
        ax.text(j, i, f"{p:.2f}", ha="center", va="center", fontsize=6.5)
    fig.colorbar(image, ax=ax, label="probability of meeting the target")
    ax.set_title("Probability of meeting each 2022 target")
    fig.savefig(path, dpi=110)
    plt.close(fig)


def tradeoff(path: Path, card: pd.DataFrame) -> None:
    """New-economy share against jobs lost and fiscal outlay (medians with 90 % bands)."""
    ind = card[card.kind == "indicator"].set_index(["group", "name"])
    groups = sorted(card.group.unique())
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.5), constrained_layout=True)
    for ax, cost, label in (
        (axes[0], "jobs_lost", "jobs lost since 2018 [persons]"),
        (axes[1], "fiscal_outlay", "fiscal outlay since 2018 [bn yuan]"),
    ):
        for group in groups:
            x = ind.loc[(group, cost)]
            y = ind.loc[(group, "new_economy_va_share")]
            ax.errorbar(
                x["median"],
                y["median"],
                xerr=[[x["median"] - x["p05"]], [x["p95"] - x["median"]]],
                yerr=[[y["median"] - y["p05"]], [y["p95"] - y["median"]]],
                fmt="o",
                capsize=3,
            )
            ax.annotate(group, (x["median"], y["median"]), fontsize=7, xytext=(4, 4), textcoords="offset points")
        ax.set_xlabel(label)
        ax.set_ylabel("new-economy share of GDP, 2022")
        ax.grid(alpha=0.3)
    fig.suptitle("Trade-offs: medians and 90 % bands over seeds")
    fig.savefig(path, dpi=110)
    plt.close(fig)


def all_figures(
    sweep_dir: Path,
    card: pd.DataFrame,
    runs: pd.DataFrame,
    paths: Mapping[str, list[np.ndarray]],
    dates: np.ndarray | None,
    indicators: Sequence[tuple[str, str]],
    targets: Mapping[str, Mapping[str, Any]],
) -> list[Path]:
    """Draw every figure of a sweep into its folder; return the paths."""
    written = []
    for group, group_paths in sorted(paths.items()):
        target = sweep_dir / f"fan_{_safe(group)}.png"
        fan_chart(target, group, group_paths, dates, indicators, targets)
        written.append(target)
    heatmap(sweep_dir / "heatmap.png", card, targets)
    tradeoff(sweep_dir / "tradeoff.png", card)
    written += [sweep_dir / "heatmap.png", sweep_dir / "tradeoff.png"]
    del runs
    return written
