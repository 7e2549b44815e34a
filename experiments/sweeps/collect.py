"""Collect a sweep: ``python -m experiments.collect SWEEP_DIR``.

Reads the sweep's runs one at a time (memory does not grow with the number of runs)
and writes into the sweep folder:

* ``runs.parquet``: one row per run: experiment, mix, every varied parameter, seed,
  status, final indicators, and for each target whether it was met and the value;
* ``timeseries.parquet``: every finished run's quarterly series, long format, with the
  run, its group and seed;
* ``indicators.csv``: what each column of ``runs.parquet`` holds (unit, description, a
  target's threshold), also kept as the columns' field metadata
  (:mod:`experiments.sweeps.describe`);
* ``scorecard.csv``: per group of runs (a mix, or a point of the varied parameters)
  and target, the probability of meeting it with a 95 % Wilson interval, and per key
  indicator its median with a 90 % band;
* figures: ``fan_<group>.png`` (key indicators over time against their targets),
  ``heatmap.png`` (group x target probability of meeting it) and ``tradeoff.png``
  (new-economy share against jobs lost and fiscal outlay).

It lists failed, unfinished and never-started runs. A folder whose finished runs were made at
more than one scale or by more than one experiment is refused (one line, nothing written)
unless ``--allow-mixed`` says so: their groups would be read as one sweep. Reports of an
earlier collect (``report_*``, ``walkthrough_*``) are removed, so none stays beside new results.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from omegaconf import OmegaConf
from scipy import stats

from experiments.sweeps import coverage, describe
from experiments.sweeps.outputs import COMPLETE, FAILED, STARTED, read_overrides, verify_complete, write_atomic

# Indicators summarised per group: (indicator, sector). Final values get a median and band;
# the fan charts plot their quarterly paths.
KEY_INDICATORS = (
    ("new_economy_va_share", "all"),
    ("rd_intensity", "all"),
    ("labour_productivity", "all"),
    ("gdp", "all"),
    ("energy_intensity", "all"),
    ("coal_consumption", "all"),
    ("output", "steel"),
    ("capacity", "coal"),
    ("steel_channel_capacity_exited_share", "steel"),
    ("steel_coastal_capacity_share", "steel"),
    ("gazelle_firms", "all"),
    ("unicorn_firms", "all"),
    ("champion_firms", "all"),
    ("jobs_lost", "all"),
    ("workers_resettled", "all"),
    ("fiscal_outlay", "all"),
    ("fund_invested", "all"),
    ("surcharge_revenue", "all"),
)
FAN_INDICATORS = KEY_INDICATORS[:12]
CONFIDENCE = 0.95
BAND = (0.05, 0.95)


def wilson_interval(met: int, runs: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval for a probability of meeting a target (scipy)."""
    if runs == 0:
        return float("nan"), float("nan")
    interval = stats.binomtest(met, runs).proportion_ci(confidence_level=confidence, method="wilson")
    return float(interval.low), float(interval.high)


def find_runs(sweep_dir: Path) -> list[Path]:
    """Run folders of a sweep: every folder where a run started (``_STARTED`` or ``.hydra``)."""
    found = {p.parent for p in sweep_dir.rglob(STARTED)} | {p.parent for p in sweep_dir.rglob(".hydra") if p.is_dir()}
    return sorted(found)


def run_overrides(run_dir: Path) -> dict[str, str]:
    """The run's task overrides as key -> value."""
    pairs = {}
    for item in read_overrides(run_dir):
        key, _, value = item.lstrip("+~").partition("=")
        pairs[key] = value
    return pairs


STALE = ("report_*.html", "report_*.ipynb", "walkthrough_*.html", "walkthrough_*.ipynb")


def check_one_kind(runs: list[Path], sweep_dir: Path) -> None:
    """Refuse a folder whose finished runs differ in scale or experiment.

    Raises:
        SystemExit: One line naming the folder, the values and their run counts, and what to do.
    """
    kinds: dict[str, dict[str, int]] = {"scale": defaultdict(int), "experiment": defaultdict(int)}
    for run_dir in runs:
        if not (run_dir / COMPLETE).is_file():
            continue
        try:
            run = json.loads((run_dir / "summary.json").read_text(encoding="utf-8")).get("run", {})
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
            continue  # unreadable: the collector lists it as unfinished, with the reason
        kinds["scale"][f"{run.get('scale')}"] += 1
        kinds["experiment"][f"{run.get('experiment')}"] += 1
    for key, counts in kinds.items():
        if len(counts) > 1:
            found = ", ".join(f"{key}={value} ({n} runs)" for value, n in sorted(counts.items()))
            raise SystemExit(
                f"error: SWEEP_DIR={str(sweep_dir)!r} mixes {found}: expected one {key} per folder; "
                f"give each its own hydra.sweep.dir, or pass --allow-mixed to collect them as one sweep"
            )


def remove_stale_reports(sweep_dir: Path) -> list[str]:
    """Remove the reports of an earlier collect; return their names."""
    stale = sorted({p for pattern in STALE for p in sweep_dir.glob(pattern)})
    for path in stale:
        path.unlink()
    return [p.name for p in stale]


def expected_runs(sweep_dir: Path) -> int | None:
    """Runs the sweep was to launch, from Hydra's ``multirun.yaml`` (None if absent)."""
    path = sweep_dir / "multirun.yaml"
    if not path.is_file():
        return None
    from experiments.sweeps.progress import expected_runs as count

    try:
        return count(OmegaConf.load(path))
    except Exception as exc:  # not YAML, or not a sweep's record: one line, before anything is written
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SystemExit(
            f"error: {str(path)!r} is not allowed: expected the sweep's record written by Hydra "
            f"(it does not read: {first}); restore it or run the sweep's command again"
        ) from None


class Collector:
    """Accumulates a sweep run by run.

    Args:
        sweep_dir: The sweep folder.
    """

    def __init__(self, sweep_dir: Path) -> None:
        self.sweep_dir = sweep_dir
        self.rows: list[dict[str, Any]] = []
        self.paths: dict[str, list[np.ndarray]] = defaultdict(list)  # group -> per-run key paths
        self.dates: np.ndarray | None = None
        self.targets: dict[str, dict[str, Any]] = {}
        self.units: dict[tuple[str, str], str] = {}  # (indicator, sector) -> unit, province-wide series
        self.produced: dict[str, set[str]] = defaultdict(set)  # what produced the runs (file metadata)
        self.thin: dict[str, dict[str, int]] = defaultdict(dict)  # scale -> thin industry -> its sampled rows
        self.min_sector_rows: int | None = None
        self.writer: pq.ParquetWriter | None = None
        self.series_path = sweep_dir / ".timeseries.parquet.tmp"

    def add(self, run_dir: Path) -> None:
        """Read one run."""
        name = str(run_dir.relative_to(self.sweep_dir))
        group = str(run_dir.relative_to(self.sweep_dir).parent) if run_dir.name.startswith("seed=") else name
        overrides = run_overrides(run_dir)
        row: dict[str, Any] = {
            "run": name,
            "group": group if group != "." else "all",
            **{f"param.{key}": value for key, value in overrides.items() if key not in ("seed", "experiment")},
        }
        row["seed"] = int(overrides["seed"]) if overrides.get("seed", "").isdigit() else None
        broken = verify_complete(run_dir) if (run_dir / COMPLETE).is_file() else None
        if (run_dir / COMPLETE).is_file() and broken is None:
            try:
                self._add_finished(run_dir, row)
            except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as exc:
                row.update(status="unfinished", error=f"unreadable result: {type(exc).__name__}: {exc}")
        elif broken is not None:
            row.update(status="unfinished", error=f"not trusted: {broken}")
        elif (run_dir / FAILED).is_file():
            row["status"] = "failed"
            try:
                row["error"] = json.loads((run_dir / FAILED).read_text(encoding="utf-8"))["error"]
            except (json.JSONDecodeError, KeyError):
                row["error"] = "unreadable _FAILED record"
        else:
            row["status"] = "unfinished"
        self.rows.append(row)

    def _add_finished(self, run_dir: Path, row: dict[str, Any]) -> None:
        summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
        run = summary["run"]
        row.update(
            status="complete",
            experiment=run.get("experiment"),
            policy_mix=run["policy_mix"],
            scenario=run["scenario"],
            scale=run["scale"],
            seed=run["seed"],
        )
        final = summary["final_indicators"]
        for indicator, value in final["province"].items():
            row[f"final.{indicator}"] = value
        for indicator, sector in KEY_INDICATORS:
            if sector != "all":
                row[f"final.{indicator}[{sector}]"] = final["by_sector"].get(indicator, {}).get(sector)
        if not self.targets:  # what each target measures, from the first finished run
            card = pd.read_csv(run_dir / "scorecard.csv")
            self.targets = {
                r.target: {
                    "comparison": r.comparison,
                    "target": r.target_value,
                    "upper": r.upper,
                    "indicator": r.indicator,
                    "sector": r.sector,
                    "label": r.label,
                    "unit": r.unit,
                    "date": r.date,
                }
                for r in card.itertuples()
            }
        for target, result in summary["targets"].items():
            row[f"met.{target}"] = bool(result["met"])
            row[f"value.{target}"] = result["simulated"]
        for key in ("experiment", "policy_mix", "scenario", "calibration", "targets", "scale"):
            self.produced[key].add(json.dumps(run.get(key)))
        for sector, rows in run.get("thin_sectors", {}).items():  # runs written before it: none
            known = self.thin[str(run["scale"])].get(sector, rows)
            self.thin[str(run["scale"])][sector] = min(known, rows)
        self.min_sector_rows = run.get("min_sector_rows", self.min_sector_rows)
        self.produced["code_version"].add(json.dumps(summary.get("code_version"), sort_keys=True))
        ts = pd.read_parquet(run_dir / "timeseries.parquet")
        if not self.units:
            province = ts[ts.city == "all"].drop_duplicates(["indicator", "sector"])
            self.units = {(str(r.indicator), str(r.sector)): str(r.unit) for r in province.itertuples()}
        self._keep_paths(ts, row["group"])
        table = describe.arrow_table(
            ts.assign(run=row["run"], group=row["group"], seed=row["seed"], policy_mix=row["policy_mix"])
        )
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.series_path, table.schema, compression="zstd")
        self.writer.write_table(table)

    def _keep_paths(self, ts: pd.DataFrame, group: str) -> None:
        wanted = ts[ts.city == "all"]
        paths = []
        for indicator, sector in FAN_INDICATORS:
            series = wanted[(wanted.indicator == indicator) & (wanted.sector == sector)].sort_values("date")
            paths.append(series.value.to_numpy())
            if self.dates is None:
                self.dates = series.date.to_numpy()
        self.paths[group].append(np.vstack(paths))

    def info(self) -> dict[str, Any]:
        """What produced the sweep's runs: the values met among its finished runs (file metadata)."""
        found: dict[str, Any] = {
            key: sorted(json.loads(v) for v in values if v != "null")
            for key, values in self.produced.items()
            if key != "code_version"
        }
        found["code_version"] = [json.loads(v) for v in sorted(self.produced["code_version"])]
        found["seeds"] = sorted({int(r["seed"]) for r in self.rows if r.get("status") == "complete"})
        found["sweep"] = self.sweep_dir.name
        if self.thin:  # read by the report (coverage warnings)
            found["thin_sectors"] = dict(self.thin)
            found["min_sector_rows"] = self.min_sector_rows
        return found

    def close(self, publish: bool = True) -> None:
        """Finish the combined time series; publish it only if every run was read."""
        if self.writer is not None:
            self.writer.add_key_value_metadata(describe.encode(self.info()))
            self.writer.close()
            self.writer = None
            if publish:
                self.series_path.replace(self.sweep_dir / "timeseries.parquet")
        self.series_path.unlink(missing_ok=True)

    # ------------------------------------------------------------------ tables
    def runs_table(self) -> pd.DataFrame:
        """One row per run."""
        frame = describe.without_empty_columns(describe.numeric_columns(pd.DataFrame(self.rows)))
        first = ["run", "group", "status", "error", "experiment", "policy_mix", "scenario", "scale", "seed"]
        params = sorted(c for c in frame.columns if c.startswith("param."))
        rest = [c for c in frame.columns if c not in first and c not in params]
        return frame[[c for c in first if c in frame.columns] + params + rest]

    def scorecard(self, runs: pd.DataFrame) -> pd.DataFrame:
        """Per group and target: probability met with its interval; per key indicator: median and band."""
        done = runs[runs.status == "complete"]
        rows = []
        for group, members in done.groupby("group", sort=True):
            mix = members.policy_mix.iloc[0]
            for target, info in self.targets.items():
                met = members[f"met.{target}"].astype(bool)
                low, high = wilson_interval(int(met.sum()), len(met))
                values = members[f"value.{target}"].astype(float)
                rows.append(
                    {
                        "group": group,
                        "policy_mix": mix,
                        "kind": "target",
                        "name": target,
                        "runs": len(met),
                        "met": int(met.sum()),
                        "probability": met.mean(),
                        "ci_low": low,
                        "ci_high": high,
                        "target": info["target"],
                        "comparison": info["comparison"],
                        **_band(values),
                    }
                )
            for indicator, sector in KEY_INDICATORS:
                column = f"final.{indicator}" if sector == "all" else f"final.{indicator}[{sector}]"
                if column not in members:
                    continue
                name = indicator if sector == "all" else f"{indicator}[{sector}]"
                rows.append(
                    {
                        "group": group,
                        "policy_mix": mix,
                        "kind": "indicator",
                        "name": name,
                        "runs": len(members),
                        **_band(members[column].astype(float)),
                    }
                )
        return pd.DataFrame(rows).astype({"met": "Int64"}, errors="ignore")


def _band(values: pd.Series) -> dict[str, float]:
    values = values.dropna()
    if values.empty:
        return {"median": np.nan, "p05": np.nan, "p95": np.nan}
    low, median, high = np.quantile(values, [BAND[0], 0.5, BAND[1]])
    return {"median": median, "p05": low, "p95": high}


def collect(sweep_dir: Path, figures: bool = True, quiet: bool = False, allow_mixed: bool = False) -> dict[str, Any]:
    """Collect a sweep folder; return counts by status.

    Args:
        sweep_dir: The sweep folder.
        figures: Draw the figures.
        quiet: Print nothing.
        allow_mixed: Collect runs of several scales or experiments as one sweep.

    Raises:
        SystemExit: The folder holds no runs, or mixes scales or experiments (without ``allow_mixed``).
    """
    sweep_dir = Path(sweep_dir)
    runs = find_runs(sweep_dir)
    if not runs:
        raise SystemExit(f"error: SWEEP_DIR={str(sweep_dir)!r} is not allowed: expected a sweep folder with runs")
    if not allow_mixed:
        check_one_kind(runs, sweep_dir)
    stale = remove_stale_reports(sweep_dir)
    if stale and not quiet:
        print(f"removed the reports of an earlier collect: {', '.join(stale)}", file=sys.stderr)
    expected = expected_runs(sweep_dir)
    collector = Collector(sweep_dir)
    try:
        for i, run_dir in enumerate(runs, start=1):
            collector.add(run_dir)
            if not quiet and (i % 200 == 0 or i == len(runs)):
                print(f"read {i}/{len(runs)} runs", file=sys.stderr, flush=True)
    except BaseException:
        collector.close(publish=False)  # never a partial timeseries.parquet
        raise
    collector.close()
    for scale, thin in collector.thin.items():
        coverage.warn(thin, int(collector.min_sector_rows or 0), scale, f"collect {sweep_dir.name}")
    table = collector.runs_table()
    columns = describe.run_columns(list(table.columns), collector.units, collector.targets)
    info = collector.info()
    write_atomic(sweep_dir / "runs.parquet", lambda tmp: describe.write_parquet(table, tmp, info, columns))
    write_atomic(sweep_dir / "indicators.csv", lambda tmp: describe.write_columns_csv(tmp, columns))
    card = collector.scorecard(table)
    write_atomic(sweep_dir / "scorecard.csv", lambda tmp: card.to_csv(tmp, index=False))
    if figures and not card.empty:
        from experiments.sweeps import sweep_figures

        sweep_figures.all_figures(
            sweep_dir, card, table, collector.paths, collector.dates, FAN_INDICATORS, collector.targets
        )
    counts = table.status.value_counts().to_dict()
    report = {
        "complete": counts.get("complete", 0),
        "failed": counts.get("failed", 0),
        "unfinished": counts.get("unfinished", 0),
        "expected": expected,
        "not_started": max(expected - len(table), 0) if expected is not None else None,
    }
    if not quiet:
        _print_report(table, report, sweep_dir)
    return report


def _print_report(table: pd.DataFrame, report: dict[str, Any], sweep_dir: Path) -> None:
    print(
        f"{report['complete']} runs complete, {report['failed']} failed, {report['unfinished']} unfinished"
        + (f", {report['not_started']} of {report['expected']} never started" if report["expected"] else "")
    )
    for row in table[table.status == "failed"].itertuples():
        print(f"  failed:     {row.run}: {row.error}")
    for row in table[table.status == "unfinished"].itertuples():
        print(f"  unfinished: {row.run}" + (f" ({row.error})" if isinstance(row.error, str) else ""))
    if report["failed"] or report["unfinished"] or report["not_started"]:
        print("re-run the sweep's command to redo them; finished runs are skipped")
    print(f"wrote runs.parquet, timeseries.parquet, scorecard.csv and figures into {sweep_dir}")


def main(argv: list[str] | None = None) -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sweep_dir", type=Path, help="a sweep folder, e.g. multirun/mix_comparison")
    parser.add_argument("--no-figures", action="store_true", help="skip the figures")
    parser.add_argument(
        "--allow-mixed", action="store_true", help="collect runs of several scales or experiments as one sweep"
    )
    args = parser.parse_args(argv)
    if not args.sweep_dir.is_dir():
        raise SystemExit(f"error: SWEEP_DIR={str(args.sweep_dir)!r} is not allowed: expected an existing folder")
    collect(args.sweep_dir, figures=not args.no_figures, allow_mixed=args.allow_mixed)
