"""``python -m experiments.bench_sweep``: time and memory of sweeps and of collecting one.

Runs :func:`experiments.benchmarks.sweep_speed.main`; see that module for what it writes.
"""

from experiments.benchmarks.sweep_speed import main

if __name__ == "__main__":
    main()
