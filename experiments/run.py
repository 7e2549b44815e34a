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
import os
import re
import sys
import time
import traceback
from pathlib import Path
from typing import Any, NoReturn

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from experiments import outputs, progress
from model.errors import ConfigError
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
    from model.targets import format_scorecard, scorecard

    started = time.time()
    model = ShandongModel(config=cfg)  # validates the config before building anything
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


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def task(cfg: DictConfig) -> dict[str, Any] | None:
    """One Hydra job: a single run, or one run of a sweep."""
    hydra_cfg = HydraConfig.get()
    run_dir = Path(hydra_cfg.runtime.output_dir)
    if hydra_cfg.mode != RunMode.MULTIRUN:
        try:
            return simulate(cfg, run_dir)
        except Exception as exc:
            line = describe_error(exc)
            if line is None:  # a bug, not a user mistake: keep the traceback
                raise
            outputs.remove_unfinished(run_dir)
            fail(line)
    return sweep_run(cfg, run_dir.resolve(), Path(hydra_cfg.sweep.dir).resolve())


def sweep_run(cfg: DictConfig, run_dir: Path, sweep_dir: Path) -> None:
    """One run of a sweep.

    Skipped if an earlier attempt finished it with the same config; a failure is
    recorded in the run's folder (``_FAILED``) and does not stop the sweep.
    """
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


# --------------------------------------------------------------------------- user errors
_TYPES = {"Integer": "an integer", "Float": "a number", "Boolean": "true or false", "String": "a string"}


def _override_value(key: str) -> str:
    """The value given on the command line for ``key`` (for error messages)."""
    for arg in sys.argv[1:]:
        name, _, value = arg.lstrip("+~").partition("=")
        if name == key:
            return value
    return "?"


def _siblings(full_key: str, config_name: str = "config") -> tuple[list[str], bool]:
    """Keys allowed next to ``full_key`` in the default config, and whether they form a mapping.

    Open mappings (schedules, weights) take new entries with ``+key={...}``.
    """
    from model.config import compose

    try:
        node = compose([], config_name=config_name)
        for part in full_key.split(".")[:-1]:
            node = node[part]
        return sorted(str(k) for k in node), OmegaConf.get_type(node) is dict
    except Exception:  # the parent itself does not exist
        return [], False


def describe_error(exc: BaseException, config_name: str = "config") -> str | None:
    """One line for a user mistake (config, override, data), or None for a bug.

    ``config_name`` is the app's primary config (where misspelt keys are looked up).
    """
    from hydra.errors import ConfigCompositionException, MissingConfigException, OverrideParseException
    from omegaconf.errors import ConfigAttributeError, ConfigKeyError, OmegaConfBaseException, ValidationError

    chain, seen = [], set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        chain.append(current)
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    for error in chain:
        if isinstance(error, ConfigError):
            return str(error)
    if isinstance(exc, MissingConfigException):
        text = str(exc)
        found = re.search(r"Could not find '([^']+)'", text)
        options = re.findall(r"^\t(\S+)$", text, re.M)
        if found:
            group, _, option = found.group(1).rpartition("/")
            allowed = f"one of {', '.join(options)}" if options else f"a config in conf/{group}/"
            return f"{group}={option!r} is not allowed: expected {allowed}"
        return text.splitlines()[0]
    if isinstance(exc, OverrideParseException):
        text = str(exc).splitlines()[0]
        bad = re.search(r"override '([^']+)'", text)
        override = bad.group(1) if bad else text
        name, _, value = override.lstrip("+~").partition("=")
        parent, _, child = name.rpartition(".")
        if child[:1].isdigit():  # quarters such as 2021Q4 cannot be a key path element
            return (
                f"{name}={value!r} is not allowed: a key cannot start with a digit; expected "
                f"{parent}={{{child}:{value}}} (or +{parent}={{{child}:{value}}} to add an entry)"
            )
        return f"{override!r} is not allowed: expected an override such as key=value ({text})"
    for error in chain:
        if isinstance(error, ValidationError):
            key = str(error.full_key or "")
            target = re.search(r"converted to (\w+)", str(error.msg))
            expected = _TYPES.get(target.group(1), target.group(1)) if target else str(error.msg).splitlines()[0]
            return f"{key}={_override_value(key)!r} is not allowed: expected {expected}"
        if isinstance(error, (ConfigAttributeError, ConfigKeyError)):
            key = str(error.full_key or "")
            allowed, mapping = _siblings(key, config_name)
            expected = f"one of {', '.join(allowed)}" if allowed else "a key of the config"
            parent, _, child = key.rpartition(".")
            hint = f" (to add an entry, write +{parent}={{{child}:...}})" if mapping else ""
            return (
                f"{key}={_override_value(key)!r} is not allowed: {key.rpartition('.')[2]!r} is not a "
                f"config key here; expected {expected}{hint}"
            )
    if isinstance(exc, (ConfigCompositionException, OmegaConfBaseException)):
        return str(exc).splitlines()[0]
    return None


def fail(line: str) -> NoReturn:
    """Stop with a one-line message on stderr and exit status 2."""
    print(f"error: {line}", file=sys.stderr)
    sys.exit(2)


def main() -> None:
    """Entry point: run the Hydra job, turning user mistakes into one line on stderr."""
    os.environ["HYDRA_FULL_ERROR"] = "1"  # let errors reach us, to print them as one line
    try:
        task()
    except SystemExit:
        raise
    except Exception as exc:
        line = describe_error(exc)
        if line is None:
            raise
        fail(line)


if __name__ == "__main__":
    main()
