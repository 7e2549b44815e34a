"""The overcapacity sectors: capacity exited, utilisation against its band, and steel's relocation."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from experiments.reports import labels as lab
from experiments.reports.labels import cap, join, name, probability, sentence, text
from experiments.reports.review.display import Item, figure_title, panels, shown_note
from experiments.reports.review.sweep import Sweep, quantiles
from experiments.reports.review.words import band_text, target_goal, value_reading
from model.names import OVERCAPACITY_SECTORS as OVERCAPACITY
from model.targets import evaluate


def capacity_exited(sweep: Sweep) -> Item:
    """Share of each overcapacity sector's 2017 capacity exited by 2022, by group."""
    lang = sweep.lang
    exited = sweep.per_run("capacity_exited", OVERCAPACITY)
    base = sweep.per_run("capacity", OVERCAPACITY, date=sweep.first)
    share = exited[list(OVERCAPACITY)] / base[list(OVERCAPACITY)].replace(0, np.nan)
    share["group"] = exited["group"]
    shown = sweep.shown()
    figure = Figure(figsize=(11, 4.6), layout="constrained")
    ax = figure.subplots()
    width = 0.8 / len(shown)
    x = np.arange(len(OVERCAPACITY))
    for k, group in enumerate(shown):
        stats = np.array([quantiles(share.loc[share.group == group, s]) for s in OVERCAPACITY])
        median, p05, p95 = stats[:, 0] * 100, stats[:, 1] * 100, stats[:, 2] * 100
        ax.bar(
            x + (k - (len(shown) - 1) / 2) * width,
            median,
            width,
            yerr=[median - p05, p95 - median],
            capsize=2,
            color=sweep.colour(group),
            label=sweep.label(group),
        )
    ax.set_xticks(x, [cap(name("sector", s, lang)) for s in OVERCAPACITY], fontsize=9)
    ax.set_ylabel(f"{text('ui.exited_axis', lang)} [%]", fontsize=9)
    ax.grid(alpha=0.3, axis="y")
    handles, names = ax.get_legend_handles_labels()  # below the axes: never over a bar
    figure.legend(handles, names, loc="outside lower center", ncol=min(len(names), 6), fontsize=8, frameon=False,
                  title=text("ui.band90", lang) + ": I", title_fontsize=7)  # fmt: skip
    figure_title(figure, "ui.exited_title", lang, shown_note(sweep))

    ref = share[share.group == sweep.reference]
    medians = pd.Series({s: quantiles(ref[s])[0] for s in OVERCAPACITY}).dropna()
    top, bottom = str(medians.idxmax()), str(medians.idxmin())
    _, p05, p95 = quantiles(ref[top])
    low, high = band_text(p05, p95, "fraction", lang)
    reading = text(
        "reading.exited",
        lang,
        group=sweep.label(sweep.reference),
        top=name("sector", top, lang),
        top_share=lab.percent(medians[top], lang),
        low=low,
        high=high,
        bottom=name("sector", bottom, lang),
        bottom_share=lab.percent(medians[bottom], lang),
    )
    table = (share.groupby("group")[list(OVERCAPACITY)].median() * 100).round(1)
    table.index = [sweep.label(g) for g in table.index]
    table.columns = [cap(name("sector", s, lang)) for s in OVERCAPACITY]
    table.index.name = f"{text('ui.exited_axis', lang)} [%]"
    return Item("exited", sentence([reading], lang), figure, table)


def utilisation(sweep: Sweep) -> Item:
    """Utilisation of each overcapacity sector over time against its target band."""
    lang = sweep.lang
    figure = panels(sweep, [("capacity_utilisation", s) for s in OVERCAPACITY], "ui.utilisation_title", 3)
    within, outside, n = 0, [], 0
    for sector in OVERCAPACITY:
        for target in sweep.targets_on("capacity_utilisation", sector):
            t = sweep.targets.loc[target]
            row = sweep.target_row(target, sweep.reference)
            n += 1
            ok, _ = evaluate(float(row["median"]), str(t["comparison"]), float(t["target_value"]), _upper(t))
            if ok:
                within += 1
            else:
                outside.append(
                    text(
                        "reading.utilisation_item",
                        lang,
                        sector=name("sector", sector, lang),
                        value=lab.percent(row["median"], lang),
                        target=target_goal(t, lang),
                    )
                )
    clauses = [text("reading.utilisation", lang, group=sweep.label(sweep.reference), k=within, n=n)]
    if outside:
        clauses.append(text("reading.utilisation_outside", lang, items=join(outside, lang)))
    return Item("utilisation", sentence(clauses, lang), figure)


def _upper(target: pd.Series) -> float | None:
    upper = target.get("upper")
    return None if upper is None or pd.isna(upper) else float(upper)


def steel(sweep: Sweep) -> Item:
    """Steel: the channel cities' capacity exit and the coastal share, against their targets."""
    lang = sweep.lang
    series = [("steel_channel_capacity_exited_share", "steel"), ("steel_coastal_capacity_share", "steel")]
    figure = panels(sweep, series, "ui.steel_title", 2)
    channel = sweep.targets_on(*series[0])
    coastal = sweep.targets_on(*series[1])
    if not (channel and coastal):
        return Item("steel", value_reading(sweep, *series[0]), figure)
    c, k = sweep.target_row(channel[0], sweep.reference), sweep.target_row(coastal[0], sweep.reference)
    reading = text(
        "reading.steel",
        lang,
        group=sweep.label(sweep.reference),
        channel=lab.percent(c["median"], lang),
        channel_target=target_goal(sweep.targets.loc[channel[0]], lang),
        p_channel=probability(c["probability"], lang),
        coastal=lab.percent(k["median"], lang),
        coastal_target=target_goal(sweep.targets.loc[coastal[0]], lang),
        p_coastal=probability(k["probability"], lang),
    )
    return Item("steel", sentence([reading], lang), figure)
