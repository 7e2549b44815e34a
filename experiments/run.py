"""``python -m experiments.run``: one run, or with ``-m`` a sweep of runs (any Hydra override).

Runs :func:`experiments.sweeps.run.main`; see that module for what it writes.
"""

from experiments.sweeps.run import main

if __name__ == "__main__":
    main()
