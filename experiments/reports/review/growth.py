"""The ten strong industries: value added and firms, and the recognised firms against their targets."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from experiments.reports import labels as lab
from experiments.reports.labels import cap, name, number, probability, sentence, text
from experiments.reports.review.display import Item, figure_title, panels, shown_note
from experiments.reports.review.sweep import Sweep, quantiles
from experiments.reports.review.words import value_reading
from model.names import GROWTH_SECTORS as GROWTH


def industries(sweep: Sweep) -> Item:
    """The ten strong industries: value added and active firms in 2017 and 2022, by group."""
    lang = sweep.lang
    shown = sweep.shown()
    figure = Figure(figsize=(13, 5.2), layout="constrained")
    axes = figure.subplots(1, 2)
    tables = {}
    for ax, indicator in zip(axes, ("value_added", "firms_active"), strict=True):
        start = sweep.per_run(indicator, GROWTH, date=sweep.first)
        end = sweep.per_run(indicator, GROWTH)
        unit_id = sweep.unit_of(indicator, GROWTH[0])
        factor = lab.unit(unit_id, lang).factor
        y = np.arange(len(GROWTH))
        height = 0.8 / (len(shown) + 1)
        base = start[list(GROWTH)].median()
        ax.barh(y - 0.4 + height / 2, base * factor, height, color="lightgrey", label=text("ui.year_2017", lang))
        for k, group in enumerate(shown):
            stats = np.array([quantiles(end.loc[end.group == group, s]) for s in GROWTH]) * factor
            ax.barh(
                y - 0.4 + height * (k + 1.5),
                stats[:, 0],
                height,
                xerr=[stats[:, 0] - stats[:, 1], stats[:, 2] - stats[:, 0]],
                capsize=1.5,
                color=sweep.colour(group),
                label=f"{text('ui.year_2022', lang)}: {sweep.label(group)}",
            )
        ax.set_yticks(y, [cap(name("sector", s, lang)) for s in GROWTH], fontsize=8.5)
        ax.invert_yaxis()
        ax.set_title(cap(name("indicator", indicator, lang)), fontsize=10)
        ax.set_xlabel(lab.axis_label(unit_id, lang), fontsize=8)
        ax.grid(alpha=0.3, axis="x")
        tables[indicator] = (start, end)
    handles, names = axes[1].get_legend_handles_labels()  # below the axes: never over a bar
    figure.legend(handles, names, loc="outside lower center", ncol=min(len(names), 4), fontsize=7.5, frameon=False)
    figure_title(figure, "ui.industries_title", lang, shown_note(sweep))

    va0, va1 = tables["value_added"]
    n0, n1 = tables["firms_active"]
    ref = sweep.reference
    total0 = va0[list(GROWTH)].sum(axis=1)
    total1 = va1.loc[va1.group == ref, list(GROWTH)].sum(axis=1)
    years = (sweep.last - sweep.first).days / 365.25
    rate = (total1.median() / total0.median()) ** (1 / years) - 1
    growth = (va1.loc[va1.group == ref, list(GROWTH)].median() / va0[list(GROWTH)].median()) ** (1 / years) - 1
    fast = str(growth.idxmax())
    unit_id = sweep.unit_of("value_added", GROWTH[0])
    reading = text(
        "reading.industries",
        lang,
        group=sweep.label(ref),
        va0=number(total0.median(), unit_id, lang),
        va1=number(total1.median(), unit_id, lang),
        rate=lab.percent(rate, lang, digits=1),
        fast=name("sector", fast, lang),
        fast_rate=lab.percent(growth[fast], lang, digits=1),
        n0=lab.plain(n0[list(GROWTH)].sum(axis=1).median(), lang),
        n1=lab.plain(n1.loc[n1.group == ref, list(GROWTH)].sum(axis=1).median(), lang),
    )
    table = pd.DataFrame(
        {
            f"{cap(name('indicator', 'value_added', lang))} {text('ui.year_2017', lang)}": va0[list(GROWTH)].median(),
            f"{cap(name('indicator', 'value_added', lang))} {text('ui.year_2022', lang)}": va1.loc[
                va1.group == ref, list(GROWTH)
            ].median(),
            f"{cap(name('indicator', 'firms_active', lang))} {text('ui.year_2017', lang)}": n0[list(GROWTH)].median(),
            f"{cap(name('indicator', 'firms_active', lang))} {text('ui.year_2022', lang)}": n1.loc[
                n1.group == ref, list(GROWTH)
            ].median(),
        }
    )
    factor = lab.unit(unit_id, lang).factor
    table.iloc[:, :2] *= factor
    table = table.round(0).astype("Int64")
    table.index = [cap(name("sector", s, lang)) for s in GROWTH]
    table.index.name = f"{sweep.label(ref)} — {text('ui.median', lang)}, {lab.axis_label(unit_id, lang)}"
    return Item("industries", sentence([reading], lang), figure, table)


TITLES = [("gazelle_firms", "all"), ("unicorn_firms", "all"), ("champion_firms", "all")]


def titles(sweep: Sweep) -> Item:
    """Gazelles, unicorns and national single champions over time against their targets."""
    lang = sweep.lang
    figure = panels(sweep, TITLES, "ui.titles_title", 3)
    items = []
    for indicator, sector in TITLES:
        for target in sweep.targets_on(indicator, sector):
            t = sweep.targets.loc[target]
            row = sweep.target_row(target, sweep.reference)
            items.append(
                text(
                    "reading.titles_item",
                    lang,
                    name=name("indicator", indicator, lang),
                    median=lab.plain(row["median"], lang),
                    target=lab.plain(t["target_value"], lang),
                    p=probability(row["probability"], lang),
                )
            )
    if not items:
        return Item("titles", value_reading(sweep, *TITLES[0]), figure)
    items_text = text("ui.clause_sep", lang).join(items)
    reading = text("reading.titles", lang, group=sweep.label(sweep.reference), items=items_text)
    return Item("titles", sentence([reading], lang), figure)
