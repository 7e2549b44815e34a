"""The fiscal side: electricity surcharge revenue and fiscal outlay."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from experiments.reports import labels as lab
from experiments.reports.labels import cap, name, number, sentence, text
from experiments.reports.review.display import Item, band_panel, figure_legend, figure_title, shown_note
from experiments.reports.review.sweep import Sweep, quantiles
from model.names import OVERCAPACITY_SECTORS as OVERCAPACITY


def fiscal(sweep: Sweep) -> Item:
    """Electricity surcharge revenue and fiscal outlay since 2018, and surcharges by sector."""
    lang = sweep.lang
    figure = Figure(figsize=(14, 4.6), layout="constrained")
    axes = figure.subplots(1, 3)
    band_panel(axes[0], sweep, "surcharge_revenue")
    band_panel(axes[1], sweep, "fiscal_outlay")
    for ax in axes[:2]:
        ax.set_title(f"{ax.get_title()} ({text('ui.cumulative', lang)})", fontsize=10)
    unit_id = sweep.unit_of("surcharge_revenue")
    factor = lab.unit(unit_id, lang).factor
    by_sector = sweep.per_run("surcharge_revenue", OVERCAPACITY)
    shown = sweep.shown()
    ax = axes[2]
    x = np.arange(len(OVERCAPACITY))
    width = 0.8 / len(shown)
    for k, group in enumerate(shown):
        stats = np.array([quantiles(by_sector.loc[by_sector.group == group, s]) for s in OVERCAPACITY]) * factor
        ax.bar(
            x + (k - (len(shown) - 1) / 2) * width,
            stats[:, 0],
            width,
            yerr=[stats[:, 0] - stats[:, 1], stats[:, 2] - stats[:, 0]],
            capsize=2,
            color=sweep.colour(group),
        )
    ax.set_xticks(x, [cap(name("sector", s, lang)) for s in OVERCAPACITY], rotation=30, ha="right", fontsize=8)
    ax.set_title(cap(text("ui.fiscal_by_sector", lang)), fontsize=10)
    ax.set_ylabel(lab.axis_label(unit_id, lang), fontsize=8)
    ax.grid(alpha=0.3, axis="y")
    figure_title(figure, "ui.fiscal_title", lang, shown_note(sweep))
    figure_legend(figure, list(axes[:2]), lang)

    ref = sweep.reference
    revenue = quantiles(sweep.of_group("surcharge_revenue", ref))[0]
    outlay = quantiles(sweep.of_group("fiscal_outlay", ref))[0]
    outlay_unit = sweep.unit_of("fiscal_outlay")
    if not revenue > 0:
        reading = text(
            "reading.fiscal_no_surcharge", lang, group=sweep.label(ref), outlay=number(outlay, outlay_unit, lang)
        )
    else:
        sectors = by_sector.loc[by_sector.group == ref, list(OVERCAPACITY)].median()
        top = str(sectors.idxmax())
        reading = text(
            "reading.fiscal",
            lang,
            group=sweep.label(ref),
            revenue=number(revenue, unit_id, lang),
            top_share=lab.percent(sectors[top] / sectors.sum(), lang),
            top_sector=name("sector", top, lang),
            outlay=number(outlay, outlay_unit, lang),
        )
    return Item("fiscal", sentence([reading], lang), figure)
