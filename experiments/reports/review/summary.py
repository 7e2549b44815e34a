"""What the sweep holds, and which groups meet which targets, how surely."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from experiments.reports.labels import join, probability, sentence, text
from experiments.reports.review.display import Item, figure_title
from experiments.reports.review.sweep import Sweep
from experiments.reports.review.words import ci_text, target_label, year_of, year_text

SURE, RARE = 0.9, 0.1  # a target met in >= 90 % of seeds is "met"; in < 10 % "missed"
FEW_SEEDS = 10


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
            experiment=sweep.experiment,
            runs=len(sweep.complete),
            groups=len(sweep.groups),
            seeds=seeds,
            scale=", ".join(f"{s:g}" for s in scales) or "?",
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

    met = (probs >= SURE).sum(axis=1)
    best, worst = str(met.idxmax()), str(met.idxmin())
    clauses = []
    if len(probs) > 1 and met[best] == met[worst]:
        clauses.append(text("reading.headline_tie", lang, n=int(met[best]), total=probs.shape[1]))
    elif len(probs) > 1:
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
    missed = [t for t in probs.columns if (probs[t] < RARE).all()]
    if missed:
        names = [target_label(sweep.targets.loc[t], lang, sweep.last.year) for t in missed]
        clauses.append(text("reading.headline_missed", lang, targets=join(names, lang)))
    else:
        clauses.append(text("reading.headline_missed_none", lang))

    table = pd.DataFrame(
        {group_names[i]: [cells[(g, t)] for t in probs.columns] for i, g in enumerate(probs.index)},
        index=pd.Index(target_names, name=text("ui.col_target", lang)),
    )
    table.insert(
        0, text("ui.col_due", lang), [year_text(year_of(sweep.targets.loc[t, "date"]), lang) for t in probs.columns]
    )
    return Item("headline", sentence(clauses, lang), figure, table)
