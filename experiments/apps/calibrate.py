"""Calibration by the method of simulated moments: ``python -m experiments.calibrate``.

    python -m experiments.calibrate                                  # conf/calibrate.yaml
    python -m experiments.calibrate scale=0.2 calibrate.seeds=2 calibrate.maxiter=3
    python -m experiments.calibrate hydra/launcher=cluster           # runs on SLURM

The free parameters ``theta`` (``calibrate.parameters``) are chosen to bring the
simulated moments ``m(theta)``, each the mean over ``calibrate.seeds`` seeds of an
indicator in a year or quarter under the as-enacted mix, to the observed moments ``o``
(``calibrate.moments``, from ``data/shandong/outcomes_2016_2019.csv``):

    J(theta) = sum_k ((m_k(theta) - o_k) / s_k)^2,   s_k = relative_sd_k * o_k

minimised by differential evolution (``scipy.optimize.differential_evolution``) over the
parameters' bounds, one generation of points launched at a time through the Hydra
launcher (:mod:`experiments.apps.batch`). The seeds are the same at every point (common
random numbers), so differences between points are not noise. Standard errors follow
the usual MSM formula with the diagonal weight ``W = diag(1 / s_k^2)`` and a numerical
Jacobian ``G``: ``Var(theta) = (1 + 1/S) (G' W G)^-1``.

Writes into the app folder (``outputs/calibrate/<date>_<time>/``): ``estimates.csv``,
``moments.csv``, ``generations.csv``, ``fit.png``, and the calibration file, which is
also written to ``conf/calibration/<output>.yaml``: the base calibration with the
estimates, plus an ``estimation`` block with the fit statistics.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from omegaconf import DictConfig, OmegaConf

from experiments.apps import app
from experiments.apps.app import EstimatedParameter, Moment
from experiments.apps.batch import Batch, RunResult, read_moments

CALIBRATION_DIR = app.CONF_DIR / "calibration"


@dataclass
class CalibrateSettings:
    """Settings of ``experiments.calibrate`` (conf/calibrate.yaml)."""

    parameters: dict[str, EstimatedParameter] = field(default_factory=dict)
    moments: dict[str, Moment] = field(default_factory=dict)
    estimate: list[str] = field(default_factory=list)  # parameters to estimate; empty: all
    match: list[str] = field(default_factory=list)  # moments to match; empty: all
    seeds: int = 4
    popsize: int = 5
    maxiter: int = 12
    tol: float = 0.01
    optimizer_seed: int = 0
    standard_errors: bool = True
    output: str = "shandong_2017_msm"
    conf_dir: str | None = None


app.register_schema("calibrate", CalibrateSettings)


def check_settings(cfg: DictConfig) -> None:
    """Reject bad settings in one line, before any run."""
    s = cfg.calibrate
    for name in s.estimate:
        app.check(name in s.parameters, "calibrate.estimate", name, f"one of {', '.join(s.parameters)}")
    for name in s.match:
        app.check(name in s.moments, "calibrate.match", name, f"one of {', '.join(s.moments)}")
    parameters, moments = selected(s)
    app.check(len(parameters) > 0, "calibrate.parameters", "{}", "at least one parameter")
    app.check(len(moments) >= len(parameters), "calibrate.match", len(moments), "at least one moment per parameter")
    app.check_parameters(cfg, "calibrate.parameters", {name: s.parameters[name] for name in parameters})
    app.check_moments("calibrate.moments", {name: s.moments[name] for name in moments})
    app.check(s.seeds >= 1, "calibrate.seeds", s.seeds, "an integer >= 1")
    app.check(s.popsize >= 2, "calibrate.popsize", s.popsize, "an integer >= 2")
    app.check(s.maxiter >= 1, "calibrate.maxiter", s.maxiter, "an integer >= 1")
    app.check(s.output.isidentifier(), "calibrate.output", s.output, "a name of letters, digits and _")


def selected(settings: DictConfig) -> tuple[list[str], list[str]]:
    """Names of the parameters estimated and the moments matched."""
    return list(settings.estimate or settings.parameters), list(settings.match or settings.moments)


class MomentFit:
    """Simulated moments and the MSM objective, evaluated in batches of points.

    Args:
        batch: Launches the runs.
        settings: ``cfg.calibrate``.
    """

    def __init__(self, batch: Batch, settings: DictConfig) -> None:
        self.batch = batch
        self.names, self.moment_names = selected(settings)
        self.keys = [settings.parameters[n].key for n in self.names]
        self.moments = [settings.moments[n] for n in self.moment_names]
        moments = self.moments
        self.observed = np.array([float(m.observed) for m in moments])
        self.sd = np.abs(self.observed) * np.array([float(m.relative_sd) for m in moments])
        self.seeds = list(range(int(settings.seeds)))
        self.cache: dict[tuple[float, ...], tuple[np.ndarray, np.ndarray]] = {}
        self.generations: list[dict[str, Any]] = []

    def point(self, theta: np.ndarray) -> dict[str, float]:
        """The run-config values of a parameter vector."""
        return {key: float(value) for key, value in zip(self.keys, theta, strict=True)}

    def simulate(self, thetas: list[np.ndarray], label: str) -> list[tuple[np.ndarray, np.ndarray]]:
        """Mean and standard deviation over seeds of the moments at each point."""
        todo = [t for t in thetas if tuple(t) not in self.cache]
        if todo:
            for theta, runs in zip(todo, self.batch.run([self.point(t) for t in todo], self.seeds, label), strict=True):
                self.cache[tuple(theta)] = self._moments(runs)
        return [self.cache[tuple(t)] for t in thetas]

    def _moments(self, runs: list[RunResult]) -> tuple[np.ndarray, np.ndarray]:
        values = np.array([read_moments(r.run_dir, self.moments) for r in runs if r.ok])
        n = len(self.moments)
        if len(values) < len(runs):  # a failed run: the point cannot be scored
            return np.full(n, np.nan), np.full(n, np.nan)
        spread = values.std(axis=0, ddof=1) if len(values) > 1 else np.zeros(n)
        return values.mean(axis=0), spread

    def objective(self, mean: np.ndarray) -> float:
        """J: the weighted sum of squared moment errors (infinite if a run failed)."""
        if not np.all(np.isfinite(mean)):
            return math.inf
        return float(np.sum(((mean - self.observed) / self.sd) ** 2))

    def evaluate_generation(self, thetas: list[np.ndarray]) -> list[float]:
        """Objective at every point of a generation (one launch)."""
        label = f"generation {len(self.generations)}"
        values = [self.objective(mean) for mean, _ in self.simulate(thetas, label)]
        self.generations.append({"generation": len(self.generations), "points": len(thetas), "best_J": min(values)})
        return values

    def jacobian(self, theta: np.ndarray, lows: np.ndarray, highs: np.ndarray) -> np.ndarray:
        """Numerical Jacobian of the simulated moments (central differences, 2 % of each range)."""
        steps = 0.02 * (highs - lows)
        points = []
        for j in range(len(theta)):
            up, down = theta.copy(), theta.copy()
            up[j] = min(theta[j] + steps[j], highs[j])
            down[j] = max(theta[j] - steps[j], lows[j])
            points += [up, down]
        means = [mean for mean, _ in self.simulate(points, "standard errors")]
        columns = [
            (means[2 * j] - means[2 * j + 1]) / (points[2 * j][j] - points[2 * j + 1][j]) for j in range(len(theta))
        ]
        return np.column_stack(columns)


def standard_errors(jacobian: np.ndarray, sd: np.ndarray, seeds: int) -> np.ndarray:
    """MSM standard errors with the weight diag(1 / sd^2): sqrt(diag((1 + 1/S) (G'WG)^-1)).

    A parameter no moment responds to (a zero column of G) is not identified: its standard
    error is NaN, and the others' are conditional on it at its estimate. NaN for every
    parameter when the rest are not identified either (a singular G'WG).
    """
    weighted = jacobian / sd[:, None]
    se = np.full(weighted.shape[1], np.nan)
    moving = np.flatnonzero(np.isfinite(weighted).all(axis=0) & (np.abs(weighted).max(axis=0) > 0))
    information = weighted[:, moving].T @ weighted[:, moving]
    if moving.size and np.linalg.matrix_rank(information) == moving.size:
        se[moving] = np.sqrt(np.diag(np.linalg.inv(information)) * (1.0 + 1.0 / seeds))
    return se


def estimate(cfg: DictConfig, batch: Batch) -> dict[str, Any]:
    """Run the optimiser; return estimates, moments at the estimate and fit statistics."""
    from scipy import optimize, stats

    settings = cfg.calibrate
    fit = MomentFit(batch, settings)
    params = [settings.parameters[n] for n in fit.names]
    lows = np.array([float(p.low) for p in params])
    highs = np.array([float(p.high) for p in params])
    start = np.clip(np.array([float(app.config_value(cfg, p.key)) for p in params]), lows, highs)

    def workers(_: Any, thetas: Any) -> list[float]:
        return fit.evaluate_generation([np.asarray(t, dtype=float) for t in thetas])

    def report(intermediate_result: optimize.OptimizeResult) -> None:
        best = ", ".join(f"{n}={v:.4g}" for n, v in zip(fit.names, intermediate_result.x, strict=True))
        print(f"calibrate: best J = {intermediate_result.fun:.3f} at {best}", flush=True)

    started = time.time()
    result = optimize.differential_evolution(
        lambda theta: 0.0,  # never called: the workers function evaluates whole generations
        bounds=list(zip(lows, highs, strict=True)),
        popsize=int(settings.popsize),
        maxiter=int(settings.maxiter),
        tol=float(settings.tol),
        seed=int(settings.optimizer_seed),
        workers=workers,
        updating="deferred",
        polish=False,
        init="latinhypercube",
        x0=start,
        callback=report,
    )
    theta = np.asarray(result.x, dtype=float)
    (mean, spread), (start_mean, _) = fit.simulate([theta, start], "estimate")
    j_value = fit.objective(mean)
    dof = len(fit.observed) - len(theta)
    se = np.full(len(theta), np.nan)
    if settings.standard_errors:
        se = standard_errors(fit.jacobian(theta, lows, highs), fit.sd, len(fit.seeds))
    return {
        "names": fit.names,
        "params": params,
        "theta": theta,
        "start": start,
        "se": se,
        "moment_names": fit.moment_names,
        "moments": [settings.moments[n] for n in fit.moment_names],
        "observed": fit.observed,
        "sd": fit.sd,
        "simulated": mean,
        "simulated_sd": spread,
        "simulated_start": start_mean,
        "J": j_value,
        "J_start": fit.objective(start_mean),
        "dof": dof,
        "p_value": float(stats.chi2.sf(j_value, dof)) if dof > 0 else math.nan,
        "evaluations": len(fit.cache),
        "runs": len(fit.cache) * len(fit.seeds),
        "generations": fit.generations,
        "converged": bool(result.success),
        "message": str(result.message),
        "seconds": round(time.time() - started, 1),
    }


# --------------------------------------------------------------------------- outputs
def tables(fit: dict[str, Any]) -> tuple[Any, Any]:
    """The estimates and moments tables."""
    import pandas as pd

    estimates = pd.DataFrame(
        {
            "parameter": fit["names"],
            "key": [p.key for p in fit["params"]],
            "estimate": fit["theta"],
            "standard_error": fit["se"],
            "low": [p.low for p in fit["params"]],
            "high": [p.high for p in fit["params"]],
            "start": fit["start"],
            "unit": [p.unit for p in fit["params"]],
            "description": [p.description for p in fit["params"]],
        }
    )
    moments = pd.DataFrame(
        {
            "moment": fit["moment_names"],
            "indicator": [m.indicator for m in fit["moments"]],
            "sector": [m.sector for m in fit["moments"]],
            "period": [str(m.period) for m in fit["moments"]],
            "observed": fit["observed"],
            "simulated": fit["simulated"],
            "simulated_sd_over_seeds": fit["simulated_sd"],
            "error": fit["simulated"] - fit["observed"],
            "relative_error": (fit["simulated"] - fit["observed"]) / fit["observed"],
            "weight_sd": fit["sd"],
            "contribution_to_J": ((fit["simulated"] - fit["observed"]) / fit["sd"]) ** 2,
            "simulated_at_start": fit["simulated_start"],
            "unit": [m.unit for m in fit["moments"]],
            "source": [m.source for m in fit["moments"]],
        }
    )
    return estimates, moments


def calibration_file(cfg: DictConfig, fit: dict[str, Any], app_folder: Path) -> str:
    """The YAML of the estimated calibration: the base calibration plus the estimates."""
    from experiments.sweeps.outputs import code_version

    estimation = cfg.calibration.get("estimation") or {}
    base = estimation.get("base") or cfg.calibration.name
    values: dict[str, Any] = {}
    for name, theta in zip(fit["names"], fit["theta"], strict=True):
        key = cfg.calibrate.parameters[name].key
        node = values
        parts = key.split(".")[1:]  # under calibration.
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = float(f"{theta:.6g}")
    block = {
        "base": base,
        "method": "method of simulated moments; scipy.optimize.differential_evolution; weights 1/sd^2",
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "app_folder": str(app_folder),
        "code_version": code_version(),
        "policy_mix": cfg.policy_mix.name,
        "scenario": cfg.scenario.name,
        "scale": float(cfg.scale),
        "seeds": int(cfg.calibrate.seeds),
        "J": round(fit["J"], 4),
        "J_at_start": round(fit["J_start"], 4),
        "degrees_of_freedom": fit["dof"],
        "p_value": None if math.isnan(fit["p_value"]) else round(fit["p_value"], 4),
        "converged": fit["converged"],
        "evaluations": fit["evaluations"],
        "parameters": {
            name: {
                "key": p.key,
                "estimate": float(f"{t:.6g}"),
                "standard_error": None if math.isnan(se) else float(f"{se:.3g}"),
                "bounds": [float(p.low), float(p.high)],
                "unit": p.unit,
            }
            for name, p, t, se in zip(fit["names"], fit["params"], fit["theta"], fit["se"], strict=True)
        },
        "moments": {
            name: {
                "observed": float(f"{o:.6g}"),
                "simulated": float(f"{s:.6g}"),
                "relative_error": float(f"{(s - o) / o:.3g}"),
                "source": m.source,
            }
            for name, m, o, s in zip(
                fit["moment_names"], fit["moments"], fit["observed"], fit["simulated"], strict=True
            )
        },
    }
    header = (
        f"# Estimated by python -m experiments.calibrate ({block['date']}): the {base} calibration with the\n"
        "# parameters below set to their method-of-simulated-moments estimates. Fit statistics in\n"
        "# `estimation` (not read by the model). Do not edit by hand: calibrate again.\n"
    )
    body = OmegaConf.to_yaml(OmegaConf.create({"name": cfg.calibrate.output, **values, "estimation": block}))
    return header + f"defaults:\n  - {base}\n  - _self_\n\n" + body


def figure(moments: Any, estimates: Any) -> Any:
    """Observed against simulated moments (relative error), and estimates within their bounds."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 0.45 * max(len(moments), len(estimates)) + 2))
    y = np.arange(len(moments))
    left.barh(y, 100 * moments["relative_error"], color="tab:blue")
    left.set_yticks(y, moments["moment"])
    left.axvline(0, color="black", lw=0.8)
    left.set_xlabel("simulated - observed [% of observed]")
    left.set_title("Moments at the estimate")
    y = np.arange(len(estimates))
    span = (estimates["high"] - estimates["low"]).to_numpy()
    position = (estimates["estimate"] - estimates["low"]).to_numpy() / span
    error = estimates["standard_error"].fillna(0).to_numpy() / span
    right.errorbar(position, y, xerr=1.96 * error, fmt="o", color="tab:red", capsize=3)
    right.scatter((estimates["start"] - estimates["low"]) / span, y, marker="|", color="grey", s=120, label="start")
    right.set_yticks(y, estimates["parameter"])
    right.set_xlim(-0.05, 1.05)
    right.set_xlabel("position within the search bounds (95 % interval)")
    right.set_title("Estimates")
    right.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def calibrate(cfg: DictConfig, folder: Path) -> None:
    """Estimate, then write the estimates, the fit and the calibration file."""
    settings = cfg.calibrate
    parameters, moments = selected(settings)
    n_params = len(parameters)
    print(
        f"calibrate: {n_params} parameters, {len(moments)} moments, up to "
        f"{settings.maxiter + 1} generations of {settings.popsize * n_params} points x {settings.seeds} seeds "
        f"(scale {cfg.scale}); runs in {folder / 'runs'}",
        flush=True,
    )
    batch = Batch(cfg, "calibrate")
    fit = estimate(cfg, batch)
    estimates, moments = tables(fit)
    app.write_frame(folder / "estimates.csv", estimates)
    app.write_frame(folder / "moments.csv", moments)
    import pandas as pd

    app.write_frame(folder / "generations.csv", pd.DataFrame(fit["generations"]))
    app.save_figure(folder / "fit.png", figure(moments, estimates))
    text = calibration_file(cfg, fit, folder)
    app.write_text(folder / f"{settings.output}.yaml", text)
    target = Path(settings.conf_dir) if settings.conf_dir else CALIBRATION_DIR
    target.mkdir(parents=True, exist_ok=True)
    app.write_text(target / f"{settings.output}.yaml", text)
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(estimates[["parameter", "estimate", "standard_error", "low", "high", "start"]].to_string(index=False))
        print(moments[["moment", "observed", "simulated", "relative_error"]].to_string(index=False))
    print(
        f"calibrate: J = {fit['J']:.3f} (start {fit['J_start']:.3f}), {fit['dof']} degrees of freedom, "
        f"p = {fit['p_value']:.3f}; {fit['evaluations']} points, {fit['runs']} runs, {fit['seconds']:.0f} s",
    )
    print(f"calibrate: wrote {target / (settings.output + '.yaml')} and the fit into {folder}")


main = app.entry_point("calibrate", check_settings, calibrate)
