"""Result files of one run, written atomically into the run's folder.

Files are first written into a hidden staging folder and moved into place when all
of them exist; the completion marker ``_COMPLETE`` is written last. A run that fails
leaves no result files (and no marker), so nothing half-written looks finished.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from model.data import PROJECT_ROOT
from model.names import GROWTH_SECTORS, OVERCAPACITY_SECTORS

if TYPE_CHECKING:
    import pandas as pd

RESULT_FILES = ("timeseries.parquet", "scorecard.csv", "summary.json", "overview.png")
MICRO_FILES = ("plants.parquet", "firms.parquet")  # with output.micro=true
STARTED = "_STARTED"
COMPLETE = "_COMPLETE"
FAILED = "_FAILED"
STAGING = ".staging"
PACKAGES = ("mesa", "numpy", "scipy", "pandas", "pyarrow", "matplotlib", "hydra-core", "omegaconf")


def code_version() -> dict[str, Any]:
    """The code's version: git commit and whether the work tree has uncommitted changes."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()
        dirty = (
            subprocess.run(
                ["git", "status", "--porcelain", "--untracked-files=no"],
                cwd=PROJECT_ROOT,
                capture_output=True,
                text=True,
                check=True,
                timeout=10,
            ).stdout.strip()
            != ""
        )
    except (OSError, subprocess.SubprocessError):
        commit, dirty = "unknown (not a git checkout)", None
    try:
        version = metadata.version("shandong-conversion-abm")
    except metadata.PackageNotFoundError:
        version = "not installed"
    return {"git_commit": commit, "uncommitted_changes": dirty, "package_version": version}


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages a result depends on."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def write_atomic(path: Path, write: Callable[[Path], object]) -> None:
    """Write a file through a temporary name in the same folder, renamed when complete.

    ``write`` writes to the path it is given; the temporary name keeps the suffix, so that
    writers choosing a format by suffix (matplotlib, pandas) do the same.
    """
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def micro_start(model: Any) -> dict[str, pd.DataFrame]:
    """Plants' and firms' state at the start (end 2017), before the run: one row per model row."""
    import numpy as np
    import pandas as pd

    world, plants, firms = model.world, model.plants, model.firms
    energy = model.environment.quota_metric(plants.sector, plants.fuel_intensity, plants.power_intensity)
    plant_table = pd.DataFrame(
        {
            **_identity(plants, OVERCAPACITY_SECTORS, world.cities),
            "soe": plants.soe,
            "capacity_2017": plants.capacity,
            "workers_2017": plants.workers,
            "energy_use_2017": energy,  # unit energy use in the sector's quota unit
            "debt_ratio_2017": plants.debt / np.maximum(plants.assets, 1e-12),
        }
    )
    firm_table = pd.DataFrame(
        {
            **_identity(firms, GROWTH_SECTORS, world.cities),
            "founded": firms.founded,
            "revenue_2017": firms.revenue,
        }
    )
    return {"plants": plant_table, "firms": firm_table}


def _identity(store: Any, sector_names: Sequence[str], cities: Sequence[str]) -> dict[str, Any]:
    """Each row's sector and city by name, and its weight (the firms it stands for)."""
    import numpy as np

    return {
        "sector": np.asarray(sector_names)[store.sector],
        "city": np.asarray(cities)[store.city],
        "weight": store.weight,
    }


def micro_end(model: Any, start: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The start tables with each row's end state.

    Rows created during the run (entrants, rebuilt plants) are added, their 2017 columns empty.
    """
    import numpy as np

    from agents.firms import ExitReason
    from model.calendar import quarter_label

    world, plants, firms = model.world, model.plants, model.firms
    tables = {}
    for name, store, extra in (
        ("plants", plants, {"capacity": plants.capacity, "output": plants.output, "upgrades": plants.upgrades}),
        ("firms", firms, {"revenue": firms.revenue, "funded": firms.funded}),
    ):
        table = start[name].reindex(range(store.n))
        names = OVERCAPACITY_SECTORS if name == "plants" else GROWTH_SECTORS
        for column, values in _identity(store, names, world.cities).items():
            table[column] = values
        table["active"] = store.active
        exits = zip(store.exit_quarter, store.active, strict=True)
        table["exit_quarter"] = [quarter_label(int(q)) if not active else "" for q, active in exits]
        table["exit_reason"] = np.asarray([reason.label for reason in ExitReason])[store.exit_reason]
        for column, values in extra.items():
            table[column] = values
        tables[name] = table
    return tables


def final_indicators(timeseries: pd.DataFrame) -> dict[str, Any]:
    """Province-wide indicators and sector values in the last quarter, as plain numbers."""
    last = timeseries[timeseries["date"] == timeseries["date"].max()]
    province = last[(last["sector"] == "all") & (last["city"] == "all")]
    by_sector = last[(last["sector"] != "all") & (last["city"] == "all")]
    sectors: dict[str, dict[str, float]] = {}
    for row in by_sector.itertuples():
        sectors.setdefault(row.indicator, {})[row.sector] = _number(row.value)
    return {
        "date": str(last["date"].iloc[0].date()),
        "province": {row.indicator: _number(row.value) for row in province.itertuples()},
        "by_sector": sectors,
    }


def _number(value: float) -> float | None:
    value = float(value)
    return None if math.isnan(value) else value


def config_fingerprint(cfg: Any) -> str:
    """SHA-256 of a resolved config and its calibration tables: the same fingerprint, the same run."""
    from omegaconf import OmegaConf

    from model.calibration import resolve
    from model.config import as_params

    resolved = OmegaConf.to_container(cfg, resolve=True)
    resolved["calibration_tables"] = resolve(as_params(cfg.calibration), cfg.data_dir)
    return hashlib.sha256(json.dumps(resolved, sort_keys=True, default=str).encode()).hexdigest()


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_complete(run_dir: Path) -> str | None:
    """Why ``run_dir``'s completion marker cannot be trusted, or None when it can.

    The marker lists every result file with its SHA-256; a missing, truncated or changed
    file, or a marker that does not parse (a full disk can leave it empty), fails.
    """
    marker = run_dir / COMPLETE
    if not marker.is_file():
        return "no completion marker"
    try:
        record = json.loads(marker.read_text(encoding="utf-8"))
        files = record["files"]
    except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError):
        return f"{COMPLETE} unreadable (empty or cut short)"
    for name, digest in files.items():
        path = run_dir / name
        if not path.is_file():
            return f"{name} missing"
        if file_sha256(path) != digest:
            return f"{name} does not match its checksum in {COMPLETE}"
    return None


def finished(run_dir: Path, fingerprint: str) -> bool:
    """Whether ``run_dir`` holds a finished, intact result of the config with this fingerprint."""
    if verify_complete(run_dir) is not None:
        return False
    return json.loads((run_dir / COMPLETE).read_text(encoding="utf-8")).get("config_sha256") == fingerprint


def mark_started(run_dir: Path, overrides: list[str]) -> None:
    """Record that a sweep's run has started, with its overrides (``_STARTED``)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"overrides": overrides})
    write_atomic(run_dir / STARTED, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def read_overrides(run_dir: Path) -> list[str]:
    """A sweep run's overrides, from ``_STARTED`` (or Hydra's ``.hydra/overrides.yaml``)."""
    if (run_dir / STARTED).is_file():
        return json.loads((run_dir / STARTED).read_text(encoding="utf-8"))["overrides"]
    hydra_record = run_dir / ".hydra" / "overrides.yaml"
    if hydra_record.is_file():
        from omegaconf import OmegaConf

        return [str(item) for item in OmegaConf.load(hydra_record)]
    return []


def clear_run(run_dir: Path) -> None:
    """Remove the results and markers of an earlier attempt (keeps Hydra's bookkeeping)."""
    for name in (*RESULT_FILES, *MICRO_FILES, COMPLETE, FAILED):  # _STARTED stays: the run is starting again
        (run_dir / name).unlink(missing_ok=True)
    shutil.rmtree(run_dir / STAGING, ignore_errors=True)


def write_failure(run_dir: Path, message: str, trace: str, fingerprint: str) -> None:
    """Record a failed run: its one-line error and traceback, in ``_FAILED``."""
    run_dir.mkdir(parents=True, exist_ok=True)
    record = {
        "error": message,
        "config_sha256": fingerprint,
        "traceback": trace,
        "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    write_atomic(run_dir / FAILED, lambda tmp: tmp.write_text(json.dumps(record, indent=2), encoding="utf-8"))


def write_run(
    run_dir: Path,
    timeseries: pd.DataFrame,
    card: pd.DataFrame,
    summary: Mapping[str, Any],
    plot: bool = True,
    fingerprint: str = "",
    micro: Mapping[str, pd.DataFrame] | None = None,
) -> list[Path]:
    """Write a run's result files atomically.

    Args:
        run_dir: The run's folder (Hydra's output folder).
        timeseries: Tidy quarterly series.
        card: The scorecard.
        summary: Contents of summary.json.
        plot: Whether to draw overview.png.
        fingerprint: Hash of the resolved config, kept in the completion marker.
        micro: Plant and firm tables, written as ``<name>.parquet``.

    Returns:
        Paths of the files written.
    """
    staging = run_dir / STAGING
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    from experiments.sweeps.describe import write_parquet  # pyarrow: a sweep's main process never writes a run

    run = summary["run"]
    info = {k: run.get(k) for k in ("seed", "policy_mix", "scenario", "scale", "calibration", "targets", "experiment")}
    info["code_version"] = summary.get("code_version")
    try:
        write_parquet(timeseries, staging / "timeseries.parquet", info)
        card.to_csv(staging / "scorecard.csv", index=False)
        (staging / "summary.json").write_text(
            json.dumps(summary, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
        )
        names = ["timeseries.parquet", "scorecard.csv", "summary.json"]
        for name, frame in (micro or {}).items():
            write_parquet(frame, staging / f"{name}.parquet", info)
            names.append(f"{name}.parquet")
        if plot:
            from experiments.sweeps.run_figure import overview

            overview(timeseries, card, summary, staging / "overview.png")
            names.append("overview.png")
        written: list[Path] = []
        marker = {
            "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "config_sha256": fingerprint,
            "files": {name: file_sha256(staging / name) for name in names},
        }
        for name in names:
            os.replace(staging / name, run_dir / name)
            written.append(run_dir / name)
        write_atomic(run_dir / COMPLETE, lambda tmp: tmp.write_text(json.dumps(marker) + "\n", encoding="utf-8"))
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def remove_unfinished(run_dir: Path, hydra_log: str | None = None) -> bool:
    """Remove a run folder that holds only Hydra's bookkeeping (after a user error).

    Returns:
        Whether the folder was removed.
    """
    if not run_dir.is_dir():
        return False
    allowed = {".hydra", STAGING}
    if hydra_log:
        allowed.add(hydra_log)
    if all(entry.name in allowed or entry.suffix == ".log" for entry in run_dir.iterdir()):
        shutil.rmtree(run_dir)
        return True
    return False
