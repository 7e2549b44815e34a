"""The conversion fund: its money by state over time, and investment by industry."""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure

from experiments.reports import labels as lab
from experiments.reports.labels import cap, name, number, sentence, text
from experiments.reports.review.display import Item, figure_title, year_axis
from experiments.reports.review.sweep import Sweep, quantiles
from model.names import GROWTH_SECTORS as GROWTH

FUND_STOCKS = ("fund_subscribed", "fund_invested", "fund_idle", "fund_social_capital")


def fund(sweep: Sweep) -> Item:
    """The conversion fund: money by state over time, and investment and social capital by industry."""
    lang = sweep.lang
    invested = sweep.values("fund_invested")
    by_group = invested.groupby("group").value.median()
    subscribed = sweep.values("fund_subscribed").groupby("group").value.median()
    figure = Figure(figsize=(13, 5), layout="constrained")
    axes = figure.subplots(1, 2)
    figure_title(figure, "ui.fund_title", lang)
    if subscribed.max() <= 0 or by_group.empty:
        for ax in axes:
            ax.text(0.5, 0.5, text("ui.fund_none", lang), ha="center", va="center", transform=ax.transAxes)
            ax.axis("off")
        return Item("fund", sentence([text("reading.fund_none", lang)], lang), figure)
    group = sweep.reference if subscribed.get(sweep.reference, 0) > 0 else str(by_group.idxmax())
    unit_id = sweep.unit_of("fund_invested")
    factor = lab.unit(unit_id, lang).factor

    ax = axes[0]
    palette = colormaps["Dark2"]
    for k, indicator in enumerate(FUND_STOCKS):
        paths = sweep.paths(indicator)
        if group not in paths.index.get_level_values(0):
            continue
        p = paths.loc[group]
        ax.fill_between(p.index, p.p05 * factor, p.p95 * factor, color=palette(k), alpha=0.2, linewidth=0)
        ax.plot(p.index, p["median"] * factor, color=palette(k), label=cap(name("indicator", indicator, lang)))
    ax.set_title(sweep.label(group), fontsize=10)
    ax.set_ylabel(lab.axis_label(unit_id, lang), fontsize=8)
    year_axis(ax, sweep)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)

    per_sector = sweep.per_run("fund_invested", GROWTH)
    per_sector = per_sector[per_sector.group == group]
    total = sweep.values("fund_invested").set_index("run").value.reindex(per_sector.index)
    social = sweep.values("fund_social_capital").set_index("run").value.reindex(per_sector.index)
    ratio = (social / total.replace(0, np.nan)).fillna(0.0)
    social_sector = per_sector[list(GROWTH)].mul(ratio, axis=0)
    ax = axes[1]
    y = np.arange(len(GROWTH))
    for offset, frame, colour, key in (
        (-0.2, per_sector[list(GROWTH)], palette(1), "fund_invested"),
        (0.2, social_sector, palette(3), "fund_social_capital"),
    ):
        stats = np.array([quantiles(frame[s]) for s in GROWTH]) * factor
        ax.barh(
            y + offset,
            stats[:, 0],
            0.4,
            xerr=[stats[:, 0] - stats[:, 1], stats[:, 2] - stats[:, 0]],
            capsize=1.5,
            color=colour,
            label=cap(name("indicator", key, lang)),
        )
    ax.set_yticks(y, [cap(name("sector", s, lang)) for s in GROWTH], fontsize=8.5)
    ax.invert_yaxis()
    ax.set_title(cap(text("ui.fund_by_industry", lang)), fontsize=10)
    ax.set_xlabel(f"{lab.axis_label(unit_id, lang)} — {text('ui.fund_social_note', lang)}", fontsize=7)
    ax.grid(alpha=0.3, axis="x")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False)  # below the bars

    stock = {k: quantiles(sweep.of_group(k, group))[0] for k in FUND_STOCKS}
    top = str(per_sector[list(GROWTH)].median().idxmax())
    reading = text(
        "reading.fund",
        lang,
        group=sweep.label(group),
        invested=number(stock["fund_invested"], unit_id, lang),
        subscribed=number(stock["fund_subscribed"], unit_id, lang),
        share=lab.percent(stock["fund_invested"] / stock["fund_subscribed"], lang),
        idle=number(stock["fund_idle"], unit_id, lang),
        social=number(stock["fund_social_capital"], unit_id, lang),
        top=name("sector", top, lang),
        top_invested=number(per_sector[top].median(), unit_id, lang),
    )
    return Item("fund", sentence([reading], lang), figure)
