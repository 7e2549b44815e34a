"""``python -m experiments.backtest``: the default config's runs against a table of observations.

Runs :func:`experiments.apps.backtest.main`; see that module for the table and what it writes.
"""

from experiments.apps.backtest import main

if __name__ == "__main__":
    main()
