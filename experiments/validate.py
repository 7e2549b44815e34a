"""``python -m experiments.validate``: simulated against observed, and the stylised facts the model should show.

Runs :func:`experiments.apps.validate.main`; see that module for what it writes.
"""

from experiments.apps.validate import main

if __name__ == "__main__":
    main()
