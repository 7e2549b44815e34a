"""``python -m experiments.collect``: a sweep folder's runs collected into its tables and figures.

Runs :func:`experiments.sweeps.collect.main`; see that module for what it writes.
"""

from experiments.sweeps.collect import main

if __name__ == "__main__":
    main()
