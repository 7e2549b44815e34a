"""Validation: ``python -m experiments.validate``.

    python -m experiments.validate                          # the default calibration, 10 seeds
    python -m experiments.validate calibration=shandong_2017 validate.seeds=4 scale=0.2

Runs the configured mix (as enacted by default) over ``validate.seeds`` seeds through the
Hydra launcher and compares:

* every observation in ``validate.observations`` (the calibration's moments, and those it
  did not target), simulated against observed, with the error and the simulated band;
* the stylised facts the model should show:
  - heavy-tailed firm sizes: the Hill tail index of revenue among the largest firms
    (``validate.tail_share``) below ``validate.max_tail_index`` (2: infinite variance;
    firm sizes are Zipf-like, index near 1, Axtell 2001) and the top 1 % holding at
    least ``validate.min_top1_share`` of revenue;
  - exits concentrated among small and among energy-intensive plants: the 2018-2022 exit
    rate of plants below their sector's median 2017 capacity above that of larger ones,
    and of plants above the median unit energy use above that of more efficient ones
    (Fisher's exact test on the pooled counts);
  - the 2018-2019 growth dip: GDP growth in 2018 and in 2019 below 2017's.

Writes ``validation.csv``, ``stylised_facts.csv`` and ``validation.png`` into the app folder
(``outputs/validate/<date>_<time>/``) and prints both tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from omegaconf import DictConfig

from experiments.apps import app
from experiments.apps.app import Moment
from experiments.apps.batch import Batch, RunResult, read_moments


@dataclass
class ValidateSettings:
    """Settings of ``experiments.validate`` (conf/validate.yaml)."""

    observations: dict[str, Moment] = field(default_factory=dict)
    seeds: int = 10
    band: float = 0.9
    tail_share: float = 0.05
    max_tail_index: float = 2.0
    min_top1_share: float = 0.2


app.register_schema("validate", ValidateSettings)


def check_settings(cfg: DictConfig) -> None:
    """Reject bad settings in one line, before any run."""
    s = cfg.validate
    app.check(s.seeds >= 2, "validate.seeds", s.seeds, "an integer >= 2 (a band needs several seeds)")
    app.check(0 < s.band < 1, "validate.band", s.band, "a fraction in (0, 1)")
    app.check(0 < s.tail_share <= 0.5, "validate.tail_share", s.tail_share, "a fraction in (0, 0.5]")
    app.check(s.max_tail_index > 0, "validate.max_tail_index", s.max_tail_index, "a number > 0")
    app.check(0 < s.min_top1_share < 1, "validate.min_top1_share", s.min_top1_share, "a fraction in (0, 1)")
    app.check(len(s.observations) > 0, "validate.observations", "{}", "at least one observation")
    app.check_moments("validate.observations", s.observations)


# --------------------------------------------------------------------------- statistics
def hill_tail_index(sizes: np.ndarray, tail_share: float) -> float:
    """Hill estimator of the tail index from the largest ``tail_share`` of ``sizes``.

    ``alpha = k / sum_{i<=k} ln(x_(i) / x_(k+1))`` over the order statistics
    ``x_(1) >= x_(2) >= ...``; a smaller index is a heavier tail (Pareto: P(X > x) ~ x^-alpha).
    """
    x = np.sort(np.asarray(sizes, float)[np.asarray(sizes) > 0])[::-1]
    k = int(tail_share * len(x))
    if k < 2:
        return math.nan
    return float(k / np.sum(np.log(x[:k] / x[k])))


def top_share(sizes: np.ndarray, share: float = 0.01) -> float:
    """Share of the total held by the largest ``share`` of the units."""
    x = np.sort(np.asarray(sizes, float))[::-1]
    top = max(round(share * len(x)), 1)
    return float(x[:top].sum() / x.sum())


def exit_contrast(exited: np.ndarray, group: np.ndarray) -> dict[str, float]:
    """Exit rate of ``group`` against the rest, with Fisher's exact test (one-sided: higher)."""
    from scipy import stats

    a, b = int(np.sum(exited & group)), int(np.sum(~exited & group))
    c, d = int(np.sum(exited & ~group)), int(np.sum(~exited & ~group))
    rate_in = a / max(a + b, 1)
    rate_out = c / max(c + d, 1)
    test = stats.fisher_exact([[a, b], [c, d]], alternative="greater")
    return {"rate_group": rate_in, "rate_rest": rate_out, "p_value": float(test.pvalue)}


def below_sector_median(table: Any, column: str) -> np.ndarray:
    """Rows whose ``column`` is below their sector's median."""
    return (table[column] < table.groupby("sector")[column].transform("median")).to_numpy()


def stylised_facts(firms: Any, plants: Any, growth: Any, growth_2017: float, settings: Any) -> list[dict[str, Any]]:
    """The stylised facts, each with its statistic, criterion and whether it holds.

    Args:
        firms: Growth firms of every run at the end (``firms.parquet`` rows, with ``run``).
        plants: Plants of 2017 of every run (``plants.parquet`` rows with 2017 columns).
        growth: GDP growth by quarter (rows, dated) and seed (columns).
        growth_2017: 2017 GDP growth (the calibration's figure).
        settings: ``tail_share``, ``max_tail_index`` and ``min_top1_share`` (``cfg.validate``).
    """
    tail_share = float(settings.tail_share)
    facts = []
    active = firms[firms["active"]]
    alphas = [hill_tail_index(g["revenue"].to_numpy(), tail_share) for _, g in active.groupby("run")]
    alpha = float(np.nanmedian(alphas))
    top = float(np.median([top_share(g["revenue"].to_numpy()) for _, g in active.groupby("run")]))
    facts.append(
        {
            "fact": "heavy-tailed firm sizes",
            "statistic": f"Hill tail index of revenue (top {tail_share:.0%}), median over seeds",
            "value": alpha,
            "criterion": f"< {settings.max_tail_index:g} (Zipf-like firm sizes have an index near 1)",
            "holds": bool(alpha < settings.max_tail_index),
        }
    )
    facts.append(
        {
            "fact": "heavy-tailed firm sizes",
            "statistic": "share of revenue held by the largest 1 % of firms, median over seeds",
            "value": top,
            "criterion": f">= {settings.min_top1_share:g}",
            "holds": bool(top >= settings.min_top1_share),
        }
    )
    exited = ~plants["active"].to_numpy()
    small = below_sector_median(plants, "capacity_2017")
    efficient = below_sector_median(plants, "energy_use_2017")
    for name, group in (("small plants", small), ("energy-intensive plants", ~efficient)):
        contrast = exit_contrast(exited, group)
        ratio = contrast["rate_group"] / contrast["rate_rest"] if contrast["rate_rest"] > 0 else math.inf
        facts.append(
            {
                "fact": f"exits concentrated among {name}",
                "statistic": (
                    f"2018-2022 exit rate, {name} {contrast['rate_group']:.2f} vs the rest "
                    f"{contrast['rate_rest']:.2f} (ratio; one-sided Fisher p = {contrast['p_value']:.3g})"
                ),
                "value": ratio,
                "criterion": "ratio > 1 and p < 0.05",
                "holds": bool(ratio > 1 and contrast["p_value"] < 0.05),
            }
        )
    by_year = growth.groupby(growth.index.year).mean().median(axis=1)  # yearly mean, median over seeds
    for year in (2018, 2019):
        value = float(by_year.get(year, math.nan))
        facts.append(
            {
                "fact": "2018-2019 growth dip",
                "statistic": f"GDP growth {year}, median over seeds (2017: {growth_2017:.3f})",
                "value": value,
                "criterion": f"< {growth_2017:.3f}",
                "holds": bool(value < growth_2017),
            }
        )
    return facts


def compare(observations: DictConfig, runs: list[RunResult], band: float, targeted: set[str]) -> Any:
    """Simulated against observed, one row per observation."""
    import pandas as pd

    names = list(observations)
    values = np.array([read_moments(r.run_dir, [observations[n] for n in names]) for r in runs if r.ok])
    low, high = np.quantile(values, [(1 - band) / 2, (1 + band) / 2], axis=0)
    observed = np.array([float(observations[n].observed) for n in names])
    mean = values.mean(axis=0)
    return pd.DataFrame(
        {
            "observation": names,
            "indicator": [observations[n].indicator for n in names],
            "sector": [observations[n].sector for n in names],
            "period": [str(observations[n].period) for n in names],
            "observed": observed,
            "simulated_mean": mean,
            "simulated_median": np.median(values, axis=0),
            "band_low": low,
            "band_high": high,
            "error": mean - observed,
            "relative_error": (mean - observed) / observed,
            "observed_in_band": (observed >= low) & (observed <= high),
            "targeted_by_calibration": [n in targeted for n in names],
            "unit": [observations[n].unit for n in names],
            "source": [observations[n].source for n in names],
        }
    )


def read_micro(runs: list[RunResult]) -> tuple[Any, Any, Any]:
    """Firms at the end and plants of 2017, pooled over the runs; GDP growth by quarter and seed."""
    import pandas as pd

    firms, plants, growth = [], [], {}
    for r in runs:
        if not r.ok:
            continue
        f = pd.read_parquet(r.run_dir / "firms.parquet", columns=["sector", "active", "revenue"])
        p = pd.read_parquet(r.run_dir / "plants.parquet")
        p = p[p["capacity_2017"].notna() & (p["capacity_2017"] > 0)]
        series = pd.read_parquet(
            r.run_dir / "timeseries.parquet",
            columns=["date", "value"],
            filters=[("indicator", "=", "gdp_growth"), ("sector", "=", "all"), ("city", "=", "all")],
        )
        firms.append(f.assign(run=r.seed))
        plants.append(p.assign(run=r.seed))
        growth[r.seed] = series.set_index("date")["value"]
    return pd.concat(firms), pd.concat(plants), pd.DataFrame(growth)


def figure(table: Any, firms: Any, plants: Any, growth: Any, growth_2017: float, band: float) -> Any:
    """Four panels: observations, firm-size tail, exit rates by size and energy use, growth."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(13, 9))
    ax = axes[0, 0]
    y = np.arange(len(table))
    obs = table["observed"].to_numpy()
    ax.hlines(y, 100 * (table["band_low"] / obs - 1), 100 * (table["band_high"] / obs - 1), color="tab:blue", lw=4)
    ax.plot(100 * (table["simulated_median"] / obs - 1), y, "o", color="navy", label="simulated median")
    ax.axvline(0, color="black", lw=1, label="observed")
    labels = [
        f"{n}{'' if t else ' (not targeted)'}"
        for n, t in zip(table["observation"], table["targeted_by_calibration"], strict=True)
    ]
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel(f"simulated vs observed [% of observed]; bar: {band:.0%} of seeds")
    ax.set_title("Observations")
    ax.legend(fontsize=8)

    ax = axes[0, 1]
    first = firms[(firms["run"] == firms["run"].min()) & firms["active"]]["revenue"].to_numpy()
    sizes = np.sort(first[first > 0])[::-1]
    ax.loglog(sizes, np.arange(1, len(sizes) + 1), ".", ms=2, color="tab:green")
    ax.set_xlabel("revenue [bn yuan per year], 2022Q4")
    ax.set_ylabel("rank")
    ax.set_title("Firm sizes (one seed): rank against size")

    ax = axes[1, 0]
    exited = ~plants["active"]
    by = {}
    for column, title in (("capacity_2017", "size"), ("energy_use_2017", "energy use")):
        quartile = plants.groupby("sector")[column].transform(lambda s: s.rank(pct=True)).mul(4).clip(upper=3.999)
        by[title] = exited.groupby(quartile.astype(int)).mean()
    width = 0.38
    for offset, (title, rates) in zip((-width / 2, width / 2), by.items(), strict=True):
        ax.bar(rates.index + offset, rates.to_numpy(), width, label=f"by {title} quartile (within sector)")
    ax.set_xticks(range(4), ["Q1 (smallest / least)", "Q2", "Q3", "Q4 (largest / most)"])
    ax.set_ylabel("share of 2017 plants exited by 2022")
    ax.set_title("Exits by 2017 size and unit energy use")
    ax.legend(fontsize=8)

    ax = axes[1, 1]
    lo, hi = growth.quantile((1 - band) / 2, axis=1), growth.quantile((1 + band) / 2, axis=1)
    ax.fill_between(growth.index, 100 * lo, 100 * hi, alpha=0.3, color="tab:orange", label=f"{band:.0%} of seeds")
    ax.plot(growth.index, 100 * growth.median(axis=1), color="tab:orange", label="median")
    ax.axhline(100 * growth_2017, color="black", ls="--", lw=1, label="2017")
    ax.set_ylabel("GDP growth, year on year [%]")
    ax.set_title("The 2018-2019 growth dip")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def validate(cfg: DictConfig, folder: Path) -> None:
    """Run the seeds, compare, write the tables and the figure."""
    import pandas as pd

    settings = cfg.validate
    estimation = cfg.calibration.get("estimation") or {}
    targeted = set((estimation.get("moments") or {}).keys())
    print(
        f"validate: {len(settings.observations)} observations and the stylised facts, calibration "
        f"'{cfg.calibration.name}', mix '{cfg.policy_mix.name}', {settings.seeds} seeds (scale {cfg.scale})",
        flush=True,
    )
    # The runs write their plant and firm tables: the stylised facts are about firms.
    batch = Batch(cfg, "validate", ["output.micro=true"])
    runs = batch.run([{}], list(range(int(settings.seeds))), "runs")[0]
    failed = [r for r in runs if not r.ok]
    if len(failed) == len(runs):
        raise RuntimeError(f"every run failed; the first: {failed[0].error()} ({failed[0].run_dir})")
    table = compare(settings.observations, runs, float(settings.band), targeted)
    firms, plants, growth = read_micro(runs)
    growth_2017 = float(cfg.calibration.economy.gdp_growth_2017)
    facts = pd.DataFrame(stylised_facts(firms, plants, growth, growth_2017, settings))
    app.write_frame(folder / "validation.csv", table)
    app.write_frame(folder / "stylised_facts.csv", facts)
    app.save_figure(folder / "validation.png", figure(table, firms, plants, growth, growth_2017, float(settings.band)))
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.max_colwidth", 90):
        print(
            table[["observation", "observed", "simulated_mean", "band_low", "band_high", "relative_error"]].to_string(
                index=False, float_format=lambda v: f"{v:.4g}"
            )
        )
        print(facts[["fact", "statistic", "value", "holds"]].to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    if failed:
        print(f"validate: {len(failed)} of {len(runs)} runs failed (left out); first: {failed[0].error()}")
    print(f"validate: {int(facts['holds'].sum())} of {len(facts)} stylised facts hold; results in {folder}")


main = app.entry_point("validate", check_settings, validate)
