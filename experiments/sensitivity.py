"""``python -m experiments.sensitivity``: which uncertain inputs decide whether each 2022 target is met.

Runs :func:`experiments.apps.sensitivity.main`; see that module for what it writes.
"""

from experiments.apps.sensitivity import main

if __name__ == "__main__":
    main()
