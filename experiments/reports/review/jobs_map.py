"""Jobs lost and workers resettled by city, on a schematic map of the 16 cities."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from experiments.reports import labels as lab
from experiments.reports.labels import cap, name, sentence, text
from experiments.reports.review.display import Item, figure_title
from experiments.reports.review.sweep import Sweep, quantiles

# Schematic positions of the 16 prefecture-level city seats: approximate longitude and
# latitude in degrees (not geodata; enough to place each city where a reader expects it).
CITY_POSITIONS = {
    "jinan": (117.00, 36.65),
    "qingdao": (120.38, 36.07),
    "zibo": (118.05, 36.81),
    "zaozhuang": (117.32, 34.81),
    "dongying": (118.67, 37.43),
    "yantai": (121.45, 37.46),
    "weifang": (119.16, 36.71),
    "jining": (116.59, 35.41),
    "taian": (117.09, 36.20),
    "weihai": (122.12, 37.51),
    "rizhao": (119.53, 35.42),
    "linyi": (118.36, 35.10),
    "dezhou": (116.36, 37.44),
    "liaocheng": (115.98, 36.46),
    "binzhou": (117.97, 37.38),
    "heze": (115.48, 35.23),
}


def _map_groups(sweep: Sweep, lost: pd.DataFrame) -> list[str]:
    if len(sweep.groups) <= 3:
        return list(sweep.groups)
    totals = lost.drop(columns="group").sum(axis=1).groupby(lost.group).median()
    picked = [sweep.reference, str(totals.idxmax()), str(totals.idxmin())]
    return list(dict.fromkeys(picked))


def jobs(sweep: Sweep) -> Item:
    """Jobs lost and workers resettled by city on a schematic map of the 16 cities."""
    lang = sweep.lang
    lost = sweep.by_city("jobs_lost")
    resettled = sweep.by_city("workers_resettled")
    cities = [c for c in CITY_POSITIONS if c in lost.columns]
    groups = _map_groups(sweep, lost)
    medians = {g: lost.loc[lost.group == g, cities].median() for g in groups}
    settled = {g: resettled.loc[resettled.group == g, cities].median() for g in groups}
    largest = max(float(m.max()) for m in medians.values()) or 1.0
    figure = Figure(figsize=(5.2 * len(groups) + 0.8, 5.0), layout="constrained")
    axes = np.atleast_1d(figure.subplots(1, len(groups)))
    x = np.array([CITY_POSITIONS[c][0] for c in cities])
    y = np.array([CITY_POSITIONS[c][1] for c in cities])
    coastal = np.array([bool(sweep.cities.loc[c, "coastal"]) if c in sweep.cities.index else False for c in cities])
    channel = np.array([bool(sweep.cities.loc[c, "channel"]) if c in sweep.cities.index else False for c in cities])
    scatter = None
    for ax, group in zip(axes, groups, strict=True):
        jobs_lost = medians[group].to_numpy(float)
        share = np.divide(
            settled[group].to_numpy(float), jobs_lost, out=np.full(len(cities), np.nan), where=jobs_lost > 0
        )
        ax.scatter(
            x,
            y,
            s=14,
            color="lightgrey",
            edgecolors=np.where(coastal, "tab:blue", "dimgrey"),
            linewidths=np.where(coastal, 2.0, 0.8),
            zorder=1,
        )
        hit = jobs_lost > 0  # cities without jobs lost keep a small grey dot
        scatter = ax.scatter(
            x[hit],
            y[hit],
            s=30 + 1500 * jobs_lost[hit] / largest,
            c=share[hit],
            cmap="viridis",
            vmin=0,
            vmax=1,
            edgecolors=np.where(coastal[hit], "tab:blue", "dimgrey"),
            linewidths=np.where(coastal[hit], 2.0, 0.8),
            alpha=0.85,
            zorder=2,
        )
        for cx, cy, city, in_channel in zip(x, y, cities, channel, strict=True):
            ax.annotate(
                name("city", city, lang),
                (cx, cy),
                xytext=(0, -14),
                textcoords="offset points",
                ha="center",
                fontsize=7.5,
                color="darkred" if in_channel else "black",
            )
        ax.set_title(sweep.label(group), fontsize=10)
        ax.set_xlim(115.0, 122.7)
        ax.set_ylim(34.4, 38.0)
        ax.set_aspect(1 / np.cos(np.radians(36.3)))
        ax.set_xticks([])
        ax.set_yticks([])
        ax.text(0.01, 0.01, text("ui.map_note", lang), transform=ax.transAxes, fontsize=6.5, color="grey")
    figure.colorbar(scatter, ax=list(axes), label=text("ui.map_colour", lang), shrink=0.8)
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markersize=9,
            markerfacecolor="white",
            markeredgecolor="tab:blue",
            markeredgewidth=2,
        ),
        Line2D([], [], marker="$A$", linestyle="", markersize=8, color="darkred"),
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markersize=float(np.sqrt(30 + 750)),  # a city losing half the largest number
            markerfacecolor="white",
            markeredgecolor="dimgrey",
        ),
    ]
    figure.legend(
        handles,
        [
            text("ui.map_coastal", lang),
            text("ui.map_channel", lang),
            f"{text('ui.map_size', lang)}: {lab.plain(largest, lang)}",
        ],
        loc="outside lower center",
        ncol=3,
        handlelength=2.5,
        handletextpad=1.2,
        fontsize=8,
        frameon=False,
    )
    figure_title(figure, "ui.map_title", lang)

    ref = sweep.reference
    totals = lost.loc[lost.group == ref, cities].sum(axis=1)
    med, p05, p95 = quantiles(totals)
    if not med > 0:
        reading = text("reading.jobs_none", lang, group=sweep.label(ref))
    else:
        top = (
            str(medians[ref].idxmax()) if ref in medians else str(lost.loc[lost.group == ref, cities].median().idxmax())
        )
        city_median = lost.loc[lost.group == ref, top].median()
        resettled_total = resettled.loc[resettled.group == ref, cities].sum(axis=1).median()
        reading = text(
            "reading.jobs",
            lang,
            group=sweep.label(ref),
            jobs=lab.plain(med, lang),
            low=lab.plain(p05, lang),
            high=lab.plain(p95, lang),
            top_share=lab.percent(city_median / med, lang),
            top_city=name("city", top, lang),
            resettled=lab.percent(resettled_total / med, lang),
        )
    ref_lost = lost.loc[lost.group == ref, cities].median()
    ref_settled = resettled.loc[resettled.group == ref, cities].median()
    table = pd.DataFrame(
        {
            cap(name("indicator", "jobs_lost", lang)): ref_lost.round(0).astype("Int64"),
            cap(name("indicator", "workers_resettled", lang)): ref_settled.round(0).astype("Int64"),
            cap(text("ui.map_colour", lang)): [
                lab.percent(s / j, lang) if j > 0 else "–" for s, j in zip(ref_settled, ref_lost, strict=True)
            ],
        }
    ).sort_values(cap(name("indicator", "jobs_lost", lang)), ascending=False)
    table.index = [name("city", c, lang) for c in table.index]
    table.index.name = f"{sweep.label(ref)} — {text('ui.median', lang)}"
    return Item("jobs", sentence([reading], lang), figure, table)
