"""A grid sweeper that checks a sweep's configs without composing every job twice.

Hydra's basic sweeper composes the config of every job to check it before launching,
and the launcher then composes it again: with a large config that doubles Hydra's
work per run. This sweeper launches the same cartesian grid (from ``params`` and the
command line, as the basic sweeper does) but, before launching, composes only one job
for each value of every non-numeric sweep key (config-group choices and strings):
enough to catch a bad option or key early, at a fraction of the cost. Numeric sweeps
(seeds, levels) are typed by the config schema and checked by the first job.

Built on Hydra's public plugin API (``hydra.plugins.sweeper.Sweeper``).
"""

# No ``from __future__ import annotations``: Hydra scans plugins without registering the
# module, and the dataclass below needs its annotations evaluated at class creation.
import itertools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from hydra.core.config_store import ConfigStore
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.plugins import Plugins
from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf

log = logging.getLogger(__name__)


@dataclass
class GridSweeperConf:
    """Config of the grid sweeper."""

    _target_: str = "hydra_plugins.shandong_grid_sweeper.grid_sweeper.GridSweeper"
    max_batch_size: Optional[int] = None  # noqa: UP045 - OmegaConf needs runtime types
    params: Optional[dict[str, str]] = None  # noqa: UP045


ConfigStore.instance().store(group="hydra/sweeper", name="grid", node=GridSweeperConf, provider="shandong_abm")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class GridSweeper(Sweeper):
    """Cartesian product of the sweep overrides, launched in batches.

    Args:
        max_batch_size: Jobs per launch (None: all at once).
        params: Sweep overrides given in the config (``hydra.sweeper.params``).
    """

    def __init__(self, max_batch_size: int | None = None, params: dict[str, str] | None = None) -> None:
        super().__init__()
        self.max_batch_size = max_batch_size
        self.params = params or {}
        self.hydra_context: HydraContext | None = None
        self.config: DictConfig | None = None
        self.launcher: Any = None

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        """Keep the context and instantiate the configured launcher."""
        self.hydra_context = hydra_context
        self.config = config
        self.launcher = Plugins.instance().instantiate_launcher(
            hydra_context=hydra_context, task_function=task_function, config=config
        )

    def grid(self, arguments: list[str]) -> tuple[list[list[str]], dict[str, list[str]]]:
        """Every job's overrides, and the values of each sweep key."""
        parser = OverridesParser.create(config_loader=self.hydra_context.config_loader)
        choices: dict[str, list[str]] = {}
        for override in parser.parse_overrides([f"{k}={v}" for k, v in self.params.items()] + list(arguments)):
            key = override.get_key_element()
            if override.is_sweep_override():
                if not override.is_discrete_sweep():
                    raise ValueError(f"{key}: the grid sweeper takes lists, ranges and globs, not intervals")
                choices[key] = list(override.sweep_string_iterator())
            else:
                choices[key] = [override.get_value_element_as_str()]
        keys = list(choices)
        jobs = [
            [f"{k}={v}" for k, v in zip(keys, values, strict=True)]
            for values in itertools.product(*(choices[k] for k in keys))
        ]
        return jobs, choices

    def to_check(self, jobs: list[list[str]], choices: dict[str, list[str]]) -> list[list[str]]:
        """Jobs whose configs are composed before launching: one per non-numeric value."""
        first = dict(item.split("=", 1) for item in jobs[0])
        picked = [jobs[0]]
        for key, values in choices.items():
            if len(values) < 2 or all(_is_number(v) for v in values):
                continue
            for value in values[1:]:
                picked.append([f"{k}={value if k == key else v}" for k, v in first.items()])
        return picked

    def sweep(self, arguments: list[str]) -> Any:
        """Launch the grid, batch by batch."""
        from experiments.sweeps.progress import lock_sweep

        jobs, choices = self.grid(arguments)
        sweep_dir = Path(self.config.hydra.sweep.dir)
        lock_sweep(sweep_dir)  # one sweep at a time in a folder: a second one stops here with one line
        OmegaConf.save(self.config, sweep_dir / "multirun.yaml")
        loader = self.hydra_context.config_loader
        for overrides in self.to_check(jobs, choices):
            loader.load_sweep_config(master_config=self.config, sweep_overrides=list(overrides))
        size = self.max_batch_size or len(jobs)
        returns = []
        for start in range(0, len(jobs), size):
            results = self.launch(jobs[start : start + size], start)
            for result in results:
                _ = result.return_value  # raise if a job failed outside the task's own handling
            returns.append(results)
        return returns

    def launch(self, batch: list[list[str]], start: int) -> Any:
        """Launch a batch; if a worker process dies, launch it again (finished runs are skipped).

        A run whose worker was killed left no completion marker, so the next attempt redoes
        it from a clean folder; after ``WORKER_RETRIES`` attempts the error is raised. Joblib's
        workers stop when this process dies (:mod:`experiments.sweeps.workers`).
        """
        from experiments.sweeps.workers import watched_workers

        for attempt in range(WORKER_RETRIES + 1):
            try:
                with watched_workers():
                    return self.launcher.launch(batch, initial_job_idx=start)
            except Exception as exc:  # joblib's TerminatedWorkerError, a broken process pool
                if attempt == WORKER_RETRIES or not _worker_died(exc):
                    raise
                log.warning("a worker process died (%s); launching the batch again", type(exc).__name__)
        raise AssertionError("unreachable")


WORKER_RETRIES = 3


def _worker_died(exc: BaseException) -> bool:
    """Whether an exception says a worker process died (killed, out of memory)."""
    names = {type(e).__name__ for e in (exc, exc.__cause__, exc.__context__) if e is not None}
    return bool(names & {"TerminatedWorkerError", "BrokenProcessPool", "BrokenExecutor"})
