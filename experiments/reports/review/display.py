"""Figures and their display: the review's items, the panels of series over time, notebook output."""

from __future__ import annotations

import html
import io
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from experiments.reports import fonts
from experiments.reports import labels as lab
from experiments.reports.labels import cap, text
from experiments.reports.review.sweep import Sweep
from experiments.reports.review.words import indicator_name, year_of

fonts.use_cjk_font()

DPI = 100


@dataclass
class Item:
    """One piece of the review: a figure, its reading and an optional table."""

    key: str
    reading: str
    figure: Figure | None = None
    table: pd.DataFrame | None = None


def png(figure: Figure) -> bytes:
    """The figure as PNG; a glyph missing from the fonts is an error, not an empty box."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=r"Glyph .* missing from font")
        figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    return buffer.getvalue()


def heading(sweep: Sweep, key: str, level: int = 2) -> None:
    """Display a section heading in the sweep's language."""
    from IPython.display import HTML, display

    display(HTML(f"<h{level}>{html.escape(text(f'heading.{key}', sweep.lang))}</h{level}>"))


def show(item: Item) -> None:
    """Display an item in a notebook: the figure, its reading, then its table."""
    from IPython.display import HTML, Image, display

    if item.figure is not None:
        title = item.figure.get_suptitle() or item.key
        display(Image(data=png(item.figure), format="png", metadata={"alt": title}))
    if item.reading:
        display(HTML(f'<p class="reading"><em>{html.escape(item.reading)}</em></p>'))
    if item.table is not None:
        display(item.table)


def figure_title(figure: Figure, key: str, lang: str, note: str = "") -> None:
    """Set a figure's title: the label ``key`` in ``lang``, with a note in brackets if any."""
    figure.suptitle(text(key, lang) + (f" ({note})" if note else ""), fontsize=12)


def shown_note(sweep: Sweep) -> str:
    """A note saying how many of the groups a chart shows, or nothing if it shows them all."""
    shown = sweep.shown()
    if len(shown) == len(sweep.groups):
        return ""
    return text("ui.groups_shown", sweep.lang, shown=len(shown), total=len(sweep.groups))


def band_panel(ax: Any, sweep: Sweep, indicator: str, sector: str = "all") -> None:
    """Median and 90 % band of each shown group over time, with the targets on the series."""
    lang = sweep.lang
    unit_id = sweep.unit_of(indicator, sector)
    factor = lab.unit(unit_id, lang).factor
    paths = sweep.paths(indicator, sector)
    for group in sweep.shown():
        if group not in paths.index.get_level_values(0):
            continue
        p = paths.loc[group]
        colour = sweep.colour(group)
        top = 1.0 if group == sweep.reference else 0.0  # the reference (as enacted) over the others
        ax.fill_between(p.index, p.p05 * factor, p.p95 * factor, color=colour, alpha=0.18, linewidth=0, zorder=1 + top)
        ax.plot(p.index, p["median"] * factor, color=colour, linewidth=1.6, label=sweep.label(group), zorder=3 + top)
    for target in sweep.targets_on(indicator, sector):
        t = sweep.targets.loc[target]
        label = text("ui.target_line", lang, year=year_of(t["date"]))
        due = pd.Timestamp(pd.Period(str(t["date"]), freq="Q").end_time.date())
        if t["comparison"] == "between":
            ax.axhspan(t["target_value"] * factor, t["upper"] * factor, color="crimson", alpha=0.08, label=label)
        else:
            ax.axhline(t["target_value"] * factor, color="crimson", linestyle="--", linewidth=1.1, label=label)
        if due < sweep.last:  # an earlier deadline (2020): mark it
            ax.axvline(due, color="crimson", linestyle=":", linewidth=0.8)
    year_axis(ax, sweep)
    ax.set_title(cap(indicator_name(indicator, sector, lang)), fontsize=10)
    ax.set_ylabel(lab.axis_label(unit_id, lang), fontsize=8)
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3)


def year_axis(ax: Any, sweep: Sweep) -> None:
    """Ticks at each year's end, labelled with that year (values are end-of-quarter)."""
    ends = pd.date_range(sweep.first, sweep.last, freq="YE")
    ax.set_xticks(ends, [str(d.year) for d in ends])
    ax.set_xlim(sweep.first - pd.Timedelta(days=30), sweep.last + pd.Timedelta(days=30))


def figure_legend(figure: Figure, axes: list[Any], lang: str) -> None:
    """One legend below the figure for the lines of all ``axes``, with the 90 % band's patch."""
    handles, names = [], []
    for ax in axes:
        for h, n in zip(*ax.get_legend_handles_labels(), strict=True):
            if n not in names:
                handles.append(h)
                names.append(n)
    handles.append(Line2D([], [], color="grey", alpha=0.4, linewidth=8))
    names.append(text("ui.band90", lang))
    figure.legend(handles, names, loc="outside lower center", ncol=min(len(names), 5), fontsize=8, frameon=False)


def panels(sweep: Sweep, series: list[tuple[str, str]], title_key: str, cols: int = 3) -> Figure:
    """A figure of band panels, one per ``(indicator, sector)`` series, ``cols`` to a row."""
    rows = int(np.ceil(len(series) / cols))
    figure = Figure(figsize=(4.3 * cols, 3.2 * rows + 0.8), layout="constrained")
    axes = figure.subplots(rows, cols, squeeze=False).ravel()
    for ax, (indicator, sector) in zip(axes, series, strict=False):
        band_panel(ax, sweep, indicator, sector)
    for ax in axes[len(series) :]:
        ax.axis("off")
    figure_title(figure, title_key, sweep.lang, shown_note(sweep))
    figure_legend(figure, list(axes[: len(series)]), sweep.lang)
    return figure


def first_target(sweep: Sweep, series: list[tuple[str, str]]) -> str | None:
    """The first target on any of the series, or None."""
    for indicator, sector in series:
        found = sweep.targets_on(indicator, sector)
        if found:
            return found[0]
    return None
