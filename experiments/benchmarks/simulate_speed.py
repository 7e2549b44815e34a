"""Time of :func:`model.simulate` calls: ``python -m experiments.benchmarks.simulate_speed``.

The first call in a process composes the config and compiles the model's loops; the ones
after it reuse the composed config (each with its own overrides) and should take under a
second at scale 0.1. Prints the first call's time and the median and maximum of the next.
"""

from __future__ import annotations

import argparse
import statistics
import time


def main(argv: list[str] | None = None) -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--calls", type=int, default=5, help="calls after the first")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    from model import simulate

    simulate(seed=0, scale=args.scale)
    first = time.perf_counter() - started
    times = []
    for i in range(args.calls):
        overrides = {
            "policy_mix.instruments.conversion_fund.subscribed_target": 300.0 + 200.0 * i,
            "policy_mix.instruments.standards.pace": 0.5 + 0.25 * i,
            "scenario.demand_growth.steel": -0.03 + 0.01 * i,
        }
        start = time.perf_counter()
        simulate(overrides, seed=i + 1, scale=args.scale)
        times.append(time.perf_counter() - start)
    print(
        f"simulate at scale {args.scale}: first call {first:.2f} s (imports, compose, compile); "
        f"next {args.calls} with other overrides and seeds: median {statistics.median(times):.2f} s, "
        f"max {max(times):.2f} s"
    )


if __name__ == "__main__":
    main()
