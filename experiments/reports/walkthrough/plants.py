"""The overcapacity plants of a paused run: who they are, the surcharges they face, their decisions.

Each decision is shown as simulated, and again without the surcharges or without the inspections.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from agents.plants import Plant, PlantContext
from agents.population import ColumnStore
from experiments.reports import labels as lab
from experiments.reports.labels import cap, name, number, sentence, text
from experiments.reports.review.display import Item
from experiments.reports.walkthrough.paused_run import Paused, copy_columns
from model.names import OVERCAPACITY_SECTORS as OVERCAPACITY

DECISIONS = ("decision_carry_on", "decision_upgrade", "decision_exit", "decision_busy")


def _surcharge_bill(plants: ColumnStore, ctx: PlantContext) -> np.ndarray:
    """Electricity surcharge each plant pays [bn yuan per year] at its current output."""
    return plants.output * ctx.base[plants.sector] * 1e-9 * plants.power_intensity * plants.surcharge


def decide(paused: Paused, surcharges: bool = True, inspections: bool = True) -> np.ndarray:
    """Each plant's decision in the paused quarter, as simulated or without surcharges or inspections.

    The model's own rule (:meth:`agents.plants.Plant.decide_investment`) runs
    on a copy of the plants as they were when they decided. Without surcharges, a plant
    pays none now or after an upgrade, and expects the profit it made plus the surcharge
    it no longer pays. Without inspections, no plant expects a forced closure.

    Returns:
        Per plant row: 0 carry on, 1 upgrade, 2 exit, 3 an upgrade already under way,
        -1 not operating.
    """
    plants = copy_columns(paused.plants)
    ctx = dataclasses.replace(paused.ctx)
    if not surcharges:
        plants.expected_profit = plants.expected_profit + _surcharge_bill(plants, ctx)
        plants.surcharge = 0.0
        ctx.surcharge_of = lambda rows, *_: np.zeros(np.size(rows))
    if not inspections:
        ctx.closure_risk = np.zeros(plants.n)
    busy = plants.active & (plants.upgrade_due >= 0)
    upgrade, leave = Plant.decide_investment(plants, ctx)
    decision = np.where(upgrade, 1, np.where(leave, 2, 0))
    decision = np.where(busy, 3, decision)
    return np.where(plants.active, decision, -1)


def population(paused: Paused, lang: str = "en") -> Item:
    """The plants at the end of the quarter: by sector, and their energy use against the quota."""
    lab.check_lang(lang)
    model = paused.model
    plants, firms, env = model.plants, model.firms, model.environment
    on = plants.active
    ratio = (
        env.quota_metric(plants.sector, plants.fuel_intensity, plants.power_intensity) / env.energy_quota[plants.sector]
    )
    figure = Figure(figsize=(12, 6), layout="constrained")
    axes = figure.subplots(2, 3).ravel()
    for k, sector in enumerate(OVERCAPACITY):
        ax = axes[k]
        rows = on & (plants.sector == k)
        points = ax.scatter(
            ratio[rows],
            plants.surcharge[rows],
            s=8 + 60 * np.sqrt(plants.capacity[rows] / max(plants.capacity[rows].max(initial=0), 1e-12)),
            c=plants.ule_unmet[rows],
            cmap="Reds",
            vmin=0,
            vmax=3,
            edgecolors="grey",
            linewidths=0.4,
        )
        ax.axvline(1.0, color="crimson", linestyle="--", linewidth=1)
        ax.set_title(cap(name("sector", sector, lang)), fontsize=10)
        ax.set_xlabel(text("ui.energy_axis", lang), fontsize=8)
        ax.set_ylabel(text("ui.surcharge_axis", lang), fontsize=8)
        ax.grid(alpha=0.3)
    figure.colorbar(points, ax=list(axes), label=text("ui.ule_unmet", lang), shrink=0.6)
    figure.suptitle(f"{text('ui.population_title', lang)} — {model.date}", fontsize=12)

    w = plants.weight
    rows = []
    for k, sector in enumerate(OVERCAPACITY):
        m = on & (plants.sector == k)
        unit_id = model.world.overcapacity_units[k]
        rows.append(
            {
                text("ui.col_sector", lang): cap(name("sector", sector, lang)),
                text("ui.col_rows", lang): int(m.sum()),
                text("ui.col_firms", lang): round(float(w[m].sum())),
                text("ui.col_capacity", lang): number(float((w * plants.capacity)[m].sum()), unit_id, lang),
                text("ui.col_output", lang): number(float((w * plants.output)[m].sum()), unit_id, lang),
                text("ui.col_workers", lang): lab.plain(float((w * plants.workers)[m].sum()), lang),
            }
        )
    table = pd.DataFrame(rows).set_index(text("ui.col_sector", lang))
    fon = firms.active
    over = float(w[on & (ratio > 1)].sum() / max(w[on].sum(), 1e-12))
    reading = text(
        "reading.population",
        lang,
        quarter=model.date,
        plants=lab.plain(float(w[on].sum()), lang),
        sectors=len(OVERCAPACITY),
        firms=lab.plain(float(firms.weight[fon].sum()), lang),
        rows=f"{int(on.sum()) + int(fon.sum()):,}",
        scale=f"{model.scale:g}",
        over=lab.percent(over, lang, digits=0),
    )
    return Item("population", sentence([reading], lang), figure, table)


SCHEDULE_GRID = np.linspace(0.7, 1.5, 161)  # unit energy use relative to the sector's quota
SCHEDULE_POINT = 1.2


def surcharge_schedules(paused: Paused, lang: str = "en") -> Item:
    """The electricity surcharge a sector's median plant would pay at other levels of energy use.

    The mix's pricing schemes (:meth:`model.instruments.Environment.surcharge_of`) are
    asked for the surcharge of each sector's median-capacity plant with its fuel and
    power intensity scaled so that its unit energy use runs from 0.7 to 1.5 times the
    sector's quota: the tiers show as steps.
    """
    lab.check_lang(lang)
    model, plants = paused.model, paused.plants
    env = model.environment
    figure = Figure(figsize=(12, 6), layout="constrained")
    axes = figure.subplots(2, 3).ravel()
    items = []
    for k, sector in enumerate(OVERCAPACITY):
        ax = axes[k]
        rows = np.flatnonzero(plants.active & (plants.sector == k))
        if rows.size == 0:
            ax.axis("off")
            continue
        row = int(rows[np.argsort(plants.capacity[rows])[rows.size // 2]])
        one = np.array([row])
        ratio = float(env.quota_metric(plants.sector[one], plants.fuel_intensity[one], plants.power_intensity[one])[0])
        ratio /= float(env.energy_quota[k])
        scale = SCHEDULE_GRID / ratio
        many = np.full(scale.size, row)
        surcharge = env.surcharge_of(
            plants,
            many,
            plants.fuel_intensity[row] * scale,
            plants.power_intensity[row] * scale,
            np.full(scale.size, plants.ule_unmet[row]),
            np.full(scale.size, plants.equipment_class[row]),
        )
        ax.step(SCHEDULE_GRID, surcharge, where="post", color="tab:red")
        ax.axvline(1.0, color="grey", linestyle="--", linewidth=1)
        ax.plot([ratio], [plants.surcharge[row]], "o", color="black")
        ax.set_title(cap(name("sector", sector, lang)), fontsize=10)
        ax.set_xlabel(text("ui.energy_axis", lang), fontsize=8)
        ax.set_ylabel(text("ui.surcharge_axis", lang), fontsize=8)
        ax.grid(alpha=0.3)
        at = float(np.interp(SCHEDULE_POINT, SCHEDULE_GRID, surcharge))
        items.append(f"{name('sector', sector, lang)} {at:.2f}")
    figure.suptitle(f"{text('ui.schedule_title', lang)} — {model.date}", fontsize=12)
    reading = text(
        "reading.schedules", lang, quarter=model.date, point=f"{SCHEDULE_POINT:g}", items=lab.join(items, lang)
    )
    return Item("schedules", sentence([reading], lang), figure)


def _decision_name(code: int, lang: str) -> str:
    return text(f"ui.{DECISIONS[code]}", lang) if code >= 0 else "–"


def decisions(paused: Paused, lang: str = "en") -> Item:
    """Plants' decisions in the quarter as simulated, without the surcharges and without the inspections."""
    lab.check_lang(lang)
    model, plants = paused.model, paused.plants
    cases = {
        "case_actual": decide(paused),
        "case_no_surcharge": decide(paused, surcharges=False),
        "case_no_inspection": decide(paused, inspections=False),
    }
    w = plants.weight
    figure = Figure(figsize=(12, 4.2), layout="constrained")
    axes = figure.subplots(1, 2)
    x = np.arange(len(OVERCAPACITY))
    colours = ("tab:blue", "tab:orange", "tab:green")
    for ax, code in zip(axes, (1, 2), strict=True):
        for k, (case, decision) in enumerate(cases.items()):
            counts = [float(w[(decision == code) & (plants.sector == s)].sum()) for s in range(len(OVERCAPACITY))]
            ax.bar(x + (k - 1) * 0.27, counts, 0.27, color=colours[k], label=text(f"ui.{case}", lang))
        ax.set_xticks(x, [cap(name("sector", s, lang)) for s in OVERCAPACITY], rotation=25, ha="right", fontsize=8)
        ax.set_title(cap(_decision_name(code, lang)), fontsize=10)
        ax.set_ylabel(text("ui.col_plants", lang), fontsize=8)
        ax.grid(alpha=0.3, axis="y")
    axes[0].legend(fontsize=8)
    figure.suptitle(f"{text('ui.decisions_title', lang)} — {model.date}", fontsize=12)

    table = pd.DataFrame(
        {
            text(f"ui.{case}", lang): [round(float(w[decision == code].sum())) for code in range(len(DECISIONS))]
            for case, decision in cases.items()
        },
        index=pd.Index([_decision_name(c, lang) for c in range(len(DECISIONS))], name=text("ui.col_decision", lang)),
    )
    count = {case: {code: f"{round(float(w[d == code].sum())):,}" for code in (1, 2)} for case, d in cases.items()}
    reading = text(
        "reading.decisions",
        lang,
        quarter=model.date,
        upgrade=count["case_actual"][1],
        exit=count["case_actual"][2],
        upgrade_ns=count["case_no_surcharge"][1],
        exit_ns=count["case_no_surcharge"][2],
        upgrade_ni=count["case_no_inspection"][1],
        exit_ni=count["case_no_inspection"][2],
    )
    return Item("decisions", sentence([reading], lang), figure, table)


def example_plant(paused: Paused, lang: str = "en") -> tuple[Item, int | None]:
    """A plant whose decision the surcharge (or else an inspection) changes, with its numbers.

    Returns:
        The item and the plant's row (None if no decision changes).
    """
    lab.check_lang(lang)
    model, plants, ctx = paused.model, paused.plants, paused.ctx
    actual = decide(paused)
    no_surcharge = decide(paused, surcharges=False)
    no_inspection = decide(paused, inspections=False)
    changed = np.flatnonzero((actual >= 0) & ((actual != no_surcharge) | (actual != no_inspection)))
    if changed.size == 0:
        return Item("example", sentence([text("reading.example_none", lang, quarter=model.date)], lang)), None
    by_surcharge = changed[actual[changed] != no_surcharge[changed]]
    pool = by_surcharge if by_surcharge.size else changed
    row = int(pool[np.argmax(plants.surcharge[pool])])  # the plant paying the most, a clear case
    env = model.environment
    s = int(plants.sector[row])
    quota_ratio = float(
        env.quota_metric(
            plants.sector[row : row + 1], plants.fuel_intensity[row : row + 1], plants.power_intensity[row : row + 1]
        )[0]
        / env.energy_quota[s]
    )
    rows = np.array([row])
    cost_with = float(Plant.marginal_cost(plants, ctx, rows=rows)[0])
    cost_without = float(Plant.marginal_cost(plants, ctx, surcharge=np.zeros(1), rows=rows)[0])
    sector, city = OVERCAPACITY[s], model.world.cities[int(plants.city[row])]
    yes_no = lambda flag: text("ui.yes" if flag else "ui.no", lang)  # noqa: E731
    table = pd.DataFrame(
        {
            text("ui.col_value", lang): [
                cap(name("sector", sector, lang)),
                name("city", city, lang),
                lab.plain(float(plants.power_intensity[row]), lang),
                f"{quota_ratio:.2f}",
                f"{plants.surcharge[row]:.3f}",
                lab.plain(cost_without, lang),
                lab.plain(cost_with, lang),
                yes_no(bool(plants.flagged[row])),
                f"{ctx.closure_risk[row]:.2f}",
                _decision_name(int(actual[row]), lang),
                _decision_name(int(no_surcharge[row]), lang),
                _decision_name(int(no_inspection[row]), lang),
            ]
        },
        index=pd.Index(
            [
                text(key, lang)
                for key in (
                    "ui.plant_sector",
                    "ui.plant_city",
                    "ui.plant_power",
                    "ui.plant_energy_ratio",
                    "ui.plant_surcharge",
                    "ui.plant_cost_without",
                    "ui.plant_cost_with",
                    "ui.plant_flagged",
                    "ui.plant_closure_risk",
                    "ui.case_actual",
                    "ui.case_no_surcharge",
                    "ui.case_no_inspection",
                )
            ],
            name=text("ui.col_quantity", lang),
        ),
    )
    reading = text(
        "reading.example_plant",
        lang,
        sector=name("sector", sector, lang),
        city=name("city", city, lang),
        surcharge=f"{plants.surcharge[row]:.3f}",
        cost0=lab.plain(cost_without, lang),
        cost1=lab.plain(cost_with, lang),
        actual=_decision_name(int(actual[row]), lang),
        no_surcharge=_decision_name(int(no_surcharge[row]), lang),
        no_inspection=_decision_name(int(no_inspection[row]), lang),
    )
    return Item("example", sentence([reading], lang), table=table), row
