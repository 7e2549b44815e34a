"""``python -m experiments.calibrate``: behavioural parameters estimated by the method of simulated moments.

Runs :func:`experiments.apps.calibrate.main`; see that module for what it writes.
"""

from experiments.apps.calibrate import main

if __name__ == "__main__":
    main()
