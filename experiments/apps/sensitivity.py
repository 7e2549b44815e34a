"""Global sensitivity of target attainment: ``python -m experiments.sensitivity``.

    python -m experiments.sensitivity                                       # conf/sensitivity.yaml
    python -m experiments.sensitivity scale=0.1 sensitivity.seeds=2 sensitivity.morris.trajectories=4
    python -m experiments.sensitivity sensitivity.method=sobol sensitivity.sobol.base_samples=128
    python -m experiments.sensitivity policy_mix=intensified hydra/launcher=cluster

Which uncertain inputs (``sensitivity.parameters``: scenario paths and assumed behavioural
parameters, each with bounds) decide whether each 2022 target is met? Two steps, with
SALib:

1. **Morris screening** (elementary effects; ``SALib.sample.morris`` /
   ``SALib.analyze.morris``): ``mu*`` (mean absolute effect, with a bootstrap confidence
   interval) and ``sigma`` (non-linearity and interactions) of every parameter on every
   output;
2. **Sobol indices** (Saltelli's design, ``SALib.sample.sobol`` / ``SALib.analyze.sobol``):
   first-order ``S1`` and total ``ST`` indices with bootstrap confidence intervals, for the
   ``sensitivity.sobol.top`` parameters with the largest ``mu*`` (the largest over targets
   of ``mu*`` over the output's range); the others stay at their configured values.

The outputs of a point, per target: ``p_met`` (share of its seeds meeting the target: the
probability of meeting it) and ``gap`` (the mean margin by which it is met, over the target
value; negative when missed). The same seeds at every point (common random numbers).
Every point's runs go through the Hydra launcher (:mod:`experiments.apps.batch`).

Writes into the app folder (``outputs/sensitivity/<date>_<time>/``): ``points.csv`` (every
point's inputs and outputs), ``morris.csv``, ``sobol.csv``, ``drivers.csv`` (per target, the
parameters ranked by their total index), ``morris.png`` and ``sobol.png``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from omegaconf import DictConfig

from experiments.apps import app
from experiments.apps.app import EstimatedParameter
from experiments.apps.batch import Batch, RunResult

METHODS = ("morris", "sobol", "morris_then_sobol")
Evaluate = Callable[[np.ndarray, str], dict[str, np.ndarray]]  # points (rows), label -> output -> values


@dataclass
class MorrisSettings:
    """Morris design."""

    trajectories: int = 10
    levels: int = 4


@dataclass
class SobolSettings:
    """Saltelli design for Sobol indices."""

    base_samples: int = 64
    top: int = 4


@dataclass
class SensitivitySettings:
    """Settings of ``experiments.sensitivity`` (conf/sensitivity.yaml)."""

    parameters: dict[str, EstimatedParameter] = field(default_factory=dict)
    method: str = "morris_then_sobol"
    seeds: int = 4
    sample_seed: int = 0
    targets: list[str] = field(default_factory=list)
    confidence: float = 0.95
    resamples: int = 200
    morris: MorrisSettings = field(default_factory=MorrisSettings)
    sobol: SobolSettings = field(default_factory=SobolSettings)


app.register_schema("sensitivity", SensitivitySettings)


def problem(names: list[str], bounds: list[tuple[float, float]]) -> dict[str, Any]:
    """A SALib problem."""
    return {"num_vars": len(names), "names": list(names), "bounds": [list(b) for b in bounds]}


# --------------------------------------------------------------------------- analyses
def morris(prob: dict[str, Any], evaluate: Evaluate, settings: Any, seed: int) -> tuple[Any, Any]:
    """Morris screening of every parameter on every output.

    Returns:
        The table (output, parameter, mu, mu_star, mu_star_conf, sigma, and mu* and its interval
        over the output's range) and
        the evaluated points (inputs and outputs).
    """
    import pandas as pd
    from SALib.analyze import morris as analyze
    from SALib.sample import morris as sample

    x = sample.sample(prob, int(settings.morris.trajectories), num_levels=int(settings.morris.levels), seed=seed)
    outputs = evaluate(x, "morris")
    rows = []
    for output, y in outputs.items():
        spread = float(np.ptp(y)) if np.all(np.isfinite(y)) else 0.0
        for j, name in enumerate(prob["names"]):
            row = {"output": output, "parameter": name}
            if spread == 0.0:  # a constant output (met at every point, or never): no effect to measure
                row.update(
                    mu=0.0, mu_star=0.0, mu_star_conf=0.0, sigma=0.0, mu_star_scaled=0.0, mu_star_conf_scaled=0.0
                )
                rows.append(row)
                continue
            if j == 0:
                result = analyze.analyze(
                    prob,
                    x,
                    y,
                    num_resamples=int(settings.resamples),
                    conf_level=float(settings.confidence),
                    num_levels=int(settings.morris.levels),
                    seed=seed,
                )
            row.update(
                mu=float(result["mu"][j]),
                mu_star=float(result["mu_star"][j]),
                mu_star_conf=float(result["mu_star_conf"][j]),
                sigma=float(result["sigma"][j]),
                mu_star_scaled=float(result["mu_star"][j]) / spread,
                mu_star_conf_scaled=float(result["mu_star_conf"][j]) / spread,
            )
            rows.append(row)
    return pd.DataFrame(rows), points_table(prob, x, outputs, "morris")


def sobol(prob: dict[str, Any], evaluate: Evaluate, settings: Any, seed: int) -> tuple[Any, Any]:
    """First-order and total Sobol indices with bootstrap confidence intervals.

    Returns:
        The table (output, parameter, S1, S1_conf, ST, ST_conf) and the evaluated points.
    """
    import pandas as pd
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    x = sample.sample(prob, int(settings.sobol.base_samples), calc_second_order=False, seed=seed)
    outputs = evaluate(x, "sobol")
    rows = []
    for output, y in outputs.items():
        constant = not np.all(np.isfinite(y)) or float(np.var(y)) == 0.0
        note = ""
        if not constant:
            with warnings.catch_warnings(record=True) as caught:
                # SALib warns when a subset of the design gives identical outputs (a probability
                # of 0 or 1 over part of the space): the indices stand, the table says so.
                warnings.simplefilter("always")
                result = analyze.analyze(
                    prob,
                    y,
                    calc_second_order=False,
                    num_resamples=int(settings.resamples),
                    conf_level=float(settings.confidence),
                    seed=seed,
                )
            if caught:
                note = "constant over part of the design: " + "; ".join(sorted({str(w.message)[:80] for w in caught}))
        for j, name in enumerate(prob["names"]):
            row = {"output": output, "parameter": name, "note": note}
            if constant:  # no variance to apportion
                row.update(S1=0.0, S1_conf=0.0, ST=0.0, ST_conf=0.0)
            else:
                row.update(
                    S1=float(result["S1"][j]),
                    S1_conf=float(result["S1_conf"][j]),
                    ST=float(result["ST"][j]),
                    ST_conf=float(result["ST_conf"][j]),
                )
            rows.append(row)
    return pd.DataFrame(rows), points_table(prob, x, outputs, "sobol")


def points_table(prob: dict[str, Any], x: np.ndarray, outputs: dict[str, np.ndarray], design: str) -> Any:
    """Inputs and outputs of every evaluated point."""
    import pandas as pd

    table = pd.DataFrame(x, columns=prob["names"])
    table.insert(0, "design", design)
    for name, values in outputs.items():
        table[name] = values
    return table


def top_parameters(screening: Any, names: list[str], top: int) -> list[str]:
    """The ``top`` parameters with the largest scaled ``mu*`` over outputs (in ``names`` order)."""
    score = screening.groupby("parameter")["mu_star_scaled"].max().reindex(names).fillna(0.0)
    chosen = set(score.sort_values(ascending=False, kind="stable").index[:top])
    return [n for n in names if n in chosen]


def drivers(morris_table: Any | None, sobol_table: Any | None, points: Any) -> Any:
    """Per target, the inputs ranked by their influence on whether it is met.

    The probability of meeting the target (``p_met``) is explained by Sobol total indices
    where its variance is not zero, else by Morris ``mu*`` (scaled by the output's range).
    A probability that is the same at every point (met at every point, or at none) has no
    drivers: the margin (``gap``) is ranked instead, and the row says so.
    """
    import pandas as pd

    rows = []
    targets = list(dict.fromkeys(o.split(":", 1)[1] for o in points.columns if o.startswith("p_met:")))
    for target in targets:
        p_met = points[f"p_met:{target}"]
        status = "varies" if p_met.nunique() > 1 else f"{float(p_met.iloc[0]):.2f} at every point"
        for output in (f"p_met:{target}", f"gap:{target}"):
            ranked = _rank(output, sobol_table, "ST", "ST_conf") or _rank(
                output, morris_table, "mu_star_scaled", "mu_star_conf_scaled"
            )
            if ranked:
                for rank, entry in enumerate(ranked, start=1):
                    rows.append(
                        {"target": target, "p_met": status, "output": output.split(":")[0], "rank": rank, **entry}
                    )
                break
        else:
            rows.append({"target": target, "p_met": status, "output": "", "rank": 0, "parameter": "", "method": ""})
    return pd.DataFrame(rows)


def _rank(output: str, table: Any | None, measure: str, conf: str) -> list[dict[str, Any]]:
    """Parameters with a positive ``measure`` on ``output``, largest first (empty if none)."""
    if table is None or not len(table):
        return []
    part = table[(table["output"] == output) & (table[measure] > 0)].sort_values(measure, ascending=False)
    method = "sobol ST" if measure == "ST" else "morris mu*/range"
    return [
        {
            "parameter": row.parameter,
            "method": method,
            "value": float(getattr(row, measure)),
            "conf": float(getattr(row, conf)),
            "S1": float(row.S1) if measure == "ST" else math.nan,
            "S1_conf": float(row.S1_conf) if measure == "ST" else math.nan,
        }
        for row in part.itertuples()
    ]


# --------------------------------------------------------------------------- the model as a function
class TargetAttainment:
    """Evaluates points with the model: per target, the share of seeds meeting it and the mean gap.

    Args:
        batch: Launches the runs.
        keys: Run-config key of each parameter (in the SALib problem's order).
        base: The full point's values for parameters a design does not vary.
        seeds: Seeds of every point.
        targets: Target ids to report (empty: all).
    """

    def __init__(
        self, batch: Batch, keys: dict[str, str], base: dict[str, float], seeds: list[int], targets: list[str]
    ) -> None:
        self.batch, self.keys, self.base, self.seeds, self.targets = batch, keys, base, seeds, targets

    def __call__(self, names: list[str]) -> Evaluate:
        """The evaluation function of a design varying ``names``."""

        def evaluate(x: np.ndarray, label: str) -> dict[str, np.ndarray]:
            points = []
            for row in x:
                values = dict(self.base)
                values.update(zip(names, (float(v) for v in row), strict=True))
                points.append({self.keys[n]: v for n, v in values.items()})
            results = self.batch.run(points, self.seeds, label)
            per_point = [self.attainment(runs) for runs in results]
            outputs = sorted({k for p in per_point for k in p})
            return {o: np.array([p.get(o, math.nan) for p in per_point]) for o in outputs}

        return evaluate

    def attainment(self, runs: list[RunResult]) -> dict[str, float]:
        """``p_met:<target>`` and ``gap:<target>`` of one point (NaN if a run failed)."""
        import pandas as pd

        cards = []
        for r in runs:
            if not r.ok:
                return {}
            cards.append(pd.read_csv(r.run_dir / "scorecard.csv", usecols=["target", "met", "gap", "target_value"]))
        card = pd.concat(cards)
        if self.targets:
            card = card[card["target"].isin(self.targets)]
        card["relative_gap"] = card["gap"] / card["target_value"].abs().where(card["target_value"] != 0, 1.0)
        summary = card.groupby("target", sort=False).agg(p=("met", "mean"), gap=("relative_gap", "mean"))
        out = {f"p_met:{t}": float(row.p) for t, row in summary.iterrows()}
        out.update({f"gap:{t}": float(row.gap) for t, row in summary.iterrows()})
        return out


def check_settings(cfg: DictConfig) -> None:
    """Reject bad settings in one line, before any run."""
    s = cfg.sensitivity
    app.check(s.method in METHODS, "sensitivity.method", s.method, f"one of {', '.join(METHODS)}")
    app.check(len(s.parameters) >= 2, "sensitivity.parameters", len(s.parameters), "at least two parameters")
    app.check_parameters(cfg, "sensitivity.parameters", s.parameters)
    known = set(cfg.targets.entries)
    for target in s.targets:
        app.check(target in known, "sensitivity.targets", target, f"one of {', '.join(sorted(known))}")
    app.check(s.seeds >= 1, "sensitivity.seeds", s.seeds, "an integer >= 1")
    app.check(0 < s.confidence < 1, "sensitivity.confidence", s.confidence, "a level in (0, 1)")
    app.check(s.resamples >= 10, "sensitivity.resamples", s.resamples, "an integer >= 10")
    app.check(s.morris.trajectories >= 2, "sensitivity.morris.trajectories", s.morris.trajectories, "an integer >= 2")
    app.check(
        s.morris.levels >= 2 and s.morris.levels % 2 == 0,
        "sensitivity.morris.levels",
        s.morris.levels,
        "an even integer >= 2",
    )
    n = int(s.sobol.base_samples)
    app.check(n >= 2 and n & (n - 1) == 0, "sensitivity.sobol.base_samples", n, "a power of 2 (Sobol sequence)")
    app.check(2 <= s.sobol.top <= len(s.parameters), "sensitivity.sobol.top", s.sobol.top, f"2..{len(s.parameters)}")


def figures(morris_table: Any, sobol_table: Any | None, folder: Any) -> None:
    """``morris.png``: scaled mu* of every parameter on every target's probability; ``sobol.png``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if morris_table is not None and len(morris_table):
        table = morris_table[morris_table["output"].str.startswith("p_met:")]
        grid = table.pivot(index="parameter", columns="output", values="mu_star_scaled")
        grid.columns = [c.removeprefix("p_met:") for c in grid.columns]
        fig, ax = plt.subplots(figsize=(0.55 * len(grid.columns) + 4, 0.45 * len(grid) + 2.5))
        image = ax.imshow(grid.to_numpy(), cmap="viridis", vmin=0, aspect="auto")
        ax.set_xticks(range(len(grid.columns)), grid.columns, rotation=60, ha="right", fontsize=8)
        ax.set_yticks(range(len(grid)), grid.index, fontsize=8)
        fig.colorbar(image, ax=ax, label="Morris mu* / range of the probability")
        ax.set_title("Screening: effect of each input on the probability of meeting each target")
        fig.tight_layout()
        app.save_figure(folder / "morris.png", fig)
    if sobol_table is not None and len(sobol_table):
        table = sobol_table[sobol_table["output"].str.startswith("p_met:") & (sobol_table["ST"] > 0)]
        outputs = list(dict.fromkeys(table["output"]))
        if not outputs:
            return
        cols = min(4, len(outputs))
        rows = math.ceil(len(outputs) / cols)
        fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows), squeeze=False)
        for ax, output in zip(axes.flat, outputs, strict=False):
            part = table[table["output"] == output]
            y = np.arange(len(part))
            ax.barh(y - 0.2, part["S1"], 0.4, xerr=part["S1_conf"], label="first order S1", color="tab:blue")
            ax.barh(y + 0.2, part["ST"], 0.4, xerr=part["ST_conf"], label="total ST", color="tab:orange")
            ax.set_yticks(y, part["parameter"], fontsize=7)
            ax.set_title(output.removeprefix("p_met:"), fontsize=9)
            ax.set_xlim(left=min(0.0, float(part["S1"].min()) - 0.05))
        for ax in list(axes.flat)[len(outputs) :]:
            ax.axis("off")
        axes.flat[0].legend(fontsize=7)
        fig.suptitle("Sobol indices of the probability of meeting each target (95 % intervals)")
        fig.tight_layout()
        app.save_figure(folder / "sobol.png", fig)


def analyse(cfg: DictConfig, folder: Path) -> None:
    """Screen, then compute Sobol indices; write the tables and figures."""
    import pandas as pd

    s = cfg.sensitivity
    names = list(s.parameters)
    keys = {n: s.parameters[n].key for n in names}
    base = {n: float(app.config_value(cfg, keys[n])) for n in names}
    bounds = {n: (float(s.parameters[n].low), float(s.parameters[n].high)) for n in names}
    n_morris = int(s.morris.trajectories) * (len(names) + 1) if s.method != "sobol" else 0
    n_sobol_params = len(names) if s.method == "sobol" else int(s.sobol.top)
    n_sobol = int(s.sobol.base_samples) * (n_sobol_params + 2) if s.method != "morris" else 0
    print(
        f"sensitivity: {len(names)} parameters, method {s.method}: {n_morris} Morris points and "
        f"{n_sobol} Sobol points x {s.seeds} seeds (scale {cfg.scale}, mix '{cfg.policy_mix.name}'); runs in "
        f"{folder / 'runs'}",
        flush=True,
    )
    batch = Batch(cfg, "sensitivity")
    model = TargetAttainment(batch, keys, base, list(range(int(s.seeds))), list(s.targets))
    morris_table = sobol_table = None
    points = []
    varied = names
    if s.method != "sobol":
        morris_table, pts = morris(problem(names, [bounds[n] for n in names]), model(names), s, int(s.sample_seed))
        points.append(pts)
        app.write_frame(folder / "morris.csv", morris_table)
        varied = top_parameters(morris_table, names, int(s.sobol.top))
        print(f"sensitivity: Morris screening selects {', '.join(varied)}", flush=True)
    if s.method != "morris":
        sobol_table, pts = sobol(problem(varied, [bounds[n] for n in varied]), model(varied), s, int(s.sample_seed))
        points.append(pts)
        app.write_frame(folder / "sobol.csv", sobol_table)
    app.write_frame(folder / "points.csv", pd.concat(points, ignore_index=True))

    all_points = pd.concat(points, ignore_index=True)
    ranking = drivers(morris_table, sobol_table, all_points)
    app.write_frame(folder / "drivers.csv", ranking)
    figures(morris_table, sobol_table, folder)
    print(summary(ranking))
    print(f"sensitivity: results in {folder}")


def summary(ranking: Any) -> str:
    """Per target, its top three drivers (one line each)."""
    lines = ["top drivers of whether each target is met (p_met: its probability; gap: its margin):"]
    for target, group in ranking.groupby("target", sort=False):
        top = group[group["rank"] > 0].head(3)
        status = group["p_met"].iloc[0]
        if top.empty:
            lines.append(f"  {target}: p_met {status}; no input moves it")
            continue
        parts = [f"{r.parameter} ({r.method} {r.value:.2f} +/- {r.conf:.2f})" for r in top.itertuples()]
        lines.append(f"  {target} [p_met {status}; {top['output'].iloc[0]}]: {', '.join(parts)}")
    return "\n".join(lines)


main = app.entry_point("sensitivity", check_settings, analyse)
