"""The main job: simulate 2018Q1-2022Q4 under one policy mix and score it.

    python -m experiments.run                                   # full scale, as enacted
    python -m experiments.run policy_mix=fund_only seed=3 scale=0.1
    python -m experiments.run policy_mix.instruments.conversion_fund.subscribed_target=800

Writes into Hydra's run folder: ``timeseries.parquet``, ``scorecard.csv``,
``summary.json``, ``overview.png`` and, last, the completion marker ``_COMPLETE``;
prints the scorecard. A mistake in the config or the data stops the job before the
simulation with one line naming the key, the value and what is allowed, and leaves
no result files.
"""

from __future__ import annotations

import datetime as dt
import time
import traceback
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from experiments.sweeps import coverage, outputs, progress
from experiments.sweeps.errors import describe_error, guarded, run_hydra
from model.data import PROJECT_ROOT
from model.schema import register_configs

register_configs()


def simulate(cfg: DictConfig, run_dir: Path, quiet: bool = False, fingerprint: str | None = None) -> dict[str, Any]:
    """Build the model from ``cfg``, run it, and write the results into ``run_dir``.

    Args:
        cfg: The composed config.
        run_dir: Where the result files go.
        quiet: Print nothing (sweeps).
        fingerprint: Hash of the resolved config, kept in the completion marker.

    Returns:
        The run summary (contents of summary.json).

    Raises:
        ConfigError: The config or the data is not acceptable (nothing is written).
    """
    from model import ShandongModel
    from model.sampling import sampled_rows
    from model.targets import format_scorecard, scorecard

    started = time.time()
    model = ShandongModel(config=cfg)  # validates the config before building anything
    needed = int(cfg.min_sector_rows)
    sampled = sampled_rows(model.firms)  # by thinned industry, before any row is split (none at full scale)
    thin = coverage.thin_sectors(sampled, needed)
    coverage.warn(thin, needed, model.scale, "run")
    if not quiet:
        print(
            f"built {model.plants.n} plants and {model.firms.n} firms (scale {model.scale}) in "
            f"{time.time() - started:.1f} s; simulating 2018Q1-2022Q4 under '{cfg.policy_mix.name}'...",
            flush=True,
        )
    start = outputs.micro_start(model) if cfg.output.micro else None
    model.run()
    timeseries = model.timeseries()
    card = scorecard(timeseries, model.params.targets.entries)
    resolved = OmegaConf.to_container(cfg, resolve=True)
    summary = {
        "run": {
            "experiment": cfg.experiment,
            "seed": model.seed,
            "scale": model.scale,
            "policy_mix": cfg.policy_mix.name,
            "scenario": cfg.scenario.name,
            "calibration": cfg.calibration.name,
            "targets": cfg.targets.name,
            "run_dir": str(run_dir),
            "started": dt.datetime.fromtimestamp(started).isoformat(timespec="seconds"),
            "wall_seconds": round(time.time() - started, 3),
            "sampled_rows": sampled,  # by thinned growth industry
            "thin_sectors": thin,  # those with fewer sampled rows than min_sector_rows
            "min_sector_rows": needed,
        },
        "targets_met": int(card["met"].sum()),
        "targets_total": len(card),
        "targets": {
            row.target: {
                "met": bool(row.met),
                "simulated": outputs._number(row.simulated),
                "target": row.target_value,
                "comparison": row.comparison,
                "gap": outputs._number(row.gap),
                "date": row.date,
            }
            for row in card.itertuples()
        },
        "final_indicators": outputs.final_indicators(timeseries),
        "code_version": outputs.code_version(),
        "package_versions": outputs.package_versions(),
        "config": resolved,
        "calibration_tables": {
            block: model.params.calibration[block] for block in ("cities", "overcapacity", "growth")
        },
    }
    outputs.write_run(
        run_dir,
        timeseries,
        card,
        summary,
        plot=bool(cfg.output.plot),
        fingerprint=fingerprint or outputs.config_fingerprint(cfg),
        micro=outputs.micro_end(model, start) if start is not None else None,
    )
    if not quiet and cfg.output.print_scorecard:
        print(format_scorecard(card))
        print(f"results in {run_dir}")
    return summary


@hydra.main(version_base="1.3", config_path=str(PROJECT_ROOT / "conf"), config_name="config")
def task(cfg: DictConfig) -> dict[str, Any] | None:
    """One Hydra job: a single run, or one run of a sweep."""
    hydra_cfg = HydraConfig.get()
    run_dir = Path(hydra_cfg.runtime.output_dir)
    if hydra_cfg.mode != RunMode.MULTIRUN:
        return guarded(lambda: simulate(cfg, run_dir), run_dir)
    return sweep_run(cfg, run_dir.resolve(), Path(hydra_cfg.sweep.dir).resolve())


def sweep_run(cfg: DictConfig, run_dir: Path, sweep_dir: Path) -> None:
    """One run of a sweep.

    Skipped if an earlier attempt finished it with the same config; a failure is
    recorded in the run's folder (``_FAILED``) and does not stop the sweep.
    """
    progress.watch_parent()  # a worker stops when the sweep's main process is killed
    started = time.time()
    name = str(run_dir.relative_to(sweep_dir)) if run_dir.is_relative_to(sweep_dir) else str(run_dir)
    fingerprint = ""
    try:
        outputs.mark_started(run_dir, list(HydraConfig.get().overrides.task))
        fingerprint = outputs.config_fingerprint(cfg)
        if outputs.finished(run_dir, fingerprint):
            progress.record(sweep_dir, "skipped", name, time.time() - started)
            return None
        outputs.clear_run(run_dir)  # results of a different config, or of a failed attempt
        simulate(cfg, run_dir, quiet=True, fingerprint=fingerprint)
    except Exception as exc:  # a failing run is recorded and does not stop the sweep
        outputs.clear_run(run_dir)
        message = describe_error(exc) or f"{type(exc).__name__}: {exc}"
        outputs.write_failure(run_dir, message, traceback.format_exc(), fingerprint)
        progress.record(sweep_dir, "failed", name, time.time() - started)
        return None
    progress.record(sweep_dir, "done", name, time.time() - started)
    return None  # results are in the run's folder: nothing to send back to the launcher


def main() -> None:
    """Entry point (``python -m experiments.run``): run the Hydra job, user mistakes as one line on stderr."""
    run_hydra(task)
