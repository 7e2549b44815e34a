"""Model runs launched from inside a Hydra app, exactly as a sweep launches them.

Calibration, validation and sensitivity analysis evaluate the model at many points
(a point: a few parameter values) over several seeds. :class:`Batch` hands those runs
to the launcher the app's config selects (``hydra/launcher=joblib`` on a laptop,
``hydra/launcher=cluster`` on SLURM, ``basic`` one after another), as Hydra's own
sweepers do. Each run is an ordinary sweep run (:func:`experiments.sweeps.run.sweep_run`):
its config is composed from ``conf/config.yaml`` with the app's overrides, the point's
values and the seed; it writes its own folder under ``<app run folder>/runs/`` with its
completion marker, so an interrupted app that is started again in the same folder
(``hydra.run.dir=...``) skips the runs already finished.

A point is named by a hash of its values (``p<8 hex>``); ``runs/points.csv`` lists
them. The app then reads the numbers it needs from each run's ``timeseries.parquet``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf, open_dict

from experiments.sweeps.outputs import COMPLETE, FAILED, write_atomic
from experiments.sweeps.progress import Reporter
from experiments.sweeps.workers import watched_workers

Point = Mapping[str, float]


def job(cfg: DictConfig) -> None:
    """One run of a batch: the task function handed to the launcher (module level, so picklable)."""
    from experiments.sweeps.run import sweep_run

    hydra_cfg = HydraConfig.get()
    sweep_run(cfg, Path(hydra_cfg.runtime.output_dir).resolve(), Path(hydra_cfg.sweep.dir).resolve())


def point_id(point: Point) -> str:
    """A short stable name for a point: a hash of its keys and values (rounded to 12 digits)."""
    text = json.dumps({k: float(f"{float(v):.12g}") for k, v in sorted(point.items())})
    return "p" + hashlib.sha256(text.encode()).hexdigest()[:8]


def override(cfg: DictConfig, key: str, value: float) -> str:
    """A command-line override setting ``key`` to ``value`` (``+key`` for a calibration-table entry)."""
    number = f"{float(value):.12g}"
    return f"{key}={number}" if OmegaConf.select(cfg, key, default=None) is not None else f"+{key}={number}"


@dataclass(frozen=True)
class RunResult:
    """Where one run of a batch went.

    Attributes:
        point: The point's values.
        seed: The seed.
        run_dir: The run's folder.
        ok: Whether it finished (``_COMPLETE``); if not, ``_FAILED`` says why.
    """

    point: Mapping[str, float]
    seed: int
    run_dir: Path
    ok: bool

    def error(self) -> str:
        """The run's one-line error, if it failed."""
        path = self.run_dir / FAILED
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8")).get("error", "unknown error")
        return "" if self.ok else "the run did not finish"


class Batch:
    """Launches points x seeds through the app's launcher.

    Every run takes the app's command-line overrides (its own ``<name>.*`` settings and the
    seed left out), draws no overview figure (``output.plot=false``) and takes ``extra``.

    Args:
        app_cfg: The app's composed config (without the Hydra node).
        name: The app (``calibrate``, ...): the prefix of its own settings, and the start
            of its progress lines.
        extra: Further overrides of every run (``output.micro=true``).
        runs_dir: Where the run folders go (default ``<app run folder>/runs``).
    """

    def __init__(self, app_cfg: DictConfig, name: str, extra: Sequence[str] = (), runs_dir: Path | None = None) -> None:
        from hydra._internal.callbacks import Callbacks
        from hydra.core.global_hydra import GlobalHydra
        from hydra.core.plugins import Plugins
        from hydra.core.utils import setup_globals
        from hydra.types import HydraContext

        self.app_cfg = app_cfg
        self.name = name
        self.run_overrides = [*app_overrides(name), "output.plot=false", *extra]
        hydra_cfg = HydraConfig.get()
        self.runs_dir = (runs_dir or Path(hydra_cfg.runtime.output_dir) / "runs").resolve()
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        self._app_full = copy.deepcopy(HydraConfig.instance().cfg)  # restored after each launch
        master = copy.deepcopy(self._app_full)
        OmegaConf.set_readonly(master.hydra, False)
        with open_dict(master):
            master.hydra.job.config_name = "config"  # the runs are composed from the run config
            master.hydra.sweep.dir = str(self.runs_dir)
            master.hydra.overrides.hydra = [
                *[o for o in master.hydra.overrides.hydra if not o.startswith(("hydra.run.", "hydra.sweep."))],
                f"hydra.sweep.dir={self.runs_dir}",
            ]
            master.hydra.callbacks = {}  # the app prints its own progress
        setup_globals()
        config_loader = GlobalHydra.instance().config_loader()
        self.launcher = Plugins.instance().instantiate_launcher(
            hydra_context=HydraContext(config_loader=config_loader, callbacks=Callbacks(master)),
            task_function=job,
            config=master,
        )
        self.job_index = 0
        self.seen: dict[str, Point] = {}

    def run(self, points: Sequence[Point], seeds: Sequence[int], label: str = "") -> list[list[RunResult]]:
        """Run every point at every seed; return, per point, its runs in seed order.

        Runs already finished with the same config (an earlier, interrupted attempt) are
        not run again. Failed runs are returned with ``ok = False``.
        """
        jobs, results = [], []
        for point in points:
            pid = point_id(point)
            self.seen[pid] = dict(point)
            per_point = []
            for seed in seeds:
                subdir = f"{pid}/seed={seed}"
                per_point.append(RunResult(dict(point), int(seed), self.runs_dir / subdir, False))
                jobs.append(
                    [
                        *self.run_overrides,
                        *(override(self.app_cfg, key, value) for key, value in point.items()),
                        f"seed={seed}",
                        f"hydra.sweep.subdir='{subdir}'",
                    ]
                )
            results.append(per_point)
        self._write_index()
        started = time.time()
        reporter = Reporter(self.runs_dir, f"{self.name} {label}".strip(), len(jobs)).start()
        try:
            with watched_workers():  # joblib's workers stop when the app's process dies
                self.launcher.launch(jobs, initial_job_idx=self.job_index)
        finally:
            reporter.stop()
            self._restore()
        self.job_index += len(jobs)
        finished = [
            [RunResult(r.point, r.seed, r.run_dir, (r.run_dir / COMPLETE).is_file()) for r in p] for p in results
        ]
        failed = sum(not r.ok for p in finished for r in p)
        print(
            f"{self.name} {label}: {len(jobs)} runs ({len(points)} points x {len(seeds)} seeds) in "
            f"{time.time() - started:.0f} s, {failed} failed",
            flush=True,
        )
        return finished

    def _write_index(self) -> None:
        keys = sorted({key for point in self.seen.values() for key in point})
        lines = [",".join(["point", *keys])]
        lines += [",".join([pid, *(f"{p.get(k, math.nan):.12g}" for k in keys)]) for pid, p in self.seen.items()]
        write_atomic(
            self.runs_dir / "points.csv", lambda tmp: tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        )

    def _restore(self) -> None:
        """Give the app back its own Hydra config and logging (a launcher in this process changes both)."""
        from hydra.core.utils import configure_log

        HydraConfig.instance().set_config(self._app_full)
        configure_log(self._app_full.hydra.job_logging, self._app_full.hydra.verbose)


def read_values(run_dir: Path, wanted: Sequence[tuple[str, str, str]]) -> np.ndarray:
    """Values of a finished run's indicators: one per ``(indicator, sector, period)``.

    A period is a quarter (``2019Q2``: its value) or a year (``2018``: the mean of its
    four quarters, i.e. the annual rate of a flow or the yearly average of a stock).
    Province-wide rows (``city = "all"``) only.
    """
    import pandas as pd

    table = pd.read_parquet(
        run_dir / "timeseries.parquet",
        columns=["date", "indicator", "sector", "city", "value"],
        filters=[("city", "=", "all"), ("indicator", "in", sorted({w[0] for w in wanted}))],
    )
    quarter = pd.PeriodIndex(table["date"], freq="Q").astype(str)
    year = table["date"].dt.year.astype(str)
    values = []
    for indicator, sector, period in wanted:
        rows = (table["indicator"] == indicator) & (table["sector"] == sector)
        rows &= (quarter == period) if "Q" in period else (year == period)
        values.append(float(table.loc[rows, "value"].mean()) if rows.any() else math.nan)
    return np.array(values)


def year_before(period: str) -> str:
    """The same period a year earlier: ``2019`` -> ``2018``, ``2019Q2`` -> ``2018Q2``."""
    return f"{int(period[:4]) - 1}{period[4:]}"


def read_moments(run_dir: Path, moments: Sequence[DictConfig]) -> np.ndarray:
    """A finished run's moments (:class:`experiments.apps.app.Moment` configs).

    Each is a level, or with ``change: growth`` its relative change from the same period a
    year earlier (see :func:`read_values` for periods).
    """
    levels = [(m.indicator, m.sector, str(m.period)) for m in moments]
    growth = np.array([m.get("change", "") == "growth" for m in moments], dtype=bool)
    earlier = [(m.indicator, m.sector, year_before(str(m.period))) for m, g in zip(moments, growth, strict=True) if g]
    values = read_values(run_dir, levels + earlier)
    result = values[: len(levels)].copy()
    result[growth] = result[growth] / values[len(levels) :] - 1.0
    return result


def app_overrides(prefix: str) -> list[str]:
    """The app's task overrides that apply to its runs (its own ``<prefix>.*`` settings left out)."""
    task = HydraConfig.get().overrides.task
    own = (f"{prefix}.", f"{prefix}=", "seed=")  # the app sets each run's seed
    return [o for o in task if not o.lstrip("+~").startswith(own)]
