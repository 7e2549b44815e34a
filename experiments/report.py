"""``python -m experiments.report``: the planner's report of a collected sweep, as HTML.

Runs :func:`experiments.reports.render.main` (``--lang zh``, ``--walkthrough``); see that
module for what it writes.
"""

from experiments.reports.render import main

if __name__ == "__main__":
    main()
