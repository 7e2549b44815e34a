"""The ten strong industries' firms of a paused run, and how the conversion fund picked among them."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from agents.fund import select_investees
from experiments.reports import labels as lab
from experiments.reports.labels import cap, name, number, sentence, text
from experiments.reports.review.display import Item
from experiments.reports.walkthrough.paused_run import Paused
from model.names import GROWTH_SECTORS as GROWTH


def firm_population(paused: Paused, lang: str = "en") -> Item:
    """The ten strong industries' firms: how many, their revenue and value added, by industry."""
    lab.check_lang(lang)
    firms = paused.model.firms
    on = firms.active
    w = firms.weight
    revenue = np.bincount(firms.sector[on], weights=(w * firms.revenue)[on], minlength=len(GROWTH))
    value_added = np.bincount(firms.sector[on], weights=(w * firms.revenue * firms.va_ratio)[on], minlength=len(GROWTH))
    factor = lab.unit("bn yuan", lang).factor
    table = pd.DataFrame(
        {
            text("ui.col_rows", lang): np.bincount(firms.sector[on], minlength=len(GROWTH)),
            text("ui.col_firms", lang): np.round(
                np.bincount(firms.sector[on], weights=w[on], minlength=len(GROWTH))
            ).astype(int),
            text("ui.col_revenue", lang): np.round(revenue * factor).astype(int),
            text("ui.col_value_added", lang): np.round(value_added * factor).astype(int),
        },
        index=pd.Index([cap(name("sector", g, lang)) for g in GROWTH], name=text("ui.col_sector", lang)),
    )
    top = int(np.argmax(revenue))
    reading = text(
        "reading.firms",
        lang,
        firms=lab.plain(float(w[on].sum()), lang),
        revenue=number(float(revenue.sum()), "bn yuan", lang),
        top=name("sector", GROWTH[top], lang),
        top_share=lab.percent(float(revenue[top] / revenue.sum()), lang, digits=0),
    )
    return Item("firms", sentence([reading], lang), table=table)


def fund_picks(paused: Paused, sector: str = "next_gen_it", lang: str = "en") -> Item:
    """How the fund picked firms of one industry in the quarter, against a perfectly informed fund.

    The fund's actual picks are its recorded deals of the quarter (drawn from a random
    pipeline of eligible firms). Its own rule (:func:`agents.fund.select_investees`)
    is then applied to every eligible firm of the industry (active, not funded before,
    at least a year old) with the quarter's budget and a perfect view of quality.
    """
    lab.check_lang(lang)
    model = paused.model
    if sector not in GROWTH:
        raise ValueError(f"sector={sector!r} is not allowed: expected one of {', '.join(GROWTH)}")
    s = GROWTH.index(sector)
    firms, fund, rules = model.firms, model.fund, model.fund.rules
    budget = np.zeros(len(GROWTH), np.int64)
    if rules is not None:
        budget[s] = fund.budget[s]
    figure = Figure(figsize=(8, 5), layout="constrained")
    ax = figure.subplots()
    figure.suptitle(f"{text('ui.fund_picks_title', lang)}: {name('sector', sector, lang)} — {model.date}", fontsize=12)
    if budget[s] <= 0:
        ax.text(0.5, 0.5, text("ui.fund_none", lang), ha="center", va="center", transform=ax.transAxes)
        ax.axis("off")
        reading = text("reading.fund_picks_none", lang, quarter=model.date, sector=name("sector", sector, lang))
        return Item("fund_picks", sentence([reading], lang), figure)
    deals = [d for d in fund.deals if d.quarter == model.quarter]
    picked = np.concatenate([d.rows[d.sectors == s] for d in deals]) if deals else np.zeros(0, np.intp)
    before = ~firms.funded | np.isin(np.arange(firms.n), picked)  # funded before this quarter's deals
    pool = np.flatnonzero(firms.active & before & (firms.founded <= model.year - 1.0) & (firms.sector == s))
    valuation = model.world.growth["valuation_multiple"][s] * firms.revenue[pool]
    perfectly_informed = dataclasses.replace(fund.behaviour, screening_noise=0.0)
    by_quality = dataclasses.replace(rules, selection="quality")
    perfect, _ = select_investees(firms, pool, budget, by_quality, perfectly_informed, valuation, np.zeros(pool.size))
    ax.scatter(firms.tfp[pool], firms.rd_rate[pool], s=10, color="lightgrey", label=text("ui.pipeline", lang))
    ax.scatter(firms.tfp[picked], firms.rd_rate[picked], s=28, color="tab:orange", label=text("ui.picked_noisy", lang))
    ax.scatter(
        firms.tfp[perfect],
        firms.rd_rate[perfect],
        s=60,
        facecolors="none",
        edgecolors="black",
        label=text("ui.picked_perfect", lang),
    )
    ax.set_xscale("log")
    ax.set_xlabel(text("ui.tfp_axis", lang), fontsize=9)
    ax.set_ylabel(text("ui.rd_axis", lang), fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    mean_tfp = lambda rows: f"{firms.tfp[rows].mean():.2f}" if rows.size else "–"  # noqa: E731
    reading = text(
        "reading.fund_picks",
        lang,
        quarter=model.date,
        sector=name("sector", sector, lang),
        budget=number(budget[s] / 1e9, "bn yuan", lang),
        picked=f"{picked.size:,}",
        tfp_picked=mean_tfp(picked),
        pool=f"{pool.size:,}",
        tfp_pool=mean_tfp(pool),
        perfect=f"{perfect.size:,}",
        tfp_perfect=mean_tfp(perfect),
        overlap=f"{np.intersect1d(picked, perfect).size:,}",
    )
    return Item("fund_picks", sentence([reading], lang), figure)
