"""``python -m experiments.bench``: time and memory of a full-scale run, against the targets.

Runs :func:`experiments.benchmarks.model_speed.main`; see that module for what it writes.
"""

from experiments.benchmarks.model_speed import main

if __name__ == "__main__":
    main()
