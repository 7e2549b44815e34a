"""Benchmark of the core simulator: ``python -m experiments.bench``.

Prints medians over several full-scale runs (all firms, 2018Q1-2022Q4):

* wall time of a run, model construction included (interpreter start and imports
  excluded), and its parts;
* peak memory of a process that imports the model and does one full-scale run
  (measured in a fresh subprocess: its maximum resident set size);
* side by side in the same process, the model's time per simulated quarter over the
  time of one plain Mesa activation of the same agents
  (``model.agents.shuffle_do`` with a trivial step that reads two plain attributes
  and writes one). The two alternate: before each quarter, one activation of the
  agents then alive, so both are measured in the same state of the model and of the
  machine; the ratio is the mean quarter over the median activation.

Targets (issue 2): run <= 2 s, peak memory <= 500 MB, ratio <= 0.2.

With ``--phases``, one more full-scale run times each phase of the quarter (with the same
activation before each quarter) and prints where the quarter goes.
"""

from __future__ import annotations

import argparse
import collections
import gc
import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any


def trivial_step(agent: object) -> None:
    """Read two attributes of the agent and write one: the cheapest meaningful activation."""
    agent.visited = agent.unique_id if agent.pos is None else 0  # type: ignore[attr-defined]


def alternate(model: Any) -> Iterator[tuple[float, float]]:
    """Run the model to its end, one plain activation before each quarter.

    Yields the time of each activation and of the quarter after it [s].
    """
    from model.calendar import N_QUARTERS

    while model.quarter < N_QUARTERS:  # the quarters (not the step after 2022Q4, which only ends the run)
        start = time.perf_counter()
        model.agents.shuffle_do(trivial_step)
        visited = time.perf_counter()
        model.step()
        yield visited - start, time.perf_counter() - visited


def one_run(seed: int, policy_mix: str) -> dict[str, float]:
    """Build and run one full-scale model; time its parts and a plain Mesa activation."""
    from model import ShandongModel

    start = time.perf_counter()
    model = ShandongModel(seed=seed, scale=1.0, policy_mix=policy_mix)
    built = time.perf_counter()
    activation, steps = zip(*alternate(model), strict=True)
    per_quarter = sum(steps) / len(steps)
    agents = len(model.agents)
    del model
    gc.collect()  # the next run starts without this one's garbage
    return {
        "run_s": (built - start) + sum(steps),
        "build_s": built - start,
        "quarter_ms": per_quarter * 1e3,
        "activation_ms": statistics.median(activation) * 1e3,
        "ratio": per_quarter / statistics.median(activation),
        "agents": agents,
    }


# The model's phases, in the order of ShandongModel.step (plus the instruments,
# the accounts and the data collector, which belong to other objects).
PHASES = (
    "plants_produce",
    "regulate",
    "plants_invest_upgrade_or_exit",
    "fund_invests",
    "firms_grow",
    "firms_enter",
    "recognise",
    "resettle",
)


def phase_profile(seed: int, policy_mix: str, scale: float = 1.0) -> tuple[dict[str, float], float]:
    """Time each phase of the quarter over a run [ms per quarter]; also return the whole quarter."""
    from model import ShandongModel

    model = ShandongModel(seed=seed, scale=scale, policy_mix=policy_mix)
    spent: dict[str, float] = collections.defaultdict(float)

    def timed(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - start

        return run

    # Instance attributes shadow the methods for this model only.
    for name in PHASES:
        setattr(model, name, timed(name, getattr(model, name)))
    model.government.apply_policies = timed("instruments (apply_policies)", model.government.apply_policies)
    model.accounts.record = timed("accounts.record", model.accounts.record)
    model.datacollector.collect = timed("datacollector.collect", model.datacollector.collect)
    steps = [step for _, step in alternate(model)]
    quarters = len(steps)
    return {name: 1e3 * seconds / quarters for name, seconds in spent.items()}, 1e3 * sum(steps) / quarters


def print_phases(policy_mix: str) -> None:
    """Print the phase profile of one full-scale run."""
    phases, quarter = phase_profile(seed=0, policy_mix=policy_mix)
    print(f"where a quarter goes (one run, seed 0; {quarter:.2f} ms per quarter):")
    for name, ms in sorted(phases.items(), key=lambda item: -item[1]):
        print(f"  {name:32s} {ms:6.2f} ms  {ms / quarter:4.0%}")
    other = quarter - sum(phases.values())
    print(f"  {'other (calendar, Mesa step)':32s} {other:6.2f} ms  {other / quarter:4.0%}")


def memory_probe(policy_mix: str) -> None:
    """Import, build and run once; print the process's peak resident memory [MB]."""
    from model import ShandongModel

    ShandongModel(seed=0, scale=1.0, policy_mix=policy_mix).run()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"peak_mb": peak_kb / 1024}))


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print its medians."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="full-scale runs (default 5)")
    parser.add_argument("--policy-mix", default="as_enacted", help="policy mix (default as_enacted)")
    parser.add_argument("--phases", action="store_true", help="also print where a quarter goes, phase by phase")
    parser.add_argument("--memory-probe", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_probe:
        memory_probe(args.policy_mix)
        return

    import model  # noqa: F401  - imports are not part of the timed work

    one_run(seed=999, policy_mix=args.policy_mix)  # warm-up: caches, lazy imports
    results = []
    for i in range(args.runs):
        results.append(one_run(seed=i, policy_mix=args.policy_mix))
        r = results[-1]
        print(
            f"run {i + 1}/{args.runs}: {r['run_s']:.3f} s (build {r['build_s']:.3f} s), "
            f"{r['quarter_ms']:.2f} ms/quarter, activation {r['activation_ms']:.1f} ms, "
            f"ratio {r['ratio']:.3f}",
            file=sys.stderr,
        )
    probe = subprocess.run(
        [sys.executable, "-m", "experiments.bench", "--memory-probe", "--policy-mix", args.policy_mix],
        capture_output=True,
        text=True,
        check=True,
    )
    peak = json.loads(probe.stdout.strip().splitlines()[-1])["peak_mb"]

    def median(key: str) -> float:
        return statistics.median(r[key] for r in results)

    print(f"full-scale runs: {args.runs} x {results[0]['agents']} agents, mix {args.policy_mix}")
    print(f"  run wall time (build + 20 quarters), median: {median('run_s'):.3f} s   [target <= 2 s]")
    print(f"    of which model construction:             {median('build_s'):.3f} s")
    print(f"  peak memory (fresh process, one run):       {peak:.0f} MB   [target <= 500 MB]")
    print(f"  time per simulated quarter, median:         {median('quarter_ms'):.2f} ms")
    print(f"  one plain Mesa activation (shuffle_do):     {median('activation_ms'):.2f} ms")
    print(f"  ratio quarter / activation, median:         {median('ratio'):.3f}   [target <= 0.2]")
    if args.phases:
        print_phases(args.policy_mix)
