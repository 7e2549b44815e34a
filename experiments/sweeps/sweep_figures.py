"""Figures of a collected sweep: fan charts, a heatmap, trade-offs, and swept parameters against outcomes.

The last figure is drawn when the sweep varies something other than the mix.

Names, units and the order of the groups are the report's (``experiments/reports/labels.csv``,
English; mixes in policy order); a group is named by its mix or by the parameters that set it
apart (``surcharge multiple 2``), and so are the files (``fan_as_enacted.png``). Legends sit
below the axes, never over the data; a target is drawn at its due quarter only.
"""

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

from experiments.reports import labels as lab
from experiments.reports.review.sweep import policy_order
from experiments.reports.review.words import indicator_name, target_label

LANG = "en"
# Model units of the charted indicators (the fan paths carry none).
UNITS = {
    "new_economy_va_share": "fraction",
    "rd_intensity": "fraction of GDP",
    "labour_productivity": "10k yuan per worker",
    "gdp": "bn yuan (2017 prices)",
    "energy_intensity": "tce/10k yuan",
    "coal_consumption": "Mt",
    "output": "Mt/yr",
    "capacity": "Mt/yr",
    "steel_channel_capacity_exited_share": "fraction",
    "steel_coastal_capacity_share": "fraction",
    "gazelle_firms": "count",
    "unicorn_firms": "count",
    "champion_firms": "count",
    "jobs_lost": "persons",
    "fiscal_outlay": "bn yuan",
    "surcharge_revenue": "bn yuan",
}
# Outcomes of the parameter figure: (scorecard name, model unit).
OUTCOMES = (
    ("new_economy_va_share", "fraction"),
    ("jobs_lost", "persons"),
    ("fiscal_outlay", "bn yuan"),
    ("surcharge_revenue", "bn yuan"),
)
FIXED = {"param.seed", "param.scale", "param.policy_mix", "param.experiment"}


def varied(runs: pd.DataFrame) -> list[str]:
    """The ``param.*`` columns whose values differ between groups (the mix included)."""
    done = runs[runs.status == "complete"]
    columns = [c for c in done.columns if c.startswith("param.") and c != "param.seed"]
    return [c for c in columns if done.groupby("group")[c].first().astype(str).nunique() > 1]


def group_labels(runs: pd.DataFrame) -> dict[str, str]:
    """Each group's name in the report's words: its mix, or the parameters that set it apart."""
    done = runs[runs.status == "complete"]
    columns = varied(runs)
    names = {}
    for group, members in done.groupby("group"):
        parts = []
        for column in columns:
            key, value = column.split(".")[-1], str(members[column].iloc[0])
            if key == "policy_mix":
                parts.append(lab.name("mix", value, LANG))
            elif key == "scenario":
                parts.append(lab.name("scenario", value, LANG))
            else:
                parts.append(f"{lab.name('param', key, LANG)} {value}")
        mix = str(members.policy_mix.iloc[0])
        names[str(group)] = ", ".join(parts) if parts else lab.name("mix", mix, LANG)
    return names


def file_stem(label: str) -> str:
    """A plain file name from a group's name: ``as enacted`` -> ``as_enacted``."""
    return re.sub(r"[^a-z0-9.]+", "_", label.lower()).strip("_")[:100] or "group"


def _unit(indicator: str) -> tuple[str, float]:
    shown = lab.unit(UNITS.get(indicator, ""), LANG)
    return shown.label, shown.factor


def _title(indicator: str, sector: str) -> str:
    label, _ = _unit(indicator)
    name = lab.cap(indicator_name(indicator, sector, LANG))
    return f"{name} [{label}]" if label else name


def fan_chart(
    path: Path,
    title: str,
    paths: list[np.ndarray],
    dates: np.ndarray,
    indicators: Sequence[tuple[str, str]],
    targets: Mapping[str, Mapping[str, Any]],
) -> None:
    """Quarterly median, 50 % and 90 % bands of the key indicators of one group; targets at their due quarter."""
    stack = np.stack(paths)  # runs x indicators x quarters
    cols = 4
    rows = int(np.ceil(len(indicators) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.0 * rows + 0.6), layout="constrained")
    dates = pd.to_datetime(dates)
    for k, ((indicator, sector), ax) in enumerate(zip(indicators, axes.flat, strict=False)):
        _, factor = _unit(indicator)
        values = stack[:, k, :] * factor
        q05, q25, q50, q75, q95 = np.nanquantile(values, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
        ax.fill_between(dates, q05, q95, alpha=0.2, color="tab:blue", linewidth=0, label="90 % of seeds")
        ax.fill_between(dates, q25, q75, alpha=0.35, color="tab:blue", linewidth=0, label="50 % of seeds")
        ax.plot(dates, q50, color="tab:blue", label="median")
        for target in targets.values():
            if target["indicator"] != indicator or target["sector"] != sector:
                continue
            due = pd.Period(str(target["date"]), freq="Q").end_time.normalize()
            low = float(target["target"]) * factor
            if target["comparison"] == "between":
                high = float(target["upper"]) * factor
                ax.errorbar([due], [(low + high) / 2], yerr=[[(high - low) / 2]], fmt="none", ecolor="crimson",
                            elinewidth=2, capsize=5, label="target (due quarter)")  # fmt: skip
            else:
                marker = "v" if target["comparison"] in ("<=", "<") else "^"
                ax.plot([due], [low], marker=marker, color="crimson", markersize=8, linestyle="none",
                        label="target (due quarter)")  # fmt: skip
        ax.set_title(_title(indicator, sector), fontsize=9)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(indicators) :]:
        ax.axis("off")
    handles, names = {}, []
    for ax in axes.flat:
        for handle, name in zip(*ax.get_legend_handles_labels(), strict=True):
            if name not in handles:
                handles[name] = handle
                names.append(name)
    fig.legend([handles[n] for n in names], names, loc="outside lower center", ncol=len(names), fontsize=8,
               frameon=False)  # fmt: skip
    fig.suptitle(f"{title}: {stack.shape[0]} runs (▲ floor, ▼ cap, I band, at the due quarter)", fontsize=11)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def heatmap(path: Path, card: pd.DataFrame, targets: Mapping[str, Mapping[str, Any]], names: dict[str, str],
            order: list[str]) -> None:  # fmt: skip
    """Probability of meeting each target, for each group of runs (groups in policy order)."""
    probs = card[card.kind == "target"].pivot(index="group", columns="name", values="probability").reindex(order)
    probs = probs[[t for t in targets if t in probs.columns]]
    fig, ax = plt.subplots(figsize=(3.0 + 0.6 * probs.shape[1], 3.0 + 0.45 * probs.shape[0]), layout="constrained")
    image = ax.imshow(probs.to_numpy(dtype=float), cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(probs.shape[1]), [_target_name(targets[t]) for t in probs.columns], rotation=60, ha="right",
                  fontsize=7)  # fmt: skip
    ax.set_yticks(range(probs.shape[0]), [names[g] for g in probs.index], fontsize=8)
    for (i, j), p in np.ndenumerate(probs.to_numpy(dtype=float)):
        ax.text(j, i, f"{100 * p:.0f}", ha="center", va="center", fontsize=6.5)
    fig.colorbar(image, ax=ax, label="probability of meeting the target")
    ax.set_title("Probability of meeting each target (%)")
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _target_name(target: Mapping[str, Any]) -> str:
    """A target in the report's words: ``Steel output ≤ 76 Mt/yr``, ``(2020)`` if not due in 2022."""
    row = pd.Series({**target, "target_value": target["target"]})
    return target_label(row, LANG, final_year=2022)


def _point(ax: Any, x: pd.Series, y: pd.Series, xf: float, yf: float, colour: Any, label: str) -> None:
    ax.errorbar(
        x["median"] * xf,
        y["median"] * yf,
        xerr=[[(x["median"] - x["p05"]) * xf], [(x["p95"] - x["median"]) * xf]],
        yerr=[[(y["median"] - y["p05"]) * yf], [(y["p95"] - y["median"]) * yf]],
        fmt="o",
        capsize=3,
        color=colour,
        label=label,
    )


def tradeoff(path: Path, card: pd.DataFrame, names: dict[str, str], order: list[str]) -> None:
    """New-economy share against jobs lost and fiscal outlay (medians with 90 % bands); one legend below."""
    ind = card[card.kind == "indicator"].set_index(["group", "name"])
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.8), layout="constrained")
    _, yf = _unit("new_economy_va_share")
    for ax, cost in ((axes[0], "jobs_lost"), (axes[1], "fiscal_outlay")):
        unit, xf = _unit(cost)
        for k, group in enumerate(order):
            if (group, cost) in ind.index:
                colour = plt.get_cmap("tab10")(k % 10)
                _point(
                    ax, ind.loc[(group, cost)], ind.loc[(group, "new_economy_va_share")], xf, yf, colour, names[group]
                )
        ax.set_xlabel(f"{lab.cap(indicator_name(cost, 'all', LANG))} since 2018 [{unit}]")
        ax.set_ylabel(f"{lab.cap(indicator_name('new_economy_va_share', 'all', LANG))}, 2022 [%]")
        ax.grid(alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=min(len(labels), 6), fontsize=8, frameon=False)
    fig.suptitle("Trade-offs: medians and 90 % bands over seeds")
    fig.savefig(path, dpi=110)
    plt.close(fig)


def parameters(path: Path, card: pd.DataFrame, runs: pd.DataFrame, order: list[str]) -> bool:
    """Each swept parameter (other than the mix) against the outcomes; False if the sweep varies none."""
    swept = [c for c in varied(runs) if c not in FIXED]
    if not swept:
        return False
    done = runs[runs.status == "complete"].groupby("group").first()
    ind = card[card.kind == "indicator"].set_index(["group", "name"])
    targets = card[card.kind == "target"].groupby("group").probability.apply(lambda p: int((p >= 0.9).sum()))
    fig, axes = plt.subplots(len(swept), len(OUTCOMES) + 1, figsize=(3.6 * (len(OUTCOMES) + 1), 3.2 * len(swept) + 0.5),
                             layout="constrained", squeeze=False)  # fmt: skip
    mixes = [m for m in dict.fromkeys(done.loc[order, "policy_mix"].astype(str))]
    for row, column in zip(axes, swept, strict=True):
        key = column.split(".")[-1]
        x = pd.to_numeric(done[column], errors="coerce")
        for ax, (outcome, unit_id) in zip(row, OUTCOMES, strict=False):
            shown = lab.unit(unit_id, LANG)
            for k, mix in enumerate(mixes):
                groups = [g for g in order if str(done.loc[g, "policy_mix"]) == mix and (g, outcome) in ind.index]
                groups.sort(key=lambda g: x[g])
                stats = ind.loc[[(g, outcome) for g in groups]]
                xs = x[groups].to_numpy(float)
                ax.fill_between(xs, stats.p05 * shown.factor, stats.p95 * shown.factor, alpha=0.2, linewidth=0,
                                color=plt.get_cmap("tab10")(k % 10))  # fmt: skip
                ax.plot(xs, stats["median"] * shown.factor, "o-", color=plt.get_cmap("tab10")(k % 10),
                        label=lab.name("mix", mix, LANG))  # fmt: skip
            ax.set_title(f"{lab.cap(indicator_name(outcome, 'all', LANG))} [{shown.label}]", fontsize=9)
            ax.set_xlabel(lab.name("param", key, LANG), fontsize=8)
            ax.grid(alpha=0.3)
        ax = row[-1]
        for k, mix in enumerate(mixes):
            groups = sorted((g for g in order if str(done.loc[g, "policy_mix"]) == mix), key=lambda g: x[g])
            ax.plot(x[groups], targets.reindex(groups), "o-", color=plt.get_cmap("tab10")(k % 10))
        ax.set_title(f"Targets met in ≥ 90 % of seeds (of {card[card.kind == 'target'].name.nunique()})", fontsize=9)
        ax.set_xlabel(lab.name("param", key, LANG), fontsize=8)
        ax.grid(alpha=0.3)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, [f"{n}: median, 90 % band" for n in labels], loc="outside lower center", ncol=6, fontsize=8,
               frameon=False)  # fmt: skip
    fig.suptitle("The swept parameters against the outcomes (by 2022)")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


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
    names = group_labels(runs)
    order = policy_order([g for g in names if g in paths or g in set(card.group)], runs[runs.status == "complete"])
    written = []
    for group in order:
        if group not in paths:
            continue
        target = sweep_dir / f"fan_{file_stem(names[group])}.png"
        fan_chart(target, names[group], paths[group], dates, indicators, targets)
        written.append(target)
    heatmap(sweep_dir / "heatmap.png", card, targets, names, order)
    tradeoff(sweep_dir / "tradeoff.png", card, names, order)
    written += [sweep_dir / "heatmap.png", sweep_dir / "tradeoff.png"]
    if parameters(sweep_dir / "parameters.png", card, runs, order):
        written.append(sweep_dir / "parameters.png")
    return written
