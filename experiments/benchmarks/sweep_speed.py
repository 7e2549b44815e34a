"""Benchmark of sweeps: ``python -m experiments.bench_sweep``.

Prints medians over repeats (this machine is noisy):

* the wall time of a 40-run sweep (4 mixes x 10 seeds of ``mix_comparison`` at the
  experiment's own scale) under the sequential launcher and under the joblib
  launcher (one worker per core), and their ratio;
* Hydra's per-run overhead, side by side: a run done directly in Python (compose its
  config, simulate, write its files) against the marginal wall time of a run through
  the sequential launcher (the 40-run sweep less an 8-run sweep, over 32: the sweep's
  one-off start-up excluded); and, stricter, the time between runs of the sweep
  (composing each run's config included) over a run's simulating and writing;
* the peak memory and time of ``experiments.collect`` over a sweep of 2,000 runs
  (runs of a real sweep, linked into 2,000 run folders).

Targets (issue 3): joblib >= 1.6x sequential; overhead <= 20 %; collect <= 1 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from model.data import PROJECT_ROOT

MIXES = "none,pricing_only,fund_only,standards_only"


def run_sweep(sweep_dir: Path, launcher: str, seeds: int = 10) -> float:
    """Run 4 mixes x ``seeds`` seeds of mix_comparison; return the wall time [s]."""
    args = [
        sys.executable,
        "-m",
        "experiments.run",
        "-m",
        "+experiment=mix_comparison",
        f"policy_mix={MIXES}",
        f"seed=range(0,{seeds})",
        f"hydra/launcher={launcher}",
        f"hydra.sweep.dir={sweep_dir}",
    ]
    start = time.perf_counter()
    subprocess.run(args, cwd=PROJECT_ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def direct_runs(work: Path) -> float:
    """Mean time of the 40 runs done directly in one process: compose, simulate, write [s]."""
    code = f"""
import itertools, json, tempfile, time
from pathlib import Path
from experiments.sweeps.run import simulate
from model.config import compose
times = []
for mix, seed in itertools.product({MIXES.split(",")!r}, range(10)):
    start = time.perf_counter()
    cfg = compose(["+experiment=mix_comparison", f"policy_mix={{mix}}", f"seed={{seed}}"])
    simulate(cfg, Path(tempfile.mkdtemp(dir={str(work)!r})), quiet=True)
    times.append(time.perf_counter() - start)
print(json.dumps(times))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, check=True, capture_output=True, text=True)
    return statistics.mean(json.loads(out.stdout.strip().splitlines()[-1]))


def per_run_overhead(sweep_dir: Path) -> tuple[float, float]:
    """Mean own time of a run and Hydra's mean time between runs [s], from the progress file."""
    entries = [json.loads(line) for line in (sweep_dir / ".progress").read_text().splitlines()]
    own = [e["seconds"] for e in entries]
    starts = sorted(e["at"] - e["seconds"] for e in entries)
    ends = sorted(e["at"] for e in entries)
    span = ends[-1] - starts[0]
    gaps = span - sum(own)  # sequential: everything between the first start and the last end
    return statistics.mean(own), gaps / (len(entries) - 1)


def peak_memory_of(args: list[str]) -> tuple[float, float]:
    """Run a command; return its wall time [s] and peak resident memory [MB]."""
    start = time.perf_counter()
    process = subprocess.Popen(args, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise RuntimeError(f"{args} failed: {process.stderr.read().decode()[-2000:]}")
    process.stderr.close()
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def fan_out(source: Path, target: Path, runs: int) -> None:
    """Make a sweep of ``runs`` run folders by hard-linking the files of ``source``'s runs."""
    originals = sorted(p.parent for p in source.rglob("_COMPLETE"))
    for i in range(runs):
        original = originals[i % len(originals)]
        folder = target / f"group={i // 100}" / f"seed={i}"
        (folder / ".hydra").mkdir(parents=True)
        for name in ("timeseries.parquet", "scorecard.csv", "summary.json", "_COMPLETE"):
            os.link(original / name, folder / name)
        (folder / ".hydra" / "overrides.yaml").write_text(f"- group={i // 100}\n- seed={i}\n")


def main(argv: list[str] | None = None) -> None:
    """Run the sweep benchmarks and print their medians."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="repeats of each measurement (default 3)")
    parser.add_argument("--collect-runs", type=int, default=2000, help="runs in the collect benchmark")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench_sweep_"))
    median = statistics.median
    try:
        sequential, parallel, small, direct, own, gaps = [], [], [], [], [], []
        for i in range(args.repeats):
            sequential.append(run_sweep(work / f"sequential{i}", "basic"))
            mean_own, gap = per_run_overhead(work / f"sequential{i}")
            own.append(mean_own)
            gaps.append(gap)
            parallel.append(run_sweep(work / f"joblib{i}", "joblib"))
            small.append(run_sweep(work / f"small{i}", "basic", seeds=2))
            direct.append(direct_runs(work))
            print(
                f"repeat {i + 1}/{args.repeats}: 40 runs sequential {sequential[-1]:.1f} s, joblib "
                f"{parallel[-1]:.1f} s; 8 runs sequential {small[-1]:.1f} s; a run directly {direct[-1]:.3f} s",
                file=sys.stderr,
            )
        fan_out(work / "joblib0", work / "collect", args.collect_runs)
        collect_time, collect_peak = peak_memory_of(
            [sys.executable, "-m", "experiments.collect", str(work / "collect")]
        )
        print(f"40-run sweep (mix_comparison: 4 mixes x 10 seeds at scale 1), medians of {args.repeats}:")
        print(f"  sequential launcher:                          {median(sequential):7.1f} s")
        print(f"  joblib launcher ({os.cpu_count()} cores):                    {median(parallel):7.1f} s")
        speedup = median(s / p for s, p in zip(sequential, parallel, strict=True))
        print(f"  speed-up joblib / sequential:                 {speedup:7.2f} x   [target >= 1.6]")
        marginal = [(big - little) / 32 for big, little in zip(sequential, small, strict=True)]
        extra = median((m - d) / d for m, d in zip(marginal, direct, strict=True))
        print(f"  a run done directly (compose, simulate, write):  {median(direct):6.3f} s")
        print(f"  a run through the sequential launcher (marginal): {median(marginal):6.3f} s")
        print(f"  Hydra's per-run overhead:                        {extra:6.0%}      [target <= 20 %]")
        share = median(g / o for g, o in zip(gaps, own, strict=True))
        print(
            f"  stricter view: time between runs {median(gaps):.3f} s (composing the run's config included) "
            f"over simulating and writing {median(own):.3f} s = {share:.0%}"
        )
        print(
            f"collect over {args.collect_runs} runs: {collect_time:.1f} s, peak memory {collect_peak:.0f} MB "
            "[target <= 1 GB]"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
