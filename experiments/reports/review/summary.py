"""What the sweep holds, and which groups meet which targets, how surely."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from experiments.reports import labels as lab
from experiments.reports.labels import join, name, probability, scale_text, sentence, text
from experiments.reports.review.display import Item, figure_title
from experiments.reports.review.sweep import Sweep, quantiles
from experiments.reports.review.words import ci_text, target_label, year_of, year_text
from experiments.sweeps.collect import wilson_interval

SURE, RARE = 0.9, 0.1  # a target met in >= 90 % of seeds is "met"; in < 10 % "missed"
FEW_SEEDS = 10  # fewer seeds in a group: no headline claim about it
RECOMMENDED_SCALE = 1.0  # the scale the model is calibrated at (README, Calibration); smaller: no claim
# The per-mix table's outcomes besides the targets: cumulative by the last quarter.
COSTS = ("fiscal_outlay", "jobs_lost", "surcharge_revenue")


def _cell(median: float, low: float, high: float, unit_id: str, lang: str) -> str:
    """A median with its 90 % band: ``1510亿元（1400–1620亿元）`` / ``151 bn yuan (140–162)``."""
    if low == high:  # every seed alike (no outlay without the fund): no band to show
        return lab.number(median, unit_id, lang)
    a, b = lab.band(low, high, unit_id, lang)
    return text("ui.value_cell", lang, value=lab.number(median, unit_id, lang), low=a, high=b)


def per_mix(sweep: Sweep) -> Item:
    """The planner's table: per mix, the targets met and how surely, fiscal outlay, jobs lost, surcharges."""
    lang = sweep.lang
    targets = [t for t in sweep.targets.index if t in sweep.probabilities]
    rows = []
    for group in sweep.groups:
        members = sweep.complete[sweep.complete.group.astype(str) == group]
        met = members[[f"met.{t}" for t in targets]].astype(bool)
        surely = int((sweep.probabilities.loc[group, targets] >= SURE).sum())
        every = met.all(axis=1)
        low, high = wilson_interval(int(every.sum()), len(every))
        ci_low, ci_high = ci_text(low, high, lang)
        row = {
            text("ui.col_surely", lang): text("ui.of_total", lang, k=surely, n=len(targets)),
            text("ui.col_all_met", lang): text(
                "ui.probability_cell", lang, p=probability(float(every.mean()), lang), low=ci_low, high=ci_high
            ),
        }
        for indicator in COSTS:
            unit_id = sweep.unit_of(indicator)
            median, p05, p95 = quantiles(sweep.of_group(indicator, group))
            row[text(f"ui.col_{indicator}", lang)] = _cell(median, p05, p95, unit_id, lang)
        row[text("ui.col_seeds", lang)] = str(len(members))
        rows.append(row)
    table = pd.DataFrame(rows, index=pd.Index([sweep.label(g) for g in sweep.groups], name=text("ui.col_group", lang)))
    reading = sentence([text("reading.per_mix", lang, n=len(targets), year=sweep.last.year)], lang)
    return Item("per_mix", reading, table=table)


def claim_groups(sweep: Sweep) -> list[str]:
    """The groups a headline claim may be drawn from: at least FEW_SEEDS seeds at the recommended scale."""
    done = sweep.complete.assign(group=sweep.complete.group.astype(str))
    seeds = done.groupby("group").seed.nunique()
    scales = done.groupby("group")["scale"].first() if "scale" in done else pd.Series(dtype=float)
    return [
        g
        for g in sweep.groups
        if seeds.get(g, 0) >= FEW_SEEDS and abs(float(scales.get(g, float("nan"))) - RECOMMENDED_SCALE) < 1e-9
    ]


def caution(sweep: Sweep) -> str:
    """Why no headline claim is drawn (too few seeds, a smaller scale), or nothing if claims may be drawn."""
    lang = sweep.lang
    done = sweep.complete.assign(group=sweep.complete.group.astype(str))
    seeds = int(done.groupby("group").seed.nunique().min())
    scales = sorted(done["scale"].dropna().astype(float).unique()) if "scale" in done else []
    reasons = []
    if seeds < FEW_SEEDS:
        reasons.append(text("reading.caution_seeds", lang, seeds=seeds, needed=FEW_SEEDS))
    if any(abs(s - RECOMMENDED_SCALE) > 1e-9 for s in scales):
        shown = lab.join([scale_text(s, lang) for s in scales], lang)
        reasons.append(
            text("reading.caution_scale", lang, scale=shown, recommended=scale_text(RECOMMENDED_SCALE, lang))
        )
    if not reasons:
        return ""
    return text("reading.caution", lang, reasons=lab.join(reasons, lang))


def overview(sweep: Sweep) -> Item:
    """What the sweep holds: groups, finished runs and seeds."""
    lang = sweep.lang
    runs = sweep.runs.assign(group=sweep.runs.group.astype(str))
    table = pd.DataFrame(
        {
            text("ui.col_group", lang): [sweep.label(g) for g in sweep.groups],
            text("ui.col_runs", lang): [
                int(((runs.group == g) & (runs.status == "complete")).sum()) for g in sweep.groups
            ],
            text("ui.col_failed", lang): [
                int(((runs.group == g) & (runs.status != "complete")).sum()) for g in sweep.groups
            ],
        }
    ).set_index(text("ui.col_group", lang))
    per_group = sweep.complete.groupby("group").seed.nunique()
    seeds = str(per_group.iloc[0]) if per_group.nunique() == 1 else f"{per_group.min()}–{per_group.max()}"
    failed = int((runs.status != "complete").sum())
    scales = sweep.complete["scale"].dropna().unique() if "scale" in sweep.complete else []
    clauses = [
        text(
            "reading.sweep",
            lang,
            experiment=name("experiment", sweep.experiment, lang),
            runs=len(sweep.complete),
            groups=len(sweep.groups),
            seeds=seeds,
            scale=join([scale_text(s, lang) for s in scales], lang) or "?",
            failed=text("reading.sweep_failed", lang, n=failed) if failed else "",
        )
    ]
    if per_group.min() < FEW_SEEDS:
        clauses[0] += text("reading.sweep_few_seeds", lang, seeds=int(per_group.min()))
    return Item("overview", sentence(clauses, lang), table=table)


def headline(sweep: Sweep) -> Item:
    """Which groups meet which targets, how surely: a probability heatmap and a table."""
    lang = sweep.lang
    probs = sweep.probabilities[[t for t in sweep.targets.index if t in sweep.probabilities]]
    target_names = [target_label(sweep.targets.loc[t], lang, sweep.last.year) for t in probs.columns]
    group_names = [sweep.label(g) for g in probs.index]

    # Targets down the side (their names are long), groups across.
    figure = Figure(figsize=(5.5 + 1.1 * probs.shape[0], 1.6 + 0.36 * probs.shape[1]), layout="constrained")
    ax = figure.subplots()
    image = ax.imshow(probs.T.to_numpy(float), cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
    ax.set_yticks(range(probs.shape[1]), target_names, fontsize=8)
    ax.set_xticks(range(probs.shape[0]), group_names, fontsize=8.5, rotation=20 if len(group_names) > 3 else 0)
    ax.xaxis.tick_top()
    cells = {}
    for i, group in enumerate(probs.index):
        for j, target in enumerate(probs.columns):
            row = sweep.target_row(target, group)
            low, high = ci_text(float(row["ci_low"]), float(row["ci_high"]), lang)
            cells[(group, target)] = text(
                "ui.probability_cell", lang, p=probability(row["probability"], lang), low=low, high=high
            )
            p = float(row["probability"])
            ink = "white" if (p < 0.2 or p > 0.8) else "black"  # readable on dark red and dark green
            ax.text(i, j, cells[(group, target)], ha="center", va="center", fontsize=7, color=ink)
    figure.colorbar(image, ax=ax, label=text("ui.probability", lang), shrink=0.6, aspect=30)
    ax.set_xlabel(text("ui.headline_note", lang), fontsize=8)
    figure_title(figure, "ui.heatmap_title", lang)

    eligible = claim_groups(sweep)
    warning = caution(sweep)
    if not eligible:  # no claim: the table and heatmap, and why no reading is drawn from them
        return Item("headline", sentence([warning], lang), figure, _headline_table(sweep, probs, cells))
    met = (probs.loc[eligible] >= SURE).sum(axis=1)
    best, worst = str(met.idxmax()), str(met.idxmin())
    clauses = []
    if len(met) > 1 and met[best] == met[worst]:
        clauses.append(text("reading.headline_tie", lang, n=int(met[best]), total=probs.shape[1]))
    elif len(met) > 1:
        clauses.append(
            text(
                "reading.headline_many",
                lang,
                best=sweep.label(best),
                best_n=int(met[best]),
                total=probs.shape[1],
                worst=sweep.label(worst),
                worst_n=int(met[worst]),
            )
        )
    else:
        clauses.append(
            text("reading.headline_one", lang, best=sweep.label(best), best_n=int(met[best]), total=probs.shape[1])
        )
    missed = [t for t in probs.columns if (probs.loc[eligible, t] < RARE).all()]
    if missed:
        names = [target_label(sweep.targets.loc[t], lang, sweep.last.year) for t in missed]
        clauses.append(text("reading.headline_missed", lang, targets=join(names, lang)))
    else:
        clauses.append(text("reading.headline_missed_none", lang))
    if warning:  # some groups are left out of the claims
        clauses.append(warning)
    return Item("headline", sentence(clauses, lang), figure, _headline_table(sweep, probs, cells))


def _headline_table(sweep: Sweep, probs: pd.DataFrame, cells: dict[tuple[str, str], str]) -> pd.DataFrame:
    """Targets down the side, groups across: each cell the probability with its interval."""
    lang = sweep.lang
    target_names = [target_label(sweep.targets.loc[t], lang, sweep.last.year) for t in probs.columns]
    group_names = [sweep.label(g) for g in probs.index]
    table = pd.DataFrame(
        {group_names[i]: [cells[(g, t)] for t in probs.columns] for i, g in enumerate(probs.index)},
        index=pd.Index(target_names, name=text("ui.col_target", lang)),
    )
    table.insert(
        0, text("ui.col_due", lang), [year_text(year_of(sweep.targets.loc[t, "date"]), lang) for t in probs.columns]
    )
    return table
