"""One run's mechanics for a researcher: the firm population, a plant's decision, the fund's picks.

``notebooks/single_run_walkthrough.ipynb`` calls these functions. The model is run
up to a chosen quarter; the decision and selection rules are then called again on a
copy of the firms' columns under other settings (no surcharges, no inspections, a
perfectly informed fund), so that the walkthrough shows the model's own rules at
work rather than a description of them. Nothing here changes the model's state.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from agents.fund import select_investees
from agents.plants import Plant, PlantContext
from agents.population import ColumnStore
from experiments import labels as lab
from experiments.labels import cap, name, number, sentence, text
from experiments.review import GROWTH, OVERCAPACITY, Item
from model import ShandongModel
from model.calendar import N_QUARTERS, quarter_index, quarter_label
from model.errors import ConfigError

DECISIONS = ("decision_carry_on", "decision_upgrade", "decision_exit", "decision_busy")
CASES = ("case_actual", "case_no_surcharge", "case_no_inspection")


@dataclass
class Paused:
    """A model stopped after a quarter, with the plants' state as they took that quarter's decisions.

    Attributes:
        model: The model, run to the end of the quarter.
        plants: A copy of the plants' columns just before they compared carrying on,
            upgrading and exiting (after production, markets and inspections).
        ctx: A copy of what they saw then (prices, surcharges, closure risks).
    """

    model: ShandongModel
    plants: ColumnStore
    ctx: PlantContext


def build(
    run_dir: str | Path | None = None,
    policy_mix: str = "as_enacted",
    seed: int = 0,
    scale: float = 0.2,
    scenario: str = "baseline",
    quarter: str = "2018Q1",
) -> Paused:
    """A model run to the end of ``quarter``, with the plants' state at that quarter's decisions.

    Args:
        run_dir: A finished run's folder (of a sweep or a single run): its resolved
            config is used, so the model is that run. Otherwise the mix, seed, scale
            and scenario below are.
        policy_mix: Name of a mix in ``conf/policy_mix/``.
        seed: Root seed.
        scale: Fraction of the full firm population, in (0, 1].
        scenario: Name of a scenario in ``conf/scenario/``.
        quarter: The quarter to stop after, 2018Q1 to 2022Q4.

    Raises:
        ValueError: A quarter outside the simulation or a folder without a run (one line).
    """
    q = _quarter(quarter)
    if run_dir:
        summary = Path(run_dir) / "summary.json"
        if not summary.is_file():
            raise ValueError(f"run_dir={str(run_dir)!r} is not a finished run: summary.json missing")
        from omegaconf import OmegaConf

        config = OmegaConf.create(json.loads(summary.read_text(encoding="utf-8"))["config"])
        model = ShandongModel(config=config)
    else:
        model = ShandongModel(seed=seed, scale=scale, policy_mix=policy_mix, scenario=scenario)
    return _pause(model, q)


def advance(paused: Paused, quarter: str) -> Paused:
    """The same model run on to the end of a later ``quarter``, with the plants' state at its decisions.

    Raises:
        ValueError: ``quarter`` is not after the paused one (one line).
    """
    q = _quarter(quarter)
    if q <= paused.model.quarter:
        raise ValueError(f"quarter={quarter!r} is not allowed: expected a quarter after {paused.model.date}")
    return _pause(paused.model, q)


def _quarter(label: str) -> int:
    try:
        q = quarter_index(label, "quarter")
    except ConfigError as error:
        raise ValueError(str(error)) from None
    if not 1 <= q <= N_QUARTERS:
        raise ValueError(
            f"quarter={label!r} is not allowed: expected a quarter from {quarter_label(1)} "
            f"to {quarter_label(N_QUARTERS)}"
        )
    return q


def _pause(model: ShandongModel, q: int) -> Paused:
    """Step ``model`` to the end of quarter ``q``, copying the plants' state as they decide in ``q``."""
    while model.steps < q - 1:
        model.step()
    captured: dict[str, object] = {}
    decide_phase = model.plants_invest_upgrade_or_exit

    def capture() -> None:
        captured["plants"] = _copy(model.plants)
        captured["ctx"] = dataclasses.replace(
            model.plant_ctx,
            **{
                f.name: np.copy(getattr(model.plant_ctx, f.name))
                for f in dataclasses.fields(model.plant_ctx)
                if isinstance(getattr(model.plant_ctx, f.name), np.ndarray)
            },
        )
        decide_phase()

    model.plants_invest_upgrade_or_exit = capture  # an instance hook around one phase, removed below
    try:
        model.step()
    finally:
        del model.plants_invest_upgrade_or_exit
    return Paused(model, captured["plants"], captured["ctx"])


def _copy(store: ColumnStore) -> ColumnStore:
    """An independent copy of a column store (the rules may write into it)."""
    columns = store.snapshot()
    copy = ColumnStore({k: v.dtype for k, v in columns.items()}, store.n)
    copy.append(store.n, columns)
    return copy


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
    plants = _copy(paused.plants)
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
                text("ui.col_workers", lang): lab.plain(float((w * plants.workers)[m].sum())),
            }
        )
    table = pd.DataFrame(rows).set_index(text("ui.col_sector", lang))
    fon = firms.active
    over = float(w[on & (ratio > 1)].sum() / max(w[on].sum(), 1e-12))
    reading = text(
        "reading.population",
        lang,
        quarter=model.date,
        plants=lab.plain(float(w[on].sum())),
        sectors=len(OVERCAPACITY),
        firms=lab.plain(float(firms.weight[fon].sum())),
        rows=f"{int(on.sum()) + int(fon.sum()):,}",
        scale=f"{model.scale:g}",
        over=lab.percent(over, lang, digits=0),
    )
    return Item("population", sentence([reading], lang), figure, table)


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
        firms=lab.plain(float(w[on].sum())),
        revenue=number(float(revenue.sum()), "bn yuan", lang),
        top=name("sector", GROWTH[top], lang),
        top_share=lab.percent(float(revenue[top] / revenue.sum()), lang, digits=0),
    )
    return Item("firms", sentence([reading], lang), table=table)


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
                lab.plain(float(plants.power_intensity[row])),
                f"{quota_ratio:.2f}",
                f"{plants.surcharge[row]:.3f}",
                lab.plain(cost_without),
                lab.plain(cost_with),
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
        cost0=lab.plain(cost_without),
        cost1=lab.plain(cost_with),
        actual=_decision_name(int(actual[row]), lang),
        no_surcharge=_decision_name(int(no_surcharge[row]), lang),
        no_inspection=_decision_name(int(no_inspection[row]), lang),
    )
    return Item("example", sentence([reading], lang), table=table), row


def fund_picks(paused: Paused, sector: str = "next_gen_it", lang: str = "en") -> Item:
    """How the fund picked firms of one industry in the quarter, against a perfectly informed fund.

    The fund's actual picks are its recorded deals of the quarter (drawn from a random
    pipeline of eligible firms). Its own rule (:meth:`agents.government.ConversionFund.select`)
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


def finish(paused: Paused, run_dir: str | Path | None = None, lang: str = "en") -> str:
    """Run to 2022Q4; with ``run_dir``, check that the run reproduces that folder's result.

    Raises:
        AssertionError: The final new-economy share differs from the run's summary.
    """
    model = paused.model
    while model.running:
        model.step()
    if not run_dir:
        from model.targets import scorecard

        card = scorecard(model.timeseries(), model.params.targets.entries)
        return sentence(
            [text("reading.finished", lang, quarter=model.date, met=int(card.met.sum()), total=len(card))], lang
        )
    summary = json.loads((Path(run_dir) / "summary.json").read_text(encoding="utf-8"))
    expected = summary["final_indicators"]["province"]["new_economy_va_share"]
    actual = model.indicator("new_economy_va_share")
    if not np.isclose(actual, expected, rtol=1e-9, atol=0):
        raise AssertionError(f"the walkthrough's run gives {actual!r} where {run_dir} recorded {expected!r}")
    return sentence(
        [
            text(
                "reading.reproduced",
                lang,
                run="/".join(Path(run_dir).resolve().parts[-2:]),  # group/seed=N
                indicator=name("indicator", "new_economy_va_share", lang),
                value=lab.percent(actual, lang),
            )
        ],
        lang,
    )
